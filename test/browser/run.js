#!/usr/bin/env node
// Runs the browser suites with node's test runner, one file at a time (they
// share the portal's fixed ports).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const files = fs
  .readdirSync(__dirname)
  .filter(f => f.endsWith('.test.js'))
  .map(f => path.join(__dirname, f));
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
