//! Where a Matroska/WebM file ends, by its EBML element structure: at an element's end (a file
//! written live, whose segment and clusters have no length, ends so when the recording
//! stops) or inside one (a cut or partial download).
//!
//! symphonia's Matroska reader reports both as an unexpected end of file, so a recording
//! made by a browser's MediaRecorder or `ffmpeg -live 1` read as truncated though every
//! block was there. Written by hand: it needs only the EBML variable-length integers of the
//! Matroska specification (RFC 9559, section 4) and a walk over element headers; no crate
//! reads element boundaries without parsing the whole file. Bounded by [`MAX_ELEMENTS`].

use std::io::{Read, Seek, SeekFrom};

/// Element headers visited before giving up (a two-hour recording has a few hundred
/// thousand blocks).
pub const MAX_ELEMENTS: usize = 5_000_000;

/// The Segment and Cluster IDs: the master elements a live writer leaves without a length,
/// whose children are walked instead of skipped.
const SEGMENT: u32 = 0x1853_8067;
const CLUSTER: u32 = 0x1F43_B675;

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
}
