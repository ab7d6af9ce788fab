import type { BurnEvaluation } from './evaluateBurn';

/**
 * Whether a reading shows the release spending its error budget faster than
 * the SLO allows (a burn rate over 1 in some window with data); undefined
 * when no window had data to tell (the streak neither starts nor ends then).
 */
export function burningNow(evaluation: BurnEvaluation): boolean | undefined {
  const rates = evaluation.windows
    .filter(w => w.status === 'ok' || w.status === 'firing')
    .map(w => w.shortBurnRate ?? w.longBurnRate)
    .filter((rate): rate is number => rate !== undefined);
  if (rates.length === 0) return undefined;
  return rates.some(rate => rate > 1);
}

/** The start of the current burning streak after one more reading at `now`. */
export function nextBurningSince(
  previous: Date | undefined,
  burning: boolean | undefined,
  now: Date,
): Date | undefined {
  if (burning === undefined) return previous;
  return burning ? previous ?? now : undefined;
}

/**
 * When a release started hurting, for the time to recover: its first burning
 * reading, but never before it arrived in the environment. Undefined when it
 * never burned.
 */
export function impactStart(
  burningSince: Date | undefined,
  arrivedAt: Date,
): Date | undefined {
  if (!burningSince) return undefined;
  return burningSince.getTime() > arrivedAt.getTime()
    ? burningSince
    : arrivedAt;
}
