import { Knex } from 'knex';
import {
  commandFixture,
  fakeAuthorizedService,
  personCaller,
} from '../__testUtils__/commandFixture';
import { createTestDatabases } from '../__testUtils__/databases';
import { releaseHold } from './holds';

const databases = createTestDatabases();
const CHECKOUT = 'component:default/checkout';
const PAYMENTS = 'component:default/payments';
const alice = personCaller('user:default/alice');

describe.each(databases.eachSupportedId())('releaseHold on %p', databaseId => {
  let knex: Knex;
  let fx: Awaited<ReturnType<typeof commandFixture>>;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    fx = await commandFixture(knex);
  });

  async function holdOn(entityRef: string, seed: string) {
    const promotion = await fx.waiting(entityRef, seed);
    return fx.store.decisions().createHold(
      {
        entityRef,
        environment: 'prod',
        artifactId: promotion.artifactId,
        reason: 'rolled back',
        createdBy: 'user:default/bob',
      },
      fx.clock.now(),
    );
  }

  const deps = () => ({
    store: fx.store,
    ...fakeAuthorizedService([PAYMENTS]),
    wake: fx.wake,
    clock: fx.clock.now,
  });

  it('answers 404 for a hold that is not active on the service named, and changes nothing', async () => {
    const other = await holdOn('component:default/search', 'other');
    const released = await holdOn(CHECKOUT, 'released');
    await fx.store
      .decisions()
      .releaseHold(released, CHECKOUT, 'user:default/bob', fx.clock.now());
    const before = await knex('promotion_holds').orderBy('id');
    for (const holdId of [other, released, 'no-such-hold']) {
      await expect(
        releaseHold(deps(), { caller: alice, entityRef: CHECKOUT, holdId }),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: `No active hold ${holdId} on ${CHECKOUT}`,
      });
    }
    expect(await knex('promotion_holds').orderBy('id')).toEqual(before);
    expect(await fx.events('hold.released')).toEqual([]);
    expect(fx.wakes.count).toBe(0);
  });

  it('checks permission on the service before it looks at the hold', async () => {
    const d = deps();
    await expect(
      releaseHold(d, {
        caller: alice,
        entityRef: PAYMENTS,
        holdId: 'no-such-hold',
      }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(d.calls).toEqual([
      {
        actor: alice.actor,
        permission: 'promotion.admin',
        entityRef: PAYMENTS,
      },
    ]);
  });

  it("releases once, with its event, and wakes only that service's waiting promotions", async () => {
    const holdId = await holdOn(CHECKOUT, 'held');
    const elsewhere = await fx.waiting('component:default/search', 'elsewhere');
    const dueBefore = await fx.dueTimes();
    fx.clock.advance(60_000);
    const hold = await releaseHold(deps(), {
      caller: alice,
      entityRef: CHECKOUT,
      holdId,
      reason: 'fixed forward',
    });
    expect(hold).toMatchObject({ id: holdId, environment: 'prod' });
    expect(await fx.events('hold.released')).toEqual([
      {
        entityRef: CHECKOUT,
        environment: 'prod',
        kind: 'hold.released',
        actor: alice.actor,
        details: { holdId, reason: 'fixed forward' },
      },
    ]);
    const due = await fx.dueTimes();
    expect(due[elsewhere.id]).toBe(dueBefore[elsewhere.id]);
    expect(
      Object.entries(due)
        .filter(([id]) => id !== elsewhere.id)
        .map(([, at]) => at),
    ).toEqual([fx.clock.now().getTime()]);
    expect(fx.wakes.count).toBe(1);
  });
});
