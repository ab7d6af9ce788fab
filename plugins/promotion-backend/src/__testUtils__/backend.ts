import {
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
} from '@internal/plugin-promotion-node';
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
  /** The plugin's time, e.g. a {@link ManualClock}'s `now`; the system clock by default. */
  clock?: () => Date;
}): Promise<{
  server: Server;
  stop: () => Promise<void>;
  deployer: FakeDeployer;
  notifications: NotificationSendOptions[];
  pages: Page[];
}> {
  const deployer = new FakeDeployer();
  const notifications: NotificationSendOptions[] = [];
  const pages: Page[] = [];
  const edges = createBackendModule({
    pluginId: 'promotion',
    moduleId: 'test-edges',
    register(reg) {
      reg.registerInit({
        deps: {
          deployers: promotionDeployersExtensionPoint,
          pagers: promotionPagersExtensionPoint,
        },
        async init({ deployers, pagers }) {
          deployers.addDeployer('fake', deployer);
          pagers.addPager('recording', {
            trigger: async page => {
              pages.push(page);
            },
            resolve: async () => {},
          });
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      promotionPlugin,
      edges,
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
      ...(options.clock
        ? [
            createServiceFactory({
              service: promotionClockServiceRef,
              deps: {},
              factory: () => ({ now: options.clock! }),
            }),
          ]
        : []),
      ...(options.permissionResult
        ? [
            mockServices.permissions.factory({
              result: options.permissionResult,
            }),
          ]
        : []),
    ],
  });
  return {
    server: backend.server,
    stop: () => backend.stop(),
    deployer,
    notifications,
    pages,
  };
}
