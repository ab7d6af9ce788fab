import { createTestDatabases } from './__testUtils__/databases';
import { startPromotionBackend } from './__testUtils__/backend';
import { RecordingMetrics } from './__testUtils__/RecordingMetrics';
import { PageOutboxStore } from './database/PageOutboxStore';
import { ENGINE_METRIC_NAMES } from './engine/EngineMetrics';

jest.setTimeout(60_000);

const pipelines = {
  standard: { environments: [{ name: 'dev', deployer: 'fake' }] },
};

describe('engine metrics in the plugin', () => {
  const databases = createTestDatabases();

  it.each(databases.eachSupportedId())(
    'reports the pages owed from the database through the metrics service (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const metrics = new RecordingMetrics();
      const backend = await startPromotionBackend({
        knex,
        entities: [],
        config: { promotion: { engine: { passBudget: '1s' }, pipelines } },
        features: [metrics.factory()],
      });
      try {
        // Owed and due far ahead, so no delivery pass sends it before the count.
        await new PageOutboxStore(knex).enqueue(
          [
            {
              key: 'auto-rollback-stuck:d-1',
              why: 'auto-rollback-stuck',
              entityRef: 'component:default/checkout',
              environment: 'dev',
              severity: 'critical',
              summary: 'burning',
            },
          ],
          new Date('2999-01-01T00:00:00Z'),
        );
        expect(await metrics.collect(ENGINE_METRIC_NAMES.pagesOwed)).toEqual([
          { value: 1, attributes: { action: 'send' } },
          { value: 0, attributes: { action: 'resolve' } },
        ]);
        expect(
          metrics.get(ENGINE_METRIC_NAMES.passDuration).options?.advice
            ?.explicitBucketBoundaries,
        ).toContain(1_000);
      } finally {
        await backend.stop();
      }
    },
  );

  it('refuses to start with a pass budget out of range, naming the key', async () => {
    const knex = await databases.init('SQLITE_3');
    await expect(
      startPromotionBackend({
        knex,
        entities: [],
        config: { promotion: { engine: { passBudget: '0s' }, pipelines } },
      }),
    ).rejects.toThrow(/promotion\.engine\.passBudget must be longer than zero/);
  });
});
