import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { promotionApiRef, PromotionClient } from './api';
import { isPromotionAvailable } from './isPromotionAvailable';

/** The promotion API for the new frontend system. */
export const promotionApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: promotionApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new PromotionClient(deps),
    }),
});

/** The pipeline tab on entity pages of services with a pipeline annotation. */
export const promotionEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'pipeline',
    title: 'Pipeline',
    filter: isPromotionAvailable,
    loader: () =>
      import('./components/EntityPromotionContent').then(m => (
        <m.EntityPromotionContent />
      )),
  },
});

/** The promotion frontend plugin (new frontend system). */
export default createFrontendPlugin({
  pluginId: 'promotion',
  extensions: [promotionApi, promotionEntityContent],
});
