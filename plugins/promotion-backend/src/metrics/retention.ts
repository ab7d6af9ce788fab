import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { SoakSampleStore } from './SoakSampleStore';

/** The config key of the soak sample retention. */
export const SOAK_SAMPLE_RETENTION_KEY = 'promotion.soakSamples.retention';

const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** Reads how long soak samples are kept (default 30 days); errors name the key. */
export function readSoakSampleRetentionMs(config: Config): number {
  if (!config.has(SOAK_SAMPLE_RETENTION_KEY)) {
    return DEFAULT_RETENTION_MS;
  }
  let ms: number;
  try {
    ms = durationToMilliseconds(
      readDurationFromConfig(config, { key: SOAK_SAMPLE_RETENTION_KEY }),
    );
  } catch (error) {
    throw new Error(
      `Invalid promotion config at '${SOAK_SAMPLE_RETENTION_KEY}': unreadable duration (${
        (error as Error).message
      })`,
    );
  }
  if (!(ms > 0)) {
    throw new Error(
      `Invalid promotion config at '${SOAK_SAMPLE_RETENTION_KEY}': must be longer than zero`,
    );
  }
  return ms;
}

/** Deletes samples older than the retention; returns how many. */
export function pruneSoakSamples(
  samples: SoakSampleStore,
  retentionMs: number,
  now: Date = new Date(),
): Promise<number> {
  return samples.deleteSamplesBefore(new Date(now.getTime() - retentionMs));
}
