import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from './backend';
import { ManualClock } from './clock';
import { createTestDatabases, digestOf } from './databases';
import { pipelineApi } from './pipelineApi';

export const SERVICE = 'component:default/checkout';
export const BASE = '/api/promotion/v1/services/component/default/checkout';
export const MINUTE = 60_000;

/** On-call's credentials, for the API calls of the burn-rate flows. */
export const oncall = mockCredentials.user.header('user:default/olivia');
const ci = mockCredentials.service.header();

const config = {
  promotion: {
    pipelines: {
      standard: {
        environments: [
          { name: 'staging', deployer: 'fake' },
          {
            name: 'prod',
            deployer: 'fake',
            gates: ['migration'],
            slo: {
              objective: 0.999,
              sustain: { minutes: 2 },
              settle: { minutes: 1 },
              minRequests: 100,
            },
          },
        ],
      },
    },
  },
};

/**
 * The plugin in a test backend with staging → prod, prod watched by an SLO
 * (99.9%, sustain 2m, settle 1m) over pushed counters, under a manual clock.
 * Call inside a `describe`: it starts a backend before each test and stops it
 * after, and returns the steps the burn-rate flows are written in.
 */
export function burnFlow(
  databases: ReturnType<typeof createTestDatabases>,
  databaseId: Parameters<ReturnType<typeof createTestDatabases>['init']>[0],
) {
  let knex: Knex;
  let clock: ManualClock;
  let backend: Awaited<ReturnType<typeof startPromotionBackend>>;
  /** The service's request counters, as its collector pushes them. */
  let counters = { good: 0, total: 0 };

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    clock = new ManualClock('2026-11-24T10:00:00Z');
    counters = { good: 0, total: 0 };
    backend = await startPromotionBackend({
      knex,
      config,
      clock: clock.now,
      entities: [serviceEntity('checkout')],
    });
  });

  afterEach(async () => {
    await backend.stop();
    await knex.destroy();
  });

  const api = () => request(backend.server);
  const reader = pipelineApi({
    server: () => backend.server,
    base: BASE,
    auth: oncall,
  });
  const prod = () => reader.lane('prod');

  /** Registers artifact `seed` and waits until it runs verified in prod. */
  async function ship(seed: number) {
    const res = await api()
      .post('/api/promotion/v1/artifacts')
      .set('Authorization', ci)
      .send({
        entityRef: SERVICE,
        digest: digestOf(seed),
        version: `1.0.${seed}`,
        commit: `c${seed}`,
        testResults: ['unit', 'integration', 'contract'].map(suite => ({
          suite,
          status: 'passed',
        })),
      });
    expect(res.status).toBe(201);
    await reader.waitFor(`${seed} verified in prod`, async () => {
      const current = (await prod()).current;
      return (
        current?.artifact.digest === digestOf(seed) &&
        current.state === 'verified'
      );
    });
    return digestOf(seed);
  }

  async function pushCounters() {
    const res = await api()
      .post(`${BASE}/environments/prod/samples`)
      .set('Authorization', ci)
      .send({
        samples: [
          { signal: 'requestsTotal', value: counters.total },
          { signal: 'requestsGood', value: counters.good },
        ],
      });
    expect(res.status).toBe(201);
  }

  /** Runs one auto-rollback pass at the clock's current time, then reads prod. */
  async function evaluatedNow() {
    await backend.watchBurn();
    const lane = await prod();
    if (!lane.autoRollback) {
      expect(lane.burnRate?.evaluatedAt).toBe(clock.now().toISOString());
    }
    return lane;
  }

  /**
   * Serves `minutes` of traffic at 1000 requests a minute with the given
   * error ratio, one pushed sample and one evaluation per minute; stops
   * early once `until` holds.
   */
  async function serve(
    minutes: number,
    errorRatio: number,
    until?: (lane: any) => boolean,
  ) {
    let lane: any;
    for (let i = 0; i < minutes; i++) {
      clock.advance(MINUTE);
      counters.total += 1000;
      counters.good += Math.round(1000 * (1 - errorRatio));
      await pushCounters();
      lane = await evaluatedNow();
      if (until?.(lane)) return lane;
    }
    return lane;
  }

  return {
    get backend() {
      return backend;
    },
    get clock() {
      return clock;
    },
    api,
    waitFor: reader.waitFor,
    prod,
    ship,
    pushCounters,
    evaluatedNow,
    serve,
  };
}
