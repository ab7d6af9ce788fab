import { promotionReadPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { deploymentsPage } from '../../views/pages';
import { callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';
import { pageQuery } from './queries';

/** `GET .../deployments` (ListDeployments): a page of the service's deployments, newest first. */
export function listDeployments(
  router: PromotionRouter,
  {
    httpAuth,
    authorizedService,
    store,
  }: Pick<OperationContext, 'httpAuth' | 'authorizedService' | 'store'>,
) {
  router.get(
    '/v1/services/:kind/:namespace/:name/deployments',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const query = parseInput(
        pageQuery.omit({ kind: true }),
        req.query,
        'query',
      );
      const service = await authorizedService(
        caller,
        promotionReadPermission,
        serviceRefFromPath(req.params),
      );
      res.json(plain(await deploymentsPage(store, service.entityRef, query)));
    },
  );
}
