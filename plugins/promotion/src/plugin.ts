import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { promotionApiRef, PromotionClient } from './api';
import { promotionsPageRouteRef, rootRouteRef } from './routes';

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
  routes: { root: rootRouteRef, promotionsPage: promotionsPageRouteRef },
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

/** The org-wide Promotions page: approvals waiting for the signed-in user, freezes, what moves, rollbacks. */
export const PromotionsPage = promotionPlugin.provide(
  createRoutableExtension({
    name: 'PromotionsPage',
    component: () =>
      import('./components/PromotionsPage').then(m => m.PromotionsPage),
    mountPoint: promotionsPageRouteRef,
  }),
);

/** A small card for the entity Overview page: what runs in each environment. */
export const EntityPromotionOverviewCard = promotionPlugin.provide(
  createComponentExtension({
    name: 'EntityPromotionOverviewCard',
    component: {
      lazy: () =>
        import('./components/EntityPromotionOverviewCard').then(
          m => m.EntityPromotionOverviewCard,
        ),
    },
  }),
);
