//! Where a Matroska/WebM file ends, by its EBML element structure: at an element's end (a file
//! written live, whose segment and clusters have no length, ends so when the recording
//! stops) or inside one (a cut or partial download); for a cut file, the few bytes that
//! let a reader read what is there; and, for a file damaged inside its clusters, the bytes that
//! let a reader skip the damage to the next good block (`damaged_clusters`).
//!
//! symphonia's Matroska reader reports both as an unexpected end of file, so a recording
//! made by a browser's MediaRecorder or `ffmpeg -live 1` read as truncated though every
//! block was there; and it refuses a cut file outright (its Segment runs past the end of the
//! file, and its SeekHead points there). Written by hand: it needs only the EBML
//! variable-length integers of the Matroska specification (RFC 9559, section 4) and a walk
//! over element headers; no crate reads element boundaries without parsing the whole file.
//! Bounded by [`MAX_ELEMENTS`].

use std::io::{Read, Seek, SeekFrom};

/// Element headers visited before giving up (a two-hour recording has a few hundred
/// thousand blocks).
pub const MAX_ELEMENTS: usize = 5_000_000;

/// The Segment and Cluster IDs: the master elements a live writer leaves without a length,
/// whose children are walked instead of skipped.
const SEGMENT: u32 = 0x1853_8067;
const CLUSTER: u32 = 0x1F43_B675;
/// The SeekHead (the Segment's index of its top-level elements), its Seek entries and their
/// fields, and the Void element (RFC 9559, section 5.1 and EBML's RFC 8794, section 11.3.2).
const SEEK_HEAD: u32 = 0x114D_9B74;
const SEEK: u32 = 0x4DBB;
const SEEK_POSITION: u32 = 0x53AC;
const VOID: u8 = 0xEC;

/// A SeekHead's body larger than this is not read for patching (a SeekHead holds a few
/// dozen entries; a cluster index in it, which some muxers write, a few thousand).
const MAX_SEEK_HEAD_BYTES: u64 = 1 << 20;

/// An EBML variable-length integer at the reader's position: (its length in bytes, the value
/// with the length marker kept, the value without it), or `None` at the end of the file or
/// on a first byte of 0 (not a valid integer).
fn vint(r: &mut impl Read) -> std::io::Result<Option<(u8, u64, u64)>> {
    let mut first = [0u8; 1];
    if r.read(&mut first)? == 0 {
        return Ok(None);
    }
    let n = first[0].leading_zeros() as u8 + 1;
    if n > 8 {
        return Err(std::io::ErrorKind::InvalidData.into());
    }
    let mut rest = [0u8; 7];
    r.read_exact(&mut rest[..usize::from(n - 1)])?;
    let mut raw = u64::from(first[0]);
    for b in &rest[..usize::from(n - 1)] {
        raw = raw << 8 | u64::from(*b);
    }
    let value = raw & (u64::MAX >> (64 - 7 * u32::from(n)));
    Ok(Some((n, raw, value)))
}

/// Whether the Matroska file `r` (`len` bytes) ends inside an element: `Some(false)` when
/// the last element ends exactly at the end of the file, `Some(true)` when an element's
/// header or body runs past it, `None` when the walk cannot tell (not EBML, a malformed
/// integer, an unknown-length element that is not a Segment or Cluster, or more than
/// [`MAX_ELEMENTS`] elements).
pub fn ends_inside_element(r: &mut (impl Read + Seek), len: u64) -> Option<bool> {
    // A Segment of known length says where the file should end: two headers tell, so a
    // finished file is not walked (only a live one, or one with something after its Segment).
    match known_segment_end(r) {
        Some(end) if end > len => return Some(true),
        Some(end) if end == len => return Some(false),
        _ => {}
    }
    let mut pos = 0u64;
    r.seek(SeekFrom::Start(0)).ok()?;
    for _ in 0..MAX_ELEMENTS {
        if pos == len {
            return Some(false);
        }
        r.seek(SeekFrom::Start(pos)).ok()?;
        // A header cut short by the end of the file: inside an element.
        let id = match vint(r) {
            Ok(Some((n, raw, _))) if n <= 4 => (n, raw),
            Ok(_) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Some(true),
            Err(_) => return None,
        };
        let size = match vint(r) {
            Ok(Some(s)) => s,
            Ok(None) => return Some(true),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Some(true),
            Err(_) => return None,
        };
        let body = pos + u64::from(id.0) + u64::from(size.0);
        let unknown = size.2 == u64::MAX >> (64 - 7 * u32::from(size.0));
        let master = matches!(u32::try_from(id.1), Ok(SEGMENT | CLUSTER));
        pos = if master {
            // Walked into: its children follow one another, then the next element.
            body
        } else if unknown {
            return None;
        } else {
            let end = body.checked_add(size.2)?;
            if end > len {
                return Some(true);
            }
            end
        };
        if pos > len {
            return Some(true);
        }
    }
    None
}

/// An element's header, as read by [`header_at`].
#[derive(Debug, Clone, Copy)]
struct Header {
    /// The element ID, its length marker kept (as the specification writes IDs).
    id: u32,
    /// Where its size field starts, and its width in bytes.
    size_at: u64,
    width: u8,
    /// The size of its body, and whether it is the reserved "unknown" value.
    size: u64,
    unknown: bool,
    /// Where its body starts.
    body: u64,
}

impl Header {
    /// Where its body ends (`None` on overflow; meaningless when the size is unknown).
    fn end(&self) -> Option<u64> {
        self.body.checked_add(self.size)
    }
}

/// The element header at `pos`: `Err(UnexpectedEof)` when the file ends inside it, `Ok(None)`
/// when it is not a valid header.
fn header_at(r: &mut (impl Read + Seek), pos: u64) -> std::io::Result<Option<Header>> {
    r.seek(SeekFrom::Start(pos))?;
    let Some((n, raw, _)) = vint(r)? else {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    };
    if n > 4 {
        return Ok(None);
    }
    let Some((width, _, size)) = vint(r)? else {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    };
    let size_at = pos + u64::from(n);
    Ok(Some(Header {
        id: raw as u32,
        size_at,
        width,
        size,
        unknown: size == u64::MAX >> (64 - 7 * u32::from(width)),
        body: size_at + u64::from(width),
    }))
}

/// Where the first Segment of the Matroska file `r` ends, when its length is known (`None`
/// for a live file's, or when the EBML header and the Segment's cannot be read).
fn known_segment_end(r: &mut (impl Read + Seek)) -> Option<u64> {
    let ebml = header_at(r, 0).ok()??;
    let segment = header_at(r, ebml.end()?).ok()??;
    (segment.id == SEGMENT && !segment.unknown)
        .then(|| segment.end())
        .flatten()
}

/// For a Matroska file `r` (`len` bytes) that ends inside an element, the bytes to read in
/// place of its own (offset, bytes) so that a reader that trusts its lengths reads what is
/// there up to the cut: the Segment and a Cluster that run past the end are given the unknown
/// length a live writer gives them (all ones, in the same width), and each SeekHead entry that
/// points past the end (the Cues and Tags a muxer writes after the clusters) becomes a Void
/// element of the same length, which every reader skips. `None` when the file does not end
/// inside an element, or when the walk cannot tell ([`ends_inside_element`]).
pub fn cut_patches(r: &mut (impl Read + Seek), len: u64) -> Option<Vec<(u64, Vec<u8>)>> {
    // Only a Segment of known length that runs past the end of the file needs them (a live
    // file's lengths are already unknown).
    if known_segment_end(r)? <= len {
        return None;
    }
    let mut patches = Vec::new();
    let mut segment_data = None;
    let mut seek_head = None;
    let mut pos = 0u64;
    for _ in 0..MAX_ELEMENTS {
        let h = match header_at(r, pos) {
            Ok(Some(h)) => h,
            Ok(None) => return None,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(_) => return None,
        };
        let end = h.end()?;
        let master = matches!(h.id, SEGMENT | CLUSTER);
        if master && !h.unknown && end > len {
            // The unknown length in the same width: the marker bit, then all ones.
            let mut bytes = vec![0xFF; usize::from(h.width)];
            bytes[0] = 0xFF >> (h.width - 1);
            patches.push((h.size_at, bytes));
        }
        if h.id == SEGMENT {
            segment_data = Some(h.body);
        }
        if h.id == SEEK_HEAD && !h.unknown && end <= len && h.size <= MAX_SEEK_HEAD_BYTES {
            seek_head = Some((h.body, end));
        }
        pos = if master { h.body } else { end };
        if pos >= len {
            break;
        }
    }
    if let (Some(base), Some((mut at, end))) = (segment_data, seek_head) {
        while at < end {
            let Ok(Some(entry)) = header_at(r, at) else {
                break;
            };
            let entry_end = entry.end()?;
            if entry.unknown || entry_end > end {
                break;
            }
            if entry.id == SEEK && points_past_end(r, base, entry.body, entry_end, len) {
                patches.push((at, void(entry_end - at)?));
            }
            at = entry_end;
        }
    }
    (!patches.is_empty()).then_some(patches)
}

/// Whether the Seek entry whose body is `body..end` gives a SeekPosition (relative to the
/// Segment's data at `base`) whose element does not lie wholly inside the file's `len` bytes.
fn points_past_end(r: &mut (impl Read + Seek), base: u64, mut at: u64, end: u64, len: u64) -> bool {
    while at < end {
        let Ok(Some(field)) = header_at(r, at) else {
            return false;
        };
        if field.unknown {
            return false;
        }
        if field.id == SEEK_POSITION && (1..=8).contains(&field.size) {
            let mut b = [0u8; 8];
            if r.read_exact(&mut b[8 - field.size as usize..]).is_err() {
                return false;
            }
            let Some(target) = base.checked_add(u64::from_be_bytes(b)) else {
                return true;
            };
            return match header_at(r, target) {
                Ok(Some(t)) => !t.unknown && t.end().is_none_or(|e| e > len),
                Ok(None) => false,
                Err(_) => true,
            };
        }
        at = field.end().unwrap_or(u64::MAX);
    }
    false
}

/// Top-level elements of a Segment (RFC 9559, section 5.1): SeekHead, Info, Tracks, Cues,
/// Cluster, Tags, Chapters, Attachments; and Void and CRC-32, allowed anywhere.
const TOP_LEVEL: [u32; 8] = [
    SEEK_HEAD,
    0x1549_A966,
    0x1654_AE6B,
    0x1C53_BB6B,
    CLUSTER,
    0x1254_C367,
    0x1043_A770,
    0x1941_A469,
];
const CRC32: u32 = 0xBF;
/// A Cluster's children: Timestamp, SilentTracks, Position, PrevSize, SimpleBlock,
/// BlockGroup, EncryptedBlock.
const TIMESTAMP: u32 = 0xE7;
const CLUSTER_CHILDREN: [u32; 7] = [TIMESTAMP, 0x5854, 0xA7, 0xAB, 0xA3, 0xA0, 0xAF];

/// Damage inside a Matroska file's clusters, and the bytes that let a reader skip it.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// The stretches (start, end) that hold no element where one should be (from the block
    /// the damage began in), each up to the next good block or Cluster (the first
    /// [`MAX_STRETCHES`]).
    pub stretches: Vec<(u64, u64)>,
    /// Bytes to read in place of the file's own (offset, bytes): each damaged Cluster given
    /// the unknown length a live writer gives (it then ends where the next Cluster begins),
    /// and each stretch made one Void element, which every reader skips.
    pub patches: Vec<(u64, Vec<u8>)>,
    /// Whether damage runs to the end of the file (no good Cluster after it).
    pub to_the_end: bool,
}

/// Whether `h` is a Cluster whose first child is its Timestamp (after a CRC-32, which some
/// muxers put first): a good Cluster to resume at.
fn good_cluster(r: &mut (impl Read + Seek), h: &Header, limit: u64) -> bool {
    if h.id != CLUSTER || !(h.unknown || h.end().is_some_and(|e| e <= limit)) {
        return false;
    }
    let mut at = h.body;
    for _ in 0..2 {
        match header_at(r, at) {
            Ok(Some(t)) if t.id == TIMESTAMP => return (1..=8).contains(&t.size),
            Ok(Some(t)) if t.id == CRC32 && t.size == 4 => at = t.body + 4,
            _ => return false,
        }
    }
    false
}

/// Elements that must follow a block found after damage, one after another, for it to be
/// taken (or the Cluster's end).
const BLOCK_CHAIN: usize = 3;

/// Bytes searched for the next block after damage inside a Cluster (a block is a few hundred
/// bytes of audio, or a video frame); past this the search goes on to the next Cluster.
const MAX_BLOCK_SEARCH_BYTES: u64 = 1 << 20;

/// Damaged stretches mended before the walk gives up (the reader then stops at the next, as
/// it did at the first): a file damaged in more places is ruined or hostile.
const MAX_STRETCHES: usize = 1000;

/// The next good block from `from` inside a Cluster that ends at `end`: a SimpleBlock or
/// BlockGroup that fits, with a small track number (a SimpleBlock's first byte), followed
/// by the Cluster's end or another child that fits.
fn next_block(r: &mut (impl Read + Seek), from: u64, end: u64) -> Option<u64> {
    if end <= from {
        return None;
    }
    let window = (end - from).min(MAX_BLOCK_SEARCH_BYTES);
    let mut buf = vec![0u8; usize::try_from(window).ok()?];
    r.seek(SeekFrom::Start(from)).ok()?;
    r.read_exact(&mut buf).ok()?;
    let fits = |h: &Header| !h.unknown && h.end().is_some_and(|e| e <= end);
    for (i, &b) in buf.iter().enumerate() {
        if b != 0xA3 && b != 0xA0 {
            continue;
        }
        let q = from + i as u64;
        let Ok(Some(h)) = header_at(r, q) else {
            continue;
        };
        if !fits(&h) || h.size < 4 {
            continue;
        }
        if h.id == 0xA3 {
            let track = buf.get(usize::try_from(h.body - from).ok()?).copied();
            if !track.is_some_and(|t| (0x81..=0x8F).contains(&t)) {
                continue;
            }
        } else if h.id != 0xA0 {
            continue;
        }
        // The elements from it must lead, one after another, to the Cluster's end or through
        // [`BLOCK_CHAIN`] more: a false block read out of a damaged block's payload rarely
        // does (a later damage in the same Cluster may break a longer chain).
        let mut at = h.end()?;
        let mut chained = true;
        for _ in 0..BLOCK_CHAIN {
            if at >= end {
                break;
            }
            match header_at(r, at) {
                Ok(Some(n))
                    if (CLUSTER_CHILDREN.contains(&n.id) || n.id == u32::from(VOID))
                        && fits(&n) =>
                {
                    at = n.end()?;
                }
                _ => {
                    chained = false;
                    break;
                }
            }
        }
        if chained {
            return Some(q);
        }
    }
    None
}

/// The next good Cluster from `from` (before `limit`), found by its ID's four bytes.
fn next_cluster(r: &mut (impl Read + Seek), from: u64, limit: u64) -> Option<u64> {
    const ID: [u8; 4] = CLUSTER.to_be_bytes();
    let mut buf = vec![0u8; 1 << 16];
    let mut at = from;
    while at < limit {
        r.seek(SeekFrom::Start(at)).ok()?;
        // A read may stop short (at the end of a buffer): read until full or at the end.
        let mut n = 0;
        while n < buf.len() {
            match r.read(&mut buf[n..]).ok()? {
                0 => break,
                k => n += k,
            }
        }
        if n < 4 {
            return None;
        }
        for i in 0..n - 3 {
            if buf[i..i + 4] == ID {
                let q = at + i as u64;
                if let Ok(Some(h)) = header_at(r, q)
                    && good_cluster(r, &h, limit)
                {
                    return Some(q);
                }
            }
        }
        at += (n - 3) as u64;
    }
    None
}

/// The damage inside the clusters of the Matroska file `r` (`len` bytes): where a Cluster's
/// child, or an element between Clusters, is not a valid element (overwritten bytes),
/// symphonia's reader stops ("invalid ebml element id length") and everything after is
/// lost, while libavformat's searches for the next Cluster and reads on. The walk does as
/// libavformat does, and gives the patches that let symphonia's reader do so too. `None`
/// when nothing is damaged, or the walk cannot tell (not Matroska, a Segment that cannot be
/// read, more than [`MAX_ELEMENTS`] elements).
pub fn damaged_clusters(r: &mut (impl Read + Seek), len: u64) -> Option<Damage> {
    // Every element header is read (a block is a few hundred bytes): through a buffer that a
    // seek within it does not empty, a walk costs a read a buffer, not several a block (a
    // 10-minute video's walk took 70 ms unbuffered).
    let r = &mut Buffered::new(r)?;
    let ebml = header_at(r, 0).ok()??;
    let segment = header_at(r, ebml.end()?).ok()??;
    if segment.id != SEGMENT {
        return None;
    }
    let seg_end = if segment.unknown {
        len
    } else {
        segment.end()?.min(len)
    };
    let mut d = Damage {
        stretches: Vec::new(),
        patches: Vec::new(),
        to_the_end: false,
    };
    let mut pos = segment.body;
    // The Cluster being walked: its header, and where it ends (`None` for an unknown length,
    // which ends where a top-level element begins).
    let mut cluster: Option<(Header, Option<u64>)> = None;
    // Where the block just walked begins, when nothing has been walked after it: damage found
    // right after a block nearly always began inside it (bytes overwritten from somewhere in
    // its payload on), so its audio is garbage and its timestamp may be too (a zeroed one put
    // a block at 0 s in the middle of a recording, and 2.9 s of silence after it).
    let mut last_block: Option<u64> = None;
    for _ in 0..MAX_ELEMENTS {
        if let Some((_, Some(end))) = cluster
            && pos >= end
        {
            cluster = None;
            last_block = None;
        }
        if pos >= seg_end {
            break;
        }
        let h = match header_at(r, pos) {
            Ok(h) => h,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(_) => None,
        };
        let top =
            |h: &Header| TOP_LEVEL.contains(&h.id) || h.id == u32::from(VOID) || h.id == CRC32;
        let fits = |h: &Header, end: u64| h.end().is_some_and(|e| e <= end);
        let good = h.filter(|h| match cluster {
            Some((_, Some(end))) => {
                (CLUSTER_CHILDREN.contains(&h.id) || h.id == u32::from(VOID) || h.id == CRC32)
                    && !h.unknown
                    && fits(h, end)
            }
            Some((_, None)) if top(h) => h.id == CLUSTER || (!h.unknown && fits(h, seg_end)),
            Some((_, None)) => CLUSTER_CHILDREN.contains(&h.id) && !h.unknown && fits(h, seg_end),
            None => {
                top(h)
                    && (if h.id == CLUSTER {
                        true
                    } else {
                        !h.unknown && fits(h, seg_end)
                    })
            }
        });
        match good {
            Some(h) if h.id == CLUSTER && good_cluster(r, &h, seg_end) => {
                cluster = Some((h, (!h.unknown).then(|| h.end()).flatten()));
                pos = h.body;
                last_block = None;
                continue;
            }
            // A Cluster without its Timestamp: damage (below).
            Some(h) if h.id == CLUSTER => {}
            Some(h) => {
                if matches!(cluster, Some((_, None)))
                    && top(&h)
                    && h.id != u32::from(VOID)
                    && h.id != CRC32
                {
                    cluster = None;
                }
                last_block = (cluster.is_some() && matches!(h.id, 0xA3 | 0xA0)).then_some(pos);
                pos = h.end()?;
                continue;
            }
            None => {}
        }
        if d.stretches.len() >= MAX_STRETCHES {
            break;
        }
        let start = last_block.take().unwrap_or(pos);
        // Damage inside a Cluster of known length: skip to its next good block.
        if let Some((_, Some(end))) = cluster
            && let Some(q) = next_block(r, pos + 1, end)
        {
            d.patches.push((start, void(q - start)?));
            d.stretches.push((start, q));
            pos = q;
            continue;
        }
        // Else to the next good Cluster.
        let Some(q) = next_cluster(r, pos + 1, seg_end) else {
            d.stretches.push((start, seg_end));
            d.to_the_end = true;
            break;
        };
        if let Some((c, _)) = cluster
            && !c.unknown
        {
            let mut bytes = vec![0xFF; usize::from(c.width)];
            bytes[0] = 0xFF >> (c.width - 1);
            d.patches.push((c.size_at, bytes));
        }
        d.patches.push((start, void(q - start)?));
        d.stretches.push((start, q));
        cluster = None;
        pos = q;
    }
    (!d.stretches.is_empty()).then_some(d)
}

/// The warning for `d`.
pub fn damage_warning(d: &Damage) -> String {
    let first = d.stretches.first().map_or(0, |s| s.0);
    let mended = d.stretches.len() - usize::from(d.to_the_end);
    let mut w = format!(
        "the Matroska/WebM stream is damaged in {} place(s), bytes that hold no element where \
         one should be, the first at byte {first}",
        d.stretches.len()
    );
    if mended > 0 {
        w.push_str(
            ": the pure-Rust reader stopped there and lost everything after it; each damaged \
             stretch is now skipped to the next good block or cluster, whose blocks keep their \
             own times (silence stands for the blocks lost; with Vorbis, times after a hole \
             were measured 10-11 ms early, the decoder's overlap across it)",
        );
    }
    if d.to_the_end {
        w.push_str(if mended > 0 {
            "; after the last, no good cluster follows, and the audio ends there"
        } else {
            ": no good cluster follows, and the audio ends there"
        });
    }
    w
}

/// A reader buffered so that seeking to a position inside its buffer reads nothing
/// (`std::io::BufReader` empties its buffer on every absolute seek).
struct Buffered<R> {
    inner: std::io::BufReader<R>,
    pos: u64,
}

impl<R: Read + Seek> Buffered<R> {
    fn new(mut inner: R) -> Option<Self> {
        let pos = inner.stream_position().ok()?;
        Some(Buffered {
            inner: std::io::BufReader::with_capacity(1 << 16, inner),
            pos,
        })
    }
}

impl<R: Read> Read for Buffered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Buffered<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        match to {
            SeekFrom::Start(p) => {
                let delta = i64::try_from(p).ok().zip(i64::try_from(self.pos).ok());
                match delta {
                    Some((a, b)) => self.inner.seek_relative(a - b)?,
                    None => {
                        self.inner.seek(to)?;
                    }
                }
                self.pos = p;
            }
            _ => self.pos = self.inner.seek(to)?,
        }
        Ok(self.pos)
    }
}

/// A Void element `total` bytes long (at least 2): its ID, a length, and zeros.
fn void(total: u64) -> Option<Vec<u8>> {
    if total < 2 {
        return None;
    }
    let mut v = Vec::with_capacity(usize::try_from(total).ok()?);
    v.push(VOID);
    if total - 2 <= 126 {
        v.push(0x80 | (total - 2) as u8);
    } else if total >= 9 {
        v.push(0x01);
        v.extend_from_slice(&(total - 9).to_be_bytes()[1..]);
    } else {
        return None;
    }
    v.resize(usize::try_from(total).ok()?, 0);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// An element with a one-byte ID and a one-byte length.
    fn el(id: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![id, 0x80 | body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    /// A live file: EBML header, then a Segment and two Clusters of unknown length.
    fn live() -> Vec<u8> {
        let mut f = vec![0x1A, 0x45, 0xDF, 0xA3, 0x84, 0x42, 0x86, 0x81, 0x01];
        f.extend([
            0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        for _ in 0..2 {
            f.extend([0x1F, 0x43, 0xB6, 0x75, 0xFF]);
            f.extend(el(0xE7, &[0]));
            f.extend(el(0xA3, &[0x81, 0, 0, 0x80, 1, 2, 3]));
        }
        f
    }

    /// A file of two Clusters of known length (4-byte lengths), each a Timestamp and five
    /// SimpleBlocks of 24 bytes; and where each block starts.
    fn clustered() -> (Vec<u8>, Vec<usize>) {
        let mut f = vec![0x1A, 0x45, 0xDF, 0xA3, 0x84, 0x42, 0x86, 0x81, 0x01];
        f.extend([
            0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        let mut blocks = Vec::new();
        for c in 0..2u8 {
            let mut body = el(0xE7, &[c]);
            for k in 0..5u8 {
                let mut b = vec![0x81, 0, k, 0x80];
                b.resize(24, 0x11);
                blocks.push(f.len() + 8 + body.len());
                body.extend(el(0xA3, &b));
            }
            f.extend([0x1F, 0x43, 0xB6, 0x75, 0x10, 0, 0, body.len() as u8]);
            f.extend(body);
        }
        (f, blocks)
    }

    #[test]
    fn damage_inside_a_cluster_is_skipped_to_the_next_good_block() {
        let (f, blocks) = clustered();
        let len = f.len() as u64;
        assert_eq!(damaged_clusters(&mut Cursor::new(f.clone()), len), None);
        // Overwritten from the second block's payload through the third block's header: the
        // second block (its payload garbage) and the third go, the fourth is read.
        let mut g = f.clone();
        g[blocks[1] + 10..blocks[2] + 4].fill(0);
        let d = damaged_clusters(&mut Cursor::new(g.clone()), len).unwrap();
        assert_eq!(d.stretches, vec![(blocks[1] as u64, blocks[3] as u64)]);
        assert!(!d.to_the_end);
        assert_eq!(d.patches.len(), 1);
        let (at, ref v) = d.patches[0];
        assert_eq!(
            (at, v.len(), v[0]),
            (blocks[1] as u64, blocks[3] - blocks[1], VOID)
        );
        // With the patch read in place, the walk finds nothing more.
        let mut mended = g.clone();
        mended[at as usize..at as usize + v.len()].copy_from_slice(v);
        assert_eq!(damaged_clusters(&mut Cursor::new(mended), len), None);
        // The fifth block's header hit: no block follows in its Cluster, so the walk goes on
        // to the next Cluster, given the unknown length so that it ends there.
        let mut g = f.clone();
        g[blocks[4]..blocks[4] + 3].fill(0);
        let d = damaged_clusters(&mut Cursor::new(g), len).unwrap();
        assert_eq!(d.stretches, vec![(blocks[3] as u64, blocks[5] as u64 - 11)]);
        assert_eq!(d.patches[0].1, vec![0x1F, 0xFF, 0xFF, 0xFF]);
        // The second Cluster's own header hit: the damage begins there, not in the first
        // Cluster's last block (a Void from there would run out of that Cluster).
        let mut g = f.clone();
        let second = blocks[5] - 11;
        g[second..second + 4].fill(0);
        let d = damaged_clusters(&mut Cursor::new(g), len).unwrap();
        assert_eq!(d.stretches[0].0, second as u64);
        // The second Cluster's blocks hit to the end: nothing to resume at.
        let mut g = f;
        g[blocks[8]..].fill(0);
        let d = damaged_clusters(&mut Cursor::new(g), len).unwrap();
        assert!(d.to_the_end);
        assert!(damage_warning(&d).contains("no good cluster follows"));
    }

    #[test]
    fn a_live_file_ends_at_an_element_and_a_cut_one_inside() {
        let f = live();
        let len = f.len() as u64;
        assert_eq!(
            ends_inside_element(&mut Cursor::new(f.clone()), len),
            Some(false)
        );
        for cut in [1, 2, 4] {
            let c = f[..f.len() - cut].to_vec();
            let len = c.len() as u64;
            assert_eq!(
                ends_inside_element(&mut Cursor::new(c), len),
                Some(true),
                "{cut}"
            );
        }
        // A header cut inside its length field.
        let mut c = f.clone();
        c.extend([0x1F, 0x43]);
        let len = c.len() as u64;
        assert_eq!(ends_inside_element(&mut Cursor::new(c), len), Some(true));
        // Not EBML at all, and an unknown-length element of another kind: cannot tell.
        assert_eq!(ends_inside_element(&mut Cursor::new(vec![0u8; 8]), 8), None);
        let mut c = f;
        c.extend([0xA3, 0xFF, 1, 2]);
        let len = c.len() as u64;
        assert_eq!(ends_inside_element(&mut Cursor::new(c), len), None);
    }

    /// A finished file as a muxer writes it: EBML header, a Segment of known length holding a
    /// SeekHead (two entries: Info, inside the file, and Cues, after the cluster), Info, one
    /// Cluster of known length, and Cues.
    fn finished() -> (Vec<u8>, usize, usize) {
        let seek = |id: &[u8], pos: u8| {
            let mut body = vec![0x53, 0xAB, 0x80 | id.len() as u8];
            body.extend_from_slice(id);
            body.extend([0x53, 0xAC, 0x81, pos]);
            let mut v = vec![0x4D, 0xBB, 0x80 | body.len() as u8];
            v.extend(body);
            v
        };
        let info = [0x15, 0x49, 0xA9, 0x66, 0x83, 0x2A, 0xD7, 0xB1];
        let mut cluster = vec![0x1F, 0x43, 0xB6, 0x75, 0x40, 0];
        let blocks: Vec<u8> = (0..4)
            .flat_map(|_| el(0xA3, &[0x81, 0, 0, 0x80, 1, 2, 3]))
            .collect();
        cluster[5] = (el(0xE7, &[0]).len() + blocks.len()) as u8;
        cluster.extend(el(0xE7, &[0]));
        cluster.extend(blocks);
        let cues = [0x1C, 0x53, 0xBB, 0x6B, 0x82, 0xEC, 0x80];
        // Segment data: SeekHead (2 x 14-byte entries), Info, Cluster, Cues.
        let head_len = 5 + 2 * 14;
        let info_at = head_len as u8;
        let cues_at = (head_len + info.len() + cluster.len()) as u8;
        let mut data = vec![0x11, 0x4D, 0x9B, 0x74, 0x80 | 28];
        data.extend(seek(&[0x15, 0x49, 0xA9, 0x66], info_at));
        data.extend(seek(&[0x1C, 0x53, 0xBB, 0x6B], cues_at));
        assert_eq!(data.len(), head_len);
        data.extend(info);
        data.extend(&cluster);
        data.extend(cues);
        let mut f = vec![0x1A, 0x45, 0xDF, 0xA3, 0x84, 0x42, 0x86, 0x81, 0x01];
        f.extend([0x18, 0x53, 0x80, 0x67, 0x01]);
        f.extend((data.len() as u64).to_be_bytes()[1..].iter());
        let segment_data = f.len();
        f.extend(data);
        (f, segment_data, segment_data + head_len + info.len())
    }

    #[test]
    fn a_cut_file_is_given_the_lengths_of_a_live_one_and_its_index_past_the_cut_is_voided() {
        let (f, segment_data, cluster_at) = finished();
        let len = f.len() as u64;
        // Whole: nothing to patch.
        assert_eq!(cut_patches(&mut Cursor::new(f.clone()), len), None);
        // Cut inside the cluster's third block.
        let cut = f[..cluster_at + 6 + 3 + 2 * 9 + 4].to_vec();
        let len = cut.len() as u64;
        let patches = cut_patches(&mut Cursor::new(cut.clone()), len).expect("patches");
        let at = |p: usize| patches.iter().find(|(o, _)| *o == p as u64).map(|x| &x.1);
        // The Segment's 8-byte length and the Cluster's 2-byte length become unknown.
        let size_at = segment_data - 8;
        assert_eq!(
            at(size_at).unwrap(),
            &vec![0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(at(cluster_at + 4).unwrap(), &vec![0x7F, 0xFF]);
        // The Cues entry (past the cut) becomes a 14-byte Void; the Info entry is kept.
        let cues_entry = segment_data + 5 + 14;
        assert_eq!(at(cues_entry).unwrap(), &{
            let mut v = vec![0xEC, 0x80 | 12];
            v.resize(14, 0);
            v
        });
        assert_eq!(at(segment_data + 5), None);
        assert_eq!(patches.len(), 3);
        // Read through the patches, the file now ends at an element's end or inside a
        // block, as a live recording stopped there would, and the walk still tells it was cut.
        let mut read = Vec::new();
        crate::decode::riff::Patched::new(Cursor::new(cut), patches, Vec::new())
            .unwrap()
            .read_to_end(&mut read)
            .unwrap();
        assert_eq!(ends_inside_element(&mut Cursor::new(read), len), Some(true));
        // Cut inside the Cues only: the Segment becomes unknown and the Cues entry Void; the
        // Cluster is whole.
        let cut = f[..f.len() - 1].to_vec();
        let len = cut.len() as u64;
        let patches = cut_patches(&mut Cursor::new(cut), len).expect("patches");
        assert_eq!(patches.len(), 2);
        assert!(patches.iter().any(|(o, _)| *o == size_at as u64));
        assert!(patches.iter().any(|(o, _)| *o == cues_entry as u64));
        // A live file cut short has nothing to patch: its lengths are already unknown.
        let l = live();
        let c = l[..l.len() - 2].to_vec();
        let len = c.len() as u64;
        assert_eq!(cut_patches(&mut Cursor::new(c), len), None);
    }

    #[test]
    fn a_void_element_fills_exactly_the_bytes_it_replaces() {
        for total in [2u64, 14, 128, 129, 5000] {
            let v = void(total).unwrap();
            assert_eq!(v.len() as u64, total);
            let mut c = Cursor::new(v);
            let h = header_at(&mut c, 0).unwrap().unwrap();
            assert!(!h.unknown);
            assert_eq!(h.end(), Some(total), "{total}");
        }
        assert_eq!(void(1), None);
    }
}
