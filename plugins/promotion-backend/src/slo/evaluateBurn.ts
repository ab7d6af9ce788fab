import { SloCounts } from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  BurnWindow,
  burnRate,
  errorBudget,
  formatWindow,
  reaches,
} from './burnRate';

/** What {@link evaluateBurn} needs; counts are fetched by the caller beforehand. */
export interface BurnInput {
  /** SLO objective, e.g. 0.999. */
  objective: number;
  /** Window pairs to check; any one firing is enough. */
  windows: ReadonlyArray<Readonly<BurnWindow>>;
  /** Counts over the last `windowMs`; `undefined` when the source had no data (zero requests is data). */
  counts: (windowMs: number) => SloCounts | undefined;
  /** Fewest requests the long window needs before its burn rate is trusted. */
  minRequests: number;
}

/** The outcome of one window pair. */
export type BurnWindowStatus = 'firing' | 'ok' | 'low-traffic' | 'blind';

/** One window pair's burn rates and verdict. */
export interface BurnWindowResult {
  window: Readonly<BurnWindow>;
  status: BurnWindowStatus;
  firing: boolean;
  /** Burn rate over the long window; absent when there was no data. */
  longBurnRate?: number;
  /** Burn rate over the short window; absent when there was no data or it was not needed. */
  shortBurnRate?: number;
  /** Requests counted in the long window, when known. */
  longTotal?: number;
  reason: string;
}

/** The verdict over all window pairs. */
export interface BurnEvaluation {
  /** Some pair with complete data has both windows at or over its threshold. */
  firing: boolean;
  /** Some pair's source gave no data (not: too little traffic); page that auto-rollback is blind. */
  blind: boolean;
  reason: string;
  windows: BurnWindowResult[];
}

function rateLabel(rate: number): string {
  return `${Number(rate.toFixed(2))}x`;
}

/** Counts a source really answered with: finite, not negative, good within reach of total. */
function isData(counts: SloCounts | undefined): counts is SloCounts {
  return (
    counts !== undefined &&
    Number.isFinite(counts.good) &&
    Number.isFinite(counts.total) &&
    counts.good >= 0 &&
    counts.total >= 0
  );
}

/**
 * One pair's verdict. "No data" (the source did not answer, or answered
 * junk) is blind: nobody can say whether the release burns, so on-call is
 * paged once. Too few requests, zero included, is a known answer that is too
 * small to judge: neither a rollback nor a page. Only the source failing is
 * worth waking someone for; a quiet service at night is not.
 */
function evaluatePair(
  window: Readonly<BurnWindow>,
  input: BurnInput,
): BurnWindowResult {
  const long = formatWindow(window.longWindowMs);
  const short = formatWindow(window.shortWindowMs);
  const longCounts = input.counts(window.longWindowMs);
  if (!isData(longCounts)) {
    return {
      window,
      status: 'blind',
      firing: false,
      reason: `no data for the ${long} window`,
    };
  }
  const longTotal = longCounts.total;
  const longBurnRate = burnRate(longCounts, input.objective);
  // A handful of requests makes the error ratio jump in big steps: one failure
  // in 50 requests is already a 20x burn at 99.9%. Counted per pair, in that
  // pair's own long window.
  if (longBurnRate === undefined || longTotal < input.minRequests) {
    return {
      window,
      status: 'low-traffic',
      firing: false,
      longBurnRate,
      longTotal,
      reason: `too little traffic: ${longTotal} requests in ${long}, need ${Math.max(
        input.minRequests,
        1,
      )}`,
    };
  }
  const shortCounts = input.counts(window.shortWindowMs);
  if (!isData(shortCounts)) {
    return {
      window,
      status: 'blind',
      firing: false,
      longBurnRate,
      longTotal,
      reason: `no data for the ${short} window`,
    };
  }
  const shortBurnRate = burnRate(shortCounts, input.objective);
  if (shortBurnRate === undefined) {
    // Traffic stopped: nothing is burning now, and nothing says it still would.
    return {
      window,
      status: 'low-traffic',
      firing: false,
      longBurnRate,
      longTotal,
      reason: `no requests in the ${short} window`,
    };
  }
  const rates = `${rateLabel(longBurnRate)} over ${long}, ${rateLabel(
    shortBurnRate,
  )} over ${short}`;
  // Both must hold: the long window proves the spend matters, the short one
  // that it is still going on (so the alert resets soon after a fix).
  const firing =
    reaches(longBurnRate, window.burnRate) &&
    reaches(shortBurnRate, window.burnRate);
  return {
    window,
    status: firing ? 'firing' : 'ok',
    firing,
    longBurnRate,
    shortBurnRate,
    longTotal,
    reason: `burn rate ${rates} ${firing ? 'reaches' : 'is under'} ${rateLabel(
      window.burnRate,
    )}`,
  };
}

function overallReason(results: BurnWindowResult[]): string {
  const reasonsOf = (status: BurnWindowStatus) =>
    results.filter(r => r.status === status).map(r => r.reason);
  const firing = reasonsOf('firing');
  const blind = reasonsOf('blind');
  if (firing.length > 0) {
    const also = blind.length > 0 ? `; also ${blind.join('; ')}` : '';
    return `${firing.join('; ')}${also}`;
  }
  if (blind.length > 0) {
    return blind.join('; ');
  }
  const lowTraffic = reasonsOf('low-traffic');
  if (lowTraffic.length > 0) {
    return lowTraffic.join('; ');
  }
  if (results.length === 0) {
    return 'no burn windows configured';
  }
  return 'every window pair is under its burn rate';
}

/**
 * Judges an SLO by the multiwindow, multi-burn-rate method. A pair fires only
 * with data for both windows, enough traffic in the long one, and both burn
 * rates at or over its threshold.
 */
export function evaluateBurn(input: BurnInput): BurnEvaluation {
  errorBudget(input.objective);
  if (!(input.minRequests >= 0)) {
    throw new RangeError(
      `minRequests must be zero or more, got ${input.minRequests}`,
    );
  }
  const windows = input.windows.map(w => evaluatePair(w, input));
  return {
    // A pair with full data that fires is real evidence; a gap in another
    // pair's data must not veto it, so blind and firing can both be true.
    firing: windows.some(w => w.firing),
    blind: windows.some(w => w.status === 'blind'),
    reason: overallReason(windows),
    windows,
  };
}
