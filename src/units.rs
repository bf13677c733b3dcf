//! Conversions between seconds, samples and frames, kept in one place.

/// Seconds of `frames` at `sample_rate`.
pub fn frames_to_s(frames: u64, sample_rate: u32) -> f64 {
    frames as f64 / f64::from(sample_rate)
}

/// Nearest sample index for `seconds` at `sample_rate` (negative times clamp to 0).
pub fn s_to_frames(seconds: f64, sample_rate: u32) -> u64 {
    (seconds * f64::from(sample_rate)).round().max(0.0) as u64
}

/// Rescales a count of ticks in `from_rate` units to `to_rate` units, rounding to nearest,
/// without overflow for any u64 input that fits the result.
pub fn rescale(ticks: u64, from_rate: u64, to_rate: u64) -> u64 {
    if from_rate == 0 {
        return 0;
    }
    ((u128::from(ticks) * u128::from(to_rate) + u128::from(from_rate) / 2) / u128::from(from_rate))
        as u64
}

/// Rounds to `digits` decimals, so JSON is stable and not falsely precise (times to the
/// microsecond, 6; levels to the hundredth of a dB, 2).
pub fn round_to(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(s_to_frames(0.5, 48_000), 24_000);
        assert_eq!(frames_to_s(24_000, 48_000), 0.5);
        assert_eq!(s_to_frames(-1.0, 48_000), 0);
    }

    #[test]
    fn rescale_rounds_and_handles_zero() {
        assert_eq!(rescale(1024, 44_100, 48_000), 1115);
        assert_eq!(rescale(1024, 48_000, 48_000), 1024);
        assert_eq!(rescale(5, 0, 48_000), 0);
        assert_eq!(rescale(u64::MAX / 2, 1000, 1000), u64::MAX / 2);
    }
}
