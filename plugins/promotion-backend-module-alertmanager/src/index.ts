/**
 * Prometheus Alertmanager for promotions: a pager that posts alerts to it, and
 * an alert source the incident gate reads firing alerts from.
 *
 * @packageDocumentation
 */
export { promotionModuleAlertmanager as default } from './module';
export {
  AlertmanagerPager,
  PROMOTION_ALERT_NAME,
  type PostableAlert,
} from './AlertmanagerPager';
export {
  ALERTMANAGER_CONFIG_KEY,
  readAlertmanagerPagerSettings,
  type AlertmanagerPagerSettings,
} from './config';
export { AlertmanagerAlertSource } from './AlertmanagerAlertSource';
export {
  ALERT_SOURCE_CONFIG_KEY,
  readAlertmanagerSourceSettings,
  type AlertmanagerSourceSettings,
} from './alertSourceConfig';
