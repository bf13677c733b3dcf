//! Candidates: the detection curve over a clip, its peaks picked and located in the waveform,
//! each measured (`detect::evidence`) and scored (`detect::score`).

use crate::detect::{evidence, flicker, odf, peaks, refine, score, silence};
use crate::features;
use crate::signal::Mixed;
use crate::signal::stft::{ColumnMax, StftPlan};
use crate::units::round_to;

use super::{AnalyzeParams, DetectParams};

/// One detected event, located in the waveform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Onset sample (first sample reaching the threshold).
    pub onset: usize,
    /// Onset of the main body when a precursor (a supersonic crack) came first.
    pub main_onset: Option<usize>,
    /// Start of the final rise into the peak (see [`refine::Located::attack`]).
    pub attack: usize,
    /// Peak sample.
    pub peak: usize,
    /// Peak magnitude of the mono mix.
    pub peak_abs: f32,
    /// Detection-curve value at the picked frame.
    pub strength: f32,
    /// Broadbandness at the picked frame.
    pub broadband: f32,
    /// What was measured of the candidate.
    pub evidence: evidence::Evidence,
    /// Detection score (0..1) from `evidence`.
    pub score: f64,
    /// The score as measured when it was raised because no voice is heard after the onset
    /// (`score::UnheardVoicing`); `score` is then the raised one.
    pub unheard_from: Option<f64>,
    /// The detection frame that picked it (the strongest of those refining to its onset) ran
    /// past the clip's end, where the frame is padded with silence: the cut reads there as a
    /// broadband click (see the end rule in `stages::drop_at_edges`).
    pub past_end: bool,
    /// The start of the run of digital silence that frame ran into, when it did: a cut to
    /// silence inside the clip (a mute, an edit, audio lost to damage and filled) reads as a
    /// click as the clip's end does (the same rule).
    pub cut_at: Option<usize>,
}

impl Detection {
    /// Where the event's main body starts: the muzzle blast after a crack, else the attack
    /// (the final rise into the peak). Evidence and features are measured from here, so a
    /// crack or a weak lead-in sound does not change them (the features of a crack louder than
    /// its blast from that blast: `measure_detection`).
    pub fn body_onset(&self) -> usize {
        self.main_onset.unwrap_or(self.attack)
    }

    /// The blast after a supersonic crack, when one comes first: the body that
    /// [`refine::locate`] found after a precursor, or the blast after a crack louder than it
    /// ([`refine::trailing_blast`]); none when the first sound is not bipolar as an N-wave is
    /// ([`refine::bipolar`]): then it is where the sound begins, not a crack.
    pub fn crack_blast(
        &self,
        x: &[f32],
        sample_rate: u32,
        p: &refine::RefineParams,
    ) -> Option<usize> {
        // The bipolarity test first: it reads a millisecond, the trailing-blast search tens.
        if !refine::bipolar(x, self.onset, sample_rate, p) {
            return None;
        }
        self.main_onset
            .or_else(|| refine::trailing_blast(x, self.attack, sample_rate, p))
    }

    /// The crack-to-blast delay in ms (`features.crack_lead_ms`) of [`Detection::crack_blast`].
    pub fn crack_lead_ms(
        &self,
        x: &[f32],
        sample_rate: u32,
        p: &refine::RefineParams,
    ) -> Option<f64> {
        let blast = self.crack_blast(x, sample_rate, p)?;
        Some(self.lead_ms(blast, sample_rate))
    }

    /// The time from the onset to `blast` (of [`Detection::crack_blast`]), in ms, rounded to
    /// the microsecond: `features.crack_lead_ms`.
    fn lead_ms(&self, blast: usize, sample_rate: u32) -> f64 {
        round_to(
            blast.saturating_sub(self.onset) as f64 / f64::from(sample_rate) * 1e3,
            3,
        )
    }
}

/// The features of `d` (`features::measure` from its body onset), its crack included. When the
/// crack is louder than the blast that follows it (`refine::trailing_blast`: a close pass, or
/// a narrowband recording resampled, whose crack's peak had fallen between its samples), the
/// sound is measured from that blast too, as when the blast is the louder: from the crack, a
/// shot read an octave brighter and lost its gunshot call (the devset's dev_010 resampled from
/// 8 to 48 kHz: 646 -> 1,007 Hz, 0.85 -> 0.56). The detection's evidence is still taken from
/// the attack.
pub(super) fn measure_detection(
    signal: &Mixed,
    channel: &features::Channel,
    d: &Detection,
    p: &AnalyzeParams,
) -> features::EventFeatures {
    let blast = d.crack_blast(&signal.mono, signal.sample_rate, &p.detect.refine);
    let from = blast.unwrap_or(d.body_onset());
    let mut f = features::measure(signal, channel, from, d.peak, &p.measure);
    f.crack_lead_ms = blast.map(|b| d.lead_ms(b, signal.sample_rate));
    f
}

/// The detection curve: broadbandness weighted by the mean rise per band, so an event must rise
/// in many bands at once *and* by a clear margin.
pub fn detection_curve(o: &odf::Odf) -> Vec<f32> {
    let nb = o.n_bands.max(1) as f32;
    o.flux
        .iter()
        .zip(&o.broadband)
        .map(|(f, b)| b * (f / nb))
        .collect()
}

/// The first cut to silence (a run's start, `cuts` in order) inside detection frame `t`, which
/// spans half a window either side of `t * hop`, with sound before it in the frame.
pub(super) fn cut_in_frame(cuts: &[usize], t: usize, plan: &StftPlan) -> Option<usize> {
    let centre = t * plan.hop;
    let from = centre.saturating_sub(plan.n_fft / 2);
    let i = cuts.partition_point(|&a| a <= from);
    cuts.get(i)
        .copied()
        .filter(|&a| a < centre + plan.n_fft / 2)
}

/// Every candidate in `x` (mono, at `sample_rate`) with its evidence and score, before the
/// score threshold: for development and for explaining what was dropped.
pub fn candidates(x: &[f32], sample_rate: u32, p: &DetectParams) -> Vec<Detection> {
    let silent = silence::runs(x, sample_rate, &p.silence);
    candidates_pooled(x, sample_rate, p, &silent, 0).0
}

/// [`candidates`], also max-pooling the detection STFT into `columns` time columns for the
/// overview picture (none when `columns` is 0), and the clip's codec-flicker measure when it
/// flickers ([`flicker`]; its candidates that do not rise in the waveform are then scored 0).
/// `silent` holds the clip's runs of digital silence ([`silence::runs`] with `p.silence`).
pub fn candidates_pooled(
    x: &[f32],
    sample_rate: u32,
    p: &DetectParams,
    silent: &[(usize, usize)],
    columns: usize,
) -> (Vec<Detection>, Option<ColumnMax>, Option<f64>) {
    let plan = StftPlan::new(&p.stft, sample_rate);
    let mut pooled = (columns > 0).then(|| ColumnMax::new(&plan, x.len(), columns));
    let o = odf::compute_observed(x, &plan, &p.odf, |t, mags| {
        if let Some(c) = &mut pooled {
            c.push(t, mags);
        }
    });
    let curve = detection_curve(&o);
    let frame_rate = f64::from(sample_rate) / plan.hop as f64;
    let picked = peaks::pick(&curve, frame_rate, &p.peaks);
    // Where the audio is cut to digital silence inside the clip (a run's start, with sound
    // before it).
    let cuts: Vec<usize> = silent.iter().map(|&(a, _)| a).filter(|&a| a > 0).collect();
    let mut out: Vec<Detection> = Vec::with_capacity(picked.len());
    for t in picked {
        let approx = (odf::frame_time_s(t, &plan) * f64::from(sample_rate)) as usize;
        let Some(l) = refine::locate(x, approx, sample_rate, &p.refine) else {
            continue;
        };
        let d = Detection {
            onset: l.onset,
            main_onset: l.main_onset,
            attack: l.attack,
            peak: l.peak,
            peak_abs: l.peak_abs,
            strength: curve[t],
            broadband: o.broadband[t],
            evidence: evidence::Evidence::default(),
            score: 0.0,
            unheard_from: None,
            past_end: t * plan.hop + plan.n_fft / 2 > x.len(),
            cut_at: cut_in_frame(&cuts, t, &plan),
        };
        // Two detections that refine to the same event keep the stronger (and whether its
        // frame ran past the clip's end: a weaker frame inside the clip refining to the same
        // onset does not make it a sound; on the devset resampled from 16 to 48 kHz, four more
        // false events at the clips' ends were kept when it did).
        match out.last_mut() {
            Some(prev)
                if d.onset.abs_diff(prev.onset)
                    < (p.peaks.min_interval_s * f64::from(sample_rate)) as usize =>
            {
                if d.strength > prev.strength {
                    *prev = d;
                }
            }
            _ => out.push(d),
        }
    }
    let e = &p.evidence;
    let voicing_len =
        ((e.voicing_end_s - e.voicing_start_s).max(0.0) * f64::from(sample_rate)).round() as usize;
    let voicing_plan = evidence::Voicing::new(voicing_len);
    let mut ev: Vec<evidence::Evidence> = out
        .iter()
        .map(|d| {
            let (peak_over_pre_db, onset_energy_db) =
                evidence::onset_ratios_db(x, d.body_onset(), d.body_onset(), sample_rate, e);
            let blast_onset_db =
                evidence::blast_onset_db(x, d.onset, d.body_onset(), sample_rate, e);
            let voiced = evidence::voicing(&voicing_plan, x, d.body_onset(), sample_rate, e);
            evidence::Evidence {
                log_strength: f64::from(d.strength.max(1e-6)).log10(),
                contrast_db: evidence::contrast_db(
                    &o.band_db,
                    o.n_bands,
                    d.body_onset() / plan.hop,
                    frame_rate,
                    odf::FLOOR_DB,
                    e,
                ),
                peak_over_pre_db,
                onset_energy_db,
                blast_onset_db,
                voicing: voiced.voicing,
                periodicity: voiced.periodicity,
                voicing_pitch_hz: voiced.pitch_hz,
                contrast_rank: 0.0,
            }
        })
        .collect();
    evidence::rank_contrast(&mut ev, e.rank_min_candidates);
    let flickering = flicker_dip(&o, &plan, p)
        .filter(|&dip| p.flicker.is_some_and(|f| flicker::flickers(dip, &f)));
    for (d, e) in out.iter_mut().zip(ev) {
        d.evidence = e;
        d.score = score::score(&e);
    }
    if flickering.is_some() {
        for d in out.iter_mut().filter(|d| !rises_through_flicker(d, p)) {
            d.score = 0.0;
        }
    }
    (out, pooled, flickering)
}

/// The codec-flicker measure of a clip's detection functions ([`flicker::dip_db`]); none when
/// the rule is off.
pub(super) fn flicker_dip(o: &odf::Odf, plan: &StftPlan, p: &DetectParams) -> Option<f64> {
    let f = p.flicker?;
    let edges = odf::band_edges(
        plan.n_fft,
        plan.sample_rate,
        p.odf.fmin_hz,
        p.odf.bands_per_octave,
    );
    let bin_hz = f64::from(plan.sample_rate) / plan.n_fft as f64;
    let frame_rate = f64::from(plan.sample_rate) / plan.hop as f64;
    flicker::dip_db(&o.band_db, &edges, bin_hz, frame_rate, &f)
}

/// Whether candidate `d` rises in the waveform enough to be kept in a flickering clip.
pub(super) fn rises_through_flicker(d: &Detection, p: &DetectParams) -> bool {
    p.flicker
        .is_none_or(|f| d.evidence.onset_energy_db >= f.min_onset_energy_db)
}

/// Detects impulsive events in `x`, a mono signal at `sample_rate`: the candidates whose
/// score reaches the threshold.
pub fn detect_events(x: &[f32], sample_rate: u32, p: &DetectParams) -> Vec<Detection> {
    detect_events_pooled(x, sample_rate, p, 0).0
}

/// [`detect_events`], also pooling the detection STFT as [`candidates_pooled`] does.
pub fn detect_events_pooled(
    x: &[f32],
    sample_rate: u32,
    p: &DetectParams,
    columns: usize,
) -> (Vec<Detection>, Option<ColumnMax>) {
    let silent = silence::runs(x, sample_rate, &p.silence);
    let (found, pooled, _) = candidates_pooled(x, sample_rate, p, &silent, columns);
    let kept = found
        .into_iter()
        .filter(|d| d.score >= p.score.threshold)
        .collect();
    (kept, pooled)
}
