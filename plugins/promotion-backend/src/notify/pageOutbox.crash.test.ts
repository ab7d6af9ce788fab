import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DatabasePromotionStore } from '../database/DatabasePromotionStore';
import { waitUntilDisconnected } from '../__testUtils__/concurrencyChecks';
import {
  CRASH_PAGE_KEYS,
  FilePager,
  PAGE_CRASH_LEASE_MS,
} from '../__testUtils__/crashHarness';

const WORKER_SCRIPT = join(__dirname, '../__testUtils__/pageCrashWorker.ts');
const TRANSFORM = require.resolve('@backstage/cli/config/nodeTransform.cjs');

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** One backend's page outbox in a child process. */
class OutboxProcess {
  readonly exited: Promise<void>;
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;

  constructor(readonly id: string, env: Record<string, string>) {
    this.child = spawn(
      process.execPath,
      ['--require', TRANSFORM, WORKER_SCRIPT],
      {
        env: { ...process.env, ...env, CRASH_WORKER_ID: id },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.child.stdout!.on('data', chunk => {
      this.stdout += chunk;
    });
    this.child.stderr!.on('data', chunk => {
      this.stderr += chunk;
    });
    this.exited = new Promise(resolve =>
      this.child.once('exit', () => resolve()),
    );
  }

  /** Waits until the process printed `line`. */
  async said(line: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.split('\n').includes(line)) {
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${this.id} never said '${line}': ${this.stderr}`);
      }
      await sleep(20);
    }
  }

  async kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});

jest.setTimeout(120_000);

describe('the page outbox with backends killed before delivery', () => {
  const processes: OutboxProcess[] = [];
  let knex: Knex | undefined;
  let ledgerDir: string | undefined;

  afterEach(async () => {
    await Promise.all(processes.map(p => p.kill()));
    if (knex) {
      const connection = knex.client.config.connection as Knex.ConnectionConfig;
      await knex.destroy();
      await waitUntilDisconnected(connection);
    }
    if (ledgerDir) fs.rmSync(ledgerDir, { recursive: true, force: true });
  }, 30_000);

  it('delivers each page exactly once after restart: killed after writing it, and killed while sending it', async () => {
    if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
      throw new Error(
        'This test kills backends sharing a PostgreSQL database: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING to a PostgreSQL 15 server (CI always does)',
      );
    }
    knex = await databases.init('POSTGRES_15');
    const store = await DatabasePromotionStore.fromKnex(knex);
    ledgerDir = fs.mkdtempSync(join(os.tmpdir(), 'promotion-page-crash-'));
    const start = (id: string, mode: string) => {
      const worker = new OutboxProcess(id, {
        CRASH_DB_CONNECTION: JSON.stringify(knex!.client.config.connection),
        CRASH_LEDGER_DIR: ledgerDir!,
        PAGE_CRASH_MODE: mode,
      });
      processes.push(worker);
      return worker;
    };

    // 1. A backend writes the state changes that owe two pages, and dies.
    const writer = start('writer', 'write');
    await writer.said('written');
    await writer.kill();
    expect(await store.pages().countOwed()).toEqual({ send: 2, resolve: 0 });
    expect(FilePager.read(ledgerDir)).toEqual([]);

    // 2. The next one claims both and dies inside the pager, leases held.
    const sender = start('sender', 'hang');
    await sender.said('claimed');
    await sender.kill();
    const leased = await knex('promotion_pages').whereNotNull('lease_ticket');
    expect(leased).toHaveLength(2);
    expect(FilePager.read(ledgerDir)).toEqual([]);

    // 3. Two replicas come up together and deliver what is owed.
    const replicas = [
      start('replica-1', 'deliver'),
      start('replica-2', 'deliver'),
    ];
    await Promise.all(replicas.map(r => r.said('ready')));
    const deadline = Date.now() + 30_000;
    while ((await store.pages().countOwed()).send > 0) {
      if (Date.now() > deadline) throw new Error('pages still owed');
      await sleep(50);
    }
    // Long enough for a second delivery, were one to come.
    await sleep(5 * PAGE_CRASH_LEASE_MS);
    await Promise.all(replicas.map(r => r.kill()));

    const ledger = FilePager.read(ledgerDir);
    for (const key of CRASH_PAGE_KEYS) {
      expect(
        ledger.filter(line => line.startsWith(`trigger ${key} `)),
      ).toHaveLength(1);
    }
    expect(ledger).toHaveLength(CRASH_PAGE_KEYS.length);
    const rows = await knex('promotion_pages').orderBy('id');
    expect(rows.map(r => [r.dedup_key, r.outcome])).toEqual(
      CRASH_PAGE_KEYS.map(key => [key, 'delivered']),
    );
    const paged = await knex('promotion_events').where({
      kind: 'oncall.paged',
    });
    expect(paged).toHaveLength(CRASH_PAGE_KEYS.length);
    expect(processes.filter(p => /fatal/.test(p.stderr))).toEqual([]);
  });
});
