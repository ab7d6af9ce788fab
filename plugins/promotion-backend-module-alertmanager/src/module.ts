import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionPagersExtensionPoint } from '@internal/plugin-promotion-node';
import { AlertmanagerPager } from './AlertmanagerPager';
import { readAlertmanagerPagerSettings } from './config';

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
        const settings = readAlertmanagerPagerSettings(config);
        pagers.addPager('alertmanager', new AlertmanagerPager(settings));
        logger.info(`Promotion pages go to Alertmanager at ${settings.url}`);
      },
    });
  },
});
