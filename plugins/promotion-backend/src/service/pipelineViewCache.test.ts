import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf } from '../__testUtils__/pipelineApi';

/*
 * The pipeline GET reuses a service's last full answer while its version is
 * unchanged (PipelineViewCache, for the read cache's lifetime, 3 s by
 * default). A client that writes and then reads at once must see its write:
 * every GET below follows its write immediately, well inside that lifetime.
 */

const config = {
  promotion: {
    pipelines: {
      standard: {
        environments: [
          // Unit results never come: the promotion into dev stays pending.
          {
            name: 'dev',
            deployer: 'fake',
            gates: [{ name: 'tests', suites: ['unit'] }],
          },
          { name: 'prod', deployer: 'fake' },
        ],
      },
    },
  },
};

const SERVICE = 'component:default/payments';
const BASE = '/api/promotion/v1/services/component/default/payments';
const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
const mallory = mockCredentials.user.header('user:default/mallory');
const ci = mockCredentials.service.header();
const databases = createTestDatabases();

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())(
  'pipeline view reuse on %p',
  databaseId => {
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeAll(async () => {
      backend = await startPromotionBackend({
        knex: await databases.init(databaseId),
        config,
        entities: [serviceEntity('payments'), serviceEntity('checkout')],
        permissionPolicy: caller =>
          caller === 'user:default/mallory'
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      });
    });
    afterAll(() => backend.stop());

    const api = () => request(backend.server);
    async function view(auth = alice) {
      const res = await api()
        .get(`${BASE}/pipeline`)
        .set('Authorization', auth);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(
        'application/json; charset=utf-8',
      );
      return res.body;
    }

    it('shows each write to the next GET at once', async () => {
      const before = await view();
      expect(laneOf(before, 'dev').promotion).toBeUndefined();
      expect(await view()).toEqual(before);

      // A registration: a pending promotion into dev.
      const registered = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          digest: digestOf(1),
          version: '1.0.1',
          commit: 'c1',
        });
      expect(registered.status).toBe(201);
      expect(laneOf(await view(), 'dev').promotion).toEqual(
        expect.objectContaining({
          state: 'pending',
          artifact: expect.objectContaining({ digest: digestOf(1) }),
        }),
      );

      // A freeze of the lane, then its lift.
      const freeze = await api()
        .post(`${BASE}/freezes`)
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'incident' });
      expect(freeze.status).toBe(201);
      expect(laneOf(await view(), 'prod').freezes).toEqual([
        expect.objectContaining({ id: freeze.body.id, reason: 'incident' }),
      ]);
      const lift = await api()
        .delete(`/api/promotion/v1/freezes/${freeze.body.id}`)
        .set('Authorization', alice);
      expect(lift.status).toBe(204);
      expect(laneOf(await view(), 'prod').freezes).toEqual([]);

      // An all-services freeze asked for under another service.
      const everywhere = await api()
        .post('/api/promotion/v1/services/component/default/checkout/freezes')
        .set('Authorization', alice)
        .send({ environment: 'dev', reason: 'outage', allServices: true });
      expect(everywhere.status).toBe(201);
      expect(laneOf(await view(), 'dev').freezes).toEqual([
        expect.objectContaining({ id: everywhere.body.id }),
      ]);
    });

    it('serves a reused answer only to a caller allowed to read it', async () => {
      const seen = await view(alice);
      // Another reader gets the same view; a denied one gets nothing of it.
      expect(await view(bob)).toEqual(seen);
      const denied = await api()
        .get(`${BASE}/pipeline`)
        .set('Authorization', mallory);
      expect(denied.status).toBe(403);
      expect(denied.body.environments).toBeUndefined();
      const anonymous = await api()
        .get(`${BASE}/pipeline`)
        .set('Authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    });
  },
);
