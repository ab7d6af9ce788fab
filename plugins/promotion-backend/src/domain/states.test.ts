import {
  DEPLOYMENT_STATES,
  DeploymentState,
  PromotionState,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  PROMOTION_STATES,
  assertTransition,
  canTransition,
  isInFlight,
  isServing,
  isTerminal,
} from './states';

// The table written out again as the list of moves the engine and the
// commands make, so a change to TRANSITIONS has to change this test too.
const DEPLOYMENT_MOVES: Array<[DeploymentState, DeploymentState]> = [
  ['queued', 'deploying'], // the engine starts it
  ['queued', 'failed'], // environment or deployer gone before it started
  ['queued', 'superseded'], // a newer deployment of the lane started first
  ['deploying', 'soaking'], // the deployer says it is up
  ['deploying', 'failed'], // the deployer says no, or the deploy timed out
  ['deploying', 'superseded'], // a newer deployment starts
  ['soaking', 'verified'], // soaked and still healthy
  ['soaking', 'failed'], // broke while soaking
  ['soaking', 'superseded'], // a newer deployment starts
  ['verified', 'superseded'], // something newer is verified in its place
  ['verified', 'rolled_back'], // a rollback is verified in its place
];

const PROMOTION_MOVES: Array<[PromotionState, PromotionState]> = [
  ['pending', 'promoted'],
  ['pending', 'failed'],
  ['pending', 'cancelled'],
];

/** Every (from, to) pair of the states, split into the allowed moves and the rest. */
function splitPairs<S extends string>(
  states: readonly S[],
  moves: Array<[S, S]>,
): { allowed: Array<[S, S]>; refused: Array<[S, S]> } {
  const pairs = states.flatMap(from => states.map(to => [from, to] as [S, S]));
  const isMove = ([from, to]: [S, S]) =>
    moves.some(([f, t]) => f === from && t === to);
  return {
    allowed: pairs.filter(isMove),
    refused: pairs.filter(pair => !isMove(pair)),
  };
}

describe('deployment transitions', () => {
  const { allowed, refused } = splitPairs(DEPLOYMENT_STATES, DEPLOYMENT_MOVES);

  it('covers every pair of states', () => {
    expect(allowed).toEqual(DEPLOYMENT_MOVES);
    expect(allowed.length + refused.length).toBe(7 * 7);
  });

  it.each(allowed)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition('deployment', from, to)).not.toThrow();
  });

  it.each(refused)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition('deployment', from, to)).toThrow(
      `A deployment may not go from '${from}' to '${to}'`,
    );
  });
});

describe('promotion transitions', () => {
  const { allowed, refused } = splitPairs(PROMOTION_STATES, PROMOTION_MOVES);

  it('covers every pair of states', () => {
    expect(PROMOTION_STATES).toEqual([
      'pending',
      'promoted',
      'failed',
      'cancelled',
    ]);
    expect(allowed).toEqual(PROMOTION_MOVES);
    expect(allowed.length + refused.length).toBe(4 * 4);
  });

  it.each(allowed)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition('promotion', from, to)).not.toThrow();
  });

  it.each(refused)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition('promotion', from, to)).toThrow(
      `A promotion may not go from '${from}' to '${to}'`,
    );
  });
});

describe('assertTransition', () => {
  it('names what the state may become instead', () => {
    expect(() => assertTransition('deployment', 'verified', 'failed')).toThrow(
      "A deployment may not go from 'verified' to 'failed' ('verified' may go to superseded, rolled_back)",
    );
  });

  it('calls a state with no way out terminal', () => {
    expect(() => assertTransition('promotion', 'promoted', 'pending')).toThrow(
      "A promotion may not go from 'promoted' to 'pending' ('promoted' is terminal)",
    );
  });

  it('refuses a state read from a row that no table knows', () => {
    expect(() =>
      assertTransition('deployment', 'toString' as DeploymentState, 'failed'),
    ).toThrow("A deployment may not go from 'toString' to 'failed'");
  });

  it('does not let one kind use the other kind’s moves', () => {
    expect(() =>
      assertTransition(
        'promotion',
        'queued' as PromotionState,
        'failed' as PromotionState,
      ),
    ).toThrow(Error);
  });
});

describe('state groups', () => {
  it.each<[DeploymentState, boolean, boolean, boolean]>([
    // state, terminal, in flight, serving
    ['queued', false, true, false],
    ['deploying', false, true, false],
    ['soaking', false, true, true],
    ['verified', false, false, true],
    ['failed', true, false, false],
    ['superseded', true, false, false],
    ['rolled_back', true, false, false],
  ])(
    'deployment %s: terminal %s, in flight %s, serving %s',
    (state, terminal, inFlight, serving) => {
      expect(isTerminal(state)).toBe(terminal);
      expect(isInFlight(state)).toBe(inFlight);
      expect(isServing(state)).toBe(serving);
    },
  );

  it.each<[PromotionState, boolean]>([
    ['pending', false],
    ['promoted', true],
    ['failed', true],
    ['cancelled', true],
  ])('promotion %s: terminal %s', (state, terminal) => {
    expect(isTerminal(state)).toBe(terminal);
  });

  it('is terminal exactly when the table has no way out', () => {
    for (const state of DEPLOYMENT_STATES) {
      const exits = DEPLOYMENT_STATES.filter(to => canTransition(state, to));
      expect(isTerminal(state)).toBe(exits.length === 0);
    }
  });
});
