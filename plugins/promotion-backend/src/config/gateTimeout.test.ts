import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { promotionGatesExtensionPoint } from '@promotion-pipeline/backstage-plugin-promotion-node';
import request from 'supertest';
import { serviceEntity, startPromotionBackend } from '../__testUtils__/backend';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';

jest.setTimeout(60_000);

/** A gate that never answers, as a hung data source would. */
const hangingGate = createBackendModule({
  pluginId: 'promotion',
  moduleId: 'hanging-gate',
  register(reg) {
    reg.registerInit({
      deps: { gates: promotionGatesExtensionPoint },
      async init({ gates }) {
        gates.addGate({
          name: 'hanging',
          evaluate: () => new Promise(() => {}),
        });
      },
    });
  },
});

const pipelines = {
  standard: {
    environments: [
      { name: 'dev', deployer: 'fake' },
      { name: 'prod', deployer: 'fake', gates: ['hanging'] },
    ],
  },
};

describe('promotion.engine.gateTimeout', () => {
  const databases = createTestDatabases();

  it.each(databases.eachSupportedId())(
    'fails a gate that does not answer within it (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const backend = await startPromotionBackend({
        knex,
        entities: [serviceEntity('checkout')],
        config: { promotion: { engine: { gateTimeout: '1s' }, pipelines } },
        features: [hangingGate],
      });
      try {
        const registered = await request(backend.server)
          .post('/api/promotion/v1/artifacts')
          .set('authorization', mockCredentials.service.header())
          .send({
            entityRef: 'component:default/checkout',
            digest: digestOf('gate-timeout'),
            version: '1.0.0',
            commit: 'c0ffee',
          });
        expect(registered.status).toBe(201);
        let gate: any;
        const deadline = Date.now() + 20_000;
        while (!gate && Date.now() < deadline) {
          await backend.tick();
          const view = await request(backend.server)
            .get(
              '/api/promotion/v1/services/component/default/checkout/pipeline',
            )
            .set('authorization', mockCredentials.user.header());
          const prod = view.body.environments.find(
            (e: any) => e.name === 'prod',
          );
          gate = prod.promotion?.gates.find(
            (g: any) => g.gate === 'hanging' && g.verdict === 'failed',
          );
        }
        expect(gate).toMatchObject({
          errored: true,
          reason: "gate 'hanging' could not run: timed out after 1000 ms",
        });
      } finally {
        await backend.stop();
        await knex.destroy();
      }
    },
  );

  it('stops start-up on a value over 30 s, naming the key', async () => {
    const knex = await databases.init('SQLITE_3');
    try {
      await expect(
        startPromotionBackend({
          knex,
          entities: [],
          config: { promotion: { engine: { gateTimeout: '2m' }, pipelines } },
          features: [hangingGate],
        }),
      ).rejects.toThrow(
        'promotion.engine.gateTimeout must be longer than zero and at most 30 s',
      );
    } finally {
      await knex.destroy();
    }
  });
});
