import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { readPipelines } from '../../config/pipelines';
import { applyDatabaseMigrations } from '../../database/migrations';
import { DatabaseSoakSampleStore } from '../../metrics/DatabaseSoakSampleStore';
import { ManualClock } from '../../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../../__testUtils__/databases';
import { CurrentDeployment } from '../../metrics/soakView';
import { PromotionRouter } from './context';
import { getSoak } from './getSoak';
import { pushSoakSamples } from './pushSoakSamples';
import { SoakLaneContext } from './soakLane';

const CHECKOUT = 'component:default/checkout';
const T0 = new Date('2026-11-23T12:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const SAMPLES =
  '/v1/services/component/default/checkout/environments/staging/samples';
const SOAK =
  '/v1/services/component/default/checkout/environments/staging/soak';

const pipeline = readPipelines(
  new ConfigReader({
    promotion: {
      pipelines: {
        standard: {
          environments: [
            { name: 'dev', deployer: 'x', soak: { seconds: 30 } },
            { name: 'staging', deployer: 'x' },
            {
              name: 'prod',
              deployer: 'x',
              gates: [
                {
                  name: 'soak',
                  provider: 'push',
                  window: '15m',
                  thresholds: { errorRate: 0.05, latency: 0.3 },
                },
              ],
            },
          ],
        },
      },
    },
  }),
).get('standard')!;

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'soak sample routes on %p',
  databaseId => {
    let store: DatabaseSoakSampleStore;
    let clock: ManualClock;
    let current: Map<string, CurrentDeployment>;

    function app(
      permission:
        | AuthorizeResult.ALLOW
        | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
    ) {
      const router = express.Router();
      router.use(express.json());
      const context: SoakLaneContext = {
        httpAuth: mockServices.httpAuth({
          defaultCredentials: mockCredentials.none(),
        }),
        permissions: mockServices.permissions({ result: permission }),
        soakSamples: store,
        resolveService: async entityRef => {
          if (entityRef !== CHECKOUT) {
            throw new NotFoundError(
              `Entity ${entityRef} is not in the catalog`,
            );
          }
          return { entityRef, pipeline };
        },
        currentDeployment: async (entityRef, environment) =>
          current.get(`${entityRef}|${environment}`),
        clock: clock.now,
      };
      // The two soak operations on a plain router, without the spec's
      // validator: this suite checks their own parsing and lookups.
      const typed = router as unknown as PromotionRouter;
      pushSoakSamples(typed, context);
      getSoak(typed, context);
      const middleware = MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      });
      return express().use(router).use(middleware.error());
    }

    const ci = mockCredentials.service.header();
    const user = mockCredentials.user.header('user:default/alice');
    const stored = () => store.listDeploymentSamples('dep-1');

    beforeEach(async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      store = await DatabaseSoakSampleStore.create({ knex });
      clock = new ManualClock(at(10));
      current = new Map([
        [
          `${CHECKOUT}|staging`,
          { id: 'dep-1', digest: digestOf(1), verifiedAt: at(0) },
        ],
      ]);
    });

    describe('POST samples', () => {
      it('stores samples against the current deployment (201)', async () => {
        const res = await request(app())
          .post(SAMPLES)
          .set('Authorization', ci)
          .send({
            samples: [
              { signal: 'errorRate', value: 0.01, at: at(8).toISOString() },
              {
                signal: 'latency',
                value: 0.12,
                at: '2026-11-23T13:09:00+01:00',
              },
              { signal: 'requestsTotal', value: 1200 },
              { signal: 'saturation', value: 0, at: at(14).toISOString() },
            ],
          });
        expect(res.status).toBe(201);
        expect(res.body).toEqual({
          deploymentId: 'dep-1',
          received: 4,
          stored: 4,
        });
        const rows = await stored();
        expect(rows.map(s => [s.signal, s.value, s.at.toISOString()])).toEqual([
          ['errorRate', 0.01, at(8).toISOString()],
          ['latency', 0.12, at(9).toISOString()],
          // No `at`: stamped with the server's time.
          ['requestsTotal', 1200, at(10).toISOString()],
          ['saturation', 0, at(14).toISOString()],
        ]);
        expect(rows[0]).toMatchObject({
          entityRef: CHECKOUT,
          environment: 'staging',
          digest: digestOf(1),
          source: 'push',
        });
      });

      it('stores a retried push once', async () => {
        const body = {
          samples: [
            { signal: 'errorRate', value: 0.01, at: at(8).toISOString() },
          ],
        };
        await request(app()).post(SAMPLES).set('Authorization', ci).send(body);
        const again = await request(app())
          .post(SAMPLES)
          .set('Authorization', user)
          .send(body);
        expect(again.status).toBe(201);
        expect(again.body).toMatchObject({ received: 1, stored: 0 });
        expect(await stored()).toHaveLength(1);
      });

      it('refuses (409) samples a collector measured on another artifact, and stores nothing', async () => {
        const sample = { signal: 'requestsTotal', value: 10 };
        const warm = await request(app())
          .post(SAMPLES)
          .set('Authorization', ci)
          .send({ samples: [sample], digest: digestOf(7) });
        expect(warm.status).toBe(409);
        expect(warm.body.error.message).toContain(
          `${digestOf(7)} is not the artifact running in staging`,
        );
        expect(await stored()).toHaveLength(0);
        const own = await request(app())
          .post(SAMPLES)
          .set('Authorization', ci)
          .send({ samples: [sample], digest: digestOf(1) });
        expect(own.status).toBe(201);
        expect(await stored()).toHaveLength(1);
      });

      it('accepts 1000 samples', async () => {
        const samples = Array.from({ length: 1000 }, (_, i) => ({
          signal: 'requestsTotal',
          value: i,
          at: new Date(T0.getTime() + i * 100).toISOString(),
        }));
        const res = await request(app())
          .post(SAMPLES)
          .set('Authorization', ci)
          .send({ samples });
        expect(res.status).toBe(201);
        expect(res.body.stored).toBe(1000);
      });

      it.each([
        ['no samples key', {}, /samples: Required/],
        [
          'an empty list',
          { samples: [] },
          /samples: Array must contain at least 1 element/,
        ],
        [
          '1001 samples',
          {
            samples: Array.from({ length: 1001 }, () => ({
              signal: 'latency',
              value: 1,
            })),
          },
          /samples: Array must contain at most 1000 element/,
        ],
        [
          'an unknown signal',
          {
            samples: [
              { signal: 'errorRate', value: 0.1 },
              { signal: 'cpu', value: 1 },
            ],
          },
          /samples\.1\.signal: Invalid enum value/,
        ],
        [
          'a negative value',
          { samples: [{ signal: 'latency', value: -0.1 }] },
          /samples\.0\.value: Number must be greater than or equal to 0/,
        ],
        [
          'a string value',
          { samples: [{ signal: 'latency', value: '0.1' }] },
          /samples\.0\.value: Expected number, received string/,
        ],
        [
          'a null value',
          { samples: [{ signal: 'latency', value: null }] },
          /samples\.0\.value: Expected number, received null/,
        ],
        [
          'an error rate above 1',
          { samples: [{ signal: 'errorRate', value: 5 }] },
          /samples\.0\.value: errorRate is a fraction of requests and must be at most 1/,
        ],
        [
          'an unreadable time',
          { samples: [{ signal: 'latency', value: 1, at: 'yesterday' }] },
          /samples\.0\.at: Invalid datetime/,
        ],
        [
          'a time too far ahead',
          {
            samples: [
              { signal: 'latency', value: 1, at: at(14).toISOString() },
              { signal: 'latency', value: 1, at: at(15).toISOString() },
              { signal: 'latency', value: 1, at: at(16).toISOString() },
            ],
          },
          /samples\.2\.at: must not be more than 5 minutes in the future/,
        ],
        [
          'an unknown key',
          { samples: [{ signal: 'latency', value: 1, host: 'a' }] },
          /samples\.0: Unrecognized key\(s\) in object: 'host'/,
        ],
      ])(
        '400 for %s, naming the field, storing nothing',
        async (_name, body, message) => {
          const res = await request(app())
            .post(SAMPLES)
            .set('Authorization', ci)
            .send(body);
          expect(res.status).toBe(400);
          expect(res.body.error.name).toBe('InputError');
          expect(res.body.error.message).toMatch(message);
          expect(await stored()).toEqual([]);
        },
      );

      it('400 for a value JSON reads as infinite', async () => {
        const res = await request(app())
          .post(SAMPLES)
          .set('Authorization', ci)
          .set('Content-Type', 'application/json')
          .send('{"samples":[{"signal":"latency","value":1e400}]}');
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(/samples\.0\.value: /);
        expect(await stored()).toEqual([]);
      });

      it('404 without a current deployment in the environment', async () => {
        current.clear();
        const res = await request(app())
          .post(SAMPLES)
          .set('Authorization', ci)
          .send({ samples: [{ signal: 'latency', value: 0.1 }] });
        expect(res.status).toBe(404);
        expect(res.body.error.message).toBe(
          `No deployment of ${CHECKOUT} is soaking or verified in staging`,
        );
      });

      it('404 for an environment outside the pipeline or an unknown service', async () => {
        const body = { samples: [{ signal: 'latency', value: 0.1 }] };
        const qa = await request(app())
          .post(SAMPLES.replace('staging', 'qa'))
          .set('Authorization', ci)
          .send(body);
        expect(qa.status).toBe(404);
        expect(qa.body.error.message).toBe(
          `Environment 'qa' is not in pipeline 'standard' of ${CHECKOUT}`,
        );
        const ledger = await request(app())
          .post(SAMPLES.replace('checkout', 'ledger'))
          .set('Authorization', ci)
          .send(body);
        expect(ledger.status).toBe(404);
      });

      it('401 without identity, 403 without permission; nothing stored', async () => {
        const body = { samples: [{ signal: 'latency', value: 0.1 }] };
        const anonymous = await request(app()).post(SAMPLES).send(body);
        expect(anonymous.status).toBe(401);
        const denied = await request(app(AuthorizeResult.DENY))
          .post(SAMPLES)
          .set('Authorization', ci)
          .send(body);
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toMatch(/promotion\.register/);
        expect(await stored()).toEqual([]);
      });
    });

    describe('GET soak', () => {
      it('returns the soak view of the lane', async () => {
        await store.appendSamples([
          ...[8, 9].map(m => ({
            entityRef: CHECKOUT,
            environment: 'staging',
            deploymentId: 'dep-1',
            digest: digestOf(1),
            signal: 'errorRate' as const,
            value: m === 9 ? NaN : 0.01,
            at: at(m),
            source: 'push',
          })),
          // Counters and other sources are not part of the graph.
          {
            entityRef: CHECKOUT,
            environment: 'staging',
            deploymentId: 'dep-1',
            signal: 'requestsTotal',
            value: 5,
            at: at(8),
            source: 'push',
          },
          {
            entityRef: CHECKOUT,
            environment: 'staging',
            deploymentId: 'dep-1',
            signal: 'latency',
            value: 0.2,
            at: at(8),
            source: 'prometheus',
          },
        ]);
        await store.saveSoakState({
          deploymentId: 'dep-1',
          windowStartedAt: at(9),
          lastBreachAt: at(9),
          lastBreachReason: 'errorRate NaN (no value) at 12:09 UTC',
          updatedAt: at(9),
        });
        const res = await request(app()).get(SOAK).set('Authorization', user);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          deploymentId: 'dep-1',
          kind: 'metrics',
          lastBreach: {
            at: at(9).toISOString(),
            reason: 'errorRate NaN (no value) at 12:09 UTC',
          },
          startedAt: at(9).toISOString(),
          requiredMs: 15 * 60_000,
          thresholds: { errorRate: 0.05, latency: 0.3 },
          samples: [
            { signal: 'errorRate', at: at(8).toISOString(), value: 0.01 },
            { signal: 'errorRate', at: at(9).toISOString(), value: null },
          ],
        });
      });

      it('starts at the verified time before the gate has looked', async () => {
        const res = await request(app()).get(SOAK).set('Authorization', user);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          startedAt: at(0).toISOString(),
          samples: [],
        });
      });

      it('shows a time-only soak with the samples pushed meanwhile', async () => {
        current.set(`${CHECKOUT}|dev`, {
          id: 'dep-dev',
          digest: digestOf(2),
          healthyAt: at(9.5),
        });
        await store.appendSamples(
          (['latency', 'saturation', 'requestsTotal'] as const).map(signal => ({
            entityRef: CHECKOUT,
            environment: 'dev',
            deploymentId: 'dep-dev',
            digest: digestOf(2),
            signal,
            value: 0.04,
            at: at(9.75),
            source: 'push',
          })),
        );
        const res = await request(app())
          .get(SOAK.replace('staging', 'dev'))
          .set('Authorization', user);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          deploymentId: 'dep-dev',
          kind: 'time',
          startedAt: at(9.5).toISOString(),
          requiredMs: 30_000,
          thresholds: {},
          samples: [
            { signal: 'latency', at: at(9.75).toISOString(), value: 0.04 },
            { signal: 'saturation', at: at(9.75).toISOString(), value: 0.04 },
          ],
        });
      });

      it('404 for a lane without any soak or without a deployment', async () => {
        const prod = await request(app())
          .get(SOAK.replace('staging', 'prod'))
          .set('Authorization', user);
        expect(prod.status).toBe(404);
        expect(prod.body.error.message).toBe(
          "prod has no soak in pipeline 'standard': neither its own soak time nor a soak gate on the next environment",
        );
        current.clear();
        const none = await request(app()).get(SOAK).set('Authorization', user);
        expect(none.status).toBe(404);
      });

      it('401 without identity, 403 without read permission', async () => {
        expect((await request(app()).get(SOAK)).status).toBe(401);
        const denied = await request(app(AuthorizeResult.DENY))
          .get(SOAK)
          .set('Authorization', user);
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toMatch(/promotion\.read/);
      });
    });
  },
);
