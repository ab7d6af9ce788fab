import type {
  Deployment,
  Promotion,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  ArtifactRecord,
  DeploymentRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';

// Record → API shapes shared by every view: no reads here but
// promotionView's own, which the decision routes answer with.

/** An artifact as the API shows it: the bad mark only when set. */
export function publicArtifact(artifact: ArtifactRecord) {
  const { bad, badReason, pipeline, ...rest } = artifact;
  return { ...rest, ...(bad ? { bad, badReason } : {}) };
}

/** Turns stored deployments into the API's shape. */
export function toDeployment(
  d: DeploymentRecord,
  artifacts: Map<string, ArtifactRecord>,
): Deployment {
  return {
    id: d.id,
    entityRef: d.entityRef,
    environment: d.environment,
    artifact: publicArtifact(artifacts.get(d.artifactId)!),
    state: d.state,
    trigger: d.trigger,
    actor: d.actor,
    stateSince: d.stateSince.toISOString(),
    createdAt: d.createdAt.toISOString(),
    reason: d.reason,
  };
}

/** One promotion in the API's shape, from records already read. */
export function toPromotion(
  p: PromotionRecord,
  artifacts: Map<string, ArtifactRecord>,
  gates: Promotion['gates'],
  approvals: Promotion['approvals'],
): Promotion {
  return {
    id: p.id,
    entityRef: p.entityRef,
    artifact: publicArtifact(artifacts.get(p.artifactId)!),
    fromEnvironment: p.fromEnvironment,
    toEnvironment: p.toEnvironment,
    trigger: p.trigger,
    state: p.state,
    reason: p.reason,
    actor: p.actor,
    gates,
    approvals,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** One promotion in the API's shape. */
export async function promotionView(
  store: PromotionStore,
  promotion: PromotionRecord,
): Promise<Promotion> {
  const artifacts = await store.getArtifactsById([promotion.artifactId]);
  const gates = await store.listGateResults([promotion.id]);
  const approvals = await store.decisions().listApprovals([promotion.id]);
  return toPromotion(
    promotion,
    artifacts,
    gates.get(promotion.id) ?? [],
    approvals.get(promotion.id) ?? [],
  );
}
