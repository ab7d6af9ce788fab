import {
  AuditorService,
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
import type { ResolvedService, ServiceResolver } from './ServiceResolver';

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

/** Finds a service and checks the caller may act on it: the preamble of every service route. */
export type AuthorizedService = (
  caller: Caller,
  permission: ResourcePermission<'catalog-entity'>,
  entityRef: string,
) => Promise<ResolvedService>;

/** {@link AuthorizedService} over the catalog resolver and the permission policy. */
export function createAuthorizedService(
  resolver: ServiceResolver,
  permissions: PermissionsService,
): AuthorizedService {
  return async (caller, permission, entityRef) => {
    const service = await resolver.resolve(entityRef);
    await authorize(permissions, caller, permission, service.entityRef);
    return service;
  };
}

/**
 * Runs a human action inside an audit event: every attempt lands in the
 * auditor (and, through the store, in the promotion audit log), allowed or not.
 */
export async function audited<T>(
  auditor: AuditorService,
  req: Request,
  eventId: string,
  meta: Record<string, string | undefined>,
  action: () => Promise<T>,
): Promise<T> {
  const event = await auditor.createEvent({
    eventId,
    request: req,
    meta: Object.fromEntries(
      Object.entries(meta).filter(([, v]) => v !== undefined),
    ) as Record<string, string>,
  });
  try {
    const result = await action();
    await event.success();
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}
