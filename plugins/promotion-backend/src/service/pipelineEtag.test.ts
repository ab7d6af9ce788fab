import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases } from '../__testUtils__/databases';
import { laneOf, pipelineApi } from '../__testUtils__/pipelineApi';

/*
 * The pipeline answers with an ETag and 304 to a client that sends it back,
 * until anything the view shows changed: a write of the service, an
 * all-services freeze asked for by another service, a pushed sample, or a
 * calendar freeze beginning with no write at all. A 304 never hides a change.
 */

const config = {
  promotion: {
    calendars: {
      prod: {
        timezone: 'UTC',
        deny: [
          {
            name: 'friday',
            days: ['fri'],
            from: '12:00',
            to: '24:00',
            reason: 'No Friday deploys',
          },
        ],
      },
    },
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake', soak: { minutes: 5 } },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [{ name: 'window', calendar: 'prod' }],
          },
        ],
      },
    },
  },
};

const SERVICE = 'component:default/payments';
const BASE = '/api/promotion/v1/services/component/default/payments';
const alice = mockCredentials.user.header('user:default/alice');
const ci = mockCredentials.service.header();
const digestOf = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const databases = createTestDatabases();

jest.setTimeout(90_000);

describe.each(databases.eachSupportedId())(
  'pipeline ETag on %p',
  databaseId => {
    // Now (the engine's own leases run on it too); the calendar moves on below.
    const clock = new ManualClock(new Date().toISOString());
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeAll(async () => {
      backend = await startPromotionBackend({
        knex: await databases.init(databaseId),
        config,
        entities: [serviceEntity('payments'), serviceEntity('checkout')],
        clock: clock.now,
      });
    });
    afterAll(() => backend.stop());

    const api = () => request(backend.server);
    const { lane, waitFor } = pipelineApi({
      server: () => backend.server,
      base: BASE,
      auth: alice,
      beforeProbe: () => backend.tick(),
    });
    const get = (etag?: string) => {
      const req = api().get(`${BASE}/pipeline`).set('Authorization', alice);
      return etag ? req.set('If-None-Match', etag) : req;
    };

    /** Asserts the held ETag is stale: a full answer with a new one. */
    async function changed(etag: string) {
      const res = await get(etag);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBeDefined();
      expect(res.headers.etag).not.toBe(etag);
      // The new ETag holds until the next change.
      expect((await get(res.headers.etag)).status).toBe(304);
      return res;
    }

    it('answers 304 to its own ETag and 200 after every kind of change', async () => {
      const first = await get();
      expect(first.status).toBe(200);
      expect(first.headers['cache-control']).toBe('private, no-cache');
      const unchanged = await get(first.headers.etag);
      expect(unchanged.status).toBe(304);
      expect(unchanged.text).toBe('');
      // Another ETag (or garbage) gets the whole view.
      expect((await get('W/"something-else"')).status).toBe(200);

      // A registration: the engine deploys the artifact into dev.
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
      // The engine acts on it at once, so only the held ETag is checked.
      const afterRegistration = await get(first.headers.etag);
      expect(afterRegistration.status).toBe(200);
      expect(afterRegistration.headers.etag).not.toBe(first.headers.etag);
      // Each step of the deployment is a write; wait until dev soaks it.
      await waitFor('dev soaking the artifact', async () => {
        const current = (await lane('dev')).current;
        return current?.state === 'soaking';
      });
      let res = await get();
      expect(laneOf(res.body, 'dev').current).toEqual(
        expect.objectContaining({
          state: 'soaking',
          artifact: expect.objectContaining({ digest: digestOf(1) }),
        }),
      );
      let etag = res.headers.etag;

      // An all-services freeze asked for under another service.
      const freeze = await api()
        .post('/api/promotion/v1/services/component/default/checkout/freezes')
        .set('Authorization', alice)
        .send({ environment: 'prod', reason: 'incident', allServices: true });
      expect(freeze.status).toBe(201);
      res = await changed(etag);
      expect(laneOf(res.body, 'prod').freezes).toEqual([
        expect.objectContaining({ id: freeze.body.id }),
      ]);
      etag = res.headers.etag;

      // Its lift.
      const lift = await api()
        .delete(`/api/promotion/v1/freezes/${freeze.body.id}`)
        .set('Authorization', alice);
      expect(lift.status).toBe(204);
      res = await changed(etag);
      expect(laneOf(res.body, 'prod').freezes).toEqual([]);
      etag = res.headers.etag;

      // A pushed health sample of the deployment soaking in dev.
      const pushed = await api()
        .post(`${BASE}/environments/dev/samples`)
        .set('Authorization', ci)
        .send({ samples: [{ signal: 'errorRate', value: 0.01 }] });
      expect(pushed.status).toBe(201);
      res = await changed(etag);
      etag = res.headers.etag;

      // The next Friday afternoon: the calendar freeze begins, and nothing
      // was written.
      const friday = new Date(clock.now());
      friday.setUTCDate(
        friday.getUTCDate() + ((5 - friday.getUTCDay() + 7) % 7 || 7),
      );
      friday.setUTCHours(12, 30, 0, 0);
      clock.set(friday.toISOString());
      res = await changed(etag);
      expect(laneOf(res.body, 'prod').calendar.frozen).toEqual(
        expect.objectContaining({ rule: 'friday' }),
      );
    });

    it('checks permission before answering 304', async () => {
      const { etag } = (await get()).headers;
      const res = await api()
        .get(`${BASE}/pipeline`)
        .set('Authorization', mockCredentials.none.header())
        .set('If-None-Match', etag);
      expect(res.status).toBe(401);
    });
  },
);
