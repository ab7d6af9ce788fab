import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf } from '../__testUtils__/pipelineApi';
import { loadOpenApiSpec } from '../schema/spec';

// Every mutating operation of the OpenAPI spec, called by every kind of
// caller: nobody (401), a user the policy denies (403), a service token
// (never a person: 403 on approvals, otherwise what the policy allows), an
// allowed user, and the artifact's author (who may not decide on it).

const MINUTE = 60_000;
const config = {
  promotion: {
    pipelines: {
      standard: {
        environments: [
          { name: 'staging', deployer: 'fake', gates: ['tests'] },
          {
            name: 'prod',
            deployer: 'fake',
            gates: ['approval', 'migration'],
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

type Identity =
  | 'nobody'
  | 'denied user'
  | 'service'
  | 'allowed user'
  | 'author';
const IDENTITIES: Identity[] = [
  'nobody',
  'denied user',
  'service',
  'allowed user',
  'author',
];
const AUTHOR = 'user:default/bob';
const headers: Record<Identity, string> = {
  // The test backend treats a request without a token as a default user.
  nobody: mockCredentials.none.header(),
  'denied user': mockCredentials.user.header('user:default/mallory'),
  service: mockCredentials.service.header(),
  'allowed user': mockCredentials.user.header('user:default/alice'),
  author: mockCredentials.user.header(AUTHOR),
};
const alice = headers['allowed user'];
const ci = headers.service;

/** Operations only a person who is not the author may call. */
const PEOPLE_ONLY = new Set(['ApprovePromotion', 'RejectPromotion']);

function expectedStatus(operationId: string, success: number, who: Identity) {
  if (operationId === 'ReportDeploymentStatus') return 401; // HMAC, not tokens
  if (who === 'nobody') return 401;
  if (who === 'denied user') return 403;
  if (PEOPLE_ONLY.has(operationId) && who !== 'allowed user') return 403;
  return success;
}

jest.setTimeout(300_000);

const databases = createTestDatabases();
const SERVICES = Array.from({ length: 40 }, (_, i) => `svc-${i}`);

describe.each(databases.eachSupportedId())(
  'authorization matrix on %p',
  databaseId => {
    let knex: Knex;
    let clock: ManualClock;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;
    let nextService = 0;
    let nextSeed = 1;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      clock = new ManualClock('2026-11-24T10:00:00Z');
      backend = await startPromotionBackend({
        knex,
        config,
        clock: clock.now,
        entities: SERVICES.map(name => serviceEntity(name)),
        permissionPolicy: (caller, permission) =>
          caller === 'user:default/mallory' && permission !== 'promotion.read'
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      });
    });

    afterAll(async () => {
      await backend.stop();
      await knex.destroy();
    });

    const api = () => request(backend.server);
    const baseOf = (name: string) =>
      `/api/promotion/v1/services/component/default/${name}`;

    async function lane(name: string, env: string) {
      const res = await api()
        .get(`${baseOf(name)}/pipeline`)
        .set('Authorization', alice);
      expect(res.status).toBe(200);
      return laneOf(res.body, env);
    }
    async function waitFor<T>(what: string, probe: () => Promise<T>) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise(r => setTimeout(r, 50));
      }
    }

    /** A fresh service: every fixture gets its own lanes. */
    const freshService = () => SERVICES[nextService++];

    async function register(name: string, extra: Record<string, unknown> = {}) {
      const seed = nextSeed++;
      const res = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: `component:default/${name}`,
          digest: digestOf(seed),
          version: `1.0.${seed}`,
          commit: `c${seed}`,
          author: AUTHOR,
          testResults: ['unit', 'integration', 'contract'].map(suite => ({
            suite,
            status: 'passed',
          })),
          ...extra,
        });
      expect(res.status).toBe(201);
      return digestOf(seed);
    }
    async function ship(name: string, extra: Record<string, unknown> = {}) {
      const digest = await register(name, extra);
      await waitFor(`${digest} verified in prod`, async () => {
        const current = (await lane(name, 'prod')).current;
        return (
          current?.artifact.digest === digest && current.state === 'verified'
        );
      });
      return digest;
    }
    async function waitingForApproval(name: string) {
      const digest = await register(name, { labels: ['iam'] });
      return waitFor('approval pending', async () => {
        const p = (await lane(name, 'prod')).promotion;
        return (
          p?.artifact.digest === digest &&
          p.gates.find((g: any) => g.gate === 'approval')?.verdict ===
            'pending' &&
          p.id
        );
      });
    }
    async function rolledBack(name: string) {
      await ship(name);
      await ship(name);
      const res = await api()
        .post(`${baseOf(name)}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'fixture' });
      expect(res.status).toBe(202);
      return res.body.promotionId as string;
    }
    async function rollbackWaitingAtMigration(name: string) {
      const old = await ship(name, {
        migration: { schemaVersion: 2, minCompatibleSchemaVersion: 1 },
      });
      await ship(name, {
        migration: { schemaVersion: 3, minCompatibleSchemaVersion: 2 },
      });
      await ship(name, {
        migration: { schemaVersion: 4, minCompatibleSchemaVersion: 3 },
      });
      const res = await api()
        .post(`${baseOf(name)}/rollback`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'fixture', targetDigest: old });
      expect(res.status).toBe(202);
      return res.body.promotionId as string;
    }
    async function autoRolledBack(name: string) {
      await ship(name);
      await ship(name);
      const counters = { good: 0, total: 0 };
      for (let i = 0; i < 10; i++) {
        clock.advance(MINUTE);
        counters.total += 1000;
        counters.good += 980;
        await api()
          .post(`${baseOf(name)}/environments/prod/samples`)
          .set('Authorization', ci)
          .send({
            samples: [
              { signal: 'requestsTotal', value: counters.total },
              { signal: 'requestsGood', value: counters.good },
            ],
          })
          .expect(201);
        await backend.watchBurn();
        const rollback = (await lane(name, 'prod')).autoRollback;
        if (rollback) return rollback.id as string;
      }
      throw new Error('no automatic rollback fired');
    }

    /** For each operation: a fresh target and the request that acts on it. */
    const cases: Record<
      string,
      {
        success: number;
        target: () => Promise<{
          method: 'post' | 'delete';
          path: string;
          body?: object;
        }>;
      }
    > = {
      RegisterArtifact: {
        success: 201,
        target: async () => {
          const seed = nextSeed++;
          return {
            method: 'post',
            path: '/api/promotion/v1/artifacts',
            body: {
              entityRef: `component:default/${SERVICES[0]}`,
              digest: digestOf(seed),
              version: `9.0.${seed}`,
              commit: 'c',
            },
          };
        },
      },
      ReportTestResult: {
        success: 201,
        target: async () => {
          const name = freshService();
          const digest = await register(name);
          return {
            method: 'post',
            path: `/api/promotion/v1/artifacts/${digest}/test-results`,
            body: {
              entityRef: `component:default/${name}`,
              suite: 'integration',
              status: 'passed',
            },
          };
        },
      },
      ReportDeploymentStatus: {
        success: 202,
        target: async () => ({
          method: 'post',
          path: `/api/promotion/v1/deployments/00000000-0000-4000-8000-000000000000/status`,
          body: { status: 'succeeded' },
        }),
      },
      ApprovePromotion: {
        success: 200,
        target: async () => ({
          method: 'post',
          path: `/api/promotion/v1/promotions/${await waitingForApproval(
            freshService(),
          )}/approve`,
          body: { comment: 'matrix' },
        }),
      },
      RejectPromotion: {
        success: 200,
        target: async () => ({
          method: 'post',
          path: `/api/promotion/v1/promotions/${await waitingForApproval(
            freshService(),
          )}/reject`,
          body: { comment: 'matrix' },
        }),
      },
      CancelRollback: {
        success: 200,
        target: async () => ({
          method: 'post',
          path: `/api/promotion/v1/promotions/${await rollbackWaitingAtMigration(
            freshService(),
          )}/cancel`,
          body: {},
        }),
      },
      Rollback: {
        success: 202,
        target: async () => {
          const name = freshService();
          await ship(name);
          await ship(name);
          return {
            method: 'post',
            path: `${baseOf(name)}/rollback`,
            body: { environment: 'prod', reason: 'matrix' },
          };
        },
      },
      ConfirmRollback: {
        success: 200,
        target: async () => ({
          method: 'post',
          path: `/api/promotion/v1/rollbacks/${await autoRolledBack(
            freshService(),
          )}/confirm`,
          body: { comment: 'matrix' },
        }),
      },
      OverrideRollback: {
        success: 202,
        target: async () => ({
          method: 'post',
          path: `/api/promotion/v1/rollbacks/${await autoRolledBack(
            freshService(),
          )}/override`,
          body: { comment: 'matrix' },
        }),
      },
      ReleaseHold: {
        success: 200,
        target: async () => {
          const name = freshService();
          await rolledBack(name);
          const [hold] = (await lane(name, 'prod')).holds;
          return {
            method: 'post',
            path: `${baseOf(name)}/holds/${hold.id}/release`,
            body: {},
          };
        },
      },
      CreateFreeze: {
        success: 201,
        target: async () => ({
          method: 'post',
          path: `${baseOf(SERVICES[0])}/freezes`,
          body: { environment: 'prod', reason: 'matrix' },
        }),
      },
      LiftFreeze: {
        success: 204,
        target: async () => {
          const res = await api()
            .post(`${baseOf(SERVICES[0])}/freezes`)
            .set('Authorization', alice)
            .send({ environment: 'staging', reason: 'fixture' });
          expect(res.status).toBe(201);
          return {
            method: 'delete',
            path: `/api/promotion/v1/freezes/${res.body.id}`,
          };
        },
      },
      MarkArtifactBad: {
        success: 200,
        target: async () => {
          const name = freshService();
          const digest = await register(name);
          return {
            method: 'post',
            path: `${baseOf(name)}/artifacts/${digest}/bad`,
            body: { reason: 'matrix' },
          };
        },
      },
      PushSoakSamples: {
        success: 201,
        target: async () => {
          const name = freshService();
          await ship(name);
          return {
            method: 'post',
            path: `${baseOf(name)}/environments/prod/samples`,
            body: { samples: [{ signal: 'errorRate', value: 0.001 }] },
          };
        },
      },
    };

    it('covers every mutating operation of the spec', () => {
      const spec = loadOpenApiSpec() as any;
      const mutating = Object.values(spec.paths).flatMap((item: any) =>
        ['post', 'put', 'patch', 'delete']
          .filter(m => item[m])
          .map(m => item[m].operationId),
      );
      expect(Object.keys(cases).sort()).toEqual([...mutating].sort());
    });

    const rows: string[] = [];
    afterAll(() => {
      // The matrix as a table, for the docs and the closing note.
      // eslint-disable-next-line no-console
      console.log(
        [`| operation | ${IDENTITIES.join(' | ')} |`, ...rows].join('\n'),
      );
    });

    it.each(Object.keys(cases))(
      '%s answers each caller as the policy says',
      async operationId => {
        const { success, target } = cases[operationId];
        const got: Record<string, number> = {};
        const want: Record<string, number> = {};
        const errorNames: Record<string, string> = {};
        let refusedTarget: Awaited<ReturnType<typeof target>> | undefined;
        for (const who of IDENTITIES) {
          want[who] = expectedStatus(operationId, success, who);
          // Refusals change nothing, so they share one target; every success
          // gets a fresh one.
          const t =
            want[who] === success
              ? await target()
              : (refusedTarget ??= await target());
          let call = api()[t.method](t.path);
          call = call.set('Authorization', headers[who]);
          const res = await call.send(t.body ?? {});
          got[who] = res.status;
          // Every refusal carries Backstage's error JSON.
          errorNames[who] =
            res.status >= 400 ? typeof res.body.error?.name : 'string';
        }
        rows.push(
          `| ${operationId} | ${IDENTITIES.map(w => got[w]).join(' | ')} |`,
        );
        expect(got).toEqual(want);
      },
    );
  },
);
