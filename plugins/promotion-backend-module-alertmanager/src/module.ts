import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionPagersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { AlertmanagerPager } from './AlertmanagerPager';
import {
  ALERTMANAGER_CONFIG_KEY,
  readAlertmanagerPagerSettings,
} from './config';

/** Adds the `alertmanager` pager to the promotion backend. */
export const promotionModuleAlertmanager = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'alertmanager',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        pagers: promotionPagersExtensionPoint,
      },
      async init({ config, logger, pagers }) {
        // Installed but not configured: off, said once. A block that is
        // present but wrong throws, which stops the backend at start-up.
        if (!config.has(ALERTMANAGER_CONFIG_KEY)) {
          logger.info(
            `The Alertmanager pager is off: ${ALERTMANAGER_CONFIG_KEY} is not configured`,
          );
          return;
        }
        const settings = readAlertmanagerPagerSettings(config);
        pagers.addPager('alertmanager', new AlertmanagerPager(settings));
        logger.info(`Promotion pages go to Alertmanager at ${settings.url}`);
      },
    });
  },
});
