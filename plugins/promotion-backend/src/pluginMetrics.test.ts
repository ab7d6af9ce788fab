import { createTestDatabases } from './__testUtils__/databases';
import { startPromotionBackend } from './__testUtils__/backend';
import { RecordingMetrics } from './__testUtils__/RecordingMetrics';
import { BurnWatchStore } from './database/BurnWatchStore';
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
        const now = new Date();
        await new BurnWatchStore(knex).save(
          {
            deploymentId: 'd-1',
            entityRef: 'component:default/checkout',
            environment: 'dev',
            status: 'firing',
            reading: {
              objective: 0.999,
              evaluatedAt: now.toISOString(),
              firing: true,
              blind: false,
              reason: 'burning',
              windows: [],
            },
            evaluatedAt: now,
            page: { key: 'burn:d-1', summary: 'burning', severity: 'critical' },
          },
          undefined,
          now,
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
