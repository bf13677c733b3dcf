//! AVI files (RIFF `AVI `, with OpenDML's `AVIX` continuations) read in pure Rust, so that the
//! recordings of dashcams, CCTV recorders and older body cameras need no FFmpeg: their PCM,
//! G.711 (A-law, µ-law), IMA or Microsoft ADPCM, MP3, MP2 or AAC audio, on the timeline its
//! chunks give.
//!
//! An AVI's audio has no time stamps: it plays from the stream's `dwStart` on, its chunks end
//! to end (Microsoft, *AVI RIFF File Reference*; OpenDML AVI File Format Extensions 1.02). So
//! the file's chunks are walked once, in file order, and the audio stream's payloads are read
//! as one: as the `data` of a WAV file whose `fmt ` is the stream's own `WAVEFORMATEX` (PCM,
//! G.711, ADPCM: symphonia's WAV reader and decoders then read it, block by block), as an
//! MPEG audio elementary stream (MP3 and MP2 chunks need not hold whole frames), or, AAC, a
//! chunk a packet with the stream's `AudioSpecificConfig`.
//!
//! The walk follows the chunks themselves, not the index at the end: a camera that loses
//! power leaves the file without its index and with zero lengths in its headers, and a copy
//! cut short has neither; both are read to their end and said to be so. Where the chunk chain
//! breaks (damaged bytes), the walk searches on for the next chunk of a stream, and the index,
//! when there is one, says how much audio the damaged bytes held: PCM, G.711 and ADPCM get
//! that much silence in its place, so the times after it stay where they were.
//!
//! Written by hand: symphonia 0.6 reads no AVI, and the AVI readers on crates.io
//! (`oxideav-avi`, `rivet-container`) are early releases tied to their own frameworks' packet
//! types, which read neither the damaged nor the unfinished files cameras leave. Bounded:
//! [`MAX_HEADER_BYTES`] of headers are read into memory, [`MAX_CHUNKS`] chunk headers visited.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::audio::Channels;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters, CODEC_ID_NULL_AUDIO};
use symphonia::core::codecs::video::well_known as wv;
use symphonia::core::codecs::video::{CODEC_ID_NULL_VIDEO, VideoCodecId, VideoCodecParameters};
use symphonia::core::formats::well_known::FORMAT_ID_AVI;
use symphonia::core::formats::{FormatInfo, FormatReader, MediaInfo, Track};
use symphonia::core::meta::well_known::METADATA_ID_WAVE;
use symphonia::core::meta::{MetadataBuilder, MetadataInfo, MetadataLog, RawTag, Tag};
use symphonia::core::units::{Duration, TimeBase, Timestamp};

use super::splice::{Feed, Listed, Piece, Spliced, inner_reader, wave_pieces};
use crate::error::{Error, Result};

/// Bytes of an `hdrl` or `INFO` list read into memory (a stream's OpenDML super index is a
/// few tens of kilobytes); larger lists are read no further.
pub const MAX_HEADER_BYTES: u64 = 16 << 20;
/// Chunk headers visited before the walk stops (a two-hour dashcam recording has under a
/// million).
pub const MAX_CHUNKS: u64 = 20_000_000;
/// A stream chunk longer than this is taken for damage (a 4K frame is a few megabytes).
pub const MAX_CHUNK_BYTES: u32 = 64 << 20;
/// `RIFF` chunks followed (the first `AVI ` and OpenDML's `AVIX`, about one a gigabyte).
const MAX_RIFFS: usize = 4096;
/// `idx1` entries read.
const MAX_INDEX_ENTRIES: u64 = 4_000_000;

/// Whether `head` opens an AVI file.
pub(crate) fn is_avi(head: &[u8]) -> bool {
    head.get(..4) == Some(b"RIFF") && head.get(8..12) == Some(b"AVI ")
}

/// One stream's header (`strh`) and format (`strf`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StreamHead {
    /// `vids`, `auds`, `txts`, ...
    pub kind: [u8; 4],
    /// The codec's FourCC (video; often zero for audio).
    pub handler: [u8; 4],
    /// The stream's time unit is `scale / rate` seconds.
    pub scale: u32,
    pub rate: u32,
    /// Where the stream starts, in its time units.
    pub start: u32,
    /// The `strf` chunk: `WAVEFORMATEX` for audio, `BITMAPINFOHEADER` for video.
    pub format: Vec<u8>,
}

impl StreamHead {
    pub fn is_audio(&self) -> bool {
        &self.kind == b"auds"
    }

    pub fn is_video(&self) -> bool {
        &self.kind == b"vids"
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        Some(u16::from_le_bytes(
            self.format.get(at..at + 2)?.try_into().ok()?,
        ))
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(
            self.format.get(at..at + 4)?.try_into().ok()?,
        ))
    }

    /// `WAVEFORMATEX.wFormatTag`.
    pub fn format_tag(&self) -> Option<u16> {
        self.u16_at(0)
    }

    pub fn channels(&self) -> u16 {
        self.u16_at(2).unwrap_or(0)
    }

    pub fn sample_rate(&self) -> u32 {
        self.u32_at(4).unwrap_or(0)
    }

    fn avg_bytes_per_s(&self) -> u32 {
        self.u32_at(8).unwrap_or(0)
    }

    pub fn bits_per_sample(&self) -> u16 {
        self.u16_at(14).unwrap_or(0)
    }

    /// The codec-specific bytes after a `WAVEFORMATEX` (`cbSize` of them).
    pub fn extra(&self) -> &[u8] {
        let n = usize::from(self.u16_at(16).unwrap_or(0));
        self.format.get(18..).map_or(&[], |b| &b[..n.min(b.len())])
    }

    /// A video stream's width and height (`BITMAPINFOHEADER`).
    pub fn picture(&self) -> Option<(u32, u32)> {
        let w = self.u32_at(4)? as i32;
        let h = self.u32_at(8)? as i32;
        Some((w.unsigned_abs(), h.unsigned_abs()))
    }

    /// A video stream's compression FourCC (`biCompression`), else its handler.
    pub fn fourcc(&self) -> [u8; 4] {
        match self.format.get(16..20) {
            Some(c) if c.iter().any(|&b| b != 0) => c.try_into().unwrap_or(self.handler),
            _ => self.handler,
        }
    }

    /// Seconds of one time unit; `None` for a zero rate or scale.
    pub fn unit_s(&self) -> Option<f64> {
        (self.scale > 0 && self.rate > 0).then(|| f64::from(self.scale) / f64::from(self.rate))
    }

    /// Where the stream starts (`dwStart`), in seconds.
    pub fn start_s(&self) -> f64 {
        self.unit_s().map_or(0.0, |u| f64::from(self.start) * u)
    }
}

/// How an audio stream's bytes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    /// PCM, IEEE float, A-law, µ-law, IMA or Microsoft ADPCM, extensible: a virtual WAV file,
    /// silence filled with this byte.
    Wave { silence: u8 },
    /// MPEG audio layer 1-3: the chunks' bytes end to end.
    Mpeg,
    /// AAC: a chunk a packet.
    Aac,
    /// Anything else (AC-3, DTS, G.726, GSM, WMA, ...): the tag, named.
    Other(u16),
}

impl Coding {
    pub fn of(tag: u16, bits: u16) -> Self {
        match tag {
            // PCM (8-bit PCM is unsigned: its silence is 0x80), IEEE float, extensible.
            0x0001 if bits == 8 => Coding::Wave { silence: 0x80 },
            0x0001 | 0x0003 | 0xFFFE => Coding::Wave { silence: 0 },
            // G.711 A-law and µ-law: the codes of zero.
            0x0006 => Coding::Wave { silence: 0xD5 },
            0x0007 => Coding::Wave { silence: 0xFF },
            // Microsoft and IMA ADPCM: a block of zeros (predictor 0, step 0) decodes to
            // silence.
            0x0002 | 0x0011 => Coding::Wave { silence: 0 },
            0x0050 | 0x0055 => Coding::Mpeg,
            0x00FF | 0x1600 | 0x706D | 0x4143 | 0xA106 => Coding::Aac,
            other => Coding::Other(other),
        }
    }
}

/// ffprobe's name for the audio format `tag` (bits per sample `bits`).
pub(crate) fn audio_tag_name(tag: u16, bits: u16) -> String {
    match (tag, bits) {
        (0x0001, 8) => "pcm_u8",
        (0x0001, 24) => "pcm_s24le",
        (0x0001, 32) => "pcm_s32le",
        (0x0001, _) => "pcm_s16le",
        (0x0002, _) => "adpcm_ms",
        (0x0003, 64) => "pcm_f64le",
        (0x0003, _) => "pcm_f32le",
        (0x0006, _) => "pcm_alaw",
        (0x0007, _) => "pcm_mulaw",
        (0x0011, _) => "adpcm_ima_wav",
        (0x0031, _) => "gsm_ms",
        (0x0045 | 0x0064, _) => "adpcm_g726",
        (0x0050, _) => "mp2",
        (0x0055, _) => "mp3",
        (0x00FF | 0x1600 | 0x706D | 0x4143 | 0xA106, _) => "aac",
        (0x0161, _) => "wmav2",
        (0x2000, _) => "ac3",
        (0x2001, _) => "dts",
        (other, _) => return format!("audio format tag 0x{other:04x}"),
    }
    .to_string()
}

/// How the file ends against what its headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Ending {
    /// As its headers say.
    #[default]
    Whole,
    /// A header gives its data no length (a recorder that stopped before closing the file).
    Unfinished,
    /// The file ends before its headers say it does (a copy or download cut short).
    Cut { declared: u64 },
}

/// What a walk over an AVI file finds.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub streams: Vec<StreamHead>,
    /// `INFO` fields (ffprobe's names) and the `IDIT` recording date.
    pub tags: BTreeMap<String, String>,
    /// Every stream's chunks, as (payload offset, length), in file order.
    pub chunks: Vec<Vec<(u64, u32)>>,
    /// Stretches (start, end) of the data that hold no chunk, passed over.
    pub damage: Vec<(u64, u64)>,
    /// The `idx1` entries: (chunk id, offset as written, length).
    pub index: Vec<([u8; 4], u32, u32)>,
    /// Where the first `movi` list's type (the word `movi`) sits: `idx1` offsets count from
    /// there, or from the start of the file.
    pub movi_at: u64,
    pub ending: Ending,
    /// The file's length.
    pub len: u64,
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// A stream chunk's id: two digits (the stream) and two letters (`wb` audio, `dc`/`db`
/// video, `pc` palette, `tx` text); the stream's number.
fn stream_chunk(id: &[u8]) -> Option<usize> {
    let digit = |c: u8| char::from(c).to_digit(16);
    let n = digit(id[0])? * 16 + digit(id[1])?;
    (id[2].is_ascii_alphabetic() && id[3].is_ascii_alphabetic()).then_some(n as usize)
}

/// Whether `id` can be a chunk id at all (four printable ASCII bytes).
fn printable(id: &[u8]) -> bool {
    id.iter().all(|&c| (0x20..0x7f).contains(&c))
}

/// A reader of the file's bytes at given offsets, moving within its buffer where it can.
struct At<R> {
    r: BufReader<R>,
    cur: u64,
    len: u64,
}

impl<R: Read + Seek> At<R> {
    fn new(mut r: R, len: u64) -> std::io::Result<Self> {
        r.seek(SeekFrom::Start(0))?;
        Ok(At {
            r: BufReader::with_capacity(1 << 16, r),
            cur: 0,
            len,
        })
    }

    fn read(&mut self, at: u64, b: &mut [u8]) -> Option<()> {
        if at.checked_add(b.len() as u64)? > self.len {
            return None;
        }
        self.r.seek_relative(at as i64 - self.cur as i64).ok()?;
        self.r.read_exact(b).ok()?;
        self.cur = at + b.len() as u64;
        Some(())
    }

    fn bytes(&mut self, at: u64, n: u64) -> Option<Vec<u8>> {
        let mut b = vec![0; usize::try_from(n.min(self.len.saturating_sub(at))).ok()?];
        self.read(at, &mut b)?;
        Some(b)
    }
}

/// Walks the AVI file `r` of `len` bytes. `None` when it is not one, or has no readable
/// stream headers.
pub(crate) fn layout(r: &mut (impl Read + Seek), len: u64) -> Option<Layout> {
    let mut at = At::new(r, len).ok()?;
    let mut out = Layout {
        len,
        ..Layout::default()
    };
    let mut visited = 0u64;
    let mut pos = 0u64;
    for n in 0..MAX_RIFFS {
        let mut h = [0u8; 12];
        if at.read(pos, &mut h).is_none() {
            break;
        }
        let form: &[u8] = if n == 0 { b"AVI " } else { b"AVIX" };
        if &h[..4] != b"RIFF" || &h[8..] != form {
            break;
        }
        let size = u64::from(le32(&h[4..8]));
        let end = if size == 0 {
            out.ending = Ending::Unfinished;
            len
        } else if pos + 8 + size > len {
            out.ending = Ending::Cut {
                declared: pos + 8 + size,
            };
            len
        } else {
            pos + 8 + size
        };
        top_level(&mut at, pos + 12, end, &mut out, &mut visited);
        if n == 0 && out.streams.is_empty() {
            return None;
        }
        pos = end + (end & 1);
    }
    (!out.streams.is_empty()).then_some(out)
}

/// The chunks of one `RIFF` chunk, from `pos` to `end`.
fn top_level(
    at: &mut At<impl Read + Seek>,
    mut pos: u64,
    end: u64,
    out: &mut Layout,
    visited: &mut u64,
) {
    while pos + 8 <= end && *visited < MAX_CHUNKS {
        *visited += 1;
        let mut h = [0u8; 12];
        let Some(()) = at.read(pos, &mut h[..8]) else {
            break;
        };
        if !printable(&h[..4]) {
            break;
        }
        let size = u64::from(le32(&h[4..8]));
        let body_end = (pos + 8 + size).min(end);
        if &h[..4] == b"LIST" && at.read(pos + 8, &mut h[8..]).is_some() {
            let list_len = body_end.saturating_sub(pos + 12);
            match &h[8..12] {
                b"hdrl" if out.streams.is_empty() => {
                    if let Some(b) = at.bytes(pos + 12, list_len.min(MAX_HEADER_BYTES)) {
                        headers(&b, out);
                    }
                }
                b"INFO" => {
                    if let Some(b) = at.bytes(pos + 8, (list_len + 4).min(MAX_HEADER_BYTES)) {
                        super::riff::info_fields(&b, &mut out.tags);
                    }
                }
                b"movi" => {
                    if out.movi_at == 0 {
                        out.movi_at = pos + 8;
                    }
                    // A list never given its length (a recorder that lost power) runs to the
                    // end of its RIFF chunk.
                    let movi_end = if size <= 4 {
                        if out.ending == Ending::Whole {
                            out.ending = Ending::Unfinished;
                        }
                        end
                    } else {
                        body_end
                    };
                    movi(at, pos + 12, movi_end, out, visited);
                    if size <= 4 {
                        return;
                    }
                }
                _ => {}
            }
        } else if &h[..4] == b"idx1" && out.index.is_empty() {
            let n = (size / 16).min(MAX_INDEX_ENTRIES);
            if let Some(b) = at.bytes(pos + 8, n * 16) {
                out.index = b
                    .chunks_exact(16)
                    .map(|e| {
                        (
                            e[..4].try_into().unwrap_or([0; 4]),
                            le32(&e[8..]),
                            le32(&e[12..]),
                        )
                    })
                    .collect();
            }
        }
        pos = pos + 8 + size + (size & 1);
    }
}

/// The stream headers in an `hdrl` list's body `b`, and an `IDIT` date.
fn headers(b: &[u8], out: &mut Layout) {
    let mut at = 0usize;
    while let Some(h) = b.get(at..at + 8) {
        let size = le32(&h[4..]) as usize;
        let body = b.get(at + 8..(at + 8).saturating_add(size).min(b.len()));
        match (&h[..4], body) {
            (b"LIST", Some(body)) if body.get(..4) == Some(b"strl") => {
                out.streams.push(stream_list(&body[4..]));
            }
            (b"IDIT", Some(body)) => {
                let end = body.iter().position(|&c| c == 0).unwrap_or(body.len());
                let date = String::from_utf8_lossy(&body[..end]).trim().to_string();
                if !date.is_empty() {
                    out.tags.insert("date".into(), date);
                }
            }
            _ => {}
        }
        at = at.saturating_add(8 + size + (size & 1));
    }
    out.chunks = vec![Vec::new(); out.streams.len()];
}

/// One `strl` list's body: `strh` and `strf`.
fn stream_list(b: &[u8]) -> StreamHead {
    let mut s = StreamHead::default();
    let mut at = 0usize;
    while let Some(h) = b.get(at..at + 8) {
        let size = le32(&h[4..]) as usize;
        let body = &b[at + 8..(at + 8).saturating_add(size).min(b.len())];
        match &h[..4] {
            b"strh" if body.len() >= 36 => {
                s.kind = body[..4].try_into().unwrap_or_default();
                s.handler = body[4..8].try_into().unwrap_or_default();
                s.scale = le32(&body[20..]);
                s.rate = le32(&body[24..]);
                s.start = le32(&body[28..]);
            }
            b"strf" => s.format = body.to_vec(),
            _ => {}
        }
        at = at.saturating_add(8 + size + (size & 1));
    }
    s
}

/// The chunks of a `movi` list, from `pos` to `end`; `LIST rec ` groups are entered.
fn movi(
    at: &mut At<impl Read + Seek>,
    mut pos: u64,
    end: u64,
    out: &mut Layout,
    visited: &mut u64,
) {
    let streams = out.streams.len();
    while pos + 8 <= end && *visited < MAX_CHUNKS {
        *visited += 1;
        let mut h = [0u8; 8];
        if at.read(pos, &mut h).is_none() {
            break;
        }
        let size = le32(&h[4..]);
        let next = pos + 8 + u64::from(size);
        if &h[..4] == b"LIST" {
            // A `rec ` group's chunks follow its 12-byte header; other lists are passed.
            let mut t = [0u8; 4];
            if at.read(pos + 8, &mut t).is_some() && &t == b"rec " {
                pos += 12;
                continue;
            }
        }
        let chunk = stream_chunk(&h[..4]).filter(|&n| n < streams);
        let fits = size <= MAX_CHUNK_BYTES && next <= end;
        match chunk {
            Some(n) if fits => out.chunks[n].push((pos + 8, size)),
            // The file ends inside the chunk (cut short): what is there is read.
            Some(n) if size <= MAX_CHUNK_BYTES && end == out.len => {
                out.chunks[n].push((pos + 8, (end - pos - 8) as u32));
                break;
            }
            None if printable(&h[..4]) && fits => {}
            _ => match resync(at, pos + 1, end, streams) {
                Some(p) => {
                    out.damage.push((pos, p));
                    pos = p;
                    continue;
                }
                None => {
                    out.damage.push((pos, end));
                    break;
                }
            },
        }
        // Chunks are padded to an even length; a writer that does not pad is followed too.
        pos = if size & 1 == 1 && !plausible(at, next + 1, end, streams) {
            next
        } else {
            next + u64::from(size & 1)
        };
    }
}

/// Whether a stream chunk's header that fits before `end` sits at `pos` (or `pos` is the end).
fn plausible(at: &mut At<impl Read + Seek>, pos: u64, end: u64, streams: usize) -> bool {
    if pos + 8 > end {
        return true;
    }
    let mut h = [0u8; 8];
    at.read(pos, &mut h).is_some()
        && (stream_chunk(&h[..4]).is_some_and(|n| n < streams) || printable(&h[..4]))
}

/// The first place at or after `from` where a stream chunk's header of one of `streams`
/// streams sits whose length fits before `end`: where the walk goes on after damage.
fn resync(at: &mut At<impl Read + Seek>, from: u64, end: u64, streams: usize) -> Option<u64> {
    const BLOCK: u64 = 1 << 16;
    let mut p = from;
    while p + 8 <= end {
        let b = at.bytes(p, (BLOCK + 7).min(end - p))?;
        for (i, w) in b.windows(8).enumerate() {
            let size = le32(&w[4..]);
            let fits = size <= MAX_CHUNK_BYTES && p + i as u64 + 8 + u64::from(size) <= end;
            let known = matches!(&w[2..4], b"wb" | b"dc" | b"db");
            if known && fits && stream_chunk(&w[..4]).is_some_and(|n| n < streams) {
                return Some(p + i as u64);
            }
        }
        p += BLOCK;
    }
    None
}

impl Layout {
    /// The audio bytes the index lists inside each damaged stretch, for stream `stream`: (the
    /// number of the stream's chunks found before it, bytes). Empty without an index, or when
    /// the index's offsets do not land on the chunks found.
    pub fn lost_audio(&self, stream: usize) -> Vec<(usize, u64)> {
        let found = &self.chunks[stream];
        let ours = |id: &[u8; 4]| stream_chunk(id) == Some(stream) && &id[2..] == b"wb";
        // Offsets count from the `movi` word or from the file's start: whichever puts the
        // index's first entries on chunks the walk found.
        let on_found = |base: u64| {
            let mut entries = self.index.iter().filter(|e| ours(&e.0)).take(4).peekable();
            entries.peek().is_some()
                && entries.all(|e| {
                    let payload = base + u64::from(e.1) + 8;
                    found.binary_search_by_key(&payload, |c| c.0).is_ok()
                        || self
                            .damage
                            .iter()
                            .any(|d| (d.0..d.1).contains(&(payload - 8)))
                })
        };
        let Some(base) = [self.movi_at, 0].into_iter().find(|&b| on_found(b)) else {
            return Vec::new();
        };
        self.damage
            .iter()
            .map(|&(a, b)| {
                let bytes = self
                    .index
                    .iter()
                    .filter(|e| ours(&e.0) && (a..b).contains(&(base + u64::from(e.1))))
                    .map(|e| u64::from(e.2))
                    .sum();
                (found.partition_point(|c| c.0 < a), bytes)
            })
            .collect()
    }
}

/// The pieces of an elementary stream: `chunks` end to end.
fn stream_pieces(chunks: &[(u64, u32)]) -> Vec<Piece> {
    chunks
        .iter()
        .map(|&(at, len)| Piece::File {
            at,
            len: u64::from(len),
        })
        .collect()
}

/// A virtual WAV (or MPEG audio) file over audio stream `stream` of `layout`, read from
/// `file`; and the seconds of silence put in place of damaged bytes.
pub(crate) fn audio_source(file: File, layout: &Layout, stream: usize) -> Option<(Spliced, f64)> {
    let s = layout.streams.get(stream)?;
    let chunks = &layout.chunks[stream];
    match Coding::of(s.format_tag()?, s.bits_per_sample()) {
        Coding::Wave { silence } => {
            let fills = layout.lost_audio(stream);
            let bytes: u64 = fills.iter().map(|f| f.1).sum();
            let filled_s = match s.avg_bytes_per_s() {
                0 => 0.0,
                r => bytes as f64 / f64::from(r),
            };
            let pieces = wave_pieces(&s.format, chunks, &fills, silence);
            Some((Spliced::new(file, pieces), filled_s))
        }
        Coding::Mpeg => Some((Spliced::new(file, stream_pieces(chunks)), 0.0)),
        Coding::Aac | Coding::Other(_) => None,
    }
}

/// An `AudioSpecificConfig` for AAC-LC at `rate` with `channels`, for a stream whose format
/// carries none; `None` for a rate with no index (ISO/IEC 14496-3, 1.6.3.4).
pub(crate) fn lc_config(rate: u32, channels: u16) -> Option<Vec<u8>> {
    let i = super::mpa::ADTS_RATES.iter().position(|&r| r == rate)? as u16;
    let ch = channels.min(7);
    let v: u16 = (2 << 11) | (i << 7) | (ch << 3);
    Some(v.to_be_bytes().to_vec())
}

/// The warnings for `layout`'s ending and damage, for audio stream `stream` (the one read),
/// `filled_s` seconds of silence having been put in place of its damaged bytes.
pub(crate) fn notes(layout: &Layout, stream: Option<usize>, filled_s: f64) -> Vec<String> {
    let mut out = Vec::new();
    match layout.ending {
        Ending::Whole => {}
        Ending::Unfinished => out.push(format!(
            "the AVI was never finished: its headers give its data no length{} (as a camera or \
             recorder that stopped or lost power leaves it); it is read to the end of the file, \
             {} bytes",
            if layout.index.is_empty() {
                " and it has no index"
            } else {
                ""
            },
            layout.len
        )),
        Ending::Cut { declared } => out.push(format!(
            "the file is truncated: the AVI ends at byte {} where its header gives {declared} \
             bytes (a copy or download cut short, or a recording never finished); it is read to the \
             cut",
            layout.len
        )),
    }
    if let Some(&(first, _)) = layout.damage.first() {
        let bytes: u64 = layout.damage.iter().map(|d| d.1 - d.0).sum();
        let fate = if filled_s > 0.0 {
            format!(
                "the index lists {filled_s:.3} s of audio in them, put back as silence, so the \
                 times after them stay in place"
            )
        } else if stream.is_some_and(|s| !layout.lost_audio(s).is_empty()) {
            "the audio they held (the index says how much) cannot be put back in this codec; \
             the audio on either side is joined, so times after them may be early by that much"
                .to_string()
        } else {
            "whatever audio they held is lost, unknown in length (the file has no usable \
             index), and the audio on either side is joined, so times after them may be early"
                .to_string()
        };
        out.push(format!(
            "the AVI's data is damaged in {} place(s), {bytes} bytes that hold no chunk, the \
             first at byte {first}: {fate}",
            layout.damage.len()
        ));
    }
    out
}

/// ffprobe's container name and long name.
const FORMAT_INFO: FormatInfo = FormatInfo {
    format: FORMAT_ID_AVI,
    short_name: "avi",
    long_name: "AVI (Audio Video Interleaved)",
};

const METADATA_INFO: MetadataInfo = MetadataInfo {
    metadata: METADATA_ID_WAVE,
    short_name: "riff",
    long_name: "RIFF INFO",
};

/// The AAC frames in a chunk (one, as AVI writers put it).
const AAC_FRAMES: u64 = 1024;

/// symphonia's id for the video FourCC `fourcc`.
fn video_codec(fourcc: [u8; 4]) -> VideoCodecId {
    let mut up = fourcc;
    up.make_ascii_uppercase();
    match &up {
        b"MJPG" | b"AVRN" | b"LJPG" | b"JPEG" | b"DMB1" => wv::CODEC_ID_MJPEG,
        b"H264" | b"X264" | b"AVC1" | b"DAVC" | b"VSSH" => wv::CODEC_ID_H264,
        b"HEVC" | b"H265" | b"HEV1" | b"HVC1" | b"X265" => wv::CODEC_ID_HEVC,
        b"XVID" | b"DIVX" | b"DX50" | b"FMP4" | b"MP4V" | b"M4S2" => wv::CODEC_ID_MPEG4,
        b"MPG2" => wv::CODEC_ID_MPEG2,
        b"MPG1" => wv::CODEC_ID_MPEG1,
        b"H263" | b"S263" | b"U263" => wv::CODEC_ID_H263,
        b"VP80" => wv::CODEC_ID_VP8,
        b"VP90" => wv::CODEC_ID_VP9,
        b"AV01" => wv::CODEC_ID_AV1,
        _ => CODEC_ID_NULL_VIDEO,
    }
}

/// symphonia's id for the audio format `tag` (bits per sample `bits`).
fn audio_codec(tag: u16, bits: u16) -> AudioCodecId {
    match (tag, bits) {
        (0x0001, 8) => wa::CODEC_ID_PCM_U8,
        (0x0001, 24) => wa::CODEC_ID_PCM_S24LE,
        (0x0001, 32) => wa::CODEC_ID_PCM_S32LE,
        (0x0001, _) => wa::CODEC_ID_PCM_S16LE,
        (0x0003, 64) => wa::CODEC_ID_PCM_F64LE,
        (0x0003, _) => wa::CODEC_ID_PCM_F32LE,
        (0x0002, _) => wa::CODEC_ID_ADPCM_MS,
        (0x0006, _) => wa::CODEC_ID_PCM_ALAW,
        (0x0007, _) => wa::CODEC_ID_PCM_MULAW,
        (0x0011, _) => wa::CODEC_ID_ADPCM_IMA_WAV,
        (0x0045 | 0x0064, _) => wa::CODEC_ID_ADPCM_G726,
        (0x0050, _) => wa::CODEC_ID_MP2,
        (0x0055, _) => wa::CODEC_ID_MP3,
        (0x0161, _) => wa::CODEC_ID_WMA,
        (0x2000, _) => wa::CODEC_ID_AC3,
        (0x2001, _) => wa::CODEC_ID_DCA,
        _ if Coding::of(tag, bits) == Coding::Aac => wa::CODEC_ID_AAC,
        _ => CODEC_ID_NULL_AUDIO,
    }
}

/// The parameters the headers of audio stream `s` give.
fn audio_params(s: &StreamHead) -> AudioCodecParameters {
    let mut a = AudioCodecParameters::new();
    let tag = s.format_tag().unwrap_or(0);
    a.for_codec(audio_codec(tag, s.bits_per_sample()));
    if s.sample_rate() > 0 {
        a.with_sample_rate(s.sample_rate());
    }
    if s.channels() > 0 {
        a.with_channels(Channels::Discrete(s.channels()));
    }
    a
}

/// Why symphonia's MPEG audio reader found no stream in audio stream `stream` of `layout`
/// ([`super::splice::mpeg_refusal`]).
fn mpeg_refusal(path: &Path, layout: &Layout, stream: usize) -> String {
    File::open(path)
        .ok()
        .and_then(|f| audio_source(f, layout, stream))
        .map_or_else(
            || "the pure-Rust MPEG audio reader finds no stream in it".into(),
            |(mut src, _)| super::splice::mpeg_refusal(&mut src),
        )
}

/// Opens the AVI file `path`: its reader, and the warnings its ending and damage call for.
///
/// # Errors
/// No stream headers; an audio stream whose codec no pure-Rust decoder reads and symphonia
/// has no name for (the error names it); the file unreadable.
pub(crate) fn open(path: &Path, mut file: File) -> Result<(Box<dyn FormatReader>, Vec<String>)> {
    let len = file.metadata().map_err(|e| Error::read(path, &e))?.len();
    let layout = layout(&mut file, len)
        .ok_or_else(|| Error::media(path, "corrupt AVI header: no stream headers (`hdrl`)"))?;
    let mut tracks = Vec::with_capacity(layout.streams.len());
    let mut audio = Feed::None;
    let mut filled_s = 0.0;
    let mut chosen = None;
    let mut refusal = None;
    for (i, s) in layout.streams.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let mut t = Track::new(id);
        let count = layout.chunks[i].len() as u64;
        if s.is_video() {
            let mut v = VideoCodecParameters::default();
            v.for_codec(video_codec(s.fourcc()));
            if let Some((w, h)) = s.picture() {
                v.with_width(u16::try_from(w).unwrap_or(u16::MAX));
                v.with_height(u16::try_from(h).unwrap_or(u16::MAX));
            }
            t.with_codec_params(CodecParameters::Video(v));
            if let Some(tb) = TimeBase::try_new(s.scale, s.rate) {
                t.with_time_base(tb).with_num_frames(count);
                t.with_duration(Duration::new(count));
            }
        } else if s.is_audio() {
            let tag = s.format_tag().unwrap_or(0);
            let bits = s.bits_per_sample();
            let params = audio_params(s);
            let rate = params.sample_rate.unwrap_or(0);
            let start_ts = Timestamp::new((s.start_s() * f64::from(rate)).round() as i64);
            let inner = match (chosen, Coding::of(tag, bits)) {
                (Some(_), _) => None,
                (None, Coding::Aac) if rate > 0 && s.channels() > 0 => {
                    let mut a = params.clone();
                    let asc = match s.extra() {
                        e if e.len() >= 2 => Some(e.to_vec()),
                        _ => lc_config(rate, s.channels()),
                    };
                    if let Some(asc) = asc {
                        a.with_extra_data(asc.into_boxed_slice());
                    }
                    let frames = count * AAC_FRAMES;
                    t.with_codec_params(CodecParameters::Audio(a));
                    t.with_num_frames(frames)
                        .with_duration(Duration::new(frames));
                    let f = File::open(path).map_err(|e| Error::read(path, &e))?;
                    audio = Feed::Chunks {
                        file: f,
                        chunks: layout.chunks[i].clone(),
                        next: 0,
                        id,
                        frames: AAC_FRAMES,
                    };
                    chosen = Some(i);
                    None
                }
                (None, Coding::Wave { .. } | Coding::Mpeg) => {
                    let f = File::open(path).map_err(|e| Error::read(path, &e))?;
                    let ext = if Coding::of(tag, bits) == Coding::Mpeg {
                        "mp3"
                    } else {
                        "wav"
                    };
                    match audio_source(f, &layout, i)
                        .map(|(src, fill)| (inner_reader(src, ext), fill))
                    {
                        Some((Ok(reader), fill)) => Some((reader, fill)),
                        Some((Err(e), _)) => {
                            let why = if Coding::of(tag, bits) == Coding::Mpeg {
                                mpeg_refusal(path, &layout, i)
                            } else {
                                e.to_string()
                            };
                            refusal.get_or_insert(format!(
                                "its {} audio stream (stream {i}) cannot be read: {why}; {}",
                                audio_tag_name(tag, bits),
                                super::symphonia::unsupported_hint()
                            ));
                            None
                        }
                        None => None,
                    }
                }
                (None, _) => None,
            };
            if let Some((reader, fill)) = inner {
                match reader.tracks().first() {
                    Some(first) => {
                        let mut inner_track = first.clone();
                        inner_track.id = id;
                        t = inner_track;
                        audio = Feed::Inner { reader, id };
                        filled_s = fill;
                        chosen = Some(i);
                    }
                    None => {
                        refusal
                            .get_or_insert(format!("its audio stream (stream {i}) holds no audio"));
                    }
                }
            }
            if chosen == Some(i) {
                t.start_ts = start_ts;
            } else {
                t.with_codec_params(CodecParameters::Audio(params));
            }
        }
        tracks.push(t);
    }
    if chosen.is_none() {
        let first_audio = layout.streams.iter().find(|s| s.is_audio());
        if let Some(why) = refusal {
            return Err(Error::media(path, why));
        }
        // A codec symphonia has no id for is named here; the others are named (and refused,
        // or read by the ffmpeg backend) as any file's.
        if let Some(s) = first_audio {
            let tag = s.format_tag().unwrap_or(0);
            if audio_codec(tag, s.bits_per_sample()) == CODEC_ID_NULL_AUDIO {
                return Err(Error::UnsupportedCodec {
                    path: path.to_path_buf(),
                    codec: audio_tag_name(tag, s.bits_per_sample()),
                    hint: super::symphonia::unsupported_hint(),
                });
            }
        }
    }
    let mut metadata = MetadataLog::default();
    if !layout.tags.is_empty() {
        let mut b = MetadataBuilder::new(METADATA_INFO);
        for (k, v) in &layout.tags {
            b.add_tag(Tag::new(RawTag::new(k.clone(), v.clone())));
        }
        metadata.push(b.build());
    }
    let notes = notes(&layout, chosen, filled_s);
    let reader = Listed {
        info: FORMAT_INFO,
        media: MediaInfo::from_tracks(&tracks),
        tracks,
        metadata,
        feed: audio,
    };
    Ok((Box::new(reader), notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = id.to_vec();
        c.extend((body.len() as u32).to_le_bytes());
        c.extend(body);
        if body.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn list(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = kind.to_vec();
        b.extend(body);
        chunk(b"LIST", &b)
    }

    /// A 16-bit mono PCM stream at 8 kHz as stream 1 after an MJPEG stream 0.
    fn hdrl() -> Vec<u8> {
        let mut strh_v = vec![0u8; 56];
        strh_v[..4].copy_from_slice(b"vids");
        strh_v[4..8].copy_from_slice(b"MJPG");
        strh_v[20..24].copy_from_slice(&1u32.to_le_bytes());
        strh_v[24..28].copy_from_slice(&25u32.to_le_bytes());
        let mut bih = vec![0u8; 40];
        bih[4..8].copy_from_slice(&64u32.to_le_bytes());
        bih[8..12].copy_from_slice(&48u32.to_le_bytes());
        bih[16..20].copy_from_slice(b"MJPG");
        let mut strh_a = vec![0u8; 56];
        strh_a[..4].copy_from_slice(b"auds");
        strh_a[20..24].copy_from_slice(&2u32.to_le_bytes());
        strh_a[24..28].copy_from_slice(&16000u32.to_le_bytes());
        strh_a[28..32].copy_from_slice(&800u32.to_le_bytes());
        // WAVEFORMATEX: PCM, 1 ch, 8000 Hz, 16000 B/s, align 2, 16 bits.
        let mut wfx = Vec::new();
        for v in [1u16, 1] {
            wfx.extend(v.to_le_bytes());
        }
        wfx.extend(8000u32.to_le_bytes());
        wfx.extend(16000u32.to_le_bytes());
        for v in [2u16, 16, 0] {
            wfx.extend(v.to_le_bytes());
        }
        let mut v = chunk(b"strh", &strh_v);
        v.extend(chunk(b"strf", &bih));
        let mut a = chunk(b"strh", &strh_a);
        a.extend(chunk(b"strf", &wfx));
        let mut body = chunk(b"avih", &[0; 56]);
        body.extend(list(b"strl", &v));
        body.extend(list(b"strl", &a));
        body.extend(chunk(b"IDIT", b"MON DEC 07 10:11:12 2026\n\0"));
        list(b"hdrl", &body)
    }

    /// An AVI of `frames` video chunks of 101 bytes each followed by an audio chunk of
    /// 320 bytes (value `i`), with an `idx1` when `index`.
    fn avi(frames: usize, index: bool) -> Vec<u8> {
        let mut movi = b"movi".to_vec();
        let mut idx = Vec::new();
        for i in 0..frames {
            for (id, body) in [(b"00dc", vec![7u8; 101]), (b"01wb", vec![i as u8; 320])] {
                idx.extend(id);
                idx.extend(16u32.to_le_bytes());
                idx.extend((movi.len() as u32).to_le_bytes());
                idx.extend((body.len() as u32).to_le_bytes());
                movi.extend(chunk(id, &body));
            }
        }
        let mut body = b"AVI ".to_vec();
        body.extend(hdrl());
        body.extend(list(b"INFO", &chunk(b"ISFT", b"Lavf59\0")));
        body.extend(chunk(b"LIST", &movi));
        if index {
            body.extend(chunk(b"idx1", &idx));
        }
        chunk(b"RIFF", &body)
    }

    fn walk(b: &[u8]) -> Layout {
        layout(&mut std::io::Cursor::new(b), b.len() as u64).unwrap()
    }

    #[test]
    fn streams_chunks_and_tags_are_found() {
        let l = walk(&avi(5, true));
        assert_eq!(l.streams.len(), 2);
        assert!(l.streams[0].is_video() && l.streams[1].is_audio());
        assert_eq!(l.streams[0].picture(), Some((64, 48)));
        assert_eq!(&l.streams[0].fourcc(), b"MJPG");
        assert_eq!(l.streams[1].format_tag(), Some(1));
        assert_eq!(l.streams[1].sample_rate(), 8000);
        assert!((l.streams[1].start_s() - 0.1).abs() < 1e-12);
        assert_eq!(l.chunks[0].len(), 5);
        assert_eq!(l.chunks[1].len(), 5);
        assert!(l.chunks[1].iter().all(|c| c.1 == 320));
        // Odd video chunks are padded: the audio chunk after each is found.
        assert_eq!(l.chunks[1][1].0 - l.chunks[0][1].0, 101 + 1 + 8);
        assert_eq!(l.tags["encoder"], "Lavf59");
        assert_eq!(l.tags["date"], "MON DEC 07 10:11:12 2026");
        assert_eq!(l.index.len(), 10);
        assert_eq!(l.ending, Ending::Whole);
        assert!(l.damage.is_empty());
    }

    #[test]
    fn a_file_never_finished_or_cut_short_is_read_to_its_end() {
        let mut b = avi(5, false);
        // A recorder that lost power: no RIFF or movi length.
        b[4..8].fill(0);
        let movi = b.windows(4).position(|w| w == b"movi").unwrap();
        b[movi - 4..movi].fill(0);
        let l = walk(&b);
        assert_eq!(l.ending, Ending::Unfinished);
        assert_eq!(l.chunks[1].len(), 5);
        assert!(notes(&l, Some(1), 0.0)[0].contains("never finished"));
        // Cut inside the fourth audio chunk.
        let whole = avi(5, true);
        let cut = &whole[..l.chunks[1][3].0 as usize + 100];
        let l = walk(cut);
        assert!(matches!(l.ending, Ending::Cut { declared } if declared == whole.len() as u64));
        assert_eq!(l.chunks[1].len(), 4);
        assert_eq!(l.chunks[1][3].1, 100);
        assert!(notes(&l, Some(1), 0.0)[0].contains("truncated"));
    }

    #[test]
    fn damage_is_passed_over_and_the_index_says_what_audio_it_held() {
        let whole = avi(6, true);
        let good = walk(&whole);
        let mut b = whole.clone();
        // Overwrite the header of the third video chunk and of the audio chunk after it.
        let at = good.chunks[0][2].0 as usize - 8;
        b[at..at + 8 + 101 + 1 + 4].fill(0xEE);
        let l = walk(&b);
        assert_eq!(l.damage.len(), 1);
        assert_eq!(l.damage[0].0, at as u64);
        assert_eq!(l.chunks[1].len(), 5);
        assert_eq!(l.chunks[0].len(), 5);
        // The index lists the lost audio chunk: 320 bytes, before the third found.
        assert_eq!(l.lost_audio(1), vec![(2, 320)]);
        let n = notes(&l, Some(1), 0.02);
        assert!(
            n[0].contains("damaged in 1 place(s)") && n[0].contains("0.020 s"),
            "{n:?}"
        );
        // Without the index the loss is unknown.
        let mut b2 = avi(6, false);
        b2[at..at + 8 + 101 + 1 + 4].fill(0xEE);
        let l2 = walk(&b2);
        assert!(l2.lost_audio(1).is_empty());
        assert!(notes(&l2, Some(1), 0.0)[0].contains("unknown in length"));
    }

    #[test]
    fn a_virtual_wave_file_holds_the_payloads_and_the_silence() {
        let whole = avi(3, true);
        let l = walk(&whole);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.avi");
        std::fs::write(&p, &whole).unwrap();
        let pieces = wave_pieces(&l.streams[1].format, &l.chunks[1], &[(1, 4)], 0);
        let mut s = Spliced::new(File::open(&p).unwrap(), pieces);
        let mut v = Vec::new();
        s.read_to_end(&mut v).unwrap();
        assert_eq!(&v[..4], b"RIFF");
        assert_eq!(&v[8..16], b"WAVEfmt ");
        // An 18-byte `fmt ` (WAVEFORMATEX with its cbSize).
        assert_eq!(le32(&v[16..]), 18);
        assert_eq!(&v[38..42], b"data");
        assert_eq!(le32(&v[42..]), 3 * 320 + 4);
        let data = &v[46..];
        assert!(data[..320].iter().all(|&x| x == 0));
        assert_eq!(&data[320..324], &[0; 4]);
        assert!(data[324..644].iter().all(|&x| x == 1));
        assert!(data[644..].iter().all(|&x| x == 2));
        // Seeking back reads the same bytes.
        s.seek(SeekFrom::Start(46 + 330)).unwrap();
        let mut one = [0u8; 1];
        s.read_exact(&mut one).unwrap();
        assert_eq!(one[0], 1);
    }

    #[test]
    fn codings_names_and_configs() {
        assert_eq!(Coding::of(1, 8), Coding::Wave { silence: 0x80 });
        assert_eq!(Coding::of(7, 8), Coding::Wave { silence: 0xFF });
        assert_eq!(Coding::of(0x55, 0), Coding::Mpeg);
        assert_eq!(Coding::of(0xFF, 16), Coding::Aac);
        assert_eq!(Coding::of(0x2000, 0), Coding::Other(0x2000));
        assert_eq!(audio_tag_name(0x11, 4), "adpcm_ima_wav");
        assert_eq!(audio_tag_name(0x1234, 4), "audio format tag 0x1234");
        // AAC-LC, 48 kHz (index 3), stereo: 00010 0011 0010 000.
        assert_eq!(lc_config(48_000, 2), Some(vec![0x11, 0x90]));
        assert_eq!(lc_config(47_999, 2), None);
    }

    #[test]
    fn other_files_and_hostile_headers_give_nothing_or_what_is_there() {
        assert!(layout(&mut std::io::Cursor::new(b"RIFF\0\0\0\0WAVE"), 12).is_none());
        // Stream lists that claim more than they hold.
        let mut b = b"RIFF\0\0\0\0AVI LIST\xff\xff\xff\x7fhdrlLIST\xff\xff\xff\x7fstrl".to_vec();
        b.extend(chunk(b"strh", &[1; 60]));
        let l = layout(&mut std::io::Cursor::new(&b), b.len() as u64);
        assert!(l.is_some_and(|l| l.streams.len() == 1 && l.chunks[0].is_empty()));
    }
}
