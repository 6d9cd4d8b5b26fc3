#!/usr/bin/env bash
# Checks the Debian packages dwsim builds with; installs the missing ones with
# apt-get when run as root, or prints the exact apt-get line otherwise.
# Quiet when everything is present. Exit 2 if packages are missing and cannot
# be installed.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config libboost-dev librapidcheck-dev nlohmann-json3-dev libgtest-dev libpqxx-dev librdkafka-dev curl)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "dwsim: missing Debian packages: ${missing[*]}" >&2
  echo "dwsim: install them with:  sudo apt-get update && sudo $line" >&2
  exit 2
fi
echo "dwsim: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >&2 || ! apt-get install -y -qq "${missing[@]}" >&2; then
  echo "dwsim: apt-get failed; run by hand:  apt-get update && $line" >&2
  exit 2
fi
