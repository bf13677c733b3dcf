#!/usr/bin/env bash
# Regenerates tests/fixtures/bad/ and tests/fixtures/meta/: inputs that the pure-Rust build cannot decode and that need
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
# AC-3 first, then AAC (a film or a phone video with a surround or spatial track first).
ff -f lavfi -i sine=f=440:d=0.5 -f lavfi -i sine=f=880:d=0.5 -map 0:a -map 1:a \
   -c:a:0 ac3 -b:a:0 64k -c:a:1 aac -b:a:1 32k ac3_then_aac.mp4
# MPEG-TS with MP2 audio: symphonia has no MPEG-TS demuxer.
ff -f lavfi -i sine=f=440:d=0.5 -c:a mp2 -f mpegts ts_audio.ts
# MPEG-PS with MP2 audio (a DVD's or an old camcorder's .mpg): symphonia's probe found MPEG
# audio sync words among its packs, then decoded nothing.
ff -f lavfi -i sine=f=440:d=0.5 -c:a mp2 -f mpeg ps_audio.mpg
# MP2 in mono at 384 kbit/s, which the standard does not allow in mono and ffmpeg's encoder
# writes (its default rate): symphonia's reader refuses every frame, or locks onto a false one.
ff -f lavfi -i sine=f=440:d=0.5 -ac 1 -c:a mp2 -b:a 384k mono_384k.mp2
# GSM 6.10 in WAV (a call recorder's format): a WAV symphonia refuses for its codec.
ff -f lavfi -i sine=f=440:d=1 -ar 8000 -ac 1 -c:a gsm_ms gsm_audio.wav
ls -l "$out"

# Metadata fixtures (tests/fixtures/meta): a phone-style MOV with QuickTime `mdta` keys, and
# an MP4 with a 3GPP `loci` location box.
meta="$out/../meta"
mkdir -p "$meta"
cd "$meta"
ff -f lavfi -i testsrc=size=64x48:rate=30:duration=0.5 -f lavfi -i sine=f=440:d=0.5 \
   -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 32k -movflags use_metadata_tags \
   -metadata com.apple.quicktime.make=Apple -metadata com.apple.quicktime.model="iPhone 12" \
   -metadata com.apple.quicktime.location.ISO6709="+50.4501+030.5234+150.000/" \
   -metadata com.apple.quicktime.creationdate="2022-03-01T10:15:00+0200" \
   -metadata creation_time="2022-03-01T08:15:00Z" phone.mov
ff -f lavfi -i sine=f=440:d=0.5 -c:a aac -b:a 32k -metadata location="+50.4501+030.5234/" \
   -metadata creation_time="2022-03-01T08:15:00Z" loc.mp4
# A field recorder's Broadcast Wave file: `bext` (originator, origination date and time, the
# first sample at 10:15:00 on the recorder's clock) and a LIST/INFO comment.
ff -f lavfi -i sine=f=440:d=0.2 -ar 16000 -ac 1 -c:a pcm_s16le -write_bext 1 \
   -metadata originator="Field recorder" -metadata origination_date=2022-03-01 \
   -metadata origination_time=10:15:00 -metadata time_reference=590400000 \
   -metadata comment="checkpoint 4" -fflags +bitexact recorder.wav
# Two audio streams (a second microphone, a commentary): the first is analysed unless
# `--audio-stream 1` asks for the other, and a warning names the one not analysed.
ff -f lavfi -i sine=f=440:d=0.5 -f lavfi -i sine=f=880:d=0.5 -map 0:a -map 1:a -c:a aac -b:a 32k \
   -metadata:s:a:0 language=eng -metadata:s:a:1 language=ukr -metadata:s:a:1 handler_name=Commentary \
   two_audio.mp4
# A subtitle stream before the audio (a film with captions, re-muxed): the audio is stream 1, as
# ffprobe counts, in the report, the warning and `--audio-stream`.
printf '1\n00:00:00,000 --> 00:00:00,400\nGet up!\n' > subs.srt
ff -i subs.srt -f lavfi -i sine=f=440:d=0.5 -map 0 -map 1:a -c:s srt -c:a flac subs_first.mkv
rm subs.srt
ls -l "$meta"
