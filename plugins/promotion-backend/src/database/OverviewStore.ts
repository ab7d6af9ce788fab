import type { Freeze } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { toDate } from './dates';

/** A pending promotion of any service, as the overview reads it. */
export interface OverviewPromotionRecord {
  id: string;
  entityRef: string;
  artifactId: string;
  fromEnvironment?: string;
  toEnvironment: string;
  trigger: string;
  createdAt: Date;
}

/** A deployment of any service still on its way to verified. */
export interface OverviewDeploymentRecord {
  id: string;
  entityRef: string;
  environment: string;
  artifactId: string;
  state: 'queued' | 'deploying' | 'soaking';
  stateSince: Date;
}

/**
 * The reads of the org-wide overview: across every service, each bounded by
 * `limit` and walking an index (state, lifted_at, created_at), so the
 * overview costs the same with 10 services or 10,000 quiet ones.
 */
export class OverviewStore {
  constructor(private readonly db: Knex) {}

  /** Pending promotions, oldest first (the longest waiting on top). */
  async pendingPromotions(limit: number): Promise<OverviewPromotionRecord[]> {
    const rows = await this.db('promotion_promotions')
      .where({ state: 'pending' })
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit);
    return rows.map(row => ({
      id: row.id,
      entityRef: row.entity_ref,
      artifactId: row.artifact_id,
      fromEnvironment: row.from_environment ?? undefined,
      toEnvironment: row.to_environment,
      trigger: row.trigger,
      createdAt: toDate(row.created_at),
    }));
  }

  /** Deployments queued, deploying or soaking, oldest first. */
  async deploymentsUnderWay(
    limit: number,
  ): Promise<OverviewDeploymentRecord[]> {
    const rows = await this.db('promotion_deployments')
      .whereIn('state', ['queued', 'deploying', 'soaking'])
      .orderBy([
        { column: 'state_since', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit);
    return rows.map(row => ({
      id: row.id,
      entityRef: row.entity_ref,
      environment: row.environment,
      artifactId: row.artifact_id,
      state: row.state,
      stateSince: toDate(row.state_since),
    }));
  }

  /** Stop-the-line freezes not lifted, oldest first. */
  async activeFreezes(limit: number): Promise<Freeze[]> {
    const rows = await this.db('promotion_freezes')
      .whereNull('lifted_at')
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit);
    return rows.map(row => ({
      id: row.id,
      ...(row.entity_ref ? { entityRef: row.entity_ref } : {}),
      environment: row.environment,
      reason: row.reason,
      createdBy: row.created_by,
      createdAt: toDate(row.created_at).toISOString(),
    }));
  }

  /** Ids of rollbacks created at or after `since`, newest first. */
  async recentRollbackIds(since: Date, limit: number): Promise<string[]> {
    const rows = await this.db('promotion_rollbacks')
      .where('created_at', '>=', since)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit)
      .select('id');
    return rows.map(row => row.id);
  }
}
