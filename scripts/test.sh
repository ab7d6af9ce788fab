#!/usr/bin/env bash
# Installs everything the tests need and runs every test: type check, lint,
# unit/integration/API tests on SQLite and PostgreSQL, then the slow suites
# (real Prometheus/Alertmanager, browser, the adopter test) last.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true
# Everything below runs on Node 22+ (Node 24 fetched into .node/ when older).
. scripts/node.sh
echo "== node $(node --version)"

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    else
      sudo apt-get update -qq
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
  fi
}

echo "== system packages"
apt_install chromium prometheus prometheus-alertmanager

echo "== install"
scripts/yarn install --immutable

echo "== type check"
scripts/yarn tsc

echo "== OpenAPI: spec valid, generated typed router up to date"
node scripts/generate-openapi-router.js --check plugins/promotion-backend
# repo-tools imports the generated router.ts: load it through the CLI's transform.
NODE_OPTIONS="--require $PWD/node_modules/@backstage/cli/config/nodeTransform.cjs" \
  scripts/yarn backstage-repo-tools repo schema openapi validate

echo "== API reports (a change to the public surface updates report*.api.md)"
# Fatal: a change to the public surface must come with its report. API
# Extractor prints the members of some inferred unions in an order that
# depends on the type checker's history, so generate the committed reports in
# a fresh clone (as CI runs), not in a worked-in tree.
scripts/yarn build:api-reports:check

echo "== lint"
scripts/yarn lint:all

echo "== build and pack every plugin package, check what a consumer receives"
PACK_DIR="$(mktemp -d -t promotion-packs-XXXXXX)"
node scripts/pack-plugins.js "$PACK_DIR"

echo "== unit, store and API tests (SQLite + PostgreSQL)"
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
# In band: no Jest worker processes to be torn down under load, so no
# "worker process has failed to exit gracefully" noise; the wall time on two
# cores is close to the parallel run.
scripts/yarn backstage-cli repo test --runInBand

echo "== benchmarks at a small size (correctness only: no duplicate or failed deploy, no lane left behind)"
bench/smoke.sh

echo "== browser tests"
node test/browser/run.js

echo "== adopter test: the packed tarballs in a fresh Backstage app (test/adopter)"
node test/adopter/run.js "$PACK_DIR"
