import { PromotionRouter } from './context';
import { DecisionContext, bindDecision } from './decide';

/** `POST /v1/promotions/{promotionId}/approve` (ApprovePromotion). */
export function approvePromotion(
  router: PromotionRouter,
  context: DecisionContext,
) {
  bindDecision(router, context, 'approved');
}
