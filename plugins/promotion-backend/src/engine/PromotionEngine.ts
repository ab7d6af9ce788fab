import { LoggerService } from '@backstage/backend-plugin-api';
import type { Deployer } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { v4 as uuid } from 'uuid';
import { PipelineConfig, Pipelines } from '../config/pipelines';
import {
  ArtifactRecord,
  NewArtifact,
  NewTestResult,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { GateRegistry } from '../gates/GateRegistry';
import {
  registerArtifact,
  reportTestResult,
} from '../commands/registerArtifact';
import { CommandDeps, requestRollback } from '../commands/rollback';
import {
  confirmAutoRollback,
  overrideAutoRollback,
} from '../commands/autoRollback';
import {
  DEFAULT_TIMINGS,
  EngineContext,
  EngineTimings,
  GateNotifier,
} from './context';
import { EngineMetrics } from './EngineMetrics';
import { createLaneReads } from '../database/laneReads';
import { EngineWorker, PassReport } from './worker';

export type { EngineTimings, GateNotifier } from './context';
export { ROLLBACK_SKIPPED_GATES } from '../gates/rollbackPolicy';

/** What the engine needs. */
export interface PromotionEngineOptions {
  store: PromotionStore;
  pipelines: Pipelines;
  deployers: Map<string, Deployer>;
  gates: GateRegistry;
  logger: LoggerService;
  clock?: () => Date;
  timings?: Partial<EngineTimings>;
  /** Told about every entity whose pipeline changed, e.g. to push a UI signal. */
  onChange?: (entityRef: string) => void;
  /** Told about gate verdicts that changed, to page or ask for approval. */
  notifier?: GateNotifier;
  /** Tells the other replicas that work is due (e.g. PostgreSQL NOTIFY). */
  notifyReplicas?: () => void;
  /** Told when a page was written to the outbox, to deliver it soon. */
  onPagesOwed?: () => void;
  /** Told when a drain ends: its duration and how much it claimed. */
  onPass?: (report: PassReport) => void;
  /** OpenTelemetry instruments; none when absent (tests). */
  metrics?: EngineMetrics;
}

/**
 * The promotion engine as the plugin sees it: a worker that runs due work,
 * and the engine-side commands (registration, test reports, rollbacks) that
 * create work and wake it. The rules live in the runners and commands.
 */
export class PromotionEngine {
  private readonly ctx: EngineContext;
  /** One worker per kind of due work, each with its own slots. */
  private readonly workers: EngineWorker[];
  private readonly commands: CommandDeps;

  constructor(private readonly options: PromotionEngineOptions) {
    const changed = (entityRef: string) => {
      try {
        options.onChange?.(entityRef);
      } catch {
        // A notification problem must never stop the engine.
      }
    };
    this.ctx = {
      store: options.store,
      pipelines: options.pipelines,
      deployers: options.deployers,
      gates: options.gates,
      logger: options.logger,
      clock: options.clock ?? (() => new Date()),
      timings: { ...DEFAULT_TIMINGS, ...options.timings },
      notifier: options.notifier,
      ticket: uuid(),
      changed,
      wake: () => this.kick(),
      pagesOwed: () => options.onPagesOwed?.(),
      metrics: options.metrics ?? EngineMetrics.disabled(),
      reads: createLaneReads(options.store),
    };
    this.workers = [
      new EngineWorker(this.ctx, 'deployment', options.onPass),
      new EngineWorker(this.ctx, 'promotion', options.onPass),
    ];
    this.commands = {
      store: options.store,
      clock: this.ctx.clock,
      changed,
      wake: () => this.kick(),
      pagesOwed: this.ctx.pagesOwed,
    };
  }

  /** The pipeline an artifact moves through, if it is still configured. */
  pipelineOf(artifact: ArtifactRecord): PipelineConfig | undefined {
    return this.options.pipelines.get(artifact.pipeline);
  }

  registerArtifact(
    input: NewArtifact,
    testResults: NewTestResult[],
    actor: string,
  ): Promise<{ artifact: ArtifactRecord; created: boolean }> {
    return registerArtifact(
      { ...this.commands, pipelines: this.options.pipelines },
      input,
      testResults,
      actor,
    );
  }

  reportTestResult(
    artifact: ArtifactRecord,
    result: NewTestResult,
    actor: string,
  ): Promise<void> {
    return reportTestResult(this.commands, artifact, result, actor);
  }

  requestRollback(
    request: Parameters<typeof requestRollback>[1],
  ): ReturnType<typeof requestRollback> {
    return requestRollback(this.commands, request);
  }

  confirmAutoRollback(
    request: Parameters<typeof confirmAutoRollback>[1],
  ): Promise<void> {
    return confirmAutoRollback(this.commands, request);
  }

  overrideAutoRollback(
    request: Parameters<typeof overrideAutoRollback>[1],
  ): Promise<PromotionRecord> {
    return overrideAutoRollback(this.commands, request);
  }

  /** Work is due now, here and on the other replicas. */
  kick(): void {
    this.workers.forEach(worker => worker.kick());
    try {
      this.options.notifyReplicas?.();
    } catch (error) {
      this.options.logger.debug(`Could not wake the other replicas: ${error}`);
    }
  }

  /** Work is due now on this replica (another replica said so). */
  wakeLocal(): void {
    this.workers.forEach(worker => worker.kick());
  }

  /** One scheduled pass: claims everything due (expired leases too). */
  async tick(): Promise<void> {
    const { store, clock, metrics } = this.ctx;
    metrics.dueBacklog(await store.countDue(clock()));
    await Promise.all(this.workers.map(worker => worker.tick()));
  }

  /** Waits until no due work is left (for tests and shutdown). */
  async runUntilIdle(): Promise<void> {
    // A verified deployment creates the next promotion and the other way round.
    do {
      for (const worker of this.workers) await worker.runUntilIdle();
    } while (!this.workers.every(worker => worker.idle));
  }

  /** Claims one slot-full of due work of each kind and runs it; returns how many jobs ran. */
  async runOnce(): Promise<number> {
    let ran = 0;
    for (const worker of this.workers) ran += await worker.runOnce();
    return ran;
  }

  /** Stops claiming and waits for the jobs that run. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map(worker => worker.stop()));
  }
}
