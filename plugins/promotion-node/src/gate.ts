import type {
  Artifact,
  DeploymentTrigger,
  GateVerdict,
  TestResult,
} from '@internal/plugin-promotion-common';

/** What a gate sees of the promotion it checks. */
export interface GateContext {
  promotionId: string;
  entityRef: string;
  artifact: Artifact;
  trigger: DeploymentTrigger;
  /** The environment the artifact leaves; absent for the first environment. */
  fromEnvironment?: string;
  toEnvironment: string;
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
  evidence?: Record<string, unknown>;
}

/** One independent check on a promotion. Throwing counts as `failed`. */
export interface Gate {
  /** The name pipelines use to require this gate. */
  readonly name: string;
  evaluate(context: GateContext): Promise<GateEvaluation>;
}
