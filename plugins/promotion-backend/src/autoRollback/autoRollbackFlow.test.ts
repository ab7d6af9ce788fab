import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { pipelineApi } from '../__testUtils__/pipelineApi';

const SERVICE = 'component:default/checkout';
const BASE = '/api/promotion/v1/services/component/default/checkout';
const MINUTE = 60_000;

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

const oncall = mockCredentials.user.header('user:default/olivia');
const ci = mockCredentials.service.header();

jest.setTimeout(90_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'automatic rollback on burn rate, end to end on %p',
  databaseId => {
    let knex: Knex;
    let clock: ManualClock;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      clock = new ManualClock('2026-11-24T10:00:00Z');
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
    const waitFor = reader.waitFor;
    const prod = () => reader.lane('prod');

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
      await waitFor(`${seed} verified in prod`, async () => {
        const current = (await prod()).current;
        return (
          current?.artifact.digest === digestOf(seed) &&
          current.state === 'verified'
        );
      });
      return digestOf(seed);
    }

    /** The service's request counters, as its collector pushes them. */
    let counters = { good: 0, total: 0 };
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

    beforeEach(() => {
      counters = { good: 0, total: 0 };
    });

    it('rolls prod back after a 20x burn holds for the sustain time, pages on-call, and records the MTTR', async () => {
      const v1 = await ship(1);
      const v2 = await ship(2);
      await pushCounters();
      const startedBurning = clock.now().getTime();

      const lane = await serve(10, 0.02, l => Boolean(l.autoRollback));

      // 20x over both windows: 2% errors against a 0.1% budget.
      expect(lane.autoRollback).toMatchObject({
        trigger: 'auto',
        environment: 'prod',
        from: { digest: v2, version: '1.0.2' },
        to: { digest: v1, version: '1.0.1' },
        actor: 'engine',
      });
      expect(lane.autoRollback.reason).toMatch(
        /^automatic rollback: burn rate 20x over 1h, 20x over 5m reaches 14\.4x/,
      );
      const windows = lane.autoRollback.evidence.windows;
      expect(windows[0]).toMatchObject({ long: '1h', short: '5m' });
      expect(windows[0].longBurnRate).toBeCloseTo(20, 5);
      // Armed after the 1-minute settle, then 2 minutes of sustained firing.
      const detectedAt = Date.parse(lane.autoRollback.detectedAt);
      expect(detectedAt - startedBurning).toBe(MINUTE);
      expect(clock.now().getTime() - detectedAt).toBe(2 * MINUTE);

      // The rollback reached the deployer with the previous digest.
      await waitFor('the rollback deployment of v1', async () =>
        backend.deployer.calls.some(
          c =>
            c.environment === 'prod' &&
            c.artifact.digest === v1 &&
            backend.deployer.deploymentsOf(SERVICE, 'prod').length === 3,
        ),
      );
      const rollbacks = await api()
        .get(`${BASE}/rollbacks?environment=prod`)
        .set('Authorization', oncall);
      expect(rollbacks.status).toBe(200);
      expect(rollbacks.body.items).toHaveLength(1);
      // Dispatched at the clock's time: two minutes after the threshold was crossed.
      expect(rollbacks.body.items[0].mttrSeconds).toBe(120);

      // On-call was paged once, critical, naming both versions.
      await waitFor('the page', async () => backend.pages.length > 0);
      expect(backend.pages).toHaveLength(1);
      expect(backend.pages[0]).toMatchObject({
        severity: 'critical',
        environment: 'prod',
        dedupKey: `auto-rollback:${lane.autoRollback.id}`,
      });
      expect(backend.pages[0].summary).toContain('from 1.0.2 to 1.0.1');
      expect(backend.notifications).toContainEqual(
        expect.objectContaining({
          recipients: { type: 'entity', entityRef: 'group:default/team-a' },
          payload: expect.objectContaining({ severity: 'critical' }),
        }),
      );

      // v1 serves prod again; v2 is held out of it.
      await waitFor('v1 verified in prod again', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === v1 && current.state === 'verified';
      });
      const after = await prod();
      expect(after.holds).toEqual([
        expect.objectContaining({ digest: v2, createdBy: 'engine' }),
      ]);
      const events = await api()
        .get(`${BASE}/events?environment=prod&limit=200`)
        .set('Authorization', oncall);
      const kinds = events.body.items.map((e: any) => e.kind);
      expect(kinds).toEqual(
        expect.arrayContaining([
          'autorollback.fired',
          'rollback.requested',
          'oncall.paged',
        ]),
      );

      // The rollback deployment is never rolled back itself, however it burns.
      const still = await serve(4, 0.05);
      expect(still.burnRate.reason).toContain('auto-rollback is off');
      expect(backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(3);

      // On-call confirms: the page is resolved and the lane stops asking.
      const confirmed = await api()
        .post(`/api/promotion/v1/rollbacks/${lane.autoRollback.id}/confirm`)
        .set('Authorization', oncall)
        .send({ comment: 'v2 leaks connections' });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.resolution).toMatchObject({
        decision: 'confirmed',
        actor: 'user:default/olivia',
        comment: 'v2 leaks connections',
      });
      expect((await prod()).autoRollback).toBeUndefined();
      // The page outbox tells the pagers.
      await waitFor('the page resolved', async () =>
        backend.resolved.includes(`auto-rollback:${lane.autoRollback.id}`),
      );
      const again = await api()
        .post(`/api/promotion/v1/rollbacks/${lane.autoRollback.id}/confirm`)
        .set('Authorization', oncall)
        .send({});
      expect(again.status).toBe(409);
    });

    it('measures the time to recover from the first burning reading to the previous artifact serving again', async () => {
      const v1 = await ship(1);
      await ship(2);
      await pushCounters();

      // 5x: burning, under every threshold; then 30x until it fires.
      await serve(2, 0.005);
      const firstBurning = clock.now().getTime() - MINUTE;
      const lane = await serve(15, 0.03, l => Boolean(l.autoRollback));
      const fired = clock.now().getTime();
      const rollback = lane.autoRollback;
      expect(Date.parse(rollback.detectedAt)).toBeGreaterThan(firstBurning);

      await waitFor('v1 serving prod again', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === v1 && current;
      });
      // Serving is recorded when the rollback deployment turns healthy, which
      // may come a moment after it shows as the lane's current deployment.
      const recorded = await waitFor('the rollback restored', async () => {
        const [item] = (
          await api()
            .get(`${BASE}/rollbacks?environment=prod`)
            .set('Authorization', oncall)
        ).body.items;
        return item?.restoredAt ? item : undefined;
      });
      expect(recorded.impactStartedAt).toBe(
        new Date(firstBurning).toISOString(),
      );
      // The fake deploy system switches at once: serving again when fired.
      expect(recorded.restoredAt).toBe(new Date(fired).toISOString());
      expect(recorded.timeToRecoverSeconds).toBe((fired - firstBurning) / 1000);
      // Time to roll back (detection → deployer) is the shorter, older figure.
      expect(recorded.mttrSeconds).toBe(
        (fired - Date.parse(recorded.detectedAt)) / 1000,
      );
      expect(recorded.timeToRecoverSeconds).toBeGreaterThan(
        recorded.mttrSeconds,
      );

      // The lane and DORA show the same figure.
      expect((await prod()).autoRollback.timeToRecoverSeconds).toBe(
        recorded.timeToRecoverSeconds,
      );
      const dora = await api()
        .get(`${BASE}/dora?days=30`)
        .set('Authorization', oncall);
      expect(dora.status).toBe(200);
      expect(dora.body.timeToRestoreSeconds).toBe(
        recorded.timeToRecoverSeconds,
      );
    });

    it("starts a manual rollback's time to recover at the release's first burning reading", async () => {
      const v1 = await ship(1);
      await ship(2);
      await pushCounters();
      await serve(3, 0.005);
      const firstBurning = clock.now().getTime() - 3 * MINUTE + MINUTE;

      const res = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', oncall)
        .send({ environment: 'prod', reason: 'errors creeping up' });
      expect(res.status).toBe(202);
      await waitFor('v1 serving prod again', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === v1 && current;
      });
      // Serving is recorded when the rollback deployment turns healthy, which
      // may come a moment after it shows as the lane's current deployment.
      const recorded = await waitFor('the rollback restored', async () => {
        const [item] = (
          await api()
            .get(`${BASE}/rollbacks?environment=prod`)
            .set('Authorization', oncall)
        ).body.items;
        return item?.restoredAt ? item : undefined;
      });
      expect(recorded).toMatchObject({
        trigger: 'manual',
        impactStartedAt: new Date(firstBurning).toISOString(),
        restoredAt: clock.now().toISOString(),
        timeToRecoverSeconds: 2 * 60,
      });
    });

    it('times a manual rollback of a release that never burned from the request', async () => {
      const v1 = await ship(1);
      await ship(2);
      await pushCounters();
      await serve(2, 0);
      const res = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', oncall)
        .send({ environment: 'prod', reason: 'wrong feature flag' });
      expect(res.status).toBe(202);
      await waitFor('v1 serving prod again', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === v1 && current;
      });
      // Serving is recorded when the rollback deployment turns healthy, which
      // may come a moment after it shows as the lane's current deployment.
      const recorded = await waitFor('the rollback restored', async () => {
        const [item] = (
          await api()
            .get(`${BASE}/rollbacks?environment=prod`)
            .set('Authorization', oncall)
        ).body.items;
        return item?.restoredAt ? item : undefined;
      });
      expect(recorded.impactStartedAt).toBeUndefined();
      expect(recorded.timeToRecoverSeconds).toBe(0);
      expect(recorded.restoredAt).toBe(recorded.detectedAt);
    });

    it('does nothing at a 2x burn', async () => {
      await ship(1);
      await ship(2);
      await pushCounters();

      const lane = await serve(8, 0.002);

      expect(lane.burnRate).toMatchObject({ firing: false, blind: false });
      expect(lane.burnRate.windows[0].longBurnRate).toBeCloseTo(2, 5);
      expect(lane.burnRate.reason).toBe(
        'every window pair is under its burn rate',
      );
      expect(lane.autoRollback).toBeUndefined();
      expect(backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(2);
      expect(backend.pages).toEqual([]);
    });

    it('tells on-call auto-rollback is blind when the metrics cannot answer, and never rolls back on missing data', async () => {
      await ship(1);
      await ship(2);

      // No counters pushed at all: the provider has nothing to answer with.
      clock.advance(5 * MINUTE);
      const blind = await evaluatedNow();
      expect(blind.burnRate.blind).toBe(true);
      expect(blind.burnRate.reason).toContain('no data');
      await waitFor('the blind page', async () => backend.pages.length > 0);
      expect(backend.pages).toEqual([
        expect.objectContaining({
          severity: 'warning',
          environment: 'prod',
          summary: expect.stringContaining(
            'Auto-rollback is blind for component:default/checkout in prod',
          ),
        }),
      ]);
      // Paged once per blind spell, not on every evaluation.
      clock.advance(MINUTE);
      await evaluatedNow();
      expect(backend.pages).toHaveLength(1);

      // Data comes back: the blind page is resolved.
      await pushCounters();
      await serve(2, 0);
      await waitFor('the blind page resolved', async () =>
        backend.resolved.some(k => k.startsWith('auto-rollback-blind:')),
      );
      expect(backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(2);
    });

    it('lets on-call override: the artifact goes back in and is left alone', async () => {
      const v1 = await ship(1);
      const v2 = await ship(2);
      await pushCounters();
      const fired = await serve(10, 0.02, l => Boolean(l.autoRollback));
      const rollbackId = fired.autoRollback.id;
      await waitFor('v1 back in prod', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === v1 && current.state === 'verified';
      });

      const missing = await api()
        .post(`/api/promotion/v1/rollbacks/${rollbackId}/override`)
        .set('Authorization', oncall)
        .send({});
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('comment');

      const res = await api()
        .post(`/api/promotion/v1/rollbacks/${rollbackId}/override`)
        .set('Authorization', oncall)
        .send({ comment: 'the errors come from a partner outage' });
      expect(res.status).toBe(202);
      await waitFor('v2 back in prod', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === v2 && current.state === 'verified';
      });
      const lane = await prod();
      expect(lane.holds).toEqual([]);
      expect(lane.autoRollback).toBeUndefined();

      // Still burning, but auto-rollback holds off for the overridden deployment.
      const after = await serve(5, 0.02);
      expect(after.burnRate.firing).toBe(true);
      expect(after.burnRate.reason).toContain('auto-rollback is off');
      expect(backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(4);

      const rollbacks = await api()
        .get(`${BASE}/rollbacks`)
        .set('Authorization', oncall);
      expect(rollbacks.body.items[0].resolution).toMatchObject({
        decision: 'overridden',
        actor: 'user:default/olivia',
        comment: 'the errors come from a partner outage',
      });
    });
  },
);
