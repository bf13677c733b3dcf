//! Encodes a 16-bit WAV to HE-AAC (SBR) or HE-AAC v2 (SBR and parametric stereo) in ADTS with
//! fdk-aac, for `scripts/make-heaac-fixtures.sh`; prints the encoder's delay in samples.
//!
//! Debian's ffmpeg has no HE-AAC encoder (libfdk-aac is non-free), so the fixtures that test
//! HE-AAC decoding are made with the `fdk-aac` crate, which builds the library from source.

use fdk_aac::enc::{AudioObjectType, BitRate, ChannelMode, Encoder, EncoderParams, Transport};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output, profile, kbps] = &args[..] else {
        panic!("usage: encode IN.wav OUT.aac he|he2 KBIT_PER_S");
    };
    let mut reader = hound::WavReader::open(input).expect("a 16-bit WAV");
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.expect("a sample")).collect();
    let enc = Encoder::new(EncoderParams {
        bit_rate: BitRate::Cbr(kbps.parse::<u32>().expect("a bit rate") * 1000),
        sample_rate: spec.sample_rate,
        transport: Transport::Adts,
        channels: if spec.channels == 1 { ChannelMode::Mono } else { ChannelMode::Stereo },
        audio_object_type: match profile.as_str() {
            "he" => AudioObjectType::Mpeg4HeAac,
            "he2" => AudioObjectType::Mpeg4HeAacV2,
            other => panic!("unknown profile {other}"),
        },
    })
    .expect("an encoder");
    let info = enc.info().expect("encoder info");
    let step = (info.frameLength * info.inputChannels) as usize;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 8192];
    let mut pos = 0;
    while pos < samples.len() {
        let end = (pos + step).min(samples.len());
        let done = enc.encode(&samples[pos..end], &mut buf).expect("encoded");
        pos += done.input_consumed.max(1);
        out.extend_from_slice(&buf[..done.output_size]);
    }
    std::fs::write(output, out).expect("written");
    println!("{}", info.nDelay);
}
