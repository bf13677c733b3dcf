//! The plain, explicit composition of the stages: `detect_events` over a decoded signal, and
//! `analyze` from a file to the [`Analysis`] every report reads.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decode::{self, DecodeParams};
use crate::detect::{
    components, cracks, evidence, flicker, follow, gates, odf, peaks, refine, repeat, score,
    silence, speech, syllables,
};
use crate::error::Result;
use crate::features::{self, MeasureParams, classify, pace};
use crate::model::{
    Analysis, AnalyzedAudio, Burst, Event, OffsetSource, SCHEMA_VERSION, SetAside, Tool,
    TranscriptReport,
};
use crate::signal::stft::{ColumnMax, StftParams, StftPlan};
use crate::signal::{Mixed, Mixer};
use crate::units::round_to;

/// Every parameter of `analyze`, echoed in `events.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeParams {
    /// Decoding.
    pub decode: DecodeParams,
    /// Detection.
    pub detect: DetectParams,
    /// Measurement.
    pub measure: MeasureParams,
    /// Classification.
    pub classify: classify::ClassifyParams,
    /// Bursts.
    pub burst: BurstParams,
    /// Transcript reading and clock correction.
    pub transcript: TranscriptParams,
    /// Word onsets set aside where the audio holds speech (`detect::speech`).
    pub speech: crate::detect::speech::SpeechParams,
}

/// How the transcript's clock is set.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Default,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Trust the transcript's clock (plus any manual offset).
    #[default]
    None,
    /// Estimate the offset from the audio; apply it when confident.
    Auto,
}

/// Transcript parameters (echoed in every report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptParams {
    /// Format forced by the user (otherwise detected from the content).
    pub format: Option<crate::transcript::Format>,
    /// Manual offset: transcript_time = audio_time + offset_s.
    pub offset_s: Option<f64>,
    /// Automatic clock correction.
    pub sync: SyncMode,
    /// Also search frame-rate conversions (23.976/24/25 fps) with `sync: auto`.
    pub sync_speed: bool,
    /// Parameters of the automatic estimate.
    pub sync_params: crate::transcript::sync::SyncParams,
    /// Which sounds inside spoken cues are taken for the onsets of words.
    pub syllables: crate::detect::syllables::SyllableParams,
}

/// How gunshot-like events are grouped into bursts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BurstParams {
    /// Shots closer than this (s) belong to one burst (automatic fire is 400-1200 rounds a
    /// minute, 50-150 ms apart; a deliberate double tap is 0.2-0.5 s).
    pub max_gap_s: f64,
    /// When a weaker candidate is kept as the next round of a gunshot.
    pub follow: follow::FollowParams,
    /// How the other rounds of a burst are found as copies of its clearest shot.
    pub repeat: repeat::RepeatParams,
}

impl Default for BurstParams {
    fn default() -> Self {
        BurstParams {
            max_gap_s: 0.6,
            follow: follow::FollowParams::default(),
            repeat: repeat::RepeatParams::default(),
        }
    }
}

/// Every parameter of detection, echoed in the output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DetectParams {
    /// STFT window and hop.
    pub stft: StftParams,
    /// Detection functions.
    pub odf: odf::OdfParams,
    /// Peak picking on the detection curve.
    pub peaks: peaks::PeakParams,
    /// Onset refinement in the waveform.
    pub refine: refine::RefineParams,
    /// Components of an event (echoes).
    pub components: components::ComponentParams,
    /// Evidence measured per candidate.
    pub evidence: evidence::EvidenceParams,
    /// The detection score and its threshold.
    pub score: score::ScoreParams,
    /// Runs of digital silence, and the sound resuming after one.
    pub silence: silence::SilenceParams,
    /// A clip whose upper bands flicker as a low-bitrate codec's do over noise keeps only
    /// candidates that rise in the waveform ([`flicker`]); none in reports written before it.
    #[serde(default)]
    pub flicker: Option<flicker::FlickerParams>,
    /// A supersonic crack heard as a sound of its own, further ahead of its blast than the
    /// precursor search reaches, is paired with that blast as one shot, and every crack's
    /// delay gives a distance ([`cracks`]); none in reports written before it (no pairing, no
    /// distance).
    #[serde(default)]
    pub cracks: Option<cracks::CrackParams>,
}

impl Default for DetectParams {
    fn default() -> Self {
        DetectParams {
            stft: StftParams::default(),
            odf: odf::OdfParams::default(),
            peaks: peaks::PeakParams::default(),
            refine: refine::RefineParams::default(),
            components: components::ComponentParams::default(),
            evidence: evidence::EvidenceParams::default(),
            score: score::ScoreParams::default(),
            silence: silence::SilenceParams::default(),
            flicker: Some(flicker::FlickerParams::default()),
            cracks: Some(cracks::CrackParams::default()),
        }
    }
}

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
    /// broadband click (see the end rule in [`drop_at_edges`]).
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
fn measure_detection(
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
fn cut_in_frame(cuts: &[usize], t: usize, plan: &StftPlan) -> Option<usize> {
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
fn flicker_dip(o: &odf::Odf, plan: &StftPlan, p: &DetectParams) -> Option<f64> {
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
fn rises_through_flicker(d: &Detection, p: &DetectParams) -> bool {
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

/// One event on its way to the report: where it is, what was measured, what it was called.
struct Found {
    d: Detection,
    f: features::EventFeatures,
    v: classify::Verdict,
    /// Whether the detector saw a candidate there (`d.evidence` and `d.score` are its).
    detected: bool,
    repeat: Option<crate::model::Repeat>,
    /// Onsets of the reported events found to be its late reflections (`repeat::reflections`).
    late_echoes: Vec<usize>,
    /// When the detector reported it and `detect::repeat` found it again as a copy of another
    /// reported, unvoiced sound (a knock, a step, a blow repeated at the same level): that
    /// sound's onset. It is then no word's onset, unless that sound is one too.
    copy_of: Option<usize>,
}

/// What `detect::repeat` needs to know of each event.
fn seeds_of(found: &[Found]) -> Vec<repeat::Seed> {
    found
        .iter()
        .map(|e| repeat::Seed {
            onset: e.d.onset,
            score: e.d.score,
            gunshot_score: e.v.gunshot_score,
            gunshot: e.v.class == classify::GUNSHOT,
            impulsive: e.v.class == classify::IMPULSIVE,
            voicing: e.d.evidence.voicing,
        })
        .collect()
}

/// Removes the events (in time order) that are late reflections of a reported gunshot
/// (`repeat::reflections`), keeping their onsets as echoes of that shot. A copy found by the
/// repeat search is never one: it is within `level_db` of its template.
fn drop_reflections(
    mut found: Vec<Found>,
    mono: &[f32],
    sample_rate: u32,
    p: &AnalyzeParams,
) -> Vec<Found> {
    let pairs = repeat::reflections(
        mono,
        sample_rate,
        &seeds_of(&found),
        p.burst.max_gap_s,
        &p.burst.repeat,
    );
    let mut keep = vec![true; found.len()];
    for (echo, shot) in pairs {
        if found[echo].repeat.is_none() && keep[shot] {
            keep[echo] = false;
            let at = found[echo].d.onset;
            found[shot].late_echoes.push(at);
        }
    }
    found
        .into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect()
}

/// Events (in time order) without the `impulsive` sounds that start before the sound before
/// them has died away (its `end_s`), when that sound is not gunshot-like: each is a later part
/// of it, named in its reasons (`ClassifyParams::later_parts`). Gunshot-like sounds are never
/// taken for a part, nor does a gunshot-like sound own one.
fn later_parts(events: Vec<Event>, strikes: Option<&gates::StrikeParams>) -> Vec<Event> {
    let sounds: Vec<gates::Sounding> = events
        .iter()
        .map(|e| gates::Sounding {
            onset_s: e.onset_s,
            end_s: e.end_s,
            gunshot: e.class == classify::GUNSHOT,
            impulsive: e.class == classify::IMPULSIVE,
            peak_dbfs: e.peak_dbfs,
        })
        .collect();
    let plan = gates::later_parts_plan(&sounds, strikes);
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    // Index in `out` of each kept event.
    let mut at = vec![usize::MAX; events.len()];
    for (j, mut e) in events.into_iter().enumerate() {
        match plan[j] {
            gates::Part::Of(owner) => {
                let o = &mut out[at[owner]];
                o.reasons.push(format!(
                    "goes on into a later part at {:.3} s ({:+.0} ms, before it has died \
                     away), reported with it",
                    e.onset_s,
                    (e.onset_s - o.onset_s) * 1e3
                ));
            }
            own => {
                if let gates::Part::StrikeAfter(l) = own {
                    e.reasons.push(format!(
                        "another strike: it starts {:.0} ms after the sound at {:.3} s, before \
                         that one has died away, peaking {:+.1} dB against it (a later part of \
                         one sound comes sooner or louder)",
                        (e.onset_s - sounds[l].onset_s) * 1e3,
                        sounds[l].onset_s,
                        e.peak_dbfs - sounds[l].peak_dbfs
                    ));
                }
                at[j] = out.len();
                out.push(e);
            }
        }
    }
    out
}

/// Lone supersonic cracks paired with the gunshot-like blasts after them (`detect::cracks`):
/// each pair becomes one event, the blast's, timed from its crack, and the crack's own event
/// goes. Then every event with a crack and a blast, these and those the precursor search found,
/// is given the distance their delay implies, named in its crack reason. Events in time order
/// in and out.
fn paired_cracks(
    events: Vec<Event>,
    x: &[f32],
    sample_rate: u32,
    p: &DetectParams,
    classify_params: &classify::ClassifyParams,
) -> Vec<Event> {
    let Some(cp) = p.cracks else {
        return events;
    };
    let sr = f64::from(sample_rate);
    let sample = |s: f64| ((s * sr).round() as usize).min(x.len());
    // One sound from its onset: no crack, blast or precursor of its own.
    let single = |e: &Event| {
        e.components
            .iter()
            .all(|c| c.kind == "direct" || c.kind == "echo")
    };
    let reach = sample(p.refine.precursor_max_lead_s);
    let lone: Vec<bool> = events
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let first = sample(e.onset_s);
            let next = events.get(k + 1).map_or(x.len(), |n| sample(n.onset_s));
            let len = sample(p.refine.crack_max_s).max(1);
            e.class != classify::EXPLOSION
                && single(e)
                && refine::lone_crack(x, first, next.min(first + reach), sample_rate, &p.refine)
                && cracks::clear_db(x, first, len, sample(cp.clear_s))
                    .is_some_and(|db| db >= cp.lone_min_clear_db)
        })
        .collect();
    let crack_at: Vec<usize> = (0..events.len()).filter(|&k| lone[k]).collect();
    // A blast is a gunshot-like sound, or one its own measurements called impulsive that the
    // crack's evidence would make gunshot-like (`cracked_model`); not one a rule turned.
    let min_score = classify_params.gunshot_min_score;
    let blast_like = |e: &Event| {
        e.class == classify::GUNSHOT
            || (e.class == classify::IMPULSIVE
                && e.gunshot_score < min_score
                && e.gunshot_model
                    .as_ref()
                    .is_some_and(|m| cracked_model(m).score >= min_score))
    };
    let blast_at: Vec<usize> = (0..events.len())
        .filter(|&k| !lone[k] && blast_like(&events[k]) && single(&events[k]))
        .collect();
    let onsets = |at: &[usize]| -> Vec<f64> { at.iter().map(|&k| events[k].onset_s).collect() };
    let (crack_s, blast_s) = (onsets(&crack_at), onsets(&blast_at));
    // Every sound that could be a blast, whatever its parts, for the check of a burst.
    let gunshots: Vec<f64> = (0..events.len())
        .filter(|&k| !lone[k] && blast_like(&events[k]))
        .map(|k| events[k].onset_s)
        .collect();
    let min_lead = p.refine.precursor_max_lead_s;
    let pairs = cracks::pair(&crack_s, &blast_s, min_lead, &cp);
    // The other sounds, any of which may be a crack heard where a burst's cracks say one is.
    let other_at: Vec<usize> = (0..events.len())
        .filter(|&k| !lone[k] && !blast_like(&events[k]) && single(&events[k]))
        .collect();
    let (pairs, heard) = cracks::verified(
        &crack_s,
        &blast_s,
        &gunshots,
        &onsets(&other_at),
        &pairs,
        min_lead,
        &cp,
    );
    // By event: the event holding its crack, and whether that passed the lone tests.
    let mut crack_of = vec![None; events.len()];
    for &(i, j) in &pairs {
        crack_of[blast_at[j]] = Some((crack_at[i], true));
    }
    for &(k, j) in &heard {
        crack_of[blast_at[j]] = Some((other_at[k], false));
    }
    let mut paired = vec![false; events.len()];
    for &(c, _) in crack_of.iter().flatten() {
        paired[c] = true;
    }
    let onset_and_clearance: Vec<(f64, Option<f64>)> = events
        .iter()
        .map(|e| (e.onset_s, e.features.onset_clearance_db))
        .collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    for (k, mut e) in events.into_iter().enumerate() {
        if paired[k] {
            continue;
        }
        if let Some((c, lone)) = crack_of[k] {
            let (crack_s, clearance) = onset_and_clearance[c];
            e.components.retain(|c| c.kind != "direct");
            e.components.insert(0, component("blast", e.onset_s));
            e.components.insert(0, component("crack", crack_s));
            let what = if lone {
                format!(
                    "a lone N-wave at {crack_s:.3} s, bipolar and over within {:.0} ms, heard as \
                     a sound of its own",
                    p.refine.crack_max_s * 1e3
                )
            } else {
                format!(
                    "the sound at {crack_s:.3} s, where the burst's other cracks put this round's"
                )
            };
            e.reasons.insert(
                0,
                format!(
                    "supersonic crack {:.3} s before the blast ({what}): one shot",
                    e.onset_s - crack_s
                ),
            );
            // The crack counts towards a shot as one found before its blast does.
            let lead_ms = round_to((e.onset_s - crack_s) * 1e3, 2);
            e.features.crack_lead_ms = Some(lead_ms);
            if let Some(m) = e.gunshot_model.as_mut().filter(|m| m.crack_log_odds == 0.0) {
                let own = e.gunshot_score == round_to(m.score, 3);
                *m = cracked_model(m).rounded();
                if own {
                    e.gunshot_score = round_to(m.score, 3);
                }
                if e.class == classify::IMPULSIVE && e.gunshot_score >= min_score {
                    e.class = classify::GUNSHOT.into();
                }
            }
            e.onset_s = crack_s;
            // The onset is the crack's: its clearance over the background is the crack's too.
            e.features.onset_clearance_db = clearance;
        }
        out.push(e);
    }
    out.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    // The distance, where the delay is the shot's own: alone, or in a burst whose every
    // gunshot-like sound shows a crack at one delay. Where some rounds show none, or another
    // delay, a crack found before a blast may be a later round's (the cracks and blasts of a
    // fast burst from far off interleave), and the delay says nothing sure of the distance.
    let delay = |e: &Event| {
        let at = |kind: &str| {
            e.components
                .iter()
                .find(|c| c.kind == kind)
                .map(|c| c.onset_s)
        };
        Some(at("blast")? - at("crack")?)
    };
    let shots: Vec<usize> = (0..out.len())
        .filter(|&k| out[k].class == classify::GUNSHOT || delay(&out[k]).is_some())
        .collect();
    let shot_onsets: Vec<f64> = shots.iter().map(|&k| out[k].onset_s).collect();
    let delays: Vec<Option<f64>> = shots.iter().map(|&k| delay(&out[k])).collect();
    let own = cracks::own_delays(&shot_onsets, &delays, &cp);
    for (&k, own) in shots.iter().zip(own) {
        let e = &mut out[k];
        let Some(lead) = delay(e) else { continue };
        e.distance = own.then(|| cracks::distance(lead, &cp)).flatten();
        let words = match &e.distance {
            Some(d) => format!("; {}", cracks::phrase(d)),
            None if !own => "; no distance given: the other sounds of its burst do not all show \
                             a crack at this delay, so the crack may be another round's"
                .to_string(),
            None => String::new(),
        };
        if let Some(r) = e
            .reasons
            .iter_mut()
            .find(|r| r.starts_with("supersonic crack"))
        {
            r.push_str(&words);
        }
    }
    out
}

/// The gunshot model's arithmetic with a crack before the blast: its log-likelihood ratio
/// (`classify::weights::CRACK_LOG_LR`) added, as `classify::gunshot_model` adds it for a crack
/// the precursor search found.
fn cracked_model(m: &classify::GunshotModel) -> classify::GunshotModel {
    let crack_log_odds = classify::weights::CRACK_LOG_LR;
    let log_odds = m.log_odds - m.crack_log_odds + crack_log_odds;
    classify::GunshotModel {
        crack_log_odds,
        log_odds,
        score: 1.0 / (1.0 + (-log_odds).exp()),
        ..m.clone()
    }
}

/// One event per sound: of two reported events (in time order) that start less than
/// `min_interval` samples apart (`peaks.min_interval_s`, the detector's own least spacing of
/// two events), one is kept, with a reason naming the other. They are one sound read twice,
/// as when a shot's crack search takes a double report's first blast for the crack and times
/// the second from it, next to the first blast's own event (on the Freedoom check sets five
/// such pairs 1-6 ms apart). The gunshot-like reading is kept when only one is (it is the one
/// a reviewer must not miss), else the one with the higher detection score. The late
/// reflections found of the other (`drop_reflections`) stay with the sound, as echoes of the
/// one kept.
fn one_per_sound(found: Vec<Found>, min_interval: usize, sr: f64) -> Vec<Found> {
    let readings: Vec<gates::Reading> = found
        .iter()
        .map(|f| gates::Reading {
            onset: f.d.onset,
            gunshot: f.v.class == classify::GUNSHOT,
            score: f.d.score,
        })
        .collect();
    let plan = gates::one_per_sound_plan(&readings, min_interval);
    let mut slots: Vec<Option<Found>> = found.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(plan.len());
    for (keep, others) in plan {
        let Some(mut kept) = slots[keep].take() else {
            continue;
        };
        for o in others {
            if let Some(other) = slots[o].take() {
                kept.late_echoes.extend(other.late_echoes);
                kept.late_echoes.sort_unstable();
                kept.v.reasons.push(format!(
                    "one sound with the {} reading {:+.1} ms from it, reported once",
                    other.v.class,
                    (other.d.onset as f64 - kept.d.onset as f64) / sr * 1e3
                ));
            }
        }
        out.push(kept);
    }
    out
}

/// Finds the copies of the reported gunshots and impulsive events (`detect::repeat`): reported
/// events that are copies of a gunshot are called gunshot-like and re-timed on their group's
/// clock; the copies that are no reported event are measured and added. `seen` is every
/// candidate of the detector (onset, score, evidence), in time order.
fn add_repeats(
    found: &mut Vec<Found>,
    signal: &Mixed,
    channel: &features::Channel,
    seen: &[(usize, f64, evidence::Evidence)],
    p: &AnalyzeParams,
) {
    let (mono, sample_rate) = (&signal.mono[..], signal.sample_rate);
    let sr = f64::from(sample_rate);
    let seeds = seeds_of(found);
    let groups = repeat::groups(
        mono,
        sample_rate,
        &seeds,
        p.burst.max_gap_s,
        &p.burst.repeat,
    );
    let tol = (p.burst.repeat.onset_tolerance_s * sr).round() as usize;
    let e = &p.detect.evidence;
    let voicing_len = ((e.voicing_end_s - e.voicing_start_s).max(0.0) * sr).round() as usize;
    let voicing_plan = evidence::Voicing::new(voicing_len);
    let template = (p.burst.repeat.template_s * sr).round() as usize;
    let lead = (p.burst.repeat.lead_s * sr).round() as usize;
    let crack_len = (p.detect.refine.crack_max_s * sr).round().max(1.0) as usize;
    for g in groups {
        let a = found[g.anchor].d;
        // The anchor on the group's clock: every copy is the anchor moved by its lag.
        let a_at = g
            .members
            .iter()
            .find(|m| m.event == Some(g.anchor))
            .map_or(a.onset, |m| m.onset);
        let of_s = round_to(a_at as f64 / sr, 6);
        let class = found[g.anchor].v.class.clone();
        let anchor_cracked = found[g.anchor].f.crack_lead_ms.is_some();
        for m in &g.members {
            let shift = |s: usize| (s + m.onset).saturating_sub(a_at).min(mono.len() - 1);
            let what = |correlation: f64, level_db: f64| {
                let (kind, story) = if g.gunshot {
                    ("gunshot", "another round of the same weapon")
                } else {
                    ("event", "the same sound again")
                };
                let on = if m.whitened {
                    " on the signal's first difference"
                } else {
                    ""
                };
                format!(
                    "repeats the {kind} at {of_s:.3} s (correlation {correlation:.2}{on}, \
                     {level_db:+.1} dB): {story}"
                )
            };
            let repeat = Some(crate::model::Repeat {
                of_s,
                correlation: round_to(m.correlation, 3),
                level_db: round_to(m.level_db, 2),
                whitened: m.whitened,
            });
            // The anchor's crack (or other precursor) came first, and a copy matched on the
            // blast after it may have none: another shooter's round, or one whose bullet passed
            // elsewhere. The template's clock would time it from where the anchor's crack lies,
            // on the background alone. A copy is the anchor scaled by its gain (`level_db`);
            // where its crack's peak, there, falls more than `repeat.level_db` short of the
            // anchor's so scaled and no crack of its own is found before its blast
            // (`refine::crack_before`), it is timed from its blast instead.
            let uncracked = a
                .main_onset
                .filter(|_| m.event != Some(g.anchor))
                .and_then(|main| {
                    let span = |from: usize, to: usize| {
                        let to = to.min(mono.len());
                        &mono[from.min(to)..to]
                    };
                    let crack_db =
                        |at: usize| repeat::peak_db(span(at.saturating_sub(lead), at + crack_len));
                    let expected = crack_db(a.onset) + m.level_db;
                    if crack_db(m.onset) >= expected - p.burst.repeat.level_db {
                        return None;
                    }
                    let blast = shift(main);
                    let peak_abs = span(blast, blast + template)
                        .iter()
                        .fold(0.0f32, |t, v| t.max(v.abs()));
                    refine::crack_before(mono, blast, peak_abs, sample_rate, &p.detect.refine)
                        .is_none()
                        .then_some(blast)
                });
            let no_crack = |blast: usize| {
                // A precursor that is no N-wave is the anchor's first part, not a crack.
                let what = if anchor_cracked {
                    "crack"
                } else {
                    "first part"
                };
                format!(
                    "no {what} of its own before its blast: timed from the blast, {:.1} ms after \
                     where its anchor's {what} puts it",
                    blast.saturating_sub(m.onset) as f64 / sr * 1e3
                )
            };
            match m.event {
                // An impulsive group only adds what the detector missed, and marks the reported
                // sounds it found again.
                Some(i) if !g.gunshot => {
                    if i != g.anchor {
                        found[i].copy_of = Some(a.onset);
                    }
                }
                Some(i) if i == g.anchor => {
                    if m.onset != a.onset {
                        found[i].v.reasons.push(format!(
                            "onset set by its burst's first round, {:+.1} ms",
                            (m.onset as f64 - a.onset as f64) / sr * 1e3
                        ));
                        found[i].d.onset = m.onset;
                    }
                }
                Some(i) => {
                    let e = &mut found[i];
                    e.d.onset = m.onset;
                    called_a_copy(&mut e.v, classify::GUNSHOT, what(m.correlation, m.level_db));
                    if let Some(blast) = uncracked {
                        e.d.onset = blast;
                        e.d.main_onset = None;
                        e.v.reasons.insert(1, no_crack(blast));
                    }
                    e.repeat = repeat;
                }
                None => {
                    let peak = shift(a.peak);
                    // `seen` is in time order: the candidates within `tol` by bisection.
                    let at = |t: usize| seen.partition_point(|c| c.0 < t);
                    let near = seen[at(m.onset.saturating_sub(tol))..at(m.onset + tol + 1)]
                        .iter()
                        .min_by_key(|c| c.0.abs_diff(m.onset));
                    let mut d = Detection {
                        onset: uncracked.unwrap_or(m.onset),
                        main_onset: a.main_onset.map(shift).filter(|_| uncracked.is_none()),
                        attack: shift(a.attack),
                        peak,
                        peak_abs: mono[peak].abs(),
                        strength: 0.0,
                        broadband: 0.0,
                        evidence: near.map_or_else(evidence::Evidence::default, |c| c.2),
                        score: near.map_or(0.0, |c| c.1),
                        unheard_from: None,
                        past_end: false,
                        cut_at: None,
                    };
                    if near.is_none() {
                        let voiced =
                            evidence::voicing(&voicing_plan, mono, d.body_onset(), sample_rate, e);
                        d.evidence.voicing = voiced.voicing;
                        d.evidence.periodicity = voiced.periodicity;
                        d.evidence.voicing_pitch_hz = voiced.pitch_hz;
                    }
                    let f = measure_detection(signal, channel, &d, p);
                    // A copy of another sound that overlaps it is a later part of that sound
                    // (`RepeatParams::impulsive_apart`).
                    if !g.gunshot && p.burst.repeat.impulsive_apart {
                        let end = |peak: usize, decay_ms: f64| {
                            peak + (decay_ms.max(0.0) / 1e3 * sr).round() as usize
                        };
                        let anchor = (a.onset, end(a.peak, found[g.anchor].f.decay_ms));
                        if repeat::overlap(anchor, (d.onset, end(d.peak, f.decay_ms))) {
                            continue;
                        }
                    }
                    let mut v = classify::classify(&f, &d.evidence, &p.classify);
                    called_a_copy(&mut v, &class, what(m.correlation, m.level_db));
                    if let Some(blast) = uncracked {
                        v.reasons.insert(1, no_crack(blast));
                    }
                    // Its own measurements are taken in the previous round's tail: the pooled
                    // score of a gunshot group speaks for it, its anchor's for another sound.
                    v.gunshot_score = if g.gunshot {
                        g.gunshot_score
                    } else {
                        found[g.anchor].v.gunshot_score
                    };
                    found.push(Found {
                        d,
                        f,
                        v,
                        detected: near.is_some(),
                        repeat,
                        late_echoes: Vec::new(),
                        copy_of: None,
                    });
                }
            }
        }
    }
}

/// Calls a copy what its anchor is (`class`), `why` first among its reasons; when its own
/// measurements called it something else, the reasons say so instead of arguing for it.
fn called_a_copy(v: &mut classify::Verdict, class: &str, why: String) {
    if v.class != class {
        v.reasons.retain(|r| !r.ends_with(classify::EXPLOSION_LIKE));
        v.reasons.push(format!(
            "its own measurements alone would call it {}",
            v.class
        ));
        v.class = class.into();
    }
    v.reasons.insert(0, why);
}

/// Groups events of class gunshot into bursts (two or more shots within `max_gap_s`),
/// setting each member's `burst`.
pub fn group_bursts(events: &mut [Event], p: &BurstParams) -> Vec<Burst> {
    let shots: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].class == classify::GUNSHOT)
        .collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &i in &shots {
        match groups.last_mut() {
            Some(g)
                if events[i].onset_s - events[*g.last().expect("non-empty")].onset_s
                    <= p.max_gap_s =>
            {
                g.push(i)
            }
            _ => groups.push(vec![i]),
        }
    }
    let mut bursts = Vec::new();
    for g in groups.into_iter().filter(|g| g.len() >= 2) {
        let id = bursts.len() + 1;
        let (first_s, last_s) = (
            events[g[0]].onset_s,
            events[*g.last().expect("len >= 2")].onset_s,
        );
        let mean_interval_s = (last_s - first_s) / (g.len() - 1) as f64;
        for &i in &g {
            events[i].burst = Some(id);
        }
        bursts.push(Burst {
            id,
            events: g.iter().map(|&i| events[i].id).collect(),
            count: g.len(),
            first_s,
            last_s,
            mean_interval_s: round_to(mean_interval_s, 6),
            rounds_per_minute: round_to(60.0 / mean_interval_s.max(1e-9), 1),
        });
    }
    bursts
}

fn component(kind: &str, onset_s: f64) -> components::Component {
    components::Component {
        kind: kind.into(),
        onset_s,
    }
}

/// Evidence rounded for the report (4 decimals: far below any meaningful difference).
fn rounded(e: &evidence::Evidence) -> evidence::Evidence {
    let r = |v: f64| round_to(v, 4);
    evidence::Evidence {
        log_strength: r(e.log_strength),
        contrast_db: r(e.contrast_db),
        peak_over_pre_db: r(e.peak_over_pre_db),
        onset_energy_db: r(e.onset_energy_db),
        blast_onset_db: r(e.blast_onset_db),
        voicing: e.voicing.map(r),
        periodicity: e.periodicity.map(r),
        voicing_pitch_hz: e.voicing_pitch_hz.map(|f| round_to(f, 1)),
        contrast_rank: r(e.contrast_rank),
    }
}

/// A ceiling above this (+20 dBFS) is no overshoot of a clipped lossy encode (those reach a few
/// dB over full scale): the file's scale itself is not 1.0.
const OVER_FULL_SCALE: f32 = 10.0;

/// What one pass of decoding into the mix gives.
struct MixPass {
    mixed: Mixed,
    /// The channels that ran against the first, as recorded, with their correlations
    /// (`Mixer::inverted`).
    inverted: Vec<(usize, f64)>,
    /// The channels that carry nothing, with how far below the loudest (`Mixer::silent`).
    silent: Vec<(usize, f64)>,
    /// A channel that hears the scene later than another (`Mixer::spaced`).
    spaced: Option<crate::signal::Spaced>,
    /// The decoder's warnings.
    warnings: Vec<String>,
}

/// One pass of decoding into the mix, each channel with its sign in `polarity` (empty: all +;
/// 0: left out).
fn mix(
    path: &Path,
    input: &crate::model::MediaProbe,
    p: &AnalyzeParams,
    polarity: &[f32],
) -> Result<MixPass> {
    let mut stream = decode::open(path, &p.decode)?;
    let info = stream.info().clone();
    // Reserve what the container announces (plus 1 %), so the vectors do not grow by doubling.
    let expected = input
        .streams
        .get(info.stream_index)
        .and_then(|s| s.duration_s)
        .or(input.container.duration_s)
        .filter(|d| d.is_finite() && *d > 0.0 && *d < 86_400.0)
        .map_or(0, |d| (d * 1.01 * f64::from(info.sample_rate)) as usize);
    let mut mixer = Mixer::new(
        info.channels,
        info.sample_rate,
        p.measure.clip_level,
        p.measure.clip_run_samples,
        expected,
    )
    .with_polarity(polarity);
    for block in stream.by_ref() {
        mixer.push(&block?.channels);
    }
    Ok(MixPass {
        inverted: mixer.inverted(),
        silent: mixer.silent(),
        spaced: mixer.spaced(),
        mixed: mixer.finish(),
        warnings: stream.warnings(),
    })
}

/// Channel numbers as a reader counts them ("1, 3").
fn channel_list(channels: &[(usize, f64)]) -> String {
    channels
        .iter()
        .map(|(c, _)| (c + 1).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decodes `path` block by block straight into the mix the analysis needs, never holding the
/// planar channels whole.
fn decode_mixed(
    path: &Path,
    input: &crate::model::MediaProbe,
    p: &AnalyzeParams,
) -> Result<(Mixed, Vec<String>)> {
    let MixPass {
        mut mixed,
        inverted,
        silent,
        spaced,
        mut warnings,
    } = mix(path, input, p, &[])?;
    // Spaced microphones hear each sound at slightly different times, and the mean of two such
    // copies cancels some of every sound's frequencies (a comb filter): the devset with each
    // clip beside a copy 0.4 ms later (two microphones 14 cm apart in line with the sound) lost
    // 0.046 of its events F1 and 0.087 of its gunshot F1. The channel that hears first is
    // analysed alone; it holds the whole sound, and its clock is the earliest arrival. A pair
    // with a channel that carries nothing is left to the rule for those: a faint copy that
    // happens to lead would otherwise be the one analysed.
    // Otherwise a channel wired with its polarity inverted cancels the others in the mix, and
    // one that carries nothing halves its level: it is turned back, or left out.
    // Either way the clip is decoded again with each channel's sign (the cost falls only on
    // such clips; the first mix is let go first).
    let spaced = spaced.filter(|sp| !silent.iter().any(|(c, _)| *c == sp.first || *c == sp.later));
    let mut said = Vec::new();
    let sign = if let Some(sp) = spaced {
        said.push(format!(
            "channels {} and {} hear the scene {:.2} ms apart (correlation {:.2} at that lag): \
             spaced microphones, whose mean would cancel part of every sound (a comb filter, \
             its first notch at {:.0} Hz); analysed on channel {} alone, which hears first",
            sp.first.min(sp.later) + 1,
            sp.first.max(sp.later) + 1,
            sp.lag_s * 1e3,
            sp.correlation,
            0.5 / sp.lag_s,
            sp.first + 1
        ));
        let mut keep = vec![0.0f32; mixed.channels];
        keep[sp.first] = 1.0;
        Some(keep)
    } else if !inverted.is_empty() || !silent.is_empty() {
        if !inverted.is_empty() {
            said.push(format!(
                "channel(s) {} run against the first (correlation {}): taken to be wired with \
                 the polarity inverted and turned back before mixing, which would otherwise \
                 cancel them",
                channel_list(&inverted),
                inverted
                    .iter()
                    .map(|(_, r)| format!("{r:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !silent.is_empty() {
            said.push(format!(
                "channel(s) {} carry nothing ({}): left out of the mix, which would otherwise \
                 halve every level",
                channel_list(&silent),
                silent
                    .iter()
                    .map(|(_, db)| if db.is_finite() {
                        format!("{db:.0} dB below the loudest channel")
                    } else {
                        "digital silence".to_string()
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let mut sign = vec![1.0f32; mixed.channels];
        for (c, _) in &inverted {
            sign[*c] = -1.0;
        }
        for (c, _) in &silent {
            sign[*c] = 0.0;
        }
        Some(sign)
    } else {
        None
    };
    if let Some(sign) = sign {
        drop(mixed);
        MixPass {
            mixed,
            warnings,
            ..
        } = mix(path, input, p, &sign)?;
    }
    warnings.extend(said);
    if mixed.frames() == 0 {
        return Err(crate::error::Error::media(
            path,
            "no audio could be decoded (truncated or corrupt stream)",
        ));
    }
    let dc = remove_dc(&mut mixed.mono, mixed.sample_rate, &p.measure);
    if dc != 0.0 {
        mixed.mono_peak = mixed.mono.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        warnings.push(format!(
            "the recording has a DC offset of {dc:+.4} of full scale ({:.0} dBFS), taken out of \
             the mix before analysis: levels are of the sound without it, clipping is judged on \
             the samples as recorded",
            20.0 * dc.abs().log10()
        ));
    }
    Ok((mixed, warnings))
}

/// Takes a constant offset out of `mono` when it is at least `measure.dc_offset_min` and the
/// clip is at least `measure.dc_offset_min_clip_s` long, and returns it (0 when nothing was
/// taken out). A constant offset is no sound (pressure fluctuates
/// about the ambient), but a recorder's converter or a careless edit can add one, and it reads as
/// energy everywhere: it lifts the background under every onset and makes any two stretches of the
/// clip correlate (`detect::repeat`): at 0.05 the measured rise and flatness of a shot changed, at
/// 0.3 the copy search took the offset for fifty rounds of it. Below `min`, taking out the devset's
/// apparent offsets (up to 0.003, a rumbling background's wander) moved onsets by milliseconds and
/// lost a shot. The offset is the median of the 10 ms means, so that a blast's one-sided pulse does
/// not count as one; a constant is subtracted, not a high-pass filter applied, so that nothing else
/// changes (an explosion's pulse keeps its shape). The clip runs and the ceiling (`signal::Mixer`)
/// were measured on the samples as recorded, before this; where the channels of a stereo clip
/// differ, `Mixed::peak` holds their recorded maxima, so with an offset an event's level there is
/// of the recorded samples.
fn remove_dc(mono: &mut [f32], sample_rate: u32, p: &features::MeasureParams) -> f64 {
    if (mono.len() as f64) < p.dc_offset_min_clip_s * f64::from(sample_rate) {
        return 0.0;
    }
    let block = (sample_rate as usize / 100).max(1);
    let mut means: Vec<f64> = mono
        .chunks(block)
        .map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() / c.len() as f64)
        .collect();
    if means.is_empty() {
        return 0.0;
    }
    let mid = means.len() / 2;
    let dc = *means.select_nth_unstable_by(mid, f64::total_cmp).1;
    if dc.abs() < p.dc_offset_min {
        return 0.0;
    }
    let d = dc as f32;
    for v in mono.iter_mut() {
        *v -= d;
    }
    dc
}

/// Reads the transcript at `path` and sets its clock against `mono`: manual offset, automatic
/// estimate, or none; cues end up on the audio timeline.
fn place_transcript(
    path: &Path,
    mono: &[f32],
    sample_rate: u32,
    duration_s: f64,
    p: &TranscriptParams,
    warnings: &mut Vec<String>,
) -> Result<Placed> {
    use crate::transcript::{self, sync};
    let t = transcript::load(path, p.format)?;
    let shown = path.display();
    warnings.extend(t.warnings.iter().map(|w| format!("{shown}: {w}")));
    let (mut offset_s, mut source, mut speed) = match p.offset_s {
        Some(o) => (o, OffsetSource::Manual, 1.0),
        None => (0.0, OffsetSource::None, 1.0),
    };
    // The automatic estimate: applied with `--sync auto`; with the clock taken as given, only
    // checked, for the word-onset rule (`detect::syllables`).
    let auto = p.sync == SyncMode::Auto;
    let check = p.sync == SyncMode::None && p.offset_s.is_none() && p.syllables.enabled;
    let mut sp = p.sync_params.clone();
    if auto && p.sync_speed {
        sp.speed_ratios = sync::FRAME_RATE_RATIOS.to_vec();
    }
    let estimate = (auto || check)
        .then(|| sync::estimate(&sync::speech_activity(mono, sample_rate, &sp), &t.cues, &sp))
        .flatten();
    let confidence = estimate.as_ref().map(|e| round_to(e.confidence, 3));
    let estimate_s = estimate.as_ref().map(|e| round_to(e.offset_s, 3));
    let mut clock_off = false;
    match estimate {
        Some(e) if auto && e.confidence >= sp.min_confidence => {
            offset_s = e.offset_s;
            speed = e.speed_ratio;
            source = OffsetSource::Auto;
        }
        Some(e) if auto => warnings.push(format!(
            "{shown}: automatic sync not confident ({:.2} < {:.2}; estimate {:+.3} s), \
             transcript clock kept{}",
            e.confidence,
            sp.min_confidence,
            e.offset_s,
            if source == OffsetSource::Manual {
                " with the manual offset"
            } else {
                ""
            }
        )),
        None if auto => warnings.push(format!(
            "{shown}: automatic sync impossible (no voiced speech found, or no cues)"
        )),
        Some(e) => {
            clock_off =
                syllables::clock_is_off(e.offset_s, e.confidence, sp.min_confidence, &p.syllables);
            if clock_off {
                warnings.push(format!(
                    "{shown}: the transcript's clock looks off by {:+.3} s against the speech \
                     (confidence {:.2}); the events are placed on its clock as given, and word \
                     onsets are judged by the speech heard, not by its cues; --sync auto would \
                     correct it",
                    e.offset_s, e.confidence
                ));
            }
        }
        None => {}
    }
    let to_audio = |x: f64| round_to((x - offset_s) / speed, 6);
    let cues: Vec<transcript::Cue> = t
        .cues
        .into_iter()
        .map(|mut c| {
            c.start_s = to_audio(c.start_s);
            c.end_s = to_audio(c.end_s);
            for w in &mut c.words {
                w.start_s = to_audio(w.start_s);
                w.end_s = to_audio(w.end_s);
            }
            c
        })
        .collect();
    let outside = cues
        .iter()
        .filter(|c| c.end_s <= 0.0 || c.start_s >= duration_s)
        .count();
    if outside > 0 {
        warnings.push(format!(
            "{shown}: {outside} cue(s) fall outside the clip (0-{duration_s:.3} s) after the \
             clock correction"
        ));
    }
    let (_, sha256) = crate::probe::hash_file(path)?;
    Ok(Placed {
        clock_off,
        report: TranscriptReport {
            path: path.display().to_string(),
            sha256,
            format: t.format,
            offset_s: round_to(offset_s, 6),
            offset_source: source,
            sync_confidence: confidence,
            sync_estimate_s: estimate_s,
            speed_ratio: speed,
            cues,
        },
    })
}

/// A transcript on the audio's clock, and whether that clock was found to be off.
struct Placed {
    report: TranscriptReport,
    /// The clock, taken as given, disagrees with the speech (see
    /// [`syllables::clock_is_off`]): the cues are not where the words are.
    clock_off: bool,
}

/// Analyzes the clip at `path`: probe, decode, detect, measure, classify, group.
///
/// # Errors
/// The file cannot be read or decoded.
pub fn analyze(path: &Path, p: &AnalyzeParams) -> Result<Analysis> {
    analyze_with(path, None, p)
}

/// [`analyze`], placing the events in the transcript at `transcript` when given.
///
/// # Errors
/// The clip cannot be read or decoded, or the transcript cannot be used.
pub fn analyze_with(path: &Path, transcript: Option<&Path>, p: &AnalyzeParams) -> Result<Analysis> {
    run(path, transcript, p, 0).map(|o| o.analysis)
}

/// What [`run`] hands back: the analysis, the decoded audio it ran on (for pictures and
/// listening copies) and, when asked for, the detection STFT pooled for the overview.
#[derive(Debug)]
pub struct Outcome {
    /// The findings.
    pub analysis: Analysis,
    /// The mono mix and per-channel measurements.
    pub signal: Mixed,
    /// The detection STFT max-pooled into the overview's columns.
    pub overview: Option<ColumnMax>,
}

/// [`analyze_with`], also handing back the decoded audio and, when `overview_columns` > 0,
/// the detection spectrogram pooled into that many columns (see [`Outcome`]).
///
/// # Errors
/// As [`analyze_with`].
pub fn run(
    path: &Path,
    transcript: Option<&Path>,
    p: &AnalyzeParams,
    overview_columns: usize,
) -> Result<Outcome> {
    run_speculating(path, transcript, p, overview_columns, false)
}

/// [`run`], and when `speculate` is set, the speech detector's track (`detect::speech`, about
/// a third of the time of a long clip) is computed on a second thread while the events are
/// found, in case the rules ask for it: for one clip without a transcript on a machine with a
/// core to spare (`analyze`); a batch keeps its cores for other clips. The results are the same
/// either way: the same function of the same samples.
///
/// # Errors
/// As [`analyze_with`].
pub fn run_speculating(
    path: &Path,
    transcript: Option<&Path>,
    p: &AnalyzeParams,
    overview_columns: usize,
    speculate: bool,
) -> Result<Outcome> {
    let input = crate::probe::probe(path, &p.decode)?;
    let (signal, warnings) = decode_mixed(path, &input, p)?;
    let (analysis, overview) = std::thread::scope(|s| {
        let (mono, sr) = (&signal.mono, signal.sample_rate);
        let gain = speech::hearing_gain(signal.mono_peak, &p.speech);
        // With a transcript the track is wanted only to confirm a word inside a cue by ear (or
        // when the captions' clock is off), and then on the same voice-coloured sounds.
        let early = (speculate
            && (p.speech.enabled || p.speech.spans.enabled)
            && (transcript.is_none() || p.transcript.syllables.confirm_by_ear))
            .then(|| s.spawn(move || speech::track(mono, sr, 1.0, gain)));
        let heard = move || match early {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => speech::track(mono, sr, 1.0, gain),
        };
        analyse_mixed(
            input,
            &signal,
            warnings,
            transcript,
            p,
            overview_columns,
            (heard, gain),
        )
    })?;
    Ok(Outcome {
        analysis,
        signal,
        overview,
    })
}

/// The warning for audio that the container presents later than its start
/// (`AudioInfo::start_s`): the report's times count from the audio's first sample, a video's
/// from its own start.
fn late_start_warning(a: &crate::decode::AudioInfo) -> Option<String> {
    (a.start_s > 0.0).then(|| {
        format!(
            "the container presents the audio from {s:.3} s on its timeline (stream {}): times in \
             this report count from the audio's first sample, as ffmpeg decodes it, so in the \
             video a sound is heard {s:.3} s later than its time here; events.srt and \
             events.vtt, made to be shown over the video, are shifted by it \
             (input.audio.start_s)",
            a.stream_index,
            s = a.start_s
        )
    })
}

/// What a candidate carries from measuring to keeping: where it is, what was measured of it,
/// and what that was called.
type Measured = (Detection, features::EventFeatures, classify::Verdict);

/// Everything after decoding: events, their measurements and classes, the transcript, the
/// speech rules; `heard` gives the speech detector's track when a rule asks for it, heard at
/// `ear_gain` ([`speech::hearing_gain`]), the gain every stretch heard again is heard at too.
/// Each step is a function of its own below, in the order they run here.
fn analyse_mixed(
    input: crate::model::MediaProbe,
    signal: &Mixed,
    mut warnings: Vec<String>,
    transcript: Option<&Path>,
    p: &AnalyzeParams,
    overview_columns: usize,
    (heard, ear_gain): (impl FnOnce() -> speech::SpeechTrack, f32),
) -> Result<(Analysis, Option<ColumnMax>)> {
    clip_warnings(&input, signal, p, &mut warnings);
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    // Runs of digital silence: the candidates' frames that run into one (`Detection::cut_at`),
    // the background measurements that leave them out, and the sound resuming after one.
    let silent = silence::runs(mono, signal.sample_rate, &p.detect.silence);
    let (mut found, overview, flickering) = candidates_pooled(
        mono,
        signal.sample_rate,
        &p.detect,
        &silent,
        overview_columns,
    );
    if let (Some(dip), Some(f)) = (flickering, p.detect.flicker) {
        warnings.push(flicker::warning(dip, &f));
    }
    weigh_unheard_voicing(&mut found, flickering.is_some(), signal, p, ear_gain);
    let channel = features::Channel {
        silent,
        ..features::Channel::of(mono, signal.sample_rate, &p.measure)
    };
    // Events are reported, and followers found, in time order.
    found.sort_by_key(|d| d.onset);
    drop_at_edges(&mut found, signal, p, &mut warnings);
    // What the detector saw everywhere, for the copies found where it reported nothing.
    let seen: Vec<(usize, f64, evidence::Evidence)> = found
        .iter()
        .map(|d| (d.onset, d.score, d.evidence))
        .collect();
    let pool = measure_candidates(found, signal, &channel, p);
    let pool = drop_resumptions(pool, signal, &channel, p, &mut warnings);
    let digital_silence: Vec<silence::SilenceSpan> = channel
        .silent
        .iter()
        .map(|&(a, b)| silence::SilenceSpan {
            start_s: round_to(a as f64 / sr, 6),
            end_s: round_to(b as f64 / sr, 6),
        })
        .collect();
    warnings.extend(silence::summary(&digital_silence, &p.detect.silence));
    let mut found = keep_candidates(pool, sr, p);
    add_repeats(&mut found, signal, &channel, &seen, p);
    found.sort_by_key(|e| e.d.onset);
    let found = drop_reflections(found, mono, signal.sample_rate, p);
    let found = one_per_sound(
        found,
        (p.detect.peaks.min_interval_s * sr).round() as usize,
        sr,
    );
    let found = trim_clip_head(found, signal, p, &mut warnings);
    let (mut events, copies) = report_events(found, signal, p);
    let transcript = match transcript {
        Some(tp) => Some(place_transcript(
            tp,
            mono,
            signal.sample_rate,
            signal.duration_s(),
            &p.transcript,
            &mut warnings,
        )?),
        None => None,
    };
    let clock_off = transcript.as_ref().is_some_and(|t| t.clock_off);
    let transcript = transcript.map(|t| t.report);
    // Word onsets: by the speech heard in the audio, and, when captions on the audio's clock
    // are given (the investigator's account of where words are spoken), only inside their
    // spoken cues (`transcript.syllables.confirm_by_ear`). The speech track is computed only
    // where it answers a question: when some event could be a word's onset by its sound, or,
    // without captions, for the spans of speech reported beside the events, when some event
    // is gunshot- or explosion-like. (It costs about 1 ms per second of audio: on a batch of
    // short clips each with one click, three quarters more time.)
    let colour = &p.transcript.syllables;
    let captions = transcript.as_ref().filter(|_| !clock_off);
    let ask_ear = captions.is_none() || colour.confirm_by_ear;
    let heard = events
        .iter()
        .any(|e| {
            (captions.is_none() && p.speech.spans.enabled && e.class != classify::IMPULSIVE)
                || (ask_ear
                    && p.speech.enabled
                    && syllables::voice_coloured(
                        &e.class,
                        e.features.flatness,
                        e.features.centroid_hz,
                        colour,
                    ))
        })
        .then(heard);
    let speech_heard = heard
        .as_ref()
        .filter(|_| captions.is_none() && p.speech.spans.enabled)
        .map(|track| speech::spans(track, &p.speech.spans));
    turn_lasting_sounds(&mut events, captions, signal, p, ear_gain);
    let (events, set_aside) = set_aside_word_onsets(
        events,
        &copies,
        (captions, heard.as_ref()),
        signal,
        p,
        ear_gain,
    );
    // A crack heard as a sound of its own and the blast after it are one shot.
    let mut events = paired_cracks(events, mono, signal.sample_rate, &p.detect, &p.classify);
    pace_rules(&mut events, p);
    if p.classify.later_parts {
        events = later_parts(events, p.classify.strikes.as_ref());
    }
    for (k, e) in events.iter_mut().enumerate() {
        e.id = k + 1;
        if let Some(t) = &transcript {
            e.transcript = Some(crate::transcript::relate::relate(e.onset_s, &t.cues));
        }
        if let Some(spans) = &speech_heard {
            e.speech = Some(speech::relate(e.onset_s, spans));
        }
    }
    let bursts = group_bursts(&mut events, &p.burst);
    let analysis = Analysis {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        input,
        params: p.clone(),
        audio: AnalyzedAudio {
            sample_rate: signal.sample_rate,
            channels: signal.channels,
            frames: signal.frames() as u64,
            duration_s: round_to(signal.duration_s(), 6),
        },
        events,
        bursts,
        set_aside,
        speech_heard,
        digital_silence,
        transcript,
        warnings,
    };
    Ok((analysis, overview))
}

/// The clip's own warnings, before any event: the probe's problem (once), audio the analysis
/// leaves out, a late start on the container's timeline, levels far beyond full scale, and a
/// narrow band.
fn clip_warnings(
    input: &crate::model::MediaProbe,
    signal: &Mixed,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) {
    // The probe's census may have found what the decoder already said (a file that ends
    // inside a packet): once is enough.
    if let Some(problem) = input.problem.as_ref().filter(|p| !warnings.contains(p)) {
        warnings.push(problem.clone());
    }
    warnings.extend(crate::probe::unanalysed_audio_warning(input));
    warnings.extend(input.audio.as_ref().and_then(late_start_warning));
    if signal.ceiling > OVER_FULL_SCALE {
        warnings.push(format!(
            "the audio reaches {:+.1} dBFS: far beyond full scale (1.0), which no integer or \
             lossy format decodes to; a float file written in integer units? Levels in dBFS are \
             relative to 1.0, and clipping (runs at the file's own ceiling) cannot be told from \
             loud sound",
            20.0 * f64::from(signal.ceiling).log10()
        ));
    }
    warnings.extend(classify::narrowband_warning(
        signal.sample_rate,
        &p.classify,
    ));
}

/// Voicing counted against a candidate only where a voice may be speaking
/// (`score::UnheardVoicing`): asked of the speech detector only for the candidates it decides,
/// over their own stretch. `flickering`: the codec-flicker rule holds for the clip (a candidate
/// it scored 0 stays so).
fn weigh_unheard_voicing(
    found: &mut [Detection],
    flickering: bool,
    signal: &Mixed,
    p: &AnalyzeParams,
    ear_gain: f32,
) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    if let Some(u) = p.detect.score.unheard_voicing {
        let ear = speech::SpeechParams {
            min_probability: u.min_probability,
            min_speech_s: u.min_speech_s,
            ..p.speech
        };
        // A candidate in the clip's first `pre_window_s` is left as scored: with nothing
        // before it, its evidence is measured against what follows it
        // (`evidence.late_background_s`), and a clip cut inside a sound begins with a part of
        // it, which no voice follows either.
        let first = p.detect.evidence.pre_window_s;
        for d in found.iter_mut() {
            // A candidate the codec-flicker rule scored 0 stays so.
            if flickering && !rises_through_flicker(d, &p.detect) {
                continue;
            }
            let Some(typical) = score::without_voice(&d.evidence, &p.detect.score) else {
                continue;
            };
            let t = d.onset as f64 / sr;
            if t >= first
                && !speech::heard_between(
                    mono,
                    signal.sample_rate,
                    t,
                    t + u.window_s,
                    &ear,
                    ear_gain,
                )
            {
                d.unheard_from = Some(d.score);
                d.score = typical;
            }
        }
    }
}

/// Drops the candidates (in time order) at the clip's end or at a cut to digital silence,
/// with a warning for each that scored above the threshold.
fn drop_at_edges(
    found: &mut Vec<Detection>,
    signal: &Mixed,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    // A sound starting within one detection window of the clip's end is not reported: the
    // frames that saw it ran past the end, where the cut to silence reads as a broadband click
    // (on the devset, a candidate in the last 1.4-18 ms of 11 of the 20 clips, none an event;
    // two scored 0.54-0.61 and were reported), and too little of it is left to measure a
    // decay. Nor is one picked by such a frame (`Detection::past_end`), wherever the
    // waveform put its onset: above a band-limited clip's cut-off (a voice note's or a phone
    // call's, resampled to 48 kHz) the bands hold nothing but the cut, which rises there by 60
    // dB or more, and the devset resampled from 16 to 48 kHz had 10 such false events (one
    // called gunshot-like) 34-74 ms before its clips' ends, the peak in the last window
    // (docs/detection-notes.md, thirty-third session). A warning names each one that scored
    // above the threshold.
    let last = mono
        .len()
        .saturating_sub(p.detect.stft.n_fft(signal.sample_rate));
    // The same holds for a frame that runs into digital silence inside the clip
    // (`Detection::cut_at`): a mute, an edit, or audio lost to damage and filled with silence.
    // On a 30-minute MP3 with 1,856 such fills, 269 false events stood 5-300 ms before one
    // (docs/detection-notes.md, forty-third session).
    let mut cut = Vec::new();
    found.retain(|d| {
        if let Some(a) = d.cut_at.filter(|_| d.onset < last && !d.past_end) {
            if d.score >= p.detect.score.threshold {
                cut.push(format!(
                    "a sound at {:.3} s was picked by a detector frame that runs into digital \
                     silence at {:.3} s: not reported (a cut to silence sounds like a click)",
                    d.onset as f64 / sr,
                    a as f64 / sr
                ));
            }
            return false;
        }
        let at_end = d.onset >= last || d.past_end;
        if at_end && d.score >= p.detect.score.threshold {
            warnings.push(if d.onset >= last {
                format!(
                    "a sound at {:.3} s starts in the clip's last {:.0} ms, where the detector's \
                     frames run past the end: not reported (a cut to silence sounds like a \
                     click, and too little of it is left to measure)",
                    d.onset as f64 / sr,
                    (mono.len() - d.onset) as f64 / sr * 1e3
                )
            } else {
                format!(
                    "a sound at {:.3} s was picked by a detector frame that runs past the clip's \
                     end ({:.0} ms later): not reported (a cut to silence sounds like a click)",
                    d.onset as f64 / sr,
                    (mono.len() - d.onset) as f64 / sr * 1e3
                )
            });
        }
        !at_end
    });
    warnings.extend(silence::cut_warnings(cut));
}

/// Measures and classifies every candidate that could be kept, as a follower or on its own
/// score, or as a low-frequency blast; the threshold and the follower rule decide then
/// ([`keep_candidates`], `detect::follow`).
fn measure_candidates(
    found: Vec<Detection>,
    signal: &Mixed,
    channel: &features::Channel,
    p: &AnalyzeParams,
) -> Vec<Measured> {
    let mono = &signal.mono;
    let floor = if p.burst.follow.enabled {
        p.detect.score.threshold.min(p.burst.follow.min_score)
    } else {
        p.detect.score.threshold
    };
    let blast_at = p.detect.score.blast_onset_db;
    found
        .into_iter()
        .filter(|d| d.score >= floor || d.evidence.blast_onset_db >= blast_at)
        .map(|d| {
            let f = measure_detection(signal, channel, &d, p);
            let v = classify::classify(&f, &d.evidence, &p.classify);
            // A shot whose crack the broadband search missed: looked for again above 2 kHz,
            // and the shot timed from it when found (`refine::faint_crack`).
            if v.class == classify::GUNSHOT && d.main_onset.is_none() {
                let cracked =
                    refine::faint_crack(mono, d.onset, signal.sample_rate, &p.detect.refine).map(
                        |crack| Detection {
                            onset: crack,
                            main_onset: Some(d.attack),
                            ..d
                        },
                    );
                if let Some(c) = cracked {
                    let cf = measure_detection(signal, channel, &c, p);
                    let cv = classify::classify(&cf, &c.evidence, &p.classify);
                    if cv.class == classify::GUNSHOT {
                        return (c, cf, cv);
                    }
                }
            }
            (d, f, v)
        })
        .collect()
}

/// The candidates without the recording resuming after digital silence (a mute, an edit, a
/// dropout, a codec's priming), or starting with the clip, which is not an event unless it
/// dies away like one and, after a run, rises over the audio before the run
/// (`detect::silence`); a warning names each one that scored above the threshold.
fn drop_resumptions(
    pool: Vec<Measured>,
    signal: &Mixed,
    channel: &features::Channel,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) -> Vec<Measured> {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    let mut resumed = Vec::new();
    let pool = pool
        .into_iter()
        .filter(|(d, f, _)| {
            let rate = signal.sample_rate;
            // A sound whose tail the clip ends before is judged as an event.
            let Some((tail, r)) = f.tail_db.and_then(|tail| {
                silence::resumption(
                    mono,
                    d.onset,
                    tail,
                    &channel.silent,
                    rate,
                    &p.detect.silence,
                )
                .map(|r| (tail, r))
            }) else {
                return true;
            };
            if d.score >= p.detect.score.threshold {
                resumed.push(r.warning(d.onset as f64 / sr, tail, rate));
            }
            false
        })
        .collect();
    warnings.extend(silence::resumption_warnings(resumed));
    pool
}

/// The candidates kept: by the threshold, as followers of a burst's gunshots
/// (`detect::follow`), or as low-frequency blasts, each with the reasons that kept it.
fn keep_candidates(pool: Vec<Measured>, sr: f64, p: &AnalyzeParams) -> Vec<Found> {
    let brief: Vec<follow::Candidate> = pool
        .iter()
        .map(|(d, _, v)| follow::Candidate {
            onset_s: d.onset as f64 / sr,
            peak_db: 20.0 * f64::from(d.peak_abs).max(1e-10).log10(),
            score: d.score,
            gunshot: v.class == classify::GUNSHOT,
        })
        .collect();
    let kept = follow::select(
        &brief,
        p.detect.score.threshold,
        p.burst.max_gap_s,
        &p.burst.follow,
    );
    let mut found: Vec<Found> = Vec::new();
    for (i, (d, f, mut v)) in pool.into_iter().enumerate() {
        let blast = || score::low_blast(d.evidence.blast_onset_db, f.centroid_hz, &p.detect.score);
        let Some(why) = kept[i] else {
            if blast() {
                v.reasons.insert(
                    0,
                    format!(
                        "low-frequency blast: its first 10 ms carry {:.0} dB more energy than the \
                         200 ms before (centroid {:.0} Hz), though its detection score is {:.2}, \
                         below {:.2} (the detection bands start at {:.0} Hz)",
                        d.evidence.blast_onset_db,
                        f.centroid_hz,
                        d.score,
                        p.detect.score.threshold,
                        p.detect.odf.fmin_hz
                    ),
                );
                found.push(Found {
                    d,
                    f,
                    v,
                    detected: true,
                    repeat: None,
                    late_echoes: Vec::new(),
                    copy_of: None,
                });
            }
            continue;
        };
        if let (Some(before), Some(u)) = (d.unheard_from, p.detect.score.unheard_voicing) {
            v.reasons.insert(
                0,
                format!(
                    "periodic after its onset ({:.2}), as a voice is, but no voice is heard in \
                     the {:.1} s from it (speech detector below {:.2}): taken for a ringing \
                     resonance (a knock, a slam, a struck object), detection score {:.2} with \
                     its voicing weighed as typical ({:.2} as measured)",
                    d.evidence.voicing.unwrap_or(0.0),
                    u.window_s,
                    u.min_probability,
                    d.score,
                    before
                ),
            );
        }
        if let follow::Kept::Follows(j) = why {
            v.reasons.push(format!(
                "next round of the gunshot at {:.3} s (detection score {:.2}, below {:.2})",
                brief[j].onset_s, d.score, p.detect.score.threshold
            ));
        }
        found.push(Found {
            d,
            f,
            v,
            detected: true,
            repeat: None,
            late_echoes: Vec::new(),
            copy_of: None,
        });
    }
    found
}

/// The events (in time order) without the parts of a sound the clip begins inside, with a
/// warning about that sound when no event accounts for it.
fn trim_clip_head(
    mut found: Vec<Found>,
    signal: &Mixed,
    p: &AnalyzeParams,
    warnings: &mut Vec<String>,
) -> Vec<Found> {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    // A clip trimmed at a shot begins inside it: say so when no event accounts for it. An
    // event at its very first samples is that sound, and cannot be timed or measured.
    let head = (p.detect.silence.begins_inside_window_s * sr).round() as usize;
    let lead = (p.detect.silence.begins_inside_min_lead_s * sr).round() as usize;
    let first = found.first().map(|e| e.d.onset);
    let inside = if first.is_none_or(|o| o > head || o < lead) {
        silence::begins_inside(mono, signal.sample_rate, &p.detect.silence)
    } else {
        None
    };
    // The sound the clip begins inside stands for a detection at its first sample. The detector
    // keeps no two peaks closer than `peaks.min_interval_s`, so an event that soon after it is
    // a part of that sound (its wall echo, its second half), not a new one: not reported, and
    // named in the warning with it. Without this, a trimmed shot's 30 ms echo was reported as
    // an event "with no more energy than its background".
    let mut dropped = Vec::new();
    if inside.is_some() && first.is_some_and(|o| o < lead || o > head) {
        let gap = (p.detect.peaks.min_interval_s * sr).round() as usize;
        let n = found.partition_point(|e| e.d.onset < gap.max(lead));
        dropped = found.drain(..n).map(|e| e.d.onset).collect();
    }
    // A copy found from one of those still repeats its sound; its reason says where that went.
    for e in &mut found {
        let of = e.repeat.as_ref().map(|r| (r.of_s * sr).round() as usize);
        if of.is_some_and(|of| dropped.iter().any(|&o| o.abs_diff(of) <= lead))
            && let Some(r) =
                e.v.reasons
                    .iter_mut()
                    .find(|r| r.starts_with("repeats the"))
        {
            r.push_str(
                " (the sound the clip begins inside, or a part of it: not reported, see the \
                 warnings)",
            );
        }
    }
    if found.first().is_none_or(|e| e.d.onset > head)
        && let Some((peak, above)) = inside
    {
        // An onset in the first `lead` is that sound itself, which the warning is about.
        let parts_s: Vec<f64> = dropped
            .iter()
            .filter(|&&o| o >= lead)
            .map(|&o| o as f64 / sr)
            .collect();
        warnings.push(silence::begins_inside_warning(
            peak,
            above,
            &parts_s,
            &p.detect.silence,
        ));
    }
    found
}

/// The events as reported (measured up to the next one, their components found), and by
/// event id - 1 the onset of the sound each is a copy of (`Found::copy_of`).
fn report_events(
    found: Vec<Found>,
    signal: &Mixed,
    p: &AnalyzeParams,
) -> (Vec<Event>, Vec<Option<f64>>) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    let mut events: Vec<Event> = Vec::new();
    // An event's level and clipping are measured up to the next reported event when that comes
    // within its body: in a burst the next round, 80-150 ms later, would otherwise lend its
    // peak to this one.
    let starts: Vec<usize> = found.iter().map(|e| e.d.onset).collect();
    let t = |samples: usize| round_to(samples as f64 / sr, 6);
    // By event id - 1: the onset of the sound an event is a copy of (`Found::copy_of`).
    let mut copies = Vec::with_capacity(found.len());
    let sustain_end = (p.measure.sustain_window_s.1 * sr).round() as usize;
    for Found {
        d,
        mut f,
        v,
        detected,
        repeat,
        late_echoes,
        copy_of,
    } in found
    {
        copies.push(copy_of.map(&t));
        let from = d.body_onset();
        // `starts` is in time order: the next start is found by bisection.
        if let Some(&next) = starts.get(starts.partition_point(|&s| s <= d.onset)) {
            let body_end = from + (p.measure.body_s * sr).round() as usize;
            if next < body_end && next > from {
                f.set_level(features::level(signal, from, next, &p.measure));
            }
            // The next round of a burst, or any other reported sound, before the sustain
            // window closes would be counted as this one going on.
            if next < d.onset + sustain_end {
                f.sustain_db = None;
            }
        }
        f.onset_clearance_db = refine::clearance_db(
            mono,
            d.onset,
            d.peak_abs,
            signal.sample_rate,
            &p.detect.refine,
        )
        .map(|db| round_to(db, 2));
        // The crack and the blast as `features.crack_lead_ms` measured them (the blast sample
        // found again rather than rounded back from ms); the first is called a crack only when
        // it is one (`refine::bipolar`) and the whole event sounds like a shot, a precursor
        // otherwise.
        let shot = v.class == classify::GUNSHOT;
        let cracked = shot && f.crack_lead_ms.is_some();
        let main = d.main_onset.or_else(|| {
            f.crack_lead_ms.and_then(|_| {
                refine::trailing_blast(mono, d.attack, signal.sample_rate, &p.detect.refine)
            })
        });
        let mut parts = match main {
            Some(main) => vec![
                component(if cracked { "crack" } else { "precursor" }, t(d.onset)),
                component(if cracked { "blast" } else { "main" }, t(main)),
            ],
            None => vec![component("direct", t(d.onset))],
        };
        // Reflections are looked for behind blasts only: after a syllable the glottal pulses
        // (every 3-12 ms) would pass for them.
        if shot || v.class == classify::EXPLOSION {
            for echo in components::echoes(
                mono,
                main.unwrap_or(d.body_onset()),
                signal.sample_rate,
                &p.detect.components,
            ) {
                parts.push(component("echo", t(echo)));
            }
        }
        for echo in late_echoes {
            parts.push(component("echo", t(echo)));
        }
        events.push(Event {
            id: events.len() + 1,
            onset_s: t(d.onset),
            peak_s: t(d.peak),
            end_s: round_to(d.peak as f64 / sr + f.decay_ms / 1e3, 6),
            class: v.class,
            gunshot_score: round_to(v.gunshot_score, 3),
            gunshot_model: Some(v.model.rounded()),
            detection_score: round_to(d.score, 3),
            detection: detected.then(|| rounded(&d.evidence)),
            detection_model: detected.then(|| score::arithmetic(&d.evidence)),
            peak_dbfs: round_to(f.peak_dbfs, 2),
            clipped: f.clipped,
            features: f,
            reasons: v.reasons,
            components: parts,
            repeat,
            transcript: None,
            speech: None,
            distance: None,
            burst: None,
        });
    }
    (events, copies)
}

/// Turns a gunshot-like sound that goes on, or never dies away, into `impulsive`, unless a
/// voice is heard or captioned then (`classify::sustained`, `classify::undecayed`).
fn turn_lasting_sounds(
    events: &mut [Event],
    captions: Option<&TranscriptReport>,
    signal: &Mixed,
    p: &AnalyzeParams,
    ear_gain: f32,
) {
    let mono = &signal.mono;
    // A gunshot-like sound that goes on is not a single report, unless what goes on is a voice
    // (a shout or a scream after the shot): speech heard in the window, or a caption there,
    // and the measure is another sound's, so it is not kept. The speech detector is asked
    // about the window itself, captions or not (a scream is seldom captioned).
    // The same for one that has not died away at all (`classify.undecayed`), asked about
    // the whole time it was followed.
    let window = p.measure.sustain_window_s;
    let decay_max_s = p.measure.decay_max_s;
    for e in events.iter_mut() {
        let found =
            classify::sustained(&e.class, e.gunshot_score, &e.features, window, &p.classify)
                .map(|why| (why, window.1, true))
                .or_else(|| {
                    classify::undecayed(
                        &e.class,
                        e.gunshot_score,
                        &e.features,
                        decay_max_s,
                        &p.classify,
                    )
                    .map(|why| (why, decay_max_s, false))
                });
        let Some((why, until, sustain)) = found else {
            continue;
        };
        let (a, b) = (e.onset_s + window.0, e.onset_s + until);
        let captioned =
            captions.is_some_and(|t| t.cues.iter().any(|c| c.start_s < b && c.end_s > a));
        if captioned || speech::heard_between(mono, signal.sample_rate, a, b, &p.speech, ear_gain) {
            if sustain {
                e.features.sustain_db = None;
            }
        } else {
            e.class = classify::IMPULSIVE.into();
            e.reasons.insert(0, why);
        }
    }
}

/// The events without those taken for a word's onset (by the speech `heard`, inside the
/// spoken cues of the `captions` when given), and those set aside with their reasons.
/// `copies`: by event id - 1, the onset of the sound each event is a copy of.
fn set_aside_word_onsets(
    mut events: Vec<Event>,
    copies: &[Option<f64>],
    (captions, heard): (Option<&TranscriptReport>, Option<&speech::SpeechTrack>),
    signal: &Mixed,
    p: &AnalyzeParams,
    ear_gain: f32,
) -> (Vec<Event>, Vec<SetAside>) {
    let sr = f64::from(signal.sample_rate);
    let mono = &signal.mono;
    let colour = &p.transcript.syllables;
    let mut set_aside = Vec::new();
    let judged: Vec<_> = events
        .iter()
        .map(|e| {
            let (flatness, centroid) = (e.features.flatness, e.features.centroid_hz);
            let by_cue = captions.map(|t| {
                syllables::judge(e.onset_s, &e.class, flatness, centroid, &t.cues, colour)
                    .map(|(cue, reason)| (cue, reason, syllables::inside_cue(&t.cues[cue])))
            });
            // Only a voice-coloured sound can be a word's onset (`speech::judge` asks the same):
            // the others are not heard again.
            let coloured =
                p.speech.enabled && syllables::voice_coloured(&e.class, flatness, centroid, colour);
            let by_ear = || {
                if !coloured {
                    return None;
                }
                // Heard afresh over its own stretch (`speech::afresh_between`), not from the
                // clip's track: what the clip's chunks hear depends on where the clip was cut.
                let track = &speech::afresh_between(
                    heard?,
                    mono,
                    signal.sample_rate,
                    e.onset_s,
                    e.onset_s + p.speech.window_s,
                    ear_gain,
                );
                let judge = |t: &speech::SpeechTrack, sp: &speech::SpeechParams| {
                    speech::judge(e.onset_s, &e.class, flatness, centroid, t, sp, colour)
                };
                // Not heard as recorded: heard again with the audio slowed, in case the voice is
                // pitched up (`SpeechParams::slowed`).
                let slowed = || {
                    let window = (e.onset_s, e.onset_s + p.speech.window_s);
                    let t = speech::slowed_between(
                        track,
                        mono,
                        signal.sample_rate,
                        window.0,
                        window.1,
                        &p.speech,
                        ear_gain,
                    );
                    // A second, unnatural hearing is asked to be surer.
                    judge(&t, &p.speech.surer()).map(|(prob, reason)| {
                        let how = format!(
                            "heard with the audio played {:.1} times slower (a voice pitched \
                             up, as in games, cartoons and sped-up video): ",
                            p.speech.slowed
                        );
                        (prob, how + &reason)
                    })
                };
                judge(track, &p.speech)
                    .or_else(|| (p.speech.slowed > 1.0).then(slowed).flatten())
                    .map(|(prob, reason)| (Some(round_to(prob, 3)), reason))
            };
            match by_cue {
                // No captions (or their clock is off): the speech heard decides.
                None => by_ear().map(|(prob, reason)| (None, prob, reason)),
                // The captions say no word is spoken here.
                Some(None) => None,
                // Inside a spoken cue: confirmed by the speech heard right after the onset, unless
                // that check is off (or the speech detector is).
                Some(Some((cue, reason, _))) if !(colour.confirm_by_ear && p.speech.enabled) => {
                    Some((Some(cue + 1), None, reason))
                }
                Some(Some((cue, _, inside))) => by_ear()
                    .map(|(prob, heard)| (Some(cue + 1), prob, format!("{inside}, and {heard}"))),
            }
        })
        .collect();
    // A copy of a reported sound (a knock, a step, a blow repeated at the same level) is that
    // sound again, not a word's onset, though a voice is heard over it: unless that sound was
    // set aside as a word's onset too, or speech is heard after it as well (a word said twice
    // alike, whose first onset the set-aside missed).
    debug_assert_eq!(copies.len(), events.len());
    let reported = |o: f64| {
        events
            .iter()
            .zip(&judged)
            .any(|(e, j)| j.is_none() && e.onset_s == o)
    };
    let kept: Vec<Option<f64>> = events
        .iter()
        .zip(&judged)
        .map(|(e, j)| {
            let (cue, speech_probability, reason) = j.as_ref()?;
            let apart = |o: f64| {
                !speech::heard_between(
                    mono,
                    signal.sample_rate,
                    o,
                    o + p.speech.window_s,
                    &p.speech,
                    ear_gain,
                )
            };
            if let Some(of) = copies[e.id - 1].filter(|&o| reported(o) && apart(o)) {
                return Some(of);
            }
            // Not in a group the search formed (its fellows further apart than the burst gap,
            // or the search never reached it): looked for within `word_check_reach_s`.
            let reach = p.burst.repeat.word_check_reach_s;
            let sample = |s: f64| (s * sr).round() as usize;
            // Only for a sound the detector reported itself: a copy found by its correlation
            // alone has nothing else to speak for it, and the voice over it lowers that.
            if reach > 0.0
                && p.burst.repeat.enabled
                && p.burst.repeat.impulsive
                && e.repeat.is_none()
            {
                let mut near: Vec<&Event> = events
                    .iter()
                    .zip(&judged)
                    .filter(|(o, j)| {
                        j.is_none()
                            && o.class == classify::IMPULSIVE
                            && o.id != e.id
                            && (o.onset_s - e.onset_s).abs() <= reach
                            && o.detection
                                .as_ref()
                                .and_then(|d| d.voicing)
                                .is_some_and(|v| v < p.burst.repeat.max_anchor_voicing)
                    })
                    .map(|(o, _)| o)
                    .collect();
                near.sort_by(|a, b| {
                    let d = |o: &Event| (o.onset_s - e.onset_s).abs();
                    d(a).total_cmp(&d(b))
                });
                for o in near {
                    if repeat::copy_of_within(
                        mono,
                        signal.sample_rate,
                        sample(o.onset_s),
                        sample(e.onset_s),
                        reach,
                        &p.burst.repeat,
                    )
                    .is_some()
                        && apart(o.onset_s)
                    {
                        return Some(o.onset_s);
                    }
                }
            }
            set_aside.push(SetAside {
                onset_s: e.onset_s,
                peak_dbfs: e.peak_dbfs,
                detection_score: e.detection_score,
                gunshot_score: e.gunshot_score,
                flatness: round_to(e.features.flatness, 3),
                cue: *cue,
                speech_probability: *speech_probability,
                reason: reason.clone(),
            });
            None
        })
        .collect();
    let keep: Vec<bool> = judged
        .iter()
        .zip(&kept)
        .map(|(j, k)| j.is_none() || k.is_some())
        .collect();
    for (e, of) in events.iter_mut().zip(&kept) {
        if let Some(of) = of {
            e.reasons.push(format!(
                "repeats the waveform of the reported sound at {of:.3} s: a voice is heard over \
                 it, but no word repeats another sound's waveform, so it is not taken for a \
                 word's onset"
            ));
        }
    }
    let mut keep = keep.into_iter();
    events.retain(|_| keep.next().unwrap_or(true));
    (events, set_aside)
}

/// The rules of pace: a gunshot-like sound in a series at a walking pace is a step or a blow
/// (`pace::series`); a sound of a burst of rounds is a round (`pace::rounds`).
fn pace_rules(events: &mut [Event], p: &AnalyzeParams) {
    // A gunshot-like sound that is one of a series at a walking pace is a step or a blow.
    let sounds: Vec<pace::Sound> = events
        .iter()
        .map(|e| {
            pace::Sound::new(
                e.onset_s,
                e.peak_dbfs,
                e.features.crest_db,
                e.features.centroid_hz,
            )
        })
        .collect();
    for (e, s) in events
        .iter_mut()
        .zip(pace::series(&sounds, &p.classify.pace))
    {
        if let Some(s) = s.filter(|_| e.class == classify::GUNSHOT) {
            e.class = classify::IMPULSIVE.into();
            e.reasons.insert(0, pace::reason(&s, e.gunshot_score));
        }
    }
    // A sound of a burst whose rounds are half or more gunshot-like, or whose gunshot scores
    // average high enough, is a round too, unless its own measurements called it gunshot-like
    // and a rule turned it (a step, a sound that goes on).
    let calls: Vec<pace::Call> = events
        .iter()
        .map(|e| pace::Call {
            gunshot_like: e.class == classify::GUNSHOT,
            gunshot_score: e.gunshot_score,
        })
        .collect();
    for (e, b) in events
        .iter_mut()
        .zip(pace::rounds(&sounds, &calls, &p.classify.rounds))
    {
        let own = e.class == classify::IMPULSIVE && e.gunshot_score < p.classify.gunshot_min_score;
        if let Some(b) = b.filter(|_| own) {
            e.class = classify::GUNSHOT.into();
            e.reasons
                .insert(0, pace::rounds_reason(&b, e.gunshot_score));
        }
    }
}
