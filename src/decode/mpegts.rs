//! MPEG transport streams (`.ts`; `.m2ts`/`.mts` with their 4-byte time codes) read in pure
//! Rust: HLS segments and the recordings streaming sites deliver in them, broadcast captures,
//! some dashcams and body cameras. Their AAC (ADTS) or MPEG audio (MP2, MP3) is read by
//! symphonia's own readers and decoders, on the timeline the stream's time stamps give.
//!
//! A transport stream is a run of 188-byte packets, each a slice of one elementary stream
//! (ISO/IEC 13818-1, 2.4.3); the program association and map tables say which stream is which
//! (2.4.4), and each stream's PES packets carry its presentation time stamps (2.4.3.7). The
//! file is walked once: the first program's streams are listed, the audio stream's payloads
//! are read as one elementary stream (`splice.rs`), and its time stamps give where its first
//! frame plays on the file's timeline (`start_s`, the earliest stamp of any stream being 0, as
//! ffmpeg counts it) and where its time stamps run ahead of the frames between them: audio
//! missing from the stream (a dropped HLS segment, a reception dropout), filled with silence
//! so that the times after it stay where they were (`fills`). Stamps that run back (recordings
//! spliced, a clock reset) and packets lost or marked in error are said in warnings.
//!
//! Written by hand: symphonia 0.6 reads no transport stream (its probe found the ADTS
//! headers inside one and read it as raw AAC: a 2 s clip as 0.64 s of noise), and the demuxer
//! crates on crates.io (`mpeg2ts-reader`, `mpeg2ts`) give packets but not the file-offset
//! payloads and time-stamp arithmetic this needs. Bounded: at most [`MAX_PACKETS`] packets are
//! read, PSI sections are kept to [`MAX_SECTION`] bytes.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters};
use symphonia::core::codecs::video::well_known as wv;
use symphonia::core::codecs::video::{VideoCodecId, VideoCodecParameters};
use symphonia::core::common::FourCc;
use symphonia::core::formats::{FormatId, FormatInfo, FormatReader, MediaInfo, Track};
use symphonia::core::meta::{MetadataBuilder, MetadataId, MetadataInfo, MetadataLog, RawTag, Tag};
use symphonia::core::units::{TimeBase, Timestamp};

use super::splice::{Feed, Listed, Opened, Piece, Spliced, inner_reader, wave_pieces};
use crate::error::{Error, Result};

/// Packets read before the walk stops (18.8 GB of 188-byte packets).
pub const MAX_PACKETS: u64 = 100_000_000;
/// Bytes of a PAT or PMT section kept (a program map is a few hundred).
pub const MAX_SECTION: usize = 4096;
/// Ticks of the 90 kHz system clock a second.
pub const PTS_HZ: f64 = 90_000.0;
/// PES packets of each stream whose time stamps count toward its start: a video's first
/// few are reordered (B-frames), so its earliest is not always its first.
pub const START_PES: usize = 32;
/// A run of the audio's time stamps ahead of its frames shorter than this (s) is taken for
/// rounding; longer, for audio missing from the stream.
pub const GAP_TOLERANCE_S: f64 = 0.002;
/// The transport packet's sync byte.
const SYNC: u8 = 0x47;

/// The packet length and the offset of the sync byte in each packet (4 in M2TS, whose
/// packets open with a time code), when `head` opens a transport stream.
pub(crate) fn framing(head: &[u8]) -> Option<(u64, u64)> {
    let synced = |size: usize, at: usize| (0..3).all(|k| head.get(at + k * size) == Some(&SYNC));
    if synced(188, 0) {
        Some((188, 0))
    } else if synced(192, 4) {
        Some((192, 4))
    } else {
        None
    }
}

/// WAV format tags of the audio read as a WAV (`Kind::Wave`).
pub(crate) const WAVE_PCM: u16 = 1;
pub(crate) const WAVE_ALAW: u16 = 6;
pub(crate) const WAVE_MULAW: u16 = 7;

/// One elementary stream of the program.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Es {
    pub pid: u16,
    pub stream_type: u8,
    /// The registration descriptor's format identifier (`Opus`, `AC-3`, ...).
    pub registration: Option<[u8; 4]>,
    /// An AC-3 (0x6A) or E-AC-3 (0x7A) descriptor.
    pub dolby: Option<u8>,
    /// The ISO 639 language code.
    pub language: Option<String>,
    /// What a private stream (type 0x06 without a descriptor that says) was found to be by
    /// its first payload's frame header (ffmpeg's M2TS writer puts AAC there).
    pub sniffed: Option<Kind>,
    /// The sample rate and channels the container states (DAV's frame headers), where it
    /// states them.
    pub audio_format: Option<(u32, u16)>,
}

/// What an elementary stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Video(VideoCodecId),
    /// AAC in ADTS frames.
    Adts,
    /// MPEG-1/2 audio (MP1, MP2, MP3).
    Mpeg,
    /// Audio read as a WAV file's data, by its format tag and bits a sample: G.711
    /// ([`WAVE_ALAW`], [`WAVE_MULAW`]; 8 bits) or 16-bit PCM ([`WAVE_PCM`]). Found only in
    /// program streams (GB/T 28181's G.711, CCTV recorders'; `mpegps.rs`: in a transport
    /// stream the same types are Blu-ray's subtitles) and DAV files (`dhav.rs`).
    Wave {
        tag: u16,
        bits: u16,
    },
    /// Audio this build does not read: ffprobe's name and symphonia's id (or one made here).
    OtherAudio(&'static str, AudioCodecId),
    Data,
}

impl Es {
    pub fn kind(&self) -> Kind {
        if let Some(k) = self.sniffed {
            return k;
        }
        match (self.stream_type, self.registration.as_ref(), self.dolby) {
            (0x01, ..) => Kind::Video(wv::CODEC_ID_MPEG1),
            (0x02, ..) => Kind::Video(wv::CODEC_ID_MPEG2),
            (0x10, ..) => Kind::Video(wv::CODEC_ID_MPEG4),
            (0x1B, ..) => Kind::Video(wv::CODEC_ID_H264),
            (0x24, ..) => Kind::Video(wv::CODEC_ID_HEVC),
            (0x33, ..) => Kind::Video(wv::CODEC_ID_VVC),
            (0x03 | 0x04, ..) => Kind::Mpeg,
            (0x0F, ..) => Kind::Adts,
            (0x11, ..) => Kind::OtherAudio("aac_latm", CODEC_ID_LATM),
            (0x80, ..) => Kind::OtherAudio("pcm_bluray", CODEC_ID_PCM_BLURAY),
            (0x81, ..) | (0x06, Some(b"AC-3"), _) | (0x06, _, Some(0x6A)) => {
                Kind::OtherAudio("ac3", wa::CODEC_ID_AC3)
            }
            (0x87, ..) | (0x06, Some(b"EAC3"), _) | (0x06, _, Some(0x7A)) => {
                Kind::OtherAudio("eac3", wa::CODEC_ID_EAC3)
            }
            (0x82 | 0x85 | 0x86, ..) | (0x06, Some(b"DTS1" | b"DTS2" | b"DTS3"), _) => {
                Kind::OtherAudio("dts", wa::CODEC_ID_DCA)
            }
            (0x06, Some(b"Opus"), _) => Kind::OtherAudio("opus", CODEC_ID_TS_OPUS),
            _ => Kind::Data,
        }
    }
}

/// Ids for the audio a transport stream may carry that symphonia has no id for, so that such
/// a stream is named (ffprobe's names, in `symphonia::audio_codec_name`) where another is
/// analysed in its place; Opus has its own, but a TS's Opus is framed as no decoder here reads.
pub(crate) const CODEC_ID_LATM: AudioCodecId = AudioCodecId::new(FourCc::new(*b"latm"));
pub(crate) const CODEC_ID_PCM_BLURAY: AudioCodecId = AudioCodecId::new(FourCc::new(*b"bdpc"));
pub(crate) const CODEC_ID_TS_OPUS: AudioCodecId = AudioCodecId::new(FourCc::new(*b"tsop"));
/// DVD's LPCM, in a program stream's private stream 1 (`mpegps.rs`).
pub(crate) const CODEC_ID_PCM_DVD: AudioCodecId = AudioCodecId::new(FourCc::new(*b"dvdp"));
/// The speech codecs of GB/T 28181's program streams (`mpegps.rs`) other than G.711.
pub(crate) const CODEC_ID_G722_1: AudioCodecId = AudioCodecId::new(FourCc::new(*b"g721"));
pub(crate) const CODEC_ID_G723_1: AudioCodecId = AudioCodecId::new(FourCc::new(*b"g723"));
pub(crate) const CODEC_ID_G729: AudioCodecId = AudioCodecId::new(FourCc::new(*b"g729"));
pub(crate) const CODEC_ID_SVAC_AUDIO: AudioCodecId = AudioCodecId::new(FourCc::new(*b"svac"));
/// A DAV file's audio whose codec byte no reader knows (`dhav.rs`).
pub(crate) const CODEC_ID_DAV_UNKNOWN: AudioCodecId = AudioCodecId::new(FourCc::new(*b"dav?"));
const UNNAMED_BY_SYMPHONIA: [AudioCodecId; 9] = [
    CODEC_ID_DAV_UNKNOWN,
    CODEC_ID_LATM,
    CODEC_ID_PCM_BLURAY,
    CODEC_ID_TS_OPUS,
    CODEC_ID_PCM_DVD,
    CODEC_ID_G722_1,
    CODEC_ID_G723_1,
    CODEC_ID_G729,
    CODEC_ID_SVAC_AUDIO,
];

/// One PES packet of the audio stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pes {
    /// Its presentation time stamp, unwrapped (33-bit stamps counted on past a wrap).
    pub pts: Option<i64>,
    /// Where its payload starts in the audio stream's bytes.
    pub at: u64,
    /// Whether none of its packets was lost inside it or came in error.
    pub intact: bool,
    /// The payload bytes its header gives (`PES_packet_length`; audio writers give it), and
    /// the bytes that came: a packet lost at its end shows only in these.
    pub expected: Option<u64>,
    pub got: u64,
}

impl Pes {
    /// Whether all of it came.
    pub fn whole(&self) -> bool {
        self.intact && self.expected.is_none_or(|e| e == self.got)
    }
}

/// What a walk over a transport stream (or a program stream, `mpegps.rs`, or a DAV file,
/// `dhav.rs`) finds.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub streams: Vec<Es>,
    /// The earliest time stamp of each stream among its first [`START_PES`] PES packets.
    pub first_pts: Vec<Option<i64>>,
    /// The audio stream read (index into `streams`), its payloads as (file offset, length),
    /// and its PES packets.
    pub audio: Option<usize>,
    pub pieces: Vec<(u64, u32)>,
    pub pes: Vec<Pes>,
    /// Packets of the audio stream lost (continuity counter breaks) or marked in error.
    pub lost_packets: u64,
    pub error_packets: u64,
    /// Stretches (start, end) of the file where packets were out of sync, passed over.
    pub sync_damage: Vec<(u64, u64)>,
    /// Whether the last packet was cut short.
    pub cut: bool,
    /// What the walk was over.
    pub walked: Walked,
    /// Tags the file states (a DAV file's recorder clock), as (key, value).
    pub tags: Vec<(String, String)>,
}

/// The kind of file a [`Layout`] was walked from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walked {
    #[default]
    Transport,
    /// An MPEG program stream (`mpegps.rs`).
    Program,
    /// A Dahua DAV file (`dhav.rs`).
    Dav,
}

impl Walked {
    /// Whether the audio's frames may run across its packets, so that one lost breaks their
    /// chain ([`frames`] then takes it up again); a transport stream's writers start a PES
    /// packet on a frame.
    fn frames_cross_packets(self) -> bool {
        self != Walked::Transport
    }

    /// What the warnings call the file and its packets.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Walked::Transport => ("transport stream", "transport packet"),
            Walked::Program => ("program stream", "PES packet"),
            Walked::Dav => ("DAV file", "DAV frame"),
        }
    }
}

/// A PSI section being gathered from a PID's packets.
#[derive(Default)]
struct Section {
    buf: Vec<u8>,
    done: bool,
}

impl Section {
    /// Adds a packet's payload; the whole section once it is complete.
    fn add(&mut self, payload: &[u8], start: bool) -> Option<&[u8]> {
        if self.done {
            return None;
        }
        if start {
            let pointer = usize::from(*payload.first()?);
            self.buf = payload.get(1 + pointer..)?.to_vec();
        } else if !self.buf.is_empty() && self.buf.len() < MAX_SECTION {
            self.buf.extend_from_slice(payload);
        }
        let len = 3 + (usize::from(*self.buf.get(1)? & 0x0F) << 8 | usize::from(*self.buf.get(2)?));
        (self.buf.len() >= len).then(|| {
            self.done = true;
            &self.buf[..len]
        })
    }
}

/// The PMT PID of the first program of the PAT `s`.
fn pat(s: &[u8]) -> Option<u16> {
    if s.first() != Some(&0) {
        return None;
    }
    let entries = s.get(8..s.len().checked_sub(4)?)?;
    entries.chunks_exact(4).find_map(|e| {
        let program = u16::from_be_bytes([e[0], e[1]]);
        (program != 0).then(|| u16::from_be_bytes([e[2] & 0x1F, e[3]]))
    })
}

/// The elementary streams of the PMT `s`.
fn pmt(s: &[u8]) -> Vec<Es> {
    let mut out = Vec::new();
    if s.first() != Some(&2) || s.len() < 16 {
        return out;
    }
    let end = s.len() - 4;
    let info_len = usize::from(s[10] & 0x0F) << 8 | usize::from(s[11]);
    let mut at = 12 + info_len;
    while at + 5 <= end {
        let stream_type = s[at];
        let pid = u16::from_be_bytes([s[at + 1] & 0x1F, s[at + 2]]);
        let es_len = usize::from(s[at + 3] & 0x0F) << 8 | usize::from(s[at + 4]);
        let mut es = Es {
            pid,
            stream_type,
            ..Es::default()
        };
        let descriptors = s.get(at + 5..(at + 5 + es_len).min(end)).unwrap_or(&[]);
        let mut d = 0;
        while d + 2 <= descriptors.len() {
            let (tag, len) = (descriptors[d], usize::from(descriptors[d + 1]));
            let body = descriptors.get(d + 2..d + 2 + len).unwrap_or(&[]);
            match tag {
                0x05 if body.len() >= 4 => es.registration = body[..4].try_into().ok(),
                0x0A if body.len() >= 3 => {
                    es.language = Some(String::from_utf8_lossy(&body[..3]).into_owned());
                }
                0x6A | 0x7A => es.dolby = Some(tag),
                _ => {}
            }
            d += 2 + len;
        }
        out.push(es);
        at += 5 + es_len;
    }
    out
}

/// The PTS of the PES header opening `b`, and the header's length; `None` when `b` does not
/// open with one.
fn pes_header(b: &[u8]) -> Option<(Option<i64>, usize, Option<u64>)> {
    if b.get(..3)? != [0, 0, 1] {
        return None;
    }
    let len = 9 + usize::from(*b.get(8)?);
    // PES_packet_length counts the bytes after itself: three of flags and lengths, the
    // header's fields, the payload.
    let packet_len = u64::from(u16::from_be_bytes([*b.get(4)?, *b.get(5)?]));
    let expected = (packet_len > 0).then(|| packet_len.saturating_sub(3 + u64::from(b[8])));
    let pts = (b[7] & 0x80 != 0)
        .then(|| {
            let p = b.get(9..14)?;
            Some(
                i64::from((p[0] >> 1) & 7) << 30
                    | i64::from(p[1]) << 22
                    | i64::from(p[2] >> 1) << 15
                    | i64::from(p[3]) << 7
                    | i64::from(p[4] >> 1),
            )
        })
        .flatten();
    Some((pts, len, expected))
}

/// `pts` counted on past 33-bit wraps from `last`.
pub(crate) fn unwrap_pts(pts: i64, last: Option<i64>) -> i64 {
    const WRAP: i64 = 1 << 33;
    let Some(last) = last else { return pts };
    let mut p = pts + (last.div_euclid(WRAP)) * WRAP;
    if p < last - WRAP / 2 {
        p += WRAP;
    } else if p > last + WRAP / 2 {
        p -= WRAP;
    }
    p
}

/// Walks the transport stream `r` of `len` bytes, packets of `size` bytes with the sync byte
/// `sync_at` into each.
pub(crate) fn layout(r: &mut (impl Read + Seek), len: u64, size: u64, sync_at: u64) -> Layout {
    let mut out = Layout::default();
    let Ok(_) = r.seek(SeekFrom::Start(0)) else {
        return out;
    };
    let mut r = BufReader::with_capacity(1 << 20, r);
    let mut pat_section = Section::default();
    let mut pmt_pid = None;
    let mut pmt_section = Section::default();
    let mut pes_counts: Vec<usize> = Vec::new();
    let mut cc: Option<u8> = None;
    let mut last_pts = None;
    let mut audio_bytes = 0u64;
    let mut pkt = [0u8; 192];
    let size_us = size as usize;
    let mut pos = 0u64;
    let mut packets = 0u64;
    while pos < len && packets < MAX_PACKETS {
        packets += 1;
        let n = (len - pos).min(size) as usize;
        if r.read_exact(&mut pkt[..n]).is_err() {
            break;
        }
        if n < size_us {
            out.cut = true;
            break;
        }
        let p = &pkt[sync_at as usize..size_us];
        if p[0] != SYNC {
            // Out of sync: search on for three packets in step.
            let Some(next) = resync(&mut r, pos + 1, len, size, sync_at) else {
                out.sync_damage.push((pos, len));
                break;
            };
            out.sync_damage.push((pos, next));
            pos = next;
            continue;
        }
        pos += size;
        let error = p[1] & 0x80 != 0;
        let start = p[1] & 0x40 != 0;
        let pid = u16::from_be_bytes([p[1] & 0x1F, p[2]]);
        let control = (p[3] >> 4) & 3;
        let counter = p[3] & 0x0F;
        let mut at = 4usize;
        if control & 2 != 0 {
            at += 1 + usize::from(p[4]);
        }
        let payload = if control & 1 != 0 {
            p.get(at..).unwrap_or(&[])
        } else {
            &[]
        };
        if pid == 0 {
            if let Some(s) = pat_section.add(payload, start) {
                pmt_pid = pat(s);
                // A table that names no program (damaged) is read again from its next copy.
                if pmt_pid.is_none() {
                    pat_section = Section::default();
                }
            }
            continue;
        }
        if Some(pid) == pmt_pid && out.streams.is_empty() {
            if let Some(s) = pmt_section.add(payload, start) {
                out.streams = pmt(s);
                if out.streams.is_empty() {
                    pmt_section = Section::default();
                }
                out.first_pts = vec![None; out.streams.len()];
                pes_counts = vec![0; out.streams.len()];
                out.audio = out
                    .streams
                    .iter()
                    .position(|e| matches!(e.kind(), Kind::Adts | Kind::Mpeg));
            }
            continue;
        }
        let Some(i) = out.streams.iter().position(|e| e.pid == pid) else {
            continue;
        };
        let audio = out.audio == Some(i);
        if audio && control & 1 != 0 {
            // A counter that does not step on is a lost packet (a repeat keeps it).
            if let Some(c) = cc
                && counter != (c + 1) & 0x0F
                && counter != c
            {
                out.lost_packets += 1;
                // Lost inside the PES packet under way; or, before one that starts, at the end
                // of the one before, which its length says, when it gives one.
                if let Some(last) = out.pes.last_mut()
                    && (!start || last.expected.is_none())
                {
                    last.intact = false;
                }
            }
            cc = Some(counter);
        }
        if error {
            if audio {
                out.error_packets += 1;
                if let Some(last) = out.pes.last_mut() {
                    last.intact = false;
                }
            }
            continue;
        }
        let mut body = payload;
        if start {
            let Some((pts, header, expected)) = pes_header(payload) else {
                continue;
            };
            if let Some(pts) = pts {
                out.note_start(i, pts, &mut pes_counts);
            }
            if audio {
                let pts = pts.map(|p| unwrap_pts(p, last_pts));
                last_pts = pts.or(last_pts);
                out.pes.push(Pes {
                    pts,
                    at: audio_bytes,
                    intact: true,
                    expected,
                    got: 0,
                });
            }
            body = payload.get(header..).unwrap_or(&[]);
            // A private stream's first payload, when no audio stream is known yet: an ADTS or
            // MPEG audio frame header, or AC-3's sync word, says what it is.
            if out.audio.is_none()
                && out.streams[i].stream_type == 0x06
                && out.streams[i].kind() == Kind::Data
            {
                let sniffed = match body {
                    [0x0B, 0x77, ..] => Some(Kind::OtherAudio("ac3", wa::CODEC_ID_AC3)),
                    [0xFF, b, ..] if b & 0xF6 == 0xF0 => {
                        super::mpa::frame_facts(body).map(|_| Kind::Adts)
                    }
                    _ => super::mpa::frame_facts(body).map(|_| Kind::Mpeg),
                };
                out.streams[i].sniffed = sniffed;
                if matches!(sniffed, Some(Kind::Adts | Kind::Mpeg)) {
                    out.audio = Some(i);
                    cc = Some(counter);
                    last_pts = pts.map(|p| unwrap_pts(p, None));
                    out.pes.push(Pes {
                        pts: last_pts,
                        at: 0,
                        intact: true,
                        expected,
                        got: 0,
                    });
                }
            }
        }
        let audio = out.audio == Some(i);
        if audio && !out.pes.is_empty() && !body.is_empty() {
            let file_at = pos - size + sync_at + (p.len() - body.len()) as u64;
            out.pieces.push((file_at, body.len() as u32));
            audio_bytes += body.len() as u64;
            if let Some(last) = out.pes.last_mut() {
                last.got += body.len() as u64;
            }
        }
    }
    out
}

/// The first place at or after `from` where three packets in step begin (their sync bytes
/// `size` apart; those the file ends before are not asked for), read through `r`, which is
/// left there.
fn resync(
    r: &mut BufReader<impl Read + Seek>,
    from: u64,
    len: u64,
    size: u64,
    sync_at: u64,
) -> Option<u64> {
    let span = 3 * size as usize;
    let mut buf = vec![0u8; (1 << 16) + span];
    let mut p = from;
    while p + size <= len {
        r.seek(SeekFrom::Start(p)).ok()?;
        let n = ((len - p) as usize).min(buf.len());
        r.read_exact(&mut buf[..n]).ok()?;
        let b = &buf[..n];
        let whole = n as u64 == len - p;
        // Start places whose three packets lie in `b`, or run past the file's end.
        let last = if whole { n - size as usize } else { n - span };
        for i in 0..=last {
            let in_step = (0..3).all(|k| {
                let at = i + k * size as usize;
                at + size as usize > n && whole || b.get(at + sync_at as usize) == Some(&SYNC)
            });
            if in_step {
                r.seek(SeekFrom::Start(p + i as u64)).ok()?;
                return Some(p + i as u64);
            }
        }
        if whole {
            return None;
        }
        p += (last + 1) as u64;
    }
    None
}

impl Layout {
    /// Counts `pts`, a time stamp of stream `i`, toward where the stream starts if it is among
    /// the stream's first [`START_PES`] (`seen[i]` counts them).
    pub fn note_start(&mut self, i: usize, pts: i64, seen: &mut [usize]) {
        if seen[i] < START_PES {
            seen[i] += 1;
            let first = &mut self.first_pts[i];
            *first = Some(first.map_or(pts, |f: i64| f.min(pts)));
        }
    }

    /// Whether stream `i` is the audio read: the first that a pure-Rust reader reads, in a
    /// program stream or a DAV file, whose streams are found as their packets come.
    pub fn is_audio_read(&mut self, i: usize) -> bool {
        if self.audio.is_none()
            && matches!(
                self.streams[i].kind(),
                Kind::Adts | Kind::Mpeg | Kind::Wave { .. }
            )
        {
            self.audio = Some(i);
        }
        self.audio == Some(i)
    }

    /// The audio stream's bytes, read as one.
    fn source(&self, file: File) -> Spliced {
        let pieces = self
            .pieces
            .iter()
            .map(|&(at, len)| Piece::File {
                at,
                len: u64::from(len),
            })
            .collect();
        Spliced::new(file, pieces)
    }

    /// The earliest time stamp of any audio or video stream: the file's time 0.
    fn start_pts(&self) -> Option<i64> {
        self.streams
            .iter()
            .zip(&self.first_pts)
            .filter(|(e, _)| !matches!(e.kind(), Kind::Data))
            .filter_map(|(_, p)| *p)
            .min()
    }

    /// Where the audio's first frame plays on the file's timeline, in seconds.
    pub fn audio_start_s(&self) -> f64 {
        let first = self.pes.iter().find_map(|p| p.pts);
        match (first, self.start_pts()) {
            (Some(a), Some(s)) => ((a - s) as f64 / PTS_HZ).max(0.0),
            _ => 0.0,
        }
    }
}

/// Where the audio's time stamps run ahead of its frames or back, from `frames`: every frame
/// of the stream as (its offset in the stream's bytes, samples, sample rate).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Timing {
    /// Silence to put in: (the index of the frame it goes before, samples at the frames'
    /// rate), between PES packets that came whole.
    pub fills: Vec<(u64, u64)>,
    /// Seconds filled, and gaps left unfilled (around lost packets, or too long).
    pub filled_s: f64,
    pub unfilled: Vec<(f64, f64)>,
    /// Places where the stamps run back: (time on the decoded timeline, seconds).
    pub back: Vec<(f64, f64)>,
}

/// The gaps and jumps of `pes` against `frames` (offset, samples, rate).
fn timing(pes: &[Pes], frames: &[(u64, u32, u32)]) -> Timing {
    let mut t = Timing::default();
    let Some(&(_, _, rate)) = frames.first() else {
        return t;
    };
    let rate = f64::from(rate);
    // The frames starting before each PES packet's payload, and their samples.
    let mut k = 0usize;
    let mut samples = 0u64;
    let mut prev: Option<(i64, u64, bool)> = None;
    let mut filled_samples = 0u64;
    // Where the walk over the frames stopped: the frames after it are not counted.
    let walked = frames.last().map_or(0, |f| f.0);
    for p in pes.iter().take_while(|p| p.at <= walked) {
        while k < frames.len() && frames[k].0 < p.at {
            samples += u64::from(frames[k].1);
            k += 1;
        }
        let Some(pts) = p.pts else { continue };
        if let Some((last_pts, last_samples, intact)) = prev {
            let expected = last_pts as f64 + (samples - last_samples) as f64 / rate * PTS_HZ;
            let ahead_s = (pts as f64 - expected) / PTS_HZ;
            let at_s = (samples + filled_samples) as f64 / rate;
            if ahead_s > GAP_TOLERANCE_S {
                let fits = ahead_s <= super::MAX_GAP_FILL_S
                    && t.filled_s + ahead_s <= super::MAX_TOTAL_GAP_FILL_S;
                if intact && fits {
                    let n = (ahead_s * rate).round() as u64;
                    t.fills.push((k as u64, n));
                    t.filled_s += ahead_s;
                    filled_samples += n;
                } else {
                    t.unfilled.push((at_s, ahead_s));
                }
            } else if ahead_s < -GAP_TOLERANCE_S {
                t.back.push((at_s, -ahead_s));
            }
        }
        prev = Some((pts, samples, p.whole()));
    }
    t
}

/// Every frame of the elementary stream `src` (MPEG audio or ADTS): (offset, samples, rate).
/// Where the chain breaks the walk stops, and the gaps after it are not looked for; or, with
/// `resync` (a program stream, whose frames run across PES packets, so that a packet lost
/// breaks the chain), it takes the chain up again at the next two frames in step
/// ([`next_frame_at`]), as symphonia's reader does.
fn frames(src: &mut Spliced, resync: bool) -> Vec<(u64, u32, u32)> {
    let len = src.len;
    let mut out = Vec::new();
    let mut r = BufReader::with_capacity(1 << 16, src);
    let mut at = 0u64;
    let mut h = [0u8; 7];
    while at + 7 <= len {
        // From one frame's header to the next: within the reader's buffer, most of the time.
        if r.read_exact(&mut h).is_err() {
            break;
        }
        match super::mpa::frame_facts(&h) {
            Some((flen, samples, rate)) if flen >= 7 => {
                out.push((at, samples, rate));
                at += u64::from(flen);
                if r.seek_relative(i64::from(flen) - 7).is_err() {
                    break;
                }
            }
            _ => {
                let next = resync.then(|| next_frame_at(&mut r, at + 1, len)).flatten();
                match next {
                    Some(p) if r.seek(SeekFrom::Start(p)).is_ok() => at = p,
                    _ => break,
                }
            }
        }
    }
    out
}

/// Bytes searched for the next frame after a break in the chain.
const MAX_FRAME_SEARCH: u64 = 1 << 20;

/// The first place at or after `from` (within [`MAX_FRAME_SEARCH`] bytes) where a frame header
/// opens a frame followed by another at the same rate (or by the end of the stream).
fn next_frame_at(r: &mut BufReader<&mut Spliced>, from: u64, len: u64) -> Option<u64> {
    let stop = len.min(from + MAX_FRAME_SEARCH);
    let mut buf = vec![0u8; 1 << 16];
    let mut pos = from;
    while pos + 7 <= stop {
        r.seek(SeekFrom::Start(pos)).ok()?;
        let n = r.read(&mut buf).ok()?;
        if n < 7 {
            return None;
        }
        for i in 0..n - 6 {
            let Some((flen, _, rate)) = super::mpa::frame_facts(&buf[i..i + 7]) else {
                continue;
            };
            let p = pos + i as u64;
            let next = p + u64::from(flen);
            if next + 7 > len {
                return Some(p);
            }
            let mut h2 = [0u8; 7];
            r.seek(SeekFrom::Start(next)).ok()?;
            if r.read_exact(&mut h2).is_ok()
                && super::mpa::frame_facts(&h2).is_some_and(|(_, _, r2)| r2 == rate)
            {
                return Some(p);
            }
        }
        pos += (n - 6) as u64;
    }
    None
}

/// ffprobe's container name and long name.
const FORMAT_INFO: FormatInfo = FormatInfo {
    format: FormatId::new(FourCc::new(*b"mpts")),
    short_name: "mpegts",
    long_name: "MPEG-TS (MPEG-2 Transport Stream)",
};

/// Opens the transport stream `path` (packets framed as `framing` gives): its reader, the
/// warnings its damage and time stamps call for, and the silence to put in the audio
/// (`Timing::fills`).
///
/// # Errors
/// No program map; an audio stream no pure-Rust decoder reads (named); no audio stream.
pub(crate) fn open(path: &Path, file: File, (size, sync_at): (u64, u64)) -> Result<Opened> {
    open_walked(
        path,
        file,
        |f, len| layout(f, len, size, sync_at),
        "corrupt MPEG-TS: no program map table (PAT/PMT) was found",
        FORMAT_INFO,
    )
}

/// Opens `path` walked by `walk` (given the file and its length) as [`open_layout`] does;
/// `none_found` is the error when the walk finds no stream.
///
/// # Errors
/// No stream found; those of [`open_layout`].
pub(crate) fn open_walked(
    path: &Path,
    mut file: File,
    walk: impl FnOnce(&mut File, u64) -> Layout,
    none_found: &str,
    info: FormatInfo,
) -> Result<Opened> {
    let len = file.metadata().map_err(|e| Error::read(path, &e))?.len();
    let layout = walk(&mut file, len);
    if layout.streams.is_empty() {
        return Err(Error::media(path, none_found));
    }
    open_layout(path, &layout, info)
}

/// The reader of an MPEG transport or program stream walked as `layout`, with the warnings
/// and silence of [`open`].
///
/// # Errors
/// An audio stream no pure-Rust decoder reads (named); the audio stream unreadable.
pub(crate) fn open_layout(path: &Path, layout: &Layout, info: FormatInfo) -> Result<Opened> {
    let mut tracks = Vec::with_capacity(layout.streams.len());
    let mut feed = Feed::None;
    let mut notes = Vec::new();
    let mut fills = Vec::new();
    for (i, es) in layout.streams.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let mut t = Track::new(id);
        match es.kind() {
            Kind::Video(codec) => {
                let mut v = VideoCodecParameters::default();
                v.for_codec(codec);
                t.with_codec_params(CodecParameters::Video(v));
            }
            Kind::Adts | Kind::Mpeg if layout.audio == Some(i) => {
                let ext = if es.kind() == Kind::Adts {
                    "aac"
                } else {
                    "mp3"
                };
                let f = File::open(path).map_err(|e| Error::read(path, &e))?;
                let reader = inner_reader(layout.source(f), ext).map_err(|e| {
                    let why = match es.kind() {
                        Kind::Mpeg => File::open(path).map_or_else(
                            |_| e.to_string(),
                            |f| super::splice::mpeg_refusal(&mut layout.source(f)),
                        ),
                        _ => e.to_string(),
                    };
                    Error::media(
                        path,
                        format!(
                            "its {} audio stream (stream {i}) cannot be read: {why}; {}",
                            if ext == "aac" { "AAC" } else { "MPEG" },
                            super::symphonia::unsupported_hint()
                        ),
                    )
                })?;
                t = audio_track(path, reader.as_ref(), layout, i)?;
                let f = File::open(path).map_err(|e| Error::read(path, &e))?;
                let timing = timing(
                    &layout.pes,
                    &frames(&mut layout.source(f), layout.walked.frames_cross_packets()),
                );
                notes.extend(timing_notes(&timing));
                fills = timing.fills;
                feed = Feed::Inner { reader, id };
            }
            Kind::Wave { tag, bits } if layout.audio == Some(i) => {
                let (reader, wave_notes) = wave_reader(path, layout, es, i, (tag, bits))?;
                notes.extend(wave_notes);
                t = audio_track(path, reader.as_ref(), layout, i)?;
                feed = Feed::Inner { reader, id };
            }
            Kind::Wave { tag, .. } => {
                let mut a = AudioCodecParameters::new();
                a.for_codec(match tag {
                    WAVE_MULAW => wa::CODEC_ID_PCM_MULAW,
                    WAVE_ALAW => wa::CODEC_ID_PCM_ALAW,
                    _ => wa::CODEC_ID_PCM_S16LE,
                });
                t.with_codec_params(CodecParameters::Audio(a));
            }
            Kind::Adts | Kind::Mpeg => {
                let mut a = AudioCodecParameters::new();
                a.for_codec(if es.kind() == Kind::Adts {
                    wa::CODEC_ID_AAC
                } else {
                    wa::CODEC_ID_MP2
                });
                t.with_codec_params(CodecParameters::Audio(a));
            }
            Kind::OtherAudio(name, codec) => {
                if layout.audio.is_none() && UNNAMED_BY_SYMPHONIA.contains(&codec) {
                    return Err(Error::UnsupportedCodec {
                        path: path.to_path_buf(),
                        codec: name.to_string(),
                        hint: super::symphonia::unsupported_hint(),
                    });
                }
                let mut a = AudioCodecParameters::new();
                a.for_codec(codec);
                t.with_codec_params(CodecParameters::Audio(a));
            }
            Kind::Data => {}
        }
        if !matches!(es.kind(), Kind::Data)
            && t.time_base.is_none()
            && let Some(tb) = TimeBase::try_new(1, 90_000)
        {
            t.with_time_base(tb);
        }
        if let Some(lang) = &es.language {
            t.with_language(lang);
        }
        tracks.push(t);
    }
    notes.extend(damage_notes(layout));
    let reader = Listed {
        info,
        media: MediaInfo::from_tracks(&tracks),
        tracks,
        metadata: tag_log(&layout.tags),
        feed,
    };
    Ok((Box::new(reader), notes, fills))
}

/// The tags `tags` as symphonia's metadata.
fn tag_log(tags: &[(String, String)]) -> MetadataLog {
    let mut log = MetadataLog::default();
    if !tags.is_empty() {
        let mut b = MetadataBuilder::new(MetadataInfo {
            metadata: MetadataId::new(FourCc::new(*b"tags")),
            short_name: "tags",
            long_name: "tags the container states",
        });
        for (k, v) in tags {
            b.add_tag(Tag::new(RawTag::new(k.clone(), v.clone())));
        }
        log.push(b.build());
    }
    log
}

/// Track `i` of a transport or program stream: the first track of `reader`, its audio
/// stream's reader, numbered `i` and starting where the stream's time stamps put it.
fn audio_track(path: &Path, reader: &dyn FormatReader, layout: &Layout, i: usize) -> Result<Track> {
    let Some(first) = reader.tracks().first() else {
        return Err(Error::media(
            path,
            format!("its audio stream (stream {i}) holds no audio"),
        ));
    };
    let mut t = first.clone();
    t.id = u32::try_from(i).unwrap_or(u32::MAX);
    // The reader's length is an estimate from the bytes; the census counts.
    t.num_frames = None;
    t.duration = None;
    if let Some(tb) = t.time_base {
        let s = layout.audio_start_s();
        t.start_ts = Timestamp::new(
            (s * f64::from(tb.denom.get()) / f64::from(tb.numer.get())).round() as i64,
        );
    }
    Ok(t)
}

/// The reader of audio stream `i` of `layout`, `es`, as a WAV of format `tag` and `bits` a
/// sample over its payloads, the gaps its time stamps show filled with the codec's silence;
/// and the warnings its stamps call for. The rate and channels are the container's where it
/// states them; G.711's otherwise come from the stamps ([`g711_rate`]), mono.
fn wave_reader(
    path: &Path,
    layout: &Layout,
    es: &Es,
    i: usize,
    (tag, bits): (u16, u16),
) -> Result<(Box<dyn FormatReader>, Vec<String>)> {
    let mut notes = Vec::new();
    let (rate, channels) = match es.audio_format {
        Some(f) => f,
        None => {
            let (rate, note) = g711_rate(&layout.pes);
            notes.extend(note);
            (rate, 1)
        }
    };
    let align = u32::from(channels.max(1)) * u32::from(bits / 8).max(1);
    // Each payload is a "frame" of as many samples as it holds whole.
    let frames: Vec<(u64, u32, u32)> = layout
        .pes
        .iter()
        .filter(|p| p.got > 0)
        .map(|p| {
            (
                p.at,
                u32::try_from(p.got / u64::from(align)).unwrap_or(u32::MAX),
                rate,
            )
        })
        .collect();
    let timing = timing(&layout.pes, &frames);
    notes.extend(timing_notes(&timing));
    // The silence goes into the WAV read, before the payload it precedes.
    let gaps: Vec<(usize, u64)> = timing
        .fills
        .iter()
        .map(|&(k, n)| {
            (
                usize::try_from(k).unwrap_or(usize::MAX),
                n * u64::from(align),
            )
        })
        .collect();
    let silence = match tag {
        WAVE_ALAW => 0xD5,
        WAVE_MULAW => 0xFF,
        _ => 0,
    };
    let mut format = Vec::with_capacity(18);
    format.extend(tag.to_le_bytes());
    format.extend(channels.to_le_bytes());
    format.extend(rate.to_le_bytes());
    format.extend((rate * align).to_le_bytes());
    format.extend(u16::try_from(align).unwrap_or(u16::MAX).to_le_bytes());
    format.extend(bits.to_le_bytes());
    if tag != WAVE_PCM {
        // cbSize: symphonia's reader takes only the 18-byte form for G.711.
        format.extend(0u16.to_le_bytes());
    }
    let f = File::open(path).map_err(|e| Error::read(path, &e))?;
    let pieces = wave_pieces(&format, &layout.pieces, &gaps, silence);
    let reader = inner_reader(Spliced::new(f, pieces), "wav").map_err(|e| {
        Error::media(
            path,
            format!("its audio stream (stream {i}) cannot be read: {e}"),
        )
    })?;
    Ok((reader, notes))
}

/// G.711's sample rates: the standard's, and the wideband rate some cameras use.
const G711_RATES: [u32; 2] = [8000, 16_000];
/// How far (as a fraction) the rate the time stamps give may lie from a G.711 rate and be
/// taken for it.
const G711_RATE_TOLERANCE: f64 = 0.1;

/// The sample rate of a G.711 stream (a byte a sample) of PES packets `pes`: the rate among
/// [`G711_RATES`] its time stamps give (the median of bytes over time between consecutive
/// stamped packets that came whole, so a gap does not count); 8 kHz, with a warning, when
/// they give neither, or none.
fn g711_rate(pes: &[Pes]) -> (u32, Option<String>) {
    let stamped: Vec<&Pes> = pes
        .iter()
        .filter(|p| p.pts.is_some() && p.whole())
        .collect();
    let mut rates: Vec<f64> = stamped
        .windows(2)
        .filter_map(|w| {
            let dt = (w[1].pts? - w[0].pts?) as f64 / PTS_HZ;
            (dt > 0.0 && w[1].at > w[0].at).then(|| (w[1].at - w[0].at) as f64 / dt)
        })
        .collect();
    if rates.is_empty() {
        return (G711_RATES[0], None);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    match G711_RATES
        .iter()
        .find(|&&r| (median / f64::from(r) - 1.0).abs() <= G711_RATE_TOLERANCE)
    {
        Some(&r) => (r, None),
        None => (
            G711_RATES[0],
            Some(format!(
                "the G.711 audio's time stamps give {median:.0} samples a second, no rate \
                 G.711 is sent at: it is read at {} Hz, and its times may be off by that ratio",
                G711_RATES[0]
            )),
        ),
    }
}

/// The warnings for the audio's time stamps.
fn timing_notes(t: &Timing) -> Vec<String> {
    let mut out = Vec::new();
    if !t.fills.is_empty() {
        out.push(format!(
            "the audio's time stamps run ahead of its frames in {} place(s), {:.3} s in all \
             (audio missing from the stream: a dropped segment or a reception dropout): \
             silence is put in its place, so the times after it stay where the stream's clock \
             puts them",
            t.fills.len(),
            t.filled_s
        ));
    }
    if let Some(&(at, s)) = t.unfilled.first() {
        out.push(format!(
            "the audio's time stamps run ahead of its frames in {} place(s) not filled (next to \
             lost packets, or too long), the first {s:.3} s at {at:.3} s: the audio on either \
             side is joined, so times after it may be early by that much",
            t.unfilled.len()
        ));
    }
    if let Some(&(at, s)) = t.back.first() {
        out.push(format!(
            "the audio's time stamps run back in {} place(s), the first by {s:.3} s at {at:.3} s \
             (recordings spliced, or the encoder's clock reset): times here follow the audio \
             end to end, not the stamps",
            t.back.len()
        ));
    }
    out
}

/// The warnings for lost, damaged and cut packets.
fn damage_notes(l: &Layout) -> Vec<String> {
    let mut out = Vec::new();
    if l.lost_packets + l.error_packets > 0 {
        out.push(format!(
            "the audio stream's packets skip in {} place(s) (its continuity counter: packets \
             lost) and {} are marked in error (a reception or copy fault): the audio in them is \
             lost",
            l.lost_packets, l.error_packets
        ));
    }
    let (stream, packet) = l.walked.names();
    if let Some(&(first, _)) = l.sync_damage.first() {
        let bytes: u64 = l.sync_damage.iter().map(|d| d.1 - d.0).sum();
        out.push(format!(
            "the {stream} loses its sync in {} place(s), {bytes} bytes, the first at byte \
             {first}: bytes that are no {packet}, passed over (the {packet}s there are lost)",
            l.sync_damage.len()
        ));
    }
    if l.cut {
        out.push(format!("the file is truncated: it ends inside a {packet}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 188-byte packet of `pid` with `payload` (padded with an adaptation field's stuffing).
    fn packet(pid: u16, start: bool, counter: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![
            SYNC,
            (pid >> 8) as u8 | if start { 0x40 } else { 0 },
            pid as u8,
        ];
        let room = 184 - payload.len();
        if room == 0 {
            p.push(0x10 | counter);
        } else {
            p.push(0x30 | counter);
            p.push((room - 1) as u8);
            if room > 1 {
                p.push(0);
                p.extend(std::iter::repeat_n(0xFF, room - 2));
            }
        }
        p.extend(payload);
        assert_eq!(p.len(), 188);
        p
    }

    fn section(mut body: Vec<u8>) -> Vec<u8> {
        // Length counts from after the length field, the CRC included.
        let len = body.len() - 3 + 4;
        body[1] = 0xB0 | (len >> 8) as u8;
        body[2] = len as u8;
        body.extend([0; 4]);
        let mut s = vec![0u8];
        s.extend(body);
        s
    }

    fn pts_bytes(pts: i64) -> [u8; 5] {
        [
            0x21 | ((pts >> 29) & 0x0E) as u8,
            (pts >> 22) as u8,
            0x01 | ((pts >> 14) & 0xFE) as u8,
            (pts >> 7) as u8,
            0x01 | ((pts << 1) & 0xFE) as u8,
        ]
    }

    /// An ADTS frame of AAC-LC, 48 kHz mono, `n` bytes long.
    fn adts(n: usize) -> Vec<u8> {
        let mut f = vec![
            0xFF,
            0xF1,
            0x4C,
            0x40,
            (n >> 3) as u8,
            ((n & 7) << 5) as u8 | 0x1F,
            0xFC,
        ];
        f.resize(n, 0x21);
        f
    }

    /// A stream of H.264 video (PID 256, one PES stamped `video_pts`) and AAC (PID 257): PES
    /// packets of `frames` ADTS frames, stamped as `pts`, each in one packet.
    fn stream(video_pts: i64, pes: &[(i64, usize)], lose: Option<usize>) -> Vec<u8> {
        let mut b = packet(
            0,
            true,
            0,
            &section(vec![0, 0, 0, 0, 1, 0xC1, 0, 0, 0, 1, 0xE0, 0x20]),
        );
        let pmt = section(vec![
            2, 0, 0, 0, 1, 0xC1, 0, 0, 0xE1, 0x00, 0xF0, 0x00, 0x1B, 0xE1, 0x00, 0xF0, 0x00, 0x0F,
            0xE1, 0x01, 0xF0, 0x06, 0x0A, 0x04, b'e', b'n', b'g', 0,
        ]);
        b.extend(packet(0x20, true, 0, &pmt));
        let mut v = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5];
        v.extend(pts_bytes(video_pts));
        b.extend(packet(256, true, 0, &v));
        for (k, &(pts, frames)) in pes.iter().enumerate() {
            let mut a = vec![0, 0, 1, 0xC0, 0, 0, 0x80, 0x80, 5];
            a.extend(pts_bytes(pts));
            for _ in 0..frames {
                a.extend(adts(20));
            }
            if lose != Some(k) {
                b.extend(packet(257, true, (k % 16) as u8, &a));
            }
        }
        b
    }

    fn walk(b: &[u8]) -> Layout {
        layout(&mut std::io::Cursor::new(b), b.len() as u64, 188, 0)
    }

    #[test]
    fn the_program_streams_and_audio_payloads_are_found() {
        // Audio from 0.1 s after the video; 3 frames (64 ms at 48 kHz) a PES.
        let step = 3 * 1024 * 90_000 / 48_000;
        let b = stream(900_000, &[(909_000, 3), (909_000 + step, 3)], None);
        assert_eq!(framing(&b), Some((188, 0)));
        let l = walk(&b);
        assert_eq!(l.streams.len(), 2);
        assert_eq!(l.streams[0].kind(), Kind::Video(wv::CODEC_ID_H264));
        assert_eq!(l.streams[1].kind(), Kind::Adts);
        assert_eq!(l.streams[1].language.as_deref(), Some("eng"));
        assert_eq!(l.audio, Some(1));
        assert_eq!(l.pieces.len(), 2);
        assert!(l.pieces.iter().all(|p| p.1 == 60));
        assert!((l.audio_start_s() - 0.1).abs() < 1e-9);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ts");
        std::fs::write(&path, &b).unwrap();
        let mut src = l.source(File::open(&path).unwrap());
        let f = frames(&mut src, false);
        assert_eq!(f.len(), 6);
        assert_eq!(f[3], (60, 1024, 48_000));
        assert_eq!(timing(&l.pes, &f), Timing::default());
    }

    #[test]
    fn stamps_ahead_of_the_frames_are_filled_and_stamps_back_are_named() {
        let step = 3 * 1024 * 90_000 / 48_000;
        // The third PES comes 0.5 s late (a dropped segment), the fourth 1 s back.
        let pes = [
            (0, 3),
            (step, 3),
            (2 * step + 45_000, 3),
            (3 * step - 45_000, 3),
        ];
        let b = stream(0, &pes, None);
        let l = walk(&b);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ts");
        std::fs::write(&path, &b).unwrap();
        let t = timing(
            &l.pes,
            &frames(&mut l.source(File::open(&path).unwrap()), false),
        );
        assert_eq!(t.fills, vec![(6, 24_000)]);
        assert!((t.filled_s - 0.5).abs() < 1e-9);
        assert_eq!(t.back.len(), 1);
        assert!((t.back[0].1 - 1.0).abs() < 1e-9, "{t:?}");
        let notes = timing_notes(&t);
        assert!(notes[0].contains("0.500 s in all") && notes[1].contains("run back"));
        // A lost packet: the PES before the gap is not whole, so the gap is not filled.
        let b = stream(
            0,
            &[(0, 3), (step, 3), (2 * step, 3), (3 * step, 3)],
            Some(2),
        );
        let l = walk(&b);
        assert_eq!(l.lost_packets, 1);
        std::fs::write(&path, &b).unwrap();
        let t = timing(
            &l.pes,
            &frames(&mut l.source(File::open(&path).unwrap()), false),
        );
        assert!(t.fills.is_empty());
        assert_eq!(t.unfilled.len(), 1);
    }

    #[test]
    fn a_damaged_first_table_is_read_from_its_next_copy() {
        let good = stream(0, &[(0, 3)], None);
        // A PAT copy whose section names no program, then the stream (its own PAT first).
        let mut b = packet(0, true, 0, &section(vec![0, 0, 0, 0, 1, 0xC1, 0, 0]));
        b.extend(&good);
        let l = walk(&b);
        assert_eq!(l.streams.len(), 2);
        assert_eq!(l.pieces.len(), 1);
    }

    #[test]
    fn time_stamps_wrap_and_m2ts_framing_is_found() {
        let wrap = 1i64 << 33;
        assert_eq!(unwrap_pts(10, Some(wrap - 10)), wrap + 10);
        assert_eq!(unwrap_pts(wrap - 10, Some(wrap + 5)), wrap - 10);
        assert_eq!(unwrap_pts(500, None), 500);
        let mut m2ts = vec![0u8; 192 * 3];
        for k in 0..3 {
            m2ts[4 + 192 * k] = SYNC;
        }
        assert_eq!(framing(&m2ts), Some((192, 4)));
        assert_eq!(framing(&[SYNC; 100]), None);
    }

    #[test]
    fn lost_sync_is_passed_over() {
        let step = 3 * 1024 * 90_000 / 48_000;
        let mut b = stream(0, &[(0, 3), (step, 3), (2 * step, 3)], None);
        // 50 bytes of garbage after the fourth packet.
        b.splice(4 * 188..4 * 188, std::iter::repeat_n(0x00, 50));
        let l = walk(&b);
        assert_eq!(l.sync_damage, vec![(4 * 188, 4 * 188 + 50)]);
        assert_eq!(l.pieces.len(), 3);
        assert!(damage_notes(&l)[0].contains("50 bytes"));
    }

    #[test]
    fn g711_rate_is_what_the_stamps_give() {
        // Packets of `n` bytes stamped every 40 ms, the third lost (its stamp's gap not
        // counted against the rate, being one interval of several).
        let stream = |n: u64| -> Vec<Pes> {
            (0..8u64)
                .filter(|&k| k != 3)
                .enumerate()
                .map(|(i, k)| Pes {
                    pts: Some(1_000 + k as i64 * 3_600),
                    at: i as u64 * n,
                    intact: true,
                    expected: Some(n),
                    got: n,
                })
                .collect()
        };
        assert_eq!(g711_rate(&stream(320)), (8_000, None));
        assert_eq!(g711_rate(&stream(640)), (16_000, None));
        let (rate, note) = g711_rate(&stream(480));
        assert_eq!(rate, 8_000);
        assert!(note.unwrap().contains("12000 samples a second"));
        assert_eq!(g711_rate(&[]), (8_000, None));
    }
}
