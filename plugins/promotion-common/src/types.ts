/** Where a deployment is in its life. */
export type DeploymentState =
  | 'queued'
  | 'deploying'
  | 'soaking'
  | 'verified'
  | 'failed'
  | 'superseded'
  | 'rolled_back';

/** Every deployment state, in life order. */
export const DEPLOYMENT_STATES: readonly DeploymentState[] = [
  'queued',
  'deploying',
  'soaking',
  'verified',
  'failed',
  'superseded',
  'rolled_back',
];

/** Why a deployment exists. */
export type DeploymentTrigger = 'merge' | 'promotion' | 'rollback';

/** A gate's answer. Any error while checking counts as `failed`. */
export type GateVerdict = 'passed' | 'pending' | 'failed';

/** Test suites CI reports. */
export type TestSuite = 'unit' | 'integration' | 'contract' | 'e2e';

/** Every test suite name. */
export const TEST_SUITES: readonly TestSuite[] = [
  'unit',
  'integration',
  'contract',
  'e2e',
];

/** Outcome of one reported test run. */
export type TestStatus = 'passed' | 'failed';

/** Schema-migration metadata CI declares with an artifact. */
export interface MigrationInfo {
  /** The schema version this artifact migrates the database to. */
  schemaVersion: number;
  /** The oldest schema version this artifact's code can run against. */
  minCompatibleSchemaVersion: number;
}

/** An immutable build output, identified by its content digest. */
export interface Artifact {
  id: string;
  entityRef: string;
  digest: string;
  version: string;
  commit: string;
  author?: string;
  labels: string[];
  changedPaths: string[];
  migration?: MigrationInfo;
  registeredAt: string;
}

/** One artifact running (or trying to run) in one environment. */
export interface Deployment {
  id: string;
  entityRef: string;
  environment: string;
  artifact: Artifact;
  state: DeploymentState;
  trigger: DeploymentTrigger;
  actor: string;
  /** When the deployment entered its current state. */
  stateSince: string;
  createdAt: string;
  /** Why it is in its state (failure reason, who superseded it …). */
  reason?: string;
}

/** One gate's stored verdict on a promotion. */
export interface GateResult {
  gate: string;
  verdict: GateVerdict;
  reason: string;
  /** True when the gate could not run (threw, timed out, no data). Still blocks. */
  errored: boolean;
  /** A failure no later evaluation can undo; the promotion fails. */
  final?: boolean;
  evidence?: Record<string, unknown>;
  evaluatedAt: string;
  /** When the gate needs its next look: an ISO time, or `event` (an approval, a report). */
  nextCheckAt?: string;
}

/** Where a promotion stands. */
export type PromotionState = 'pending' | 'promoted' | 'failed' | 'cancelled';

/** Moving the artifact of a verified deployment into the next environment. */
export interface Promotion {
  id: string;
  entityRef: string;
  artifact: Artifact;
  /** Source environment; absent for the first environment of a pipeline. */
  fromEnvironment?: string;
  toEnvironment: string;
  trigger: DeploymentTrigger;
  state: PromotionState;
  /** Why it ended as it did, or the rollback reason. */
  reason?: string;
  actor: string;
  gates: GateResult[];
  approvals: Approval[];
  createdAt: string;
  updatedAt: string;
}

/** One reported test run for an artifact. */
export interface TestResult {
  suite: TestSuite;
  environment?: string;
  status: TestStatus;
  passed?: number;
  failed?: number;
  url?: string;
  reportedAt: string;
}

/** A human decision on a promotion that needs approval. */
export interface Approval {
  actor: string;
  decision: 'approved' | 'rejected';
  comment?: string;
  at: string;
}

/** Keeps automation from promoting one artifact into one environment again. */
export interface Hold {
  id: string;
  entityRef: string;
  environment: string;
  digest: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

/** Stop the line: no promotions into an environment until lifted. */
export interface Freeze {
  id: string;
  /** Absent when the freeze applies to every service. */
  entityRef?: string;
  environment: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

/** A health signal watched during a soak. */
export type SoakSignal = 'errorRate' | 'latency' | 'saturation';

/** One stored soak measurement. */
export interface SoakSample {
  signal: SoakSignal;
  at: string;
  value: number;
}

/** What the soak of the artifact in an environment looks like, for the graph. */
export interface SoakView {
  deploymentId: string;
  /**
   * `metrics`: a soak gate on the next environment judges these samples
   * against thresholds; `time`: the environment's own soak only waits, and
   * the samples pushed meanwhile are shown for information.
   */
  kind: 'metrics' | 'time';
  /** When the current (unbroken) soak window started. */
  startedAt: string;
  requiredMs: number;
  thresholds: Partial<Record<SoakSignal, number>>;
  samples: SoakSample[];
  /** The breach that last restarted the window (metrics soaks only). */
  lastBreach?: { at: string; reason: string };
}

/** Latest burn-rate reading of an environment's SLO. */
export interface BurnRateView {
  objective: number;
  evaluatedAt: string;
  firing: boolean;
  blind: boolean;
  reason: string;
  windows: Array<{
    long: string;
    short: string;
    threshold: number;
    longBurnRate?: number;
    shortBurnRate?: number;
    /** `firing`, `ok`, `low-traffic` (too few requests to judge) or `blind` (no data). */
    status?: 'firing' | 'ok' | 'low-traffic' | 'blind';
  }>;
  /** Start of the current firing streak; auto-rollback fires once it lasted `sustainMs`. */
  firingSince?: string;
  sustainMs?: number;
}

/** On-call's answer to an automatic rollback. */
export interface RollbackResolution {
  /** `confirmed`: the rollback stands; `overridden`: the artifact went back in. */
  decision: 'confirmed' | 'overridden';
  actor: string;
  comment?: string;
  at: string;
}

/** A rollback of one environment, manual or automatic, with its MTTR clock. */
export interface RollbackView {
  /** Equals the id of the rollback's promotion. */
  id: string;
  entityRef: string;
  environment: string;
  trigger: 'manual' | 'auto';
  /** The artifact rolled back. */
  from: { digest: string; version: string };
  /** The artifact returned to. */
  to: { digest: string; version: string };
  actor: string;
  reason: string;
  /** For automatic rollbacks: the burn rates that fired it. */
  evidence?: Record<string, unknown>;
  /** When the burn rate first crossed its threshold (manual: when requested). */
  detectedAt: string;
  /** When the deployer accepted the rollback deployment. */
  dispatchedAt?: string;
  /** `dispatchedAt - detectedAt`, in seconds: the time to roll back. */
  mttrSeconds?: number;
  /**
   * When the release rolled back started hurting: its first burning reading
   * (a burn rate over 1), or its arrival in the environment if later. Absent
   * when it never burned (a manual rollback for another reason).
   */
  impactStartedAt?: string;
  /** When the rollback deployment turned healthy: the previous artifact serving again. */
  restoredAt?: string;
  /**
   * `restoredAt - impactStartedAt` (or `- detectedAt` when it never burned),
   * in seconds: the time to recover.
   */
  timeToRecoverSeconds?: number;
  resolution?: RollbackResolution;
}

/** One environment of a service's pipeline as the API returns it. */
export interface EnvironmentLane {
  name: string;
  autoPromote: boolean;
  /** Variables of this environment (never secret values). */
  variables: Record<string, string>;
  /** Names of the secrets this environment references. */
  secretRefs: string[];
  /** The deployment serving this environment now (verified, or newest in flight). */
  current?: Deployment;
  /** The artifact held warm for rollback. */
  previous?: Deployment;
  /** The promotion into this environment that is waiting on gates. */
  promotion?: Promotion;
  /** Artifacts held out of this environment after a rollback. */
  holds: Hold[];
  /** Active stop-the-line freezes on this environment. */
  freezes: Freeze[];
  soak?: SoakView;
  /** Latest burn-rate reading of the current deployment, where the environment has an SLO. */
  burnRate?: BurnRateView;
  /** The newest automatic rollback of this environment on-call has not confirmed or overridden yet. */
  autoRollback?: RollbackView;
  /** The freeze calendar the environment's window gate reads, where it has one. */
  calendar?: LaneCalendar;
}

/** A freeze calendar as a lane shows it: now and what comes next. Times are ISO instants. */
export interface LaneCalendar {
  name: string;
  /** IANA zone the calendar's rules are written in. */
  timezone: string;
  /** The calendar freeze in force now; promotions into the lane wait until `until`. */
  frozen?: { rule: string; reason: string; until: string };
  /** The next calendar freeze after now (after the current one, if frozen). */
  nextFreeze?: { rule: string; reason: string; start: string; end: string };
}

/** A service's whole pipeline. */
export interface PipelineView {
  entityRef: string;
  pipeline: string;
  environments: EnvironmentLane[];
  recentDeployments: Deployment[];
}

/** An append-only audit record. */
export interface AuditEvent {
  id: string;
  entityRef: string;
  environment?: string;
  digest?: string;
  kind: string;
  actor: string;
  at: string;
  details: Record<string, unknown>;
}

/** DORA figures computed from the audit log. */
export interface DoraMetrics {
  /** Window the figures cover, in days. */
  windowDays: number;
  /** Deployments that reached the last environment, per day. */
  deploymentFrequencyPerDay: number;
  /** Median seconds from registration to verified in the last environment. */
  leadTimeSeconds?: number;
  /** Share of last-environment deployments that failed or were rolled back. */
  changeFailureRate?: number;
  /** Median seconds from a failure or rollback trigger to a verified deployment again. */
  timeToRestoreSeconds?: number;
}

/** A page of items with the cursor of the next page, if there is one. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
  totalCount: number;
}

/** A promotion as the org-wide overview lists it. */
export interface OverviewPromotion {
  id: string;
  entityRef: string;
  fromEnvironment?: string;
  toEnvironment: string;
  artifact: { digest: string; version: string; author?: string };
  createdAt: string;
  /** Gates not passed yet, by name. */
  waitingOn: string[];
}

/** Something moving through a lane: a promotion waiting on gates, or a deployment under way. */
export interface OverviewMovement {
  entityRef: string;
  environment: string;
  artifact: { digest: string; version: string };
  /** `waiting`: a promotion into the environment waits on gates; else the deployment's state. */
  stage: 'waiting' | 'queued' | 'deploying' | 'soaking';
  since: string;
  /** For `waiting`: the gates not passed yet. */
  waitingOn?: string[];
}

/** A freeze calendar and the environments whose window gate reads it. */
export interface OverviewCalendar extends LaneCalendar {
  /** `<pipeline>/<environment>` of each environment the calendar guards. */
  environments: string[];
}

/** Across every service the caller may read: what needs a person, what is stopped, what moves. */
export interface PromotionOverview {
  generatedAt: string;
  /** Promotions waiting for the signed-in user's approval (one they may give). */
  approvals: OverviewPromotion[];
  /** Stop-the-line freezes in force (`entityRef` absent: every service). */
  stoppedLines: Freeze[];
  /** Calendars of window gates, frozen now or not, with their next freeze. */
  calendars: OverviewCalendar[];
  inFlight: OverviewMovement[];
  /** Rollbacks of the last 7 days, newest first, with time to recover. */
  rollbacks: RollbackView[];
}
