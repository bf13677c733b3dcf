//! Encodes a WAV file as an AMR storage file (`.amr`/`.awb`, RFC 4867 section 5) with
//! rvoip-codec-core's AMR encoders (byte-identical to the 3GPP reference encoders): how the
//! AMR-WB timing fixture is made, Debian's ffmpeg and sox having no AMR-WB encoder.
//!
//! Usage: `cargo run --release --example amr_encode -- IN.wav OUT.awb wb|nb [MODE]`; the WAV
//! must be 16-bit mono at 16 kHz (wb) or 8 kHz (nb). MODE is the codec mode index (the
//! highest rate when left out: 8, 23.85 kbit/s, for AMR-WB; 7, 12.2 kbit/s, for AMR-NB).

use codec_core::codecs::amr::{
    AmrCodec, AmrFrameType, AmrMode, AmrPayloadFrame, AmrVariant, storage,
};
use codec_core::types::{CodecConfig, FrameKind, VariableRateCodec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, variant, rest @ ..] = args.as_slice() else {
        return Err("usage: amr_encode IN.wav OUT.awb wb|nb [MODE]".into());
    };
    let (v, config, frame, rate, top) = match variant.as_str() {
        "wb" => (AmrVariant::WideBand, CodecConfig::amr_wb(), 320, 16_000, 8),
        "nb" => (AmrVariant::NarrowBand, CodecConfig::amr_nb(), 160, 8_000, 7),
        other => return Err(format!("unknown variant {other}: wb or nb").into()),
    };
    let mut reader = hound::WavReader::open(input)?;
    let spec = reader.spec();
    if spec.channels != 1 || spec.sample_rate != rate || spec.bits_per_sample != 16 {
        return Err(format!("{input}: needs 16-bit mono at {rate} Hz").into());
    }
    let pcm: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    let mut codec = AmrCodec::new(&config)?;
    let mode = rest.first().map_or(Ok(top), |m| m.parse())?;
    codec.set_mode(mode)?;
    let mut frames = Vec::new();
    for chunk in pcm.chunks(frame) {
        let mut f = chunk.to_vec();
        f.resize(frame, 0);
        let coded = codec.encode_frame(&f)?;
        let kind = match coded.kind {
            FrameKind::Speech => AmrFrameType::Speech(AmrMode::new(v, coded.mode)?),
            FrameKind::ComfortNoise => AmrFrameType::Sid(v),
            _ => AmrFrameType::NoData,
        };
        frames.push(AmrPayloadFrame::new(kind, true, coded.data)?);
    }
    std::fs::write(output, storage::write(v, &frames)?)?;
    Ok(())
}
