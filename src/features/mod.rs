//! Measurements of one event in the waveform: level, rise, decay, crest factor,
//! event-to-background ratio, spectral shape and clipping. Pure functions over buffers.

pub mod arrival;
pub mod classify;
pub mod pace;

use crate::signal::Mixed;

use serde::{Deserialize, Serialize};

/// Measurement parameters (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MeasureParams {
    /// Window after the onset over which energy, crest factor and EBR are measured (the
    /// devset's EBR uses 100 ms).
    pub body_s: f64,
    /// Background is the median power of `frame_s` frames over this long before the onset.
    pub background_s: f64,
    /// Gap left between the background window and the onset.
    pub background_gap_s: f64,
    /// Frame length of the envelope used for decay and background.
    pub frame_s: f64,
    /// Decay ends when the envelope has fallen this many dB below its peak frame...
    pub decay_drop_db: f64,
    /// ...or to this many dB above the background, whichever comes first.
    pub decay_floor_above_bg_db: f64,
    /// Longest decay measured, in seconds.
    pub decay_max_s: f64,
    /// Spectral shape is taken over this long, from `spectrum_lead_s` before the onset...
    pub spectrum_s: f64,
    /// ...so that the first wavefront is inside the window.
    pub spectrum_lead_s: f64,
    /// Fraction of the spectrum window given to its cosine tapers (a Tukey window). A Hann
    /// window over the event would weigh its first milliseconds, the muzzle blast or the click
    /// itself, by almost nothing; a short taper keeps them and still avoids the splatter of a
    /// hard edge.
    pub spectrum_taper: f64,
    /// Whether the background's power spectrum is subtracted from the event's before its
    /// centroid and low/high ratio are taken (spectral subtraction: S. F. Boll, "Suppression of
    /// acoustic noise in speech using spectral subtraction", IEEE TASSP 27(2), 1979). Near or
    /// below the background's level the raw spectrum is mostly the background's (a distant shot
    /// in pink noise reads 1.4 kHz); the background is the per-bin median of the
    /// `spectrum_s` windows over the `background_s` before the onset, over ln 2 (the median of
    /// an exponentially distributed power is ln 2 of its mean). The flatness is reported both
    /// ways: raw (`flatness`, which the voice-colour rules read) and subtracted
    /// (`event_flatness`, which the gunshot model reads). Per bin, what a subtraction leaves is
    /// spiky and its flatness would say more about the subtraction than about the event; per
    /// third octave the bins are summed first, and the band's level is the event's.
    pub subtract_background: bool,
    /// What the subtraction leaves of each bin is at least this share of its power (the
    /// "spectral floor" of M. Berouti, R. Schwartz and J. Makhoul, "Enhancement of speech
    /// corrupted by acoustic noise", ICASSP 1979), so a band the background fills is turned
    /// down by at most 13 dB rather than to nothing, and a sound that is all background keeps
    /// its raw shape.
    pub subtraction_floor: f64,
    /// The background's spectrum is subtracted this many times over (Berouti et al.'s
    /// over-subtraction factor): a bin of noise alone exceeds its mean now and then, and
    /// subtracting the mean once leaves e^-1 of the noise power in the event's spectrum on
    /// average, twice e^-2.
    pub subtraction_factor: f64,
    /// Upper edge of the "low" band in Hz (body of blasts and explosions).
    pub low_band_hz: f64,
    /// Lower edge of the "high" band in Hz (cracks, clicks, clap transients).
    pub high_band_hz: f64,
    /// Upper edge of the band over which spectral flatness is measured, in Hz.
    pub flatness_fmax_hz: f64,
    /// Third octaves more than this many dB below the loudest one in the clip's typical
    /// spectrum are outside what the recording channel carries (a telephone band, a codec's
    /// low-pass, a small microphone's bass roll-off) and are left out of the flatness: an
    /// event cannot be broadband where the channel passes nothing. Leave-one-clip-out gunshot
    /// F1 on the development set is 0.77-0.79 from 15 to 25 dB, 0.73 at 30 dB, 0.74 with
    /// every band.
    pub channel_band_db: f64,
    /// The clip's typical spectrum: the per-band median over this many spectrum windows spread
    /// evenly over the clip.
    pub channel_frames: usize,
    /// The envelope profile compares energy in two later windows with the first
    /// `profile_onset_s` after the onset: the early window (start, end in s)...
    pub profile_early_s: (f64, f64),
    /// ...and the late window, where a shot's reverberant tail still sounds.
    pub profile_tail_s: (f64, f64),
    /// Length of the onset window of the profile, in seconds.
    pub profile_onset_s: f64,
    /// How much of the sound is still there well after its onset (`EventFeatures::sustain_db`)
    /// is measured over this window (start, end in s after the onset). A firearm's report is a
    /// pulse of a few milliseconds and its reverberation: even in a hall with a 2 s
    /// reverberation time, heard beyond the critical distance, the reverberant energy 0.3-0.8 s
    /// on is some 25 dB below the first 10 ms (computed from an exponential decay with an energy
    /// time constant of 0.145 s, not measured). An
    /// explosion's fireball and debris, a machine's run and a door's travel go on.
    pub sustain_window_s: (f64, f64),
    /// The window is cut into frames this long, and...
    pub sustain_frame_s: f64,
    /// ...its level is this quantile (0..1) of their powers: a low one, so that the sound has
    /// to last the whole window, not just return once in it (an echo off a far wall).
    pub sustain_quantile: f64,
    /// The positive phase is timed on the waveform low-passed at this frequency (Hz; 2nd-order
    /// Butterworth), so the noise riding on a slow pulse does not cross zero for it...
    pub positive_phase_lowpass_hz: f64,
    /// ...from the largest excursion within this long after the onset...
    pub positive_phase_peak_s: f64,
    /// ...for at most this long.
    pub positive_phase_max_s: f64,
    /// A sample at or above this magnitude counts as at full scale (lossy codecs ring around
    /// the clip level, so slightly below 1.0).
    pub clip_level: f32,
    /// Consecutive full-scale samples that make a clipping run.
    pub clip_run_samples: usize,
    /// Clipping that went through resampling or a lossy codec leaves no flat run, only a
    /// waveform that keeps hitting the recording's ceiling: an event is also clipped when its
    /// body reaches this fraction of the clip's largest sample...
    pub ceiling_fraction: f32,
    /// ...in at least this many separate places (a natural sound reaches its own peak once or
    /// twice; on the devset no event of an unclipped clip does it three times at 0.95).
    pub ceiling_min_touches: usize,
    /// A constant offset of the mix (the median of its 10 ms means) at least this large, as a
    /// fraction of full scale, is taken out before analysis (`pipeline::mixdown::remove_dc`).
    /// Below it (−40 dBFS) an offset cannot be told from a rumbling background's slow wander:
    /// the devset's clips, which have none, read up to 0.003.
    pub dc_offset_min: f64,
    /// An offset is judged only in a clip at least this long (s). It is a property of the
    /// recording, not of a sound, and over a clip not much longer than one sound the median of
    /// the 10 ms means is that sound's own slow waveform: the demo's shot cut to 0.15 s read
    /// +0.016 from its pulse and reverberation (and was warned about and shifted), 0.005 at
    /// 0.22-0.3 s, 0.001 at 0.5 s.
    pub dc_offset_min_clip_s: f64,
    /// How each event reached the first two channels of a clip of two or more
    /// (`features::arrival`). Reports and parameter files written before it read as off.
    #[serde(default = "arrival::ArrivalParams::off")]
    pub arrival: arrival::ArrivalParams,
}

impl Default for MeasureParams {
    fn default() -> Self {
        MeasureParams {
            body_s: 0.1,
            background_s: 1.0,
            background_gap_s: 0.02,
            frame_s: 0.005,
            decay_drop_db: 20.0,
            decay_floor_above_bg_db: 3.0,
            decay_max_s: 2.0,
            spectrum_s: 0.05,
            spectrum_lead_s: 0.001,
            spectrum_taper: 0.1,
            subtract_background: true,
            subtraction_floor: 0.05,
            subtraction_factor: 1.0,
            low_band_hz: 500.0,
            high_band_hz: 2000.0,
            flatness_fmax_hz: 8000.0,
            channel_band_db: 20.0,
            channel_frames: 200,
            profile_early_s: (0.01, 0.03),
            profile_tail_s: (0.12, 0.25),
            profile_onset_s: 0.01,
            sustain_window_s: (0.3, 0.8),
            sustain_frame_s: 0.01,
            sustain_quantile: 0.2,
            positive_phase_lowpass_hz: 1000.0,
            positive_phase_peak_s: 0.03,
            positive_phase_max_s: 0.2,
            clip_level: 0.98,
            clip_run_samples: 3,
            ceiling_fraction: 0.95,
            ceiling_min_touches: 3,
            dc_offset_min: 0.01,
            dc_offset_min_clip_s: 0.5,
            arrival: arrival::ArrivalParams::default(),
        }
    }
}

/// The event-to-background ratio (`EventFeatures::ebr_db`) of a body that holds no more energy
/// than its background, in dB: the measure's floor, where the event's own share is not
/// measurable (a sound in the middle of speech or of a louder sound's tail).
pub const EBR_FLOOR_DB: f64 = -30.0;

/// What was measured of one event.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventFeatures {
    /// Largest magnitude of any channel in the event's body, in dBFS.
    pub peak_dbfs: f64,
    /// Time from the onset (10 % of peak) to the first sample at 90 % of peak, in ms.
    pub rise_ms: f64,
    /// Time from the peak until the envelope falls `decay_drop_db` (or to the background), ms.
    pub decay_ms: f64,
    /// Peak over RMS of the body, in dB.
    pub crest_db: f64,
    /// Event energy over background energy in the body window, in dB (the devset's EBR): the
    /// body's mean power less the background's, over the background's. Negative when the
    /// event adds less energy than the background holds; [`EBR_FLOOR_DB`] when the body holds
    /// no more energy than the background (the median frame of the second before it), where
    /// the event's own share cannot be measured.
    pub ebr_db: f64,
    /// Spectral centroid of the first `spectrum_s`, in Hz, with the background's spectrum
    /// subtracted (`subtract_background`).
    pub centroid_hz: f64,
    /// Spectral flatness (0 tonal .. 1 equal energy in every band) of the energy per third
    /// octave of the first `spectrum_s`, from 100 Hz to `flatness_fmax_hz`.
    pub flatness: f64,
    /// The same with the background's spectrum subtracted first (`subtract_background`), as
    /// for the centroid: the event's own colour where the raw spectrum is mostly its
    /// background's (what the gunshot model reads: `classify::event_flatness`). None when it is
    /// not subtracted, and in reports written before it.
    #[serde(default)]
    pub event_flatness: Option<f64>,
    /// Energy below `low_band_hz` over energy above `high_band_hz`, in dB, with the
    /// background's spectrum subtracted (`subtract_background`).
    pub low_high_db: f64,
    /// Energy 10-30 ms after the onset over the first 10 ms, in dB (how fast the first
    /// wavefront dies). Not measured (none) when the clip ends before half of either window
    /// has passed.
    pub early_decay_db: Option<f64>,
    /// Energy 120-250 ms after the onset over the first 10 ms, in dB (how much reverberant tail
    /// is left). Not measured (none) when the clip ends before half of the window has passed:
    /// a clip cut just after a shot (as reposted videos often are) holds no tail to measure,
    /// which is not the same as a sound that dies out.
    pub tail_db: Option<f64>,
    /// How much of the sound is left 0.3-0.8 s after the onset (`MeasureParams::sustain_window_s`):
    /// a low quantile of the frame powers there over the loudest frame of the body, both with
    /// the background's power taken off, in dB. Near 0 dB the sound goes on at the level it
    /// started with. Not measured (none) when the clip ends before half the window has passed,
    /// or when another sound is known to be in the window (its sound would be counted): a
    /// detected event starting before the window closes, or, for a gunshot-like event the
    /// measure would turn (`ClassifyParams::sustained_min_db`), speech heard there by the speech
    /// detector or a caption there (only then is the speech detector asked).
    pub sustain_db: Option<f64>,
    /// Duration of the first pressure pulse, in ms: from the onset to the first zero crossing
    /// after its largest excursion (low-passed waveform). A blast wave's positive phase grows
    /// with the cube root of the charge (Hopkinson-Cranz scaling): an explosive charge gives
    /// tens of milliseconds, a muzzle blast a few.
    pub positive_phase_ms: f64,
    /// Channels with a clipping run in the body.
    pub clipped_channels: usize,
    /// Longest clipping run in the body in samples (runs shorter than `clip_run_samples` are
    /// not kept).
    pub longest_clip_run: usize,
    /// Separate places in the body where the waveform reaches `ceiling_fraction` of the
    /// clip's largest sample.
    pub ceiling_touches: usize,
    /// Clipped: a run at full scale in some channel, or `ceiling_min_touches` or more.
    pub clipped: bool,
    /// When a supersonic crack precedes the muzzle blast (a brief N-wave standing alone 4-60
    /// ms before the body, or a crack louder than the blast that follows it; `detect::refine`;
    /// or a crack heard as a sound of its own up to `detect.cracks.max_lead_s` before it,
    /// `detect::cracks`):
    /// the time from the crack to the blast, in ms. The delay grows with the distance to the
    /// shooter; no common look-alike makes this pair of sounds.
    pub crack_lead_ms: Option<f64>,
    /// How far the level that defines the onset (`detect.refine.peak_fraction` of the peak,
    /// 10 %) stands above the background: over its RMS in the `detect.refine.noise_window_s`
    /// (50 ms) before the onset, in dB ([`crate::detect::refine::clearance_db`]). Below
    /// `20 log10(detect.refine.noise_factor)` (9.5 dB) the refinement's threshold, that many
    /// times the background's RMS, lies above that level, and a quieter first part of the
    /// sound may lie hidden in the background, so the true onset may be earlier than the one
    /// reported
    /// (the measured rates by clearance are in docs/detection-notes.md). Null where nothing of
    /// the clip comes before the onset, and in reports written before it.
    #[serde(default)]
    pub onset_clearance_db: Option<f64>,
}

fn db(x: f64) -> f64 {
    10.0 * x.max(1e-20).log10()
}

/// Mean of the squares of `x` (0 when empty).
pub(crate) fn mean_square(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>() / x.len() as f64
}

/// The median power of the `frame`-sample frames of `mono[start..end]` that do not touch
/// digital silence; `None` when there is none.
fn background_power(
    mono: &[f32],
    start: usize,
    end: usize,
    frame: usize,
    channel: &Channel,
) -> Option<f64> {
    let mut bg: Vec<f64> = (start..end)
        .step_by(frame.max(1))
        .map(|a| (a, (a + frame).min(end)))
        .filter(|&(a, b)| !channel.silent_within(a, b))
        .map(|(a, b)| mean_square(&mono[a..b]))
        .collect();
    bg.sort_by(f64::total_cmp);
    bg.get(bg.len() / 2).copied()
}

/// Measures the event with `onset` and `peak` (samples) in `mix` (mono mix for the shape,
/// per-channel peak and clipping runs for level and clipping).
pub fn measure(
    mix: &Mixed,
    channel: &Channel,
    onset: usize,
    peak: usize,
    p: &MeasureParams,
) -> EventFeatures {
    let mono = &mix.mono[..];
    let sample_rate = mix.sample_rate;
    let sr = f64::from(sample_rate);
    let n = |s: f64| ((s * sr).round() as usize).max(1);
    let len = mono.len();
    let onset = onset.min(len.saturating_sub(1));
    let body_end = (onset + n(p.body_s)).min(len);
    let body = &mono[onset..body_end];

    let lv = level(mix, onset, body_end, p);
    let peak_mono = body.iter().fold(0.0f32, |m, v| m.max(v.abs()));

    // Rise: onset to the first sample at 90 % of the mono peak.
    let t90 = body
        .iter()
        .position(|v| v.abs() >= 0.9 * peak_mono)
        .unwrap_or(0);
    let rise_ms = t90 as f64 / sr * 1e3;

    // Background: median frame power before the onset, digital silence left out; when the
    // whole second before is silent (a shot opening a noise gate, or right after an edit), the
    // second after the event's tail instead; when the clip ends before that (a clip that holds
    // little more than the sound), the later half of what follows the onset, the sound's own
    // tail, rather than nothing (the demo's shot cut to 0.15 s had read 123 dB over an empty
    // window's floor).
    let frame = n(p.frame_s);
    let bg_end = onset.saturating_sub(n(p.background_gap_s));
    let bg_start = bg_end.saturating_sub(n(p.background_s));
    let after = (onset + n(p.profile_tail_s.1)).min(len);
    let own_tail = crate::detect::evidence::own_tail_start(onset, n(p.background_s), len);
    let bg_power = background_power(mono, bg_start, bg_end, frame, channel)
        .or_else(|| {
            background_power(
                mono,
                after,
                (after + n(p.background_s)).min(len),
                frame,
                channel,
            )
        })
        .or_else(|| background_power(mono, own_tail, len, frame, channel))
        .unwrap_or(0.0)
        .max(1e-14);

    let body_power = mean_square(body);
    let ebr_db =
        db((body_power - bg_power).max(bg_power * 10f64.powf(EBR_FLOOR_DB / 10.0)) / bg_power);
    let crest_db = db(f64::from(peak_mono).powi(2) / body_power.max(1e-20));

    // Decay: envelope frames from the peak until drop or background floor.
    let peak = peak.clamp(onset, len.saturating_sub(1));
    let decay_end = (peak + n(p.decay_max_s)).min(len);
    let frames: Vec<f64> = mono[peak..decay_end]
        .chunks(frame)
        .map(mean_square)
        .collect();
    let top = frames.first().copied().unwrap_or(0.0).max(1e-20);
    let floor = (top / 10f64.powf(p.decay_drop_db / 10.0))
        .max(bg_power * 10f64.powf(p.decay_floor_above_bg_db / 10.0));
    let decay_frames = frames
        .iter()
        .position(|&f| f <= floor)
        .unwrap_or(frames.len());
    let decay_ms = (decay_frames * frame) as f64 / sr * 1e3;

    let background = if p.subtract_background {
        background_spectrum(mono, bg_start, bg_end, n(p.spectrum_s), sample_rate, p)
    } else {
        None
    };
    let Shape {
        centroid_hz,
        flatness,
        event_flatness,
        low_high_db,
    } = spectral_shape(
        mono,
        onset.saturating_sub(n(p.spectrum_lead_s)),
        n(p.spectrum_s),
        sample_rate,
        channel,
        background.as_deref(),
        p,
    );

    // A window's power over the part of it inside the clip; none when the clip ends before
    // half of it has passed (the rule of `sustain_db`).
    let window_power = |(a, b): (f64, f64)| {
        let lo = onset + (a * sr).round() as usize;
        let hi = (onset + (b * sr).round() as usize).max(lo + 1);
        (len >= lo + (hi - lo).div_ceil(2)).then(|| mean_square(&mono[lo..hi.min(len)]))
    };
    let profile = |w: (f64, f64)| {
        let onset_power = window_power((0.0, p.profile_onset_s))?.max(1e-20);
        Some(db(window_power(w)?.max(1e-20) / onset_power))
    };
    let early_decay_db = profile(p.profile_early_s);
    let tail_db = profile(p.profile_tail_s);

    EventFeatures {
        peak_dbfs: lv.peak_dbfs,
        rise_ms,
        decay_ms,
        crest_db,
        ebr_db,
        centroid_hz,
        flatness,
        event_flatness,
        low_high_db,
        early_decay_db,
        tail_db,
        sustain_db: sustain_db(mono, onset, bg_power, p, sample_rate),
        positive_phase_ms: positive_phase_ms(mono, onset, sample_rate, p),
        clipped_channels: lv.clipped_channels,
        longest_clip_run: lv.longest_clip_run,
        ceiling_touches: lv.ceiling_touches,
        clipped: lv.clipped,
        crack_lead_ms: None,
        onset_clearance_db: None,
    }
}

/// [`EventFeatures::sustain_db`] of the sound starting at `onset` in `mono`, against a
/// background of `bg_power` (mean square per sample).
pub fn sustain_db(
    mono: &[f32],
    onset: usize,
    bg_power: f64,
    p: &MeasureParams,
    sample_rate: u32,
) -> Option<f64> {
    let sr = f64::from(sample_rate);
    let frame = ((p.sustain_frame_s * sr).round() as usize).max(1);
    let powers = |a: usize, b: usize| -> Vec<f64> {
        let b = b.min(mono.len());
        (a..b)
            .step_by(frame)
            .filter(|&i| i + frame <= b)
            .map(|i| mean_square(&mono[i..i + frame]) - bg_power)
            .collect()
    };
    let (w0, w1) = p.sustain_window_s;
    let lo = onset + (w0 * sr).round() as usize;
    let hi = onset + (w1 * sr).round() as usize;
    let mut late = powers(lo, hi);
    let wanted = hi.saturating_sub(lo) / frame;
    if late.is_empty() || 2 * late.len() < wanted {
        return None;
    }
    let body = onset + (p.body_s * sr).round() as usize;
    let top = powers(onset, body).into_iter().fold(0.0, f64::max);
    if top <= 0.0 {
        return None;
    }
    late.sort_by(f64::total_cmp);
    let k = ((late.len() - 1) as f64 * p.sustain_quantile.clamp(0.0, 1.0)).round() as usize;
    Some(db(late[k].max(top * 1e-6) / top))
}

/// Level and clipping over a stretch of the recording (the fields of [`EventFeatures`] of the
/// same names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Largest magnitude of any channel, dBFS.
    pub peak_dbfs: f64,
    /// Channels with a clipping run.
    pub clipped_channels: usize,
    /// Longest clipping run, samples.
    pub longest_clip_run: usize,
    /// Separate places reaching `ceiling_fraction` of the clip's largest sample.
    pub ceiling_touches: usize,
    /// A run at full scale in some channel, or `ceiling_min_touches` or more.
    pub clipped: bool,
}

/// Level over every channel in frames `lo..hi`, and the clipping runs (per channel) that
/// overlap it, counted by the part inside it.
pub fn level(mix: &Mixed, lo: usize, hi: usize, p: &MeasureParams) -> Level {
    let peak_abs = mix.peak_abs(lo, hi);
    let mut longest = vec![0usize; mix.channels];
    for r in &mix.clip_runs {
        let (a, b) = (r.start.max(lo), (r.start + r.len).min(hi));
        if a < b && r.channel < longest.len() {
            longest[r.channel] = longest[r.channel].max(b - a);
        }
    }
    let clipped_channels = longest.iter().filter(|&&l| l >= p.clip_run_samples).count();
    let ceiling_touches = mix.ceiling_touches(lo, hi, p.ceiling_fraction);
    Level {
        peak_dbfs: 20.0 * f64::from(peak_abs).max(1e-10).log10(),
        clipped_channels,
        longest_clip_run: longest.iter().copied().max().unwrap_or(0),
        ceiling_touches,
        clipped: clipped_channels > 0 || ceiling_touches >= p.ceiling_min_touches,
    }
}

impl EventFeatures {
    /// Replaces the level and clipping fields.
    pub fn set_level(&mut self, lv: Level) {
        self.peak_dbfs = lv.peak_dbfs;
        self.clipped_channels = lv.clipped_channels;
        self.longest_clip_run = lv.longest_clip_run;
        self.ceiling_touches = lv.ceiling_touches;
        self.clipped = lv.clipped;
    }
}

/// Centroid (Hz), flatness and low/high energy ratio (dB) of a Hann-windowed FFT of `len`
/// samples from `start`.
/// Weight of sample `i` of `len` in a Tukey (tapered cosine) window whose two tapers together
/// take `taper` (0..1) of it: F. J. Harris, "On the use of windows for harmonic analysis with
/// the discrete Fourier transform", Proc. IEEE 66(1), 1978.
fn tukey(i: usize, len: usize, taper: f64) -> f64 {
    let edge = 0.5 * taper.clamp(0.0, 1.0) * len as f64;
    let from_edge = (i as f64).min((len - 1 - i.min(len - 1)) as f64);
    if edge <= 0.0 || from_edge >= edge {
        1.0
    } else {
        0.5 - 0.5 * (std::f64::consts::PI * from_edge / edge).cos()
    }
}

/// Power spectra of `len`-sample stretches under the Tukey window: the FFT planned and the
/// window computed once, for every spectrum an event, its background or the clip's channel
/// needs.
struct Spectra {
    fft: std::sync::Arc<dyn realfft::RealToComplex<f64>>,
    window: Vec<f64>,
    /// Bin width in Hz.
    bin_hz: f64,
}

impl Spectra {
    fn new(len: usize, sample_rate: u32, p: &MeasureParams) -> Spectra {
        let n_fft = len.next_power_of_two().max(64);
        Spectra {
            fft: realfft::RealFftPlanner::<f64>::new().plan_fft_forward(n_fft),
            window: (0..len).map(|i| tukey(i, len, p.spectrum_taper)).collect(),
            bin_hz: f64::from(sample_rate) / n_fft as f64,
        }
    }

    /// The power spectrum of the window's length of `x` from `start` (zero beyond the end).
    fn power(&self, x: &[f32], start: usize) -> Vec<f64> {
        let mut input = self.fft.make_input_vec();
        for (i, (v, w)) in input.iter_mut().zip(&self.window).enumerate() {
            *v = x.get(start + i).map_or(0.0, |s| f64::from(*s) * w);
        }
        let mut out = self.fft.make_output_vec();
        // Lengths come from the plan, so this cannot fail.
        let _ = self.fft.process(&mut input, &mut out);
        out.iter().map(|c| c.norm_sqr()).collect()
    }
}

/// The power spectrum of `len` samples of `x` from `start` (zero beyond the end) under the
/// Tukey window, and its bin width in Hz.
fn power_spectrum(
    x: &[f32],
    start: usize,
    len: usize,
    sample_rate: u32,
    p: &MeasureParams,
) -> (Vec<f64>, f64) {
    let spectra = Spectra::new(len, sample_rate, p);
    (spectra.power(x, start), spectra.bin_hz)
}

/// The background's power spectrum over `lo..hi` of `x`, in the bins of [`power_spectrum`] for
/// windows of `len`: the per-bin median over windows of `len` overlapping by half, over ln 2
/// (the median of an exponentially distributed power is ln 2 of its mean; a median, so another
/// event in the background window does not count). `None` with fewer than three windows.
fn background_spectrum(
    x: &[f32],
    lo: usize,
    hi: usize,
    len: usize,
    sample_rate: u32,
    p: &MeasureParams,
) -> Option<Vec<f64>> {
    const MIN_WINDOWS: usize = 3;
    let hop = (len / 2).max(1);
    let starts: Vec<usize> = (lo..hi.saturating_sub(len).max(lo))
        .step_by(hop)
        .filter(|s| s + len <= hi)
        .collect();
    if starts.len() < MIN_WINDOWS {
        return None;
    }
    let spectra = Spectra::new(len, sample_rate, p);
    let frames: Vec<Vec<f64>> = starts.iter().map(|&s| spectra.power(x, s)).collect();
    let mid = frames.len() / 2;
    let mut column = vec![0.0; frames.len()];
    Some(
        (0..frames[0].len())
            .map(|k| {
                column.iter_mut().zip(&frames).for_each(|(c, f)| *c = f[k]);
                *column.select_nth_unstable_by(mid, f64::total_cmp).1 / std::f64::consts::LN_2
            })
            .collect(),
    )
}

/// Energy in each third octave from 100 Hz up to `flatness_fmax_hz` (kept under 80 % of
/// Nyquist) of a power spectrum with bins `bin_hz` wide.
fn band_energies(power: &[f64], bin_hz: f64, sample_rate: u32, p: &MeasureParams) -> Vec<f64> {
    let n_fft = 2 * (power.len() - 1);
    let fmax = p.flatness_fmax_hz.min(0.4 * f64::from(sample_rate));
    crate::detect::odf::band_edges(n_fft, sample_rate, 100.0, 3.0)
        .into_iter()
        .filter(|&(_, hi)| hi as f64 * bin_hz <= fmax)
        .map(|(lo, hi)| power[lo..hi].iter().sum::<f64>() + 1e-24)
        .collect()
}

/// The third octaves the recording channel carries (see `channel_band_db`), measured once per
/// clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Per band of `band_energies`: within `channel_band_db` of the loudest band.
    pub live: Vec<bool>,
    /// Runs of digital silence (start, end sample, end exclusive; in time order, as
    /// `detect::silence::runs` gives them),
    /// where the channel carried nothing: a mute, an edit, a dropout. They are left out of
    /// the background an event is measured against, which is the recording's noise, not the
    /// absence of a recording.
    pub silent: Vec<(usize, usize)>,
}

impl Channel {
    /// The channel of the clip `mono`: the per-band median energy of `channel_frames`
    /// spectrum windows spread evenly over it. A clip shorter than one window keeps every band.
    pub fn of(mono: &[f32], sample_rate: u32, p: &MeasureParams) -> Channel {
        let len = ((p.spectrum_s * f64::from(sample_rate)).round() as usize).max(1);
        let frames = p.channel_frames.max(1);
        if mono.len() < len {
            return Channel::unknown();
        }
        let span = mono.len() - len;
        let spectra = Spectra::new(len, sample_rate, p);
        let per_frame: Vec<Vec<f64>> = (0..frames)
            .map(|k| {
                let start = if frames == 1 {
                    0
                } else {
                    span * k / (frames - 1)
                };
                band_energies(&spectra.power(mono, start), spectra.bin_hz, sample_rate, p)
            })
            .collect();
        let n_bands = per_frame.first().map_or(0, Vec::len);
        let median: Vec<f64> = (0..n_bands)
            .map(|b| {
                let mut v: Vec<f64> = per_frame.iter().map(|f| f[b]).collect();
                let mid = v.len() / 2;
                *v.select_nth_unstable_by(mid, f64::total_cmp).1
            })
            .collect();
        let loudest = median.iter().copied().fold(0.0, f64::max);
        let floor = loudest * 10f64.powf(-p.channel_band_db / 10.0);
        Channel {
            live: median.iter().map(|&m| m >= floor).collect(),
            silent: Vec::new(),
        }
    }

    /// A channel not measured: every band counts.
    pub fn unknown() -> Channel {
        Channel {
            live: Vec::new(),
            silent: Vec::new(),
        }
    }

    /// Whether `[a, b)` touches a run of digital silence (the runs are in time order and do not
    /// overlap, so the first that ends after `a` is the only one to check: a gated recording
    /// can have thousands).
    fn silent_within(&self, a: usize, b: usize) -> bool {
        let i = self.silent.partition_point(|&(_, e)| e <= a);
        self.silent.get(i).is_some_and(|&(s, _)| s < b)
    }

    /// Whether band `b` is carried (every band is, when the channel could not be measured).
    fn carries(&self, b: usize) -> bool {
        self.live.get(b).copied().unwrap_or(self.live.is_empty())
    }
}

/// How long before the onset the positive phase's low-pass starts, in seconds: some twenty time
/// constants of a 1 kHz Butterworth biquad (about 0.2 ms), so its start-up transient has died
/// out.
const POSITIVE_PHASE_SETTLE_S: f64 = 0.005;

/// Duration of the first pressure pulse of the sound at sample `onset` of `mono`, in ms
/// ([`EventFeatures::positive_phase_ms`]).
///
/// The low-pass is a biquad (the `biquad` crate) run from a few milliseconds before the onset,
/// so it has settled on the background when the pulse arrives.
pub fn positive_phase_ms(mono: &[f32], onset: usize, sample_rate: u32, p: &MeasureParams) -> f64 {
    use biquad::{Biquad, Coefficients, DirectForm2Transposed, Q_BUTTERWORTH_F32, ToHertz, Type};
    let sr = f64::from(sample_rate);
    let n = |s: f64| (s * sr).round() as usize;
    let onset = onset.min(mono.len());
    let settle = onset.saturating_sub(n(POSITIVE_PHASE_SETTLE_S));
    let end = (onset + n(p.positive_phase_max_s)).min(mono.len());
    let cutoff = p.positive_phase_lowpass_hz.min(0.45 * sr) as f32;
    let Ok(coefficients) = Coefficients::<f32>::from_params(
        Type::LowPass,
        (sample_rate as f32).hz(),
        cutoff.hz(),
        Q_BUTTERWORTH_F32,
    ) else {
        return 0.0;
    };
    let mut lp = DirectForm2Transposed::<f32>::new(coefficients);
    let y: Vec<f32> = mono[settle..end].iter().map(|&v| lp.run(v)).collect();
    let pulse = &y[onset - settle..];
    let search = n(p.positive_phase_peak_s).min(pulse.len());
    let Some((k, &top)) = pulse[..search]
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
    else {
        return 0.0;
    };
    let crossing = pulse[k..]
        .iter()
        .position(|&v| v * top.signum() <= 0.0)
        .unwrap_or(pulse.len() - k);
    (k + crossing) as f64 / sr * 1e3
}

/// What [`spectral_shape`] measures.
struct Shape {
    centroid_hz: f64,
    flatness: f64,
    event_flatness: Option<f64>,
    low_high_db: f64,
}

fn spectral_shape(
    x: &[f32],
    start: usize,
    len: usize,
    sample_rate: u32,
    channel: &Channel,
    background: Option<&[f64]>,
    p: &MeasureParams,
) -> Shape {
    let (power, bin_hz) = power_spectrum(x, start, len, sample_rate, p);
    let (mut total, mut weighted, mut low, mut high) = (0.0, 0.0, 0.0, 0.0);
    let mut sub = power.clone();
    for (k, &raw) in power.iter().enumerate().skip(1) {
        let f = k as f64 * bin_hz;
        let pw = match background {
            Some(bg) => (raw - p.subtraction_factor * bg.get(k).copied().unwrap_or(0.0))
                .max(p.subtraction_floor * raw),
            None => raw,
        };
        sub[k] = pw;
        total += pw;
        weighted += pw * f;
        if f < p.low_band_hz {
            low += pw;
        }
        if f >= p.high_band_hz {
            high += pw;
        }
    }
    let centroid = if total > 0.0 { weighted / total } else { 0.0 };
    // Flatness of the energy in each third octave the channel carries: per-bin flatness is
    // ruined by the empty band above a codec's low-pass (telephone, low-bitrate MP3), bands are
    // not. Energy per band, not per bin: an impulse spreads its energy evenly over octaves
    // (flatness near 1 for pink noise), a knock or a door's resonance piles it into a few
    // bands. Per bin, the natural 1/f tilt of a distant shot read as "coloured"
    // (leave-one-clip-out gunshot F1 0.69 against 0.73).
    let flatness_of = |power: &[f64]| {
        let bands: Vec<f64> = band_energies(power, bin_hz, sample_rate, p)
            .into_iter()
            .enumerate()
            .filter(|&(b, _)| channel.carries(b))
            .map(|(_, e)| e)
            .collect();
        if bands.len() >= 2 {
            let geo = (bands.iter().map(|b| b.ln()).sum::<f64>() / bands.len() as f64).exp();
            (geo / (bands.iter().sum::<f64>() / bands.len() as f64)).min(1.0)
        } else {
            0.0
        }
    };
    Shape {
        centroid_hz: centroid,
        flatness: flatness_of(&power),
        event_flatness: background.map(|_| flatness_of(&sub)),
        low_high_db: db(low + 1e-24) - db(high + 1e-24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::noise;

    #[test]
    fn the_positive_phase_of_a_friedlander_pulse_is_its_duration() {
        // p(t) = (1 - t/td) exp(-t/td) after a 1 ms rise, over faint noise: the pulse crosses
        // zero at td. A charge's blast (25 ms) and a muzzle blast (3 ms), at 48 and 8 kHz.
        for (sr, td_ms) in [(48_000u32, 25.0f32), (48_000, 3.0), (8_000, 25.0)] {
            let n = sr as usize;
            let mut x = noise(n, 0.001, 3);
            let onset = n / 4;
            let rise = sr as usize / 1000;
            let td = td_ms / 1e3;
            for i in 0..n / 2 {
                let v = if i < rise {
                    i as f32 / rise as f32
                } else {
                    let t = (i - rise) as f32 / sr as f32;
                    (1.0 - t / td) * (-t / td).exp()
                };
                x[onset + i] += 0.5 * v;
            }
            let got = positive_phase_ms(&x, onset, sr, &MeasureParams::default());
            // The rise plus td, within the low-pass's delay (a 1 kHz biquad: under 0.5 ms).
            let want = 1.0 + f64::from(td_ms);
            assert!((got - want).abs() < 0.7, "{sr} Hz, td {td_ms} ms: {got}");
        }
    }

    fn mix(channels: Vec<Vec<f32>>, sample_rate: u32) -> Mixed {
        let p = MeasureParams::default();
        Mixed::from_signal(
            &crate::signal::Signal {
                channels,
                sample_rate,
            },
            p.clip_level,
            p.clip_run_samples,
        )
    }

    #[test]
    fn impulse_features_match_construction() {
        let sr = 48_000;
        let mut x = noise(96_000, 0.001, 1);
        // 1 ms linear rise to 0.5, then a 20 ms exponential decay of white noise.
        let burst = noise(48_000, 1.0, 2);
        for i in 0..48 {
            x[48_000 + i] += 0.5 * i as f32 / 48.0 * burst[i].signum();
        }
        for i in 0..9600 {
            x[48_048 + i] += 0.5 * (-(i as f32) / 960.0).exp() * burst[48 + i];
        }
        let f = measured(vec![x], sr, 48_005, 48_048);
        assert!((f.peak_dbfs - 20.0 * 0.5f64.log10()).abs() < 0.5, "{f:?}");
        assert!(f.rise_ms < 1.2, "{f:?}");
        // A 20 ms amplitude time constant falls 20 dB in 46 ms; frames of 5 ms round it.
        assert!((35.0..60.0).contains(&f.decay_ms), "{f:?}");
        assert!(f.ebr_db > 30.0, "{f:?}");
        // White noise puts twice the energy in each octave up: broadband, though tilted.
        assert!(f.flatness > 0.35, "white burst should be broadband: {f:?}");
        assert_eq!(f.clipped_channels, 0);

        // A knock-like resonance (an 800 Hz ring) piles its energy into one band.
        let mut y = noise(96_000, 0.001, 1);
        for (i, v) in y[48_000..57_600].iter_mut().enumerate() {
            let t = i as f32 / sr as f32;
            *v += 0.5 * (-t / 0.02).exp() * (2.0 * std::f32::consts::PI * 800.0 * t).sin();
        }
        let g = measured(vec![y], sr, 48_000, 48_010);
        assert!(g.flatness < 0.2 * f.flatness, "{g:?} against {f:?}");
    }

    /// The features of the event at `onset`/`peak` in channels `x`, with default parameters
    /// and no channel measured.
    fn measured(x: Vec<Vec<f32>>, sr: u32, onset: usize, peak: usize) -> EventFeatures {
        let m = mix(x, sr);
        measure(
            &m,
            &Channel::unknown(),
            onset,
            peak,
            &MeasureParams::default(),
        )
    }

    /// `x` through an ideal 300-3400 Hz band-pass (a telephone line).
    fn telephone(x: &[f32], sr: u32) -> Vec<f32> {
        let mut planner = realfft::RealFftPlanner::<f32>::new();
        let (fwd, inv) = (
            planner.plan_fft_forward(x.len()),
            planner.plan_fft_inverse(x.len()),
        );
        let mut buf = x.to_vec();
        let mut spec = fwd.make_output_vec();
        fwd.process(&mut buf, &mut spec).unwrap();
        let bin_hz = sr as f32 / x.len() as f32;
        for (k, c) in spec.iter_mut().enumerate() {
            if !(300.0..=3400.0).contains(&(k as f32 * bin_hz)) {
                *c = realfft::num_complex::Complex::new(0.0, 0.0);
            }
        }
        let mut out = inv.make_output_vec();
        inv.process(&mut spec, &mut out).unwrap();
        out.iter().map(|v| v / x.len() as f32).collect()
    }

    #[test]
    fn a_span_touches_the_silent_runs_it_overlaps_only() {
        let c = Channel {
            silent: vec![(10, 20), (30, 40), (100, 200)],
            ..Channel::unknown()
        };
        let touches = |a, b| c.silent_within(a, b);
        assert!(!touches(0, 10) && !touches(20, 30) && !touches(40, 100) && !touches(200, 300));
        assert!(touches(0, 11) && touches(19, 25) && touches(25, 31) && touches(150, 160));
        assert!(touches(0, 300) && touches(39, 40));
        assert!(!Channel::unknown().silent_within(0, 1000));
    }

    #[test]
    fn the_decay_profile_is_not_measured_past_the_clips_end() {
        // A burst 60 ms before the clip ends: its early decay (10-30 ms) is there, its tail
        // (120-250 ms) is not; 190 ms before the end, half the tail window is, and counts.
        let sr = 16_000;
        let mut x = noise(2 * sr, 0.01, 5);
        let at = sr;
        for (d, v) in x[at..].iter_mut().zip(noise(sr / 20, 0.5, 6)) {
            *d += v;
        }
        let p = MeasureParams::default();
        let cut = |end: usize| {
            let m = mix(vec![x[..end].to_vec()], sr as u32);
            measure(&m, &Channel::unknown(), at, at + 1, &p)
        };
        let short = cut(at + sr * 6 / 100);
        assert!(
            short.early_decay_db.is_some() && short.tail_db.is_none(),
            "{short:?}"
        );
        let half = cut(at + sr * 19 / 100);
        assert!(half.tail_db.is_some_and(|t| t < -10.0), "{half:?}");
        assert!(cut(at + sr * 18 / 100).tail_db.is_none());
        let whole = cut(2 * sr);
        assert!(whole.tail_db.is_some_and(|t| t < -10.0), "{whole:?}");
        let early = cut(at + sr / 100 + sr / 200);
        assert_eq!(
            (early.early_decay_db, early.tail_db),
            (None, None),
            "{early:?}"
        );
    }

    #[test]
    fn a_body_quieter_than_its_background_stops_at_the_floor() {
        // Noise at 0.1 whose 100 ms from the onset are turned down to 0.03: the body adds
        // nothing of its own to measure, and the ratio says so with its floor, not an
        // arbitrarily negative number.
        let sr = 16_000;
        let mut x = noise(3 * sr, 0.1, 7);
        let at = 3 * sr / 2;
        for v in &mut x[at..at + sr / 10] {
            *v *= 0.3;
        }
        let m = mix(vec![x], sr as u32);
        let f = measure(
            &m,
            &Channel::unknown(),
            at,
            at + 1,
            &MeasureParams::default(),
        );
        assert_eq!(f.ebr_db, EBR_FLOOR_DB, "{f:?}");
    }

    #[test]
    fn digital_silence_is_not_the_background() {
        // A 20 ms noise burst at 0.3 in noise at 0.01, the second before it muted (a shot
        // opening a noise gate): measured against the silence, it stood some 100 dB above its
        // background; against the noise after it, as far as it does with the noise before it.
        let sr = 16_000;
        let mut x = noise(3 * sr, 0.01, 3);
        let burst = noise(320, 0.3, 4);
        let at = 3 * sr / 2;
        for (d, v) in x[at..].iter_mut().zip(&burst) {
            *d += v;
        }
        let m = mix(vec![x.clone()], sr as u32);
        let p = MeasureParams::default();
        let heard = measure(&m, &Channel::unknown(), at, at + 1, &p).ebr_db;
        x[at - sr..at].fill(0.0);
        let m = mix(vec![x], sr as u32);
        let gated = Channel {
            silent: vec![(at - sr, at)],
            ..Channel::unknown()
        };
        let silent = measure(&m, &gated, at, at + 1, &p).ebr_db;
        let naive = measure(&m, &Channel::unknown(), at, at + 1, &p).ebr_db;
        assert!((silent - heard).abs() < 1.5, "{silent} against {heard}");
        assert!(naive > heard + 40.0, "{naive}");
    }

    #[test]
    fn a_sound_that_goes_on_is_told_from_one_that_dies_away() {
        // A noise burst at 0.3 decaying with a 50 ms time constant (a report's reverberation)
        // and the same burst holding its level for a second, in noise at 0.01 (40 dB down).
        let sr = 16_000;
        let p = MeasureParams::default();
        let at = sr;
        let burst = noise(sr * 12 / 10, 0.3, 4);
        let with = |tau_s: f32| {
            let mut x = noise(3 * sr, 0.01, 3);
            for (k, (d, v)) in x[at..].iter_mut().zip(&burst).enumerate() {
                *d += v * (-(k as f32) / (tau_s * sr as f32)).exp();
            }
            x
        };
        let sustain = |x: &[f32]| {
            let m = mix(vec![x.to_vec()], sr as u32);
            measure(&m, &Channel::unknown(), at, at + 1, &p).sustain_db
        };
        let dies = sustain(&with(0.05)).unwrap();
        let goes_on = sustain(&with(100.0)).unwrap();
        // 0.3 s in, e^(-2 * 0.3 / 0.05) of the power is left: -52 dB, below the background.
        assert!(dies <= -40.0, "{dies}");
        assert!(goes_on > -2.0, "{goes_on}");
        // Past the end of the clip there is nothing to measure; half the window is enough.
        let x = with(100.0);
        let end = |s: f64| (s * sr as f64) as usize;
        assert!(sustain(&x[..at + end(0.5)]).is_none());
        assert!(sustain(&x[..at + end(0.6)]).unwrap() > -2.0);
        // Nothing but background is -60 dB, not minus infinity.
        let quiet = noise(3 * sr, 0.01, 5);
        assert_eq!(sustain_db(&quiet, at, 1e-4, &p, sr as u32), None);
        let mut click = quiet.clone();
        click[at + 10] = 0.9;
        let v = sustain_db(&click, at, 1e-4, &p, sr as u32).unwrap();
        assert_eq!(v, -60.0);
    }

    #[test]
    fn the_background_is_subtracted_from_the_spectrum_before_the_centroid() {
        // A damped 150 Hz thud (20 ms) 1.5 s into white noise at about its level: the raw
        // spectrum of its first 50 ms is mostly the noise's (centroid near a quarter of the
        // sample rate); with the noise's spectrum taken away it is the thud's again.
        let sr = 16_000u32;
        let at = 24_000;
        let thud: Vec<f32> = (0..1600)
            .map(|i| {
                let t = i as f32 / sr as f32;
                0.3 * (-t / 0.02).exp() * (2.0 * std::f32::consts::PI * 150.0 * t).sin()
            })
            .collect();
        let bed = noise(32_000, 0.1, 7);
        let mut x = bed.clone();
        for (i, v) in thud.iter().enumerate() {
            x[at + i] += v;
        }
        let mut alone = vec![0.0f32; 32_000];
        alone[at..at + thud.len()].copy_from_slice(&thud);
        let m = mix(vec![x], sr);
        let with = measure(
            &m,
            &Channel::unknown(),
            at,
            at + 26,
            &MeasureParams::default(),
        );
        let raw_p = MeasureParams {
            subtract_background: false,
            ..MeasureParams::default()
        };
        let raw = measure(&m, &Channel::unknown(), at, at + 26, &raw_p);
        let clean = measured(vec![alone], sr, at, at + 26);
        // The noise pulls the raw centroid up by an octave or more; subtracting its spectrum
        // takes more than 40 % of that back. (What remains is the noise's excess over its own
        // mean in this window: e^-1 of its power, on average, with the mean subtracted once.)
        let (w, r, c) = (with.centroid_hz, raw.centroid_hz, clean.centroid_hz);
        assert!(r > 4.0 * c, "raw {r:.0} Hz, thud alone {c:.0} Hz");
        assert!(
            w - c < 0.6 * (r - c),
            "subtracted {w:.0}, raw {r:.0}, alone {c:.0}"
        );
        assert!(
            with.low_high_db > raw.low_high_db + 3.0,
            "{:.1} dB against {:.1} dB",
            with.low_high_db,
            raw.low_high_db
        );
        // The flatness is the raw spectrum's either way. The event's own flatness, with the
        // noise subtracted, moves towards the thud's colour: the white bed reads 0.31 raw, the
        // thud alone 0.002 (a 150 Hz tone fills one band), subtracted 0.15 (the spectral floor
        // takes at most 13 dB off a band the noise fills).
        assert_eq!(with.flatness, raw.flatness);
        assert_eq!(raw.event_flatness, None);
        let own = with
            .event_flatness
            .expect("measured with the background subtracted");
        assert!(
            own < 0.6 * with.flatness && own > clean.flatness,
            "event {own:.3}, raw {:.3}, thud alone {:.3}",
            with.flatness,
            clean.flatness
        );
    }

    #[test]
    fn flatness_counts_only_the_bands_the_channel_carries() {
        let sr = 8000;
        let mut x = noise(80_000, 0.01, 7);
        for (i, v) in noise(40, 0.9, 8).iter().enumerate() {
            x[40_000 + i] += v;
        }
        let x = telephone(&x, sr);
        let m = mix(vec![x.clone()], sr);
        let p = MeasureParams::default();
        let channel = Channel::of(&x, sr, &p);
        // Bands from 100 Hz: the three below 250 Hz are outside the line, the rest inside.
        assert_eq!(&channel.live[..3], &[false, false, false], "{channel:?}");
        assert!(channel.live[4..].iter().all(|&l| l), "{channel:?}");
        let heard = measure(&m, &channel, 40_000, 40_005, &p);
        let unknown = measure(&m, &Channel::unknown(), 40_000, 40_005, &p);
        // The click is white within the line: broadband once the empty bands are left out.
        assert!(heard.flatness > 0.5, "{heard:?}");
        assert!(
            heard.flatness > 2.0 * unknown.flatness,
            "{heard:?} {unknown:?}"
        );
    }

    #[test]
    fn the_spectrum_is_that_of_the_first_milliseconds() {
        // A 4 ms white click over a rumble (white noise summed into a random walk, leaky): the
        // spectrum must be the click's (bright, centroid near a quarter of the sample rate),
        // not the rumble's. A Hann window from the onset weighs those 4 ms by under 6 %.
        let sr = 16_000;
        let white = noise(32_000, 0.02, 3);
        let mut acc = 0.0f32;
        let mut x: Vec<f32> = white
            .iter()
            .map(|v| {
                acc = 0.995 * acc + v;
                acc
            })
            .collect();
        let click = noise(64, 0.8, 4);
        for (i, c) in click.iter().enumerate() {
            x[16_000 + i] += c;
        }
        let f = measured(vec![x], sr, 16_000, 16_000);
        assert!(f.centroid_hz > 2500.0, "{f:?}");
        assert!(f.low_high_db < 0.0, "{f:?}");
    }

    #[test]
    fn tukey_window_is_flat_inside_and_tapers_to_zero() {
        assert_eq!(tukey(50, 100, 0.1), 1.0);
        assert!(tukey(0, 100, 0.1) < 1e-12);
        assert!(tukey(99, 100, 0.1) < 1e-12);
        assert!((tukey(2, 100, 0.1) - 0.5).abs() < 0.2);
        assert_eq!(tukey(0, 100, 0.0), 1.0);
    }

    #[test]
    fn clipping_runs_are_found_per_channel() {
        let sr = 8000;
        let mut a = vec![0.0f32; 8000];
        let b = a.clone();
        a[4000..4010].fill(1.0);
        let f = measured(vec![a, b], sr, 3990, 4000);
        assert_eq!((f.clipped_channels, f.longest_clip_run), (1, 10));
        assert!((f.peak_dbfs).abs() < 1e-6);
    }

    #[test]
    fn clipping_smoothed_by_resampling_is_found_and_a_natural_peak_is_not() {
        let sr = 22_050;
        // A 300 Hz burst decaying over 50 ms, 4x too loud, hard-clipped at 1.0 and then
        // smoothed and scaled as a resampler and a level change would: no flat run is left.
        let n = 4000;
        let mut clipped = vec![0.0f32; sr as usize];
        for i in 0..n {
            let t = i as f32 / sr as f32;
            let v = 4.0 * (-t / 0.05).exp() * (2.0 * std::f32::consts::PI * 300.0 * t).sin();
            clipped[10_000 + i] = v.clamp(-1.0, 1.0);
        }
        let smoothed: Vec<f32> = (0..clipped.len())
            .map(|i| {
                let a = clipped[i.saturating_sub(1)];
                let c = clipped[(i + 1).min(clipped.len() - 1)];
                0.9 * (0.25 * a + 0.5 * clipped[i] + 0.25 * c)
            })
            .collect();
        let f = measured(vec![smoothed], sr, 10_000, 10_010);
        assert_eq!(f.clipped_channels, 0, "{f:?}");
        assert!(f.clipped && f.ceiling_touches >= 3, "{f:?}");
        // The same burst at a natural level (peak 0.9) reaches its peak once.
        let mut natural = vec![0.0f32; sr as usize];
        for i in 0..n {
            let t = i as f32 / sr as f32;
            natural[10_000 + i] =
                0.9 * (-t / 0.05).exp() * (2.0 * std::f32::consts::PI * 300.0 * t).sin();
        }
        let f = measured(vec![natural], sr, 10_000, 10_018);
        assert!(!f.clipped, "{f:?}");
    }

    #[test]
    fn low_thud_is_low_and_tonal() {
        let sr = 16_000;
        let x: Vec<f32> = (0..16_000)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                if t >= 0.5 {
                    (2.0 * std::f32::consts::PI * 80.0 * t).sin() * (-(t - 0.5) / 0.05).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let f = measured(vec![x], sr, 8000, 8050);
        assert!(f.low_high_db > 30.0, "{f:?}");
        assert!(f.centroid_hz < 400.0, "{f:?}");
        assert!(f.flatness < 0.1, "{f:?}");
    }
}
