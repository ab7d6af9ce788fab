// The new frontend system app: the promotion plugin's ./alpha entry adds the
// Pipeline tab to entity pages and the Promotions page.
import { createApp } from '@backstage/frontend-defaults';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage } from '@backstage/core-components';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import promotionPlugin from '@promotion-pipeline/backstage-plugin-promotion/alpha';

const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => props =>
          <SignInPage {...props} auto providers={['guest']} />,
      },
    }),
  ],
});

export default createApp({
  features: [catalogPlugin, signalsPlugin, promotionPlugin, signInModule],
});
