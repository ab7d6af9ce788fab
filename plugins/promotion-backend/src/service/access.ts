import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import type { Request } from 'express';

/** Who made a request, as the audit log names them. */
export interface Caller {
  credentials: BackstageCredentials;
  /** A user entity ref, or `service:<subject>` for CI and other services. */
  actor: string;
}

/** Resolves the caller of a request; throws 401 when it carries no identity. */
export async function callerOf(
  httpAuth: HttpAuthService,
  req: Request,
): Promise<Caller> {
  const credentials = await httpAuth.credentials(req, {
    allow: ['user', 'service'],
  });
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  const actor =
    principal.type === 'user'
      ? principal.userEntityRef!
      : `service:${principal.subject}`;
  return { credentials, actor };
}

/** Throws 403 unless the permission policy allows `permission` on the entity. */
export async function authorize(
  permissions: PermissionsService,
  caller: Caller,
  permission: ResourcePermission<'catalog-entity'>,
  entityRef: string,
): Promise<void> {
  const [decision] = await permissions.authorize(
    [{ permission, resourceRef: entityRef }],
    { credentials: caller.credentials },
  );
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `${caller.actor} is not allowed ${permission.name} on ${entityRef}`,
    );
  }
}

/**
 * Throws 403 unless the caller is a user who belongs to `group`, as the
 * user's ownership entity refs (their sign-in identity) say. A service
 * principal belongs to no group. When membership cannot be read the answer is
 * no (503), never yes.
 */
export async function requireGroupMember(
  userInfo: UserInfoService,
  caller: Caller,
  group: string,
  action: string,
): Promise<void> {
  const refused = (why: string) =>
    new NotAllowedError(
      `${caller.actor} may not ${action}: only members of ${group} may${why}`,
    );
  if ((caller.credentials.principal as { type: string }).type !== 'user') {
    throw refused(', and a service is not a group member');
  }
  let ownershipEntityRefs: string[];
  try {
    ({ ownershipEntityRefs } = await userInfo.getUserInfo(caller.credentials));
  } catch (error) {
    throw new ServiceUnavailableError(
      `Cannot tell whether ${caller.actor} is a member of ${group}: ${
        (error as Error)?.message ?? error
      }`,
    );
  }
  // Entity refs compare case-insensitively.
  const wanted = group.toLocaleLowerCase('en-US');
  if (!ownershipEntityRefs.some(r => r.toLocaleLowerCase('en-US') === wanted)) {
    throw refused('');
  }
}
