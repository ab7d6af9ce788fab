// The legacy frontend system app, for adopters who have not moved yet: the
// Pipeline tab is a route on the EntityPage (EntityPage.tsx).
import { Navigate, Route } from 'react-router-dom';
import { createApp } from '@backstage/app-defaults';
import { AppRouter, FlatRoutes } from '@backstage/core-app-api';
import { AlertDisplay, SignInPage } from '@backstage/core-components';
import { CatalogEntityPage, CatalogIndexPage } from '@backstage/plugin-catalog';
import { SignalsDisplay } from '@backstage/plugin-signals';
import { PromotionsPage } from '@promotion-pipeline/backstage-plugin-promotion';
import { entityPage } from './EntityPage';

const app = createApp({
  components: {
    SignInPage: props => <SignInPage {...props} auto providers={['guest']} />,
  },
});

export default app.createRoot(
  <>
    <AlertDisplay />
    <SignalsDisplay />
    <AppRouter>
      <FlatRoutes>
        <Route path="/" element={<Navigate to="catalog" />} />
        <Route path="/catalog" element={<CatalogIndexPage />} />
        <Route
          path="/catalog/:namespace/:kind/:name"
          element={<CatalogEntityPage />}
        >
          {entityPage}
        </Route>
        <Route path="/promotions" element={<PromotionsPage />} />
      </FlatRoutes>
    </AppRouter>
  </>,
);
