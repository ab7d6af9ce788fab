import { Knex } from 'knex';
import { toDate } from './dates';
import { RollbackRecord, rollbackFromRow } from './DecisionStore';
import { DeploymentRecord } from './PromotionStore';
import { deploymentFromRow } from './rows';
import { DeploymentRow } from './tables';

const LIVE_STATES = ['queued', 'deploying', 'soaking', 'verified'];

/** Stands for the service in the compiled version statement; no ref has a NUL. */
const SERVICE_SLOT = '\u0000service';

/**
 * The reads the views make that the engine's stores do not: each one is
 * bounded by what a view shows (a lane's few live deployments, its one warm
 * previous deployment, its newest rollback) and walks an index
 * (migrations/20261206120000_view_indexes.js), so its cost does not grow with
 * a service's history.
 */
export class ViewStore {
  constructor(private readonly db: Knex) {}

  /** The deployments of `environments` still live (queued to verified), newest first. */
  async liveDeployments(
    entityRef: string,
    environments: string[],
  ): Promise<DeploymentRecord[]> {
    const rows = await this.db<DeploymentRow>('promotion_deployments')
      .where({ entity_ref: entityRef })
      .whereIn('environment', environments)
      .whereIn('state', LIVE_STATES);
    // Sorted here: an ORDER BY would tempt the planner into walking the
    // service's whole history in time order instead of the lane index.
    return rows
      .map(deploymentFromRow)
      .sort(
        (a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() ||
          b.id.localeCompare(a.id),
      );
  }

  /**
   * Per lane, the newest deployment that was verified once and then replaced
   * (superseded, not rolled back), of an artifact not marked bad and other
   * than the lane's `exceptArtifactId`: the warm one a rollback returns to.
   * One statement for all lanes, each part stopping at its first row.
   */
  async previousDeployments(
    entityRef: string,
    lanes: Array<{ environment: string; exceptArtifactId?: string }>,
  ): Promise<Map<string, DeploymentRecord>> {
    const parts = lanes.map(({ environment, exceptArtifactId }) => {
      const part = this.db<DeploymentRow>('promotion_deployments as d')
        .join('promotion_artifacts as a', 'a.id', 'd.artifact_id')
        .where({
          'd.entity_ref': entityRef,
          'd.environment': environment,
          'd.state': 'superseded',
        })
        .whereNotNull('d.verified_at')
        .where('a.bad', false)
        .select('d.*')
        .orderBy('d.verified_at', 'desc')
        .limit(1);
      if (exceptArtifactId) part.whereNot('d.artifact_id', exceptArtifactId);
      return part;
    });
    const rows: DeploymentRow[] = await this.unionOfFirsts(parts);
    return new Map(rows.map(row => [row.environment, deploymentFromRow(row)]));
  }

  /** The newest rollback of each of `environments` that has had one. */
  async newestRollbacks(
    entityRef: string,
    environments: string[],
  ): Promise<Map<string, RollbackRecord>> {
    const rows = await this.unionOfFirsts(
      environments.map(environment =>
        this.db('promotion_rollbacks')
          .where({ entity_ref: entityRef, environment })
          .orderBy([
            { column: 'created_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ])
          .limit(1),
      ),
    );
    return new Map(rows.map(row => [row.environment, rollbackFromRow(row)]));
  }

  /**
   * Runs limited queries as one statement. Each is wrapped as a subquery:
   * SQLite allows no ORDER BY or LIMIT in a part of a UNION.
   */
  private async unionOfFirsts(parts: Knex.QueryBuilder[]): Promise<any[]> {
    if (parts.length === 0) return [];
    const [first, ...rest] = parts.map((part, i) =>
      this.db.select('*').from(part.as(`part${i}`)),
    );
    return rest.length ? first.unionAll(rest) : first;
  }

  /** The deployments of one lane created since `since`, newest first, at most `limit`. */
  async deploymentsSince(
    entityRef: string,
    environment: string,
    since: Date,
    limit: number,
  ): Promise<DeploymentRecord[]> {
    const rows = await this.db<DeploymentRow>('promotion_deployments')
      .where({ entity_ref: entityRef, environment })
      .where('created_at', '>=', since)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(deploymentFromRow);
  }

  /**
   * A token that changes whenever anything a service's pipeline view shows
   * changes, read in one statement of index lookups: the newest audit event
   * (every transition, human action and changed verdict writes one), the
   * newest gate evaluation of its pending promotions (evidence can change
   * without the verdict), its newest burn-watch write and pushed sample, and
   * its freezes and rollbacks (an all-services freeze is written under the
   * service that asked for it; a rollback's dispatch and answer change it).
   * Every pipeline GET asks it, so its SQL is compiled once and only the
   * service is bound per call.
   */
  async pipelineVersion(entityRef: string): Promise<string> {
    this.versionStatement ??= this.versionQuery(SERVICE_SLOT).toSQL();
    const { sql, bindings } = this.versionStatement;
    const result = await this.db.raw(
      sql,
      bindings.map(b => (b === SERVICE_SLOT ? entityRef : b)),
    );
    // Rows come back as an array (SQLite) or in `rows` (PostgreSQL).
    const row = (Array.isArray(result) ? result : result.rows)[0];
    return Object.values(row ?? {})
      .map(v => {
        if (v === null || v === undefined) return '';
        // Timestamps come back as Date (PostgreSQL) or epoch ms (SQLite).
        return typeof v === 'number' || /^\d+$/.test(String(v))
          ? String(v)
          : String(toDate(v as Date | string).getTime());
      })
      .join('.');
  }

  private versionStatement?: Knex.Sql;

  private versionQuery(entityRef: string) {
    const db = this.db;
    const max = (column: string, table: string) =>
      db(table).max({ v: column }).where('entity_ref', entityRef);
    const freezes = () =>
      db('promotion_freezes').where(q =>
        q.where('entity_ref', entityRef).orWhereNull('entity_ref'),
      );
    return db
      .select({
        event: max('id', 'promotion_events'),
        gate: db('promotion_gate_results as g')
          .join('promotion_promotions as p', 'p.id', 'g.promotion_id')
          .where({ 'p.entity_ref': entityRef, 'p.state': 'pending' })
          .max({ v: 'g.evaluated_at' }),
        burn: max('updated_at', 'promotion_burn_watch'),
        sample: max('id', 'promotion_soak_samples'),
        rollback: max('dispatched_at', 'promotion_rollbacks'),
        resolved: max('resolved_at', 'promotion_rollbacks'),
        freezes: freezes().count({ v: '*' }),
        frozen: freezes().max({ v: 'created_at' }),
        lifted: freezes().max({ v: 'lifted_at' }),
      })
      .first();
  }
}
