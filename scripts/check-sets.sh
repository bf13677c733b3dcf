#!/usr/bin/env bash
# The scene sets kept for checking, made and scored in one command: the devset, three Freedoom
# sets (scripts/make-freedoom-scenes.py, seeds 11, 22, 33), three OpenArena sets
# (scripts/make-openarena-scenes.py, seeds 41 and 42, and 43 with --unseen: only sound files the
# devset does not use), and two sets of modelled sounds through the devset's codecs and recorder
# effects (scripts/make-synthetic-scenes.py, seeds 51 and 52), and Freedoom 11 and OpenArena 41
# put through those effects and codecs (scripts/recode-set.py, seeds 111 and 141: fd11r, oa41r),
# 60 clips each, each scored by scripts/devset-eval.sh. One line per set:
# impulsive-event P / R / F1, gunshot P / R / F1, false gunshots per minute on its clips
# without a shot.
# Usage: scripts/check-sets.sh [OUT] [analyze options...]
# The sets are made once under OUT/sets (the sound packages are downloaded there: the vizdoom
# wheel from PyPI, openarena-data with apt-get download) and kept for the next run; predictions
# go to OUT/pred. Needs python3 with numpy, scipy and soundfile, espeak-ng, ffmpeg and dpkg-deb.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/earwitness-check}"
shift || true
mkdir -p "$out/sets" "$out/pred"
# A set is made in a folder of its own and renamed into place only when complete, so a run
# cut short never leaves a half-made set for the next one to score.
make_set() {
  local name="$1" script="$2" seed="$3"
  shift 3
  if [ ! -d "$out/sets/$name" ]; then
    rm -rf "$out/sets/$name.partial"
    python3 "$root/scripts/$script" "$out/sets/$name.partial" "$seed" 60 "$@" >/dev/null
    mv "$out/sets/$name.partial" "$out/sets/$name"
  fi
}
make_set fd11 make-freedoom-scenes.py 11
make_set fd22 make-freedoom-scenes.py 22
make_set fd33 make-freedoom-scenes.py 33
make_set oa41 make-openarena-scenes.py 41
make_set oa42 make-openarena-scenes.py 42
make_set oa43u make-openarena-scenes.py 43 --unseen
make_set sy51 make-synthetic-scenes.py 51
make_set sy52 make-synthetic-scenes.py 52
recode_set() {
  local name="$1" src="$2" seed="$3"
  if [ ! -d "$out/sets/$name" ]; then
    rm -rf "$out/sets/$name.partial"
    python3 "$root/scripts/recode-set.py" "$out/sets/$src" "$out/sets/$name.partial" "$seed" >/dev/null
    mv "$out/sets/$name.partial" "$out/sets/$name"
  fi
}
recode_set fd11r fd11 111
recode_set oa41r oa41 141
summary() {
  grep -E '^\((a|b|d)\)' | sed -E 's/\(TP=[^)]*\)//; s/\(all detections[^)]*\)//; s/^\(a\) impulsive events */events /; s/^\(b\) gunshots */gunshots /; s/^\(d\) false gunshots\/min on no-gunshot clips = */false gunshots\/min /' | tr -s ' ' | paste -sd '|' -
}
printf '%-6s %s\n' devset "$("$root/scripts/devset-eval.sh" "$out/pred/devset" "$@" | summary)"
for set in fd11 fd22 fd33 oa41 oa42 oa43u sy51 sy52 fd11r oa41r; do
  printf '%-6s %s\n' "$set" "$(DEVSET="$out/sets/$set" "$root/scripts/devset-eval.sh" "$out/pred/$set" "$@" | summary)"
done
