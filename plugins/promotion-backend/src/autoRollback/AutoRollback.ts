import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type { MetricsProvider } from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  EnvironmentConfig,
  PipelineConfig,
  Pipelines,
} from '../config/pipelines';
import { PromotionStore } from '../database/PromotionStore';
import type { requestRollback } from '../commands/rollback';
import { ENGINE } from '../engine/context';
import { PUSH_SOURCE } from '../metrics';
import { SloConfig } from '../slo';
import { readBurnCounts, readBurnLane } from './burnLane';
import {
  BurnLane,
  BurnWatchDecision,
  decideBurnWatch,
  needsReadings,
} from './burnWatch';

export { validateSloProviders } from '../config/sloProviders';

/** The rollback command as the engine exposes it (the one a person's rollback uses too). */
export type RollbackCommand = (
  request: Parameters<typeof requestRollback>[1],
) => ReturnType<typeof requestRollback>;

/** What the watch needs. */
export interface AutoRollbackOptions {
  store: PromotionStore;
  /** Rolls a lane back; the watch calls it as the engine, trigger `auto`. */
  rollback: RollbackCommand;
  pipelines: Pipelines;
  providers: Map<string, MetricsProvider>;
  /** Told when a page was written to the outbox, to deliver it soon. */
  onPagesOwed?: () => void;
  logger: LoggerService;
  clock: () => Date;
  /** Longest one provider query may take before it counts as no answer. */
  queryTimeoutMs?: number;
}

/**
 * The burn watch as a task: for each lane with an SLO, read the lane and the
 * provider's counts, let {@link decideBurnWatch} judge them, and write what it
 * decided, or hand a rollback to the rollback command. Every write is
 * compare-and-set on the stored watch, so replicas may run it side by side
 * and a backend killed mid-pass picks up where it stopped.
 */
export class AutoRollback {
  private readonly queryTimeoutMs: number;

  constructor(private readonly options: AutoRollbackOptions) {
    this.queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  }

  /** One pass over every watched lane. */
  async runOnce(): Promise<void> {
    for (const pipeline of this.options.pipelines.values()) {
      for (const env of pipeline.environments) {
        if (!env.slo) continue;
        const services = await this.options.store
          .burnWatch()
          .listWatchedServices(pipeline.name, env.name);
        for (const entityRef of services) {
          try {
            await this.watchLane(entityRef, pipeline, env, env.slo);
          } catch (error) {
            this.options.logger.warn(
              `Auto-rollback watch of ${entityRef} in ${env.name} failed, will retry: ${error}`,
            );
          }
        }
      }
    }
  }

  /**
   * Watches one lane now, e.g. right after its service pushed a reading:
   * a burn that crosses the threshold is acted on at that reading, not at
   * the next scheduled pass. Does nothing for a lane without an SLO.
   */
  async watchService(
    entityRef: string,
    pipelineName: string,
    environment: string,
  ): Promise<void> {
    const pipeline = this.options.pipelines.get(pipelineName);
    const env = pipeline?.environments.find(e => e.name === environment);
    // Only pushed counters arrive with the push; other providers are read
    // on the scheduled pass.
    if (!pipeline || !env?.slo || env.slo.provider !== PUSH_SOURCE) return;
    await this.watchLane(entityRef, pipeline, env, env.slo);
  }

  private async watchLane(
    entityRef: string,
    pipeline: PipelineConfig,
    env: EnvironmentConfig,
    slo: SloConfig,
  ): Promise<void> {
    const { store, clock } = this.options;
    const lane = await readBurnLane(store, entityRef, env.name);
    if (!lane || !needsReadings(lane)) return;
    const now = clock();
    const readings = await readBurnCounts(
      this.options.providers.get(slo.provider),
      lane,
      env,
      slo,
      now,
      this.queryTimeoutMs,
    );
    const decision = decideBurnWatch(lane, slo, readings, now);
    if (decision.kind === 'fire') {
      await this.fire(lane, pipeline, decision);
    } else {
      await this.save(lane, decision, now);
    }
  }

  /**
   * Stores the next watch state and, in the same transaction, the page its
   * condition owes or the resolve of one that is over. A replica that lost
   * the race to another writes nothing.
   */
  private async save(
    lane: BurnLane,
    decision: Extract<BurnWatchDecision, { kind: 'watch' }>,
    now: Date,
  ): Promise<void> {
    const { opens, closes, next } = decision;
    const { store } = this.options;
    if (!opens && !closes) {
      await store.burnWatch().save(next, lane.watch?.version, now);
      return;
    }
    const paged = await store.transaction(async tx => {
      const won = await tx.burnWatch().save(next, lane.watch?.version, now);
      if (!won) return false;
      if (closes) await tx.pages().close(closes, now);
      if (opens) {
        await tx.pages().enqueue(
          [
            {
              ...opens,
              why: opens.key.split(':')[0],
              entityRef: lane.entityRef,
              environment: lane.environment,
              details: { burnRate: next.reading },
            },
          ],
          now,
        );
      }
      return true;
    });
    if (paged) this.options.onPagesOwed?.();
  }

  /** Rolls the lane back through the rollback command, as the engine. */
  private async fire(
    lane: BurnLane,
    pipeline: PipelineConfig,
    decision: Extract<BurnWatchDecision, { kind: 'fire' }>,
  ): Promise<void> {
    const { rollback, next } = decision;
    try {
      await this.options.rollback({
        entityRef: lane.entityRef,
        pipeline,
        environment: lane.environment,
        reason: rollback.reason,
        actor: ENGINE,
        trigger: 'auto',
        detectedAt: rollback.detectedAt,
        impactStartedAt: rollback.impactStartedAt,
        evidence: rollback.evidence,
        fromDeploymentId: lane.current.id,
        firing: {
          watch: next,
          expectedVersion: lane.watch?.version,
          closes: decision.closes,
        },
      });
      this.options.logger.warn(
        `Auto-rollback: ${lane.entityRef} in ${lane.environment} from ${lane.current.digest} to ${lane.target?.digest}: ${rollback.reason}`,
      );
    } catch (error) {
      if (error instanceof ConflictError) {
        // Another replica fired first, or the lane changed under us.
        this.options.logger.info(`Auto-rollback not fired: ${error.message}`);
        return;
      }
      throw error;
    }
  }
}
