import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { promotionApiRef, PromotionClient } from './api';
import { rootRouteRef } from './routes';

/** The promotion frontend plugin (legacy frontend system). */
export const promotionPlugin = createPlugin({
  id: 'promotion',
  apis: [
    createApiFactory({
      api: promotionApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new PromotionClient(deps),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** The pipeline tab for a service's entity page. */
export const EntityPromotionContent = promotionPlugin.provide(
  createRoutableExtension({
    name: 'EntityPromotionContent',
    component: () =>
      import('./components/EntityPromotionContent').then(
        m => m.EntityPromotionContent,
      ),
    mountPoint: rootRouteRef,
  }),
);
