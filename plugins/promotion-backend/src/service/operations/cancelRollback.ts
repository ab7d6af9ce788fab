import { releaseHoldRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { cancelRollback as cancelRollbackCommand } from '../../commands/cancelRollback';
import { promotionView } from '../../views/shapes';
import { audited, callerOf } from '../access';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';

/** `POST /v1/promotions/{promotionId}/cancel` (CancelRollback): stop a rollback that has not deployed yet. */
export function cancelRollback(
  router: PromotionRouter,
  {
    httpAuth,
    permissions,
    auditor,
    store,
    engine,
    recordRefusal,
    clock,
  }: Pick<
    OperationContext,
    | 'httpAuth'
    | 'permissions'
    | 'auditor'
    | 'store'
    | 'engine'
    | 'recordRefusal'
    | 'clock'
  >,
) {
  router.post('/v1/promotions/:promotionId/cancel', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const body = parseInput(releaseHoldRequestSchema, req.body ?? {});
    await audited(
      auditor,
      req,
      'rollback-cancel',
      { promotionId: req.params.promotionId },
      async () => {
        const promotion = await cancelRollbackCommand(
          {
            store,
            permissions,
            recordRefusal,
            wake: () => engine.kick(),
            clock,
          },
          {
            caller,
            promotionId: req.params.promotionId,
            reason: body.reason,
          },
        );
        res.json(plain(await promotionView(store, promotion)));
      },
    );
  });
}
