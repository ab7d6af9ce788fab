// A fresh Backstage backend with the promotion plugins added as
// docs/install.md describes (path a).
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./permissionPolicy'));

// Signals reach the browser through the events backend.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@promotion-pipeline/backstage-plugin-promotion-backend'));
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-webhook-deployer'
  ),
);

backend.start();
