#!/usr/bin/env bash
# The main job: install dependencies, build Release and the dashboard (web/),
# run `wattle demo`, then serve the demo's market chain with the dashboard and
# print its address. Interactive: until Ctrl-C; otherwise for
# DASHBOARD_SECONDS (default 10; 0 skips serving). DASHBOARD_PORT: 8645.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target wattle -- -j"$(nproc)"
# The dashboard needs packages from the npm registry; without them the demo
# still runs and says the dashboard was not built.
web_built=1
if ! (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build); then
  web_built=0
  echo "demo: the dashboard (web/) did not build (npm registry unreachable?); running without it" >&2
fi

log=$(mktemp)
./build/release/wattle demo --keep "$@" | tee "$log"
base=$(sed -n 's/.*data in \(.*\))$/\1/p' "$log" | head -1)
slots=$(sed -n 's/.*signed orders placed for slots \([0-9]*\)\.\.\([0-9]*\).*/\1/p' "$log" | head -1)
rm -f "$log"
home="$base-market"
if [ -t 0 ]; then seconds=${DASHBOARD_SECONDS:-forever}; else seconds=${DASHBOARD_SECONDS:-10}; fi
if [ -z "$base" ] || [ ! -d "$home" ] || [ "$seconds" = 0 ] || [ "$web_built" = 0 ]; then
  [ -n "$base" ] && rm -rf "$base" "$home"
  exit 0
fi

port=${DASHBOARD_PORT:-8645}
./build/release/wattle node --home "$home" --rpc "127.0.0.1:$port" --web-dir web/dist --log-level warn &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; rm -rf "$base" "$home"' EXIT
for _ in $(seq 1 100); do
  if ./build/release/wattle query status --rpc "127.0.0.1:$port" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
echo
echo "== The dashboard, served by a node of the demo's market chain:"
echo "  dashboard: http://127.0.0.1:$port/"
[ -n "$slots" ] && echo "  the day's first traded slot: http://127.0.0.1:$port/market/slot/$slots"
if [ "$seconds" = forever ]; then
  echo "  Ctrl-C stops it"
  wait "$node_pid"
else
  sleep "$seconds"
fi
