#!/usr/bin/env bash
# Regenerates tests/fixtures/timing/: one 2 s, 48 kHz mono impulse train (decaying noise
# bursts at samples 12000, 28800, 48000, 65760, 86400) as WAV, then encoded by ffmpeg into
# FLAC, MP3 (LAME), M4A (AAC), Ogg Vorbis, Ogg Opus, MP4 (H.264 + AAC), WebM (VP9 + Opus),
# AIFF, CAF (ALAC), M4A (ALAC), MKV (Vorbis), AVI (MJPEG with PCM, IMA ADPCM, MP3, AAC), AMR-NB
# and AMR-WB (`.amr`, `.awb`, 3GP), MPEG-PS (DVD: MPEG-2 with MP2; CCTV: G.711), Dahua DAV
# (G.711, PCM) and
# MP4 (MP3: the sample entry's channel count is a placeholder), Ogg Opus as a voice note (the SILK speech coder, 16 kbit/s from 16 kHz), and
# Ogg Opus in pages of 0.25 s.
# Needs: python3, ffmpeg (Debian 12's 5.1 with libmp3lame, libvorbis, libopus, libx264, libvpx),
# sox (with libsox-fmt-all's AMR-NB encoder) and cargo.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/timing"
mkdir -p "$out"
cd "$out"
python3 - <<'PY'
import math, random, struct, wave
sr = 48000
x = [0.0] * (2 * sr)
random.seed(1)
for p in (12000, 28800, 48000, 65760, 86400):
    for i in range(int(0.02 * sr)):
        x[p + i] += 0.8 * math.exp(-i / (0.002 * sr)) * (random.random() * 2 - 1 if i > 0 else 1.0)
w = wave.open("impulses.wav", "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr)
w.writeframes(b"".join(struct.pack("<h", int(max(-1, min(1, v)) * 32767)) for v in x))
w.close()
PY
ff() { ffmpeg -v error -y "$@"; }
ff -i impulses.wav impulses.flac
ff -i impulses.wav -c:a libmp3lame -b:a 128k impulses.mp3
ff -i impulses.wav -c:a aac -b:a 128k impulses.m4a
ff -i impulses.wav -c:a libvorbis -q:a 4 impulses.ogg
ff -i impulses.wav -c:a libopus -b:a 64k impulses.opus
ff -i impulses.wav -c:a libopus -application voip -ar 16000 -b:a 16k impulses_voip.opus
# Pages of 0.25 s (ffmpeg's default is 1 s), so that a page lost inside has pages after it.
ff -i impulses.wav -c:a libopus -b:a 64k -page_duration 250000 impulses_pages.opus
ff -f lavfi -i testsrc=size=160x120:rate=25 -i impulses.wav -shortest \
   -c:v libx264 -pix_fmt yuv420p -c:a aac -b:a 96k impulses.mp4
ff -f lavfi -i testsrc=size=160x120:rate=25 -i impulses.wav -shortest \
   -c:v libvpx-vp9 -b:v 50k -c:a libopus -b:a 64k impulses.webm
ff -i impulses.wav impulses.aiff
ff -i impulses.wav -c:a alac impulses.caf
ff -i impulses.wav -c:a alac impulses_alac.m4a
ff -i impulses.wav -c:a libvorbis impulses_vorbis.mkv
ff -i impulses.wav -c:a libmp3lame -b:a 128k impulses_mp3.mp4
# G.711 A-law at 8 kHz and IMA ADPCM (Apple's `ima4`) in QuickTime MOV, as IP cameras and call
# recorders, and older Macs, write them: sample entries symphonia's MP4 reader lists without a
# codec (`mp4amend.rs` gives them theirs).
ff -i impulses.wav -ar 8000 -c:a pcm_alaw impulses_alaw.mov
ff -i impulses.wav -c:a adpcm_ima_qt impulses_ima4.mov
# 24-bit big-endian PCM in MOV (`in24` without an `enda` box, QuickTime's default byte order,
# as professional cameras and recorders write it), at 16 kHz to keep it small.
ff -i impulses.wav -ar 16000 -c:a pcm_s24be impulses_s24be.mov
# µ-law at 8 kHz in CAF (iOS and macOS recording apps' container), whose reader states 8 bits a
# sample, which symphonia's G.711 decoder refused.
ff -i impulses.wav -ar 8000 -c:a pcm_mulaw impulses_ulaw.caf
# Opus in CAF (as Apple's recent devices keep audio messages): ffmpeg writes no Opus header
# (magic cookie) and no priming in the packet table.
ff -i impulses.wav -c:a libopus -b:a 32k impulses_opus.caf
# The same video and audio with the audio placed 0.5 s into the file (a leading empty edit in
# MP4; the first audio block stamped 0.5 s in WebM), as editors and remuxers leave them.
ff -i impulses.mp4 -itsoffset 0.5 -i impulses.mp4 -map 0:v -map 1:a -c copy impulses_late.mp4
ff -i impulses.webm -itsoffset 0.5 -i impulses.webm -map 0:v -map 1:a -c copy impulses_late.webm
# Audio placed 3 s into a 30 fps video: 90 video blocks come before the first audio block.
ff -f lavfi -i testsrc=size=64x48:rate=30:duration=5 -c:v libvpx-vp9 -b:v 20k video5.webm
ff -i video5.webm -itsoffset 3 -i impulses.webm -map 0:v -map 1:a -c copy impulses_late3.webm
rm video5.webm
# The M4A fragmented, as streaming servers and many downloads deliver it: ffmpeg writes no
# edit list then, so the AAC priming is not marked.
ff -i impulses.m4a -c copy -movflags frag_keyframe+empty_moov+default_base_moof \
   -frag_duration 300000 impulses_frag.m4a
# The MP3 without its LAME/Xing tag, as some encoders write it: its encoder delay is unknown.
ff -i impulses.wav -c:a libmp3lame -b:a 128k -write_xing 0 impulses_noxing.mp3
# A WebM written live, as a browser's MediaRecorder writes one: its segment and clusters
# have no length.
ff -f lavfi -i testsrc=size=64x48:rate=30 -i impulses.wav -shortest -c:v libvpx-vp9 -b:v 20k \
   -c:a libopus -b:a 64k -live 1 -f webm impulses_live.webm
# Opus in WebM from a 16 kHz recording: ffmpeg states the input's rate (16000) in the track's
# SamplingFrequency; Opus decodes at 48 kHz whatever it was.
ff -i impulses.wav -ar 16000 -c:a libopus -b:a 32k impulses_16k.webm
# AAC that symphonia's AAC-LC decoder refuses: six channels (5.1, the impulses in every one)
# and the Main profile. (HE-AAC, which Debian's ffmpeg cannot encode: make-heaac-fixtures.sh.)
ff -i impulses.wav -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -c:a aac -b:a 256k impulses_51.m4a
ff -i impulses.wav -c:a aac -profile:a aac_main -b:a 96k impulses_main.m4a
# The M4A with its index first, as web servers deliver MP4 (the test cuts it short, as an
# interrupted download leaves it).
ff -i impulses.m4a -c copy -movflags +faststart impulses_faststart.m4a
# The same in MPEG-TS (only the ffmpeg backend reads it): symphonia's probe would find the
# ADTS headers inside its packets and read it as raw AAC.
ff -i impulses.mp4 -itsoffset 0.5 -i impulses.mp4 -map 0:v -map 1:a -c copy impulses_late.ts
# AVI, as dashcams, CCTV recorders and older body cameras write it: MJPEG video with PCM, IMA
# ADPCM, MP3 or AAC audio (AVI marks no encoder delay: the MP3's and AAC's is decoded as audio).
for a in pcm:pcm_s16le adpcm:adpcm_ima_wav mp3:libmp3lame aac:aac; do
  ff -f lavfi -i testsrc=size=32x24:rate=5 -i impulses.wav -shortest -c:v mjpeg -q:v 31 \
     -c:a "${a#*:}" -b:a 64k "impulses_${a%%:*}.avi"
done
# An MPEG program stream as DVD video writes it (MPEG-2 video, MP2 audio split across
# 2 KB packs).
ff -f lavfi -i testsrc=size=32x24:rate=5 -i impulses.wav -shortest -c:v mpeg2video -q:v 31 \
   -c:a mp2 -b:a 64k -f vob impulses_mp2.vob
# G.711 in program streams as CCTV recorders and cameras write them (GB/T 28181's stream
# types): A-law (0x90) behind Hikvision's 40-byte `IMKH` header, named `.mp4` as their exports
# are, with a private-data packet in private stream 1; and µ-law (0x91) without it. H.264
# video at 25 fps (each packet an access unit delimiter: the reader looks only at its time
# stamps), the audio in packets of 40 ms (320 bytes), both stamped from 1.4 s.
sox impulses.wav -D -r 8000 -e a-law -t al impulses_8k.al
sox impulses.wav -D -r 8000 -e u-law -t ul impulses_8k.ul
python3 - <<'PY'
import struct, zlib
def stamp(pts):
    return bytes([0x21 | ((pts >> 29) & 0x0E), (pts >> 22) & 0xFF, ((pts >> 14) & 0xFE) | 1,
                  (pts >> 7) & 0xFF, ((pts << 1) & 0xFE) | 1])
def pes(sid, pts, payload):
    body = bytes([0x80, 0x80, 5]) + stamp(pts) + payload
    return b"\0\0\1" + bytes([sid]) + struct.pack(">H", len(body)) + body
def pack(scr):
    base = scr & ((1 << 33) - 1)
    return b"\0\0\1\xba" + bytes([
        0x44 | ((base >> 27) & 0x38) | ((base >> 28) & 3), (base >> 20) & 0xFF,
        ((base >> 12) & 0xF8) | 4 | ((base >> 13) & 3), (base >> 5) & 0xFF,
        ((base << 3) & 0xF8) | 4, 1, 0x01, 0x89, 0xC3, 0xF8])
def psm(audio_type):
    es = bytes([0x1B, 0xE0, 0, 0, audio_type, 0xC0, 0, 0])
    body = bytes([0x80, 0x01, 0, 0]) + struct.pack(">H", len(es)) + es
    crc = zlib.crc32(b"\0\0\1\xbc" + body)  # a placeholder: readers do not check it
    body += struct.pack(">I", crc)
    return b"\0\0\1\xbc" + struct.pack(">H", len(body)) + body
def write(name, raw, audio_type, hikvision):
    start = 126000
    out = bytearray()
    if hikvision:
        out += b"IMKH" + bytes([1, 1, 0, 0, 2, 0, 0, 1, 0x10, 0x71, 1, 8, 0x40, 0x1F]) + bytes(22)
    for k, at in enumerate(range(0, len(raw), 320)):
        pts = start + k * 3600
        out += pack(pts)
        if k % 25 == 0:
            out += psm(audio_type)
            if hikvision:
                out += pes(0xBD, pts, bytes([0x81, 0x20, 0, 0x0B, 0x77]) + bytes(11))
        out += pes(0xE0, pts, bytes([0, 0, 0, 1, 9, 0xF0]))
        out += pes(0xC0, pts, raw[at:at + 320])
    out += b"\0\0\1\xb9"
    open(name, "wb").write(out)
write("impulses_g711a.mp4", open("impulses_8k.al", "rb").read(), 0x90, True)
write("impulses_g711u.mpg", open("impulses_8k.ul", "rb").read(), 0x91, False)
PY
# Dahua's DAV (no encoder writes it but their recorders; laid out as ffmpeg's demuxer reads
# it): A-law at 8 kHz in 40 ms frames beside H.264 at 25 fps, the recorder's clock from
# 2024-05-17 14:03:58.700 and its millisecond counter turning over (65,536) 0.8 s in; and
# 16-bit PCM at 16 kHz behind the 1 KB `DAHUA` header some exports have.
sox impulses.wav -D -r 16000 -b 16 -e signed -t raw impulses_16k.s16
python3 - <<'PY'
import struct
def date(t):
    s = 14 * 3600 + 3 * 60 + 58 + int(t)
    return (24 << 26) | (5 << 22) | (17 << 17) | (s // 3600 << 12) | (s // 60 % 60 << 6) | s % 60
def frame(kind, n, t, ext, payload):
    length = 24 + len(ext) + len(payload) + 8
    ms = (64_736 + round(t * 1000)) % 65_536
    h = b"DHAV" + bytes([kind, 0, 0, 0]) + struct.pack("<III", n, length, date(t + 0.7))
    h += struct.pack("<H", ms) + bytes([len(ext), sum(h) & 0xFF])
    return h + ext + payload + b"dhav" + struct.pack("<I", length)
def write(name, raw, codec, rate_index, step, head=b""):
    out = bytearray(head)
    n = 0
    for k, at in enumerate(range(0, len(raw), step)):
        t = k * 0.04
        video_ext = bytes([0x80, 0, 20, 15, 0x81, 0, 8, 25])
        out += frame(0xFD if k % 25 == 0 else 0xFC, n, t, video_ext, bytes([0, 0, 0, 1, 9, 0xF0]))
        out += frame(0xF0, n + 1, t, bytes([0x83, 1, codec, rate_index]), raw[at:at + step])
        n += 2
    open(name, "wb").write(out)
write("impulses_g711a.dav", open("impulses_8k.al", "rb").read(), 0x0E, 0, 320)
write("impulses_pcm16k.dav", open("impulses_16k.s16", "rb").read(), 0x10, 4, 1280,
      b"DAHUA" + bytes(0x400 - 5))
PY
rm -f impulses_8k.al impulses_8k.ul impulses_16k.s16
# AMR, as call recorders, older phones' voice recorders and their 3GP videos write it: AMR-NB
# at 12.2 kbit/s with discontinuous transmission (sox, through libopencore-amrnb) as `.amr`
# and in a 3GP with H.263 video; AMR-WB at 23.85 kbit/s (examples/amr_encode.rs: Debian's
# ffmpeg and sox have no AMR-WB encoder) as `.awb` and in a 3GP.
sox impulses.wav -r 8000 -t amr-nb -C 7 impulses_nb.amr
ff -f lavfi -i testsrc=size=128x96:rate=5 -i impulses_nb.amr -shortest -c:v h263 -q:v 31 \
   -c:a copy impulses_amr.3gp
tmp16k="$(mktemp --suffix .wav)"
sox impulses.wav -r 16000 -b 16 "$tmp16k"
(cd "$out/../../.." && cargo run -q --release --example amr_encode -- "$tmp16k" "$out/impulses_wb.awb" wb)
rm -f "$tmp16k"
ff -i impulses_wb.awb -c copy impulses_wb.3gp
# Chained Ogg streams: the same recording twice, joined end to end as `cat` joins them.
cat impulses.opus impulses.opus > impulses_chained.opus
cat impulses.ogg impulses.ogg > impulses_chained.ogg
# The M4A cut without re-encoding, as an editor saving in place does: its edit list presents
# the recording's 0-1.0 s, then 1.5-2.0 s (so the impulse at 1.8 s plays at 1.3 s).
python3 - <<'PY'
import struct
b = bytearray(open("impulses.m4a", "rb").read())
def boxes(lo, hi, path):
    while lo + 8 <= hi:
        size, kind = struct.unpack(">I4s", b[lo:lo + 8])
        yield lo, size, path + [kind]
        if kind in (b"moov", b"trak", b"edts"):
            yield from boxes(lo + 8, lo + size, path + [kind])
        lo += size
found = {tuple(p): (at, size) for at, size, p in boxes(0, len(b), [])}
elst_at, elst_size = found[(b"moov", b"trak", b"edts", b"elst")]
mvhd_at, _ = found[(b"moov", b"mvhd")]
movie_ts = struct.unpack(">I", b[mvhd_at + 20:mvhd_at + 24])[0]
priming = struct.unpack(">i", b[elst_at + 20:elst_at + 24])[0]
entry = lambda dur_s, start_s: struct.pack(">IiI", round(dur_s * movie_ts), priming + round(start_s * 48000), 0x10000)
elst = struct.pack(">I4sII", 40, b"elst", 0, 2) + entry(1.0, 0.0) + entry(0.5, 1.5)
grow = len(elst) - elst_size
for p in [(b"moov",), (b"moov", b"trak"), (b"moov", b"trak", b"edts")]:
    at = found[p][0]
    b[at:at + 4] = struct.pack(">I", found[p][1] + grow)
assert found[(b"mdat",)][0] < found[(b"moov",)][0], "chunk offsets would move"
open("impulses_cut.m4a", "wb").write(b[:elst_at] + elst + b[elst_at + elst_size:])
PY
# Finished files whose unfinished copies tests/timing.rs makes (cut before `moov`, the `mdat`
# size never written, as a phone that lost power leaves a recording): HEVC with stereo AAC at
# 44.1 kHz in QuickTime (as Apple's phones record), and AAC at 16 kHz alone (a voice recorder).
ff -f lavfi -i testsrc=size=160x120:rate=30 -i impulses.wav -shortest \
   -c:v libx265 -x265-params log-level=error -pix_fmt yuv420p -tag:v hvc1 \
   -c:a aac -b:a 96k -ar 44100 -ac 2 impulses_hevc.mov
ff -i impulses.wav -c:a aac -b:a 32k -ar 16000 impulses_16k.m4a
ls -l "$out"
