import { decisionRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { decidePromotion } from '../../commands/decidePromotion';
import { promotionView } from '../../views/shapes';
import { audited, callerOf } from '../access';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';
import { RecordCommandContext, recordCommandDeps } from './wakingCommand';

/** What approving and rejecting a promotion need: a record command's context and who the approver is. */
export type DecisionContext = RecordCommandContext &
  Pick<OperationContext, 'userInfo'>;

/** Binds `POST /v1/promotions/{promotionId}/approve` or `.../reject` to the decision command. */
export function bindDecision(
  router: PromotionRouter,
  context: DecisionContext,
  decision: 'approved' | 'rejected',
) {
  const { httpAuth, auditor, store, engine } = context;
  const path =
    decision === 'approved'
      ? '/v1/promotions/:promotionId/approve'
      : '/v1/promotions/:promotionId/reject';
  router.post(path, async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const body = parseInput(decisionRequestSchema, req.body ?? {});
    await audited(
      auditor,
      req,
      decision === 'approved' ? 'promotion-approve' : 'promotion-reject',
      { promotionId: req.params.promotionId },
      async () => {
        const promotion = await decidePromotion(
          {
            ...recordCommandDeps(context),
            userInfo: context.userInfo,
            pipelineOf: artifact => engine.pipelineOf(artifact),
          },
          {
            caller,
            promotionId: req.params.promotionId,
            decision,
            comment: body.comment,
          },
        );
        res.json(plain(await promotionView(store, promotion)));
      },
    );
  });
}
