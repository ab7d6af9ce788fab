import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PagerDutyPager } from './PagerDutyPager';
import { PagerDutyPagerSettings } from './config';

const ROUTING_KEY = randomBytes(16).toString('hex');
const NOW = new Date('2025-03-04T05:06:07.089Z');

/** How the fake answers the next requests. */
type Mode = 'accept' | 'throttle' | 'fail' | 'hang' | 'accept-without-status';

/** A request the fake received. */
interface Received {
  method?: string;
  path?: string;
  contentType?: string;
  body: unknown;
}

const received: Received[] = [];
let mode: Mode = 'accept';
let server: Server;
let baseUrl: string;

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const TOP_LEVEL = [
  'routing_key',
  'event_action',
  'dedup_key',
  'payload',
  'images',
  'links',
  'client',
  'client_url',
];
const PAYLOAD = [
  'summary',
  'source',
  'severity',
  'timestamp',
  'component',
  'group',
  'class',
  'custom_details',
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string';

/** The checks of the Events API v2 documentation, as PagerDuty words its errors. */
function eventErrors(event: unknown): string[] {
  if (!isObject(event)) {
    return ['Event must be a JSON object'];
  }
  const errors: string[] = [];
  for (const key of Object.keys(event)) {
    if (!TOP_LEVEL.includes(key)) {
      errors.push(`'${key}' is not a known property`);
    }
  }
  if (!isText(event.routing_key) || event.routing_key.length !== 32) {
    errors.push("'routing_key' must be a 32 character string");
  } else if (event.routing_key !== ROUTING_KEY) {
    errors.push('Invalid routing key');
  }
  if (!ACTIONS.includes(event.event_action as string)) {
    errors.push("'event_action' is missing or invalid");
  }
  if (event.dedup_key !== undefined) {
    if (!isText(event.dedup_key) || event.dedup_key.length > 255) {
      errors.push("'dedup_key' must be a string of at most 255 characters");
    }
  } else if (event.event_action !== 'trigger') {
    errors.push("'dedup_key' is required for acknowledge and resolve");
  }
  if (event.event_action === 'trigger') {
    const p = event.payload;
    if (!isObject(p)) {
      errors.push("'payload' is missing or invalid");
    } else {
      for (const key of Object.keys(p)) {
        if (!PAYLOAD.includes(key)) {
          errors.push(`'payload.${key}' is not a known property`);
        }
      }
      if (!isText(p.summary) || !p.summary || p.summary.length > 1024) {
        errors.push("'payload.summary' is missing, blank or too long");
      }
      if (!isText(p.source) || !p.source.trim()) {
        errors.push("'payload.source' is missing or blank");
      }
      if (!SEVERITIES.includes(p.severity as string)) {
        errors.push("'payload.severity' is missing or invalid");
      }
      if (
        p.timestamp !== undefined &&
        (!isText(p.timestamp) || Number.isNaN(Date.parse(p.timestamp)))
      ) {
        errors.push("'payload.timestamp' is not an ISO 8601 timestamp");
      }
      for (const key of ['component', 'group', 'class']) {
        if (p[key] !== undefined && !isText(p[key])) {
          errors.push(`'payload.${key}' must be a string`);
        }
      }
      if (p.custom_details !== undefined && !isObject(p.custom_details)) {
        errors.push("'payload.custom_details' must be an object");
      }
    }
  } else if (event.payload !== undefined) {
    errors.push(`'payload' is only allowed on trigger events`);
  }
  if (event.links !== undefined) {
    if (
      !Array.isArray(event.links) ||
      !event.links.every(
        l =>
          isObject(l) &&
          isText(l.href) &&
          l.href !== '' &&
          (l.text === undefined || isText(l.text)),
      )
    ) {
      errors.push("'links' must be a list of objects with an 'href'");
    }
  }
  return errors;
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Answers like events.pagerduty.com/v2/enqueue does. */
function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = raw;
  }
  received.push({
    method: req.method,
    path: req.url,
    contentType: req.headers['content-type'],
    body,
  });
  if (mode === 'hang') {
    return;
  }
  if (req.method !== 'POST' || req.url !== '/v2/enqueue') {
    answer(res, 404, { status: 'not found', message: 'Not Found' });
    return;
  }
  if (!req.headers['content-type']?.startsWith('application/json')) {
    answer(res, 400, {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ['Content-Type must be application/json'],
    });
    return;
  }
  if (mode === 'throttle') {
    answer(res, 429, {
      status: 'throttle event',
      message:
        'Requests for this service are arriving too quickly.  Please retry later.',
    });
    return;
  }
  if (mode === 'fail') {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('upstream connect error');
    return;
  }
  const errors = eventErrors(body);
  if (errors.length > 0) {
    answer(res, 400, {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors,
    });
    return;
  }
  const event = body as { dedup_key?: string };
  if (mode === 'accept-without-status') {
    answer(res, 202, { message: 'Event processed' });
    return;
  }
  answer(res, 202, {
    status: 'success',
    message: 'Event processed',
    dedup_key: event.dedup_key ?? randomUUID().replace(/-/g, ''),
  });
}

function settings(
  overrides: Partial<PagerDutyPagerSettings> = {},
): PagerDutyPagerSettings {
  return {
    routingKey: ROUTING_KEY,
    url: `${baseUrl}/v2/enqueue`,
    timeoutMs: 5_000,
    ...overrides,
  };
}

function pager(overrides: Partial<PagerDutyPagerSettings> = {}) {
  return new PagerDutyPager(settings(overrides), { now: () => NOW });
}

function page(overrides: Partial<Page> = {}): Page {
  return {
    dedupKey: `promotion:${randomUUID()}`,
    summary: 'e2e failed for payments in staging',
    severity: 'critical',
    entityRef: 'component:default/payments',
    environment: 'staging',
    digest: `sha256:${'b'.repeat(64)}`,
    link: 'https://backstage.example.com/catalog/default/component/payments/promotion',
    details: { suite: 'e2e', failed: 3 },
    ...overrides,
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received.length = 0;
  mode = 'accept';
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

describe('PagerDutyPager', () => {
  it('triggers an alert event in the Events API v2 format', async () => {
    const sent = page();

    await pager().trigger(sent);

    expect(received).toEqual([
      {
        method: 'POST',
        path: '/v2/enqueue',
        contentType: 'application/json',
        body: {
          routing_key: ROUTING_KEY,
          event_action: 'trigger',
          dedup_key: sent.dedupKey,
          payload: {
            summary: 'e2e failed for payments in staging',
            source: 'component:default/payments/staging',
            severity: 'critical',
            timestamp: '2025-03-04T05:06:07.089Z',
            component: 'payments',
            group: 'staging',
            class: 'promotion',
            custom_details: { suite: 'e2e', failed: 3, digest: sent.digest },
          },
          links: [{ href: sent.link, text: 'Pipeline' }],
        },
      },
    ]);
  });

  it.each(['critical', 'warning', 'info'] as const)(
    'sends severity %s under the same name',
    async severity => {
      await pager().trigger(page({ severity }));

      expect(received).toHaveLength(1);
      expect(received[0].body).toMatchObject({ payload: { severity } });
    },
  );

  it('leaves out links and digest the page does not have', async () => {
    await pager().trigger(
      page({ link: undefined, digest: undefined, details: undefined }),
    );

    const body = received[0].body as Record<string, any>;
    expect(body).not.toHaveProperty('links');
    expect(body.payload.custom_details).toEqual({});
  });

  it('cuts a summary longer than 1024 characters and PagerDuty accepts it', async () => {
    await pager().trigger(page({ summary: 'x'.repeat(1100) }));
    await pager().trigger(page({ summary: '😀'.repeat(600) }));

    const [plain, emoji] = received.map(
      r => (r.body as any).payload.summary as string,
    );
    expect(plain).toBe(`${'x'.repeat(1023)}…`);
    expect(emoji.length).toBeLessThanOrEqual(1024);
    expect(emoji).toBe(`${'😀'.repeat(511)}…`);
  });

  it('resolves with nothing but the routing and dedup keys', async () => {
    await pager().resolve('promotion:payments:staging:e2e');

    expect(received).toEqual([
      {
        method: 'POST',
        path: '/v2/enqueue',
        contentType: 'application/json',
        body: {
          routing_key: ROUTING_KEY,
          event_action: 'resolve',
          dedup_key: 'promotion:payments:staging:e2e',
        },
      },
    ]);
  });

  it('throws with PagerDuty’s errors when it answers 400 invalid event', async () => {
    // Right length, but not a key PagerDuty knows.
    const wrongKey = randomBytes(16).toString('hex');

    await expect(
      pager({ routingKey: wrongKey }).trigger(page()),
    ).rejects.toThrow(
      /PagerDuty Events API at http:\/\/127\.0\.0\.1:\d+\/v2\/enqueue refused the trigger of dedup key "promotion:.*": HTTP 400 invalid event: Event object is invalid \(Invalid routing key\)/,
    );
    await expect(pager({ routingKey: wrongKey }).resolve('k')).rejects.toThrow(
      /refused the resolve of dedup key "k": HTTP 400 invalid event/,
    );
  });

  it('throws when PagerDuty throttles with 429', async () => {
    mode = 'throttle';

    await expect(pager().trigger(page())).rejects.toThrow(
      /HTTP 429 throttle event: Requests for this service are arriving too quickly/,
    );
    expect(received).toHaveLength(1);
  });

  it('throws on a 5xx answer', async () => {
    mode = 'fail';

    await expect(pager().resolve('k')).rejects.toThrow(
      /refused the resolve of dedup key "k": HTTP 503 Service Unavailable: upstream connect error/,
    );
  });

  it('throws on a 202 that does not say success', async () => {
    mode = 'accept-without-status';

    await expect(pager().trigger(page())).rejects.toThrow(
      /did not confirm the trigger of dedup key .*: HTTP 202/,
    );
  });

  it('throws on a wrong endpoint path', async () => {
    await expect(
      pager({ url: `${baseUrl}/v2/enqueu` }).trigger(page()),
    ).rejects.toThrow(/HTTP 404/);
  });

  it('throws when PagerDuty does not answer in time', async () => {
    mode = 'hang';

    await expect(pager({ timeoutMs: 300 }).trigger(page())).rejects.toThrow(
      /PagerDuty Events API at .* did not answer within 300 ms/,
    );
  });

  it('throws when PagerDuty cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>(resolve =>
      closed.listen(0, '127.0.0.1', () => resolve()),
    );
    const port = (closed.address() as AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));

    await expect(
      pager({ url: `http://127.0.0.1:${port}/v2/enqueue` }).trigger(page()),
    ).rejects.toThrow(/Could not reach PagerDuty Events API at .*ECONNREFUSED/);
  });

  it.each([
    [{ summary: '  ' }, /payload\.summary must not be empty/],
    [
      { severity: 'fatal' as any },
      /payload\.severity must be one of critical, error, warning, info \(got "fatal"\)/,
    ],
    [{ entityRef: '' }, /payload\.source must not be empty/],
    [{ environment: '' }, /payload\.source must not be empty/],
    [{ dedupKey: '' }, /dedup_key must not be empty/],
    [
      { dedupKey: 'k'.repeat(256) },
      /dedup_key must be at most 255 characters \(got 256\)/,
    ],
    [
      { details: { blob: 'x'.repeat(600 * 1024) } },
      /PagerDuty accepts at most 524288/,
    ],
  ])(
    'refuses to send a trigger that breaks the rules: %#',
    async (overrides, message) => {
      await expect(pager().trigger(page(overrides))).rejects.toThrow(message);
      expect(received).toEqual([]);
    },
  );

  it('refuses to send a resolve without a dedup key', async () => {
    await expect(pager().resolve('')).rejects.toThrow(
      /invalid PagerDuty resolve event.*dedup_key must not be empty/,
    );
    expect(received).toEqual([]);
  });

  it('never puts the routing key in an error message', async () => {
    mode = 'throttle';
    const error = await pager()
      .trigger(page())
      .catch((e: Error) => e);

    expect(String(error)).not.toContain(ROUTING_KEY);
  });
});
