import { LoggerService } from '@backstage/backend-plugin-api';
import type { GateResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  EnvironmentConfig,
  PipelineConfig,
  Pipelines,
} from '../config/pipelines';
import {
  ArtifactRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_EVALUATION_CONCURRENCY,
} from '../config/engine';
import { GateRegistry } from '../gates/GateRegistry';
import { withTimeout } from '../timeout';
import type { EngineMetrics } from './EngineMetrics';
import type { LaneReads } from '../database/laneReads';

/** The actor the audit log names for what the engine does by itself. */
export const ENGINE = 'engine';

/** Timing and sizing knobs of the engine; defaults suit production, tests shrink them. */
export interface EngineTimings {
  /** How long a worker owns a claimed row before another may take it over. */
  leaseMs: number;
  /** When a gate that gives no time of its own (or could not run) is looked at again. */
  gateRecheckMs: number;
  /** How often an in-flight deployment is polled. */
  deployPollMs: number;
  /** Longest a single gate may take. */
  gateTimeoutMs: number;
  /** Longest one call to a deploy system (deploy or status) may take. */
  deployCallTimeoutMs: number;
  /** Deployments worked on at once by one replica; a slow deploy system holds only its own slot. */
  concurrency: number;
  /** Promotions evaluated at once by one replica; they share their queries. */
  evaluationConcurrency: number;
}

export const DEFAULT_TIMINGS: EngineTimings = {
  leaseMs: 60_000,
  gateRecheckMs: 5_000,
  deployPollMs: 1_000,
  gateTimeoutMs: 10_000,
  deployCallTimeoutMs: 30_000,
  concurrency: DEFAULT_CONCURRENCY,
  evaluationConcurrency: DEFAULT_EVALUATION_CONCURRENCY,
};

/** Reacts to gate verdicts (e.g. notify approvers, page on-call on an e2e failure). */
export type GateNotifier = (
  promotion: PromotionRecord,
  artifact: ArtifactRecord,
  results: GateResult[],
) => Promise<void>;

/** What the runners share: the world they act on, and how to say something changed. */
export interface EngineContext {
  store: PromotionStore;
  pipelines: Pipelines;
  deployers: Map<string, Deployer>;
  gates: GateRegistry;
  logger: LoggerService;
  clock: () => Date;
  timings: EngineTimings;
  notifier?: GateNotifier;
  /** The lease ticket of this replica's worker. */
  ticket: string;
  /** Tells listeners (the UI signal) that an entity's pipeline changed. */
  changed: (entityRef: string) => void;
  /** Says new work is due now (this replica and the others). */
  wake: () => void;
  /** Says a page was written to the outbox: deliver it soon. */
  pagesOwed: () => void;
  metrics: EngineMetrics;
  /** Lane reads and writes, batched across the lanes evaluated together. */
  reads: LaneReads;
}

/** The pipeline environment an artifact moves into, if still configured. */
export function environmentOf(
  pipelines: Pipelines,
  artifact: ArtifactRecord,
  name: string,
):
  | { pipeline: PipelineConfig; env: EnvironmentConfig; index: number }
  | undefined {
  const pipeline = pipelines.get(artifact.pipeline);
  const index = pipeline?.environments.findIndex(e => e.name === name) ?? -1;
  if (!pipeline || index < 0) return undefined;
  return { pipeline, env: pipeline.environments[index], index };
}

/** The digest of a stored artifact, for audit events about other deployments. */
export async function digestOf(store: PromotionStore, artifactId: string) {
  return (
    (await store.getArtifactsById([artifactId])).get(artifactId)?.digest ?? ''
  );
}

/**
 * One call to a deploy system: bounded by the deploy-call timeout (a hanging
 * deploy system holds only its own lane's slot) and measured.
 */
export function callDeployer(
  ctx: EngineContext,
  operation: 'deploy' | 'status',
  deployer: Deployer,
  request: DeployRequest,
): Promise<DeployStatus> {
  const timeoutMs = ctx.timings.deployCallTimeoutMs;
  return ctx.metrics.measureDeployCall(
    operation,
    () =>
      withTimeout(
        operation === 'deploy'
          ? deployer.deploy(request)
          : deployer.status(request),
        timeoutMs,
      ),
    timeoutMs,
  );
}
