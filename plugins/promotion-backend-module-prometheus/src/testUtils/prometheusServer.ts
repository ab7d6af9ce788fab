import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `prometheus` package puts the server; PROMETHEUS_BIN overrides. */
export const PROMETHEUS_BIN =
  process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** A real Prometheus server on a loopback port, scraping every second. */
export interface PrometheusServer {
  baseUrl: string;
  /** Resolves once `count_over_time(selector[1m])` reaches `samples`. */
  waitForSamples(selector: string, samples: number): Promise<void>;
  stop(): Promise<void>;
}

/** Picks a free loopback port by letting the OS choose one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const address = server.address();
  await new Promise<void>(resolve => server.close(() => resolve()));
  if (!address || typeof address === 'string') {
    throw new Error('could not pick a free port');
  }
  return address.port;
}

/** Starts Prometheus scraping `targets` every second; waits until it is ready. */
export async function startPrometheus(
  targets: string[],
): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `Prometheus binary not found at ${PROMETHEUS_BIN}. Install it with ` +
        '`apt-get install -y --no-install-recommends prometheus` or set PROMETHEUS_BIN.',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'promotion-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: service',
      '    static_configs:',
      `      - targets: [${targets.map(t => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Keep the tail of the log for error messages; draining also stops the pipe from filling.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );

  const stop = async () => {
    await kill(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await poll(
      'Prometheus to become ready',
      20_000,
      child,
      () => output,
      async () => {
        const res = await fetch(`${baseUrl}/-/ready`).catch(() => undefined);
        return res?.status === 200;
      },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    baseUrl,
    stop,
    waitForSamples: (selector, samples) =>
      poll(
        `${samples} samples of ${selector}`,
        20_000,
        child,
        () => output,
        async () => {
          const url = new URL(`${baseUrl}/api/v1/query`);
          url.searchParams.set('query', `count_over_time(${selector}[1m])`);
          const body = await (await fetch(url)).json();
          const value = body?.data?.result?.[0]?.value?.[1];
          return Number(value) >= samples;
        },
      ),
  };
}

async function poll(
  what: string,
  timeoutMs: number,
  child: ChildProcess,
  log: () => string,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Prometheus exited while waiting for ${what}:\n${log()}`);
    }
    if (await check()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}; Prometheus log:\n${log()}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>(resolve => {
    timer = setTimeout(() => resolve('late'), 5_000);
  });
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
