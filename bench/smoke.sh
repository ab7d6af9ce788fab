#!/usr/bin/env bash
# The benchmarks at a small size, as correctness checks in the normal test
# run (scripts/test.sh): each exits non-zero on a duplicate deploy, a failed
# deployment or a lane left behind. No figure is judged here (timings on a
# shared CI machine mean nothing); the full-size runs and their figures are
# in docs/performance.md.
#
#   bench/smoke.sh                the checks (about 4 min on two cores)
#   bench/smoke.sh --self-check   each bench again against a deploy system
#                                 that misbehaves (BENCH_FAULT, bench/lib/
#                                 harness.js); passes only if every one fails
#
# Each bench gets BENCH_SMOKE_SECONDS (default 240) of wall clock; one that
# takes longer is stopped (its backend and databases with it) and the run
# fails naming it, instead of waiting.
set -euo pipefail
cd "$(dirname "$0")/.."
# The repo's Node, whatever is first on PATH: `scripts/yarn install` built
# better-sqlite3 for it (Node 24 in .node/ on a machine with Node 20), and a
# backend started on another Node dies loading it.
. scripts/node.sh
# A backend that is not up within 2 min at this size will not come up.
export BENCH_START_TIMEOUT_MS="${BENCH_START_TIMEOUT_MS:-120000}"
limit="${BENCH_SMOKE_SECONDS:-240}"

benches=(
  "engine-pass.js --db sqlite --lanes 20 --idle-seconds 1"
  "engine-pass.js --db postgres --lanes 20 --idle-seconds 1"
  "replicas.js --lanes 20"
  "deploy-latency.js --db postgres --rounds 3 --hang-seconds 5"
  "burn-rollback.js --db sqlite --rounds 1"
  "history-flat.js --db postgres --small 200 --large 2000 --rounds 3 --services 2 --history-services 10"
)

# Runs one bench under the time limit; its exit code, 124 when it timed out.
run_bench() {
  local rc=0
  # SIGTERM first: the harness stops its backends and drops its databases.
  timeout --kill-after=30 "$limit" node bench/$1 || rc=$?
  return $rc
}

if [ "${1:-}" = --self-check ]; then
  # Every bench must notice a deploy system that saw a deployment twice;
  # the engine benches also one deployment that failed.
  failures=0
  for fault in retry fail; do
    for bench in "${benches[@]}"; do
      case "$fault:$bench" in fail:replicas* | fail:engine-pass* | retry:*) ;; *) continue ;; esac
      echo "== BENCH_FAULT=$fault node bench/$bench (must fail)"
      rc=0
      BENCH_FAULT=$fault run_bench "$bench" >/tmp/bench-self-check.$$.log 2>&1 || rc=$?
      tail -3 /tmp/bench-self-check.$$.log
      if [ "$rc" = 0 ]; then
        echo "SELF-CHECK FAILED: bench/$bench passed with BENCH_FAULT=$fault" >&2
        failures=$((failures + 1))
      elif [ "$rc" = 124 ]; then
        echo "   failed by the time limit ($limit s), not by its own check"
      else
        echo "   failed as it must (exit $rc)"
      fi
    done
  done
  rm -f /tmp/bench-self-check.$$.log
  exit $((failures > 0))
fi

for bench in "${benches[@]}"; do
  echo "== node bench/$bench"
  started=$SECONDS
  rc=0
  run_bench "$bench" || rc=$?
  if [ "$rc" = 124 ]; then
    echo "FAILED: bench/$bench did not finish within $limit s (BENCH_SMOKE_SECONDS)" >&2
    exit 1
  elif [ "$rc" != 0 ]; then
    echo "FAILED: bench/$bench exited $rc" >&2
    exit "$rc"
  fi
  echo "== ok in $((SECONDS - started)) s"
done
