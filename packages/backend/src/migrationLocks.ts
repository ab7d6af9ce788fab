import {
  coreServices,
  createServiceFactory,
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import { ConfigReader } from '@backstage/config';
import { migrateUnderLock } from '@promotion-pipeline/backstage-plugin-promotion-backend';

type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

const guarded = new WeakSet<object>();

/**
 * Makes every `knex.migrate.latest(…)` on this client wait for another
 * replica's migrations instead of failing: Backstage's own plugins (catalog,
 * auth keys, scheduler, notifications, app) run knex's migrator directly, and
 * two replicas starting together on an empty PostgreSQL database race on it
 * ("relation already exists", "Migration table is already locked"). See
 * `migrateUnderLock` for what is waited for and for how long.
 */
export function guardMigrations(
  knex: Knex,
  pluginId: string,
  logger: LoggerService,
): Knex {
  if (guarded.has(knex)) return knex;
  const descriptor = Object.getOwnPropertyDescriptor(knex, 'migrate');
  if (!descriptor?.get) {
    throw new Error(
      `Cannot guard the migrations of plugin '${pluginId}': this knex has no 'migrate' getter`,
    );
  }
  const createMigrator = descriptor.get;
  Object.defineProperty(knex, 'migrate', {
    configurable: true,
    get() {
      const migrator = createMigrator.call(this) as Knex['migrate'];
      const latest = migrator.latest.bind(migrator);
      migrator.latest = (config?: { tableName?: string }) =>
        migrateUnderLock(
          knex,
          {
            tableName:
              config?.tableName ??
              knex.client.config.migrations?.tableName ??
              'knex_migrations',
            owner: `plugin '${pluginId}'`,
            logger,
          },
          () => latest(config),
        );
      return migrator;
    },
  });
  guarded.add(knex);
  return knex;
}

/**
 * `coreServices.database` as Backstage's default builds it, with every
 * plugin's client guarded by {@link guardMigrations}.
 */
export const migrationSafeDatabaseServiceFactory = createServiceFactory({
  service: coreServices.database,
  deps: {
    config: coreServices.rootConfig,
    lifecycle: coreServices.lifecycle,
    logger: coreServices.logger,
    pluginMetadata: coreServices.pluginMetadata,
    rootLifecycle: coreServices.rootLifecycle,
    rootLogger: coreServices.rootLogger,
  },
  async createRootContext({ config, rootLifecycle, rootLogger }) {
    return DatabaseManager.fromConfig(
      config.getOptional('backend.database')
        ? config
        : new ConfigReader({
            backend: {
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
          }),
      { rootLifecycle, rootLogger },
    );
  },
  async factory({ pluginMetadata, lifecycle, logger }, manager) {
    const pluginId = pluginMetadata.getId();
    const database = manager.forPlugin(pluginId, { lifecycle, logger });
    return {
      ...database,
      getClient: async () =>
        guardMigrations(await database.getClient(), pluginId, logger),
    };
  },
});
