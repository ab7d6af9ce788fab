import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  normalizeEntityRef,
  sameEntityRef,
  type Approval,
  type ApprovalEvidence,
  type Artifact,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { TypedGate } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { minimatch } from 'minimatch';
import {
  EnvironmentConfig,
  PipelineConfigError,
  Pipelines,
} from '../config/pipelines';

/** The name pipelines use for the approval gate. */
export const APPROVAL_GATE_NAME = 'approval';

/** Labels that make an artifact risky unless a pipeline says otherwise. */
export const DEFAULT_RISKY_LABELS = ['schema-migration', 'iam', 'payment'];

/** The approval gate's options, read from its entry in the pipeline config. */
export interface ApprovalOptions {
  /** Artifact labels that make it risky. */
  labels: string[];
  /** Globs over changed paths that make it risky. */
  paths: string[];
  /**
   * Group entity ref (`group:<namespace>/<name>`) whose members alone may
   * approve or reject; anyone with `promotion.approve` when unset.
   */
  group?: string;
}

/** An approval option that cannot be used; `key` is the option's name inside the gate entry. */
export class ApprovalOptionsError extends Error {
  constructor(readonly key: string, readonly problem: string) {
    super(`approval option '${key}' ${problem}`);
    this.name = 'ApprovalOptionsError';
  }
}

const OPTION_KEYS = ['labels', 'paths', 'group'];

const stringList = (value: unknown, name: string): string[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
    throw new ApprovalOptionsError(name, 'must be a list of strings');
  }
  return value as string[];
};

function readGroup(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const example = 'such as group:default/payments-approvers';
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ApprovalOptionsError(
      'group',
      `must be a group entity ref ${example}`,
    );
  }
  let ref;
  try {
    ref = parseEntityRef(value.trim(), {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch (error) {
    throw new ApprovalOptionsError(
      'group',
      `'${value}' is not an entity ref ${example} (${
        (error as Error).message
      })`,
    );
  }
  if (ref.kind.toLocaleLowerCase('en-US') !== 'group') {
    throw new ApprovalOptionsError(
      'group',
      `'${value}' is a ${ref.kind}, not a group; use a group entity ref ${example}`,
    );
  }
  return stringifyEntityRef({ ...ref, kind: 'group' });
}

/**
 * Validates and defaults the approval gate's options; throws an
 * {@link ApprovalOptionsError} naming the key. Unknown keys are refused: a
 * misspelt `group` would otherwise let anyone approve.
 */
export function readApprovalOptions(
  options: Record<string, unknown>,
): ApprovalOptions {
  const unknown = Object.keys(options).find(k => !OPTION_KEYS.includes(k));
  if (unknown) {
    throw new ApprovalOptionsError(
      unknown,
      `is unknown (known: ${OPTION_KEYS.join(', ')})`,
    );
  }
  const group = readGroup(options.group);
  return {
    labels: stringList(options.labels, 'labels') ?? DEFAULT_RISKY_LABELS,
    paths: stringList(options.paths, 'paths') ?? [],
    ...(group ? { group } : {}),
  };
}

/** The approval options of an environment's approval gate, if it has one. */
export function approvalOptionsOf(
  environment: EnvironmentConfig,
): ApprovalOptions | undefined {
  const gate = environment.gates.find(g => g.name === APPROVAL_GATE_NAME);
  return gate ? readApprovalOptions(gate.options) : undefined;
}

/**
 * Checks every approval gate of every pipeline at start-up, so a bad option
 * (above all a `group` that is not a group) stops the backend with the key.
 */
export function validateApprovalGates(pipelines: Pipelines): void {
  for (const pipeline of pipelines.values()) {
    pipeline.environments.forEach((env, e) =>
      env.gates.forEach((gate, g) => {
        if (gate.name !== APPROVAL_GATE_NAME) return;
        try {
          readApprovalOptions(gate.options);
        } catch (error) {
          if (error instanceof ApprovalOptionsError) {
            throw new PipelineConfigError(
              `promotion.pipelines.${pipeline.name}.environments[${e}].gates[${g}].${error.key}`,
              error.problem,
            );
          }
          throw error;
        }
      }),
    );
  }
}

/** Why an artifact needs a human, or an empty list when it does not. */
export function riskReasons(
  artifact: Pick<Artifact, 'labels' | 'changedPaths'>,
  options: Record<string, unknown>,
): string[] {
  const { labels, paths } = readApprovalOptions(options);
  const reasons = artifact.labels.filter(l => labels.includes(l));
  for (const pattern of paths) {
    const hit = artifact.changedPaths.find(p =>
      minimatch(p, pattern, { dot: true }),
    );
    if (hit) reasons.push(`${hit} matches ${pattern}`);
  }
  return reasons;
}

/** Whether a decision by `actor` counts: a person's, and not the author's. */
export function countsAsPersonDecision(
  actor: string,
  author: string | undefined,
): boolean {
  if (!normalizeEntityRef(actor).startsWith('user:')) return false;
  return !author || !sameEntityRef(actor, author);
}

/**
 * Requires a human approval for risky artifacts only (by label or changed
 * path). A rejection fails the promotion for good. Who may approve (the
 * permission, the `group` option, and that the author may not) is enforced
 * where the approval is given; the gate says who it waits for.
 */
export function createApprovalGate(options: {
  listApprovals: (promotionId: string) => Promise<Approval[]>;
}): TypedGate<ApprovalEvidence> {
  return {
    name: APPROVAL_GATE_NAME,
    async evaluate(context) {
      const { group } = readApprovalOptions(context.options);
      const reasons = riskReasons(context.artifact, context.options);
      if (reasons.length === 0) {
        return { verdict: 'passed', reason: 'not risky: no approval needed' };
      }
      // The commands refuse these already; the gate holds the same line so a
      // decision stored by an older release cannot count.
      const approvals = (
        await options.listApprovals(context.promotionId)
      ).filter(a => countsAsPersonDecision(a.actor, context.artifact.author));
      const evidence: ApprovalEvidence = {
        risk: reasons,
        approvals,
        ...(group ? { group } : {}),
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
        // Approvals and rejections wake the promotion.
        nextCheckAt: 'event',
        reason: `waiting for approval${
          group ? ` by ${group}` : ''
        }: ${reasons.join(', ')}`,
        evidence,
      };
    },
  };
}
