import { createTestDatabases } from '../__testUtils__/databases';
import {
  burnFlow,
  BASE,
  SERVICE,
  MINUTE,
  oncall,
} from '../__testUtils__/burnFlow';

jest.setTimeout(90_000);

const databases = createTestDatabases();

/** Auto-rollback through the real plugin: firing, paging, blind, override. */
describe.each(databases.eachSupportedId())(
  'automatic rollback on burn rate, end to end on %p',
  databaseId => {
    const flow = burnFlow(databases, databaseId);
    const { api, waitFor, prod, ship, pushCounters, evaluatedNow, serve } =
      flow;

    it('rolls prod back after a 20x burn holds for the sustain time, pages on-call, and records the MTTR', async () => {
      const v1 = await ship(1);
      const v2 = await ship(2);
      await pushCounters();
      const startedBurning = flow.clock.now().getTime();

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
      expect(flow.clock.now().getTime() - detectedAt).toBe(2 * MINUTE);

      // The rollback reached the deployer with the previous digest.
      await waitFor('the rollback deployment of v1', async () =>
        flow.backend.deployer.calls.some(
          c =>
            c.environment === 'prod' &&
            c.artifact.digest === v1 &&
            flow.backend.deployer.deploymentsOf(SERVICE, 'prod').length === 3,
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
      await waitFor('the page', async () => flow.backend.pages.length > 0);
      expect(flow.backend.pages).toHaveLength(1);
      expect(flow.backend.pages[0]).toMatchObject({
        severity: 'critical',
        environment: 'prod',
        dedupKey: `auto-rollback:${lane.autoRollback.id}`,
      });
      expect(flow.backend.pages[0].summary).toContain('from 1.0.2 to 1.0.1');
      expect(flow.backend.notifications).toContainEqual(
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
      expect(flow.backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(
        3,
      );

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
        flow.backend.resolved.includes(`auto-rollback:${lane.autoRollback.id}`),
      );
      const again = await api()
        .post(`/api/promotion/v1/rollbacks/${lane.autoRollback.id}/confirm`)
        .set('Authorization', oncall)
        .send({});
      expect(again.status).toBe(409);
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
      expect(flow.backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(
        2,
      );
      expect(flow.backend.pages).toEqual([]);
    });

    it('tells on-call auto-rollback is blind when the metrics cannot answer, and never rolls back on missing data', async () => {
      await ship(1);
      await ship(2);

      // No counters pushed at all: the provider has nothing to answer with.
      flow.clock.advance(5 * MINUTE);
      const blind = await evaluatedNow();
      expect(blind.burnRate.blind).toBe(true);
      expect(blind.burnRate.reason).toContain('no data');
      await waitFor(
        'the blind page',
        async () => flow.backend.pages.length > 0,
      );
      expect(flow.backend.pages).toEqual([
        expect.objectContaining({
          severity: 'warning',
          environment: 'prod',
          summary: expect.stringContaining(
            'Auto-rollback is blind for component:default/checkout in prod',
          ),
        }),
      ]);
      // Paged once per blind spell, not on every evaluation.
      flow.clock.advance(MINUTE);
      await evaluatedNow();
      expect(flow.backend.pages).toHaveLength(1);

      // Data comes back: the blind page is resolved.
      await pushCounters();
      await serve(2, 0);
      await waitFor('the blind page resolved', async () =>
        flow.backend.resolved.some(k => k.startsWith('auto-rollback-blind:')),
      );
      expect(flow.backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(
        2,
      );
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
      expect(flow.backend.deployer.deploymentsOf(SERVICE, 'prod')).toHaveLength(
        4,
      );

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
