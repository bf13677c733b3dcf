//! Decoded audio in memory: planar f32 channels at one sample rate, or what the analysis keeps
//! of them (`Mixed`: the mono mix, the per-sample peak over channels and the clipping runs).

pub mod stft;
pub mod xcorr;

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

/// A run of consecutive samples at or above the clip level in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClipRun {
    /// Channel index.
    pub channel: usize,
    /// First sample.
    pub start: usize,
    /// Length in samples.
    pub len: usize,
}

/// What the analysis keeps of a decoded clip: a third of the memory of the planar channels
/// plus their mix for stereo (a 30-minute 48 kHz stereo clip: 0.7 GB instead of 1 GB), and
/// everything measured per channel (level, clipping) is still exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixed {
    /// Mean of all channels.
    pub mono: Vec<f32>,
    /// Largest |sample| over the channels, per frame; empty for a single channel (then it is
    /// `|mono|`).
    pub peak: Vec<f32>,
    /// Runs of at least `min_run` samples at or above the clip level, per channel, in time order.
    pub clip_runs: Vec<ClipRun>,
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of channels mixed.
    pub channels: usize,
    /// Largest |sample| of any channel over the whole clip: the recording's ceiling when it
    /// was clipped, wherever later gain, resampling or a lossy codec moved it.
    pub ceiling: f32,
}

impl Mixed {
    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.mono.len()
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        crate::units::frames_to_s(self.frames() as u64, self.sample_rate)
    }

    /// Largest |sample| of any channel in frames `lo..hi`.
    pub fn peak_abs(&self, lo: usize, hi: usize) -> f32 {
        let src = if self.peak.is_empty() {
            &self.mono
        } else {
            &self.peak
        };
        let hi = hi.min(src.len());
        src[lo.min(hi)..hi]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()))
    }

    /// Number of separate runs in frames `lo..hi` where some channel reaches `fraction` of the
    /// clip's [`ceiling`](Mixed::ceiling).
    pub fn ceiling_touches(&self, lo: usize, hi: usize, fraction: f32) -> usize {
        let src = if self.peak.is_empty() {
            &self.mono
        } else {
            &self.peak
        };
        let hi = hi.min(src.len());
        let level = fraction * self.ceiling;
        if level <= 0.0 {
            return 0;
        }
        let mut touches = 0;
        let mut inside = false;
        for v in &src[lo.min(hi)..hi] {
            let hot = v.abs() >= level;
            if hot && !inside {
                touches += 1;
            }
            inside = hot;
        }
        touches
    }

    /// Mixes a whole in-memory signal (tests, and callers that already hold one).
    pub fn from_signal(s: &Signal, clip_level: f32, min_run: usize) -> Mixed {
        let mut m = Mixer::new(
            s.channels.len(),
            s.sample_rate,
            clip_level,
            min_run,
            s.frames(),
        );
        m.push(&s.channels);
        m.finish()
    }
}

/// Builds a [`Mixed`] block by block as a clip is decoded, so the planar channels are never
/// held whole.
pub struct Mixer {
    out: Mixed,
    clip_level: f32,
    min_run: usize,
    /// Open run per channel: (start, length).
    open: Vec<(usize, usize)>,
}

impl Mixer {
    /// A mixer for `channels` channels; `capacity` frames are reserved up front when known, so
    /// the vectors do not grow by doubling (which briefly needs 1.5-2x the final memory).
    pub fn new(
        channels: usize,
        sample_rate: u32,
        clip_level: f32,
        min_run: usize,
        capacity: usize,
    ) -> Mixer {
        Mixer {
            out: Mixed {
                mono: Vec::with_capacity(capacity),
                peak: if channels > 1 {
                    Vec::with_capacity(capacity)
                } else {
                    Vec::new()
                },
                clip_runs: Vec::new(),
                sample_rate,
                channels,
                ceiling: 0.0,
            },
            clip_level,
            min_run: min_run.max(1),
            open: vec![(0, 0); channels],
        }
    }

    /// Appends one block of planar samples (one slice per channel, all the same length).
    pub fn push(&mut self, block: &[Vec<f32>]) {
        let n = block.first().map_or(0, Vec::len);
        let base = self.out.mono.len();
        let k = block.len().max(1) as f32;
        for i in 0..n {
            let (mut sum, mut peak) = (0.0f32, 0.0f32);
            for ch in block {
                let v = ch.get(i).copied().unwrap_or(0.0);
                sum += v;
                peak = peak.max(v.abs());
            }
            self.out.mono.push(sum / k);
            self.out.ceiling = self.out.ceiling.max(peak);
            if block.len() > 1 {
                self.out.peak.push(peak);
            }
        }
        for (c, ch) in block.iter().enumerate() {
            for (i, v) in ch.iter().enumerate() {
                if v.abs() >= self.clip_level {
                    let run = &mut self.open[c];
                    if run.1 == 0 {
                        run.0 = base + i;
                    }
                    run.1 += 1;
                } else {
                    self.close(c);
                }
            }
        }
    }

    fn close(&mut self, c: usize) {
        let (start, len) = self.open[c];
        if len >= self.min_run {
            self.out.clip_runs.push(ClipRun {
                channel: c,
                start,
                len,
            });
        }
        self.open[c] = (0, 0);
    }

    /// The mixed clip, with runs still open at the end closed.
    pub fn finish(mut self) -> Mixed {
        for c in 0..self.open.len() {
            self.close(c);
        }
        self.out.clip_runs.sort_by_key(|r| (r.start, r.channel));
        self.out
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

    #[test]
    fn the_mixer_keeps_mix_peak_and_clip_runs_across_blocks() {
        let a: Vec<f32> = vec![0.0, 1.0, 1.0, 1.0, 0.2, 0.0];
        let b: Vec<f32> = vec![0.0, -0.5, 0.0, 0.99, -1.0, 0.0];
        let mut m = Mixer::new(2, 8000, 0.98, 2, 6);
        // Split so that both runs cross the block boundary.
        m.push(&[a[..3].to_vec(), b[..3].to_vec()]);
        m.push(&[a[3..].to_vec(), b[3..].to_vec()]);
        let mixed = m.finish();
        let whole = Mixed::from_signal(
            &Signal {
                channels: vec![a, b],
                sample_rate: 8000,
            },
            0.98,
            2,
        );
        assert_eq!(mixed, whole);
        assert_eq!(mixed.mono, vec![0.0, 0.25, 0.5, 0.995, -0.4, 0.0]);
        assert_eq!(mixed.peak_abs(0, 6), 1.0);
        assert_eq!(mixed.peak_abs(4, 5), 1.0);
        assert_eq!(
            mixed.clip_runs,
            vec![
                ClipRun {
                    channel: 0,
                    start: 1,
                    len: 3
                },
                ClipRun {
                    channel: 1,
                    start: 3,
                    len: 2
                }
            ]
        );
    }
}
