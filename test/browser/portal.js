// Starts the demo portal (frontend :3000, backend :7007) for browser tests
// and stops the whole process group afterwards.
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const APP_URL = 'http://localhost:3000';
const API_URL = 'http://localhost:7007/api/promotion';
const CI_TOKEN = 'demo-ci-token-change-me';

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      lastError = new Error(`${url} answered ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`${url} not up after ${timeoutMs} ms: ${lastError}`);
}

/**
 * Starts `yarn start` in its own process group and waits for both halves;
 * `env` adds variables (e.g. APP_CONFIG_ overrides), `configs` adds config
 * files read after app-config.yaml.
 */
async function startPortal({ env = {}, configs = [] } = {}) {
  // The ports are fixed: a portal already running would answer for ours.
  for (const url of [`${API_URL}/health`, APP_URL]) {
    const busy = await fetch(url).then(
      () => true,
      () => false,
    );
    if (busy) throw new Error(`${url} answers already: stop that portal first`);
  }
  const output = [];
  const configArgs = configs.length
    ? [path.join(ROOT, 'app-config.yaml'), ...configs].flatMap(file => [
        '--config',
        file,
      ])
    : [];
  const child = spawn(
    process.execPath,
    [path.join(ROOT, '.yarn/releases/yarn-4.13.0.cjs'), 'start', ...configArgs],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        BROWSER: 'none',
        PROMOTION_CI_TOKEN: CI_TOKEN,
        ...env,
      },
    },
  );
  child.stdout.on('data', d => output.push(d.toString()));
  child.stderr.on('data', d => output.push(d.toString()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise(r => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(`${API_URL}/health`, 180_000);
    await waitFor(APP_URL, 240_000);
  } catch (error) {
    await stop();
    throw new Error(
      `${error.message}\n--- portal output ---\n${output
        .join('')
        .slice(-4000)}`,
    );
  }
  return { stop, output };
}

/** Calls the promotion API as CI does. */
async function ciCall(method, apiPath, body) {
  const res = await fetch(`${API_URL}${apiPath}`, {
    method,
    headers: {
      authorization: `Bearer ${CI_TOKEN}`,
      'content-type': 'application/json',
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Like ciCall, retrying 404s while the catalog is still loading the demo entities. */
async function ciCallWhenCatalogReady(
  method,
  apiPath,
  body,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await ciCall(method, apiPath, body);
    } catch (error) {
      if (!/: 404 /.test(error.message) || Date.now() > deadline) throw error;
      await new Promise(r => setTimeout(r, 1000));
    }
  }
}

module.exports = {
  startPortal,
  ciCall,
  ciCallWhenCatalogReady,
  APP_URL,
  API_URL,
  ROOT,
};
