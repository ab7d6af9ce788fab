import type { GateContext } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PrometheusMetricsProvider } from '@promotion-pipeline/backstage-plugin-promotion-backend-module-prometheus';
import {
  EXPECTED_P95_SECONDS,
  InstrumentedService,
  PrometheusServer,
  startInstrumentedService,
  startPrometheus,
} from '@promotion-pipeline/backstage-plugin-promotion-backend-module-prometheus/testUtils';
import { applyDatabaseMigrations } from '../../database/migrations';
import { DatabaseSoakSampleStore } from '../../metrics/DatabaseSoakSampleStore';
import { createTestDatabases, digestOf } from '../../__testUtils__/databases';
import { evaluateGate } from '../evaluateGate';
import { createSoakGate } from './soakGate';

/*
 * The real soak gate reading a real Prometheus (Debian's `prometheus` binary,
 * or PROMETHEUS_BIN) that scrapes a real instrumented service every second,
 * all on loopback. checkout serves 1 % errors, ledger 20 %; both have a p95
 * latency of 0.375 s and saturation 0.3.
 */

// Starting Prometheus and letting it scrape for a few seconds dominates.
jest.setTimeout(60_000);

const WINDOW_MS = 4_000;
const HEALTHY = { errorRate: 0.05, latency: 0.5, saturation: 0.8 };

let service: InstrumentedService | undefined;
let prometheus: PrometheusServer | undefined;

beforeAll(async () => {
  service = await startInstrumentedService([
    {
      service: 'checkout',
      environment: 'staging',
      okPerSecond: 99,
      errorsPerSecond: 1,
      saturation: 0.3,
    },
    {
      service: 'ledger',
      environment: 'staging',
      okPerSecond: 80,
      errorsPerSecond: 20,
      saturation: 0.3,
    },
  ]);
  prometheus = await startPrometheus([service.target]);
  // rate() needs two scrapes; the soak window must lie inside scraped data.
  await prometheus.waitForSamples(
    'service_saturation_ratio{service="ledger"}',
    WINDOW_MS / 1000 + 4,
  );
}, 45_000);

afterAll(async () => {
  await prometheus?.stop();
  await service?.close();
});

/** A promotion out of staging whose deployment there became healthy a window ago. */
function context(
  name: 'checkout' | 'ledger',
  deploymentId: string,
  thresholds: Record<string, number> = HEALTHY,
): GateContext {
  const now = new Date();
  const entityRef = `component:default/${name}`;
  return {
    promotionId: `promotion-${deploymentId}`,
    entityRef,
    artifact: {
      id: `artifact-${deploymentId}`,
      entityRef,
      digest: digestOf(deploymentId),
      version: '1.0.0',
      commit: 'abc',
      labels: [],
      changedPaths: [],
      registeredAt: new Date(now.getTime() - 60_000).toISOString(),
    },
    trigger: 'promotion',
    fromEnvironment: 'staging',
    toEnvironment: 'prod',
    sourceDeploymentId: deploymentId,
    sourceVerifiedAt: new Date(now.getTime() - WINDOW_MS - 1_000),
    testResults: [],
    options: {
      provider: 'prometheus',
      windowMs: WINDOW_MS,
      thresholds,
      stepSeconds: 1,
    },
    now,
  };
}

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'the soak gate reading a real Prometheus on %p',
  databaseId => {
    let samples: DatabaseSoakSampleStore;

    beforeEach(async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      samples = await DatabaseSoakSampleStore.create({ knex });
    });

    /** The soak gate as the plugin builds it, with the prometheus provider at `baseUrl`. */
    const gateReading = (baseUrl: string) =>
      createSoakGate({
        providers: new Map([
          [
            'prometheus',
            new PrometheusMetricsProvider({ baseUrl, timeoutMs: 3_000 }),
          ],
        ]),
        samples,
      });

    /** Evaluates as the engine does: a throw or a timeout counts as failed. */
    const evaluate = (baseUrl: string, ctx: GateContext) =>
      evaluateGate('soak', gateReading(baseUrl), ctx, 10_000);

    it('passes a healthy service after the window and keeps what it read for the soak graph', async () => {
      const result = await evaluate(
        prometheus!.baseUrl,
        context('checkout', 'dep-checkout'),
      );
      expect(result).toMatchObject({
        gate: 'soak',
        verdict: 'passed',
        errored: false,
        reason:
          'soaked 4 s in staging with errorRate ≤ 0.05, latency ≤ 0.5 s, saturation ≤ 0.8',
      });
      expect(result.evidence).toMatchObject({
        provider: 'prometheus',
        environment: 'staging',
        requiredMs: WINDOW_MS,
      });

      const stored = await samples.listDeploymentSamples('dep-checkout');
      const bySignal = (signal: string) =>
        stored.filter(s => s.signal === signal).map(s => s.value);
      expect(bySignal('errorRate').length).toBeGreaterThanOrEqual(3);
      for (const value of bySignal('errorRate')) {
        expect(value).toBeCloseTo(0.01, 6);
      }
      for (const value of bySignal('latency')) {
        expect(value).toBeCloseTo(EXPECTED_P95_SECONDS, 6);
      }
      expect(new Set(bySignal('saturation'))).toEqual(new Set([0.3]));
      expect(new Set(stored.map(s => s.source))).toEqual(
        new Set(['prometheus']),
      );
    });

    it.each([
      [
        'an unhealthy service (error rate over its threshold)',
        'ledger' as const,
        HEALTHY,
        /^breach: errorRate 0\.2 > 0\.05 at \d\d:\d\d UTC; soak restarted$/,
      ],
      [
        'a healthy service held to a tighter latency threshold',
        'checkout' as const,
        { ...HEALTHY, latency: 0.3 },
        /^breach: latency 0\.375 s > 0\.3 s at \d\d:\d\d UTC; soak restarted$/,
      ],
    ])(
      'does not pass %s: it names the breach and restarts the window',
      async (_name, name, thresholds, reason) => {
        const ctx = context(name, `dep-${name}-breach`, thresholds);
        const result = await evaluate(prometheus!.baseUrl, ctx);
        expect(result).toMatchObject({ verdict: 'pending', errored: false });
        expect(result.reason).toMatch(reason);
        const state = await samples.getSoakState(`dep-${name}-breach`);
        expect(state?.windowStartedAt).toEqual(ctx.now);
        expect(state?.lastBreachReason).toBe(
          result.reason.replace(/^breach: (.*); soak restarted$/, '$1'),
        );

        // Still breaching a step later: the soak never completes.
        await new Promise(r => setTimeout(r, 1_100));
        const again = await evaluate(
          prometheus!.baseUrl,
          context(name, `dep-${name}-breach`, thresholds),
        );
        expect(again.verdict).toBe('pending');
        expect(again.reason).toMatch(reason);
      },
    );

    it('fails closed, naming the signal, for a service Prometheus has no series of', async () => {
      const ctx = context('checkout', 'dep-unknown');
      const result = await evaluate(prometheus!.baseUrl, {
        ...ctx,
        entityRef: 'component:default/unknown',
      });
      expect(result).toMatchObject({ verdict: 'failed', errored: true });
      expect(result.reason).toMatch(
        /^cannot read staging metrics from prometheus: errorRate: .*no data for errorRate of component:default\/unknown in staging/,
      );
    });

    it('fails closed when Prometheus is down', async () => {
      // A Prometheus of its own, so stopping it leaves the others' alone.
      const own = await startPrometheus([service!.target]);
      try {
        await own.waitForSamples(
          'service_saturation_ratio{service="checkout"}',
          3,
        );
        // The same gate and address work while it is up …
        const up = await evaluate(own.baseUrl, {
          ...context('checkout', 'dep-down'),
          sourceVerifiedAt: new Date(Date.now() - 1_000),
        });
        expect(up).toMatchObject({ verdict: 'pending', errored: false });
        expect(up.reason).toMatch(/^soak \d of 4 s in staging$/);
      } finally {
        await own.stop();
      }

      // … and fail, errored, once it is gone.
      const down = await evaluate(own.baseUrl, context('checkout', 'dep-down'));
      expect(down).toMatchObject({ verdict: 'failed', errored: true });
      const unreachable = `Prometheus at ${own.baseUrl} is unreachable`;
      expect(down.reason).toContain(
        'cannot read staging metrics from prometheus: ',
      );
      for (const signal of ['errorRate', 'latency', 'saturation']) {
        expect(down.reason).toContain(
          `${signal}: Cannot read ${signal} of component:default/checkout in staging: ${unreachable}: connect ECONNREFUSED`,
        );
      }
    });
  },
);
