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

// Signals publish through the events bus: without the events backend every
// publish fails and the pipeline tab falls back to polling.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@promotion-pipeline/backstage-plugin-promotion-backend'));
// Every module is installed; each stays off (one info line) until its config
// block exists, and a block that is present but wrong stops start-up.
// promotion.deployers.webhook: deploys through your deploy system.
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-webhook-deployer'
  ),
);
// promotion.metrics.prometheus: soak gates and SLOs read Prometheus.
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-prometheus'
  ),
);
// promotion.pagers.pagerduty: pages on-call through PagerDuty Events v2.
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-pagerduty'
  ),
);
// promotion.deployers.localProcess: runs artifacts as local processes (demo).
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-local-deployer'
  ),
);
// Off until configured: promotion.alertSources.alertmanager feeds incident
// gates (docs/incident-freeze.md), promotion.pagers.alertmanager pages on-call.
backend.add(
  import(
    '@promotion-pipeline/backstage-plugin-promotion-backend-module-alertmanager'
  ),
);

// A plugin or module that fails to boot (e.g. a bad config) stops the process.
startOrExit(backend);
