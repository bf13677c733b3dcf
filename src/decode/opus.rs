//! Opus decoding in pure Rust: the OpusHead header, pre-skip, and a packet decoder behind a
//! small trait so decoders can be compared on the same demuxed packets.
//!
//! symphonia 0.6 demuxes Opus (Ogg, Matroska/WebM, MP4) but ships no Opus decoder. The default
//! decoder here is the `opus-decoder` crate, chosen by measurement against libopus (see
//! `examples/opus_eval.rs` and docs/decoding.md).
//!
//! # References
//! RFC 6716 (Opus codec), RFC 7845 (Ogg encapsulation, OpusHead, pre-skip), RFC 8251 (updates).

/// Opus always decodes at 48 kHz here: the rate libopus and ffmpeg use for files.
pub const OPUS_RATE_HZ: u32 = 48_000;
/// The longest Opus packet, 120 ms at 48 kHz, in frames per channel.
pub const MAX_FRAMES_PER_PACKET: usize = 5760;

/// The fields of an `OpusHead` identification header that decoding needs.
#[derive(Debug, Clone, PartialEq)]
pub struct OpusHead {
    /// Output channel count.
    pub channels: usize,
    /// Frames at 48 kHz to drop from the start of the decoded stream (encoder priming).
    pub pre_skip: u32,
    /// Output gain in Q7.8 dB, applied to every sample.
    pub output_gain_q8: i16,
    /// Channel mapping family (0: mono/stereo, 1: Vorbis order surround, 255: discrete).
    pub mapping_family: u8,
    /// Number of coded streams (families other than 0).
    pub streams: usize,
    /// Number of coupled (stereo) streams (families other than 0).
    pub coupled_streams: usize,
    /// Stream-to-channel mapping (families other than 0).
    pub mapping: Vec<u8>,
}

impl OpusHead {
    /// Parses an `OpusHead` packet (Ogg) or Matroska `CodecPrivate`, which hold the same bytes.
    ///
    /// # Errors
    /// A description of what is wrong with the header.
    pub fn parse(b: &[u8]) -> Result<Self, String> {
        if b.len() < 19 || &b[0..8] != b"OpusHead" {
            return Err("missing or short OpusHead header".into());
        }
        let channels = usize::from(b[9]);
        if channels == 0 {
            return Err("OpusHead claims 0 channels".into());
        }
        let pre_skip = u32::from(u16::from_le_bytes([b[10], b[11]]));
        let output_gain_q8 = i16::from_le_bytes([b[16], b[17]]);
        let mapping_family = b[18];
        let (streams, coupled_streams, mapping) = if mapping_family == 0 {
            if channels > 2 {
                return Err(format!(
                    "OpusHead mapping family 0 with {channels} channels"
                ));
            }
            (1, channels - 1, vec![0, 1][..channels].to_vec())
        } else {
            if b.len() < 21 + channels {
                return Err("OpusHead channel mapping table is truncated".into());
            }
            (
                usize::from(b[19]),
                usize::from(b[20]),
                b[21..21 + channels].to_vec(),
            )
        };
        if streams == 0 || coupled_streams > streams {
            return Err("OpusHead stream counts are invalid".into());
        }
        Ok(OpusHead {
            channels,
            pre_skip,
            output_gain_q8,
            mapping_family,
            streams,
            coupled_streams,
            mapping,
        })
    }

    /// Linear factor for the header's output gain.
    pub fn gain(&self) -> f32 {
        10f32.powf(f32::from(self.output_gain_q8) / (20.0 * 256.0))
    }
}

/// Decodes one Opus packet to interleaved f32 at 48 kHz, returning frames per channel.
pub trait OpusPacketDecoder {
    /// Short name for provenance, e.g. `opus-decoder 0.1`.
    fn name(&self) -> &'static str;
    /// Decodes `packet` into `out` (interleaved, at least [`MAX_FRAMES_PER_PACKET`] × channels).
    ///
    /// # Errors
    /// The decoder's message for a corrupt packet.
    fn decode(&mut self, packet: &[u8], out: &mut [f32]) -> Result<usize, String>;
}

/// The default decoder: the `opus-decoder` crate (pure Rust, RFC 8251 conformant).
pub enum DefaultOpus {
    /// Mono or stereo (mapping family 0).
    Single(Box<opus_decoder::OpusDecoder>),
    /// Surround or discrete channels (families 1 and 255).
    Multi(opus_decoder::OpusMultistreamDecoder),
}

impl DefaultOpus {
    /// A decoder for the streams `head` describes.
    ///
    /// # Errors
    /// The crate's message when it refuses the configuration.
    pub fn new(head: &OpusHead) -> Result<Self, String> {
        if head.mapping_family == 0 {
            opus_decoder::OpusDecoder::new(OPUS_RATE_HZ, head.channels)
                .map(|d| DefaultOpus::Single(Box::new(d)))
                .map_err(|e| format!("{e:?}"))
        } else {
            opus_decoder::OpusMultistreamDecoder::new(
                OPUS_RATE_HZ,
                head.channels,
                head.streams,
                head.coupled_streams,
                &head.mapping,
            )
            .map(DefaultOpus::Multi)
            .map_err(|e| format!("{e:?}"))
        }
    }
}

impl OpusPacketDecoder for DefaultOpus {
    fn name(&self) -> &'static str {
        "opus-decoder 0.1 (pure Rust)"
    }

    fn decode(&mut self, packet: &[u8], out: &mut [f32]) -> Result<usize, String> {
        match self {
            DefaultOpus::Single(d) => d.decode_float(packet, out, false),
            DefaultOpus::Multi(d) => d.decode_float(packet, out, false),
        }
        .map_err(|e| format!("{e:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, pre_skip: u16, family: u8) -> Vec<u8> {
        let mut b = b"OpusHead".to_vec();
        b.push(1);
        b.push(channels);
        b.extend_from_slice(&pre_skip.to_le_bytes());
        b.extend_from_slice(&48_000u32.to_le_bytes());
        b.extend_from_slice(&0i16.to_le_bytes());
        b.push(family);
        b
    }

    #[test]
    fn parses_family_zero() {
        let h = OpusHead::parse(&head(2, 312, 0)).unwrap();
        assert_eq!(
            (h.channels, h.pre_skip, h.streams, h.coupled_streams),
            (2, 312, 1, 1)
        );
        assert!((h.gain() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn rejects_bad_heads() {
        assert!(OpusHead::parse(b"OpusHea").is_err());
        assert!(
            OpusHead::parse(&head(0, 312, 0))
                .unwrap_err()
                .contains("0 channels")
        );
        assert!(OpusHead::parse(&head(3, 312, 0)).is_err());
        assert!(
            OpusHead::parse(&head(6, 312, 1))
                .unwrap_err()
                .contains("truncated")
        );
    }

    #[test]
    fn decoder_rejects_garbage_packet_without_panicking() {
        let h = OpusHead::parse(&head(1, 0, 0)).unwrap();
        let mut d = DefaultOpus::new(&h).unwrap();
        let mut out = vec![0.0; MAX_FRAMES_PER_PACKET];
        // A TOC byte promising code-3 framing with an impossible frame count.
        let r = d.decode(&[0xff, 0xff, 0xff], &mut out);
        assert!(r.is_err() || r.unwrap() <= MAX_FRAMES_PER_PACKET);
    }
}
