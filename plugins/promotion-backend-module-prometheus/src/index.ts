/**
 * The promotion `prometheus` metrics provider: health signals and SLO counts
 * read from the Prometheus HTTP API.
 *
 * @packageDocumentation
 */
export { promotionModulePrometheus as default } from './module';
export {
  PROMETHEUS_CONFIG_KEY,
  PrometheusMetricsProvider,
} from './PrometheusMetricsProvider';
export type { PrometheusMetricsProviderOptions } from './PrometheusMetricsProvider';
export {
  DEFAULT_PROMETHEUS_QUERIES,
  PROMETHEUS_QUERY_NAMES,
  escapePromQLString,
  renderPromQLTemplate,
} from './queries';
export type {
  PrometheusQueries,
  PrometheusQueryName,
  TemplateValues,
} from './queries';
