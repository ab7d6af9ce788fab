import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration, durationToMilliseconds } from '@backstage/types';

/** How often the scheduler re-evaluates gates, soaks and stuck work. */
export function readEngineSchedule(config: Config): HumanDuration {
  return config.has('promotion.schedule')
    ? readDurationFromConfig(config, { key: 'promotion.schedule' })
    : { seconds: 5 };
}

/** How often the burn rate of every environment with an SLO is evaluated. */
export function readAutoRollbackSchedule(config: Config): HumanDuration {
  return config.has('promotion.autoRollback.schedule')
    ? readDurationFromConfig(config, { key: 'promotion.autoRollback.schedule' })
    : { seconds: 30 };
}

/** Where the time one engine pass should stay under is configured. */
export const PASS_BUDGET_CONFIG_KEY = 'promotion.engine.passBudget';

/** Used when {@link PASS_BUDGET_CONFIG_KEY} is not set. */
export const DEFAULT_PASS_BUDGET_MS = 2_000;

/**
 * Upper bound: a pass that runs past the engine's 60 s lease on a claimed
 * promotion has lost its claims already; a budget that long warns too late.
 */
export const MAX_PASS_BUDGET_MS = 60_000;

/**
 * Reads `promotion.engine.passBudget`: how long one engine pass may take
 * before the engine logs a warning naming the duration and the budget.
 * Throws naming the key when it is not a duration or out of range.
 */
export function readPassBudgetMs(config: Config): number {
  if (!config.has(PASS_BUDGET_CONFIG_KEY)) {
    return DEFAULT_PASS_BUDGET_MS;
  }
  let ms: number;
  try {
    ms = durationToMilliseconds(
      readDurationFromConfig(config, { key: PASS_BUDGET_CONFIG_KEY }),
    );
  } catch (error) {
    throw new Error(
      `${PASS_BUDGET_CONFIG_KEY} is not a valid duration: ${
        (error as Error).message
      }`,
    );
  }
  if (!(ms > 0 && ms <= MAX_PASS_BUDGET_MS)) {
    throw new Error(
      `${PASS_BUDGET_CONFIG_KEY} must be longer than zero and at most ${
        MAX_PASS_BUDGET_MS / 1000
      } s (a pass longer than the engine's 60 s lease has lost its claims)`,
    );
  }
  return ms;
}

/** Deployments one replica works on at once, unless configured. */
export const DEFAULT_CONCURRENCY = 8;
/** Promotions one replica evaluates at once, unless configured: four batches of 500. */
export const DEFAULT_EVALUATION_CONCURRENCY = 2000;

/** Where the number of deployments one replica works on at once is configured. */
export const CONCURRENCY_CONFIG_KEY = 'promotion.engine.concurrency';
/** Where the number of promotions one replica evaluates at once is configured. */
export const EVALUATION_CONCURRENCY_CONFIG_KEY =
  'promotion.engine.evaluationConcurrency';

function readWholeNumber(
  config: Config,
  key: string,
  fallback: number,
  max: number,
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(
      `${key} must be a whole number from 1 to ${max}, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `promotion.engine.concurrency` (default 8, 1 to 200): how many due
 * deployments one replica works on at once. Each holds its slot while its
 * deploy and status calls run, so this bounds the load on deploy systems.
 */
export function readEngineConcurrency(config: Config): number {
  return readWholeNumber(
    config,
    CONCURRENCY_CONFIG_KEY,
    DEFAULT_CONCURRENCY,
    200,
  );
}

/**
 * Reads `promotion.engine.evaluationConcurrency` (default 2000, 1 to 5000):
 * how many due promotions one replica evaluates at once. Promotions
 * evaluated together share their database reads and writes (one statement
 * per kind for up to 500 lanes), so a larger number is faster after a mass
 * wake-up (a lifted freeze): the default keeps four such batches in flight,
 * so the database writes one while the engine runs another's gates (with
 * two, both often waited on the database). Each still holds its slot while
 * its gates run, so it also bounds the load on metrics sources.
 */
export function readEvaluationConcurrency(config: Config): number {
  return readWholeNumber(
    config,
    EVALUATION_CONCURRENCY_CONFIG_KEY,
    DEFAULT_EVALUATION_CONCURRENCY,
    5000,
  );
}
