import type {
  GateResult,
  SoakView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

const MINUTE = 60_000;

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value)
    ? value
    : undefined;
}

function soakSummary(elapsedMs: number, requiredMs: number): string {
  const elapsed = Math.floor(Math.min(elapsedMs, requiredMs) / MINUTE);
  return `soak ${elapsed} of ${Math.round(requiredMs / MINUTE)} min`;
}

function testsSummary(results: Record<string, unknown>): string {
  return Object.entries(results)
    .map(([suite, result]) => {
      const status = (result as { status?: string } | null)?.status;
      return `${suite} ${status ?? 'missing'}`;
    })
    .join(', ');
}

function scalarSummary(evidence: Record<string, unknown>): string | undefined {
  const parts = Object.entries(evidence)
    .filter(
      ([key, value]) =>
        key !== 'errored' &&
        ['string', 'number', 'boolean'].includes(typeof value),
    )
    .slice(0, 3)
    .map(([key, value]) => `${key}: ${value}`);
  return parts.length ? parts.join(', ') : undefined;
}

/**
 * A short human summary of a gate's evidence, such as "soak 11 of 15 min".
 * The soak gate's progress falls back to the source lane's soak view when
 * the evidence does not carry it.
 */
export function summarizeEvidence(
  gate: GateResult,
  sourceSoak?: SoakView,
  now: number = Date.now(),
): string | undefined {
  const evidence = gate.evidence ?? {};
  const elapsed = asNumber(evidence.elapsedMs) ?? asNumber(evidence.soakedMs);
  const required = asNumber(evidence.requiredMs);
  if (elapsed !== undefined && required !== undefined) {
    return soakSummary(elapsed, required);
  }
  if (gate.gate === 'soak' && sourceSoak) {
    return soakSummary(
      now - new Date(sourceSoak.startedAt).getTime(),
      sourceSoak.requiredMs,
    );
  }
  if (evidence.results && typeof evidence.results === 'object') {
    return testsSummary(evidence.results as Record<string, unknown>);
  }
  if (typeof evidence.until === 'string') {
    return `until ${new Date(evidence.until).toLocaleString()}`;
  }
  return scalarSummary(evidence);
}
