import type {
  Deployment,
  EnvironmentLane,
  PipelineView,
  Promotion,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PipelineConfig } from '../config/pipelines';
import { isServing } from '../domain/states';
import { laneDeployments } from '../engine/lanes';
import { SoakSampleStore } from '../metrics';
import { buildLaneSoakView } from '../metrics/soakView';
import { listRollbackViews } from './rollbackViews';
import {
  ArtifactRecord,
  DeploymentRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';

function publicArtifact(artifact: ArtifactRecord) {
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

function toPromotion(
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

/** Builds a service's pipeline view from stored state. */
export async function buildPipelineView(
  store: PromotionStore,
  entityRef: string,
  pipeline: PipelineConfig,
  soakSamples?: SoakSampleStore,
  now: Date = new Date(),
): Promise<PipelineView> {
  const deployments = (await store.listDeployments(entityRef, { limit: 500 }))
    .items;
  const pending = await store.listPromotions(entityRef, ['pending']);
  const gates = await store.listGateResults(pending.map(p => p.id));
  const approvals = await store
    .decisions()
    .listApprovals(pending.map(p => p.id));
  const holds = await store.decisions().listHolds(entityRef);
  const freezes = await store.decisions().listFreezes(entityRef);
  const artifacts = await store.getArtifactsById([
    ...deployments.map(d => d.artifactId),
    ...pending.map(p => p.artifactId),
  ]);
  const environments: EnvironmentLane[] = pipeline.environments.map(env => {
    const { current, previous } = laneDeployments(
      deployments.filter(d => d.environment === env.name),
      artifacts,
    );
    const promotion = pending.find(p => p.toEnvironment === env.name);
    return {
      name: env.name,
      autoPromote: env.autoPromote,
      variables: env.variables,
      secretRefs: env.secrets,
      current: current && toDeployment(current, artifacts),
      previous: previous && toDeployment(previous, artifacts),
      promotion:
        promotion &&
        toPromotion(
          promotion,
          artifacts,
          gates.get(promotion.id) ?? [],
          approvals.get(promotion.id) ?? [],
        ),
      holds: holds
        .filter(h => h.environment === env.name)
        .map(({ artifactId, ...hold }) => hold),
      freezes: freezes.filter(f => f.environment === env.name),
    };
  });
  const watches = await store
    .burnWatch()
    .getMany(environments.flatMap(l => (l.current ? [l.current.id] : [])));
  const rollbacks = await listRollbackViews(
    store,
    entityRef,
    undefined,
    artifacts,
  );
  for (const lane of environments) {
    lane.burnRate = lane.current && watches.get(lane.current.id)?.reading;
    // Only the newest rollback of the lane can still be waiting for on-call.
    const newest = rollbacks.find(r => r.environment === lane.name);
    if (newest?.trigger === 'auto' && !newest.resolution) {
      lane.autoRollback = newest;
    }
  }
  if (soakSamples) {
    // The soak graph of each lane with a soak, metrics or time-only.
    for (const lane of environments) {
      const current = lane.current;
      if (!current || !isServing(current.state)) continue;
      const record = deployments.find(d => d.id === current.id)!;
      lane.soak = await buildLaneSoakView(
        soakSamples,
        pipeline,
        lane.name,
        {
          id: record.id,
          digest: current.artifact.digest,
          verifiedAt: record.verifiedAt,
          healthyAt: record.healthyAt,
        },
        now,
      );
    }
  }
  return {
    entityRef,
    pipeline: pipeline.name,
    environments,
    recentDeployments: deployments
      .slice(0, 20)
      .map(d => toDeployment(d, artifacts)),
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
