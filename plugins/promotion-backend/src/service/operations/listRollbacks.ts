import {
  promotionReadPermission,
  singleLineSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { z } from 'zod';
import { listRollbackViews } from '../../views/rollbackViews';
import { callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter } from './context';

const listQuery = z
  .object({ environment: singleLineSchema(63).min(1).optional() })
  .strict();

/** `GET .../rollbacks` (ListRollbacks): the service's rollbacks, manual and automatic, newest first. */
export function listRollbacks(
  router: PromotionRouter,
  {
    httpAuth,
    authorizedService,
    store,
  }: Pick<OperationContext, 'httpAuth' | 'authorizedService' | 'store'>,
) {
  router.get(
    '/v1/services/:kind/:namespace/:name/rollbacks',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const query = parseInput(listQuery, req.query, 'query');
      const service = await authorizedService(
        caller,
        promotionReadPermission,
        serviceRefFromPath(req.params),
      );
      res.json({
        items: await listRollbackViews(
          store,
          service.entityRef,
          query.environment,
        ),
      });
    },
  );
}
