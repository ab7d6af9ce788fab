import {
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@promotion-pipeline/backstage-plugin-promotion-backend',
  'migrations',
);

/** knex's record of applied migrations; its lock table is this name + `_lock`. */
export const MIGRATIONS_TABLE = 'promotion__knex_migrations';
/** The table whose `is_locked` column is knex's migration lock. */
export const MIGRATIONS_LOCK_TABLE = `${MIGRATIONS_TABLE}_lock`;

/** How long start-up waits for another process's migrations, by default. */
export const DEFAULT_MIGRATIONS_MAX_WAIT_MS = 60_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
/**
 * Per knex instance, the migration tables whose advisory lock this process
 * holds (a registered symbol, so every copy of this module shares it): a
 * nested call, e.g. the plugin's own under the demo backend's guard of
 * every plugin's `migrate.latest`, must not wait for its own lock.
 */
const HELD = Symbol.for(
  '@promotion-pipeline/backstage-plugin-promotion-backend/migrationLocks',
);

/** Options of applyDatabaseMigrations and migrateUnderLock. */
export interface ApplyMigrationsOptions {
  /** Total time to wait for a lock another process holds; 60 s by default. */
  maxWaitMs?: number;
  /** Told once when the call has to wait. */
  logger?: Pick<LoggerService, 'info'>;
}

/**
 * Brings the plugin's tables up to date, safely when several replicas start
 * at once on the same database; see {@link migrateUnderLock}.
 */
export async function applyDatabaseMigrations(
  knex: Knex,
  options: ApplyMigrationsOptions = {},
): Promise<void> {
  await migrateUnderLock(
    knex,
    {
      ...options,
      tableName: MIGRATIONS_TABLE,
      owner: "the promotion plugin's",
    },
    () =>
      knex.migrate.latest({
        directory: migrationsDir,
        tableName: MIGRATIONS_TABLE,
      }),
  );
}

/**
 * Runs `migrate` (a knex migrator call on `tableName`) so that processes
 * starting together on one database do not fail:
 *
 * - On PostgreSQL the call runs under a session advisory lock named after
 *   the schema and table, so replicas migrate one after the other. Without
 *   it, two knex migrators on an empty database race creating the
 *   bookkeeping tables ("relation already exists") and can each insert a
 *   lock row, after which every migration fails with "Migration table is
 *   already locked".
 * - When knex's own lock is held (another process migrating without the
 *   advisory lock, e.g. an older version or the knex CLI), or the
 *   bookkeeping tables appear under our feet, it waits and retries with
 *   backoff, at most `maxWaitMs` in total, then throws an error naming the
 *   lock table.
 * - A lock table left with several rows by that race (no process can ever
 *   take the lock then) is repaired to one unlocked row.
 */
export async function migrateUnderLock<T>(
  knex: Knex,
  options: ApplyMigrationsOptions & {
    /** knex's `tableName`; its lock table is this name + `_lock`. */
    tableName: string;
    /** Whose migrations, for messages, e.g. "plugin 'catalog'". */
    owner: string;
  },
  migrate: () => Promise<T>,
): Promise<T> {
  const { tableName, owner } = options;
  const lockTable = `${tableName}_lock`;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MIGRATIONS_MAX_WAIT_MS;
  const deadline = Date.now() + maxWaitMs;
  let backoffMs = FIRST_BACKOFF_MS;
  let told = false;
  /** Sleeps before the next attempt; false when the wait is used up. */
  const wait = async (why: string): Promise<boolean> => {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    if (!told) {
      told = true;
      options.logger?.info(
        `Waiting for ${owner} database migrations lock (${lockTable}): ${why}`,
      );
    }
    const jittered = backoffMs * (0.5 + Math.random() / 2);
    await sleep(Math.min(jittered, left));
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    return true;
  };
  const gaveUp = (cause: unknown) =>
    new Error(
      `Gave up after ${formatMs(maxWaitMs)} waiting for ${owner} ` +
        `database migrations lock (table ${lockTable}): another process is ` +
        `migrating, or one stopped while holding the lock. If no migration ` +
        `is running, release it with UPDATE ${lockTable} SET is_locked = 0. ` +
        `Last error: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );

  return withAdvisoryLock(knex, tableName, wait, gaveUp, async () => {
    for (;;) {
      try {
        await repairDuplicateLockRows(knex, lockTable);
        return await migrate();
      } catch (error) {
        if (!isLockContention(error, tableName)) throw error;
        if (!(await wait(String((error as Error).message)))) {
          throw gaveUp(error);
        }
      }
    }
  });
}

/**
 * Runs `fn` holding a PostgreSQL session advisory lock on a connection of
 * its own (released with the session if the process dies); runs it plainly
 * on other databases, when the pool has a single connection, or when this
 * process holds the lock already (a nested call).
 */
async function withAdvisoryLock<T>(
  knex: Knex,
  tableName: string,
  wait: (why: string) => Promise<boolean>,
  gaveUp: (cause: unknown) => Error,
  fn: () => Promise<T>,
): Promise<T> {
  const client = knex.client as Knex.Client & { pool?: { max?: number } };
  // Only PostgreSQL itself has advisory locks (not CockroachDB or Redshift).
  const isPostgres =
    client.dialect === 'postgresql' && client.driverName !== 'cockroachdb';
  const holder = knex as unknown as { [HELD]?: Set<string> };
  const held = (holder[HELD] ??= new Set());
  if (!isPostgres || (client.pool?.max ?? 2) < 2 || held.has(tableName)) {
    return fn();
  }
  // Keyed by schema too: plugins sharing one database in schema mode do not
  // wait for each other.
  const key = "hashtext(coalesce(current_schema(), '') || '.' || ?)";
  const connection = await client.acquireConnection();
  try {
    for (;;) {
      const result = await knex
        .raw(`SELECT pg_try_advisory_lock(${key}) AS locked`, [tableName])
        .connection(connection);
      if (result.rows[0].locked) break;
      if (!(await wait('another replica is migrating'))) {
        throw gaveUp(new Error('advisory lock held by another session'));
      }
    }
    held.add(tableName);
    try {
      return await fn();
    } finally {
      held.delete(tableName);
      await knex
        .raw(`SELECT pg_advisory_unlock(${key})`, [tableName])
        .connection(connection);
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Two migrators that both found the lock table empty each insert a row; with
 * two rows knex can never take the lock (it requires exactly one row to go
 * from 0 to 1). Several rows all unlocked can only come from that race, so
 * they are collapsed into one.
 */
async function repairDuplicateLockRows(
  knex: Knex,
  lockTable: string,
): Promise<void> {
  if (!(await knex.schema.hasTable(lockTable))) return;
  await knex.transaction(async tx => {
    const rows: Array<{ index: number; is_locked: number }> = await tx(
      lockTable,
    ).select('index', 'is_locked');
    if (rows.length < 2 || rows.some(row => Number(row.is_locked) !== 0)) {
      return;
    }
    const keep = Math.min(...rows.map(row => Number(row.index)));
    await tx(lockTable)
      .whereNot('index', keep)
      .andWhere('is_locked', 0)
      .delete();
  });
}

/** knex's lock is held, or another migrator created its tables meanwhile. */
function isLockContention(error: unknown, tableName: string): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MigrationLocked') return true;
  const code = (error as { code?: string }).code;
  // 42P07 duplicate_table; 23505 unique_violation on the catalogs
  // (pg_type/pg_class) when two CREATE TABLEs of the same name collide.
  return (
    (code === '42P07' || code === '23505') && error.message.includes(tableName)
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
