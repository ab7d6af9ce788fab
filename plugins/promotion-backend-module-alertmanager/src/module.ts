import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  promotionAlertSourcesExtensionPoint,
  promotionPagersExtensionPoint,
} from '@promotion-pipeline/backstage-plugin-promotion-node';
import { AlertmanagerAlertSource } from './AlertmanagerAlertSource';
import {
  ALERT_SOURCE_CONFIG_KEY,
  readAlertmanagerSourceSettings,
} from './alertSourceConfig';
import { AlertmanagerPager } from './AlertmanagerPager';
import {
  ALERTMANAGER_CONFIG_KEY,
  readAlertmanagerPagerSettings,
} from './config';

/**
 * Adds the `alertmanager` pager (`promotion.pagers.alertmanager`) and the
 * `alertmanager` alert source for the incident gate
 * (`promotion.alertSources.alertmanager`), each when configured.
 */
export const promotionModuleAlertmanager = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'alertmanager',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        pagers: promotionPagersExtensionPoint,
        alertSources: promotionAlertSourcesExtensionPoint,
      },
      async init({ config, logger, pagers, alertSources }) {
        if (config.has(ALERT_SOURCE_CONFIG_KEY)) {
          const source = readAlertmanagerSourceSettings(config);
          alertSources.addAlertSource(
            'alertmanager',
            new AlertmanagerAlertSource(source),
          );
          logger.info(`Incident gates read alerts from ${source.url}`);
        }
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
