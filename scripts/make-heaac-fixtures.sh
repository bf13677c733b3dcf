#!/usr/bin/env bash
# Adds HE-AAC to tests/fixtures/timing/: the impulse train of make-timing-fixtures.sh, in two
# channels, encoded by fdk-aac (Debian's ffmpeg has no HE-AAC encoder) and put in M4A by
# ffmpeg with an edit list that skips the encoder's delay, as an encoder that writes MP4
# itself marks it:
#   impulses_he.m4a           HE-AAC (SBR), 48 kbit/s, signalled implicitly (object type 2
#                             at the 24 kHz core rate: as every MP4 remuxed from ADTS)
#   impulses_he_explicit.m4a  the same, signalled explicitly (object type 5, as YouTube's and
#                             Apple's HE-AAC are)
#   impulses_he2.m4a          HE-AAC v2 (SBR and parametric stereo), 32 kbit/s, implicitly
#   impulses_he.aac           the HE-AAC stream as fdk-aac wrote it (ADTS: no delay marked)
# Needs: cargo (builds the `fdk-aac` crate, C sources included), ffmpeg, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../tests/fixtures/timing"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/enc/src"
cat > "$work/enc/Cargo.toml" <<'TOML'
[package]
name = "heaac-encode"
version = "0.1.0"
edition = "2024"
[dependencies]
fdk-aac = "0.8"
hound = "3.5"
[workspace]
TOML
cp "$here/heaac/encode.rs" "$work/enc/src/main.rs"
cargo build --quiet --release --manifest-path "$work/enc/Cargo.toml"
encode="$work/enc/target/release/heaac-encode"
ff() { ffmpeg -v error -y "$@"; }
# Half a second of silence after the train: the encoder is not flushed, and what it holds when
# the input ends (its delay) would be lost.
ff -i "$out/impulses.wav" -ac 2 -af apad=pad_dur=0.5 "$work/stereo.wav"
# The M4A whose edit list skips `delay` samples at 48 kHz.
mux() { ff -itsoffset "-$(python3 -c "print($2 / 48000)")" -i "$1" -c copy "$3"; }
delay=$("$encode" "$work/stereo.wav" "$work/he.aac" he 48)
mux "$work/he.aac" "$delay" "$out/impulses_he.m4a"
cp "$work/he.aac" "$out/impulses_he.aac"
python3 "$here/heaac/explicit-sbr.py" "$out/impulses_he.m4a" "$out/impulses_he_explicit.m4a"
delay=$("$encode" "$work/stereo.wav" "$work/he2.aac" he2 32)
mux "$work/he2.aac" "$delay" "$out/impulses_he2.m4a"
ls -l "$out"/impulses_he*
