import type {
  Approval,
  BurnRateView,
  GateResult,
  MigrationInfo,
  SoakSignal,
  TestResult,
  TestSuite,
} from './types';

/*
 * What each built-in gate stores as the evidence of its verdict. The backend
 * writes these shapes (each gate's evaluate is typed with its own) and the
 * frontend reads them through `gateEvidence`, so neither side guesses keys.
 * They are type aliases, not interfaces, so they stay assignable to the
 * free-form `Record<string, unknown>` a module's gate may store.
 */

/** Marks evidence of a check that could not run (no data, bad options, unreachable store). */
export type ErroredEvidence = { errored: true };

/** `tests` and `e2e`: the suites required and the latest report of each (`null`: none yet). */
export type TestsEvidence = {
  required: TestSuite[];
  /** Where the suites had to run: the source environment for e2e, absent for tests. */
  environment?: string;
  results: Partial<Record<TestSuite, TestResult | null>>;
};

/** A sample over its threshold (or without a value) that restarted the soak window. */
export type SoakBreach = {
  signal: SoakSignal;
  /** `null`: the source gave no value (NaN), which counts as a breach. */
  value: number | null;
  threshold: number;
  at: string;
};

/** `soak`: how long the artifact has soaked in the source environment and what the metrics said. */
export type SoakEvidence = {
  deploymentId: string;
  /** The source environment the artifact soaks in. */
  environment: string;
  /** The metrics provider read, e.g. `prometheus` or `push`. */
  provider: string;
  windowStartedAt: string;
  elapsedMs: number;
  requiredMs: number;
  thresholds: Partial<Record<SoakSignal, number>>;
  /** The breach that last restarted the window, if any. */
  lastBreach?: { at: string; reason?: string };
  /** The newest sample of each signal read in the window. */
  latest?: Partial<Record<SoakSignal, { at: string; value: number | null }>>;
  /** The breach found in this evaluation; the window restarted with it. */
  breach?: SoakBreach;
  /** Signals that could not be read. */
  problems?: string[];
  /** Set when no data could be read (the verdict waits or fails per `onNoData`). */
  errored?: true;
};

/** `window`, calendar open. */
export type WindowOpenEvidence = { calendar: string; timezone: string };

/** `window`, calendar closed by a freeze rule until `until`. */
export type WindowFrozenEvidence = {
  calendar: string;
  /** The rule of the calendar that closes it now. */
  rule: string;
  until: string;
  timezone: string;
};

/** `window`, a stop-the-line freeze in force (the oldest one is named). */
export type StopTheLineEvidence = {
  freezeId: string;
  freezeIds: string[];
  /** The frozen service; `null`: every service. */
  entityRef: string | null;
  environment: string;
  createdBy: string;
  createdAt: string;
};

/** `window`: open, closed by the calendar, stopped by hand, or unable to tell. */
export type WindowEvidence =
  | WindowOpenEvidence
  | WindowFrozenEvidence
  | StopTheLineEvidence
  | ErroredEvidence;

/** `approval`: why the artifact is risky and the decisions that count. */
export type ApprovalEvidence = {
  /** The labels or paths that made the artifact risky. */
  risk: string[];
  approvals: Approval[];
  /** The group whose members alone may decide, when the gate names one. */
  group?: string;
};

/** `migration`: the schema declarations of the incoming and the running artifact. */
export type MigrationEvidence = {
  incoming: MigrationInfo | null;
  running: MigrationInfo | null;
};

/** `hold`: the hold that keeps automation from promoting into the environment. */
export type HoldEvidence = { holdId: string };

/** An alert the incident gate found firing. */
export type IncidentAlert = {
  id: string;
  name: string;
  labels: Record<string, string>;
  startsAt: string;
  summary?: string;
  url?: string;
};

/** `incident`: the alert source asked, the matchers sent, and the alerts firing (none: open). */
export type IncidentEvidence = {
  source: string;
  matchers: string[];
  alerts: IncidentAlert[];
  /** Set when the source could not be read: promotions stay stopped. */
  errored?: true;
};

/** An automatic rollback's evidence: the burn-rate reading that fired it. */
export type AutoRollbackEvidence = {
  /** The SLO objective, e.g. 0.999. */
  objective: number;
  /** How long the burn rate stayed over its threshold before the rollback. */
  sustainMs: number;
  /** When the burn rate first crossed its threshold. */
  crossedAt: string;
  /** The deployment rolled back. */
  deploymentId: string;
  windows: BurnRateView['windows'];
};

/** Evidence of each built-in gate, by gate name. */
export type GateEvidenceMap = {
  tests: TestsEvidence;
  e2e: TestsEvidence;
  soak: SoakEvidence;
  window: WindowEvidence;
  approval: ApprovalEvidence;
  migration: MigrationEvidence;
  hold: HoldEvidence;
  incident: IncidentEvidence;
};

/** The name of a built-in gate, whose evidence has a type. */
export type BuiltInGateName = keyof GateEvidenceMap;

/** Every built-in gate name. */
export const BUILT_IN_GATE_NAMES: readonly BuiltInGateName[] = [
  'tests',
  'e2e',
  'soak',
  'window',
  'approval',
  'migration',
  'hold',
  'incident',
];

/** A gate result's evidence with the type of its gate; modules' gates stay free-form. */
export type TypedGateEvidence =
  | {
      [G in BuiltInGateName]: { gate: G; evidence: GateEvidenceMap[G] };
    }[BuiltInGateName]
  | { gate: 'other'; evidence: Record<string, unknown> };

const isBuiltIn = (name: string): name is BuiltInGateName =>
  (BUILT_IN_GATE_NAMES as readonly string[]).includes(name);

/**
 * The evidence of a gate result with its gate's type, or undefined when the
 * gate stored none. Switch on `gate` to read it: a module's gate comes back
 * as `other` with its free-form record.
 */
export function gateEvidence(
  result: GateResult,
): TypedGateEvidence | undefined {
  if (!result.evidence) return undefined;
  return isBuiltIn(result.gate)
    ? ({ gate: result.gate, evidence: result.evidence } as TypedGateEvidence)
    : { gate: 'other', evidence: result.evidence };
}

/** Whether a window gate's evidence is a stop-the-line freeze. */
export function isStopTheLine(
  evidence: WindowEvidence,
): evidence is StopTheLineEvidence {
  return 'freezeId' in evidence;
}

/** Whether a window gate's evidence is a calendar freeze. */
export function isCalendarFreeze(
  evidence: WindowEvidence,
): evidence is WindowFrozenEvidence {
  return 'until' in evidence;
}
