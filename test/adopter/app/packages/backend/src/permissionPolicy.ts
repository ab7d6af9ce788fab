import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  PolicyDecision,
  isPermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  promotionAdminPermission,
  promotionApprovePermission,
  promotionReadPermission,
  promotionRegisterPermission,
  promotionRollbackPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

const APPROVERS = 'group:default/release-approvers';
const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

class PromotionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const claims = user?.info.ownershipEntityRefs ?? [];

    if (isPermission(permission, promotionReadPermission)) {
      return allow;
    }
    // CI's token is decided by its accessRestrictions and never gets here.
    if (isPermission(permission, promotionRegisterPermission)) {
      return deny;
    }
    // Conditional: the catalog checks the service's owner for each request.
    if (isPermission(permission, promotionRollbackPermission)) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    if (isPermission(permission, promotionAdminPermission)) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    // The plugin still refuses services and the artifact's author.
    if (isPermission(permission, promotionApprovePermission)) {
      return claims.includes(APPROVERS) ? allow : deny;
    }
    // The rest of your portal's policy (catalog, scaffolder …) goes here.
    return allow;
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'promotion-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new PromotionPolicy());
      },
    });
  },
});
