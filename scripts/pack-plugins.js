#!/usr/bin/env node
// Builds and packs every plugin package as a consumer would receive it, then
// checks each tarball holds what an adopter needs: built code, types, the
// config schema, migrations, the ./alpha entry and no workspace: ranges.
// Usage: node scripts/pack-plugins.js [out-dir]   (default: a fresh temp dir)
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const yarn = path.join(root, 'scripts', 'yarn');
const outDir = path.resolve(
  process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'promotion-packs-')),
);
fs.mkdirSync(outDir, { recursive: true });

function run(args, cwd) {
  try {
    execFileSync(yarn, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw new Error(`yarn ${args.join(' ')} failed in ${cwd}`);
  }
}

function tarList(file) {
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(entry => entry.replace(/^package\//, ''));
}

function tarPackageJson(file) {
  const text = execFileSync('tar', ['-xzOf', file, 'package/package.json'], {
    encoding: 'utf8',
  });
  return JSON.parse(text);
}

/** What a consumer of a package with this manifest must find in its tarball. */
function problemsOf(source, packed, files) {
  const problems = [];
  const has = f => files.includes(f);
  const expect = (f, why) => !has(f) && problems.push(`missing ${f} (${why})`);
  const role = source.backstage?.role;
  const isFrontend = role === 'frontend-plugin';
  const isCommon = role === 'common-library';

  expect('dist/index.d.ts', 'types');
  if (isFrontend || isCommon) expect('dist/index.esm.js', 'browser entry');
  if (!isFrontend) expect('dist/index.cjs.js', 'Node entry');
  // prepack turns config.d.ts into the JSON schema the app's config loader reads
  if (source.configSchema) expect(packed.configSchema ?? '?', 'config schema');
  if (fs.existsSync(path.join(source.dir, 'migrations'))) {
    for (const m of fs.readdirSync(path.join(source.dir, 'migrations'))) {
      expect(`migrations/${m}`, 'database migration');
    }
  }
  for (const entry of Object.keys(source.exports ?? {})) {
    if (entry === '.' || entry === './package.json') continue;
    const target = packed.exports?.[entry];
    const types = target?.types?.replace(/^\.\//, '');
    const code = (target?.import ?? target?.require)?.replace(/^\.\//, '');
    if (!types || !code) problems.push(`export ${entry} has no built target`);
    else {
      expect(types, `types of ${entry}`);
      expect(code, `code of ${entry}`);
    }
  }
  if (packed.main?.startsWith('src/') || packed.types?.startsWith('src/')) {
    problems.push('main/types still point at src/');
  }
  if (packed.private) problems.push('package is private');
  if (packed.engines?.node !== '22 || 24') {
    problems.push('engines.node is not "22 || 24"');
  }
  for (const kind of ['dependencies', 'peerDependencies']) {
    for (const [dep, range] of Object.entries(packed[kind] ?? {})) {
      if (range.startsWith('workspace:')) problems.push(`${dep}: ${range}`);
    }
  }
  if (isFrontend && !packed.peerDependencies?.react) {
    problems.push('react is not a peer dependency');
  }
  if (files.some(f => f.startsWith('src/') && f.endsWith('.ts'))) {
    problems.push('TypeScript sources shipped');
  }
  return problems;
}

const pluginsDir = path.join(root, 'plugins');
const packages = fs
  .readdirSync(pluginsDir)
  .map(name => path.join(pluginsDir, name))
  .filter(dir => fs.existsSync(path.join(dir, 'package.json')))
  .map(dir => ({
    dir,
    ...JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')),
  }))
  .filter(pkg => !pkg.private);

console.log('type declarations (tsc)');
run(['tsc'], root);
let failed = false;
const rows = [];
for (const pkg of packages) {
  run(['backstage-cli', 'package', 'build'], pkg.dir);
  run(['pack', '--out', path.join(outDir, '%s-%v.tgz')], pkg.dir);
  const file = path.join(
    outDir,
    `${pkg.name.replace('/', '-')}-${pkg.version}.tgz`,
  );
  const files = tarList(file);
  const problems = problemsOf(pkg, tarPackageJson(file), files);
  rows.push({ file, size: fs.statSync(file).size, files: files.length });
  if (problems.length) {
    failed = true;
    console.error(`${path.basename(file)}:\n  ${problems.join('\n  ')}`);
  }
}

console.log(`packed into ${outDir}:`);
for (const row of rows) {
  const kb = (row.size / 1024).toFixed(1).padStart(7);
  console.log(
    `${kb} kB  ${String(row.files).padStart(4)} files  ${path.basename(
      row.file,
    )}`,
  );
}
if (failed) {
  console.error('some packages lack what a consumer needs (see above)');
  process.exit(1);
}
console.log(
  'every tarball has dist, types, config schema, migrations and entries',
);
