import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** A real Alertmanager on a loopback port, for tests; `stop()` ends it. */
export interface TestAlertmanager {
  url: string;
  /** Posts alerts as Prometheus would (`POST /api/v2/alerts`). */
  fire(labels: Record<string, string>, summary?: string): Promise<void>;
  /** Resolves alerts with these labels (an end time in the past). */
  resolve(labels: Record<string, string>): Promise<void>;
  /** Silences alerts whose `label` equals `value`. */
  silence(label: string, value: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${await response.text()}`);
  }
}

/** Starts Debian's prometheus-alertmanager on loopback and waits until it answers. */
export async function startAlertmanager(): Promise<TestAlertmanager> {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(
      `${ALERTMANAGER_BIN} is missing: these tests need a real Alertmanager. ` +
        'Install it with `apt-get install -y --no-install-recommends prometheus-alertmanager`.',
    );
  }
  const workDir = await mkdtemp(join(tmpdir(), 'promotion-alert-source-'));
  const configFile = join(workDir, 'alertmanager.yml');
  await writeFile(
    configFile,
    'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n',
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.path=${join(workDir, 'data')}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', d => (output += d));
  child.stderr?.on('data', d => (output += d));
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(workDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`)
      .then(r => r.ok)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`Alertmanager did not start: ${output}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const alert = (
    labels: Record<string, string>,
    endsAt: Date,
    summary?: string,
  ) => ({
    labels,
    annotations: summary ? { summary } : {},
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: endsAt.toISOString(),
    generatorURL: 'http://prometheus.test/graph',
  });
  return {
    url,
    fire: (labels, summary) =>
      post(`${url}/api/v2/alerts`, [
        alert(labels, new Date(Date.now() + 3_600_000), summary),
      ]),
    resolve: labels =>
      post(`${url}/api/v2/alerts`, [
        alert(labels, new Date(Date.now() - 1_000)),
      ]),
    silence: (label, value) =>
      post(`${url}/api/v2/silences`, {
        matchers: [{ name: label, value, isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'test',
        comment: 'not an incident',
      }),
    stop,
  };
}
