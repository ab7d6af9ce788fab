export { createSoakGate } from './soakGate';
export type { SoakGateOptions } from './soakGate';
export {
  SOAK_GATE_NAME,
  SoakOptionsError,
  readSoakOptions,
  soakOptionsForLane,
  validateSoakGates,
} from './soakOptions';
export type { SoakOptions } from './soakOptions';
