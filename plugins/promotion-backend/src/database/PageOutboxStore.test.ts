import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import { applyDatabaseMigrations } from './migrations';
import { NewPage, PageOutboxStore } from './PageOutboxStore';

const databases = createTestDatabases();

const NOW = new Date('2026-12-06T10:00:00Z');
const LEASE_MS = 60_000;
const later = (ms: number) => new Date(NOW.getTime() + ms);

function page(key: string): NewPage {
  return {
    key,
    why: key.split(':')[0],
    entityRef: 'component:default/checkout',
    environment: 'prod',
    severity: 'critical',
    summary: `page ${key}`,
    details: { rollbackId: 'r-1' },
  };
}

describe.each(databases.eachSupportedId())(
  'PageOutboxStore on %p',
  databaseId => {
    let knex: Knex;
    let outbox: PageOutboxStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await applyDatabaseMigrations(knex);
      outbox = new PageOutboxStore(knex);
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('hands a page to one claimer until its lease lapses, and never again once delivered', async () => {
      await outbox.enqueue([page('auto-rollback:r-1')], NOW);
      expect(await outbox.countOwed()).toEqual({ send: 1, resolve: 0 });
      const [item] = await outbox.claim('a', NOW, LEASE_MS, 10);
      expect(item).toMatchObject({
        action: 'trigger',
        key: 'auto-rollback:r-1',
        why: 'auto-rollback',
        summary: 'page auto-rollback:r-1',
        details: { rollbackId: 'r-1' },
        attempts: 0,
      });
      expect(await outbox.claim('b', NOW, LEASE_MS, 10)).toEqual([]);
      // Replica a died holding it: after the lease, b takes it over.
      const [taken] = await outbox.claim(
        'b',
        later(LEASE_MS + 1),
        LEASE_MS,
        10,
      );
      expect(taken.id).toBe(item.id);
      // a's late answer no longer counts; b's does, once.
      expect(await outbox.delivered(item.id, 'a', later(LEASE_MS + 2))).toBe(
        false,
      );
      expect(await outbox.delivered(item.id, 'b', later(LEASE_MS + 2))).toBe(
        true,
      );
      expect(await outbox.delivered(item.id, 'b', later(LEASE_MS + 3))).toBe(
        false,
      );
      expect(await outbox.countOwed()).toEqual({ send: 0, resolve: 0 });
      expect(
        await outbox.claim('c', later(10 * LEASE_MS), LEASE_MS, 10),
      ).toEqual([]);
    });

    it('retries a failed page no earlier than its backoff, counting attempts', async () => {
      await outbox.enqueue([page('e2e:x')], NOW);
      const [item] = await outbox.claim('a', NOW, LEASE_MS, 10);
      await outbox.failed(item.id, 'a', 'HTTP 503', later(5_000));
      expect(await outbox.claim('a', later(4_999), LEASE_MS, 10)).toEqual([]);
      const [again] = await outbox.claim('a', later(5_000), LEASE_MS, 10);
      expect(again).toMatchObject({ id: item.id, attempts: 1 });
      const row = await knex('promotion_pages').where({ id: item.id }).first();
      expect(row.last_error).toBe('HTTP 503');
    });

    it('drops a page nobody has started sending when its condition ends', async () => {
      await outbox.enqueue([page('auto-rollback-blind:d-1')], NOW);
      await outbox.close('auto-rollback-blind:d-1', NOW);
      expect(await outbox.countOwed()).toEqual({ send: 0, resolve: 0 });
      expect(await outbox.claim('a', NOW, LEASE_MS, 10)).toEqual([]);
    });

    it('resolves a page delivered or being sent, and never before its trigger', async () => {
      await outbox.enqueue(
        [page('auto-rollback-blind:d-1'), page('auto-rollback-stuck:d-2')],
        NOW,
      );
      const [blind, stuck] = await outbox.claim('a', NOW, LEASE_MS, 10);
      await outbox.delivered(blind.id, 'a', NOW);
      await outbox.close('auto-rollback-blind:d-1', NOW);
      // Still being sent when its condition ended: resolved after it.
      await outbox.close('auto-rollback-stuck:d-2', NOW);
      expect(await outbox.countOwed()).toEqual({ send: 1, resolve: 2 });
      const next = await outbox.claim('b', NOW, LEASE_MS, 10);
      expect(next.map(i => `${i.action} ${i.key}`)).toEqual([
        'resolve auto-rollback-blind:d-1',
      ]);
      await outbox.failed(stuck.id, 'a', 'timeout', NOW);
      const after = await outbox.claim('b', NOW, LEASE_MS, 10);
      expect(after.map(i => `${i.action} ${i.key}`)).toEqual([
        'trigger auto-rollback-stuck:d-2',
      ]);
      await outbox.delivered(after[0].id, 'b', NOW);
      const last = await outbox.claim('b', NOW, LEASE_MS, 10);
      expect(last.map(i => `${i.action} ${i.key}`)).toEqual([
        'resolve auto-rollback-stuck:d-2',
      ]);
    });

    it('claims each due page once when replicas claim at the same moment', async () => {
      await outbox.enqueue(
        Array.from({ length: 30 }, (_, i) => page(`e2e:${i}`)),
        NOW,
      );
      const claims = await Promise.all(
        ['a', 'b', 'c'].map(ticket => outbox.claim(ticket, NOW, LEASE_MS, 15)),
      );
      const ids = claims.flat().map(i => i.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    });
  },
);
