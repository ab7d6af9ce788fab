import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
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
