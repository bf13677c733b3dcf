//! The pure-Rust backend: symphonia 0.6 demuxes and decodes, `opus.rs` decodes Opus, and
//! `isobmff.rs` supplies the MP4 edit list symphonia ignores.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::video::VideoCodecId;
use symphonia::core::codecs::video::well_known as wv;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::TimeBase;

use super::opus::{DefaultOpus, MAX_FRAMES_PER_PACKET, Modes, OpusHead, OpusPacketDecoder};
use super::{AudioBlock, AudioInfo, BlockSource, Described, PacketHealth, Timeline, isobmff};
use crate::error::{Error, Result};
use crate::model::{Container, Stream};
use crate::units::{rescale, round_to};

/// A demuxer opened on a file, with the MP4 facts when it is one.
pub(crate) struct Opened {
    pub format: Box<dyn FormatReader>,
    pub mp4: Option<isobmff::Mp4Meta>,
    /// The file's first bytes, for naming what it is.
    pub head: Vec<u8>,
    /// What the decoder's warnings should say of how the file was opened (a WAV header
    /// never finished, read to the end of the file).
    pub notes: Vec<String>,
    /// Silence the container's time stamps call for in the audio (an MPEG-TS stream's gaps):
    /// (the index of the packet it goes before, samples at the stream's coded rate).
    pub fills: Vec<(u64, u64)>,
}

/// Bytes read from the start of a file to recognise its type.
const HEAD_BYTES: usize = 1024;

/// The EBML header's ID, which opens every Matroska/WebM file.
const EBML_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];

/// Opens the container of `path` with symphonia's probe.
pub(crate) fn open_format(path: &Path, file: File) -> Result<Opened> {
    open_format_with(path, file, Vec::new())
}

/// Opens the container of `path` as [`open_format`]; an MPEG audio or ADTS file whose chain of
/// frames breaks is opened again with the damaged bytes read as zeros, and its damage returned.
/// Its reader counts the frames it finds and stamps them so, joining the audio on either side
/// of the damage, and may read a false frame out of the damaged bytes (swallowing the true one
/// after it); with the damage read as zeros it gives exactly the frames of the chain, and the
/// silence of the frames lost can be put before the packet that follows each break
/// (`Source::lost`).
fn open_format_mended(path: &Path, file: File) -> Result<(Opened, Option<super::mpa::Damage>)> {
    let opened = match open_format(path, file) {
        Ok(opened) => opened,
        Err(e) => return Err(mpeg_start_error(path, None).unwrap_or(e)),
    };
    let short = opened.format.format_info().short_name;
    if !matches!(short, "mp1" | "mp2" | "mp3" | "aac") {
        return Ok((opened, None));
    }
    if let Some(e) = mpeg_track(&opened).and_then(|found| mpeg_start_error(path, Some(found))) {
        return Err(e);
    }
    let Some(d) = super::mpa::damage(path) else {
        return Ok((opened, None));
    };
    let zeros: Vec<_> = d.list.iter().map(|b| (b.at, b.at + b.bytes)).collect();
    let file = File::open(path).map_err(|e| Error::read(path, &e))?;
    Ok((open_format_with(path, file, zeros)?, Some(d)))
}

/// An MPEG audio file whose opening frames (`mpa::stream_start`) name another layer or sample
/// rate than the stream symphonia's reader found (`found`: the layer and rate of its first
/// audio track), or that it could not open at all (`None`) while those frames carry a bit rate
/// the standard does not allow in their channel mode, was not read from its frames: the reader
/// refuses such a frame and searches on, and either finds nothing ("not a recognised media
/// file") or locks onto a false header inside the audio data, giving noise on a wrong clock
/// (a 3 s mono MP2 at 384 kbit/s, 48 kHz, read as 0.65 s of MP1 at 32 kHz). The error says
/// what the frames are, and lets the `ffmpeg` backend, which reads such files, have its chance.
fn mpeg_start_error(path: &Path, found: Option<(u8, Option<u32>)>) -> Option<Error> {
    let start = File::open(path).ok().and_then(|mut f| {
        let len = f.metadata().ok()?.len();
        super::mpa::stream_start(&mut f, len)
    })?;
    let finds = match found {
        Some((layer, rate))
            if layer == start.layer && rate.is_none_or(|r| r == start.sample_rate) =>
        {
            return None;
        }
        Some((layer, rate)) => format!("finds layer {layer} at {} Hz", rate.unwrap_or(0)),
        None if start.disallowed_rate_kbps.is_some() => "finds no stream".to_string(),
        None => return None,
    };
    let why = start.disallowed_rate_kbps.map_or(String::new(), |kbps| {
        let mode = if start.mono { "mono" } else { "two channels" };
        format!(
            " (its first frame's bit rate, {kbps} kbit/s, is one the MPEG standard does not \
             allow in {mode}, and that reader refuses it)"
        )
    });
    Some(Error::media(
        path,
        format!(
            "its frames are MPEG audio layer {} at {} Hz, but the pure-Rust reader {finds}{why}; \
             rebuild with `cargo build --release --features ffmpeg` (needs FFmpeg's development \
             libraries) to read it",
            start.layer, start.sample_rate,
        ),
    ))
}

/// The layer and sample rate of the first audio track of `opened`, if it is MPEG audio.
fn mpeg_track(opened: &Opened) -> Option<(u8, Option<u32>)> {
    opened
        .format
        .tracks()
        .iter()
        .find_map(|t| match &t.codec_params {
            Some(CodecParameters::Audio(a)) => match a.codec {
                wa::CODEC_ID_MP1 => Some((1, a.sample_rate)),
                wa::CODEC_ID_MP2 => Some((2, a.sample_rate)),
                wa::CODEC_ID_MP3 => Some((3, a.sample_rate)),
                _ => None,
            },
            _ => None,
        })
}

/// The containers symphonia does not read, read here: AVI (dashcams, CCTV, older body cameras:
/// `avi.rs`), AMR storage files (`.amr`, `.awb`: call recorders, older phones: `amr.rs`),
/// MPEG-TS and M2TS (HLS segments, broadcast, camcorders: `mpegts.rs`), MPEG-PS (`.mpg`, DVD
/// `.vob`: `mpegps.rs`); `file` back when it is none of them.
fn open_ours(
    path: &Path,
    file: File,
    head: &[u8],
) -> Result<std::result::Result<super::splice::Opened, File>> {
    Ok(Ok(if super::avi::is_avi(head) {
        let (format, notes) = super::avi::open(path, file)?;
        (format, notes, Vec::new())
    } else if let Some(v) = super::amr::storage_variant(head) {
        super::amr::open(path, file, v)?
    } else if let Some(framing) = super::mpegts::framing(head) {
        super::mpegts::open(path, file, framing)?
    } else if super::mpegps::is_program_stream(head) {
        super::mpegps::open(path, file)?
    } else if super::dhav::dav_start(head).is_some() {
        super::dhav::open(path, file)?
    } else {
        return Ok(Err(file));
    }))
}

/// Opens the container of `path` as [`open_format`], with the byte stretches `zeros` (start,
/// end; in order and apart) read as zeros: the damage between an MPEG audio file's frames
/// (`mpa::Damage`), so that the reader finds no false frame in it and gives exactly the
/// frames of the chain.
fn open_format_with(path: &Path, mut file: File, zeros: Vec<(u64, u64)>) -> Result<Opened> {
    let head = read_head(&mut file).map_err(|e| Error::read(path, &e))?;
    let mut file = match open_ours(path, file, &head)? {
        Ok((format, notes, fills)) => {
            return Ok(Opened {
                format,
                mp4: None,
                head,
                notes,
                fills,
            });
        }
        Err(file) => file,
    };
    // The ISO BMFF walker reads only box headers and `moov`; errors there are not fatal for
    // decoding, but a hostile `moov` is refused outright.
    let mp4 = match isobmff::read(&mut file) {
        Ok(m) => m,
        // A recording never finalised: its audio looked for frame by frame.
        Err(e) if isobmff::lacks_moov(&e) => {
            let (format, notes) = super::moovless::open(path, file)?;
            return Ok(Opened {
                format,
                mp4: None,
                head,
                notes,
                fills: Vec::new(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err(Error::media(path, e.to_string()));
        }
        Err(_) => None,
    };
    // A type symphonia does not read is named before its probe runs: the probe scans for an
    // elementary stream's sync words, finds the ADTS headers inside an MPEG-TS file's packets
    // and "opens" it as raw AAC, which decodes to garbage (a 2 s TS clip read as 0.64 s, a
    // peak of +18 dBFS) behind a warning or two.
    if super::sniff::identify(&head).is_some() {
        return Err(open_error(
            path,
            &SymError::Unsupported("container type named by its first bytes"),
            &head,
        ));
    }
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut notes = Vec::new();
    let len = file.metadata().map_or(0, |m| m.len());
    let unfinished = super::wav::is_wav(&head)
        .then(|| super::riff::unfinished(&mut file, len))
        .flatten();
    let ds64 = super::riff::ds64(&mut file, len);
    std::io::Seek::rewind(&mut file).map_err(|e| Error::read(path, &e))?;
    let mut patches = Vec::new();
    if let Some(u) = unfinished {
        notes.push(unfinished_warning(&u, len));
        patches = u.patches(len);
    }
    if let Some(d) = ds64 {
        notes.extend(d.warning());
        patches = d.patches(len);
    }
    // An MP4 whose index comes first, cut inside its media data (a partial download):
    // symphonia's reader decoded nothing of it ("no atom pending read") until the `mdat` box
    // is given the size the file holds; it then reads to the cut, which it reports.
    if let Some(cut) = mp4.as_ref().and_then(|m| m.cut_mdat) {
        patches.push(cut.patch());
    }
    // A video configuration box larger than symphonia's reader takes (x265's `hvcC`) is made a
    // `free` box, which it passes over: the audio does not need it.
    if let Some(m) = &mp4 {
        patches.extend(
            m.oversized_video_configs
                .iter()
                .map(|&at| (at, b"free".to_vec())),
        );
    }
    // A Matroska/WebM file cut short (a partial download): symphonia's reader refused it (its
    // Segment runs past the end of the file, and its SeekHead points at Cues that are not
    // there) until the Segment and the cut Cluster are given the unknown length a live writer
    // gives them and the entries pointing past the end are made Void; it then reads to the cut,
    // which it reports.
    if head.starts_with(&EBML_MAGIC) {
        if let Some(cut) = super::ebml::cut_patches(&mut file, len) {
            patches.extend(cut);
        } else if let Some(d) = super::ebml::damaged_clusters(&mut file, len) {
            notes.push(super::ebml::damage_warning(&d));
            patches.extend(d.patches);
        }
        std::io::Seek::rewind(&mut file).map_err(|e| Error::read(path, &e))?;
    }
    let source: Box<dyn symphonia::core::io::MediaSource> = if patches.is_empty()
        && zeros.is_empty()
    {
        Box::new(file)
    } else {
        Box::new(PatchedFile(
            super::riff::Patched::new(file, patches, zeros).map_err(|e| Error::read(path, &e))?,
            len,
        ))
    };
    let mss = MediaSourceStream::new(source, Default::default());
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| open_error(path, &e, &head))?;
    // AMR in a 3GP/MP4 (phone videos), G.711 and IMA ADPCM in MOV/MP4, whose sample entries
    // symphonia's reader does not know.
    let format = match &mp4 {
        Some(m) => super::mp4amend::amend_mp4(format, m),
        None => format,
    };
    Ok(Opened {
        format,
        mp4,
        head,
        notes,
        fills: Vec::new(),
    })
}

/// The warning for a WAV file read past the length its header gives ([`super::riff::Unfinished`]).
fn unfinished_warning(u: &super::riff::Unfinished, len: u64) -> String {
    format!(
        "the WAV header was never finished: it gives its audio a length of {} (as a recorder \
         that stopped before closing the file, or a program writing to a pipe, leaves it); the \
         audio is read to the end of the file, {} bytes{}",
        if u.declared == 0 {
            "0".to_string()
        } else {
            format!("0x{:08x} (unknown)", u.declared)
        },
        u.actual,
        if u64::from(u.actual) + u.length_at + 4 < len {
            " (what follows did not fill a whole frame, or is past what a RIFF length can say)"
        } else {
            ""
        }
    )
}

/// A [`super::riff::Patched`] file for symphonia, with its length.
struct PatchedFile(super::riff::Patched<File>, u64);

impl std::io::Read for PatchedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl std::io::Seek for PatchedFile {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(to)
    }
}

impl symphonia::core::io::MediaSource for PatchedFile {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.1)
    }
}

/// The first [`PROBE_PACKETS`] packets of track `track_id`, from a second reader of `path` (the
/// first has not been read yet and stays at the start). A video's packets may come a second or
/// more ahead of its audio's: they are passed over, up to [`FIRST_PACKET_MAX_PACKETS`] in all.
fn first_packets(
    path: &Path,
    track_id: u32,
) -> Option<impl Iterator<Item = symphonia::core::packet::Packet>> {
    let file = File::open(path).ok()?;
    let Opened { mut format, .. } = open_format(path, file).ok()?;
    Some(
        std::iter::from_fn(move || format.next_packet().ok().flatten())
            .take(FIRST_PACKET_MAX_PACKETS)
            .filter(move |p| p.track_id == track_id)
            .take(PROBE_PACKETS),
    )
}

/// The channel count of the first decodable packet of track `track_id` of `path`; `None` when
/// none of its first packets decodes.
fn first_packet_channels(
    path: &Path,
    track_id: u32,
    params: &symphonia::core::codecs::audio::AudioCodecParameters,
) -> Option<usize> {
    let mut dec = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .ok()?;
    first_packets(path, track_id)?.find_map(|packet| {
        let buf = dec.decode(&packet).ok()?;
        Some(buf.num_planes()).filter(|&n| n > 0)
    })
}

/// What the first decodable packet of track `track_id` of `path` gives with `rusty_aac`.
fn first_aac_shape(
    path: &Path,
    track_id: u32,
    config: &super::aac::Config,
) -> Option<super::aac::Shape> {
    super::aac::shape(config, first_packets(path, track_id)?.map(|p| p.data))
}

/// How far into a Matroska or WebM file (s, on its other tracks' packets) [`first_packet_s`]
/// looks for the audio track's first packet. Blocks are interleaved by time, so the audio's
/// first comes about where it is stamped; a fixed count of packets (64, before) stopped 2 s
/// into a 30 fps video, and audio placed 3 s in read as starting with the file.
const FIRST_PACKET_SCAN_S: f64 = 60.0;

/// At most this many packets are read by [`first_packet_s`] whatever their times (a file whose
/// other tracks carry no usable time stamps).
const FIRST_PACKET_MAX_PACKETS: usize = 20_000;

/// The presentation time (s) of the first packet of track `track_id` in a Matroska or WebM
/// file, from a second reader of `path`: the container places the track there on the
/// segment's timeline. `None` when no packet of the track comes before the other tracks'
/// packets pass [`FIRST_PACKET_SCAN_S`] (or [`FIRST_PACKET_MAX_PACKETS`] are read), or the
/// track has no time base.
fn first_packet_s(path: &Path, track_id: u32, time_base: Option<TimeBase>) -> Option<f64> {
    let seconds =
        |tb: TimeBase, ts: i64| ts as f64 * f64::from(tb.numer.get()) / f64::from(tb.denom.get());
    let tb = time_base?;
    let file = File::open(path).ok()?;
    let Opened { mut format, .. } = open_format(path, file).ok()?;
    let bases: Vec<(u32, Option<TimeBase>)> = format
        .tracks()
        .iter()
        .map(|t| (t.id, t.time_base))
        .collect();
    for _ in 0..FIRST_PACKET_MAX_PACKETS {
        let packet = format.next_packet().ok()??;
        if packet.track_id == track_id {
            return Some(seconds(tb, packet.pts.get()));
        }
        let other = bases
            .iter()
            .find(|(id, _)| *id == packet.track_id)
            .and_then(|(_, b)| *b);
        if other.is_some_and(|b| seconds(b, packet.pts.get()) > FIRST_PACKET_SCAN_S) {
            return None;
        }
    }
    None
}

/// The pieces an edit-list warning names before "..." (a hostile file may hold thousands).
const MAX_PIECES_LISTED: usize = 6;

/// The warning for an MP4 edit list that presents `pieces` of the audio track (media frames
/// at `sample_rate`): the file was cut without re-encoding, and the report's times are the
/// joined pieces', as a player presents them.
fn edited_warning(pieces: &[(u64, u64)], sample_rate: u32) -> String {
    let sr = f64::from(sample_rate);
    // Counted from the first piece's start (after the priming), as the recording's own time.
    let zero = pieces.first().map_or(0, |&(f, _)| f);
    let mut list: Vec<String> = pieces
        .iter()
        .take(MAX_PIECES_LISTED)
        .map(|&(f, n)| {
            let at = f.saturating_sub(zero) as f64 / sr;
            format!("{at:.3}-{:.3} s", at + n as f64 / sr)
        })
        .collect();
    if pieces.len() > MAX_PIECES_LISTED {
        list.push("...".into());
    }
    let first_end = pieces.first().map_or(0, |&(_, n)| n) as f64 / sr;
    format!(
        "the MP4 edit list presents {} pieces of the audio track (media {}): the file was \
         edited without re-encoding; the report joins them as a player does, so from {first_end:.3} \
         s on a time here is not the time in the recorded media",
        pieces.len(),
        list.join(", ")
    )
}

/// A file that ends inside a packet, in the words both the decoder and `describe`'s census
/// use (the report gives a warning once for both).
pub(crate) const TRUNCATED: &str = "the file is truncated: it ends in the middle of a packet";

/// A demuxing error part-way through, in the words both the decoder and `describe`'s census
/// use.
fn corrupt_part_way(e: &SymError) -> String {
    format!("the stream is corrupt part-way through: {e}")
}

/// How many packets [`first_packet_channels`] reads before giving up.
const PROBE_PACKETS: usize = 64;

/// The first [`HEAD_BYTES`] bytes of `file`, leaving it rewound.
fn read_head(file: &mut File) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    let mut head = Vec::with_capacity(HEAD_BYTES);
    file.by_ref()
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    file.rewind()?;
    Ok(head)
}

/// Words for a failure to open a container.
/// A file whose first bytes name a type symphonia does not read is called that, whatever the
/// probe's error: an MPEG-TS file made it scan for MP3 frames to the end and report "file ends
/// before its header is complete (truncated?)".
fn open_error(path: &Path, e: &SymError, head: &[u8]) -> Error {
    let unread = |what: &str| {
        Error::media(
            path,
            format!(
                "this is {what}, which the pure-Rust decoders cannot read; {}",
                ffmpeg_hint()
            ),
        )
    };
    if let (SymError::Unsupported(_), Some(what)) = (e, super::sniff::unread_wave_codec(head)) {
        return unread(&what);
    }
    if let Some(what) = super::sniff::unread_ogg_codec(head) {
        return unread(what);
    }
    match super::sniff::identify(head) {
        Some(what) if what.contains("not media") => {
            return Error::media(path, format!("this is {what}"));
        }
        Some(what) => return unread(what),
        None => {}
    }
    // A Matroska/WebM file cut short (a partial download): symphonia's reader refuses it
    // outright, ffmpeg's reads what is there.
    if head.starts_with(&EBML_MAGIC) && cut_matroska(path) {
        return Error::media(
            path,
            format!(
                "a Matroska/WebM file cut short (it ends inside an element: a partial download \
                 or an interrupted copy), which the pure-Rust reader cannot open; {}",
                ffmpeg_hint().replace("to read it", "to read what is there")
            ),
        );
    }
    // An Ogg page among those the reader needs to open the stream fails its checksum:
    // symphonia gives up there, libavformat skips it.
    if let (SymError::DecodeError(msg), true) = (e, head.starts_with(b"OggS"))
        && msg.contains("crc")
    {
        let at = File::open(path)
            .ok()
            .and_then(|mut f| super::ogg::damaged_pages(&mut f))
            .map_or(String::new(), |d| format!(" at byte {}", d.first_at));
        return Error::media(
            path,
            format!(
                "an Ogg page the reader needs to open the stream is damaged (its checksum \
                 fails{at}), and the pure-Rust reader cannot open past it; {}",
                ffmpeg_hint().replace("to read it", "to read what is there")
            ),
        );
    }
    match e {
        SymError::Unsupported(_) => Error::media(
            path,
            "not a recognised media file (unknown container, or corrupt)",
        ),
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::media(path, "file ends before its header is complete (truncated?)")
        }
        SymError::IoError(io) => Error::read(path, io),
        SymError::DecodeError(msg) => {
            Error::media(path, format!("corrupt container header: {msg}"))
        }
        SymError::LimitError(msg) => Error::media(path, format!("refused: {msg}")),
        other => Error::media(path, other.to_string()),
    }
}

/// ffprobe's name for a symphonia audio codec id.
pub(crate) fn audio_codec_name(id: AudioCodecId) -> String {
    let table: &[(AudioCodecId, &str)] = &[
        (wa::CODEC_ID_AAC, "aac"),
        (super::amr::CODEC_ID_AMR_NB, "amr_nb"),
        (super::amr::CODEC_ID_AMR_WB, "amr_wb"),
        (super::mpegts::CODEC_ID_LATM, "aac_latm"),
        (super::mpegts::CODEC_ID_PCM_BLURAY, "pcm_bluray"),
        (super::mpegts::CODEC_ID_TS_OPUS, "opus"),
        (super::mpegts::CODEC_ID_PCM_DVD, "pcm_dvd"),
        (super::mpegts::CODEC_ID_G722_1, "g722_1"),
        (super::mpegts::CODEC_ID_G723_1, "g723_1"),
        (super::mpegts::CODEC_ID_G729, "g729"),
        (super::mpegts::CODEC_ID_SVAC_AUDIO, "svac_audio"),
        (
            super::mpegts::CODEC_ID_DAV_UNKNOWN,
            super::dhav::UNKNOWN_AUDIO_NAME,
        ),
        (wa::CODEC_ID_MP3, "mp3"),
        (wa::CODEC_ID_MP2, "mp2"),
        (wa::CODEC_ID_MP1, "mp1"),
        (wa::CODEC_ID_OPUS, "opus"),
        (wa::CODEC_ID_VORBIS, "vorbis"),
        (wa::CODEC_ID_FLAC, "flac"),
        (wa::CODEC_ID_ALAC, "alac"),
        (wa::CODEC_ID_AC3, "ac3"),
        (wa::CODEC_ID_EAC3, "eac3"),
        (wa::CODEC_ID_DCA, "dts"),
        (wa::CODEC_ID_WMA, "wma"),
        (wa::CODEC_ID_SPEEX, "speex"),
        (wa::CODEC_ID_WAVPACK, "wavpack"),
        (wa::CODEC_ID_TRUEHD, "truehd"),
        (wa::CODEC_ID_PCM_S16LE, "pcm_s16le"),
        (wa::CODEC_ID_PCM_S16BE, "pcm_s16be"),
        (wa::CODEC_ID_PCM_S24LE, "pcm_s24le"),
        (wa::CODEC_ID_PCM_S24BE, "pcm_s24be"),
        (wa::CODEC_ID_PCM_S32LE, "pcm_s32le"),
        (wa::CODEC_ID_PCM_S32BE, "pcm_s32be"),
        (wa::CODEC_ID_PCM_U8, "pcm_u8"),
        (wa::CODEC_ID_PCM_S8, "pcm_s8"),
        (wa::CODEC_ID_PCM_F32LE, "pcm_f32le"),
        (wa::CODEC_ID_PCM_F32BE, "pcm_f32be"),
        (wa::CODEC_ID_PCM_F64LE, "pcm_f64le"),
        (wa::CODEC_ID_PCM_F64BE, "pcm_f64be"),
        (wa::CODEC_ID_PCM_ALAW, "pcm_alaw"),
        (wa::CODEC_ID_PCM_MULAW, "pcm_mulaw"),
        (wa::CODEC_ID_ADPCM_MS, "adpcm_ms"),
        (wa::CODEC_ID_ADPCM_IMA_WAV, "adpcm_ima_wav"),
        (wa::CODEC_ID_ADPCM_IMA_QT, "adpcm_ima_qt"),
    ];
    table.iter().find(|(c, _)| *c == id).map_or_else(
        || format!("unknown audio codec {id}"),
        |(_, n)| (*n).to_string(),
    )
}

/// ffprobe's name for a symphonia video codec id.
pub(crate) fn video_codec_name(id: VideoCodecId) -> String {
    let table: &[(VideoCodecId, &str)] = &[
        (wv::CODEC_ID_H264, "h264"),
        (wv::CODEC_ID_HEVC, "hevc"),
        (wv::CODEC_ID_VP8, "vp8"),
        (wv::CODEC_ID_VP9, "vp9"),
        (wv::CODEC_ID_AV1, "av1"),
        (wv::CODEC_ID_MPEG4, "mpeg4"),
        (wv::CODEC_ID_MPEG2, "mpeg2video"),
        (wv::CODEC_ID_MPEG1, "mpeg1video"),
        (wv::CODEC_ID_H263, "h263"),
        (wv::CODEC_ID_MJPEG, "mjpeg"),
        (wv::CODEC_ID_THEORA, "theora"),
        (wv::CODEC_ID_VVC, "vvc"),
        (wv::CODEC_ID_VC1, "vc1"),
    ];
    table.iter().find(|(c, _)| *c == id).map_or_else(
        || format!("unknown video codec {id}"),
        |(_, n)| (*n).to_string(),
    )
}

/// A short description of a track for messages ("video h264", "audio opus").
pub(crate) fn describe_track(t: &Track) -> String {
    match &t.codec_params {
        Some(CodecParameters::Audio(a)) => format!("audio {}", audio_codec_name(a.codec)),
        Some(CodecParameters::Video(v)) => format!("video {}", video_codec_name(v.codec)),
        Some(CodecParameters::Subtitle(_)) => "subtitle".into(),
        _ => "data".into(),
    }
}

/// The MP4 `trak` that corresponds to symphonia's `track` (same track id, else same order
/// among sound tracks).
pub(crate) fn mp4_track<'a>(
    mp4: &'a isobmff::Mp4Meta,
    tracks: &[Track],
    index: usize,
) -> Option<&'a isobmff::Mp4Track> {
    let id = tracks.get(index)?.id;
    mp4.tracks
        .iter()
        .find(|t| t.track_id == id)
        .or_else(|| mp4.tracks.get(index))
}

/// Parses the `iTunSMPB` gapless tag (" 00000000 00000840 000001C0 ..."): (delay, padding, valid).
fn parse_itunsmpb(v: &str) -> Option<(u64, u64, u64)> {
    let f: Vec<u64> = v
        .split_whitespace()
        .filter_map(|h| u64::from_str_radix(h, 16).ok())
        .collect();
    (f.len() >= 4).then(|| (f[1], f[2], f[3]))
}

/// Opus header from Ogg/Matroska (`OpusHead`) or MP4 (`dOps`, big-endian) extra data.
/// What is said of an Opus stream whose container states neither a header nor a priming
/// figure (ffmpeg's CAF files): its encoder's pre-skip is left in.
const OPUS_PRIMING_UNKNOWN: &str = "the container states no Opus header and no priming: the \
     encoder's pre-skip (312 samples, 6.5 ms, from libopus) is left at the start, so times may \
     be that much late against the original recording (as in ffmpeg)";

/// The Opus header of a stream whose container states none (CAF): mono or stereo at the
/// container's rate, `pre_skip` samples of priming (its packet table's), no gain.
fn unstated_opus_head(
    params: &symphonia::core::codecs::audio::AudioCodecParameters,
    channels: usize,
    pre_skip: u32,
) -> std::result::Result<OpusHead, String> {
    let ch = u8::try_from(channels)
        .ok()
        .filter(|c| (1..=2).contains(c))
        .ok_or_else(|| format!("no Opus header in the container, and {channels} channels"))?;
    let mut h = b"OpusHead".to_vec();
    h.extend([1, ch]);
    h.extend(u16::try_from(pre_skip).unwrap_or(u16::MAX).to_le_bytes());
    h.extend(params.sample_rate.unwrap_or(48_000).to_le_bytes());
    h.extend([0, 0, 0]);
    OpusHead::parse(&h)
}

fn opus_head(extra: Option<&[u8]>) -> std::result::Result<OpusHead, String> {
    let b = extra.ok_or("no Opus header in the container")?;
    if b.starts_with(b"OpusHead") {
        return OpusHead::parse(b);
    }
    // dOps: Version, OutputChannelCount, PreSkip(BE16), InputSampleRate(BE32), OutputGain(BE16),
    // ChannelMappingFamily, [StreamCount, CoupledCount, ChannelMapping...]. Re-pack as OpusHead.
    if b.len() < 11 {
        return Err("short dOps Opus header".into());
    }
    let mut h = b"OpusHead".to_vec();
    h.push(1);
    h.push(b[1]);
    h.extend_from_slice(&u16::from_be_bytes([b[2], b[3]]).to_le_bytes());
    h.extend_from_slice(&u32::from_be_bytes([b[4], b[5], b[6], b[7]]).to_le_bytes());
    h.extend_from_slice(&i16::from_be_bytes([b[8], b[9]]).to_le_bytes());
    h.extend_from_slice(&b[10..]);
    OpusHead::parse(&h)
}

enum Dec {
    Symphonia(Box<dyn AudioDecoder>),
    Aac(Box<super::aac::RustyAac>),
    Amr(Box<super::amr::AmrDecoder>),
    Opus {
        dec: Box<DefaultOpus>,
        gain: f32,
        scratch: Vec<f32>,
        /// How the packets decoded so far were coded.
        modes: Modes,
    },
}

struct Source {
    format: Box<dyn FormatReader>,
    track_id: u32,
    channels: usize,
    /// The decoded stream's codec and rate, which a chained stream's next link must share.
    codec: AudioCodecId,
    sample_rate: u32,
    dec: Dec,
    timeline: Timeline,
    chunk: Vec<Vec<f32>>,
    /// Decoded frames still to drop before the timeline: a chained Opus link's pre-skip.
    drop_frames: u64,
    finished: bool,
    health: PacketHealth,
    /// The file, and whether it is Matroska/WebM (whose end [`truncation`] checks).
    path: std::path::PathBuf,
    matroska: bool,
    /// Audio lost inside the stream, filled with silence; and one tick of the track's clock
    /// (seconds), in which packets are stamped.
    gaps: super::Gaps,
    tick_s: f64,
    /// Silence to put in place of an MPEG audio file's lost frames: (the index of the packet
    /// it goes before; frames), in order (`mpa::fills`). Packets of the track read so far, and
    /// the seconds of silence put in so far (added to the packets' stamps, which count only
    /// the frames the reader found).
    lost: std::collections::VecDeque<(u64, u64)>,
    packets: u64,
    lost_s: f64,
    /// Runs of damaged pages in an Ogg stream: the stream's clock (seconds) at the end of the
    /// good page before each and of the good page after it (`ogg::Damage::spans`). Its reader
    /// stamps the page after a lost one from the page before it, so that page's audio would
    /// come early by the loss and the silence (`Gaps`) after it: the audio from where the
    /// damage begins is held until the stamps jump back to the clock, and placed after the
    /// silence.
    mend: std::collections::VecDeque<(f64, f64)>,
    held: Option<Held>,
}

/// The audio of the page after an Ogg stream's damage, held until its place is known.
struct Held {
    planes: Vec<Vec<f32>>,
    /// Where it is stamped (the end of the good page before the damage) and where the good
    /// page after the damage ends (seconds on the stream's clock).
    start_s: f64,
    after_s: f64,
}

impl Held {
    fn frames(&self) -> usize {
        self.planes.first().map_or(0, Vec::len)
    }
}

/// What to say of a file whose reader met the end of the file inside what it was reading: that
/// it is truncated, unless it is a Matroska/WebM file whose last element ends exactly there
/// (written live, with no lengths: symphonia's reader looks for a next element and reports
/// the end of the file as an error), which is complete.
fn truncation(path: &Path, matroska: bool) -> Option<&'static str> {
    let complete = matroska
        && File::open(path).ok().is_some_and(|mut f| {
            let len = f.metadata().map_or(0, |m| m.len());
            super::ebml::ends_inside_element(&mut f, len) == Some(false)
        });
    (!complete).then_some(TRUNCATED)
}

/// The indices (among all streams, as ffprobe numbers them) of the audio streams of `path`,
/// in file order; empty when symphonia cannot open it.
pub(crate) fn audio_stream_indices(path: &Path) -> Vec<usize> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    open_format(path, file).map_or_else(
        |_| Vec::new(),
        |o| {
            o.format
                .tracks()
                .iter()
                .enumerate()
                .filter(|(_, t)| matches!(t.codec_params, Some(CodecParameters::Audio(_))))
                .map(|(i, _)| i)
                .collect()
        },
    )
}

/// Whether the Matroska/WebM file `path` ends inside an element (cut short).
pub(crate) fn cut_matroska(path: &Path) -> bool {
    File::open(path).ok().is_some_and(|mut f| {
        let len = f.metadata().map_or(0, |m| m.len());
        super::ebml::ends_inside_element(&mut f, len) == Some(true)
    })
}

/// Opens `path` with symphonia and prepares its first decodable audio track.
pub(crate) fn open(
    path: &Path,
    file: File,
    block_frames: usize,
    stream: Option<usize>,
) -> Result<(AudioInfo, Box<dyn BlockSource>)> {
    let (
        Opened {
            format,
            mp4,
            notes,
            fills,
            ..
        },
        mpa_damage,
    ) = open_format_mended(path, file)?;
    let mut lost: std::collections::VecDeque<_> = mpa_damage
        .as_ref()
        .map(super::mpa::fills)
        .unwrap_or(fills)
        .into();
    // An Ogg stream's damaged pages, each run bounded by good pages of the one stream.
    let mend: std::collections::VecDeque<(u64, u64)> = if format.format_info().short_name == "ogg" {
        File::open(path)
            .ok()
            .and_then(|mut f| super::ogg::damaged_pages(&mut f))
            .filter(|d| d.one_stream)
            .map(|d| super::ogg::mendable(&d))
            .unwrap_or_default()
            .into()
    } else {
        Default::default()
    };
    let tracks = format.tracks().to_vec();
    let is_audio = |t: &Track| matches!(t.codec_params, Some(CodecParameters::Audio(_)));
    let listing = |numbered: bool| {
        super::stream_listing(tracks.iter().enumerate().map(|(i, t)| {
            let kind = describe_track(t);
            if numbered {
                format!("{i} {kind}")
            } else {
                kind
            }
        }))
    };
    let index = match stream {
        None => match tracks.iter().position(is_audio) {
            Some(i) => i,
            // An MP4/MOV sound track whose sample entry symphonia's reader does not know
            // (AMR in a phone's 3GP, IMA ADPCM in an old QuickTime file) is listed as data:
            // it is named as the unsupported codec it is, not "no audio track".
            None => {
                let sound = mp4.as_ref().and_then(|m| {
                    m.tracks
                        .iter()
                        .find(|t| t.handler_type == "soun")
                        .and_then(|t| t.sample_entry.as_deref())
                });
                return Err(match sound {
                    Some(entry) => Error::UnsupportedCodec {
                        path: path.to_path_buf(),
                        codec: mp4_sample_entry_codec(entry),
                        hint: unsupported_hint(),
                    },
                    None => Error::media(
                        path,
                        format!("no audio track (streams: {})", listing(false)),
                    ),
                });
            }
        },
        Some(n) if tracks.get(n).is_some_and(is_audio) => n,
        Some(n) => {
            return Err(Error::media(
                path,
                format!("there is no audio stream {n} (streams: {})", listing(true)),
            ));
        }
    };
    let track = &tracks[index];
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        unreachable!("the index was checked to be an audio track")
    };
    let mp4_trak = mp4.as_ref().and_then(|m| mp4_track(m, &tracks, index));
    // A codec symphonia's MP4 reader has no id for (µ-law in a MOV) is named by its sample
    // entry.
    let codec = match (
        audio_codec_name(params.codec),
        mp4_trak.and_then(|t| t.sample_entry.as_deref()),
    ) {
        (name, Some(entry)) if name.starts_with("unknown") => mp4_sample_entry_codec(entry),
        (name, _) => name,
    };
    // MP3 in MP4 (`mp4a` with object type 0x6B): the demuxer leaves the channels unset, and
    // the sample entry's count is a placeholder (ffmpeg writes 2 for a mono stream); the
    // frames themselves say, so the first one is decoded to learn it.
    let channels = match params.channels.as_ref().map_or(0, |c| c.count()) {
        0 => first_packet_channels(path, track.id, params).unwrap_or(0),
        n => n,
    };
    let mut skip = 0u64;
    // The stream's length where an MPEG audio file's frames were lost: its reader trims the
    // encoder's padding from the packet that reaches the length a LAME/Xing tag gives, which
    // the packets' stamps, counting only the frames found, no longer reach once silence
    // stands in place of the lost ones.
    let mut limit = if lost.is_empty() {
        None
    } else {
        track.num_frames
    };
    let mut edited = Ok(None);
    let mut priming_source = None;
    let mut priming_frames = 0u64;
    // The rate the decoder chosen gives, where it may not be the container's (AAC).
    let mut out_rate = None;

    let amr = super::amr::Variant::of_codec(params.codec);
    let (dec, decoder_name, channels) = if let Some(v) = amr {
        let d = super::amr::AmrDecoder::new(v).map_err(|m| Error::media(path, m))?;
        let name = d.name();
        (Dec::Amr(Box::new(d)), name, 1)
    } else if params.codec == wa::CODEC_ID_OPUS {
        // A CAF file states no Opus header (ffmpeg's writes no magic cookie): one is made from
        // its description and the priming its packet table gives.
        let unstated = params.extra_data.is_none();
        let head = if unstated {
            unstated_opus_head(params, channels, track.delay.unwrap_or(0))
        } else {
            opus_head(params.extra_data.as_deref())
        }
        .map_err(|m| Error::media(path, format!("Opus stream: {m}")))?;
        let dec = DefaultOpus::new(&head).map_err(|m| Error::media(path, format!("Opus: {m}")))?;
        let name = format!("{} via symphonia demuxer", dec.name());
        // Opus decodes at 48 kHz whatever the rate the recording was made at (RFC 7845, 5.1:
        // OpusHead's input sample rate is "metadata only"); Matroska's SamplingFrequency,
        // which ffmpeg sets to that input rate (16000 for a 16 kHz source), made such a WebM's
        // timeline three times its length.
        out_rate = Some(super::opus::OPUS_RATE_HZ);
        if mp4_trak.is_none() {
            skip = u64::from(head.pre_skip);
            priming_frames = skip;
            priming_source = match (unstated, skip) {
                (false, _) => Some("OpusHead pre-skip".into()),
                (true, 0) => None,
                (true, _) => Some("the container's priming (CAF packet table)".into()),
            };
        }
        let scratch = vec![0.0; MAX_FRAMES_PER_PACKET * head.channels];
        (
            Dec::Opus {
                dec: Box::new(dec),
                gain: head.gain(),
                scratch,
                modes: Modes::default(),
            },
            name,
            head.channels,
        )
    } else {
        let opts = AudioDecoderOptions::default();
        // G.711's coded width is fixed (8 bits, decoded to 16); symphonia's CAF reader states
        // 8 bits a sample, which its decoder refuses ("unexpected bits per sample").
        let g711 = matches!(params.codec, wa::CODEC_ID_PCM_ALAW | wa::CODEC_ID_PCM_MULAW);
        let mut fixed;
        let params = if g711 && params.bits_per_sample.is_some() {
            fixed = params.clone();
            fixed.bits_per_sample = None;
            fixed.bits_per_coded_sample = None;
            &fixed
        } else {
            params
        };
        let made = symphonia::default::get_codecs().make_audio_decoder(params, &opts);
        // AAC that symphonia cannot read, or reads only the half-rate core of, goes to
        // rusty_aac (`aac.rs`), told by what its first packet decodes to.
        let rusty = if params.codec == wa::CODEC_ID_AAC {
            let config = super::aac::Config::of(params);
            first_aac_shape(path, track.id, &config)
                .filter(|&shape| match &made {
                    Ok(d) => {
                        let p = d.codec_params();
                        !super::aac::symphonia_reads(p.sample_rate.unwrap_or(0), channels, shape)
                    }
                    Err(_) => true,
                })
                .and_then(|shape| {
                    super::aac::RustyAac::new(config, shape)
                        .ok()
                        .map(|r| (r, shape))
                })
        } else {
            None
        };
        match (made, rusty) {
            (_, Some((r, shape))) => {
                let name = format!("rusty_aac {}", r.profile().name());
                out_rate = Some(shape.rate);
                if r.profile().doubles_rate() {
                    // A damaged ADTS stream's lost frames and length were counted at the
                    // coded rate.
                    let k = u64::from(shape.rate / r.core_rate().max(1)).max(1);
                    for (_, n) in &mut lost {
                        *n *= k;
                    }
                    limit = limit.map(|n| n * k);
                }
                (Dec::Aac(Box::new(r)), name, shape.channels)
            }
            (Ok(d), None) => {
                if params.codec == wa::CODEC_ID_AAC {
                    out_rate = d.codec_params().sample_rate;
                }
                let name = format!("symphonia {}", d.codec_info().short_name);
                (Dec::Symphonia(d), name, channels)
            }
            (Err(SymError::Unsupported(what)), None) => {
                // AAC that neither decoder reads: saying "unsupported codec 'aac'" alone
                // misleads, the codec being one this build reads.
                let hint = if params.codec == wa::CODEC_ID_AAC {
                    format!(
                        "{}; {}",
                        super::aac::unread(&super::aac::Config::of(params), what),
                        unsupported_hint()
                    )
                } else {
                    unsupported_hint()
                };
                return Err(Error::UnsupportedCodec {
                    path: path.to_path_buf(),
                    codec,
                    hint,
                });
            }
            (Err(e), None) => return Err(Error::media(path, format!("{codec} decoder: {e}"))),
        }
    };
    // Header sanity after the codec question: an unsupported codec is the clearer message.
    // AAC runs at its decoder's rate: the container's can be the coded core's (ADTS HE-AAC)
    // or twice it (an MP4 remuxed from one, read by a decoder of the core).
    let sample_rate =
        super::check_sample_rate(path, &codec, out_rate.or(params.sample_rate).unwrap_or(0))?;
    if channels == 0 {
        return Err(Error::media(
            path,
            format!("{codec} stream header claims 0 channels"),
        ));
    }

    // Container-level delay the decoder does not see: the MP4 edit list, else iTunSMPB.
    if let (Some(t), Some(m)) = (mp4_trak, mp4.as_ref()) {
        let media_rate = u64::from(if t.timescale > 0 {
            t.timescale
        } else {
            sample_rate
        });
        let rate = u64::from(sample_rate);
        if !t.edits.is_empty() {
            skip = rescale(t.skip_ticks(), media_rate, rate);
            priming_frames = skip;
            priming_source = Some("MP4 edit list".into());
            limit = t
                .edited_duration_s(m.movie_timescale)
                .map(|d| (d * sample_rate as f64).round() as u64);
            edited = t.pieces(m.movie_timescale, media_rate, rate);
        } else if let Some((delay, _pad, valid)) = m
            .tags
            .iter()
            .find(|(k, _)| k == "iTunSMPB")
            .and_then(|(_, v)| parse_itunsmpb(v))
        {
            skip = delay;
            priming_frames = delay;
            priming_source = Some("iTunSMPB tag".into());
            limit = (valid > 0).then_some(valid);
        }
    } else if let (Some(delay), Dec::Symphonia(_)) = (track.delay, &dec) {
        // symphonia trims it itself (MP3 LAME/Xing, Ogg granules); record it only.
        if delay > 0 {
            priming_frames = u64::from(delay);
            priming_source = Some(match params.codec {
                wa::CODEC_ID_MP3 | wa::CODEC_ID_MP2 | wa::CODEC_ID_MP1 => "LAME/Xing tag".into(),
                wa::CODEC_ID_VORBIS | wa::CODEC_ID_FLAC => "Ogg granule positions".into(),
                _ => "container delay field".into(),
            });
        }
    }

    // AMR's codec delay, which no container states (`amr.rs`).
    if let Some(v) = amr {
        let delay = v.codec_delay();
        priming_source = Some(match priming_source {
            Some(s) if priming_frames > 0 => format!("{s}, and the {} codec's delay", v.name()),
            _ => format!("the {} codec's delay, its encoder's look-ahead", v.name()),
        });
        skip += delay;
        priming_frames += delay;
        if let Ok(Some(pieces)) = &mut edited {
            for (first, _) in pieces.iter_mut() {
                *first += delay;
            }
        }
    }

    // Where the container presents the first decoded sample (`AudioInfo::start_s`).
    let matroska = format.format_info().short_name == "matroska";
    let start_s = if let (Some(t), Some(m)) = (mp4_trak, mp4.as_ref()) {
        t.start_delay_s(m.movie_timescale)
    } else if matches!(format.format_info().short_name, "avi" | "mpegts" | "mpeg") {
        // An AVI stream's `dwStart`, an MPEG-TS stream's first time stamp against the file's
        // earliest, which `avi.rs` and `mpegts.rs` give as the track's start.
        track
            .time_base
            .map_or(0.0, |tb| {
                track.start_ts.get() as f64 * f64::from(tb.numer.get()) / f64::from(tb.denom.get())
            })
            .max(0.0)
    } else if matroska {
        first_packet_s(path, track.id, track.time_base)
            .map(|first| first + skip as f64 / f64::from(sample_rate))
            .filter(|&s| s >= super::MATROSKA_START_TOLERANCE_S)
            .unwrap_or(0.0)
    } else {
        0.0
    };
    let info = AudioInfo {
        backend: "symphonia".into(),
        decoder: decoder_name,
        codec,
        stream_index: index,
        sample_rate,
        channels,
        priming_frames,
        priming_source,
        start_s: round_to(start_s, 6),
    };
    let mut health = PacketHealth::new(path);
    for note in notes {
        health.warn(note);
    }
    let damage = match &mpa_damage {
        Some(d) => Some(super::mpa::warning(
            d,
            &info.codec.to_uppercase(),
            Some(lost.len()),
        )),
        None => super::damage(path, &info.codec, sample_rate, true),
    };
    if let Some(w) = damage {
        health.warn(w);
    }
    if params.codec == wa::CODEC_ID_AAC
        && info.priming_source.is_none()
        && format.format_info().short_name != super::moovless::SHORT_NAME
    {
        // Matroska and ADTS carry no priming figure for AAC, nor does an MP4 without an edit
        // list or iTunSMPB (ffmpeg's fragmented MP4s); ffmpeg decodes such files the same
        // way, so times agree with it but may be late against the original recording.
        let sbr = matches!(&dec, Dec::Aac(d) if d.profile().doubles_rate());
        health.warn(super::aac_priming_unknown(mp4_trak.is_some(), sbr));
    }
    if params.codec == wa::CODEC_ID_OPUS && info.priming_source.is_none() && mp4_trak.is_none() {
        health.warn(OPUS_PRIMING_UNKNOWN);
    }
    if matches!(
        params.codec,
        wa::CODEC_ID_MP3 | wa::CODEC_ID_MP2 | wa::CODEC_ID_MP1
    ) && info.priming_source.is_none()
        && mp4_trak.is_none()
    {
        health.warn(super::mpeg_audio_priming_unknown(&info.codec));
    }
    let timeline = match edited {
        Ok(Some(pieces)) => {
            health.warn(edited_warning(&pieces, sample_rate));
            Timeline::pieces(
                channels,
                pieces.into_iter().map(|(f, n)| (f, Some(n))).collect(),
                block_frames,
            )
        }
        Ok(None) => Timeline::new(channels, skip, limit, block_frames),
        Err(what) => {
            health.warn(format!(
                "the MP4 edit list presents the audio in pieces with {what}, which this decoder \
                 does not follow: the report's timeline runs through the track from its first \
                 piece, so times after that piece's end differ from a player's (an edited video; \
                 `--backend ffmpeg` follows the edit list)"
            ));
            Timeline::new(channels, skip, limit, block_frames)
        }
    };
    // Without a clock, no gap can be told (an infinite tick fills none).
    let tick_s = track.time_base.map_or(f64::INFINITY, |tb| {
        f64::from(tb.numer.get()) / f64::from(tb.denom.get())
    });
    // The stream's clock ticks at the granule rate (symphonia's Ogg mappings stamp packets
    // with granule positions as they are).
    let mend = mend
        .into_iter()
        .map(|(a, b)| (a as f64 * tick_s, b as f64 * tick_s))
        .filter(|&(a, b)| a.is_finite() && b.is_finite())
        .collect();
    let source = Source {
        format,
        track_id: track.id,
        channels,
        codec: params.codec,
        sample_rate,
        dec,
        timeline,
        chunk: vec![Vec::new(); channels],
        drop_frames: 0,
        finished: false,
        health,
        path: path.to_path_buf(),
        matroska,
        gaps: super::Gaps::new(sample_rate, tick_s),
        tick_s,
        lost,
        packets: 0,
        lost_s: 0.0,
        mend,
        held: None,
    };
    Ok((info, Box::new(source)))
}

pub(super) fn unsupported_hint() -> String {
    if cfg!(feature = "ffmpeg") {
        "ffmpeg could not decode it either".into()
    } else {
        format!(
            "this build has only the pure-Rust decoders; {}",
            ffmpeg_hint()
        )
    }
}

fn ffmpeg_hint() -> &'static str {
    if cfg!(feature = "ffmpeg") {
        "ffmpeg could not read it either"
    } else {
        "rebuild with `cargo build --release --features ffmpeg` (needs FFmpeg's development libraries) to read it"
    }
}

impl Source {
    /// Takes up the next link of a chained Ogg stream (symphonia's `ResetRequired`: a file of
    /// joined recordings) when its audio is the same codec at the same rate and channel count:
    /// a fresh decoder, its audio following on the timeline as a player plays it, the frames
    /// an Opus decoder primes with (the link's pre-skip) dropped. `Err` says why it cannot.
    fn next_link(&mut self) -> std::result::Result<(), String> {
        let track = self
            .format
            .tracks()
            .iter()
            .find(|t| matches!(t.codec_params, Some(CodecParameters::Audio(_))))
            .cloned()
            .ok_or("the next link holds no audio")?;
        let Some(CodecParameters::Audio(params)) = &track.codec_params else {
            unreachable!("the track was found to be audio")
        };
        if params.codec != self.codec {
            return Err(format!(
                "the next link is {}, not {}",
                audio_codec_name(params.codec),
                audio_codec_name(self.codec)
            ));
        }
        if params.sample_rate != Some(self.sample_rate) {
            return Err(format!(
                "the next link is sampled at {} Hz, not {}",
                params.sample_rate.unwrap_or(0),
                self.sample_rate
            ));
        }
        let channels = match &mut self.dec {
            Dec::Opus {
                dec, gain, scratch, ..
            } => {
                let head = opus_head(params.extra_data.as_deref())?;
                if head.channels == self.channels {
                    **dec = DefaultOpus::new(&head)?;
                    *gain = head.gain();
                    scratch.resize(MAX_FRAMES_PER_PACKET * head.channels, 0.0);
                    self.drop_frames = u64::from(head.pre_skip);
                }
                head.channels
            }
            Dec::Aac(_) => return Err("a chained AAC stream is not followed".into()),
            Dec::Amr(_) => return Err("a chained AMR stream is not followed".into()),
            Dec::Symphonia(d) => {
                let n = params.channels.as_ref().map_or(0, |c| c.count());
                if n == self.channels {
                    *d = symphonia::default::get_codecs()
                        .make_audio_decoder(params, &AudioDecoderOptions::default())
                        .map_err(|e| e.to_string())?;
                }
                n
            }
        };
        if channels != self.channels {
            return Err(format!(
                "the next link has {channels} channel(s), not {}",
                self.channels
            ));
        }
        self.track_id = track.id;
        Ok(())
    }

    /// Puts the held page on the timeline after the silence that stands for the damage before
    /// it: `fill` frames where the next packet's stamp said how many (`Gaps` counted them);
    /// at the end of the stream, what is left to the end of the good page after the damage.
    fn release_held(&mut self, fill: Option<u64>) {
        let Some(h) = self.held.take() else { return };
        let sr = f64::from(self.sample_rate);
        let n = fill.unwrap_or_else(|| {
            let gap = h.after_s - h.start_s - h.frames() as f64 / sr;
            let n = (gap * sr).round().max(0.0) as u64;
            if gap > 2.0 * self.tick_s && gap <= super::MAX_GAP_FILL_S {
                let at_s = self.timeline.emitted() as f64 / sr;
                self.gaps.record(at_s, n);
                n
            } else {
                0
            }
        });
        if n > 0 {
            self.timeline
                .push(&vec![vec![0.0; n as usize]; self.channels]);
        }
        self.timeline.push(&h.planes);
    }

    /// Decodes one packet into `self.chunk`; `Ok(false)` when the packet was skipped.
    fn decode_packet(&mut self, packet: &symphonia::core::packet::Packet) -> Result<bool, String> {
        for c in &mut self.chunk {
            c.clear();
        }
        match &mut self.dec {
            Dec::Symphonia(d) => {
                let buf = d.decode(packet).map_err(|e| e.to_string())?;
                if buf.num_planes() != self.channels {
                    return Err(format!(
                        "channel count changed mid-stream ({} -> {})",
                        self.channels,
                        buf.num_planes()
                    ));
                }
                buf.copy_to_vecs_planar::<f32>(&mut self.chunk);
                trim(&mut self.chunk, packet);
            }
            Dec::Aac(d) => {
                d.decode(&packet.data, &mut self.chunk)?;
                trim(&mut self.chunk, packet);
            }
            Dec::Amr(d) => d.decode(&packet.data, &mut self.chunk[0])?,
            Dec::Opus {
                dec,
                gain,
                scratch,
                modes,
            } => {
                modes.count(&packet.data);
                let n = dec.decode(&packet.data, scratch)?;
                let ch = self.channels;
                for (c, plane) in self.chunk.iter_mut().enumerate() {
                    plane.extend(
                        scratch[..n * ch]
                            .iter()
                            .skip(c)
                            .step_by(ch)
                            .map(|s| s * *gain),
                    );
                }
                // Pre-skip is applied by the timeline; only end padding is per packet.
                let te = packet.trim_end.get() as usize;
                if te > 0 {
                    for plane in &mut self.chunk {
                        plane.truncate(plane.len().saturating_sub(te));
                    }
                }
            }
        }
        Ok(true)
    }
}

/// Applies a packet's trims to its decoded `planes`: decoders that do not trim priming
/// themselves produce the whole block (those that trim produce exactly `dur`).
fn trim(planes: &mut [Vec<f32>], packet: &symphonia::core::packet::Packet) {
    let n = planes.first().map_or(0, Vec::len) as u64;
    let (ts, te, dur) = (
        packet.trim_start.get(),
        packet.trim_end.get(),
        packet.dur.get(),
    );
    if ts + te > 0 && n == dur + ts + te {
        for c in planes {
            c.truncate((n - te) as usize);
            c.drain(..ts as usize);
        }
    }
}

impl BlockSource for Source {
    fn next_block(&mut self) -> Result<Option<AudioBlock>> {
        loop {
            if let Some(b) = self.timeline.take(false) {
                return Ok(Some(b));
            }
            if self.finished && self.held.is_some() {
                self.release_held(None);
                continue;
            }
            if self.finished || self.timeline.full() {
                self.health.finish();
                self.finished = true;
                return Ok(self.timeline.take(true));
            }
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.finished = true;
                    continue;
                }
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    // The words of `describe`'s census, so the report says it once.
                    if let Some(w) = truncation(&self.path, self.matroska) {
                        self.health.warn(w);
                    }
                    self.finished = true;
                    continue;
                }
                Err(SymError::ResetRequired) => {
                    let at = self.timeline.emitted() as f64 / f64::from(self.sample_rate);
                    self.gaps.reset();
                    match self.next_link() {
                        Ok(()) => self.health.warn(format!(
                            "the file is a chained stream, recordings joined end to end: a \
                             further one begins at {at:.3} s and is decoded on from there"
                        )),
                        Err(why) => {
                            self.health.warn(format!(
                                "the file is a chained stream, recordings joined end to end: a \
                                 further one begins at {at:.3} s, and decoding stopped there \
                                 ({why}; ffmpeg reads on)"
                            ));
                            self.finished = true;
                        }
                    }
                    continue;
                }
                Err(e) => {
                    self.health.warn(corrupt_part_way(&e));
                    self.finished = true;
                    continue;
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let mut silence = 0;
            while let Some(&(_, n)) = self.lost.front().filter(|&&(i, _)| i <= self.packets) {
                silence += n;
                self.lost.pop_front();
            }
            self.packets += 1;
            if silence > 0 {
                self.timeline
                    .push(&vec![vec![0.0; silence as usize]; self.channels]);
                let s = silence as f64 / f64::from(self.sample_rate);
                self.lost_s += s;
                self.gaps.skip(s);
                // The frames after a loss may draw on the lost ones (an MP3's bit reservoir
                // reaches up to 511 bytes back): decoded with what the decoder holds from
                // before, they came out as loud garbage (a burst 16 dB over the background,
                // reported as an impulsive sound). Reset, the decoder zeroes what it cannot
                // reach, as when a stream is joined part-way.
                match &mut self.dec {
                    Dec::Symphonia(d) => d.reset(),
                    Dec::Aac(d) => d.reset(),
                    Dec::Amr(d) => d.reset(),
                    Dec::Opus { .. } => {}
                }
            }
            match self.decode_packet(&packet) {
                Ok(_) => {
                    self.health.good();
                    if self.drop_frames > 0 {
                        let n = self.chunk.first().map_or(0, Vec::len) as u64;
                        let d = self.drop_frames.min(n);
                        for c in &mut self.chunk {
                            c.drain(..d as usize);
                        }
                        self.drop_frames -= d;
                    }
                    let frames = self.chunk.first().map_or(0, Vec::len);
                    let at_s = self.timeline.emitted() as f64 / f64::from(self.sample_rate);
                    let pts_s = packet.pts.get() as f64 * self.tick_s + self.lost_s;
                    let span_s =
                        (packet.dur.get() > 0).then(|| packet.dur.get() as f64 * self.tick_s);
                    let fill = self.gaps.before(pts_s, span_s, frames, at_s);
                    if let Some(h) = &mut self.held {
                        let too_long =
                            h.frames() as f64 > super::MAX_GAP_FILL_S * f64::from(self.sample_rate);
                        if fill == 0 && !too_long {
                            for (dst, src) in h.planes.iter_mut().zip(&self.chunk) {
                                dst.extend_from_slice(src);
                            }
                            continue;
                        }
                        // The stamps are back on the clock (or the page is too long to be one):
                        // the silence goes before the held page.
                        self.release_held(Some(fill));
                    } else if fill > 0 {
                        self.timeline
                            .push(&vec![vec![0.0; fill as usize]; self.channels]);
                    }
                    // The first packet after a run of damage, stamped where the good page
                    // before it ends: held (with what follows) until its place is known.
                    if frames > 0
                        && let Some(&(start_s, after_s)) = self.mend.front()
                        && pts_s >= start_s - self.tick_s
                    {
                        self.mend.pop_front();
                        self.held = Some(Held {
                            planes: self.chunk.clone(),
                            start_s,
                            after_s,
                        });
                        continue;
                    }
                    self.timeline.push(&self.chunk);
                }
                Err(msg) => {
                    if !self.health.bad(msg)? {
                        self.finished = true;
                    }
                }
            }
        }
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = self.health.warnings();
        w.extend(self.gaps.warnings());
        if let Dec::Opus { modes, .. } = &self.dec {
            w.extend(modes.warning());
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_named_by_its_first_bytes_is_called_that_whatever_the_probe_says() {
        // An MPEG-TS file of 9 s made the probe scan for MP3 frames to its end.
        let mut ts = vec![0u8; 600];
        for at in [0, 188, 376] {
            ts[at] = 0x47;
        }
        let eof = SymError::IoError(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        let msg = open_error(Path::new("clip.ts"), &eof, &ts).to_string();
        assert!(
            msg.contains("MPEG-TS") && !msg.contains("truncated"),
            "{msg}"
        );
        // Bytes that name nothing keep the probe's own account.
        let msg = open_error(Path::new("clip.mp3"), &eof, &[1, 2, 3, 0xfe]).to_string();
        assert!(msg.contains("truncated"), "{msg}");
    }

    #[test]
    fn itunsmpb_fields() {
        let v = " 00000000 00000840 000001CA 00000000000AC440 00000000";
        assert_eq!(parse_itunsmpb(v), Some((0x840, 0x1ca, 0xac440)));
        assert_eq!(parse_itunsmpb("garbage"), None);
    }

    #[test]
    fn dops_is_repacked_as_opushead() {
        let dops = [0u8, 2, 0x01, 0x38, 0, 0, 0xbb, 0x80, 0, 0, 0];
        let h = opus_head(Some(&dops)).unwrap();
        assert_eq!((h.channels, h.pre_skip), (2, 312));
    }

    #[test]
    fn codec_names() {
        assert_eq!(audio_codec_name(wa::CODEC_ID_AAC), "aac");
        assert_eq!(video_codec_name(wv::CODEC_ID_H264), "h264");
        // The ids made here for codecs symphonia has none for are named as ffprobe names them.
        assert_eq!(
            audio_codec_name(super::super::amr::CODEC_ID_AMR_NB),
            "amr_nb"
        );
        assert_eq!(
            audio_codec_name(super::super::mpegts::CODEC_ID_TS_OPUS),
            "opus"
        );
        assert_eq!(
            audio_codec_name(super::super::mpegts::CODEC_ID_LATM),
            "aac_latm"
        );
        assert_eq!(
            audio_codec_name(super::super::mpegts::CODEC_ID_G729),
            "g729"
        );
    }
}

/// Per-track packet totals from one demuxing pass (no decoding).
#[derive(Default, Clone, Copy)]
struct Census {
    packets: u64,
    bytes: u64,
    first_ts: Option<i64>,
    end_ts: i64,
    /// The last packet's timestamp, and the step from the one before it.
    last_ts: Option<i64>,
    step: i64,
}

/// Describes the container and every stream of `path`, demuxing (not decoding) all packets
/// to measure durations, bit rates and frame rates.
pub(crate) fn describe(path: &Path, file: File) -> Result<Described> {
    let (
        Opened {
            mut format,
            mp4,
            head,
            notes,
            ..
        },
        mpa_damage,
    ) = open_format_mended(path, file)?;
    let tracks = format.tracks().to_vec();
    let info = format.format_info();
    let (short, long) = (info.short_name, info.long_name);

    let mut tags = BTreeMap::new();
    if let Some(rev) = format.metadata().skip_to_latest() {
        for t in &rev.media.tags {
            tags.insert(tag_key(&t.raw.key), t.raw.value.to_string());
        }
    }
    if matches!(short, "wave" | "riff") {
        // The recorder's own provenance (`bext`, `LIST`/`INFO`), which symphonia skips.
        let rate = tracks
            .iter()
            .find_map(|t| match &t.codec_params {
                Some(CodecParameters::Audio(a)) => a.sample_rate,
                _ => None,
            })
            .unwrap_or(0);
        if let Ok(mut f) = File::open(path) {
            for (k, v) in super::riff::wav_tags(&mut f, rate) {
                tags.entry(k).or_insert(v);
            }
        }
    }

    let mut census = vec![Census::default(); tracks.len()];
    // Truncated or corrupt data ends the census; what was counted still describes it, and
    // the reason is reported.
    let mut integrity = None;
    // A chained Ogg stream's later links continue its first audio stream (as `decode` reads
    // them): their track, and the offset of their timestamps, which restart at each link.
    let first_audio = tracks
        .iter()
        .position(|t| matches!(t.codec_params, Some(CodecParameters::Audio(_))));
    let mut link: Option<(u32, i64)> = None;
    let mut links = 1usize;
    loop {
        match format.next_packet() {
            Ok(Some(p)) => {
                let (index, offset) = match link {
                    Some((id, offset)) if id == p.track_id => (first_audio, offset),
                    _ => (tracks.iter().position(|t| t.id == p.track_id), 0),
                };
                if let Some(i) = index {
                    let c = &mut census[i];
                    c.packets += 1;
                    c.bytes += p.data.len() as u64;
                    let ts = p.pts.get().saturating_add(offset);
                    c.first_ts = Some(c.first_ts.map_or(ts, |f| f.min(ts)));
                    if let Some(last) = c.last_ts.filter(|&l| ts > l) {
                        c.step = ts - last;
                    }
                    c.last_ts = Some(ts);
                    // Matroska gives a block no duration unless it says so: such a packet is
                    // taken to last as long as the one before it (capped below by the
                    // segment's duration).
                    let dur = match p.dur.get() as i64 {
                        0 => c.step,
                        d => d,
                    };
                    c.end_ts = c.end_ts.max(ts.saturating_add(dur));
                }
            }
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                integrity = truncation(path, short == "matroska").map(str::to_string);
                break;
            }
            Err(SymError::ResetRequired) => {
                let next = format
                    .tracks()
                    .iter()
                    .find(|t| matches!(t.codec_params, Some(CodecParameters::Audio(_))))
                    .map(|t| t.id);
                match (next, first_audio) {
                    (Some(id), Some(a)) => {
                        link = Some((id, census[a].end_ts));
                        links += 1;
                    }
                    _ => break,
                }
            }
            Err(e) => {
                integrity = Some(corrupt_part_way(&e));
                break;
            }
        }
    }

    let format_name = match short {
        "isomp4" => match mp4.as_ref().and_then(|m| m.major_brand.as_deref()) {
            Some("qt  ") => "mov",
            Some("M4A ") | Some("M4B ") => "m4a",
            _ => "mp4",
        },
        "matroska" if head[..head.len().min(64)].windows(4).any(|w| w == b"webm") => "webm",
        "wave" | "riff" => "wav",
        other => other,
    }
    .to_string();

    let mut streams = Vec::with_capacity(tracks.len());
    for (index, t) in tracks.iter().enumerate() {
        let c = census[index];
        let tb_s = t
            .time_base
            .map(|tb| f64::from(tb.numer.get()) / f64::from(tb.denom.get()));
        let census_dur = match (c.first_ts, tb_s) {
            (Some(first), Some(tb)) if c.end_ts > first => Some((c.end_ts - first) as f64 * tb),
            _ => None,
        };
        let header_dur = match (t.duration, tb_s) {
            (Some(d), Some(tb)) if d.get() > 0 => Some(d.get() as f64 * tb),
            _ => None,
        };
        let mut s = Stream {
            index,
            kind: "data".into(),
            codec: "unknown".into(),
            sample_rate: None,
            channels: None,
            duration_s: header_dur.or(census_dur),
            bit_rate: None,
            width: None,
            height: None,
            frame_rate: None,
            tags: BTreeMap::new(),
        };
        match &t.codec_params {
            Some(CodecParameters::Audio(a)) => {
                s.kind = "audio".into();
                s.codec = audio_codec_name(a.codec);
                s.sample_rate = a.sample_rate;
                s.channels = a.channels.as_ref().map(|ch| ch.count());
                if let (Some(n), Some(sr)) = (t.num_frames, a.sample_rate)
                    && sr > 0
                {
                    s.duration_s = Some(n as f64 / f64::from(sr));
                }
                if links > 1 && Some(index) == first_audio {
                    // The headers describe the first link only.
                    s.duration_s = census_dur;
                    s.tags.insert("chained_links".into(), links.to_string());
                }
            }
            Some(CodecParameters::Video(v)) => {
                s.kind = "video".into();
                s.codec = video_codec_name(v.codec);
                s.width = v.width.map(u32::from);
                s.height = v.height.map(u32::from);
                if let Some(d) = census_dur.filter(|d| *d > 0.0) {
                    s.frame_rate = Some(round_to(c.packets as f64 / d, 3));
                }
                // An AVI's video is listed, not demuxed: its time unit is a frame.
                if short == "avi"
                    && let Some(tb) = t.time_base
                {
                    s.frame_rate = Some(round_to(
                        f64::from(tb.denom.get()) / f64::from(tb.numer.get()),
                        3,
                    ));
                }
            }
            Some(CodecParameters::Subtitle(_)) => s.kind = "subtitle".into(),
            _ => {}
        }
        if let Some(d) = census_dur
            .or(s.duration_s)
            .filter(|d| *d > 0.0 && c.packets > 0)
        {
            s.bit_rate = Some((c.bytes as f64 * 8.0 / d).round() as u64);
        }
        if let Some(lang) = &t.language {
            s.tags.insert("language".into(), lang.clone());
        }
        if let Some(m) = mp4.as_ref()
            && let Some(mt) = mp4_track(m, &tracks, index)
        {
            merge_mp4_track(&mut s, mt, m.movie_timescale);
        }
        streams.push(s);
    }

    let mut read_by = "symphonia".to_string();
    let mut duration_s = streams.iter().filter_map(|s| s.duration_s).reduce(f64::max);
    // Matroska states the segment's duration (what ffprobe reports); a stream's last block may
    // be shorter than the step assumed for it above.
    if short == "matroska" {
        let mi = format.media_info();
        if let (Some(d), Some(tb)) = (mi.duration, mi.time_base) {
            let d = d.get() as f64 * f64::from(tb.numer.get()) / f64::from(tb.denom.get());
            if d > 0.0 {
                duration_s = Some(d);
                for s in &mut streams {
                    s.duration_s = s.duration_s.map(|x| x.min(d));
                }
            }
        }
    }
    if let Some(m) = &mp4 {
        read_by = "symphonia+isobmff".into();
        merge_mp4_container(&mut tags, m);
        duration_s = m.duration_s.or(duration_s);
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let container = Container {
        format: format_name,
        format_long: long.to_string(),
        duration_s: duration_s.map(|d| round_to(d, 6)),
        bit_rate: duration_s
            .filter(|d| *d > 0.0)
            .map(|d| (size as f64 * 8.0 / d).round() as u64),
        tags,
        read_by,
    };
    for s in &mut streams {
        s.duration_s = s.duration_s.map(|d| round_to(d, 6));
    }
    // A stream that holds less than its header promises was cut short, unless what it lacks is
    // what damage inside an MPEG audio stream lost (its LAME/Xing tag counts the frames lost
    // too; the damage is then the problem, `with_damage`).
    if integrity.is_none() {
        let lost_s = mpa_damage
            .as_ref()
            .map_or(0.0, |d| d.frames as f64 * d.frame_s);
        integrity = shortfall(&tracks, &census, lost_s);
    }
    Ok(Described {
        container,
        streams,
        // A header never finished is as much the file's problem as a truncation is.
        integrity: integrity.or_else(|| notes.into_iter().next()),
    })
}

/// ffprobe's name for a container tag key: ID3v2 frames and RIFF INFO chunks by their
/// meaning, Matroska `TARGET@NAME` by name, everything lower-case.
fn tag_key(raw: &str) -> String {
    let known = match raw {
        "TSSE" | "ISFT" => Some("encoder"),
        "TIT2" | "INAM" => Some("title"),
        "TPE1" | "IART" => Some("artist"),
        "TALB" | "IPRD" => Some("album"),
        "TDRC" | "TYER" | "ICRD" => Some("date"),
        "COMM" | "ICMT" => Some("comment"),
        "TENC" => Some("encoded_by"),
        "TCON" | "IGNR" => Some("genre"),
        _ => None,
    };
    match known {
        Some(k) => k.to_string(),
        None => raw.rsplit('@').next().unwrap_or(raw).to_lowercase(),
    }
}

/// Names a track whose packets cover clearly less time than its header declares (by more
/// than [`SHORTFALL_TOLERANCE_S`] beyond `lost_s`, the audio known lost inside the stream), as
/// a truncated WAV or MP3 does.
fn shortfall(tracks: &[Track], census: &[Census], lost_s: f64) -> Option<String> {
    tracks.iter().zip(census).find_map(|(t, c)| {
        let tb = t.time_base?;
        let tb_s = f64::from(tb.numer.get()) / f64::from(tb.denom.get());
        let declared = t.num_frames.map(|n| n as f64 * tb_s).or(t.duration.map(|d| d.get() as f64 * tb_s))?;
        let held = (c.end_ts - c.first_ts.unwrap_or(0)).max(0) as f64 * tb_s;
        (c.packets > 0 && declared - held > SHORTFALL_TOLERANCE_S + lost_s).then(|| {
            format!("the file is truncated: its header declares {declared:.3} s but it holds {held:.3} s")
        })
    })
}

/// Missing media that counts as truncation (more than one long codec frame).
const SHORTFALL_TOLERANCE_S: f64 = 0.1;

fn merge_mp4_track(s: &mut Stream, mt: &isobmff::Mp4Track, movie_timescale: u32) {
    if let Some(h) = &mt.handler_name {
        s.tags.insert("handler_name".into(), h.clone());
    }
    if let Some(l) = &mt.language {
        s.tags.insert("language".into(), l.clone());
    }
    if let Some(c) = &mt.creation_time {
        s.tags.insert("creation_time".into(), c.clone());
    }
    if s.codec.starts_with("unknown")
        && let Some(e) = &mt.sample_entry
    {
        s.codec = mp4_sample_entry_codec(e);
        s.kind = match mt.handler_type.as_str() {
            "soun" => "audio",
            "vide" => "video",
            "text" | "sbtl" | "subt" => "subtitle",
            _ => "data",
        }
        .into();
    }
    // The presented duration: the edit list's, else the media header's.
    s.duration_s = mt
        .edited_duration_s(movie_timescale)
        .or(mt.duration_s())
        .or(s.duration_s);
    s.bit_rate = mt.bit_rate().or(s.bit_rate);
    if mt.handler_type == "vide" {
        s.width = s.width.or(mt.width);
        s.height = s.height.or(mt.height);
        if let Some(d) = mt.duration_s().filter(|d| *d > 0.0) {
            s.frame_rate = Some(round_to(mt.sample_count as f64 / d, 3));
        }
    }
    if mt.handler_type == "soun" {
        s.channels = s.channels.or(mt.channels.map(|c| c as usize));
        s.sample_rate = s.sample_rate.or(mt.sample_rate);
    }
}

fn merge_mp4_container(tags: &mut BTreeMap<String, String>, m: &isobmff::Mp4Meta) {
    // The walker's tags replace symphonia's for MP4: same source, ffprobe's key names.
    tags.clear();
    if let Some(b) = &m.major_brand {
        tags.insert("major_brand".into(), b.clone());
    }
    if let Some(v) = m.minor_version {
        tags.insert("minor_version".into(), v.to_string());
    }
    if let Some(b) = &m.compatible_brands {
        tags.insert("compatible_brands".into(), b.clone());
    }
    if let Some(c) = &m.creation_time {
        tags.insert("creation_time".into(), c.clone());
    }
    for (k, v) in &m.tags {
        tags.insert(k.clone(), v.clone());
    }
}

/// ffprobe's codec name for an MP4/MOV/3GP sample entry symphonia does not know (probe's
/// listing, and the unsupported codec an analysis names).
fn mp4_sample_entry_codec(entry: &str) -> String {
    match entry {
        "ac-3" => "ac3",
        "ec-3" => "eac3",
        "ac-4" => "ac4",
        "samr" => "amr_nb",
        "sawb" => "amr_wb",
        "sqcp" | "Qclp" => "qcelp",
        "sevc" => "evrc",
        "ima4" => "adpcm_ima_qt",
        "ulaw" => "pcm_mulaw",
        "alaw" => "pcm_alaw",
        "mha1" | "mhm1" => "mpegh_3d_audio",
        "dtsc" | "dtsh" | "dtsl" | "dtse" => "dts",
        "MAC3" => "mace3",
        "MAC6" => "mace6",
        "QDM2" => "qdm2",
        "QDMC" => "qdmc",
        "avc1" | "avc3" => "h264",
        "s263" | "h263" => "h263",
        "hvc1" | "hev1" => "hevc",
        "mp4v" => "mpeg4",
        "tx3g" => "mov_text",
        other => other,
    }
    .to_string()
}
