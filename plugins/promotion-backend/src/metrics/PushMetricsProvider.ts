import type {
  HealthSignal,
  MetricSample,
  MetricsProvider,
  MetricsQuery,
  SloCounts,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  PUSH_SOURCE,
  SampleSignal,
  SoakSampleRecord,
  SoakSampleStore,
} from './SoakSampleStore';

/**
 * How far before a range's start the provider looks for a counter's
 * baseline, so the increase covers the whole range and not only the time
 * after the first sample inside it.
 */
export const COUNTER_BASELINE_LOOKBACK_MS = 5 * 60_000;

/**
 * Reads health signals and SLO counts from samples posted to the push API
 * (`POST .../environments/:environment/samples`).
 *
 * - `querySignal` returns the pushed samples of the signal in `[start, end]`
 *   as they were posted (the step is ignored), of the query's artifact when
 *   it names a digest.
 * - `querySloCounts` reads `requestsGood` and `requestsTotal`, pushed as
 *   cumulative counters per deployment, and returns their increase over the
 *   range, summed over deployments; a counter that goes down was reset.
 *
 * Fails closed: throws when there is nothing to answer with.
 */
export class PushMetricsProvider implements MetricsProvider {
  constructor(private readonly samples: SoakSampleStore) {}

  /** Pushed samples of one signal in the query's range, oldest first. */
  async querySignal(
    signal: HealthSignal,
    query: MetricsQuery,
  ): Promise<MetricSample[]> {
    checkRange(query);
    const samples = await this.read([signal], query, query.start);
    if (samples.length === 0) {
      throw new Error(
        `no data: no ${signal} samples were pushed for ${describe(query)}`,
      );
    }
    return samples.map(s => ({ at: s.at, value: s.value }));
  }

  /** Increase of the pushed request counters over the query's range. */
  async querySloCounts(query: MetricsQuery): Promise<SloCounts> {
    checkRange(query);
    const samples = await this.read(
      ['requestsGood', 'requestsTotal'],
      query,
      new Date(query.start.getTime() - COUNTER_BASELINE_LOOKBACK_MS),
    );
    const good = increase(samples, 'requestsGood', query);
    const total = increase(samples, 'requestsTotal', query);
    if (good > total * 1.01 + 1) {
      throw new Error(
        `SLO counts of ${describe(
          query,
        )} are inconsistent: good ${good} > total ${total}; push requestsGood and requestsTotal from the same counters`,
      );
    }
    return { good, total };
  }

  private read(signals: SampleSignal[], query: MetricsQuery, since: Date) {
    return this.samples.listLaneSamples({
      entityRef: query.entityRef,
      environment: query.environment,
      signals,
      source: PUSH_SOURCE,
      digest: query.digest,
      since,
      until: query.end,
    });
  }
}

function checkRange(query: MetricsQuery) {
  if (!(query.end.getTime() >= query.start.getTime())) {
    throw new Error('metrics query end must not be before its start');
  }
}

function describe(query: MetricsQuery): string {
  const artifact = query.digest ? ` (artifact ${query.digest})` : '';
  return `${query.entityRef} in ${
    query.environment
  }${artifact} between ${query.start.toISOString()} and ${query.end.toISOString()}`;
}

/**
 * Increase of one counter over the range, summed over deployments: each
 * deployment's process counts from its own zero. The baseline is the last
 * sample before the range (within the look-back) or else the first inside it.
 */
function increase(
  samples: SoakSampleRecord[],
  signal: 'requestsGood' | 'requestsTotal',
  query: MetricsQuery,
): number {
  const start = query.start.getTime();
  const series = new Map<string, SoakSampleRecord[]>();
  for (const sample of samples) {
    if (sample.signal !== signal) continue;
    const list = series.get(sample.deploymentId) ?? [];
    list.push(sample);
    series.set(sample.deploymentId, list);
  }
  let sum = 0;
  let counted = 0;
  for (const list of series.values()) {
    const before = list.filter(s => s.at.getTime() < start);
    const inside = list.filter(s => s.at.getTime() >= start);
    const points = [...before.slice(-1), ...inside];
    if (inside.length === 0 || points.length < 2) continue;
    let previous = points[0].value;
    for (const point of points) {
      if (!Number.isFinite(point.value)) {
        throw new Error(
          `${signal} of ${describe(
            query,
          )} has a sample that is not a number at ${point.at.toISOString()}`,
        );
      }
      // A drop means the counter restarted from zero.
      sum += point.value >= previous ? point.value - previous : point.value;
      previous = point.value;
    }
    counted += 1;
  }
  if (counted === 0) {
    throw new Error(
      `no data: ${signal} needs at least two pushed counter samples for ${describe(
        query,
      )}`,
    );
  }
  return sum;
}
