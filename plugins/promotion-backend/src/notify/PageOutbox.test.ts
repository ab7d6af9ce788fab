import { mockServices } from '@backstage/backend-test-utils';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { Knex } from 'knex';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { ManualClock } from '../__testUtils__/clock';
import { createTestDatabases } from '../__testUtils__/databases';
import { OnCallPager, PageOutbox } from './PageOutbox';

const SERVICE = 'component:default/checkout';

/** A pager that records what it took, and refuses while down. */
class RecordingPager implements OnCallPager {
  readonly sent: string[] = [];
  down = false;

  async page(page: Omit<Page, 'link'>) {
    if (this.down) return { delivered: [], failed: ['recording'] };
    this.sent.push(`trigger ${page.dedupKey}`);
    return { delivered: ['recording'], failed: [] };
  }

  async resolve(key: string) {
    if (this.down) throw new Error('pager down');
    this.sent.push(`resolve ${key}`);
  }
}

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('PageOutbox on %p', databaseId => {
  let knex: Knex;
  let store: DatabasePromotionStore;
  let clock: ManualClock;
  let pager: RecordingPager;
  let outbox: PageOutbox;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    store = await DatabasePromotionStore.fromKnex(knex);
    clock = new ManualClock();
    pager = new RecordingPager();
    outbox = new PageOutbox({
      store,
      pager,
      logger: mockServices.logger.mock(),
      clock: clock.now,
    });
  });

  afterEach(async () => {
    await outbox.stop();
    await knex.destroy();
  });

  const owe = (key: string) =>
    store.pages().enqueue(
      [
        {
          key,
          why: key.split(':')[0],
          entityRef: SERVICE,
          environment: 'prod',
          severity: 'critical',
          summary: `about ${key}`,
        },
      ],
      clock.now(),
    );

  it('sends an owed page once and records who took it', async () => {
    await owe('auto-rollback:r-1');
    expect(await outbox.deliverDue()).toBe(1);
    expect(await outbox.deliverDue()).toBe(0);
    expect(pager.sent).toEqual(['trigger auto-rollback:r-1']);
    const events = await store.listEvents(SERVICE, { kind: 'oncall.paged' });
    expect(events.items).toEqual([
      expect.objectContaining({
        environment: 'prod',
        actor: 'engine',
        details: {
          why: 'auto-rollback',
          summary: 'about auto-rollback:r-1',
          delivered: ['recording'],
          failed: [],
        },
      }),
    ]);
  });

  it('retries a page nobody took after a backoff that doubles', async () => {
    await owe('e2e:x');
    pager.down = true;
    await outbox.deliverDue();
    pager.down = false;
    clock.advance(4_999);
    await outbox.deliverDue();
    expect(pager.sent).toEqual([]);
    pager.down = true;
    clock.advance(1);
    await outbox.deliverDue(); // second failure: next try 10 s later
    pager.down = false;
    clock.advance(9_999);
    await outbox.deliverDue();
    expect(pager.sent).toEqual([]);
    clock.advance(1);
    await outbox.deliverDue();
    expect(pager.sent).toEqual(['trigger e2e:x']);
    expect(await store.pages().countOwed()).toEqual({ send: 0, resolve: 0 });
  });

  it('resolves a delivered page whose condition ended, after it', async () => {
    await owe('auto-rollback-blind:d-1');
    await store.pages().close('auto-rollback-blind:d-1', clock.now());
    await owe('auto-rollback-blind:d-1');
    await outbox.deliverDue();
    await store.pages().close('auto-rollback-blind:d-1', clock.now());
    await outbox.deliverDue();
    // The first page ended before anyone was told: dropped, never resolved.
    expect(pager.sent).toEqual([
      'trigger auto-rollback-blind:d-1',
      'resolve auto-rollback-blind:d-1',
    ]);
  });

  it('delivers on a kick without the caller waiting', async () => {
    await owe('auto-rollback:r-2');
    outbox.kick();
    outbox.kick();
    const deadline = Date.now() + 10_000;
    while ((await store.pages().countOwed()).send > 0) {
      if (Date.now() > deadline) throw new Error('not delivered');
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    expect(pager.sent).toEqual(['trigger auto-rollback:r-2']);
  });
});
