import type {
  AutoRollbackEvidence,
  DeploymentTrigger,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { SloCounts } from '@promotion-pipeline/backstage-plugin-promotion-node';
import type {
  BurnWatchRecord,
  BurnWatchUpdate,
  OwedPage,
} from '../database/BurnWatchStore';
import { pageOf, percent, readingOf, statusOf } from './burnReading';
import {
  BurnEvaluation,
  SloConfig,
  burningNow,
  evaluateBurn,
  formatWindow,
  impactStart,
  nextBurningSince,
  nextSustainState,
} from '../slo';

/** What the watch knows about one lane: read by the task, judged here. */
export interface BurnLane {
  entityRef: string;
  environment: string;
  /** The deployment serving the lane, when it serves traffic (soaking or verified). */
  current: {
    id: string;
    trigger: DeploymentTrigger;
    healthyAt?: Date;
    /** When it arrived in the environment (for the time to recover). */
    arrivedAt: Date;
    version: string;
    digest: string;
  };
  /** The warm previous artifact a rollback would return to, if any. */
  target?: { version: string; digest: string };
  /** A rollback of this lane is already pending. */
  rollbackPending: boolean;
  /** The watch as stored after the previous reading; undefined before the first. */
  watch?: BurnWatchRecord;
}

/** The provider's counts per window length, and why a window could not be read. */
export interface BurnReadings {
  counts: (windowMs: number) => SloCounts | undefined;
  /** One line per window the provider could not answer, e.g. "5m: timeout". */
  problems: string[];
}

/** What an automatic rollback asks the rollback command for. */
export interface AutoRollbackRequest {
  reason: string;
  evidence: AutoRollbackEvidence;
  /** The reading that crossed the threshold and started the sustained streak. */
  detectedAt: Date;
  impactStartedAt?: Date;
}

/**
 * What to do after one reading. `watch`: store the next state, and open or
 * close a page (blind, nothing to roll back to). `fire`: roll back through the
 * rollback command, which stores the next state as `rolled_back` with it.
 */
export type BurnWatchDecision =
  | {
      kind: 'watch';
      next: BurnWatchUpdate;
      /** A page the new condition owes, not yet opened. */
      opens?: OwedPage;
      /** Dedup key of an open page whose condition is over. */
      closes?: string;
    }
  | {
      kind: 'fire';
      next: BurnWatchUpdate;
      rollback: AutoRollbackRequest;
      /** Dedup key of an open page the rollback makes moot. */
      closes?: string;
    };

/** Why auto-rollback must hold off, when it must. */
export type Guard = { status: 'off' | 'settling'; reason: string };

/** Whether the lane needs readings at all: a watch that fired is done. */
export function needsReadings(lane: Pick<BurnLane, 'watch'>): boolean {
  return lane.watch?.status !== 'rolled_back';
}

/** Why auto-rollback must not act on this deployment now, if it must not. */
function guardOf(lane: BurnLane, slo: SloConfig, now: Date): Guard | undefined {
  if (lane.current.trigger === 'rollback') {
    return {
      status: 'off',
      reason:
        'auto-rollback is off for this deployment: it is a rollback (or an override of one)',
    };
  }
  if (lane.rollbackPending) {
    return { status: 'off', reason: 'a rollback is already under way' };
  }
  const healthyAt = lane.current.healthyAt?.getTime();
  if (healthyAt === undefined || now.getTime() - healthyAt < slo.settleMs) {
    return {
      status: 'settling',
      reason: `settling: auto-rollback arms ${formatWindow(
        slo.settleMs,
      )} after the rollout turned healthy`,
    };
  }
  return undefined;
}

/** Judges the counts; a window the provider could not read is named in a blind reason. */
function judge(slo: SloConfig, readings: BurnReadings): BurnEvaluation {
  const evaluation = evaluateBurn({
    objective: slo.objective,
    windows: slo.windows,
    counts: readings.counts,
    minRequests: slo.minRequests,
  });
  if (readings.problems.length > 0 && evaluation.blind) {
    evaluation.reason = `${evaluation.reason} (${[...readings.problems]
      .sort()
      .join('; ')})`;
  }
  return evaluation;
}

/**
 * One reading of a lane's burn watch: the previous state and the counts in,
 * the next state and what to do out. A window pair that keeps firing for the
 * sustain time, on an armed watch with something to return to, fires a
 * rollback; a page is opened once per condition and closed when it is over.
 */
export function decideBurnWatch(
  lane: BurnLane,
  slo: SloConfig,
  readings: BurnReadings,
  now: Date,
): BurnWatchDecision {
  const { watch } = lane;
  const guard = guardOf(lane, slo, now);
  const evaluation = judge(slo, readings);
  const sustain = nextSustainState(
    { firingSince: watch?.firingSince },
    !guard && evaluation.firing,
    now,
    slo.sustainMs,
  );
  const reading = readingOf(slo, evaluation, now, guard, sustain.firingSince);
  const burningSince = nextBurningSince(
    watch?.burningSince,
    burningNow(evaluation),
    now,
  );
  const base = {
    deploymentId: lane.current.id,
    entityRef: lane.entityRef,
    environment: lane.environment,
    burningSince,
    reading,
    evaluatedAt: now,
  };
  const open = watch?.page;

  if (!guard && sustain.sustained && lane.target) {
    const crossedAt = sustain.crossedAt!;
    const firing = evaluation.windows
      .filter(w => w.firing)
      .map(w => w.reason)
      .join('; ');
    return {
      kind: 'fire',
      next: { ...base, status: 'rolled_back', firingSince: crossedAt },
      rollback: {
        reason: `automatic rollback: ${firing}, sustained ${formatWindow(
          slo.sustainMs,
        )} (SLO ${percent(slo.objective)})`,
        evidence: {
          objective: slo.objective,
          sustainMs: slo.sustainMs,
          crossedAt: crossedAt.toISOString(),
          deploymentId: lane.current.id,
          windows: reading.windows,
        },
        detectedAt: crossedAt,
        // A firing reading is a burning one; the crossing is the fallback
        // for a threshold of exactly 1.
        impactStartedAt: impactStart(
          burningSince ?? crossedAt,
          lane.current.arrivedAt,
        ),
      },
      closes: open?.key,
    };
  }

  const status = statusOf(guard, sustain.sustained, evaluation);
  const wanted = pageOf(status, lane, reading);
  const same = open !== undefined && open.key === wanted?.key;
  return {
    kind: 'watch',
    next: {
      ...base,
      status,
      firingSince: sustain.firingSince,
      page: same ? open : wanted,
    },
    opens: same ? undefined : wanted,
    closes: same ? undefined : open?.key,
  };
}
