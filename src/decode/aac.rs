//! The AAC that symphonia 0.6's decoder cannot read (HE-AAC's SBR and parametric stereo, AAC
//! Main and LTP, more than two channels), decoded by `rusty_aac`, and the test that tells it.
//!
//! symphonia decodes AAC-LC in mono and stereo only. Told of SBR in the `AudioSpecificConfig`
//! (object type 5 or 29) it refuses the stream; not told (implicit signalling, as every ADTS
//! stream and every MP4 remuxed from one carries HE-AAC), it decodes the half-rate core, 1024
//! frames a packet where the stream holds 2048, while the container's rate says twice that: an
//! MP4's timeline came out at half its length, every event at half its time. `rusty_aac` (pure
//! Rust, Apache-2.0) decodes the whole family; measured against libavcodec on HE-AAC v1 and v2
//! (fdk-aac), 5.1, Main, LTP and MPEG-2 AAC (ffmpeg's encoder), every sample within 1e-6 of
//! ffmpeg's, at the same rate, length and channel order. AAC-LC in mono or stereo stays with
//! symphonia, whose timing the test suite and the devset were built on.

use rusty_aac::{AacDecoder, AudioSpecificConfig};
use symphonia::core::codecs::audio::AudioCodecParameters;

/// How a stream's AAC is configured: the `AudioSpecificConfig` an MP4 or Matroska track
/// carries, else (ADTS) the rate and channels its headers give, read as AAC-LC.
#[derive(Debug, Clone)]
pub(super) struct Config {
    asc: Option<Vec<u8>>,
    rate: u32,
    channels: u16,
}

impl Config {
    pub(super) fn of(params: &AudioCodecParameters) -> Self {
        Config {
            asc: params.extra_data.as_ref().map(|b| b.to_vec()),
            rate: params.sample_rate.unwrap_or(0),
            channels: params
                .channels
                .as_ref()
                .map_or(0, |c| u16::try_from(c.count()).unwrap_or(0)),
        }
    }

    fn decoder(&self) -> Result<AacDecoder, String> {
        match &self.asc {
            Some(asc) => AacDecoder::with_config_bytes(asc).map_err(|e| e.to_string()),
            None if self.rate > 0 && self.channels > 0 => {
                Ok(AacDecoder::with_config(AudioSpecificConfig {
                    object_type: 2,
                    sample_rate: self.rate,
                    channels: self.channels,
                }))
            }
            None => Err("the stream gives neither its configuration nor its rate".into()),
        }
    }
}

/// What one packet of a stream decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub rate: u32,
    pub channels: usize,
}

/// The profile a stream was found to be, in the words `probe` and the report use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Profile {
    /// SBR and parametric stereo, signalled so (HE-AAC v2): a mono core at half the rate.
    HeV2,
    /// SBR on a mono core, given in two channels for the parametric stereo it may carry
    /// unsignalled (as ffmpeg gives it; implicit signalling cannot tell HE-AAC v2 from v1).
    HeMono,
    /// SBR: the core at half the rate (HE-AAC).
    He,
    /// SBR signalled but not rebuilt (AAC-ELD's low-delay SBR): the core at its own rate.
    CoreOnly,
    Plain(u8),
}

impl Profile {
    pub(super) fn name(self) -> String {
        match self {
            Profile::HeV2 => "HE-AAC v2 (SBR and parametric stereo)".into(),
            Profile::HeMono => {
                "HE-AAC (SBR; a mono core, given in two channels for any parametric stereo, as \
                 ffmpeg gives it)"
                    .into()
            }
            Profile::He => "HE-AAC (SBR)".into(),
            Profile::CoreOnly => "AAC-ELD (its low-delay SBR not rebuilt)".into(),
            Profile::Plain(1) => "AAC Main".into(),
            Profile::Plain(2) => "AAC-LC".into(),
            Profile::Plain(4) => "AAC LTP".into(),
            // Met only in the object type a configuration names, for an error.
            Profile::Plain(5) => "HE-AAC".into(),
            Profile::Plain(29) => "HE-AAC v2".into(),
            Profile::Plain(23) => "AAC-LD".into(),
            Profile::Plain(39) => "AAC-ELD".into(),
            Profile::Plain(n) => format!("AAC (object type {n})"),
        }
    }

    /// Whether the decoded stream runs at twice the rate its packets are coded at.
    pub(super) fn doubles_rate(self) -> bool {
        matches!(self, Profile::He | Profile::HeV2 | Profile::HeMono)
    }
}

/// The audio object type an `AudioSpecificConfig` opens with (ISO/IEC 14496-3, 1.6.2.1: five
/// bits, 31 escaping to 32 plus six more).
fn object_type(asc: &[u8]) -> Option<u8> {
    let first = asc.first()? >> 3;
    if first < 31 {
        return Some(first);
    }
    let next = u16::from(*asc.first()? & 7) << 3 | u16::from(*asc.get(1)? >> 5);
    u8::try_from(32 + next).ok()
}

/// Why a stream neither AAC decoder reads (`symphonia` said `what`), for the error.
pub(super) fn unread(config: &Config, what: &str) -> String {
    let aot = config.asc.as_deref().and_then(object_type);
    let named = match aot {
        // USAC (ISO/IEC 23003-3): a codec of its own that rusty_aac and libavcodec 5.1 do not
        // decode.
        Some(42) => "it is xHE-AAC (USAC), which neither decodes".to_string(),
        Some(n) => format!(
            "symphonia reads AAC-LC in mono and stereo only ({what}), and rusty_aac decoded none \
             of the first packets of this {} stream: damaged, or a kind it does not read",
            Profile::Plain(n).name()
        ),
        None => format!(
            "symphonia refused it ({what}), and rusty_aac decoded none of its first packets: \
             damaged, or a kind it does not read"
        ),
    };
    format!("neither pure-Rust AAC decoder reads it: {named}")
}

/// A `rusty_aac` decoder with the configuration to build it again after a loss.
pub(super) struct RustyAac {
    dec: AacDecoder,
    config: Config,
    core_rate: u32,
    profile: Profile,
}

impl RustyAac {
    /// A decoder for `config`, whose first packet decoded to `shape`.
    pub(super) fn new(config: Config, shape: Shape) -> Result<Self, String> {
        let dec = config.decoder()?;
        let sbr = dec.sbr_config().unwrap_or_default();
        let core_rate = if sbr.core_sample_rate > 0 {
            sbr.core_sample_rate
        } else {
            config.rate
        };
        let core_channels = usize::from(config.channels);
        let object_type = sbr.core_object_type;
        let profile =
            if sbr.sbr_present && dec.sbr_support() == rusty_aac::sbr::SbrSupport::CoreOnly {
                Profile::CoreOnly
            } else if shape.rate == 2 * core_rate && sbr.ps_present {
                Profile::HeV2
            } else if shape.rate == 2 * core_rate && shape.channels == 2 && core_channels == 1 {
                Profile::HeMono
            } else if shape.rate == 2 * core_rate {
                Profile::He
            } else {
                Profile::Plain(if object_type == 0 { 2 } else { object_type })
            };
        Ok(RustyAac {
            dec,
            config,
            core_rate,
            profile,
        })
    }

    pub(super) fn profile(&self) -> Profile {
        self.profile
    }

    /// The rate the packets are coded at (half the output's for HE-AAC).
    pub(super) fn core_rate(&self) -> u32 {
        self.core_rate
    }

    /// Decodes one packet into `planes`, one per channel (left empty for a packet that holds
    /// no audio).
    pub(super) fn decode(&mut self, data: &[u8], planes: &mut [Vec<f32>]) -> Result<(), String> {
        let frame = match self.dec.decode(data, None) {
            Ok(f) => f,
            Err(rusty_aac::Error::Again) => return Ok(()),
            Err(e) => return Err(format!("aac: {e}")),
        };
        deinterleave(&frame.samples, usize::from(frame.channels), planes)
    }

    /// Forgets what the decoder held (its overlap, the SBR state): the next packet decodes
    /// as a stream's first, as after a loss.
    pub(super) fn reset(&mut self) {
        if let Ok(d) = self.config.decoder() {
            self.dec = d;
        }
    }
}

/// Splits interleaved `samples` of `channels` channels into `planes`.
fn deinterleave(samples: &[f32], channels: usize, planes: &mut [Vec<f32>]) -> Result<(), String> {
    if channels != planes.len() {
        return Err(format!(
            "channel count changed mid-stream ({} -> {channels})",
            planes.len()
        ));
    }
    for (c, plane) in planes.iter_mut().enumerate() {
        plane.extend(samples.iter().skip(c).step_by(channels));
    }
    Ok(())
}

/// What the first of `packets` that decodes gives under `config`: `None` when none does.
pub(super) fn shape<P: AsRef<[u8]>>(
    config: &Config,
    packets: impl IntoIterator<Item = P>,
) -> Option<Shape> {
    let mut dec = config.decoder().ok()?;
    packets.into_iter().find_map(|p| {
        let f = dec.decode(p.as_ref(), None).ok()?;
        (f.channels > 0 && f.sample_rate > 0).then(|| Shape {
            rate: f.sample_rate,
            channels: usize::from(f.channels),
        })
    })
}

/// Whether symphonia's decoder, whose output is `rate` Hz and `channels` channels, reads the
/// stream whose first packet decoded to `shape` in full: the same rate and channels (an
/// HE-AAC stream signalled implicitly doubles the rate, and with parametric stereo the
/// channels, of what symphonia gives).
pub(super) fn symphonia_reads(rate: u32, channels: usize, shape: Shape) -> bool {
    shape.rate == rate && shape.channels == channels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_samples_split_into_planes_and_a_new_channel_count_is_refused() {
        let mut planes = vec![Vec::new(), Vec::new()];
        deinterleave(&[1.0, -1.0, 2.0, -2.0], 2, &mut planes).unwrap();
        assert_eq!(planes, vec![vec![1.0, 2.0], vec![-1.0, -2.0]]);
        let err = deinterleave(&[1.0, 2.0], 1, &mut planes).unwrap_err();
        assert!(err.contains("2 -> 1"), "{err}");
    }

    #[test]
    fn a_shape_at_twice_the_rate_or_with_more_channels_is_not_symphonias() {
        let he = Shape {
            rate: 44_100,
            channels: 2,
        };
        assert!(!symphonia_reads(22_050, 2, he));
        assert!(!symphonia_reads(44_100, 1, he), "parametric stereo");
        assert!(symphonia_reads(44_100, 2, he));
    }

    #[test]
    fn a_stream_without_configuration_or_rate_has_no_decoder() {
        let none = Config {
            asc: None,
            rate: 0,
            channels: 2,
        };
        assert!(none.decoder().is_err());
        assert_eq!(shape(&none, [&[0u8; 8][..]]), None);
        // An ADTS stream's header gives rate and channels: decoded as AAC-LC.
        let adts = Config {
            asc: None,
            rate: 48_000,
            channels: 1,
        };
        assert!(adts.decoder().is_ok());
    }

    #[test]
    fn the_object_type_is_read_escaped_or_not_and_usac_named() {
        // AAC-LC at 44.1 kHz stereo; HE-AAC signalled explicitly; USAC (31, escape 10).
        assert_eq!(object_type(&[0x12, 0x10]), Some(2));
        assert_eq!(object_type(&[0x2B, 0x92, 0x08, 0x00]), Some(5));
        assert_eq!(object_type(&[0xF9, 0x46]), Some(42));
        assert_eq!(object_type(&[0xF8]), None);
        let usac = Config {
            asc: Some(vec![0xF9, 0x46, 0x00]),
            rate: 48_000,
            channels: 2,
        };
        assert!(unread(&usac, "x").contains("xHE-AAC (USAC)"));
        let lc = Config {
            asc: Some(vec![0x12, 0x10]),
            rate: 44_100,
            channels: 6,
        };
        let why = unread(&lc, "aac: aac too complex");
        assert!(
            why.contains("this AAC-LC stream") && why.contains("too complex"),
            "{why}"
        );
    }

    #[test]
    fn profiles_are_named_and_only_sbr_doubles_the_rate() {
        assert!(Profile::He.doubles_rate() && Profile::HeV2.doubles_rate());
        assert!(Profile::HeMono.doubles_rate());
        assert!(!Profile::CoreOnly.doubles_rate() && !Profile::Plain(2).doubles_rate());
        assert_eq!(Profile::Plain(4).name(), "AAC LTP");
        assert_eq!(Profile::Plain(5).name(), "HE-AAC");
        assert_eq!(Profile::Plain(17).name(), "AAC (object type 17)");
        assert!(Profile::HeV2.name().contains("parametric stereo"));
    }
}
