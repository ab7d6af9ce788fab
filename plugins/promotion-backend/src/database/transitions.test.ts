import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { ArtifactRecord } from './PromotionStore';

const databases = createTestDatabases();

const NOW = new Date('2026-12-06T10:00:00Z');
const LATER = new Date('2026-12-06T10:05:00Z');
const ENTITY = 'component:default/checkout';

/** Every row the transitions write to, to compare before and after. */
async function snapshot(knex: Knex) {
  return {
    deployments: await knex('promotion_deployments').orderBy('id'),
    promotions: await knex('promotion_promotions').orderBy('id'),
    events: await knex('promotion_events').orderBy('id'),
  };
}

describe.each(databases.eachSupportedId())(
  'store transitions on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabasePromotionStore;
    let artifact: ArtifactRecord;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      store = await DatabasePromotionStore.create({
        database: { getClient: async () => knex } as DatabaseService,
      });
      ({ artifact } = await store.registerArtifact(
        {
          entityRef: ENTITY,
          digest: digestOf('transitions'),
          pipeline: 'default',
          version: '1.0.0',
          commit: 'abc123',
          labels: [],
          changedPaths: [],
        },
        [],
        'ci',
        NOW,
      ));
    });

    const ctx = () => ({ actor: 'engine', digest: artifact.digest });

    async function queuedDeployment() {
      return store.createDeployment(
        {
          entityRef: ENTITY,
          environment: 'staging',
          artifactId: artifact.id,
          trigger: 'merge',
          actor: 'ci',
        },
        ctx(),
        NOW,
      );
    }

    it('refuses a deployment move the table does not allow and writes nothing', async () => {
      const deployment = await queuedDeployment();
      const before = await snapshot(knex);

      await expect(
        store.transitionDeployment(
          deployment,
          'verified',
          { verifiedAt: LATER },
          ctx(),
          LATER,
        ),
      ).rejects.toThrow("A deployment may not go from 'queued' to 'verified'");

      expect(await snapshot(knex)).toEqual(before);
    });

    it('refuses inside a caller’s transaction too, and the transaction rolls back', async () => {
      const deployment = await queuedDeployment();
      const before = await snapshot(knex);

      await expect(
        store.transaction(async tx => {
          // An allowed move first: the refusal must undo it with the rest.
          await tx.transitionDeployment(
            deployment,
            'deploying',
            { deployStartedAt: LATER },
            ctx(),
            LATER,
          );
          const deploying = (await tx.getDeployment(deployment.id))!;
          await tx.transitionDeployment(deploying, 'queued', {}, ctx(), LATER);
        }),
      ).rejects.toThrow("A deployment may not go from 'deploying' to 'queued'");

      expect(await snapshot(knex)).toEqual(before);
    });

    it('refuses leaving a terminal promotion and writes nothing', async () => {
      const promotion = await store.createPromotion(
        {
          entityRef: ENTITY,
          artifactId: artifact.id,
          digest: artifact.digest,
          toEnvironment: 'staging',
          trigger: 'merge',
          actor: 'ci',
        },
        NOW,
      );
      expect(
        await store.transitionPromotion(promotion, 'cancelled', ctx(), LATER),
      ).toBe(true);
      const cancelled = (await store.getPromotion(promotion.id))!;
      const before = await snapshot(knex);

      await expect(
        store.transitionPromotion(cancelled, 'promoted', ctx(), LATER),
      ).rejects.toThrow(
        "A promotion may not go from 'cancelled' to 'promoted' ('cancelled' is terminal)",
      );

      expect(await snapshot(knex)).toEqual(before);
    });

    it('still lets an allowed move lose the compare-and-set quietly', async () => {
      const deployment = await queuedDeployment();
      expect(
        await store.transitionDeployment(
          deployment,
          'deploying',
          { deployStartedAt: LATER },
          ctx(),
          LATER,
        ),
      ).toBe(true);
      const before = await snapshot(knex);

      // The same allowed move from a stale read: a race, not a bug.
      expect(
        await store.transitionDeployment(
          deployment,
          'superseded',
          {},
          ctx(),
          LATER,
        ),
      ).toBe(false);

      expect(await snapshot(knex)).toEqual(before);
      expect((await store.getDeployment(deployment.id))!.state).toBe(
        'deploying',
      );
    });
  },
);
