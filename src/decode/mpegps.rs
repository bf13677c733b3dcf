//! MPEG program streams read in pure Rust: MPEG-1 and MPEG-2 system streams (`.mpg`, `.mpeg`),
//! DVD video (`.vob`) and camcorders' `.mod`/`.tod` files, whose MPEG audio (MP2, MP3) or AAC
//! is read by symphonia's own readers, on the timeline its time stamps give.
//!
//! A program stream is a run of packs, each a pack header and PES packets, every one with a
//! start code and a length (ISO/IEC 13818-1, 2.5; ISO/IEC 11172-1 for MPEG-1's headers): the
//! walk goes from start code to start code, gathers the first audio stream's payloads and time
//! stamps into the same [`Layout`] the transport-stream reader makes, and `mpegts.rs` does the
//! rest (the elementary stream read by symphonia, the stamps' gaps filled with silence, the
//! start against the earliest stamp). A program stream map (`0xBC`), where there is one, says
//! what each stream is (AAC, H.264, ...); without one, the stream ids say (0xC0-0xDF MPEG
//! audio, 0xE0-0xEF video), and DVD's private stream 1 is told by its sub-stream byte (AC-3,
//! DTS, LPCM: named, and left to the ffmpeg backend). CCTV recorders' and cameras' program
//! streams (GB/T 28181's stream types; Hikvision's exports behind their `IMKH` header) carry
//! G.711, read as a WAV's data. Damaged bytes between packets are searched past for the next
//! pack or audio packet.
//!
//! Written by hand for the reason `mpegts.rs` gives: symphonia 0.6 reads no program stream
//! (its probe found MPEG audio sync words among the packs and then decoded nothing).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::common::FourCc;
use symphonia::core::formats::{FormatId, FormatInfo};

use super::mpegts::{Es, Kind, Layout, Pes, unwrap_pts};
use super::splice::Opened;
use crate::error::Result;

/// Start codes read before the walk stops (a two-hour DVD has about two million packets).
pub const MAX_PACKETS: u64 = 100_000_000;
/// Bytes searched for the next start code after damage before the rest of the file is given up.
pub const MAX_RESYNC_BYTES: u64 = 64 << 20;

const PACK: u8 = 0xBA;
const PROGRAM_STREAM_MAP: u8 = 0xBC;
const PRIVATE_STREAM_1: u8 = 0xBD;
const END: u8 = 0xB9;

/// How far into the file the first pack header is looked for behind Hikvision's header (40
/// bytes in the files seen; ffmpeg too looks for the pack rather than trusting a length).
const HIKVISION_HEADER_MAX: usize = 512;

/// Where the program stream that `head` opens starts: at 0 (a pack header), or behind the
/// `IMKH` header that Hikvision's recorders and cameras put before the program stream of the
/// files they export (often named `.mp4`).
pub(crate) fn program_stream_start(head: &[u8]) -> Option<u64> {
    let pack = [0, 0, 1, PACK];
    if head.starts_with(&pack) {
        return Some(0);
    }
    if !head.starts_with(b"IMKH") {
        return None;
    }
    let within = head.get(..HIKVISION_HEADER_MAX + 4).unwrap_or(head);
    within.windows(4).position(|w| w == pack).map(|p| p as u64)
}

/// Whether `head` opens an MPEG program stream (a pack header), Hikvision's header allowed.
pub(crate) fn is_program_stream(head: &[u8]) -> bool {
    program_stream_start(head).is_some()
}

/// What the audio stream types of GB/T 28181 (the Chinese standard for video surveillance
/// networks, whose program streams CCTV recorders and cameras write, Hikvision's and Dahua's
/// among them) say: G.711 (0x90, A-law), µ-law G.711 (0x91, as Hikvision and ffmpeg read it),
/// G.722.1, G.723.1, G.729 and SVAC audio. `None` for the types of ISO/IEC 13818-1.
fn surveillance_kind(stream_type: u8) -> Option<Kind> {
    Some(match stream_type {
        0x90 => Kind::Wave {
            tag: super::mpegts::WAVE_ALAW,
            bits: 8,
        },
        0x91 => Kind::Wave {
            tag: super::mpegts::WAVE_MULAW,
            bits: 8,
        },
        0x92 => Kind::OtherAudio("g722_1", super::mpegts::CODEC_ID_G722_1),
        0x93 => Kind::OtherAudio("g723_1", super::mpegts::CODEC_ID_G723_1),
        0x99 => Kind::OtherAudio("g729", super::mpegts::CODEC_ID_G729),
        0x9B => Kind::OtherAudio("svac_audio", super::mpegts::CODEC_ID_SVAC_AUDIO),
        _ => return None,
    })
}

/// What DVD's private stream 1 carries, by its first payload byte (the sub-stream id).
fn private_kind(sub: u8) -> Kind {
    match sub {
        0x80..=0x87 => Kind::OtherAudio("ac3", wa::CODEC_ID_AC3),
        0x88..=0x8F => Kind::OtherAudio("dts", wa::CODEC_ID_DCA),
        0xA0..=0xAF => Kind::OtherAudio("pcm_dvd", super::mpegts::CODEC_ID_PCM_DVD),
        _ => Kind::Data,
    }
}

/// The stream types a program stream map gives: (stream id, stream type), in its order.
fn stream_map(b: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let Some(info_len) = b
        .get(8..10)
        .map(|x| usize::from(u16::from_be_bytes([x[0], x[1]])))
    else {
        return out;
    };
    let at = 10 + info_len;
    let Some(map_len) = b
        .get(at..at + 2)
        .map(|x| usize::from(u16::from_be_bytes([x[0], x[1]])))
    else {
        return out;
    };
    let mut p = at + 2;
    let end = (p + map_len).min(b.len());
    while p + 4 <= end {
        out.push((b[p + 1], b[p]));
        p += 4 + usize::from(u16::from_be_bytes([b[p + 2], b[p + 3]]));
    }
    out
}

/// The PTS and the length of the PES header that opens `b` (a whole PES packet, start code
/// included), MPEG-2's or MPEG-1's; `None` when it is neither.
fn pes_header(b: &[u8]) -> Option<(Option<i64>, usize)> {
    let pts_at = |p: &[u8]| {
        Some(
            i64::from((p.first()? >> 1) & 7) << 30
                | i64::from(*p.get(1)?) << 22
                | i64::from(p.get(2)? >> 1) << 15
                | i64::from(*p.get(3)?) << 7
                | i64::from(p.get(4)? >> 1),
        )
    };
    if b.get(6)? & 0xC0 == 0x80 {
        let len = 9 + usize::from(*b.get(8)?);
        let pts = if b[7] & 0x80 != 0 {
            pts_at(b.get(9..)?)
        } else {
            None
        };
        return (len <= b.len()).then_some((pts, len));
    }
    // MPEG-1: stuffing, an optional buffer size, then the time stamps' marker bits.
    let mut p = 6;
    while *b.get(p)? == 0xFF && p < 6 + 16 {
        p += 1;
    }
    if b.get(p)? & 0xC0 == 0x40 {
        p += 2;
    }
    let m = *b.get(p)?;
    match m >> 4 {
        0x2 => Some((pts_at(b.get(p..)?), p + 5)),
        0x3 => Some((pts_at(b.get(p..)?), p + 10)),
        _ if m == 0x0F => Some((None, p + 1)),
        _ => None,
    }
}

/// The next place at or after `from` where a pack header or an audio or video PES packet
/// starts, read through `r`, which is left there.
fn resync(r: &mut BufReader<impl Read + Seek>, from: u64, len: u64) -> Option<u64> {
    r.seek(SeekFrom::Start(from)).ok()?;
    let mut window = [0xFFu8; 4];
    let mut pos = from;
    let stop = len.min(from.saturating_add(MAX_RESYNC_BYTES));
    let mut byte = [0u8; 1];
    while pos < stop {
        r.read_exact(&mut byte).ok()?;
        window = [window[1], window[2], window[3], byte[0]];
        pos += 1;
        if window[..3] == [0, 0, 1] && matches!(window[3], PACK | PRIVATE_STREAM_1 | 0xC0..=0xEF) {
            let at = pos - 4;
            r.seek(SeekFrom::Start(at)).ok()?;
            return Some(at);
        }
    }
    None
}

/// Walks the program stream `r` of `len` bytes.
pub(crate) fn layout(r: &mut (impl Read + Seek), len: u64) -> Layout {
    let mut out = Layout {
        walked: super::mpegts::Walked::Program,
        ..Layout::default()
    };
    let mut head = Vec::with_capacity(HIKVISION_HEADER_MAX + 4);
    if r.seek(SeekFrom::Start(0)).is_err()
        || (&mut *r)
            .take(HIKVISION_HEADER_MAX as u64 + 4)
            .read_to_end(&mut head)
            .is_err()
    {
        return out;
    }
    let start = program_stream_start(&head).unwrap_or(0);
    // Behind Hikvision's header (the only one a program stream is found behind).
    let hikvision = start != 0;
    if r.seek(SeekFrom::Start(start)).is_err() {
        return out;
    }
    let mut r = BufReader::with_capacity(1 << 20, r);
    // The stream types a program stream map gives, by stream id.
    let mut types = [None::<u8>; 256];
    // Streams by key (stream id, and the sub-stream id in private stream 1).
    let mut keys: Vec<u16> = Vec::new();
    let mut pes_counts: Vec<usize> = Vec::new();
    let mut last_pts = None;
    let mut audio_bytes = 0u64;
    let mut pos = start;
    let mut packets = 0u64;
    let mut buf = vec![0u8; 6 + 0xFFFF];
    // An MPEG-1 system stream's video is MPEG-1 video, unless a stream map says otherwise.
    let mut mpeg1 = false;
    while pos + 4 <= len && packets < MAX_PACKETS {
        packets += 1;
        if r.read_exact(&mut buf[..4]).is_err() {
            break;
        }
        if buf[..3] != [0, 0, 1] || buf[3] < END {
            let Some(next) = resync(&mut r, pos + 1, len) else {
                out.sync_damage.push((pos, len));
                break;
            };
            out.sync_damage.push((pos, next));
            pos = next;
            continue;
        }
        let id = buf[3];
        if id == END {
            pos += 4;
            continue;
        }
        if id == PACK {
            // MPEG-2's pack header is 14 bytes and stuffing; MPEG-1's, 12.
            if r.read_exact(&mut buf[4..14]).is_err() {
                out.cut = true;
                break;
            }
            let n = if buf[4] & 0xC0 == 0x40 {
                14 + u64::from(buf[13] & 7)
            } else {
                mpeg1 |= pos == start;
                12
            };
            pos += n;
            // Within the buffer (a seek would empty it at every pack, 2 KB apart on a DVD).
            if r.seek_relative(n as i64 - 14).is_err() {
                break;
            }
            continue;
        }
        if r.read_exact(&mut buf[4..6]).is_err() {
            out.cut = true;
            break;
        }
        let body_len = usize::from(u16::from_be_bytes([buf[4], buf[5]]));
        let total = 6 + body_len;
        let have = (len - pos).min(total as u64) as usize;
        if r.read_exact(&mut buf[6..have]).is_err() {
            out.cut = true;
            break;
        }
        let packet = &buf[..have];
        let at = pos;
        pos += total as u64;
        if have < total {
            out.cut = true;
        }
        match id {
            PROGRAM_STREAM_MAP => {
                for (sid, t) in stream_map(packet) {
                    types[usize::from(sid)] = Some(t);
                }
                continue;
            }
            PRIVATE_STREAM_1 | 0xC0..=0xEF => {}
            _ => continue,
        }
        let Some((pts, header)) = pes_header(packet) else {
            continue;
        };
        let mut body = packet.get(header..).unwrap_or(&[]);
        let mut key = u16::from(id);
        if id == PRIVATE_STREAM_1 {
            let Some(&sub) = body.first() else { continue };
            key = 0xBD00 | u16::from(sub);
            // AC-3 and DTS carry a 4-byte sub-stream header, LPCM a 7-byte one.
            let skip = if (0xA0..=0xAF).contains(&sub) { 7 } else { 4 };
            body = body.get(skip..).unwrap_or(&[]);
        }
        let i = match keys.iter().position(|&k| k == key) {
            Some(i) => i,
            None => {
                let mut es = Es {
                    pid: key,
                    ..Es::default()
                };
                match id {
                    PRIVATE_STREAM_1 => {
                        es.stream_type = 0x06;
                        // Hikvision's files carry their own data there, not DVD's audio.
                        es.sniffed = Some(if hikvision {
                            Kind::Data
                        } else {
                            private_kind(key as u8)
                        });
                    }
                    0xC0..=0xDF => {
                        es.stream_type = types[usize::from(id)].unwrap_or(0x03);
                        es.sniffed = surveillance_kind(es.stream_type);
                    }
                    _ => {
                        es.stream_type =
                            types[usize::from(id)].unwrap_or(if mpeg1 { 0x01 } else { 0x02 });
                    }
                }
                keys.push(key);
                out.streams.push(es);
                out.first_pts.push(None);
                pes_counts.push(0);
                keys.len() - 1
            }
        };
        if let Some(p) = pts {
            out.note_start(i, p, &mut pes_counts);
        }
        if !out.is_audio_read(i) {
            continue;
        }
        let pts = pts.map(|p| unwrap_pts(p, last_pts));
        last_pts = pts.or(last_pts);
        let got = body.len() as u64;
        out.pes.push(Pes {
            pts,
            at: audio_bytes,
            intact: true,
            expected: Some((total - (have - body.len())) as u64),
            got,
        });
        if got > 0 {
            out.pieces
                .push((at + (have - body.len()) as u64, got as u32));
            audio_bytes += got;
        }
    }
    out
}

/// ffprobe's container name and long name.
const FORMAT_INFO: FormatInfo = FormatInfo {
    format: FormatId::new(FourCc::new(*b"mpps")),
    short_name: "mpeg",
    long_name: "MPEG-PS (MPEG-2 Program Stream)",
};

/// Opens the program stream `path`: its reader, the warnings its damage and time stamps call
/// for, and the silence to put in the audio.
///
/// # Errors
/// No stream found; an audio stream no pure-Rust decoder reads (named); no audio stream.
pub(crate) fn open(path: &Path, file: File) -> Result<Opened> {
    super::mpegts::open_walked(
        path,
        file,
        layout,
        "corrupt MPEG program stream: no audio or video packet was found",
        FORMAT_INFO,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time stamp's five bytes behind the 4-bit marker `m` (0x2: a PTS alone).
    fn stamp(m: u8, pts: i64) -> [u8; 5] {
        [
            m << 4 | ((pts >> 29) & 0x0E) as u8 | 1,
            (pts >> 22) as u8,
            ((pts >> 14) & 0xFE) as u8 | 1,
            (pts >> 7) as u8,
            ((pts << 1) & 0xFE) as u8 | 1,
        ]
    }

    fn pack2() -> Vec<u8> {
        vec![0, 0, 1, PACK, 0x44, 0, 4, 0, 4, 1, 0x01, 0x89, 0xC3, 0xF8]
    }

    /// An MPEG-2 PES packet of stream `id`.
    fn pes2(id: u8, pts: Option<i64>, payload: &[u8]) -> Vec<u8> {
        let header: Vec<u8> = pts.map_or(Vec::new(), |p| stamp(0x2, p).to_vec());
        let len = 3 + header.len() + payload.len();
        let mut b = vec![0, 0, 1, id, (len >> 8) as u8, len as u8, 0x80];
        b.push(if pts.is_some() { 0x80 } else { 0 });
        b.push(header.len() as u8);
        b.extend(header);
        b.extend_from_slice(payload);
        b
    }

    /// An MPEG-1 PES packet: two stuffing bytes, a buffer size, a PTS.
    fn pes1(id: u8, pts: i64, payload: &[u8]) -> Vec<u8> {
        let mut h = vec![0xFF, 0xFF, 0x60, 0x00];
        h.extend(stamp(0x2, pts));
        let len = h.len() + payload.len();
        let mut b = vec![0, 0, 1, id, (len >> 8) as u8, len as u8];
        b.extend(h);
        b.extend_from_slice(payload);
        b
    }

    fn walk(b: &[u8]) -> Layout {
        layout(&mut std::io::Cursor::new(b), b.len() as u64)
    }

    #[test]
    fn streams_payloads_and_stamps_are_found() {
        let mut b = pack2();
        b.extend(pes2(0xE0, Some(900_000), &[7; 50]));
        let audio_at = b.len() + 14;
        b.extend(pes2(0xC0, Some(909_000), &[1; 100]));
        b.extend(pes2(
            PRIVATE_STREAM_1,
            Some(909_000),
            &[0x80, 1, 0, 1, 0x0B, 0x77],
        ));
        b.extend(pack2());
        b.extend(pes2(0xC0, Some(909_000 + 2160), &[2; 60]));
        b.extend([0, 0, 1, END]);
        let l = walk(&b);
        assert!(is_program_stream(&b));
        let kinds: Vec<Kind> = l.streams.iter().map(Es::kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Video(symphonia::core::codecs::video::well_known::CODEC_ID_MPEG2),
                Kind::Mpeg,
                Kind::OtherAudio("ac3", wa::CODEC_ID_AC3),
            ]
        );
        assert_eq!(l.audio, Some(1));
        assert_eq!(l.pieces.len(), 2);
        assert_eq!(l.pieces[0], (audio_at as u64, 100));
        assert_eq!(l.pes[1].at, 100);
        assert_eq!(l.pes[1].pts, Some(909_000 + 2160));
        assert!(l.pes.iter().all(|p| p.expected == Some(p.got)));
        assert!((l.audio_start_s() - 0.1).abs() < 1e-9);
        assert!(l.sync_damage.is_empty() && !l.cut);
    }

    #[test]
    fn mpeg1_headers_and_a_stream_map_are_read() {
        let mut b = vec![0, 0, 1, PACK, 0x21, 0, 1, 0, 1, 0x80, 0, 1];
        b.extend(pes1(0xE0, 90_000, &[9; 20]));
        b.extend(pes1(0xC0, 90_000, &[3; 30]));
        let l = walk(&b);
        assert_eq!(l.streams[0].stream_type, 0x01);
        assert_eq!(l.pes[0].pts, Some(90_000));
        assert_eq!(l.pieces[0].1, 30);
        // A map saying stream 0xC0 is AAC (ADTS).
        let mut m = pack2();
        let map = [0u8, 0, 0, 4, 0x0F, 0xC0, 0, 0];
        let len = 6 + map.len();
        m.extend([0, 0, 1, PROGRAM_STREAM_MAP, 0, len as u8, 0x80, 0x01, 0, 0]);
        m.extend([0, map.len() as u8 - 4]);
        m.extend(&map[4..]);
        m.extend([0, 0, 0, 0]);
        m.extend(pes2(0xC0, Some(0), &[0xFF, 0xF1]));
        let l = walk(&m);
        assert_eq!(l.streams[0].kind(), Kind::Adts);
    }

    #[test]
    fn damage_is_passed_over_and_a_cut_named() {
        let mut b = pack2();
        b.extend(pes2(0xC0, Some(0), &[1; 40]));
        let bad = b.len() as u64;
        b.extend([0x12; 33]);
        b.extend(pack2());
        b.extend(pes2(0xC0, Some(3000), &[2; 40]));
        let mut whole = b.clone();
        let l = walk(&b);
        assert_eq!(l.sync_damage, vec![(bad, bad + 33)]);
        assert_eq!(l.pieces.len(), 2);
        whole.truncate(whole.len() - 10);
        let l = walk(&whole);
        assert!(l.cut);
        assert_eq!(l.pes[1].got + 10, l.pes[1].expected.unwrap());
        assert!(!l.pes[1].whole());
        // Nothing but bytes that are no stream.
        assert!(walk(&[0u8, 0, 1, PACK, 0x12, 0x34]).streams.is_empty());
    }

    /// A program stream map giving `(stream type, stream id)`s.
    fn map(entries: &[(u8, u8)]) -> Vec<u8> {
        let es: Vec<u8> = entries.iter().flat_map(|&(t, id)| [t, id, 0, 0]).collect();
        let mut body = vec![0x80, 0x01, 0, 0, 0, es.len() as u8];
        body.extend(es);
        body.extend([0; 4]);
        let mut b = vec![0, 0, 1, PROGRAM_STREAM_MAP, 0, body.len() as u8];
        b.extend(body);
        b
    }

    #[test]
    fn a_cctv_stream_behind_hikvisions_header_is_found_and_its_g711_read() {
        let mut b = b"IMKH".to_vec();
        b.extend([1u8; 36]);
        let start = b.len() as u64;
        b.extend(pack2());
        b.extend(map(&[(0x1B, 0xE0), (0x90, 0xC0)]));
        // Hikvision's own data in private stream 1, whose first byte would say AC-3 on a DVD.
        b.extend(pes2(PRIVATE_STREAM_1, Some(0), &[0x81, 0, 0, 0]));
        b.extend(pes2(0xE0, Some(0), &[0, 0, 0, 1, 9, 0xF0]));
        b.extend(pes2(0xC0, Some(0), &[0xD5; 320]));
        assert_eq!(program_stream_start(&b), Some(start));
        assert_eq!(program_stream_start(&b[..30]), None);
        assert_eq!(program_stream_start(b"IMKH and no stream"), None);
        let l = walk(&b);
        assert!(l.sync_damage.is_empty(), "{:?}", l.sync_damage);
        let kinds: Vec<Kind> = l.streams.iter().map(Es::kind).collect();
        assert_eq!(kinds[0], Kind::Data);
        assert_eq!(
            kinds[2],
            Kind::Wave {
                tag: super::super::mpegts::WAVE_ALAW,
                bits: 8
            }
        );
        assert_eq!(l.audio, Some(2));
        assert_eq!(l.pieces.len(), 1);
        assert_eq!(l.pieces[0].1, 320);
        // GB/T 28181's other types: µ-law, and the speech codecs named.
        for (t, kind) in [
            (
                0x91,
                Kind::Wave {
                    tag: super::super::mpegts::WAVE_MULAW,
                    bits: 8,
                },
            ),
            (
                0x99,
                Kind::OtherAudio("g729", super::super::mpegts::CODEC_ID_G729),
            ),
            (0x03, Kind::Mpeg),
        ] {
            let mut m = pack2();
            m.extend(map(&[(t, 0xC0)]));
            m.extend(pes2(0xC0, Some(0), &[0xFF; 8]));
            assert_eq!(walk(&m).streams[0].kind(), kind, "type {t:#x}");
        }
    }
}
