import path from 'node:path';
import { Knex } from 'knex';
import { applyDatabaseMigrations } from '../database/migrations';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { DatabaseSoakSampleStore } from './DatabaseSoakSampleStore';
import { SoakSampleRecord } from './SoakSampleStore';

const databases = createTestDatabases();

const T0 = new Date('2026-11-23T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function sample(overrides: Partial<SoakSampleRecord> = {}): SoakSampleRecord {
  return {
    entityRef: 'component:default/checkout',
    environment: 'staging',
    deploymentId: 'dep-1',
    digest: digestOf(1),
    signal: 'errorRate',
    value: 0.01,
    at: at(0),
    source: 'push',
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'DatabaseSoakSampleStore on %p',
  databaseId => {
    let knex: Knex;
    let store: DatabaseSoakSampleStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      store = await DatabaseSoakSampleStore.create({ knex });
    });

    it('appends samples, ignores repeats, and round-trips NaN and times', async () => {
      const first = [
        sample({ at: at(1), value: 0.02 }),
        sample({ at: at(0), value: 0.01 }),
        sample({ at: at(2), value: NaN }),
        sample({ signal: 'latency', at: at(1), value: 0.123456789 }),
      ];
      expect(await store.appendSamples(first)).toBe(4);
      // A retried push or a re-read window stores nothing twice.
      expect(
        await store.appendSamples([
          sample({ at: at(1), value: 0.9 }),
          sample({ at: at(3), value: 0.03 }),
        ]),
      ).toBe(1);
      // The same time from another source is another sample.
      expect(
        await store.appendSamples([
          sample({ at: at(1), source: 'prometheus' }),
        ]),
      ).toBe(1);

      const errorRate = await store.listDeploymentSamples('dep-1', {
        signals: ['errorRate'],
        source: 'push',
      });
      expect(errorRate.map(s => [s.at.toISOString(), s.value])).toEqual([
        [at(0).toISOString(), 0.01],
        [at(1).toISOString(), 0.02],
        [at(2).toISOString(), NaN],
        [at(3).toISOString(), 0.03],
      ]);
      expect(errorRate[0]).toEqual(sample({ at: at(0), value: 0.01 }));

      const latency = await store.listDeploymentSamples('dep-1', {
        signals: ['latency'],
      });
      expect(latency.map(s => s.value)).toEqual([0.123456789]);
    });

    it('filters deployment samples by time and keeps the newest under a limit', async () => {
      await store.appendSamples(
        [0, 1, 2, 3, 4].map(m => sample({ at: at(m), value: m / 100 })),
      );
      await store.appendSamples([sample({ deploymentId: 'dep-2' })]);
      const window = await store.listDeploymentSamples('dep-1', {
        since: at(1),
        until: at(3),
      });
      expect(window.map(s => s.value)).toEqual([0.01, 0.02, 0.03]);
      const newest = await store.listDeploymentSamples('dep-1', { limit: 2 });
      expect(newest.map(s => s.value)).toEqual([0.03, 0.04]);
      expect(await store.listDeploymentSamples('dep-9')).toEqual([]);
    });

    it('lists lane samples by source, signal, digest and range', async () => {
      await store.appendSamples([
        sample({ at: at(0), value: 1 }),
        sample({
          at: at(1),
          value: 2,
          deploymentId: 'dep-2',
          digest: digestOf(2),
        }),
        sample({ at: at(2), value: 3, source: 'prometheus' }),
        sample({ at: at(3), value: 4, environment: 'prod' }),
        sample({ at: at(4), value: 5, signal: 'saturation' }),
        sample({ at: at(5), value: 6 }),
      ]);
      const lane = {
        entityRef: 'component:default/checkout',
        environment: 'staging',
        signals: ['errorRate'] as const,
        source: 'push',
        since: at(0),
        until: at(5),
      };
      expect((await store.listLaneSamples(lane)).map(s => s.value)).toEqual([
        1, 2, 6,
      ]);
      expect(
        (await store.listLaneSamples({ ...lane, digest: digestOf(1) })).map(
          s => s.value,
        ),
      ).toEqual([1, 6]);
      expect(
        (
          await store.listLaneSamples({
            ...lane,
            signals: ['errorRate', 'saturation'],
            since: at(1),
            until: at(4),
          })
        ).map(s => s.value),
      ).toEqual([2, 5]);
    });

    it('stores 1000 samples in one call', async () => {
      const many = Array.from({ length: 1000 }, (_, i) =>
        sample({ at: new Date(T0.getTime() + i * 1000), value: i }),
      );
      expect(await store.appendSamples(many)).toBe(1000);
      expect(await store.appendSamples(many)).toBe(0);
      expect(await store.listDeploymentSamples('dep-1')).toHaveLength(1000);
    });

    it('reads and replaces the soak state', async () => {
      expect(await store.getSoakState('dep-1')).toBeUndefined();
      await store.saveSoakState({
        deploymentId: 'dep-1',
        windowStartedAt: at(0),
        updatedAt: at(0),
      });
      expect(await store.getSoakState('dep-1')).toEqual({
        deploymentId: 'dep-1',
        windowStartedAt: at(0),
        lastBreachAt: undefined,
        lastBreachReason: undefined,
        updatedAt: at(0),
      });
      await store.saveSoakState({
        deploymentId: 'dep-1',
        windowStartedAt: at(7),
        lastBreachAt: at(6),
        lastBreachReason: 'errorRate 0.07 > 0.05 at 10:06 UTC',
        updatedAt: at(7),
      });
      expect(await store.getSoakState('dep-1')).toEqual({
        deploymentId: 'dep-1',
        windowStartedAt: at(7),
        lastBreachAt: at(6),
        lastBreachReason: 'errorRate 0.07 > 0.05 at 10:06 UTC',
        updatedAt: at(7),
      });
      // A new store over the same database (a restarted backend) sees it.
      const again = await DatabaseSoakSampleStore.create({ knex });
      expect((await again.getSoakState('dep-1'))?.windowStartedAt).toEqual(
        at(7),
      );
    });

    it('deletes samples older than a cutoff', async () => {
      await store.appendSamples([0, 1, 2].map(m => sample({ at: at(m) })));
      expect(await store.deleteSamplesBefore(at(2))).toBe(2);
      expect(
        (await store.listDeploymentSamples('dep-1')).map(s => s.at),
      ).toEqual([at(2)]);
    });

    it('migrates down and up again', async () => {
      await knex.migrate.down({
        directory: path.resolve(__dirname, '../../migrations'),
        tableName: 'promotion__knex_migrations',
        name: '20261128020000_soak_samples.js',
      });
      expect(await knex.schema.hasTable('promotion_soak_samples')).toBe(false);
      await applyDatabaseMigrations(knex);
      expect(await knex.schema.hasTable('promotion_soak_state')).toBe(true);
    });
  },
);
