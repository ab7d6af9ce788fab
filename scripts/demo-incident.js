#!/usr/bin/env node
/* eslint-disable no-console */
// The demo portal with incident-aware freeze: starts a real Alertmanager
// (Debian's prometheus-alertmanager) on 127.0.0.1:9093 and the demo with an
// incident gate on the last environment (prod) of every demo pipeline, read
// from app-config.yaml as it is, plus promotion.alertSources.alertmanager.
// Fire and resolve alerts with `scripts/yarn demo:alert <service> [--resolve]`.
//
//   scripts/yarn demo:incident
//   node scripts/demo-incident.js --write-config <file>   (only writes the
//     config overlay, for a runner that starts the portal and Alertmanager itself)
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');

const root = path.resolve(__dirname, '..');
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const PORT = Number(process.env.DEMO_ALERTMANAGER_PORT ?? 9093);
const url = `http://127.0.0.1:${PORT}`;

/** The overlay: every pipeline's last environment also requires the incident gate. */
function overlay() {
  const base = YAML.parse(
    fs.readFileSync(path.join(root, 'app-config.yaml'), 'utf8'),
  );
  const pipelines = base.promotion.pipelines;
  for (const pipeline of Object.values(pipelines)) {
    const prod = pipeline.environments[pipeline.environments.length - 1];
    prod.gates = [
      ...(prod.gates ?? []),
      {
        name: 'incident',
        source: 'alertmanager',
        matchers: [
          'service="{{name}}"',
          'environment="{{environment}}"',
          'severity=~"critical|page"',
        ],
      },
    ];
  }
  return {
    promotion: {
      alertSources: { alertmanager: { url, timeout: { seconds: 2 } } },
      pipelines,
    },
  };
}

async function answers() {
  try {
    return (await fetch(`${url}/-/ready`)).ok;
  } catch {
    return false;
  }
}

async function main() {
  const writeTo = process.argv.indexOf('--write-config');
  if (writeTo >= 0) {
    fs.writeFileSync(process.argv[writeTo + 1], YAML.stringify(overlay()));
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-incident-'));
  const children = [];
  const stop = () => {
    for (const child of children) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (!(await answers())) {
    if (!fs.existsSync(ALERTMANAGER)) {
      throw new Error(
        `${ALERTMANAGER} is missing: apt-get install -y --no-install-recommends prometheus-alertmanager`,
      );
    }
    const config = path.join(work, 'alertmanager.yml');
    fs.writeFileSync(
      config,
      'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n',
    );
    children.push(
      spawn(
        ALERTMANAGER,
        [
          `--config.file=${config}`,
          `--web.listen-address=127.0.0.1:${PORT}`,
          `--storage.path=${path.join(work, 'data')}`,
          '--cluster.listen-address=',
        ],
        { stdio: 'ignore', detached: true },
      ),
    );
    for (let i = 0; i < 100 && !(await answers()); i++) {
      await new Promise(r => setTimeout(r, 100));
    }
    if (!(await answers()))
      throw new Error(`Alertmanager did not start on ${url}`);
  }
  console.log(`Alertmanager at ${url}; incident gates on prod`);
  const extra = path.join(work, 'app-config.incident.yaml');
  fs.writeFileSync(extra, YAML.stringify(overlay()));
  const portal = spawn(
    path.join(root, 'scripts/yarn'),
    [
      'start',
      '--config',
      path.join(root, 'app-config.yaml'),
      '--config',
      extra,
    ],
    { cwd: root, stdio: 'inherit', detached: true },
  );
  children.push(portal);
  portal.on('exit', code => {
    stop();
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(code ?? 0);
  });
}

main().catch(error => {
  console.error(error.message);
  process.exit(1);
});
