//! Damaged pages of an Ogg file (Opus, Vorbis, FLAC in Ogg), found by their checksums, and how
//! much of the stream's clock they sit in.
//!
//! Every Ogg page carries a CRC-32 of itself (RFC 3533, section 6). A reader skips a page whose
//! checksum fails, and so does symphonia's, but it stamps the next page's audio as if it
//! followed on from the page before the damage, and says nothing: the decoded audio is joined
//! end to end, and every sound after the damage is reported early by the audio lost, without
//! a word (a flipped byte in a 2 s Opus note dropped its second half; the report said it was
//! 1.014 s long). The granule positions of the good pages on either side say where on the
//! stream's clock the damage lies, and how much it can have cost; the decoder puts the page
//! after it back at its own time (`symphonia::Source`). Written by hand: it needs
//! only the page header and symphonia's CRC-32, and no crate walks pages past a bad one.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::checksum::Crc32;
use symphonia::core::io::Monitor;

/// The capture pattern that opens every page.
const CAPTURE: &[u8; 4] = b"OggS";

/// Pages looked at before giving up (a two-hour Opus recording has about 7,000; a page holds at
/// least 28 bytes).
const MAX_PAGES: usize = 10_000_000;

/// Damage found in an Ogg file.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// Pages whose checksum fails (or whose bytes do not hold a page where one should be).
    pub pages: usize,
    /// Byte offset of the first.
    pub first_at: u64,
    /// Where on the stream's clock the first damage lies: the granule position of the last
    /// good page of its stream before it, and of the first good one after it (`None` where
    /// there is none).
    pub granules: (Option<i64>, Option<i64>),
    /// The same for every run of damaged pages, in file order.
    pub spans: Vec<(Option<i64>, Option<i64>)>,
    /// Whether every good page belongs to one logical stream (not a chained file, nor audio
    /// multiplexed with video), so that the granules of one clock bound each run.
    pub one_stream: bool,
}

/// The damaged pages of the Ogg file `r`, if any; `None` when every page checks out, or when
/// the file cannot be read.
pub fn damaged_pages(r: &mut (impl Read + Seek)) -> Option<Damage> {
    r.seek(SeekFrom::Start(0)).ok()?;
    let mut reader = BufReader::with_capacity(1 << 16, r);
    let mut pos = 0u64;
    let mut walk = Walk::default();
    let mut resyncing = false;
    for _ in 0..MAX_PAGES {
        let (skipped, found) = sync(&mut reader);
        // The rest of a damaged page, skipped to find the next one, is that page's damage.
        if skipped > 0 && pos > 0 && !std::mem::take(&mut resyncing) {
            // Bytes that are not a page after a page: a page whose capture pattern was hit.
            walk.damaged(pos);
        }
        if !found {
            break;
        }
        pos += skipped;
        match read_page(&mut reader) {
            Ok(Some(page)) if page.crc_ok => {
                resyncing = false;
                walk.good(&page);
                pos += page.len;
            }
            Ok(Some(_)) => {
                walk.damaged(pos);
                // Its lengths may be what was damaged: look for the next page from the byte
                // after its capture pattern.
                pos += 1;
                resyncing = true;
                reader.seek(SeekFrom::Start(pos)).ok()?;
            }
            // Cut short: the end of the file, not damage (the decoder says it is truncated).
            Ok(None) => break,
            Err(_) => return None,
        }
    }
    walk.damage.map(|d| Damage {
        one_stream: !walk.streams,
        ..d
    })
}

/// The runs of damage in `d` that good pages bound on both sides: (granule before, granule
/// after). A run before the first audio page is bounded by the headers' granule 0; one after
/// the last good page cannot be placed.
pub fn mendable(d: &Damage) -> Vec<(u64, u64)> {
    d.spans
        .iter()
        .filter_map(|&(a, b)| Some((u64::try_from(a?).ok()?, u64::try_from(b?).ok()?)))
        .filter(|&(a, b)| b > a)
        .collect()
}

/// What [`damaged_pages`] has seen so far.
#[derive(Default)]
struct Walk {
    damage: Option<Damage>,
    /// The serial and granule of the last good page that completes a packet, outside damage.
    last_good: Option<(u32, i64)>,
    /// Whether a run of damaged pages is open (its good page after not yet seen).
    open: bool,
    /// The first good page's serial, and whether another was seen.
    serial: Option<u32>,
    streams: bool,
}

impl Walk {
    /// A good page.
    fn good(&mut self, page: &Page) {
        self.streams |= *self.serial.get_or_insert(page.serial) != page.serial;
        if page.granule < 0 {
            return;
        }
        if self.open && self.last_good.is_none_or(|(s, _)| s == page.serial) {
            if let Some(d) = &mut self.damage {
                if let Some(span) = d.spans.last_mut() {
                    span.1 = Some(page.granule);
                }
                d.granules = d.spans[0];
            }
            self.open = false;
        }
        if !self.open {
            self.last_good = Some((page.serial, page.granule));
        }
    }

    /// A damaged page at `pos`.
    fn damaged(&mut self, pos: u64) {
        let before = self.last_good.map(|(_, g)| g);
        let d = self.damage.get_or_insert(Damage {
            pages: 0,
            first_at: pos,
            granules: (before, None),
            spans: Vec::new(),
            one_stream: true,
        });
        d.pages += 1;
        if !self.open {
            d.spans.push((before, None));
            self.open = true;
        }
    }
}

/// Reads `r` up to and through the next capture pattern: the bytes skipped before it, and
/// whether one was found (else the reader is at the end of the file, or cannot read on).
fn sync(r: &mut impl Read) -> (u64, bool) {
    let mut window = [0u8; 4];
    let mut read = 0u64;
    let mut byte = [0u8; 1];
    loop {
        match r.read(&mut byte) {
            Ok(1) => {}
            _ => return (read, false),
        }
        window.rotate_left(1);
        window[3] = byte[0];
        read += 1;
        if read >= 4 && &window == CAPTURE {
            return (read - 4, true);
        }
    }
}

/// One page, as read from its capture pattern.
struct Page {
    serial: u32,
    granule: i64,
    len: u64,
    crc_ok: bool,
}

/// Reads the page whose capture pattern the reader has just read; `Ok(None)` when the file
/// ends inside it.
fn read_page(r: &mut impl Read) -> std::io::Result<Option<Page>> {
    let mut header = [0u8; 27];
    header[..4].copy_from_slice(CAPTURE);
    if !read_all(r, &mut header[4..])? {
        return Ok(None);
    }
    let n_segments = usize::from(header[26]);
    let mut table = vec![0u8; n_segments];
    if !read_all(r, &mut table)? {
        return Ok(None);
    }
    let body_len: usize = table.iter().map(|&b| usize::from(b)).sum();
    let mut body = vec![0u8; body_len];
    if !read_all(r, &mut body)? {
        return Ok(None);
    }
    let stored = u32::from_le_bytes([header[22], header[23], header[24], header[25]]);
    header[22..26].fill(0);
    let mut crc = Crc32::new(0);
    crc.process_buf_bytes(&header);
    crc.process_buf_bytes(&table);
    crc.process_buf_bytes(&body);
    let granule = i64::from_le_bytes(header[6..14].try_into().unwrap_or_default());
    Ok(Some(Page {
        serial: u32::from_le_bytes([header[14], header[15], header[16], header[17]]),
        granule,
        len: (27 + n_segments + body_len) as u64,
        crc_ok: header[4] == 0 && crc.crc() == stored,
    }))
}

/// Fills `buf`; `false` when the reader ends first.
fn read_all(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    match r.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The warning to give for the file at `path` when it is an Ogg file with damaged pages: its
/// clock read at 48 kHz from before the pre-skip for an Opus stream (its first page holds the
/// `OpusHead` that gives it, RFC 7845, section 5.1), else at `sample_rate`. Shared by both
/// backends and by `probe`: libavformat skips a damaged page as symphonia does, and joins
/// the audio on either side alike.
pub fn damage_warning(path: &Path, sample_rate: u32, mended: bool) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut first = [0u8; 27 + 1 + 12];
    f.read_exact(&mut first[..4]).ok()?;
    if &first[..4] != CAPTURE {
        return None;
    }
    // The first page of an Opus stream: one segment, the 19-byte OpusHead.
    let opus_pre_skip = f.read_exact(&mut first[4..]).ok().and_then(|()| {
        (first[26] >= 1 && &first[28..36] == b"OpusHead")
            .then(|| u64::from(u16::from_le_bytes([first[38], first[39]])))
    });
    let d = damaged_pages(&mut f)?;
    // A run with no good page after it has nothing after it to put back.
    let mended = mended && d.one_stream;
    Some(match opus_pre_skip {
        Some(pre_skip) => warning(&d, 48_000, pre_skip, mended),
        None => warning(&d, sample_rate, 0, mended),
    })
}

/// The warning for `d`, with the stream's clock in `granule_rate` ticks per second and its
/// first `pre_skip` ticks not audio (Opus's pre-skip; 0 for other codecs); `mended` when the
/// decoder puts silence in place of every run of damage and each page after one at its own
/// time (earwitness's own backend, `symphonia::Source::mend`), else it joins the audio on
/// either side.
pub fn warning(d: &Damage, granule_rate: u32, pre_skip: u64, mended: bool) -> String {
    let rate = f64::from(granule_rate.max(1));
    let at = |g: i64| (g as f64 - pre_skip as f64).max(0.0) / rate;
    let head = format!(
        "{} Ogg page(s) are damaged (their checksums fail), the first at byte {}",
        d.pages, d.first_at
    );
    if let (true, (Some(a), Some(b))) = (mended, d.granules) {
        return format!(
            "{head}: their audio is lost; the first lies between {:.3} s and {:.3} s of the \
             stream's clock, and silence stands in place of what is lost, the page after each \
             damage put back at its own time (the reader stamps it from the page before), so \
             times after it keep the stream's clock",
            at(a),
            at(b)
        );
    }
    let place = match d.granules {
        (Some(a), Some(b)) => format!(
            "; it lies between {:.3} s and {:.3} s of the stream's clock, so times after {:.3} s \
             may be early by as much as {:.3} s",
            at(a),
            at(b),
            at(a),
            at(b) - at(a)
        ),
        (Some(a), None) => format!(
            "; it lies after {:.3} s of the stream's clock, and no good page follows",
            at(a)
        ),
        (None, _) => String::new(),
    };
    format!(
        "{head}: their audio is skipped, and the reader joins the audio on either side end to \
         end{place}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// An Ogg page of stream 7 with sequence number `seq`, granule `granule` and `body`, its
    /// checksum set.
    fn page(seq: u32, granule: i64, body: &[u8]) -> Vec<u8> {
        let mut p = CAPTURE.to_vec();
        p.extend([0, 0]);
        p.extend(granule.to_le_bytes());
        p.extend(7u32.to_le_bytes());
        p.extend(seq.to_le_bytes());
        p.extend([0; 4]);
        p.push(1);
        p.push(body.len() as u8);
        p.extend(body);
        let mut crc = Crc32::new(0);
        crc.process_buf_bytes(&p);
        let c = crc.crc().to_le_bytes();
        p[22..26].copy_from_slice(&c);
        p
    }

    fn file() -> (Vec<u8>, Vec<usize>) {
        let mut f = Vec::new();
        let mut starts = Vec::new();
        for (seq, g) in [(0, 0), (1, 0), (2, 48_312), (3, 96_312), (4, 144_312)] {
            starts.push(f.len());
            f.extend(page(seq, g, &[seq as u8; 100]));
        }
        (f, starts)
    }

    #[test]
    fn a_sound_file_has_no_damage() {
        let (f, _) = file();
        assert_eq!(damaged_pages(&mut Cursor::new(f.clone())), None);
        // Cut inside its last page: truncated, which the decoder reports, not damage.
        let cut = f[..f.len() - 10].to_vec();
        assert_eq!(damaged_pages(&mut Cursor::new(cut)), None);
    }

    #[test]
    fn a_flipped_byte_is_found_and_placed_on_the_clock() {
        let (mut f, starts) = file();
        // A byte of the fourth page's body.
        f[starts[3] + 60] ^= 0x55;
        let d = damaged_pages(&mut Cursor::new(f.clone())).unwrap();
        assert_eq!(d.pages, 1);
        assert_eq!(d.first_at, starts[3] as u64);
        assert_eq!(d.granules, (Some(48_312), Some(144_312)));
        let w = warning(&d, 48_000, 312, false);
        assert!(w.contains("between 1.000 s and 3.000 s"), "{w}");
        assert!(w.contains("early by as much as 2.000 s"), "{w}");
        // Its segment count hit instead: the page's bytes are skipped up to the next page.
        let (mut f, starts) = file();
        f[starts[2] + 26] = 9;
        let d = damaged_pages(&mut Cursor::new(f)).unwrap();
        assert_eq!(d.first_at, starts[2] as u64);
        assert_eq!(d.granules, (Some(0), Some(96_312)));
        // Its capture pattern hit: the bytes between two pages are the damage.
        let (mut f, starts) = file();
        f[starts[4]] = b'X';
        let d = damaged_pages(&mut Cursor::new(f)).unwrap();
        assert_eq!(d.first_at, starts[4] as u64);
        assert_eq!(d.granules, (Some(96_312), None));
        assert!(warning(&d, 48_000, 312, false).contains("no good page follows"));
    }

    #[test]
    fn every_run_of_damage_is_bounded_by_the_good_pages_around_it() {
        let mut f = Vec::new();
        let mut starts = Vec::new();
        for seq in 0..8u32 {
            starts.push(f.len());
            let g = if seq < 2 {
                0
            } else {
                i64::from(seq - 1) * 48_000
            };
            f.extend(page(seq, g, &[seq as u8; 100]));
        }
        // The third page alone, then the fifth and sixth together, then the last.
        for k in [2, 4, 5, 7] {
            f[starts[k] + 60] ^= 0x55;
        }
        let d = damaged_pages(&mut Cursor::new(f)).unwrap();
        assert_eq!(d.pages, 4);
        assert_eq!(
            d.spans,
            vec![
                (Some(0), Some(96_000)),
                (Some(96_000), Some(240_000)),
                (Some(240_000), None)
            ]
        );
        assert!(d.one_stream);
        // The last run has no good page after it: it cannot be placed.
        assert_eq!(mendable(&d), vec![(0, 96_000), (96_000, 240_000)]);
        let w = warning(&d, 48_000, 0, true);
        assert!(w.contains("put back at its own time"), "{w}");
        assert!(warning(&d, 48_000, 0, false).contains("joins the audio"));
    }
}
