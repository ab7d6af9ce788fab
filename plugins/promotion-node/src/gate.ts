import type {
  Artifact,
  DeploymentTrigger,
  GateVerdict,
  TestResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

/** What a gate sees of the promotion it checks. */
export interface GateContext {
  promotionId: string;
  entityRef: string;
  artifact: Artifact;
  trigger: DeploymentTrigger;
  /** The environment the artifact leaves; absent for the first environment. */
  fromEnvironment?: string;
  toEnvironment: string;
  /** The artifact verified in the target environment now: what a rollback would return to. */
  targetArtifact?: Artifact;
  /** The deployment of this artifact in the source environment, if any. */
  sourceDeploymentId?: string;
  /** When the artifact's deployment in the source environment became healthy. */
  sourceVerifiedAt?: Date;
  /** Test results reported for the artifact. */
  testResults: TestResult[];
  /** The gate's own options from the pipeline config. */
  options: Record<string, unknown>;
  now: Date;
}

/** A gate's answer with its reason and what it looked at. */
export interface GateEvaluation {
  verdict: GateVerdict;
  reason: string;
  /** The check could not run (no data, unreachable source); stored apart from a plain "no". */
  errored?: boolean;
  /** A failure no later evaluation can undo (e.g. a rejection): the promotion fails. */
  final?: boolean;
  evidence?: Record<string, unknown>;
  /**
   * When a verdict other than `passed` needs another look: a time (the end of
   * a freeze, of a soak window), or `event` when only an event can change it
   * (an approval, a test report, a lifted hold) and the engine wakes the
   * promotion then. Unset: the engine's regular recheck interval.
   */
  nextCheckAt?: Date | 'event';
}

/**
 * A gate's answer whose evidence has the gate's own type (the built-in gates'
 * evidence types live in promotion-common), so the writing site is checked.
 */
export type TypedGateEvaluation<E extends Record<string, unknown>> = Omit<
  GateEvaluation,
  'evidence'
> & { evidence?: E };

/** A gate whose evidence has a known type; still a plain {@link Gate} to the engine. */
export interface TypedGate<E extends Record<string, unknown>> extends Gate {
  evaluate(context: GateContext): Promise<TypedGateEvaluation<E>>;
}

/** One independent check on a promotion. Throwing counts as `failed`. */
export interface Gate {
  /** The name pipelines use to require this gate. */
  readonly name: string;
  evaluate(context: GateContext): Promise<GateEvaluation>;
}
