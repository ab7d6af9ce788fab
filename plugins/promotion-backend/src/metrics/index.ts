export * from './SoakSampleStore';
export { DatabaseSoakSampleStore } from './DatabaseSoakSampleStore';
export {
  COUNTER_BASELINE_LOOKBACK_MS,
  PushMetricsProvider,
} from './PushMetricsProvider';
export {
  SOAK_SAMPLE_RETENTION_KEY,
  pruneSoakSamples,
  readSoakSampleRetentionMs,
} from './retention';
export {
  SOAK_VIEW_SAMPLE_LIMIT,
  buildLaneSoakView,
  buildSoakView,
} from './soakView';
export type { CurrentDeployment } from './soakView';
