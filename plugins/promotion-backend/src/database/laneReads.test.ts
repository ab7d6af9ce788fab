import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { DatabasePromotionStore } from './DatabasePromotionStore';
import { createLaneReads, LaneReads } from './laneReads';
import { DeploymentRecord, PromotionStore } from './PromotionStore';

const databases = createTestDatabases();

const NOW = new Date('2026-12-06T10:00:00Z');
const LATER = new Date('2026-12-06T10:05:00Z');

describe.each(databases.eachSupportedId())(
  'shared lane writes on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabasePromotionStore;
    let reads: LaneReads;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      store = await DatabasePromotionStore.create({
        database: { getClient: async () => knex } as DatabaseService,
      });
      reads = createLaneReads(store);
    });

    async function queued(i: number): Promise<DeploymentRecord> {
      const { artifact } = await store.registerArtifact(
        {
          entityRef: `component:default/lane-${i}`,
          digest: digestOf(`shared-${i}`),
          pipeline: 'default',
          version: '1.0.0',
          commit: 'abc123',
          labels: [],
          changedPaths: [],
        },
        [],
        'ci',
        NOW,
      );
      return store.createDeployment(
        {
          entityRef: artifact.entityRef,
          environment: 'prod',
          artifactId: artifact.id,
          trigger: 'merge',
          actor: 'ci',
        },
        { actor: 'ci', digest: artifact.digest },
        NOW,
      );
    }

    const nextCheck = async (id: string) =>
      (await store.getDeployment(id))?.nextCheckAt?.getTime();

    /** Counts the transactions knex opens while `run` runs. */
    async function transactionsDuring(run: () => Promise<unknown>) {
      let begun = 0;
      const count = (query: { sql: string }) => {
        if (/^begin/i.test(query.sql)) begun++;
      };
      knex.on('query', count);
      try {
        await run();
      } finally {
        knex.off('query', count);
      }
      return begun;
    }

    it('commits the writes of lanes asked for in the same turn together', async () => {
      const deployments = await Promise.all([1, 2, 3, 4, 5].map(queued));

      const begun = await transactionsDuring(() =>
        Promise.all(
          deployments.map(d =>
            reads.write(d, tx =>
              tx.transitionDeployment(
                d,
                'deploying',
                { deployStartedAt: LATER },
                { actor: 'engine', digest: digestOf('shared') },
                LATER,
              ),
            ),
          ),
        ),
      );

      expect(begun).toBe(1);
      const states = await Promise.all(
        deployments.map(async d => (await store.getDeployment(d.id))?.state),
      );
      expect(states).toEqual(Array(5).fill('deploying'));
    });

    it('fails only the lane whose write failed, keeping the others', async () => {
      const [first, bad, last] = await Promise.all([1, 2, 3].map(queued));
      const release = (d: DeploymentRecord) => (tx: PromotionStore) =>
        tx.releaseDeployment(d.id, 'no-lease', LATER);
      await knex('promotion_deployments').update({ lease_ticket: 'no-lease' });

      const results = await Promise.allSettled([
        reads.write(first, release(first)),
        reads.write(bad, async tx => {
          await release(bad)(tx);
          throw new Error('this lane cannot be written');
        }),
        reads.write(last, release(last)),
      ]);

      expect(results.map(r => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect((results[1] as PromiseRejectedResult).reason.message).toBe(
        'this lane cannot be written',
      );
      expect(await nextCheck(first.id)).toBe(LATER.getTime());
      expect(await nextCheck(last.id)).toBe(LATER.getTime());
      // The failed lane's own change was rolled back with its transaction.
      expect(await nextCheck(bad.id)).toBe(NOW.getTime());
    });
  },
);
