import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntilDisconnected } from '../__testUtils__/concurrencyChecks';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  applyDatabaseMigrations,
  MIGRATIONS_LOCK_TABLE,
  MIGRATIONS_TABLE,
} from './migrations';

jest.setTimeout(60_000);

const migrationsDir = path.resolve(__dirname, '../../migrations');
/** The advisory lock key the migrations take on PostgreSQL. */
const ADVISORY_KEY = "hashtext(coalesce(current_schema(), '') || '.' || ?)";
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Leaves knex's bookkeeping tables in place and the plugin's tables gone. */
async function bookkeepingOnly(knex: Knex): Promise<void> {
  await applyDatabaseMigrations(knex);
  await knex.migrate.rollback(
    { directory: migrationsDir, tableName: MIGRATIONS_TABLE },
    true,
  );
  expect(await knex.schema.hasTable('promotion_artifacts')).toBe(false);
}

/** Holds knex's migration lock as another process's migrator would. */
async function holdKnexLock(knex: Knex): Promise<void> {
  expect(
    await knex(MIGRATIONS_LOCK_TABLE)
      .where('is_locked', 0)
      .update({ is_locked: 1 }),
  ).toBe(1);
}

describe('applyDatabaseMigrations', () => {
  const databases = createTestDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    let knex: Knex;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await bookkeepingOnly(knex);
    });

    afterEach(async () => {
      await knex.destroy();
    });

    it('waits while another process holds the lock, then migrates', async () => {
      await holdKnexLock(knex);
      const logged: string[] = [];
      const started = Date.now();
      const migrating = applyDatabaseMigrations(knex, {
        logger: { info: message => logged.push(message) },
      });
      await sleep(500);
      expect(await knex.schema.hasTable('promotion_artifacts')).toBe(false);
      await knex(MIGRATIONS_LOCK_TABLE).update({ is_locked: 0 });

      await migrating;
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(await knex.schema.hasTable('promotion_artifacts')).toBe(true);
      expect(await knex(MIGRATIONS_LOCK_TABLE).select('is_locked')).toEqual([
        { is_locked: 0 },
      ]);
      expect(logged).toEqual([
        expect.stringContaining(
          `Waiting for the promotion plugin's database migrations lock (${MIGRATIONS_LOCK_TABLE}): Migration table is already locked`,
        ),
      ]);
    });

    it('gives up after the bounded wait, naming the lock, and leaves the lock alone', async () => {
      await holdKnexLock(knex);
      const started = Date.now();
      await expect(
        applyDatabaseMigrations(knex, { maxWaitMs: 1_000 }),
      ).rejects.toThrow(
        `Gave up after 1 s waiting for the promotion plugin's database migrations lock (table ${MIGRATIONS_LOCK_TABLE})`,
      );
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(1_000);
      expect(waited).toBeLessThan(5_000);
      // Someone else's lock: not stolen, nothing migrated.
      expect(await knex(MIGRATIONS_LOCK_TABLE).select('is_locked')).toEqual([
        { is_locked: 1 },
      ]);
      expect(await knex.schema.hasTable('promotion_artifacts')).toBe(false);
    });

    it('repairs a lock table left with two unlocked rows by a start-up race', async () => {
      await knex(MIGRATIONS_LOCK_TABLE).insert({ is_locked: 0 });
      // The state knex itself cannot get out of.
      await expect(
        knex.migrate.latest({
          directory: migrationsDir,
          tableName: MIGRATIONS_TABLE,
        }),
      ).rejects.toThrow('Migration table is already locked');

      await applyDatabaseMigrations(knex, { maxWaitMs: 1_000 });
      expect(await knex.schema.hasTable('promotion_artifacts')).toBe(true);
      expect(await knex(MIGRATIONS_LOCK_TABLE).select('is_locked')).toEqual([
        { is_locked: 0 },
      ]);
    });
  });
});

describe('applyDatabaseMigrations from two processes on one empty PostgreSQL', () => {
  const databases = TestDatabases.create({
    ids: ['POSTGRES_15'],
    disableDocker: true,
  });
  const pools: Knex[] = [];

  beforeAll(() => {
    if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
      throw new Error(
        'This test is about PostgreSQL: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (CI always does)',
      );
    }
  });

  afterEach(async () => {
    const connection = pools[0]?.client.config.connection as
      | Knex.ConnectionConfig
      | undefined;
    await Promise.all(pools.splice(0).map(p => p.destroy()));
    // TestDatabases drops the database afterwards, which needs every session gone.
    if (connection) await waitUntilDisconnected(connection);
  });

  /** A fresh database and two pools on it that share nothing else. */
  async function twoPools(): Promise<[Knex, Knex]> {
    const first = await databases.init('POSTGRES_15');
    const second = knexFactory({
      client: 'pg',
      connection: (first.client.config as Knex.Config).connection,
      pool: { min: 0, max: 5 },
    });
    pools.push(first, second);
    return [first, second];
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'both succeed and every migration runs once (fresh database %p)',
    async () => {
      const [first, second] = await twoPools();
      await Promise.all([
        applyDatabaseMigrations(first),
        applyDatabaseMigrations(second),
      ]);
      const applied = await first(MIGRATIONS_TABLE).select('name');
      const names = applied.map(row => row.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.sort()).toEqual(fs.readdirSync(migrationsDir).sort());
      expect(await first(MIGRATIONS_LOCK_TABLE).select('is_locked')).toEqual([
        { is_locked: 0 },
      ]);
    },
  );

  it('waits for a replica that is migrating (advisory lock), then finds nothing to do', async () => {
    const [first, second] = await twoPools();
    await applyDatabaseMigrations(first);
    const connection = await first.client.acquireConnection();
    try {
      await first
        .raw(`SELECT pg_advisory_lock(${ADVISORY_KEY})`, [MIGRATIONS_TABLE])
        .connection(connection);
      const started = Date.now();
      const migrating = applyDatabaseMigrations(second);
      await sleep(500);
      await first
        .raw(`SELECT pg_advisory_unlock(${ADVISORY_KEY})`, [MIGRATIONS_TABLE])
        .connection(connection);
      await migrating;
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    } finally {
      await first.client.releaseConnection(connection);
    }
  });
});
