import { createBackend } from '@backstage/backend-defaults';
import { migrationSafeDatabaseServiceFactory } from './migrationLocks';
import { startOrExit } from './startOrExit';

const backend = createBackend();

// Replicas starting together on an empty database wait for each other's
// migrations (Backstage's plugins and ours) instead of failing.
backend.add(migrationSafeDatabaseServiceFactory);

backend.add(import('@backstage/plugin-app-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./permissionPolicy'));

backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@promotion-pipeline/backstage-plugin-promotion-backend'));
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-local-deployer'
  ),
);

// A plugin or module that fails to boot (e.g. a bad config) stops the process.
startOrExit(backend);
