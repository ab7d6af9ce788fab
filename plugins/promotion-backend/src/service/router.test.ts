import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import request from 'supertest';
import { startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { FakeDeployer } from '../__testUtils__/FakeDeployer';

const CHECKOUT = 'component:default/checkout';
const entities = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      namespace: 'default',
      annotations: { 'promotion.backstage.io/pipeline': 'standard' },
    },
    spec: {
      type: 'service',
      owner: 'group:default/team-a',
      lifecycle: 'production',
    },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'ledger', namespace: 'default' },
    spec: {
      type: 'service',
      owner: 'group:default/team-a',
      lifecycle: 'production',
    },
  },
];

const config = {
  promotion: {
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake' },
          { name: 'staging', deployer: 'fake', gates: ['tests'] },
          { name: 'prod', deployer: 'fake', gates: ['e2e'] },
        ],
      },
    },
  },
};

const TABLES = [
  'promotion_artifacts',
  'promotion_test_results',
  'promotion_promotions',
  'promotion_deployments',
  'promotion_events',
];

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'promotion REST API on %p',
  databaseId => {
    let knex: Knex;
    let deployer: FakeDeployer;
    let server: any;
    let stop: () => Promise<void>;

    const user = mockCredentials.user.header('user:default/alice');
    const ci = mockCredentials.service.header();

    async function start(
      permissionResult?: AuthorizeResult.ALLOW | AuthorizeResult.DENY,
    ) {
      const backend = await startPromotionBackend({
        knex,
        config,
        entities,
        permissionResult,
      });
      deployer = backend.deployer;
      server = backend.server;
      stop = backend.stop;
    }

    async function counts() {
      const result: Record<string, number> = {};
      for (const table of TABLES) {
        const [{ count }] = await knex(table).count({ count: '*' });
        result[table] = Number(count);
      }
      return result;
    }

    /** Waits until the engine stopped writing (its work after a request is asynchronous). */
    async function settle() {
      let previous = JSON.stringify(await counts());
      for (let i = 0; i < 100; i++) {
        await new Promise(r => setTimeout(r, 150));
        const current = JSON.stringify(await counts());
        if (current === previous) return;
        previous = current;
      }
      throw new Error('the engine did not settle');
    }

    async function registerAndSettle(body: object) {
      const res = await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(body);
      await settle();
      return res;
    }

    const artifactBody = (
      seed: number,
      overrides: Record<string, unknown> = {},
    ) => ({
      entityRef: CHECKOUT,
      digest: digestOf(seed),
      version: `1.2.${seed}`,
      commit: `abc${seed}`,
      author: 'user:default/bob',
      labels: ['schema-migration'],
      changedPaths: ['services/checkout/db.sql'],
      ...overrides,
    });

    beforeEach(async () => {
      knex = await databases.init(databaseId);
    });

    afterEach(async () => {
      await stop?.();
      await knex.destroy();
    });

    it('answers health without authentication', async () => {
      await start();
      const res = await request(server).get('/api/promotion/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it.each([
      ['post', '/api/promotion/v1/artifacts'],
      ['post', `/api/promotion/v1/artifacts/${digestOf(1)}/test-results`],
      ['get', '/api/promotion/v1/services/component/default/checkout/pipeline'],
      [
        'get',
        '/api/promotion/v1/services/component/default/checkout/deployments',
      ],
      ['get', '/api/promotion/v1/services/component/default/checkout/events'],
    ])(
      'refuses %s %s without identity (401) and writes nothing',
      async (method, path) => {
        await start();
        const before = await counts();
        const res = await (request(server) as any)
          [method](path)
          .set('Authorization', mockCredentials.none.header())
          .send(artifactBody(1));
        expect(res.status).toBe(401);
        expect(await counts()).toEqual(before);
      },
    );

    it('registers an artifact and reaches the deployer within a second', async () => {
      await start();
      const started = Date.now();
      const res = await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(
          artifactBody(1, {
            testResults: [{ suite: 'unit', status: 'passed' }],
          }),
        );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        created: true,
        artifact: {
          entityRef: CHECKOUT,
          digest: digestOf(1),
          version: '1.2.1',
        },
      });
      while (deployer.calls.length === 0 && Date.now() - started < 1000) {
        await new Promise(r => setTimeout(r, 10));
      }
      expect(deployer.calls).toHaveLength(1);
      expect(deployer.calls[0]).toMatchObject({ environment: 'dev' });
      const tests = await knex('promotion_test_results');
      expect(tests).toHaveLength(1);
    });

    it('is idempotent for the same entity and digest', async () => {
      await start();
      const first = await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(artifactBody(2));
      const second = await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(artifactBody(2));
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.body.created).toBe(false);
      expect(second.body.artifact.id).toBe(first.body.artifact.id);
      expect(await knex('promotion_artifacts')).toHaveLength(1);
      expect(
        await knex('promotion_promotions').where({ to_environment: 'dev' }),
      ).toHaveLength(1);
    });

    it('refuses to re-register a digest with other immutable fields (409) and writes nothing', async () => {
      await start();
      await registerAndSettle(artifactBody(3));
      const before = await counts();
      const res = await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(
          artifactBody(3, {
            version: '9.9.9',
            testResults: [{ suite: 'unit', status: 'passed' }],
          }),
        );
      expect(res.status).toBe(409);
      expect(res.body.error.name).toBe('ConflictError');
      expect(res.body.error.message).toMatch(/version/);
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['digest', { digest: 'sha256:XYZ' }],
      ['entityRef', { entityRef: 'checkout' }],
      ['version', { version: '' }],
      ['labels', { labels: 'risky' }],
      [
        'migration',
        { migration: { schemaVersion: 2, minCompatibleSchemaVersion: 3 } },
      ],
      ['testResults', { testResults: [{ suite: 'smoke', status: 'passed' }] }],
      ['unexpected', { unexpected: true }],
    ])(
      'rejects a bad %s (400 naming the field) and writes nothing',
      async (field, overrides) => {
        await start();
        const before = await counts();
        const res = await request(server)
          .post('/api/promotion/v1/artifacts')
          .set('Authorization', ci)
          .send(artifactBody(4, overrides));
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(field);
        expect(await counts()).toEqual(before);
      },
    );

    it.each([
      ['not in the catalog', 'component:default/nope', /not in the catalog/],
      [
        'without a pipeline annotation',
        'component:default/ledger',
        /no promotion.backstage.io\/pipeline annotation/,
      ],
    ])(
      'answers 404 for an entity %s and writes nothing',
      async (_name, entityRef, message) => {
        await start();
        const before = await counts();
        const res = await request(server)
          .post('/api/promotion/v1/artifacts')
          .set('Authorization', ci)
          .send(artifactBody(5, { entityRef }));
        expect(res.status).toBe(404);
        expect(res.body.error.message).toMatch(message);
        expect(await counts()).toEqual(before);
      },
    );

    it('answers 403 when the permission policy says no, and writes only the refusal to the audit log', async () => {
      await start(AuthorizeResult.DENY);
      const before = await counts();
      const res = await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', user)
        .send(artifactBody(6));
      expect(res.status).toBe(403);
      expect(await counts()).toEqual({
        ...before,
        promotion_events: before.promotion_events + 1,
      });
      const [refusal] = await knex('promotion_events');
      expect(refusal).toMatchObject({
        kind: 'action.refused',
        entity_ref: CHECKOUT,
      });
      expect(JSON.parse(refusal.details)).toMatchObject({
        action: 'promotion.register',
      });
    });

    it('stores test results and re-evaluates the waiting promotion', async () => {
      await start();
      await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(artifactBody(7));
      const res = await request(server)
        .post(`/api/promotion/v1/artifacts/${digestOf(7)}/test-results`)
        .set('Authorization', ci)
        .send({
          entityRef: CHECKOUT,
          suite: 'contract',
          status: 'failed',
          failed: 2,
          url: 'https://ci.example.com/run/7',
        });
      expect(res.status).toBe(201);
      const rows = await knex('promotion_test_results');
      expect(rows).toEqual([
        expect.objectContaining({
          suite: 'contract',
          status: 'failed',
          failed_count: 2,
        }),
      ]);
    });

    it.each([
      [
        'an unknown digest (404)',
        digestOf(99),
        { entityRef: CHECKOUT, suite: 'unit', status: 'passed' },
        404,
      ],
      [
        'a bad suite (400)',
        digestOf(8),
        { entityRef: CHECKOUT, suite: 'smoke', status: 'passed' },
        400,
      ],
      [
        'a bad digest (400)',
        'sha256:nothex',
        { entityRef: CHECKOUT, suite: 'unit', status: 'passed' },
        400,
      ],
    ])(
      'refuses test results for %s and writes nothing',
      async (_name, digest, body, status) => {
        await start();
        await registerAndSettle(artifactBody(8));
        const before = await counts();
        const res = await request(server)
          .post(`/api/promotion/v1/artifacts/${digest}/test-results`)
          .set('Authorization', ci)
          .send(body);
        expect(res.status).toBe(status);
        expect(await counts()).toEqual(before);
      },
    );

    it('returns the pipeline with lanes in order, the current deployment and gate verdicts', async () => {
      await start();
      await request(server)
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send(artifactBody(9));
      let res: request.Response;
      const deadline = Date.now() + 5000;
      do {
        await new Promise(r => setTimeout(r, 50));
        res = await request(server)
          .get('/api/promotion/v1/services/component/default/checkout/pipeline')
          .set('Authorization', user);
      } while (
        !res.body.environments?.[1]?.promotion?.gates?.length &&
        Date.now() < deadline
      );
      expect(res.status).toBe(200);
      expect(res.body.environments.map((e: any) => e.name)).toEqual([
        'dev',
        'staging',
        'prod',
      ]);
      expect(res.body.environments[0].current).toMatchObject({
        state: 'verified',
        trigger: 'merge',
        actor: expect.stringMatching(/^service:/),
        artifact: { digest: digestOf(9) },
      });
      expect(res.body.environments[1].promotion.gates).toEqual([
        expect.objectContaining({ gate: 'tests', verdict: 'pending' }),
      ]);
    });

    it('answers 404 for the pipeline of an unknown service', async () => {
      await start();
      const res = await request(server)
        .get('/api/promotion/v1/services/component/default/nope/pipeline')
        .set('Authorization', user);
      expect(res.status).toBe(404);
    });

    it('pages deployments and audit events', async () => {
      await start();
      for (const seed of [10, 11, 12]) {
        await registerAndSettle(artifactBody(seed));
      }
      const deployments = await request(server)
        .get(
          '/api/promotion/v1/services/component/default/checkout/deployments?environment=dev&limit=2',
        )
        .set('Authorization', user);
      expect(deployments.status).toBe(200);
      expect(deployments.body.items).toHaveLength(2);
      expect(deployments.body.totalCount).toBe(3);
      const next = await request(server)
        .get(
          `/api/promotion/v1/services/component/default/checkout/deployments?environment=dev&limit=2&cursor=${deployments.body.nextCursor}`,
        )
        .set('Authorization', user);
      expect(next.body.items).toHaveLength(1);

      const events = await request(server)
        .get(
          '/api/promotion/v1/services/component/default/checkout/events?kind=artifact&limit=2',
        )
        .set('Authorization', user);
      expect(events.status).toBe(200);
      expect(events.body.items.map((e: any) => e.digest)).toEqual([
        digestOf(12),
        digestOf(11),
      ]);
      expect(events.body.items[0]).toMatchObject({
        kind: 'artifact.registered',
        actor: expect.stringMatching(/^service:/),
      });
      const rest = await request(server)
        .get(
          `/api/promotion/v1/services/component/default/checkout/events?kind=artifact&limit=2&cursor=${events.body.nextCursor}`,
        )
        .set('Authorization', user);
      expect(rest.body.items.map((e: any) => e.digest)).toEqual([digestOf(10)]);
      expect(rest.body.nextCursor).toBeUndefined();
    });

    it('rejects a bad page size (400)', async () => {
      await start();
      const res = await request(server)
        .get(
          '/api/promotion/v1/services/component/default/checkout/events?limit=100000',
        )
        .set('Authorization', user);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('limit');
    });
  },
);
