import type {
  DeploymentTrigger,
  GateResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { worstVerdict } from '../gates/evaluateGate';

/**
 * A far-future due time: the promotion waits for an event (an approval, a
 * report, a released hold) that sets its due time to now. The scheduler's
 * pass never claims it, so a lane waiting for a person costs nothing.
 */
export const WAITS_FOR_EVENT = new Date('9999-01-01T00:00:00.000Z');

/** What the engine read about one pending promotion, before its gates ran. */
export interface PromotionPrecheck {
  trigger: DeploymentTrigger;
  /** The target environment is still in the artifact's pipeline. */
  targetConfigured: boolean;
  toEnvironment: string;
  pipeline: string;
  /** The artifact's bad mark, if it has one. */
  bad?: { reason?: string };
  /** For a promotion out of an environment: the artifact still runs verified there. */
  source?: { environment: string; stillVerified: boolean };
}

/** What to do with a pending promotion before any gate runs; undefined: run the gates. */
export type PrecheckStep =
  | { kind: 'fail'; reason: string }
  | { kind: 'cancel'; reason: string };

/** What to do with a pending promotion once its gates have answered. */
export type PromotionStep =
  | { kind: 'fail'; reason: string }
  | { kind: 'promote' }
  | { kind: 'wait'; nextCheckAt: Date };

/** Decides whether gates need to run at all. */
export function precheckStep(
  snapshot: PromotionPrecheck,
): PrecheckStep | undefined {
  if (!snapshot.targetConfigured) {
    return {
      kind: 'fail',
      reason: `environment '${snapshot.toEnvironment}' is not in pipeline '${snapshot.pipeline}'`,
    };
  }
  if (snapshot.bad) {
    return {
      kind: 'cancel',
      reason: `artifact is marked bad${
        snapshot.bad.reason ? `: ${snapshot.bad.reason}` : ''
      }`,
    };
  }
  if (snapshot.source && !snapshot.source.stillVerified) {
    // Rolled back or replaced there: it may not move on from that environment.
    return {
      kind: 'cancel',
      reason: `no longer verified in ${snapshot.source.environment}`,
    };
  }
  return undefined;
}

/**
 * When a waiting promotion next needs a look: the earliest time any blocking
 * gate asked for, the regular recheck for a gate that named none (or could
 * not run), and never when every blocking gate waits for an event.
 */
export function nextCheckAt(
  results: GateResult[],
  now: Date,
  recheckMs: number,
): Date {
  let earliest = WAITS_FOR_EVENT.getTime();
  for (const result of results) {
    if (result.verdict === 'passed') continue;
    let at: number;
    if (result.errored || !result.nextCheckAt) {
      at = now.getTime() + recheckMs;
    } else if (result.nextCheckAt === 'event') {
      continue;
    } else {
      // A time in the past (or unreadable) means: look again soon, not now.
      const asked = Date.parse(result.nextCheckAt);
      at = Number.isNaN(asked)
        ? now.getTime() + recheckMs
        : Math.max(asked, now.getTime() + 1);
    }
    earliest = Math.min(earliest, at);
  }
  return new Date(earliest);
}

/**
 * Decides what a promotion does after its gates answered: a final failure
 * fails it, anything short of all-passed waits (until the due time the gates
 * ask for), and all-passed promotes — except a plain promotion into an
 * environment without auto-promotion, which waits for a person.
 */
export function promotionStep(
  trigger: DeploymentTrigger,
  autoPromote: boolean,
  results: GateResult[],
  now: Date,
  recheckMs: number,
): PromotionStep {
  const finalFailure = results.find(r => r.final);
  if (finalFailure) {
    return {
      kind: 'fail',
      reason: `${finalFailure.gate}: ${finalFailure.reason}`,
    };
  }
  if (worstVerdict(results) !== 'passed') {
    return { kind: 'wait', nextCheckAt: nextCheckAt(results, now, recheckMs) };
  }
  if (!autoPromote && trigger === 'promotion') {
    return { kind: 'wait', nextCheckAt: WAITS_FOR_EVENT };
  }
  return { kind: 'promote' };
}
