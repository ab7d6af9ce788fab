import { decisionRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { decidePromotion } from '../../commands/decidePromotion';
import { promotionView } from '../../views/shapes';
import { audited, callerOf } from '../access';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';

/** What approving and rejecting a promotion need. */
export type DecisionContext = Pick<
  OperationContext,
  | 'httpAuth'
  | 'permissions'
  | 'auditor'
  | 'store'
  | 'engine'
  | 'userInfo'
  | 'recordRefusal'
  | 'clock'
>;

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
            store,
            permissions: context.permissions,
            userInfo: context.userInfo,
            recordRefusal: context.recordRefusal,
            pipelineOf: artifact => engine.pipelineOf(artifact),
            wake: () => engine.kick(),
            clock: context.clock,
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
