import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import type { Artifact } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { DeployRequest } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { RecordingLogger } from './__testUtils__/logger';
import {
  Receiver,
  Reply,
  startReceiver,
  unusedLoopbackUrl,
} from './__testUtils__/receiver';
import { signatureHeaders, verifyWebhookSignature } from './signature';
import { WAITING_FOR_CALLBACK, WebhookDeployer } from './WebhookDeployer';

const secret = 'deploy-webhook-secret';

const artifact: Artifact = {
  id: 'artifact-1',
  entityRef: 'component:default/checkout',
  digest: `sha256:${'a'.repeat(64)}`,
  version: '1.4.2',
  commit: '3f2c9e1',
  author: 'user:default/alice',
  labels: ['schema-migration'],
  changedPaths: ['src/index.ts'],
  registeredAt: '2024-05-01T10:00:00.000Z',
};

function deployRequest(overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    idempotencyKey: 'deployment-42',
    entityRef: 'component:default/checkout',
    environment: 'staging',
    artifact,
    variables: { LOG_LEVEL: 'info' },
    secretRefs: ['PAYMENT_GATEWAY_KEY'],
    ...overrides,
  };
}

function deployer(webhook: JsonObject, logger = new RecordingLogger()) {
  return WebhookDeployer.fromConfig(
    new ConfigReader({
      promotion: {
        deployers: { webhook: { signingSecret: secret, ...webhook } },
      },
    }),
    {
      logger,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
    },
  );
}

const receivers: Receiver[] = [];

async function receiver(reply: (index: number) => Reply): Promise<Receiver> {
  const started = await startReceiver((_request, index) => reply(index));
  receivers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(receivers.splice(0).map(r => r.close()));
});

describe('WebhookDeployer.deploy', () => {
  it('POSTs the documented JSON body with idempotency and signature headers', async () => {
    const system = await receiver(() => ({ status: 202 }));
    const before = Math.floor(Date.now() / 1000);

    await deployer({ url: `${system.url}/hooks/deploy` }).deploy(
      deployRequest(),
    );

    expect(system.requests).toHaveLength(1);
    const [request] = system.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/deploy');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toBe('deployment-42');
    expect(JSON.parse(request.body)).toEqual({
      deploymentId: 'deployment-42',
      entityRef: 'component:default/checkout',
      environment: 'staging',
      artifact: {
        digest: artifact.digest,
        version: '1.4.2',
        commit: '3f2c9e1',
        labels: ['schema-migration'],
      },
      variables: { LOG_LEVEL: 'info' },
      secretRefs: ['PAYMENT_GATEWAY_KEY'],
    });

    const timestamp = Number(request.headers['x-promotion-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const signature = request.headers['x-promotion-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(
      verifyWebhookSignature(secret, timestamp, request.body, signature),
    ).toBe(true);
    expect(
      verifyWebhookSignature(
        secret,
        timestamp,
        request.body.replace('1.4.2', '1.4.3'),
        signature,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        'wrong-secret',
        timestamp,
        request.body,
        signature,
      ),
    ).toBe(false);
  });

  it.each([
    ['an empty body', 202, '', { state: 'running' }],
    ['no content', 204, undefined, { state: 'running' }],
    ['whitespace only', 200, ' \n', { state: 'running' }],
    ['running', 202, '{"status":"running"}', { state: 'running' }],
    [
      'running with a reason',
      202,
      '{"status":"running","reason":"rollout 1/3"}',
      { state: 'running', detail: 'rollout 1/3' },
    ],
    ['succeeded', 200, '{"status":"succeeded"}', { state: 'succeeded' }],
    [
      'succeeded with a reason',
      200,
      '{"status":"succeeded","reason":"3/3 pods ready"}',
      { state: 'succeeded', detail: '3/3 pods ready' },
    ],
    [
      'failed with a reason',
      200,
      '{"status":"failed","reason":"image pull backoff"}',
      {
        state: 'failed',
        reason: 'deploy system reported failure: image pull backoff',
      },
    ],
    [
      'failed without a reason',
      200,
      '{"status":"failed"}',
      {
        state: 'failed',
        reason: 'deploy system reported failure without a reason',
      },
    ],
  ])('reads a 2xx with %s', async (_what, status, body, expected) => {
    const system = await receiver(() => ({ status, body }));
    await expect(
      deployer({ url: system.url }).deploy(deployRequest()),
    ).resolves.toEqual(expected);
  });

  it.each([
    ['invalid JSON', 'OK, deploying', /not JSON: OK, deploying/],
    ['an unknown status', '{"status":"done"}', /unknown status "done"/],
    ['no status', '{"reason":"hi"}', /unknown status undefined/],
    ['a JSON array', '["running"]', /not an object/],
    ['JSON null', 'null', /not an object/],
    [
      'a reason that is not a string',
      '{"status":"succeeded","reason":{"pods":3}}',
      /reason that is not a string/,
    ],
    [
      'an oversized body',
      `{"status":"succeeded","reason":"${'x'.repeat(70_000)}"}`,
      /larger than 65536 bytes/,
    ],
  ])('fails closed on a 2xx with %s', async (_what, body, reason) => {
    const system = await receiver(() => ({ status: 200, body }));
    const result = await deployer({ url: system.url }).deploy(deployRequest());
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringMatching(reason),
    });
    expect(system.requests).toHaveLength(1);
  });

  it.each([500, 502, 503, 408, 429])(
    'retries after HTTP %i with the same idempotency key',
    async status => {
      const system = await receiver(index =>
        index === 0
          ? { status, body: 'try later' }
          : { status: 200, body: '{"status":"succeeded"}' },
      );
      await expect(
        deployer({ url: system.url }).deploy(deployRequest()),
      ).resolves.toEqual({ state: 'succeeded' });
      expect(system.requests).toHaveLength(2);
      expect(system.requests.map(r => r.headers['idempotency-key'])).toEqual([
        'deployment-42',
        'deployment-42',
      ]);
      expect(system.requests[1].body).toBe(system.requests[0].body);
    },
  );

  it('names the warm earlier deployment on a rollback, and sends no warm field otherwise', async () => {
    const system = await receiver(() => ({ status: 202 }));
    const warm = { deploymentId: 'deployment-7', digest: artifact.digest };

    await deployer({ url: system.url }).deploy(
      deployRequest({ idempotencyKey: 'deployment-43', warm }),
    );
    await deployer({ url: system.url }).deploy(deployRequest());

    const [rollback, plain] = system.requests.map(r => JSON.parse(r.body));
    expect(rollback.warm).toEqual(warm);
    expect(plain).not.toHaveProperty('warm');
  });

  it('reports running after a 500 then an empty 202', async () => {
    const system = await receiver(index =>
      index === 0 ? { status: 500 } : { status: 202 },
    );
    await expect(
      deployer({ url: system.url }).deploy(deployRequest()),
    ).resolves.toEqual({ state: 'running' });
    expect(system.requests).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 409, 422])(
    'fails at once on HTTP %i, naming the status and response text',
    async status => {
      const system = await receiver(() => ({
        status,
        body: 'artifact digest unknown to registry',
      }));
      const result = await deployer({ url: `${system.url}/hooks` }).deploy(
        deployRequest(),
      );
      expect(result).toEqual({
        state: 'failed',
        reason: `POST ${system.url}/hooks answered HTTP ${status}: artifact digest unknown to registry`,
      });
      expect(system.requests).toHaveLength(1);
    },
  );

  it('does not follow redirects', async () => {
    const system = await receiver(() => ({
      status: 302,
      headers: { Location: '/elsewhere' },
    }));
    const result = await deployer({ url: system.url }).deploy(deployRequest());
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringContaining('answered HTTP 302'),
    });
    expect(system.requests).toHaveLength(1);
  });

  it('gives up after the configured retries, naming the last error', async () => {
    const system = await receiver(index => ({
      status: 503,
      body: `overloaded #${index}`,
    }));
    const logger = new RecordingLogger();
    const result = await deployer(
      { url: system.url, retries: 2 },
      logger,
    ).deploy(deployRequest());
    expect(logger.lines).toEqual([
      `warn: Webhook POST ${system.url}/ attempt 1 of 3 failed: HTTP 503: overloaded #0`,
      `warn: Webhook POST ${system.url}/ attempt 2 of 3 failed: HTTP 503: overloaded #1`,
      `warn: Webhook POST ${system.url}/ attempt 3 of 3 failed: HTTP 503: overloaded #2`,
    ]);
    expect(result).toEqual({
      state: 'failed',
      reason: `POST ${system.url}/ failed after 3 attempts: HTTP 503: overloaded #2`,
    });
    expect(system.requests).toHaveLength(3);
  });

  it('aborts requests that outlast the timeout and fails after the retries', async () => {
    const system = await receiver(() => 'hang');
    const result = await deployer({
      url: system.url,
      timeout: { milliseconds: 50 },
      retries: 1,
    }).deploy(deployRequest());
    expect(result).toEqual({
      state: 'failed',
      reason: `POST ${system.url}/ failed after 2 attempts: no answer within 50 ms`,
    });
    expect(system.requests).toHaveLength(2);
  });

  it('recovers when a timed-out attempt is followed by an answer', async () => {
    const system = await receiver(index =>
      index === 0 ? 'hang' : { status: 200, body: '{"status":"running"}' },
    );
    await expect(
      deployer({ url: system.url, timeout: { milliseconds: 50 } }).deploy(
        deployRequest(),
      ),
    ).resolves.toEqual({ state: 'running' });
  });

  it('fails with the network error when nothing listens', async () => {
    const url = await unusedLoopbackUrl();
    const result = await deployer({ url, retries: 1 }).deploy(deployRequest());
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringMatching(
        /^POST http:\/\/127\.0\.0\.1:\d+\/ failed after 2 attempts: fetch failed: .*ECONNREFUSED/,
      ),
    });
  });

  it("sends to the environment's url when deployerConfig overrides it", async () => {
    const global = await receiver(() => ({ status: 202 }));
    const prod = await receiver(() => ({ status: 202 }));
    const webhook = deployer({ url: global.url });

    await webhook.deploy(
      deployRequest({
        environment: 'prod',
        config: new ConfigReader({ url: `${prod.url}/prod` }),
      }),
    );
    await webhook.deploy(deployRequest({ environment: 'dev' }));

    expect(prod.requests.map(r => r.path)).toEqual(['/prod']);
    expect(JSON.parse(prod.requests[0].body).environment).toBe('prod');
    expect(global.requests).toHaveLength(1);
    expect(JSON.parse(global.requests[0].body).environment).toBe('dev');
  });

  it("applies the environment's timeout override", async () => {
    const system = await receiver(() => 'hang');
    const result = await deployer({ url: system.url, retries: 0 }).deploy(
      deployRequest({ config: new ConfigReader({ timeout: '40ms' }) }),
    );
    expect(result).toEqual({
      state: 'failed',
      reason: expect.stringContaining('no answer within 40 ms'),
    });
  });

  it('fails without sending when deployerConfig is wrong', async () => {
    const system = await receiver(() => ({ status: 202 }));
    const result = await deployer({ url: system.url }).deploy(
      deployRequest({ config: new ConfigReader({ url: 'nowhere' }) }),
    );
    expect(result).toEqual({
      state: 'failed',
      reason:
        'invalid webhook deployerConfig for environment staging: deployerConfig.url is not a valid URL',
    });
    expect(system.requests).toHaveLength(0);
  });

  it('re-sends a repeated deployment with the same key for the receiver to dedup', async () => {
    const system = await receiver(index =>
      index === 0
        ? { status: 202 }
        : { status: 200, body: '{"status":"succeeded"}' },
    );
    const webhook = deployer({ url: system.url });
    await expect(webhook.deploy(deployRequest())).resolves.toEqual({
      state: 'running',
    });
    await expect(webhook.deploy(deployRequest())).resolves.toEqual({
      state: 'succeeded',
    });
    expect(system.requests.map(r => r.headers['idempotency-key'])).toEqual([
      'deployment-42',
      'deployment-42',
    ]);
  });
});

describe('WebhookDeployer.status', () => {
  it('waits for the status callback when no statusUrl is configured', async () => {
    const system = await receiver(() => ({ status: 500 }));
    await expect(
      deployer({ url: system.url }).status(deployRequest()),
    ).resolves.toEqual({
      state: 'running',
      detail: WAITING_FOR_CALLBACK,
      awaitingCallback: true,
    });
    expect(system.requests).toHaveLength(0);
  });

  it('GETs <statusUrl>/<deploymentId>, signed over an empty body', async () => {
    const system = await receiver(() => ({
      status: 200,
      body: '{"status":"succeeded","reason":"healthy"}',
    }));
    const result = await deployer({
      url: system.url,
      statusUrl: `${system.url}/deployments/`,
    }).status(deployRequest({ idempotencyKey: 'deployment/42 x' }));

    expect(result).toEqual({ state: 'succeeded', detail: 'healthy' });
    expect(system.requests).toHaveLength(1);
    const [request] = system.requests;
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/deployments/deployment%2F42%20x');
    expect(
      verifyWebhookSignature(
        secret,
        request.headers['x-promotion-timestamp'] as string,
        '',
        request.headers['x-promotion-signature'] as string,
      ),
    ).toBe(true);
  });

  it('reports a deployment the deploy system does not know as failed', async () => {
    const system = await receiver(() => ({ status: 404 }));
    await expect(
      deployer({ url: system.url, statusUrl: system.url }).status(
        deployRequest(),
      ),
    ).resolves.toEqual({
      state: 'failed',
      reason: 'deploy system does not know deployment deployment-42',
    });
    expect(system.requests).toHaveLength(1);
  });

  it('fails closed on a status body it cannot read', async () => {
    const system = await receiver(() => ({ status: 200, body: '<html>' }));
    await expect(
      deployer({ url: system.url, statusUrl: system.url }).status(
        deployRequest(),
      ),
    ).resolves.toEqual({
      state: 'failed',
      reason: expect.stringContaining('not JSON'),
    });
  });

  it('retries the status poll and fails after the retries', async () => {
    const system = await receiver(() => ({ status: 502 }));
    const result = await deployer({
      url: system.url,
      statusUrl: `${system.url}/status`,
      retries: 1,
    }).status(deployRequest());
    expect(result).toEqual({
      state: 'failed',
      reason: `GET ${system.url}/status/deployment-42 failed after 2 attempts: HTTP 502`,
    });
    expect(system.requests).toHaveLength(2);
  });

  it("polls the environment's statusUrl override", async () => {
    const system = await receiver(() => ({
      status: 200,
      body: '{"status":"running"}',
    }));
    const result = await deployer({ url: system.url }).status(
      deployRequest({
        config: new ConfigReader({ statusUrl: `${system.url}/prod-status` }),
      }),
    );
    expect(result).toEqual({ state: 'running' });
    expect(system.requests.map(r => r.path)).toEqual([
      '/prod-status/deployment-42',
    ]);
  });
});

describe('WebhookDeployer.verifyStatusCallback', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const rawBody = Buffer.from('{"status":"succeeded"}');

  /** Headers as express hands them over: names in lower case. */
  function signed(body: Buffer, at: Date, key = secret) {
    return Object.fromEntries(
      Object.entries(signatureHeaders(key, body, at)).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
  }

  const verify = (
    headers: Record<string, string | undefined>,
    body = rawBody,
  ) =>
    deployer({ url: 'http://127.0.0.1:1' }).verifyStatusCallback({
      deploymentId: 'deployment-42',
      headers,
      rawBody: body,
      now,
    });

  it('accepts a fresh signature over timestamp and raw body', () => {
    expect(verify(signed(rawBody, now))).toBe(true);
    expect(verify(signed(rawBody, new Date(now.getTime() - 299_000)))).toBe(
      true,
    );
  });

  it('rejects a signature made with another secret', () => {
    expect(verify(signed(rawBody, now, 'other-secret'))).toBe(false);
  });

  it('rejects a signature over other bytes, even the same JSON re-serialised', () => {
    expect(verify(signed(Buffer.from('{ "status": "succeeded" }'), now))).toBe(
      false,
    );
  });

  it('rejects a stale or future timestamp (5 minutes either way)', () => {
    expect(verify(signed(rawBody, new Date(now.getTime() - 301_000)))).toBe(
      false,
    );
    expect(verify(signed(rawBody, new Date(now.getTime() + 301_000)))).toBe(
      false,
    );
  });

  it('rejects missing headers', () => {
    const headers = signed(rawBody, now);
    expect(verify({})).toBe(false);
    expect(
      verify({ 'x-promotion-timestamp': headers['x-promotion-timestamp'] }),
    ).toBe(false);
    expect(
      verify({ 'x-promotion-signature': headers['x-promotion-signature'] }),
    ).toBe(false);
  });
});
