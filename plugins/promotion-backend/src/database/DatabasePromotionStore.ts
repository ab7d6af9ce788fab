import { DatabaseService, LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type {
  AuditEvent,
  DeploymentState,
  DeploymentTrigger,
  GateResult,
  Page,
  PromotionState,
  TestResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { normalizeEntityRef } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';
import {
  IN_FLIGHT_DEPLOYMENT_STATES,
  assertTransition,
} from '../domain/states';
import { BurnWatchStore } from './BurnWatchStore';
import { DecisionStore } from './DecisionStore';
import { LaneStore } from './LaneStore';
import { applyDatabaseMigrations } from './migrations';
import { toDate } from './dates';
import {
  artifactFromRow,
  deploymentFromRow,
  eventFromRow,
  gateResultFromRow,
  promotionFromRow,
  testResultFromRow,
} from './rows';
import {
  ArtifactRecord,
  ChangeContext,
  DeploymentPatch,
  DeploymentQuery,
  DeploymentRecord,
  EventQuery,
  NewArtifact,
  NewEvent,
  NewPromotion,
  NewTestResult,
  PromotionRecord,
  PromotionStore,
  ReportedStatus,
} from './PromotionStore';
import {
  ArtifactRow,
  DeploymentRow,
  EventRow,
  GateResultRow,
  PromotionRow,
} from './tables';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

const pageSize = (limit?: number) =>
  Math.min(Math.max(limit ?? DEFAULT_PAGE, 1), MAX_PAGE);

function sameImmutableFields(row: ArtifactRow, input: NewArtifact): string[] {
  const differences: string[] = [];
  const compare = (field: string, stored: unknown, given: unknown) => {
    if (JSON.stringify(stored ?? null) !== JSON.stringify(given ?? null)) {
      differences.push(field);
    }
  };
  compare('version', row.version, input.version);
  compare('commit', row.commit, input.commit);
  compare(
    'author',
    row.author && normalizeEntityRef(row.author),
    input.author && normalizeEntityRef(input.author),
  );
  compare('labels', JSON.parse(row.labels), input.labels);
  compare('changedPaths', JSON.parse(row.changed_paths), input.changedPaths);
  compare(
    'migration',
    row.migration ? JSON.parse(row.migration) : null,
    input.migration,
  );
  return differences;
}

/** {@link PromotionStore} on knex: SQLite for the demo, PostgreSQL in production. */
export class DatabasePromotionStore implements PromotionStore {
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

  private constructor(private readonly db: Knex) {}

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

  async transaction<T>(fn: (tx: PromotionStore) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) {
      return fn(this);
    }
    return this.db.transaction(trx => fn(new DatabasePromotionStore(trx)));
  }

  async registerArtifact(
    given: NewArtifact,
    testResults: NewTestResult[],
    actor: string,
    now: Date,
  ): Promise<{ artifact: ArtifactRecord; created: boolean }> {
    const input = {
      ...given,
      author: given.author && normalizeEntityRef(given.author),
    };
    return this.transaction(async tx => {
      const self = tx as DatabasePromotionStore;
      const existing = await self
        .db<ArtifactRow>('promotion_artifacts')
        .where({ entity_ref: input.entityRef, digest: input.digest })
        .first();
      if (existing) {
        const differences = sameImmutableFields(existing, input);
        if (differences.length > 0) {
          throw new ConflictError(
            `Artifact ${input.digest} of ${
              input.entityRef
            } is already registered with a different ${differences.join(
              ', ',
            )}; artifacts are immutable`,
          );
        }
        // A replay changes nothing: its test results were stored with the
        // first registration, and later ones come through test-result reports.
        return { artifact: artifactFromRow(existing), created: false };
      }
      const row: ArtifactRow = {
        id: uuid(),
        entity_ref: input.entityRef,
        digest: input.digest,
        pipeline: input.pipeline,
        version: input.version,
        commit: input.commit,
        author: input.author ?? null,
        labels: JSON.stringify(input.labels),
        changed_paths: JSON.stringify(input.changedPaths),
        migration: input.migration ? JSON.stringify(input.migration) : null,
        bad: false,
        bad_reason: null,
        registered_at: now,
      };
      const inserted = await self
        .db('promotion_artifacts')
        .insert(row)
        .onConflict(['entity_ref', 'digest'])
        .ignore();
      const stored = await self
        .db<ArtifactRow>('promotion_artifacts')
        .where({ entity_ref: input.entityRef, digest: input.digest })
        .first();
      const artifact = artifactFromRow(stored!);
      // A concurrent registration of the same digest won the insert.
      const created = stored!.id === row.id && inserted !== undefined;
      if (!created) {
        const differences = sameImmutableFields(stored!, input);
        if (differences.length > 0) {
          throw new ConflictError(
            `Artifact ${input.digest} of ${
              input.entityRef
            } is already registered with a different ${differences.join(
              ', ',
            )}; artifacts are immutable`,
          );
        }
      } else {
        await self.appendEvent(
          {
            entityRef: input.entityRef,
            digest: input.digest,
            kind: 'artifact.registered',
            actor,
            details: {
              version: input.version,
              commit: input.commit,
              author: input.author,
              labels: input.labels,
            },
          },
          now,
        );
        for (const result of testResults) {
          await self.addTestResult(artifact, result, actor, now);
        }
      }
      return { artifact, created };
    });
  }

  async getArtifact(entityRef: string, digest: string) {
    const row = await this.db<ArtifactRow>('promotion_artifacts')
      .where({ entity_ref: entityRef, digest })
      .first();
    return row ? artifactFromRow(row) : undefined;
  }

  async getArtifactsById(ids: string[]) {
    const unique = [...new Set(ids)];
    const rows = unique.length
      ? await this.db<ArtifactRow>('promotion_artifacts').whereIn('id', unique)
      : [];
    return new Map(rows.map(row => [row.id, artifactFromRow(row)]));
  }

  async markArtifactBad(
    id: string,
    reason: string | undefined,
    ctx: ChangeContext & { entityRef: string },
    now: Date,
  ) {
    const updated = await this.db('promotion_artifacts')
      .where({ id, bad: false })
      .update({ bad: true, bad_reason: reason ?? null });
    if (updated !== 1) {
      return false;
    }
    await this.appendEvent(
      {
        entityRef: ctx.entityRef,
        digest: ctx.digest,
        kind: 'artifact.marked_bad',
        actor: ctx.actor,
        details: { reason },
      },
      now,
    );
    return true;
  }

  async addTestResult(
    artifact: ArtifactRecord,
    result: NewTestResult,
    actor: string,
    now: Date,
  ) {
    await this.db('promotion_test_results').insert({
      artifact_id: artifact.id,
      suite: result.suite,
      environment: result.environment ?? null,
      status: result.status,
      passed_count: result.passed ?? null,
      failed_count: result.failed ?? null,
      url: result.url ?? null,
      reported_at: now,
    });
    await this.appendEvent(
      {
        entityRef: artifact.entityRef,
        environment: result.environment,
        digest: artifact.digest,
        kind: 'tests.reported',
        actor,
        details: { ...result },
      },
      now,
    );
  }

  async listTestResults(artifactId: string): Promise<TestResult[]> {
    const rows = await this.db('promotion_test_results')
      .where({ artifact_id: artifactId })
      .orderBy('id', 'asc');
    return rows.map(testResultFromRow);
  }

  async createPromotion(input: NewPromotion, now: Date) {
    return this.transaction(async tx => {
      const self = tx as DatabasePromotionStore;
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
    filter: { artifactId?: string; entityRef?: string },
    now: Date,
  ) {
    const query = this.db('promotion_promotions').where({ state: 'pending' });
    if (filter.artifactId) query.where({ artifact_id: filter.artifactId });
    if (filter.entityRef) query.where({ entity_ref: filter.entityRef });
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
      {
        entityRef: promotion.entityRef,
        environment: promotion.toEnvironment,
        digest: ctx.digest,
        kind: `promotion.${to}`,
        actor: ctx.actor,
        details: {
          promotionId: promotion.id,
          from: promotion.fromEnvironment,
          trigger: promotion.trigger,
          reason: ctx.reason,
          deploymentId,
          ...ctx.details,
        },
      },
      now,
    );
    return true;
  }

  async saveGateResults(
    promotion: PromotionRecord,
    digest: string,
    results: GateResult[],
    stored?: GateResult[],
  ) {
    if (results.length === 0) return;
    const before = new Map(
      (
        stored ??
        (await this.listGateResults([promotion.id])).get(promotion.id) ??
        []
      ).map(r => [r.gate, r]),
    );
    // One statement for every verdict of the evaluation.
    await this.db('promotion_gate_results')
      .insert(
        results.map(
          (result): GateResultRow => ({
            promotion_id: promotion.id,
            gate: result.gate,
            verdict: result.verdict,
            errored: result.errored,
            reason: result.reason,
            evidence: result.evidence ? JSON.stringify(result.evidence) : null,
            evaluated_at: new Date(result.evaluatedAt),
          }),
        ),
      )
      .onConflict(['promotion_id', 'gate'])
      .merge();
    for (const result of results) {
      const previous = before.get(result.gate);
      if (
        !previous ||
        previous.verdict !== result.verdict ||
        previous.reason !== result.reason
      ) {
        await this.appendEvent(
          {
            entityRef: promotion.entityRef,
            environment: promotion.toEnvironment,
            digest,
            kind: 'gate.verdict',
            actor: 'engine',
            details: {
              promotionId: promotion.id,
              gate: result.gate,
              verdict: result.verdict,
              errored: result.errored,
              reason: result.reason,
            },
          },
          new Date(result.evaluatedAt),
        );
      }
    }
  }

  async listGateResults(promotionIds: string[]) {
    const map = new Map<string, GateResult[]>();
    if (promotionIds.length === 0) {
      return map;
    }
    const rows = await this.db<GateResultRow>('promotion_gate_results')
      .whereIn('promotion_id', promotionIds)
      .orderBy('gate', 'asc');
    for (const row of rows) {
      const list = map.get(row.promotion_id) ?? [];
      list.push(gateResultFromRow(row));
      map.set(row.promotion_id, list);
    }
    return map;
  }

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
    const row: DeploymentRow = {
      id,
      entity_ref: input.entityRef,
      environment: input.environment,
      artifact_id: input.artifactId,
      promotion_id: input.promotionId ?? null,
      state: 'queued',
      trigger: input.trigger,
      actor: input.actor,
      reason: ctx.reason ?? null,
      deploy_calls: 0,
      attempts: 0,
      lease_ticket: null,
      lease_expires_at: null,
      next_check_at: now,
      deploy_started_at: null,
      deploy_accepted_at: null,
      reported_state: null,
      reported_reason: null,
      healthy_at: null,
      verified_at: null,
      state_since: now,
      created_at: now,
    };
    await this.db('promotion_deployments').insert(row);
    await this.appendEvent(
      {
        entityRef: input.entityRef,
        environment: input.environment,
        digest: ctx.digest,
        kind: 'deployment.queued',
        actor: ctx.actor,
        details: {
          deploymentId: row.id,
          trigger: input.trigger,
          reason: ctx.reason,
          ...ctx.details,
        },
      },
      now,
    );
    return deploymentFromRow(row);
  }

  async lockInFlight(entityRef: string, environment: string) {
    const rows = await this.db<DeploymentRow>('promotion_deployments')
      .where({ entity_ref: entityRef, environment })
      .whereIn('state', IN_FLIGHT_DEPLOYMENT_STATES)
      .orderBy('id', 'asc')
      .forUpdate();
    return rows.map(deploymentFromRow);
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
      {
        entityRef: deployment.entityRef,
        environment: deployment.environment,
        digest: ctx.digest,
        kind: `deployment.${to}`,
        actor: ctx.actor,
        details: {
          deploymentId: deployment.id,
          from: deployment.state,
          trigger: deployment.trigger,
          reason: update.reason ?? undefined,
          ...ctx.details,
        },
      },
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

  async appendEvent(event: NewEvent, now: Date) {
    const row: EventRow = {
      entity_ref: event.entityRef,
      environment: event.environment ?? null,
      digest: event.digest || null,
      kind: event.kind,
      actor: event.actor,
      details: JSON.stringify(event.details ?? {}),
      at: now,
    };
    await this.db('promotion_events').insert(row);
  }

  async listEvents(
    entityRef: string,
    query: EventQuery = {},
  ): Promise<Page<AuditEvent>> {
    const base = this.db<EventRow>('promotion_events').where({
      entity_ref: entityRef,
    });
    if (query.environment) base.where({ environment: query.environment });
    if (query.kind) {
      // A kind filter without a dot matches the whole family, e.g. "deployment".
      if (query.kind.includes('.')) base.where({ kind: query.kind });
      else base.where('kind', 'like', `${query.kind}.%`);
    }
    const [{ count }] = await base.clone().count({ count: '*' });
    const limit = pageSize(query.limit);
    const page = base
      .clone()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (query.cursor) {
      page.where('id', '<', Number(query.cursor));
    }
    const rows = await page;
    const items = rows.slice(0, limit).map(eventFromRow);
    return {
      items,
      totalCount: Number(count),
      nextCursor: rows.length > limit ? items[items.length - 1].id : undefined,
    };
  }

  /**
   * Leases due rows with a conditional update per row that must touch exactly
   * one row: two engines reading the same candidates cannot both win one.
   */
  /**
   * Leases up to `limit` due, unleased rows in one statement: on PostgreSQL
   * the inner select skips rows another replica is claiming (`FOR UPDATE
   * SKIP LOCKED`), so replicas never queue behind each other; SQLite has one
   * writer at a time anyway.
   */
  private async claim<Row extends { id: string }>(
    table: string,
    filter: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
    now: Date,
    ticket: string,
    leaseMs: number,
    limit: number,
  ): Promise<Row[]> {
    if (limit <= 0) return [];
    const due = filter(this.db(table).select('id'))
      .where('next_check_at', '<=', now)
      .where(inner =>
        inner.whereNull('lease_ticket').orWhere('lease_expires_at', '<', now),
      )
      .orderBy('next_check_at', 'asc')
      .limit(limit);
    if (this.db.client.config.client === 'pg') {
      due.forUpdate().skipLocked();
    }
    const claimed = await this.db(table)
      .whereIn('id', due)
      .update({
        lease_ticket: ticket,
        lease_expires_at: new Date(now.getTime() + leaseMs),
      })
      .returning('*');
    return (claimed as Row[]).sort(
      (a: any, b: any) =>
        toDate(a.next_check_at)!.getTime() - toDate(b.next_check_at)!.getTime(),
    );
  }
}
