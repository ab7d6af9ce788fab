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

/** Where the number of lanes one replica works on at once is configured. */
export const CONCURRENCY_CONFIG_KEY = 'promotion.engine.concurrency';

/**
 * Reads `promotion.engine.concurrency` (default 8, 1 to 200): how many due
 * promotions and deployments one replica works on at once. Each holds its
 * slot while its gates and deploy calls run, so this bounds the load on
 * metrics sources and deploy systems, not the engine's own speed.
 */
export function readEngineConcurrency(config: Config): number {
  const value = config.getOptionalNumber(CONCURRENCY_CONFIG_KEY) ?? 8;
  if (!Number.isInteger(value) || value < 1 || value > 200) {
    throw new Error(
      `${CONCURRENCY_CONFIG_KEY} must be a whole number from 1 to 200, got ${value}`,
    );
  }
  return value;
}
