import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionDeployersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { WebhookDeployer } from './WebhookDeployer';

/** Adds the `webhook` deployer to the promotion backend. */
export const promotionModuleWebhookDeployer = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'webhook-deployer',
  register(reg) {
    reg.registerInit({
      deps: {
        deployers: promotionDeployersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ deployers, config, logger }) {
        deployers.addDeployer(
          'webhook',
          WebhookDeployer.fromConfig(config, { logger }),
        );
      },
    });
  },
});
