/**
 * Test utilities: a real Alertmanager on loopback, for integration tests of
 * anything that reads or posts alerts (this module's alert source and pager,
 * the incident freeze in the promotion backend).
 *
 * @packageDocumentation
 */
export { startAlertmanager } from './alertmanagerServer';
export type { TestAlertmanager } from './alertmanagerServer';
