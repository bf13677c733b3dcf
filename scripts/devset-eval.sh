#!/usr/bin/env bash
# The devset figures of docs/detection-notes.md in one command: `earwitness analyze` on every
# clip of the devset (events.json only), then `earwitness evaluate` (the same numbers as the
# devset's score.py, breakdowns included).
# Usage: scripts/devset-eval.sh [OUT] [analyze options...]
#   e.g. scripts/devset-eval.sh /tmp/dev --burst-followers
# DEVSET (default ../shared/devset) holds audio/ and labels/.
# TRANSCRIPTS=1 also gives each clip its captions, as an investigator would: the shifted SRT
# where the devset has one, else the plain one, with `--sync auto` (clips without speech have
# none).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
devset="${DEVSET:-$root/../shared/devset}"
out="${1:-/tmp/earwitness-devset}"
shift || true
cd "$root"
cargo build --release >/dev/null 2>&1
rm -rf "$out"
mkdir -p "$out"
for clip in "$devset"/audio/*; do
  stem="$(basename "${clip%.*}")"
  captions=()
  if [ -n "${TRANSCRIPTS:-}" ]; then
    for srt in "$devset/labels/$stem.shifted.srt" "$devset/labels/$stem.srt"; do
      if [ -f "$srt" ]; then
        captions=(--transcript "$srt" --sync auto)
        break
      fi
    done
  fi
  if ! ./target/release/earwitness analyze "$clip" -o "$out/$stem" --formats json "${captions[@]}" "$@" >/dev/null 2>"$out/$stem.err"; then
    echo "failed: $clip ($(tail -1 "$out/$stem.err"))" >&2
  fi
  rm -f "$out/$stem.err"
done
./target/release/earwitness evaluate --labels "$devset/labels" --pred "$out"
