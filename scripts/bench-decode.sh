#!/usr/bin/env bash
# Decode benchmark: makes 10-minute MP3 (128k), AAC (128k, M4A), Opus (32k mono, 96k stereo)
# and Opus-in-WebM files from a 10-minute 48 kHz stereo source, then streams each through
# earwitness's decoder and prints × realtime and peak memory.
#
# Source: the devset clips concatenated and repeated to 600 s when ../shared/devset exists,
# otherwise sox-synthesised pink noise with clicks. Needs: ffmpeg, sox.
# Usage: scripts/bench-decode.sh [WORKDIR]   (files are kept in WORKDIR, default /tmp/earwitness-bench)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/earwitness-bench}"
mkdir -p "$work"
cd "$work"
if [ ! -f src10.wav ]; then
  devset="$root/../shared/devset/audio"
  if [ -d "$devset" ]; then
    i=0
    for f in "$devset"/*; do ffmpeg -v error -y -i "$f" -ar 48000 -ac 2 "part_$i.wav"; i=$((i+1)); done
    sox part_*.wav all.wav && rm part_*.wav
    sox all.wav src10.wav repeat 20 trim 0 600 && rm all.wav
  else
    sox -n -r 48000 -c 2 src10.wav synth 600 pinknoise vol 0.3
  fi
fi
ff() { [ -f "$1" ] || ffmpeg -v error -y -i src10.wav "${@:2}" "$1"; }
ff mp3_128k.mp3 -c:a libmp3lame -b:a 128k
ff aac_128k.m4a -c:a aac -b:a 128k
ff opus32k_mono.opus -ac 1 -c:a libopus -b:a 32k
ff opus96k_stereo.opus -c:a libopus -b:a 96k
ff opus96k_stereo.webm -c:a libopus -b:a 96k
files=(mp3_128k.mp3 aac_128k.m4a opus32k_mono.opus opus96k_stereo.opus opus96k_stereo.webm)
cd "$root"
cargo build --release --example decode_speed >/dev/null 2>&1
for f in "${files[@]}"; do
  # One process per file so that each peak-memory figure is that file's own.
  ./target/release/examples/decode_speed "$work/$f" | sed -n '3p;$p'
done
if cargo build --release --features ffmpeg --example decode_speed >/dev/null 2>&1; then
  echo; echo "ffmpeg backend:"
  for f in "${files[@]}"; do
    ./target/release/examples/decode_speed --backend ffmpeg "$work/$f" | sed -n '3p;$p'
  done
fi
