//! Damage in an MPEG audio file (MP3, MP2, and AAC in ADTS frames): stretches of bytes between
//! frames that hold no frame, and how much audio they can have cost.
//!
//! An MPEG audio stream is a chain of frames, each opening with a header that gives its length
//! (ISO/IEC 11172-3, section 2.4.2.3; 13818-3 for the half rates; an ADTS header gives it
//! outright, ISO/IEC 13818-7, section 6.2). Where bytes are damaged,
//! a reader loses the chain and searches for the next header, and the frames in between are
//! lost. Its packets are stamped by counting frames, so every sound after the damage is
//! reported early by the audio lost, without a word (300 bytes overwritten in an MP3 put its
//! later impulses 24 ms early). Walking the chain says where it breaks. Written by hand: the
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
    let table = match (version, layer) {
        (1, l) => usize::from(l - 1),
        (_, 1) => 3,
        _ => 4,
    };
    let bitrate = u32::from(BITRATES[table][rate_index]) * 1000;
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

/// AAC sample rates by an ADTS header's sampling-frequency index.
const ADTS_RATES: [u32; 13] = [
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

/// The frame header in the first bytes of `b`: MPEG audio, else ADTS.
fn frame(b: [u8; 7]) -> Option<Header> {
    header([b[0], b[1], b[2], b[3]]).or_else(|| adts_header(b))
}

/// Damage found in an MPEG audio file.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// Breaks in the chain of frames.
    pub breaks: usize,
    /// Byte offset of the first, and the audio before it (seconds, counting every frame
    /// from the first: the encoder's delay included).
    pub first_at: u64,
    pub first_s: f64,
    /// Bytes that held no frame, in all; and the frames they would hold at the file's mean
    /// frame length (at least one a break: a stretch shorter than a frame is what is left of
    /// one).
    pub bytes: u64,
    pub frames: u64,
    /// Seconds a frame gives.
    pub frame_s: f64,
}

/// The damage in the MPEG audio file `r` (`len` bytes), if its chain of frames breaks; `None`
/// when it does not, or when it cannot be walked (not MPEG audio, free-format, or more than
/// [`MAX_FRAMES`] frames).
pub fn damaged_frames(r: &mut (impl Read + Seek), len: u64) -> Option<Damage> {
    r.seek(SeekFrom::Start(0)).ok()?;
    let mut r = BufReader::with_capacity(1 << 16, r);
    let mut pos = 0u64;
    let mut id3 = [0u8; 10];
    r.read_exact(&mut id3).ok()?;
    if &id3[..3] == b"ID3" {
        let size = id3[6..10]
            .iter()
            .fold(0u64, |s, &b| s << 7 | u64::from(b & 0x7F));
        pos = 10 + size + if id3[5] & 0x10 != 0 { 10 } else { 0 };
    }
    // The four bytes at `p`, moving within the reader's buffer where it can.
    let mut cur = 10u64;
    let mut at = |r: &mut BufReader<_>, p: u64| -> Option<[u8; 7]> {
        if p + 7 > len {
            return None;
        }
        r.seek_relative(p as i64 - cur as i64).ok()?;
        let mut b = [0u8; 7];
        r.read_exact(&mut b).ok()?;
        cur = p + 7;
        Some(b)
    };
    let first = frame(at(&mut r, pos)?)?;
    let same = |h: &Header| {
        h.version == first.version && h.layer == first.layer && h.sample_rate == first.sample_rate
    };
    let mut frames = 0u64;
    let mut frame_bytes = 0u64;
    let mut damage: Option<Damage> = None;
    while frames < MAX_FRAMES {
        let Some(b) = at(&mut r, pos) else { break };
        match frame(b).filter(same) {
            Some(h) if pos + u64::from(h.len) <= len && h.len > 4 => {
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
            break;
        }
        // The chain breaks: the next header whose frame is followed by another.
        let start = pos;
        let mut next = None;
        let mut p = pos + 1;
        while p < len.min(start + MAX_SEARCH_BYTES) {
            if let Some(h) = at(&mut r, p).and_then(frame).filter(same) {
                let after = p + u64::from(h.len);
                if after == len || at(&mut r, after).and_then(frame).filter(same).is_some() {
                    next = Some(p);
                    break;
                }
            }
            p += 1;
        }
        let Some(p) = next else { break };
        let d = damage.get_or_insert(Damage {
            breaks: 0,
            first_at: start,
            first_s: (frames * u64::from(first.samples)) as f64 / f64::from(first.sample_rate),
            bytes: 0,
            frames: 0,
            frame_s: f64::from(first.samples) / f64::from(first.sample_rate),
        });
        d.breaks += 1;
        d.bytes += p - start;
        pos = p;
        // A stretch shorter than a frame is what is left of one: a frame's audio is lost.
        let mean = frame_bytes as f64 / frames.max(1) as f64;
        d.frames += ((p - start) as f64 / mean).round().max(1.0) as u64;
    }
    damage
}

/// The warning to give for the file at `path` when it is an MPEG audio file (`codec`: `mp3`,
/// `mp2`, `mp1`, or `aac` in ADTS frames) whose chain of frames breaks. Shared by both backends: libavformat skips
/// the damage as symphonia does, and joins the audio on either side alike.
pub fn damage_warning(path: &std::path::Path, codec: &str) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let d = damaged_frames(&mut f, len)?;
    Some(warning(&d, &codec.to_uppercase()))
}

/// The warning for `d`, naming the format (`MP3`, `MP2`).
pub fn warning(d: &Damage, what: &str) -> String {
    format!(
        "the {what} stream is damaged in {} place(s), {} bytes that hold no frame (about {} \
         frame(s), {:.3} s of audio, at the stream's mean frame length), the first at byte {}, \
         about {:.3} s in: the reader skips them and joins the audio on either side end to end, \
         so times after it may be early by that much",
        d.breaks,
        d.bytes,
        d.frames,
        d.frames as f64 * d.frame_s,
        d.first_at,
        d.first_s
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
    fn a_break_in_the_chain_is_found_and_placed() {
        let mut f: Vec<u8> = (0..20).flat_map(|_| frame()).collect();
        let len = f.len() as u64;
        assert_eq!(damaged_frames(&mut Cursor::new(f.clone()), len), None);
        // The sixth frame's header overwritten: one frame lost, 0.120 s in.
        f[5 * 384..5 * 384 + 4].copy_from_slice(&[0, 0, 0, 0]);
        let d = damaged_frames(&mut Cursor::new(f.clone()), len).unwrap();
        assert_eq!((d.breaks, d.first_at, d.bytes, d.frames), (1, 1920, 384, 1));
        assert!((d.first_s - 0.12).abs() < 1e-9);
        assert!(warning(&d, "MP3").contains("about 1 frame(s), 0.024 s of audio"));
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
