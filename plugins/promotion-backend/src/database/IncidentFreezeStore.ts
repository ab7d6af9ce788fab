import type { IncidentAlert } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { toDate } from './dates';
import { EventRow, IncidentFreezeRow } from './tables';

const TABLE = 'promotion_incident_freezes';
// The audit log names the engine for what the gate does by itself.
const ACTOR = 'engine';

/** A lane stopped by an incident, as stored. */
export interface IncidentFreeze {
  entityRef: string;
  environment: string;
  source: string;
  reason: string;
  alerts: IncidentAlert[];
  startedAt: Date;
  updatedAt: Date;
}

function fromRow(row: IncidentFreezeRow): IncidentFreeze {
  return {
    entityRef: row.entity_ref,
    environment: row.environment,
    source: row.source,
    reason: row.reason,
    alerts: JSON.parse(row.alerts),
    startedAt: toDate(row.started_at),
    updatedAt: toDate(row.updated_at),
  };
}

function event(
  freeze: Pick<IncidentFreeze, 'entityRef' | 'environment'>,
  kind: string,
  details: Record<string, unknown>,
  now: Date,
): EventRow {
  return {
    entity_ref: freeze.entityRef,
    environment: freeze.environment,
    digest: null,
    kind,
    actor: ACTOR,
    details: JSON.stringify(details),
    at: now,
  };
}

// The audit event names the alerts, not their every label.
const named = (alerts: IncidentAlert[]) =>
  alerts.map(({ id, name, startsAt, summary }) => ({
    id,
    name,
    startsAt,
    summary,
  }));

/**
 * Which lanes an incident stops, with the start and end of each freeze in the
 * audit log. Each change is one transaction with its event; the row's
 * primary key makes sure replicas evaluating at once start (and end) a
 * freeze exactly once.
 */
export class IncidentFreezeStore {
  constructor(private readonly db: Knex) {}

  /**
   * Records that the lane is frozen now. True when this call started the
   * freeze (and wrote `incident.freeze.started`); otherwise refreshes the
   * alerts and reason of the freeze in force.
   */
  async freeze(
    freeze: Omit<IncidentFreeze, 'startedAt' | 'updatedAt'>,
    now: Date,
  ): Promise<boolean> {
    const row: IncidentFreezeRow = {
      entity_ref: freeze.entityRef,
      environment: freeze.environment,
      source: freeze.source,
      reason: freeze.reason,
      alerts: JSON.stringify(freeze.alerts),
      started_at: now,
      updated_at: now,
    };
    return this.db.transaction(async tx => {
      const inserted = await tx(TABLE)
        .insert(row)
        .onConflict(['entity_ref', 'environment'])
        .ignore()
        .returning('entity_ref');
      if (inserted.length > 0) {
        await tx('promotion_events').insert(
          event(
            freeze,
            'incident.freeze.started',
            {
              source: freeze.source,
              reason: freeze.reason,
              alerts: named(freeze.alerts),
            },
            now,
          ),
        );
        return true;
      }
      await tx(TABLE)
        .where({
          entity_ref: freeze.entityRef,
          environment: freeze.environment,
        })
        .update({
          reason: row.reason,
          alerts: row.alerts,
          source: row.source,
          updated_at: now,
        });
      return false;
    });
  }

  /**
   * Ends the lane's freeze, if one is in force: true when this call ended it
   * (and wrote `incident.freeze.ended`).
   */
  async thaw(
    lane: { entityRef: string; environment: string },
    now: Date,
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      const where = {
        entity_ref: lane.entityRef,
        environment: lane.environment,
      };
      const row = await tx<IncidentFreezeRow>(TABLE).where(where).first();
      if (!row) return false;
      const deleted = await tx(TABLE).where(where).delete();
      if (deleted !== 1) return false;
      const freeze = fromRow(row);
      await tx('promotion_events').insert(
        event(
          lane,
          'incident.freeze.ended',
          {
            source: freeze.source,
            startedAt: freeze.startedAt.toISOString(),
            durationSeconds:
              (now.getTime() - freeze.startedAt.getTime()) / 1000,
            lastAlerts: named(freeze.alerts),
          },
          now,
        ),
      );
      return true;
    });
  }

  /** The incident freezes in force on a service's lanes. */
  async list(entityRef: string): Promise<IncidentFreeze[]> {
    const rows = await this.db<IncidentFreezeRow>(TABLE)
      .where({ entity_ref: entityRef })
      .orderBy('environment');
    return rows.map(fromRow);
  }
}
