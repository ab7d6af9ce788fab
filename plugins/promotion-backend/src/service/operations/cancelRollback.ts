import { releaseHoldRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { cancelRollback as cancelRollbackCommand } from '../../commands/cancelRollback';
import { promotionView } from '../../views/shapes';
import { audited, callerOf } from '../access';
import { parseInput } from '../validation';
import { PromotionRouter, plain } from './context';
import { RecordCommandContext, recordCommandDeps } from './wakingCommand';

/** `POST /v1/promotions/{promotionId}/cancel` (CancelRollback): stop a rollback that has not deployed yet. */
export function cancelRollback(
  router: PromotionRouter,
  context: RecordCommandContext,
) {
  const { httpAuth, auditor, store } = context;
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
          recordCommandDeps(context),
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
