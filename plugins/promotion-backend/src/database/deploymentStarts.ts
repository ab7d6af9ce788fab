import { Knex } from 'knex';
import { decideStarts, StartMove } from '../domain/deploymentStarts';
import {
  assertTransition,
  IN_FLIGHT_DEPLOYMENT_STATES,
} from '../domain/states';
import { insertRows, updateRows, whereAnyOf, wherePairIn } from './bulk';
import { laneKey } from './LaneStore';
import { DeploymentRecord, DeploymentStart } from './PromotionStore';
import { deploymentEvent, deploymentFromRow, eventRow } from './rows';
import { DeploymentRow } from './tables';

/**
 * Starts queued deployments of many lanes in one transaction (see
 * `PromotionStore.startDeployments`): one locked read of their lanes, the
 * decision per lane (`decideStarts`), one update per kind of move and one
 * insert of their events.
 */
export async function startDeployments(
  db: Knex,
  starts: DeploymentStart[],
): Promise<Array<DeploymentRecord | undefined>> {
  if (starts.length === 0) return [];
  // One time for the batch, as the latest of its decisions.
  const now = new Date(Math.max(...starts.map(s => s.now.getTime())));
  return db.transaction(async tx => {
    const lanes = new Map<string, DeploymentStart[]>();
    for (const start of starts) {
      const key = laneKey(start.deployment);
      lanes.set(key, [...(lanes.get(key) ?? []), start]);
    }
    // Locked in one order on every replica, so two batches never deadlock.
    const rows: DeploymentRow[] = await wherePairIn(
      tx('promotion_deployments'),
      ['entity_ref', 'environment'],
      [...lanes.values()].map(([{ deployment }]) => [
        deployment.entityRef,
        deployment.environment,
      ]),
    )
      .whereIn('state', IN_FLIGHT_DEPLOYMENT_STATES)
      .orderBy(['entity_ref', 'environment', 'id'])
      .forUpdate();
    const inFlight = new Map<string, DeploymentRecord[]>();
    for (const row of rows.map(deploymentFromRow)) {
      const key = laneKey(row);
      inFlight.set(key, [...(inFlight.get(key) ?? []), row]);
    }
    const moves = [...lanes].flatMap(([key, laneStarts]) =>
      decideStarts(
        inFlight.get(key) ?? [],
        laneStarts.map(s => s.deployment.id),
      ),
    );
    const digests = await digestsOf(tx, starts, moves);
    const supersedes = moves.flatMap(m => (m.kind === 'supersede' ? [m] : []));
    const started = moves.flatMap(m => (m.kind === 'start' ? [m] : []));
    for (const move of moves) {
      const to = move.kind === 'start' ? 'deploying' : 'superseded';
      assertTransition('deployment', move.deployment.state, to);
    }
    await updateRows(
      tx,
      'promotion_deployments',
      supersedes.map(m => ({
        id: m.deployment.id,
        reason: `superseded by ${digests.get(m.by.artifactId)}`,
      })),
      {
        state: 'superseded',
        state_since: now,
        next_check_at: now,
        lease_ticket: null,
        lease_expires_at: null,
      },
      {},
    );
    await updateRows(
      tx,
      'promotion_deployments',
      started.map(m => ({ id: m.deployment.id })),
      {
        state: 'deploying',
        state_since: now,
        next_check_at: now,
        deploy_started_at: now,
      },
      {},
    );
    const actors = new Map(starts.map(s => [s.deployment.id, s.actor]));
    // An older deployment gives way on behalf of the start that moved it.
    const actorOf = (m: StartMove<DeploymentRecord>) =>
      actors.get(
        m.kind === 'supersede' && !actors.has(m.deployment.id)
          ? m.by.id
          : m.deployment.id,
      )!;
    await insertRows(
      tx,
      'promotion_events',
      moves.map(m =>
        eventRow(
          deploymentEvent(
            m.deployment,
            m.kind === 'start' ? 'deploying' : 'superseded',
            {
              actor: actorOf(m),
              digest: digests.get(m.deployment.artifactId),
              reason:
                m.kind === 'supersede'
                  ? `superseded by ${digests.get(m.by.artifactId)}`
                  : undefined,
            },
          ),
          now,
        ),
      ),
    );
    const moved = new Map(
      started.map(({ deployment }) => [
        deployment.id,
        {
          ...deployment,
          state: 'deploying' as const,
          stateSince: now,
          nextCheckAt: now,
          deployStartedAt: now,
        },
      ]),
    );
    return starts.map(s => moved.get(s.deployment.id));
  });
}

/** The digest of every artifact the moves name: the starts know theirs, the rest are read. */
async function digestsOf(
  tx: Knex,
  starts: DeploymentStart[],
  moves: Array<StartMove<DeploymentRecord>>,
) {
  const digests = new Map(starts.map(s => [s.deployment.artifactId, s.digest]));
  const missing = moves
    .flatMap(m => (m.kind === 'supersede' ? [m.deployment, m.by] : []))
    .map(d => d.artifactId)
    .filter(id => !digests.has(id));
  if (missing.length > 0) {
    const rows: Array<{ id: string; digest: string }> = await whereAnyOf(
      tx('promotion_artifacts').select('id', 'digest'),
      'id',
      [...new Set(missing)],
    );
    for (const row of rows) digests.set(row.id, row.digest);
  }
  return digests;
}
