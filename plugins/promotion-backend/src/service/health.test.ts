import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import request from 'supertest';
import { startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases } from '../__testUtils__/databases';

jest.setTimeout(60_000);

describe('GET /health', () => {
  const databases = createTestDatabases();

  it.each(databases.eachSupportedId())(
    "answers the backend's readiness, not just the plugin's (%p)",
    async databaseId => {
      const knex = await databases.init(databaseId);
      let readiness = {
        status: 503,
        payload: { status: 'error', message: 'Backend is shutting down' },
      };
      const backend = await startPromotionBackend({
        knex,
        entities: [],
        config: { promotion: { pipelines: {} } },
        features: [
          createServiceFactory({
            service: coreServices.rootHealth,
            deps: {},
            factory: () => ({
              getLiveness: async () => ({ status: 200 }),
              getReadiness: async () => readiness,
            }),
          }),
        ],
      });
      try {
        const down = await request(backend.server).get('/api/promotion/health');
        expect(down.status).toBe(503);
        expect(down.body).toEqual(readiness.payload);

        readiness = { status: 200, payload: { status: 'ok' } as any };
        const up = await request(backend.server).get('/api/promotion/health');
        expect(up.status).toBe(200);
        expect(up.body).toEqual({ status: 'ok' });
      } finally {
        await backend.stop();
        await knex.destroy();
      }
    },
  );
});
