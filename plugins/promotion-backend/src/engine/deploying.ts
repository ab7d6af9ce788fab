import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { EnvironmentConfig } from '../config/pipelines';
import { ArtifactRecord, DeploymentRecord } from '../database/PromotionStore';
import { callDeployer, ENGINE, EngineContext } from './context';
import {
  applyDeployStatus,
  reportedOutcome,
  retryLater,
} from './deployOutcome';

export async function startDeployment(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  deployer: Deployer,
  request: DeployRequest,
  env: EnvironmentConfig,
) {
  // Batched with the other lanes starting now: one transaction for all.
  const started = await ctx.reads.startDeployment({
    deployment,
    digest: artifact.digest,
    actor: ENGINE,
    now: ctx.clock(),
  });
  if (!started) return;
  ctx.changed(deployment.entityRef);
  await callDeploy(ctx, started, artifact, deployer, request, env);
}

export async function callDeploy(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  deployer: Deployer,
  request: DeployRequest,
  env: EnvironmentConfig,
) {
  let status: DeployStatus;
  try {
    status = await callDeployer(ctx, 'deploy', deployer, request);
  } catch (error) {
    await ctx.reads.write(deployment, tx =>
      tx.countDeployCall(deployment.id, undefined),
    );
    await retryLater(
      ctx,
      deployment,
      artifact,
      env,
      `deployer call failed: ${error}`,
    );
    return;
  }
  // Counted in the same transaction as what the answer means for the lane.
  await applyDeployStatus(ctx, deployment, artifact, status, env, ctx.clock());
}

export async function watchDeploying(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  deployer: Deployer,
  request: DeployRequest,
  env: EnvironmentConfig,
) {
  const reported = reportedOutcome(deployment);
  if (reported) {
    // The callback is the deploy system's own word: no need to ask the deployer.
    await applyDeployStatus(ctx, deployment, artifact, reported, env);
    return;
  }
  if (!deployment.deployAcceptedAt) {
    // We crashed or the deployer failed before it accepted: ask again with
    // the same idempotency key, which the deployer treats as the same deployment.
    await callDeploy(ctx, deployment, artifact, deployer, request, env);
    return;
  }
  let status: DeployStatus;
  try {
    status = await callDeployer(ctx, 'status', deployer, request);
  } catch (error) {
    await retryLater(
      ctx,
      deployment,
      artifact,
      env,
      `deployer status failed: ${error}`,
    );
    return;
  }
  await applyDeployStatus(ctx, deployment, artifact, status, env);
}
