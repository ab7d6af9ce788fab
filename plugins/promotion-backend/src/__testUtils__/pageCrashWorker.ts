/*
 * A backend's page outbox in its own process, for pageOutbox.crash.test.ts to
 * SIGKILL. Run with
 *   node --require @backstage/cli/config/nodeTransform.cjs pageCrashWorker.ts
 * and the environment:
 *   CRASH_DB_CONNECTION  JSON knex connection settings of the test database
 *   CRASH_LEDGER_DIR     folder of the file-backed pager
 *   CRASH_WORKER_ID      name recorded with every page this process sends
 *   PAGE_CRASH_MODE      write: write the state changes that owe pages A and B,
 *                        print "written", then idle until killed;
 *                        hang: claim what is owed and hang inside the pager,
 *                        printing "claimed";
 *                        deliver: deliver until killed.
 */
import knexFactory from 'knex';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { OnCallPager, PageOutbox } from '../notify/PageOutbox';
import {
  collectingLogger,
  CRASH_PAGE_KEYS,
  FilePager,
  PAGE_CRASH_LEASE_MS,
} from './crashHarness';

async function main() {
  const workerId = process.env.CRASH_WORKER_ID ?? String(process.pid);
  const knex = knexFactory({
    client: 'pg',
    connection: JSON.parse(process.env.CRASH_DB_CONNECTION!),
    pool: { min: 1, max: 3 },
  });
  const store = await DatabasePromotionStore.fromKnex(knex, false);
  const logger = collectingLogger((level, message) =>
    process.stderr.write(`${level}: ${message}\n`),
  );
  const idle = () => new Promise<never>(() => setInterval(() => {}, 60_000));
  const mode = process.env.PAGE_CRASH_MODE;

  if (mode === 'write') {
    for (const key of CRASH_PAGE_KEYS) {
      // The state change and the page it owes, in one transaction.
      await store.transaction(async tx => {
        const now = new Date();
        await tx.appendEvent(
          {
            entityRef: 'component:default/checkout',
            environment: 'prod',
            kind: 'gate.verdict',
            actor: 'engine',
            details: { owes: key },
          },
          now,
        );
        await tx.pages().enqueue(
          [
            {
              key,
              why: key.split(':')[0],
              entityRef: 'component:default/checkout',
              environment: 'prod',
              severity: 'critical',
              summary: `crash page ${key}`,
            },
          ],
          now,
        );
      });
    }
    process.stdout.write('written\n');
    await idle();
  }

  const pager: OnCallPager =
    mode === 'hang'
      ? {
          page: () => {
            process.stdout.write('claimed\n');
            return new Promise(() => {});
          },
          resolve: () => new Promise(() => {}),
        }
      : new FilePager(process.env.CRASH_LEDGER_DIR!, workerId);
  const outbox = new PageOutbox({
    store,
    pager,
    logger,
    clock: () => new Date(),
    leaseMs: PAGE_CRASH_LEASE_MS,
    backoffMs: 20,
  });
  process.stdout.write('ready\n');
  for (;;) {
    await outbox.deliverDue();
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

main().catch(error => {
  process.stderr.write(`fatal: ${error?.stack ?? error}\n`);
  process.exit(1);
});
