//! Decoded audio in memory: planar f32 channels at one sample rate, or what the analysis keeps
//! of them (`Mixed`: the mono mix, the per-sample peak over channels where the channels differ,
//! and the clipping runs).

pub mod gcc;
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
/// plus their mix for stereo (a 30-minute 48 kHz stereo clip: 0.7 GB instead of 1 GB; half
/// that when its channels carry the same signal), and everything measured per channel (level,
/// clipping) is still exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixed {
    /// Mean of the channels mixed (all but those left out: `Mixer::with_polarity`).
    pub mono: Vec<f32>,
    /// Largest |sample| over the channels mixed, per frame, where it differs from `|mono|`.
    pub peak: Peaks,
    /// Runs of at least `min_run` samples at or above the clip level, per channel, in time order.
    pub clip_runs: Vec<ClipRun>,
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of channels decoded (a channel left out of the mix is counted).
    pub channels: usize,
    /// Largest |sample| of any channel mixed over the whole clip: the recording's ceiling when
    /// it was clipped, wherever later gain, resampling or a lossy codec moved it.
    pub ceiling: f32,
    /// Largest |sample| of `mono`, the mix itself: what a listener to the mix (the speech
    /// detector) hears as the clip's peak. Below `ceiling` where the channels differ (a voice
    /// in a 5.1 file's centre channel, beside quieter sound in the others, mixes up to 15.6 dB
    /// down).
    pub mono_peak: f32,
    /// The correlation of the second channel with the first over the whole clip, as recorded
    /// (whatever went into the mix); `None` for one channel. At 1 the two carry one signal.
    pub channel_correlation: Option<f64>,
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
        let mut m = 0.0f32;
        self.peak.each(&self.mono, lo, hi, |v| m = m.max(v));
        m
    }

    /// Number of separate runs in frames `lo..hi` where some channel reaches `fraction` of the
    /// clip's [`ceiling`](Mixed::ceiling).
    pub fn ceiling_touches(&self, lo: usize, hi: usize, fraction: f32) -> usize {
        let level = fraction * self.ceiling;
        if level <= 0.0 {
            return 0;
        }
        let mut touches = 0;
        let mut inside = false;
        self.peak.each(&self.mono, lo, hi, |v| {
            let hot = v >= level;
            if hot && !inside {
                touches += 1;
            }
            inside = hot;
        });
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

/// Frames per chunk of [`Peaks`]: 85 ms at 48 kHz, so a recording whose channels differ only
/// now and then stores little more than those stretches.
pub const PEAK_CHUNK: usize = 4096;

/// The largest |sample| over the channels, per frame, kept in chunks of [`PEAK_CHUNK`] frames,
/// and only the chunks where it differs from `|mono|` at some frame. Where every channel
/// carries the same signal (a mono recording stored as stereo, as many phone and screen
/// recordings are) the mix says it all, and the chunk costs nothing; a single channel stores
/// no chunk at all.
///
/// The stored chunks sit one after another in one vector, reserved whole up front when the
/// length is known: the pages of a reservation that are never written are never mapped, so a
/// recording that needs every chunk costs what one vector of peaks did, and one that needs few
/// costs only those. (Chunks as separate allocations measured 770 and 828 MiB against 750 on a
/// true stereo 30-minute clip, with chunks of 4096 and 16384 frames; presumably the heap
/// fragments between the decoder's buffers.)
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Peaks {
    /// Per chunk, its index among the stored chunks; `None` (or beyond the end) means `|mono|`.
    chunks: Vec<Option<u32>>,
    /// The stored chunks, then the chunk being filled by the [`Mixer`].
    stored: Vec<f32>,
    /// Frames in the chunk being filled.
    open: usize,
    /// Whether the chunk being filled differs from `|mono|` at some frame.
    open_differs: bool,
}

impl Peaks {
    /// Room for `frames` frames, reserved but not yet touched.
    fn with_capacity(frames: usize) -> Peaks {
        Peaks {
            stored: Vec::with_capacity(frames),
            ..Peaks::default()
        }
    }

    /// Number of chunks stored (for tests and benchmarks).
    pub fn stored_chunks(&self) -> usize {
        self.chunks.iter().filter(|c| c.is_some()).count()
    }

    /// Appends the peak of the next frame, whose mix is `mono`.
    fn push(&mut self, peak: f32, mono: f32) {
        self.stored.push(peak);
        self.open += 1;
        self.open_differs |= peak != mono.abs();
        if self.open == PEAK_CHUNK {
            self.close();
        }
    }

    /// Ends the chunk being filled: kept if it differs from the mix, taken back otherwise.
    fn close(&mut self) {
        if self.open == 0 {
            return;
        }
        if self.open_differs {
            // Every stored chunk but the last is whole, so this one starts at a multiple.
            let index = (self.stored.len() - self.open) / PEAK_CHUNK;
            self.chunks.push(u32::try_from(index).ok());
        } else {
            self.stored.truncate(self.stored.len() - self.open);
            self.chunks.push(None);
        }
        self.open = 0;
        self.open_differs = false;
    }

    /// Calls `f` with the peak of every frame in `lo..hi` (clamped to `mono`), in order.
    fn each(&self, mono: &[f32], lo: usize, hi: usize, mut f: impl FnMut(f32)) {
        let hi = hi.min(mono.len());
        let mut i = lo.min(hi);
        while i < hi {
            let c = i / PEAK_CHUNK;
            let end = ((c + 1) * PEAK_CHUNK).min(hi);
            let base = c * PEAK_CHUNK;
            match self.chunks.get(c) {
                Some(Some(k)) => {
                    let at = *k as usize * PEAK_CHUNK;
                    self.stored[at + i - base..at + end - base]
                        .iter()
                        .for_each(|v| f(*v));
                }
                _ => mono[i..end].iter().for_each(|v| f(v.abs())),
            }
            i = end;
        }
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
    /// Sign each channel is mixed with (+1, −1 for a channel wired inverted, 0 for one that
    /// carries nothing and is left out).
    polarity: Vec<f32>,
    /// Per channel: its energy, and its product with the first channel, summed.
    energy: Vec<f64>,
    cross: Vec<f64>,
    /// Largest lag searched between the channels (samples, [`SPACED_MAX_LAG_S`]).
    max_lag: usize,
    /// Per channel, over the blocks sampled for it ([`LAG_BLOCK_STRIDE`]): its product with the
    /// first channel at each lag from `-max_lag` to `max_lag` (channel `c` at sample `i` against
    /// the first at `i - lag`), its energy and the first channel's, summed.
    lagged: Vec<Vec<f64>>,
    lagged_energy: Vec<(f64, f64)>,
    /// Blocks pushed.
    blocks: usize,
}

/// A channel whose correlation with the first, over the whole clip, is at or below this is
/// taken to be wired with its polarity inverted. Two microphones of one recorder hear the same
/// scene in phase at the wavelengths that carry most of the energy (their correlation is
/// positive, or near 0 when far apart); a channel at −0.5 or below cancels most of the other
/// in the mix (a copy at −1 cancels it entirely: the demo with one channel inverted mixed to
/// silence and showed no event).
pub const INVERTED_CORRELATION: f64 = -0.5;

/// A channel whose energy over the whole clip is this many dB or more below the loudest
/// channel's carries nothing of the scene: an unplugged input of a stereo recorder (only its
/// preamplifier's hiss) or a track left silent. Two microphones
/// of one recorder hear the same scene within a few dB (their spacing and pattern), and even a
/// source panned hard to one side leaves the room's background in both. Averaged in, such a
/// channel halves every level of the mix (-6 dB), and what reads absolute levels (the speech
/// detector, whose probabilities fall with the input's level) hears less: the devset with each
/// clip on one channel of a stereo file beside a silent one gave 9 more false events, voiced
/// onsets whose voice was no longer heard. At 30 dB a left-in channel would add at most 3 % of
/// the live one's amplitude.
pub const SILENT_CHANNEL_DB: f64 = 30.0;

/// Two microphones this far apart in time or less are searched for a lag between them: 1 ms,
/// 34 cm of sound's path, more than a phone's or a camera's pair of microphones spans
/// (10-20 cm).
pub const SPACED_MAX_LAG_S: f64 = 0.001;

/// A lag shorter than this (s) is taken as none: the mean of two copies 0.05 ms apart cancels
/// only above 10 kHz (its first notch is at 1 / (2 lag)).
pub const SPACED_MIN_LAG_S: f64 = 0.000_05;

/// Channels correlating at least this much at their best lag hear one scene through spaced
/// microphones; below it they are too unlike for a lag to mean anything (unrelated tracks, or
/// a diffuse background that two microphones hear apart).
pub const SPACED_MIN_CORRELATION: f64 = 0.5;

/// The lag between channels is measured on one decoded block in this many (an eighth of the
/// audio, spread over the whole clip): a recording's microphones stay where they are, and
/// measuring every block would cost eight times as much for the same answer.
pub const LAG_BLOCK_STRIDE: usize = 8;

/// Where one channel hears the scene later than another (spaced microphones: a phone's two,
/// a camera's pair): the channel heard first, the one heard later, the lag between them (s)
/// and their correlation at that lag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spaced {
    /// The channel that hears first.
    pub first: usize,
    /// The channel that hears later.
    pub later: usize,
    /// How much later (s).
    pub lag_s: f64,
    /// Their correlation at that lag.
    pub correlation: f64,
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
                    Peaks::with_capacity(capacity)
                } else {
                    Peaks::default()
                },
                clip_runs: Vec::new(),
                sample_rate,
                channels,
                ceiling: 0.0,
                mono_peak: 0.0,
                channel_correlation: None,
            },
            clip_level,
            min_run: min_run.max(1),
            open: vec![(0, 0); channels],
            polarity: vec![1.0; channels],
            energy: vec![0.0; channels],
            cross: vec![0.0; channels],
            max_lag: (SPACED_MAX_LAG_S * f64::from(sample_rate)).round() as usize,
            lagged: Vec::new(),
            lagged_energy: vec![(0.0, 0.0); channels],
            blocks: 0,
        }
    }

    /// Mixes channel `c` with the sign `polarity[c]` (−1: a channel known to be inverted; 0: one
    /// left out, and the mix is the mean of the others).
    pub fn with_polarity(mut self, polarity: &[f32]) -> Mixer {
        for (p, q) in self.polarity.iter_mut().zip(polarity) {
            *p = *q;
        }
        self
    }

    /// The channels, by index, whose correlation with the first over what was pushed is at or
    /// below [`INVERTED_CORRELATION`], with their correlations (of the channels as recorded,
    /// whatever polarity they are mixed with).
    pub fn inverted(&self) -> Vec<(usize, f64)> {
        let e0 = self.energy.first().copied().unwrap_or(0.0);
        (1..self.energy.len())
            .filter_map(|c| {
                let d = (e0 * self.energy[c]).sqrt();
                let r = if d > 0.0 { self.cross[c] / d } else { 0.0 };
                (r <= INVERTED_CORRELATION).then_some((c, r))
            })
            .collect()
    }

    /// The channels, by index, whose energy over what was pushed is [`SILENT_CHANNEL_DB`] or
    /// more below the loudest channel's, with how far below (dB; infinite for digital silence).
    /// Empty when every channel is silent: there is nothing to prefer.
    pub fn silent(&self) -> Vec<(usize, f64)> {
        let loudest = self.energy.iter().copied().fold(0.0f64, f64::max);
        if loudest <= 0.0 {
            return Vec::new();
        }
        self.energy
            .iter()
            .enumerate()
            .filter_map(|(c, &e)| {
                let below = 10.0 * (loudest / e).log10();
                (below >= SILENT_CHANNEL_DB).then_some((c, below))
            })
            .collect()
    }

    /// Where a channel hears the scene [`SPACED_MIN_LAG_S`] or more later or earlier than the
    /// first, correlating at [`SPACED_MIN_CORRELATION`] or more at that lag, over the blocks
    /// sampled: the first such channel, if any. A lag of 0 is no lag: the microphones are
    /// together (or the channels are one mono signal twice).
    pub fn spaced(&self) -> Option<Spaced> {
        let sr = f64::from(self.out.sample_rate);
        let min_lag = (SPACED_MIN_LAG_S * sr).ceil() as usize;
        let l = self.max_lag as i64;
        self.lagged.iter().enumerate().skip(1).find_map(|(c, xs)| {
            let (ec, e0) = self.lagged_energy[c];
            let d = (ec * e0).sqrt();
            if d <= 0.0 || xs.is_empty() {
                return None;
            }
            let (k, best) = xs
                .iter()
                .enumerate()
                .fold((0, f64::MIN), |b, (k, &v)| if v > b.1 { (k, v) } else { b });
            let lag = k as i64 - l;
            let correlation = best / d;
            (lag.unsigned_abs() as usize >= min_lag && correlation >= SPACED_MIN_CORRELATION).then(
                || {
                    // A positive lag: channel `c` hears later than the first.
                    let (first, later) = if lag > 0 { (0, c) } else { (c, 0) };
                    Spaced {
                        first,
                        later,
                        lag_s: lag.unsigned_abs() as f64 / sr,
                        correlation,
                    }
                },
            )
        })
    }

    /// Sums, over one block, each channel's product with the first at every lag up to
    /// `max_lag` (inside the block, so no sample is needed from the one before).
    fn measure_lags(&mut self, block: &[Vec<f32>]) {
        let l = self.max_lag;
        let n = block.first().map_or(0, Vec::len);
        if n <= 2 * l + 1 {
            return;
        }
        if self.lagged.is_empty() {
            self.lagged = vec![vec![0.0; 2 * l + 1]; block.len()];
        }
        let first = &block[0];
        let e0 = dot(&first[l..n - l], &first[l..n - l]);
        for (c, ch) in block.iter().enumerate().skip(1) {
            let body = &ch[l..n - l];
            for (k, acc) in self.lagged[c].iter_mut().enumerate() {
                // Lag `k - l`: channel `c` at `i` against the first at `i - (k - l)`.
                let other = &first[2 * l - k..n - k];
                *acc += f64::from(dot(body, other));
            }
            let ec = dot(body, body);
            self.lagged_energy[c].0 += f64::from(ec);
            self.lagged_energy[c].1 += f64::from(e0);
        }
    }

    /// Appends one block of planar samples (one slice per channel, all the same length).
    pub fn push(&mut self, block: &[Vec<f32>]) {
        if block.len() > 1 && self.blocks.is_multiple_of(LAG_BLOCK_STRIDE) && self.max_lag > 0 {
            self.measure_lags(block);
        }
        self.blocks += 1;
        let n = block.first().map_or(0, Vec::len);
        let base = self.out.mono.len();
        let k = self.polarity.iter().filter(|s| **s != 0.0).count().max(1) as f32;
        for i in 0..n {
            let (mut sum, mut peak) = (0.0f32, 0.0f32);
            for (ch, sign) in block.iter().zip(&self.polarity) {
                let v = ch.get(i).copied().unwrap_or(0.0);
                sum += sign * v;
                // Only what is mixed: a channel left out (spaced microphones' later one) would
                // count each touch of the ceiling twice, a few samples apart.
                if *sign != 0.0 {
                    peak = peak.max(v.abs());
                }
            }
            let mono = sum / k;
            self.out.mono.push(mono);
            self.out.ceiling = self.out.ceiling.max(peak);
            self.out.mono_peak = self.out.mono_peak.max(mono.abs());
            // Every frame of a multichannel clip, whatever the block holds, so the chunks stay
            // aligned with the mix.
            if self.out.channels > 1 {
                self.out.peak.push(peak, mono);
            }
        }
        if block.len() > 1 {
            let first = &block[0];
            for (c, ch) in block.iter().enumerate() {
                let (mut e, mut x) = (0.0f32, 0.0f32);
                for (v, w) in ch.iter().zip(first) {
                    e += v * v;
                    x += v * w;
                }
                self.energy[c] += f64::from(e);
                self.cross[c] += f64::from(x);
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
        self.out.peak.close();
        if let ([e0, e1, ..], [_, x1, ..]) = (self.energy.as_slice(), self.cross.as_slice()) {
            let d = (e0 * e1).sqrt();
            self.out.channel_correlation = Some(if d > 0.0 { x1 / d } else { 0.0 });
        }
        self.out.clip_runs.sort_by_key(|r| (r.start, r.channel));
        self.out
    }
}

/// The dot product of `a` and `b` (the shorter's length), in eight lanes so that the compiler
/// can vectorise it (a single running sum must be added in order, and is not).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_against_the_first_is_found_and_can_be_turned_back() {
        let a: Vec<f32> = (0..800).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..800).map(|i| (i as f32 * 0.11).cos()).collect();
        let neg: Vec<f32> = a.iter().map(|v| -0.8 * v).collect();
        let mut m = Mixer::new(3, 8000, 0.98, 2, 800);
        m.push(&[a.clone(), b.clone(), neg.clone()]);
        let found = m.inverted();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 2);
        assert!((found[0].1 + 1.0).abs() < 1e-6, "{found:?}");
        // Unrelated channels are left alone; turned back, the mix no longer cancels (the
        // correlations stay those of the channels as recorded).
        let mut m = Mixer::new(3, 8000, 0.98, 2, 800).with_polarity(&[1.0, 1.0, -1.0]);
        m.push(&[a.clone(), b, neg]);
        assert_eq!(m.inverted().len(), 1);
        let mixed = m.finish();
        let want = (a[5] * 1.8 + (5.0f32 * 0.11).cos()) / 3.0;
        assert!((mixed.mono[5] - want).abs() < 1e-6);
    }

    #[test]
    fn a_channel_that_carries_nothing_is_found_and_can_be_left_out() {
        // A live channel, a quieter one 20 dB down (a second microphone further off: still the
        // scene), a hiss 50 dB down (an unplugged input) and digital silence.
        let a: Vec<f32> = (0..800).map(|i| (i as f32 * 0.37).sin()).collect();
        let quiet: Vec<f32> = (0..800).map(|i| 0.1 * (i as f32 * 0.21).cos()).collect();
        let hiss: Vec<f32> = (0..800).map(|i| 0.003 * (i as f32 * 2.9).sin()).collect();
        let zeros = vec![0.0f32; 800];
        let mut m = Mixer::new(4, 8000, 0.98, 2, 800);
        m.push(&[a.clone(), quiet.clone(), hiss.clone(), zeros.clone()]);
        let found = m.silent();
        assert_eq!(
            found.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            [2, 3],
            "{found:?}"
        );
        assert!((found[0].1 - 50.5).abs() < 1.0, "{found:?}");
        assert!(found[1].1.is_infinite(), "{found:?}");
        // Left out, the mix is the mean of the live channels.
        let mut m = Mixer::new(4, 8000, 0.98, 2, 800).with_polarity(&[1.0, 1.0, 0.0, 0.0]);
        m.push(&[a.clone(), quiet.clone(), hiss, zeros.clone()]);
        let mixed = m.finish();
        assert!((mixed.mono[5] - (a[5] + quiet[5]) / 2.0).abs() < 1e-6);
        // Nothing is left out of a clip that is silent throughout.
        let mut m = Mixer::new(2, 8000, 0.98, 2, 800);
        m.push(&[zeros.clone(), zeros]);
        assert!(m.silent().is_empty());
    }

    #[test]
    fn spaced_microphones_are_found_by_their_lag_and_the_first_to_hear_is_named() {
        // Broadband noise with a 150 Hz hum, as one scene, and a copy 19 samples later (0.4
        // ms at 48 kHz: microphones 14 cm apart in line with the sound), in blocks of 1024.
        let sr = 48_000;
        let n = 48_000;
        let x: Vec<f32> = crate::testutil::noise(n + 64, 0.3, 3)
            .iter()
            .enumerate()
            .map(|(i, v)| v + 0.5 * (i as f32 * std::f32::consts::TAU * 150.0 / 48_000.0).sin())
            .collect();
        let early = x[19..19 + n].to_vec();
        let late = x[..n].to_vec();
        let found = |a: &[f32], b: &[f32]| {
            let mut m = Mixer::new(2, sr, 0.98, 2, n);
            for (ca, cb) in a.chunks(1024).zip(b.chunks(1024)) {
                m.push(&[ca.to_vec(), cb.to_vec()]);
            }
            m.spaced()
        };
        let sp = found(&early, &late).expect("a lag");
        assert_eq!((sp.first, sp.later), (0, 1));
        assert!((sp.lag_s - 19.0 / 48_000.0).abs() < 1e-9, "{sp:?}");
        assert!(sp.correlation > 0.99, "{sp:?}");
        let sp = found(&late, &early).expect("a lag");
        assert_eq!((sp.first, sp.later), (1, 0));
        // One signal twice, or two unrelated ones, is no pair of spaced microphones; nor is a
        // lag of one sample (its comb's first notch is at 24 kHz).
        assert_eq!(found(&early, &early), None);
        let other = crate::testutil::noise(n, 0.3, 4);
        assert_eq!(found(&early, &other), None);
        assert_eq!(found(&x[1..n + 1], &late), None);
    }

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

    /// Peak and ceiling touches over `lo..hi`, straight from the planar channels.
    fn brute(ch: &[Vec<f32>], lo: usize, hi: usize, level: f32) -> (f32, usize) {
        let peaks: Vec<f32> = (lo..hi)
            .map(|i| ch.iter().fold(0.0f32, |m, c| m.max(c[i].abs())))
            .collect();
        let mut touches = 0;
        let mut inside = false;
        for v in &peaks {
            let hot = *v >= level;
            touches += usize::from(hot && !inside);
            inside = hot;
        }
        (peaks.iter().fold(0.0f32, |m, v| m.max(*v)), touches)
    }

    #[test]
    fn the_peak_is_stored_only_where_the_channels_differ_and_stays_exact() {
        // Two channels carrying the same signal for 2.5 chunks, then different ones; pushed in
        // blocks of an odd size, so chunks and blocks never line up.
        let n = 6 * PEAK_CHUNK + 123;
        let split = 5 * PEAK_CHUNK / 2;
        let mut seed = 9u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        };
        let left: Vec<f32> = (0..n).map(|_| next()).collect();
        let right: Vec<f32> = (0..n)
            .map(|i| if i < split { left[i] } else { next() })
            .collect();
        let channels = vec![left, right];
        let mut m = Mixer::new(2, 8000, 0.98, 2, n);
        for start in (0..n).step_by(1000) {
            let end = (start + 1000).min(n);
            m.push(&[
                channels[0][start..end].to_vec(),
                channels[1][start..end].to_vec(),
            ]);
        }
        let mixed = m.finish();
        // Chunks 0 and 1 are the same in both channels; chunk 2 (where they part) onwards
        // are stored, the last one partial.
        assert_eq!(mixed.peak.stored_chunks(), 5);
        for (lo, hi) in [
            (0, n),
            (0, 10),
            (PEAK_CHUNK - 5, PEAK_CHUNK + 5),
            (split - 7, split + 7),
            (2 * PEAK_CHUNK - 1, 4 * PEAK_CHUNK + 1),
            (n - 50, n + 50),
        ] {
            let level = 0.95 * mixed.ceiling;
            let (peak, touches) = brute(&channels, lo, hi.min(n), level);
            assert_eq!(mixed.peak_abs(lo, hi), peak, "{lo}..{hi}");
            assert_eq!(mixed.ceiling_touches(lo, hi, 0.95), touches, "{lo}..{hi}");
        }
        // The same signal in both channels stores nothing and reads the same.
        let same = vec![channels[0].clone(), channels[0].clone()];
        let dual = Mixed::from_signal(
            &Signal {
                channels: same.clone(),
                sample_rate: 8000,
            },
            0.98,
            2,
        );
        assert_eq!(dual.peak.stored_chunks(), 0);
        assert_eq!(dual.peak_abs(100, 5000), brute(&same, 100, 5000, 1.0).0);
    }

    #[test]
    fn the_mixer_keeps_mix_peak_and_clip_runs_across_blocks() {
        let a: Vec<f32> = vec![0.0, 1.0, 1.0, 1.0, 0.2, 0.0];
        let b: Vec<f32> = vec![0.0, -0.5, 0.0, 0.99, -1.0, 0.0];
        let mut m = Mixer::new(2, 8000, 0.98, 2, 6);
        // Split so that both runs cross the block boundary.
        m.push(&[a[..3].to_vec(), b[..3].to_vec()]);
        m.push(&[a[3..].to_vec(), b[3..].to_vec()]);
        let mut mixed = m.finish();
        let whole = Mixed::from_signal(
            &Signal {
                channels: vec![a, b],
                sample_rate: 8000,
            },
            0.98,
            2,
        );
        // The channels' correlation is summed block by block, in another order: equal to
        // rounding.
        let (r, w) = (
            mixed.channel_correlation.unwrap(),
            whole.channel_correlation.unwrap(),
        );
        assert!((r - w).abs() < 1e-6 && (r - 0.1114).abs() < 1e-3, "{r} {w}");
        mixed.channel_correlation = whole.channel_correlation;
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
