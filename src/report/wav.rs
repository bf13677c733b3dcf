//! The decoded audio as a 32-bit float WAV: exactly the samples the analysis sees, on the same
//! timeline, so anyone can re-check a figure in another tool.

use std::path::Path;

use super::atomic::AtomicFile;
use crate::decode::AudioStream;
use crate::error::{Error, Result};

/// Streams `stream` into a float WAV at `target` (atomically); returns the frames written.
///
/// # Errors
/// Decoding errors from the stream, or [`Error::Write`] for the output.
pub fn write(stream: &mut AudioStream, target: &Path) -> Result<u64> {
    let info = stream.info().clone();
    let spec = hound::WavSpec {
        channels: u16::try_from(info.channels)
            .map_err(|_| Error::write(target, "too many channels for WAV"))?,
        sample_rate: info.sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut file = AtomicFile::create(target)?;
    let werr = |e: hound::Error| Error::write(target, e.to_string());
    let mut frames = 0u64;
    {
        let mut w = hound::WavWriter::new(file.writer(), spec).map_err(werr)?;
        for block in stream.by_ref() {
            let block = block?;
            for i in 0..block.frames() {
                for ch in &block.channels {
                    w.write_sample(ch[i]).map_err(werr)?;
                }
            }
            frames += block.frames() as u64;
        }
        w.finalize().map_err(werr)?;
    }
    file.commit()?;
    Ok(frames)
}

/// Listening copies are kept at or below this rate (Hz): 24 kHz keeps everything up to 12 kHz,
/// which carries a shot's character, at half the size of 48 kHz in a mailed report.
pub const LISTEN_MAX_RATE: u32 = 24_000;

/// Halves the rate of `x` with a 63-tap Hann-windowed-sinc low-pass at 0.45 of the new
/// Nyquist band edge. Written here rather than taken from a resampling crate because it is
/// one fixed factor for listening copies, not a measurement path.
fn decimate2(x: &[f32]) -> Vec<f32> {
    const TAPS: usize = 63;
    let half = (TAPS / 2) as isize;
    let cutoff = 0.225; // cycles per input sample: 0.45 x the output Nyquist (0.25)
    let h: Vec<f32> = (0..TAPS as isize)
        .map(|i| {
            let n = (i - half) as f32;
            let sinc = if n == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * std::f32::consts::PI * cutoff * n).sin() / (std::f32::consts::PI * n)
            };
            let w = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / (TAPS - 1) as f32).cos();
            sinc * w
        })
        .collect();
    let gain: f32 = h.iter().sum();
    // One zero tap more makes 64: whole blocks of eight.
    const PADDED: usize = TAPS + 1;
    let mut taps = [0.0f32; PADDED];
    for (t, v) in taps.iter_mut().zip(&h) {
        *t = v / gain;
    }
    // Zero-padded on both sides so every output is a plain dot product over a slice.
    let mut padded = vec![0.0f32; x.len() + PADDED + 1];
    padded[TAPS / 2..TAPS / 2 + x.len()].copy_from_slice(x);
    (0..x.len().div_ceil(2))
        .map(|k| {
            // Eight running sums over blocks of eight, which the compiler vectorises.
            let mut acc = [0.0f32; 8];
            let xs = &padded[2 * k..2 * k + PADDED];
            for (xb, hb) in xs.chunks_exact(8).zip(taps.chunks_exact(8)) {
                for i in 0..8 {
                    acc[i] += xb[i] * hb[i];
                }
            }
            acc.iter().sum::<f32>()
        })
        .collect()
}

/// A 16-bit mono WAV of `x` (at `sample_rate`), halved in rate while above
/// [`LISTEN_MAX_RATE`], peak-normalised to -1 dBFS when louder (so a clipped shot does not
/// wrap) and left as is otherwise.
pub fn listening_copy(x: &[f32], sample_rate: u32) -> Vec<u8> {
    let (mut y, mut sr) = (x.to_vec(), sample_rate);
    while sr > LISTEN_MAX_RATE && sr % 2 == 0 {
        y = decimate2(&y);
        sr /= 2;
    }
    let peak = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let limit = 10f32.powf(-1.0 / 20.0);
    let gain = if peak > limit { limit / peak } else { 1.0 };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: sr,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    if let Ok(mut w) = hound::WavWriter::new(&mut out, spec) {
        for v in &y {
            let _ = w.write_sample((v * gain * 32767.0).round() as i16);
        }
        let _ = w.finalize();
    }
    out.into_inner()
}

#[cfg(test)]
mod listen_tests {
    use super::*;

    #[test]
    fn a_48k_copy_is_24k_and_keeps_a_low_tone() {
        let x: Vec<f32> = (0..4800)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let wav = listening_copy(&x, 48_000);
        let r = hound::WavReader::new(std::io::Cursor::new(wav)).unwrap();
        assert_eq!(r.spec().sample_rate, 24_000);
        let s: Vec<i16> = r.into_samples().map(|v| v.unwrap()).collect();
        assert_eq!(s.len(), 2400);
        let peak = s[100..2300].iter().map(|v| v.abs()).max().unwrap();
        assert!((f32::from(peak) / 32767.0 - 0.5).abs() < 0.02, "{peak}");
    }
}
