import { PromotionRouter } from './context';
import { DecisionContext, bindDecision } from './decide';

/** `POST /v1/promotions/{promotionId}/reject` (RejectPromotion): a rejection fails the promotion for good. */
export function rejectPromotion(
  router: PromotionRouter,
  context: DecisionContext,
) {
  bindDecision(router, context, 'rejected');
}
