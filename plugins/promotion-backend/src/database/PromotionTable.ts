import type { PromotionState } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { v4 as uuid } from 'uuid';
import {
  IN_FLIGHT_DEPLOYMENT_STATES,
  assertTransition,
} from '../domain/states';
import { promotionEvent, promotionFromRow } from './rows';
import { ChangeContext, NewPromotion, PromotionRecord } from './PromotionStore';
import { PromotionRow } from './tables';
import { ArtifactTable } from './ArtifactTable';
import { LaneStore } from './LaneStore';

/** Promotions and their gate verdicts. */
export abstract class PromotionTable extends ArtifactTable {
  async createPromotion(input: NewPromotion, now: Date) {
    return this.transaction(async tx => {
      const self = tx as unknown as PromotionTable;
      // A newer artifact supersedes an older one waiting for the same
      // environment. A rollback supersedes nothing (whatever waits stays
      // pending behind the rollback's hold) and automation never cancels one.
      const older =
        input.trigger === 'rollback'
          ? []
          : await self
              .db<PromotionRow>('promotion_promotions')
              .where({
                entity_ref: input.entityRef,
                to_environment: input.toEnvironment,
                state: 'pending',
              })
              .whereNot('trigger', 'rollback')
              .whereNot('artifact_id', input.artifactId);
      for (const row of older) {
        const previous = await self.getArtifactsById([row.artifact_id]);
        await self.transitionPromotion(
          promotionFromRow(row),
          'cancelled',
          {
            actor: 'engine',
            digest: previous.get(row.artifact_id)?.digest ?? '',
            reason: `superseded by ${input.digest}`,
          },
          now,
        );
      }
      const row: PromotionRow = {
        id: uuid(),
        entity_ref: input.entityRef,
        artifact_id: input.artifactId,
        from_environment: input.fromEnvironment ?? null,
        to_environment: input.toEnvironment,
        trigger: input.trigger,
        actor: input.actor,
        reason: input.reason ?? null,
        state: 'pending',
        deployment_id: null,
        lease_ticket: null,
        lease_expires_at: null,
        next_check_at: now,
        wakes: 0,
        created_at: now,
        updated_at: now,
      };
      await self.db('promotion_promotions').insert(row);
      await self.appendEvent(
        {
          entityRef: input.entityRef,
          environment: input.toEnvironment,
          digest: input.digest,
          kind: 'promotion.created',
          actor: input.actor,
          details: {
            promotionId: row.id,
            from: input.fromEnvironment,
            to: input.toEnvironment,
            trigger: input.trigger,
            reason: input.reason,
          },
        },
        now,
      );
      return promotionFromRow(row);
    });
  }

  async getPromotion(id: string) {
    const row = await this.db<PromotionRow>('promotion_promotions')
      .where({ id })
      .first();
    return row ? promotionFromRow(row) : undefined;
  }

  async listPromotions(entityRef: string, states: PromotionState[]) {
    const rows = await this.db<PromotionRow>('promotion_promotions')
      .where({ entity_ref: entityRef })
      .whereIn('state', states)
      .orderBy('created_at', 'desc');
    return rows.map(promotionFromRow);
  }

  async claimPromotions(
    now: Date,
    ticket: string,
    leaseMs: number,
    limit: number,
  ) {
    return this.claim<PromotionRow>(
      'promotion_promotions',
      q => q.where({ state: 'pending' }),
      now,
      ticket,
      leaseMs,
      limit,
    ).then(rows => rows.map(promotionFromRow));
  }

  async countDue(now: Date) {
    const count = async (table: string, states: string[]) => {
      const [row] = await this.db(table)
        .whereIn('state', states)
        .where('next_check_at', '<=', now)
        .count({ n: '*' });
      return Number(row.n);
    };
    return (
      (await count('promotion_promotions', ['pending'])) +
      (await count('promotion_deployments', [...IN_FLIGHT_DEPLOYMENT_STATES]))
    );
  }

  async wakePromotions(
    filter: { artifactId?: string; entityRef?: string; environment?: string },
    now: Date,
  ) {
    const query = this.db('promotion_promotions').where({ state: 'pending' });
    if (filter.artifactId) query.where({ artifact_id: filter.artifactId });
    if (filter.entityRef) query.where({ entity_ref: filter.entityRef });
    if (filter.environment) query.where({ to_environment: filter.environment });
    await query.update({
      next_check_at: now,
      wakes: this.db.raw('wakes + 1'),
    });
  }

  async transitionPromotion(
    promotion: PromotionRecord,
    to: PromotionState,
    ctx: ChangeContext,
    now: Date,
    deploymentId?: string,
  ): Promise<boolean> {
    // Before the compare-and-set, so a move the table refuses writes nothing.
    assertTransition('promotion', promotion.state, to);
    if (!this.db.isTransaction) {
      return this.transaction(tx =>
        tx.transitionPromotion(promotion, to, ctx, now, deploymentId),
      );
    }
    const updated = await this.db('promotion_promotions')
      .where({ id: promotion.id, state: promotion.state })
      .update({
        state: to,
        reason: ctx.reason ?? promotion.reason ?? null,
        deployment_id: deploymentId ?? promotion.deploymentId ?? null,
        lease_ticket: null,
        lease_expires_at: null,
        updated_at: now,
      });
    if (updated !== 1) {
      return false;
    }
    await this.appendEvent(
      promotionEvent(promotion, to, { ...ctx, deploymentId }),
      now,
    );
    return true;
  }

  /** Stored verdicts per promotion, by gate name (the engine's batched read). */
  listGateResults(promotionIds: string[]) {
    return new LaneStore(this.db).gateResults(promotionIds);
  }
}
