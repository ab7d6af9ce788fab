import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { promotionPagersExtensionPoint } from '@internal/plugin-promotion-node';
import { readPagerDutyPagerSettings } from './config';
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
        const settings = readPagerDutyPagerSettings(config);
        pagers.addPager('pagerduty', new PagerDutyPager(settings));
        logger.info(`Promotion pages go to PagerDuty at ${settings.url}`);
      },
    });
  },
});
