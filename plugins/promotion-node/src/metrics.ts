/** The health signals a soak watches. */
export type HealthSignal = 'errorRate' | 'latency' | 'saturation';

/** Which service, environment and time range to read. */
export interface MetricsQuery {
  entityRef: string;
  environment: string;
  /** Artifact digest running there, for providers that label by it. */
  digest?: string;
  start: Date;
  end: Date;
  /** Step between samples, in seconds. */
  stepSeconds: number;
  /** Provider-specific options from the environment's gate config. */
  options?: Record<string, unknown>;
}

/** One point of a time series. `value` may be NaN when the source says so. */
export interface MetricSample {
  at: Date;
  value: number;
}

/** Good and total request counts over a window, for SLO burn rates. */
export interface SloCounts {
  good: number;
  total: number;
}

/**
 * Reads health metrics. Implementations throw when the source cannot answer;
 * callers treat that as `failed` (fail closed), never as healthy.
 */
export interface MetricsProvider {
  /** Samples of one signal over the query's range. */
  querySignal(
    signal: HealthSignal,
    query: MetricsQuery,
  ): Promise<MetricSample[]>;
  /** Good and total request counts over the query's range. */
  querySloCounts(query: MetricsQuery): Promise<SloCounts>;
}
