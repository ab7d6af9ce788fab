import { overrideRollbackRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { audited } from '../access';
import { parseInput } from '../validation';
import { PromotionRouter } from './context';
import { AutoRollbackContext, authorizedRollback } from './autoRollbackAccess';

/**
 * `POST /v1/rollbacks/{rollbackId}/override` (OverrideRollback): on-call
 * disagrees; the rolled-back artifact is deployed again.
 */
export function overrideRollback(
  router: PromotionRouter,
  context: AutoRollbackContext,
) {
  const { auditor, engine } = context;
  router.post('/v1/rollbacks/:rollbackId/override', async (req, res) => {
    const body = parseInput(overrideRollbackRequestSchema, req.body);
    await audited(
      auditor,
      req,
      'auto-rollback-override',
      { rollbackId: req.params.rollbackId },
      async () => {
        const { caller, rollback } = await authorizedRollback(context, req);
        const promotion = await engine.overrideAutoRollback({
          rollbackId: rollback.id,
          actor: caller.actor,
          comment: body.comment,
        });
        res.status(202).json({ promotionId: promotion.id });
      },
    );
  });
}
