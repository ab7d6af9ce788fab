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
import {
  normalizeEntityRef,
  promotionReadPermission,
  sameEntityRef,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { Request as ExpressRequest } from 'express';

// Any route's request: the typed router narrows params, query and body.
type Request = ExpressRequest<any, any, any, any>;
import type { RecordRefusal } from '../commands/refusals';
import { ReadCache } from './ReadCache';
import type { ResolvedService, ServiceResolver } from './ServiceResolver';

/** Who made a request, as the audit log names them. */
export interface Caller {
  credentials: BackstageCredentials;
  /**
   * A user entity ref in its one stored spelling (lower case), or
   * `service:<subject>` for CI and other services.
   */
  actor: string;
  /** A signed-in user; a service principal is never a person. */
  isPerson: boolean;
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
  const isPerson = principal.type === 'user';
  const actor = isPerson
    ? normalizeEntityRef(principal.userEntityRef!)
    : `service:${principal.subject}`;
  return { credentials, actor, isPerson };
}

/**
 * Whether the policy could allow `permission` to the caller on some entity.
 * Asked before an id is looked up, so that a caller the policy denies gets
 * the same 403 whether or not the id exists.
 */
export async function mayHoldPermission(
  permissions: PermissionsService,
  caller: Caller,
  permission: ResourcePermission<'catalog-entity'>,
): Promise<boolean> {
  const [decision] = await permissions.authorizeConditional([{ permission }], {
    credentials: caller.credentials,
  });
  return decision.result !== AuthorizeResult.DENY;
}

/**
 * The answer for an id that names nothing: 404 for a caller the policy could
 * allow `permission`, the same 403 as for an existing id otherwise, so ids
 * cannot be probed without the right to act on them.
 */
export async function missingOrDenied(
  permissions: PermissionsService,
  caller: Caller,
  permission: ResourcePermission<'catalog-entity'>,
  notFound: Error,
): Promise<never> {
  if (!(await mayHoldPermission(permissions, caller, permission))) {
    throw new NotAllowedError(
      `${caller.actor} is not allowed ${permission.name}`,
    );
  }
  throw notFound;
}

/** Whether `caller` is the user `ref` names (refs compare case-insensitively). */
export function isSameUser(caller: Caller, ref: string | undefined): boolean {
  return Boolean(ref) && caller.isPerson && sameEntityRef(caller.actor, ref!);
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
  if (!caller.isPerson) {
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
  if (!ownershipEntityRefs.some(r => sameEntityRef(r, group))) {
    throw refused('');
  }
}

/** Finds a service and checks the caller may act on it: the preamble of every service route. */
export type AuthorizedService = (
  caller: Caller,
  permission: ResourcePermission<'catalog-entity'>,
  entityRef: string,
) => Promise<ResolvedService>;

/**
 * {@link AuthorizedService} over the catalog resolver and the permission
 * policy. Permission comes first: a caller the policy denies gets 403 whether
 * or not the entity exists. A refused change (anything but a read) lands in
 * the service's audit log. The read decision of one caller on one entity is
 * reused for `readCacheTtlMs` (the polling pipeline tab asks it every few
 * seconds); decisions on changes are asked every time.
 */
export function createAuthorizedService(
  resolver: ServiceResolver,
  permissions: PermissionsService,
  recordRefusal?: RecordRefusal,
  readCacheTtlMs = 0,
): AuthorizedService {
  const reads = new ReadCache<void>(readCacheTtlMs);
  return async (caller, permission, entityRef) => {
    try {
      if (permission.name === promotionReadPermission.name) {
        // A denial is an error, so it is not kept: only allowed reads are.
        await reads.get(
          `${caller.actor}\u0000${entityRef.toLocaleLowerCase('en-US')}`,
          () => authorize(permissions, caller, permission, entityRef),
        );
      } else {
        await authorize(permissions, caller, permission, entityRef);
      }
    } catch (error) {
      if (recordRefusal && permission.name !== promotionReadPermission.name) {
        // Only an entity that exists gets a refusal in its log.
        const service = await resolver
          .resolve(entityRef)
          .catch(() => undefined);
        if (service) {
          await recordRefusal({
            entityRef: service.entityRef,
            actor: caller.actor,
            action: permission.name,
            reason: (error as Error).message,
          });
        }
      }
      throw error;
    }
    return resolver.resolve(entityRef);
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
