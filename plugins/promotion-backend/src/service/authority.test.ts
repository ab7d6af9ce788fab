import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf, pipelineApi } from '../__testUtils__/pipelineApi';

// Regression tests for what operators hit driving the API: who may decide,
// refs in other capitals, refusals in the audit log, ids probed without
// permission, replayed registrations, and rollbacks beside newer artifacts.

const SERVICE = 'component:default/payments';
const BASE = '/api/promotion/v1/services/component/default/payments';
const config = {
  promotion: {
    schedule: { milliseconds: 200 },
    calendars: {
      always: {
        timezone: 'Europe/Berlin',
        blackouts: [
          {
            name: 'old',
            start: '2020-01-01T00:00',
            end: '2020-01-02T00:00',
            reason: 'long gone',
          },
        ],
      },
    },
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake', gates: ['migration'] },
          {
            name: 'staging',
            deployer: 'fake',
            gates: [
              'tests',
              'migration',
              { name: 'window', calendar: 'always' },
            ],
          },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [
              'e2e',
              'approval',
              'migration',
              { name: 'window', calendar: 'always' },
            ],
          },
        ],
      },
    },
  },
};

const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
/** A user the policy allows nothing but reading. */
const mallory = mockCredentials.user.header('user:default/mallory');
const ci = mockCredentials.service.header();

jest.setTimeout(90_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'authority and flow correctness on %p',
  databaseId => {
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      backend = await startPromotionBackend({
        knex,
        config,
        entities: [serviceEntity('payments')],
        // mallory may only read; bob is no admin.
        permissionPolicy: (caller, permission) => {
          const denied =
            (caller === 'user:default/mallory' &&
              permission !== 'promotion.read') ||
            (caller === 'user:default/bob' && permission === 'promotion.admin');
          return denied ? AuthorizeResult.DENY : AuthorizeResult.ALLOW;
        },
      });
    });

    afterEach(async () => {
      await backend.stop();
      await knex.destroy();
    });

    const api = () => request(backend.server);
    const { pipeline, waitFor } = pipelineApi({
      server: () => backend.server,
      base: BASE,
      auth: alice,
    });
    const lane = laneOf;

    async function merge(seed: number, extra: Record<string, unknown> = {}) {
      const res = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          digest: digestOf(seed),
          version: `3.0.${seed}`,
          commit: `c${seed}`,
          author: 'user:default/carol',
          testResults: ['unit', 'integration', 'contract'].map(suite => ({
            suite,
            status: 'passed',
          })),
          ...extra,
        });
      expect(res.status).toBe(201);
      return digestOf(seed);
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

    const verifiedIn = (env: string, digest: string) =>
      waitFor(`${digest} verified in ${env}`, async () => {
        const c = lane(await pipeline(), env).current;
        return c?.artifact.digest === digest && c.state === 'verified' && c;
      });
    const waitingAt = (env: string, digest: string, gate: string) =>
      waitFor(`${gate} pending on ${env}`, async () => {
        const p = lane(await pipeline(), env).promotion;
        const g =
          p?.artifact.digest === digest &&
          p.gates.find((x: any) => x.gate === gate);
        return g && g.verdict === 'pending' && p;
      });
    async function shipToProd(seed: number) {
      const digest = await merge(seed);
      await verifiedIn('staging', digest);
      await reportE2e(digest);
      return verifiedIn('prod', digest);
    }
    async function riskyAtProd(seed: number, author: string) {
      const digest = await merge(seed, { labels: ['iam'], author });
      await verifiedIn('staging', digest);
      await reportE2e(digest);
      return waitingAt('prod', digest, 'approval');
    }
    const refusals = async () =>
      (
        await knex('promotion_events')
          .where({ kind: 'action.refused' })
          .orderBy('id')
      ).map(e => ({ actor: e.actor, ...JSON.parse(e.details) }));

    it('never lets a service approve or reject, whatever the policy allows it, and records the attempt', async () => {
      const promotion = await riskyAtProd(1, 'user:default/carol');
      for (const action of ['approve', 'reject']) {
        const res = await api()
          .post(`/api/promotion/v1/promotions/${promotion.id}/${action}`)
          .set('Authorization', ci)
          .send({});
        expect(res.status).toBe(403);
        expect(res.body.error.message).toMatch(
          /is a service; only a signed-in person/,
        );
      }
      expect(await knex('promotion_approvals')).toEqual([]);
      expect(await refusals()).toEqual([
        expect.objectContaining({
          action: 'approve',
          promotionId: promotion.id,
        }),
        expect.objectContaining({
          action: 'reject',
          promotionId: promotion.id,
        }),
      ]);
      expect((await refusals())[0].actor).toMatch(/^service:/);
      await new Promise(r => setTimeout(r, 500));
      expect(lane(await pipeline(), 'prod').promotion.state).toBe('pending');

      const approved = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', alice)
        .send({});
      expect(approved.status).toBe(200);
      await verifiedIn('prod', promotion.artifact.digest);
    });

    it.each([['User:Default/Alice'], ['user:default/ALICE']])(
      'refuses the author registered as %s, stores the ref in one spelling and records the refusal',
      async author => {
        const promotion = await riskyAtProd(2, author);
        expect(promotion.artifact.author).toBe('user:default/alice');
        const own = await api()
          .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
          .set('Authorization', alice)
          .send({ comment: 'mine' });
        expect(own.status).toBe(403);
        expect(own.body.error.message).toMatch(/is the author of 3.0.2/);
        const events = await api()
          .get(`${BASE}/events`)
          .set('Authorization', bob);
        expect(events.body.items).toContainEqual(
          expect.objectContaining({
            kind: 'action.refused',
            actor: 'user:default/alice',
            environment: 'prod',
            details: expect.objectContaining({ action: 'approve' }),
          }),
        );
        expect(await knex('promotion_approvals')).toEqual([]);
      },
    );

    it('checks permission before it tells whether an id exists', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      for (const path of [
        `/api/promotion/v1/rollbacks/${missing}/confirm`,
        `/api/promotion/v1/rollbacks/${missing}/override`,
        `/api/promotion/v1/promotions/${missing}/approve`,
        `/api/promotion/v1/promotions/${missing}/cancel`,
      ]) {
        const body = path.endsWith('/cancel') ? {} : { comment: 'probe' };
        const denied = await api()
          .post(path)
          .set('Authorization', mallory)
          .send(body);
        expect([path, denied.status]).toEqual([path, 403]);
        const allowed = await api()
          .post(path)
          .set('Authorization', alice)
          .send(body);
        expect([path, allowed.status]).toEqual([path, 404]);
      }
      const lift = await api()
        .delete(`/api/promotion/v1/freezes/${missing}`)
        .set('Authorization', mallory);
      expect(lift.status).toBe(403);
      const rollback = await api()
        .post('/api/promotion/v1/services/component/default/nothing/rollback')
        .set('Authorization', mallory)
        .send({ environment: 'prod', reason: 'probe' });
      expect(rollback.status).toBe(403);
    });

    it('records refused changes of a service in its audit log and audits test reports', async () => {
      const res = await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', mallory)
        .send({ environment: 'prod', reason: 'not mine' });
      expect(res.status).toBe(403);
      expect(await refusals()).toEqual([
        expect.objectContaining({
          actor: 'user:default/mallory',
          action: 'promotion.admin',
        }),
      ]);
      expect(await knex('promotion_freezes')).toEqual([]);

      const digest = await merge(30);
      const report = await api()
        .post(`/api/promotion/v1/artifacts/${digest}/test-results`)
        .set('Authorization', ci)
        .send({ entityRef: SERVICE, suite: 'e2e', status: 'passed' });
      expect(report.status).toBe(201);
      const refused = await api()
        .post(`/api/promotion/v1/artifacts/${digest}/test-results`)
        .set('Authorization', mallory)
        .send({ entityRef: SERVICE, suite: 'e2e', status: 'failed' });
      expect(refused.status).toBe(403);
      expect(
        backend.audits.filter(a => a.eventId === 'artifact-test-result'),
      ).toEqual([
        { eventId: 'artifact-test-result', outcome: 'success' },
        { eventId: 'artifact-test-result', outcome: 'fail' },
      ]);
    });

    it('changes nothing when a registration is replayed', async () => {
      // Stop the line into staging so nothing moves while we replay.
      const freeze = await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', alice)
        .send({ environment: 'staging', reason: 'hold still' });
      expect(freeze.status).toBe(201);
      const body = {
        entityRef: SERVICE,
        digest: digestOf(3),
        version: '3.0.3',
        commit: 'c3',
        testResults: ['unit', 'integration', 'contract'].map(suite => ({
          suite,
          status: 'passed',
        })),
      };
      const first = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(body);
      expect(first.status).toBe(201);
      await verifiedIn('dev', digestOf(3));
      const report = await api()
        .post(`/api/promotion/v1/artifacts/${digestOf(3)}/test-results`)
        .set('Authorization', ci)
        .send({ entityRef: SERVICE, suite: 'integration', status: 'failed' });
      expect(report.status).toBe(201);
      // Let the engine settle: the failed report shows on the waiting promotion.
      await waitFor('tests gate failed behind the freeze', async () => {
        const p = lane(await pipeline(), 'staging').promotion;
        return (
          p?.gates.find((x: any) => x.gate === 'tests')?.verdict === 'failed'
        );
      });
      const count = async (table: string) =>
        Number((await knex(table).count({ n: '*' }))[0].n);
      const before = {
        results: await count('promotion_test_results'),
        events: await count('promotion_events'),
        promotions: await count('promotion_promotions'),
      };
      for (let i = 0; i < 3; i++) {
        const replay = await api()
          .post('/api/promotion/v1/artifacts')
          .set('Authorization', ci)
          .send(body);
        expect(replay.status).toBe(200);
        expect(replay.body.created).toBe(false);
      }
      expect({
        results: await count('promotion_test_results'),
        events: await count('promotion_events'),
        promotions: await count('promotion_promotions'),
      }).toEqual(before);

      await api()
        .delete(`/api/promotion/v1/freezes/${freeze.body.id}`)
        .set('Authorization', alice)
        .expect(204);
      const blocked = await waitFor('tests gate failed', async () => {
        const p = lane(await pipeline(), 'staging').promotion;
        const g = p?.gates.find((x: any) => x.gate === 'tests');
        return g?.verdict === 'failed' && g;
      });
      expect(blocked.reason).toMatch(/integration/);
      expect(lane(await pipeline(), 'staging').current).toBeUndefined();
    });

    it('leaves a newer artifact pending behind a rollback hold and promotes it once released', async () => {
      const a = await shipToProd(10);
      await shipToProd(11);
      const freeze = await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'Black Friday' });
      expect(freeze.status).toBe(201);
      const c = await merge(12);
      await verifiedIn('staging', c);
      await reportE2e(c);
      const waiting = await waitingAt('prod', c, 'window');

      const rollback = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'errors' });
      expect(rollback.status).toBe(202);
      await verifiedIn('prod', a.artifact.digest);
      const held = await waitingAt('prod', c, 'hold');
      expect(held.id).toBe(waiting.id);

      await api()
        .delete(`/api/promotion/v1/freezes/${freeze.body.id}`)
        .set('Authorization', alice)
        .expect(204);
      await new Promise(r => setTimeout(r, 600));
      expect(lane(await pipeline(), 'prod').current.artifact.digest).toBe(
        a.artifact.digest,
      );
      const [hold] = lane(await pipeline(), 'prod').holds;
      await api()
        .post(`${BASE}/holds/${hold.id}/release`)
        .set('Authorization', alice)
        .send({})
        .expect(200);
      await verifiedIn('prod', c);
      const promotion = await knex('promotion_promotions')
        .where({ id: waiting.id })
        .first();
      expect(promotion.state).toBe('promoted');
    });

    it('lets the person who asked, or an admin, cancel a rollback that waits at the migration gate', async () => {
      const old = await merge(20, {
        migration: { schemaVersion: 2, minCompatibleSchemaVersion: 1 },
      });
      await verifiedIn('staging', old);
      await reportE2e(old);
      await verifiedIn('prod', old);
      for (const [seed, schema] of [
        [21, 3],
        [22, 4],
      ]) {
        const d = await merge(seed, {
          migration: {
            schemaVersion: schema,
            minCompatibleSchemaVersion: schema - 1,
          },
        });
        await verifiedIn('staging', d);
        await reportE2e(d);
        await verifiedIn('prod', d);
      }
      const res = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', bob)
        .send({ environment: 'prod', reason: 'errors', targetDigest: old });
      expect(res.status).toBe(202);
      const id = res.body.promotionId;
      await waitFor('migration gate failed', async () => {
        const p = lane(await pipeline(), 'prod').promotion;
        return (
          p?.id === id &&
          p.gates.find((g: any) => g.gate === 'migration')?.verdict === 'failed'
        );
      });

      const stranger = await api()
        .post(`/api/promotion/v1/promotions/${id}/cancel`)
        .set('Authorization', mallory)
        .send({});
      expect(stranger.status).toBe(403);
      const asker = await api()
        .post(`/api/promotion/v1/promotions/${id}/cancel`)
        .set('Authorization', mockCredentials.user.header('user:default/BOB'))
        .send({ reason: 'will fix forward' });
      expect(asker.status).toBe(200);
      expect(asker.body.state).toBe('cancelled');
      expect(lane(await pipeline(), 'prod').holds).toEqual([]);
      const again = await api()
        .post(`/api/promotion/v1/promotions/${id}/cancel`)
        .set('Authorization', alice)
        .send({});
      expect(again.status).toBe(409);

      // bob holds no promotion.admin: he may cancel only his own.
      const second = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'errors', targetDigest: old });
      expect(second.status).toBe(202);
      const notHis = await api()
        .post(`/api/promotion/v1/promotions/${second.body.promotionId}/cancel`)
        .set('Authorization', bob)
        .send({});
      expect(notHis.status).toBe(403);
      const admin = await api()
        .post(`/api/promotion/v1/promotions/${second.body.promotionId}/cancel`)
        .set('Authorization', alice)
        .send({});
      expect(admin.status).toBe(200);
      expect(lane(await pipeline(), 'prod').current.artifact.digest).toBe(
        digestOf(22),
      );
    });
  },
);
