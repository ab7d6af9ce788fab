import type { BurnRateView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { BurnWatchStatus, OwedPage } from '../database/BurnWatchStore';
import { pageKeys } from '../notify/pageKeys';
import { BurnEvaluation, SloConfig, formatWindow } from '../slo';
import type { BurnLane, Guard } from './burnWatch';

/*
 * How one burn-watch reading is shown and paged: its status, the reading the
 * lane shows, and the page a status owes. Pure, used by decideBurnWatch.
 */

/** What a watch reports after one evaluation that did not fire a rollback. */
export function statusOf(
  guard: Guard | undefined,
  sustained: boolean,
  evaluation: BurnEvaluation,
): BurnWatchStatus {
  if (guard) return guard.status;
  // Sustained but not fired: there was nothing to roll back to.
  if (sustained) return 'no_target';
  if (evaluation.firing) return 'firing';
  if (evaluation.blind) return 'blind';
  if (evaluation.windows.every(w => w.status === 'low-traffic')) {
    return 'low-traffic';
  }
  return 'ok';
}

export function readingOf(
  slo: SloConfig,
  evaluation: BurnEvaluation,
  now: Date,
  guard: Guard | undefined,
  firingSince: Date | undefined,
): BurnRateView {
  return {
    objective: slo.objective,
    evaluatedAt: now.toISOString(),
    firing: evaluation.firing,
    blind: evaluation.blind,
    reason: guard ? `${evaluation.reason}; ${guard.reason}` : evaluation.reason,
    windows: evaluation.windows.map(w => ({
      long: formatWindow(w.window.longWindowMs),
      short: formatWindow(w.window.shortWindowMs),
      threshold: w.window.burnRate,
      longBurnRate: w.longBurnRate,
      shortBurnRate: w.shortBurnRate,
      status: w.status,
    })),
    ...(firingSince
      ? { firingSince: firingSince.toISOString(), sustainMs: slo.sustainMs }
      : {}),
  };
}

/** The page a status owes on-call: blind and "nothing to roll back to" are paged. */
export function pageOf(
  status: BurnWatchStatus,
  lane: BurnLane,
  reading: BurnRateView,
): OwedPage | undefined {
  const where = `${lane.entityRef} in ${lane.environment}`;
  if (status === 'blind') {
    return {
      key: pageKeys.blind(lane.current.id),
      severity: 'warning',
      summary: `Auto-rollback is blind for ${where}: ${reading.reason}`,
    };
  }
  if (status === 'no_target') {
    return {
      key: pageKeys.noTarget(lane.current.id),
      severity: 'critical',
      summary: `${where} is burning its error budget (${reading.reason}) and there is no previous artifact to roll back to`,
    };
  }
  return undefined;
}

export function percent(objective: number): string {
  return `${Number((objective * 100).toFixed(4))}%`;
}
