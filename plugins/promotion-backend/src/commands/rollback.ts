import { ConflictError, NotFoundError } from '@backstage/errors';
import { PipelineConfig } from '../config/pipelines';
import {
  ArtifactRecord,
  DeploymentRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { digestOf } from '../engine/context';
import { laneDeployments } from '../engine/lanes';
import { impactStart } from '../slo';
import { releaseRollbackHolds } from './holds';

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
}

/**
 * Records on-call's answer to an automatic rollback, once, and closes its
 * page; 404 for an unknown or manual rollback, 409 when already answered.
 */
async function resolveAutoRollback(
  tx: PromotionStore,
  rollbackId: string,
  resolution: {
    decision: 'confirmed' | 'overridden';
    actor: string;
    comment?: string;
  },
  now: Date,
) {
  const rollback = await tx.decisions().getRollback(rollbackId);
  if (!rollback || rollback.trigger !== 'auto') {
    throw new NotFoundError(`No automatic rollback ${rollbackId}`);
  }
  if (!(await tx.decisions().resolveRollback(rollback.id, resolution, now))) {
    throw new ConflictError(
      `Rollback ${rollback.id} was already confirmed or overridden`,
    );
  }
  await tx.burnWatch().closeRollbackPage(rollback.id, now);
  return rollback;
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
    /** Runs in the rollback's transaction; throwing undoes the rollback. */
    within?: (tx: PromotionStore, promotion: PromotionRecord) => Promise<void>;
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
    await request.within?.(tx, created);
    return created;
  });
  deps.changed(request.entityRef);
  deps.wake();
  return { promotion, target: rollbackTarget, from };
}

/** On-call confirms an automatic rollback: it stands, and the page closes. */
export async function confirmAutoRollback(
  deps: CommandDeps,
  request: {
    rollbackId: string;
    actor: string;
    comment?: string;
  },
): Promise<void> {
  const now = deps.clock();
  const entityRef = await deps.store.transaction(async tx => {
    const rollback = await resolveAutoRollback(
      tx,
      request.rollbackId,
      { decision: 'confirmed', ...request },
      now,
    );
    await tx.appendEvent(
      {
        entityRef: rollback.entityRef,
        environment: rollback.environment,
        digest: await digestOf(tx, rollback.fromArtifactId),
        kind: 'autorollback.confirmed',
        actor: request.actor,
        details: { rollbackId: rollback.id, comment: request.comment },
      },
      now,
    );
    return rollback.entityRef;
  });
  deps.changed(entityRef);
}

/**
 * On-call overrides an automatic rollback: the artifact it rolled back goes
 * back into the environment, released from its hold, as a promotion with
 * trigger `rollback` (so auto-rollback leaves that deployment alone and the
 * migration gate still runs).
 */
export async function overrideAutoRollback(
  deps: CommandDeps,
  request: {
    rollbackId: string;
    actor: string;
    comment: string;
  },
): Promise<PromotionRecord> {
  const now = deps.clock();
  const promotion = await deps.store.transaction(async tx => {
    const rollback = await resolveAutoRollback(
      tx,
      request.rollbackId,
      { decision: 'overridden', ...request },
      now,
    );
    const artifact = (await tx.getArtifactsById([rollback.fromArtifactId])).get(
      rollback.fromArtifactId,
    )!;
    if (artifact.bad) {
      throw new ConflictError(
        `${artifact.digest} is marked bad and cannot go back in`,
      );
    }
    await releaseRollbackHolds(
      tx,
      {
        entityRef: rollback.entityRef,
        environment: rollback.environment,
        artifactId: artifact.id,
      },
      { actor: request.actor, reason: 'auto-rollback overridden' },
      now,
    );
    const created = await tx.createPromotion(
      {
        entityRef: rollback.entityRef,
        artifactId: artifact.id,
        digest: artifact.digest,
        toEnvironment: rollback.environment,
        trigger: 'rollback',
        actor: request.actor,
        reason: `override of automatic rollback: ${request.comment}`,
      },
      now,
    );
    await tx.appendEvent(
      {
        entityRef: rollback.entityRef,
        environment: rollback.environment,
        digest: artifact.digest,
        kind: 'autorollback.overridden',
        actor: request.actor,
        details: {
          rollbackId: rollback.id,
          promotionId: created.id,
          comment: request.comment,
        },
      },
      now,
    );
    return created;
  });
  deps.changed(promotion.entityRef);
  deps.wake();
  return promotion;
}
