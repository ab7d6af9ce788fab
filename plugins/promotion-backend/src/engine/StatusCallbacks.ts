import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
} from '@backstage/errors';
import type {
  Deployer,
  StatusCallback,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { Pipelines } from '../config/pipelines';
import { isInFlight } from '../domain/states';
import {
  DeploymentRecord,
  PromotionStore,
  ReportedStatus,
} from '../database/PromotionStore';

/** A status callback whose body passed validation. */
export interface StatusCallbackRequest {
  deploymentId: string;
  report: ReportedStatus;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

/** How a callback was taken: recorded, or a harmless repeat of what is known. */
export interface StatusCallbackOutcome {
  deployment: DeploymentRecord;
  recorded: boolean;
}

type Verdict = 'record' | 'repeat' | { conflict: string };

// Conditional writes that lose to the engine are retried from a fresh read.
const ATTEMPTS = 3;

/** What the deploy system has said so far: a deployment soaking has been reported up. */
function knownOutcome(deployment: DeploymentRecord): ReportedStatus['state'] {
  if (deployment.reportedState === 'failed') return 'failed';
  if (
    deployment.reportedState === 'succeeded' ||
    deployment.state === 'soaking' ||
    deployment.healthyAt
  ) {
    return 'succeeded';
  }
  return 'running';
}

/**
 * Decides what a reported status means for a deployment. A deploy system may
 * move running → succeeded → failed (a rollout can break after it came up)
 * but never back; a repeat of the same final status is harmless (callers
 * retry), so it is accepted and changes nothing; anything else is a conflict.
 */
export function judgeStatusReport(
  deployment: DeploymentRecord,
  report: ReportedStatus,
): Verdict {
  const known = knownOutcome(deployment);
  if (deployment.state === 'queued') {
    return {
      conflict: `deployment ${deployment.id} has not been sent to the deploy system yet`,
    };
  }
  // Queued was answered above: in flight here means sent and not yet ended.
  if (!isInFlight(deployment.state)) {
    const agrees =
      (report.state === 'failed' && deployment.state === 'failed') ||
      (report.state === 'succeeded' && known === 'succeeded');
    return agrees
      ? 'repeat'
      : {
          conflict: `deployment ${deployment.id} already ended ${deployment.state}; a ${report.state} report changes nothing`,
        };
  }
  const allowed =
    known === 'running' ||
    (known === 'succeeded' && report.state !== 'running') ||
    (known === 'failed' && report.state === 'failed');
  if (!allowed) {
    return {
      conflict: `deployment ${deployment.id} was already reported ${known}; it cannot go back to ${report.state}`,
    };
  }
  if (
    deployment.reportedState === report.state &&
    deployment.reportedReason === report.reason
  ) {
    return 'repeat';
  }
  return 'record';
}

/**
 * Takes status callbacks from deploy systems. The route carries no Backstage
 * token, so the deployment's own deployer authenticates each callback (the
 * webhook deployer checks its HMAC signature); the backend never holds a
 * deployer's secret. The report is stored before the answer, so a crash
 * after it loses nothing, and the engine acts on it from the database.
 */
export class StatusCallbacks {
  constructor(
    private readonly options: {
      store: PromotionStore;
      pipelines: Pipelines;
      deployers: Map<string, Deployer>;
      clock: () => Date;
      logger?: LoggerService;
    },
  ) {}

  /**
   * Verifies and records a callback. 401 unless a deployer vouches for it;
   * for an unknown id any deployer that takes callbacks may, and only then
   * is the answer 404, so a caller without a secret cannot probe ids.
   */
  async receive(
    request: StatusCallbackRequest,
  ): Promise<StatusCallbackOutcome> {
    const { store } = this.options;
    const now = this.options.clock();
    const callback: StatusCallback = {
      deploymentId: request.deploymentId,
      headers: request.headers,
      rawBody: request.rawBody,
      now,
    };
    let deployment = await store.getDeployment(request.deploymentId);
    const own = deployment && (await this.deployerOf(deployment));
    const candidates = own ? [own] : [...this.options.deployers];
    const vouching = candidates.find(([, deployer]) =>
      vouches(deployer, callback),
    );
    if (!vouching) {
      if (deployment) {
        // Worth an operator's look: secrets out of step or clocks apart
        // would otherwise only show as a deploy timeout much later.
        this.options.logger?.warn(
          `Refused a status callback for deployment ${deployment.id}: signature missing, wrong or stale`,
        );
      }
      throw new AuthenticationError(
        'Status callback signature is missing, wrong or stale',
      );
    }
    if (!deployment) {
      throw new NotFoundError(`No deployment ${request.deploymentId}`);
    }
    const digest = await this.digestOf(deployment);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const verdict = judgeStatusReport(deployment, request.report);
      if (verdict === 'repeat') {
        return { deployment, recorded: false };
      }
      if (verdict !== 'record') {
        throw new ConflictError(verdict.conflict);
      }
      const recorded = await store.reportDeploymentStatus(
        deployment,
        request.report,
        { actor: `deployer:${vouching[0]}`, digest },
        now,
      );
      if (recorded) {
        return { deployment, recorded: true };
      }
      deployment = (await store.getDeployment(request.deploymentId))!;
    }
    throw new ConflictError(
      `deployment ${request.deploymentId} kept changing while the report was recorded; retry`,
    );
  }

  /** The deployer of the deployment's environment, when it is still configured. */
  private async deployerOf(
    deployment: DeploymentRecord,
  ): Promise<[string, Deployer] | undefined> {
    const artifact = (
      await this.options.store.getArtifactsById([deployment.artifactId])
    ).get(deployment.artifactId);
    const env = artifact
      ? this.options.pipelines
          .get(artifact.pipeline)
          ?.environments.find(e => e.name === deployment.environment)
      : undefined;
    const deployer = env && this.options.deployers.get(env.deployer);
    return deployer ? [env.deployer, deployer] : undefined;
  }

  private async digestOf(deployment: DeploymentRecord) {
    const artifacts = await this.options.store.getArtifactsById([
      deployment.artifactId,
    ]);
    return artifacts.get(deployment.artifactId)?.digest ?? '';
  }
}

/** A deployer vouches for a callback when it can check it and the check passes; a throw is a no. */
function vouches(deployer: Deployer, callback: StatusCallback): boolean {
  try {
    return deployer.verifyStatusCallback?.(callback) === true;
  } catch {
    return false;
  }
}
