import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Hold,
  promotionAdminPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionStore } from '../database/PromotionStore';
import { AuthorizedService, Caller } from '../service/access';

/** What releasing a hold needs. */
export interface ReleaseHoldDeps {
  store: PromotionStore;
  /** Finds the service and checks the caller may act on it; records a refusal. */
  authorizedService: AuthorizedService;
  /** Re-evaluates the lane's waiting promotions at once. */
  wake: () => void;
  clock: () => Date;
}

/** One release of an active hold on a service. */
export interface ReleaseHoldInput {
  caller: Caller;
  entityRef: string;
  holdId: string;
  reason?: string;
}

/**
 * Releases an active hold, e.g. the one a rollback placed on the artifact it
 * rolled back, so that artifact may enter the environment again. Admins only;
 * the release and its audit event are one transaction, and the service's
 * waiting promotions are looked at again at once.
 */
export async function releaseHold(
  deps: ReleaseHoldDeps,
  input: ReleaseHoldInput,
): Promise<Hold> {
  const { store, caller } = { ...deps, caller: input.caller };
  const service = await deps.authorizedService(
    caller,
    promotionAdminPermission,
    input.entityRef,
  );
  const now = deps.clock();
  const hold = (await store.decisions().listHolds(service.entityRef)).find(
    h => h.id === input.holdId,
  );
  if (!hold) {
    throw new NotFoundError(
      `No active hold ${input.holdId} on ${service.entityRef}`,
    );
  }
  await store.transaction(async tx => {
    if (
      !(await tx
        .decisions()
        .releaseHold(hold.id, service.entityRef, caller.actor, now))
    ) {
      throw new ConflictError(`Hold ${hold.id} was released already`);
    }
    await tx.appendEvent(
      {
        entityRef: service.entityRef,
        environment: hold.environment,
        digest: hold.digest,
        kind: 'hold.released',
        actor: caller.actor,
        details: { holdId: hold.id, reason: input.reason },
      },
      now,
    );
    await tx.wakePromotions({ entityRef: service.entityRef }, now);
  });
  deps.wake();
  return hold;
}

/**
 * Inside a transaction: releases the holds a rollback placed on `artifactId`
 * in one environment (when that rollback is cancelled or overridden), each
 * with its audit event.
 */
export async function releaseRollbackHolds(
  tx: PromotionStore,
  lane: { entityRef: string; environment: string; artifactId: string },
  by: { actor: string; reason: string },
  now: Date,
): Promise<void> {
  const holds = await tx.decisions().listHolds(lane.entityRef, {
    environment: lane.environment,
    artifactId: lane.artifactId,
  });
  for (const hold of holds) {
    await tx.decisions().releaseHold(hold.id, lane.entityRef, by.actor, now);
    await tx.appendEvent(
      {
        entityRef: lane.entityRef,
        environment: hold.environment,
        digest: hold.digest,
        kind: 'hold.released',
        actor: by.actor,
        details: { holdId: hold.id, reason: by.reason },
      },
      now,
    );
  }
}
