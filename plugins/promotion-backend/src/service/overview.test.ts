import {
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { laneOf, pipelineApi } from '../__testUtils__/pipelineApi';

/*
 * GET /v1/overview over real HTTP on a real database: approvals waiting for
 * the caller, stopped lines, calendars, what moves and recent rollbacks,
 * each filtered to the services the caller may read. The permission policy
 * answers `promotion.read` conditionally for alice, as a catalog ownership
 * rule would, and per entity when asked in a batch: the edge a real policy
 * and the catalog's condition check sit behind.
 */

const APPROVERS = 'group:default/approvers';
const OVERVIEW = '/api/promotion/v1/overview';
const config = {
  promotion: {
    schedule: { milliseconds: 200 },
    calendars: {
      'prod-calendar': {
        timezone: 'Europe/Berlin',
        blackouts: [
          {
            name: 'far-future',
            start: '2099-11-27T00:00',
            end: '2099-11-30T00:00',
            reason: 'Black Friday 2099',
          },
        ],
      },
    },
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake' },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [
              { name: 'approval', labels: ['payment'], group: APPROVERS },
              { name: 'window', calendar: 'prod-calendar' },
            ],
          },
        ],
      },
    },
  },
};

const user = (name: string) => `user:default/${name}`;
const header = (name: string) => mockCredentials.user.header(user(name));
const ci = mockCredentials.service.header();
/** Alice reads payments and checkout, not secret; dave reads nothing; carol may read but not approve. */
const READS: Record<string, string[] | 'all' | 'none'> = {
  [user('alice')]: ['component:default/payments', 'component:default/checkout'],
  [user('bob')]: 'all',
  [user('carol')]: 'all',
  [user('dave')]: 'none',
};

/** A policy with a conditional answer, resolved per entity in batches. */
const permissions = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory: () => {
    const who = (credentials: any) => {
      const principal = credentials.principal as BackstageUserPrincipal;
      return principal.type === 'user' ? principal.userEntityRef : 'service';
    };
    const reads = (caller: string) => READS[caller] ?? 'all';
    const overall = (caller: string, permission: string) => {
      if (permission === 'promotion.approve' && caller === user('carol')) {
        return AuthorizeResult.DENY;
      }
      if (permission !== 'promotion.read') return AuthorizeResult.ALLOW;
      const r = reads(caller);
      if (r === 'all') return AuthorizeResult.ALLOW;
      if (r === 'none') return AuthorizeResult.DENY;
      return AuthorizeResult.CONDITIONAL;
    };
    return {
      async authorizeConditional(requests: any[], { credentials }: any) {
        return requests.map(({ permission }) => {
          const result = overall(who(credentials), permission.name);
          return result === AuthorizeResult.CONDITIONAL
            ? {
                result,
                pluginId: 'catalog',
                resourceType: 'catalog-entity',
                conditions: {
                  rule: 'IS_ENTITY_OWNER',
                  resourceType: 'catalog-entity',
                  params: { claims: [who(credentials)] },
                },
              }
            : { result };
        });
      },
      async authorize(requests: any[], { credentials }: any) {
        const caller = who(credentials);
        return requests.map(({ permission, resourceRef }) => {
          const result = overall(caller, permission.name);
          if (result !== AuthorizeResult.CONDITIONAL) return { result };
          const r = reads(caller);
          return {
            result:
              Array.isArray(r) && r.includes(resourceRef)
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          };
        });
      },
    } as any;
  },
});

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('GET /v1/overview on %p', id => {
  let knex: Knex;
  let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

  beforeAll(async () => {
    knex = await databases.init(id);
    backend = await startPromotionBackend({
      knex,
      config,
      entities: ['payments', 'checkout', 'secret'].map(n => serviceEntity(n)),
      memberships: {
        [user('alice')]: [APPROVERS],
        [user('carol')]: [APPROVERS],
      },
      features: [permissions],
    });
  });
  afterAll(async () => {
    await backend.stop();
    await knex.destroy();
  });

  const api = () => request(backend.server);
  const apiOf = (name: string) =>
    pipelineApi({
      server: () => backend.server,
      base: `/api/promotion/v1/services/component/default/${name}`,
      auth: header('bob'),
      beforeProbe: () => backend.tick(),
    });

  async function merge(name: string, seed: number, labels: string[] = []) {
    const res = await api()
      .post('/api/promotion/v1/artifacts')
      .set('Authorization', ci)
      .send({
        entityRef: `component:default/${name}`,
        digest: digestOf(`${name}${seed}`),
        version: `1.0.${seed}`,
        commit: `c${seed}`,
        author: user('bob'),
        labels,
      });
    expect(res.status).toBe(201);
    return digestOf(`${name}${seed}`);
  }

  const overviewOf = async (auth: string) => {
    const res = await api().get(OVERVIEW).set('Authorization', auth);
    expect(res.status).toBe(200);
    return res.body;
  };

  let paymentsPromotion: string;

  it('lists what needs a person, what is stopped and what moved, per reader', async () => {
    // Two risky artifacts wait for approval into prod; checkout rolls back dev.
    for (const name of ['payments', 'secret']) {
      const digest = await merge(name, 1, ['payment']);
      const promotion = await apiOf(name).waitFor(
        `${name} waiting for approval`,
        async () => {
          const p = laneOf(await apiOf(name).pipeline(), 'prod').promotion;
          return (
            p?.artifact.digest === digest &&
            p.gates.some(
              (g: any) => g.gate === 'approval' && g.verdict === 'pending',
            ) &&
            p
          );
        },
      );
      if (name === 'payments') paymentsPromotion = promotion.id;
    }
    const checkout = apiOf('checkout');
    for (const seed of [1, 2]) {
      const digest = await merge('checkout', seed);
      await checkout.waitFor(`checkout ${seed} in prod`, async () => {
        const c = laneOf(await checkout.pipeline(), 'prod').current;
        return c?.artifact.digest === digest && c.state === 'verified';
      });
    }
    const rollback = await api()
      .post('/api/promotion/v1/services/component/default/checkout/rollback')
      .set('Authorization', header('alice'))
      .send({ environment: 'prod', reason: 'errors after 1.0.2' });
    expect(rollback.status).toBeLessThan(300);
    await checkout.waitFor('checkout rolled back', async () => {
      const c = laneOf(await checkout.pipeline(), 'prod').current;
      return c?.trigger === 'rollback' && c.state === 'verified';
    });
    for (const name of ['checkout', 'secret']) {
      const freeze = await api()
        .post(`/api/promotion/v1/services/component/default/${name}/freezes`)
        .set('Authorization', header('bob'))
        .send({ environment: 'prod', reason: `INC-${name}` });
      expect(freeze.status).toBe(201);
    }

    const alice = await overviewOf(header('alice'));
    expect(alice.approvals).toEqual([
      {
        id: paymentsPromotion,
        entityRef: 'component:default/payments',
        fromEnvironment: 'dev',
        toEnvironment: 'prod',
        artifact: {
          digest: digestOf('payments1'),
          version: '1.0.1',
          author: user('bob'),
        },
        createdAt: expect.any(String),
        waitingOn: ['approval'],
      },
    ]);
    expect(alice.inFlight).toEqual([
      expect.objectContaining({
        entityRef: 'component:default/payments',
        environment: 'prod',
        stage: 'waiting',
        waitingOn: ['approval'],
      }),
    ]);
    expect(alice.stoppedLines).toEqual([
      expect.objectContaining({
        entityRef: 'component:default/checkout',
        environment: 'prod',
        reason: 'INC-checkout',
        createdBy: user('bob'),
      }),
    ]);
    expect(alice.rollbacks).toEqual([
      expect.objectContaining({
        entityRef: 'component:default/checkout',
        environment: 'prod',
        trigger: 'manual',
        from: { digest: digestOf('checkout2'), version: '1.0.2' },
        to: { digest: digestOf('checkout1'), version: '1.0.1' },
        mttrSeconds: expect.any(Number),
      }),
    ]);
    expect(alice.calendars).toEqual([
      {
        name: 'prod-calendar',
        timezone: 'Europe/Berlin',
        environments: ['standard/prod'],
        nextFreeze: {
          rule: 'far-future',
          reason: 'Black Friday 2099',
          start: '2099-11-26T23:00:00.000Z',
          end: '2099-11-29T23:00:00.000Z',
        },
      },
    ]);
    // Nothing of the service alice may not read, anywhere in the answer.
    expect(JSON.stringify(alice)).not.toContain('secret');

    // bob reads everything but wrote both artifacts; carol may not approve.
    const bob = await overviewOf(header('bob'));
    expect(bob.approvals).toEqual([]);
    expect(bob.inFlight.map((m: any) => m.entityRef).sort()).toEqual([
      'component:default/payments',
      'component:default/secret',
    ]);
    expect(bob.stoppedLines).toHaveLength(2);
    expect((await overviewOf(header('carol'))).approvals).toEqual([]);
    // A service is never a person who approves.
    expect((await overviewOf(ci)).approvals).toEqual([]);
  });

  it('drops an approval once the caller gave it', async () => {
    const approved = await api()
      .post(`/api/promotion/v1/promotions/${paymentsPromotion}/approve`)
      .set('Authorization', header('alice'))
      .send({ comment: 'ok' });
    expect(approved.status).toBe(200);
    const after = await overviewOf(header('alice'));
    expect(after.approvals).toEqual([]);
  });

  it('is empty for a caller who may read nothing, 401 without identity, 400 for unknown parameters', async () => {
    expect(await overviewOf(header('dave'))).toEqual({
      generatedAt: expect.any(String),
      approvals: [],
      stoppedLines: [],
      calendars: [],
      inFlight: [],
      rollbacks: [],
    });
    const anonymous = await api()
      .get(OVERVIEW)
      .set('Authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
    const bad = await api()
      .get(`${OVERVIEW}?days=3`)
      .set('Authorization', header('alice'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/days/);
  });
});
