import type { BurnRateView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { BurnWatchStore, BurnWatchUpdate } from './BurnWatchStore';
import { applyDatabaseMigrations } from './migrations';

const databases = createTestDatabases();

const NOW = new Date('2026-12-06T10:00:00Z');

const reading: BurnRateView = {
  objective: 0.999,
  evaluatedAt: NOW.toISOString(),
  firing: false,
  blind: false,
  reason: 'ok',
  windows: [],
};

function watch(
  deploymentId: string,
  overrides: Partial<BurnWatchUpdate> = {},
): BurnWatchUpdate {
  return {
    deploymentId,
    entityRef: 'component:default/checkout',
    environment: 'prod',
    status: 'ok',
    reading,
    evaluatedAt: NOW,
    ...overrides,
  };
}

const page = {
  key: 'burn:component:default/checkout:prod',
  summary: 'Error budget burning',
  severity: 'critical' as const,
};

describe.each(databases.eachSupportedId())(
  'BurnWatchStore on %p',
  databaseId => {
    let knex: Knex;
    let store: BurnWatchStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      store = new BurnWatchStore(knex);
    });

    it('writes only over the version it read, so one of two replicas wins', async () => {
      expect(await store.save(watch('d-1'), undefined, NOW)).toBe(true);
      // A second first write of the same deployment loses.
      expect(await store.save(watch('d-1'), undefined, NOW)).toBe(false);
      const stored = (await store.get('d-1'))!;
      expect(stored.version).toBe(1);
      const firing = watch('d-1', { status: 'firing', firingSince: NOW, page });
      expect(await store.save(firing, stored.version, NOW)).toBe(true);
      expect(await store.save(firing, stored.version, NOW)).toBe(false);
      expect(await store.get('d-1')).toMatchObject({
        version: 2,
        status: 'firing',
        firingSince: NOW,
        page,
      });
    });
  },
);
