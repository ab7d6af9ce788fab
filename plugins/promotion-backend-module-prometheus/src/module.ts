import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  GATE_TIMEOUT_CONFIG_KEY,
  promotionMetricsProvidersExtensionPoint,
  readGateTimeoutMs,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import {
  PROMETHEUS_CONFIG_KEY,
  PrometheusMetricsProvider,
} from './PrometheusMetricsProvider';

/** Adds the `prometheus` metrics provider to the promotion backend. */
export const promotionModulePrometheus = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'prometheus',
  register(reg) {
    reg.registerInit({
      deps: {
        metrics: promotionMetricsProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ metrics, config, logger }) {
        // Installed but not configured: off, said once (an SLO or soak gate
        // naming the provider then stops the backend, naming its key).
        if (!config.has(PROMETHEUS_CONFIG_KEY)) {
          logger.info(
            `The prometheus metrics provider is off: ${PROMETHEUS_CONFIG_KEY} is not configured`,
          );
          return;
        }
        // Reading config here makes a wrong block (e.g. no baseUrl) stop the backend at start-up.
        const provider = PrometheusMetricsProvider.fromConfig(config);
        // Soak queries run inside a gate evaluation: a longer query timeout
        // would be cut by the gate's, hiding Prometheus' own error.
        const gateTimeoutMs = readGateTimeoutMs(config);
        if (provider.timeoutMs > gateTimeoutMs) {
          throw new Error(
            `${PROMETHEUS_CONFIG_KEY}.timeout (${
              provider.timeoutMs / 1000
            } s) must not exceed ${GATE_TIMEOUT_CONFIG_KEY} (${
              gateTimeoutMs / 1000
            } s): raise the gate timeout or lower the query timeout`,
          );
        }
        metrics.addMetricsProvider('prometheus', provider);
      },
    });
  },
});
