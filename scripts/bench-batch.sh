#!/usr/bin/env bash
# Batch benchmark: 1,000 short generated clips (5 s, 16 kHz WAV: pink noise, one clap-like
# click at a different time in each, every tenth with a shot-like bang), analysed with -j 1 and
# -j 2; prints clips per second, the speed-up, and peak memory. Needs: sox, /usr/bin/time.
# Usage: scripts/bench-batch.sh [WORKDIR] [FORMATS]   (default /tmp/earwitness-bench-batch, all)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/earwitness-bench-batch}"
formats="${2:-}"
# The bang: a pink-noise burst low-passed at 3 kHz, its energy around 400 Hz like the devset's
# shots. (A brown-noise burst puts it below 100 Hz and reads, rightly, as an explosion.) The
# clips are made again when this changes.
bang="synth 0.4 pinknoise vol 0.9 fade 0 0.4 0.38 lowpass 3000"
mkdir -p "$work/clips"
if [ "$(ls "$work/clips" | wc -l)" -lt 1000 ] || [ "$(cat "$work/bang.spec" 2>/dev/null)" != "$bang" ]; then
  sox -n -r 16000 -c 1 -b 16 "$work/noise.wav" synth 5 pinknoise vol 0.05
  sox -n -r 16000 -c 1 -b 16 "$work/click.wav" synth 0.004 whitenoise vol 0.8 fade 0 0.004 0.003
  # shellcheck disable=SC2086 # $bang is a list of sox effect arguments
  sox -n -r 16000 -c 1 -b 16 "$work/bang.wav" $bang
  echo "$bang" > "$work/bang.spec"
  for i in $(seq 0 999); do
    at=$(awk -v i="$i" 'BEGIN { printf "%.3f", 0.5 + (i % 37) * 0.1 }')
    src="$work/click.wav"; [ $((i % 10)) -eq 0 ] && src="$work/bang.wav"
    sox -m "$work/noise.wav" "|sox $src -p pad $at" "$work/clips/clip$(printf %04d "$i").wav" trim 0 5
  done
fi
cd "$root"
cargo build --release >/dev/null 2>&1
for j in 1 2; do
  rm -rf "$work/out-$j"
  /usr/bin/time -f "%e %M" ./target/release/earwitness batch "$work/clips" -o "$work/out-$j" -j "$j" \
    ${formats:+--formats "$formats"} > "$work/stdout-$j" 2> "$work/log-$j" || true
  read -r secs kb < <(tail -1 "$work/log-$j")
  awk -v j="$j" -v s="$secs" -v kb="$kb" 'BEGIN { printf "-j %d: %.1f s, %.1f clips/s, peak RSS %.0f MiB\n", j, s, 1000 / s, kb / 1024 }'
  eval "t$j=$secs"
done
awk -v a="$t1" -v b="$t2" 'BEGIN { printf "speed-up -j 2 over -j 1: %.2fx\n", a / b }'
tail -1 "$work/stdout-2"
