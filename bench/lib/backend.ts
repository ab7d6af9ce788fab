// The backend the engine benches start (bench/lib/harness.js): the demo
// backend's plugins with the webhook deployer and the Prometheus metrics
// module instead of the local-process deployer, so a bench plays the deploy
// system and the metrics source itself on loopback. Started with plain node
// and the repo's TypeScript transform (no file watcher).
import { createBackend } from '@backstage/backend-defaults';
import { startOrExit } from '../../packages/backend/src/startOrExit';

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('../../packages/backend/src/permissionPolicy'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@promotion-pipeline/backstage-plugin-promotion-backend'));
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-webhook-deployer'
  ),
);
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-prometheus'
  ),
);
startOrExit(backend);
