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
  WARM_PROCESSES_PER_ENVIRONMENT,
} from './LocalProcessDeployer';
export type { LocalProcessDeployerOptions } from './LocalProcessDeployer';
export {
  LOCAL_PROCESS_CONFIG_KEY,
  readLocalProcessDeployerSettings,
} from './config';
export type { LocalProcessDeployerSettings, PortRange } from './config';
export { findDemoServiceScript } from './defaultCommand';
