import type { DoraMetrics } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PipelineConfig } from '../config/pipelines';
import { PromotionStore } from '../database/PromotionStore';
import { ViewStore } from '../database/ViewStore';
import { timeToRecoverSeconds } from './rollbackViews';

const DAY = 86_400_000;
/** Most production deployments one DORA window reads. */
export const DORA_DEPLOYMENT_LIMIT = 500;

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * DORA figures for a service over the last `days`, from stored deployments of
 * its last environment (production) and its rollbacks there. Reads only the
 * window (newest first, at most {@link DORA_DEPLOYMENT_LIMIT}), never the
 * history before it.
 */
export async function computeDora(
  store: PromotionStore,
  views: ViewStore,
  entityRef: string,
  pipeline: PipelineConfig,
  days: number,
  now: Date,
): Promise<DoraMetrics> {
  const prod = pipeline.environments[pipeline.environments.length - 1].name;
  const since = now.getTime() - days * DAY;
  const deployments = await views.deploymentsSince(
    entityRef,
    prod,
    new Date(since),
    DORA_DEPLOYMENT_LIMIT,
  );
  const artifacts = await store.getArtifactsById(
    deployments.map(d => d.artifactId),
  );
  const changes = deployments.filter(d => d.trigger !== 'rollback');
  const reached = changes.filter(d => d.verifiedAt);
  const leadTimes = reached.map(
    d =>
      (d.verifiedAt!.getTime() -
        new Date(artifacts.get(d.artifactId)!.registeredAt).getTime()) /
      1000,
  );
  // A change that was deployed and then failed or was rolled back counts as a failure.
  const settled = changes.filter(
    d =>
      d.deployStartedAt &&
      d.state !== 'queued' &&
      d.state !== 'deploying' &&
      d.state !== 'soaking',
  );
  const failures = settled.filter(
    d => d.state === 'failed' || d.state === 'rolled_back',
  );
  const rollbacks = (
    await store.decisions().listRollbacks(entityRef, prod)
  ).filter(r => r.createdAt.getTime() >= since);
  // Time to recover: from the release hurting to the previous artifact serving.
  const restoreTimes = rollbacks
    .map(r =>
      timeToRecoverSeconds(
        r,
        r.restoredAt ??
          deployments.find(d => d.promotionId === r.id && d.healthyAt)
            ?.healthyAt,
      ),
    )
    .filter((t): t is number => t !== undefined);
  return {
    windowDays: days,
    deploymentFrequencyPerDay: reached.length / days,
    leadTimeSeconds: median(leadTimes),
    changeFailureRate: settled.length
      ? failures.length / settled.length
      : undefined,
    timeToRestoreSeconds: median(restoreTimes),
  };
}
