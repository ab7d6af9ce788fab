import type {
  AuditEvent,
  DeploymentState,
  DeploymentTrigger,
  GateResult,
  GateVerdict,
  PromotionState,
  TestResult,
  TestSuite,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { toDate } from './dates';
import {
  ArtifactRecord,
  ChangeContext,
  DeploymentRecord,
  NewEvent,
  PromotionRecord,
} from './PromotionStore';
import {
  ArtifactRow,
  DeploymentRow,
  EventRow,
  GateResultRow,
  PromotionRow,
  TestResultRow,
} from './tables';

/** Row ↔ record mapping shared by the stores: no rules, only shapes. */
export const iso = (value: Date | string | number) =>
  toDate(value).toISOString();
export const optional = <T>(value: T | null | undefined) =>
  value === null ? undefined : value;

export function artifactFromRow(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    digest: row.digest,
    pipeline: row.pipeline,
    version: row.version,
    commit: row.commit,
    author: optional(row.author),
    labels: JSON.parse(row.labels),
    changedPaths: JSON.parse(row.changed_paths),
    migration: row.migration ? JSON.parse(row.migration) : undefined,
    registeredAt: iso(row.registered_at),
    bad: Boolean(row.bad),
    badReason: optional(row.bad_reason),
  };
}

export function promotionFromRow(row: PromotionRow): PromotionRecord {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    artifactId: row.artifact_id,
    fromEnvironment: optional(row.from_environment),
    toEnvironment: row.to_environment,
    trigger: row.trigger as DeploymentTrigger,
    actor: row.actor,
    reason: optional(row.reason),
    state: row.state as PromotionState,
    deploymentId: optional(row.deployment_id),
    nextCheckAt: toDate(row.next_check_at),
    wakes: Number(row.wakes),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function deploymentFromRow(row: DeploymentRow): DeploymentRecord {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    environment: row.environment,
    artifactId: row.artifact_id,
    promotionId: optional(row.promotion_id),
    state: row.state as DeploymentState,
    trigger: row.trigger as DeploymentTrigger,
    actor: row.actor,
    reason: optional(row.reason),
    deployCalls: Number(row.deploy_calls),
    attempts: Number(row.attempts),
    nextCheckAt: toDate(row.next_check_at),
    deployStartedAt: toDate(row.deploy_started_at),
    deployAcceptedAt: toDate(row.deploy_accepted_at),
    reportedState: optional(
      row.reported_state,
    ) as DeploymentRecord['reportedState'],
    reportedReason: optional(row.reported_reason),
    healthyAt: toDate(row.healthy_at),
    verifiedAt: toDate(row.verified_at),
    stateSince: toDate(row.state_since),
    createdAt: toDate(row.created_at),
  };
}

export function gateResultFromRow(row: GateResultRow): GateResult {
  return {
    gate: row.gate,
    verdict: row.verdict as GateVerdict,
    reason: row.reason,
    errored: Boolean(row.errored),
    evidence: row.evidence ? JSON.parse(row.evidence) : undefined,
    evaluatedAt: iso(row.evaluated_at),
  };
}

export function eventFromRow(row: EventRow): AuditEvent {
  return {
    id: String(row.id),
    entityRef: row.entity_ref,
    environment: optional(row.environment),
    digest: optional(row.digest),
    kind: row.kind,
    actor: row.actor,
    at: iso(row.at),
    details: JSON.parse(row.details),
  };
}

export function testResultFromRow(row: TestResultRow): TestResult {
  return {
    suite: row.suite as TestSuite,
    environment: optional(row.environment),
    status: row.status as TestResult['status'],
    passed: optional(row.passed_count),
    failed: optional(row.failed_count),
    url: optional(row.url),
    reportedAt: iso(row.reported_at),
  };
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

/** A page size within 1..500, 50 unless asked. */
export const pageSize = (limit?: number) =>
  Math.min(Math.max(limit ?? DEFAULT_PAGE, 1), MAX_PAGE);

/** A new deployment: queued, due at once, nothing called yet. */
export function queuedDeploymentRow(
  input: {
    entityRef: string;
    environment: string;
    artifactId: string;
    promotionId?: string;
    trigger: string;
    actor: string;
    reason?: string;
  },
  id: string,
  now: Date,
): DeploymentRow {
  return {
    id,
    entity_ref: input.entityRef,
    environment: input.environment,
    artifact_id: input.artifactId,
    promotion_id: input.promotionId ?? null,
    state: 'queued',
    trigger: input.trigger,
    actor: input.actor,
    reason: input.reason ?? null,
    deploy_calls: 0,
    attempts: 0,
    lease_ticket: null,
    lease_expires_at: null,
    next_check_at: now,
    deploy_started_at: null,
    deploy_accepted_at: null,
    reported_state: null,
    reported_reason: null,
    healthy_at: null,
    verified_at: null,
    state_since: now,
    created_at: now,
  };
}

/** The audit row of an event. */
export function eventRow(event: NewEvent, now: Date): EventRow {
  return {
    entity_ref: event.entityRef,
    environment: event.environment ?? null,
    digest: event.digest || null,
    kind: event.kind,
    actor: event.actor,
    details: JSON.stringify(event.details ?? {}),
    at: now,
  };
}

/** Who an event names and why; the digest and details are optional. */
type Audit = Omit<ChangeContext, 'digest'> & { digest?: string };

/** An event of one lane, named by `audit`; the caller's details come first, `audit.details` last. */
function laneEvent(
  lane: { entityRef: string; environment: string },
  kind: string,
  audit: Audit,
  details: Record<string, unknown>,
): NewEvent {
  return {
    entityRef: lane.entityRef,
    environment: lane.environment,
    digest: audit.digest,
    kind,
    actor: audit.actor,
    details: { ...details, ...audit.details },
  };
}

/** The `promotion.<to>` event of a promotion's move: one shape for every path that moves one. */
export function promotionEvent(
  promotion: PromotionRecord,
  to: PromotionState,
  audit: Audit & { deploymentId?: string },
): NewEvent {
  return laneEvent(
    { entityRef: promotion.entityRef, environment: promotion.toEnvironment },
    `promotion.${to}`,
    audit,
    {
      promotionId: promotion.id,
      from: promotion.fromEnvironment,
      trigger: promotion.trigger,
      reason: audit.reason,
      deploymentId: audit.deploymentId,
    },
  );
}

/** The `deployment.queued` event of a new deployment. */
export function queuedEvent(
  deployment: {
    id: string;
    entityRef: string;
    environment: string;
    trigger: string;
  },
  audit: Audit,
): NewEvent {
  return laneEvent(deployment, 'deployment.queued', audit, {
    deploymentId: deployment.id,
    trigger: deployment.trigger,
    reason: audit.reason,
  });
}

/** The `deployment.<to>` event of a deployment's move: one shape for every path that moves one. */
export function deploymentEvent(
  deployment: DeploymentRecord,
  to: DeploymentState,
  audit: Audit,
): NewEvent {
  return laneEvent(deployment, `deployment.${to}`, audit, {
    deploymentId: deployment.id,
    from: deployment.state,
    trigger: deployment.trigger,
    reason: audit.reason,
  });
}
