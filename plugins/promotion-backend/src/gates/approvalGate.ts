import type { Approval, Artifact } from '@internal/plugin-promotion-common';
import type { Gate } from '@internal/plugin-promotion-node';
import { minimatch } from 'minimatch';

/** Labels that make an artifact risky unless a pipeline says otherwise. */
export const DEFAULT_RISKY_LABELS = ['schema-migration', 'iam', 'payment'];

const stringList = (value: unknown, name: string): string[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
    throw new Error(`option '${name}' must be a list of strings`);
  }
  return value as string[];
};

/** Why an artifact needs a human, or an empty list when it does not. */
export function riskReasons(
  artifact: Pick<Artifact, 'labels' | 'changedPaths'>,
  options: Record<string, unknown>,
): string[] {
  const labels = stringList(options.labels, 'labels') ?? DEFAULT_RISKY_LABELS;
  const paths = stringList(options.paths, 'paths') ?? [];
  const reasons = artifact.labels.filter(l => labels.includes(l));
  for (const pattern of paths) {
    const hit = artifact.changedPaths.find(p =>
      minimatch(p, pattern, { dot: true }),
    );
    if (hit) reasons.push(`${hit} matches ${pattern}`);
  }
  return reasons;
}

/**
 * Requires a human approval for risky artifacts only (by label or changed
 * path). A rejection fails the promotion for good. Who may approve (and that
 * the author may not) is enforced where the approval is given.
 */
export function createApprovalGate(options: {
  listApprovals: (promotionId: string) => Promise<Approval[]>;
}): Gate {
  return {
    name: 'approval',
    async evaluate(context) {
      const reasons = riskReasons(context.artifact, context.options);
      if (reasons.length === 0) {
        return { verdict: 'passed', reason: 'not risky: no approval needed' };
      }
      const approvals = await options.listApprovals(context.promotionId);
      const evidence = {
        risk: reasons,
        approvals,
        group: context.options.group,
      };
      const rejection = approvals.find(a => a.decision === 'rejected');
      if (rejection) {
        return {
          verdict: 'failed',
          final: true,
          reason: `rejected by ${rejection.actor}${
            rejection.comment ? `: ${rejection.comment}` : ''
          }`,
          evidence,
        };
      }
      const approval = approvals.find(a => a.decision === 'approved');
      if (approval) {
        return {
          verdict: 'passed',
          reason: `approved by ${approval.actor}`,
          evidence,
        };
      }
      return {
        verdict: 'pending',
        reason: `waiting for approval: ${reasons.join(', ')}`,
        evidence,
      };
    },
  };
}
