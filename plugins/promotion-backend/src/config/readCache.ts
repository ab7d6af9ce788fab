import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** Where the read cache's lifetime is configured. */
export const READ_CACHE_TTL_CONFIG_KEY = 'promotion.readCache.ttl';

/** Used when {@link READ_CACHE_TTL_CONFIG_KEY} is not set. */
export const DEFAULT_READ_CACHE_TTL_MS = 3_000;

/** Longer would let a removed entity or a revoked permission linger too long. */
export const MAX_READ_CACHE_TTL_MS = 60_000;

/**
 * Reads `promotion.readCache.ttl`: how long a catalog lookup, a read
 * permission decision and a pipeline answer under an unchanged ETag are
 * reused (default 3 s; zero turns the caches off).
 * Throws naming the key when it is not a duration or out of range.
 */
export function readReadCacheTtlMs(config: Config): number {
  if (!config.has(READ_CACHE_TTL_CONFIG_KEY)) {
    return DEFAULT_READ_CACHE_TTL_MS;
  }
  let ms: number;
  try {
    ms = durationToMilliseconds(
      readDurationFromConfig(config, { key: READ_CACHE_TTL_CONFIG_KEY }),
    );
  } catch (error) {
    throw new Error(
      `${READ_CACHE_TTL_CONFIG_KEY} is not a valid duration: ${
        (error as Error).message
      }`,
    );
  }
  if (!(ms >= 0 && ms <= MAX_READ_CACHE_TTL_MS)) {
    throw new Error(
      `${READ_CACHE_TTL_CONFIG_KEY} must be from zero to ${
        MAX_READ_CACHE_TTL_MS / 1000
      } s`,
    );
  }
  return ms;
}
