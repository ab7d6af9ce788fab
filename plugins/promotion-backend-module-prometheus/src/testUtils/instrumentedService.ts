import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Traffic one service/environment pair serves, per second. */
export interface ServiceTraffic {
  service: string;
  environment: string;
  okPerSecond: number;
  errorsPerSecond: number;
  /** Value of the `service_saturation_ratio` gauge. */
  saturation: number;
}

/**
 * Of every request: half took at most 0.1 s, 90% at most 0.25 s, all at most 0.5 s. Linear
 * interpolation in the (0.25, 0.5] bucket puts p95 at exactly 0.375 s.
 */
export const LATENCY_BUCKETS: ReadonlyArray<[string, number]> = [
  ['0.1', 0.5],
  ['0.25', 0.9],
  ['0.5', 1],
  ['1', 1],
  ['+Inf', 1],
];
export const EXPECTED_P95_SECONDS = 0.375;

/** A real HTTP service on 127.0.0.1 whose /metrics the test controls. */
export interface InstrumentedService {
  /** `host:port`, as a Prometheus scrape target. */
  target: string;
  /** How many times /metrics was read. */
  scrapes(): number;
  close(): Promise<void>;
}

/**
 * Serves /metrics in the Prometheus text format. Counters grow linearly with
 * time at the given rates, so every `rate()` and `increase()` over them is
 * known in advance, whenever Prometheus happens to scrape.
 */
export async function startInstrumentedService(
  traffic: ServiceTraffic[],
): Promise<InstrumentedService> {
  const startedAt = Date.now();
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes += 1;
    const elapsed = (Date.now() - startedAt) / 1000;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(exposition(traffic, elapsed));
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close(error => (error ? reject(error) : resolve()));
      }),
  };
}

function exposition(traffic: ServiceTraffic[], elapsed: number): string {
  const lines = [
    '# HELP http_requests_total Requests served, by status code.',
    '# TYPE http_requests_total counter',
  ];
  for (const t of traffic) {
    const labels = `service="${t.service}",environment="${t.environment}"`;
    lines.push(
      `http_requests_total{${labels},code="200"} ${t.okPerSecond * elapsed}`,
      `http_requests_total{${labels},code="500"} ${
        t.errorsPerSecond * elapsed
      }`,
    );
  }
  lines.push(
    '# HELP http_request_duration_seconds Request latency.',
    '# TYPE http_request_duration_seconds histogram',
  );
  for (const t of traffic) {
    const labels = `service="${t.service}",environment="${t.environment}"`;
    const count = (t.okPerSecond + t.errorsPerSecond) * elapsed;
    for (const [le, share] of LATENCY_BUCKETS) {
      lines.push(
        `http_request_duration_seconds_bucket{${labels},le="${le}"} ${
          count * share
        }`,
      );
    }
    lines.push(
      `http_request_duration_seconds_sum{${labels}} ${count * 0.2}`,
      `http_request_duration_seconds_count{${labels}} ${count}`,
    );
  }
  lines.push(
    '# HELP service_saturation_ratio How full the busiest resource is.',
    '# TYPE service_saturation_ratio gauge',
  );
  for (const t of traffic) {
    lines.push(
      `service_saturation_ratio{service="${t.service}",environment="${t.environment}"} ${t.saturation}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
