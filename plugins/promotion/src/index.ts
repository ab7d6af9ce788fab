/**
 * Pipeline tab for catalog entities.
 *
 * @packageDocumentation
 */
export { promotionPlugin, EntityPromotionContent } from './plugin';
export { isPromotionAvailable } from './isPromotionAvailable';
export * from './api';
