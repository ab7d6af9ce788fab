import type { WarmDeployment } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { DeploymentRecord } from '../database/PromotionStore';
import { EngineContext } from './context';

// A rollback returns to a recent artifact; its last serving deployment is near the top.
const HISTORY_ROWS = 50;

/**
 * For a rollback: the newest earlier deployment of the same artifact in the
 * same environment that served (was verified), which the deployer may switch
 * back to instead of starting the artifact anew. Undefined for other triggers.
 */
export async function warmDeploymentFor(
  ctx: EngineContext,
  deployment: DeploymentRecord,
  digest: string,
): Promise<WarmDeployment | undefined> {
  if (deployment.trigger !== 'rollback') return undefined;
  const { items } = await ctx.store.listDeployments(deployment.entityRef, {
    environment: deployment.environment,
    limit: HISTORY_ROWS,
    total: false,
  });
  const earlier = items
    .filter(
      d =>
        d.id !== deployment.id &&
        d.artifactId === deployment.artifactId &&
        d.verifiedAt,
    )
    .sort((a, b) => b.verifiedAt!.getTime() - a.verifiedAt!.getTime())[0];
  return earlier ? { deploymentId: earlier.id, digest } : undefined;
}
