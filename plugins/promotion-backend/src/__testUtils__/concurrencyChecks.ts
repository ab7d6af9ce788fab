import knexFactory, { Knex } from 'knex';
import {
  ArtifactRow,
  DeploymentRow,
  EventRow,
  PromotionRow,
} from '../database/tables';

const IN_FLIGHT = ['queued', 'deploying', 'soaking'];

/** Everything the engine left in the database, read in one go after a run. */
export interface EngineSnapshot {
  artifacts: ArtifactRow[];
  promotions: PromotionRow[];
  deployments: DeploymentRow[];
  /** In the order they were appended. */
  events: Array<EventRow & { parsed: Record<string, any> }>;
}

/** Reads the engine's tables straight from the database, not through the store under test. */
export async function readSnapshot(knex: Knex): Promise<EngineSnapshot> {
  const [artifacts, promotions, deployments, events] = await Promise.all([
    knex<ArtifactRow>('promotion_artifacts'),
    knex<PromotionRow>('promotion_promotions'),
    knex<DeploymentRow>('promotion_deployments'),
    knex<EventRow>('promotion_events').orderBy('id', 'asc'),
  ]);
  return {
    artifacts,
    promotions,
    deployments,
    events: events.map(e => ({ ...e, parsed: JSON.parse(e.details) })),
  };
}

/** Rows a live engine still has to act on. */
export async function countRemainingWork(knex: Knex): Promise<number> {
  const [{ promotions }] = await knex('promotion_promotions')
    .where({ state: 'pending' })
    .count({ promotions: '*' });
  const [{ deployments }] = await knex('promotion_deployments')
    .whereIn('state', IN_FLIGHT)
    .count({ deployments: '*' });
  return Number(promotions) + Number(deployments);
}

/** The deployment state machine: which state may follow which. */
const NEXT_STATES: Record<string, string[]> = {
  queued: ['deploying', 'superseded', 'failed'],
  deploying: ['soaking', 'failed', 'superseded'],
  soaking: ['verified', 'failed', 'superseded'],
  verified: ['superseded', 'rolled_back'],
  failed: [],
  superseded: [],
  rolled_back: [],
};

const PROMOTION_ENDS = ['promoted', 'cancelled', 'failed'];

/** The state a deployment transition event entered; undefined for other events. */
function deploymentStateOf(event: EngineSnapshot['events'][number]) {
  const [family, state] = event.kind.split('.');
  return family === 'deployment' && Object.keys(NEXT_STATES).includes(state)
    ? state
    : undefined;
}

/** Deployment states each deployment went through, from its audit events. */
export function deploymentHistories(
  snapshot: EngineSnapshot,
): Map<string, string[]> {
  const histories = new Map<string, string[]>();
  for (const event of snapshot.events) {
    const state = deploymentStateOf(event);
    if (!state) continue;
    const id = event.parsed.deploymentId as string;
    const history = histories.get(id) ?? [];
    history.push(state);
    histories.set(id, history);
  }
  return histories;
}

/**
 * (a) every deployment entered each state at most once and in a legal order,
 * its audit `from` matches the state it left, and its row agrees with its
 * last event; (b) no transition is in the log twice.
 */
export function checkDeploymentHistories(snapshot: EngineSnapshot): string[] {
  const violations: string[] = [];
  const rows = new Map(snapshot.deployments.map(d => [d.id, d]));
  const seen = new Map<string, string[]>();
  for (const event of snapshot.events) {
    const to = deploymentStateOf(event);
    if (!to) continue;
    const id = event.parsed.deploymentId as string;
    const history = seen.get(id) ?? [];
    const from = history[history.length - 1];
    if (history.includes(to)) {
      violations.push(
        `deployment ${id}: ${event.kind} logged twice (${history.join(
          ' → ',
        )} → ${to})`,
      );
    } else if (
      from === undefined ? to !== 'queued' : !NEXT_STATES[from]?.includes(to)
    ) {
      violations.push(
        `deployment ${id}: illegal ${from ?? 'start'} → ${to} (${[
          ...history,
          to,
        ].join(' → ')})`,
      );
    } else if (from !== undefined && event.parsed.from !== from) {
      violations.push(
        `deployment ${id}: ${event.kind} says it left '${event.parsed.from}' but the log says '${from}'`,
      );
    }
    history.push(to);
    seen.set(id, history);
  }
  for (const row of snapshot.deployments) {
    const history = seen.get(row.id);
    if (!history) {
      violations.push(`deployment ${row.id}: no audit events`);
    } else if (history[history.length - 1] !== row.state) {
      violations.push(
        `deployment ${row.id}: row is '${row.state}' but the log ends with '${
          history[history.length - 1]
        }'`,
      );
    }
  }
  for (const id of seen.keys()) {
    if (!rows.has(id))
      violations.push(`deployment ${id}: events without a row`);
  }
  return violations;
}

/**
 * (d) every promotion ended once, as promoted, cancelled or failed; a
 * promoted one has exactly one deployment, the one it names.
 */
export function checkPromotions(snapshot: EngineSnapshot): string[] {
  const violations: string[] = [];
  const ends = new Map<string, string[]>();
  for (const event of snapshot.events) {
    if (!PROMOTION_ENDS.some(end => event.kind === `promotion.${end}`))
      continue;
    const id = event.parsed.promotionId as string;
    ends.set(id, [
      ...(ends.get(id) ?? []),
      event.kind.slice('promotion.'.length),
    ]);
  }
  const byPromotion = new Map<string, DeploymentRow[]>();
  for (const deployment of snapshot.deployments) {
    if (!deployment.promotion_id) continue;
    byPromotion.set(deployment.promotion_id, [
      ...(byPromotion.get(deployment.promotion_id) ?? []),
      deployment,
    ]);
  }
  for (const promotion of snapshot.promotions) {
    const logged = ends.get(promotion.id) ?? [];
    if (!PROMOTION_ENDS.includes(promotion.state)) {
      violations.push(`promotion ${promotion.id}: ended '${promotion.state}'`);
    }
    if (logged.length !== 1 || logged[0] !== promotion.state) {
      violations.push(
        `promotion ${promotion.id}: row '${
          promotion.state
        }', log [${logged.join(', ')}]`,
      );
    }
    const deployments = byPromotion.get(promotion.id) ?? [];
    if (promotion.state === 'promoted') {
      if (
        deployments.length !== 1 ||
        deployments[0].id !== promotion.deployment_id
      ) {
        violations.push(
          `promotion ${promotion.id}: promoted with deployment ${
            promotion.deployment_id
          } but has [${deployments.map(d => d.id).join(', ')}]`,
        );
      }
    } else if (deployments.length > 0) {
      violations.push(
        `promotion ${promotion.id}: ${promotion.state} yet has ${deployments.length} deployment(s)`,
      );
    }
  }
  return violations;
}

/** (f) nothing pending, in flight or leased. */
export function checkNothingLeft(snapshot: EngineSnapshot): string[] {
  return [
    ...snapshot.promotions
      .filter(p => p.state === 'pending' || p.lease_ticket !== null)
      .map(p => `promotion ${p.id}: ${p.state}, lease ${p.lease_ticket}`),
    ...snapshot.deployments
      .filter(d => IN_FLIGHT.includes(d.state) || d.lease_ticket !== null)
      .map(
        d =>
          `deployment ${d.id} (${d.entity_ref} ${d.environment}): ${d.state}, lease ${d.lease_ticket}`,
      ),
  ];
}

/**
 * (e) superseding lets older artifacts stop anywhere, but the newest artifact
 * of a service has nothing newer to give way to: in every environment it has
 * exactly one deployment, verified, and it is the only verified one there.
 */
export function checkNewestVerified(
  snapshot: EngineSnapshot,
  newestDigestByService: Map<string, string>,
  environments: string[],
): string[] {
  const violations: string[] = [];
  const artifacts = new Map(snapshot.artifacts.map(a => [a.id, a]));
  for (const [entityRef, digest] of newestDigestByService) {
    for (const environment of environments) {
      const lane = snapshot.deployments.filter(
        d => d.entity_ref === entityRef && d.environment === environment,
      );
      const newest = lane.filter(
        d => artifacts.get(d.artifact_id)?.digest === digest,
      );
      const verified = lane.filter(d => d.state === 'verified');
      if (
        newest.length !== 1 ||
        newest[0].state !== 'verified' ||
        verified.length !== 1
      ) {
        violations.push(
          `${entityRef} ${environment}: newest ${digest.slice(
            0,
            16,
          )} is [${newest.map(d => d.state).join(', ')}]; verified: [${verified
            .map(d => artifacts.get(d.artifact_id)?.version)
            .join(', ')}]; lane log: ${laneStory(
            snapshot,
            entityRef,
            environment,
          )}`,
        );
      }
    }
  }
  return violations;
}

/** A lane's deployment log in order, as "version:state" steps, to explain a failure. */
export function laneStory(
  snapshot: EngineSnapshot,
  entityRef: string,
  environment: string,
): string {
  const versions = new Map(
    snapshot.deployments.map(d => [
      d.id,
      snapshot.artifacts.find(a => a.id === d.artifact_id)?.version,
    ]),
  );
  return snapshot.events
    .filter(
      e =>
        e.entity_ref === entityRef &&
        e.environment === environment &&
        e.kind.startsWith('deployment.'),
    )
    .map(e => `${versions.get(e.parsed.deploymentId)}:${e.kind.slice(11)}`)
    .join(' ');
}

/**
 * Waits until no session is connected to the database of `connection`, so
 * that TestDatabases can drop it: the server notices closed or killed
 * clients a moment after they are gone.
 */
export async function waitUntilDisconnected(
  connection: Knex.ConnectionConfig,
  timeoutMs = 5_000,
): Promise<void> {
  const admin = knexFactory({
    client: 'pg',
    connection: { ...connection, database: 'postgres' },
    pool: { min: 0, max: 1 },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [{ count }] = await admin('pg_stat_activity')
        .where({ datname: connection.database })
        .count({ count: '*' });
      if (Number(count) === 0) return;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  } finally {
    await admin.destroy();
  }
}

/**
 * One assertion over every check, so a failure lists the violations of all
 * checks at once; each failing check starts with the run's figures.
 */
export function expectNoViolations(
  figures: Record<string, unknown>,
  checks: Record<string, string[]>,
): void {
  const run = `run: ${Object.entries(figures)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')}`;
  const found = Object.fromEntries(
    Object.entries(checks).map(([name, violations]) => [
      name,
      violations.length > 0 ? [run, ...violations] : [],
    ]),
  );
  const none = Object.fromEntries(Object.keys(checks).map(name => [name, []]));
  expect(found).toEqual(none);
}
