#!/usr/bin/env bash
# The main job: install dependencies, build Release, run `wattle demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target wattle -- -j"$(nproc)"
./build/release/wattle demo "$@"
