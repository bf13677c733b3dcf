//! Dahua's DAV files (`.dav`), the native recording and export format of Dahua's CCTV
//! recorders and cameras (and of the many brands built on them), read in pure Rust: their
//! G.711, PCM, AAC or MPEG audio on the timeline of the recorder's clock.
//!
//! A DAV file is a run of frames, each a 24-byte header (`DHAV`, the frame's kind: 0xFD a
//! video key frame, 0xFC another video frame, 0xF0 audio, 0xF1 other data; the camera
//! channel; the frame's length; the recorder's date and time to the second; a 16-bit
//! millisecond counter), extensions that say the codec (and, for audio, the rate and
//! channels), the payload, and an 8-byte trailer (`dhav` and the length again). No published
//! specification exists; the layout here is the one ffmpeg's demuxer (`libavformat/dhav.c`,
//! Paul B Mahol, 2018) reads, against which the fixture is checked. The walk gathers the
//! first audio stream's payloads and time stamps into the same [`Layout`] the MPEG readers
//! make, so `mpegts.rs` reads them (the start against the earliest frame, gaps in the
//! recording filled with silence up to its limits, the rest said). The time stamps are the
//! millisecond counter, unwrapped every 65.536 s, its whole turns taken from the date where a
//! pause in the recording is longer than half a turn. Damaged bytes between frames are
//! searched past for the next frame header; a file cut inside a frame is read to the cut.
//!
//! Written by hand: symphonia 0.6 reads no DAV file, and no crate on crates.io does.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::codecs::video::well_known as wv;
use symphonia::core::common::FourCc;
use symphonia::core::formats::{FormatId, FormatInfo};

use super::mpegts::{Es, Kind, Layout, Pes, WAVE_ALAW, WAVE_MULAW, WAVE_PCM, Walked};
use super::splice::Opened;
use crate::error::Result;

/// What the ffmpeg backend says of a DAV file: libavformat stamps each frame on the
/// recorder's clock to the whole second, adding the millisecond counter only within a
/// second, so its stamps jump by up to a second where one begins (0.68 s in the fixture,
/// whose first frame is 0.7 s into its second); the ffmpeg backend therefore reads the audio
/// end to end, and cannot tell where the recording paused.
#[cfg(feature = "ffmpeg")]
pub(crate) const FFMPEG_WARNING: &str = "libavformat times a DAV file's frames to the \
     recorder's whole second, so its audio is read end to end and pauses in the recording are \
     not put back: times after a pause are early by its length (the default backend reads \
     the recorder's millisecond counter)";

/// Frames read before the walk stops (a day of 25 fps video with its audio is about four
/// million).
pub const MAX_FRAMES: u64 = 100_000_000;
/// Bytes searched for the next frame header after damage before the rest is given up.
pub const MAX_RESYNC_BYTES: u64 = 64 << 20;
/// The longest frame taken for one (a 4K key frame is a few megabytes).
pub const MAX_FRAME_BYTES: u32 = 64 << 20;

const HEADER: usize = 24;
const TRAILER: u32 = 8;
/// The 1 KB header some of Dahua's exports put before the first frame (`DAHUA`...).
const FILE_HEADER: u64 = 0x400;
const VIDEO_KEY: u8 = 0xFD;
const VIDEO: u8 = 0xFC;
const AUDIO: u8 = 0xF0;
const DATA: u8 = 0xF1;
/// The millisecond counter's turn.
const TURN_MS: i64 = 1 << 16;

/// Where the first frame of the DAV file that `head` opens lies.
pub(crate) fn dav_start(head: &[u8]) -> Option<u64> {
    if head.starts_with(b"DAHUA") {
        Some(FILE_HEADER)
    } else if head.starts_with(b"DHAV")
        && matches!(head.get(4), Some(&(AUDIO | DATA | VIDEO | VIDEO_KEY)))
    {
        Some(0)
    } else {
        None
    }
}

/// The audio sample rates an extension's rate index gives (ffmpeg's table).
const SAMPLE_RATES: [u32; 13] = [
    8000, 4000, 8000, 11_025, 16_000, 20_000, 22_050, 32_000, 44_100, 48_000, 96_000, 192_000,
    64_000,
];

/// What a frame's extensions say: the video codec, or the audio codec, rate and channels.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Ext {
    video_codec: Option<u8>,
    audio: Option<(u8, u32, u16)>,
}

/// Reads the extensions `b` (ffmpeg's `parse_ext`: each a type byte and a fixed length).
fn extensions(b: &[u8]) -> Ext {
    let mut e = Ext::default();
    let mut p = 0;
    let rate = |i: u8| SAMPLE_RATES.get(usize::from(i)).copied().unwrap_or(8000);
    while p < b.len() {
        let len = match b[p] {
            0x81 => {
                e.video_codec = b.get(p + 2).copied();
                4
            }
            0x83 => {
                if let Some(&[ch, codec, r]) = b.get(p + 1..p + 4) {
                    e.audio = Some((codec, rate(r), u16::from(ch)));
                }
                4
            }
            0x8C => {
                if let Some(&[ch, codec, r]) = b.get(p + 2..p + 5) {
                    e.audio = Some((codec, rate(r), u16::from(ch)));
                }
                8
            }
            0x80 | 0x84 | 0x85 | 0x8B | 0x94 | 0x96 | 0xA0 | 0xB2 | 0xB4 => 4,
            0x82 | 0x88 | 0x91 | 0x92 | 0x93 | 0x95 | 0x9A | 0x9B | 0xB3 => 8,
            // Unknown: the rest passed over, as ffmpeg does.
            _ => break,
        };
        p += len;
    }
    e
}

/// What a video codec byte says (ffmpeg's mapping).
fn video_kind(codec: Option<u8>) -> Kind {
    match codec {
        Some(1) => Kind::Video(wv::CODEC_ID_MPEG4),
        Some(3) => Kind::Video(wv::CODEC_ID_MJPEG),
        Some(0xC) => Kind::Video(wv::CODEC_ID_HEVC),
        _ => Kind::Video(wv::CODEC_ID_H264),
    }
}

/// ffprobe-style name of audio whose codec byte (or its absence) no reader here knows.
pub(crate) const UNKNOWN_AUDIO_NAME: &str = "unknown DAV audio codec";
const UNKNOWN_AUDIO: Kind =
    Kind::OtherAudio(UNKNOWN_AUDIO_NAME, super::mpegts::CODEC_ID_DAV_UNKNOWN);

/// What an audio codec byte says (ffmpeg's mapping), given the first payload (AAC is read
/// only in ADTS frames).
fn audio_kind(codec: u8, payload: &[u8]) -> Kind {
    match codec {
        0x0E => Kind::Wave {
            tag: WAVE_ALAW,
            bits: 8,
        },
        0x0A | 0x16 => Kind::Wave {
            tag: WAVE_MULAW,
            bits: 8,
        },
        0x0C | 0x10 => Kind::Wave {
            tag: WAVE_PCM,
            bits: 16,
        },
        0x1A if super::mpa::frame_facts(payload).is_some() => Kind::Adts,
        0x1A => Kind::OtherAudio("aac", wa::CODEC_ID_AAC),
        0x1F | 0x21 => Kind::Mpeg,
        0x07 => Kind::OtherAudio("pcm_s8", wa::CODEC_ID_PCM_S8),
        0x0D => Kind::OtherAudio("adpcm_ms", wa::CODEC_ID_ADPCM_MS),
        _ => UNKNOWN_AUDIO,
    }
}

/// Seconds since 2000 of a frame's packed date (6 bits year from 2000, 4 month, 5 day, 5
/// hour, 6 minute, 6 second).
fn date_s(date: u32) -> i64 {
    let f = |shift: u32, bits: u32| i64::from((date >> shift) & ((1 << bits) - 1));
    let (y, m, d) = (2000 + f(26, 6), f(22, 4).clamp(1, 12), f(17, 5).max(1));
    // Days from civil (H. Hinnant's algorithm), from 2000-01-01.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 730_425;
    days * 86_400 + f(12, 5) * 3600 + f(6, 6) * 60 + f(0, 6)
}

/// A frame's packed date as the recorder's clock shows it (`YYYY-MM-DD hh:mm:ss`).
fn date_text(date: u32) -> String {
    let f = |shift: u32, bits: u32| (date >> shift) & ((1 << bits) - 1);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        2000 + f(26, 6),
        f(22, 4),
        f(17, 5),
        f(12, 5),
        f(6, 6),
        f(0, 6)
    )
}

/// The frame's time in ms on the file's unwrapped counter: its 16-bit counter `ms` put
/// nearest the last frame's, and whole turns added where the dates say a pause was longer.
fn unwrap_ms(ms: u16, date: i64, last: Option<(i64, i64)>) -> i64 {
    let Some((last_ms, last_date)) = last else {
        return i64::from(ms);
    };
    let mut d = (i64::from(ms) - last_ms).rem_euclid(TURN_MS);
    if d >= TURN_MS / 2 {
        d -= TURN_MS;
    }
    let by_date = (date - last_date) * 1000;
    let turns = ((by_date - d) as f64 / TURN_MS as f64).round() as i64;
    last_ms + d + turns * TURN_MS
}

/// A frame's header fields.
struct Frame {
    kind: u8,
    channel: u8,
    len: u32,
    date: u32,
    ms: u16,
    ext_len: usize,
}

/// The frame header at the start of `h`, if it is one.
fn frame_header(h: &[u8; HEADER]) -> Option<Frame> {
    let le32 = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let f = Frame {
        kind: h[4],
        channel: h[6],
        len: le32(12),
        date: le32(16),
        ms: u16::from_le_bytes([h[20], h[21]]),
        ext_len: usize::from(h[22]),
    };
    let fits = f.len >= HEADER as u32 + TRAILER + f.ext_len as u32 && f.len <= MAX_FRAME_BYTES;
    (&h[..4] == b"DHAV" && matches!(f.kind, AUDIO | DATA | VIDEO | VIDEO_KEY) && fits).then_some(f)
}

/// The next place at or after `from` where a frame header starts, read through `r`, which is
/// left there.
fn resync(r: &mut BufReader<impl Read + Seek>, from: u64, len: u64) -> Option<u64> {
    r.seek(SeekFrom::Start(from)).ok()?;
    let stop = len.min(from.saturating_add(MAX_RESYNC_BYTES));
    let mut window = [0u8; 4];
    let mut pos = from;
    let mut byte = [0u8; 1];
    while pos < stop {
        r.read_exact(&mut byte).ok()?;
        window = [window[1], window[2], window[3], byte[0]];
        pos += 1;
        if &window != b"DHAV" {
            continue;
        }
        // A magic: whether a frame header follows it; if not, on from the next byte.
        let at = pos - 4;
        let mut h = [0u8; HEADER];
        h[..4].copy_from_slice(b"DHAV");
        let read = r.read_exact(&mut h[4..]).is_ok();
        if read && frame_header(&h).is_some() {
            r.seek(SeekFrom::Start(at)).ok()?;
            return Some(at);
        }
        r.seek(SeekFrom::Start(pos)).ok()?;
        window = [0; 4];
    }
    None
}

/// Walks the DAV file `r` of `len` bytes.
pub(crate) fn layout(r: &mut (impl Read + Seek), len: u64) -> Layout {
    let mut out = Layout {
        walked: Walked::Dav,
        ..Layout::default()
    };
    let mut head = Vec::with_capacity(8);
    if r.seek(SeekFrom::Start(0)).is_err() || (&mut *r).take(8).read_to_end(&mut head).is_err() {
        return out;
    }
    let start = dav_start(&head).unwrap_or(0);
    if r.seek(SeekFrom::Start(start)).is_err() {
        return out;
    }
    let mut r = BufReader::with_capacity(1 << 20, r);
    // Streams by key: the frame's kind (video or audio) and camera channel.
    let mut keys: Vec<(bool, u8)> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut last: Option<(i64, i64)> = None;
    let mut audio_bytes = 0u64;
    let mut pos = start;
    let mut frames = 0u64;
    let mut h = [0u8; HEADER];
    // The first and last frames' dates.
    let mut dates: Option<(u32, u32)> = None;
    let mut ext = vec![0u8; 255];
    let mut first_payload = [0u8; 8];
    while pos + HEADER as u64 <= len && frames < MAX_FRAMES {
        frames += 1;
        let header = r.read_exact(&mut h).ok().and_then(|()| frame_header(&h));
        let Some(f) = header else {
            let Some(next) = resync(&mut r, pos + 1, len) else {
                out.sync_damage.push((pos, len));
                break;
            };
            out.sync_damage.push((pos, next));
            pos = next;
            continue;
        };
        let at = pos;
        let frame_end = pos + u64::from(f.len);
        if f.kind == DATA {
            pos = frame_end;
            if frame_end > len || r.seek_relative(i64::from(f.len) - HEADER as i64).is_err() {
                out.cut = frame_end > len;
                break;
            }
            continue;
        }
        if r.read_exact(&mut ext[..f.ext_len]).is_err() {
            out.cut = true;
            break;
        }
        let e = extensions(&ext[..f.ext_len]);
        let body_at = at + (HEADER + f.ext_len) as u64;
        let body_len = u64::from(f.len - TRAILER) - (HEADER + f.ext_len) as u64;
        let got = body_len.min(len.saturating_sub(body_at));
        let audio = f.kind == AUDIO;
        let key = (audio, f.channel);
        let i = match keys.iter().position(|&k| k == key) {
            Some(i) => i,
            None => {
                let n = usize::try_from(got.min(8)).unwrap_or(0);
                if r.read_exact(&mut first_payload[..n]).is_err() {
                    out.cut = true;
                    break;
                }
                if r.seek_relative(-(n as i64)).is_err() {
                    break;
                }
                let mut es = Es {
                    pid: u16::from(f.channel),
                    ..Es::default()
                };
                match e.audio {
                    Some((codec, rate, channels)) if audio => {
                        es.sniffed = Some(audio_kind(codec, &first_payload[..n]));
                        es.audio_format = Some((rate, channels.max(1)));
                    }
                    _ if audio => es.sniffed = Some(UNKNOWN_AUDIO),
                    _ => es.sniffed = Some(video_kind(e.video_codec)),
                }
                keys.push(key);
                out.streams.push(es);
                out.first_pts.push(None);
                counts.push(0);
                keys.len() - 1
            }
        };
        dates = Some((dates.map_or(f.date, |d| d.0), f.date));
        let ms = unwrap_ms(f.ms, date_s(f.date), last);
        last = Some((ms, date_s(f.date)));
        let pts = ms * 90;
        out.note_start(i, pts, &mut counts);
        pos = frame_end;
        if out.is_audio_read(i) {
            out.pes.push(Pes {
                pts: Some(pts),
                at: audio_bytes,
                intact: true,
                expected: Some(body_len),
                got,
            });
            if got > 0 {
                out.pieces.push((body_at, got as u32));
                audio_bytes += got;
            }
        }
        if frame_end > len {
            out.cut = true;
            break;
        }
        if r.seek_relative((frame_end - body_at) as i64).is_err() {
            break;
        }
    }
    if let Some((first, last)) = dates {
        out.tags = vec![
            ("recorder_clock_start".into(), date_text(first)),
            ("recorder_clock_end".into(), date_text(last)),
        ];
    }
    out
}

/// ffprobe's container name and long name.
const FORMAT_INFO: FormatInfo = FormatInfo {
    format: FormatId::new(FourCc::new(*b"dhav")),
    short_name: "dhav",
    long_name: "Video DAV",
};

/// Opens the DAV file `path`: its reader, the warnings its damage and time stamps call for,
/// and the silence to put in its audio.
///
/// # Errors
/// No frame found; an audio stream no pure-Rust decoder reads (named); no audio stream.
pub(crate) fn open(path: &Path, file: File) -> Result<Opened> {
    super::mpegts::open_walked(
        path,
        file,
        layout,
        "corrupt DAV file: no audio or video frame was found",
        FORMAT_INFO,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packed date: 2000 + `y`, month, day, hour, minute, second.
    fn packed(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> u32 {
        y << 26 | mo << 22 | d << 17 | h << 12 | mi << 6 | s
    }

    /// A frame of kind `kind` on camera channel `channel` at counter `ms`.
    fn frame(kind: u8, channel: u8, date: u32, ms: u16, ext: &[u8], payload: &[u8]) -> Vec<u8> {
        let len = (HEADER + ext.len() + payload.len()) as u32 + TRAILER;
        let mut b = b"DHAV".to_vec();
        b.extend([kind, 0, channel, 0]);
        b.extend(7u32.to_le_bytes());
        b.extend(len.to_le_bytes());
        b.extend(date.to_le_bytes());
        b.extend(ms.to_le_bytes());
        b.extend([ext.len() as u8, 0]);
        b.extend(ext);
        b.extend(payload);
        b.extend(b"dhav");
        b.extend(len.to_le_bytes());
        b
    }

    const ALAW_8K: [u8; 4] = [0x83, 1, 0x0E, 0];

    fn walk(b: &[u8]) -> Layout {
        layout(&mut std::io::Cursor::new(b), b.len() as u64)
    }

    #[test]
    fn dates_and_the_counter_give_one_clock() {
        let t = packed(24, 5, 17, 14, 3, 58);
        assert_eq!(date_text(t), "2024-05-17 14:03:58");
        assert_eq!(date_s(packed(0, 1, 1, 0, 0, 0)), 0);
        // Across a month's and a leap year's end.
        assert_eq!(
            date_s(packed(24, 3, 1, 0, 0, 0)) - date_s(packed(24, 2, 28, 23, 59, 59)),
            86_401
        );
        assert_eq!(date_s(t) - date_s(packed(24, 5, 17, 14, 3, 0)), 58);
        // The counter turning over, a frame a little out of order, and a pause of 100 s
        // (more than a turn: the dates say how many).
        assert_eq!(unwrap_ms(65_500, 10, None), 65_500);
        assert_eq!(unwrap_ms(20, 10, Some((65_500, 10))), 65_556);
        assert_eq!(unwrap_ms(65_480, 10, Some((65_556, 10))), 65_480);
        let later = unwrap_ms(
            ((65_556 + 100_000) % 65_536) as u16,
            110,
            Some((65_556, 10)),
        );
        assert_eq!(later, 165_556);
    }

    #[test]
    fn extensions_say_the_codecs() {
        let e = extensions(&[0x80, 0, 20, 15, 0x81, 0, 0xC, 25, 0x83, 2, 0x10, 4]);
        assert_eq!(e.video_codec, Some(0xC));
        assert_eq!(e.audio, Some((0x10, 16_000, 2)));
        let e = extensions(&[0x8C, 0, 1, 0x0A, 99, 0, 0, 0]);
        assert_eq!(e.audio, Some((0x0A, 8000, 1)));
        // An unknown extension ends the reading; a cut one says nothing.
        assert_eq!(extensions(&[0x77, 0x83, 1, 0x0E, 0]).audio, None);
        assert_eq!(extensions(&[0x83, 1]).audio, None);
        assert_eq!(
            audio_kind(0x0E, &[]),
            Kind::Wave {
                tag: WAVE_ALAW,
                bits: 8
            }
        );
        assert_eq!(
            audio_kind(0x1A, &[0, 0]),
            Kind::OtherAudio("aac", wa::CODEC_ID_AAC)
        );
        assert_eq!(video_kind(Some(3)), Kind::Video(wv::CODEC_ID_MJPEG));
    }

    #[test]
    fn frames_are_walked_streams_told_by_channel_and_damage_passed() {
        let d = packed(24, 5, 17, 14, 3, 58);
        let mut b = frame(VIDEO_KEY, 0, d, 100, &[0x81, 0, 8, 25], &[0, 0, 0, 1, 9]);
        let first_audio = b.len() + HEADER + ALAW_8K.len();
        b.extend(frame(AUDIO, 0, d, 100, &ALAW_8K, &[0xD5; 320]));
        b.extend(frame(DATA, 0, d, 110, &[], &[1, 2, 3]));
        b.extend(frame(AUDIO, 1, d, 120, &ALAW_8K, &[0x55; 320]));
        let bad = b.len() as u64;
        b.extend([0x44; 50]);
        b.extend(frame(AUDIO, 0, d, 140, &ALAW_8K, &[0xD5; 320]));
        assert_eq!(dav_start(&b), Some(0));
        let l = walk(&b);
        assert_eq!(l.streams.len(), 3, "video, camera 0's audio, camera 1's");
        assert_eq!(l.audio, Some(1));
        assert_eq!(l.streams[1].audio_format, Some((8000, 1)));
        assert_eq!(
            l.pieces,
            vec![(first_audio as u64, 320), (l.pieces[1].0, 320)]
        );
        assert_eq!(l.pes[1].pts, Some(140 * 90));
        assert_eq!(l.sync_damage, vec![(bad, bad + 50)]);
        assert_eq!(l.tags[0].1, "2024-05-17 14:03:58");
        assert!(!l.cut);
        // Cut inside the last frame.
        let l = walk(&b[..b.len() - 100]);
        assert!(l.cut);
        assert_eq!(l.pes[1].got + 100 - 8, l.pes[1].expected.unwrap());
        // Behind Dahua's 1 KB header; and bytes that are no DAV file.
        let mut h = b"DAHUA".to_vec();
        h.resize(FILE_HEADER as usize, 0);
        h.extend(&b);
        assert_eq!(dav_start(&h), Some(FILE_HEADER));
        assert_eq!(walk(&h).pieces.len(), 2);
        assert_eq!(dav_start(b"DHAV\x12"), None);
        assert!(
            walk(b"DHAV\xF0 but nothing else of a frame")
                .streams
                .is_empty()
        );
    }
}
