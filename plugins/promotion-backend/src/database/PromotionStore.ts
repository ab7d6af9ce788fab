import type { BurnWatchStore } from './BurnWatchStore';
import type { DecisionStore } from './DecisionStore';
import type { LaneStore } from './LaneStore';
import type { PageOutboxStore } from './PageOutboxStore';
import type {
  Artifact,
  AuditEvent,
  DeploymentState,
  DeploymentTrigger,
  GateResult,
  MigrationInfo,
  Page,
  PromotionState,
  TestResult,
  TestSuite,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

/** An artifact as the engine sees it. */
export interface ArtifactRecord extends Artifact {
  pipeline: string;
  bad: boolean;
  badReason?: string;
}

/** What CI registers. */
export interface NewArtifact {
  entityRef: string;
  digest: string;
  pipeline: string;
  version: string;
  commit: string;
  author?: string;
  labels: string[];
  changedPaths: string[];
  migration?: MigrationInfo;
}

/** A test run to store. */
export interface NewTestResult {
  suite: TestSuite;
  environment?: string;
  status: 'passed' | 'failed';
  passed?: number;
  failed?: number;
  url?: string;
}

/** A promotion as stored. */
export interface PromotionRecord {
  id: string;
  entityRef: string;
  artifactId: string;
  fromEnvironment?: string;
  toEnvironment: string;
  trigger: DeploymentTrigger;
  actor: string;
  reason?: string;
  state: PromotionState;
  deploymentId?: string;
  nextCheckAt: Date;
  /** How often it was woken; a release keeps a wake that came after the claim. */
  wakes: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A deployment as stored. */
export interface DeploymentRecord {
  id: string;
  entityRef: string;
  environment: string;
  artifactId: string;
  promotionId?: string;
  state: DeploymentState;
  trigger: DeploymentTrigger;
  actor: string;
  reason?: string;
  deployCalls: number;
  attempts: number;
  nextCheckAt: Date;
  deployStartedAt?: Date;
  deployAcceptedAt?: Date;
  /** Last status the deploy system reported through the status callback. */
  reportedState?: ReportedStatus['state'];
  reportedReason?: string;
  healthyAt?: Date;
  verifiedAt?: Date;
  stateSince: Date;
  createdAt: Date;
}

/** A queued deployment the engine asks to start, with its artifact's digest. */
export interface DeploymentStart {
  deployment: DeploymentRecord;
  digest: string;
  actor: string;
  now: Date;
}

/** A deploy system's own word on a deployment, from a status callback. */
export interface ReportedStatus {
  state: 'running' | 'succeeded' | 'failed';
  reason?: string;
}

/** Fields a deployment transition may change besides the state. */
export type DeploymentPatch = Partial<
  Pick<
    DeploymentRecord,
    | 'reason'
    | 'deployCalls'
    | 'attempts'
    | 'nextCheckAt'
    | 'deployStartedAt'
    | 'deployAcceptedAt'
    | 'healthyAt'
    | 'verifiedAt'
  >
>;

/** An audit event to append. */
export interface NewEvent {
  entityRef: string;
  environment?: string;
  digest?: string;
  kind: string;
  actor: string;
  details?: Record<string, unknown>;
}

/** Who or what caused a change, and why; lands in the audit log. */
export interface ChangeContext {
  actor: string;
  digest: string;
  reason?: string;
  details?: Record<string, unknown>;
}

/** A promotion to create. */
export interface NewPromotion {
  entityRef: string;
  artifactId: string;
  digest: string;
  fromEnvironment?: string;
  toEnvironment: string;
  trigger: DeploymentTrigger;
  actor: string;
  reason?: string;
}

/** Filters for listing deployments. */
export interface DeploymentQuery {
  environment?: string;
  states?: DeploymentState[];
  limit?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  /**
   * Count every matching row for `totalCount` (default). The engine passes
   * false: a count grows with the lane's history, the rows it reads do not.
   */
  total?: boolean;
}

/** Filters for listing audit events. */
export interface EventQuery {
  environment?: string;
  kind?: string;
  limit?: number;
  cursor?: string;
}

/**
 * Durable state of the promotion engine. Every state change is a
 * compare-and-set: it returns false (and changes nothing) when the row was
 * not in the expected state, so concurrent engines each win a transition at
 * most once.
 */
export interface PromotionStore {
  /**
   * Runs `fn` in one database transaction with a store bound to it. With
   * `batchEvents`, the audit events it appends go in as one statement at
   * its end, in the order appended (for transactions that write many).
   */
  transaction<T>(
    fn: (tx: PromotionStore) => Promise<T>,
    options?: { batchEvents?: boolean },
  ): Promise<T>;
  /** Approvals, holds, freezes and rollbacks, on the same connection or transaction. */
  decisions(): DecisionStore;
  /** Burn-rate watches of deployments, on the same connection or transaction. */
  burnWatch(): BurnWatchStore;
  /** Batched reads and writes of many lanes at once (the engine's snapshot). */
  lanes(): LaneStore;
  /** The page outbox, on the same connection or transaction: pages go with the change that owes them. */
  pages(): PageOutboxStore;

  /** Stores an artifact; idempotent per entity and digest; ConflictError when immutable fields differ. */
  registerArtifact(
    input: NewArtifact,
    testResults: NewTestResult[],
    actor: string,
    now: Date,
  ): Promise<{ artifact: ArtifactRecord; created: boolean }>;
  getArtifact(
    entityRef: string,
    digest: string,
  ): Promise<ArtifactRecord | undefined>;
  getArtifactsById(ids: string[]): Promise<Map<string, ArtifactRecord>>;
  markArtifactBad(
    id: string,
    reason: string | undefined,
    ctx: ChangeContext & { entityRef: string },
    now: Date,
  ): Promise<boolean>;

  addTestResult(
    artifact: ArtifactRecord,
    result: NewTestResult,
    actor: string,
    now: Date,
  ): Promise<void>;
  listTestResults(artifactId: string): Promise<TestResult[]>;

  /** Creates a pending promotion and cancels older pending ones into the same environment. */
  createPromotion(input: NewPromotion, now: Date): Promise<PromotionRecord>;
  getPromotion(id: string): Promise<PromotionRecord | undefined>;
  listPromotions(
    entityRef: string,
    states: PromotionState[],
  ): Promise<PromotionRecord[]>;
  /** Leases up to `limit` promotions that are pending and due. */
  claimPromotions(
    now: Date,
    ticket: string,
    leaseMs: number,
    limit: number,
  ): Promise<PromotionRecord[]>;
  /** How many promotions and deployments are due now (leased or not). */
  countDue(now: Date): Promise<number>;
  /** Makes pending promotions due now and counts the wake (an event arrived for them). */
  wakePromotions(
    filter: { artifactId?: string; entityRef?: string; environment?: string },
    now: Date,
  ): Promise<void>;
  /**
   * Moves a promotion from its state as read to `to`, with its audit event:
   * false (nothing written) when the state changed since. Throws when the
   * transition table (`domain/states.ts`) refuses the move.
   */
  transitionPromotion(
    promotion: PromotionRecord,
    to: PromotionState,
    ctx: ChangeContext,
    now: Date,
    deploymentId?: string,
  ): Promise<boolean>;
  listGateResults(promotionIds: string[]): Promise<Map<string, GateResult[]>>;

  createDeployment(
    input: {
      entityRef: string;
      environment: string;
      artifactId: string;
      promotionId?: string;
      trigger: DeploymentTrigger;
      actor: string;
    },
    ctx: ChangeContext,
    now: Date,
    id?: string,
  ): Promise<DeploymentRecord>;
  getDeployment(id: string): Promise<DeploymentRecord | undefined>;
  listDeployments(
    entityRef: string,
    query?: DeploymentQuery,
  ): Promise<Page<DeploymentRecord>>;
  /** Leases up to `limit` deployments that are in flight and due. */
  claimDeployments(
    now: Date,
    ticket: string,
    leaseMs: number,
    limit: number,
  ): Promise<DeploymentRecord[]>;
  releaseDeployment(
    id: string,
    ticket: string,
    nextCheckAt: Date,
    attempts?: number,
  ): Promise<void>;
  /**
   * Starts queued deployments of many lanes in one transaction, each as if
   * alone: it gives way to a newer deployment on its way in its lane, or
   * supersedes the older ones and moves to `deploying`. Returns each one as
   * it now is, or undefined when it did not start (no longer queued, or
   * superseded).
   */
  startDeployments(
    starts: DeploymentStart[],
  ): Promise<Array<DeploymentRecord | undefined>>;
  /**
   * Moves a deployment from its state as read to `to`, with its patch and
   * audit event: false (nothing written) when the state changed since. Throws
   * when the transition table (`domain/states.ts`) refuses the move.
   */
  transitionDeployment(
    deployment: DeploymentRecord,
    to: DeploymentState,
    patch: DeploymentPatch,
    ctx: ChangeContext,
    now: Date,
  ): Promise<boolean>;
  /**
   * Records what the deploy system reported through the status callback, with
   * its audit event, and makes the deployment due now. A compare-and-set on
   * the deployment's state and last reported status: false (nothing written)
   * when either changed since `deployment` was read.
   */
  reportDeploymentStatus(
    deployment: DeploymentRecord,
    report: ReportedStatus,
    ctx: ChangeContext,
    now: Date,
  ): Promise<boolean>;
  /** Counts a deployer call (for the audit and the idempotency checks). */
  countDeployCall(id: string, acceptedAt: Date | undefined): Promise<void>;

  appendEvent(event: NewEvent, now: Date): Promise<void>;
  listEvents(entityRef: string, query?: EventQuery): Promise<Page<AuditEvent>>;
}
