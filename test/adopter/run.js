#!/usr/bin/env node
// The adopter test: the promotion plugins installed from their packed
// tarballs into a fresh Backstage app (test/adopter/app), started on
// PostgreSQL, an artifact registered through the REST API with CI's static
// token, and the Pipeline tab checked in Chromium, in the new frontend system
// app and on the legacy EntityPage.
// Usage: node test/adopter/run.js [pack-dir]   (default: packs afresh)
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { installApp } = require('./install');
const {
  createDatabase,
  freePort,
  startWebhookReceiver,
  startBackend,
} = require('./services');
const { checkPipelineTab } = require('./browser');
const { checkDocSnippets } = require('./docs');

const ROOT = path.resolve(__dirname, '../..');
const ENTITY = 'component:default/adopter-service';
const VERSION = '1.0.0-adopter';
const t0 = Date.now();
const log = msg =>
  console.log(
    `[adopter ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`,
  );
const seconds = ms => `${(ms / 1000).toFixed(1)} s`;

function packDirFromArgs(cleanups) {
  if (process.argv[2]) return path.resolve(process.argv[2]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promotion-packs-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  log(`packing every plugin into ${dir}`);
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'scripts/pack-plugins.js'), dir],
    {
      stdio: 'inherit',
    },
  );
  return dir;
}

async function api(baseUrl, token, method, apiPath, body) {
  const res = await fetch(`${baseUrl}/api/promotion${apiPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

/** POST /v1/artifacts as CI does, retrying 404 while the catalog loads the entity. */
async function register(baseUrl, token, artifact) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await api(baseUrl, token, 'POST', '/v1/artifacts', artifact);
    if (res.status !== 404 || Date.now() > deadline) return res;
    await new Promise(r => setTimeout(r, 1000));
  }
}

async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

async function main(cleanups, asserted, state) {
  asserted.push(
    `the docs' snippets are the app's code (${checkDocSnippets()})`,
  );
  const packDir = packDirFromArgs(cleanups);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promotion-adopter-'));
  // rm -rf: several times faster than fs.rmSync on a Backstage node_modules.
  cleanups.push(() => execFileSync('rm', ['-rf', dir]));
  const app = await installApp(dir, packDir, log);
  state.app = app;
  log(
    `installed in ${seconds(app.installMs)}, frontend built in ${seconds(
      app.buildMs,
    )}`,
  );

  const db = await createDatabase();
  cleanups.push(db.drop);
  const secret = randomBytes(24).toString('hex');
  const receiver = await startWebhookReceiver(secret);
  cleanups.push(receiver.stop);
  const token = randomBytes(24).toString('hex');
  const started = Date.now();
  const backend = await startBackend(app.dir, {
    ADOPTER_PORT: String(await freePort()),
    ADOPTER_DATABASE: db.name,
    PROMOTION_CI_TOKEN: token,
    DEPLOY_WEBHOOK_URL: receiver.url,
    DEPLOY_WEBHOOK_SECRET: secret,
  });
  cleanups.push(backend.stop);
  log(
    `backend up on ${backend.baseUrl} (database ${db.name}) in ${seconds(
      Date.now() - started,
    )}`,
  );

  const digest = `sha256:${randomBytes(32).toString('hex')}`;
  const registered = await register(backend.baseUrl, token, {
    entityRef: ENTITY,
    digest,
    version: VERSION,
    commit: 'a1b2c3d',
    author: 'user:default/ci-bot',
  });
  if (registered.status !== 201) {
    throw new Error(
      `register answered ${registered.status}: ${registered.body}`,
    );
  }
  asserted.push(
    'POST /api/promotion/v1/artifacts with the static CI token: 201',
  );
  const freeze = await api(
    backend.baseUrl,
    token,
    'POST',
    '/v1/services/component/default/adopter-service/freezes',
    { environment: 'prod', reason: 'CI must not stop the line' },
  );
  if (freeze.status !== 403) {
    throw new Error(
      `a freeze with the CI token answered ${freeze.status}, not 403`,
    );
  }
  asserted.push(
    'the same token is refused a freeze (403): its accessRestrictions hold',
  );

  await until(
    'the signed deploy request for dev',
    () =>
      receiver.deployments.some(
        d => d.environment === 'dev' && d.artifact.digest === digest,
      ),
    60_000,
  );
  if (receiver.refused() > 0)
    throw new Error('the receiver refused a badly signed request');
  asserted.push(
    'the webhook deployer sent dev a deploy request whose signature verifies',
  );

  for (const variant of ['new', 'legacy']) {
    const opened = Date.now();
    const seen = await checkPipelineTab(backend.baseUrl, variant, VERSION);
    log(`${variant} app checked in ${seconds(Date.now() - opened)}`);
    asserted.push(
      `Chromium, ${
        variant === 'new' ? 'new frontend system app' : 'legacy EntityPage'
      }: ` + `Pipeline tab shows the dev lane with ${VERSION} (${seen})`,
    );
  }
  const failedPublish = backend.output
    .join('')
    .match(/Event publish request failed.*/);
  if (failedPublish)
    throw new Error(`signals could not publish: ${failedPublish[0]}`);
  asserted.push(
    'no failed event publish in the backend log (events backend wired)',
  );
}

(async () => {
  const cleanups = [];
  const asserted = [];
  const state = {};
  let failure;
  const onSignal = () => {
    failure = new Error('interrupted');
    Promise.allSettled(cleanups.reverse().map(c => c())).then(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await main(cleanups, asserted, state);
  } catch (error) {
    failure = error;
  }
  const cleaning = Date.now();
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`cleanup failed: ${error.message}`);
    }
  }
  log(
    `backend and receiver stopped, database dropped, temp app removed in ${seconds(
      Date.now() - cleaning,
    )}`,
  );
  console.log('\n== adopter test summary');
  const { app } = state;
  if (app) {
    console.log('tarballs installed (file: resolutions, no workspace links):');
    for (const t of app.tarballs) {
      console.log(
        `  ${(t.size / 1024).toFixed(1).padStart(6)} kB  ${path.basename(
          t.file,
        )}`,
      );
    }
    console.log(
      `yarn install ${seconds(app.installMs)} (yarn.lock ${app.lockfile}), ` +
        `frontend build ${seconds(app.buildMs)}`,
    );
  }
  for (const line of asserted) console.log(`  ok  ${line}`);
  console.log(`total ${seconds(Date.now() - t0)}`);
  if (failure) {
    console.error(`\nadopter test FAILED: ${failure.stack ?? failure}`);
    process.exit(1);
  }
  console.log('adopter test passed');
})();
