import { mockCredentials } from '@backstage/backend-test-utils';
import promotionModuleAlertmanager from '@promotion-pipeline/backstage-plugin-promotion-backend-module-alertmanager';
import request from 'supertest';
import {
  startAlertmanager,
  TestAlertmanager,
} from '@promotion-pipeline/backstage-plugin-promotion-backend-module-alertmanager/testUtils';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf, pipelineApi } from '../__testUtils__/pipelineApi';
import { INCIDENT_RECHECK_MS } from '../gates/incident';

/*
 * Incident-aware freeze end to end: a real Alertmanager (Debian's
 * prometheus-alertmanager on loopback), the real Alertmanager module reading
 * it, the real plugin over HTTP. An alert matching prod's matchers stops
 * promotions into prod as a stopped line would, names itself on the lane and
 * in the audit log, and releases them when it resolves; a rollback goes
 * through regardless; an unreadable source stops them too and says so.
 */

const SERVICE = 'component:default/shop';
const BASE = '/api/promotion/v1/services/component/default/shop';
const alice = mockCredentials.user.header('user:default/alice');
const ci = mockCredentials.service.header();

function configFor(alertmanagerUrl: string) {
  return {
    promotion: {
      alertSources: { alertmanager: { url: alertmanagerUrl, timeout: '2s' } },
      pipelines: {
        standard: {
          environments: [
            { name: 'dev', deployer: 'fake' },
            {
              name: 'prod',
              deployer: 'fake',
              gates: [
                {
                  name: 'incident',
                  source: 'alertmanager',
                  matchers: [
                    'service="{{name}}"',
                    'environment="{{environment}}"',
                    'severity=~"critical|page"',
                  ],
                },
              ],
            },
          ],
        },
      },
    },
  };
}

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'incident freeze on %p',
  databaseId => {
    let alertmanager: TestAlertmanager;
    let clock: ManualClock;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;
    const cleanup: Array<() => Promise<void>> = [];

    async function start(alertmanagerUrl: string) {
      const knex = await databases.init(databaseId);
      cleanup.push(() => knex.destroy());
      clock = new ManualClock(new Date());
      backend = await startPromotionBackend({
        knex,
        config: configFor(alertmanagerUrl),
        entities: [serviceEntity('shop')],
        clock: clock.now,
        features: [promotionModuleAlertmanager],
      });
      cleanup.unshift(() => backend.stop());
    }

    beforeAll(async () => {
      alertmanager = await startAlertmanager();
    });
    afterAll(async () => {
      await alertmanager?.stop();
    });
    afterEach(async () => {
      for (const step of cleanup.splice(0)) await step();
    });

    const api = () => request(backend.server);
    const { pipeline, waitFor } = pipelineApi({
      server: () => backend.server,
      base: BASE,
      auth: alice,
      beforeProbe: () => backend.tick(),
    });
    const prodPromotion = async () =>
      laneOf(await pipeline(), 'prod').promotion;
    const incidentGate = (promotion: any) =>
      promotion?.gates.find((g: any) => g.gate === 'incident');

    async function merge(seed: number) {
      const res = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          digest: digestOf(seed),
          version: `1.0.${seed}`,
          commit: `c${seed}`,
        });
      expect(res.status).toBe(201);
      return digestOf(seed);
    }

    const verifiedInProd = (digest: string) =>
      waitFor(`${digest} verified in prod`, async () => {
        const c = laneOf(await pipeline(), 'prod').current;
        return c?.artifact.digest === digest && c.state === 'verified' && c;
      });

    async function events(kind: string) {
      const res = await api()
        .get(`${BASE}/events?kind=${kind}&limit=50`)
        .set('Authorization', alice);
      expect(res.status).toBe(200);
      return res.body.items;
    }

    const shopProd = {
      alertname: 'CheckoutErrors',
      service: 'shop',
      environment: 'prod',
      severity: 'critical',
    };

    it('stops promotions into prod while a matching alert fires, names it, and resumes when it resolves', async () => {
      await start(alertmanager.url);
      // Alerts that do not match: another environment, a warning.
      await alertmanager.fire({ ...shopProd, environment: 'staging' });
      await alertmanager.fire({ ...shopProd, severity: 'warning' });
      await alertmanager.fire(shopProd, 'shop 5xx above 5 % in prod');

      const digest = await merge(1);
      const stopped = await waitFor(
        'the incident gate stopping prod',
        async () => {
          const g = incidentGate(await prodPromotion());
          return g?.verdict === 'pending' && g;
        },
      );
      expect(stopped.reason).toMatch(
        /^incident freeze: CheckoutErrors since .* firing at alertmanager; promotions into prod resume when it resolves$/,
      );
      expect(stopped.evidence).toEqual({
        source: 'alertmanager',
        matchers: [
          'service="shop"',
          'environment="prod"',
          'severity=~"critical|page"',
        ],
        alerts: [
          expect.objectContaining({
            name: 'CheckoutErrors',
            labels: shopProd,
            summary: 'shop 5xx above 5 % in prod',
          }),
        ],
      });
      expect(backend.deployer.deploymentsOf(SERVICE, 'prod')).toEqual([]);
      const started = await events('incident.freeze.started');
      expect(started).toEqual([
        expect.objectContaining({
          environment: 'prod',
          actor: 'engine',
          details: expect.objectContaining({
            source: 'alertmanager',
            alerts: [expect.objectContaining({ name: 'CheckoutErrors' })],
          }),
        }),
      ]);

      // Still firing at the next look: one start, no end.
      clock.advance(INCIDENT_RECHECK_MS);
      await backend.tick();
      expect(incidentGate(await prodPromotion()).verdict).toBe('pending');
      expect(await events('incident.freeze.started')).toHaveLength(1);
      expect(await events('incident.freeze.ended')).toEqual([]);

      await alertmanager.resolve(shopProd);
      clock.advance(INCIDENT_RECHECK_MS);
      await verifiedInProd(digest);
      const ended = await events('incident.freeze.ended');
      expect(ended).toEqual([
        expect.objectContaining({
          environment: 'prod',
          details: expect.objectContaining({
            source: 'alertmanager',
            durationSeconds: expect.any(Number),
          }),
        }),
      ]);
      expect(ended[0].details.durationSeconds).toBeGreaterThanOrEqual(
        (2 * INCIDENT_RECHECK_MS) / 1000,
      );
    });

    it('lets a rollback through while the alert fires', async () => {
      await start(alertmanager.url);
      const first = await merge(2);
      await verifiedInProd(first);
      const second = await merge(3);
      await verifiedInProd(second);
      const incident = { ...shopProd, alertname: 'LatencyHigh' };
      await alertmanager.fire(incident);
      try {
        const res = await api()
          .post(`${BASE}/rollback`)
          .set('Authorization', alice)
          .send({ environment: 'prod', reason: 'latency incident' });
        expect(res.status).toBe(202);
        const restored = await verifiedInProd(first);
        expect(restored.trigger).toBe('rollback');
      } finally {
        await alertmanager.resolve(incident);
      }
    });

    it('stops promotions when the alert source cannot be read, and says so', async () => {
      // Nothing listens there any more.
      const gone = await startAlertmanager();
      await gone.stop();
      await start(gone.url);

      await merge(4);
      const stopped = await waitFor(
        'the incident gate failing closed',
        async () => {
          const g = incidentGate(await prodPromotion());
          return g?.verdict === 'failed' && g;
        },
      );
      expect(stopped.errored).toBe(true);
      expect(stopped.reason).toMatch(
        /^incident freeze: alert source 'alertmanager' cannot be read \(Could not reach Alertmanager .*\); promotions into prod stay stopped until it answers$/,
      );
      expect(stopped.evidence).toMatchObject({ alerts: [], errored: true });
      expect(backend.deployer.deploymentsOf(SERVICE, 'prod')).toEqual([]);
      expect(await events('incident.freeze.started')).toEqual([
        expect.objectContaining({
          details: expect.objectContaining({
            reason: expect.stringContaining('cannot be read'),
          }),
        }),
      ]);
    });
  },
);
