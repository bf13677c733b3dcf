//! Signals shared by the unit tests: reproducible noise without a random-number crate.

/// `n` samples of uniform noise in `[-amp, amp]` from an xorshift generator seeded with `seed`.
pub fn noise(n: usize, amp: f32, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            amp * ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// Writes `channels` (all the same length) as a 32-bit float WAV at `sample_rate`, for tests
/// that build a clip sample by sample.
///
/// # Panics
/// When the file cannot be written.
pub fn write_float_wav(path: &std::path::Path, sample_rate: u32, channels: &[&[f32]]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create the WAV");
    let n = channels.first().map_or(0, |c| c.len());
    for i in 0..n {
        for c in channels {
            w.write_sample(c[i]).expect("write a sample");
        }
    }
    w.finalize().expect("finish the WAV");
}
