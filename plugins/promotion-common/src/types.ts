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

/** States a deployment never leaves. `verified` is left only by supersede or rollback. */
export function isTerminalDeploymentState(state: DeploymentState): boolean {
  return state === 'failed' || state === 'superseded' || state === 'rolled_back';
}

/** States of a deployment that still has work to do before it is verified. */
export function isInFlightDeploymentState(state: DeploymentState): boolean {
  return state === 'queued' || state === 'deploying' || state === 'soaking';
}

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
  evidence?: Record<string, unknown>;
  evaluatedAt: string;
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
  gates: GateResult[];
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

/** A page of items with the cursor of the next page, if there is one. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
  totalCount: number;
}
