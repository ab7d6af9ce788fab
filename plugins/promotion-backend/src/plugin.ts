import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { promotionPermissions } from '@internal/plugin-promotion-common';
import {
  Deployer,
  Gate,
  MetricsProvider,
  Pager,
  promotionDeployersExtensionPoint,
  promotionGatesExtensionPoint,
  promotionMetricsProvidersExtensionPoint,
  promotionPagersExtensionPoint,
} from '@internal/plugin-promotion-node';
import { readEngineSchedule } from './config/engine';
import { readPipelines } from './config/pipelines';
import { DatabasePromotionStore } from './database/DatabasePromotionStore';
import { PromotionEngine } from './engine/PromotionEngine';
import { GateRegistry } from './gates/GateRegistry';
import { e2eGate, testsGate } from './gates/testsGate';
import { createRouter } from './service/router';
import { ServiceResolver } from './service/ServiceResolver';

/** The promotion backend plugin: engine, gate scheduler and REST API. */
export const promotionPlugin = createBackendPlugin({
  pluginId: 'promotion',
  register(env) {
    const deployers = new Map<string, Deployer>();
    const gates = new GateRegistry();
    const metricsProviders = new Map<string, MetricsProvider>();
    const pagers = new Map<string, Pager>();
    env.registerExtensionPoint(promotionDeployersExtensionPoint, {
      addDeployer(name, deployer) {
        if (deployers.has(name)) throw new Error(`Deployer '${name}' is already registered`);
        deployers.set(name, deployer);
      },
    });
    env.registerExtensionPoint(promotionGatesExtensionPoint, {
      addGate(gate: Gate) {
        gates.add(gate);
      },
    });
    env.registerExtensionPoint(promotionMetricsProvidersExtensionPoint, {
      addMetricsProvider(name, provider) {
        metricsProviders.set(name, provider);
      },
    });
    env.registerExtensionPoint(promotionPagersExtensionPoint, {
      addPager(name, pager) {
        pagers.set(name, pager);
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler, lifecycle, httpRouter } = deps;
        gates.add(testsGate);
        gates.add(e2eGate);
        const pipelines = readPipelines(config, {
          deployers: deployers.keys(),
          gates: gates.names(),
        });
        deps.permissionsRegistry.addPermissions(promotionPermissions);
        const store = await DatabasePromotionStore.create({ database: deps.database });
        const engine = new PromotionEngine({
          store,
          pipelines,
          deployers,
          gates,
          logger,
          onChange: entityRef => {
            deps.signals
              .publish({
                recipients: { type: 'broadcast' },
                channel: `promotion:${entityRef}`,
                message: { entityRef },
              })
              .catch(error => logger.debug(`Could not publish signal: ${error}`));
          },
        });

        await scheduler.scheduleTask({
          id: 'promotion-engine',
          frequency: readEngineSchedule(config),
          timeout: { minutes: 5 },
          // Every replica works: leases in the database keep them apart.
          scope: 'local',
          fn: () => engine.tick(),
        });
        lifecycle.addShutdownHook(() => engine.stop());

        httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            logger,
            store,
            engine,
            resolver: new ServiceResolver(deps.catalog, deps.auth, pipelines),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        logger.info(
          `Promotion engine started: ${pipelines.size} pipeline(s), deployers ${[...deployers.keys()].join(', ') || 'none'}, gates ${gates.names().join(', ')}`,
        );
        void metricsProviders;
        void pagers;
      },
    });
  },
});
