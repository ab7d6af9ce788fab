export * from './PromotionApi';
export * from './PromotionClient';
