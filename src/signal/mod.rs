//! Decoded audio in memory: planar f32 channels at one sample rate.

pub mod stft;

/// Planar audio: `channels[c][i]` is sample `i` of channel `c`, all at `sample_rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// One vector per channel, all of the same length.
    pub channels: Vec<Vec<f32>>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Signal {
    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        crate::units::frames_to_s(self.frames() as u64, self.sample_rate)
    }

    /// Mean of all channels, one vector.
    pub fn mixdown(&self) -> Vec<f32> {
        let n = self.frames();
        let k = self.channels.len().max(1) as f32;
        let mut out = vec![0.0f32; n];
        for ch in &self.channels {
            for (o, s) in out.iter_mut().zip(ch) {
                *o += *s;
            }
        }
        out.iter_mut().for_each(|o| *o /= k);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixdown_averages_channels() {
        let s = Signal {
            channels: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            sample_rate: 8000,
        };
        assert_eq!(s.mixdown(), vec![0.5, 0.5]);
        assert_eq!(s.frames(), 2);
        assert_eq!(s.duration_s(), 2.0 / 8000.0);
    }
}
