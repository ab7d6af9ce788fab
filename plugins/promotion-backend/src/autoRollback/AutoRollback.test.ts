import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { Knex } from 'knex';
import { readPipelines } from '../config/pipelines';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { PromotionEngine } from '../engine/PromotionEngine';
import { GateRegistry } from '../gates/GateRegistry';
import { DatabaseSoakSampleStore, PushMetricsProvider } from '../metrics';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { FakeDeployer } from '../__testUtils__/FakeDeployer';
import { OnCallPager, PageOutbox } from '../notify/PageOutbox';
import { AutoRollback } from './AutoRollback';

const SERVICE = 'component:default/checkout';
const MINUTE = 60_000;

const pipelines = readPipelines(
  new ConfigReader({
    promotion: {
      pipelines: {
        standard: {
          slo: {
            objective: 0.999,
            sustain: { minutes: 2 },
            settle: { minutes: 1 },
            minRequests: 100,
          },
          environments: [{ name: 'prod', deployer: 'fake' }],
        },
      },
    },
  }),
);

/** A pager that records, and can be made to fail like an unreachable one. */
class RecordingPager implements OnCallPager {
  readonly pages: Array<Omit<Page, 'link'>> = [];
  readonly resolved: string[] = [];
  down = false;

  async page(page: Omit<Page, 'link'>) {
    if (this.down) return { delivered: [], failed: ['recording'] };
    this.pages.push(page);
    return { delivered: ['recording'], failed: [] };
  }

  async resolve(key: string) {
    this.resolved.push(key);
  }
}

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('AutoRollback on %p', databaseId => {
  let knex: Knex;
  let store: DatabasePromotionStore;
  let samples: DatabaseSoakSampleStore;
  let clock: ManualClock;
  let engine: PromotionEngine;
  let pager: RecordingPager;

  /**
   * One replica's watch pass followed by its page delivery; a fresh one is
   * a restarted backend (nothing in memory).
   */
  const watch = () => {
    const watcher = new AutoRollback({
      store,
      rollback: request => engine.requestRollback(request),
      pipelines,
      providers: new Map([['push', new PushMetricsProvider(samples)]]),
      logger: mockServices.logger.mock(),
      clock: clock.now,
    });
    const pages = new PageOutbox({
      store,
      pager,
      logger: mockServices.logger.mock(),
      clock: clock.now,
    });
    return {
      runOnce: async () => {
        await watcher.runOnce();
        await pages.deliverDue();
      },
    };
  };

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    store = await DatabasePromotionStore.fromKnex(knex);
    samples = await DatabaseSoakSampleStore.create({
      database: mockServices.database({ knex }),
    });
    clock = new ManualClock();
    pager = new RecordingPager();
    engine = new PromotionEngine({
      store,
      pipelines,
      deployers: new Map([['fake', new FakeDeployer()]]),
      gates: new GateRegistry(),
      logger: mockServices.logger.mock(),
      clock: clock.now,
    });
  });

  afterEach(async () => {
    await engine.stop();
    await knex.destroy();
  });

  /** Deploys an artifact to prod and returns its (verified) deployment. */
  async function ship(seed: number) {
    await engine.registerArtifact(
      {
        entityRef: SERVICE,
        digest: digestOf(seed),
        pipeline: 'standard',
        version: `1.0.${seed}`,
        commit: `c${seed}`,
        labels: [],
        changedPaths: [],
      },
      [],
      'ci',
    );
    await engine.runUntilIdle();
    const { items } = await store.listDeployments(SERVICE, {
      states: ['verified'],
    });
    expect(items[0].artifactId).toBeDefined();
    return items[0];
  }

  let counters = { good: 0, total: 0 };
  /** Appends one minute of traffic to the deployment's pushed counters. */
  async function minuteOf(
    deployment: { id: string },
    digest: string,
    requests: number,
    errorRatio: number,
  ) {
    clock.advance(MINUTE);
    counters.total += requests;
    counters.good += Math.round(requests * (1 - errorRatio));
    await push(deployment, digest);
  }
  async function push(deployment: { id: string }, digest: string) {
    await samples.appendSamples(
      (['requestsTotal', 'requestsGood'] as const).map(signal => ({
        entityRef: SERVICE,
        environment: 'prod',
        deploymentId: deployment.id,
        digest,
        signal,
        value: signal === 'requestsTotal' ? counters.total : counters.good,
        at: clock.now(),
        source: 'push',
      })),
    );
  }
  const rollbacks = () => store.decisions().listRollbacks(SERVICE, 'prod');

  beforeEach(() => {
    counters = { good: 0, total: 0 };
  });

  it('fires exactly once when two replicas judge the same burn at the same moment', async () => {
    await ship(1);
    const v2 = await ship(2);
    await push(v2, digestOf(2));
    const a = watch();
    const b = watch();
    for (let i = 0; i < 3; i++) {
      await minuteOf(v2, digestOf(2), 1000, 0.02);
      await Promise.all([a.runOnce(), b.runOnce()]);
    }
    expect(await rollbacks()).toHaveLength(1);
    const events = await store.listEvents(SERVICE, { limit: 500 });
    expect(
      events.items.filter(e => e.kind === 'autorollback.fired'),
    ).toHaveLength(1);
    await engine.runUntilIdle();
    await Promise.all([a.runOnce(), b.runOnce()]);
    expect(pager.pages.filter(p => p.severity === 'critical')).toHaveLength(1);
  });

  it('waits out the settle time before the streak may start', async () => {
    await ship(1);
    const v2 = await ship(2);
    await push(v2, digestOf(2));
    // Burning from the first second: the first minute is settling time.
    clock.advance(30_000);
    counters = { good: 490, total: 500 };
    await push(v2, digestOf(2));
    await watch().runOnce();
    const settling = await store.burnWatch().get(v2.id);
    expect(settling).toMatchObject({ status: 'settling' });
    expect(settling!.firingSince).toBeUndefined();
    expect(settling!.reading.reason).toContain('settling');

    // Armed at 10:01, the streak starts there; 2 minutes later it fires.
    await minuteOf(v2, digestOf(2), 1000, 0.02);
    await watch().runOnce();
    expect((await store.burnWatch().get(v2.id))!.status).toBe('firing');
    await minuteOf(v2, digestOf(2), 1000, 0.02);
    await watch().runOnce();
    expect(await rollbacks()).toHaveLength(0);
    await minuteOf(v2, digestOf(2), 1000, 0.02);
    await watch().runOnce();
    const [rollback] = await rollbacks();
    expect(rollback.detectedAt.getTime()).toBe(
      new Date('2026-11-23T10:01:30Z').getTime(),
    );
  });

  it('ends the streak on any evaluation that does not fire', async () => {
    await ship(1);
    const v2 = await ship(2);
    await push(v2, digestOf(2));
    clock.advance(MINUTE);
    await push(v2, digestOf(2));
    await minuteOf(v2, digestOf(2), 100_000, 0.02);
    await watch().runOnce();
    expect((await store.burnWatch().get(v2.id))!.firingSince).toBeDefined();
    // A clean minute brings the 5-minute window under 14.4x and the 30-minute one under 6x.
    await minuteOf(v2, digestOf(2), 10_000_000, 0);
    await watch().runOnce();
    const reset = (await store.burnWatch().get(v2.id))!;
    expect(reset.status).toBe('ok');
    expect(reset.firingSince).toBeUndefined();
    await minuteOf(v2, digestOf(2), 1000, 0.02);
    await watch().runOnce();
    await minuteOf(v2, digestOf(2), 1000, 0.02);
    await watch().runOnce();
    expect(await rollbacks()).toHaveLength(0);
  });

  it('never fires on low traffic', async () => {
    await ship(1);
    const v2 = await ship(2);
    await push(v2, digestOf(2));
    for (let i = 0; i < 6; i++) {
      // 10 requests a minute, half failing: a 500x burn on 60 requests.
      await minuteOf(v2, digestOf(2), 10, 0.5);
      await watch().runOnce();
    }
    const low = (await store.burnWatch().get(v2.id))!;
    expect(low.status).toBe('low-traffic');
    expect(low.reading.reason).toContain(
      'too little traffic: 60 requests in 1h, need 100',
    );
    expect(await rollbacks()).toHaveLength(0);
    expect(pager.pages).toEqual([]);
  });

  it('treats zero traffic as too little to judge, and only a source without data as blind', async () => {
    await ship(1);
    const v2 = await ship(2);
    await push(v2, digestOf(2));
    for (let i = 0; i < 6; i++) {
      // The counters are pushed but do not move: a quiet service.
      await minuteOf(v2, digestOf(2), 0, 0);
      await watch().runOnce();
    }
    const quiet = (await store.burnWatch().get(v2.id))!;
    expect(quiet.status).toBe('low-traffic');
    expect(quiet.reading.reason).toContain(
      'too little traffic: 0 requests in 1h, need 100',
    );
    expect(pager.pages).toEqual([]);

    // A release whose metrics never arrive: the source has no data at all.
    const v3 = await ship(3);
    for (let i = 0; i < 4; i++) {
      clock.advance(MINUTE);
      await watch().runOnce();
    }
    expect((await store.burnWatch().get(v3.id))!.status).toBe('blind');
    expect(pager.pages).toEqual([
      expect.objectContaining({
        severity: 'warning',
        dedupKey: `auto-rollback-blind:${v3.id}`,
      }),
    ]);
    expect(await rollbacks()).toHaveLength(0);
  });

  it('pages critical when there is nothing to roll back to, and resolves it when the burn stops', async () => {
    const v1 = await ship(1);
    await push(v1, digestOf(1));
    for (let i = 0; i < 4; i++) {
      await minuteOf(v1, digestOf(1), 1000, 0.02);
      await watch().runOnce();
    }
    expect(await rollbacks()).toHaveLength(0);
    expect((await store.burnWatch().get(v1.id))!.status).toBe('no_target');
    expect(pager.pages).toEqual([
      expect.objectContaining({
        severity: 'critical',
        dedupKey: `auto-rollback-stuck:${v1.id}`,
        summary: expect.stringContaining(
          'there is no previous artifact to roll back to',
        ),
      }),
    ]);
    for (let i = 0; i < 6; i++) {
      await minuteOf(v1, digestOf(1), 10_000_000, 0);
      await watch().runOnce();
    }
    expect(pager.resolved).toEqual([`auto-rollback-stuck:${v1.id}`]);
  });

  it('keeps a page owed while no pager takes it, and sends it once one does', async () => {
    await ship(1);
    const v2 = await ship(2);
    await push(v2, digestOf(2));
    pager.down = true;
    for (let i = 0; i < 3; i++) {
      await minuteOf(v2, digestOf(2), 1000, 0.02);
      await watch().runOnce();
    }
    expect(await rollbacks()).toHaveLength(1);
    expect(pager.pages).toEqual([]);
    // A fresh instance (a restarted backend) finds the page still owed and
    // sends it once its backoff is over.
    pager.down = false;
    clock.advance(MINUTE);
    await watch().runOnce();
    expect(pager.pages).toEqual([
      expect.objectContaining({
        severity: 'critical',
        summary: expect.stringContaining('from 1.0.2 to 1.0.1'),
      }),
    ]);
    await watch().runOnce();
    expect(pager.pages).toHaveLength(1);
  });
});
