// A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1 for
// the browser tests, with the demo's incident-gate overlay pointing at it.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./portal');

const BINARY = '/usr/bin/prometheus-alertmanager';

async function ready(url) {
  try {
    return (await fetch(`${url}/-/ready`)).ok;
  } catch {
    return false;
  }
}

/**
 * Starts Alertmanager on `port` in its own process group and writes the
 * demo's overlay (scripts/demo-incident.js: an incident gate on every demo
 * pipeline's prod) for that address. `stop()` ends it and removes its files;
 * it also runs if the test process exits without calling it.
 */
async function startAlertmanager(port) {
  if (!fs.existsSync(BINARY)) {
    throw new Error(
      `${BINARY} is missing: apt-get install prometheus-alertmanager (scripts/test.sh does)`,
    );
  }
  const url = `http://127.0.0.1:${port}`;
  if (await ready(url)) {
    throw new Error(`something already answers at ${url}`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-alertmanager-'));
  const config = path.join(work, 'alertmanager.yml');
  fs.writeFileSync(
    config,
    'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n',
  );
  const overlay = path.join(work, 'app-config.incident.yaml');
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'scripts/demo-incident.js'), '--write-config', overlay],
    { env: { ...process.env, DEMO_ALERTMANAGER_PORT: String(port) } },
  );
  const output = [];
  const child = spawn(
    BINARY,
    [
      `--config.file=${config}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.path=${path.join(work, 'data')}`,
      '--cluster.listen-address=',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', d => output.push(d.toString()));
  child.stderr.on('data', d => output.push(d.toString()));
  const kill = signal => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => kill('SIGKILL');
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(r => child.once('exit', r));
      kill('SIGTERM');
      await exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (!(await ready(url))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(
        `Alertmanager did not start on ${url}:\n${output
          .join('')
          .slice(-2000)}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }

  /** Posts one alert as Prometheus would; `resolved` sets its end in the past. */
  const post = async (labels, { resolved = false, summary } = {}) => {
    const now = Date.now();
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels,
          annotations: summary ? { summary } : {},
          startsAt: new Date(now - 1000).toISOString(),
          endsAt: new Date(
            resolved ? now - 500 : now + 3_600_000,
          ).toISOString(),
          generatorURL: 'http://localhost:3000/',
        },
      ]),
    });
    if (!res.ok) {
      throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
    }
  };
  return { url, overlay, post, stop };
}

module.exports = { startAlertmanager };
