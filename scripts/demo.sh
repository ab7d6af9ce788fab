#!/usr/bin/env bash
# Installs dependencies and starts the demo portal (frontend :3000, backend :7007)
# on in-memory SQLite with the demo catalog. Nothing else needs to run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Node 22+ (Node 24 fetched into .node/ when the machine's is older).
. scripts/node.sh
scripts/yarn install --immutable
exec scripts/yarn start
