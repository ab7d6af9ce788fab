// Puts the adopter app (test/adopter/app) into a temp directory outside this
// repo's workspace, points it at the packed plugin tarballs only, installs it
// with the repo's Yarn release and builds its frontend bundle.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const YARN = path.join(ROOT, '.yarn/releases/yarn-4.13.0.cjs');
const SCOPE = '@promotion-pipeline/';

/** Runs the repo's Yarn in `cwd`; rejects with the output's tail on failure. */
function yarn(args, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [YARN, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.on('error', reject);
    child.on('exit', code =>
      code === 0
        ? resolve(output)
        : reject(
            new Error(
              `yarn ${args.join(' ')} in ${cwd} exited ${code}:\n${output.slice(
                -4000,
              )}`,
            ),
          ),
    );
  });
}

/**
 * Which tarball of `packDir` each package the app resolves from `file:` uses.
 * The app's package.json maps `@promotion-pipeline/<name>` to
 * `file:./packs/<name>.tgz`; pack-plugins.js names them `<scope>-<name>-<version>.tgz`.
 */
function tarballsFor(appPackageJson, packDir) {
  const packed = fs.readdirSync(packDir).filter(f => f.endsWith('.tgz'));
  return Object.entries(appPackageJson.resolutions)
    .filter(([name]) => name.startsWith(SCOPE))
    .map(([name, target]) => {
      const stem = `${name.replace('/', '-')}-`;
      const file = packed.find(
        f =>
          f.startsWith(stem) &&
          /^\d+\.\d+\.\d+.*\.tgz$/.test(f.slice(stem.length)),
      );
      if (!file) throw new Error(`no tarball for ${name} in ${packDir}`);
      return {
        name,
        file: path.join(packDir, file),
        target: target.replace(/^file:/, ''),
        size: fs.statSync(path.join(packDir, file)).size,
      };
    });
}

/** yarn.lock entries other than our tarballs' (which change with every pack). */
function pinnedEntries(lockfile) {
  return new Set(
    fs
      .readFileSync(lockfile, 'utf8')
      .split(/\n\n+/)
      .filter(entry => !entry.includes(SCOPE)),
  );
}

/** Warns, with a refreshed copy, when the install resolved more than the committed lockfile pins. */
function checkLockfile(dir, log) {
  const committed = pinnedEntries(path.join(__dirname, 'app/yarn.lock'));
  const installed = pinnedEntries(path.join(dir, 'yarn.lock'));
  const changed = [...installed].filter(e => !committed.has(e)).length;
  const gone = [...committed].filter(e => !installed.has(e)).length;
  if (!changed && !gone) return 'unchanged apart from the tarballs';
  const copy = path.resolve(__dirname, '../output/adopter-yarn.lock');
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(path.join(dir, 'yarn.lock'), copy);
  log(
    `WARNING: yarn.lock resolved ${changed} new and dropped ${gone} entries ` +
      `(a plugin's dependencies changed?): cp ${copy} test/adopter/app/yarn.lock`,
  );
  return `${changed} entries resolved afresh, ${gone} dropped`;
}

/** Copies the app and its tarballs into `dir` (empty, outside the repo), installs and builds it. */
async function installApp(dir, packDir, log) {
  fs.cpSync(path.join(__dirname, 'app'), dir, { recursive: true });
  const manifest = JSON.parse(
    fs.readFileSync(path.join(dir, 'package.json'), 'utf8'),
  );
  const tarballs = tarballsFor(manifest, packDir);
  fs.mkdirSync(path.join(dir, 'packs'));
  for (const t of tarballs) fs.copyFileSync(t.file, path.join(dir, t.target));

  // Not immutable: the tarballs' checksums change with every pack (the
  // committed yarn.lock pins everything else), and CI=true would otherwise
  // make Yarn refuse to update them.
  const started = Date.now();
  log(`yarn install in ${dir}`);
  await yarn(['install'], dir, { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' });
  const installMs = Date.now() - started;
  const lockfile = checkLockfile(dir, log);
  for (const t of tarballs) {
    const installed = JSON.parse(
      fs.readFileSync(
        path.join(dir, 'node_modules', t.name, 'package.json'),
        'utf8',
      ),
    );
    // Proof that the copy came from the tarball, not a workspace link.
    const real = fs.realpathSync(path.join(dir, 'node_modules', t.name));
    if (!real.startsWith(fs.realpathSync(dir)) || installed.private) {
      throw new Error(`${t.name} is not installed from its tarball (${real})`);
    }
    t.version = installed.version;
  }

  const buildStarted = Date.now();
  log('building the frontend bundle (backstage-cli package build)');
  await yarn(['build'], path.join(dir, 'packages/app'));
  return {
    dir,
    tarballs,
    installMs,
    lockfile,
    buildMs: Date.now() - buildStarted,
  };
}

module.exports = { installApp, yarn };
