import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { EnvironmentConfig } from '../config/pipelines';
import { ArtifactRecord, DeploymentRecord } from '../database/PromotionStore';
import { callDeployer, digestOf, ENGINE, EngineContext } from './context';
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
  const now = ctx.clock();
  const audit = { actor: ENGINE, digest: artifact.digest };
  const started = await ctx.reads.write(deployment, async tx => {
    const inFlight = await tx.lockInFlight(
      deployment.entityRef,
      deployment.environment,
    );
    const self = inFlight.find(d => d.id === deployment.id);
    if (!self || self.state !== 'queued') return undefined;
    const isNewer = (d: DeploymentRecord) =>
      d.createdAt.getTime() > self.createdAt.getTime() ||
      (d.createdAt.getTime() === self.createdAt.getTime() && d.id > self.id);
    const newer = inFlight.filter(d => d.id !== self.id && isNewer(d));
    if (newer.length > 0) {
      const newerDigest = await digestOf(tx, newer[0].artifactId);
      await tx.transitionDeployment(
        self,
        'superseded',
        {},
        { ...audit, reason: `superseded by ${newerDigest}` },
        now,
      );
      return undefined;
    }
    for (const other of inFlight) {
      if (other.id === self.id) continue;
      const otherDigest = await digestOf(tx, other.artifactId);
      await tx.transitionDeployment(
        other,
        'superseded',
        {},
        {
          actor: ENGINE,
          digest: otherDigest,
          reason: `superseded by ${artifact.digest}`,
        },
        now,
      );
    }
    const moved = await tx.transitionDeployment(
      self,
      'deploying',
      { deployStartedAt: now },
      audit,
      now,
    );
    return moved ? tx.getDeployment(self.id) : undefined;
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
