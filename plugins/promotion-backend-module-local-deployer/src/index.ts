/**
 * Promotion deployer that runs each deployment as a local process, for the
 * demo and tests.
 *
 * @packageDocumentation
 */
export { promotionModuleLocalDeployer as default } from './module';
export {
  LOCAL_PROCESS_DEPLOYER_NAME,
  LocalProcessDeployer,
} from './LocalProcessDeployer';
export { WARM_PROCESSES_PER_ENVIRONMENT } from './LaneRouter';
export { SERVED_BY_HEADER } from './stableAddress';
export type { AddressTarget } from './stableAddress';
export type { LocalProcessDeployerOptions } from './LocalProcessDeployer';
export {
  LOCAL_PROCESS_CONFIG_KEY,
  readLocalProcessDeployerSettings,
} from './config';
export type {
  LocalProcessDeployerSettings,
  PortRange,
  StableAddressConfig,
} from './config';
export { findDemoServiceScript } from './defaultCommand';
