import type {
  MetricsProvider,
  SloCounts,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { EnvironmentConfig } from '../config/pipelines';
import { PromotionStore } from '../database/PromotionStore';
import { isServing } from '../domain/states';
import { laneDeployments } from '../engine/lanes';
import { arrivalOf } from '../commands/rollback';
import { SloConfig, burnWindowDurations, formatWindow } from '../slo';
import { withTimeout } from '../timeout';
import type { BurnLane, BurnReadings } from './burnWatch';

/**
 * Reads what the watch judges about one lane, in a fixed number of queries:
 * its deployments, their artifacts, the burn watch of the one serving, and
 * the pending promotions (is a rollback under way). Undefined when nothing
 * serves traffic yet (queued or deploying: the rollout has not reached it).
 */
export async function readBurnLane(
  store: PromotionStore,
  entityRef: string,
  environment: string,
): Promise<BurnLane | undefined> {
  const deployments = (
    await store.listDeployments(entityRef, {
      environment,
      limit: 100,
      total: false,
    })
  ).items;
  const artifacts = await store.getArtifactsById(
    deployments.map(d => d.artifactId),
  );
  const { current, previous } = laneDeployments(deployments, artifacts);
  if (!current || !isServing(current.state)) return undefined;
  const [watch, pending] = await Promise.all([
    store.burnWatch().get(current.id),
    store.listPromotions(entityRef, ['pending']),
  ]);
  const artifact = artifacts.get(current.artifactId)!;
  const target = previous ? artifacts.get(previous.artifactId) : undefined;
  return {
    entityRef,
    environment,
    current: {
      id: current.id,
      trigger: current.trigger,
      healthyAt: current.healthyAt,
      arrivedAt: arrivalOf(current),
      version: artifact.version,
      digest: artifact.digest,
    },
    target: target && { version: target.version, digest: target.digest },
    rollbackPending: pending.some(
      p => p.trigger === 'rollback' && p.toEnvironment === environment,
    ),
    watch,
  };
}

/**
 * Asks the provider for the counts of every window the SLO needs, for the
 * serving artifact only (the one before it is not on trial). Never throws: a
 * window that fails or times out is missing, with its problem named.
 */
export async function readBurnCounts(
  provider: MetricsProvider | undefined,
  lane: BurnLane,
  env: EnvironmentConfig,
  slo: SloConfig,
  now: Date,
  timeoutMs: number,
): Promise<BurnReadings> {
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
              entityRef: lane.entityRef,
              environment: env.name,
              digest: lane.current.digest,
              start: new Date(now.getTime() - windowMs),
              end: now,
              stepSeconds: 60,
              options: slo.providerOptions,
            }),
            timeoutMs,
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
  return { counts: windowMs => counts.get(windowMs), problems };
}
