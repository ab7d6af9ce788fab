import type { BurnRateView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { toDate } from './dates';

/** Where the burn watch of a deployment stands. */
export type BurnWatchStatus =
  | 'ok'
  | 'firing'
  | 'blind'
  | 'low-traffic'
  | 'settling'
  | 'off'
  | 'rolled_back'
  | 'no_target';

/** The page a watch has open for its condition (sent through the page outbox). */
export interface OwedPage {
  key: string;
  summary: string;
  severity: 'critical' | 'warning';
}

/** The burn watch of one deployment, as stored. */
export interface BurnWatchRecord {
  deploymentId: string;
  entityRef: string;
  environment: string;
  /** Bumped on every write; writes compare it so two replicas never both act. */
  version: number;
  status: BurnWatchStatus;
  firingSince?: Date;
  /** First reading of the current burning streak (burn rate over 1), for the time to recover. */
  burningSince?: Date;
  reading: BurnRateView;
  evaluatedAt: Date;
  rollbackId?: string;
  /** The page open for the current condition (blind, nothing to roll back to, fired). */
  page?: OwedPage;
}

/** The fields a watch update writes. */
export type BurnWatchUpdate = Omit<BurnWatchRecord, 'version'>;

const TABLE = 'promotion_burn_watch';

function fromRow(row: any): BurnWatchRecord {
  return {
    deploymentId: row.deployment_id,
    entityRef: row.entity_ref,
    environment: row.environment,
    version: Number(row.version),
    status: row.status,
    firingSince: toDate(row.firing_since),
    burningSince: toDate(row.burning_since),
    reading: JSON.parse(row.reading),
    evaluatedAt: toDate(row.evaluated_at),
    rollbackId: row.rollback_id ?? undefined,
    page: row.page_key
      ? {
          key: row.page_key,
          summary: row.page_summary ?? '',
          severity: row.page_severity ?? 'warning',
        }
      : undefined,
  };
}

function toRow(watch: BurnWatchUpdate, now: Date) {
  return {
    entity_ref: watch.entityRef,
    environment: watch.environment,
    status: watch.status,
    firing_since: watch.firingSince ?? null,
    burning_since: watch.burningSince ?? null,
    reading: JSON.stringify(watch.reading),
    evaluated_at: watch.evaluatedAt,
    rollback_id: watch.rollbackId ?? null,
    page_key: watch.page?.key ?? null,
    page_summary: watch.page?.summary ?? null,
    page_severity: watch.page?.severity ?? null,
    updated_at: now,
  };
}

/**
 * The burn watch rows: one per deployment watched. Bound to the same
 * connection or transaction as the promotion store that hands it out.
 */
export class BurnWatchStore {
  constructor(private readonly db: Knex) {}

  async get(deploymentId: string): Promise<BurnWatchRecord | undefined> {
    const row = await this.db(TABLE)
      .where({ deployment_id: deploymentId })
      .first();
    return row ? fromRow(row) : undefined;
  }

  async getMany(
    deploymentIds: string[],
  ): Promise<Map<string, BurnWatchRecord>> {
    const map = new Map<string, BurnWatchRecord>();
    if (deploymentIds.length === 0) return map;
    const rows = await this.db(TABLE).whereIn('deployment_id', deploymentIds);
    for (const row of rows) map.set(row.deployment_id, fromRow(row));
    return map;
  }

  /**
   * Writes the watch if nobody else wrote it since `expectedVersion` was read
   * (`undefined`: it did not exist yet). Returns whether this write won.
   */
  async save(
    watch: BurnWatchUpdate,
    expectedVersion: number | undefined,
    now: Date,
  ): Promise<boolean> {
    if (expectedVersion === undefined) {
      // Only a row really inserted comes back (SQLite's insert id would not tell).
      const inserted = await this.db(TABLE)
        .insert({
          deployment_id: watch.deploymentId,
          version: 1,
          ...toRow(watch, now),
        })
        .onConflict('deployment_id')
        .ignore()
        .returning('deployment_id');
      return inserted.length > 0;
    }
    const updated = await this.db(TABLE)
      .where({ deployment_id: watch.deploymentId, version: expectedVersion })
      .update({ version: expectedVersion + 1, ...toRow(watch, now) });
    return updated === 1;
  }

  /**
   * Services with a deployment soaking or verified in `environment` of
   * `pipeline`: the lanes the watch looks at.
   */
  async listWatchedServices(
    pipeline: string,
    environment: string,
  ): Promise<string[]> {
    const rows = await this.db('promotion_deployments as d')
      .join('promotion_artifacts as a', 'a.id', 'd.artifact_id')
      .where('a.pipeline', pipeline)
      .where('d.environment', environment)
      .whereIn('d.state', ['soaking', 'verified'])
      .distinct('d.entity_ref');
    return rows.map(r => r.entity_ref as string).sort();
  }
}
