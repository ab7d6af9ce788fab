import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  compatWrapper,
  convertLegacyRouteRef,
} from '@backstage/core-compat-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import PromotionsIcon from '@material-ui/icons/DoubleArrow';
import { promotionApiRef, PromotionClient } from './api';
import { isPromotionAvailable } from './isPromotionAvailable';
import { promotionsPageRouteRef } from './routes';

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

/** The org-wide Promotions page; its title and icon put it in the app's navigation. */
export const promotionsPage = PageBlueprint.make({
  params: {
    path: '/promotions',
    title: 'Promotions',
    icon: <PromotionsIcon />,
    routeRef: convertLegacyRouteRef(promotionsPageRouteRef),
    loader: () =>
      import('./components/PromotionsPage').then(m =>
        compatWrapper(<m.PromotionsPage />),
      ),
  },
});

/** What runs in each environment, on the Overview of services with a pipeline. */
export const promotionOverviewCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    filter: isPromotionAvailable,
    loader: () =>
      import('./components/EntityPromotionOverviewCard').then(m =>
        compatWrapper(<m.EntityPromotionOverviewCard />),
      ),
  },
});

/** The promotion frontend plugin (new frontend system). */
export default createFrontendPlugin({
  pluginId: 'promotion',
  routes: { promotionsPage: convertLegacyRouteRef(promotionsPageRouteRef) },
  extensions: [
    promotionApi,
    promotionEntityContent,
    promotionsPage,
    promotionOverviewCard,
  ],
});
