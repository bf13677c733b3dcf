#!/usr/bin/env bash
# Regenerates tests/fixtures/bad/: inputs that the pure-Rust build cannot decode and that need
# ffmpeg to create (the other bad inputs are made by the tests themselves).
# Needs: ffmpeg (Debian 12's 5.1, with libx264).
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/bad"
mkdir -p "$out"
cd "$out"
ff() { ffmpeg -v error -y "$@"; }
# A video with no audio track.
ff -f lavfi -i testsrc=size=64x48:rate=5:duration=1 -c:v libx264 -pix_fmt yuv420p video_only.mp4
# AC-3 audio in MP4: symphonia has no AC-3 decoder.
ff -f lavfi -i sine=f=440:d=0.5 -c:a ac3 -b:a 64k ac3_audio.mp4
# MPEG-TS with MP2 audio: symphonia has no MPEG-TS demuxer.
ff -f lavfi -i sine=f=440:d=0.5 -c:a mp2 -f mpegts ts_audio.ts
ls -l "$out"
