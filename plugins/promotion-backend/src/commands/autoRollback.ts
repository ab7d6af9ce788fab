import { ConflictError, NotFoundError } from '@backstage/errors';
import type { BurnWatchUpdate } from '../database/BurnWatchStore';
import {
  ArtifactRecord,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { ENGINE, digestOf } from '../engine/context';
import { pageKeys } from '../notify/pageKeys';
import { releaseRollbackHolds } from './holds';
import type { CommandDeps } from './rollback';

/** What an automatic rollback adds to the rollback command: the burn watch that fired it. */
export interface AutoRollbackFiring {
  /** The watch's next state (`rolled_back`), without the rollback it fired. */
  watch: Omit<BurnWatchUpdate, 'rollbackId' | 'page'>;
  /** The watch version the decision was taken on (undefined: none stored yet). */
  expectedVersion: number | undefined;
  /** Dedup key of an open page of the watch that the rollback makes moot. */
  closes?: string;
}

/**
 * Writes, in the rollback's transaction, that the burn watch fired it, the
 * page it owes on-call (to the outbox), and the `autorollback.fired` event.
 * The watch write is compare-and-set: a replica that lost the race to
 * another throws 409 and its whole rollback is undone.
 */
export async function recordFiring(
  tx: PromotionStore,
  firing: AutoRollbackFiring,
  rollback: {
    promotion: PromotionRecord;
    from: ArtifactRecord;
    target: ArtifactRecord;
    reason: string;
    evidence?: Record<string, unknown>;
  },
  now: Date,
): Promise<void> {
  const { watch } = firing;
  const { promotion, from, target, reason } = rollback;
  const page = {
    key: pageKeys.fired(promotion.id),
    severity: 'critical' as const,
    summary: `Rolled back ${watch.entityRef} in ${watch.environment} from ${from.version} to ${target.version}: ${reason}`,
  };
  const won = await tx
    .burnWatch()
    .save(
      { ...watch, rollbackId: promotion.id, page },
      firing.expectedVersion,
      now,
    );
  if (!won) {
    throw new ConflictError(
      `the burn watch of deployment ${watch.deploymentId} changed meanwhile`,
    );
  }
  if (firing.closes) await tx.pages().close(firing.closes, now);
  await tx.pages().enqueue(
    [
      {
        ...page,
        why: 'auto-rollback',
        entityRef: watch.entityRef,
        environment: watch.environment,
        details: { burnRate: watch.reading, rollbackId: promotion.id },
      },
    ],
    now,
  );
  await tx.appendEvent(
    {
      entityRef: watch.entityRef,
      environment: watch.environment,
      digest: from.digest,
      kind: 'autorollback.fired',
      actor: ENGINE,
      details: { rollbackId: promotion.id, reason, ...rollback.evidence },
    },
    now,
  );
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
  await tx.pages().close(pageKeys.fired(rollback.id), now);
  return rollback;
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
  deps.pagesOwed?.();
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
  deps.pagesOwed?.();
  return promotion;
}
