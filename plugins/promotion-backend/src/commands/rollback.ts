import { ConflictError, NotFoundError } from '@backstage/errors';
import { PipelineConfig } from '../config/pipelines';
import {
  ArtifactRecord,
  DeploymentRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { laneDeployments } from '../engine/lanes';
import { impactStart } from '../slo';
import { AutoRollbackFiring, recordFiring } from './autoRollback';

/** When a deployment arrived in its environment: it turned healthy there (or started deploying). */
export function arrivalOf(deployment: DeploymentRecord): Date {
  return (
    deployment.healthyAt ?? deployment.deployStartedAt ?? deployment.createdAt
  );
}

/** What the engine-side commands need: the store, the time, and how to tell others. */
export interface CommandDeps {
  store: PromotionStore;
  clock: () => Date;
  /** Tells listeners (the UI signal) that an entity's pipeline changed. */
  changed: (entityRef: string) => void;
  /** Says new work is due now. */
  wake: () => void;
  /** Says a page was written to the outbox (or one is to be resolved). */
  pagesOwed?: () => void;
}

/**
 * Rolls one environment back to an earlier artifact: a promotion with
 * trigger `rollback` through the same path as any other, which skips the
 * soak and window gates but never the migration gate. The artifact rolled
 * back is held out of the environment until someone releases it.
 */
export async function requestRollback(
  deps: CommandDeps,
  request: {
    entityRef: string;
    pipeline: PipelineConfig;
    environment: string;
    reason: string;
    actor: string;
    targetDigest?: string;
    trigger?: 'manual' | 'auto';
    detectedAt?: Date;
    /**
     * When the release rolled back started hurting (automatic rollbacks know
     * it from the reading that fired); read from its burn watch otherwise.
     */
    impactStartedAt?: Date;
    evidence?: Record<string, unknown>;
    /** Refuse (409) unless this deployment is still the one serving the lane. */
    fromDeploymentId?: string;
    /** For an automatic rollback: the burn watch that fired it, recorded in the same transaction. */
    firing?: AutoRollbackFiring;
  },
): Promise<{
  promotion: PromotionRecord;
  target: ArtifactRecord;
  from: ArtifactRecord;
}> {
  const env = request.pipeline.environments.find(
    e => e.name === request.environment,
  );
  if (!env) {
    throw new NotFoundError(
      `Environment '${request.environment}' is not in pipeline '${request.pipeline.name}'`,
    );
  }
  const now = deps.clock();
  const deployments = (
    await deps.store.listDeployments(request.entityRef, {
      environment: env.name,
      limit: 500,
      total: false,
    })
  ).items;
  const artifacts = await deps.store.getArtifactsById(
    deployments.map(d => d.artifactId),
  );
  const { current, previous } = laneDeployments(deployments, artifacts);
  if (!current) {
    throw new ConflictError(
      `Nothing runs in ${env.name}; there is nothing to roll back`,
    );
  }
  if (request.fromDeploymentId && current.id !== request.fromDeploymentId) {
    throw new ConflictError(
      `Deployment ${request.fromDeploymentId} no longer serves ${env.name}`,
    );
  }
  let target = previous ? artifacts.get(previous.artifactId) : undefined;
  if (request.targetDigest) {
    const earlier = deployments.find(
      d =>
        artifacts.get(d.artifactId)?.digest === request.targetDigest &&
        d.verifiedAt &&
        d.artifactId !== current.artifactId,
    );
    if (!earlier) {
      throw new ConflictError(
        `${request.targetDigest} never ran verified in ${env.name} before; a rollback returns to an artifact from that environment's history`,
      );
    }
    target = artifacts.get(earlier.artifactId);
  }
  if (!target) {
    throw new ConflictError(
      `${env.name} has no previous artifact to roll back to`,
    );
  }
  if (target.bad) {
    throw new ConflictError(
      `${target.digest} is marked bad and cannot be rolled back to`,
    );
  }
  const from = artifacts.get(current.artifactId)!;
  const rollbackTarget = target;
  const promotion = await deps.store.transaction(async tx => {
    const created = await tx.createPromotion(
      {
        entityRef: request.entityRef,
        artifactId: rollbackTarget.id,
        digest: rollbackTarget.digest,
        toEnvironment: env.name,
        trigger: 'rollback',
        actor: request.actor,
        reason: request.reason,
      },
      now,
    );
    await tx.decisions().createRollback(
      {
        id: created.id,
        entityRef: request.entityRef,
        environment: env.name,
        fromArtifactId: from.id,
        toArtifactId: rollbackTarget.id,
        trigger: request.trigger ?? 'manual',
        actor: request.actor,
        reason: request.reason,
        evidence: request.evidence,
        detectedAt: request.detectedAt ?? now,
        impactStartedAt:
          request.impactStartedAt ??
          impactStart(
            (
              await tx.burnWatch().get(current.id)
            )?.burningSince,
            arrivalOf(current),
          ),
      },
      now,
    );
    const holdId = await tx.decisions().createHold(
      {
        entityRef: request.entityRef,
        environment: env.name,
        artifactId: from.id,
        reason: `rolled back: ${request.reason}`,
        createdBy: request.actor,
      },
      now,
    );
    await tx.appendEvent(
      {
        entityRef: request.entityRef,
        environment: env.name,
        digest: from.digest,
        kind: 'rollback.requested',
        actor: request.actor,
        details: {
          promotionId: created.id,
          to: rollbackTarget.digest,
          toVersion: rollbackTarget.version,
          reason: request.reason,
          trigger: request.trigger ?? 'manual',
        },
      },
      now,
    );
    await tx.appendEvent(
      {
        entityRef: request.entityRef,
        environment: env.name,
        digest: from.digest,
        kind: 'hold.created',
        actor: request.actor,
        details: { holdId, reason: request.reason },
      },
      now,
    );
    // What waits for the lane now waits behind the hold: show it at once.
    await tx.wakePromotions({ entityRef: request.entityRef }, now);
    if (request.firing) {
      await recordFiring(
        tx,
        request.firing,
        {
          promotion: created,
          from,
          target: rollbackTarget,
          reason: request.reason,
          evidence: request.evidence,
        },
        now,
      );
    }
    return created;
  });
  deps.changed(request.entityRef);
  deps.wake();
  if (request.firing) deps.pagesOwed?.();
  return { promotion, target: rollbackTarget, from };
}
