import type {
  Approval,
  Freeze,
  Hold,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import { toDate } from './dates';
import { whereAnyOf } from './bulk';

/** A rollback as recorded. */
export interface RollbackRecord {
  id: string;
  entityRef: string;
  environment: string;
  fromArtifactId: string;
  toArtifactId: string;
  trigger: 'manual' | 'auto';
  actor: string;
  reason: string;
  evidence?: Record<string, unknown>;
  detectedAt: Date;
  dispatchedAt?: Date;
  /** When the release rolled back started burning (or arrived, if later); unset when it never burned. */
  impactStartedAt?: Date;
  /** When the rollback deployment turned healthy: the previous artifact serving again. */
  restoredAt?: Date;
  createdAt: Date;
  /** On-call's answer to an automatic rollback. */
  resolution?: {
    decision: 'confirmed' | 'overridden';
    actor: string;
    comment?: string;
    at: Date;
  };
}

/** An active hold row joined with its artifact's digest. */
export function holdFromRow(row: any): Hold & { artifactId: string } {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    environment: row.environment,
    digest: row.digest,
    artifactId: row.artifact_id,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: toDate(row.created_at).toISOString(),
  };
}

export function freezeFromRow(row: any): Freeze {
  return {
    id: row.id,
    entityRef: row.entity_ref ?? undefined,
    environment: row.environment,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: toDate(row.created_at).toISOString(),
  };
}

export function rollbackFromRow(row: any): RollbackRecord {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    environment: row.environment,
    fromArtifactId: row.from_artifact_id,
    toArtifactId: row.to_artifact_id,
    trigger: row.trigger,
    actor: row.actor,
    reason: row.reason,
    evidence: row.evidence ? JSON.parse(row.evidence) : undefined,
    detectedAt: toDate(row.detected_at),
    dispatchedAt: toDate(row.dispatched_at),
    impactStartedAt: toDate(row.impact_started_at),
    restoredAt: toDate(row.restored_at),
    createdAt: toDate(row.created_at),
    resolution: row.resolution
      ? {
          decision: row.resolution,
          actor: row.resolved_by,
          comment: row.resolution_comment ?? undefined,
          at: toDate(row.resolved_at),
        }
      : undefined,
  };
}

/**
 * People's decisions about promotions: approvals, holds, freezes and
 * rollbacks. Bound to the same connection or transaction as the promotion
 * store that hands it out.
 */
export class DecisionStore {
  constructor(private readonly db: Knex) {}

  async addApproval(
    promotionId: string,
    approval: {
      actor: string;
      decision: 'approved' | 'rejected';
      comment?: string;
    },
    now: Date,
  ): Promise<boolean> {
    const inserted = await this.db('promotion_approvals')
      .insert({
        promotion_id: promotionId,
        actor: approval.actor,
        decision: approval.decision,
        comment: approval.comment ?? null,
        at: now,
      })
      .onConflict(['promotion_id', 'actor'])
      .ignore();
    return Array.isArray(inserted)
      ? inserted.length > 0 || (inserted as any).rowCount > 0
      : true;
  }

  async listApprovals(
    promotionIds: string[],
  ): Promise<Map<string, Approval[]>> {
    const map = new Map<string, Approval[]>();
    if (promotionIds.length === 0) return map;
    const rows = await whereAnyOf(
      this.db('promotion_approvals'),
      'promotion_id',
      promotionIds,
    ).orderBy('id', 'asc');
    for (const row of rows) {
      const list = map.get(row.promotion_id) ?? [];
      list.push({
        actor: row.actor,
        decision: row.decision,
        comment: row.comment ?? undefined,
        at: toDate(row.at).toISOString(),
      });
      map.set(row.promotion_id, list);
    }
    return map;
  }

  async createHold(
    hold: {
      entityRef: string;
      environment: string;
      artifactId: string;
      reason: string;
      createdBy: string;
    },
    now: Date,
  ): Promise<string> {
    const id = uuid();
    await this.db('promotion_holds').insert({
      id,
      entity_ref: hold.entityRef,
      environment: hold.environment,
      artifact_id: hold.artifactId,
      reason: hold.reason,
      created_by: hold.createdBy,
      created_at: now,
    });
    return id;
  }

  /** Active holds of a service, with the held artifact's digest. */
  async listHolds(
    entityRef: string,
    filter: { environment?: string; artifactId?: string } = {},
  ): Promise<Array<Hold & { artifactId: string }>> {
    const query = this.db('promotion_holds as h')
      .join('promotion_artifacts as a', 'a.id', 'h.artifact_id')
      .where('h.entity_ref', entityRef)
      .whereNull('h.released_at')
      .select('h.*', 'a.digest');
    if (filter.environment) query.where('h.environment', filter.environment);
    if (filter.artifactId) query.where('h.artifact_id', filter.artifactId);
    const rows = await query.orderBy('h.created_at', 'desc');
    return rows.map(holdFromRow);
  }

  /** Releases an active hold; false when it does not exist or was released already. */
  async releaseHold(
    id: string,
    entityRef: string,
    actor: string,
    now: Date,
  ): Promise<boolean> {
    const updated = await this.db('promotion_holds')
      .where({ id, entity_ref: entityRef })
      .whereNull('released_at')
      .update({ released_by: actor, released_at: now });
    return updated === 1;
  }

  async createFreeze(
    freeze: {
      entityRef?: string;
      originEntityRef: string;
      environment: string;
      reason: string;
      createdBy: string;
    },
    now: Date,
  ): Promise<Freeze> {
    const id = uuid();
    await this.db('promotion_freezes').insert({
      id,
      entity_ref: freeze.entityRef ?? null,
      origin_entity_ref: freeze.originEntityRef,
      environment: freeze.environment,
      reason: freeze.reason,
      created_by: freeze.createdBy,
      created_at: now,
    });
    const { originEntityRef, ...rest } = freeze;
    return { id, ...rest, createdAt: now.toISOString() };
  }

  /** Active freezes that apply to a service (its own and all-service ones). */
  async listFreezes(
    entityRef: string,
    environment?: string,
  ): Promise<Freeze[]> {
    const query = this.db('promotion_freezes')
      .whereNull('lifted_at')
      .where(q => q.where('entity_ref', entityRef).orWhereNull('entity_ref'));
    if (environment) query.where('environment', environment);
    const rows = await query.orderBy('created_at', 'asc');
    return rows.map(freezeFromRow);
  }

  async getFreeze(
    id: string,
  ): Promise<(Freeze & { originEntityRef: string }) | undefined> {
    const row = await this.db('promotion_freezes')
      .where({ id })
      .whereNull('lifted_at')
      .first();
    return row
      ? {
          id: row.id,
          originEntityRef: row.origin_entity_ref,
          entityRef: row.entity_ref ?? undefined,
          environment: row.environment,
          reason: row.reason,
          createdBy: row.created_by,
          createdAt: toDate(row.created_at).toISOString(),
        }
      : undefined;
  }

  async liftFreeze(id: string, actor: string, now: Date): Promise<boolean> {
    const updated = await this.db('promotion_freezes')
      .where({ id })
      .whereNull('lifted_at')
      .update({ lifted_by: actor, lifted_at: now });
    return updated === 1;
  }

  async createRollback(
    record: Omit<
      RollbackRecord,
      'dispatchedAt' | 'restoredAt' | 'createdAt' | 'resolution'
    >,
    now: Date,
  ): Promise<void> {
    await this.db('promotion_rollbacks').insert({
      id: record.id,
      entity_ref: record.entityRef,
      environment: record.environment,
      from_artifact_id: record.fromArtifactId,
      to_artifact_id: record.toArtifactId,
      trigger: record.trigger,
      actor: record.actor,
      reason: record.reason,
      evidence: record.evidence ? JSON.stringify(record.evidence) : null,
      detected_at: record.detectedAt,
      impact_started_at: record.impactStartedAt ?? null,
      created_at: now,
    });
  }

  /** Stamps the moment the rollback reached the deployer (first time only). */
  async markRollbackDispatched(id: string, at: Date): Promise<void> {
    await this.db('promotion_rollbacks')
      .where({ id })
      .whereNull('dispatched_at')
      .update({ dispatched_at: at });
  }

  /** Stamps the moment the rollback deployment turned healthy (first time only). */
  async markRollbackRestored(id: string, at: Date): Promise<void> {
    await this.db('promotion_rollbacks')
      .where({ id })
      .whereNull('restored_at')
      .update({ restored_at: at });
  }

  async listRollbacks(
    entityRef: string,
    environment?: string,
  ): Promise<RollbackRecord[]> {
    const query = this.db('promotion_rollbacks').where({
      entity_ref: entityRef,
    });
    if (environment) query.where({ environment });
    const rows = await query.orderBy('created_at', 'desc').limit(100);
    return rows.map(rollbackFromRow);
  }

  async getRollback(id: string): Promise<RollbackRecord | undefined> {
    const row = await this.db('promotion_rollbacks').where({ id }).first();
    return row ? rollbackFromRow(row) : undefined;
  }

  /** Records on-call's answer, once: false when it was answered already. */
  async resolveRollback(
    id: string,
    resolution: {
      decision: 'confirmed' | 'overridden';
      actor: string;
      comment?: string;
    },
    now: Date,
  ): Promise<boolean> {
    const updated = await this.db('promotion_rollbacks')
      .where({ id, trigger: 'auto' })
      .whereNull('resolution')
      .update({
        resolution: resolution.decision,
        resolved_by: resolution.actor,
        resolution_comment: resolution.comment ?? null,
        resolved_at: now,
      });
    return updated === 1;
  }
}
