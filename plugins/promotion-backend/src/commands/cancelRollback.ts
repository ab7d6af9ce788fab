import { PermissionsService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  promotionAdminPermission,
  promotionRollbackPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionRecord, PromotionStore } from '../database/PromotionStore';
import {
  authorize,
  Caller,
  isSameUser,
  missingOrDenied,
} from '../service/access';
import { releaseRollbackHolds } from './holds';
import { RecordRefusal } from './refusals';

/** What cancelling a rollback needs. */
export interface CancelRollbackDeps {
  store: PromotionStore;
  permissions: PermissionsService;
  recordRefusal: RecordRefusal;
  /** Re-evaluates the lane's waiting promotions at once. */
  wake: () => void;
  clock: () => Date;
}

const notPending = (id: string) =>
  new ConflictError(
    `Rollback ${id} has left pending; only a rollback that has not deployed can be cancelled`,
  );

/** Whether the caller asked for the rollback and may still roll back, or is an admin. */
async function mayCancel(
  deps: CancelRollbackDeps,
  caller: Caller,
  promotion: PromotionRecord,
): Promise<boolean> {
  const allowed = (permission: typeof promotionAdminPermission) =>
    authorize(deps.permissions, caller, permission, promotion.entityRef).then(
      () => true,
      error => {
        if (error instanceof NotAllowedError) return false;
        throw error;
      },
    );
  if (isSameUser(caller, promotion.actor)) {
    return allowed(promotionRollbackPermission);
  }
  return allowed(promotionAdminPermission);
}

/**
 * Cancels a rollback that has not deployed yet, e.g. one the migration gate
 * keeps waiting: the person who asked for it or an admin may. The hold the
 * rollback placed on the lane goes with it, so the lane is as before.
 */
export async function cancelRollback(
  deps: CancelRollbackDeps,
  input: { caller: Caller; promotionId: string; reason?: string },
): Promise<PromotionRecord> {
  const { store } = deps;
  const { caller } = input;
  const promotion = await store.getPromotion(input.promotionId);
  if (!promotion || promotion.trigger !== 'rollback') {
    return missingOrDenied(
      deps.permissions,
      caller,
      promotionRollbackPermission,
      new NotFoundError(`No rollback ${input.promotionId}`),
    );
  }
  if (!(await mayCancel(deps, caller, promotion))) {
    const reason = `${caller.actor} may not cancel rollback ${promotion.id}: only ${promotion.actor} (who asked for it) or a holder of ${promotionAdminPermission.name} may`;
    await deps.recordRefusal({
      entityRef: promotion.entityRef,
      environment: promotion.toEnvironment,
      actor: caller.actor,
      action: 'cancel-rollback',
      reason,
      details: { promotionId: promotion.id },
    });
    throw new NotAllowedError(reason);
  }
  if (promotion.state !== 'pending') throw notPending(promotion.id);
  const rollback = await store.decisions().getRollback(promotion.id);
  const artifacts = await store.getArtifactsById([
    promotion.artifactId,
    ...(rollback ? [rollback.fromArtifactId] : []),
  ]);
  const now = deps.clock();
  const reason = `cancelled by ${caller.actor}${
    input.reason ? `: ${input.reason}` : ''
  }`;
  await store.transaction(async tx => {
    const cancelled = await tx.transitionPromotion(
      promotion,
      'cancelled',
      {
        actor: caller.actor,
        digest: artifacts.get(promotion.artifactId)?.digest ?? '',
        reason,
      },
      now,
    );
    if (!cancelled) throw notPending(promotion.id);
    if (rollback) {
      await releaseRollbackHolds(
        tx,
        {
          entityRef: promotion.entityRef,
          environment: promotion.toEnvironment,
          artifactId: rollback.fromArtifactId,
        },
        { actor: caller.actor, reason },
        now,
      );
    }
    await tx.wakePromotions({ entityRef: promotion.entityRef }, now);
  });
  deps.wake();
  return (await store.getPromotion(promotion.id))!;
}
