//! Compares pure-Rust Opus decoders with libopus on real files: conformance (SNR and largest
//! sample difference against libopus's output) and speed (× realtime, decoding only).
//!
//! The reference is `opusdec --float` (opus-tools, i.e. libopus through opusfile), which applies
//! pre-skip and output gain as earwitness does. Every decoder gets the same packets, demuxed by
//! symphonia.
//!
//! Usage: `cargo run --release --example opus_eval -- FILE.opus...` (Ogg Opus files; needs
//! `opusdec` from Debian's opus-tools).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use earwitness::decode::opus::{DefaultOpus, MAX_FRAMES_PER_PACKET, OpusHead, OpusPacketDecoder};
use earwitness::decode::{self, Backend, DecodeParams};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::FormatOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// The `opus-decoder` crate, behind the same trait as the default decoder.
struct OpusDecoderCrate(opus_decoder::OpusDecoder);

impl OpusPacketDecoder for OpusDecoderCrate {
    fn name(&self) -> &'static str {
        "opus-decoder 0.1"
    }
    fn decode(&mut self, packet: &[u8], out: &mut [f32]) -> Result<usize, String> {
        self.0
            .decode_float(packet, out, false)
            .map_err(|e| format!("{e:?}"))
    }
}

/// The OpusHead and every packet of the first Opus track of `path`.
fn packets(path: &Path) -> (OpusHead, Vec<Vec<u8>>) {
    let file = std::fs::File::open(path).expect("open");
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .expect("probe");
    let track = format.tracks()[0].clone();
    let Some(CodecParameters::Audio(a)) = &track.codec_params else {
        panic!("no audio")
    };
    let head = OpusHead::parse(a.extra_data.as_deref().expect("OpusHead")).expect("OpusHead");
    let mut out = Vec::new();
    while let Ok(Some(p)) = format.next_packet() {
        if p.track_id == track.id {
            out.push(p.data.to_vec());
        }
    }
    (head, out)
}

/// Decodes every packet; returns planar output after pre-skip and gain, and the decode time.
fn run(
    dec: &mut dyn OpusPacketDecoder,
    head: &OpusHead,
    pkts: &[Vec<u8>],
) -> (Vec<Vec<f32>>, Duration) {
    let ch = head.channels;
    let mut scratch = vec![0.0f32; MAX_FRAMES_PER_PACKET * ch];
    let mut planar = vec![Vec::new(); ch];
    let gain = head.gain();
    let mut elapsed = Duration::ZERO;
    for p in pkts {
        let t = Instant::now();
        let n = dec.decode(p, &mut scratch).unwrap_or(0);
        elapsed += t.elapsed();
        for (c, plane) in planar.iter_mut().enumerate() {
            plane.extend(
                scratch[..n * ch]
                    .iter()
                    .skip(c)
                    .step_by(ch)
                    .map(|s| s * gain),
            );
        }
    }
    for plane in &mut planar {
        plane.drain(..(head.pre_skip as usize).min(plane.len()));
    }
    (planar, elapsed)
}

/// libopus's decode of `path`, via opusdec, as planar f32.
fn reference(path: &Path) -> Vec<Vec<f32>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("ref.wav");
    let st = Command::new("opusdec")
        .args(["--quiet", "--float", "--rate", "48000"])
        .arg(path)
        .arg(&wav)
        .status()
        .expect("opusdec (Debian's opus-tools)");
    assert!(st.success());
    let params = DecodeParams {
        backend: Backend::Symphonia,
        ..DecodeParams::default()
    };
    decode::decode(&wav, &params)
        .expect("reference wav")
        .signal
        .channels
}

/// (SNR in dB against the reference, largest absolute difference, compared length in frames).
fn compare(x: &[Vec<f32>], r: &[Vec<f32>]) -> (f64, f32, usize) {
    let n = x[0].len().min(r[0].len());
    let (mut sig, mut err, mut max) = (0.0f64, 0.0f64, 0.0f32);
    for (xc, rc) in x.iter().zip(r) {
        for (a, b) in xc[..n].iter().zip(&rc[..n]) {
            sig += f64::from(*b) * f64::from(*b);
            err += f64::from(a - b) * f64::from(a - b);
            max = max.max((a - b).abs());
        }
    }
    let snr = if err == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (sig / err).log10()
    };
    (snr, max, n)
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: opus_eval FILE.opus...");
        std::process::exit(2);
    }
    println!(
        "| file | decoder | SNR vs libopus (dB) | max abs diff | length diff (frames) | × realtime |"
    );
    println!("|---|---|---|---|---|---|");
    for f in &files {
        let path = Path::new(f);
        let (head, pkts) = packets(path);
        let r = reference(path);
        let mut default = DefaultOpus::new(&head).expect("ropus");
        let mut other = OpusDecoderCrate(
            opus_decoder::OpusDecoder::new(48_000, head.channels).expect("opus-decoder"),
        );
        let decoders: [&mut dyn OpusPacketDecoder; 2] = [&mut default, &mut other];
        for dec in decoders {
            let name = dec.name();
            let (x, t) = run(dec, &head, &pkts);
            let (snr, max, n) = compare(&x, &r);
            let secs = n as f64 / 48_000.0;
            println!(
                "| {} | {name} | {snr:.1} | {max:.2e} | {} | {:.0} |",
                path.file_name().unwrap().to_string_lossy(),
                x[0].len() as i64 - r[0].len() as i64,
                secs / t.as_secs_f64()
            );
        }
    }
}
