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

    it('counts no pages owed when nothing was decided', async () => {
      expect(await store.countPagesOwed()).toEqual({ send: 0, resolve: 0 });
      await store.save(watch('d-quiet'), undefined, NOW);
      expect(await store.countPagesOwed()).toEqual({ send: 0, resolve: 0 });
    });

    it('counts pages to send, leased or not, and pages to resolve', async () => {
      await store.save(watch('d-due', { page }), undefined, NOW);
      // A replica delivering it still owes it until paged_at is written.
      await store.save(
        watch('d-leased', {
          page,
          pageLeaseUntil: new Date(NOW.getTime() + 60_000),
        }),
        undefined,
        NOW,
      );
      await store.save(
        watch('d-delivered', { page, pagedAt: NOW }),
        undefined,
        NOW,
      );
      await store.save(
        watch('d-cleared', { resolveKey: page.key }),
        undefined,
        NOW,
      );
      expect(await store.countPagesOwed()).toEqual({ send: 2, resolve: 1 });
      // A page closed before delivery is no longer owed; one delivered is to be resolved.
      const due = await store.get('d-due');
      await store.save(
        { ...due!, page: undefined, resolveKey: undefined },
        due!.version,
        NOW,
      );
      const delivered = await store.get('d-delivered');
      await store.save(
        {
          ...delivered!,
          page: undefined,
          pagedAt: undefined,
          resolveKey: page.key,
        },
        delivered!.version,
        NOW,
      );
      expect(await store.countPagesOwed()).toEqual({ send: 1, resolve: 2 });
    });
  },
);
