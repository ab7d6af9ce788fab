import { PermissionsService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  Freeze,
  promotionAdminPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionStore } from '../database/PromotionStore';
import {
  authorize,
  AuthorizedService,
  Caller,
  missingOrDenied,
} from '../service/access';
import { RecordRefusal } from './refusals';

/** What creating a freeze needs. */
export interface CreateFreezeDeps {
  store: PromotionStore;
  /** Finds the service and checks the caller may act on it; records a refusal. */
  authorizedService: AuthorizedService;
  clock: () => Date;
}

/** One freeze of an environment, for one service or for all of them. */
export interface CreateFreezeInput {
  caller: Caller;
  /** The service the freeze is created from (its origin). */
  entityRef: string;
  environment: string;
  reason: string;
  /** Freeze the environment for every service, not only this one. */
  allServices?: boolean;
}

/**
 * Stops the line into an environment: admins of the service only, and only
 * for an environment of its pipeline. A freeze lets nothing new through, so
 * nothing needs waking; the waiting promotions meet it on their next look.
 */
export async function createFreeze(
  deps: CreateFreezeDeps,
  input: CreateFreezeInput,
): Promise<Freeze> {
  const { store, caller } = { ...deps, caller: input.caller };
  const service = await deps.authorizedService(
    caller,
    promotionAdminPermission,
    input.entityRef,
  );
  if (!service.pipeline.environments.some(e => e.name === input.environment)) {
    throw new NotFoundError(
      `Environment '${input.environment}' is not in pipeline '${service.pipeline.name}'`,
    );
  }
  const now = deps.clock();
  return store.transaction(async tx => {
    const created = await tx.decisions().createFreeze(
      {
        entityRef: input.allServices ? undefined : service.entityRef,
        originEntityRef: service.entityRef,
        environment: input.environment,
        reason: input.reason,
        createdBy: caller.actor,
      },
      now,
    );
    await tx.appendEvent(
      {
        entityRef: service.entityRef,
        environment: input.environment,
        kind: 'freeze.created',
        actor: caller.actor,
        details: {
          freezeId: created.id,
          reason: input.reason,
          allServices: Boolean(input.allServices),
        },
      },
      now,
    );
    return created;
  });
}

/** What lifting a freeze needs: no catalog, since a freeze outlives its origin's entity. */
export interface LiftFreezeDeps {
  store: PromotionStore;
  permissions: PermissionsService;
  recordRefusal: RecordRefusal;
  /** Re-evaluates the promotions the freeze held at once. */
  wake: () => void;
  clock: () => Date;
}

/**
 * Lifts an active freeze: an admin of the service it was created from may,
 * even when that service has left the catalog. The promotions it held (into
 * its environment: one service's, or every service's for an all-services
 * freeze) wake at once.
 */
export async function liftFreeze(
  deps: LiftFreezeDeps,
  input: { caller: Caller; freezeId: string },
): Promise<Freeze> {
  const { store, caller } = { ...deps, caller: input.caller };
  const freeze = await store.decisions().getFreeze(input.freezeId);
  if (!freeze) {
    return missingOrDenied(
      deps.permissions,
      caller,
      promotionAdminPermission,
      new NotFoundError(`No active freeze ${input.freezeId}`),
    );
  }
  // Not through the catalog: a freeze outlives its origin's entity.
  await authorize(
    deps.permissions,
    caller,
    promotionAdminPermission,
    freeze.originEntityRef,
  ).catch(async error => {
    await deps.recordRefusal({
      entityRef: freeze.originEntityRef,
      environment: freeze.environment,
      actor: caller.actor,
      action: 'freeze-lift',
      reason: (error as Error).message,
    });
    throw error;
  });
  const now = deps.clock();
  await store.transaction(async tx => {
    if (!(await tx.decisions().liftFreeze(freeze.id, caller.actor, now))) {
      throw new ConflictError(`Freeze ${freeze.id} was lifted already`);
    }
    await tx.appendEvent(
      {
        entityRef: freeze.originEntityRef,
        environment: freeze.environment,
        kind: 'freeze.lifted',
        actor: caller.actor,
        details: { freezeId: freeze.id, reason: freeze.reason },
      },
      now,
    );
    // Only lanes into the frozen environment were held by it.
    await tx.wakePromotions(
      { entityRef: freeze.entityRef, environment: freeze.environment },
      now,
    );
  });
  deps.wake();
  return freeze;
}
