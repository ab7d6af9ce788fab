import type { Artifact } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  GateContext,
  HealthSignal,
  MetricSample,
  MetricsProvider,
  MetricsQuery,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { applyDatabaseMigrations } from '../../database/migrations';
import { DatabaseSoakSampleStore } from '../../metrics/DatabaseSoakSampleStore';
import { PushMetricsProvider } from '../../metrics/PushMetricsProvider';
import { SoakSampleStore } from '../../metrics/SoakSampleStore';
import { ManualClock } from '../../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../../__testUtils__/databases';
import { evaluateGate } from '../evaluateGate';
import { createSoakGate } from './soakGate';

const CHECKOUT = 'component:default/checkout';
const T0 = new Date('2026-11-23T12:00:00Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MIN);

const artifact: Artifact = {
  id: 'art-1',
  entityRef: CHECKOUT,
  digest: digestOf(1),
  version: '1.0.1',
  commit: 'abc1',
  labels: [],
  changedPaths: [],
  registeredAt: T0.toISOString(),
};

type Answer =
  | MetricSample[]
  | Error
  | ((query: MetricsQuery) => Promise<MetricSample[]>);

/** A provider answering per signal from a table; records what it was asked. */
class TableProvider implements MetricsProvider {
  readonly calls: Array<{ signal: HealthSignal; query: MetricsQuery }> = [];
  constructor(public answers: Partial<Record<HealthSignal, Answer>> = {}) {}

  async querySignal(signal: HealthSignal, query: MetricsQuery) {
    this.calls.push({ signal, query });
    const answer = this.answers[signal];
    if (answer === undefined) throw new Error(`no data for ${signal}`);
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer(query);
    return answer;
  }

  async querySloCounts(): Promise<never> {
    throw new Error('not used by the soak gate');
  }
}

/** Samples every minute from `from` to `to` (minutes after T0), with a value per minute. */
function series(
  from: number,
  to: number,
  value: (minute: number) => number = () => 0.01,
): MetricSample[] {
  const samples: MetricSample[] = [];
  for (let m = from; m <= to; m++) {
    samples.push({ at: at(m), value: value(m) });
  }
  return samples;
}

/** Samples of `all` inside the query's range, as a real provider answers. */
const ranged =
  (all: MetricSample[]) =>
  async (query: MetricsQuery): Promise<MetricSample[]> =>
    all.filter(
      s =>
        s.at.getTime() >= query.start.getTime() &&
        s.at.getTime() <= query.end.getTime(),
    );

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('soak gate on %p', databaseId => {
  let store: SoakSampleStore;
  let clock: ManualClock;
  let prometheus: TableProvider;

  const baseOptions = {
    provider: 'prometheus',
    window: '15m',
    thresholds: { errorRate: 0.05 },
  };

  function gate() {
    return createSoakGate({
      providers: new Map<string, MetricsProvider>([
        ['prometheus', prometheus],
        ['push', new PushMetricsProvider(store)],
      ]),
      samples: store,
      now: clock.now,
    });
  }

  const context = (overrides: Partial<GateContext> = {}): GateContext => ({
    promotionId: 'promo-1',
    entityRef: CHECKOUT,
    artifact,
    trigger: 'promotion',
    fromEnvironment: 'staging',
    toEnvironment: 'prod',
    sourceDeploymentId: 'dep-1',
    sourceVerifiedAt: T0,
    testResults: [],
    options: baseOptions,
    now: clock.now(),
    ...overrides,
  });

  beforeEach(async () => {
    const knex = await databases.init(databaseId);
    await applyDatabaseMigrations(knex);
    store = await DatabaseSoakSampleStore.create({ knex });
    clock = new ManualClock(at(5));
    prometheus = new TableProvider();
  });

  describe('one evaluation', () => {
    const cases: Array<{
      name: string;
      options?: Record<string, unknown>;
      answers: Partial<Record<HealthSignal, Answer>>;
      minute: number;
      verdict: 'passed' | 'pending' | 'failed';
      errored?: boolean;
      reason: RegExp;
    }> = [
      {
        name: 'healthy, window not over',
        answers: { errorRate: series(0, 11) },
        minute: 11,
        verdict: 'pending',
        reason: /^soak 11 of 15 min in staging$/,
      },
      {
        name: 'healthy, window over',
        answers: { errorRate: series(0, 15) },
        minute: 15,
        verdict: 'passed',
        reason: /^soaked 15 min in staging with errorRate ≤ 0\.05$/,
      },
      {
        name: 'a sample over its threshold',
        answers: { errorRate: series(0, 16, m => (m === 3 ? 0.07 : 0.01)) },
        minute: 16,
        verdict: 'pending',
        reason:
          /^breach: errorRate 0\.07 > 0\.05 at 12:03 UTC; soak restarted$/,
      },
      {
        name: 'a NaN sample',
        answers: { errorRate: series(0, 16, m => (m === 4 ? NaN : 0.01)) },
        minute: 16,
        verdict: 'pending',
        reason:
          /^breach: errorRate NaN \(no value\) at 12:04 UTC; soak restarted$/,
      },
      {
        name: 'a sample at the threshold is no breach',
        answers: { errorRate: series(0, 15, () => 0.05) },
        minute: 15,
        verdict: 'passed',
        reason: /^soaked/,
      },
      {
        name: 'the earliest of several breaches, with units',
        options: {
          ...baseOptions,
          thresholds: { errorRate: 0.05, latency: 0.3 },
        },
        answers: {
          errorRate: series(0, 9, m => (m === 8 ? 0.2 : 0)),
          latency: series(0, 9, m => (m >= 6 ? 0.45 : 0.1)),
        },
        minute: 9,
        verdict: 'pending',
        reason:
          /^breach: latency 0\.45 s > 0\.3 s at 12:06 UTC; soak restarted$/,
      },
      {
        name: 'only configured signals count',
        options: { ...baseOptions, thresholds: { saturation: 0.8 } },
        answers: {
          errorRate: series(0, 15, () => 0.9),
          latency: new Error('unreachable'),
          saturation: series(0, 15, () => 0.5),
        },
        minute: 15,
        verdict: 'passed',
        reason: /^soaked 15 min in staging with saturation ≤ 0\.8$/,
      },
      {
        name: 'the provider throws',
        answers: { errorRate: new Error('Prometheus at x is unreachable') },
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason:
          /^cannot read staging metrics from prometheus: errorRate: Prometheus at x is unreachable$/,
      },
      {
        name: 'the provider rejects after a delay',
        answers: {
          errorRate: () =>
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('socket hang up')), 20),
            ),
        },
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason: /errorRate: socket hang up$/,
      },
      {
        name: 'no data',
        answers: { errorRate: [] },
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason: /errorRate: no samples in the soak window$/,
      },
      {
        name: 'no data with onNoData pending',
        options: { ...baseOptions, onNoData: 'pending' },
        answers: { errorRate: new Error('no data for errorRate') },
        minute: 16,
        verdict: 'pending',
        reason: /no data for errorRate; waiting \(onNoData: pending\)$/,
      },
      {
        name: 'one signal fails while the other is healthy',
        options: {
          ...baseOptions,
          thresholds: { errorRate: 0.05, saturation: 0.8 },
        },
        answers: { errorRate: series(0, 16), saturation: new Error('boom') },
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason: /saturation: boom$/,
      },
      {
        name: 'samples stopped before the window ended',
        answers: { errorRate: series(0, 9) },
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason:
          /^cannot finish the soak in staging: errorRate has no sample since 2026-11-23T12:09:00.000Z \(older than 300 s\)$/,
      },
      {
        name: 'a short window is counted in seconds',
        options: { ...baseOptions, window: undefined, windowMs: 90_000 },
        answers: { errorRate: series(0, 1) },
        minute: 1,
        verdict: 'pending',
        reason: /^soak 60 of 90 s in staging$/,
      },
      {
        name: 'an unknown provider',
        options: { ...baseOptions, provider: 'datadog' },
        answers: {},
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason:
          /metrics provider 'datadog' is not installed \(installed: prometheus, push\)/,
      },
      {
        name: 'bad options',
        options: { ...baseOptions, thresholds: { errorRate: '5%' } },
        answers: {},
        minute: 16,
        verdict: 'failed',
        errored: true,
        reason: /soak option 'thresholds.errorRate' Expected number/,
      },
    ];

    it.each(cases)('$name → $verdict', async c => {
      prometheus.answers = c.answers;
      clock.set(at(c.minute));
      // Through the engine's runner, so errored and timeouts count as they will in production.
      const result = await evaluateGate(
        'soak',
        gate(),
        context({
          options: JSON.parse(JSON.stringify(c.options ?? baseOptions)),
          now: clock.now(),
        }),
        5_000,
      );
      expect(result.reason).toMatch(c.reason);
      expect(result.verdict).toBe(c.verdict);
      expect(result.errored).toBe(c.errored ?? false);
    });
  });

  it('asks the provider about the source environment, the artifact and the window', async () => {
    prometheus.answers = { errorRate: series(0, 5), latency: series(0, 5) };
    clock.set(at(5));
    await gate().evaluate(
      context({
        options: {
          ...baseOptions,
          thresholds: { errorRate: 0.05, latency: 0.5 },
          latencyQuantile: 'p99',
          stepSeconds: 15,
          queries: { latency: 'histogram_quantile(0.99, x)' },
        },
      }),
    );
    expect(prometheus.calls.map(c => c.signal)).toEqual([
      'errorRate',
      'latency',
    ]);
    expect(prometheus.calls[0].query).toEqual({
      entityRef: CHECKOUT,
      environment: 'staging',
      digest: artifact.digest,
      start: T0,
      end: at(5),
      stepSeconds: 15,
      options: {
        latencyQuantile: 'p99',
        queries: { latency: 'histogram_quantile(0.99, x)' },
      },
    });
  });

  it('passes rollbacks without reading anything', async () => {
    const result = await gate().evaluate(context({ trigger: 'rollback' }));
    expect(result).toEqual({
      verdict: 'passed',
      reason: 'rollbacks skip soak',
    });
    expect(prometheus.calls).toEqual([]);
  });

  it('soaks pushed samples: pending, then passed once the window is over', async () => {
    const options = {
      provider: 'push',
      window: '15m',
      thresholds: { errorRate: 0.05, latency: 0.3 },
    };
    const push = (minute: number) =>
      store.appendSamples(
        (['errorRate', 'latency'] as const).map(signal => ({
          entityRef: CHECKOUT,
          environment: 'staging',
          deploymentId: 'dep-1',
          digest: artifact.digest,
          signal,
          value: signal === 'latency' ? 0.12 : 0.01,
          at: at(minute),
          source: 'push',
        })),
      );
    for (let m = 0; m <= 7; m++) await push(m);
    clock.set(at(7));
    const early = await gate().evaluate(context({ options }));
    expect(early).toMatchObject({
      verdict: 'pending',
      reason: 'soak 7 of 15 min in staging',
      evidence: {
        deploymentId: 'dep-1',
        elapsedMs: 7 * MIN,
        requiredMs: 15 * MIN,
        thresholds: { errorRate: 0.05, latency: 0.3 },
        latest: {
          errorRate: { at: at(7).toISOString(), value: 0.01 },
          latency: { at: at(7).toISOString(), value: 0.12 },
        },
      },
    });
    for (let m = 8; m <= 15; m++) await push(m);
    clock.set(at(15));
    const done = await gate().evaluate(context({ options }));
    expect(done).toMatchObject({
      verdict: 'passed',
      reason: 'soaked 15 min in staging with errorRate ≤ 0.05, latency ≤ 0.3 s',
    });
    // Re-reading stored pushes stores nothing twice.
    expect(
      await store.listDeploymentSamples('dep-1', { signals: ['errorRate'] }),
    ).toHaveLength(16);
  });

  it('fails on no pushed data by default and waits with onNoData pending', async () => {
    const options = {
      provider: 'push',
      window: '15m',
      thresholds: { errorRate: 0.05 },
    };
    clock.set(at(3));
    const failed = await evaluateGate(
      'soak',
      gate(),
      context({ options, now: clock.now() }),
      5_000,
    );
    expect(failed).toMatchObject({ verdict: 'failed', errored: true });
    expect(failed.reason).toMatch(/no data: no errorRate samples were pushed/);
    const waiting = await evaluateGate(
      'soak',
      gate(),
      context({
        options: { ...options, onNoData: 'pending' },
        now: clock.now(),
      }),
      5_000,
    );
    expect(waiting).toMatchObject({
      verdict: 'pending',
      errored: false,
      evidence: { errored: true },
    });
  });

  it('restarts the window on a breach, and the restart survives a new gate (backend restart)', async () => {
    const readings = series(0, 40, m => (m === 6 ? 0.09 : 0.01));
    prometheus.answers = { errorRate: ranged(readings) };

    clock.set(at(5));
    expect((await gate().evaluate(context())).reason).toBe(
      'soak 5 of 15 min in staging',
    );

    clock.set(at(7));
    const breach = await gate().evaluate(context());
    expect(breach).toMatchObject({
      verdict: 'pending',
      reason: 'breach: errorRate 0.09 > 0.05 at 12:06 UTC; soak restarted',
      evidence: {
        windowStartedAt: at(7).toISOString(),
        breach: {
          signal: 'errorRate',
          value: 0.09,
          threshold: 0.05,
          at: at(6).toISOString(),
        },
      },
    });
    expect(await store.getSoakState('dep-1')).toMatchObject({
      windowStartedAt: at(7),
      lastBreachAt: at(6),
      lastBreachReason: 'errorRate 0.09 > 0.05 at 12:06 UTC',
    });

    // 15 minutes after the verified time, but only 8 after the restart.
    clock.set(at(15));
    const restarted = gate();
    const after = await restarted.evaluate(context());
    expect(after.reason).toBe('soak 8 of 15 min in staging');
    expect(after.evidence).toMatchObject({
      windowStartedAt: at(7).toISOString(),
      lastBreach: { at: at(6).toISOString() },
    });
    expect(prometheus.calls.at(-1)?.query.start).toEqual(at(7));

    clock.set(at(22));
    expect((await gate().evaluate(context())).verdict).toBe('passed');
  });

  it('judges a breaching sample once even when it sits at the restart time', async () => {
    // The breaching sample is stamped exactly at the evaluation time.
    prometheus.answers = {
      errorRate: ranged(series(0, 40, m => (m === 7 ? 0.3 : 0.01))),
    };
    clock.set(at(7));
    expect((await gate().evaluate(context())).reason).toMatch(/^breach/);
    clock.set(at(8));
    expect((await gate().evaluate(context())).reason).toBe(
      'soak 1 of 15 min in staging',
    );
  });

  it('starts the window at the later of the verified time and the stored start', async () => {
    prometheus.answers = { errorRate: ranged(series(0, 40)) };
    await store.saveSoakState({
      deploymentId: 'dep-1',
      windowStartedAt: at(2),
      updatedAt: at(2),
    });
    clock.set(at(10));
    expect((await gate().evaluate(context())).reason).toBe(
      'soak 8 of 15 min in staging',
    );
    // A later verified time wins (the deployment was verified again).
    expect(
      (await gate().evaluate(context({ sourceVerifiedAt: at(4) }))).reason,
    ).toBe('soak 6 of 15 min in staging');
  });

  it('waits without an empty range when the verified time is ahead of this clock', async () => {
    prometheus.answers = { errorRate: ranged(series(0, 40)) };
    clock.set(at(10));
    const result = await gate().evaluate(
      context({ sourceVerifiedAt: new Date(at(10).getTime() + 300) }),
    );
    expect(result).toMatchObject({
      verdict: 'pending',
      reason: 'soak 0 of 15 min in staging',
    });
    expect(prometheus.calls[0].query.start).toEqual(at(10));
  });

  it('starts the window at the first look when the verified time is unknown', async () => {
    prometheus.answers = { errorRate: ranged(series(0, 40)) };
    clock.set(at(10));
    expect(
      (await gate().evaluate(context({ sourceVerifiedAt: undefined }))).reason,
    ).toBe('soak 0 of 15 min in staging');
    clock.set(at(13));
    expect(
      (await gate().evaluate(context({ sourceVerifiedAt: undefined }))).reason,
    ).toBe('soak 3 of 15 min in staging');
  });

  it('stores what it read for the soak graph, once', async () => {
    prometheus.answers = {
      errorRate: ranged(series(0, 40, m => (m === 2 ? NaN : 0.01))),
    };
    clock.set(at(1));
    await gate().evaluate(context());
    clock.set(at(3));
    await gate().evaluate(context());
    clock.set(at(4));
    await gate().evaluate(context());
    const stored = await store.listDeploymentSamples('dep-1');
    expect(stored.map(s => [s.at.toISOString(), s.value, s.source])).toEqual([
      [at(0).toISOString(), 0.01, 'prometheus'],
      [at(1).toISOString(), 0.01, 'prometheus'],
      [at(2).toISOString(), NaN, 'prometheus'],
      [at(3).toISOString(), 0.01, 'prometheus'],
      [at(4).toISOString(), 0.01, 'prometheus'],
    ]);
    expect(stored[0]).toMatchObject({
      entityRef: CHECKOUT,
      environment: 'staging',
      digest: artifact.digest,
      signal: 'errorRate',
    });
  });

  it('looks the source deployment up when the context does not carry it', async () => {
    prometheus.answers = { errorRate: ranged(series(0, 40)) };
    const lookups: string[][] = [];
    const withLookup = createSoakGate({
      providers: new Map([['prometheus', prometheus]]),
      samples: store,
      now: clock.now,
      sourceDeploymentId: async (entityRef, environment, artifactId) => {
        lookups.push([entityRef, environment, artifactId]);
        return environment === 'staging' ? 'dep-7' : undefined;
      },
    });
    const result = await withLookup.evaluate(
      context({ sourceDeploymentId: undefined }),
    );
    expect(result.evidence).toMatchObject({ deploymentId: 'dep-7' });
    expect(lookups).toEqual([[CHECKOUT, 'staging', 'art-1']]);
    await expect(
      withLookup.evaluate(
        context({ sourceDeploymentId: undefined, fromEnvironment: 'dev' }),
      ),
    ).rejects.toThrow(`no deployment of ${artifact.digest} in dev to soak`);
  });

  it('cannot guard the first environment', async () => {
    await expect(
      gate().evaluate(context({ fromEnvironment: undefined })),
    ).rejects.toThrow('the soak gate needs a source environment');
  });

  it('fails errored when a hanging provider runs into the engine timeout', async () => {
    prometheus.answers = { errorRate: () => new Promise(() => {}) };
    const result = await evaluateGate('soak', gate(), context(), 500);
    expect(result).toMatchObject({
      verdict: 'failed',
      errored: true,
      reason: "gate 'soak' could not run: timed out after 500 ms",
    });
  });
});
