import type { MetricsQuery } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { applyDatabaseMigrations } from '../database/migrations';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import { DatabaseSoakSampleStore } from './DatabaseSoakSampleStore';
import { PushMetricsProvider } from './PushMetricsProvider';
import { SampleSignal, SoakSampleRecord } from './SoakSampleStore';

const databases = createTestDatabases();

const T0 = new Date('2026-11-23T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

describe.each(databases.eachSupportedId())(
  'PushMetricsProvider on %p',
  databaseId => {
    let store: DatabaseSoakSampleStore;
    let provider: PushMetricsProvider;

    const query = (overrides: Partial<MetricsQuery> = {}): MetricsQuery => ({
      entityRef: 'component:default/checkout',
      environment: 'staging',
      start: at(0),
      end: at(10),
      stepSeconds: 30,
      ...overrides,
    });

    const push = (
      signal: SampleSignal,
      points: Array<[minutes: number, value: number]>,
      overrides: Partial<SoakSampleRecord> = {},
    ) =>
      store.appendSamples(
        points.map(([m, value]) => ({
          entityRef: 'component:default/checkout',
          environment: 'staging',
          deploymentId: 'dep-1',
          digest: digestOf(1),
          signal,
          value,
          at: at(m),
          source: 'push',
          ...overrides,
        })),
      );

    beforeEach(async () => {
      const knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      store = await DatabaseSoakSampleStore.create({ knex });
      provider = new PushMetricsProvider(store);
    });

    describe('querySignal', () => {
      it('returns the pushed samples of the signal in the range, oldest first', async () => {
        await push('errorRate', [
          [-1, 0.5],
          [2, 0.02],
          [0, 0.01],
          [10, 0.03],
          [11, 0.9],
        ]);
        await push('latency', [[1, 0.2]]);
        // Stored by the soak gate from another provider: not pushed.
        await push('errorRate', [[5, 0.7]], { source: 'prometheus' });
        await expect(
          provider.querySignal('errorRate', query()),
        ).resolves.toEqual([
          { at: at(0), value: 0.01 },
          { at: at(2), value: 0.02 },
          { at: at(10), value: 0.03 },
        ]);
      });

      it('keeps to the artifact the query names and to its lane', async () => {
        await push('saturation', [[1, 0.4]]);
        await push('saturation', [[2, 0.8]], {
          deploymentId: 'dep-2',
          digest: digestOf(2),
        });
        await push('saturation', [[3, 0.9]], { environment: 'prod' });
        await expect(
          provider.querySignal('saturation', query({ digest: digestOf(2) })),
        ).resolves.toEqual([{ at: at(2), value: 0.8 }]);
        await expect(
          provider.querySignal('saturation', query()),
        ).resolves.toEqual([
          { at: at(1), value: 0.4 },
          { at: at(2), value: 0.8 },
        ]);
      });

      it('throws "no data" when nothing was pushed in the range', async () => {
        await push('errorRate', [[20, 0.01]]);
        await expect(
          provider.querySignal('errorRate', query()),
        ).rejects.toThrow(
          /^no data: no errorRate samples were pushed for component:default\/checkout in staging between 2026-11-23T10:00:00.000Z and 2026-11-23T10:10:00.000Z$/,
        );
        await expect(provider.querySignal('latency', query())).rejects.toThrow(
          /no data/,
        );
      });

      it('rejects a range that ends before it starts', async () => {
        await expect(
          provider.querySignal('errorRate', query({ end: at(-1) })),
        ).rejects.toThrow('end must not be before its start');
      });
    });

    describe('querySloCounts', () => {
      it('computes the increase of the counters over the range from the baseline before it', async () => {
        await push('requestsTotal', [
          [-2, 1000],
          [1, 1100],
          [5, 1300],
          [10, 1600],
          [12, 9999],
        ]);
        await push('requestsGood', [
          [-2, 990],
          [1, 1089],
          [5, 1280],
          [10, 1570],
        ]);
        await expect(provider.querySloCounts(query())).resolves.toEqual({
          good: 580,
          total: 600,
        });
      });

      it('starts from the first sample inside the range without a baseline', async () => {
        await push('requestsTotal', [
          [1, 100],
          [9, 300],
        ]);
        await push('requestsGood', [
          [1, 100],
          [9, 250],
        ]);
        await expect(provider.querySloCounts(query())).resolves.toEqual({
          good: 150,
          total: 200,
        });
      });

      it('treats a drop as a counter reset and sums deployments', async () => {
        // dep-1 restarted at minute 4; dep-2 took over at minute 6.
        await push('requestsTotal', [
          [0, 500],
          [3, 700],
          [5, 50],
          [8, 80],
        ]);
        await push('requestsGood', [
          [0, 500],
          [3, 690],
          [5, 40],
          [8, 70],
        ]);
        await push(
          'requestsTotal',
          [
            [6, 10],
            [9, 110],
          ],
          { deploymentId: 'dep-2', digest: digestOf(2) },
        );
        await push(
          'requestsGood',
          [
            [6, 10],
            [9, 100],
          ],
          { deploymentId: 'dep-2', digest: digestOf(2) },
        );
        // dep-1: 200 + 50 + 30 = 280 total, 190 + 40 + 30 = 260 good; dep-2: 100 and 90.
        await expect(provider.querySloCounts(query())).resolves.toEqual({
          good: 350,
          total: 380,
        });
        await expect(
          provider.querySloCounts(query({ digest: digestOf(2) })),
        ).resolves.toEqual({ good: 90, total: 100 });
      });

      it('answers zero for counters that did not move', async () => {
        await push('requestsTotal', [
          [1, 42],
          [9, 42],
        ]);
        await push('requestsGood', [
          [1, 40],
          [9, 40],
        ]);
        await expect(provider.querySloCounts(query())).resolves.toEqual({
          good: 0,
          total: 0,
        });
      });

      it('throws "no data" without two samples of each counter', async () => {
        await push('requestsTotal', [
          [1, 100],
          [9, 300],
        ]);
        await push('requestsGood', [[1, 100]]);
        await expect(provider.querySloCounts(query())).rejects.toThrow(
          /^no data: requestsGood needs at least two pushed counter samples/,
        );
        await expect(
          provider.querySloCounts(query({ environment: 'prod' })),
        ).rejects.toThrow(/no data: requestsGood/);
      });

      it('throws when good grows far faster than total', async () => {
        await push('requestsTotal', [
          [1, 100],
          [9, 200],
        ]);
        await push('requestsGood', [
          [1, 100],
          [9, 400],
        ]);
        await expect(provider.querySloCounts(query())).rejects.toThrow(
          /inconsistent: good 300 > total 100/,
        );
      });
    });
  },
);
