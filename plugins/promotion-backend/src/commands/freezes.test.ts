import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import {
  commandFixture,
  fakeAuthorizedService,
  personCaller,
  policy,
} from '../__testUtils__/commandFixture';
import { createTestDatabases } from '../__testUtils__/databases';
import { createRefusalRecorder } from './refusals';
import { createFreeze, liftFreeze } from './freezes';

const databases = createTestDatabases();
// The origin need not be in any catalog: lifting never looks it up.
const GONE = 'component:default/decommissioned';
const CHECKOUT = 'component:default/checkout';
const SEARCH = 'component:default/search';
const alice = personCaller('user:default/alice');
const mallory = personCaller('user:default/mallory');

describe.each(databases.eachSupportedId())('freezes on %p', databaseId => {
  let knex: Knex;
  let fx: Awaited<ReturnType<typeof commandFixture>>;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    fx = await commandFixture(knex);
  });

  const createDeps = () => ({
    store: fx.store,
    ...fakeAuthorizedService(),
    clock: fx.clock.now,
  });
  const liftDeps = (result: AuthorizeResult.ALLOW | AuthorizeResult.DENY) => ({
    store: fx.store,
    permissions: policy(result),
    recordRefusal: createRefusalRecorder(fx.store, fx.clock.now),
    wake: fx.wake,
    clock: fx.clock.now,
  });
  const freeze = (entityRef: string, allServices = false) =>
    createFreeze(createDeps(), {
      caller: alice,
      entityRef,
      environment: 'prod',
      reason: 'incident',
      allServices,
    });

  it("answers 404 for an environment outside the service's pipeline and writes nothing", async () => {
    await expect(
      createFreeze(createDeps(), {
        caller: alice,
        entityRef: CHECKOUT,
        environment: 'qa',
        reason: 'incident',
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: "Environment 'qa' is not in pipeline 'standard'",
    });
    expect(await knex('promotion_freezes')).toEqual([]);
    expect(await fx.events()).toEqual([]);
  });

  it("records a refused lift in the origin's log, without the catalog, and keeps the freeze", async () => {
    const created = await freeze(GONE);
    await expect(
      liftFreeze(liftDeps(AuthorizeResult.DENY), {
        caller: mallory,
        freezeId: created.id,
      }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(await fx.events('action.refused')).toEqual([
      {
        entityRef: GONE,
        environment: 'prod',
        kind: 'action.refused',
        actor: mallory.actor,
        details: {
          action: 'freeze-lift',
          reason: `${mallory.actor} is not allowed promotion.admin on ${GONE}`,
        },
      },
    ]);
    expect(await fx.store.decisions().getFreeze(created.id)).toBeDefined();
    expect(fx.wakes.count).toBe(0);

    await liftFreeze(liftDeps(AuthorizeResult.ALLOW), {
      caller: alice,
      freezeId: created.id,
    });
    expect(await fx.store.decisions().getFreeze(created.id)).toBeUndefined();
  });

  it('answers 404 once a freeze is lifted, and lifts it only once', async () => {
    const created = await freeze(CHECKOUT);
    const lift = () =>
      liftFreeze(liftDeps(AuthorizeResult.ALLOW), {
        caller: alice,
        freezeId: created.id,
      });
    await lift();
    await expect(lift()).rejects.toMatchObject({
      name: 'NotFoundError',
      message: `No active freeze ${created.id}`,
    });
    expect(
      (await fx.events('freeze.lifted')).map(e => e.details.freezeId),
    ).toEqual([created.id]);
    expect(fx.wakes.count).toBe(1);
  });

  it.each([
    ['one service', false, [CHECKOUT]],
    ['all services', true, [CHECKOUT, SEARCH]],
  ])(
    'lifting a freeze of %s wakes the promotions it held, and only into its environment',
    async (_, allServices, woken) => {
      const created = await freeze(CHECKOUT, allServices);
      const waiting = {
        [CHECKOUT]: await fx.waiting(CHECKOUT, 'checkout'),
        [SEARCH]: await fx.waiting(SEARCH, 'search'),
      };
      // Bound for staging: the prod freeze never held it.
      const staging = await fx.waiting(CHECKOUT, 'checkout-2', 'staging');
      const before = await fx.dueTimes();
      fx.clock.advance(60_000);
      await liftFreeze(liftDeps(AuthorizeResult.ALLOW), {
        caller: alice,
        freezeId: created.id,
      });
      const due = await fx.dueTimes();
      for (const [entityRef, promotion] of Object.entries(waiting)) {
        expect([entityRef, due[promotion.id]]).toEqual([
          entityRef,
          woken.includes(entityRef)
            ? fx.clock.now().getTime()
            : before[promotion.id],
        ]);
      }
      expect(due[staging.id]).toBe(before[staging.id]);
    },
  );
});
