//! The second backend: libavformat/libavcodec through ffmpeg-next, for what symphonia cannot
//! open (AC-3, AMR, WMA, MPEG-TS, odd MOVs). Built only with the `ffmpeg` cargo feature.
//!
//! libavcodec removes encoder priming itself (it applies the skip-samples side data that the
//! MP4, MP3, Ogg and Matroska demuxers attach), so the timeline here needs no extra trimming;
//! `tests/timing.rs` checks that for every codec.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use ff::format::sample::{Sample, Type as SampleType};
use ffmpeg_next as ff;

use super::{AudioBlock, AudioInfo, BlockSource, Described, PacketHealth, Still, Timeline};
use crate::error::{Error, Result};
use crate::model::{Container, Stream};

/// Largest planar channel count read (libavutil keeps 8 planes in `data`).
const MAX_PLANAR_CHANNELS: usize = 8;

fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Quiet libav's own logging: problems reach the user as one line from us.
        let _ = ff::init();
        ff::util::log::set_level(ff::util::log::Level::Fatal);
    });
}

fn open_input(path: &Path) -> Result<ff::format::context::Input> {
    init();
    ff::format::input(path).map_err(|e| match e {
        ff::Error::InvalidData => Error::media(
            path,
            "not a recognised media file (ffmpeg found no known container)",
        ),
        other => Error::media(path, format!("ffmpeg cannot open it: {other}")),
    })
}

fn dict(d: ff::DictionaryRef<'_>) -> BTreeMap<String, String> {
    d.iter()
        .map(|(k, v)| (k.to_lowercase(), v.to_string()))
        .collect()
}

fn seconds(ts: i64, tb: ff::Rational) -> Option<f64> {
    (ts != ff::ffi::AV_NOPTS_VALUE && ts >= 0 && tb.denominator() != 0)
        .then(|| ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator()))
}

/// Describes the container and every stream with libavformat.
pub(crate) fn describe(path: &Path) -> Result<Described> {
    let ictx = open_input(path)?;
    let mut streams = Vec::new();
    for st in ictx.streams() {
        let par = st.parameters();
        let kind = match par.medium() {
            ff::media::Type::Audio => "audio",
            ff::media::Type::Video => "video",
            ff::media::Type::Subtitle => "subtitle",
            _ => "data",
        };
        let mut s = Stream {
            index: st.index(),
            kind: kind.into(),
            codec: par.id().name().to_string(),
            sample_rate: None,
            channels: None,
            duration_s: seconds(st.duration(), st.time_base()),
            bit_rate: (par.bit_rate() > 0).then_some(par.bit_rate() as u64),
            width: None,
            height: None,
            frame_rate: None,
            tags: dict(st.metadata()),
        };
        if let Ok(ctx) = ff::codec::context::Context::from_parameters(par) {
            match kind {
                "audio" => {
                    if let Ok(a) = ctx.decoder().audio() {
                        s.sample_rate = Some(a.rate()).filter(|r| *r > 0);
                        s.channels = Some(usize::from(a.channels())).filter(|c| *c > 0);
                    }
                }
                "video" => {
                    if let Ok(v) = ctx.decoder().video() {
                        s.width = Some(v.width()).filter(|w| *w > 0);
                        s.height = Some(v.height()).filter(|h| *h > 0);
                    }
                    let fr = st.avg_frame_rate();
                    if fr.denominator() != 0 && fr.numerator() > 0 {
                        let f = f64::from(fr.numerator()) / f64::from(fr.denominator());
                        s.frame_rate = Some((f * 1e3).round() / 1e3);
                    }
                }
                _ => {}
            }
        }
        streams.push(s);
    }
    let fmt = ictx.format();
    let duration_s =
        (ictx.duration() > 0).then(|| ictx.duration() as f64 / f64::from(ff::ffi::AV_TIME_BASE));
    let container = Container {
        format: fmt.name().split(',').next().unwrap_or("").to_string(),
        format_long: fmt.description().to_string(),
        duration_s: duration_s.map(|d| (d * 1e6).round() / 1e6),
        bit_rate: (ictx.bit_rate() > 0).then_some(ictx.bit_rate() as u64),
        tags: dict(ictx.metadata()),
        read_by: "ffmpeg".into(),
    };
    Ok(Described {
        container,
        streams,
        integrity: None,
    })
}

/// The origin of a container's own timeline, in seconds of its timestamps: 0 for MP4/MOV
/// (movie time) and Matroska/WebM (the segment's clock), whose timestamps count from the
/// file's start; elsewhere where its earliest stream starts (an MPEG-TS or FLV file is stamped
/// from a clock that started before the recording, and players count from its first stream;
/// an MP3's first frame is stamped after the encoder delay that libavcodec removes).
fn timeline_origin_s(ictx: &ff::format::context::Input) -> f64 {
    let format = ictx.format();
    let name = format.name();
    if name.contains("mp4") || name.contains("matroska") {
        return 0.0;
    }
    // As libavformat takes the file's start_time: the earliest of its streams'.
    ictx.streams()
        .filter_map(|s| seconds(s.start_time(), s.time_base()))
        .reduce(f64::min)
        .unwrap_or(0.0)
}

/// Most packets of the audio stream read to find its first decoded frame (an Opus page or an
/// AAC frame each; a stream that yields nothing in this many is left at the origin).
const FIRST_FRAME_MAX_PACKETS: usize = 64;

/// Most packets of all streams read for it (a video whose audio track holds no packets is not
/// read to its end).
const FIRST_FRAME_MAX_ALL_PACKETS: usize = 20_000;

/// What the first packets of the decoded stream say about its timeline.
#[derive(Default)]
struct FirstFrame {
    /// Where its first decoded sample is presented on the container's timeline
    /// (`AudioInfo::start_s`), in seconds from [`timeline_origin_s`].
    start_s: Option<f64>,
    /// Whether the demuxer marked priming to drop (skip-samples side data on a first packet).
    priming_marked: bool,
    /// How many frames it marked (the side data's first 32-bit little-endian field).
    priming_frames: u64,
    /// Whether the container is MP4/MOV, or Matroska/WebM.
    mp4: bool,
    matroska: bool,
    /// The first decoded frame's rate and channels, which the stream's parameters may not
    /// state: HE-AAC signalled implicitly doubles its core's rate, and with parametric stereo
    /// (or a mono core that may carry it) gives two channels where one is stated.
    shape: Option<(u32, usize)>,
}

/// Reads the first packets of stream `index` (the file opened a second time) for
/// [`FirstFrame`]. The start is the first frame's timestamp after libavcodec has removed the
/// priming (it moves the frame's pts on by what it drops); for Vorbis the first packet's: its
/// decoder yields nothing for the first packet and stamps the first frame with the second
/// packet's time (3 ms in a Matroska file of `tests/fixtures/timing`), though that frame
/// begins with the stream's first sample.
fn first_frame(path: &Path, index: usize) -> FirstFrame {
    let mut out = FirstFrame::default();
    let Ok(mut ictx) = open_input(path) else {
        return out;
    };
    let origin = timeline_origin_s(&ictx);
    out.mp4 = ictx.format().name().contains("mp4");
    out.matroska = ictx.format().name().contains("matroska");
    let Some(stream) = ictx.stream(index) else {
        return out;
    };
    let tb = stream.time_base();
    let to_s =
        |pts: i64| pts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator()) - origin;
    let vorbis = stream.parameters().id() == ff::codec::Id::VORBIS;
    let Ok(ctx) = ff::codec::context::Context::from_parameters(stream.parameters()) else {
        return out;
    };
    let mut decoder = ctx.decoder();
    // libavcodec moves a frame's pts past the priming it drops only when it knows the
    // packets' time base.
    decoder.set_packet_time_base(tb);
    let Ok(mut decoder) = decoder.audio() else {
        return out;
    };
    let mut frame = ff::frame::Audio::empty();
    let mut packets = 0usize;
    for _ in 0..FIRST_FRAME_MAX_ALL_PACKETS {
        if packets >= FIRST_FRAME_MAX_PACKETS {
            break;
        }
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) if packet.stream() == index => {
                packets += 1;
                for d in packet.side_data() {
                    if d.kind() == ff::packet::side_data::Type::SkipSamples {
                        out.priming_marked = true;
                        if let Some(b) = d.data().get(..4) {
                            out.priming_frames +=
                                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                        }
                    }
                }
                if vorbis {
                    out.start_s = packet.pts().map(to_s);
                    return out;
                }
                if decoder.send_packet(&packet).is_ok() {
                    while decoder.receive_frame(&mut frame).is_ok() {
                        if frame.samples() > 0 {
                            out.shape = Some((frame.rate(), usize::from(frame.channels())))
                                .filter(|&(r, c)| r > 0 && c > 0);
                            out.start_s = frame.pts().or(frame.timestamp()).map(to_s);
                            return out;
                        }
                    }
                }
            }
            Ok(()) => {}
            Err(_) => break,
        }
    }
    out
}

struct Source {
    ictx: ff::format::context::Input,
    decoder: ff::decoder::Audio,
    stream_index: usize,
    channels: usize,
    timeline: Timeline,
    frame: ff::frame::Audio,
    chunk: Vec<Vec<f32>>,
    eof_sent: bool,
    finished: bool,
    health: PacketHealth,
    /// For an Opus stream, how its packets were coded (`opus::Modes`).
    opus_modes: Option<super::opus::Modes>,
    /// Audio lost inside the stream, filled with silence; one tick of the stream's clock
    /// (seconds; infinite where gaps are not told), on which frames are stamped; the rate.
    gaps: super::Gaps,
    tick_s: f64,
    sample_rate: u32,
}

/// Opens the best audio stream of `path` with libavcodec.
pub(crate) fn open(
    path: &Path,
    block_frames: usize,
    want: Option<usize>,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    let ictx = open_input(path)?;
    let listing = |numbered: bool| {
        super::stream_listing(ictx.streams().map(|s| {
            let kind = format!(
                "{:?} {}",
                s.parameters().medium(),
                s.parameters().id().name()
            )
            .to_lowercase();
            if numbered {
                format!("{} {kind}", s.index())
            } else {
                kind
            }
        }))
    };
    let chosen = match want {
        None => ictx.streams().best(ff::media::Type::Audio),
        Some(n) => ictx
            .stream(n)
            .filter(|s| s.parameters().medium() == ff::media::Type::Audio),
    };
    let Some(stream) = chosen else {
        let problem = match want {
            None => format!("no audio track (streams: {})", listing(false)),
            Some(n) => format!("there is no audio stream {n} (streams: {})", listing(true)),
        };
        return Err(Error::media(path, problem));
    };
    let stream_index = stream.index();
    let codec = stream.parameters().id().name().to_string();
    let tb = stream.time_base();
    let ctx = ff::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| Error::media(path, format!("{codec} stream parameters: {e}")))?;
    let mut decoder = ctx.decoder().audio().map_err(|_| Error::UnsupportedCodec {
        path: path.to_path_buf(),
        codec: codec.clone(),
        hint: "this FFmpeg build has no decoder for it".into(),
    })?;
    // Frames stamped on the stream's clock, so that audio lost inside it can be told
    // (`Gaps`); not for Vorbis, whose frames libavcodec stamps at their packets' times, not at
    // the audio they give. Without a clock, no gap can be told.
    decoder.set_packet_time_base(tb);
    // Nor for a DAV file's: libavformat stamps its frames on the recorder's whole seconds
    // (`dhav.rs` reads its millisecond counter instead), so they jump where a second begins.
    let dav = ictx.format().name() == "dhav";
    let tick_s = if tb.numerator() > 0 && tb.denominator() > 0 && codec != "vorbis" && !dav {
        f64::from(tb.numerator()) / f64::from(tb.denominator())
    } else {
        f64::INFINITY
    };
    let first = first_frame(path, stream_index);
    let (rate, channels) = first
        .shape
        .unwrap_or((decoder.rate(), usize::from(decoder.channels())));
    let sample_rate = super::check_sample_rate(path, &codec, rate)?;
    if channels == 0 {
        return Err(Error::media(
            path,
            format!("{codec} stream header claims 0 channels"),
        ));
    }
    let decoder_name = decoder
        .codec()
        .map_or_else(|| codec.clone(), |c| c.name().to_string());
    let profile = decoder.profile();
    let opus = codec == "opus";
    // AMR's codec delay, which no container states (`amr.rs`), dropped as the other backend
    // drops it.
    let amr = super::amr::Variant::of_name(&codec);
    let amr_delay = amr.map_or(0, super::amr::Variant::codec_delay);
    let info = AudioInfo {
        backend: "ffmpeg".into(),
        decoder: format!("libavcodec {decoder_name}"),
        codec,
        stream_index,
        sample_rate,
        channels,
        // libavcodec trims the priming itself; the demuxer says how much when it marks it.
        priming_frames: first.priming_frames + amr_delay,
        priming_source: if first.priming_marked {
            Some("skip-samples side data, removed by libavcodec".into())
        } else if let Some(v) = amr {
            Some(format!(
                "the {} codec's delay, its encoder's look-ahead",
                v.name()
            ))
        } else if opus {
            Some("OpusHead pre-skip, removed by libavcodec (not counted here)".into())
        } else {
            None
        },
        start_s: first
            .start_s
            .filter(|&s| s >= super::MATROSKA_START_TOLERANCE_S)
            .map_or(0.0, |s| (s * 1e6).round() / 1e6),
    };
    let mut health = PacketHealth::new(path);
    if let Some(w) = super::damage(path, &info.codec, info.sample_rate, false) {
        health.warn(w);
    }
    if first.matroska && super::symphonia::cut_matroska(path) {
        // libavformat stops at the cut without a word.
        health.warn(super::symphonia::TRUNCATED);
    }
    let sbr = info.codec == "aac"
        && matches!(
            profile,
            ff::codec::Profile::AAC(
                ff::codec::profile::AAC::HE
                    | ff::codec::profile::AAC::HEv2
                    | ff::codec::profile::AAC::MPEG2HE
            )
        );
    if info.codec == "aac" && !first.priming_marked {
        // MPEG-TS, ADTS and Matroska carry no priming figure for AAC, nor does an MP4
        // without an edit list that skips it: the other backend's words.
        health.warn(super::aac_priming_unknown(first.mp4, sbr));
    }
    if sbr && first.priming_marked {
        // Measured on tests/fixtures/timing/impulses_he*.m4a (fdk-aac, the edit list skipping
        // exactly the encoder's delay): libavcodec 5.1 put every impulse 1863 samples early
        // (HE-AAC) and 886 late (v2); rusty_aac, following the edit list, to the sample.
        health.warn(HE_AAC_SKIP);
    }
    if matches!(info.codec.as_str(), "mp3" | "mp2" | "mp1") && !first.priming_marked && !first.mp4 {
        health.warn(super::mpeg_audio_priming_unknown(&info.codec));
    }
    if amr.is_some() {
        health.warn(super::amr::FFMPEG_WARNING);
    }
    if dav {
        health.warn(super::dhav::FFMPEG_WARNING);
    }
    let source = Source {
        ictx,
        decoder,
        stream_index,
        channels,
        timeline: Timeline::new(channels, amr_delay, None, block_frames),
        frame: ff::frame::Audio::empty(),
        chunk: vec![Vec::new(); channels],
        eof_sent: false,
        finished: false,
        health,
        opus_modes: (info.codec == "opus").then(super::opus::Modes::default),
        gaps: super::Gaps::new(sample_rate, tick_s),
        tick_s,
        sample_rate,
    };
    Ok((info, Box::new(source)))
}

/// The warning for HE-AAC whose priming libavformat marks to skip, which libavcodec does not
/// skip exactly.
const HE_AAC_SKIP: &str = "libavcodec does not skip the encoder delay of HE-AAC exactly as the \
     MP4 edit list gives it: on test files it put the audio 39 ms early (HE-AAC) and 18 ms late \
     (HE-AAC v2), so times may be off by tens of milliseconds; the default backend (without \
     `--backend ffmpeg`) follows the edit list to the sample";

/// Converts one decoded frame to planar f32 in `out`.
fn frame_to_planar(
    frame: &ff::frame::Audio,
    channels: usize,
    out: &mut [Vec<f32>],
) -> std::result::Result<(), String> {
    let n = frame.samples();
    if usize::from(frame.channels()) != channels {
        return Err(format!(
            "channel count changed mid-stream ({channels} -> {})",
            frame.channels()
        ));
    }
    let fmt = frame.format();
    let (planar, bytes) = match fmt {
        Sample::U8(t) => (t == SampleType::Planar, 1),
        Sample::I16(t) => (t == SampleType::Planar, 2),
        Sample::I32(t) | Sample::F32(t) => (t == SampleType::Planar, 4),
        Sample::I64(t) | Sample::F64(t) => (t == SampleType::Planar, 8),
        Sample::None => return Err("decoder produced no sample format".into()),
    };
    if planar && channels > MAX_PLANAR_CHANNELS {
        return Err(format!(
            "{channels} planar channels (at most {MAX_PLANAR_CHANNELS} supported)"
        ));
    }
    let conv = |b: &[u8]| -> f32 {
        match fmt {
            Sample::U8(_) => (f32::from(b[0]) - 128.0) / 128.0,
            Sample::I16(_) => f32::from(i16::from_ne_bytes([b[0], b[1]])) / 32_768.0,
            Sample::I32(_) => i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
            Sample::F32(_) => f32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
            Sample::I64(_) => {
                i64::from_ne_bytes(b[..8].try_into().unwrap_or_default()) as f32 / 9.223_372e18
            }
            Sample::F64(_) => f64::from_ne_bytes(b[..8].try_into().unwrap_or_default()) as f32,
            Sample::None => 0.0,
        }
    };
    for (c, plane) in out.iter_mut().enumerate().take(channels) {
        plane.clear();
        if planar {
            let data = frame.data(c);
            if data.len() < n * bytes {
                return Err("short audio plane".into());
            }
            plane.extend(data[..n * bytes].chunks_exact(bytes).map(conv));
        } else {
            let data = frame.data(0);
            if data.len() < n * bytes * channels {
                return Err("short interleaved audio buffer".into());
            }
            plane.extend(
                data[..n * bytes * channels]
                    .chunks_exact(bytes)
                    .skip(c)
                    .step_by(channels)
                    .map(conv),
            );
        }
    }
    Ok(())
}

impl Source {
    /// Moves every frame the decoder has ready onto the timeline.
    fn drain_frames(&mut self) -> std::result::Result<(), String> {
        while self.decoder.receive_frame(&mut self.frame).is_ok() {
            frame_to_planar(&self.frame, self.channels, &mut self.chunk)?;
            if let Some(pts) = self.frame.pts().or(self.frame.timestamp()) {
                let frames = self.chunk.first().map_or(0, Vec::len);
                let at_s = self.timeline.emitted() as f64 / f64::from(self.sample_rate);
                let fill = self
                    .gaps
                    .before(pts as f64 * self.tick_s, None, frames, at_s);
                if fill > 0 {
                    self.timeline
                        .push(&vec![vec![0.0; fill as usize]; self.channels]);
                }
            }
            self.timeline.push(&self.chunk);
        }
        Ok(())
    }
}

impl BlockSource for Source {
    fn next_block(&mut self) -> Result<Option<AudioBlock>> {
        loop {
            if let Some(b) = self.timeline.take(false) {
                return Ok(Some(b));
            }
            if self.finished {
                self.health.finish();
                return Ok(self.timeline.take(true));
            }
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.ictx) {
                Ok(()) => {
                    if packet.stream() != self.stream_index {
                        continue;
                    }
                    if let (Some(modes), Some(data)) = (&mut self.opus_modes, packet.data()) {
                        modes.count(data);
                    }
                    let sent = self.decoder.send_packet(&packet).map_err(|e| e.to_string());
                    let result = sent.and_then(|()| self.drain_frames());
                    match result {
                        Ok(()) => self.health.good(),
                        Err(msg) => {
                            if !self.health.bad(msg)? {
                                self.finished = true;
                            }
                        }
                    }
                }
                Err(ff::Error::Eof) => {
                    if !self.eof_sent {
                        self.eof_sent = true;
                        let _ = self.decoder.send_eof();
                        if let Err(msg) = self.drain_frames() {
                            self.health.warn(format!("final frames not decoded: {msg}"));
                        }
                    }
                    self.finished = true;
                }
                Err(ff::Error::InvalidData) => {
                    if !self.health.bad("invalid data in the container".into())? {
                        self.finished = true;
                    }
                }
                Err(e) => {
                    self.health.warn(format!("demuxing stopped early: {e}"));
                    self.finished = true;
                }
            }
        }
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = self.health.warnings();
        w.extend(self.gaps.warnings());
        w.extend(self.opus_modes.and_then(|m| m.warning()));
        w
    }
}

/// The video frame on screen at `t_s` seconds on the container's timeline (from
/// [`timeline_origin_s`]; the last frame whose presentation time is at or before it), scaled to
/// at most `max_width` pixels wide; `None` when the file has no video stream or no frame could
/// be decoded there.
///
/// # Errors
/// The file cannot be opened by libavformat.
pub fn video_frame_at(path: &Path, t_s: f64, max_width: u32) -> Result<Option<Still>> {
    let mut ictx = open_input(path)?;
    let Some(stream) = ictx.streams().best(ff::media::Type::Video) else {
        return Ok(None);
    };
    let index = stream.index();
    let tb = stream.time_base();
    let start = timeline_origin_s(&ictx);
    let Ok(ctx) = ff::codec::context::Context::from_parameters(stream.parameters()) else {
        return Ok(None);
    };
    let Ok(mut decoder) = ctx.decoder().video() else {
        return Ok(None);
    };
    // Seek to the key frame at or before the instant (timestamps in AV_TIME_BASE units), then
    // decode forward.
    let ts = ((t_s + start).max(0.0) * f64::from(ff::ffi::AV_TIME_BASE)) as i64;
    let _ = ictx.seek(ts, ..ts);
    let mut frame = ff::frame::Video::empty();
    let mut shown: Option<(f64, ff::frame::Video)> = None;
    let mut take = |decoder: &mut ff::decoder::Video,
                    shown: &mut Option<(f64, ff::frame::Video)>| {
        let mut past = false;
        while decoder.receive_frame(&mut frame).is_ok() {
            let pts = frame
                .timestamp()
                .and_then(|p| seconds(p, tb))
                .map_or(f64::NAN, |p| p - start);
            if pts.is_nan() || pts <= t_s + 1e-6 || shown.is_none() {
                *shown = Some((pts, frame.clone()));
            }
            if pts > t_s + 1e-6 {
                past = true;
            }
        }
        past
    };
    let mut packets = 0usize;
    loop {
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) if packet.stream() == index => {
                packets += 1;
                if decoder.send_packet(&packet).is_ok() && take(&mut decoder, &mut shown) {
                    break;
                }
                // A long GOP is bounded: a few seconds of frames at most.
                if packets > 2000 {
                    break;
                }
            }
            Ok(()) => {}
            Err(_) => {
                let _ = decoder.send_eof();
                take(&mut decoder, &mut shown);
                break;
            }
        }
    }
    let Some((time_s, f)) = shown else {
        return Ok(None);
    };
    let (w, h) = (f.width(), f.height());
    if w == 0 || h == 0 {
        return Ok(None);
    }
    let dw = w.min(max_width.max(16));
    let dh = ((u64::from(h) * u64::from(dw) / u64::from(w)).max(1) as u32) & !1;
    let Ok(mut scaler) = ff::software::scaling::Context::get(
        f.format(),
        w,
        h,
        ff::format::Pixel::RGB24,
        dw,
        dh.max(2),
        ff::software::scaling::Flags::BILINEAR,
    ) else {
        return Ok(None);
    };
    let mut rgb = ff::frame::Video::empty();
    if scaler.run(&f, &mut rgb).is_err() {
        return Ok(None);
    }
    let stride = rgb.stride(0);
    let data = rgb.data(0);
    let row = dw as usize * 3;
    let mut out = Vec::with_capacity(row * rgb.height() as usize);
    for y in 0..rgb.height() as usize {
        out.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    Ok(Some(Still {
        width: dw,
        height: rgb.height(),
        time_s: if time_s.is_finite() { time_s } else { t_s },
        rgb: out,
    }))
}
