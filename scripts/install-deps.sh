#!/usr/bin/env bash
# Installs every Debian package the build, tests, demo, benchmarks and fuzz build need.
# Idempotent: apt-get runs only when a package is missing. Works as root (or via sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libgloo-dev libopenblas0-openmp libdnnl-dev
  libopencv-dev opencv-data
  libcurl4-openssl-dev libssl-dev libgumbo-dev nlohmann-json3-dev libsqlite3-dev libcli11-dev
  libgtest-dev libcpp-httplib-dev
  python3-torch python3-opencv python3-numpy python3-requests python3-bs4
  clang-format
  clang libclang-rt-14-dev zlib1g-dev
  chromium
  strace
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node and npm for the dcgan serve browser test (playwright-core, installed by the build with
# npm ci): Debian's nodejs and npm, unless a node with its own npm (e.g. NodeSource's nodejs
# package, which conflicts with Debian's npm) is already there.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
