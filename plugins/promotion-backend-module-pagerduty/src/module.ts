import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionPagersExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PAGERDUTY_CONFIG_KEY, readPagerDutyPagerSettings } from './config';
import { PagerDutyPager } from './PagerDutyPager';

/** Adds the `pagerduty` pager to the promotion backend. */
export const promotionModulePagerDuty = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'pagerduty',
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
        if (!config.has(PAGERDUTY_CONFIG_KEY)) {
          logger.info(
            `The PagerDuty pager is off: ${PAGERDUTY_CONFIG_KEY} is not configured`,
          );
          return;
        }
        const settings = readPagerDutyPagerSettings(config);
        pagers.addPager('pagerduty', new PagerDutyPager(settings));
        logger.info(`Promotion pages go to PagerDuty at ${settings.url}`);
      },
    });
  },
});
