#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages listed in scripts/apt-packages.txt that are missing.
# Uses sudo when not root. CUDA and NCCL are optional and never installed here: the build finds
# them under /usr/local/cuda (or NCCL_HOME) when present.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/apt-packages.txt")
missing=()
optional=()
for line in "${wanted[@]}"; do
  read -r pkg flag <<<"$line"
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] && continue
  if [[ "${flag:-}" == "optional" ]]; then optional+=("$pkg"); else missing+=("$pkg"); fi
done
if ((${#missing[@]} == 0 && ${#optional[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi
sudo=""
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for pkg in "${optional[@]}"; do
  echo "install-deps: installing optional $pkg"
  $sudo apt-get install -y -qq --no-install-recommends "$pkg" ||
    echo "install-deps: optional package $pkg could not be installed; tests that need it skip" >&2
done
