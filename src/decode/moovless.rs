//! MP4/MOV recordings that were never finalised (no `moov` index: the phone or camera lost
//! power or crashed, the app was killed, the card was pulled): their AAC audio found frame by
//! frame in the `mdat` box, between the video's NAL units, and read as raw AAC frames.
//!
//! A recorder writes its samples into `mdat` as they come and the index (`moov`: which bytes
//! are which track's samples, the codec configuration, the rate, the edit list) only when it
//! stops. Without the index no player or ffmpeg reads the file ("moov atom not found"); the
//! samples are all there. As `untrunc` (Federico Ponchio's and anthwlock's repair tool) does, the
//! bytes are walked unit by unit: an H.264/HEVC sample is a run of NAL units each behind its
//! 4-byte length, an AAC frame is what an AAC decoder reads up to its `ID_END` element
//! (`rusty_aac`'s `decode_block` gives the bytes it took). No field marks which track a unit
//! belongs to, so a start is taken only where [`CHAIN`] units of its kind follow one another
//! (a run of NAL units whose lengths land on further NAL units; AAC frames that decode one after
//! the other in the stream's channel layout), and a recorder's chunks (runs of one track's
//! samples) make the kind change seldom.
//!
//! What the index alone gave is said in warnings: the rate (AAC-LC's coding fixes only a family
//! of rates, 44.1 and 48 kHz coded alike), the encoder's delay, and where the audio starts
//! against the video.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusty_aac::config::StreamConfig;
use rusty_aac::decode::Decoder;
use symphonia::core::audio::Channels;
use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::formats::well_known::FORMAT_ID_ISOMP4;
use symphonia::core::formats::{FormatInfo, FormatReader};

use super::splice::Listed;
use crate::error::{Error, Result};

/// The format name `probe` gives such a file, and the reader's.
pub(crate) const SHORT_NAME: &str = "mp4_unfinished";

const FORMAT_INFO: FormatInfo = FormatInfo {
    format: FORMAT_ID_ISOMP4,
    short_name: SHORT_NAME,
    long_name: "MP4/MOV without its index (moov): audio found frame by frame in mdat",
};

/// Units of one kind that must follow one another for a position to count as the start of
/// that kind: one unit alone is too easily mimicked (a video NAL unit may decode as one AAC
/// frame, an AAC frame's first bytes may read as a short NAL length).
pub const CHAIN: usize = 3;

/// AAC frames with spectral data that the first audio must decode to under a configuration
/// (rate family, channels) for it to be taken ([`find_config`]).
pub const CONFIG_CHAIN: usize = 8;

/// The largest NAL unit taken (a 4K phone video's key frame is a few MB).
pub const MAX_NAL_BYTES: u64 = 64 << 20;

/// The largest AAC frame read: 6144 bits a channel (ISO/IEC 14496-3, 4.5.3.1) for 8 channels.
const MAX_AAC_FRAME: usize = 6144;

/// How far the walk looks for the next unit past bytes that are neither (other tracks'
/// samples, damage) before it stops.
pub const MAX_RESYNC_BYTES: u64 = 8 << 20;

/// How far the walk looks for the first AAC frame past bytes that are neither (the search
/// tries every rate family at every byte) before it stops.
pub const MAX_SEARCH_FOR_AUDIO: u64 = 1 << 20;

/// Zero bytes in a row that are passed over at once where the walk has lost its way.
const ZERO_RUN: usize = 16;

/// AAC frames hold 1024 samples (at the core rate).
const AAC_FRAMES: u64 = 1024;

/// One representative rate of each family of rates AAC codes alike (the scale-factor band
/// tables of ISO/IEC 14496-3, 4.5.4), the commonest of its family first: a wrong family
/// misreads the spectral data and fails within a frame or two.
const RATE_FAMILIES: [(u32, &[u32]); 7] = [
    (48_000, &[48_000, 44_100]),
    (16_000, &[16_000, 12_000, 11_025]),
    (32_000, &[32_000]),
    (24_000, &[24_000, 22_050]),
    (8_000, &[8_000]),
    (96_000, &[96_000, 88_200]),
    (64_000, &[64_000]),
];

/// What the walk over `mdat` found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The AAC frames, as (file offset, bytes).
    pub frames: Vec<(u64, u32)>,
    /// The configuration they decode under: the rate assumed and the channels.
    pub rate: u32,
    pub channels: u8,
    /// The rates the coding fits (the family of `rate`).
    pub family: &'static [u32],
    /// Video NAL units passed over, and which codec their headers fit.
    pub nal_units: u64,
    pub video: Video,
    /// Stretches (start, end) that were neither, passed over.
    pub skipped: Vec<(u64, u64)>,
    /// Where the file ends inside a unit (it was cut short there).
    pub cut_at: Option<u64>,
    /// Where the walk gave up looking (more than [`MAX_RESYNC_BYTES`] without a unit).
    pub gave_up_at: Option<u64>,
    /// The media data's extent, and the file's major brand.
    pub mdat: (u64, u64),
    pub brand: Option<[u8; 4]>,
}

/// The video codec the NAL units' headers fit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Video {
    #[default]
    Unknown,
    Avc,
    Hevc,
}

/// Whether `h` is a plausible H.264 NAL unit header (ITU-T H.264, 7.3.1): the forbidden bit
/// clear, a type in use, and `nal_ref_idc` as the type requires.
fn avc_header(h: u8) -> bool {
    let ref_idc = (h >> 5) & 3;
    match h & 0x1F {
        _ if h & 0x80 != 0 => false,
        1 | 2 | 3 | 4 | 14 | 20 => true,
        5 | 7 | 8 => ref_idc != 0,
        6 | 9 | 10 | 11 | 12 => ref_idc == 0,
        _ => false,
    }
}

/// Whether `h` is a plausible HEVC NAL unit header (ITU-T H.265, 7.3.1.2): the forbidden bit
/// clear, a type in use, the base layer, a temporal id.
fn hevc_header(h: [u8; 2]) -> bool {
    let kind = (h[0] >> 1) & 0x3F;
    let layer = ((h[0] & 1) << 5) | (h[1] >> 3);
    h[0] & 0x80 == 0 && layer == 0 && h[1] & 7 != 0 && matches!(kind, 0..=9 | 16..=21 | 32..=40)
}

/// The channels of the AAC frame (`raw_data_block`, ISO/IEC 14496-3, 4.4.2.1) that `data`
/// starts, by its first channel element: 1 for a single channel element, 2 for a channel pair;
/// fill and data stream elements before it are passed over. `None` where a frame of a mono or
/// stereo stream cannot start so (a program config element, which would set the decoder to
/// another layout, or none).
fn first_channel_element(data: &[u8]) -> Option<u8> {
    let mut r = rusty_aac::BitReader::new(data);
    for _ in 0..8 {
        match r.read_bits(3).ok()? {
            0 => return Some(1),
            1 => return Some(2),
            // Data stream element: tag, byte-align flag, count (+ escape), the bytes.
            4 => {
                r.skip(4).ok()?;
                let align = r.read_bool().ok()?;
                let mut count = r.read_bits(8).ok()? as usize;
                if count == 255 {
                    count += r.read_bits(8).ok()? as usize;
                }
                if align {
                    r.byte_align();
                }
                r.skip(8 * count).ok()?;
            }
            // Fill element: count (+ escape), the bytes.
            6 => {
                let mut count = r.read_bits(4).ok()? as usize;
                if count == 15 {
                    count += (r.read_bits(8).ok()? as usize).checked_sub(1)?;
                }
                r.skip(8 * count).ok()?;
            }
            _ => return None,
        }
    }
    None
}

/// The file's bytes, read through a window that moves forward with the walk.
struct Bytes {
    file: File,
    buf: Vec<u8>,
    base: u64,
    end: u64,
}

/// The window's size.
const WINDOW: usize = 1 << 20;

impl Bytes {
    /// Up to `n` bytes at `at` (fewer at the end, or where the file cannot be read).
    fn at(&mut self, at: u64, n: usize) -> &[u8] {
        let want = (at.saturating_add(n as u64)).min(self.end);
        if at >= want {
            return &[];
        }
        if at < self.base || want > self.base + self.buf.len() as u64 {
            let len = usize::try_from((self.end - at).min(WINDOW.max(n) as u64)).unwrap_or(n);
            self.buf.clear();
            if self.file.seek(SeekFrom::Start(at)).is_ok() {
                let _ = (&mut self.file).take(len as u64).read_to_end(&mut self.buf);
            }
            self.base = at;
        }
        let s = usize::try_from(at - self.base).unwrap_or(0);
        let e = usize::try_from(want - self.base)
            .unwrap_or(0)
            .min(self.buf.len());
        &self.buf[s.min(e)..e]
    }

    /// `n` bytes at `at` without moving the window where it does not hold them (a NAL unit's
    /// length and header, looked at far ahead).
    fn peek<const N: usize>(&mut self, at: u64) -> Option<[u8; N]> {
        if at + N as u64 > self.end {
            return None;
        }
        if at >= self.base && at + N as u64 <= self.base + self.buf.len() as u64 {
            let s = usize::try_from(at - self.base).ok()?;
            return self.buf[s..s + N].try_into().ok();
        }
        let mut b = [0u8; N];
        self.file.seek(SeekFrom::Start(at)).ok()?;
        self.file.read_exact(&mut b).ok()?;
        Some(b)
    }
}

/// Which kind a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Unit {
    Aac,
    Nal,
}

/// Where the units looked at end, by kind and start (`None`: not such a unit), for the last
/// positions looked at: a direct-mapped table, as the walk looks at a few units ahead and moves
/// on. Entries carry the generation of their kind, which [`Seen::forget`] moves on.
struct Seen {
    slots: Vec<(u64, u32, Option<u64>)>,
    generation: [u32; 2],
}

/// Entries of [`Seen`] for each kind.
const SEEN_SLOTS: usize = 4096;

impl Seen {
    fn new() -> Self {
        Seen {
            slots: vec![(u64::MAX, 0, None); 2 * SEEN_SLOTS],
            generation: [0; 2],
        }
    }

    fn kind(kind: Unit) -> usize {
        usize::from(kind == Unit::Nal)
    }

    fn slot(kind: Unit, p: u64) -> usize {
        (p as usize % SEEN_SLOTS) + Seen::kind(kind) * SEEN_SLOTS
    }

    fn get(&self, kind: Unit, p: u64) -> Option<Option<u64>> {
        let (at, g, r) = self.slots[Seen::slot(kind, p)];
        (at == p && g == self.generation[Seen::kind(kind)]).then_some(r)
    }

    fn put(&mut self, kind: Unit, p: u64, r: Option<u64>) {
        self.slots[Seen::slot(kind, p)] = (p, self.generation[Seen::kind(kind)], r);
    }

    /// Forgets the units of `kind` (their reading has changed).
    fn forget(&mut self, kind: Unit) {
        let g = &mut self.generation[Seen::kind(kind)];
        *g = g.wrapping_add(1);
    }
}

struct Walk {
    bytes: Bytes,
    /// The AAC decoder the walk reads frames with (its output is not used), and its
    /// configuration.
    dec: Option<Decoder>,
    /// The configuration: its rate family (index into [`RATE_FAMILIES`]) and channels.
    family: Option<usize>,
    channels: u8,
    video: Video,
    /// Where each unit looked at ends, by its start (`None`: not such a unit).
    seen: Seen,
    /// Decoders for the configurations tried before the audio is met, by (rate family,
    /// channels).
    trials: HashMap<(usize, u8), Decoder>,
    /// The units seen while trying them.
    trial_seen: Seen,
}

impl Walk {
    /// Where the NAL unit at `p` ends, if one is there.
    fn nal(&mut self, p: u64) -> Option<u64> {
        let b: [u8; 6] = self.bytes.peek(p)?;
        let len = u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let next = p + 4 + len;
        if !(2..=MAX_NAL_BYTES).contains(&len) || next > self.bytes.end {
            return None;
        }
        let ok = match self.video {
            Video::Avc => avc_header(b[4]),
            Video::Hevc => hevc_header([b[4], b[5]]),
            Video::Unknown => avc_header(b[4]) || hevc_header([b[4], b[5]]),
        };
        ok.then_some(next)
    }

    /// Where the AAC frame at `p` ends, if one decodes there in the stream's layout.
    fn aac(&mut self, p: u64) -> Option<u64> {
        let channels = self.channels;
        let rate = self.family.map_or(48_000, |f| RATE_FAMILIES[f].0);
        let data = self.bytes.at(p, MAX_AAC_FRAME);
        if first_channel_element(data)? != channels {
            return None;
        }
        let dec = self.dec.as_mut()?;
        let decoded = dec.decode_block(data, None);
        let want = u16::from(channels);
        let ok =
            matches!(&decoded, Ok((out, n)) if out.channels == want && out.frames() > 0 && *n > 0);
        if !ok && dec.channels() != usize::from(channels) {
            // Bytes that were no frame (a video NAL unit) held a program config element and
            // set the decoder to another layout; made again, it reads the stream's.
            *dec = Decoder::with_stream_config(StreamConfig::lc(2, rate, channels)).ok()?;
        }
        match decoded {
            Ok((_, n)) if ok => Some(p + n as u64),
            _ => None,
        }
    }

    /// Where the unit of `kind` at `p` ends, remembered.
    fn unit(&mut self, kind: Unit, p: u64) -> Option<u64> {
        if let Some(r) = self.seen.get(kind, p) {
            return r;
        }
        let r = match kind {
            Unit::Aac => self.aac(p),
            Unit::Nal => self.nal(p),
        };
        self.seen.put(kind, p, r);
        r
    }

    /// Whether units of either kind follow one another from `p`, `depth` of them (the end of
    /// the media data counts as the rest).
    fn chain(&mut self, p: u64, depth: usize) -> bool {
        if depth == 0 || p >= self.bytes.end {
            return true;
        }
        for kind in [Unit::Aac, Unit::Nal] {
            if let Some(q) = self.unit(kind, p)
                && self.chain(q, depth - 1)
            {
                return true;
            }
        }
        // Before the audio is met, its first frame ends a run of video as well as the end of
        // the media data does.
        if self.dec.is_none() && self.start_audio(p) {
            return self.chain(p, depth);
        }
        false
    }

    /// Whether an AAC stream starts at `p` ([`Walk::find_config`]); if so the walk reads AAC
    /// in its configuration from now on.
    fn start_audio(&mut self, p: u64) -> bool {
        let Some((family, channels)) = self.find_config(p) else {
            return false;
        };
        let rate = RATE_FAMILIES[family].0;
        let Ok(dec) = Decoder::with_stream_config(StreamConfig::lc(2, rate, channels)) else {
            return false;
        };
        self.family = Some(family);
        self.channels = channels;
        self.dec = Some(dec);
        self.seen.forget(Unit::Aac);
        true
    }

    /// The AAC configuration the units from `p` (an AAC frame first) decode under: (index
    /// into [`RATE_FAMILIES`], channels). Each family follows the units (as the walk takes
    /// them) for [`CONFIG_UNITS`] units or until [`CONFIG_CHAIN`] frames with spectral data
    /// ([`INFORMATIVE_FRAME`]) have decoded; the one that gets furthest (in frames with
    /// spectral data, then in frames; the first in the order of [`RATE_FAMILIES`] on a tie,
    /// as when only silent frames come before damage) is taken, if at least [`CHAIN`] frames
    /// came. The trial decoders are kept for the next position looked at (making one takes
    /// about 0.1 ms).
    fn find_config(&mut self, p: u64) -> Option<(usize, u8)> {
        let cc = first_channel_element(self.bytes.at(p, MAX_AAC_FRAME))?;
        let saved = (self.dec.take(), self.family, self.channels);
        std::mem::swap(&mut self.seen, &mut self.trial_seen);
        let mut best: Option<((usize, usize), usize)> = None;
        for (fi, &(rate, _)) in RATE_FAMILIES.iter().enumerate() {
            let dec = match self.trials.remove(&(fi, cc)) {
                Some(d) => d,
                None => match Decoder::with_stream_config(StreamConfig::lc(2, rate, cc)) {
                    Ok(d) => d,
                    Err(_) => continue,
                },
            };
            self.dec = Some(dec);
            self.family = Some(fi);
            self.channels = cc;
            self.seen.forget(Unit::Aac);
            self.seen.forget(Unit::Nal);
            let score = if self.aac(p).is_some() {
                self.frames_in_a_row(p)
            } else {
                (0, 0)
            };
            if let Some(d) = self.dec.take() {
                self.trials.insert((fi, cc), d);
            }
            if score.1 >= CHAIN && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, fi));
            }
            if score.0 == CONFIG_CHAIN {
                break;
            }
        }
        std::mem::swap(&mut self.seen, &mut self.trial_seen);
        (self.dec, self.family, self.channels) = saved;
        best.map(|(_, fi)| (fi, cc))
    }

    /// How the units from `p` follow one another, as the walk takes them, for up to
    /// [`CONFIG_UNITS`] units or until [`CONFIG_CHAIN`] AAC frames with spectral data have
    /// come: (frames with spectral data, AAC frames).
    fn frames_in_a_row(&mut self, mut at: u64) -> (usize, usize) {
        let (mut informative, mut frames) = (0, 0);
        for _ in 0..CONFIG_UNITS {
            if at >= self.bytes.end || informative == CONFIG_CHAIN {
                break;
            }
            match self.step(at, None) {
                Some((kind, q)) => {
                    if kind == Unit::Aac {
                        frames += 1;
                        informative += usize::from(q - at >= INFORMATIVE_FRAME);
                    }
                    at = q;
                }
                None => break,
            }
        }
        (informative, frames)
    }

    /// Where the unit of `kind` at `p` ends, if one is there and [`CHAIN`] units in all follow
    /// one another from it.
    fn chained(&mut self, kind: Unit, p: u64) -> Option<u64> {
        self.unit(kind, p).filter(|&q| self.chain(q, CHAIN - 1))
    }

    /// The unit at `p` and where it ends, a chain starting with it, `last` the kind of the
    /// unit before.
    fn step(&mut self, p: u64, last: Option<Unit>) -> Option<(Unit, u64)> {
        let video = self.chained(Unit::Nal, p);
        let audio = self.chained(Unit::Aac, p);
        Walk::choose(audio, video).or_else(|| {
            // The last unit before damage or the end of the file: one of the kind just taken.
            let k = last?;
            self.unit(k, p).map(|q| (k, q))
        })
    }

    /// Which unit to take where an AAC frame ending at `audio` or a NAL unit ending at `video`
    /// starts a chain: where both do, video. A short NAL unit is read as a whole AAC frame
    /// often enough (two of 1,100 in a devset clip, ending where the NAL unit ends), where a
    /// frame's first four bytes, read as a length, land on a chain of units seldom (they
    /// read as tens of kilobytes or more); and a false AAC frame is heard, a frame lost is
    /// 21 ms of silence.
    fn choose(audio: Option<u64>, video: Option<u64>) -> Option<(Unit, u64)> {
        match (audio, video) {
            (_, Some(q)) => Some((Unit::Nal, q)),
            (Some(q), None) => Some((Unit::Aac, q)),
            (None, None) => None,
        }
    }

    /// The video codec the NAL units from `p` fit, when they fit one only.
    fn settle_video(&mut self, mut p: u64) {
        let (mut avc, mut hevc) = (true, true);
        for _ in 0..CHAIN {
            let (Some(b), Some(q)) = (self.bytes.peek::<6>(p), self.nal(p)) else {
                break;
            };
            avc &= avc_header(b[4]);
            hevc &= hevc_header([b[4], b[5]]);
            p = q;
        }
        self.video = match (avc, hevc) {
            (true, false) => Video::Avc,
            (false, true) => Video::Hevc,
            _ => Video::Unknown,
        };
    }
}

/// AAC frames of this many bytes or more carry spectral data; shorter ones (silence: a frame
/// with no scale-factor band) decode alike under every rate family.
const INFORMATIVE_FRAME: u64 = 12;

/// How far [`find_config`] follows the units from the first frame.
const CONFIG_UNITS: usize = 256;

/// Walks the media data `start..end` of `file` (the `mdat` box's payload).
pub(crate) fn walk(file: File, (start, end): (u64, u64)) -> Found {
    let mut found = Found {
        mdat: (start, end),
        ..Found::default()
    };
    let mut w = Walk {
        bytes: Bytes {
            file,
            buf: Vec::new(),
            base: 0,
            end,
        },
        dec: None,
        family: None,
        channels: 0,
        video: Video::Unknown,
        seen: Seen::new(),
        trials: HashMap::new(),
        trial_seen: Seen::new(),
    };
    let mut p = start;
    // The kind of the last unit taken ([`Walk::choose`]).
    let mut last: Option<Unit> = None;
    let mut lost_since: Option<u64> = None;
    while p < end {
        let mut next = w.step(p, last);
        // Audio not met yet: is an AAC stream starting here?
        if next.is_none() && w.dec.is_none() && w.start_audio(p) {
            next = w.step(p, last);
        }
        match next {
            Some((k, q)) => {
                if let Some(s) = lost_since.take() {
                    found.skipped.push((s, p));
                }
                match k {
                    Unit::Aac => {
                        found
                            .frames
                            .push((p, u32::try_from(q - p).unwrap_or(u32::MAX)));
                    }
                    Unit::Nal => {
                        if found.nal_units == 0 {
                            w.settle_video(p);
                            found.video = w.video;
                            w.seen.forget(Unit::Nal);
                        }
                        found.nal_units += 1;
                    }
                }
                last = Some(k);
                p = q;
            }
            None => {
                let since = *lost_since.get_or_insert(p);
                // A run of zero bytes (sectors never written) starts no unit: a NAL unit's
                // length is not 0, and no encoder writes an AAC frame of zeros. Passed over
                // to its last three bytes (a NAL length may begin with them).
                if w.bytes.at(p, ZERO_RUN).iter().all(|&b| b == 0) {
                    let mut q = p;
                    loop {
                        let chunk = w.bytes.at(q, 4096);
                        let zeros = chunk.iter().take_while(|&&b| b == 0).count();
                        q += zeros as u64;
                        if zeros < chunk.len() || chunk.is_empty() {
                            break;
                        }
                    }
                    if q - p >= ZERO_RUN as u64 {
                        p = q - 3;
                        continue;
                    }
                }
                let limit = if w.dec.is_some() {
                    MAX_RESYNC_BYTES
                } else {
                    MAX_SEARCH_FOR_AUDIO
                };
                if p - since > limit {
                    found.gave_up_at = Some(since);
                    lost_since = None;
                    found.skipped.push((since, end));
                    break;
                }
                last = None;
                p += 1;
            }
        }
    }
    if let Some(s) = lost_since {
        // A file cut inside its last unit: too few bytes left for a frame, or a NAL unit whose
        // length runs past the end.
        let nal_past_end = w.bytes.peek::<6>(s).is_some_and(|b| {
            let len = u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            (avc_header(b[4]) || hevc_header([b[4], b[5]])) && s + 4 + len > end
        });
        if end - s <= MAX_AAC_FRAME as u64 || nal_past_end {
            found.cut_at = Some(s);
        } else {
            found.skipped.push((s, end));
        }
    }
    if let Some(f) = w.family {
        (found.rate, found.family) = RATE_FAMILIES[f];
        found.channels = w.channels;
    }
    found
}

/// An `mdat` box's payload (start, end) and the file's major brand.
pub(crate) type MediaData = ((u64, u64), Option<[u8; 4]>);

/// The media data of an ISO BMFF file without `moov`: the first `mdat` box's payload, to the
/// end of the file where its size is unset (0), a placeholder no larger than its header, or past
/// the end (a recorder fills it in when it stops); and the file's major brand.
pub(crate) fn media_data(file: &mut File, len: u64) -> Option<MediaData> {
    let mut pos = 0u64;
    let mut brand = None;
    while pos + 8 <= len {
        let mut h = [0u8; 16];
        file.seek(SeekFrom::Start(pos)).ok()?;
        file.read_exact(&mut h[..8]).ok()?;
        let kind = [h[4], h[5], h[6], h[7]];
        let mut size = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        let mut header = 8u64;
        if size == 1 && pos + 16 <= len {
            file.read_exact(&mut h[8..16]).ok()?;
            size = u64::from_be_bytes(h[8..16].try_into().ok()?);
            header = 16;
        }
        match &kind {
            b"mdat" => {
                let start = pos + header;
                let end = if size <= header || pos.saturating_add(size) > len {
                    len
                } else {
                    pos + size
                };
                return (end > start).then_some(((start, end), brand));
            }
            b"ftyp" => {
                let mut b = [0u8; 4];
                file.read_exact(&mut b).ok()?;
                brand = Some(b);
            }
            b"free" | b"skip" | b"wide" | b"pnot" | b"uuid" | b"junk" => {}
            _ => return None,
        }
        if size < header {
            return None;
        }
        pos = pos.checked_add(size)?;
    }
    None
}

/// The rate assumed in the 44.1/48 kHz family: 44.1 kHz for QuickTime files (Apple's
/// cameras record their video's sound at 44.1 kHz), 48 kHz for the others (Android's and most
/// cameras' rate).
fn assumed_rate(found: &Found) -> u32 {
    if found.rate == 48_000 && found.brand == Some(*b"qt  ") {
        44_100
    } else {
        found.rate
    }
}

/// The walks of the last few files, by path, length and modification time: a file is opened
/// more than once (its first packets are looked at by a second reader, `probe` and the
/// analysis each open it), and a walk takes about a second for 10 minutes of video.
type WalkCache = Vec<((std::path::PathBuf, u64, std::time::SystemTime), Arc<Found>)>;
static WALKS: Mutex<WalkCache> = Mutex::new(Vec::new());

/// Files whose walks [`WALKS`] keeps.
const WALKS_KEPT: usize = 4;

/// [`walk`] over `mdat` of `file` (at `path`), from [`WALKS`] when it was walked before.
fn walked(
    path: &Path,
    file: File,
    mdat: (u64, u64),
    brand: Option<[u8; 4]>,
) -> std::io::Result<Arc<Found>> {
    let meta = file.metadata()?;
    let key = (path.to_path_buf(), meta.len(), meta.modified()?);
    if let Ok(cache) = WALKS.lock()
        && let Some((_, f)) = cache.iter().find(|(k, _)| *k == key)
    {
        return Ok(Arc::clone(f));
    }
    let mut found = walk(file, mdat);
    found.brand = brand;
    let found = Arc::new(found);
    if let Ok(mut cache) = WALKS.lock() {
        if cache.len() >= WALKS_KEPT {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&found)));
    }
    Ok(found)
}

/// Opens `path`, an ISO BMFF file without `moov`, as a reader of the AAC frames found in its
/// media data, with the warnings that say what the index would have given.
///
/// # Errors
/// No media data, or no AAC audio found in it.
pub(crate) fn open(path: &Path, mut file: File) -> Result<(Box<dyn FormatReader>, Vec<String>)> {
    let len = file.metadata().map_err(|e| Error::read(path, &e))?.len();
    let no_index = super::isobmff::NO_MOOV;
    let (mdat, brand) = media_data(&mut file, len)
        .ok_or_else(|| Error::media(path, format!("{no_index}, and no media data ('mdat')")))?;
    let found = walked(path, file, mdat, brand).map_err(|e| Error::read(path, &e))?;
    if found.frames.is_empty() {
        return Err(Error::media(
            path,
            format!(
                "{no_index}: no AAC audio was found in its media data ({} bytes{})",
                mdat.1 - mdat.0,
                match found.video {
                    Video::Avc => ", H.264 video",
                    Video::Hevc => ", HEVC video",
                    Video::Unknown if found.nal_units > 0 => ", video",
                    Video::Unknown => "",
                }
            ),
        ));
    }
    let rate = assumed_rate(&found);
    let channels = found.channels;
    let mut a = AudioCodecParameters::new();
    a.for_codec(wa::CODEC_ID_AAC).with_sample_rate(rate);
    a.with_channels(if channels == 1 {
        Channels::Positioned(symphonia::core::audio::Position::FRONT_CENTER)
    } else {
        Channels::Positioned(
            symphonia::core::audio::Position::FRONT_LEFT
                | symphonia::core::audio::Position::FRONT_RIGHT,
        )
    });
    if let Some(asc) = super::avi::lc_config(rate, u16::from(channels)) {
        a.with_extra_data(asc.into_boxed_slice());
    }
    let n = found.frames.len() as u64 * AAC_FRAMES;
    let notes = notes(&found, rate, len);
    let file = File::open(path).map_err(|e| Error::read(path, &e))?;
    let reader = Listed::chunked(
        FORMAT_INFO,
        a,
        (rate, n),
        file,
        (found.frames.clone(), AAC_FRAMES),
    );
    Ok((Box::new(reader), notes))
}

/// The warnings for audio `found` and read at `rate` from a file of `len` bytes.
fn notes(found: &Found, rate: u32, len: u64) -> Vec<String> {
    let khz = |r: u32| format!("{} kHz", f64::from(r) / 1000.0);
    let video = match (found.nal_units, found.video) {
        (0, _) => String::new(),
        (n, Video::Avc) => format!(" among {n} H.264 video NAL units"),
        (n, Video::Hevc) => format!(" among {n} HEVC video NAL units"),
        (n, Video::Unknown) => format!(" among {n} video NAL units"),
    };
    let mut out = vec![format!(
        "the MP4/MOV file has no 'moov' index box (a recording never finalised: the recorder \
         stopped, crashed or lost power, or the file was cut before its end): its audio was \
         found frame by frame in the {} bytes of media data, {} AAC frames{video}, and is read as one \
         unbroken stream from the media data's first frame (the index alone would say where \
         the audio starts against the video and whether frames are missing)",
        found.mdat.1 - found.mdat.0,
        found.frames.len()
    )];
    let others: Vec<String> = found
        .family
        .iter()
        .filter(|&&r| r != rate)
        .map(|&r| {
            format!(
                "at {} every time given here should be multiplied by {:.4}",
                khz(r),
                f64::from(rate) / f64::from(r)
            )
        })
        .collect();
    if others.is_empty() {
        out.push(format!(
            "the sample rate is stated only in the missing index: the frames' coding fits \
             {} alone, which is used",
            khz(rate)
        ));
    } else {
        out.push(format!(
            "the sample rate is stated only in the missing index, and the frames' coding fits \
             {} alike: {} is assumed ({}); {} (a voice then sounds off pitch)",
            found
                .family
                .iter()
                .map(|&r| khz(r))
                .collect::<Vec<_>>()
                .join(" or "),
            khz(rate),
            if found.brand == Some(*b"qt  ") {
                "a QuickTime file: Apple's cameras record at 44.1 kHz"
            } else {
                "the rate of most phones and cameras outside Apple's"
            },
            others.join("; ")
        ));
    }
    out.push(
        "the AAC encoder's delay (its priming, 1024 to 2112 samples) is stated only in the \
         missing index: times may be that much late against the original recording"
            .into(),
    );
    if !found.skipped.is_empty() {
        let bytes: u64 = found.skipped.iter().map(|(s, e)| e - s).sum();
        let (s, e) = found.skipped[0];
        out.push(format!(
            "{bytes} bytes of the media data in {} stretch(es) (the first at bytes {s}-{e}) \
             were neither AAC frames nor video NAL units and were passed over: audio lost there \
             is not put back as silence, so later times may be early by its length",
            found.skipped.len()
        ));
    }
    if let Some(at) = found.cut_at {
        out.push(format!(
            "the file ends inside a frame or video unit at byte {at} (it was cut short): its \
             last {} bytes are not read",
            found.mdat.1 - at
        ));
    }
    if let Some(at) = found.gave_up_at {
        out.push(format!(
            "no audio or video unit was found in the {} bytes after byte {at}; the rest of the \
             file ({} bytes) is not read",
            if found.frames.is_empty() {
                MAX_SEARCH_FOR_AUDIO
            } else {
                MAX_RESYNC_BYTES
            },
            len.saturating_sub(at)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nal_headers() {
        // H.264: an IDR slice with nal_ref_idc 3 (0x65), SEI (0x06), SPS (0x67); refused: the
        // forbidden bit, an IDR without reference, SEI with one, type 0.
        for h in [0x65, 0x06, 0x67, 0x41, 0x01, 0x09] {
            assert!(avc_header(h), "{h:#x}");
        }
        for h in [0xE5, 0x05, 0x26, 0x00, 0x60] {
            assert!(!avc_header(h), "{h:#x}");
        }
        // HEVC: IDR_W_RADL (0x26 0x01), VPS (0x40 0x01), TRAIL_R (0x02 0x01); refused: layer
        // 1, temporal id 0, a reserved type (22).
        for h in [[0x26, 0x01], [0x40, 0x01], [0x02, 0x01]] {
            assert!(hevc_header(h), "{h:?}");
        }
        for h in [[0x26, 0x09], [0x26, 0x00], [0x2C, 0x01]] {
            assert!(!hevc_header(h), "{h:?}");
        }
    }

    fn temp(bytes: &[u8]) -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.mp4");
        std::fs::write(&p, bytes).unwrap();
        let f = File::open(&p).unwrap();
        (dir, f)
    }

    fn boxed(kind: &[u8; 4], size: u32, body: &[u8]) -> Vec<u8> {
        let mut v = size.to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn media_data_runs_to_the_end_where_its_size_was_never_written() {
        let mut head = boxed(b"ftyp", 16, b"qt  \0\0\0\0");
        head.extend(boxed(b"wide", 8, b""));
        let body = [7u8; 100];
        // Size 0 (to the end), a placeholder smaller than the header, a size past the end: the
        // payload runs to the end; a size that fits is kept.
        for (size, end) in [(0u32, 132u64), (8, 132), (1000, 132), (58, 82)] {
            let mut bytes = head.clone();
            bytes.extend(boxed(b"mdat", size, &body));
            let (_d, mut f) = temp(&bytes);
            let len = bytes.len() as u64;
            assert_eq!(
                media_data(&mut f, len),
                Some(((32, end), Some(*b"qt  "))),
                "size {size}"
            );
        }
        // A 64-bit size of 0 (Android's recorder writes the large form and fills it at the
        // end).
        let mut bytes = head.clone();
        bytes.extend(boxed(b"mdat", 1, &[0u8; 8]));
        bytes.extend_from_slice(&body);
        let (_d, mut f) = temp(&bytes);
        assert_eq!(
            media_data(&mut f, bytes.len() as u64),
            Some(((40, 140), Some(*b"qt  ")))
        );
        // Not ISO BMFF, or no media data.
        let (_d, mut f) = temp(b"RIFF\0\0\0\0WAVEfmt ");
        assert_eq!(media_data(&mut f, 16), None);
        let (_d, mut f) = temp(&head);
        assert_eq!(media_data(&mut f, head.len() as u64), None);
    }

    /// `n` NAL units of H.264 (an IDR slice first, then non-IDR slices) of `len` bytes each.
    fn nal_units(n: usize, len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for i in 0..n {
            v.extend_from_slice(&(len as u32).to_be_bytes());
            v.push(if i == 0 { 0x65 } else { 0x41 });
            v.extend(std::iter::repeat_n(0x9Au8, len - 1));
        }
        v
    }

    #[test]
    fn video_is_walked_by_its_lengths_and_junk_passed_over() {
        let mut data = nal_units(5, 300);
        let junk_at = data.len() as u64;
        data.extend_from_slice(&[0xFFu8; 50]);
        data.extend(nal_units(4, 120));
        let (_d, f) = temp(&data);
        let found = walk(f, (0, data.len() as u64));
        assert_eq!(found.nal_units, 9);
        assert_eq!(found.video, Video::Avc);
        assert!(found.frames.is_empty());
        assert_eq!(found.skipped, vec![(junk_at, junk_at + 50)]);
        assert_eq!(found.gave_up_at, None);
    }
}
