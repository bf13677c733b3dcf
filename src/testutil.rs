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
