import { Knex } from 'knex';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  SEEDED_SERVICE,
  seededCallers,
  startSeededBackend,
} from '../__testUtils__/seededBackend';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** Reasons and comments up to the API's 2,000 characters fit their columns, with the engine's prefixes. */
describe.each(databases.eachSupportedId())(
  'long reasons and comments on %p',
  databaseId => {
    let knex: Knex;
    let backend: Awaited<ReturnType<typeof startSeededBackend>>;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      backend = await startSeededBackend(knex);
    });

    afterEach(async () => {
      await backend.backend.stop();
      await knex.destroy();
    });

    const api = () => request(backend.backend.server);

    it('stores a 2,000-character rejection comment in the failed promotion', async () => {
      const comment = 'c'.repeat(2000);
      const { promotionId } = backend.seeds;
      const res = await api()
        .post(`/api/promotion/v1/promotions/${promotionId}/reject`)
        .set('Authorization', seededCallers.user)
        .send({ comment });
      expect(res.status).toBe(200);
      // The engine fails the promotion with "approval: rejected by …: <comment>".
      let promotion: { state: string; reason: string } | undefined;
      for (let i = 0; i < 100 && promotion?.state !== 'failed'; i++) {
        await new Promise(r => setTimeout(r, 100));
        promotion = await knex('promotion_promotions')
          .where({ id: promotionId })
          .first('state', 'reason');
      }
      expect(promotion?.state).toBe('failed');
      expect(promotion?.reason).toContain(comment);
    });

    it('stores a 2,000-character mark-bad reason', async () => {
      const reason = 'r'.repeat(2000);
      const res = await api()
        .post(`${backend.base}/artifacts/${backend.seeds.digest}/bad`)
        .set('Authorization', seededCallers.user)
        .send({ reason });
      expect(res.status).toBe(200);
      const artifact = await knex('promotion_artifacts')
        .where({
          entity_ref: SEEDED_SERVICE.entityRef,
          digest: backend.seeds.digest,
        })
        .first('bad_reason');
      expect(artifact.bad_reason).toBe(reason);
    });
  },
);
