import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionDeployersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { LOCAL_PROCESS_CONFIG_KEY } from './config';
import {
  LOCAL_PROCESS_DEPLOYER_NAME,
  LocalProcessDeployer,
} from './LocalProcessDeployer';

/** Adds the `local-process` deployer (demo and tests) to the promotion backend. */
export const promotionModuleLocalDeployer = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'local-deployer',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        deployers: promotionDeployersExtensionPoint,
      },
      async init({ config, logger, lifecycle, deployers }) {
        // Off unless configured: a production backend must not start
        // processes on its own host because the module happens to be there.
        if (!config.has(LOCAL_PROCESS_CONFIG_KEY)) {
          logger.info(
            `The local-process deployer is off: ${LOCAL_PROCESS_CONFIG_KEY} is not configured`,
          );
          return;
        }
        const deployer = LocalProcessDeployer.fromConfig(config, { logger });
        deployers.addDeployer(LOCAL_PROCESS_DEPLOYER_NAME, deployer);
        // Processes must not outlive the backend that started them.
        lifecycle.addShutdownHook(() => deployer.close());
      },
    });
  },
});
