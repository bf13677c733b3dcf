//! Opus decoding in pure Rust: the OpusHead header, pre-skip, and a packet decoder behind a
//! small trait so decoders can be compared on the same demuxed packets.
//!
//! symphonia 0.6 demuxes Opus (Ogg, Matroska/WebM, MP4) but ships no Opus decoder. The default
//! decoder here is the `ropus` crate, chosen by measurement against libopus (see
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

/// The share of an Opus stream's packets coded by its speech coder from which a clip's report
/// warns that gunshot-like calls are less sure ([`Modes::warning`]): most of the stream, as in
/// a voice note or a call; a music encode that falls back to it for a quiet stretch is not.
pub const SPEECH_CODER_WARNING_SHARE: f64 = 0.5;

/// How an Opus stream's packets were coded, counted from their TOC bytes (RFC 6716, 3.1: the
/// configuration, the top five bits, 0-11 SILK only, 12-15 hybrid, 16-31 CELT only).
///
/// SILK is a speech coder (linear prediction, a pitch model, noise-like excitation); libopus
/// uses it, alone or for the band below 8 kHz in the hybrid mode, for its `voip` application and
/// at the low bit rates voice notes are sent at. It re-synthesises what it codes as a voice
/// would sound: a shot's 0.3 ms crack does not survive a 10-20 ms frame, and its spectrum comes
/// out brighter (docs/detection-notes.md, thirty-second session: the devset as WhatsApp- and
/// Telegram-like voice notes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modes {
    /// Packets coded by SILK alone.
    pub silk: u64,
    /// Packets in the hybrid mode (SILK below 8 kHz, CELT above).
    pub hybrid: u64,
    /// Packets coded by CELT alone (the music and low-delay coder).
    pub celt: u64,
}

impl Modes {
    /// Counts `packet` by its TOC byte (an empty packet, a lost frame, is not counted).
    pub fn count(&mut self, packet: &[u8]) {
        match packet.first().map(|toc| toc >> 3) {
            Some(0..=11) => self.silk += 1,
            Some(12..=15) => self.hybrid += 1,
            Some(_) => self.celt += 1,
            None => {}
        }
    }

    /// The share of the packets the speech coder took part in (SILK alone or hybrid).
    pub fn speech_share(&self) -> f64 {
        let all = self.silk + self.hybrid + self.celt;
        if all == 0 {
            0.0
        } else {
            (self.silk + self.hybrid) as f64 / all as f64
        }
    }

    /// A warning when the speech coder took part in at least [`SPEECH_CODER_WARNING_SHARE`]
    /// of the packets.
    pub fn warning(&self) -> Option<String> {
        let share = self.speech_share();
        (share >= SPEECH_CODER_WARNING_SHARE).then(|| {
            format!(
                "{:.0} % of the Opus packets are coded by its speech coder (SILK{}), as voice \
                 notes and calls are: it re-synthesises sound as a voice would sound, so a \
                 shot's crack is lost and its spectrum comes out brighter, and gunshot-like \
                 calls are less sure (the development set passed on as voice notes: gunshot \
                 F1 0.796 -> 0.705 and 0.717): listen before relying on a call either way",
                100.0 * share,
                if self.hybrid > 0 {
                    ", alone or in the hybrid mode"
                } else {
                    ""
                }
            )
        })
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

/// The default decoder: `ropus`, a port of libopus's fixed-point decoder (bit-exact against
/// the C reference per its authors). Chosen over the `opus-decoder` crate by measurement on
/// real files (`examples/opus_eval.rs`): the same conformance against libopus's float output
/// (55-72 dB SNR) at 300-560× realtime instead of 2-6×.
pub enum DefaultOpus {
    /// Mono or stereo (mapping family 0).
    Single(Box<ropus::Decoder>),
    /// Surround or discrete channels (families 1 and 255), decoded at 24-bit precision.
    Multi {
        /// The multistream decoder.
        dec: Box<ropus::OpusMSDecoder>,
        /// Interleaved 24-bit-in-i32 scratch.
        scratch: Vec<i32>,
    },
}

impl DefaultOpus {
    /// A decoder for the streams `head` describes.
    ///
    /// # Errors
    /// The decoder's message when it refuses the configuration.
    pub fn new(head: &OpusHead) -> Result<Self, String> {
        if head.mapping_family == 0 {
            let ch = if head.channels == 1 {
                ropus::Channels::Mono
            } else {
                ropus::Channels::Stereo
            };
            ropus::Decoder::new(OPUS_RATE_HZ, ch)
                .map(|d| DefaultOpus::Single(Box::new(d)))
                .map_err(|e| format!("{e:?}"))
        } else {
            let to_i32 = |n: usize| i32::try_from(n).map_err(|_| "too many channels".to_string());
            ropus::OpusMSDecoder::new(
                OPUS_RATE_HZ as i32,
                to_i32(head.channels)?,
                to_i32(head.streams)?,
                to_i32(head.coupled_streams)?,
                &head.mapping,
            )
            .map(|dec| DefaultOpus::Multi {
                dec: Box::new(dec),
                scratch: vec![0; MAX_FRAMES_PER_PACKET * head.channels],
            })
            .map_err(|code| format!("multistream decoder refused the layout (libopus code {code})"))
        }
    }
}

impl OpusPacketDecoder for DefaultOpus {
    fn name(&self) -> &'static str {
        "ropus 0.12 (pure-Rust libopus port)"
    }

    fn decode(&mut self, packet: &[u8], out: &mut [f32]) -> Result<usize, String> {
        match self {
            DefaultOpus::Single(d) => d
                .decode_float(packet, out, ropus::DecodeMode::Normal)
                .map_err(|e| format!("{e:?}")),
            DefaultOpus::Multi { dec, scratch } => {
                let len =
                    i32::try_from(packet.len()).map_err(|_| "packet too large".to_string())?;
                let channels = scratch.len() / MAX_FRAMES_PER_PACKET;
                let n =
                    dec.decode24(
                        Some(packet),
                        len,
                        scratch,
                        MAX_FRAMES_PER_PACKET as i32,
                        false,
                    )
                    .map_err(|code| format!("libopus code {code}"))? as usize;
                for (o, s) in out.iter_mut().zip(&scratch[..n * channels]) {
                    *o = *s as f32 / 8_388_608.0;
                }
                Ok(n)
            }
        }
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
    fn packets_are_counted_by_their_coding_mode() {
        let mut m = Modes::default();
        // Configurations 1 (SILK NB 20 ms), 13 (hybrid FB 20 ms), 31 (CELT FB 20 ms), and an
        // empty packet.
        for toc in [1u8 << 3, 13 << 3, 31 << 3, (9 << 3) | 0b101] {
            m.count(&[toc, 0]);
        }
        m.count(&[]);
        assert_eq!((m.silk, m.hybrid, m.celt), (2, 1, 1));
        assert!((m.speech_share() - 0.75).abs() < 1e-12);
        assert!(m.warning().unwrap().contains("75 % of the Opus packets"));
        let music = Modes {
            celt: 10,
            silk: 4,
            hybrid: 0,
        };
        assert_eq!(music.warning(), None);
        assert_eq!(Modes::default().warning(), None);
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
