import type { AutoRollbackEvidence } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** One window pair of the burn-rate reading that fired an automatic rollback. */
export interface EvidenceWindow {
  long: string;
  short: string;
  threshold?: number;
  longBurnRate?: number;
  shortBurnRate?: number;
  status?: string;
}

/** The parts of an automatic rollback's evidence the panel can show. */
export interface RollbackEvidence {
  /** SLO objective, e.g. 0.999. */
  objective?: number;
  /** How long the burn rate had to stay over its threshold before the rollback. */
  sustainMs?: number;
  windows: EvidenceWindow[];
}

const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Reads the burn-rate evidence of an automatic rollback by the keys of its
 * type in promotion-common (`AutoRollbackEvidence`). Rows written by older
 * releases may differ, so anything missing or of the wrong type is left out
 * rather than trusted.
 */
export function readRollbackEvidence(
  stored?: Record<string, unknown>,
): RollbackEvidence {
  const evidence = stored as
    | Partial<Record<keyof AutoRollbackEvidence, unknown>>
    | undefined;
  const objective = number(evidence?.objective);
  const windows: EvidenceWindow[] = [];
  const raw = evidence?.windows;
  for (const item of Array.isArray(raw) ? raw : []) {
    if (!item || typeof item !== 'object') continue;
    const w = item as Partial<
      Record<keyof AutoRollbackEvidence['windows'][number], unknown>
    >;
    const long = text(w.long);
    const short = text(w.short);
    if (!long && !short) continue;
    windows.push({
      long: long ?? '?',
      short: short ?? '?',
      threshold: number(w.threshold),
      longBurnRate: number(w.longBurnRate),
      shortBurnRate: number(w.shortBurnRate),
      status: text(w.status),
    });
  }
  return {
    objective:
      objective !== undefined && objective > 0 && objective < 1
        ? objective
        : undefined,
    sustainMs: number(evidence?.sustainMs),
    windows,
  };
}

/** True when a window pair was over its threshold: the backend says so, or both rates show it. */
export function isFiring(window: EvidenceWindow): boolean {
  if (window.status) return window.status === 'firing';
  const { threshold, longBurnRate, shortBurnRate } = window;
  return (
    threshold !== undefined &&
    longBurnRate !== undefined &&
    shortBurnRate !== undefined &&
    longBurnRate >= threshold &&
    shortBurnRate >= threshold
  );
}
