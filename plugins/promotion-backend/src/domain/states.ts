import type {
  DeploymentState,
  PromotionState,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

export type { DeploymentState, PromotionState };

/** The two things that have states: a deployment and a promotion. */
export type StateKind = 'deployment' | 'promotion';

/** The state union of each kind. */
export interface StatesOf {
  deployment: DeploymentState;
  promotion: PromotionState;
}

/**
 * Which state may follow which. The store refuses any other move, so this is
 * the whole life of a deployment and of a promotion. A state with no way out
 * is terminal. `verified` is left only when something newer is verified in
 * the same environment (superseded) or a rollback is (rolled back); a
 * deployment still on its way is superseded by a newer one starting.
 */
export const TRANSITIONS: {
  readonly [K in StateKind]: Readonly<
    Record<StatesOf[K], readonly StatesOf[K][]>
  >;
} = {
  deployment: {
    queued: ['deploying', 'failed', 'superseded'],
    deploying: ['soaking', 'failed', 'superseded'],
    soaking: ['verified', 'failed', 'superseded'],
    verified: ['superseded', 'rolled_back'],
    failed: [],
    superseded: [],
    rolled_back: [],
  },
  promotion: {
    pending: ['promoted', 'failed', 'cancelled'],
    promoted: [],
    failed: [],
    cancelled: [],
  },
};

/** Every promotion state, in life order. */
export const PROMOTION_STATES = Object.keys(
  TRANSITIONS.promotion,
) as readonly PromotionState[];

/**
 * Deployments with work left before they are verified: the engine claims
 * them, and a newer deployment supersedes them. A list (not only
 * {@link isInFlight}) because queries filter on it.
 */
export const IN_FLIGHT_DEPLOYMENT_STATES: readonly DeploymentState[] = [
  'queued',
  'deploying',
  'soaking',
];

/**
 * Deployments whose artifact takes the environment's traffic: up and
 * soaking, or verified. The lane's burn watch and soak graph look at these.
 */
export const SERVING_DEPLOYMENT_STATES: readonly DeploymentState[] = [
  'soaking',
  'verified',
];

const hasOwn = (table: object, key: string) =>
  Object.prototype.hasOwnProperty.call(table, key);

function exitsOf(kind: StateKind, from: string): readonly string[] {
  const table: Readonly<Record<string, readonly string[]>> = TRANSITIONS[kind];
  // States come from database rows: an unknown one has no exits rather than
  // picking up a property of Object.prototype.
  return hasOwn(table, from) ? table[from] : [];
}

/** True for a state that is never left (`failed`, `superseded`, `rolled_back`, `promoted`, `cancelled`). */
export function isTerminal(state: DeploymentState | PromotionState): boolean {
  const kind: StateKind = hasOwn(TRANSITIONS.deployment, state)
    ? 'deployment'
    : 'promotion';
  return exitsOf(kind, state).length === 0;
}

/** True for a deployment with work left before it is verified. */
export function isInFlight(state: DeploymentState): boolean {
  return IN_FLIGHT_DEPLOYMENT_STATES.includes(state);
}

/** True for a deployment whose artifact takes the environment's traffic. */
export function isServing(state: DeploymentState): boolean {
  return SERVING_DEPLOYMENT_STATES.includes(state);
}

/** Whether the table allows `from → to`. */
export function canTransition(
  from: DeploymentState,
  to: DeploymentState,
): boolean;
export function canTransition(
  from: PromotionState,
  to: PromotionState,
): boolean;
export function canTransition(
  from: DeploymentState | PromotionState,
  to: DeploymentState | PromotionState,
): boolean {
  // The kinds share only `failed`, which has no exits in either: looking in
  // both tables cannot allow a move one of them refuses.
  return (
    exitsOf('deployment', from).includes(to) ||
    exitsOf('promotion', from).includes(to)
  );
}

/**
 * Throws unless the table allows `from → to` for this kind. A refused move is
 * a bug in the caller, not a race (a race is the compare-and-set losing), so
 * it is a plain Error rather than an HTTP-mapped one.
 */
export function assertTransition<K extends StateKind>(
  kind: K,
  from: StatesOf[K],
  to: StatesOf[K],
): void {
  if (!exitsOf(kind, from).includes(to)) {
    const allowed = exitsOf(kind, from);
    throw new Error(
      `A ${kind} may not go from '${from}' to '${to}' (${
        allowed.length
          ? `'${from}' may go to ${allowed.join(', ')}`
          : `'${from}' is terminal`
      })`,
    );
  }
}
