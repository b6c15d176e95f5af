#!/usr/bin/env bash
# Installs the Debian packages asr builds against, if any is missing, and checks for Swift.
# Usage: bash scripts/install-deps.sh [extra-package ...]
# With ASR_MPI=1 it also installs Open MPI (libopenmpi-dev openmpi-bin), for `mpirun -np N asr train`.
set -euo pipefail
packages=(libsndfile1-dev libfftw3-dev libopenblas-dev libsamplerate0-dev libdnnl-dev pkg-config "$@")
if [ "${ASR_MPI:-}" = "1" ]; then packages+=(libopenmpi-dev openmpi-bin); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
  echo "error: no Swift toolchain on PATH; asr needs Swift 6 (https://www.swift.org/install/linux/)" >&2
  exit 1
fi
