/**
 * Test utilities: a real Prometheus server and a real instrumented service on
 * loopback, for integration tests of anything that reads Prometheus (this
 * module's provider, the soak gate in the promotion backend).
 *
 * @packageDocumentation
 */
export { PROMETHEUS_BIN, freePort, startPrometheus } from './prometheusServer';
export type { PrometheusServer } from './prometheusServer';
export {
  EXPECTED_P95_SECONDS,
  LATENCY_BUCKETS,
  startInstrumentedService,
} from './instrumentedService';
export type {
  InstrumentedService,
  ServiceTraffic,
} from './instrumentedService';
