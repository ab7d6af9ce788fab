import { Config, readDurationFromConfig } from '@backstage/config';

/** Where the longest one gate evaluation may take is configured. */
export const GATE_TIMEOUT_CONFIG_KEY = 'promotion.engine.gateTimeout';

/** Used when {@link GATE_TIMEOUT_CONFIG_KEY} is not set. */
export const DEFAULT_GATE_TIMEOUT_MS = 10_000;

/**
 * Upper bound: the engine leases a claimed promotion for 60 s, and a pass
 * must finish all its gates, the write and the wake-up well inside it.
 */
export const MAX_GATE_TIMEOUT_MS = 30_000;

const UNIT_MS: Record<string, number> = {
  milliseconds: 1,
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/**
 * Reads `promotion.engine.gateTimeout`: the longest one gate evaluation (and
 * the burn-rate watch's one metrics query) may take before it counts as
 * failed. Modules whose calls run inside a gate (a metrics provider's query
 * timeout) must stay at or under it, or the gate times out first and their
 * own, clearer error never shows. Throws naming the key when it is invalid.
 */
export function readGateTimeoutMs(config: Config): number {
  if (!config.has(GATE_TIMEOUT_CONFIG_KEY)) {
    return DEFAULT_GATE_TIMEOUT_MS;
  }
  let ms = 0;
  try {
    const duration = readDurationFromConfig(config, {
      key: GATE_TIMEOUT_CONFIG_KEY,
    }) as Record<string, number | undefined>;
    for (const [unit, value] of Object.entries(duration)) {
      // Years and months have no fixed length; no gate timeout is that long.
      ms += (value ?? 0) * (UNIT_MS[unit] ?? Infinity);
    }
  } catch (error) {
    throw new Error(
      `${GATE_TIMEOUT_CONFIG_KEY} is not a valid duration: ${
        (error as Error).message
      }`,
    );
  }
  if (!(ms > 0 && ms <= MAX_GATE_TIMEOUT_MS)) {
    throw new Error(
      `${GATE_TIMEOUT_CONFIG_KEY} must be longer than zero and at most ${
        MAX_GATE_TIMEOUT_MS / 1000
      } s (the engine's 60 s lease on a promotion must cover a whole pass)`,
    );
  }
  return ms;
}
