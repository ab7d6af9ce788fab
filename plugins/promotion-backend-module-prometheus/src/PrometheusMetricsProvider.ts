import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type {
  HealthSignal,
  MetricSample,
  MetricsProvider,
  MetricsQuery,
  SloCounts,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PrometheusClient } from './client';
import {
  DEFAULT_PROMETHEUS_QUERIES,
  PROMETHEUS_QUERY_NAMES,
  PrometheusQueries,
  PrometheusQueryName,
  formatPromQLDuration,
  renderPromQLTemplate,
  splitEntityRef,
  validatePromQLTemplate,
} from './queries';

/** The config key this provider reads. */
export const PROMETHEUS_CONFIG_KEY = 'promotion.metrics.prometheus';

const DEFAULT_TIMEOUT_MS = 10_000;

/** How to reach Prometheus and what to ask it. */
export interface PrometheusMetricsProviderOptions {
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090`. */
  baseUrl: string;
  /** How long one query may take, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Templates replacing the defaults, per query name. */
  queries?: Partial<PrometheusQueries>;
}

/**
 * Reads health signals and SLO counts from Prometheus.
 *
 * Fails closed: throws on transport errors, timeouts, HTTP and PromQL errors,
 * no data, more than one series, and SLO counts that are not finite.
 * Signal samples that are not finite (NaN for 0/0, ±Inf) are returned as NaN;
 * the soak gate counts a NaN sample as a breach.
 */
export class PrometheusMetricsProvider implements MetricsProvider {
  private readonly client: PrometheusClient;
  private readonly queries: PrometheusQueries;
  /** Longest one query may take, in ms. */
  readonly timeoutMs: number;

  /** Builds the provider from `promotion.metrics.prometheus`; errors name the bad key. */
  static fromConfig(config: Config): PrometheusMetricsProvider {
    const key = PROMETHEUS_CONFIG_KEY;
    const baseUrl = config.getString(`${key}.baseUrl`);
    const timeoutMs = config.has(`${key}.timeout`)
      ? durationToMilliseconds(
          readDurationFromConfig(config, { key: `${key}.timeout` }),
        )
      : DEFAULT_TIMEOUT_MS;
    const queries: Partial<PrometheusQueries> = {};
    const queriesConfig = config.getOptionalConfig(`${key}.queries`);
    for (const name of queriesConfig?.keys() ?? []) {
      if (!isQueryName(name)) {
        throw new Error(
          `Invalid config at '${key}.queries.${name}': unknown query; use one of ${PROMETHEUS_QUERY_NAMES.join(
            ', ',
          )}`,
        );
      }
      queries[name] = queriesConfig!.getString(name);
    }
    try {
      return new PrometheusMetricsProvider({ baseUrl, timeoutMs, queries });
    } catch (error) {
      throw new Error(
        `Invalid config at '${key}': ${(error as Error).message}`,
      );
    }
  }

  constructor(options: PrometheusMetricsProviderOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`baseUrl '${options.baseUrl}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`baseUrl '${options.baseUrl}' must be http or https`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
      throw new Error(`timeout must be a positive duration, got ${timeoutMs}`);
    }
    this.queries = { ...DEFAULT_PROMETHEUS_QUERIES };
    for (const [name, template] of Object.entries(options.queries ?? {})) {
      this.queries[name as PrometheusQueryName] = checkTemplate(
        name,
        template,
        'queries',
      );
    }
    this.timeoutMs = timeoutMs;
    this.client = new PrometheusClient({ baseUrl: options.baseUrl, timeoutMs });
  }

  /** Samples of one signal over the query's range, from `/api/v1/query_range`. */
  async querySignal(
    signal: HealthSignal,
    query: MetricsQuery,
  ): Promise<MetricSample[]> {
    if (!(query.end.getTime() >= query.start.getTime())) {
      throw new Error('metrics query end must not be before its start');
    }
    if (!(query.stepSeconds > 0 && Number.isFinite(query.stepSeconds))) {
      throw new Error(
        `metrics query step must be a positive number of seconds, got ${query.stepSeconds}`,
      );
    }
    // A signal template's {{window}} is the step: each sample then covers
    // the time since the previous one.
    const window = formatPromQLDuration(
      Math.max(1, Math.round(query.stepSeconds)),
    );
    const promql = this.render(signal, query, window);
    const series = await withContext(signal, query, promql, () =>
      this.client.queryRange(promql, query.start, query.end, query.stepSeconds),
    );
    const [only] = single(signal, query, promql, series);
    return only.values.map(([at, value]) => ({
      at: new Date(Math.round(at * 1000)),
      value: Number.isFinite(value) ? value : NaN,
    }));
  }

  /** Good and total requests over the query's range, from `/api/v1/query` at its end. */
  async querySloCounts(query: MetricsQuery): Promise<SloCounts> {
    const seconds = Math.round(
      (query.end.getTime() - query.start.getTime()) / 1000,
    );
    if (!(seconds >= 1)) {
      throw new Error(
        'metrics query range must span at least one second for SLO counts',
      );
    }
    const window = formatPromQLDuration(seconds);
    const [good, total] = await Promise.all(
      (['sloGood', 'sloTotal'] as const).map(name =>
        this.count(name, query, window),
      ),
    );
    // Both are extrapolated per series, so good may overshoot total by a
    // hair; far more means the two templates do not count the same requests.
    if (good > total * 1.01 + 1) {
      throw new Error(
        `SLO counts of ${query.entityRef} in ${query.environment} are inconsistent: good ${good} > total ${total}; check the sloGood and sloTotal queries`,
      );
    }
    return { good, total };
  }

  private async count(
    name: 'sloGood' | 'sloTotal',
    query: MetricsQuery,
    window: string,
  ): Promise<number> {
    const promql = this.render(name, query, window);
    const samples = await withContext(name, query, promql, () =>
      this.client.queryInstant(promql, query.end),
    );
    const [{ value }] = single(name, query, promql, samples);
    const count = value[1];
    if (!Number.isFinite(count) || count < 0) {
      throw new Error(
        `Prometheus returned ${count} for ${describe(
          name,
          query,
        )}, which is not a request count (query: ${promql})`,
      );
    }
    return count;
  }

  private render(
    name: PrometheusQueryName,
    query: MetricsQuery,
    window: string,
  ): string {
    const template = overridesOf(query)[name] ?? this.queries[name];
    try {
      return renderPromQLTemplate(template, {
        ...splitEntityRef(query.entityRef),
        entityRef: query.entityRef,
        environment: query.environment,
        digest: query.digest,
        window,
      });
    } catch (error) {
      throw new Error(
        `Cannot build the ${name} query for ${query.entityRef} in ${
          query.environment
        }: ${(error as Error).message}`,
      );
    }
  }
}

/** Per-environment templates from the gate options (`options.queries`). */
function overridesOf(query: MetricsQuery): Partial<PrometheusQueries> {
  const raw = query.options?.queries;
  if (raw === undefined) {
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(
      'metrics option queries must be an object of PromQL templates',
    );
  }
  const overrides: Partial<PrometheusQueries> = {};
  for (const [name, template] of Object.entries(raw)) {
    overrides[name as PrometheusQueryName] = checkTemplate(
      name,
      template,
      'options.queries',
    );
  }
  return overrides;
}

function checkTemplate(name: string, template: unknown, where: string): string {
  if (!isQueryName(name)) {
    throw new Error(
      `${where}.${name} is not a query; use one of ${PROMETHEUS_QUERY_NAMES.join(
        ', ',
      )}`,
    );
  }
  if (typeof template !== 'string' || !template.trim()) {
    throw new Error(`${where}.${name} must be a non-empty PromQL template`);
  }
  try {
    validatePromQLTemplate(template);
  } catch (error) {
    throw new Error(`${where}.${name}: ${(error as Error).message}`);
  }
  return template;
}

function isQueryName(name: string): name is PrometheusQueryName {
  return (PROMETHEUS_QUERY_NAMES as readonly string[]).includes(name);
}

function describe(name: string, query: MetricsQuery): string {
  return `${name} of ${query.entityRef} in ${query.environment}`;
}

/** Prefixes client errors with what was being read, keeping Prometheus' message. */
async function withContext<T>(
  name: string,
  query: MetricsQuery,
  promql: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(
      `Cannot read ${describe(name, query)}: ${
        (error as Error).message
      } (query: ${promql})`,
    );
  }
}

/** The one series a query must yield; none is "no data", several are ambiguous. */
function single<T extends { metric: Record<string, string> }>(
  name: string,
  query: MetricsQuery,
  promql: string,
  series: T[],
): [T] {
  if (series.length === 0 || series.every(isEmptySeries)) {
    throw new Error(
      `Prometheus returned no data for ${describe(
        name,
        query,
      )} (query: ${promql})`,
    );
  }
  if (series.length > 1) {
    const labels = series
      .slice(0, 3)
      .map(s => JSON.stringify(s.metric))
      .join(', ');
    throw new Error(
      `Prometheus returned ${series.length} series for ${describe(
        name,
        query,
      )}, which is ambiguous; aggregate the query to one series (got ${labels}) (query: ${promql})`,
    );
  }
  return [series[0]];
}

function isEmptySeries(series: object): boolean {
  return 'values' in series && (series.values as unknown[]).length === 0;
}
