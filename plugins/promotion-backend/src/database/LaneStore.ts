import type {
  Freeze,
  GateResult,
  Hold,
  TestResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { assertTransition } from '../domain/states';
import {
  insertRows,
  onPostgres,
  rowsJson,
  updateRows,
  upsertRows,
  whereAnyOf,
  wherePairIn,
} from './bulk';
import { freezeFromRow, holdFromRow } from './DecisionStore';
import { DeploymentRecord, PromotionRecord } from './PromotionStore';
import { promotedEvents, verdictRows } from './laneRows';
import {
  queuedDeploymentRow,
  deploymentFromRow,
  gateResultFromRow,
  testResultFromRow,
} from './rows';
import { DeploymentRow, GateResultRow, TestResultRow } from './tables';

/** One environment of one service. */
export interface LaneKey {
  entityRef: string;
  environment: string;
}

/** Map key of a lane. */
export const laneKey = (lane: LaneKey) =>
  `${lane.entityRef}\u0000${lane.environment}`;

/** The verdicts of one evaluation, with what was stored before it. */
export interface GateResultsWrite {
  promotion: PromotionRecord;
  digest: string;
  results: GateResult[];
  stored: GateResult[];
}

/** A claimed promotion handed back with the time it next needs a look. */
export interface PromotionRelease {
  id: string;
  nextCheckAt: Date;
  /** Its wake count when claimed: a wake that arrived since then is kept. */
  wakes: number;
}

/** A promotion whose gates all passed: it becomes a queued deployment. */
export interface PromotionGo {
  promotion: PromotionRecord;
  digest: string;
  deploymentId: string;
  /** Who moves it (the engine). */
  actor: string;
  reason: string;
  /** When the engine decided. */
  now: Date;
  /** The verdicts that let it go, written in the same transaction. */
  verdicts?: GateResultsWrite;
}

const unique = <T>(values: T[]) => [...new Set(values)];

/** Each lane once, as (service, environment). */
const lanePairs = (lanes: LaneKey[]) =>
  unique(lanes.map(laneKey)).map(
    key => key.split('\u0000') as [string, string],
  );

/**
 * What the engine reads and writes for many lanes at once: each method is one
 * statement (or one transaction) for the whole batch, so a pass over a
 * thousand due lanes costs a handful of queries, not ten per lane.
 */
export class LaneStore {
  constructor(private readonly db: Knex) {}

  /** The newest verified deployment of each lane that has one. */
  async verifiedDeployments(
    lanes: LaneKey[],
  ): Promise<Map<string, DeploymentRecord>> {
    const map = new Map<string, DeploymentRecord>();
    if (lanes.length === 0) return map;
    const rows: DeploymentRow[] = await wherePairIn(
      this.db('promotion_deployments'),
      ['entity_ref', 'environment'],
      lanePairs(lanes),
    )
      .where({ state: 'verified' })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    for (const row of rows) {
      const key = laneKey({
        entityRef: row.entity_ref,
        environment: row.environment,
      });
      if (!map.has(key)) map.set(key, deploymentFromRow(row));
    }
    return map;
  }

  /** Test reports per artifact, oldest first. */
  async testResults(artifactIds: string[]): Promise<Map<string, TestResult[]>> {
    const map = new Map<string, TestResult[]>();
    if (artifactIds.length === 0) return map;
    const rows: TestResultRow[] = await whereAnyOf(
      this.db('promotion_test_results'),
      'artifact_id',
      unique(artifactIds),
    ).orderBy('id', 'asc');
    for (const row of rows) {
      const list = map.get(row.artifact_id) ?? [];
      list.push(testResultFromRow(row));
      map.set(row.artifact_id, list);
    }
    return map;
  }

  /** Stored verdicts per promotion, by gate name. */
  async gateResults(
    promotionIds: string[],
  ): Promise<Map<string, GateResult[]>> {
    const map = new Map<string, GateResult[]>();
    if (promotionIds.length === 0) return map;
    const rows: GateResultRow[] = await whereAnyOf(
      this.db('promotion_gate_results'),
      'promotion_id',
      unique(promotionIds),
    ).orderBy([
      { column: 'promotion_id', order: 'asc' },
      { column: 'gate', order: 'asc' },
    ]);
    for (const row of rows) {
      const list = map.get(row.promotion_id) ?? [];
      list.push(gateResultFromRow(row));
      map.set(row.promotion_id, list);
    }
    return map;
  }

  /** Active holds per lane, newest first. */
  async activeHolds(
    lanes: LaneKey[],
  ): Promise<Map<string, Array<Hold & { artifactId: string }>>> {
    const map = new Map<string, Array<Hold & { artifactId: string }>>();
    if (lanes.length === 0) return map;
    const rows = await wherePairIn(
      this.db('promotion_holds as h').join(
        'promotion_artifacts as a',
        'a.id',
        'h.artifact_id',
      ),
      ['h.entity_ref', 'h.environment'],
      lanePairs(lanes),
    )
      .whereNull('h.released_at')
      .select('h.*', 'a.digest')
      .orderBy([
        { column: 'h.created_at', order: 'desc' },
        { column: 'h.id', order: 'desc' },
      ]);
    for (const row of rows) {
      const hold = holdFromRow(row);
      const key = laneKey(hold);
      map.set(key, [...(map.get(key) ?? []), hold]);
    }
    return map;
  }

  /** Active freezes that apply to each lane (its own and all-service ones), oldest first. */
  async activeFreezes(lanes: LaneKey[]): Promise<Map<string, Freeze[]>> {
    const map = new Map<string, Freeze[]>();
    if (lanes.length === 0) return map;
    const rows = await this.db('promotion_freezes')
      .whereNull('lifted_at')
      .whereIn('environment', unique(lanes.map(l => l.environment)))
      .where(q =>
        whereAnyOf(
          q,
          'entity_ref',
          unique(lanes.map(l => l.entityRef)),
        ).orWhereNull('entity_ref'),
      )
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    const freezes = rows.map(freezeFromRow);
    for (const lane of lanes) {
      map.set(
        laneKey(lane),
        freezes.filter(
          f =>
            f.environment === lane.environment &&
            (!f.entityRef || f.entityRef === lane.entityRef),
        ),
      );
    }
    return map;
  }

  /**
   * Stores the verdicts of many evaluations in one transaction: one upsert
   * for every verdict, one insert for the `gate.verdict` events of those that
   * changed (verdict or reason).
   */
  async saveGateResults(writes: GateResultsWrite[]): Promise<void> {
    const { rows, events } = verdictRows(writes);
    if (rows.length === 0) return;
    await this.db.transaction(async tx => {
      await upsertVerdicts(tx, rows);
      await insertRows(tx, 'promotion_events', events);
    });
  }

  /**
   * Hands claimed promotions back with their next due times, in one
   * statement. Only rows this replica still holds (`ticket`) are touched.
   */
  async releasePromotions(
    releases: PromotionRelease[],
    ticket: string,
  ): Promise<void> {
    if (releases.length === 0) return;
    // A wake that arrived since the claim (`wakes` moved on) keeps its due time.
    if (onPostgres(this.db)) {
      await this.db.raw(
        `update promotion_promotions as t set lease_ticket = null, lease_expires_at = null,
           next_check_at = case when t.wakes <> v.wakes then t.next_check_at else v.next_check_at end
         from json_populate_recordset(null::promotion_promotions, ?) as v
         where t.id = v.id and t.lease_ticket = ?`,
        [
          rowsJson(
            releases.map(r => ({
              id: r.id,
              wakes: r.wakes,
              next_check_at: r.nextCheckAt,
            })),
          ),
          ticket,
        ],
      );
      return;
    }
    const cases = releases.map(
      () => 'WHEN ? THEN (CASE WHEN wakes <> ? THEN next_check_at ELSE ? END)',
    );
    const bindings = releases.flatMap(r => [r.id, r.wakes, r.nextCheckAt]);
    await this.db('promotion_promotions')
      .whereIn(
        'id',
        releases.map(r => r.id),
      )
      .where({ lease_ticket: ticket })
      .update({
        lease_ticket: null,
        lease_expires_at: null,
        next_check_at: this.db.raw(
          `CASE id ${cases.join(' ')} ELSE next_check_at END`,
          bindings,
        ),
      });
  }

  /**
   * Promotes many pending promotions at once, each creating its queued
   * deployment, in one transaction: the verdicts that let them go (with their
   * `gate.verdict` events), then the same rows and `promotion.promoted` /
   * `deployment.queued` events as `transitionPromotion` plus
   * `createDeployment`. A promotion that is no longer pending (cancelled
   * meanwhile) is left alone; returns whether each one moved.
   */
  async promote(goes: PromotionGo[]): Promise<boolean[]> {
    if (goes.length === 0) return [];
    assertTransition('promotion', 'pending', 'promoted');
    const verdicts = verdictRows(goes.flatMap(go => go.verdicts ?? []));
    return this.db.transaction(async tx => {
      if (verdicts.rows.length > 0) await upsertVerdicts(tx, verdicts.rows);
      const moved = await updateRows(
        tx,
        'promotion_promotions',
        goes.map(go => ({
          id: go.promotion.id,
          reason: go.reason,
          deployment_id: go.deploymentId,
        })),
        {
          state: 'promoted',
          lease_ticket: null,
          lease_expires_at: null,
          // The latest decision time of the batch.
          updated_at: new Date(Math.max(...goes.map(go => go.now.getTime()))),
        },
        { state: 'pending' },
      );
      const ids = new Set(moved);
      const promoted = goes.filter(g => ids.has(g.promotion.id));
      if (promoted.length > 0) {
        await insertRows(
          tx,
          'promotion_deployments',
          promoted.map(({ promotion, deploymentId, now }) =>
            queuedDeploymentRow(
              {
                entityRef: promotion.entityRef,
                environment: promotion.toEnvironment,
                artifactId: promotion.artifactId,
                promotionId: promotion.id,
                trigger: promotion.trigger,
                actor: promotion.actor,
                reason: promotion.reason,
              },
              deploymentId,
              now,
            ),
          ),
        );
      }
      const events = [...verdicts.events, ...promoted.flatMap(promotedEvents)];
      await insertRows(tx, 'promotion_events', events);
      return goes.map(g => ids.has(g.promotion.id));
    });
  }
}

function upsertVerdicts(tx: Knex, rows: GateResultRow[]) {
  return upsertRows(
    tx,
    'promotion_gate_results',
    ['promotion_id', 'gate'],
    rows,
  );
}
