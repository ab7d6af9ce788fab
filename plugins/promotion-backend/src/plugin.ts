import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createRouter } from './service/router';
import { readPipelines } from './config/pipelines';
import { applyDatabaseMigrations } from './database/migrations';

/** The promotion backend plugin. */
export const promotionPlugin = createBackendPlugin({
  pluginId: 'promotion',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
      },
      async init({ config, logger, database, httpRouter, httpAuth }) {
        const pipelines = readPipelines(config);
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await applyDatabaseMigrations(knex);
        }
        logger.info(`Loaded ${pipelines.size} promotion pipeline(s)`);
        httpRouter.use(await createRouter({ httpAuth, pipelines }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
