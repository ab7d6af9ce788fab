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

    it('writes the events of a shared transaction as one statement, none of a lane that failed', async () => {
      const [first, bad, last] = await Promise.all([1, 2, 3].map(queued));
      const start = (d: DeploymentRecord) => (tx: PromotionStore) =>
        tx.transitionDeployment(
          d,
          'deploying',
          {},
          { actor: 'engine', digest: digestOf('shared'), reason: d.id },
          LATER,
        );
      let eventStatements = 0;
      const count = (query: { sql: string }) => {
        if (/insert into .promotion_events./i.test(query.sql)) {
          eventStatements++;
        }
      };
      knex.on('query', count);
      try {
        await Promise.all([
          reads.write(first, start(first)),
          reads.write(last, start(last)),
        ]);
        expect(eventStatements).toBe(1);
        await expect(
          reads.write(bad, async tx => {
            await start(bad)(tx);
            throw new Error('this lane cannot be written');
          }),
        ).rejects.toThrow('this lane cannot be written');
      } finally {
        knex.off('query', count);
      }

      const deploying = async (d: DeploymentRecord) =>
        (
          await store.listEvents(d.entityRef, { kind: 'deployment.deploying' })
        ).items.map(e => e.details?.reason);
      expect(await deploying(first)).toEqual([first.id]);
      expect(await deploying(last)).toEqual([last.id]);
      expect(await deploying(bad)).toEqual([]);
    });

    it('starts deployments of many lanes in one transaction, each as if alone', async () => {
      const [older, other] = await Promise.all([1, 2].map(queued));
      await store.transitionDeployment(
        older,
        'deploying',
        {},
        { actor: 'engine', digest: digestOf('shared-1') },
        NOW,
      );
      const { artifact } = await store.registerArtifact(
        {
          entityRef: older.entityRef,
          digest: digestOf('newer'),
          pipeline: 'default',
          version: '1.0.1',
          commit: 'def456',
          labels: [],
          changedPaths: [],
        },
        [],
        'ci',
        NOW,
      );
      const newer = await store.createDeployment(
        {
          entityRef: older.entityRef,
          environment: 'prod',
          artifactId: artifact.id,
          trigger: 'merge',
          actor: 'ci',
        },
        { actor: 'ci', digest: artifact.digest },
        new Date(NOW.getTime() + 1000),
      );
      const start = (deployment: DeploymentRecord, digest: string) =>
        reads.startDeployment({
          deployment,
          digest,
          actor: 'engine',
          now: LATER,
        });

      let started: Array<DeploymentRecord | undefined> = [];
      const begun = await transactionsDuring(async () => {
        started = await Promise.all([
          start(newer, artifact.digest),
          start(other, digestOf('shared-2')),
          // Not queued any more: it does not start again.
          start({ ...older, state: 'queued' }, digestOf('shared-1')),
        ]);
      });

      expect(begun).toBe(1);
      expect(started.map(d => d?.state)).toEqual([
        'deploying',
        'deploying',
        undefined,
      ]);
      expect(started[0]?.deployStartedAt?.getTime()).toBe(LATER.getTime());
      const stored = async (d: DeploymentRecord) => store.getDeployment(d.id);
      expect((await stored(newer))?.state).toBe('deploying');
      expect((await stored(other))?.state).toBe('deploying');
      expect(await stored(older)).toMatchObject({
        state: 'superseded',
        reason: `superseded by ${artifact.digest}`,
      });
      const events = await store.listEvents(older.entityRef, {
        kind: 'deployment',
      });
      expect(
        events.items
          .slice(0, 2)
          .reverse()
          .map(e => [e.kind, e.digest, e.details?.deploymentId, e.actor]),
      ).toEqual([
        ['deployment.superseded', digestOf('shared-1'), older.id, 'engine'],
        ['deployment.deploying', artifact.digest, newer.id, 'engine'],
      ]);
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
