import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { EnvironmentConfig, PipelineConfig } from '../config/pipelines';
import { ArtifactRecord, DeploymentRecord } from '../database/PromotionStore';
import { callDeployer, digestOf, ENGINE, EngineContext } from './context';
import { reportedOutcome } from './deployOutcome';

export async function watchSoaking(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  deployer: Deployer,
  request: DeployRequest,
  target: { pipeline: PipelineConfig; env: EnvironmentConfig; index: number },
) {
  let status: DeployStatus;
  const reported = reportedOutcome(deployment);
  if (reported?.state === 'failed') {
    // The deploy system's own callback wins over asking the deployer.
    status = reported;
  } else {
    try {
      status = await callDeployer(ctx, 'status', deployer, request);
    } catch (error) {
      status = { state: 'running', detail: `status unknown: ${error}` };
    }
  }
  if (status.state === 'running' && status.awaitingCallback) {
    // A push-only deployer has no news; the deploy system already said the
    // artifact is up (that is how it got here), and no failure callback came.
    status = { state: 'succeeded' };
  }
  const now = ctx.clock();
  const audit = { actor: ENGINE, digest: artifact.digest };
  if (status.state === 'failed') {
    await ctx.reads.write(deployment, tx =>
      tx.transitionDeployment(
        deployment,
        'failed',
        {},
        { ...audit, reason: `failed during soak: ${status.reason}` },
        now,
      ),
    );
    ctx.changed(deployment.entityRef);
    return;
  }
  const soakEnds = (deployment.healthyAt ?? now).getTime() + target.env.soakMs;
  // Only a deployment the deployer still calls healthy may be verified;
  // "running" (unknown) keeps it soaking until it answers.
  if (now.getTime() < soakEnds || status.state !== 'succeeded') {
    await ctx.reads.write(deployment, tx =>
      tx.releaseDeployment(
        deployment.id,
        ctx.ticket,
        new Date(
          Math.min(
            Math.max(soakEnds, now.getTime() + 1),
            now.getTime() + ctx.timings.deployPollMs,
          ),
        ),
      ),
    );
    return;
  }
  let promoted = false;
  await ctx.reads.write(deployment, async tx => {
    const verified = await tx.transitionDeployment(
      deployment,
      'verified',
      { verifiedAt: now },
      { ...audit, reason: `soaked ${Math.round(target.env.soakMs / 1000)} s` },
      now,
    );
    if (!verified) return;
    const older = await tx.listDeployments(deployment.entityRef, {
      total: false,
      environment: deployment.environment,
      states: ['verified'],
      limit: 100,
    });
    for (const other of older.items) {
      if (other.id === deployment.id) continue;
      const otherDigest = await digestOf(tx, other.artifactId);
      await tx.transitionDeployment(
        other,
        deployment.trigger === 'rollback' ? 'rolled_back' : 'superseded',
        {},
        {
          actor: ENGINE,
          digest: otherDigest,
          reason:
            deployment.trigger === 'rollback'
              ? `rolled back to ${artifact.digest}`
              : `replaced by ${artifact.digest}`,
        },
        now,
      );
    }
    const next = target.pipeline.environments[target.index + 1];
    if (next && deployment.trigger !== 'rollback') {
      promoted = true;
      await tx.createPromotion(
        {
          entityRef: deployment.entityRef,
          artifactId: artifact.id,
          digest: artifact.digest,
          fromEnvironment: deployment.environment,
          toEnvironment: next.name,
          trigger: 'promotion',
          actor: ENGINE,
        },
        now,
      );
    }
  });
  ctx.changed(deployment.entityRef);
  // The promotion into the next environment is due now.
  if (promoted) ctx.wake();
}
