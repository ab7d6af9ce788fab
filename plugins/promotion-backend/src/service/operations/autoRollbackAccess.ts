import { NotFoundError } from '@backstage/errors';
import { promotionRollbackPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { callerOf, missingOrDenied } from '../access';
import { OperationContext } from './context';

/** What on-call's confirm and override need to find the rollback and check the caller. */
export type AutoRollbackContext = Pick<
  OperationContext,
  | 'httpAuth'
  | 'permissions'
  | 'auditor'
  | 'store'
  | 'engine'
  | 'authorizedService'
>;

/** The automatic rollback named in the path, after checking the caller may act on it. */
export async function authorizedRollback(
  context: AutoRollbackContext,
  req: express.Request<{ rollbackId: string }>,
) {
  const { httpAuth, permissions, store, authorizedService } = context;
  const caller = await callerOf(httpAuth, req);
  const rollback = await store.decisions().getRollback(req.params.rollbackId);
  if (!rollback || rollback.trigger !== 'auto') {
    return missingOrDenied(
      permissions,
      caller,
      promotionRollbackPermission,
      new NotFoundError(`No automatic rollback ${req.params.rollbackId}`),
    );
  }
  await authorizedService(
    caller,
    promotionRollbackPermission,
    rollback.entityRef,
  );
  return { caller, rollback };
}
