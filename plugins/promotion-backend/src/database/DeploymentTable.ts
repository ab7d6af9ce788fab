import type {
  DeploymentState,
  DeploymentTrigger,
  Page,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { v4 as uuid } from 'uuid';
import {
  IN_FLIGHT_DEPLOYMENT_STATES,
  assertTransition,
} from '../domain/states';
import { startDeployments } from './deploymentStarts';
import {
  deploymentEvent,
  deploymentFromRow,
  pageSize,
  queuedDeploymentRow,
  queuedEvent,
} from './rows';
import {
  ChangeContext,
  DeploymentPatch,
  DeploymentQuery,
  DeploymentRecord,
  DeploymentStart,
  ReportedStatus,
} from './PromotionStore';
import { DeploymentRow } from './tables';
import { PromotionTable } from './PromotionTable';

/** Deployments: the rollout of one artifact into one environment. */
export abstract class DeploymentTable extends PromotionTable {
  async createDeployment(
    input: {
      entityRef: string;
      environment: string;
      artifactId: string;
      promotionId?: string;
      trigger: DeploymentTrigger;
      actor: string;
    },
    ctx: ChangeContext,
    now: Date,
    id: string = uuid(),
  ) {
    const row = queuedDeploymentRow({ ...input, reason: ctx.reason }, id, now);
    await this.db('promotion_deployments').insert(row);
    await this.appendEvent(queuedEvent({ ...input, id: row.id }, ctx), now);
    return deploymentFromRow(row);
  }

  startDeployments(
    starts: DeploymentStart[],
  ): Promise<Array<DeploymentRecord | undefined>> {
    return startDeployments(this.db, starts);
  }

  async getDeployment(id: string) {
    const row = await this.db<DeploymentRow>('promotion_deployments')
      .where({ id })
      .first();
    return row ? deploymentFromRow(row) : undefined;
  }

  async listDeployments(
    entityRef: string,
    query: DeploymentQuery = {},
  ): Promise<Page<DeploymentRecord>> {
    const base = this.db<DeploymentRow>('promotion_deployments').where({
      entity_ref: entityRef,
    });
    if (query.environment) base.where({ environment: query.environment });
    if (query.states?.length) base.whereIn('state', query.states);
    const limit = pageSize(query.limit);
    const offset = query.cursor ? Number(query.cursor) || 0 : 0;
    // One row more than asked tells whether another page follows.
    const rows = await base
      .clone()
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit + 1)
      .offset(offset);
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(deploymentFromRow);
    let totalCount = offset + items.length + (more ? 1 : 0);
    if (query.total !== false) {
      const [{ count }] = await base.clone().count({ count: '*' });
      totalCount = Number(count);
    }
    return {
      items,
      totalCount,
      nextCursor: more ? String(offset + items.length) : undefined,
    };
  }

  async claimDeployments(
    now: Date,
    ticket: string,
    leaseMs: number,
    limit: number,
  ) {
    return this.claim<DeploymentRow>(
      'promotion_deployments',
      q => q.whereIn('state', IN_FLIGHT_DEPLOYMENT_STATES),
      now,
      ticket,
      leaseMs,
      limit,
    ).then(rows => rows.map(deploymentFromRow));
  }

  async releaseDeployment(
    id: string,
    ticket: string,
    nextCheckAt: Date,
    attempts?: number,
  ) {
    await this.db('promotion_deployments')
      .where({ id, lease_ticket: ticket })
      .update({
        lease_ticket: null,
        lease_expires_at: null,
        next_check_at: nextCheckAt,
        ...(attempts === undefined ? {} : { attempts }),
      });
  }

  async transitionDeployment(
    deployment: DeploymentRecord,
    to: DeploymentState,
    patch: DeploymentPatch,
    ctx: ChangeContext,
    now: Date,
  ): Promise<boolean> {
    assertTransition('deployment', deployment.state, to);
    if (!this.db.isTransaction) {
      return this.transaction(tx =>
        tx.transitionDeployment(deployment, to, patch, ctx, now),
      );
    }
    const update: Partial<DeploymentRow> = {
      state: to,
      state_since: now,
      next_check_at: patch.nextCheckAt ?? now,
    };
    if (to !== 'deploying') {
      update.lease_ticket = null;
      update.lease_expires_at = null;
    }
    if (patch.reason !== undefined || ctx.reason !== undefined) {
      update.reason = patch.reason ?? ctx.reason ?? null;
    }
    if (patch.deployCalls !== undefined)
      update.deploy_calls = patch.deployCalls;
    if (patch.attempts !== undefined) update.attempts = patch.attempts;
    if (patch.deployStartedAt) update.deploy_started_at = patch.deployStartedAt;
    if (patch.deployAcceptedAt)
      update.deploy_accepted_at = patch.deployAcceptedAt;
    if (patch.healthyAt) update.healthy_at = patch.healthyAt;
    if (patch.verifiedAt) update.verified_at = patch.verifiedAt;
    const updated = await this.db('promotion_deployments')
      .where({ id: deployment.id, state: deployment.state })
      .update(update);
    if (updated !== 1) {
      return false;
    }
    await this.appendEvent(
      deploymentEvent(deployment, to, {
        ...ctx,
        reason: update.reason ?? undefined,
      }),
      now,
    );
    return true;
  }

  async reportDeploymentStatus(
    deployment: DeploymentRecord,
    report: ReportedStatus,
    ctx: ChangeContext,
    now: Date,
  ): Promise<boolean> {
    if (!this.db.isTransaction) {
      return this.transaction(tx =>
        tx.reportDeploymentStatus(deployment, report, ctx, now),
      );
    }
    const query = this.db('promotion_deployments').where({
      id: deployment.id,
      state: deployment.state,
    });
    if (deployment.reportedState) {
      query.where({ reported_state: deployment.reportedState });
    } else {
      query.whereNull('reported_state');
    }
    const updated = await query.update({
      reported_state: report.state,
      reported_reason: report.reason ?? null,
      // Due now: the engine acts on the report without waiting for its poll.
      next_check_at: now,
    });
    if (updated !== 1) {
      return false;
    }
    await this.appendEvent(
      {
        entityRef: deployment.entityRef,
        environment: deployment.environment,
        digest: ctx.digest,
        kind: 'deployment.reported',
        actor: ctx.actor,
        details: {
          deploymentId: deployment.id,
          status: report.state,
          reason: report.reason,
          ...ctx.details,
        },
      },
      now,
    );
    return true;
  }

  async countDeployCall(id: string, acceptedAt: Date | undefined) {
    await this.db('promotion_deployments')
      .where({ id })
      .update({
        deploy_calls: this.db.raw('deploy_calls + 1'),
        ...(acceptedAt ? { deploy_accepted_at: acceptedAt } : {}),
      });
  }
}
