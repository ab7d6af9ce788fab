import { createTestDatabases } from '../__testUtils__/databases';
import { burnFlow, BASE, MINUTE, oncall } from '../__testUtils__/burnFlow';

jest.setTimeout(90_000);

const databases = createTestDatabases();

/** When recovery starts and ends, for automatic and manual rollbacks. */
describe.each(databases.eachSupportedId())(
  'time to recover from a bad release, end to end on %p',
  databaseId => {
    const flow = burnFlow(databases, databaseId);
    const { api, waitFor, prod, ship, pushCounters, serve } = flow;

    /** On-call asks for a rollback of prod. */
    const rollBack = (reason: string) =>
      api()
        .post(`${BASE}/rollback`)
        .set('Authorization', oncall)
        .send({ environment: 'prod', reason });

    /** Waits until `digest` serves prod again and the rollback is recorded as restored. */
    async function restoredTo(digest: string) {
      await waitFor('the previous artifact serving prod again', async () => {
        const current = (await prod()).current;
        return current?.artifact.digest === digest && current;
      });
      // Serving is recorded when the rollback deployment turns healthy, which
      // may come a moment after it shows as the lane's current deployment.
      return waitFor('the rollback restored', async () => {
        const [item] = (
          await api()
            .get(`${BASE}/rollbacks?environment=prod`)
            .set('Authorization', oncall)
        ).body.items;
        return item?.restoredAt ? item : undefined;
      });
    }

    it('measures the time to recover from the first burning reading to the previous artifact serving again', async () => {
      const v1 = await ship(1);
      await ship(2);
      await pushCounters();

      // 5x: burning, under every threshold; then 30x until it fires.
      await serve(2, 0.005);
      const firstBurning = flow.clock.now().getTime() - MINUTE;
      const lane = await serve(15, 0.03, l => Boolean(l.autoRollback));
      const fired = flow.clock.now().getTime();
      const rollback = lane.autoRollback;
      expect(Date.parse(rollback.detectedAt)).toBeGreaterThan(firstBurning);

      const recorded = await restoredTo(v1);
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
      const firstBurning = flow.clock.now().getTime() - 3 * MINUTE + MINUTE;

      const res = await rollBack('errors creeping up');
      expect(res.status).toBe(202);
      const recorded = await restoredTo(v1);
      expect(recorded).toMatchObject({
        trigger: 'manual',
        impactStartedAt: new Date(firstBurning).toISOString(),
        restoredAt: flow.clock.now().toISOString(),
        timeToRecoverSeconds: 2 * 60,
      });
    });

    it('times a manual rollback of a release that never burned from the request', async () => {
      const v1 = await ship(1);
      await ship(2);
      await pushCounters();
      await serve(2, 0);
      const res = await rollBack('wrong feature flag');
      expect(res.status).toBe(202);
      const recorded = await restoredTo(v1);
      expect(recorded.impactStartedAt).toBeUndefined();
      expect(recorded.timeToRecoverSeconds).toBe(0);
      expect(recorded.restoredAt).toBe(recorded.detectedAt);
    });
  },
);
