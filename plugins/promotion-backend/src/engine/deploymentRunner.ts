import type { DeployRequest } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { DeploymentRecord } from '../database/PromotionStore';
import { ENGINE, EngineContext, environmentOf } from './context';
import { startDeployment, watchDeploying } from './deploying';
import { watchSoaking } from './soaking';
import { warmDeploymentFor } from './warm';

export async function runDeployment(
  ctx: EngineContext,
  deployment: DeploymentRecord,
): Promise<void> {
  const artifact = (await ctx.reads.artifact(deployment.artifactId))!;
  const target = environmentOf(ctx.pipelines, artifact, deployment.environment);
  const now = ctx.clock();
  const audit = { actor: ENGINE, digest: artifact.digest };
  const fail = async (reason: string) => {
    await ctx.reads.write(deployment, tx =>
      tx.transitionDeployment(
        deployment,
        'failed',
        {},
        { ...audit, reason },
        now,
      ),
    );
    ctx.changed(deployment.entityRef);
  };
  if (!target) {
    await fail(
      `environment '${deployment.environment}' is no longer configured`,
    );
    return;
  }
  const deployer = ctx.deployers.get(target.env.deployer);
  if (!deployer) {
    await fail(`deployer '${target.env.deployer}' is not installed`);
    return;
  }
  const request: DeployRequest = {
    idempotencyKey: deployment.id,
    entityRef: deployment.entityRef,
    environment: deployment.environment,
    artifact,
    variables: target.env.variables,
    secretRefs: target.env.secrets,
    config: target.env.deployerConfig,
  };
  if (deployment.state === 'queued' || deployment.state === 'deploying') {
    const warm = await warmDeploymentFor(ctx, deployment, artifact.digest);
    if (warm) request.warm = warm;
  }

  switch (deployment.state) {
    case 'queued':
      await startDeployment(
        ctx,
        deployment,
        artifact,
        deployer,
        request,
        target.env,
      );
      return;
    case 'deploying':
      await watchDeploying(
        ctx,
        deployment,
        artifact,
        deployer,
        request,
        target.env,
      );
      return;
    case 'soaking':
      await watchSoaking(ctx, deployment, artifact, deployer, request, target);
      return;
    default:
      return;
  }
}
