//! A small, bounds-checked reader of ISO BMFF (MP4/MOV/M4A) metadata: edit lists, times,
//! handler names, sample-entry facts and user-data tags.
//!
//! Written by hand because the decoders do not expose what a forensic report needs:
//! symphonia 0.6's isomp4 reader parses `elst` but ignores it (AAC priming is then not trimmed,
//! about 21 ms late at 48 kHz) and keeps no `mvhd`/`mdhd` times, `hdlr` names or QuickTime
//! `mdta` keys (where phones put make, model and location); mp4parse skips the same fields.
//! Only the `moov` box is read into memory (bounded by [`MAX_MOOV_BYTES`]); `mdat` is skipped
//! with a seek, so a two-hour file costs no more than a short one.
//!
//! # References
//! ISO/IEC 14496-12 (ISO base media file format); Apple, *QuickTime File Format Specification*
//! (metadata `keys`/`ilst`, user data `©xyz`).

use crate::units::rescale;
use std::io::{Read, Seek, SeekFrom};

/// The largest `moov` box we read; larger ones are refused as hostile.
pub const MAX_MOOV_BYTES: u64 = 256 * 1024 * 1024;
/// Deepest box nesting followed; deeper structures are ignored.
const MAX_DEPTH: usize = 12;
/// Seconds between 1904-01-01 (the MP4 epoch) and 1970-01-01.
const MP4_EPOCH_OFFSET_S: i64 = 2_082_844_800;

/// What the file's boxes say about the whole movie.
#[derive(Debug, Default, Clone)]
pub struct Mp4Meta {
    /// `ftyp` major brand, e.g. `isom`, `qt  `, `M4A `.
    pub major_brand: Option<String>,
    /// `ftyp` minor version.
    pub minor_version: Option<u32>,
    /// `ftyp` compatible brands, concatenated as ffprobe shows them.
    pub compatible_brands: Option<String>,
    /// `mvhd` creation time (UTC, ISO 8601), when set.
    pub creation_time: Option<String>,
    /// `mvhd` timescale (ticks per second).
    pub movie_timescale: u32,
    /// `mvhd` duration in seconds.
    pub duration_s: Option<f64>,
    /// User-data and metadata tags, with ffprobe-like keys (`encoder`, `location`,
    /// `com.apple.quicktime.make`, ...), in file order.
    pub tags: Vec<(String, String)>,
    /// One entry per `trak`, in file order.
    pub tracks: Vec<Mp4Track>,
    /// True when the file holds movie fragments (`moof`), whose edit semantics differ.
    pub fragmented: bool,
    /// The final `mdat` box when the file ends inside it (a partial download of a file whose
    /// index comes first): where its size field is, and the size that the bytes present make.
    pub cut_mdat: Option<CutBox>,
    /// File offsets of the type fields of video configuration boxes (`avcC`, `hvcC`) larger
    /// than symphonia's reader takes ([`MAX_VIDEO_CONFIG_BYTES`]).
    pub oversized_video_configs: Vec<u64>,
}

/// The largest `avcC`/`hvcC` payload symphonia 0.6's MP4 reader takes: it refuses the file
/// ("atom size is greater than 1 kb") past it. x265 writes its whole settings string into the
/// `hvcC` as an SEI message, about 2 KB: every MP4/MOV encoded by ffmpeg's libx265 or HandBrake
/// was refused as a "corrupt container header".
pub const MAX_VIDEO_CONFIG_BYTES: usize = 1024;

/// A box the file ends inside: the byte offset of its size field, whether that is the 64-bit
/// `largesize` (at `at + 8`) or the 32-bit size, and the box's size as far as the file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutBox {
    /// Offset of the box (its 32-bit size field).
    pub at: u64,
    /// Whether its size is the 64-bit `largesize` after the type.
    pub large: bool,
    /// Bytes from the box's start to the end of the file.
    pub present: u64,
}

impl CutBox {
    /// The bytes to read in place of the box's size field, so that a reader trusting it reads
    /// to the end of the file: (offset, bytes).
    pub fn patch(&self) -> (u64, Vec<u8>) {
        if self.large {
            (self.at + 8, self.present.to_be_bytes().to_vec())
        } else {
            let size = u32::try_from(self.present).unwrap_or(u32::MAX);
            (self.at, size.to_be_bytes().to_vec())
        }
    }
}

/// What one `trak` says.
#[derive(Debug, Default, Clone)]
pub struct Mp4Track {
    /// `tkhd` track id.
    pub track_id: u32,
    /// `hdlr` handler type: `soun`, `vide`, `text`, `sbtl`, `meta`, ...
    pub handler_type: String,
    /// `hdlr` name, e.g. `SoundHandler`, `Core Media Audio`.
    pub handler_name: Option<String>,
    /// `mdhd` creation time (UTC, ISO 8601), when set.
    pub creation_time: Option<String>,
    /// `mdhd` ISO-639-2 language code.
    pub language: Option<String>,
    /// `mdhd` timescale (ticks per second).
    pub timescale: u32,
    /// `mdhd` duration in `timescale` ticks.
    pub duration: u64,
    /// First `stsd` sample-entry four-character code (`mp4a`, `avc1`, `Opus`, `ac-3`, ...).
    pub sample_entry: Option<String>,
    /// Video width in pixels (from the sample entry).
    pub width: Option<u32>,
    /// Video height in pixels (from the sample entry).
    pub height: Option<u32>,
    /// Audio channel count (from the sample entry; v0/v1 QuickTime entries).
    pub channels: Option<u32>,
    /// Audio sample rate in Hz (from the sample entry).
    pub sample_rate: Option<u32>,
    /// What the QuickTime `enda` box in the sound sample entry says of its PCM's byte order:
    /// little-endian (`true`), big-endian (`false`); `None` without one (QuickTime's `in24`,
    /// `in32`, `fl32` and `fl64` are then big-endian).
    pub little_endian: Option<bool>,
    /// Number of samples (packets) in `stsz`.
    pub sample_count: u64,
    /// Sum of all sample sizes in bytes (for the average bit rate).
    pub total_sample_bytes: u64,
    /// `elst` entries.
    pub edits: Vec<Edit>,
}

/// One edit-list entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edit {
    /// Length of the edit in movie-timescale ticks.
    pub segment_duration: u64,
    /// Start of the edit in media-timescale ticks; -1 marks an empty edit (a delay).
    pub media_time: i64,
}

impl Mp4Track {
    /// Duration of the track in seconds, from `mdhd`.
    pub fn duration_s(&self) -> Option<f64> {
        (self.timescale > 0).then(|| self.duration as f64 / f64::from(self.timescale))
    }

    /// Media-timescale ticks to skip at the start (AAC priming), from the first non-empty edit.
    pub fn skip_ticks(&self) -> u64 {
        self.edits
            .iter()
            .find(|e| e.media_time >= 0)
            .map_or(0, |e| e.media_time as u64)
    }

    /// Seconds of silence the edit list puts before the media (leading empty edits).
    pub fn start_delay_s(&self, movie_timescale: u32) -> f64 {
        if movie_timescale == 0 {
            return 0.0;
        }
        self.edits
            .iter()
            .take_while(|e| e.media_time == -1)
            .map(|e| e.segment_duration as f64 / f64::from(movie_timescale))
            .sum()
    }

    /// The pieces of the media the edit list presents, in order, as (first frame, frames) at
    /// `rate` frames per second (the media's timescale is `media_rate`, the movie's
    /// `movie_timescale`): an edited video saved without re-encoding. `Err` with what cannot be
    /// followed while decoding straight through (a piece that starts before the previous one
    /// ends, a pause between pieces); `Ok(None)` for the usual single edit (the priming trim).
    pub fn pieces(
        &self,
        movie_timescale: u32,
        media_rate: u64,
        rate: u64,
    ) -> Result<Option<Vec<(u64, u64)>>, &'static str> {
        let body: Vec<&Edit> = self
            .edits
            .iter()
            .skip_while(|e| e.media_time == -1)
            .collect();
        if body.len() < 2 || movie_timescale == 0 {
            return Ok(None);
        }
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(body.len());
        for e in body {
            if e.media_time < 0 {
                return Err("a pause between two pieces");
            }
            let first = rescale(e.media_time as u64, media_rate, rate);
            let frames = rescale(e.segment_duration, u64::from(movie_timescale), rate);
            if out
                .last()
                .is_some_and(|&(f, n)| first < f.saturating_add(n))
            {
                return Err("a piece that starts before the one before it ends");
            }
            out.push((first, frames));
        }
        Ok(Some(out))
    }

    /// Presented duration in seconds according to the edit list (the non-empty edits).
    pub fn edited_duration_s(&self, movie_timescale: u32) -> Option<f64> {
        if movie_timescale == 0 || self.edits.iter().all(|e| e.media_time < 0) {
            return None;
        }
        Some(
            self.edits
                .iter()
                .filter(|e| e.media_time >= 0)
                .map(|e| e.segment_duration as f64 / f64::from(movie_timescale))
                .sum(),
        )
    }

    /// Average bit rate in bits per second over the track's samples.
    pub fn bit_rate(&self) -> Option<u64> {
        let d = self.duration_s()?;
        (d > 0.0 && self.total_sample_bytes > 0)
            .then(|| (self.total_sample_bytes as f64 * 8.0 / d).round() as u64)
    }
}

/// The error [`read`] gives for an ISO BMFF file without `moov`.
pub const NO_MOOV: &str =
    "MP4/MOV file without a 'moov' index box (truncated, or a recording that was never finalised)";

/// Whether `e`, from [`read`], says the file has no `moov`.
pub fn lacks_moov(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::InvalidData && e.to_string() == NO_MOOV
}

/// Reads the ISO BMFF metadata of `reader`, or `None` when it is not an ISO BMFF file.
///
/// # Errors
/// I/O errors while reading; `InvalidData` for a `moov` box larger than [`MAX_MOOV_BYTES`]
/// or an ISO BMFF file with no `moov` at all.
pub fn read<R: Read + Seek>(reader: &mut R) -> std::io::Result<Option<Mp4Meta>> {
    let len = reader.seek(SeekFrom::End(0))?;
    reader.seek(SeekFrom::Start(0))?;
    let mut meta = Mp4Meta::default();
    let mut pos = 0u64;
    let mut saw_moov = false;
    let mut first = true;
    while pos + 8 <= len {
        reader.seek(SeekFrom::Start(pos))?;
        let mut hdr = [0u8; 16];
        reader.read_exact(&mut hdr[..8])?;
        let mut size = u64::from(u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]));
        let kind = [hdr[4], hdr[5], hdr[6], hdr[7]];
        let mut header_len = 8;
        if size == 1 {
            reader.read_exact(&mut hdr[8..16])?;
            size = u64::from_be_bytes(hdr[8..16].try_into().unwrap_or_default());
            header_len = 16;
        } else if size == 0 {
            size = len - pos;
        }
        if first {
            // Only files that start with a known top-level box are ISO BMFF.
            if !matches!(
                &kind,
                b"ftyp" | b"moov" | b"mdat" | b"free" | b"skip" | b"wide" | b"pnot"
            ) {
                return Ok(None);
            }
            first = false;
        }
        if size < header_len || pos + size > len {
            // Truncated final box: stop walking, keep what we have.
            if &kind == b"mdat"
                && size >= header_len
                && (header_len == 16 || len - pos <= u64::from(u32::MAX))
            {
                meta.cut_mdat = Some(CutBox {
                    at: pos,
                    large: header_len == 16,
                    present: len - pos,
                });
            }
            break;
        }
        let body_len = size - header_len;
        match &kind {
            b"ftyp" if body_len <= 4096 => {
                let body = read_body(reader, body_len)?;
                parse_ftyp(&body, &mut meta);
            }
            b"moov" => {
                if body_len > MAX_MOOV_BYTES {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!(
                            "moov box of {body_len} bytes is larger than the {MAX_MOOV_BYTES}-byte limit"
                        ),
                    ));
                }
                let body = read_body(reader, body_len)?;
                parse_moov(&body, &mut meta);
                meta.oversized_video_configs.extend(
                    oversized_video_configs(&body)
                        .into_iter()
                        .map(|at| pos + header_len + at as u64),
                );
                saw_moov = true;
            }
            b"moof" => meta.fragmented = true,
            _ => {}
        }
        pos += size;
    }
    if !saw_moov {
        // An ISO BMFF file without `moov` cannot be played: it was cut short, or the recorder
        // stopped before it wrote the index (a crashed phone recording looks like this).
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            NO_MOOV,
        ));
    }
    Ok(Some(meta))
}

fn read_body<R: Read>(reader: &mut R, n: u64) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(n as usize);
    reader.take(n).read_to_end(&mut body)?;
    Ok(body)
}

/// Iterates the child boxes of `buf` as (type, body); stops at the first malformed header.
fn boxes(buf: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let rest = buf.get(pos..)?;
        if rest.len() < 8 {
            return None;
        }
        let mut size = u32::from_be_bytes(rest[0..4].try_into().ok()?) as u64;
        let kind: [u8; 4] = rest[4..8].try_into().ok()?;
        let mut header = 8u64;
        if size == 1 {
            size = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
            header = 16;
        } else if size == 0 {
            size = rest.len() as u64;
        }
        if size < header || size > rest.len() as u64 {
            return None;
        }
        pos += size as usize;
        Some((kind, &rest[header as usize..size as usize]))
    })
}

/// The body of the first child box of `buf` of type `want`.
fn child<'a>(buf: &'a [u8], want: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(buf).find(|(k, _)| k == want).map(|(_, b)| b)
}

/// Where in `moov` (its body) the type fields of the `avcC`/`hvcC` boxes larger than
/// [`MAX_VIDEO_CONFIG_BYTES`] are: inside each video sample entry of each track's `stsd`.
fn oversized_video_configs(moov: &[u8]) -> Vec<usize> {
    let offset = |b: &[u8]| b.as_ptr() as usize - moov.as_ptr() as usize;
    let mut out = Vec::new();
    for (kind, trak) in boxes(moov) {
        if &kind != b"trak" {
            continue;
        }
        let Some(stsd) = child(trak, b"mdia")
            .and_then(|b| child(b, b"minf"))
            .and_then(|b| child(b, b"stbl"))
            .and_then(|b| child(b, b"stsd"))
        else {
            continue;
        };
        for (_, entry) in boxes(stsd.get(8..).unwrap_or_default()) {
            // A visual sample entry's boxes follow its 78 bytes of fields (ISO/IEC 14496-12,
            // 12.1.3).
            for (k, body) in boxes(entry.get(78..).unwrap_or_default()) {
                if matches!(&k, b"avcC" | b"hvcC") && body.len() > MAX_VIDEO_CONFIG_BYTES {
                    // The type field sits 4 bytes before the body, or 12 behind a 64-bit size.
                    let at = offset(body);
                    let typed = |t: usize| at >= t && moov.get(at - t..at - t + 4) == Some(&k[..]);
                    if let Some(t) = [4, 12].into_iter().find(|&t| typed(t)) {
                        out.push(at - t);
                    }
                }
            }
        }
    }
    out
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn fourcc(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '?'
            }
        })
        .collect()
}

fn parse_ftyp(b: &[u8], meta: &mut Mp4Meta) {
    if b.len() < 8 {
        return;
    }
    meta.major_brand = Some(fourcc(&b[0..4]));
    meta.minor_version = be_u32(b, 4);
    let brands: String = b[8..].chunks_exact(4).map(fourcc).collect();
    meta.compatible_brands = Some(brands);
}

/// Reads (creation time, timescale, duration) from an `mvhd` or `mdhd` body.
fn parse_header_times(b: &[u8]) -> Option<(u64, u32, u64)> {
    match *b.first()? {
        1 => Some((be_u64(b, 4)?, be_u32(b, 20)?, be_u64(b, 24)?)),
        _ => Some((
            u64::from(be_u32(b, 4)?),
            be_u32(b, 12)?,
            u64::from(be_u32(b, 16)?),
        )),
    }
}

fn parse_moov(buf: &[u8], meta: &mut Mp4Meta) {
    for (kind, body) in boxes(buf) {
        match &kind {
            b"mvhd" => {
                if let Some((created, ts, dur)) = parse_header_times(body) {
                    meta.creation_time = mp4_time_to_iso(created);
                    meta.movie_timescale = ts;
                    if ts > 0 && dur != u64::from(u32::MAX) && dur != u64::MAX {
                        meta.duration_s = Some(dur as f64 / f64::from(ts));
                    }
                }
            }
            b"trak" => meta.tracks.push(parse_trak(body)),
            b"udta" => parse_udta(body, &mut meta.tags, 0),
            b"meta" => parse_meta(body, &mut meta.tags),
            b"mvex" => meta.fragmented = true,
            _ => {}
        }
    }
}

fn parse_trak(buf: &[u8]) -> Mp4Track {
    let mut t = Mp4Track::default();
    for (kind, body) in boxes(buf) {
        match &kind {
            b"tkhd" => {
                let v1 = body.first() == Some(&1);
                t.track_id = be_u32(body, if v1 { 20 } else { 12 }).unwrap_or(0);
                // Width and height are 16.16 fixed point at the end of the box.
                let n = body.len();
                if n >= 8 {
                    let w = be_u32(body, n - 8).unwrap_or(0) >> 16;
                    let h = be_u32(body, n - 4).unwrap_or(0) >> 16;
                    if w > 0 && h > 0 {
                        t.width = Some(w);
                        t.height = Some(h);
                    }
                }
            }
            b"edts" => {
                for (k, elst) in boxes(body) {
                    if &k == b"elst" {
                        t.edits = parse_elst(elst);
                    }
                }
            }
            b"mdia" => parse_mdia(body, &mut t),
            _ => {}
        }
    }
    t
}

fn parse_elst(b: &[u8]) -> Vec<Edit> {
    let v1 = b.first() == Some(&1);
    let count = be_u32(b, 4).unwrap_or(0) as usize;
    let entry = if v1 { 20 } else { 12 };
    let mut edits = Vec::new();
    for i in 0..count.min(b.len().saturating_sub(8) / entry) {
        let at = 8 + i * entry;
        let (seg, mt) = if v1 {
            (be_u64(b, at), be_u64(b, at + 8).map(|v| v as i64))
        } else {
            (
                be_u32(b, at).map(u64::from),
                be_u32(b, at + 4).map(|v| i64::from(v as i32)),
            )
        };
        if let (Some(segment_duration), Some(media_time)) = (seg, mt) {
            edits.push(Edit {
                segment_duration,
                media_time,
            });
        }
    }
    edits
}

fn parse_mdia(buf: &[u8], t: &mut Mp4Track) {
    for (kind, body) in boxes(buf) {
        match &kind {
            b"mdhd" => {
                if let Some((created, ts, dur)) = parse_header_times(body) {
                    t.creation_time = mp4_time_to_iso(created);
                    t.timescale = ts;
                    t.duration = dur;
                }
                let lang_at = if body.first() == Some(&1) { 32 } else { 20 };
                t.language = be_u16(body, lang_at).and_then(decode_language);
            }
            b"hdlr" => {
                if body.len() >= 12 {
                    t.handler_type = fourcc(&body[8..12]);
                }
                t.handler_name = body.get(24..).and_then(handler_name);
            }
            b"minf" => {
                for (k, minf_child) in boxes(body) {
                    if &k == b"stbl" {
                        parse_stbl(minf_child, t);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The `hdlr` name is a C string in MP4 and a Pascal string in QuickTime; accept both.
fn handler_name(b: &[u8]) -> Option<String> {
    let b = match b.first() {
        Some(&n) if n as usize + 1 == b.len() && n > 0 => &b[1..],
        _ => b,
    };
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let s = String::from_utf8_lossy(&b[..end]).trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn decode_language(code: u16) -> Option<String> {
    if code == 0 || code == 0x7fff || code < 0x400 {
        return None;
    }
    let c = |shift: u16| (((code >> shift) & 0x1f) as u8 + 0x60) as char;
    let s: String = [c(10), c(5), c(0)].iter().collect();
    s.chars().all(|ch| ch.is_ascii_lowercase()).then_some(s)
}

fn parse_stbl(buf: &[u8], t: &mut Mp4Track) {
    for (kind, body) in boxes(buf) {
        match &kind {
            b"stsd" => {
                // Full box header (4) + entry count (4), then sample entries as boxes.
                if let Some((entry_kind, entry)) = body.get(8..).and_then(|b| boxes(b).next()) {
                    t.sample_entry = Some(fourcc(&entry_kind));
                    parse_sample_entry(entry, t);
                }
            }
            b"stsz" => {
                let fixed = be_u32(body, 4).unwrap_or(0);
                let count = u64::from(be_u32(body, 8).unwrap_or(0));
                t.sample_count = count;
                t.total_sample_bytes = if fixed > 0 {
                    u64::from(fixed) * count
                } else {
                    body.get(12..)
                        .unwrap_or_default()
                        .chunks_exact(4)
                        .take(count as usize)
                        .map(|c| u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                        .sum()
                };
            }
            _ => {}
        }
    }
}

/// A sound track whose `stsd` box body is `stsd`, as the walk reads it (for tests of the
/// readers built on it).
#[cfg(test)]
pub(crate) fn sound_track_from_stsd(stsd: &[u8]) -> Mp4Track {
    let mut t = Mp4Track {
        handler_type: "soun".into(),
        ..Mp4Track::default()
    };
    let mut b = (8 + stsd.len() as u32).to_be_bytes().to_vec();
    b.extend(b"stsd");
    b.extend(stsd);
    parse_stbl(&b, &mut t);
    t
}

fn parse_sample_entry(e: &[u8], t: &mut Mp4Track) {
    // Sample entry: 6 reserved bytes + data reference index (2), then the media-specific part.
    match t.handler_type.as_str() {
        "soun" => {
            let version = be_u16(e, 8).unwrap_or(0);
            t.channels = be_u16(e, 16).map(u32::from).filter(|&c| c > 0);
            // 16.16 fixed-point rate; v2 QuickTime entries carry a float64 rate instead.
            let rate = if version == 2 {
                be_u64(e, 32).map(|b| f64::from_bits(b).round() as u32)
            } else {
                be_u32(e, 24).map(|r| r >> 16)
            };
            t.sample_rate = rate.filter(|&r| r > 0);
            if version == 2 {
                t.channels = be_u32(e, 40).filter(|&c| c > 0);
            }
            // `enda` (a 10-byte box, in the entry's `wave` box or beside it): found by its
            // name and size rather than by walking the version's fixed fields and `wave`.
            t.little_endian = e.windows(4).enumerate().skip(4).find_map(|(p, w)| {
                (w == b"enda" && be_u32(e, p - 4) == Some(10))
                    .then(|| be_u16(e, p + 4))
                    .flatten()
                    .map(|v| v != 0)
            });
        }
        "vide" => {
            if let (Some(w), Some(h)) = (be_u16(e, 24), be_u16(e, 26))
                && w > 0
                && h > 0
            {
                t.width = Some(u32::from(w));
                t.height = Some(u32::from(h));
            }
        }
        _ => {}
    }
}

/// `udta` children: QuickTime `©xxx` text items (16-bit length, 16-bit language, text) and a
/// nested `meta`.
fn parse_udta(buf: &[u8], tags: &mut Vec<(String, String)>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for (kind, body) in boxes(buf) {
        if &kind == b"meta" {
            parse_meta(body, tags);
        } else if &kind == b"loci" {
            if let Some(loc) = parse_loci(body) {
                tags.push(("location".into(), loc));
            }
        } else if kind[0] == 0xa9 {
            let len = be_u16(body, 0).unwrap_or(0) as usize;
            if let Some(text) = body.get(4..4 + len) {
                let value = String::from_utf8_lossy(text)
                    .trim_end_matches('\0')
                    .to_string();
                tags.push((item_key(&kind), value));
            }
        }
    }
}

/// 3GPP `loci` (TS 26.244): version/flags, language, name, role, then longitude, latitude
/// and altitude as signed 16.16 fixed point. Rendered as ISO 6709 (`+50.4501+030.5234/`), the
/// form ffprobe prints and phones write in `©xyz`.
fn parse_loci(b: &[u8]) -> Option<String> {
    let name_end = 6 + b.get(6..)?.iter().position(|&c| c == 0)?;
    let at = name_end + 2; // NUL, role byte
    let fixed = |i: usize| be_u32(b, at + i).map(|v| f64::from(v as i32) / 65_536.0);
    let (lon, lat, alt) = (fixed(0)?, fixed(4)?, fixed(8)?);
    let mut s = format!("{lat:+08.4}{lon:+09.4}");
    if alt != 0.0 {
        s.push_str(&format!("{alt:+.3}"));
    }
    s.push('/');
    Some(s)
}

/// `meta` (full box in MP4, plain in QuickTime): `hdlr`, optional `keys`, `ilst`.
fn parse_meta(buf: &[u8], tags: &mut Vec<(String, String)>) {
    // A QuickTime meta box has no version/flags; detect by looking for a box header at 4.
    let body = if buf.get(4..8) == Some(b"hdlr") {
        buf
    } else {
        buf.get(4..).unwrap_or_default()
    };
    let mut keys: Vec<String> = Vec::new();
    for (kind, child) in boxes(body) {
        match &kind {
            b"keys" => {
                for (_, key) in boxes(child.get(8..).unwrap_or_default()) {
                    keys.push(String::from_utf8_lossy(key).to_string());
                }
                // `keys` entries are boxes whose type is the namespace (e.g. `mdta`).
            }
            b"ilst" => {
                for (item, item_body) in boxes(child) {
                    let index = u32::from_be_bytes(item) as usize;
                    let key = if item[0] != 0xa9 && index >= 1 && index <= keys.len() {
                        keys[index - 1].clone()
                    } else {
                        item_key(&item)
                    };
                    for (dk, data) in boxes(item_body) {
                        if &dk == b"data" && data.len() >= 8 {
                            let type_code = be_u32(data, 0).unwrap_or(0) & 0x00ff_ffff;
                            if let Some(v) = data_value(type_code, &data[8..]) {
                                tags.push((key.clone(), v));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Renders an `ilst` data atom's value: UTF-8/UTF-16 text and big-endian integers.
fn data_value(type_code: u32, v: &[u8]) -> Option<String> {
    match type_code {
        1 => Some(
            String::from_utf8_lossy(v)
                .trim_end_matches('\0')
                .to_string(),
        ),
        2 => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        0 | 21 | 22 if !v.is_empty() && v.len() <= 8 => {
            let n = v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            Some(n.to_string())
        }
        _ => None,
    }
}

/// ffprobe-like names for the common four-character item keys.
fn item_key(kind: &[u8; 4]) -> String {
    match kind {
        [0xa9, b't', b'o', b'o'] => "encoder".into(),
        [0xa9, b'x', b'y', b'z'] => "location".into(),
        [0xa9, b'n', b'a', b'm'] => "title".into(),
        [0xa9, b'A', b'R', b'T'] => "artist".into(),
        [0xa9, b'd', b'a', b'y'] => "date".into(),
        [0xa9, b'c', b'm', b't'] => "comment".into(),
        [0xa9, b'm', b'a', b'k'] => "make".into(),
        [0xa9, b'm', b'o', b'd'] => "model".into(),
        [0xa9, b's', b'w', b'r'] => "software".into(),
        [0xa9, rest @ ..] => format!("©{}", fourcc(rest)),
        other => fourcc(other),
    }
}

/// Seconds since 1904-01-01 UTC as ISO 8601, or `None` for the unset value 0.
fn mp4_time_to_iso(secs_since_1904: u64) -> Option<String> {
    if secs_since_1904 == 0 {
        return None;
    }
    let unix = i64::try_from(secs_since_1904).ok()? - MP4_EPOCH_OFFSET_S;
    Some(unix_to_iso(unix))
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS.000000Z` (ffprobe's form).
///
/// # References
/// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (civil_from_days), 2013.
pub fn unix_to_iso(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn iso_dates() {
        assert_eq!(unix_to_iso(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(unix_to_iso(951_782_400), "2000-02-29T00:00:00.000000Z");
        assert_eq!(
            mp4_time_to_iso(MP4_EPOCH_OFFSET_S as u64 + 86_399).unwrap(),
            "1970-01-01T23:59:59.000000Z"
        );
        assert_eq!(mp4_time_to_iso(0), None);
    }

    #[test]
    fn reads_edit_list_and_handler() {
        let mut elst = vec![0, 0, 0, 0, 0, 0, 0, 2];
        elst.extend_from_slice(&500u32.to_be_bytes());
        elst.extend_from_slice(&(-1i32).to_be_bytes());
        elst.extend_from_slice(&[0, 1, 0, 0]);
        elst.extend_from_slice(&48_000u32.to_be_bytes());
        elst.extend_from_slice(&1024u32.to_be_bytes());
        elst.extend_from_slice(&[0, 1, 0, 0]);
        let mut hdlr = vec![0u8; 8];
        hdlr.extend_from_slice(b"soun");
        hdlr.extend_from_slice(&[0u8; 12]);
        hdlr.extend_from_slice(b"SoundHandler\0");
        let trak = [
            bx(b"edts", &bx(b"elst", &elst)),
            bx(b"mdia", &bx(b"hdlr", &hdlr)),
        ]
        .concat();
        let t = parse_trak(&trak);
        assert_eq!(t.handler_type, "soun");
        assert_eq!(t.handler_name.as_deref(), Some("SoundHandler"));
        assert_eq!(t.edits.len(), 2);
        assert_eq!(t.skip_ticks(), 1024);
        assert_eq!(t.start_delay_s(1000), 0.5);
        assert_eq!(t.edited_duration_s(1000), Some(48.0));
    }

    #[test]
    fn loci_is_rendered_as_iso6709() {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&[0x15, 0xc7]); // language
        b.extend_from_slice(b"\0\0"); // empty name, role 0
        for v in [30.5234f64, 50.4501, 0.0] {
            b.extend_from_slice(&((v * 65_536.0).round() as i32).to_be_bytes());
        }
        assert_eq!(parse_loci(&b).as_deref(), Some("+50.4501+030.5234/"));
        assert_eq!(parse_loci(&b[..10]), None);
    }

    #[test]
    fn malformed_boxes_stop_cleanly() {
        // A box claiming more bytes than exist, and one claiming fewer than its header.
        let bad = [0u8, 0, 0, 200, b't', b'r', b'a', b'k', 1, 2, 3];
        assert_eq!(boxes(&bad).count(), 0);
        let tiny = [0u8, 0, 0, 4, b't', b'r', b'a', b'k'];
        assert_eq!(boxes(&tiny).count(), 0);
        let t = parse_trak(&bad);
        assert!(t.edits.is_empty());
    }

    #[test]
    fn oversized_video_configs_are_found_behind_either_size_form() {
        let config = vec![7u8; MAX_VIDEO_CONFIG_BYTES + 100];
        // A track whose visual sample entry (78 bytes of fields) holds `config` as `hvcC`,
        // behind a 32-bit size or a 64-bit one; and a small `avcC`, which is left alone.
        let track = |large: bool| {
            let hvcc = if large {
                let mut b = 1u32.to_be_bytes().to_vec();
                b.extend(b"hvcC");
                b.extend((16 + config.len() as u64).to_be_bytes());
                b.extend(&config);
                b
            } else {
                bx(b"hvcC", &config)
            };
            let mut entry = vec![0u8; 78];
            entry.extend(hvcc);
            entry.extend(bx(b"avcC", &[1u8; 40]));
            let mut stsd = vec![0u8, 0, 0, 0, 0, 0, 0, 1];
            stsd.extend(bx(b"hvc1", &entry));
            bx(
                b"trak",
                &bx(b"mdia", &bx(b"minf", &bx(b"stbl", &bx(b"stsd", &stsd)))),
            )
        };
        let mut moov = track(false);
        moov.extend(track(true));
        let found = oversized_video_configs(&moov);
        assert_eq!(found.len(), 2);
        for at in found {
            assert_eq!(&moov[at..at + 4], b"hvcC");
        }
    }

    #[test]
    fn missing_moov_is_invalid_data() {
        let file = [bx(b"ftyp", b"isom\0\0\x02\0isom"), bx(b"mdat", &[0u8; 64])].concat();
        let err = read(&mut std::io::Cursor::new(file)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("moov"));
    }

    #[test]
    fn not_iso_bmff_is_none() {
        let mut c = std::io::Cursor::new(b"RIFF\x24\0\0\0WAVEfmt ".to_vec());
        assert!(read(&mut c).unwrap().is_none());
    }
}
