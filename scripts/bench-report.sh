#!/usr/bin/env bash
# Report benchmark: a 30-minute clip with 50 shots (the demo's shot, 1 s, after 35 s of pink
# noise, 50 times), analysed with only events.json and then with every output; prints the
# time and peak memory of each, the report time as a share of the analysis, and the size of
# report.html. Needs: sox, ffmpeg, /usr/bin/time.
# Usage: scripts/bench-report.sh [WORKDIR]   (default /tmp/earwitness-bench-report)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/earwitness-bench-report}"
mkdir -p "$work"
if [ ! -f "$work/r50.m4a" ]; then
  sox -n -r 48000 -c 1 -b 16 "$work/noise.wav" synth 35 pinknoise vol 0.05
  ffmpeg -v error -y -ss 2.5 -t 1.0 -i "$root/samples/demo.mp4" -ac 1 -ar 48000 -c:a pcm_s16le "$work/shot.wav"
  sox "$work/noise.wav" "$work/shot.wav" "$work/seg.wav"
  sox "$work/seg.wav" "$work/r50.wav" repeat 49
  ffmpeg -v error -y -i "$work/r50.wav" -c:a aac -b:a 128k "$work/r50.m4a"
  rm "$work/noise.wav" "$work/seg.wav" "$work/r50.wav"
fi
cd "$root"
cargo build --release >/dev/null 2>&1
run() {
  /usr/bin/time -f "%e %M" ./target/release/earwitness analyze "$work/r50.m4a" -o "$work/out-$1" "${@:2}" \
    2> "$work/time-$1" > "$work/stdout-$1"
  read -r secs kb < <(tail -1 "$work/time-$1")
  echo "$secs $kb"
}
read -r t_json m_json < <(run json --formats json)
read -r t_all m_all < <(run all)
head -1 "$work/stdout-all"
awk -v a="$t_json" -v b="$t_all" -v ma="$m_json" -v mb="$m_all" 'BEGIN {
  printf "analysis (events.json only): %.2f s, %.0fx realtime, peak RSS %.0f MiB\n", a, 1800 / a, ma / 1024;
  printf "every output: %.2f s, peak RSS %.0f MiB; reports took %.2f s = %.0f%% of the analysis\n", b, mb / 1024, b - a, 100 * (b - a) / a }'
echo "report.html: $(stat -c %s "$work/out-all/report.html") bytes"
