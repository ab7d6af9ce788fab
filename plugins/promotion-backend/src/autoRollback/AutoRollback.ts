import { PUSH_SOURCE } from '../metrics';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type {
  AutoRollbackEvidence,
  BurnRateView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  MetricsProvider,
  SloCounts,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  EnvironmentConfig,
  PipelineConfig,
  Pipelines,
} from '../config/pipelines';
import {
  BurnWatchRecord,
  BurnWatchStatus,
  BurnWatchUpdate,
  OwedPage,
} from '../database/BurnWatchStore';
import {
  ArtifactRecord,
  DeploymentRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { isServing } from '../domain/states';
import { PromotionEngine } from '../engine/PromotionEngine';
import { laneDeployments } from '../engine/lanes';
import {
  BurnEvaluation,
  SloConfig,
  burnWindowDurations,
  burningNow,
  evaluateBurn,
  impactStart,
  formatWindow,
  nextBurningSince,
  nextSustainState,
} from '../slo';
import { arrivalOf } from '../commands/rollback';
import { withTimeout } from '../timeout';
import { AutoRollbackPager, deliverOwedPages } from '../notify/burnPages';

export type { AutoRollbackPager } from '../notify/burnPages';
export { validateSloProviders } from '../config/sloProviders';

/** What the watch needs. */
export interface AutoRollbackOptions {
  store: PromotionStore;
  engine: PromotionEngine;
  pipelines: Pipelines;
  providers: Map<string, MetricsProvider>;
  pager: AutoRollbackPager;
  logger: LoggerService;
  clock: () => Date;
  /** Longest one provider query may take before it counts as no answer. */
  queryTimeoutMs?: number;
}

const ENGINE = 'engine';

/** Page keys: one page per condition per deployment, so pagers collapse repeats. */
const pageKeys = {
  blind: (deploymentId: string) => `auto-rollback-blind:${deploymentId}`,
  noTarget: (deploymentId: string) => `auto-rollback-stuck:${deploymentId}`,
  fired: (rollbackId: string) => `auto-rollback:${rollbackId}`,
};

function percent(objective: number): string {
  return `${Number((objective * 100).toFixed(4))}%`;
}

/** What a watch reports after one evaluation that did not fire a rollback. */
function statusOf(
  guard: { status: 'off' | 'settling' } | undefined,
  sustained: boolean,
  evaluation: BurnEvaluation,
): BurnWatchStatus {
  if (guard) return guard.status;
  // Sustained but not fired: there was nothing to roll back to.
  if (sustained) return 'no_target';
  if (evaluation.firing) return 'firing';
  if (evaluation.blind) return 'blind';
  if (evaluation.windows.every(w => w.status === 'low-traffic')) {
    return 'low-traffic';
  }
  return 'ok';
}

/**
 * Watches the error-budget burn rate of the deployment serving each
 * environment that has an SLO, and rolls it back when a window pair keeps
 * firing for the sustain time. Every decision is taken from stored state and
 * every write is compare-and-set, so replicas may run it side by side and a
 * backend killed mid-pass picks up where it stopped: a page that was owed and
 * not delivered is still owed.
 */
export class AutoRollback {
  private readonly queryTimeoutMs: number;

  constructor(private readonly options: AutoRollbackOptions) {
    this.queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  }

  /** One pass over every watched lane, then the pages that are due. */
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
    await deliverOwedPages(this.options);
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
    await deliverOwedPages(this.options);
  }

  private async watchLane(
    entityRef: string,
    pipeline: PipelineConfig,
    env: EnvironmentConfig,
    slo: SloConfig,
  ): Promise<void> {
    const { store } = this.options;
    const deployments = (
      await store.listDeployments(entityRef, {
        environment: env.name,
        limit: 100,
        total: false,
      })
    ).items;
    const artifacts = await store.getArtifactsById(
      deployments.map(d => d.artifactId),
    );
    const { current, previous } = laneDeployments(deployments, artifacts);
    // Queued or deploying: the rollout has not reached its traffic yet.
    if (!current || !isServing(current.state)) return;
    const watch = await store.burnWatch().get(current.id);
    if (watch?.status === 'rolled_back') return;
    const artifact = artifacts.get(current.artifactId)!;
    const now = this.options.clock();
    const guard = await this.guardOf(current, slo, now);
    const evaluation = await this.evaluate(entityRef, env, artifact, slo, now);
    const armed = guard === undefined;
    const sustain = nextSustainState(
      { firingSince: watch?.firingSince },
      armed && evaluation.firing,
      now,
      slo.sustainMs,
    );
    const reading = this.readingOf(slo, evaluation, now, guard, sustain);
    const burningSince = nextBurningSince(
      watch?.burningSince,
      burningNow(evaluation),
      now,
    );

    if (armed && sustain.sustained && previous) {
      await this.fire(
        {
          entityRef,
          pipeline,
          env,
          slo,
          current,
          artifact,
          watch,
          target: artifacts.get(previous.artifactId)!,
          burningSince,
        },
        evaluation,
        sustain.crossedAt!,
        reading,
        now,
      );
      return;
    }
    const status = statusOf(guard, sustain.sustained, evaluation);
    const next: BurnWatchUpdate = {
      deploymentId: current.id,
      entityRef,
      environment: env.name,
      status,
      firingSince: sustain.firingSince,
      burningSince,
      reading,
      evaluatedAt: now,
      ...this.pageFor(status, current, watch, reading, env, entityRef),
    };
    await store.burnWatch().save(next, watch?.version, now);
  }

  /** Why auto-rollback must not act on this deployment now, if it must not. */
  private async guardOf(
    current: DeploymentRecord,
    slo: SloConfig,
    now: Date,
  ): Promise<{ status: 'off' | 'settling'; reason: string } | undefined> {
    if (current.trigger === 'rollback') {
      return {
        status: 'off',
        reason:
          'auto-rollback is off for this deployment: it is a rollback (or an override of one)',
      };
    }
    const pending = await this.options.store.listPromotions(current.entityRef, [
      'pending',
    ]);
    if (
      pending.some(
        p =>
          p.trigger === 'rollback' && p.toEnvironment === current.environment,
      )
    ) {
      return { status: 'off', reason: 'a rollback is already under way' };
    }
    const healthyAt = current.healthyAt?.getTime();
    if (healthyAt === undefined || now.getTime() - healthyAt < slo.settleMs) {
      return {
        status: 'settling',
        reason: `settling: auto-rollback arms ${formatWindow(
          slo.settleMs,
        )} after the rollout turned healthy`,
      };
    }
    return undefined;
  }

  /** Reads the counts every window needs, then judges them; never throws. */
  private async evaluate(
    entityRef: string,
    env: EnvironmentConfig,
    artifact: ArtifactRecord,
    slo: SloConfig,
    now: Date,
  ): Promise<BurnEvaluation> {
    const provider = this.options.providers.get(slo.provider);
    const counts = new Map<number, SloCounts | undefined>();
    const problems: string[] = [];
    await Promise.all(
      burnWindowDurations(slo.windows).map(async windowMs => {
        try {
          if (!provider) {
            throw new Error(
              `metrics provider '${slo.provider}' is not installed`,
            );
          }
          counts.set(
            windowMs,
            await withTimeout(
              provider.querySloCounts({
                entityRef,
                environment: env.name,
                // Only this artifact's traffic: the one before it is not on trial.
                digest: artifact.digest,
                start: new Date(now.getTime() - windowMs),
                end: now,
                stepSeconds: 60,
                options: slo.providerOptions,
              }),
              this.queryTimeoutMs,
            ),
          );
        } catch (error) {
          counts.set(windowMs, undefined);
          problems.push(
            `${formatWindow(windowMs)}: ${(error as Error).message ?? error}`,
          );
        }
      }),
    );
    const evaluation = evaluateBurn({
      objective: slo.objective,
      windows: slo.windows,
      counts: windowMs => counts.get(windowMs),
      minRequests: slo.minRequests,
    });
    if (problems.length > 0 && evaluation.blind) {
      evaluation.reason = `${evaluation.reason} (${problems
        .sort()
        .join('; ')})`;
    }
    return evaluation;
  }

  private readingOf(
    slo: SloConfig,
    evaluation: BurnEvaluation,
    now: Date,
    guard: { reason: string } | undefined,
    sustain: { firingSince?: Date },
  ): BurnRateView {
    return {
      objective: slo.objective,
      evaluatedAt: now.toISOString(),
      firing: evaluation.firing,
      blind: evaluation.blind,
      reason: guard
        ? `${evaluation.reason}; ${guard.reason}`
        : evaluation.reason,
      windows: evaluation.windows.map(w => ({
        long: formatWindow(w.window.longWindowMs),
        short: formatWindow(w.window.shortWindowMs),
        threshold: w.window.burnRate,
        longBurnRate: w.longBurnRate,
        shortBurnRate: w.shortBurnRate,
        status: w.status,
      })),
      ...(sustain.firingSince
        ? {
            firingSince: sustain.firingSince.toISOString(),
            sustainMs: slo.sustainMs,
          }
        : {}),
    };
  }

  /**
   * The page a watch owes for its new status: blind and "nothing to roll back
   * to" are paged once each; when the condition clears, a delivered page is
   * resolved.
   */
  private pageFor(
    status: BurnWatchStatus,
    current: DeploymentRecord,
    watch: BurnWatchRecord | undefined,
    reading: BurnRateView,
    env: EnvironmentConfig,
    entityRef: string,
  ): Pick<
    BurnWatchUpdate,
    'page' | 'pagedAt' | 'resolveKey' | 'pageLeaseUntil'
  > {
    let wanted: OwedPage | undefined;
    if (status === 'blind') {
      wanted = {
        key: pageKeys.blind(current.id),
        severity: 'warning',
        summary: `Auto-rollback is blind for ${entityRef} in ${env.name}: ${reading.reason}`,
      };
    } else if (status === 'no_target') {
      wanted = {
        key: pageKeys.noTarget(current.id),
        severity: 'critical',
        summary: `${entityRef} in ${env.name} is burning its error budget (${reading.reason}) and there is no previous artifact to roll back to`,
      };
    }
    const open = watch?.page;
    if (open && open.key === wanted?.key) {
      return {
        page: open,
        pagedAt: watch?.pagedAt,
        resolveKey: watch?.resolveKey,
        pageLeaseUntil: watch?.pageLeaseUntil,
      };
    }
    return {
      page: wanted,
      pagedAt: undefined,
      // A page already delivered for a condition that is over gets resolved.
      resolveKey: open && watch?.pagedAt ? open.key : watch?.resolveKey,
    };
  }

  private async fire(
    lane: {
      entityRef: string;
      pipeline: PipelineConfig;
      env: EnvironmentConfig;
      slo: SloConfig;
      current: DeploymentRecord;
      artifact: ArtifactRecord;
      watch: BurnWatchRecord | undefined;
      /** The warm previous artifact the rollback returns to. */
      target: ArtifactRecord;
      /** First reading of the burning streak that led here. */
      burningSince?: Date;
    },
    evaluation: BurnEvaluation,
    crossedAt: Date,
    reading: BurnRateView,
    now: Date,
  ): Promise<void> {
    const { entityRef, env, slo, current, artifact, watch, target } = lane;
    const firing = evaluation.windows
      .filter(w => w.firing)
      .map(w => w.reason)
      .join('; ');
    const reason = `automatic rollback: ${firing}, sustained ${formatWindow(
      slo.sustainMs,
    )} (SLO ${percent(slo.objective)})`;
    const evidence: AutoRollbackEvidence = {
      objective: slo.objective,
      sustainMs: slo.sustainMs,
      crossedAt: crossedAt.toISOString(),
      deploymentId: current.id,
      windows: reading.windows,
    };
    try {
      await this.options.engine.requestRollback({
        entityRef,
        pipeline: lane.pipeline,
        environment: env.name,
        reason,
        actor: ENGINE,
        trigger: 'auto',
        detectedAt: crossedAt,
        // A firing reading is a burning one; the crossing is the fallback
        // for a threshold of exactly 1.
        impactStartedAt: impactStart(
          lane.burningSince ?? crossedAt,
          arrivalOf(current),
        ),
        evidence,
        fromDeploymentId: current.id,
        within: async (tx, promotion) => {
          const won = await tx.burnWatch().save(
            {
              deploymentId: current.id,
              entityRef,
              environment: env.name,
              status: 'rolled_back',
              firingSince: crossedAt,
              burningSince: lane.burningSince,
              reading,
              evaluatedAt: now,
              rollbackId: promotion.id,
              page: {
                key: pageKeys.fired(promotion.id),
                severity: 'critical',
                summary: `Rolled back ${entityRef} in ${env.name} from ${artifact.version} to ${target.version}: ${reason}`,
              },
              resolveKey:
                watch?.page && watch.pagedAt ? watch.page.key : undefined,
            },
            watch?.version,
            now,
          );
          if (!won) {
            throw new ConflictError(
              `the burn watch of deployment ${current.id} changed meanwhile`,
            );
          }
          await tx.appendEvent(
            {
              entityRef,
              environment: env.name,
              digest: artifact.digest,
              kind: 'autorollback.fired',
              actor: ENGINE,
              details: { rollbackId: promotion.id, reason, ...evidence },
            },
            now,
          );
        },
      });
      this.options.logger.warn(
        `Auto-rollback: ${entityRef} in ${env.name} from ${artifact.digest} to ${target.digest}: ${reason}`,
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
