import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { promotionPermissions } from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  Deployer,
  Gate,
  MetricsProvider,
  Pager,
  promotionDeployersExtensionPoint,
  promotionGatesExtensionPoint,
  promotionMetricsProvidersExtensionPoint,
  promotionPagersExtensionPoint,
  promotionAlertSourcesExtensionPoint,
  AlertSource,
  readGateTimeoutMs,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { promotionClockServiceRef } from './clock/clock';
import {
  AutoRollback,
  validateSloProviders,
} from './autoRollback/AutoRollback';
import {
  readAutoRollbackSchedule,
  readEngineConcurrency,
  readEvaluationConcurrency,
  readEngineSchedule,
  readPassBudgetMs,
} from './config/engine';
import { readPipelines } from './config/pipelines';
import { readReadCacheTtlMs } from './config/readCache';
import { ViewStore } from './database/ViewStore';
import { DatabasePromotionStore } from './database/DatabasePromotionStore';
import { OverviewStore } from './database/OverviewStore';
import { EngineMetrics } from './engine/EngineMetrics';
import { PromotionEngine } from './engine/PromotionEngine';
import { connectReplicaWakeups } from './engine/replicaWakeups';
import { StatusCallbacks } from './engine/StatusCallbacks';
import { validateApprovalGates } from './gates/approvalGate';
import { createBuiltInGates, validateWindowGates } from './gates/builtIn';
import { GateRegistry } from './gates/GateRegistry';
import { readCalendars } from './gates/window';
import { createSoakGate, validateSoakGates } from './gates/soak';
import { createIncidentGate, validateIncidentGates } from './gates/incident';
import { IncidentFreezeStore } from './database/IncidentFreezeStore';
import {
  DatabaseSoakSampleStore,
  PUSH_SOURCE,
  PushMetricsProvider,
  pruneSoakSamples,
  readSoakSampleRetentionMs,
} from './metrics';
import { createGateNotifier } from './notify/gateNotifier';
import { OnCall } from './notify/OnCall';
import { PageOutbox } from './notify/PageOutbox';
import { createRouter } from './service/router';
import { ServiceResolver } from './service/ServiceResolver';

/** The promotion backend plugin: engine, gate scheduler and REST API. */
export const promotionPlugin = createBackendPlugin({
  pluginId: 'promotion',
  register(env) {
    const deployers = new Map<string, Deployer>();
    const moduleGates: Gate[] = [];
    const metricsProviders = new Map<string, MetricsProvider>();
    const pagers = new Map<string, Pager>();
    const alertSources = new Map<string, AlertSource>();
    env.registerExtensionPoint(promotionDeployersExtensionPoint, {
      addDeployer(name, deployer) {
        if (deployers.has(name)) {
          throw new Error(`Deployer '${name}' is already registered`);
        }
        deployers.set(name, deployer);
      },
    });
    env.registerExtensionPoint(promotionGatesExtensionPoint, {
      addGate(gate) {
        moduleGates.push(gate);
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
    env.registerExtensionPoint(promotionAlertSourcesExtensionPoint, {
      addAlertSource(name, source) {
        if (alertSources.has(name)) {
          throw new Error(`Alert source '${name}' is already registered`);
        }
        alertSources.set(name, source);
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
        userInfo: coreServices.userInfo,
        rootHealth: coreServices.rootHealth,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        notifications: notificationService,
        promotionClock: promotionClockServiceRef,
        metrics: metricsServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler, lifecycle, httpRouter } = deps;
        const clock = () => deps.promotionClock.now();
        // The plugin's only migration call (safe with replicas starting together).
        const store = await DatabasePromotionStore.create({
          database: deps.database,
          logger,
        });
        const soakSamples = await DatabaseSoakSampleStore.create({
          database: deps.database,
        });
        if (metricsProviders.has(PUSH_SOURCE)) {
          throw new Error(
            `The '${PUSH_SOURCE}' metrics provider is built in; a module may not add another`,
          );
        }
        // Named 'push': the soak gate tags stored samples with the provider name.
        metricsProviders.set(PUSH_SOURCE, new PushMetricsProvider(soakSamples));
        const calendars = readCalendars(config);
        const readCacheTtlMs = readReadCacheTtlMs(config);
        const gates = new GateRegistry();
        for (const gate of [
          ...createBuiltInGates({ store, calendars }),
          createSoakGate({ providers: metricsProviders, samples: soakSamples }),
          createIncidentGate({
            sources: alertSources,
            freezes: new IncidentFreezeStore(await deps.database.getClient()),
          }),
          ...moduleGates,
        ]) {
          gates.add(gate);
        }
        const pipelines = readPipelines(config, {
          deployers: deployers.keys(),
          gates: gates.names(),
        });
        validateWindowGates(pipelines, calendars);
        validateApprovalGates(pipelines);
        validateSoakGates(pipelines, metricsProviders.keys());
        validateIncidentGates(pipelines, alertSources.keys());
        validateSloProviders(pipelines, metricsProviders.keys());
        const soakRetentionMs = readSoakSampleRetentionMs(config);
        const gateTimeoutMs = readGateTimeoutMs(config);
        const engineMetrics = new EngineMetrics({
          metrics: deps.metrics,
          logger,
          passBudgetMs: readPassBudgetMs(config),
        });
        lifecycle.addShutdownHook(
          engineMetrics.observePagesOwed(() => store.pages().countOwed()),
        );
        await scheduler.scheduleTask({
          id: 'promotion-soak-samples-prune',
          frequency: { hours: 1 },
          timeout: { minutes: 10 },
          fn: async () => {
            const pruned = await pruneSoakSamples(soakSamples, soakRetentionMs);
            if (pruned) logger.info(`Pruned ${pruned} soak sample(s)`);
          },
        });
        deps.permissionsRegistry.addPermissions(promotionPermissions);

        const onCall = new OnCall({
          notifications: deps.notifications,
          catalog: deps.catalog,
          auth: deps.auth,
          pagers,
          logger,
          appBaseUrl: config.getString('app.baseUrl'),
        });
        // Every page goes out through one outbox; writers kick it, the task
        // is the fallback (and picks up what a killed replica left owed).
        const pageOutbox = new PageOutbox({ store, pager: onCall, logger, clock });
        await scheduler.scheduleTask({
          id: 'promotion-pages',
          frequency: { seconds: 10 },
          timeout: { minutes: 5 },
          // Every replica delivers: leases in the outbox keep them apart.
          scope: 'local',
          fn: async () => {
            await pageOutbox.deliverDue();
          },
        });
        lifecycle.addShutdownHook(() => pageOutbox.stop());
        // Replicas on one PostgreSQL wake each other when they create work.
        let engine: PromotionEngine | undefined = undefined;
        const wakeups = await connectReplicaWakeups({
          knex: await deps.database.getClient(),
          logger,
          onWake: () => engine?.wakeLocal(),
        });
        lifecycle.addShutdownHook(() => wakeups.close());
        engine = new PromotionEngine({
          store,
          pipelines,
          deployers,
          gates,
          logger,
          notifier: createGateNotifier(onCall, store, clock),
          clock,
          timings: {
            gateTimeoutMs,
            concurrency: readEngineConcurrency(config),
            evaluationConcurrency: readEvaluationConcurrency(config),
          },
          notifyReplicas: () => wakeups.notify(),
          onPagesOwed: () => pageOutbox.kick(),
          metrics: engineMetrics,
          onChange: entityRef => {
            deps.signals
              .publish({
                recipients: { type: 'broadcast' },
                channel: `promotion:${entityRef}`,
                message: { entityRef },
              })
              .catch(error =>
                logger.debug(`Could not publish signal: ${error}`),
              );
          },
        });

        await scheduler.scheduleTask({
          id: 'promotion-engine',
          frequency: readEngineSchedule(config),
          timeout: { minutes: 5 },
          // Every replica works: leases in the database keep them apart.
          scope: 'local',
          fn: () => engine!.tick(),
        });
        lifecycle.addShutdownHook(() => engine!.stop());
        // Due times were computed under the config of the last start: look at
        // every waiting promotion once under this one.
        await store.wakePromotions({}, clock());

        const autoRollback = new AutoRollback({
          store,
          rollback: request => engine!.requestRollback(request),
          pipelines,
          providers: metricsProviders,
          onPagesOwed: () => pageOutbox.kick(),
          logger,
          clock,
          queryTimeoutMs: gateTimeoutMs,
        });
        await scheduler.scheduleTask({
          id: 'promotion-auto-rollback',
          frequency: readAutoRollbackSchedule(config),
          timeout: { minutes: 5 },
          // Compare-and-set writes keep replicas from acting twice.
          scope: 'local',
          fn: () => autoRollback.runOnce(),
        });

        httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            userInfo: deps.userInfo,
            health: deps.rootHealth,
            calendars,
            overview: {
              store: new OverviewStore(await deps.database.getClient()),
              pipelines,
            },
            logger,
            store,
            views: new ViewStore(await deps.database.getClient()),
            readCacheTtlMs,
            engine,
            soakSamples,
            // A pushed reading that crosses the burn threshold acts at once.
            onSamplesPushed: (entityRef, pipeline, environment) =>
              autoRollback
                .watchService(entityRef, pipeline, environment)
                .catch(error =>
                  logger.warn(
                    `Auto-rollback watch of ${entityRef} in ${environment} failed, the next pass retries: ${error}`,
                  ),
                ),
            clock,
            resolver: new ServiceResolver(deps.catalog, deps.auth, pipelines, {
              cacheTtlMs: readCacheTtlMs,
            }),
            statusCallbacks: new StatusCallbacks({
              store,
              pipelines,
              deployers,
              clock,
              logger,
            }),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Deploy systems hold no Backstage token; their deployer verifies the
        // callback's signature instead.
        httpRouter.addAuthPolicy({
          path: '/v1/deployments/:deploymentId/status',
          allow: 'unauthenticated',
        });
        logger.info(
          `Promotion engine started: ${pipelines.size} pipeline(s); deployers ${
            [...deployers.keys()].join(', ') || 'none'
          }; gates ${gates.names().join(', ')}; metrics ${
            [...metricsProviders.keys()].join(', ') || 'none'
          }; pagers ${[...pagers.keys()].join(', ') || 'notifications only'}`,
        );
      },
    });
  },
});
