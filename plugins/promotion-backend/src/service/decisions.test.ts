import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf, pipelineApi } from '../__testUtils__/pipelineApi';

const SERVICE = 'component:default/payments';
const BASE = '/api/promotion/v1/services/component/default/payments';
const config = {
  promotion: {
    schedule: { milliseconds: 200 },
    calendars: {
      prod: {
        timezone: 'Europe/Berlin',
        blackouts: [
          {
            name: 'old-freeze',
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
          { name: 'staging', deployer: 'fake', gates: ['tests', 'migration'] },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [
              'e2e',
              { name: 'approval', paths: ['services/payments/**'] },
              'migration',
              { name: 'window', calendar: 'prod' },
            ],
          },
        ],
      },
    },
  },
};

const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
const ci = mockCredentials.service.header();

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'human decisions end to end on %p',
  databaseId => {
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      backend = await startPromotionBackend({
        knex,
        config,
        entities: [serviceEntity('payments')],
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

    /** Registers an artifact as CI does and reports unit, integration and contract green. */
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

    async function reportE2e(digest: string, status: 'passed' | 'failed') {
      const res = await api()
        .post(`/api/promotion/v1/artifacts/${digest}/test-results`)
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          suite: 'e2e',
          environment: 'staging',
          status,
        });
      expect(res.status).toBe(201);
    }

    const current = async (env: string) => lane(await pipeline(), env).current;
    const verifiedIn = (env: string, digest: string) =>
      waitFor(`${digest} verified in ${env}`, async () => {
        const c = await current(env);
        return c?.artifact.digest === digest && c.state === 'verified' && c;
      });
    const promotionInto = (
      env: string,
      digest: string,
      gate: string,
      verdict: string,
    ) =>
      waitFor(`${gate} ${verdict} on ${env}`, async () => {
        const p = lane(await pipeline(), env).promotion;
        const g =
          p?.artifact.digest === digest &&
          p.gates.find((x: any) => x.gate === gate);
        return g && g.verdict === verdict && p;
      });

    /** Takes a non-risky artifact all the way to prod. */
    async function shipToProd(
      seed: number,
      extra: Record<string, unknown> = {},
    ) {
      const digest = await merge(seed, extra);
      await verifiedIn('staging', digest);
      await reportE2e(digest, 'passed');
      return verifiedIn('prod', digest);
    }

    it('asks for approval of a risky artifact, refuses its author, and promotes once approved', async () => {
      const digest = await merge(1, {
        changedPaths: ['services/payments/charge.ts'],
      });
      await verifiedIn('staging', digest);
      await reportE2e(digest, 'passed');
      const promotion = await promotionInto(
        'prod',
        digest,
        'approval',
        'pending',
      );
      expect(
        promotion.gates.find((g: any) => g.gate === 'approval').reason,
      ).toBe(
        'waiting for approval: services/payments/charge.ts matches services/payments/**',
      );
      expect(backend.notifications).toContainEqual(
        expect.objectContaining({
          recipients: { type: 'entity', entityRef: 'group:default/team-a' },
          payload: expect.objectContaining({
            title: 'Approval needed: 2.0.1 → prod',
          }),
        }),
      );

      const own = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', bob)
        .send({ comment: 'lgtm' });
      expect(own.status).toBe(403);
      expect(own.body.error.message).toMatch(/author/);

      const approved = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/approve`)
        .set('Authorization', alice)
        .send({ comment: 'checked the charge path' });
      expect(approved.status).toBe(200);
      expect(approved.body.approvals).toEqual([
        expect.objectContaining({
          actor: 'user:default/alice',
          decision: 'approved',
          comment: 'checked the charge path',
        }),
      ]);
      await verifiedIn('prod', digest);
      const events = await api()
        .get(`${BASE}/events?kind=approval`)
        .set('Authorization', alice);
      expect(events.body.items.map((e: any) => `${e.kind}:${e.actor}`)).toEqual(
        expect.arrayContaining([
          'approval.given:user:default/alice',
          'approval.requested:engine',
        ]),
      );
    });

    it('fails the promotion when an approver rejects it', async () => {
      const digest = await merge(2, { labels: ['iam'] });
      await verifiedIn('staging', digest);
      await reportE2e(digest, 'passed');
      const promotion = await promotionInto(
        'prod',
        digest,
        'approval',
        'pending',
      );
      const rejected = await api()
        .post(`/api/promotion/v1/promotions/${promotion.id}/reject`)
        .set('Authorization', alice)
        .send({ comment: 'needs a security review' });
      expect(rejected.status).toBe(200);
      await waitFor('promotion failed', async () => {
        const row = await knex('promotion_promotions')
          .where({ id: promotion.id })
          .first();
        return row.state === 'failed' && row;
      });
      const row = await knex('promotion_promotions')
        .where({ id: promotion.id })
        .first();
      expect(row.reason).toBe(
        'approval: rejected by user:default/alice: needs a security review',
      );
      expect(lane(await pipeline(), 'prod').current).toBeUndefined();
    });

    it('pages on-call when e2e fails against staging and blocks prod', async () => {
      const digest = await merge(3);
      await verifiedIn('staging', digest);
      await reportE2e(digest, 'failed');
      await promotionInto('prod', digest, 'e2e', 'failed');
      await waitFor('a page', async () => backend.pages.length > 0);
      expect(backend.pages[0]).toMatchObject({
        entityRef: SERVICE,
        environment: 'staging',
        digest,
        summary: 'e2e failed for 2.0.3 in staging; promotion to prod blocked',
      });
      expect(lane(await pipeline(), 'prod').current).toBeUndefined();
    });

    it('holds promotions while the line is stopped and resumes when the freeze is lifted', async () => {
      const freeze = await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'incident INC-42' });
      expect(freeze.status).toBe(201);
      const digest = await merge(4);
      await verifiedIn('staging', digest);
      await reportE2e(digest, 'passed');
      const waiting = await promotionInto('prod', digest, 'window', 'pending');
      expect(
        waiting.gates.find((g: any) => g.gate === 'window').reason,
      ).toMatch(/stop the line: incident INC-42 \(by user:default\/alice\)/);
      expect(lane(await pipeline(), 'prod').freezes).toEqual([
        expect.objectContaining({
          id: freeze.body.id,
          reason: 'incident INC-42',
        }),
      ]);

      const lifted = await api()
        .delete(`/api/promotion/v1/freezes/${freeze.body.id}`)
        .set('Authorization', alice);
      expect(lifted.status).toBe(204);
      await verifiedIn('prod', digest);
    });

    it('rolls prod back to the warm previous artifact during a freeze, holds the bad one, and touches no other lane', async () => {
      const first = await shipToProd(5);
      const second = await shipToProd(6);
      expect(lane(await pipeline(), 'prod').previous.artifact.digest).toBe(
        first.artifact.digest,
      );
      await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'Black Friday' });
      const callsBefore = backend.deployer.calls.length;

      const started = Date.now();
      const res = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'checkout errors' });
      expect(res.status).toBe(202);
      expect(res.body.targetDigest).toBe(first.artifact.digest);
      await waitFor(
        'rollback deploy call',
        async () => backend.deployer.calls.length > callsBefore,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(
        backend.deployer.calls
          .slice(callsBefore)
          .map(c => `${c.environment}:${c.artifact.digest}`),
      ).toEqual([`prod:${first.artifact.digest}`]);
      // The deployer hears which earlier deployment runs that digest warm.
      expect(backend.deployer.calls[callsBefore].warm).toEqual({
        deploymentId: first.id,
        digest: first.artifact.digest,
      });
      expect(
        backend.deployer.calls.slice(0, callsBefore).filter(c => c.warm),
      ).toEqual([]);

      const restored = await verifiedIn('prod', first.artifact.digest);
      expect(restored.trigger).toBe('rollback');
      const view = await pipeline();
      expect(lane(view, 'staging').current.artifact.digest).toBe(
        second.artifact.digest,
      );
      expect(lane(view, 'prod').holds).toEqual([
        expect.objectContaining({
          digest: second.artifact.digest,
          reason: 'rolled back: checkout errors',
          createdBy: 'user:default/alice',
        }),
      ]);
      const rolledBack = await knex('promotion_deployments')
        .where({ id: second.id })
        .first();
      expect(rolledBack.state).toBe('rolled_back');
      const rollbacks = await knex('promotion_rollbacks');
      expect(rollbacks).toHaveLength(1);
      expect(rollbacks[0].dispatched_at).not.toBeNull();
    });

    it('refuses a rollback without a previous artifact (409) and names a bad target', async () => {
      await shipToProd(7);
      const none = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'oops' });
      expect(none.status).toBe(409);
      expect(none.body.error.message).toBe(
        'prod has no previous artifact to roll back to',
      );
      const bad = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('reason');
    });

    it('keeps a held artifact out until the hold is released', async () => {
      await shipToProd(8);
      const second = await shipToProd(9);
      await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'latency' });
      await verifiedIn('prod', digestOf(8));
      const [hold] = lane(await pipeline(), 'prod').holds;
      expect(hold.digest).toBe(second.artifact.digest);
      expect(lane(await pipeline(), 'prod').promotion).toBeUndefined();

      const released = await api()
        .post(`${BASE}/holds/${hold.id}/release`)
        .set('Authorization', alice)
        .send({ reason: 'fixed by config' });
      expect(released.status).toBe(200);
      expect(lane(await pipeline(), 'prod').holds).toEqual([]);
    });

    it('blocks a promotion whose schema the running artifact cannot use, and says which versions clash', async () => {
      await shipToProd(10, {
        migration: { schemaVersion: 1, minCompatibleSchemaVersion: 0 },
      });
      const digest = await merge(11, {
        migration: { schemaVersion: 3, minCompatibleSchemaVersion: 3 },
      });
      const blocked = await promotionInto('dev', digest, 'migration', 'failed');
      expect(
        blocked.gates.find((g: any) => g.gate === 'migration').reason,
      ).toBe(
        'schema clash: 2.0.10 (313000000000) is written for schema 1, but schema 3 of 2.0.11 (313100000000) needs code for schema >= 3',
      );
    });

    it('blocks a rollback that a migration made unsafe, and explains why', async () => {
      // Each step is forward compatible with the one before; the oldest is not
      // compatible with the newest schema.
      await shipToProd(12, {
        migration: { schemaVersion: 2, minCompatibleSchemaVersion: 1 },
      });
      await shipToProd(13, {
        migration: { schemaVersion: 3, minCompatibleSchemaVersion: 2 },
      });
      await shipToProd(14, {
        migration: { schemaVersion: 4, minCompatibleSchemaVersion: 3 },
      });
      const res = await api()
        .post(`${BASE}/rollback`)
        .set('Authorization', alice)
        .send({
          environment: 'prod',
          reason: 'errors',
          targetDigest: digestOf(12),
        });
      expect(res.status).toBe(202);
      const blocked = await promotionInto(
        'prod',
        digestOf(12),
        'migration',
        'failed',
      );
      expect(blocked.trigger).toBe('rollback');
      expect(
        blocked.gates.find((g: any) => g.gate === 'migration').reason,
      ).toMatch(
        /2\.0\.12 .* is written for schema 2, but schema 4 of 2\.0\.14 .* needs code for schema >= 3/,
      );
      expect((await current('prod')).artifact.digest).toBe(digestOf(14));
    });
  },
);
