import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of the promotion permissions: the catalog entity a pipeline belongs to. */
export const PROMOTION_RESOURCE_TYPE = 'catalog-entity';

/** Read a service's pipeline, deployments, history and audit events. */
export const promotionReadPermission = createPermission({
  name: 'promotion.read',
  attributes: { action: 'read' },
  resourceType: PROMOTION_RESOURCE_TYPE,
});

/** Register an artifact or report test results (what CI does). */
export const promotionRegisterPermission = createPermission({
  name: 'promotion.register',
  attributes: { action: 'create' },
  resourceType: PROMOTION_RESOURCE_TYPE,
});

/** Approve or reject a high-risk promotion. */
export const promotionApprovePermission = createPermission({
  name: 'promotion.approve',
  attributes: { action: 'update' },
  resourceType: PROMOTION_RESOURCE_TYPE,
});

/** Roll an environment back to an earlier artifact. */
export const promotionRollbackPermission = createPermission({
  name: 'promotion.rollback',
  attributes: { action: 'update' },
  resourceType: PROMOTION_RESOURCE_TYPE,
});

/** Freeze an environment (stop the line), release holds, mark artifacts bad. */
export const promotionAdminPermission = createPermission({
  name: 'promotion.admin',
  attributes: { action: 'update' },
  resourceType: PROMOTION_RESOURCE_TYPE,
});

/** Every permission of the promotion plugins. */
export const promotionPermissions = [
  promotionReadPermission,
  promotionRegisterPermission,
  promotionApprovePermission,
  promotionRollbackPermission,
  promotionAdminPermission,
];
