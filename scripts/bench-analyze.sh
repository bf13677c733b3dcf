#!/usr/bin/env bash
# analyze benchmark: a 30-minute AAC file (the 10-minute source of bench-decode.sh, tripled),
# analysed once; prints wall time, × realtime and peak resident memory (GNU time).
# That source is mostly the devset's mono clips upmixed, so about three quarters of its
# 4096-frame chunks decode with both channels equal, where the per-channel peak is not stored
# (signal::Peaks); a third run takes a copy whose channels differ everywhere (the right one at
# 0.9 of the left), the memory of a true stereo recording; a fourth gives the first one a
# transcript (a 2-s cue every 20 s), whose clock the word-onset rule checks against the speech.
# Needs: ffmpeg, sox, /usr/bin/time (Debian's `time` package).
# Usage: scripts/bench-analyze.sh [WORKDIR]   (default /tmp/earwitness-bench, shared with bench-decode.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/earwitness-bench}"
mkdir -p "$work"
if [ ! -f "$work/src10.wav" ]; then
  "$root/scripts/bench-decode.sh" "$work" >/dev/null
fi
if [ ! -f "$work/src30.m4a" ]; then
  sox "$work/src10.wav" "$work/src30.wav" repeat 2
  ffmpeg -v error -y -i "$work/src30.wav" -c:a aac -b:a 128k "$work/src30.m4a"
  rm "$work/src30.wav"
fi
if [ ! -f "$work/src30-stereo.m4a" ]; then
  ffmpeg -v error -y -i "$work/src30.m4a" -af "pan=stereo|c0=c0|c1=0.9*c1" -c:a aac -b:a 128k "$work/src30-stereo.m4a"
fi
if [ ! -f "$work/src30.srt" ]; then
  for i in $(seq 0 89); do
    s=$((i * 20 + 5))
    printf '%d\n%02d:%02d:%02d,000 --> %02d:%02d:%02d,000\nline %d\n\n' $((i + 1)) \
      $((s / 3600)) $((s / 60 % 60)) $((s % 60)) $(((s + 2) / 3600)) $(((s + 2) / 60 % 60)) $(((s + 2) % 60)) $i
  done >"$work/src30.srt"
fi
cd "$root"
cargo build --release >/dev/null 2>&1
bench() {
  local clip="$1"
  shift
  /usr/bin/time -v ./target/release/earwitness analyze "$work/$clip" -o "$work/analyze-out" "$@" 2>&1 \
    | awk '/events,/ {print} /Elapsed/ {split($NF, t, ":"); s = t[1] * 60 + t[2]; printf "wall %.2f s, %.0fx realtime\n", s, 1800 / s} /Maximum resident/ {printf "peak RSS %.0f MiB\n", $NF / 1024}'
}
echo "analysis (events.json only):"
bench src30.m4a --formats json
echo "every output (a close-up per event):"
bench src30.m4a
echo "true stereo, analysis (events.json only):"
bench src30-stereo.m4a --formats json
echo "with a transcript (its clock checked), analysis (events.json only):"
bench src30.m4a --formats json --transcript "$work/src30.srt"
