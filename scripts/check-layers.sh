#!/usr/bin/env bash
# The dependency rules of docs/architecture.md, checked on the source text:
#   - the chain and its modules start no thread, read no clock, ask no file
#     system and include nothing above them (node, rpc, simulators, cli);
#   - the market library includes no chain, net, node or rpc header;
#   - JSON for users is produced in src/rpc (and the CLI) only; the chain
#     parses and writes its genesis document, a file format (genesis.cpp,
#     market_params.cpp, cert_params.cpp);
#   - comments point to docs/, never to files outside the repo or issues.
# Prints each offending line and exits 1 if there is any. Run by ctest
# (test "layering") and usable alone: bash scripts/check-layers.sh [ROOT].
set -uo pipefail
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT/src" || exit 2
bad=0
# rule NAME PATTERN PATHS... : every match of the extended regex PATTERN is a violation.
rule() {
  local name=$1 pattern=$2
  shift 2
  local hits
  hits=$(grep -rnE "$pattern" "$@" --include='*.h' --include='*.cpp' || true)
  if [[ -n "$hits" ]]; then
    echo "layering: $name"
    echo "$hits" | sed 's/^/  /'
    bad=1
  fi
}
rule "chain/modules start no thread" 'std::(thread|jthread|async)\b|pthread_create' chain modules
rule "chain/modules read no clock" '(system_clock|steady_clock|high_resolution_clock)::now|\btime\(nullptr\)|gettimeofday|clock_gettime' chain modules
rule "chain/modules ask no file system for space" 'statvfs|statfs' chain modules
rule "chain/modules include nothing above them" '#include "(node|rpc|cluster_sim|sim|cli|net)/' chain modules
rule "the market library is pure" '#include "(chain|modules|node|rpc|net|cluster_sim|sim|cli)/' market
rule "JSON only in rpc, cli and the genesis file format" 'nlohmann' \
  $(ls chain/*.{h,cpp} modules/*/*.{h,cpp} 2>/dev/null | grep -v -e '^chain/genesis\.' -e '^modules/energy/market_params\.' \
    -e '^modules/certificates/cert_params\.' \
    -e '^modules/staking/staking_params\.')
rule "comments cite docs/, not outside files or issues" 'DESIGN\.md|\.\./shared|[Ii]ssue #?[0-9]' . ../tests ../bench
exit $bad
