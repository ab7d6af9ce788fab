import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/** The time the promotion plugin goes by: the engine, gates, routes and auto-rollback. */
export interface PromotionClock {
  now(): Date;
}

/**
 * The plugin's clock. Production uses the system time; end-to-end tests
 * replace it with a clock they move by hand, so soak windows, calendar windows
 * and burn-rate sustain times can be crossed without waiting.
 */
export const promotionClockServiceRef = createServiceRef<PromotionClock>({
  id: 'promotion.clock',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => ({ now: () => new Date() }),
    }),
});
