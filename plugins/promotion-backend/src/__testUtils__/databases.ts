import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/**
 * SQLite always; PostgreSQL 15 when a server is given through
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (CI sets it). There is
 * no Docker engine here, so ids are always explicit.
 */
export function testDatabaseIds(): TestDatabaseId[] {
  const ids: TestDatabaseId[] = ['SQLITE_3'];
  if (process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
    ids.push('POSTGRES_15');
  }
  return ids;
}

/** TestDatabases over {@link testDatabaseIds}. */
export function createTestDatabases(): TestDatabases {
  return TestDatabases.create({ ids: testDatabaseIds(), disableDocker: true });
}

/** Builds `sha256:` + 64 hex characters from a short seed, for fixtures. */
export function digestOf(seed: string | number): string {
  const hex = Buffer.from(String(seed)).toString('hex');
  return `sha256:${hex.padEnd(64, '0').slice(0, 64)}`;
}
