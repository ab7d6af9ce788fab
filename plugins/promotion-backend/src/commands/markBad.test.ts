import { Knex } from 'knex';
import {
  commandFixture,
  fakeAuthorizedService,
  personCaller,
} from '../__testUtils__/commandFixture';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { markArtifactBad } from './markBad';

const databases = createTestDatabases();
const CHECKOUT = 'component:default/checkout';
const SEARCH = 'component:default/search';
const alice = personCaller('user:default/alice');

describe.each(databases.eachSupportedId())(
  'markArtifactBad on %p',
  databaseId => {
    let knex: Knex;
    let fx: Awaited<ReturnType<typeof commandFixture>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      fx = await commandFixture(knex);
    });

    const deps = () => ({
      store: fx.store,
      ...fakeAuthorizedService(),
      wake: fx.wake,
      clock: fx.clock.now,
    });

    it("answers 404 for an artifact not registered to the service named, even another service's", async () => {
      await fx.waiting(SEARCH, 'search');
      for (const digest of [digestOf('search'), digestOf('never')]) {
        await expect(
          markArtifactBad(deps(), {
            caller: alice,
            entityRef: CHECKOUT,
            digest,
          }),
        ).rejects.toMatchObject({
          name: 'NotFoundError',
          message: `Artifact ${digest} of ${CHECKOUT} is not registered`,
        });
      }
      expect(await knex('promotion_artifacts').where({ bad: true })).toEqual(
        [],
      );
      expect(fx.wakes.count).toBe(0);
    });

    it("marks once, with its event, and wakes only the artifact's waiting promotions", async () => {
      const bad = await fx.waiting(CHECKOUT, 'bad');
      const other = await fx.waiting(CHECKOUT, 'other', 'staging');
      const before = await fx.dueTimes();
      fx.clock.advance(60_000);
      const mark = () =>
        markArtifactBad(deps(), {
          caller: alice,
          entityRef: CHECKOUT,
          digest: digestOf('bad'),
          reason: 'corrupts carts',
        });
      expect(await mark()).toMatchObject({
        id: bad.artifactId,
        bad: true,
        badReason: 'corrupts carts',
      });
      await expect(mark()).rejects.toMatchObject({
        name: 'ConflictError',
        message: `${digestOf('bad')} is marked bad already`,
      });
      expect(await fx.events('artifact.marked_bad')).toEqual([
        {
          entityRef: CHECKOUT,
          environment: undefined,
          kind: 'artifact.marked_bad',
          actor: alice.actor,
          details: { reason: 'corrupts carts' },
        },
      ]);
      const due = await fx.dueTimes();
      expect(due[bad.id]).toBe(fx.clock.now().getTime());
      expect(due[other.id]).toBe(before[other.id]);
      expect(fx.wakes.count).toBe(1);
    });
  },
);
