#!/usr/bin/env bash
# Installs Wattle's build and test dependencies from Debian 12 packages.
# Idempotent: does nothing when everything is already installed.
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  clang-14 libclang-rt-14-dev clang-format
  libsodium-dev librocksdb-dev libboost-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  libtomlplusplus-dev chromium
)

# The dashboard (web/) builds with Node and npm: Debian's packages unless a
# node is already installed (any Node >= 18 works; docs/dashboard.md).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
