/**
 * Promotion pager that posts alerts to Prometheus Alertmanager.
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
