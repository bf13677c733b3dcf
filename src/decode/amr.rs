//! AMR speech read in pure Rust: AMR-NB and AMR-WB (3GPP TS 26.090, TS 26.190), as `.amr` and
//! `.awb` files (RFC 4867, section 5: call recorders, older phones' voice recorders) and as the
//! `samr`/`sawb` tracks of 3GP and MP4 files (3GPP TS 26.244: phone videos and MMS clips),
//! decoded by `rvoip-codec-core`'s ports of the 3GPP reference decoders.
//!
//! The decoders are a crate's, not ours: `rvoip-codec-core` (MIT) ports the normative
//! fixed-point C code and is tested bit-exact against the 3GPP test sequences; measured here,
//! its AMR-NB output is sample-identical to libopencore-amrnb's (`sox`) on every speech frame
//! (docs/decoding.md). FFmpeg's own AMR decoders are float re-implementations that leave out
//! comfort noise: on a recording made with discontinuous transmission (DTX, the default of
//! phones' encoders between words) they drop the silent frames, and the audio after each
//! pause comes early.
//!
//! What is written here: the storage file's walk (a frame per record, a one-byte header giving
//! its type, RFC 4867 5.3), with damaged records passed over and the frames they held put
//! back as silence, so the times after them stay; the frame parser for a 3GP sample (one or
//! more records); and the codec's delay. An AMR encoder looks 5 ms ahead, and the reference
//! encoder, which every conforming encoder matches bit for bit, delays its input by that much
//! and (AMR-WB) its resampling filters: decoded audio lies [`Variant::codec_delay`] samples late
//! against what the microphone gave the encoder. No field in either container states it;
//! since the codec fixes it, it is dropped from the start of the timeline, as an MP4 edit list's
//! priming is.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use codec_core::codecs::amr::{AmrCodec, AmrFrameType, AmrVariant};
use codec_core::types::{AudioCodec, CodecConfig, CodedFrame, FrameKind, VariableRateCodec};
use symphonia::core::audio::Channels;
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters};
use symphonia::core::common::FourCc;
use symphonia::core::formats::{FormatId, FormatInfo};

use super::splice::{Listed, Opened};
use crate::error::{Error, Result};

/// symphonia has no id for AMR; these name it by the 3GP sample entries' FourCCs.
pub(crate) const CODEC_ID_AMR_NB: AudioCodecId = AudioCodecId::new(FourCc::new(*b"samr"));
pub(crate) const CODEC_ID_AMR_WB: AudioCodecId = AudioCodecId::new(FourCc::new(*b"sawb"));

/// An AMR storage file larger than this is refused (at 23.85 kbit/s, the highest AMR-WB rate,
/// it is 24 hours of speech): the file is read into memory to be walked.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// Records in a row that must parse, after damage, before the walk takes up the stream again:
/// a random byte passes as a record header about one time in twenty-five (padding bits zero,
/// a frame type in use, the quality bit set), four in a row one time in 400,000.
pub const RESYNC_RECORDS: usize = 4;

/// The two AMR codecs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// AMR-NB: 8 kHz, 160 samples a frame.
    Nb,
    /// AMR-WB (G.722.2): 16 kHz, 320 samples a frame.
    Wb,
}

impl Variant {
    pub fn of_codec(id: AudioCodecId) -> Option<Self> {
        match id {
            CODEC_ID_AMR_NB => Some(Variant::Nb),
            CODEC_ID_AMR_WB => Some(Variant::Wb),
            _ => None,
        }
    }

    /// The variant of ffprobe's codec name (`amr_nb`, `amr_wb`).
    #[cfg(feature = "ffmpeg")]
    pub fn of_name(name: &str) -> Option<Self> {
        match name {
            "amr_nb" => Some(Variant::Nb),
            "amr_wb" => Some(Variant::Wb),
            _ => None,
        }
    }

    pub fn codec(self) -> AudioCodecId {
        match self {
            Variant::Nb => CODEC_ID_AMR_NB,
            Variant::Wb => CODEC_ID_AMR_WB,
        }
    }

    pub fn rate(self) -> u32 {
        match self {
            Variant::Nb => 8_000,
            Variant::Wb => 16_000,
        }
    }

    /// Samples a frame (20 ms).
    pub fn frame_len(self) -> u64 {
        match self {
            Variant::Nb => 160,
            Variant::Wb => 320,
        }
    }

    /// Samples the decoded audio lies late of the encoder's input: the encoder's 5 ms
    /// look-ahead (40 samples at 8 kHz), and for AMR-WB its 16 to 12.8 kHz resampling filters
    /// and the decoder's back to 16 kHz (95 samples in all). Measured on an impulse train
    /// encoded by libopencore-amrnb (`sox`, every mode: 40) and by rvoip-codec-core's AMR-WB
    /// encoder, which is byte-identical to the 3GPP reference (95, decoded by this decoder,
    /// libopencore-amrwb and ffmpeg alike).
    pub fn codec_delay(self) -> u64 {
        match self {
            Variant::Nb => 40,
            Variant::Wb => 95,
        }
    }

    fn rvoip(self) -> AmrVariant {
        match self {
            Variant::Nb => AmrVariant::NarrowBand,
            Variant::Wb => AmrVariant::WideBand,
        }
    }

    fn magic(self) -> &'static [u8] {
        match self {
            Variant::Nb => b"#!AMR\n",
            Variant::Wb => b"#!AMR-WB\n",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::Nb => "AMR-NB",
            Variant::Wb => "AMR-WB",
        }
    }
}

/// What the ffmpeg backend says when it decodes AMR (with `--backend ffmpeg`; `auto` decodes
/// AMR here): measured on `tests/fixtures/timing/impulses_nb.amr`, libavcodec 5.1 refused all
/// 86 of its discontinuous-transmission records (17 SID, 69 NO_DATA), which the backend
/// filled with silence from the stream's clock, and the file's last 0.18 s of them was lost.
#[cfg(feature = "ffmpeg")]
pub(crate) const FFMPEG_WARNING: &str = "libavcodec's AMR decoders do not decode comfort noise \
    (the SID frames of discontinuous transmission, which phones send between words): such \
    frames are skipped, and silence stands in their place where the stream's clock tells it; \
    the pure-Rust decoder (`--backend auto` or `symphonia`) decodes them as the 3GPP reference \
    does";

/// The variant of an AMR storage file that `head` opens; the multi-channel forms
/// (`#!AMR_MC1.0`), which no recorder is known to write, are not read.
pub(crate) fn storage_variant(head: &[u8]) -> Option<Variant> {
    [Variant::Wb, Variant::Nb]
        .into_iter()
        .find(|v| head.starts_with(v.magic()))
}

/// The bytes of a record whose header byte is `h` (the header included), if `h` is as an
/// encoder writes it (RFC 4867, 5.3): a frame type of `v`, the padding bits clear, the quality
/// bit set.
fn record_len(v: Variant, h: u8) -> Option<usize> {
    if h & 0x83 != 0 || h & 0x04 == 0 {
        return None;
    }
    let ft = AmrFrameType::from_index(v.rvoip(), (h >> 3) & 0x0f).ok()?;
    Some(1 + ft.octet_aligned_bytes())
}

/// A break in a storage file's chain of records.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Break {
    /// Where the record that does not parse begins, and the records read before it.
    pub at: u64,
    pub records_before: u64,
    /// Where the chain is taken up again; none when it is not before the end of the file.
    pub resumed: Option<u64>,
    /// Frames put back as silence in place of the bytes passed over.
    pub frames: u64,
}

/// A storage file's records, as its walk found them.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Walk {
    /// Each record read: its offset in the file and length (its header byte included).
    pub records: Vec<(u64, u32)>,
    pub breaks: Vec<Break>,
    /// Where a last record the file ends inside begins.
    pub cut_at: Option<u64>,
}

impl Walk {
    /// Silence in place of damaged records: (the index of the record it goes before, samples).
    pub fn fills(&self, v: Variant) -> Vec<(u64, u64)> {
        self.breaks
            .iter()
            .filter(|b| b.resumed.is_some())
            .map(|b| (b.records_before, b.frames * v.frame_len()))
            .collect()
    }
}

/// Whether [`RESYNC_RECORDS`] records in a row (or as many as there are to the end of `b`)
/// parse from `at`.
fn chain_from(b: &[u8], v: Variant, at: usize) -> bool {
    let mut p = at;
    for k in 0..RESYNC_RECORDS {
        if p == b.len() && k > 0 {
            return true;
        }
        match b.get(p).and_then(|&h| record_len(v, h)) {
            Some(n) if p + n <= b.len() => p += n,
            _ => return false,
        }
    }
    true
}

/// Walks the records of storage file `b` (its magic included). A record header that is not as
/// an encoder writes it (a frame type of the stream, the padding bits clear, the quality bit
/// set: a zeroed stretch of a recovered file has it clear) breaks the chain: the walk searches
/// on for [`RESYNC_RECORDS`] records in a row and counts the frames passed over at the mean
/// record length so far (exact for a recording at one rate whose damage was overwritten, not
/// cut out). A frame a network marked as damaged (the quality bit clear), which a recorder does
/// not write, is passed over so too: one frame of silence.
pub(crate) fn walk(b: &[u8], v: Variant) -> Walk {
    let mut w = Walk::default();
    let mut at = v.magic().len();
    let mut bytes_read = 0u64;
    while at < b.len() {
        match record_len(v, b[at]) {
            Some(n) if at + n <= b.len() => {
                w.records.push((at as u64, n as u32));
                bytes_read += n as u64;
                at += n;
                continue;
            }
            Some(_) => {
                w.cut_at = Some(at as u64);
                break;
            }
            None => {}
        }
        let resumed = (at + 1..b.len()).find(|&o| chain_from(b, v, o));
        let mean = if w.records.is_empty() {
            resumed.and_then(|o| record_len(v, b[o])).unwrap_or(1) as f64
        } else {
            bytes_read as f64 / w.records.len() as f64
        };
        let end = resumed.unwrap_or(b.len());
        let frames = ((end - at) as f64 / mean).round().max(1.0) as u64;
        w.breaks.push(Break {
            at: at as u64,
            records_before: w.records.len() as u64,
            resumed: resumed.map(|o| o as u64),
            frames: if resumed.is_some() { frames } else { 0 },
        });
        match resumed {
            Some(o) => at = o,
            None => break,
        }
    }
    w
}

/// The warnings for a storage file's walk.
fn walk_notes(w: &Walk, v: Variant) -> Vec<String> {
    let mut notes = Vec::new();
    let rate = f64::from(v.rate());
    let t = |records: u64, lost: u64| (records * v.frame_len() + lost) as f64 / rate;
    let mut lost = 0u64;
    for b in &w.breaks {
        let before = b.records_before;
        match b.resumed {
            Some(r) => {
                notes.push(format!(
                    "damaged {} records at byte {} ({:.3} s): {} bytes passed over, read as {} \
                     frame(s) of silence ({:.3} s) so that the times after them stay",
                    v.name(),
                    b.at,
                    t(before, lost),
                    r - b.at,
                    b.frames,
                    b.frames as f64 * v.frame_len() as f64 / rate
                ));
                lost += b.frames * v.frame_len();
            }
            None => notes.push(format!(
                "damaged {} records at byte {} ({:.3} s) and no readable record after them: \
                 the audio ends there",
                v.name(),
                b.at,
                t(before, lost)
            )),
        }
    }
    if let Some(c) = w.cut_at {
        notes.push(format!(
            "the file ends inside an {} record (byte {c}): it is truncated, the audio read to \
             there",
            v.name()
        ));
    }
    notes
}

const FORMAT_INFO: FormatInfo = FormatInfo {
    format: FormatId::new(FourCc::new(*b"amr ")),
    short_name: "amr",
    long_name: "3GPP AMR (RFC 4867 storage format)",
};

/// Codec parameters of an AMR stream: one channel at the variant's rate.
pub(crate) fn params(v: Variant) -> AudioCodecParameters {
    let mut a = AudioCodecParameters::new();
    a.for_codec(v.codec())
        .with_sample_rate(v.rate())
        .with_channels(Channels::Discrete(1));
    a
}

/// Opens an AMR storage file: its reader (a record a packet), the warnings of its walk, and the
/// silence to put in place of damaged records.
///
/// # Errors
/// The file cannot be read, is larger than [`MAX_FILE_BYTES`], or holds no record.
pub(crate) fn open(path: &Path, mut file: File, v: Variant) -> Result<Opened> {
    let len = file.metadata().map_err(|e| Error::read(path, &e))?.len();
    if len > MAX_FILE_BYTES {
        return Err(Error::media(
            path,
            format!(
                "an {} file of {len} bytes, larger than the {MAX_FILE_BYTES} bytes read",
                v.name()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::read(path, &e))?;
    let w = walk(&bytes, v);
    if w.records.is_empty() {
        return Err(Error::media(
            path,
            format!("an {} file with no readable frame", v.name()),
        ));
    }
    let fills = w.fills(v);
    let frames = w.records.len() as u64 * v.frame_len() + fills.iter().map(|f| f.1).sum::<u64>();
    let notes = walk_notes(&w, v);
    let file = File::open(path).map_err(|e| Error::read(path, &e))?;
    let reader = Listed::chunked(
        FORMAT_INFO,
        params(v),
        (v.rate(), frames),
        file,
        (w.records, v.frame_len()),
    );
    Ok((Box::new(reader), notes, fills))
}

/// An AMR decoder for the packets of one stream: a storage record, or a 3GP sample of one or
/// more records.
pub(crate) struct AmrDecoder {
    codec: AmrCodec,
    variant: Variant,
    /// The mode of the last speech frame, which a lost frame is concealed in.
    mode: u8,
}

impl AmrDecoder {
    /// # Errors
    /// The crate refuses its own configuration (not expected).
    pub fn new(v: Variant) -> std::result::Result<Self, String> {
        let config = match v {
            Variant::Nb => CodecConfig::amr_nb(),
            Variant::Wb => CodecConfig::amr_wb(),
        };
        Ok(AmrDecoder {
            codec: AmrCodec::new(&config).map_err(|e| e.to_string())?,
            variant: v,
            mode: 0,
        })
    }

    /// The decoder's name for `probe` and the report.
    pub fn name(&self) -> String {
        format!("rvoip-codec-core {}", self.variant.name())
    }

    /// Back to the state before the first frame (after lost audio, which the frames that
    /// follow would otherwise be predicted from).
    pub fn reset(&mut self) {
        // The crate's reset cannot fail for a decoder it made.
        let _ = AudioCodec::reset(&mut self.codec);
    }

    /// Decodes the records of `data`, appending the audio (in [-1, 1)) to `out`.
    ///
    /// # Errors
    /// A packet with no record, a frame type the stream's codec does not have (the RFC has a
    /// receiver discard such a packet), or a record cut short; a frame the decoder refuses
    /// is concealed instead.
    pub fn decode(&mut self, data: &[u8], out: &mut Vec<f32>) -> std::result::Result<(), String> {
        if data.is_empty() {
            return Err(format!("an empty {} packet", self.variant.name()));
        }
        let v = self.variant.rvoip();
        let mut at = 0usize;
        while at < data.len() {
            let h = data[at];
            let ft = AmrFrameType::from_index(v, (h >> 3) & 0x0f).map_err(|e| e.to_string())?;
            let n = ft.octet_aligned_bytes();
            let body = data.get(at + 1..at + 1 + n).ok_or_else(|| {
                format!(
                    "an {} frame cut short ({} of {n} bytes)",
                    self.variant.name(),
                    data.len() - at - 1
                )
            })?;
            let quality_ok = h & 0x04 != 0;
            let frame = match ft {
                AmrFrameType::Speech(m) => {
                    self.mode = m.index();
                    CodedFrame {
                        kind: FrameKind::Speech,
                        mode: self.mode,
                        quality_ok,
                        data: body.to_vec(),
                    }
                }
                AmrFrameType::Sid(_) => CodedFrame {
                    quality_ok,
                    ..CodedFrame::comfort_noise(body.to_vec())
                },
                AmrFrameType::NoData => CodedFrame::no_data(),
                AmrFrameType::SpeechLost => CodedFrame {
                    kind: FrameKind::Lost,
                    mode: self.mode,
                    quality_ok: false,
                    data: Vec::new(),
                },
            };
            let pcm = self.codec.decode_frame(&frame).or_else(|_| {
                self.codec.decode_frame(&CodedFrame {
                    kind: FrameKind::Lost,
                    mode: self.mode,
                    quality_ok: false,
                    data: Vec::new(),
                })
            });
            let want = self.variant.frame_len() as usize;
            match pcm {
                Ok(p) if p.len() == want => out.extend(p.iter().map(|&s| f32::from(s) / 32768.0)),
                _ => out.extend(std::iter::repeat_n(0.0, want)),
            }
            at += 1 + n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storage file of `n` records of AMR-NB 12.2 kbit/s (header 0x3c, 31 bytes of data).
    fn nb_file(n: usize) -> Vec<u8> {
        let mut b = b"#!AMR\n".to_vec();
        for i in 0..n {
            b.push(0x3c);
            b.extend((0..31).map(|k| (i * 7 + k * 13 + 1) as u8 | 1));
        }
        b
    }

    #[test]
    fn the_magic_names_the_variant() {
        assert_eq!(storage_variant(b"#!AMR\n\x3c"), Some(Variant::Nb));
        assert_eq!(storage_variant(b"#!AMR-WB\n\x24"), Some(Variant::Wb));
        assert_eq!(storage_variant(b"#!AMR_MC1.0\n"), None);
        assert_eq!(storage_variant(b"RIFF"), None);
    }

    #[test]
    fn records_are_walked_and_a_cut_one_named() {
        let b = nb_file(10);
        let w = walk(&b, Variant::Nb);
        assert_eq!(w.records.len(), 10);
        assert_eq!(w.records[0], (6, 32));
        assert_eq!(w.records[9], (6 + 9 * 32, 32));
        assert!(w.breaks.is_empty() && w.cut_at.is_none());
        // NO_DATA (one byte) and SID (6 bytes) records between speech ones.
        let mut d = b"#!AMR\n".to_vec();
        d.extend([0x7c, 0x44, 1, 2, 3, 4, 5, 0x7c]);
        d.extend(&b[6..6 + 32]);
        let w = walk(&d, Variant::Nb);
        assert_eq!(w.records, vec![(6, 1), (7, 6), (13, 1), (14, 32)]);
        let cut = &b[..b.len() - 5];
        let w = walk(cut, Variant::Nb);
        assert_eq!(w.records.len(), 9);
        assert_eq!(w.cut_at, Some(6 + 9 * 32));
        assert!(walk_notes(&w, Variant::Nb)[0].contains("truncated"));
    }

    #[test]
    fn damaged_records_are_passed_over_and_counted() {
        let mut b = nb_file(20);
        // Records 5 to 7 zeroed (a recovered file's lost cluster), and a stray byte on the
        // header of record 12 (frame type 9: none in AMR-NB).
        let z = 6 + 5 * 32;
        b[z..z + 3 * 32].fill(0);
        b[6 + 12 * 32] = 9 << 3 | 0x04;
        let w = walk(&b, Variant::Nb);
        assert_eq!(w.records.len(), 16);
        assert_eq!(w.fills(Variant::Nb), vec![(5, 3 * 160), (9, 160)]);
        assert_eq!(w.breaks[0].at, z as u64);
        assert_eq!(w.breaks[0].resumed, Some((z + 96) as u64));
        let notes = walk_notes(&w, Variant::Nb);
        assert!(notes[0].contains("byte 166 (0.100 s)"), "{}", notes[0]);
        assert!(notes[1].contains("(0.240 s)"), "{}", notes[1]);
        // Damage to the end: the audio ends there.
        let mut e = nb_file(6);
        let n = e.len();
        e[n - 40..].fill(0xff);
        let w = walk(&e, Variant::Nb);
        // The fifth record's header is whole (its last 8 bytes are not); the sixth is gone.
        assert_eq!(w.records.len(), 5);
        assert!(w.fills(Variant::Nb).is_empty());
        assert_eq!(w.breaks[0].resumed, None);
    }

    #[test]
    fn hostile_bytes_neither_panic_nor_loop() {
        let mut x = 0x1234_5678u32;
        for len in [0usize, 1, 7, 100, 5000] {
            for v in [Variant::Nb, Variant::Wb] {
                let mut b = v.magic().to_vec();
                b.extend((0..len).map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                }));
                let w = walk(&b, v);
                let mut d = AmrDecoder::new(v).unwrap();
                let mut out = Vec::new();
                for &(at, n) in &w.records {
                    let r = &b[at as usize..(at + u64::from(n)) as usize];
                    d.decode(r, &mut out).unwrap();
                }
                assert_eq!(out.len() as u64, w.records.len() as u64 * v.frame_len());
                assert!(out.iter().all(|s| s.is_finite()));
                // Whole random packets: refused or decoded, never a panic.
                let _ = d.decode(&b[v.magic().len()..], &mut out);
            }
        }
    }

    #[test]
    fn a_sample_of_several_records_decodes_to_as_many_frames() {
        let b = nb_file(3);
        let mut d = AmrDecoder::new(Variant::Nb).unwrap();
        let mut out = Vec::new();
        d.decode(&b[6..], &mut out).unwrap();
        assert_eq!(out.len(), 3 * 160);
        assert!(
            d.decode(&b[6..6 + 20], &mut out)
                .unwrap_err()
                .contains("cut short")
        );
        assert!(d.decode(&[], &mut out).is_err());
        // Frame type 12 is reserved in AMR-NB.
        assert!(d.decode(&[12 << 3 | 4], &mut out).is_err());
    }
}
