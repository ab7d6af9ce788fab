import { Knex } from 'knex';
import { createTestDatabases, digestOf } from '../__testUtils__/databases';
import {
  RawRequest,
  RawResponse,
  baseUrlOf,
  hasBackstageErrorBody,
  rawRequest,
} from '../__testUtils__/rawHttp';
import {
  SEEDED_SERVICE,
  Seeds,
  seededCallers,
  startSeededBackend,
} from '../__testUtils__/seededBackend';
import { pluginTableCounts } from '../__testUtils__/tableCounts';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const API = '/api/promotion';
const SERVICE = `${API}/v1/services/component/default/checkout`;
const UNKNOWN_ID = '7d3f4a52-0c3b-4f6e-9a51-3f8e2f6f1c11';

describe.each(databases.eachSupportedId())(
  'bad input on %p: a 4xx naming the problem, nothing written',
  databaseId => {
    let knex: Knex;
    let stop: () => Promise<void>;
    let baseUrl: string;
    let seeds: Seeds;
    let before: Record<string, number>;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const seeded = await startSeededBackend(knex);
      stop = seeded.backend.stop;
      baseUrl = baseUrlOf(seeded.backend.server);
      seeds = seeded.seeds;
      before = await pluginTableCounts(knex);
    });

    afterAll(async () => {
      await stop?.();
      await knex?.destroy();
    });

    /** Sends a request as alice (allowed everything) with a JSON body. */
    function send(
      method: string,
      path: string,
      body?: unknown,
      auth = seededCallers.user,
    ) {
      const request: RawRequest = {
        method,
        path,
        headers: {
          authorization: auth,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      };
      return rawRequest(baseUrl, request);
    }

    /** What a refusal looked like: status, message, error body, and the plugin's rows after it. */
    async function refusal(response: Promise<RawResponse>) {
      const res = await response;
      return {
        status: res.status,
        message: res.json?.error?.message,
        errorBody: hasBackstageErrorBody(res),
        rows: await pluginTableCounts(knex),
      };
    }

    /** A refusal with this status and a message matching `message`, nothing written. */
    const refused = (status: number, message: RegExp) => ({
      status,
      message: expect.stringMatching(message),
      errorBody: true,
      rows: before,
    });

    const artifact = (overrides: object) => ({
      entityRef: SEEDED_SERVICE.entityRef,
      digest: digestOf('bad-input'),
      version: '2.0.0',
      commit: 'def456',
      ...overrides,
    });

    describe('ids in the path are UUIDs, checked before any lookup', () => {
      it.each([
        ['POST', '/v1/promotions/a%00b/approve', 'promotionId'],
        ['POST', '/v1/promotions/%00/reject', 'promotionId'],
        ['POST', '/v1/promotions/not-a-uuid/approve', 'promotionId'],
        ['POST', '/v1/rollbacks/%00/confirm', 'rollbackId'],
        ['POST', '/v1/rollbacks/a%00b/override', 'rollbackId'],
        ['DELETE', '/v1/freezes/%00', 'freezeId'],
        [
          'POST',
          '/v1/services/component/default/checkout/holds/%00/release',
          'holdId',
        ],
      ])('%s %s answers 400 naming %s', async (method, path, param) => {
        // The spec's format check or the router's own: both name the parameter.
        expect(
          await refusal(
            send(method, `${API}${path}`, method === 'POST' ? {} : undefined),
          ),
        ).toEqual(refused(400, new RegExp(`${param}\\b.*\\b(uuid|UUID)`)));
      });

      it('answers 404 for a well-formed id that names nothing', async () => {
        expect(
          await refusal(
            send('POST', `${API}/v1/promotions/${UNKNOWN_ID}/approve`, {}),
          ),
        ).toEqual(refused(404, new RegExp(UNKNOWN_ID)));
      });
    });

    describe('text fields refuse NUL and other control characters', () => {
      it.each([
        ['commit', { commit: 'abc\u0000def' }],
        ['version', { version: '1.0\u0000' }],
        ['version', { version: '1.0\u0007' }],
        ['labels.0', { labels: ['pay\u0000ment'] }],
        ['changedPaths.0', { changedPaths: ['a\u001bb'] }],
      ])('in a registered artifact (%s)', async (field, overrides) => {
        expect(
          await refusal(
            send(
              'POST',
              `${API}/v1/artifacts`,
              artifact(overrides),
              seededCallers.ci,
            ),
          ),
        ).toEqual(
          refused(
            400,
            new RegExp(`${field.replace('.', '\\.')}: must not contain NUL`),
          ),
        );
      });

      it('in a rejection comment of a real pending promotion', async () => {
        expect(
          await refusal(
            send('POST', `${API}/v1/promotions/${seeds.promotionId}/reject`, {
              comment: 'no\u0000',
            }),
          ),
        ).toEqual(refused(400, /comment: must not contain NUL/));
      });

      it('in a freeze reason', async () => {
        expect(
          await refusal(
            send('POST', `${SERVICE}/freezes`, {
              environment: 'dev',
              reason: 'stop\u0000',
            }),
          ),
        ).toEqual(refused(400, /reason: must not contain NUL/));
      });

      it('in a rollback reason and a mark-bad reason', async () => {
        expect(
          await refusal(
            send('POST', `${SERVICE}/rollback`, {
              environment: 'prod',
              reason: 'bad\u0000',
            }),
          ),
        ).toEqual(refused(400, /reason: must not contain NUL/));
        expect(
          await refusal(
            send('POST', `${SERVICE}/artifacts/${seeds.digest}/bad`, {
              reason: '\u0000',
            }),
          ),
        ).toEqual(refused(400, /reason: must not contain NUL/));
      });
    });

    describe('strings longer than their column', () => {
      it('refuses an author longer than 255 characters', async () => {
        expect(
          await refusal(
            send(
              'POST',
              `${API}/v1/artifacts`,
              artifact({ author: `user:default/${'a'.repeat(300)}` }),
              seededCallers.ci,
            ),
          ),
        ).toEqual(refused(400, /author\b.*(at most|more than) 255/));
      });

      it('refuses an entity ref longer than 255 characters', async () => {
        expect(
          await refusal(
            send(
              'POST',
              `${API}/v1/artifacts`,
              artifact({ entityRef: `component:default/${'a'.repeat(300)}` }),
              seededCallers.ci,
            ),
          ),
        ).toEqual(refused(400, /entityRef\b.*(at most|more than) 255/));
      });
    });

    describe('kind, namespace and name in a service path', () => {
      it.each([
        ['component/%2F/x', 'namespace'],
        ['%00/default/checkout', 'kind'],
        ['component/default/%00', 'name'],
        ['component/default/..%2F..', 'name'],
      ])('rollback on %s answers 400 naming %s', async (ref, param) => {
        expect(
          await refusal(
            send('POST', `${API}/v1/services/${ref}/rollback`, {
              environment: 'prod',
              reason: 'broken',
            }),
          ),
        ).toEqual(refused(400, new RegExp(`${param} in path`)));
      });

      it('every service route uses the same check', async () => {
        expect(
          await refusal(
            send('GET', `${API}/v1/services/component/%2F/x/pipeline`),
          ),
        ).toEqual(refused(400, /namespace in path/));
        expect(
          await refusal(
            send('POST', `${API}/v1/services/component/%2F/x/freezes`, {
              environment: 'prod',
              reason: 'x',
            }),
          ),
        ).toEqual(refused(400, /namespace in path/));
      });
    });

    describe('paths that match no route', () => {
      it.each([
        ['DELETE', '/v1/freezes/../..'],
        ['POST', '/v1/services/component/default/checkout/artifacts//bad'],
        ['GET', '/v1/nothing-here'],
      ])('%s %s answers a JSON 404 naming it', async (method, path) => {
        expect(
          await refusal(
            send(method, `${API}${path}`, method === 'POST' ? {} : undefined),
          ),
        ).toEqual(
          refused(
            404,
            new RegExp(
              `${method} .*${path
                .split('/')
                .pop()!
                .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
            ),
          ),
        );
      });
    });
  },
);
