import { mockCredentials } from '@backstage/backend-test-utils';
import fc from 'fast-check';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  badRequests,
  describeCase,
  mutatingOperations,
} from '../__testUtils__/openApiFuzz';
import {
  baseUrlOf,
  hasBackstageErrorBody,
  rawRequest,
} from '../__testUtils__/rawHttp';
import {
  SEEDED_SERVICE,
  seededCallers,
  startSeededBackend,
} from '../__testUtils__/seededBackend';
import { pluginTableCounts } from '../__testUtils__/tableCounts';
import { loadOpenApiSpec } from '../schema/spec';

/** Cases per database; `bench/fuzz.js` runs the long version against the real backend. */
const RUNS = Number(process.env.PROMOTION_FUZZ_RUNS ?? 3000);

jest.setTimeout(180_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'bad requests from the OpenAPI spec on %p',
  databaseId => {
    let knex: Knex;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
    });

    afterAll(async () => {
      await knex?.destroy();
    });

    it(`answers ${RUNS} generated bad requests with a 4xx error body and writes nothing`, async () => {
      const { backend, seeds } = await startSeededBackend(knex);
      try {
        const operations = mutatingOperations(loadOpenApiSpec());
        // Every mutating operation of the spec is exercised.
        expect(operations.map(o => o.operationId)).toEqual(
          expect.arrayContaining([
            'RegisterArtifact',
            'ApprovePromotion',
            'Rollback',
            'LiftFreeze',
            'PushSoakSamples',
          ]),
        );
        const before = await pluginTableCounts(knex);
        const baseUrl = baseUrlOf(backend.server);
        const statuses = new Map<number, number>();
        await fc.assert(
          fc.asyncProperty(
            badRequests({
              operations,
              basePath: '/api/promotion',
              tokens: {
                ...seededCallers,
                none: mockCredentials.none.header(),
              },
              seeds: {
                ...SEEDED_SERVICE,
                environment: 'dev',
                author: 'user:default/bob',
                digest: seeds.digest,
                promotionId: seeds.promotionId,
                rollbackId: seeds.promotionId,
                freezeId: seeds.freezeId,
                deploymentId: seeds.deploymentId,
              },
            }),
            async fuzzCase => {
              const res = await rawRequest(baseUrl, fuzzCase.request);
              statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              if (res.status < 400 || res.status >= 500) {
                throw new Error(
                  `${describeCase(fuzzCase)} answered ${
                    res.status
                  }: ${res.text.slice(0, 300)}`,
                );
              }
              if (!hasBackstageErrorBody(res)) {
                throw new Error(
                  `${describeCase(fuzzCase)} answered ${
                    res.status
                  } without the error body: ${res.text.slice(0, 300)}`,
                );
              }
            },
          ),
          { numRuns: RUNS },
        );
        expect(await pluginTableCounts(knex)).toEqual(before);
        // Bad requests are refused for more than one reason.
        expect([...statuses.keys()]).toEqual(
          expect.arrayContaining([400, 401, 404]),
        );
      } finally {
        await backend.stop();
      }
    });
  },
);
