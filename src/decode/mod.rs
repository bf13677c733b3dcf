//! Decoding: `open(path)` yields the audio of a clip in blocks on a sample-exact timeline, with
//! the facts a report needs about how it was decoded.
//!
//! Sample 0 of what a stream yields is media time 0 for every codec and backend: encoder delay
//! and priming (MP3 LAME/Xing, AAC edit lists or iTunSMPB, Opus pre-skip) are removed before a
//! block leaves this module. No backend type leaks out: callers see [`AudioStream`],
//! [`AudioBlock`] and [`AudioInfo`] only.

#[cfg(feature = "ffmpeg")]
mod ffmpeg;

/// The video frame on screen at `t_s` seconds, at most `max_width` pixels wide, when the
/// build has the `ffmpeg` feature and the file has video; `None` otherwise (the pure-Rust
/// build decodes no video).
pub fn video_still(path: &Path, t_s: f64, max_width: u32) -> Option<Still> {
    #[cfg(feature = "ffmpeg")]
    {
        ffmpeg::video_frame_at(path, t_s, max_width).ok().flatten()
    }
    #[cfg(not(feature = "ffmpeg"))]
    {
        let _ = (path, t_s, max_width);
        None
    }
}

/// A still picture from a clip's video, RGB24 (decoded only with the `ffmpeg` feature).
#[derive(Debug, Clone, PartialEq)]
pub struct Still {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Presentation time of the frame shown, in seconds.
    pub time_s: f64,
    /// RGB24 pixels, row-major, no padding.
    pub rgb: Vec<u8>,
}
mod aac;
mod amr;
mod avi;
mod dhav;
mod ebml;
pub mod isobmff;
mod moovless;
mod mp4amend;
mod mpa;
mod mpegps;
mod mpegts;
mod ogg;
pub mod opus;
mod riff;
pub mod sniff;
mod splice;
mod symphonia;
mod wav;

use std::fs::File;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Container, Stream};
use crate::signal::Signal;

/// Which decoding library to use.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// symphonia first; ffmpeg (when built in) for what symphonia cannot open.
    #[default]
    Auto,
    /// Only the pure-Rust symphonia backend (with the pure-Rust Opus decoder).
    Symphonia,
    /// Only libavformat/libavcodec (needs the `ffmpeg` cargo feature).
    Ffmpeg,
}

/// Parameters of decoding, echoed in every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DecodeParams {
    /// Backend choice.
    pub backend: Backend,
    /// Frames per block handed out by the stream (the last block may be shorter).
    pub block_frames: usize,
    /// The audio stream to decode, by its index among all the file's streams (ffprobe's
    /// numbering, as `input.streams` lists them); `None` for the first the decoder can read.
    pub stream: Option<usize>,
}

impl Default for DecodeParams {
    fn default() -> Self {
        DecodeParams {
            backend: Backend::Auto,
            block_frames: 1 << 16,
            stream: None,
        }
    }
}

/// How the audio of a clip is being decoded and placed on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AudioInfo {
    /// `symphonia`, `hound` (WAV files symphonia refuses, `decode::wav`) or `ffmpeg`.
    pub backend: String,
    /// The decoder doing the work, e.g. `symphonia aac`, `opus-decoder 0.1 (pure Rust)`.
    pub decoder: String,
    /// Codec name, as ffprobe spells it where possible (`aac`, `mp3`, `opus`, `pcm_s16le`).
    pub codec: String,
    /// Index of the decoded stream among all streams of the file (ffprobe's numbering).
    pub stream_index: usize,
    /// Samples per second of the decoded audio.
    pub sample_rate: u32,
    /// Channels of the decoded audio (all kept; mixdown is a later step).
    pub channels: usize,
    /// Frames removed from the start as encoder delay or priming.
    pub priming_frames: u64,
    /// Where the priming figure came from (`LAME tag`, `MP4 edit list`, `OpusHead pre-skip`, ...).
    pub priming_source: Option<String>,
    /// Where the first decoded sample is presented on the container's timeline, in seconds,
    /// when the container places the audio later than its start: an MP4/MOV edit list's
    /// leading empty edit, a Matroska/WebM audio track whose first block is stamped later
    /// (after its codec delay; under [`MATROSKA_START_TOLERANCE_S`], the container's
    /// millisecond rounding, it is 0). A video player presents the audio there, so a time in
    /// the report plus this is the moment in the video; ffmpeg's decoding to WAV, like the
    /// report's timeline, starts at the first sample. With the ffmpeg backend, the first
    /// decoded frame's timestamp on the container's timeline (from 0 in MP4 and Matroska,
    /// from the first stream's start in MPEG-TS and the like), under the same tolerance.
    /// 0 otherwise. Omitted when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start_s: f64,
}

/// How late a Matroska/WebM audio track may start and still count as starting with the file
/// ([`AudioInfo::start_s`]): two ticks of Matroska's default timestamp scale of 1 ms, since an
/// Opus track's first block is stamped at the codec delay rounded to the millisecond.
pub const MATROSKA_START_TOLERANCE_S: f64 = 0.002;

/// The warning for AAC whose encoder delay (priming, 1024 frames from most encoders) no
/// container field gives, so that it is decoded as audio: `in_mp4` when the file is an MP4
/// whose edit list (if any) skips none and that has no iTunSMPB tag, as ffmpeg's fragmented
/// MP4s and many streamed downloads are.
pub(crate) fn aac_priming_unknown(in_mp4: bool, sbr: bool) -> String {
    let what = if in_mp4 {
        "AAC in an MP4 without an edit list or iTunSMPB tag that skips its encoder delay \
         (fragmented and streamed MP4s often have neither)"
    } else {
        "AAC outside MP4 carries no encoder-delay information"
    };
    // HE-AAC's delay is its core's, its SBR filter banks' and the encoder's look-ahead: fdk-aac
    // at 44.1 kHz put the impulses of a test file 114 ms late (HE-AAC, 48 kbit/s stereo) and
    // 160 ms late (HE-AAC v2, 32 kbit/s), as ffmpeg decodes them and as here.
    let late = if sbr {
        "more than 100 ms late against the original recording (HE-AAC's delay; as in ffmpeg)"
    } else {
        "up to 1024 samples late against the original recording (as in ffmpeg)"
    };
    format!("{what}: times may be {late}")
}

/// The warning for MPEG audio (MP3, MP2) with no LAME/Xing tag giving its encoder delay,
/// which is then decoded as audio: LAME's is 1105 frames (its 576 and the decoder's 529),
/// others' alike. An MP3 written with `-write_xing 0` put the impulses of
/// `tests/fixtures/timing` 23 ms late, as ffmpeg decodes it too.
pub(crate) fn mpeg_audio_priming_unknown(codec: &str) -> String {
    format!(
        "{} without a LAME/Xing tag carries no encoder-delay information: times may be about \
         1105 samples (23 ms at 48 kHz) late against the original recording (as in ffmpeg)",
        codec.to_uppercase()
    )
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// A run of decoded audio: `channels[c]` holds the samples of channel `c`, starting at
/// `start_frame` on the clip's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBlock {
    /// Frame index of the first sample (sample 0 = media time 0).
    pub start_frame: u64,
    /// Planar samples, one vector per channel, all the same length.
    pub channels: Vec<Vec<f32>>,
}

impl AudioBlock {
    /// Frames in this block.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }
}

/// What a backend implements: hand out the next block, or `None` at the end.
pub(crate) trait BlockSource: Send {
    fn next_block(&mut self) -> Result<Option<AudioBlock>>;
    /// Problems met while decoding that did not stop it (skipped corrupt packets, early end).
    fn warnings(&self) -> Vec<String>;
}

/// Highest sample rate taken, Hz: 32 × 48 kHz. The fastest recorders of sound, ultrasonic
/// bat detectors, sample at 250 kHz-1 MHz; a header claiming more is corrupt or hostile (the
/// analysis windows are set in seconds, so an absurd rate would ask for absurd buffers).
pub const MAX_SAMPLE_RATE: u32 = 1_536_000;

/// The sample rate a stream header claims, checked: 0 or more than [`MAX_SAMPLE_RATE`] is an
/// error naming the file.
pub(crate) fn check_sample_rate(path: &Path, codec: &str, rate: u32) -> Result<u32> {
    if rate == 0 || rate > MAX_SAMPLE_RATE {
        return Err(Error::media(
            path,
            format!(
                "{codec} stream header claims a sample rate of {rate} Hz (taken: 1 to \
                 {MAX_SAMPLE_RATE} Hz)"
            ),
        ));
    }
    Ok(rate)
}

/// Largest sample magnitude taken as sound (full scale is 1): 1e9, 180 dB over full scale,
/// beyond any float file written in integer units, and far enough below `f32`'s range that a
/// measurement's squares and sums stay finite.
pub const MAX_SAMPLE: f32 = 1e9;

/// An open clip whose audio is read block by block; iterate it for [`AudioBlock`]s.
pub struct AudioStream {
    info: AudioInfo,
    source: Box<dyn BlockSource>,
    done: bool,
    /// Non-finite samples (NaN, ±infinity) replaced by silence so far, and the frame of the
    /// first one.
    non_finite: u64,
    first_non_finite: Option<u64>,
}

impl AudioStream {
    /// How the audio is decoded.
    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Problems met so far that did not stop decoding.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.source.warnings();
        if let Some(first) = self.first_non_finite {
            w.push(format!(
                "{} sample(s) were not numbers (NaN, infinite, or beyond ±1e9, 180 dB over \
                 full scale; from {:.3} s): each was replaced by silence",
                self.non_finite,
                crate::units::frames_to_s(first, self.info.sample_rate)
            ));
        }
        w
    }

    /// Replaces the samples of `b` that are not numbers a recording can hold by 0, counting
    /// them. A float WAV or a broken decoder can hold NaN or infinity, which no measurement
    /// survives (an FFT of one is NaN throughout, and the real-to-complex transform refuses
    /// it), or finite values so large that their squares and sums overflow `f32` (above about
    /// 1e16). Float files written in integer units (±32768 or ±8388608) are legal and kept:
    /// the limit, [`MAX_SAMPLE`], is far above them. Silence is the one value that adds no
    /// sound.
    fn sanitise(&mut self, b: &mut AudioBlock) {
        for ch in &mut b.channels {
            for (k, v) in ch.iter_mut().enumerate() {
                if v.is_nan() || v.abs() > MAX_SAMPLE {
                    *v = 0.0;
                    self.non_finite += 1;
                    self.first_non_finite
                        .get_or_insert(b.start_frame + k as u64);
                }
            }
        }
    }
}

impl Iterator for AudioStream {
    type Item = Result<AudioBlock>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.source.next_block() {
            Ok(Some(mut b)) => {
                self.sanitise(&mut b);
                Some(Ok(b))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A whole clip decoded into memory.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The audio.
    pub signal: Signal,
    /// How it was decoded.
    pub info: AudioInfo,
    /// Problems met that did not stop decoding.
    pub warnings: Vec<String>,
}

/// Checks that `path` is a readable, non-empty regular file.
///
/// # Errors
/// [`Error::Read`] or [`Error::Media`] naming the problem.
pub fn check_input(path: &Path) -> Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, &e))?;
    if meta.is_dir() {
        return Err(Error::Read {
            path: path.to_path_buf(),
            problem: "is a directory, not a media file".into(),
        });
    }
    // A pipe or a device has no length to read and no start to seek back to (it read as
    // "file is empty (0 bytes)").
    if !meta.is_file() {
        return Err(Error::Read {
            path: path.to_path_buf(),
            problem: "is not a regular file (a pipe, socket or device): save the stream to a \
                      file first"
                .into(),
        });
    }
    if meta.len() == 0 {
        return Err(Error::media(path, "file is empty (0 bytes)"));
    }
    File::open(path).map_err(|e| Error::read(path, &e))
}

/// Opens the first decodable audio stream of `path` for block-wise reading.
///
/// # Errors
/// One [`Error`] naming the file and the problem: unreadable, empty, not media, no audio
/// track, unsupported codec (with how to enable the `ffmpeg` feature), corrupt header.
pub fn open(path: &Path, params: &DecodeParams) -> Result<AudioStream> {
    let file = check_input(path)?;
    let block_frames = params.block_frames.max(1);
    let stream = params.stream;
    // A WAV file holds one stream, stream 0.
    let wav = |p: &Path| match stream {
        Some(n) if n != 0 => Err(Error::media(
            p,
            format!("there is no audio stream {n}: a WAV file holds one, stream 0"),
        )),
        _ => wav::open(p, block_frames),
    };
    let (info, source): (AudioInfo, Box<dyn BlockSource>) = match params.backend {
        Backend::Symphonia => symphonia::open(path, file, block_frames, stream)
            .or_else(|err| fallback_wav(path, err, wav))
            .or_else(|err| another_audio_stream(path, block_frames, stream, err))?,
        Backend::Ffmpeg => open_ffmpeg(path, block_frames, stream)?,
        Backend::Auto => match symphonia::open(path, file, block_frames, stream)
            .or_else(|err| fallback_wav(path, err, wav))
        {
            Ok(opened) => opened,
            // ffmpeg decodes the first audio stream when it can; without it, the next one
            // symphonia decodes is taken.
            Err(err) if cfg!(feature = "ffmpeg") => {
                fallback_ffmpeg(path, block_frames, stream, err)?
            }
            Err(err) => another_audio_stream(path, block_frames, stream, err)?,
        },
    };
    Ok(AudioStream {
        info,
        source,
        done: false,
        non_finite: 0,
        first_non_finite: None,
    })
}

/// A file's streams in words for an error message ("0 video h264, 1 audio aac"), or "none".
fn stream_listing(streams: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = streams.collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

/// A WAV file symphonia refuses (too many channels for its channel mask, `decode::wav`) gets a
/// second chance with hound; `first`, symphonia's error, is kept when hound cannot read it
/// either, or when the file is no WAV.
fn fallback_wav<T>(path: &Path, first: Error, read: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    if matches!(first, Error::Read { .. }) {
        return Err(first);
    }
    let mut head = [0u8; 12];
    let is_wav = File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| wav::is_wav(&head));
    if !is_wav {
        return Err(first);
    }
    read(path).map_err(|_| first)
}

#[cfg(feature = "ffmpeg")]
fn open_ffmpeg(
    path: &Path,
    block_frames: usize,
    stream: Option<usize>,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    ffmpeg::open(path, block_frames, stream)
}

#[cfg(not(feature = "ffmpeg"))]
fn open_ffmpeg(
    path: &Path,
    _block_frames: usize,
    _stream: Option<usize>,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    Err(no_ffmpeg(path))
}

/// With the `ffmpeg` feature, files symphonia refuses get a second chance; the first error
/// is kept when ffmpeg cannot read them either, since it is usually the more specific.
#[cfg(feature = "ffmpeg")]
fn fallback_ffmpeg(
    path: &Path,
    block_frames: usize,
    stream: Option<usize>,
    first: Error,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    match &first {
        // Missing files and directories are not a decoder question.
        Error::Read { .. } => Err(first),
        _ => ffmpeg::open(path, block_frames, stream).map_err(|second| match first {
            Error::UnsupportedCodec { .. } => second,
            _ => first,
        }),
    }
}

#[cfg(not(feature = "ffmpeg"))]
fn fallback_ffmpeg(
    _path: &Path,
    _block_frames: usize,
    _stream: Option<usize>,
    first: Error,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    Err(first)
}

/// When no stream was asked for and the first audio stream's codec has no decoder here
/// (`first` is [`Error::UnsupportedCodec`]), the next audio stream that opens is decoded
/// instead, with a warning naming both: a film or phone video whose first track is AC-3 or
/// Apple's spatial audio and whose second is AAC was refused outright. Any other error is
/// `first`.
fn another_audio_stream(
    path: &Path,
    block_frames: usize,
    stream: Option<usize>,
    first: Error,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    let (Error::UnsupportedCodec { codec, .. }, None) = (&first, stream) else {
        return Err(first);
    };
    for index in symphonia::audio_stream_indices(path).into_iter().skip(1) {
        let Ok(file) = std::fs::File::open(path) else {
            break;
        };
        if let Ok((info, source)) = symphonia::open(path, file, block_frames, Some(index)) {
            let note = format!(
                "the first audio stream is {codec}, which this build cannot decode (the \
                 `ffmpeg` feature can): stream {index} ({}) is analysed instead",
                info.codec
            );
            return Ok((info, Box::new(Noted { source, note })));
        }
    }
    Err(first)
}

/// A block source whose warnings begin with one more (how it was chosen).
struct Noted {
    source: Box<dyn BlockSource>,
    note: String,
}

impl BlockSource for Noted {
    fn next_block(&mut self) -> Result<Option<AudioBlock>> {
        self.source.next_block()
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = vec![self.note.clone()];
        w.extend(self.source.warnings());
        w
    }
}

/// What [`describe`] finds: the container, its streams, and whether the file is whole.
#[derive(Debug, Clone)]
pub struct Described {
    /// The container.
    pub container: Container,
    /// Every stream.
    pub streams: Vec<Stream>,
    /// Why the file is not whole (truncated, corrupt part-way), when it is not.
    pub integrity: Option<String>,
}

/// Describes the container and every stream of `path` (no decoding).
///
/// # Errors
/// As [`open`] for files that cannot be read or whose container is not recognised.
pub fn describe(path: &Path, backend: Backend) -> Result<Described> {
    let file = check_input(path)?;
    // Whether the pure-Rust reader opens it: the one that mends damage (`with_damage`).
    let ours = |d: Described| (d, true);
    let (described, filled) = match backend {
        Backend::Symphonia => symphonia::describe(path, file)
            .map(ours)
            .or_else(|e| fallback_wav(path, e, wav::describe).map(ours)),
        Backend::Ffmpeg => describe_ffmpeg(path).map(|d| (d, false)),
        Backend::Auto => symphonia::describe(path, file)
            .map(ours)
            .or_else(|e| fallback_wav(path, e, wav::describe).map(ours))
            .or_else(|e| match e {
                Error::Read { .. } => Err(e),
                _ if cfg!(feature = "ffmpeg") => {
                    describe_ffmpeg(path).map(|d| (d, false)).map_err(|_| e)
                }
                _ => Err(e),
            }),
    }?;
    Ok(with_damage(path, described, filled))
}

/// `d` with the damage of an Ogg, MPEG audio or ADTS file as its problem, when it has no other: the
/// readers skip damaged pages and frames without a word, and the census counts what is left.
/// `filled` when the backend that will decode it is earwitness's own, which puts silence in
/// place of lost MPEG audio frames and Ogg pages.
fn with_damage(path: &Path, mut d: Described, filled: bool) -> Described {
    if d.integrity.is_some() {
        return d;
    }
    let Some(audio) = d.streams.iter().find(|s| s.kind == "audio") else {
        return d;
    };
    d.integrity = damage(path, &audio.codec, audio.sample_rate.unwrap_or(0), filled);
    d
}

/// What to say of the damage in the file at `path`, whose audio is `codec` (ffprobe's name) at
/// `sample_rate`: the breaks in an MPEG audio or ADTS frame chain, or the damaged pages of an
/// Ogg file. One place for both backends and `probe`, so that they say it in the same words
/// (the pipeline keeps one). Each walk checks the file's own first bytes, so an MP4 or
/// Matroska file costs a few bytes read. `filled` when the decoder puts silence in place of
/// lost MPEG audio frames and Ogg pages (the symphonia backend; [`symphonia`]'s `open`).
pub(crate) fn damage(path: &Path, codec: &str, sample_rate: u32, filled: bool) -> Option<String> {
    if matches!(codec, "mp3" | "mp2" | "mp1" | "aac") {
        mpa::damage_warning(path, codec, filled)
    } else {
        ogg::damage_warning(path, sample_rate, filled)
    }
}

#[cfg(feature = "ffmpeg")]
fn describe_ffmpeg(path: &Path) -> Result<Described> {
    ffmpeg::describe(path)
}

#[cfg(not(feature = "ffmpeg"))]
fn describe_ffmpeg(path: &Path) -> Result<Described> {
    Err(no_ffmpeg(path))
}

#[cfg(not(feature = "ffmpeg"))]
fn no_ffmpeg(path: &Path) -> Error {
    Error::media(
        path,
        "the ffmpeg backend is not built in; rebuild with `cargo build --release --features ffmpeg`",
    )
}

/// Decodes the whole of `path` into memory.
///
/// # Errors
/// As [`open`], plus decoding errors that stop the stream.
pub fn decode(path: &Path, params: &DecodeParams) -> Result<Decoded> {
    let mut stream = open(path, params)?;
    let info = stream.info().clone();
    let mut channels = vec![Vec::new(); info.channels];
    for block in stream.by_ref() {
        let block = block?;
        for (dst, src) in channels.iter_mut().zip(&block.channels) {
            dst.extend_from_slice(src);
        }
    }
    if channels.first().is_none_or(Vec::is_empty) {
        return Err(Error::media(
            path,
            "no audio could be decoded (the stream is empty, truncated or corrupt)",
        ));
    }
    let warnings = stream.warnings();
    Ok(Decoded {
        signal: Signal {
            channels,
            sample_rate: info.sample_rate,
        },
        info,
        warnings,
    })
}

/// Consecutive undecodable packets after which a stream is declared corrupt.
const MAX_CONSECUTIVE_BAD_PACKETS: u32 = 200;

/// Bookkeeping of undecodable packets and other non-fatal problems, shared by the backends:
/// a corrupt packet is skipped and counted; a long run of them stops decoding (or fails it
/// when nothing was decoded yet); one summary warning reports the count.
pub(crate) struct PacketHealth {
    path: std::path::PathBuf,
    bad: u64,
    consecutive: u32,
    first: Option<String>,
    decoded_any: bool,
    warnings: Vec<String>,
}

impl PacketHealth {
    pub(crate) fn new(path: &Path) -> Self {
        PacketHealth {
            path: path.to_path_buf(),
            bad: 0,
            consecutive: 0,
            first: None,
            decoded_any: false,
            warnings: Vec::new(),
        }
    }

    /// A packet decoded.
    pub(crate) fn good(&mut self) {
        self.consecutive = 0;
        self.decoded_any = true;
    }

    /// A packet failed with `msg`: `Ok(true)` to go on, `Ok(false)` to stop decoding here.
    ///
    /// # Errors
    /// The stream is corrupt: the limit was reached before any packet decoded.
    pub(crate) fn bad(&mut self, msg: String) -> Result<bool> {
        self.bad += 1;
        self.consecutive += 1;
        self.first.get_or_insert(msg);
        if self.consecutive < MAX_CONSECUTIVE_BAD_PACKETS {
            return Ok(true);
        }
        let first = self.first.clone().unwrap_or_default();
        if !self.decoded_any {
            return Err(Error::media(
                &self.path,
                format!("audio stream is corrupt: {first}"),
            ));
        }
        self.warnings.push(format!(
            "stopped after {MAX_CONSECUTIVE_BAD_PACKETS} undecodable packets in a row ({first})"
        ));
        Ok(false)
    }

    /// Records a problem that did not stop decoding.
    pub(crate) fn warn(&mut self, msg: impl Into<String>) {
        self.warnings.push(msg.into());
    }

    /// Adds the summary of skipped packets (once) and returns all warnings so far.
    pub(crate) fn finish(&mut self) {
        if self.bad > 0 {
            let first = self.first.take().unwrap_or_default();
            self.warnings.push(format!(
                "{} undecodable packet(s) skipped (first: {first})",
                self.bad
            ));
            self.bad = 0;
        }
    }

    pub(crate) fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }
}

/// Longest single stretch of lost audio filled with silence ([`Gaps`]): a corrupt region of a
/// recording spans seconds, and a timestamp that jumps further is itself corrupt.
pub(crate) const MAX_GAP_FILL_S: f64 = 60.0;
/// Most silence filled in over a whole stream ([`Gaps`]), so that a hostile file of many
/// jumps cannot make the analysis hold hours of it.
pub(crate) const MAX_TOTAL_GAP_FILL_S: f64 = 600.0;

/// Audio lost inside a stream: a corrupt Ogg page or FLAC frame the demuxer skipped, or a
/// packet that would not decode. The decoded audio of the packets around it would be joined
/// end to end, so every sound after the loss would be reported early by its length, without a
/// word. Where a packet's timestamp runs ahead of the end of the audio decoded before it,
/// silence of the missing length is put in its place (as a player's clock keeps going), and
/// one warning says where and how much.
///
/// A gap counts when it is wider than two ticks of the container's clock (a Matroska block's
/// time is rounded to the millisecond) and half the packet after it (what is lost is whole
/// packets, of much the length of those around them; a muxer's timestamps jitter by far
/// less). A gap wider than [`MAX_GAP_FILL_S`], or
/// past [`MAX_TOTAL_GAP_FILL_S`] in all, is not filled but named: the timestamps themselves
/// are then in doubt. A timestamp that goes back is followed from there (a new link of a
/// chained stream starts again at 0).
///
/// Where it cannot see, the symphonia backend mends by other means: an MP3 or ADTS stream's
/// packets are stamped by counting them, so a frame lost there would shift what follows (by
/// 24-26 ms a frame; `mpa::fills`); symphonia's Ogg reader stamps the page after a lost one
/// from the page before it, so the silence would be placed one page late, the page's own
/// audio early by the gap, and a lost page before the last not seen at all (`ogg::mendable`,
/// `symphonia::Source::mend`). The ffmpeg backend uses it for every codec but Vorbis:
/// libavcodec stamps Vorbis frames at their packets' times, not at the audio they give (a
/// 448-frame "gap" where long blocks turn short).
pub(crate) struct Gaps {
    sample_rate: f64,
    /// One tick of the container's clock, in seconds.
    tick_s: f64,
    /// Where the audio decoded so far ends on the container's clock (seconds), once a packet
    /// has given audio.
    expected_s: Option<f64>,
    filled: u64,
    filled_frames: u64,
    first: Option<(f64, f64)>,
    unfilled: Option<(f64, f64)>,
}

impl Gaps {
    pub(crate) fn new(sample_rate: u32, tick_s: f64) -> Self {
        Gaps {
            sample_rate: f64::from(sample_rate),
            tick_s,
            expected_s: None,
            filled: 0,
            filled_frames: 0,
            first: None,
            unfilled: None,
        }
    }

    /// The frames of silence to place before a packet stamped `pts_s` that gives `frames` of
    /// audio, which begins `at_s` into the decoded timeline (for the warning). The packet
    /// spans `span_s` on the container's clock when the container says (its valid frames:
    /// priming and padding trimmed as the container marks them), else its frames.
    pub(crate) fn before(
        &mut self,
        pts_s: f64,
        span_s: Option<f64>,
        frames: usize,
        at_s: f64,
    ) -> u64 {
        // No audio, or no clock to place it on (a track without a time base).
        if frames == 0 || !pts_s.is_finite() {
            return 0;
        }
        let end = pts_s + span_s.unwrap_or(frames as f64 / self.sample_rate);
        let Some(expected) = self.expected_s.replace(end) else {
            return 0;
        };
        let gap = pts_s - expected;
        let packet_s = frames as f64 / self.sample_rate;
        if !gap.is_finite() || gap <= (2.0 * self.tick_s).max(packet_s / 2.0) {
            return 0;
        }
        let total = self.filled_frames as f64 / self.sample_rate;
        if gap > MAX_GAP_FILL_S || total + gap > MAX_TOTAL_GAP_FILL_S {
            self.unfilled.get_or_insert((at_s, gap));
            return 0;
        }
        let n = (gap * self.sample_rate).round() as u64;
        self.filled += 1;
        self.filled_frames += n;
        self.first.get_or_insert((at_s, gap));
        n
    }

    /// Moves the end of the audio decoded so far on by `s` seconds: silence put in by the
    /// caller (an MPEG audio file's lost frames, which its packets' stamps do not count).
    pub(crate) fn skip(&mut self, s: f64) {
        if let Some(e) = &mut self.expected_s {
            *e += s;
        }
    }

    /// Counts `frames` of silence put in by the caller at `at_s` on the timeline, for the
    /// warning (the audio of an Ogg page lost before the stream's last, placed at the end).
    pub(crate) fn record(&mut self, at_s: f64, frames: u64) {
        let s = frames as f64 / self.sample_rate;
        self.filled += 1;
        self.filled_frames += frames;
        self.first.get_or_insert((at_s, s));
    }

    /// Starts again (a new link of a chained stream).
    pub(crate) fn reset(&mut self) {
        self.expected_s = None;
    }

    /// The warnings to give, if any audio was found lost.
    pub(crate) fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if let Some((at, gap)) = self.first {
            w.push(format!(
                "audio is missing inside the stream in {} place(s), {:.3} s in all, the first \
                 {:.3} s long at {at:.3} s (a corrupt page, frame or packet was skipped): \
                 silence stands in its place, so that the times after it are those of the \
                 container's clock",
                self.filled,
                self.filled_frames as f64 / self.sample_rate,
                gap
            ));
        }
        if let Some((at, gap)) = self.unfilled {
            w.push(format!(
                "the stream's timestamps jump ahead by {gap:.3} s at {at:.3} s (more than the \
                 {MAX_GAP_FILL_S} s, or {MAX_TOTAL_GAP_FILL_S} s in all, filled with silence): \
                 times after it follow the decoded audio end to end, not the container's clock"
            ));
        }
        w
    }
}

/// Places decoded chunks on the timeline: keeps the media frames of each segment in turn
/// (one segment for most files: the leading `skip` frames of priming dropped, and no more than
/// `limit` frames kept, the padding; several for an MP4 edit list that presents pieces of the
/// track, an edited video) and regroups what is kept into blocks of `block_frames`.
///
/// Shared by every backend so that the timeline policy lives in one place.
pub(crate) struct Timeline {
    /// Media frames kept, in presentation order: (first frame, frames; `None` to the end).
    /// Each starts at or after the previous one's end.
    segments: Vec<(u64, Option<u64>)>,
    /// The first segment not yet wholly behind the media pushed: each chunk looks only at the
    /// segments it overlaps, so an edit list of thousands of pieces (a hostile `elst` may hold
    /// millions) costs its length once, not once per chunk.
    next: usize,
    /// Media frames pushed so far.
    media_pos: u64,
    block_frames: usize,
    pending: Vec<Vec<f32>>,
    pending_start: u64,
}

impl Timeline {
    pub(crate) fn new(channels: usize, skip: u64, limit: Option<u64>, block_frames: usize) -> Self {
        Timeline::pieces(channels, vec![(skip, limit)], block_frames)
    }

    /// A timeline of several pieces of the media (`segments`, as [`Timeline::segments`]),
    /// joined end to end.
    pub(crate) fn pieces(
        channels: usize,
        segments: Vec<(u64, Option<u64>)>,
        block_frames: usize,
    ) -> Self {
        Timeline {
            segments,
            next: 0,
            media_pos: 0,
            block_frames,
            pending: vec![Vec::new(); channels],
            pending_start: 0,
        }
    }

    /// Accepts one decoded chunk (planar, equal-length channels).
    pub(crate) fn push(&mut self, chunk: &[Vec<f32>]) {
        let n = chunk.first().map_or(0, Vec::len) as u64;
        let (m0, m1) = (self.media_pos, self.media_pos + n);
        self.media_pos = m1;
        let end = |&(first, frames): &(u64, Option<u64>)| {
            frames.map_or(u64::MAX, |f| first.saturating_add(f))
        };
        while self.segments.get(self.next).is_some_and(|s| end(s) <= m0) {
            self.next += 1;
        }
        for seg in &self.segments[self.next..] {
            if seg.0 >= m1 {
                break;
            }
            let (lo, hi) = (m0.max(seg.0), m1.min(end(seg)));
            if lo >= hi {
                continue;
            }
            let range = (lo - m0) as usize..(hi - m0) as usize;
            for (dst, src) in self.pending.iter_mut().zip(chunk) {
                dst.extend_from_slice(&src[range.clone()]);
            }
        }
    }

    /// Frames kept so far (taken as blocks or pending).
    pub(crate) fn emitted(&self) -> u64 {
        self.pending_start + self.pending.first().map_or(0, Vec::len) as u64
    }

    /// True once the media has passed the last segment's end (if it has one).
    pub(crate) fn full(&self) -> bool {
        self.segments.last().is_some_and(|&(first, frames)| {
            frames.is_some_and(|f| self.media_pos >= first.saturating_add(f))
        })
    }

    /// A complete block if one is ready, or the remainder when `flush` is set.
    pub(crate) fn take(&mut self, flush: bool) -> Option<AudioBlock> {
        let have = self.pending.first().map_or(0, Vec::len);
        if have == 0 || (!flush && have < self.block_frames) {
            return None;
        }
        let n = if flush {
            have.min(self.block_frames)
        } else {
            self.block_frames
        };
        let channels: Vec<Vec<f32>> = self
            .pending
            .iter_mut()
            .map(|p| {
                let rest = p.split_off(n);
                std::mem::replace(p, rest)
            })
            .collect();
        let block = AudioBlock {
            start_frame: self.pending_start,
            channels,
        };
        self.pending_start += n as u64;
        Some(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(start: usize, n: usize) -> Vec<Vec<f32>> {
        vec![(start..start + n).map(|i| i as f32).collect()]
    }

    #[test]
    fn timeline_skips_priming_across_chunks_and_limits_padding() {
        let mut t = Timeline::new(1, 1500, Some(2500), 1000);
        for c in 0..5 {
            t.push(&ramp(c * 1024, 1024));
        }
        assert!(t.full());
        let mut blocks = Vec::new();
        while let Some(b) = t.take(false) {
            blocks.push(b);
        }
        while let Some(b) = t.take(true) {
            blocks.push(b);
        }
        let lens: Vec<usize> = blocks.iter().map(AudioBlock::frames).collect();
        assert_eq!(lens, vec![1000, 1000, 500]);
        assert_eq!(blocks[0].channels[0][0], 1500.0);
        assert_eq!(blocks[1].start_frame, 1000);
        assert_eq!(blocks[2].channels[0][499], 3999.0);
    }

    #[test]
    fn lost_audio_is_measured_from_the_timestamps_and_filled() {
        // 48 kHz, a clock of 1/48000 s; packets of 1024 frames, the third lost.
        let tick = 1.0 / 48_000.0;
        let mut g = Gaps::new(48_000, tick);
        let pts = |k: u64| (k * 1024) as f64 * tick;
        assert_eq!(g.before(pts(0), None, 1024, 0.0), 0);
        assert_eq!(g.before(pts(1), Some(1024.0 * tick), 1024, 0.0213), 0);
        assert_eq!(g.before(pts(3), Some(1024.0 * tick), 1024, 0.0427), 1024);
        assert_eq!(g.before(pts(4), None, 1024, 0.0853), 0);
        let w = g.warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("1 place(s), 0.021 s"), "{w:?}");
        // A packet that gives no audio (Vorbis's first) is not where audio ends.
        let mut g = Gaps::new(48_000, tick);
        assert_eq!(g.before(-128.0 * tick, None, 0, 0.0), 0);
        assert_eq!(g.before(0.0, None, 1024, 0.0), 0);
        assert!(g.warnings().is_empty());
        // A Matroska clock in milliseconds: a block stamped 1 ms off its place is rounding,
        // a block 23 ms late is a lost one.
        let mut g = Gaps::new(44_100, 0.001);
        let d = 1024.0 / 44_100.0;
        assert_eq!(g.before(0.0, None, 1024, 0.0), 0);
        assert_eq!(g.before(0.024, None, 1024, d), 0);
        assert_eq!(g.before(0.024 + 2.0 * d, None, 1024, 2.0 * d), 1024);
        // Back in time (a chained stream's next link): followed from there.
        assert_eq!(g.before(0.0, None, 1024, 3.0 * d), 0);
        assert_eq!(g.before(d, None, 1024, 4.0 * d), 0);
        // No clock (a track without a time base: its ticks are taken as infinite).
        let mut g = Gaps::new(44_100, f64::INFINITY);
        for k in 0..3 {
            assert_eq!(g.before(k as f64 * f64::INFINITY, None, 1024, 0.0), 0);
        }
        assert!(g.warnings().is_empty());
    }

    #[test]
    fn a_jump_too_long_to_be_lost_audio_is_named_not_filled() {
        let mut g = Gaps::new(8_000, 1.0 / 8_000.0);
        assert_eq!(g.before(0.0, None, 160, 0.0), 0);
        assert_eq!(g.before(3_600.0, None, 160, 0.02), 0);
        let w = g.warnings();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("jump ahead by 3599.980 s at 0.020 s"),
            "{w:?}"
        );
        // Many fills stop at the total.
        let mut g = Gaps::new(8_000, 1.0 / 8_000.0);
        let mut t = 0.0;
        let mut filled = 0;
        assert_eq!(g.before(t, None, 160, 0.0), 0);
        for _ in 0..20 {
            t += 0.02 + 50.0;
            filled += g.before(t, None, 160, 0.0);
        }
        assert!(filled as f64 / 8_000.0 <= MAX_TOTAL_GAP_FILL_S);
        assert_eq!(g.warnings().len(), 2);
    }

    #[test]
    fn timeline_joins_the_pieces_an_edit_list_presents() {
        // Media frames 100-399 and 1000-1199, across chunks of 256 frames.
        let mut t = Timeline::pieces(1, vec![(100, Some(300)), (1000, Some(200))], 4096);
        let mut c = 0;
        while !t.full() {
            t.push(&ramp(c * 256, 256));
            c += 1;
        }
        assert_eq!(c, 5, "stops after the last piece");
        let b = t.take(true).unwrap();
        assert_eq!(b.frames(), 500);
        let x = &b.channels[0];
        assert_eq!(
            (x[0], x[299], x[300], x[499]),
            (100.0, 399.0, 1000.0, 1199.0)
        );
    }

    #[test]
    fn timeline_of_many_small_pieces_keeps_each_once() {
        // Every other frame of 40,000, as 20,000 one-frame pieces, pushed in chunks of 1,000
        // (500 pieces in each).
        let pieces = (0..20_000u64).map(|k| (2 * k + 1, Some(1))).collect();
        let mut t = Timeline::pieces(1, pieces, 1 << 20);
        let mut c = 0;
        while !t.full() {
            t.push(&ramp(c * 1000, 1000));
            c += 1;
        }
        let b = t.take(true).unwrap();
        assert_eq!(b.frames(), 20_000);
        assert!(
            b.channels[0]
                .iter()
                .enumerate()
                .all(|(i, &v)| v == (2 * i + 1) as f32)
        );
    }

    #[test]
    fn missing_file_and_directory_are_read_errors() {
        let e = check_input(Path::new("/nonexistent/x.wav")).unwrap_err();
        assert_eq!(e.to_string(), "/nonexistent/x.wav: no such file");
        let e = check_input(Path::new("/")).unwrap_err();
        assert!(e.to_string().contains("is a directory"));
    }
}
