import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsQuery } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PrometheusMetricsProvider } from './PrometheusMetricsProvider';
import { DEFAULT_PROMETHEUS_QUERIES } from './queries';
import {
  EXPECTED_P95_SECONDS,
  InstrumentedService,
  startInstrumentedService,
} from './testUtils/instrumentedService';
import {
  PrometheusServer,
  freePort,
  startPrometheus,
} from './testUtils/prometheusServer';

// Starting Prometheus and letting it scrape for ~8 s dominates this file.
jest.setTimeout(30_000);

const CHECKOUT = 'component:default/checkout';

let service: InstrumentedService | undefined;
let prometheus: PrometheusServer | undefined;
let provider: PrometheusMetricsProvider;

beforeAll(async () => {
  service = await startInstrumentedService([
    {
      service: 'checkout',
      environment: 'staging',
      okPerSecond: 90,
      errorsPerSecond: 10,
      saturation: 0.42,
    },
    {
      service: 'checkout',
      environment: 'prod',
      okPerSecond: 99,
      errorsPerSecond: 1,
      saturation: 0.8,
    },
  ]);
  prometheus = await startPrometheus([service.target]);
  // rate() needs two samples per window and the 5 s SLO window must lie
  // wholly inside the scraped data.
  await prometheus.waitForSamples(
    'service_saturation_ratio{environment="staging"}',
    8,
  );
  provider = new PrometheusMetricsProvider({
    baseUrl: prometheus.baseUrl,
    timeoutMs: 5_000,
  });
}, 45_000);

afterAll(async () => {
  await prometheus?.stop();
  await service?.close();
});

/** The last `seconds` up to now, one sample per second. */
function lastSeconds(
  seconds: number,
  overrides: Partial<MetricsQuery> = {},
): MetricsQuery {
  const end = new Date();
  return {
    entityRef: CHECKOUT,
    environment: 'staging',
    start: new Date(end.getTime() - seconds * 1000),
    end,
    stepSeconds: 1,
    ...overrides,
  };
}

function values(samples: { value: number }[]): number[] {
  return samples.map(s => s.value);
}

describe('querySignal against a real Prometheus', () => {
  it('computes the error rate from the counters of the environment asked for', async () => {
    const staging = await provider.querySignal('errorRate', lastSeconds(3));
    expect(staging).toHaveLength(4);
    for (const value of values(staging)) {
      expect(value).toBeCloseTo(0.1, 9);
    }

    const prod = await provider.querySignal(
      'errorRate',
      lastSeconds(3, { environment: 'prod' }),
    );
    for (const value of values(prod)) {
      expect(value).toBeCloseTo(0.01, 9);
    }
  });

  it('returns one sample per step, stamped with its evaluation time', async () => {
    const query = lastSeconds(3);
    const samples = await provider.querySignal('errorRate', query);
    expect(samples.map(s => s.at.getTime())).toEqual([
      query.start.getTime(),
      query.start.getTime() + 1000,
      query.start.getTime() + 2000,
      query.start.getTime() + 3000,
    ]);
  });

  it('computes the p95 latency from the histogram buckets', async () => {
    const samples = await provider.querySignal('latency', lastSeconds(3));
    expect(samples.length).toBeGreaterThan(0);
    for (const value of values(samples)) {
      expect(value).toBeCloseTo(EXPECTED_P95_SECONDS, 6);
    }
  });

  it('reads the saturation gauge', async () => {
    expect(
      values(await provider.querySignal('saturation', lastSeconds(3))),
    ).toEqual([0.42, 0.42, 0.42, 0.42]);
    expect(
      values(
        await provider.querySignal(
          'saturation',
          lastSeconds(3, { environment: 'prod' }),
        ),
      ),
    ).toEqual([0.8, 0.8, 0.8, 0.8]);
  });

  it('uses a per-environment template from the gate options over the configured one', async () => {
    const configured = new PrometheusMetricsProvider({
      baseUrl: prometheus!.baseUrl,
      queries: {
        saturation: 'min(service_saturation_ratio{service="{{name}}"})',
      },
    });
    expect(
      values(await configured.querySignal('saturation', lastSeconds(1))),
    ).toEqual([0.42, 0.42]);
    expect(
      values(
        await configured.querySignal(
          'saturation',
          lastSeconds(1, {
            options: {
              queries: {
                saturation:
                  'max(service_saturation_ratio{service="{{name}}",environment="prod"})',
              },
            },
          }),
        ),
      ),
    ).toEqual([0.8, 0.8]);
  });

  it('throws "no data" for an entity without series', async () => {
    await expect(
      provider.querySignal(
        'errorRate',
        lastSeconds(3, { entityRef: 'component:default/unknown' }),
      ),
    ).rejects.toThrow(
      /no data for errorRate of component:default\/unknown in staging/,
    );
    await expect(
      provider.querySignal('latency', lastSeconds(3, { environment: 'qa' })),
    ).rejects.toThrow(/no data/);
  });

  it('escapes a PromQL injection in the entity name', async () => {
    const name =
      'checkout",environment="staging"}) or vector(1) or max(up{job="x';
    const query = lastSeconds(1, {
      entityRef: `component:default/${name}`,
      environment: 'prod',
    });

    // Pasted in unescaped, the name would read staging's gauge for prod …
    const unescaped = DEFAULT_PROMETHEUS_QUERIES.saturation
      .replace('{{name}}', name)
      .replace('{{environment}}', 'prod');
    expect(
      values(
        await provider.querySignal('saturation', {
          ...query,
          options: { queries: { saturation: unescaped } },
        }),
      ),
    ).toEqual([0.42, 0.42]);

    // … escaped, it is just a service name that matches nothing.
    await expect(provider.querySignal('saturation', query)).rejects.toThrow(
      /no data/,
    );
    await expect(provider.querySignal('errorRate', query)).rejects.toThrow(
      /no data/,
    );
  });

  it('throws "ambiguous" when the query yields several series', async () => {
    await expect(
      provider.querySignal(
        'saturation',
        lastSeconds(1, {
          options: {
            queries: {
              saturation: 'service_saturation_ratio{service="{{name}}"}',
            },
          },
        }),
      ),
    ).rejects.toThrow(/2 series .* ambiguous/);
  });

  it('returns NaN for samples Prometheus reports as NaN or ±Inf', async () => {
    for (const template of [
      'vector(0) / 0',
      'vector(1) / 0',
      'vector(-1) / 0',
    ]) {
      const samples = await provider.querySignal(
        'latency',
        lastSeconds(1, { options: { queries: { latency: template } } }),
      );
      expect(samples).toHaveLength(2);
      for (const value of values(samples)) {
        expect(value).toBeNaN();
      }
    }
  });

  it("throws with Prometheus' message when the template is not valid PromQL", async () => {
    await expect(
      provider.querySignal(
        'errorRate',
        lastSeconds(1, {
          options: {
            queries: {
              errorRate:
                'sum(rate(http_requests_total{service="{{name}}"}[1m])',
            },
          },
        }),
      ),
    ).rejects.toThrow(
      /Prometheus query failed \(HTTP 400, bad_data\): .*parse error/,
    );
  });

  it("throws with Prometheus' message when it refuses to evaluate", async () => {
    await expect(
      provider.querySignal('errorRate', {
        ...lastSeconds(3600),
        stepSeconds: 0.01,
      }),
    ).rejects.toThrow(/exceeded maximum resolution/);
  });

  it('rejects per-environment options it does not understand', async () => {
    await expect(
      provider.querySignal(
        'errorRate',
        lastSeconds(1, { options: { queries: { errorRatio: 'up' } } }),
      ),
    ).rejects.toThrow(/options.queries.errorRatio is not a query/);
    await expect(
      provider.querySignal(
        'errorRate',
        lastSeconds(1, {
          options: { queries: { errorRate: 'up{job={{name}}}' } },
        }),
      ),
    ).rejects.toThrow(/double-quoted/);
  });
});

describe('querySloCounts against a real Prometheus', () => {
  it('counts good and total requests over the query range', async () => {
    const staging = await provider.querySloCounts(lastSeconds(5));
    // 100 requests/s over 5 s; increase() extrapolates, so allow some slack.
    expect(staging.total).toBeGreaterThan(400);
    expect(staging.total).toBeLessThan(600);
    expect(staging.good / staging.total).toBeCloseTo(0.9, 9);

    const prod = await provider.querySloCounts(
      lastSeconds(5, { environment: 'prod' }),
    );
    expect(prod.good / prod.total).toBeCloseTo(0.99, 9);
  });

  it('throws "no data" for an entity without series', async () => {
    await expect(
      provider.querySloCounts(
        lastSeconds(5, { entityRef: 'component:default/unknown' }),
      ),
    ).rejects.toThrow(/no data for sloTotal of component:default\/unknown/);
  });

  it.each([
    ['+Inf', 'vector(1) / 0'],
    ['NaN', 'vector(0) / 0'],
    ['a negative count', 'vector(-1)'],
  ])('throws on %s', async (_, sloTotal) => {
    await expect(
      provider.querySloCounts(
        lastSeconds(5, { options: { queries: { sloTotal } } }),
      ),
    ).rejects.toThrow(/not a request count/);
  });

  it('throws when good far exceeds total', async () => {
    await expect(
      provider.querySloCounts(
        lastSeconds(5, {
          options: {
            queries: { sloGood: 'vector(1000)', sloTotal: 'vector(10)' },
          },
        }),
      ),
    ).rejects.toThrow(/inconsistent: good 1000 > total 10/);
  });

  it('rejects a range shorter than a second', async () => {
    const end = new Date();
    await expect(
      provider.querySloCounts({ ...lastSeconds(0), start: end, end }),
    ).rejects.toThrow(/at least one second/);
  });
});

describe('transport failures', () => {
  let stub: Server;
  const requests: IncomingMessage[] = [];

  beforeAll(async () => {
    // Stands in for what sits between us and Prometheus: a hung server and
    // a proxy answering with an HTML error page.
    stub = createServer((req, res) => {
      requests.push(req);
      if (req.url?.startsWith('/proxied/')) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
      }
    });
    await new Promise<void>(resolve =>
      stub.listen(0, '127.0.0.1', () => resolve()),
    );
  });

  afterAll(async () => {
    stub.closeAllConnections();
    await new Promise(resolve => stub.close(resolve));
  });

  function stubUrl(path: string): string {
    return `http://127.0.0.1:${(stub.address() as AddressInfo).port}${path}`;
  }

  it('throws when Prometheus is unreachable', async () => {
    const port = await freePort();
    const unreachable = new PrometheusMetricsProvider({
      baseUrl: `http://127.0.0.1:${port}`,
    });
    await expect(
      unreachable.querySignal('errorRate', lastSeconds(1)),
    ).rejects.toThrow(
      new RegExp(
        `Prometheus at http://127.0.0.1:${port} is unreachable: .*ECONNREFUSED`,
      ),
    );
    await expect(unreachable.querySloCounts(lastSeconds(5))).rejects.toThrow(
      /unreachable/,
    );
  });

  it('throws within the timeout when Prometheus never answers', async () => {
    const hung = new PrometheusMetricsProvider({
      baseUrl: stubUrl('/hung'),
      timeoutMs: 300,
    });
    const started = Date.now();
    await expect(hung.querySignal('latency', lastSeconds(1))).rejects.toThrow(
      /did not answer within 300 ms/,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('throws on an HTTP error that is not from Prometheus, and keeps the base path', async () => {
    const proxied = new PrometheusMetricsProvider({
      baseUrl: stubUrl('/proxied/prometheus/'),
    });
    const query = lastSeconds(60);
    await expect(proxied.querySignal('errorRate', query)).rejects.toThrow(
      /HTTP 502 with a body that is not a Prometheus API response: <html>/,
    );
    const url = new URL(requests[requests.length - 1].url!, 'http://x');
    expect(url.pathname).toBe('/proxied/prometheus/api/v1/query_range');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      query: DEFAULT_PROMETHEUS_QUERIES.errorRate
        .replace(/\{\{name\}\}/g, 'checkout')
        .replace(/\{\{environment\}\}/g, 'staging'),
      start: (query.start.getTime() / 1000).toFixed(3),
      end: (query.end.getTime() / 1000).toFixed(3),
      step: '1',
      timeout: '10000ms',
    });
  });
});
