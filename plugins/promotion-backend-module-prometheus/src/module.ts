import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionMetricsProvidersExtensionPoint } from '@internal/plugin-promotion-node';
import { PrometheusMetricsProvider } from './PrometheusMetricsProvider';

/** Adds the `prometheus` metrics provider to the promotion backend. */
export const promotionModulePrometheus = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'prometheus',
  register(reg) {
    reg.registerInit({
      deps: {
        metrics: promotionMetricsProvidersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ metrics, config }) {
        // Reading config here makes a missing baseUrl stop the backend at start-up.
        metrics.addMetricsProvider(
          'prometheus',
          PrometheusMetricsProvider.fromConfig(config),
        );
      },
    });
  },
});
