import { confirmRollbackRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { toRollbackView } from '../../views/rollbackViews';
import { audited } from '../access';
import { parseInput } from '../validation';
import { PromotionRouter, plain } from './context';
import { AutoRollbackContext, authorizedRollback } from './autoRollbackAccess';

/** `POST /v1/rollbacks/{rollbackId}/confirm` (ConfirmRollback): on-call agrees; the automatic rollback stands. */
export function confirmRollback(
  router: PromotionRouter,
  context: AutoRollbackContext,
) {
  const { auditor, store, engine } = context;
  router.post('/v1/rollbacks/:rollbackId/confirm', async (req, res) => {
    const body = parseInput(confirmRollbackRequestSchema, req.body ?? {});
    await audited(
      auditor,
      req,
      'auto-rollback-confirm',
      { rollbackId: req.params.rollbackId },
      async () => {
        const { caller, rollback } = await authorizedRollback(context, req);
        await engine.confirmAutoRollback({
          rollbackId: rollback.id,
          actor: caller.actor,
          comment: body.comment,
        });
        const confirmed = (await store.decisions().getRollback(rollback.id))!;
        const artifacts = await store.getArtifactsById([
          confirmed.fromArtifactId,
          confirmed.toArtifactId,
        ]);
        res.json(plain(toRollbackView(confirmed, artifacts)));
      },
    );
  });
}
