import { DatabaseService, LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { BurnWatchStore } from './BurnWatchStore';
import { DecisionStore } from './DecisionStore';
import { LaneStore } from './LaneStore';
import { PageOutboxStore } from './PageOutboxStore';
import { applyDatabaseMigrations } from './migrations';
import { PromotionStore } from './PromotionStore';
import { DeploymentTable } from './DeploymentTable';

/** {@link PromotionStore} on knex: SQLite for the demo, PostgreSQL in production. */
export class DatabasePromotionStore
  extends DeploymentTable
  implements PromotionStore
{
  /** Connects to the plugin database and runs migrations unless told to skip. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
    /** Told when start-up waits for another replica's migrations. */
    logger?: LoggerService;
  }): Promise<DatabasePromotionStore> {
    const client = await options.database.getClient();
    if (!options.skipMigrations && !options.database.migrations?.skip) {
      await applyDatabaseMigrations(client, { logger: options.logger });
    }
    return new DatabasePromotionStore(client);
  }

  private constructor(db: Knex) {
    super(db);
  }

  /** For tests that hold a knex client already. */
  static async fromKnex(
    db: Knex,
    migrate = true,
  ): Promise<DatabasePromotionStore> {
    if (migrate) {
      await applyDatabaseMigrations(db);
    }
    return new DatabasePromotionStore(db);
  }

  decisions(): DecisionStore {
    return new DecisionStore(this.db);
  }

  burnWatch(): BurnWatchStore {
    return new BurnWatchStore(this.db);
  }

  lanes(): LaneStore {
    return new LaneStore(this.db);
  }

  pages(): PageOutboxStore {
    return new PageOutboxStore(this.db);
  }

  async transaction<T>(
    fn: (tx: PromotionStore) => Promise<T>,
    options?: { batchEvents?: boolean },
  ): Promise<T> {
    if (this.db.isTransaction) {
      return fn(this);
    }
    return this.db.transaction(async trx => {
      const tx = new DatabasePromotionStore(trx);
      if (!options?.batchEvents) return fn(tx);
      tx.batchEvents();
      const result = await fn(tx);
      await tx.writeBatchedEvents();
      return result;
    });
  }
}
