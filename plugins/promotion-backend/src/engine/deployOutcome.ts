import type { DeployStatus } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { EnvironmentConfig } from '../config/pipelines';
import {
  ArtifactRecord,
  DeploymentPatch,
  DeploymentRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { ENGINE, EngineContext } from './context';

/** What a deploy system answered, and what the engine does about it: move on, fail, or look again later. */
/** The final status a deploy system reported through the status callback, if any. */
export function reportedOutcome(
  deployment: DeploymentRecord,
): DeployStatus | undefined {
  const reason = deployment.reportedReason;
  switch (deployment.reportedState) {
    case 'succeeded':
      return { state: 'succeeded', detail: reason };
    case 'failed':
      return {
        state: 'failed',
        reason: reason
          ? `deploy system reported failure: ${reason}`
          : 'deploy system reported failure without a reason',
      };
    default:
      return undefined;
  }
}

/**
 * Acts on a deploy system's answer in one write: soaking once it succeeded,
 * failed, or polled again later. `acceptedAt` (the deploy call that got this
 * answer) is counted in the same write.
 */
export async function applyDeployStatus(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  status: DeployStatus,
  env: EnvironmentConfig,
  acceptedAt?: Date,
) {
  const now = ctx.clock();
  const audit = { actor: ENGINE, digest: artifact.digest };
  // The call is counted with the transition (the lease keeps the count ours).
  const counted: DeploymentPatch = acceptedAt
    ? { deployCalls: deployment.deployCalls + 1, deployAcceptedAt: acceptedAt }
    : {};
  const write = (moveOn: (tx: PromotionStore) => Promise<boolean>) =>
    ctx.reads.write(deployment, async tx => {
      const moved = await moveOn(tx);
      if (!acceptedAt) return;
      // Polled again later, or moved on by someone else: count it alone.
      if (!moved) await tx.countDeployCall(deployment.id, acceptedAt);
      await markDispatched(tx, deployment, acceptedAt);
    });
  if (status.state === 'succeeded') {
    await write(async tx => {
      const moved = await tx.transitionDeployment(
        deployment,
        'soaking',
        {
          ...counted,
          healthyAt: now,
          nextCheckAt: new Date(
            now.getTime() + Math.min(env.soakMs, ctx.timings.deployPollMs),
          ),
          attempts: 0,
        },
        { ...audit, reason: status.detail },
        now,
      );
      // The previous artifact serves again: the time to recover ends here.
      if (
        moved &&
        deployment.trigger === 'rollback' &&
        deployment.promotionId
      ) {
        await tx.decisions().markRollbackRestored(deployment.promotionId, now);
      }
      return moved;
    });
    // No wake: the soak check is not due yet, or this worker claims it next.
    ctx.changed(deployment.entityRef);
    return;
  }
  if (status.state === 'failed') {
    await write(tx =>
      tx.transitionDeployment(
        deployment,
        'failed',
        counted,
        { ...audit, reason: status.reason || 'deployer reported failure' },
        now,
      ),
    );
    ctx.changed(deployment.entityRef);
    return;
  }
  if (timedOut(deployment, env, now)) {
    await write(tx =>
      failTimedOut(tx, deployment, artifact, env, now, counted),
    );
    ctx.changed(deployment.entityRef);
    return;
  }
  await write(async tx => {
    await tx.releaseDeployment(
      deployment.id,
      ctx.ticket,
      new Date(now.getTime() + ctx.timings.deployPollMs),
      0,
    );
    return false;
  });
}

/** For a rollback, the moment its deploy call was accepted. */
async function markDispatched(
  tx: PromotionStore,
  deployment: DeploymentRecord,
  acceptedAt: Date,
) {
  if (deployment.trigger === 'rollback' && deployment.promotionId) {
    await tx
      .decisions()
      .markRollbackDispatched(deployment.promotionId, acceptedAt);
  }
}

export function timedOut(
  deployment: DeploymentRecord,
  env: EnvironmentConfig,
  now: Date,
) {
  const started = deployment.deployStartedAt ?? deployment.createdAt;
  return now.getTime() - started.getTime() > env.deployTimeoutMs;
}

function failTimedOut(
  tx: PromotionStore,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  env: EnvironmentConfig,
  now: Date,
  patch: DeploymentPatch = {},
): Promise<boolean> {
  return tx.transitionDeployment(
    deployment,
    'failed',
    patch,
    {
      actor: ENGINE,
      digest: artifact.digest,
      reason: `deployer did not finish within ${Math.round(
        env.deployTimeoutMs / 1000,
      )} s`,
    },
    now,
  );
}

export async function retryLater(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  artifact: ArtifactRecord,
  env: EnvironmentConfig,
  problem: string,
) {
  const now = ctx.clock();
  if (timedOut(deployment, env, now)) {
    await ctx.reads.write(deployment, tx =>
      tx.transitionDeployment(
        deployment,
        'failed',
        {},
        {
          actor: ENGINE,
          digest: artifact.digest,
          reason: `${problem}; gave up after the deploy timeout`,
        },
        now,
      ),
    );
    ctx.changed(deployment.entityRef);
    return;
  }
  const attempts = deployment.attempts + 1;
  const backoff = Math.min(
    ctx.timings.deployPollMs * 2 ** Math.min(attempts, 6),
    60_000,
  );
  ctx.logger.warn(
    `Deployment ${deployment.id}: ${problem}; retrying in ${backoff} ms`,
  );
  await ctx.reads.write(deployment, tx =>
    tx.releaseDeployment(
      deployment.id,
      ctx.ticket,
      new Date(now.getTime() + backoff),
      attempts,
    ),
  );
}
