import type {
  GateResult,
  GateVerdict,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  Gate,
  GateContext,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { withTimeout } from '../timeout';

const VERDICTS: GateVerdict[] = ['passed', 'pending', 'failed'];

/**
 * Runs one gate and never lets it pass by accident: a throw, a timeout, a
 * missing gate or an answer that is not a known verdict all yield `failed`
 * with `errored` set, so the promotion stays blocked.
 */
export async function evaluateGate(
  name: string,
  gate: Gate | undefined,
  context: GateContext,
  timeoutMs: number,
): Promise<GateResult> {
  const errored = (reason: string): GateResult => ({
    gate: name,
    verdict: 'failed',
    errored: true,
    reason,
    evaluatedAt: context.now.toISOString(),
  });
  if (!gate) {
    return errored(`gate '${name}' is not installed`);
  }
  try {
    const evaluation = await withTimeout(gate.evaluate(context), timeoutMs);
    if (!evaluation || !VERDICTS.includes(evaluation.verdict)) {
      return errored(`gate '${name}' returned no valid verdict`);
    }
    return {
      gate: name,
      // An errored check can never pass, whatever verdict it claims.
      verdict: evaluation.errored ? 'failed' : evaluation.verdict,
      errored: Boolean(evaluation.errored),
      ...(evaluation.final && evaluation.verdict === 'failed'
        ? { final: true }
        : {}),
      reason: String(evaluation.reason ?? ''),
      evidence: evaluation.evidence,
      evaluatedAt: context.now.toISOString(),
      // A check that could not run is retried on the regular interval.
      ...(evaluation.nextCheckAt && !evaluation.errored
        ? { nextCheckAt: nextCheckOf(evaluation.nextCheckAt) }
        : {}),
    };
  } catch (error) {
    return errored(
      `gate '${name}' could not run: ${
        (error as Error)?.message ?? String(error)
      }`,
    );
  }
}

function nextCheckOf(at: Date | 'event'): string {
  return at === 'event' ? 'event' : new Date(at).toISOString();
}

/** The worst verdict wins: failed over pending over passed; no gates means passed. */
export function worstVerdict(
  results: Pick<GateResult, 'verdict'>[],
): GateVerdict {
  if (results.some(r => r.verdict === 'failed')) return 'failed';
  if (results.some(r => r.verdict === 'pending')) return 'pending';
  return 'passed';
}
