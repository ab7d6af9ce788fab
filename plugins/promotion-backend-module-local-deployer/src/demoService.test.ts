import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { findDemoServiceScript } from './defaultCommand';
import { eventually, getLocal } from './testHelpers';

jest.setTimeout(20_000);

const script = findDemoServiceScript(__dirname)!;

/** Runs demo/service/server.js directly, as a deployer would. */
describe('demo service', () => {
  const children: ChildProcess[] = [];

  async function startService(env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [script], {
      env: {
        PORT: '0',
        ARTIFACT_DIGEST: `sha256:${'d'.repeat(64)}`,
        ARTIFACT_VERSION: '2.0.0',
        ENVIRONMENT: 'staging',
        SYNTHETIC_TRAFFIC_INTERVAL_MS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = once(child, 'exit');
    let output = '';
    child.stdout!.on('data', chunk => {
      output += chunk;
    });
    await eventually(() => /on http:\/\/127\.0\.0\.1:\d+/.test(output), 5_000);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)![1]);
    return { child, port, exited };
  }

  afterEach(async () => {
    await Promise.all(
      children.splice(0).map(async child => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
  });

  it('answers /health with its version, digest and environment', async () => {
    const { port } = await startService();
    const health = await getLocal(port, '/health');
    expect(health).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        version: '2.0.0',
        digest: `sha256:${'d'.repeat(64)}`,
        environment: 'staging',
      },
    });
  });

  it('answers / as JSON or as an escaped HTML page', async () => {
    const { port } = await startService({ ARTIFACT_VERSION: '<b>3</b>' });
    expect((await getLocal(port, '/')).body).toMatchObject({
      version: '<b>3</b>',
      environment: 'staging',
    });
    const html = await getLocal(port, '/', { accept: 'text/html' });
    expect(html.contentType).toContain('text/html');
    expect(html.body).toContain('&lt;b&gt;3&lt;/b&gt; in staging');
    expect(html.body).not.toContain('<b>3</b>');
  });

  it('exposes Prometheus metrics that count requests', async () => {
    const { port } = await startService();
    for (let i = 0; i < 3; i++) {
      await getLocal(port, '/');
    }
    const metrics = await getLocal(port, '/metrics');
    expect(metrics.contentType).toContain('text/plain; version=0.0.4');
    const text: string = metrics.body;
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('http_requests_total{code="200"} 3');
    expect(text).toContain('http_requests_total{code="500"} 0');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('http_request_duration_seconds_count 3');
    expect(text).toContain('# TYPE process_saturation_ratio gauge');

    const buckets = [...text.matchAll(/_bucket\{le="[^"]+"\} (\d+)/g)].map(m =>
      Number(m[1]),
    );
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    const saturation = Number(
      /^process_saturation_ratio (\S+)$/m.exec(text)![1],
    );
    expect(saturation).toBeGreaterThanOrEqual(0);
    expect(saturation).toBeLessThanOrEqual(1);
  });

  it('generates synthetic traffic so metrics move', async () => {
    const { port } = await startService({
      SYNTHETIC_TRAFFIC_INTERVAL_MS: '20',
    });
    await expect(
      eventually(async () => {
        const text: string = (await getLocal(port, '/metrics')).body;
        return (
          Number(/http_request_duration_seconds_count (\d+)/.exec(text)![1]) >=
          5
        );
      }, 5_000),
    ).resolves.toBeUndefined();
  });

  it('fails one request in five with demo:errors', async () => {
    const { port } = await startService({
      ARTIFACT_LABELS: 'risky, demo:errors',
    });
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) {
      codes.push((await getLocal(port, '/')).status);
    }
    expect(codes.filter(c => c === 500)).toHaveLength(2);
    const text: string = (await getLocal(port, '/metrics')).body;
    expect(text).toContain('http_requests_total{code="500"} 2');
    expect(text).toContain('http_requests_total{code="200"} 8');
  });

  it('answers 503 on /health with demo:unhealthy', async () => {
    const { port } = await startService({ ARTIFACT_LABELS: 'demo:unhealthy' });
    expect(await getLocal(port, '/health')).toMatchObject({
      status: 503,
      body: { status: 'unhealthy' },
    });
  });

  it('reports saturation 0.95 with demo:saturated', async () => {
    const { port } = await startService({ ARTIFACT_LABELS: 'demo:saturated' });
    expect((await getLocal(port, '/metrics')).body).toContain(
      'process_saturation_ratio 0.95',
    );
  });

  it('exits with code 1 shortly after start with demo:crash', async () => {
    const { exited } = await startService({ ARTIFACT_LABELS: 'demo:crash' });
    expect(await exited).toEqual([1, null]);
  });

  it('exits cleanly on SIGTERM', async () => {
    const { child, port, exited } = await startService({
      SYNTHETIC_TRAFFIC_INTERVAL_MS: '10',
    });
    await getLocal(port, '/health');
    child.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
  });
});
