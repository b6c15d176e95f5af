#!/usr/bin/env bash
# Fresh machine -> all tests: installs the Debian packages, builds, runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests
swift test
