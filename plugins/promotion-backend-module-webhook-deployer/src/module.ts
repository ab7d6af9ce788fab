import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionDeployersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { WEBHOOK_CONFIG_KEY } from './config';
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
        // Installed but not configured: off, said once (an environment naming
        // the `webhook` deployer then stops the backend, naming its key). A
        // block that is present but wrong throws, which stops start-up.
        if (!config.has(WEBHOOK_CONFIG_KEY)) {
          logger.info(
            `The webhook deployer is off: ${WEBHOOK_CONFIG_KEY} is not configured`,
          );
          return;
        }
        deployers.addDeployer(
          'webhook',
          WebhookDeployer.fromConfig(config, { logger }),
        );
      },
    });
  },
});
