import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { pipelineApi } from '../__testUtils__/pipelineApi';

const SERVICE = 'component:default/payments';
const BASE = '/api/promotion/v1/services/component/default/payments';
const APPROVERS = 'group:default/payments-approvers';

const config = {
  promotion: {
    schedule: { milliseconds: 200 },
    pipelines: {
      standard: {
        environments: [
          { name: 'dev', deployer: 'fake' },
          {
            name: 'prod',
            deployer: 'fake',
            gates: [{ name: 'approval', group: APPROVERS }],
          },
        ],
      },
    },
  },
};

/** Who belongs where, as sign-in puts it in each user's ownership refs. */
const memberships = {
  // The author is an approver too: authorship still wins.
  'user:default/bob': [APPROVERS],
  // Allowed `promotion.approve` by the policy, but not in the group.
  'user:default/alice': ['group:default/team-a'],
  'user:default/erin': ['group:finance/payments-approvers'],
  'user:default/carol': ['group:default/team-a', APPROVERS],
  'user:default/dave': ['group:default/Payments-Approvers'],
};

const as = (user: string) => mockCredentials.user.header(user);
const ci = mockCredentials.service.header();

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'approvals narrowed to a group on %p',
  databaseId => {
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startPromotionBackend>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      backend = await startPromotionBackend({
        knex,
        config,
        entities: [serviceEntity('payments')],
        memberships,
      });
    });

    afterEach(async () => {
      await backend.stop();
      await knex.destroy();
    });

    const api = () => request(backend.server);

    const { lane, waitFor } = pipelineApi({
      server: () => backend.server,
      base: BASE,
      auth: as('user:default/alice'),
    });
    const prodLane = () => lane('prod');

    /** Merges a risky artifact by bob and waits until prod asks for approval. */
    async function awaitingApproval(seed: number) {
      const res = await api()
        .post('/api/promotion/v1/artifacts')
        .set('Authorization', ci)
        .send({
          entityRef: SERVICE,
          digest: digestOf(seed),
          version: `3.0.${seed}`,
          commit: `c${seed}`,
          author: 'user:default/bob',
          labels: ['payment'],
        });
      expect(res.status).toBe(201);
      return waitFor('the approval gate to wait', async () => {
        const p = (await prodLane()).promotion;
        return (
          p?.gates.some(
            (g: any) => g.gate === 'approval' && g.verdict === 'pending',
          ) && p
        );
      });
    }

    const decide = (
      promotionId: string,
      action: 'approve' | 'reject',
      who: string,
    ) =>
      api()
        .post(`/api/promotion/v1/promotions/${promotionId}/${action}`)
        .set('Authorization', who)
        .send({ comment: 'checked the payment path' });

    it('says whom it waits for', async () => {
      const promotion = await awaitingApproval(1);
      const gate = promotion.gates.find((g: any) => g.gate === 'approval');
      expect(gate.reason).toBe(`waiting for approval by ${APPROVERS}: payment`);
      expect(gate.evidence).toMatchObject({
        group: APPROVERS,
        risk: ['payment'],
      });
      // The approvers hear about it, not the owning team.
      expect(backend.notifications).toContainEqual(
        expect.objectContaining({
          recipients: { type: 'entity', entityRef: APPROVERS },
          payload: expect.objectContaining({
            title: expect.stringMatching(/^Approval needed: 3\.0\.1/),
          }),
        }),
      );
    });

    it.each([
      [
        'the author, though in the group',
        'approve',
        as('user:default/bob'),
        'user:default/bob is the author of 3.0.2 and cannot approve it',
      ],
      [
        'a permitted user outside the group',
        'approve',
        as('user:default/alice'),
        `user:default/alice may not approve promotions into prod: only members of ${APPROVERS} may`,
      ],
      [
        'a permitted user outside the group',
        'reject',
        as('user:default/alice'),
        `user:default/alice may not reject promotions into prod: only members of ${APPROVERS} may`,
      ],
      [
        'a member of a same-named group in another namespace',
        'approve',
        as('user:default/erin'),
        `user:default/erin may not approve promotions into prod: only members of ${APPROVERS} may`,
      ],
      [
        'a service principal',
        'approve',
        ci,
        'is a service; only a signed-in person may approve a promotion',
      ],
    ] as const)(
      'refuses %s to %s (403) and records nothing',
      async (_who, action, header, message) => {
        const promotion = await awaitingApproval(2);
        const res = await decide(promotion.id, action, header);
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
        expect(res.body.error.message).toContain(message);

        const after = (await prodLane()).promotion;
        expect(after.id).toBe(promotion.id);
        expect(after.approvals).toEqual([]);
        const events = await api()
          .get(`${BASE}/events?kind=approval`)
          .set('Authorization', as('user:default/alice'));
        expect(events.body.items.map((e: any) => e.kind)).toEqual([
          'approval.requested',
        ]);
      },
    );

    it.each([
      ['a member', 'user:default/carol'],
      ['a member whose group ref is cased differently', 'user:default/dave'],
    ])('lets %s approve, and the artifact reaches prod', async (_who, user) => {
      const promotion = await awaitingApproval(3);
      const res = await decide(promotion.id, 'approve', as(user));
      expect(res.status).toBe(200);
      expect(res.body.approvals).toEqual([
        expect.objectContaining({ actor: user, decision: 'approved' }),
      ]);
      await waitFor('prod to run the artifact', async () => {
        const current = (await prodLane()).current;
        return (
          current?.artifact.digest === digestOf(3) &&
          current.state === 'verified'
        );
      });
      const events = await api()
        .get(`${BASE}/events?kind=approval`)
        .set('Authorization', as('user:default/alice'));
      expect(events.body.items.map((e: any) => `${e.kind}:${e.actor}`)).toEqual(
        expect.arrayContaining([`approval.given:${user}`]),
      );
    });

    it('lets a member reject, which fails the promotion', async () => {
      const promotion = await awaitingApproval(4);
      const res = await decide(
        promotion.id,
        'reject',
        as('user:default/carol'),
      );
      expect(res.status).toBe(200);
      const row = await waitFor('the promotion to fail', async () => {
        const r = await knex('promotion_promotions')
          .where({ id: promotion.id })
          .first();
        return r.state === 'failed' && r;
      });
      expect(row.reason).toBe(
        'approval: rejected by user:default/carol: checked the payment path',
      );
      expect((await prodLane()).current).toBeUndefined();
    });
  },
);

describe('start-up', () => {
  it('refuses an approval group that is not a group, naming the key', async () => {
    const knex = await databases.init('SQLITE_3');
    try {
      await expect(
        startPromotionBackend({
          knex,
          config: {
            promotion: {
              pipelines: {
                standard: {
                  environments: [
                    { name: 'dev', deployer: 'fake' },
                    {
                      name: 'prod',
                      deployer: 'fake',
                      gates: [
                        { name: 'approval', group: 'user:default/alice' },
                      ],
                    },
                  ],
                },
              },
            },
          },
          entities: [],
        }),
      ).rejects.toThrow(
        "Invalid promotion config at 'promotion.pipelines.standard.environments[1].gates[0].group': 'user:default/alice' is a user, not a group",
      );
    } finally {
      await knex.destroy();
    }
  });
});
