import type { RollbackView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { RollbackRecord } from '../database/DecisionStore';
import { ArtifactRecord, PromotionStore } from '../database/PromotionStore';

/**
 * From when the release rolled back started hurting (its first burning
 * reading, or its arrival if later; the detection when it never burned) to
 * the previous artifact serving again, in seconds; undefined until then.
 */
export function timeToRecoverSeconds(
  r: Pick<RollbackRecord, 'impactStartedAt' | 'detectedAt' | 'restoredAt'>,
  restoredAt: Date | undefined = r.restoredAt,
): number | undefined {
  if (!restoredAt) return undefined;
  const start = r.impactStartedAt ?? r.detectedAt;
  return Math.max(0, restoredAt.getTime() - start.getTime()) / 1000;
}

/** One stored rollback in the API's shape, with its time to roll back and to recover. */
export function toRollbackView(
  r: RollbackRecord,
  artifacts: Map<string, ArtifactRecord>,
): RollbackView {
  const artifact = (id: string) => ({
    digest: artifacts.get(id)?.digest ?? '',
    version: artifacts.get(id)?.version ?? '',
  });
  return {
    id: r.id,
    entityRef: r.entityRef,
    environment: r.environment,
    trigger: r.trigger,
    from: artifact(r.fromArtifactId),
    to: artifact(r.toArtifactId),
    actor: r.actor,
    reason: r.reason,
    evidence: r.evidence,
    detectedAt: r.detectedAt.toISOString(),
    dispatchedAt: r.dispatchedAt?.toISOString(),
    mttrSeconds: r.dispatchedAt
      ? (r.dispatchedAt.getTime() - r.detectedAt.getTime()) / 1000
      : undefined,
    impactStartedAt: r.impactStartedAt?.toISOString(),
    restoredAt: r.restoredAt?.toISOString(),
    timeToRecoverSeconds: timeToRecoverSeconds(r),
    resolution: r.resolution && {
      ...r.resolution,
      at: r.resolution.at.toISOString(),
    },
  };
}

/**
 * A service's rollbacks, newest first, in the API's shape. Artifacts the
 * caller already holds are not read again.
 */
export async function listRollbackViews(
  store: PromotionStore,
  entityRef: string,
  environment?: string,
  known: Map<string, ArtifactRecord> = new Map(),
): Promise<RollbackView[]> {
  const rollbacks = await store
    .decisions()
    .listRollbacks(entityRef, environment);
  const missing = [
    ...new Set(rollbacks.flatMap(r => [r.fromArtifactId, r.toArtifactId])),
  ].filter(id => !known.has(id));
  const artifacts = new Map([
    ...known,
    ...(missing.length ? await store.getArtifactsById(missing) : []),
  ]);
  return rollbacks.map(r => toRollbackView(r, artifacts));
}
