#!/usr/bin/env bash
# The benchmarks at a small size, as correctness checks in the normal test
# run: each exits non-zero on a duplicate deploy or a lane left behind. No
# figure is judged here (timings on a shared CI machine mean nothing); the
# full-size runs and their figures are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
node bench/engine-pass.js --db sqlite --lanes 20 --idle-seconds 1
node bench/engine-pass.js --db postgres --lanes 20 --idle-seconds 1
node bench/replicas.js --lanes 20
node bench/deploy-latency.js --db postgres --rounds 3 --hang-seconds 5
node bench/burn-rollback.js --db sqlite --rounds 1
node bench/history-flat.js --db postgres --small 200 --large 2000 --rounds 3 --services 2 --history-services 10
