import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { ResponseError } from '@backstage/errors';
import { mockApis, registerMswTestHooks } from '@backstage/test-utils';
import { PromotionClient } from './PromotionClient';

const baseUrl = 'http://backstage.test/api/promotion';
const service = `${baseUrl}/v1/services/component/default/checkout`;
const entityRef = 'Component:default/checkout';

const server = setupServer();
registerMswTestHooks(server);

type Seen = { method: string; url: URL; body: unknown };

/** Answers one route with `reply` and records what the client sent. */
function record(
  method: 'get' | 'post' | 'delete',
  path: string,
  reply: () => Response,
): Seen[] {
  const seen: Seen[] = [];
  server.use(
    http[method](path, async ({ request }) => {
      const text = await request.text();
      seen.push({
        method: request.method,
        url: new URL(request.url),
        body: text ? JSON.parse(text) : undefined,
      });
      return reply();
    }),
  );
  return seen;
}

function createClient() {
  return new PromotionClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
    fetchApi: { fetch: (input, init) => fetch(input, init) },
  });
}

describe('PromotionClient', () => {
  it('gets the pipeline from the lower-cased service path', async () => {
    const pipeline = {
      entityRef,
      pipeline: 'default',
      environments: [],
      recentDeployments: [],
    };
    const seen = record('get', `${service}/pipeline`, () =>
      HttpResponse.json(pipeline),
    );
    await expect(createClient().getPipeline(entityRef)).resolves.toEqual(
      pipeline,
    );
    expect(seen).toHaveLength(1);
  });

  it('polls the pipeline with the ETag it holds and keeps the view on 304', async () => {
    const first = {
      entityRef,
      pipeline: 'default',
      environments: [],
      recentDeployments: [],
    };
    const second = { ...first, pipeline: 'changed' };
    const sent: Array<string | null> = [];
    let current = { etag: 'W/"v1"', view: first };
    server.use(
      http.get(`${service}/pipeline`, ({ request }) => {
        const held = request.headers.get('If-None-Match');
        sent.push(held);
        return held === current.etag
          ? new HttpResponse(null, { status: 304 })
          : HttpResponse.json(current.view, {
              headers: { ETag: current.etag },
            });
      }),
    );
    const client = createClient();
    await expect(client.getPipeline(entityRef)).resolves.toEqual(first);
    await expect(client.getPipeline(entityRef)).resolves.toEqual(first);
    current = { etag: 'W/"v2"', view: second };
    await expect(client.getPipeline(entityRef)).resolves.toEqual(second);
    await expect(client.getPipeline(entityRef)).resolves.toEqual(second);
    expect(sent).toEqual([null, 'W/"v1"', 'W/"v1"', 'W/"v2"']);
  });

  it('gets the org-wide overview', async () => {
    const overview = {
      generatedAt: '2026-12-06T12:00:00.000Z',
      approvals: [],
      stoppedLines: [],
      calendars: [],
      inFlight: [],
      rollbacks: [],
    };
    const seen = record('get', `${baseUrl}/v1/overview`, () =>
      HttpResponse.json(overview),
    );
    await expect(createClient().getOverview()).resolves.toEqual(overview);
    expect(seen.map(s => s.url.search)).toEqual(['']);
  });

  it('sends deployment filters as query parameters', async () => {
    const seen = record('get', `${service}/deployments`, () =>
      HttpResponse.json({ items: [], totalCount: 0 }),
    );
    await createClient().listDeployments(entityRef, {
      environment: 'prod',
      cursor: 'c1',
      limit: 5,
    });
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({
      environment: 'prod',
      cursor: 'c1',
      limit: '5',
    });
  });

  it('sends event filters and leaves out empty ones', async () => {
    const seen = record('get', `${service}/events`, () =>
      HttpResponse.json({ items: [], nextCursor: 'n', totalCount: 3 }),
    );
    const page = await createClient().listEvents(entityRef, {
      kind: 'deployment',
      environment: '',
      limit: 20,
    });
    expect(page.nextCursor).toBe('n');
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({
      kind: 'deployment',
      limit: '20',
    });
  });

  it('asks for DORA figures over the given days', async () => {
    const seen = record('get', `${service}/dora`, () =>
      HttpResponse.json({ windowDays: 30, deploymentFrequencyPerDay: 1.5 }),
    );
    const dora = await createClient().getDoraMetrics(entityRef, { days: 30 });
    expect(dora.deploymentFrequencyPerDay).toBe(1.5);
    expect(seen[0].url.searchParams.get('days')).toBe('30');
  });

  it('approves and rejects with the comment', async () => {
    const approved = record(
      'post',
      `${baseUrl}/v1/promotions/p%2F1/approve`,
      () => HttpResponse.json({ id: 'p/1', state: 'pending' }),
    );
    const rejected = record('post', `${baseUrl}/v1/promotions/p2/reject`, () =>
      HttpResponse.json({ id: 'p2', state: 'failed' }),
    );
    const client = createClient();
    await expect(
      client.approvePromotion('p/1', { comment: 'lgtm' }),
    ).resolves.toMatchObject({ id: 'p/1' });
    await client.rejectPromotion('p2');
    expect(approved[0].body).toEqual({ comment: 'lgtm' });
    expect(rejected[0].body).toEqual({});
  });

  it('posts a rollback and returns the accepted target', async () => {
    const seen = record('post', `${service}/rollback`, () =>
      HttpResponse.json(
        { promotionId: 'p9', targetDigest: 'sha256:aa' },
        { status: 202 },
      ),
    );
    const result = await createClient().rollback(entityRef, {
      environment: 'prod',
      reason: 'errors up',
      targetDigest: 'sha256:aa',
    });
    expect(result).toEqual({ promotionId: 'p9', targetDigest: 'sha256:aa' });
    expect(seen[0].body).toEqual({
      environment: 'prod',
      reason: 'errors up',
      targetDigest: 'sha256:aa',
    });
  });

  it('confirms an automatic rollback, with or without a comment', async () => {
    const view = {
      id: 'rb/1',
      environment: 'prod',
      trigger: 'auto',
      resolution: { decision: 'confirmed', actor: 'user:default/erin' },
    };
    const seen = record('post', `${baseUrl}/v1/rollbacks/rb%2F1/confirm`, () =>
      HttpResponse.json(view),
    );
    const client = createClient();
    await expect(
      client.confirmRollback('rb/1', { comment: 'error budget was burning' }),
    ).resolves.toMatchObject({ resolution: { decision: 'confirmed' } });
    await client.confirmRollback('rb/1');
    expect(seen.map(s => s.body)).toEqual([
      { comment: 'error budget was burning' },
      {},
    ]);
  });

  it('overrides an automatic rollback and returns the redeploying promotion', async () => {
    const seen = record('post', `${baseUrl}/v1/rollbacks/rb1/override`, () =>
      HttpResponse.json({ promotionId: 'p7' }, { status: 202 }),
    );
    await expect(
      createClient().overrideRollback('rb1', { comment: 'false alarm' }),
    ).resolves.toEqual({ promotionId: 'p7' });
    expect(seen[0].body).toEqual({ comment: 'false alarm' });
  });

  it('lists rollbacks of one environment', async () => {
    const seen = record('get', `${service}/rollbacks`, () =>
      HttpResponse.json({ items: [{ id: 'rb1', mttrSeconds: 42 }] }),
    );
    const client = createClient();
    const list = await client.listRollbacks(entityRef, {
      environment: 'prod',
    });
    expect(list.items[0].mttrSeconds).toBe(42);
    await client.listRollbacks(entityRef);
    expect(seen.map(s => s.url.search)).toEqual(['?environment=prod', '']);
  });

  it('reports a rollback already resolved as a 409 with the server message', async () => {
    record('post', `${baseUrl}/v1/rollbacks/rb1/confirm`, () =>
      HttpResponse.json(
        {
          error: {
            name: 'ConflictError',
            message: 'rollback rb1 was already overridden',
          },
          request: { method: 'POST', url: '/v1/rollbacks/rb1/confirm' },
          response: { statusCode: 409 },
        },
        { status: 409 },
      ),
    );
    const error = await createClient()
      .confirmRollback('rb1')
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(409);
    expect(error.cause.message).toBe('rollback rb1 was already overridden');
  });

  it('releases a hold, creates and lifts a freeze', async () => {
    const released = record(
      'post',
      `${service}/holds/h1/release`,
      () => new HttpResponse(null, { status: 200 }),
    );
    const created = record('post', `${service}/freezes`, () =>
      HttpResponse.json(
        { id: 'f1', environment: 'prod', reason: 'incident' },
        { status: 201 },
      ),
    );
    const lifted = record(
      'delete',
      `${baseUrl}/v1/freezes/f1`,
      () => new HttpResponse(null, { status: 204 }),
    );
    const client = createClient();
    await expect(
      client.releaseHold(entityRef, 'h1', { reason: 'fixed' }),
    ).resolves.toBeUndefined();
    await expect(
      client.createFreeze(entityRef, {
        environment: 'prod',
        reason: 'incident',
        allServices: true,
      }),
    ).resolves.toMatchObject({ id: 'f1' });
    await expect(client.liftFreeze('f1')).resolves.toBeUndefined();
    expect(released[0].body).toEqual({ reason: 'fixed' });
    expect(created[0].body).toEqual({
      environment: 'prod',
      reason: 'incident',
      allServices: true,
    });
    expect(lifted[0].method).toBe('DELETE');
  });

  it('turns an error body into a ResponseError carrying the server message', async () => {
    record('post', `${baseUrl}/v1/promotions/p1/approve`, () =>
      HttpResponse.json(
        {
          error: {
            name: 'NotAllowedError',
            message: 'you are the author of this artifact',
          },
          request: { method: 'POST', url: '/v1/promotions/p1/approve' },
          response: { statusCode: 403 },
        },
        { status: 403 },
      ),
    );
    const error = await createClient()
      .approvePromotion('p1')
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
    expect(error.cause.name).toBe('NotAllowedError');
    expect(error.cause.message).toBe('you are the author of this artifact');
  });
});
