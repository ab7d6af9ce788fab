import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import {
  BurnWindow,
  DEFAULT_BURN_WINDOWS,
  DEFAULT_SLO_PERIOD_MS,
  errorBudget,
  reaches,
} from './burnRate';

/** An SLO and its auto-rollback guards, as configured. */
export interface SloConfig {
  /** Fraction of requests that must be good, e.g. 0.999. */
  objective: number;
  /** Period the budget is spent over; informational, for budget maths. */
  periodMs: number;
  /** How long a pair must keep firing before auto-rollback. */
  sustainMs: number;
  /** Fewest requests a long window needs before its burn rate counts. */
  minRequests: number;
  /** Window pairs; the workbook's paging pairs unless overridden. */
  windows: BurnWindow[];
  /** Metrics provider the counts come from (`push` unless configured). */
  provider: string;
  /** Provider-specific options, e.g. PromQL templates. */
  providerOptions: Record<string, unknown>;
  /** How long after a deployment turned healthy it is left alone to settle. */
  settleMs: number;
}

/** Default for `settle`: start-up errors of a fresh rollout are not a burn. */
export const DEFAULT_SETTLE_MS = 60_000;

/** Default for `sustain`: rides out a single bad scrape, well inside the 5m window. */
export const DEFAULT_SUSTAIN_MS = 2 * 60_000;

/** Default for `minRequests`. */
export const DEFAULT_MIN_REQUESTS = 100;

/** Thrown for an SLO block that must stop the backend; the message names the key. */
export class SloConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid promotion config at '${key}': ${problem}`);
    this.name = 'SloConfigError';
  }
}

function readDurationMs(
  config: Config,
  key: string,
  path: string,
): number | undefined {
  if (!config.has(key)) {
    return undefined;
  }
  try {
    return durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch (error) {
    throw new SloConfigError(
      `${path}.${key}`,
      `unreadable duration (${(error as Error).message})`,
    );
  }
}

function readNumber(
  config: Config,
  key: string,
  path: string,
): number | undefined {
  try {
    return config.getOptionalNumber(key);
  } catch (error) {
    throw new SloConfigError(`${path}.${key}`, (error as Error).message);
  }
}

function readObjective(block: Config, path: string): number {
  const objective = readNumber(block, 'objective', path);
  if (objective === undefined) {
    throw new SloConfigError(`${path}.objective`, 'is required');
  }
  if (!(objective > 0 && objective < 1)) {
    throw new SloConfigError(
      `${path}.objective`,
      `must be a fraction between 0 and 1 (exclusive), e.g. 0.999 for 99.9%; got ${objective}`,
    );
  }
  return objective;
}

function readWindow(item: Config, key: string): BurnWindow {
  const longWindowMs = readDurationMs(item, 'long', key);
  const shortWindowMs = readDurationMs(item, 'short', key);
  const rate = readNumber(item, 'burnRate', key);
  if (longWindowMs === undefined) {
    throw new SloConfigError(`${key}.long`, 'is required');
  }
  if (shortWindowMs === undefined) {
    throw new SloConfigError(`${key}.short`, 'is required');
  }
  if (rate === undefined) {
    throw new SloConfigError(`${key}.burnRate`, 'is required');
  }
  if (!(longWindowMs > 0)) {
    throw new SloConfigError(`${key}.long`, 'must be longer than zero');
  }
  if (!(shortWindowMs > 0)) {
    throw new SloConfigError(`${key}.short`, 'must be longer than zero');
  }
  if (shortWindowMs >= longWindowMs) {
    throw new SloConfigError(
      `${key}.short`,
      'must be shorter than the long window',
    );
  }
  if (!(rate > 0 && Number.isFinite(rate))) {
    throw new SloConfigError(
      `${key}.burnRate`,
      `must be a number above 0, got ${rate}`,
    );
  }
  return { longWindowMs, shortWindowMs, burnRate: rate };
}

function readWindows(block: Config, path: string): BurnWindow[] {
  if (!block.has('windows')) {
    return DEFAULT_BURN_WINDOWS.map(w => ({ ...w }));
  }
  let items: Config[];
  try {
    items = block.getConfigArray('windows');
  } catch (error) {
    throw new SloConfigError(`${path}.windows`, (error as Error).message);
  }
  if (items.length === 0) {
    // An empty list would silently switch auto-rollback off.
    throw new SloConfigError(
      `${path}.windows`,
      'must list at least one window pair; omit it for the defaults',
    );
  }
  return items.map((item, i) => readWindow(item, `${path}.windows[${i}]`));
}

/**
 * Reads and validates the SLO block at `key`; `undefined` when it is absent.
 * `options.path` is the full key used in error messages when `config` is
 * itself a sub-tree (defaults to `key`).
 */
export function readSloConfig(
  config: Config,
  key: string,
  options: { path?: string } = {},
): SloConfig | undefined {
  const path = options.path ?? key;
  if (!config.has(key)) {
    return undefined;
  }
  let block: Config;
  try {
    block = config.getConfig(key);
  } catch (error) {
    throw new SloConfigError(path, (error as Error).message);
  }
  const objective = readObjective(block, path);
  const periodMs =
    readDurationMs(block, 'period', path) ?? DEFAULT_SLO_PERIOD_MS;
  if (!(periodMs > 0)) {
    throw new SloConfigError(`${path}.period`, 'must be longer than zero');
  }
  const sustainMs =
    readDurationMs(block, 'sustain', path) ?? DEFAULT_SUSTAIN_MS;
  if (!(sustainMs >= 0)) {
    throw new SloConfigError(`${path}.sustain`, 'must not be negative');
  }
  const minRequests =
    readNumber(block, 'minRequests', path) ?? DEFAULT_MIN_REQUESTS;
  if (!(Number.isInteger(minRequests) && minRequests >= 0)) {
    throw new SloConfigError(
      `${path}.minRequests`,
      `must be a whole number, zero or more; got ${minRequests}`,
    );
  }
  const windows = readWindows(block, path);
  const settleMs = readDurationMs(block, 'settle', path) ?? DEFAULT_SETTLE_MS;
  if (!(settleMs >= 0)) {
    throw new SloConfigError(`${path}.settle`, 'must not be negative');
  }
  let provider: string;
  let providerOptions: Record<string, unknown>;
  try {
    provider = block.getOptionalString('provider') ?? 'push';
    providerOptions =
      (block.getOptionalConfig('providerOptions')?.get() as Record<
        string,
        unknown
      >) ?? {};
  } catch (error) {
    throw new SloConfigError(path, (error as Error).message);
  }
  // The error ratio cannot exceed 1, so the burn rate cannot exceed
  // 1 / budget: at 90% the workbook's 14.4x could never fire.
  const maxRate = 1 / errorBudget(objective);
  windows.forEach((w, i) => {
    if (reaches(maxRate, w.burnRate)) {
      return;
    }
    const limit = `can never be reached at objective ${objective} (at most ${Number(
      maxRate.toFixed(2),
    )}x)`;
    if (block.has('windows')) {
      throw new SloConfigError(
        `${path}.windows[${i}].burnRate`,
        `${w.burnRate}x ${limit}`,
      );
    }
    throw new SloConfigError(
      `${path}.objective`,
      `the default burn rate ${w.burnRate}x ${limit}; set ${path}.windows`,
    );
  });
  return {
    objective,
    periodMs,
    sustainMs,
    minRequests,
    windows,
    provider,
    providerOptions,
    settleMs,
  };
}
