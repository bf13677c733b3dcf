//! MP4, MOV and 3GP sound tracks that symphonia 0.6's MP4 reader lists without a codec (it
//! knows not their sample entries) but whose samples it hands out, given their codec
//! parameters from the file's own sample entries so that this build's decoders read them:
//! AMR (`samr`, `sawb`: phones' 3GP videos and MMS clips), G.711 (`alaw`, `ulaw`: IP cameras'
//! and call recorders' MOV/MP4 files) and IMA ADPCM (`ima4`: older QuickTime and Mac
//! recordings).

use symphonia::core::audio::Channels;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known as wa;
use symphonia::core::codecs::audio::{AudioCodecParameters, CODEC_ID_NULL_AUDIO};
use symphonia::core::errors::Result as SymResult;
use symphonia::core::formats::{
    FormatInfo, FormatReader, MediaInfo, SeekMode, SeekTo, SeekedTo, Track,
};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::Metadata;
use symphonia::core::packet::Packet;

use super::amr::Variant;
use super::isobmff::{Mp4Meta, Mp4Track};

/// IMA ADPCM's block in QuickTime (Apple's `ima4`): 64 frames in 34 bytes a channel.
const IMA4_FRAMES_PER_BLOCK: u64 = 64;

/// A sample entry this module gives parameters for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Amr(Variant),
    Alaw,
    Ulaw,
    Ima4,
}

impl Entry {
    fn of(sample_entry: &str) -> Option<Entry> {
        Some(match sample_entry {
            "samr" => Entry::Amr(Variant::Nb),
            "sawb" => Entry::Amr(Variant::Wb),
            "alaw" => Entry::Alaw,
            "ulaw" => Entry::Ulaw,
            "ima4" => Entry::Ima4,
            _ => return None,
        })
    }

    /// The codec parameters of track `m`, whose sample entry this is; `None` where the entry
    /// gives no rate or channel count (the AMR ones fix theirs).
    fn params(self, m: &Mp4Track) -> Option<AudioCodecParameters> {
        if let Entry::Amr(v) = self {
            return Some(super::amr::params(v));
        }
        let rate = m.sample_rate.filter(|&r| r > 0)?;
        let channels = m.channels.filter(|&c| (1..=32).contains(&c))?;
        let mut a = AudioCodecParameters::new();
        a.for_codec(match self {
            Entry::Alaw => wa::CODEC_ID_PCM_ALAW,
            Entry::Ulaw => wa::CODEC_ID_PCM_MULAW,
            _ => wa::CODEC_ID_ADPCM_IMA_QT,
        })
        .with_sample_rate(rate)
        .with_channels(Channels::Discrete(u16::try_from(channels).ok()?));
        if self == Entry::Ima4 {
            a.with_frames_per_block(IMA4_FRAMES_PER_BLOCK)
                .with_max_frames_per_packet(IMA4_FRAMES_PER_BLOCK);
        }
        Some(a)
    }
}

/// A reader of an MP4/MOV/3GP file with some tracks given the codec parameters its own
/// reader left out: the same reader, with those tracks given theirs.
struct Amended {
    inner: Box<dyn FormatReader>,
    tracks: Vec<Track>,
}

impl FormatReader for Amended {
    fn format_info(&self) -> &FormatInfo {
        self.inner.format_info()
    }

    fn media_info(&self) -> &MediaInfo {
        self.inner.media_info()
    }

    fn metadata(&mut self) -> Metadata<'_> {
        self.inner.metadata()
    }

    fn seek(&mut self, mode: SeekMode, to: SeekTo) -> SymResult<SeekedTo> {
        self.inner.seek(mode, to)
    }

    fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    fn next_packet(&mut self) -> SymResult<Option<Packet>> {
        self.inner.next_packet()
    }

    fn into_inner<'s>(self: Box<Self>) -> MediaSourceStream<'s>
    where
        Self: 's,
    {
        self.inner.into_inner()
    }
}

/// `format` (an MP4/MOV/3GP file's reader) with the sound tracks it lists without a codec
/// given codec parameters, as the file's own `stsd` boxes (`mp4`) describe them; `format`
/// itself when there are none.
pub(crate) fn amend_mp4(format: Box<dyn FormatReader>, mp4: &Mp4Meta) -> Box<dyn FormatReader> {
    let amended = |t: &Track| {
        let unknown = match &t.codec_params {
            None => true,
            Some(CodecParameters::Audio(a)) => a.codec == CODEC_ID_NULL_AUDIO,
            Some(_) => false,
        };
        if !unknown {
            return None;
        }
        let m = mp4.tracks.iter().find(|m| m.track_id == t.id)?;
        if m.handler_type != "soun" {
            return None;
        }
        let params = Entry::of(m.sample_entry.as_deref()?)?.params(m)?;
        Some(params)
    };
    if !format.tracks().iter().any(|t| amended(t).is_some()) {
        return format;
    }
    let tracks = format
        .tracks()
        .iter()
        .map(|t| {
            let mut t = t.clone();
            if let Some(a) = amended(&t) {
                let rate = a.sample_rate;
                t.with_codec_params(CodecParameters::Audio(a));
                // The track's clock is usually the sample rate, its duration then in frames.
                if let (Some(tb), Some(d), Some(rate)) = (t.time_base, t.duration, rate)
                    && tb.numer.get() == 1
                    && tb.denom.get() == rate
                {
                    t.with_num_frames(d.get());
                }
            }
            t
        })
        .collect();
    Box::new(Amended {
        inner: format,
        tracks,
    })
}
