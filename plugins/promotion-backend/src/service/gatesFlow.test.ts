import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf, pipelineApi } from '../__testUtils__/pipelineApi';

/*
 * The staging → prod path end to end: real HTTP against the real plugin, the
 * push metrics provider fed through the API, and the plugin's clock moved by
 * hand so soak windows and calendar windows are crossed without waiting.
 * While a test waits it runs the engine's scheduled pass over and over, as
 * the scheduler would; every step waits for the evaluation at the exact clock
 * time it moved to, so each assertion sees the verdict for that moment.
 */

const SERVICE = 'component:default/payments';
const BASE = '/api/promotion/v1/services/component/default/payments';
const APPROVERS = 'group:default/payments-approvers';

const config = {
  promotion: {
    calendars: {
      prod: {
        timezone: 'Europe/Berlin',
        deny: [
          {
            name: 'friday-afternoon',
            days: ['fri'],
            from: '12:00',
            to: '24:00',
            reason: 'No Friday-afternoon deploys',
          },
        ],
      },
    },
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake' },
          { name: 'staging', deployer: 'fake', gates: ['tests'] },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [
              'e2e',
              {
                name: 'soak',
                provider: 'push',
                window: '15m',
                thresholds: { errorRate: 0.05, latency: 0.5 },
                // The first pushed samples arrive after the deployment.
                onNoData: 'pending',
              },
              { name: 'window', calendar: 'prod' },
              { name: 'approval', group: APPROVERS },
              // Only at the prod door, so a clash shows where it matters most.
              'migration',
            ],
          },
        ],
      },
    },
  },
};

const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
const carol = mockCredentials.user.header('user:default/carol');
const ci = mockCredentials.service.header();

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'gates from staging to prod on %p',
  databaseId => {
    let knex: Knex;
    let clock: ManualClock;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    const cleanup: Array<() => Promise<void>> = [];

    async function start(at: string) {
      const db = await databases.init(databaseId);
      cleanup.push(() => db.destroy());
      clock = new ManualClock(at);
      const started = await startPromotionBackend({
        knex: db,
        config,
        entities: [serviceEntity('payments')],
        clock: clock.now,
        memberships: { 'user:default/carol': [APPROVERS] },
      });
      cleanup.unshift(() => started.stop());
      knex = db;
      backend = started;
    }

    afterEach(async () => {
      for (const step of cleanup.splice(0)) await step();
    });

    const api = () => request(backend.server);
    const iso = (at: Date) => at.toISOString();

    const { pipeline, waitFor } = pipelineApi({
      server: () => backend.server,
      base: BASE,
      auth: alice,
      // The test scheduler does not tick on its own; time moves by hand.
      beforeProbe: () => backend.tick(),
    });
    const lane = laneOf;
    const gate = (promotion: any, name: string) =>
      promotion.gates.find((g: any) => g.gate === name);
    const prodDeploys = () =>
      backend.deployer
        .deploymentsOf(SERVICE, 'prod')
        .map(c => c.artifact.digest);

    /** The pending promotion of `digest` into prod once the engine evaluated it at `at`. */
    const evaluatedAt = (
      digest: string,
      at: Date,
      also?: (p: any) => boolean,
    ) =>
      waitFor(`prod gates of ${digest} evaluated at ${iso(at)}`, async () => {
        const p = lane(await pipeline(), 'prod').promotion;
        return (
          p?.artifact.digest === digest &&
          p.gates.length > 0 &&
          p.gates.every((g: any) => g.evaluatedAt === iso(at)) &&
          (!also || also(p)) &&
          p
        );
      });

    /**
     * Moves the clock and runs a scheduler pass: a promotion whose gates wait
     * for an event or a later time is not looked at again (it costs nothing).
     */
    async function idleUntil(digest: string, at: Date, lastLook: Date) {
      clock.set(at);
      await backend.tick();
      const p = lane(await pipeline(), 'prod').promotion;
      expect(p.artifact.digest).toBe(digest);
      expect(p.gates.map((g: any) => g.evaluatedAt)).toEqual(
        p.gates.map(() => iso(lastLook)),
      );
      return p;
    }

    /** Moves the clock and returns the prod promotion as evaluated then. */
    async function moveTo(digest: string, at: Date) {
      clock.set(at);
      return evaluatedAt(digest, at);
    }

    /** CI registers an artifact by bob with its unit, integration and contract results. */
    async function merge(seed: number, extra: Record<string, unknown> = {}) {
      const res = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          digest: digestOf(seed),
          version: `2.0.${seed}`,
          commit: `c${seed}`,
          author: 'user:default/bob',
          testResults: ['unit', 'integration', 'contract'].map(suite => ({
            suite,
            status: 'passed',
          })),
          ...extra,
        });
      expect(res.status).toBe(201);
      return digestOf(seed);
    }

    async function verifiedIn(env: string, digest: string) {
      return waitFor(`${digest} verified in ${env}`, async () => {
        const c = lane(await pipeline(), env).current;
        return c?.artifact.digest === digest && c.state === 'verified' && c;
      });
    }

    async function reportE2e(digest: string) {
      const res = await api()
        .post(`/api/promotion/v1/artifacts/${digest}/test-results`)
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          suite: 'e2e',
          environment: 'staging',
          status: 'passed',
        });
      expect(res.status).toBe(201);
    }

    /** The service in staging pushes its error rate and latency at these times. */
    async function push(times: Date[], errorRate = 0.01) {
      const res = await api()
        .post(`${BASE}/environments/staging/samples`)
        .set('Authorization', ci)
        .send({
          samples: times.flatMap(at => [
            { signal: 'errorRate', value: errorRate, at: iso(at) },
            { signal: 'latency', value: 0.2, at: iso(at) },
          ]),
        });
      expect(res.status).toBe(201);
      expect(res.body.stored).toBe(times.length * 2);
    }

    const minutesAfter = (from: Date, n: number) =>
      new Date(from.getTime() + n * 60_000);

    /**
     * Runs the soak in steps of up to five minutes until `until`: the service
     * pushes a healthy sample for each minute of the step (the API takes
     * samples up to five minutes ahead of its clock), then the clock moves
     * and the engine evaluates.
     */
    async function soakUntil(digest: string, until: Date) {
      let promotion: any;
      while (clock.now() < until) {
        const from = clock.now();
        const to = new Date(
          Math.min(until.getTime(), from.getTime() + 5 * 60_000),
        );
        const times: Date[] = [];
        for (let t = from.getTime() + 60_000; t <= to.getTime(); t += 60_000) {
          times.push(new Date(t));
        }
        await push(times);
        promotion = await moveTo(digest, to);
      }
      return promotion;
    }

    it('takes a risky artifact to prod through a soak breach, a stop-the-line freeze, the Friday-afternoon calendar and the approvers group', async () => {
      // Friday 27 Nov 2026, 11:30 in Berlin.
      const t0 = new Date('2026-11-27T10:30:00Z');
      const at = (minutes: number) => minutesAfter(t0, minutes);
      await start(iso(t0));

      const digest = await merge(1, {
        labels: ['schema-migration'],
        migration: { schemaVersion: 2, minCompatibleSchemaVersion: 1 },
      });
      await verifiedIn('staging', digest);
      await reportE2e(digest);
      let promotion = await evaluatedAt(
        digest,
        t0,
        p => gate(p, 'e2e').verdict === 'passed',
      );
      expect(gate(promotion, 'soak')).toMatchObject({
        verdict: 'pending',
        reason: expect.stringMatching(
          /^cannot read staging metrics from push: .*no errorRate samples.*; waiting \(onNoData: pending\)$/,
        ),
      });
      expect(gate(promotion, 'window')).toMatchObject({
        verdict: 'passed',
        reason: 'window open',
      });
      expect(gate(promotion, 'migration').verdict).toBe('passed');

      // Healthy for four minutes, then error rate over its threshold.
      await push([0, 1, 2, 3, 4].map(at));
      promotion = await moveTo(digest, at(4));
      expect(gate(promotion, 'soak').reason).toBe(
        'soak 4 of 15 min in staging',
      );
      await push([at(5)], 0.09);
      promotion = await moveTo(digest, at(5));
      expect(gate(promotion, 'soak')).toMatchObject({
        verdict: 'pending',
        reason: 'breach: errorRate 0.09 > 0.05 at 10:35 UTC; soak restarted',
        evidence: expect.objectContaining({
          windowStartedAt: iso(at(5)),
          elapsedMs: 0,
          breach: {
            signal: 'errorRate',
            value: 0.09,
            threshold: 0.05,
            at: iso(at(5)),
          },
        }),
      });
      expect(lane(await pipeline(), 'staging').soak).toMatchObject({
        startedAt: iso(at(5)),
        requiredMs: 15 * 60_000,
      });

      // Fifteen minutes after verification the first window would have been
      // over; the restarted one is not.
      promotion = await soakUntil(digest, at(15));
      expect(gate(promotion, 'soak')).toMatchObject({
        verdict: 'pending',
        reason: 'soak 10 of 15 min in staging',
        evidence: expect.objectContaining({
          windowStartedAt: iso(at(5)),
          lastBreach: {
            at: iso(at(5)),
            reason: 'errorRate 0.09 > 0.05 at 10:35 UTC',
          },
        }),
      });
      expect(prodDeploys()).toEqual([]);

      // An incident: stop the line in prod.
      const freeze = await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'INC-7 payment latency' });
      expect(freeze.status).toBe(201);

      // A full clean window since the breach: the soak passes, the freeze holds.
      promotion = await soakUntil(digest, at(20));
      expect(gate(promotion, 'soak')).toMatchObject({
        verdict: 'passed',
        reason:
          'soaked 15 min in staging with errorRate ≤ 0.05, latency ≤ 0.5 s',
      });
      expect(gate(promotion, 'window')).toMatchObject({
        verdict: 'pending',
        reason: 'stop the line: INC-7 payment latency (by user:default/alice)',
      });

      // Still frozen at noon in Berlin; nothing looks at the promotion while
      // it waits for the freeze to be lifted and for an approver.
      promotion = await idleUntil(digest, at(35), at(20));
      expect(gate(promotion, 'window').reason).toMatch(/^stop the line: /);
      // The service kept pushing its health meanwhile.
      await push(Array.from({ length: 15 }, (_, i) => at(21 + i)));
      const lifted = await api()
        .delete(`/api/promotion/v1/freezes/${freeze.body.id}`)
        .set('Authorization', alice);
      expect(lifted.status).toBe(204);
      promotion = await waitFor(
        'the window gate to see the lifted freeze',
        async () => {
          const p = lane(await pipeline(), 'prod').promotion;
          return !gate(p, 'window').reason.startsWith('stop the line') && p;
        },
      );
      // Now the calendar says no: 12:05 on a Friday in Berlin.
      expect(gate(promotion, 'window')).toMatchObject({
        verdict: 'pending',
        reason:
          'freeze: No Friday-afternoon deploys until Sat 28 Nov 00:00 Europe/Berlin',
        evidence: expect.objectContaining({
          calendar: 'prod',
          rule: 'friday-afternoon',
          until: '2026-11-27T23:00:00.000Z',
        }),
      });
      expect(gate(promotion, 'soak').verdict).toBe('passed');

      // Friday evening: the calendar still holds the promotion, which is not
      // looked at again before the calendar opens.
      const liftedAt = clock.now();
      promotion = await idleUntil(
        digest,
        new Date('2026-11-27T22:56:00Z'),
        liftedAt,
      );
      expect(gate(promotion, 'window').reason).toBe(
        'freeze: No Friday-afternoon deploys until Sat 28 Nov 00:00 Europe/Berlin',
      );
      expect(prodDeploys()).toEqual([]);

      // Midnight in Berlin: the window opens; only the approval is missing.
      promotion = await soakUntil(digest, new Date('2026-11-27T23:00:00Z'));
      expect(
        Object.fromEntries(
          promotion.gates.map((g: any) => [g.gate, [g.verdict, g.reason]]),
        ),
      ).toEqual({
        e2e: ['passed', 'e2e passed against staging'],
        soak: [
          'passed',
          'soaked 15 min in staging with errorRate ≤ 0.05, latency ≤ 0.5 s',
        ],
        window: ['passed', 'window open'],
        approval: [
          'pending',
          `waiting for approval by ${APPROVERS}: schema-migration`,
        ],
        migration: ['passed', 'nothing else runs in the target environment'],
      });
      expect(prodDeploys()).toEqual([]);

      const own = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', bob)
        .send({ comment: 'my own change looks fine' });
      expect(own.status).toBe(403);
      expect(own.body.error.message).toBe(
        'user:default/bob is the author of 2.0.1 and cannot approve it',
      );
      const outsider = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', alice)
        .send({});
      expect(outsider.status).toBe(403);
      expect(outsider.body.error.message).toBe(
        `user:default/alice may not approve promotions into prod: only members of ${APPROVERS} may`,
      );
      expect(lane(await pipeline(), 'prod').promotion.approvals).toEqual([]);

      const approved = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', carol)
        .send({ comment: 'migration is expand-only' });
      expect(approved.status).toBe(200);
      const prod = await verifiedIn('prod', digest);
      expect(prod.artifact.version).toBe('2.0.1');
      expect(prodDeploys()).toEqual([digest]);

      const events = await api()
        .get(`${BASE}/events?limit=500`)
        .set('Authorization', alice);
      expect(
        events.body.items
          .filter((e: any) => /^(freeze|approval)\./.test(e.kind))
          .map((e: any) => `${e.kind}:${e.actor}`)
          .reverse(),
      ).toEqual([
        'approval.requested:engine',
        'freeze.created:user:default/alice',
        'freeze.lifted:user:default/alice',
        'approval.given:user:default/carol',
      ]);
    });

    it('fails the promotion when an approver rejects it', async () => {
      // Monday 23 Nov 2026, 11:00 in Berlin: no calendar rule applies.
      await start('2026-11-23T10:00:00Z');
      const digest = await merge(2, { labels: ['schema-migration'] });
      await verifiedIn('staging', digest);
      await reportE2e(digest);
      const promotion = await waitFor('approval to be asked for', async () => {
        const p = lane(await pipeline(), 'prod').promotion;
        return (
          p?.artifact.digest === digest &&
          gate(p, 'approval')?.verdict === 'pending' &&
          p
        );
      });
      const rejected = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/reject`)
        .set('Authorization', carol)
        .send({ comment: 'no schema changes this week' });
      expect(rejected.status).toBe(200);

      const row = await waitFor('the promotion to fail', async () => {
        const r = await knex('promotion_promotions')
          .where({ id: promotion.id })
          .first();
        return r.state === 'failed' && r;
      });
      expect(row.reason).toBe(
        'approval: rejected by user:default/carol: no schema changes this week',
      );
      const view = await pipeline();
      expect(lane(view, 'prod').promotion).toBeUndefined();
      expect(lane(view, 'prod').current).toBeUndefined();
      expect(prodDeploys()).toEqual([]);
      // A rejection is final: a later approval has nothing to act on.
      const late = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', carol)
        .send({});
      expect(late.status).toBe(409);
    });

    it('blocks a promotion whose schema the artifact running in prod cannot use, naming the versions', async () => {
      const t0 = new Date('2026-11-23T10:00:00Z');
      await start(iso(t0));
      const first = await merge(10, {
        migration: { schemaVersion: 1, minCompatibleSchemaVersion: 0 },
      });
      await verifiedIn('staging', first);
      await reportE2e(first);
      await soakUntil(first, minutesAfter(t0, 14));
      // The last minute of the soak: every gate passes and prod deploys.
      await push([minutesAfter(t0, 15)]);
      clock.set(minutesAfter(t0, 15));
      await verifiedIn('prod', first);

      // A contract step: code for schema 1 cannot run against schema 3.
      const second = await merge(11, {
        migration: { schemaVersion: 3, minCompatibleSchemaVersion: 3 },
      });
      await verifiedIn('staging', second);
      await reportE2e(second);
      const t1 = clock.now();
      await evaluatedAt(second, t1, p => gate(p, 'e2e').verdict === 'passed');
      const promotion = await soakUntil(second, minutesAfter(t1, 20));
      expect(
        promotion.gates
          .filter((g: any) => g.verdict !== 'passed')
          .map((g: any) => [g.gate, g.verdict, g.reason]),
      ).toEqual([
        [
          'migration',
          'failed',
          'schema clash: 2.0.10 (313000000000) is written for schema 1, but schema 3 of 2.0.11 (313100000000) needs code for schema >= 3',
        ],
      ]);
      expect(gate(promotion, 'migration').evidence).toEqual({
        incoming: { schemaVersion: 3, minCompatibleSchemaVersion: 3 },
        running: { schemaVersion: 1, minCompatibleSchemaVersion: 0 },
      });
      expect((await verifiedIn('prod', first)).artifact.version).toBe('2.0.10');
      expect(prodDeploys()).toEqual([first]);
    });
  },
);
