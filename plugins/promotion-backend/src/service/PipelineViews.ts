import type {
  Deployment,
  EnvironmentLane,
  PipelineView,
  Promotion,
} from '@internal/plugin-promotion-common';
import { PipelineConfig } from '../config/pipelines';
import {
  ArtifactRecord,
  DeploymentRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';

const LIVE = ['queued', 'deploying', 'soaking', 'verified'];

function publicArtifact(artifact: ArtifactRecord) {
  const { bad, badReason, pipeline, ...rest } = artifact;
  return { ...rest, ...(bad ? { bad, badReason } : {}) };
}

/** Turns stored deployments into the API's shape. */
export function toDeployment(d: DeploymentRecord, artifacts: Map<string, ArtifactRecord>): Deployment {
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
    approvals: [],
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/**
 * The deployment serving a lane: the newest one still in flight, else the
 * verified one. The warm previous one is the newest earlier deployment that
 * was verified once and was replaced (not rolled back, not bad).
 */
export function laneDeployments(
  deployments: DeploymentRecord[],
  artifacts: Map<string, ArtifactRecord>,
) {
  const newestFirst = [...deployments].sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
  );
  const inFlight = newestFirst.find(d => LIVE.includes(d.state) && d.state !== 'verified');
  const verified = newestFirst.find(d => d.state === 'verified');
  const current = inFlight ?? verified;
  const previous = newestFirst
    .filter(d => d.state === 'superseded' && d.verifiedAt && !artifacts.get(d.artifactId)?.bad)
    .filter(d => d.artifactId !== (verified ?? current)?.artifactId)
    .sort((a, b) => b.verifiedAt!.getTime() - a.verifiedAt!.getTime())[0];
  return { current, verified, previous };
}

/** Builds a service's pipeline view from stored state. */
export async function buildPipelineView(
  store: PromotionStore,
  entityRef: string,
  pipeline: PipelineConfig,
): Promise<PipelineView> {
  const deployments = (await store.listDeployments(entityRef, { limit: 500 })).items;
  const pending = await store.listPromotions(entityRef, ['pending']);
  const gates = await store.listGateResults(pending.map(p => p.id));
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
      promotion: promotion && toPromotion(promotion, artifacts, gates.get(promotion.id) ?? []),
      holds: [],
      freezes: [],
    };
  });
  return {
    entityRef,
    pipeline: pipeline.name,
    environments,
    recentDeployments: deployments.slice(0, 20).map(d => toDeployment(d, artifacts)),
  };
}
