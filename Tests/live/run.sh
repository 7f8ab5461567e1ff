#!/usr/bin/env bash
# Live tests: start the release binary on loopback and talk to it with real clients (curl).
set -euo pipefail
BIN=${1:-.build/release/hkt-serve}
echo "live tests: none yet for $BIN"
