import {
  BackendFeature,
  BackstageUserPrincipal,
  coreServices,
  SchedulerService,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  Page,
  promotionDeployersExtensionPoint,
  promotionPagersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { Knex } from 'knex';
import type { Server } from 'node:http';
import { promotionClockServiceRef } from '../clock/clock';
import { promotionPlugin } from '../plugin';
import { FakeDeployer } from './FakeDeployer';

/** A catalog service component with the pipeline annotation. */
export function serviceEntity(name: string, pipeline = 'standard') {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'promotion.backstage.io/pipeline': pipeline },
    },
    spec: {
      type: 'service',
      owner: 'group:default/team-a',
      lifecycle: 'production',
    },
  };
}

/** A permission service that answers by a policy function, as a real policy module would. */
function policyPermissions(
  policy: (
    caller: string,
    permission: string,
  ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY,
) {
  const decide = (
    requests: Array<{ permission: { name: string } }>,
    { credentials }: { credentials: { principal: unknown } },
  ) => {
    const principal = credentials.principal as {
      type: string;
      userEntityRef?: string;
      subject?: string;
    };
    const caller =
      principal.type === 'user'
        ? principal.userEntityRef!
        : `service:${principal.subject}`;
    return requests.map(r => ({ result: policy(caller, r.permission.name) }));
  };
  return createServiceFactory({
    service: coreServices.permissions,
    deps: {},
    factory: () =>
      ({
        authorize: async (requests: any, options: any) =>
          decide(requests, options),
        authorizeConditional: async (requests: any, options: any) =>
          decide(requests, options),
      } as any),
  });
}

/** The permission service a test asked for; the test backend's allow-all one otherwise. */
function permissionFeatures(options: {
  permissionResult?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  permissionPolicy?: (
    caller: string,
    permission: string,
  ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
}) {
  if (options.permissionPolicy) {
    return [policyPermissions(options.permissionPolicy)];
  }
  if (options.permissionResult) {
    return [
      mockServices.permissions.factory({ result: options.permissionResult }),
    ];
  }
  return [];
}

/**
 * The promotion plugin in a test backend over a given database, with the
 * world outside faked at its edges: the deploy system, notifications, pagers
 * and the UI signal channel record what they were sent.
 */
export async function startPromotionBackend(options: {
  knex: Knex;
  config: object;
  entities: object[];
  permissionResult?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  /**
   * A permission policy per caller (a user entity ref, or `service:<subject>`)
   * and permission name; takes precedence over `permissionResult`.
   */
  permissionPolicy?: (
    caller: string,
    permission: string,
  ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  /** The plugin's time, e.g. a {@link ManualClock}'s `now`; the system clock by default. */
  clock?: () => Date;
  /**
   * Groups each user belongs to, as their sign-in identity carries them in
   * its ownership entity refs; a user not listed belongs to no group.
   */
  memberships?: Record<string, string[]>;
  /** Real modules to install beside the faked edges, e.g. the webhook deployer. */
  features?: BackendFeature[];
}): Promise<{
  server: Server;
  stop: () => Promise<void>;
  deployer: FakeDeployer;
  notifications: NotificationSendOptions[];
  pages: Page[];
  /** Dedup keys of pages resolved. */
  resolved: string[];
  /** Every audit event the plugin created, with how it ended. */
  audits: Array<{ eventId: string; outcome?: 'success' | 'fail' }>;
  /**
   * Runs the plugin's scheduled engine pass now and waits for it, as the
   * scheduler would on its next tick (the test scheduler only runs tasks at
   * start-up); use it after moving a manual clock.
   */
  tick: () => Promise<void>;
  /** Runs the plugin's scheduled auto-rollback pass now and waits for it. */
  watchBurn: () => Promise<void>;
}> {
  const deployer = new FakeDeployer();
  const notifications: NotificationSendOptions[] = [];
  const pages: Page[] = [];
  const resolved: string[] = [];
  const audits: Array<{ eventId: string; outcome?: 'success' | 'fail' }> = [];
  let scheduler: SchedulerService | undefined;
  const edges = createBackendModule({
    pluginId: 'promotion',
    moduleId: 'test-edges',
    register(reg) {
      reg.registerInit({
        deps: {
          deployers: promotionDeployersExtensionPoint,
          pagers: promotionPagersExtensionPoint,
          pluginScheduler: coreServices.scheduler,
        },
        async init({ deployers, pagers, pluginScheduler }) {
          scheduler = pluginScheduler;
          deployers.addDeployer('fake', deployer);
          pagers.addPager('recording', {
            trigger: async page => {
              pages.push(page);
            },
            resolve: async key => {
              resolved.push(key);
            },
          });
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      promotionPlugin,
      edges,
      ...(options.features ?? []),
      mockServices.rootConfig.factory({
        data: { app: { baseUrl: 'http://localhost:3000' }, ...options.config },
      }),
      mockServices.database.factory({ knex: options.knex }),
      catalogServiceMock.factory({ entities: options.entities as any }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (n: NotificationSendOptions) => {
            notifications.push(n);
          },
        }),
      }),
      createServiceFactory({
        service: coreServices.auditor,
        deps: {},
        factory: () => ({
          async createEvent(event: { eventId: string }) {
            const audit: (typeof audits)[number] = { eventId: event.eventId };
            audits.push(audit);
            return {
              success: async () => {
                audit.outcome = 'success';
              },
              fail: async () => {
                audit.outcome = 'fail';
              },
            };
          },
        }),
      }),
      createServiceFactory({
        service: coreServices.userInfo,
        deps: {},
        factory: () => ({
          async getUserInfo(credentials) {
            const principal = credentials.principal as BackstageUserPrincipal;
            if (principal.type !== 'user') {
              throw new Error('Only user credentials are supported');
            }
            return {
              userEntityRef: principal.userEntityRef,
              ownershipEntityRefs: [
                principal.userEntityRef,
                ...(options.memberships?.[principal.userEntityRef] ?? []),
              ],
            };
          },
        }),
      }),
      ...(options.clock
        ? [
            createServiceFactory({
              service: promotionClockServiceRef,
              deps: {},
              factory: () => ({ now: options.clock! }),
            }),
          ]
        : []),
      ...permissionFeatures(options),
    ],
  });
  return {
    server: backend.server,
    stop: () => backend.stop(),
    deployer,
    notifications,
    pages,
    resolved,
    audits,
    tick: () => scheduler!.triggerTask('promotion-engine'),
    watchBurn: () => scheduler!.triggerTask('promotion-auto-rollback'),
  };
}
