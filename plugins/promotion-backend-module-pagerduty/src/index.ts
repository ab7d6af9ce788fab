/**
 * Promotion pager speaking the PagerDuty Events v2 format.
 *
 * @packageDocumentation
 */
export { promotionModulePagerDuty as default } from './module';
export { PagerDutyPager } from './PagerDutyPager';
export {
  checkEvent,
  resolveEvent,
  triggerEvent,
  EVENTS_V2_LIMITS,
  type PagerDutyEvent,
  type PagerDutySeverity,
} from './events';
export {
  PAGERDUTY_CONFIG_KEY,
  PAGERDUTY_EVENTS_URL,
  readPagerDutyPagerSettings,
  type PagerDutyPagerSettings,
} from './config';
