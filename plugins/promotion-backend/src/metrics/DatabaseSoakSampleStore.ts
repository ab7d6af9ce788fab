import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { toDate } from '../database/dates';
import {
  DeploymentSamplesQuery,
  LaneSamplesQuery,
  SampleSignal,
  SoakSampleRecord,
  SoakSampleStore,
  SoakState,
} from './SoakSampleStore';

const SAMPLES = 'promotion_soak_samples';
const STATE = 'promotion_soak_state';
// Well under SQLite's and PostgreSQL's bind-parameter limits (9 per row).
const INSERT_CHUNK = 500;

/** A row of `promotion_soak_samples`. */
interface SampleRow {
  id?: number;
  entity_ref: string;
  environment: string;
  deployment_id: string;
  digest: string | null;
  signal: string;
  value: number | null;
  at: Date | string | number;
  source: string;
}

/** A row of `promotion_soak_state`. */
interface StateRow {
  deployment_id: string;
  window_started_at: Date | string | number;
  last_breach_at: Date | string | number | null;
  last_breach_reason: string | null;
  updated_at: Date | string | number;
}

function sampleFromRow(row: SampleRow): SoakSampleRecord {
  return {
    entityRef: row.entity_ref,
    environment: row.environment,
    deploymentId: row.deployment_id,
    ...(row.digest ? { digest: row.digest } : {}),
    signal: row.signal as SampleSignal,
    // NULL is how NaN is stored; PostgreSQL may hand doubles back as strings.
    value: row.value === null ? NaN : Number(row.value),
    at: toDate(row.at),
    source: row.source,
  };
}

function sampleToRow(sample: SoakSampleRecord): SampleRow {
  return {
    entity_ref: sample.entityRef,
    environment: sample.environment,
    deployment_id: sample.deploymentId,
    digest: sample.digest ?? null,
    signal: sample.signal,
    value: Number.isFinite(sample.value) ? sample.value : null,
    at: sample.at,
    source: sample.source,
  };
}

/** {@link SoakSampleStore} on knex: SQLite for the demo, PostgreSQL in production. */
export class DatabaseSoakSampleStore implements SoakSampleStore {
  /**
   * Connects to the plugin database. Runs no migrations: its tables come
   * from the plugin's migrations folder, which the promotion store applies.
   */
  static async create(
    options: { database: DatabaseService } | { knex: Knex },
  ): Promise<DatabaseSoakSampleStore> {
    const db =
      'knex' in options ? options.knex : await options.database.getClient();
    return new DatabaseSoakSampleStore(db);
  }

  private constructor(private readonly db: Knex) {}

  async appendSamples(samples: readonly SoakSampleRecord[]): Promise<number> {
    if (samples.length === 0) {
      return 0;
    }
    const rows = samples.map(sampleToRow);
    return this.db.transaction(async tx => {
      let added = 0;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        // RETURNING lists only the rows the conflict clause let through,
        // on both SQLite (3.35+) and PostgreSQL.
        const inserted = await tx(SAMPLES)
          .insert(rows.slice(i, i + INSERT_CHUNK))
          .onConflict(['deployment_id', 'signal', 'at', 'source'])
          .ignore()
          .returning('id');
        added += inserted.length;
      }
      return added;
    });
  }

  async listDeploymentSamples(
    deploymentId: string,
    query: DeploymentSamplesQuery = {},
  ): Promise<SoakSampleRecord[]> {
    const builder = this.db<SampleRow>(SAMPLES).where({
      deployment_id: deploymentId,
    });
    if (query.signals) {
      builder.whereIn('signal', [...query.signals]);
    }
    if (query.source) {
      builder.where('source', query.source);
    }
    if (query.since) {
      builder.where('at', '>=', query.since);
    }
    if (query.until) {
      builder.where('at', '<=', query.until);
    }
    if (query.limit !== undefined) {
      const newest = await builder
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(Math.max(0, Math.floor(query.limit)));
      return newest.reverse().map(sampleFromRow);
    }
    const rows = await builder.orderBy([
      { column: 'at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
    return rows.map(sampleFromRow);
  }

  async listLaneSamples(query: LaneSamplesQuery): Promise<SoakSampleRecord[]> {
    const builder = this.db<SampleRow>(SAMPLES)
      .where({
        entity_ref: query.entityRef,
        environment: query.environment,
        source: query.source,
      })
      .whereIn('signal', [...query.signals])
      .where('at', '>=', query.since)
      .where('at', '<=', query.until);
    if (query.digest) {
      builder.where('digest', query.digest);
    }
    const rows = await builder.orderBy([
      { column: 'at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
    return rows.map(sampleFromRow);
  }

  async getSoakState(deploymentId: string): Promise<SoakState | undefined> {
    const row = await this.db<StateRow>(STATE)
      .where({ deployment_id: deploymentId })
      .first();
    if (!row) {
      return undefined;
    }
    return {
      deploymentId: row.deployment_id,
      windowStartedAt: toDate(row.window_started_at),
      lastBreachAt: toDate(row.last_breach_at),
      lastBreachReason: row.last_breach_reason ?? undefined,
      updatedAt: toDate(row.updated_at),
    };
  }

  async saveSoakState(state: SoakState): Promise<void> {
    await this.db<StateRow>(STATE)
      .insert({
        deployment_id: state.deploymentId,
        window_started_at: state.windowStartedAt,
        last_breach_at: state.lastBreachAt ?? null,
        last_breach_reason: state.lastBreachReason ?? null,
        updated_at: state.updatedAt,
      })
      .onConflict('deployment_id')
      .merge();
  }

  async deleteSamplesBefore(cutoff: Date): Promise<number> {
    return this.db(SAMPLES).where('at', '<', cutoff).delete();
  }
}
