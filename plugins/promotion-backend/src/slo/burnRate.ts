import { SloCounts } from '@promotion-pipeline/backstage-plugin-promotion-node';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A multiwindow alert: fires when both windows burn at least `burnRate`. */
export interface BurnWindow {
  /** Long window, in ms: proves enough budget was spent to matter. */
  longWindowMs: number;
  /** Short window, in ms: lets the alert reset soon after the burn stops. */
  shortWindowMs: number;
  /** Threshold, as a multiple of the rate that spends exactly the budget. */
  burnRate: number;
}

/** The SRE workbook's paging pairs for a 30-day SLO; the auto-rollback set. */
export const DEFAULT_BURN_WINDOWS: ReadonlyArray<Readonly<BurnWindow>> =
  Object.freeze([
    // 2% of a 30-day budget in 1 hour.
    Object.freeze({
      longWindowMs: HOUR,
      shortWindowMs: 5 * MINUTE,
      burnRate: 14.4,
    }),
    // 5% of a 30-day budget in 6 hours.
    Object.freeze({
      longWindowMs: 6 * HOUR,
      shortWindowMs: 30 * MINUTE,
      burnRate: 6,
    }),
  ]);

/**
 * The workbook's ticket pair (10% of a 30-day budget in 3 days). Too slow to
 * justify rolling back on its own, so it is not in the default set.
 */
export const TICKET_BURN_WINDOW: Readonly<BurnWindow> = Object.freeze({
  longWindowMs: 3 * DAY,
  shortWindowMs: 6 * HOUR,
  burnRate: 1,
});

/** The default SLO period the workbook's thresholds were derived for. */
export const DEFAULT_SLO_PERIOD_MS = 30 * DAY;

// Ratios of binary floats land a hair off exact values (1 - 0.999 is not
// 0.001), so an exactly-at-threshold burn would otherwise miss by 1e-15.
const RELATIVE_TOLERANCE = 1e-9;

/** Whether `value` reaches `threshold`, forgiving float rounding. */
export function reaches(value: number, threshold: number): boolean {
  return value >= threshold * (1 - RELATIVE_TOLERANCE);
}

/** The error budget: the fraction of requests allowed to fail (1 - objective). */
export function errorBudget(objective: number): number {
  if (!(objective > 0 && objective < 1)) {
    throw new RangeError(
      `SLO objective must be between 0 and 1 (exclusive), got ${objective}`,
    );
  }
  return 1 - objective;
}

/**
 * How many times faster than sustainable the budget is spent:
 * (bad / total) / (1 - objective). `undefined` means no data: no requests, or
 * counts that are not numbers.
 */
export function burnRate(
  counts: SloCounts,
  objective: number,
): number | undefined {
  const budget = errorBudget(objective);
  const { good, total } = counts;
  if (!Number.isFinite(good) || !Number.isFinite(total)) {
    return undefined;
  }
  if (total <= 0 || good < 0) {
    return undefined;
  }
  // Good and total are often two separately extrapolated counters, so good
  // can come out slightly above total; that means no errors, not negative ones.
  const bad = Math.max(0, total - good);
  return bad / total / budget;
}

/** The fraction of the period's error budget a burn rate spends over a window. */
export function budgetConsumed(
  rate: number,
  windowMs: number,
  periodMs: number = DEFAULT_SLO_PERIOD_MS,
): number {
  return (rate * windowMs) / periodMs;
}

/** The distinct window durations a set of pairs needs counts for, shortest first. */
export function burnWindowDurations(
  windows: ReadonlyArray<Readonly<BurnWindow>>,
): number[] {
  const durations = new Set<number>();
  for (const w of windows) {
    durations.add(w.longWindowMs);
    durations.add(w.shortWindowMs);
  }
  return [...durations].sort((a, b) => a - b);
}

/** A compact label for a window duration, e.g. `1h`, `5m`, `3d`. */
export function formatWindow(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND],
  ];
  for (const [suffix, size] of units) {
    if (ms >= size && ms % size === 0) {
      return `${ms / size}${suffix}`;
    }
  }
  return `${ms}ms`;
}
