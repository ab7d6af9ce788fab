/**
 * Pipeline tab for catalog entities.
 *
 * @packageDocumentation
 */
export {
  promotionPlugin,
  EntityPromotionContent,
  EntityPromotionOverviewCard,
  PromotionsPage,
} from './plugin';
export { isPromotionAvailable } from './isPromotionAvailable';
export * from './api';
