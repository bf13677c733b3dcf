//! Damage in an MPEG audio file (MP3, MP2, and AAC in ADTS frames): stretches of bytes between
//! frames that hold no frame, and how much audio they can have cost.
//!
//! An MPEG audio stream is a chain of frames, each opening with a header that gives its length
//! (ISO/IEC 11172-3, section 2.4.2.3; 13818-3 for the half rates; an ADTS header gives it
//! outright, ISO/IEC 13818-7, section 6.2). Where bytes are damaged,
//! a reader loses the chain and searches for the next header, and the frames in between are
//! lost. Its packets are stamped by counting frames, so every sound after the damage is
//! reported early by the audio lost, without a word (300 bytes overwritten in an MP3 put its
//! later impulses 24 ms early). Walking the chain says where it breaks, and how many frames
//! were lost there (exactly for whole frames of a constant bit rate, or by the count a LAME/Xing
//! frame gives), so that the decoder can put silence in their place (`symphonia::Source`).
//! Written by hand: the
//! frame length is one formula over the header's fields, and no crate walks the frame chain
//! of a file without decoding it.

use std::io::{BufReader, Read, Seek, SeekFrom};

/// Frames walked before giving up (a two-hour MP3 has about 280,000).
const MAX_FRAMES: u64 = 2_000_000;

/// Bytes searched for the next frame after a break before giving up on the file.
const MAX_SEARCH_BYTES: u64 = 1 << 20;

/// A frame header's fields that a file's frames share, and the frame's length.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Header {
    /// MPEG version (1, 2, or 25 for 2.5), layer (1-3) and sample rate (Hz): the same in every
    /// frame of a stream.
    version: u8,
    layer: u8,
    sample_rate: u32,
    /// Samples per channel the frame gives.
    samples: u32,
    /// The frame's length in bytes, its header included.
    len: u32,
}

/// Bit rates in kbit/s by bit-rate index: MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I,
/// and layers II and III.
const BITRATES: [[u16; 15]; 5] = [
    [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ],
    [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ],
    [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
    [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
    ],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/// The row of [`BITRATES`] for an MPEG version (1, 2, 25) and layer (1-3).
fn bitrate_table(version: u8, layer: u8) -> usize {
    match (version, layer) {
        (1, l) => usize::from(l - 1),
        (_, 1) => 3,
        _ => 4,
    }
}

/// The frame header in `b`, if it is one this walk can follow (not free-format).
fn header(b: [u8; 4]) -> Option<Header> {
    if b[0] != 0xFF || b[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = match (b[1] >> 3) & 3 {
        0 => 25,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let layer = match (b[1] >> 1) & 3 {
        1 => 3,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let rate_index = usize::from(b[2] >> 4);
    let sr_index = usize::from((b[2] >> 2) & 3);
    if rate_index == 0 || rate_index == 15 || sr_index == 3 {
        return None;
    }
    let padding = u32::from((b[2] >> 1) & 1);
    let base = [44_100, 48_000, 32_000][sr_index];
    let sample_rate = match version {
        1 => base,
        2 => base / 2,
        _ => base / 4,
    };
    let bitrate = u32::from(BITRATES[bitrate_table(version, layer)][rate_index]) * 1000;
    let (samples, len) = match layer {
        1 => (384, (12 * bitrate / sample_rate + padding) * 4),
        2 => (1152, 144 * bitrate / sample_rate + padding),
        _ if version == 1 => (1152, 144 * bitrate / sample_rate + padding),
        _ => (576, 72 * bitrate / sample_rate + padding),
    };
    Some(Header {
        version,
        layer,
        sample_rate,
        samples,
        len,
    })
}

/// AAC sample rates by an ADTS header's (or an `AudioSpecificConfig`'s) sampling-frequency
/// index (ISO/IEC 14496-3, 1.6.3.4).
pub(super) const ADTS_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

/// The ADTS header in `b` (AAC, 1,024 samples a raw data block), if it is one.
fn adts_header(b: [u8; 7]) -> Option<Header> {
    if b[0] != 0xFF || b[1] & 0xF6 != 0xF0 {
        return None;
    }
    let sample_rate = *ADTS_RATES.get(usize::from((b[2] >> 2) & 0x0F))?;
    let len = (u32::from(b[3] & 3) << 11) | (u32::from(b[4]) << 3) | u32::from(b[5] >> 5);
    let blocks = u32::from(b[6] & 3) + 1;
    Some(Header {
        version: 4,
        layer: 0,
        sample_rate,
        samples: 1024 * blocks,
        len,
    })
}

/// The length in bytes, the samples and the sample rate of the MPEG audio or ADTS frame whose
/// header opens `b` (at least 7 bytes).
pub(super) fn frame_facts(b: &[u8]) -> Option<(u32, u32, u32)> {
    let h = frame(b.get(..7)?.try_into().ok()?)?;
    Some((h.len, h.samples, h.sample_rate))
}

/// The frame header in the first bytes of `b`: MPEG audio, else ADTS.
fn frame(b: [u8; 7]) -> Option<Header> {
    header([b[0], b[1], b[2], b[3]]).or_else(|| adts_header(b))
}

/// Damage found in an MPEG audio file.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// Breaks in the chain of frames.
    pub breaks: usize,
    /// Byte offset of the first, and the audio before it (seconds, counting every audio frame
    /// from the first: the encoder's delay included, a Xing/Info/VBRI frame not).
    pub first_at: u64,
    pub first_s: f64,
    /// Bytes that held no frame, in all; and the frames lost ([`Break::lost`], summed).
    pub bytes: u64,
    pub frames: u64,
    /// Seconds a frame gives, and the samples it gives.
    pub frame_s: f64,
    pub frame_samples: u32,
    /// Every break, in file order (the first [`MAX_LISTED_BREAKS`]).
    pub list: Vec<Break>,
}

impl Damage {
    /// Whether every break's count of frames lost is exact ([`Break::exact`]).
    pub fn exact(&self) -> bool {
        self.breaks == self.list.len() && self.list.iter().all(|b| b.exact)
    }
}

/// Breaks listed one by one in [`Damage::list`]; a file damaged in more places than this is
/// hostile or ruined, and the rest are counted only.
pub const MAX_LISTED_BREAKS: usize = 100_000;

/// One break in the chain of frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Break {
    /// Audio frames before it (a Xing/Info/VBRI frame not counted): the index, among the
    /// packets a reader gives, of the first after it.
    pub frame: u64,
    /// Where it starts, and the bytes up to the next frame of the chain (which hold none).
    pub at: u64,
    pub bytes: u64,
    /// The frames lost there: those the bytes would hold at the mean frame length (at least
    /// one: a stretch shorter than a frame is what is left of one), unless `exact`.
    pub lost: u64,
    /// Whether `lost` is exact: the stream has one bit rate and the stretch is whole frames of
    /// its length (bytes overwritten, frames dropped), or the encoder's Xing/Info tag counts
    /// the frames the stream should have and the other breaks account for the rest (bytes cut
    /// out, as of a file recovered with clusters missing).
    pub exact: bool,
}

/// What a first frame that is an encoder's Xing, Info or VBRI frame says (a table of contents
/// and delay, no audio; readers take it for a tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InfoFrame {
    /// The audio frames of the stream, where the Xing/Info tag gives them (its flag 1; the
    /// tag's own frame not counted, as LAME and libavformat write it).
    frames: Option<u64>,
}

/// The Xing, Info or VBRI frame whose first bytes are `b` (`h` its header), if it is one: the
/// tests of symphonia's MP3 reader (the tag's name after the side information, or VBRI 32
/// bytes after the header).
fn info_frame(b: &[u8], h: &Header) -> Option<InfoFrame> {
    if h.layer != 3 {
        return None;
    }
    let mono = b.get(3).is_some_and(|m| m >> 6 == 3);
    let side = match (h.version, mono) {
        (1, true) => 17,
        (1, false) => 32,
        (_, true) => 9,
        (_, false) => 17,
    };
    let word = |o: usize| {
        b.get(o..o + 4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
    };
    let tag = 4 + side;
    if matches!(b.get(tag..tag + 4), Some(b"Xing" | b"Info")) {
        let frames = word(tag + 4)
            .filter(|f| f & 1 == 1)
            .and_then(|_| word(tag + 8))
            .map(u64::from);
        return Some(InfoFrame { frames });
    }
    (b.get(36..40) == Some(b"VBRI")).then_some(InfoFrame { frames: None })
}

/// The damage in the MPEG audio file `r` (`len` bytes), if its chain of frames breaks; `None`
/// when it does not, or when it cannot be walked (not MPEG audio, free-format, or more than
/// [`MAX_FRAMES`] frames).
pub fn damaged_frames(r: &mut (impl Read + Seek), len: u64) -> Option<Damage> {
    r.seek(SeekFrom::Start(0)).ok()?;
    let mut r = BufReader::with_capacity(1 << 16, r);
    let mut id3 = [0u8; 10];
    r.read_exact(&mut id3).ok()?;
    let mut pos = after_id3(&id3);
    // The bytes at `p` into `b`, moving within the reader's buffer where it can.
    let mut cur = 10u64;
    let mut at = |r: &mut BufReader<_>, p: u64, b: &mut [u8]| -> Option<()> {
        if p + b.len() as u64 > len {
            return None;
        }
        r.seek_relative(p as i64 - cur as i64).ok()?;
        r.read_exact(b).ok()?;
        cur = p + b.len() as u64;
        Some(())
    };
    let mut opening = [0u8; 64];
    at(&mut r, pos, &mut opening[..7])?;
    let first = frame(opening[..7].try_into().ok()?)?;
    // The first frame's opening bytes, for its tag (a short frame holds fewer).
    let n = (first.len as usize).clamp(7, opening.len());
    let info = at(&mut r, pos, &mut opening[..n]).and_then(|()| info_frame(&opening[..n], &first));
    if info.is_some() {
        pos += u64::from(first.len);
    }
    let mut read = |r: &mut BufReader<_>, p: u64| -> Option<[u8; 7]> {
        let mut b = [0u8; 7];
        at(r, p, &mut b)?;
        Some(b)
    };
    let same = |h: &Header| {
        h.version == first.version && h.layer == first.layer && h.sample_rate == first.sample_rate
    };
    // Whether every audio frame has one bit rate (ADTS headers carry none: their frames
    // vary), and the shortest and longest frames (a constant rate's differ by the padding).
    let mut rate = None;
    let mut constant = first.layer > 0;
    let (mut shortest, mut longest) = (u32::MAX, 0u32);
    let mut frames = 0u64;
    let mut frame_bytes = 0u64;
    let mut list: Vec<Break> = Vec::new();
    let (mut breaks, mut bytes, mut unlisted) = (0usize, 0u64, 0u64);
    // Whether the walk reached the end of the stream (the file's end, or a tag there).
    let mut whole_walk = false;
    while frames < MAX_FRAMES {
        let Some(b) = read(&mut r, pos) else {
            whole_walk = pos == len;
            break;
        };
        match frame(b).filter(same) {
            Some(h) if pos + u64::from(h.len) <= len && h.len > 4 => {
                if first.layer > 0 {
                    constant &= *rate.get_or_insert(b[2] >> 4) == b[2] >> 4;
                }
                shortest = shortest.min(h.len);
                longest = longest.max(h.len);
                frames += 1;
                frame_bytes += u64::from(h.len);
                pos += u64::from(h.len);
                continue;
            }
            // Cut inside its last frame: truncated, which the decoder reports.
            Some(_) => break,
            None => {}
        }
        // A tag at the end (ID3v1, APE, Lyrics3) ends the stream.
        if b[..3] == *b"TAG" || b[..4] == *b"APET" || b[..4] == *b"LYRI" {
            whole_walk = true;
            break;
        }
        // The chain breaks: the next header whose frame is followed by another.
        let start = pos;
        let mut next = None;
        let mut p = pos + 1;
        while p < len.min(start + MAX_SEARCH_BYTES) {
            if let Some(h) = read(&mut r, p).and_then(frame).filter(same) {
                let after = p + u64::from(h.len);
                if after == len || read(&mut r, after).and_then(frame).filter(same).is_some() {
                    next = Some(p);
                    break;
                }
            }
            p += 1;
        }
        let Some(p) = next else { break };
        let stretch = p - start;
        // The mean frame length so far (the first frame's before any is walked).
        let mean = if frames > 0 {
            frame_bytes as f64 / frames as f64
        } else {
            f64::from(first.len.max(1))
        };
        let lost = (stretch as f64 / mean).round().max(1.0) as u64;
        // Whole frames of one length: k of them span k shortest to k longest.
        let whole = constant
            && frames > 0
            && (1..=stretch / u64::from(shortest))
                .any(|k| stretch <= k * u64::from(longest) && stretch >= k * u64::from(shortest));
        breaks += 1;
        bytes += stretch;
        pos = p;
        if list.len() < MAX_LISTED_BREAKS {
            list.push(Break {
                frame: frames,
                at: start,
                bytes: stretch,
                lost,
                exact: whole,
            });
        } else {
            unlisted = unlisted.saturating_add(lost);
        }
    }
    let first_break = *list.first()?;
    if !constant {
        for b in &mut list {
            b.exact = false;
        }
    }
    // The tag counts the frames the stream should have: what the breaks counted exactly do
    // not account for was lost at the one break that is not.
    if let (true, Some(total)) = (whole_walk, info.and_then(|i| i.frames)) {
        let counted = list
            .iter()
            .filter(|b| b.exact)
            .fold(0u64, |n, b| n.saturating_add(b.lost));
        let all_listed = breaks == list.len();
        let mut open = list.iter_mut().filter(|b| !b.exact);
        if let (Some(b), None) = (open.next(), open.next()) {
            let rest = total
                .checked_sub(frames.saturating_add(counted))
                .filter(|&n| n >= 1);
            if let (Some(n), true) = (rest, all_listed) {
                b.lost = n;
                b.exact = true;
            }
        }
    }
    Some(Damage {
        breaks,
        first_at: first_break.at,
        first_s: (first_break.frame * u64::from(first.samples)) as f64
            / f64::from(first.sample_rate),
        bytes,
        frames: list.iter().fold(unlisted, |n, b| n.saturating_add(b.lost)),
        frame_s: f64::from(first.samples) / f64::from(first.sample_rate),
        frame_samples: first.samples,
        list,
    })
}

/// Where the audio begins in a file whose first ten bytes are `head`: after its ID3v2 tag
/// (its syncsafe size, and a footer when the flag says so), else at 0.
fn after_id3(head: &[u8; 10]) -> u64 {
    if &head[..3] != b"ID3" {
        return 0;
    }
    let size = head[6..10]
        .iter()
        .fold(0u64, |s, &b| s << 7 | u64::from(b & 0x7F));
    10 + size + if head[5] & 0x10 != 0 { 10 } else { 0 }
}

/// What the opening frames of an MPEG audio file say of its stream: the layer (1-3) and the
/// sample rate, and whether the first frame's bit rate is one the standard does not allow in
/// its channel mode (ISO/IEC 11172-3, section 2.4.2.3: layer II in mono above 192 kbit/s, or
/// two channels at 32, 48, 56 or 80 kbit/s). Such a frame is refused by symphonia's reader,
/// which then searches on and may lock onto a false header inside the audio data; ffmpeg's
/// mp2 encoder writes them (a mono stream at its default 384 kbit/s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamStart {
    pub layer: u8,
    pub sample_rate: u32,
    pub disallowed_rate_kbps: Option<u32>,
    /// Whether the first frame is coded in mono (its channel mode).
    pub mono: bool,
}

/// The [`StreamStart`] of the MPEG audio file `r` (`len` bytes), when it opens (after an ID3v2
/// tag, if any) with a frame that the next frame follows on: `None` otherwise (ADTS, free
/// format, damage at the start), where nothing can be said.
pub fn stream_start(r: &mut (impl Read + Seek), len: u64) -> Option<StreamStart> {
    r.seek(SeekFrom::Start(0)).ok()?;
    let mut id3 = [0u8; 10];
    r.read_exact(&mut id3).ok()?;
    let pos = after_id3(&id3);
    let mut read = |p: u64| -> Option<[u8; 4]> {
        if p + 4 > len {
            return None;
        }
        r.seek(SeekFrom::Start(p)).ok()?;
        let mut b = [0u8; 4];
        r.read_exact(&mut b).ok()?;
        Some(b)
    };
    let b = read(pos)?;
    let first = header(b)?;
    let next = header(read(pos + u64::from(first.len))?)?;
    if (next.version, next.layer, next.sample_rate)
        != (first.version, first.layer, first.sample_rate)
    {
        return None;
    }
    let kbps =
        u32::from(BITRATES[bitrate_table(first.version, first.layer)][usize::from(b[2] >> 4)]);
    let mono = b[3] >> 6 == 3;
    let disallowed = first.version == 1
        && first.layer == 2
        && if mono {
            kbps > 192
        } else {
            matches!(kbps, 32 | 48 | 56 | 80)
        };
    Some(StreamStart {
        layer: first.layer,
        sample_rate: first.sample_rate,
        disallowed_rate_kbps: disallowed.then_some(kbps),
        mono,
    })
}

/// The damage of the MPEG audio file at `path`, if its chain of frames breaks.
pub fn damage(path: &std::path::Path) -> Option<Damage> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    damaged_frames(&mut f, len)
}

/// The silence to put in place of the frames lost at each break of `d`: (the index of the
/// packet it goes before, among those a reader gives; samples per channel). Breaks past
/// [`MAX_LISTED_BREAKS`], or losing more than [`super::MAX_GAP_FILL_S`] at once or
/// [`super::MAX_TOTAL_GAP_FILL_S`] in all, are left joined (as for any gap in a stream's
/// clock: counts that large are themselves in doubt).
pub fn fills(d: &Damage) -> Vec<(u64, u64)> {
    let mut total = 0.0;
    let mut out = Vec::new();
    for b in &d.list {
        let s = b.lost as f64 * d.frame_s;
        if s > super::MAX_GAP_FILL_S || total + s > super::MAX_TOTAL_GAP_FILL_S {
            break;
        }
        total += s;
        out.push((b.frame, b.lost * u64::from(d.frame_samples)));
    }
    out
}

/// The warning to give for the file at `path` when it is an MPEG audio file (`codec`: `mp3`,
/// `mp2`, `mp1`, or `aac` in ADTS frames) whose chain of frames breaks; `filled` when the
/// decoder puts silence in place of the frames lost ([`fills`]: earwitness's own backend),
/// else it joins the audio on either side (libavformat's, and players'). Shared by both
/// backends and `probe`, so that they say it in the same words.
pub fn damage_warning(path: &std::path::Path, codec: &str, filled: bool) -> Option<String> {
    damage(path).map(|d| {
        let places = filled.then(|| fills(&d).len());
        warning(&d, &codec.to_uppercase(), places)
    })
}

/// The warning for `d`, naming the format (`MP3`, `MP2`); `filled` the number of places where
/// silence stands in place of the frames lost (the first so many; `None` where the audio on
/// either side is joined).
pub fn warning(d: &Damage, what: &str, filled: Option<usize>) -> String {
    let lost = format!(
        "{} frame(s), {:.3} s of audio",
        d.frames,
        d.frames as f64 * d.frame_s
    );
    let place = format!(
        "the {what} stream is damaged in {} place(s), {} bytes that hold no frame, the first at \
         byte {}, about {:.3} s in",
        d.breaks, d.bytes, d.first_at, d.first_s
    );
    let joined = "the reader skips them and joins the audio on either side end to end, so times \
                  after it may be early by that much";
    let Some(n) = filled.filter(|&n| n > 0) else {
        return format!("{place} (about {lost}, at the stream's mean frame length): {joined}");
    };
    let count = if d.exact() {
        "counted exactly: whole frames of the stream's one length, or the frames its encoder's \
         tag says it should have"
    } else {
        "where not counted exactly, counted from the damaged bytes left at the stream's mean \
         frame length: off by a frame or so where bytes were overwritten in a stream whose bit \
         rate varies, by all that was lost where bytes were cut out of the file, and times \
         after it by as much"
    };
    let rest = if n < d.breaks {
        format!(
            "; past the first {n} place(s) (a loss too long to count, or too many) the audio is \
             joined end to end, and times after may be early"
        )
    } else {
        String::new()
    };
    format!(
        "{place}: silence stands in place of the {lost} lost there ({count}), so that times \
         after it keep the stream's clock{rest}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// An MPEG-1 layer III frame at 128 kbit/s, 48 kHz: 384 bytes.
    fn frame() -> Vec<u8> {
        let mut f = vec![0xFF, 0xFB, 0x94, 0x00];
        f.resize(384, 0x11);
        f
    }

    #[test]
    fn frame_lengths_follow_the_standard() {
        let h = header([0xFF, 0xFB, 0x94, 0x00]).unwrap();
        assert_eq!((h.len, h.samples, h.sample_rate), (384, 1152, 48_000));
        // 128 kbit/s at 44.1 kHz with padding: 418 bytes.
        let h = header([0xFF, 0xFB, 0x92, 0x00]).unwrap();
        assert_eq!(h.len, 418);
        // MPEG-2 layer III, 64 kbit/s at 24 kHz: 576 samples, 192 bytes.
        let h = header([0xFF, 0xF3, 0x84, 0x00]).unwrap();
        assert_eq!((h.len, h.samples, h.sample_rate), (192, 576, 24_000));
        // Free format and reserved fields are not followed.
        assert_eq!(header([0xFF, 0xFB, 0x04, 0x00]), None);
        assert_eq!(header([0xFF, 0xFB, 0x9C, 0x00]), None);
    }

    #[test]
    fn a_streams_opening_frames_name_its_layer_rate_and_a_disallowed_bit_rate() {
        // MPEG-1 layer II, 384 kbit/s at 48 kHz (1,152 bytes a frame), in mono: not allowed.
        let mut f = vec![0xFF, 0xFD, 0xE4, 0xC4];
        f.resize(1152, 0x55);
        let two = [f.clone(), f.clone()].concat();
        let s = stream_start(&mut Cursor::new(&two), two.len() as u64).unwrap();
        assert_eq!(
            s,
            StreamStart {
                layer: 2,
                sample_rate: 48_000,
                disallowed_rate_kbps: Some(384),
                mono: true
            }
        );
        // The same in stereo is allowed.
        let mut st = two.clone();
        st[3] = 0x04;
        st[1155] = 0x04;
        let s = stream_start(&mut Cursor::new(&st), st.len() as u64).unwrap();
        assert_eq!((s.disallowed_rate_kbps, s.mono), (None, false));
        // An MP3 behind an ID3v2 tag (10 bytes of header, 5 of body); a lone frame with no
        // second after it says nothing.
        let mut tagged = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
        tagged.extend([frame(), frame()].concat());
        let s = stream_start(&mut Cursor::new(&tagged), tagged.len() as u64).unwrap();
        assert_eq!(
            (s.layer, s.sample_rate, s.disallowed_rate_kbps),
            (3, 48_000, None)
        );
        let one = frame();
        assert_eq!(stream_start(&mut Cursor::new(&one), one.len() as u64), None);
    }

    /// An Info frame (LAME's, for a constant bit rate) for a mono stream of `frames` frames of
    /// [`frame`]'s kind.
    fn info(frames: u32) -> Vec<u8> {
        let mut f = vec![0xFF, 0xFB, 0x94, 0xC0];
        f.resize(21, 0);
        f.extend(b"Info");
        f.extend(1u32.to_be_bytes());
        f.extend(frames.to_be_bytes());
        f.resize(384, 0);
        f
    }

    #[test]
    fn frames_lost_are_counted_exactly_where_the_stream_says_how_many() {
        let whole: Vec<u8> = (0..40).flat_map(|_| frame()).collect();
        // Three frames overwritten from the eleventh: whole frames of the one length.
        let mut f = whole.clone();
        f[10 * 384..13 * 384].fill(0x55);
        let d = damaged_frames(&mut Cursor::new(f.clone()), f.len() as u64).unwrap();
        let b = d.list[0];
        assert_eq!(
            (b.frame, b.at, b.bytes, b.lost, b.exact),
            (10, 3840, 1152, 3, true)
        );
        assert!(d.exact());
        assert_eq!(fills(&d), vec![(10, 3 * 1152)]);
        assert!(warning(&d, "MP3", Some(1)).contains("counted exactly"));
        // 1,000 bytes cut out from inside the eleventh frame (a recovered file with a cluster
        // missing): what is left is not whole frames, and no tag says how many there were.
        let mut cut = whole.clone();
        cut.drain(10 * 384 + 100..10 * 384 + 1100);
        let d = damaged_frames(&mut Cursor::new(cut.clone()), cut.len() as u64).unwrap();
        assert!(!d.exact());
        assert!(warning(&d, "MP3", Some(1)).contains("where bytes were cut out"));
        // With the encoder's Info frame before it, which counts 40 frames: the eleventh is
        // whole to the walk (its header stands), 26 follow the break (the fifteenth on), so
        // 3 were lost (the twelfth to the fourteenth, whose headers were cut out).
        let mut tagged = info(40);
        tagged.extend(&cut);
        let d = damaged_frames(&mut Cursor::new(tagged.clone()), tagged.len() as u64).unwrap();
        let b = d.list[0];
        assert_eq!((b.frame, b.lost, b.exact), (11, 3, true));
        // The Info frame is not audio: the break's time counts from the frame after it.
        assert!((d.first_s - 11.0 * 0.024).abs() < 1e-9);
        // A tag that counts fewer frames than were found says nothing.
        let mut wrong = info(20);
        wrong.extend(&cut);
        let d = damaged_frames(&mut Cursor::new(wrong.clone()), wrong.len() as u64).unwrap();
        assert!(!d.exact());
        // Two breaks that are not whole frames share what the tag counts: neither is exact.
        let mut two = info(40);
        let mut c2 = cut.clone();
        c2.drain(25 * 384 + 50..25 * 384 + 650);
        two.extend(&c2);
        let d = damaged_frames(&mut Cursor::new(two.clone()), two.len() as u64).unwrap();
        assert_eq!(d.breaks, 2);
        assert!(!d.exact());
        // A bit rate that varies: 160 kbit/s frames (480 bytes) among the 128 kbit/s ones.
        let mut vbr = Vec::new();
        let mut tenth = 0;
        for k in 0..40 {
            if k == 10 {
                tenth = vbr.len();
            }
            if k % 3 == 0 {
                let mut g = vec![0xFF, 0xFB, 0xA4, 0x00];
                g.resize(480, 0x11);
                vbr.extend(g);
            } else {
                vbr.extend(frame());
            }
        }
        vbr[tenth..tenth + 4].fill(0);
        let d = damaged_frames(&mut Cursor::new(vbr.clone()), vbr.len() as u64).unwrap();
        assert!(!d.list[0].exact);
    }

    #[test]
    fn a_break_in_the_chain_is_found_and_placed() {
        let mut f: Vec<u8> = (0..20).flat_map(|_| frame()).collect();
        let len = f.len() as u64;
        assert_eq!(damaged_frames(&mut Cursor::new(f.clone()), len), None);
        // The sixth frame's header overwritten: one frame lost, 0.120 s in.
        f[5 * 384..5 * 384 + 4].copy_from_slice(&[0, 0, 0, 0]);
        let d = damaged_frames(&mut Cursor::new(f.clone()), len).unwrap();
        assert_eq!((d.breaks, d.first_at, d.bytes, d.frames), (1, 1920, 384, 1));
        assert!((d.first_s - 0.12).abs() < 1e-9);
        assert!(warning(&d, "MP3", None).contains("about 1 frame(s), 0.024 s of audio"));
        // With an ID3v2 tag before it and an ID3v1 tag after it, the same.
        let mut tagged = vec![b'I', b'D', b'3', 4, 0, 0, 0, 0, 0, 10];
        tagged.extend([0u8; 10]);
        tagged.extend(&f);
        tagged.extend(b"TAG");
        tagged.extend([0u8; 125]);
        let len = tagged.len() as u64;
        let d = damaged_frames(&mut Cursor::new(tagged), len).unwrap();
        assert_eq!((d.breaks, d.first_at, d.frames), (1, 20 + 1920, 1));
        // Cut inside its last frame: not damage.
        let cut = f[..f.len() - 100].to_vec();
        let len = cut.len() as u64;
        assert_eq!(
            damaged_frames(&mut Cursor::new(cut), len).map(|d| d.breaks),
            Some(1)
        );
        let whole: Vec<u8> = (0..20).flat_map(|_| frame()).collect();
        let cut = whole[..whole.len() - 100].to_vec();
        let len = cut.len() as u64;
        assert_eq!(damaged_frames(&mut Cursor::new(cut), len), None);
        // 100 bytes cut out of the middle of a frame: what is left of it holds no frame.
        let mut spliced = whole[..10 * 384 + 50].to_vec();
        spliced.extend(&whole[10 * 384 + 150..]);
        let len = spliced.len() as u64;
        let d = damaged_frames(&mut Cursor::new(spliced), len).unwrap();
        // The cut frame's header stands, so the chain breaks where the next should be.
        assert_eq!(
            (d.breaks, d.first_at, d.bytes, d.frames),
            (1, 11 * 384, 284, 1)
        );
        // AAC in ADTS frames (48 kHz, one raw data block, 300 bytes a frame), one overwritten.
        let adts = |len: u16| {
            let mut f = vec![0xFF, 0xF1, 0x4C, 0x80, 0, 0, 0xFC];
            f[3] |= ((len >> 11) & 3) as u8;
            f[4] = (len >> 3) as u8;
            f[5] = ((len & 7) << 5) as u8 | 0x1F;
            f.resize(usize::from(len), 0x22);
            f
        };
        let mut a: Vec<u8> = (0..30).flat_map(|_| adts(300)).collect();
        let len = a.len() as u64;
        assert_eq!(damaged_frames(&mut Cursor::new(a.clone()), len), None);
        a[12 * 300..12 * 300 + 7].fill(0);
        let d = damaged_frames(&mut Cursor::new(a), len).unwrap();
        assert_eq!((d.breaks, d.first_at, d.bytes, d.frames), (1, 3600, 300, 1));
        assert!((d.first_s - 12.0 * 1024.0 / 48_000.0).abs() < 1e-9);
        // Not MPEG audio at all.
        assert_eq!(
            damaged_frames(&mut Cursor::new(vec![7u8; 4000]), 4000),
            None
        );
    }
}
