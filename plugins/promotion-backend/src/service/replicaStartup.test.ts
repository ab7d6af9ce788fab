import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { waitUntilDisconnected } from '../__testUtils__/concurrencyChecks';
import { digestOf } from '../__testUtils__/databases';

jest.setTimeout(60_000);

const config = {
  promotion: {
    pipelines: {
      standard: { environments: [{ name: 'dev', deployer: 'fake' }] },
    },
  },
};

/**
 * Two replicas of the backend started at the same moment on an empty
 * PostgreSQL database: each has its own pool, as two processes would, and
 * both must come up and serve the API (no 404 from a plugin that failed to
 * start, no 503).
 */
describe('two replicas starting together on an empty PostgreSQL', () => {
  const databases = TestDatabases.create({
    ids: ['POSTGRES_15'],
    disableDocker: true,
  });
  const pools: Knex[] = [];
  const stops: Array<() => Promise<void>> = [];

  beforeAll(() => {
    if (!process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) {
      throw new Error(
        'This test is about PostgreSQL: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (CI always does)',
      );
    }
  });

  afterEach(async () => {
    await Promise.all(stops.splice(0).map(stop => stop()));
    const connection = pools[0]?.client.config.connection as
      | Knex.ConnectionConfig
      | undefined;
    await Promise.all(pools.splice(0).map(pool => pool.destroy()));
    // TestDatabases drops the database afterwards, which needs every session gone.
    if (connection) await waitUntilDisconnected(connection);
  }, 30_000);

  it.each([1, 2, 3, 4, 5])(
    'both start and serve the API (fresh database %p)',
    async run => {
      const first = await databases.init('POSTGRES_15');
      const second = knexFactory({
        client: 'pg',
        connection: (first.client.config as Knex.Config).connection,
        pool: { min: 0, max: 5 },
      });
      pools.push(first, second);

      const started = await Promise.allSettled(
        [first, second].map(knex =>
          startPromotionBackend({
            knex,
            config,
            entities: [serviceEntity('checkout')],
          }),
        ),
      );
      for (const result of started) {
        if (result.status === 'fulfilled') stops.push(result.value.stop);
      }
      expect(
        started.map(r => (r.status === 'fulfilled' ? 'started' : r.reason)),
      ).toEqual(['started', 'started']);
      const replicas = started.map(
        r => (r as PromiseFulfilledResult<{ server: any }>).value,
      );

      for (const [index, replica] of replicas.entries()) {
        const health = await request(replica.server).get(
          '/api/promotion/health',
        );
        expect(health.status).toBe(200);
        const registered = await request(replica.server)
          .post('/api/promotion/v1/artifacts')
          .set('authorization', mockCredentials.service.header())
          .send({
            entityRef: 'component:default/checkout',
            digest: digestOf(`replica-${run}-${index}`),
            version: `1.0.${index}`,
            commit: 'c0ffee',
          });
        expect(registered.status).toBe(201);
      }
      // One database behind both.
      const [{ count }] = await first('promotion_artifacts').count({
        count: '*',
      });
      expect(Number(count)).toBe(2);
    },
  );
});
