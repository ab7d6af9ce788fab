export {
  DEFAULT_BURN_WINDOWS,
  DEFAULT_SLO_PERIOD_MS,
  TICKET_BURN_WINDOW,
  budgetConsumed,
  burnRate,
  burnWindowDurations,
  errorBudget,
  formatWindow,
} from './burnRate';
export type { BurnWindow } from './burnRate';
export { evaluateBurn } from './evaluateBurn';
export type {
  BurnEvaluation,
  BurnInput,
  BurnWindowResult,
  BurnWindowStatus,
} from './evaluateBurn';
export { nextSustainState } from './sustain';
export type { SustainResult, SustainState } from './sustain';
export {
  DEFAULT_MIN_REQUESTS,
  DEFAULT_SETTLE_MS,
  DEFAULT_SUSTAIN_MS,
  SloConfigError,
  readSloConfig,
} from './config';
export type { SloConfig } from './config';
export { burningNow, impactStart, nextBurningSince } from './burning';
