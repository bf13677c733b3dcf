//! MP4, MOV and 3GP sound tracks that symphonia 0.6's MP4 reader lists without a codec (it
//! knows not their sample entries) but whose samples it hands out, given their codec
//! parameters from the file's own sample entries so that this build's decoders read them:
//! AMR (`samr`, `sawb`: phones' 3GP videos and MMS clips), G.711 (`alaw`, `ulaw`: IP cameras'
//! and call recorders' MOV/MP4 files) and IMA ADPCM (`ima4`: older QuickTime and Mac
//! recordings). And QuickTime's 24- and 32-bit integer and float PCM (`in24`, `in32`, `fl32`,
//! `fl64`: professional cameras and recorders), which that reader takes for little-endian
//! always, is given the byte order its `enda` box states, big-endian without one, as
//! QuickTime defines them: read the other way, such audio decoded to full-scale noise.

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

/// `a`, the parameters symphonia's reader gives track `m`, with the byte order put right
/// where `m`'s sample entry is QuickTime PCM that is big-endian; `None` where they are right.
fn big_endian(a: &AudioCodecParameters, m: &Mp4Track) -> Option<AudioCodecParameters> {
    let codec = match (m.sample_entry.as_deref()?, a.codec) {
        ("in24", wa::CODEC_ID_PCM_S24LE) => wa::CODEC_ID_PCM_S24BE,
        ("in32", wa::CODEC_ID_PCM_S32LE) => wa::CODEC_ID_PCM_S32BE,
        ("fl32", wa::CODEC_ID_PCM_F32LE) => wa::CODEC_ID_PCM_F32BE,
        ("fl64", wa::CODEC_ID_PCM_F64LE) => wa::CODEC_ID_PCM_F64BE,
        _ => return None,
    };
    if m.little_endian == Some(true) {
        return None;
    }
    let mut a = a.clone();
    a.codec = codec;
    Some(a)
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
        let m = mp4.tracks.iter().find(|m| m.track_id == t.id)?;
        if m.handler_type != "soun" {
            return None;
        }
        match &t.codec_params {
            Some(CodecParameters::Audio(a)) if a.codec != CODEC_ID_NULL_AUDIO => big_endian(a, m),
            None | Some(CodecParameters::Audio(_)) => {
                Entry::of(m.sample_entry.as_deref()?)?.params(m)
            }
            Some(_) => None,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A QuickTime v1 sound sample entry's body (after its box header): fixed fields for
    /// `channels` at `rate`, then `children`.
    fn sound_entry(channels: u16, rate: u32, children: &[u8]) -> Vec<u8> {
        let mut e = vec![0u8; 6];
        e.extend(1u16.to_be_bytes()); // data reference index
        e.extend(1u16.to_be_bytes()); // version 1
        e.extend([0; 6]);
        e.extend(channels.to_be_bytes());
        e.extend(16u16.to_be_bytes());
        e.extend([0; 4]);
        e.extend((rate << 16).to_be_bytes());
        e.extend([0; 16]); // version 1's four fields
        e.extend(children);
        e
    }

    fn track(entry: &str, body: &[u8]) -> Mp4Track {
        let mut stsd = vec![0u8, 0, 0, 0, 0, 0, 0, 1];
        stsd.extend((8 + body.len() as u32).to_be_bytes());
        stsd.extend(entry.as_bytes());
        stsd.extend(body);
        let m = crate::decode::isobmff::sound_track_from_stsd(&stsd);
        assert_eq!(m.sample_entry.as_deref(), Some(entry));
        m
    }

    #[test]
    fn quicktime_pcm_is_big_endian_unless_enda_says_little() {
        let mut s24 = AudioCodecParameters::new();
        s24.for_codec(wa::CODEC_ID_PCM_S24LE);
        // No `enda`: QuickTime's default, big-endian.
        let m = track("in24", &sound_entry(2, 48_000, &[]));
        assert_eq!((m.channels, m.sample_rate), (Some(2), Some(48_000)));
        assert_eq!(m.little_endian, None);
        assert_eq!(big_endian(&s24, &m).unwrap().codec, wa::CODEC_ID_PCM_S24BE);
        // `enda` 1 inside `wave`: little-endian, as symphonia's reader has it.
        let enda = |v: u16| {
            let mut wave = 18u32.to_be_bytes().to_vec();
            wave.extend(b"wave");
            wave.extend(10u32.to_be_bytes());
            wave.extend(b"enda");
            wave.extend(v.to_be_bytes());
            wave
        };
        let m = track("in24", &sound_entry(2, 48_000, &enda(1)));
        assert_eq!(m.little_endian, Some(true));
        assert!(big_endian(&s24, &m).is_none());
        let m = track("in24", &sound_entry(2, 48_000, &enda(0)));
        assert_eq!(m.little_endian, Some(false));
        assert!(big_endian(&s24, &m).is_some());
        // Other entries keep what the reader gives.
        let m = track("sowt", &sound_entry(2, 48_000, &[]));
        assert!(big_endian(&s24, &m).is_none());
        // G.711 and IMA ADPCM entries get parameters; without a rate, none.
        let m = track("ulaw", &sound_entry(1, 8000, &[]));
        let a = Entry::of("ulaw").unwrap().params(&m).unwrap();
        assert_eq!(
            (a.codec, a.sample_rate),
            (wa::CODEC_ID_PCM_MULAW, Some(8000))
        );
        let m = track("ima4", &sound_entry(1, 0, &[]));
        assert!(Entry::Ima4.params(&m).is_none());
    }
}
