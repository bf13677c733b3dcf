//! Repeated rounds: the other shots of a burst found as near-copies of its clearest shot, by
//! normalised cross-correlation (a matched filter); then the same for repeated knocks, claps
//! and blows.
//!
//! Rounds of one weapon fired from one place reach the microphone along the same paths, so they
//! arrive as nearly the same waveform at nearly the same level, 50-300 ms apart. Inside a burst
//! each round after the first rises out of the previous round's tail, so its own rise, the
//! detector's evidence, is small (on the devset burst rounds 8-19 dB above the background
//! score 0.04-0.44 against the 0.45 threshold), and its 10 %-of-peak onset is found late. A
//! matched filter is the detector that makes the most of a known waveform in noise (Turin,
//! "An introduction to matched filters", IRE Trans. Information Theory 6(3), 1960); here the
//! known waveform is a reported gunshot, and the filter output is normalised by the energy of
//! each window (normalised cross-correlation, Lewis, "Fast normalized cross-correlation",
//! Vision Interface 1995), computed by FFT with running sums.
//!
//! The rule, step by step:
//!
//! - **Anchors** are reported gunshots, clearest (highest detection score) first. One that is
//!   `level_db` or more below an event less than a burst gap before it is not used: it may be
//!   that event's reflection.
//! - **Template**: the anchor's first `template_s`, from `lead_s` before its onset. It must
//!   stand `min_template_over_bed_db` over the background before it, or the anchor is not used:
//!   a template of background finds the background again.
//! - **Search**: within a burst gap of the anchor, and of every copy found (a burst is a chain
//!   of rounds, each within the gap of the next).
//! - **A copy** is a peak of the correlation (the highest within `min_separation_s`) of at least
//!   `min_correlation`, whose least-squares gain against the template is within `level_db` of
//!   0 dB (same weapon, same place, same level; a reflection has lost energy on its way: on the
//!   devset the echoes that correlate with their shot are 13-25 dB down), and which is not
//!   `level_db` below an event less than a burst gap before it (a reflection of that event),
//!   unless it is one of a train of a gunshot's copies at one level (`train`, [`TrainParams`]).
//!   A gunshot anchor that is so below an event before it is used only when its copies make
//!   such a train at its own level; the group is then that train. Copies of a gunshot further
//!   below the template, down to `train.low_db`, are rounds held down by a recorder's gain
//!   control when they follow the anchor, stand over the background, are not each one delay
//!   behind a round, and make a train among themselves ([`TrainParams::low_db`]).
//!   The correlation must also stand out from the template's correlation with the rest of the
//!   segment (`min_correlation_sigmas` times its robust spread, a constant-false-alarm-rate
//!   threshold): a faint sound's template in traffic rumble is mostly rumble, and found 32
//!   "copies" of a shotgun blast through one clip of Freedoom sounds mixed into it.
//! - **Whitened, too** (`whiten`): the search runs again on the first difference of the
//!   signal, and its copies are added. A matched filter is optimal in white noise; in coloured
//!   noise the optimal detector first whitens signal and template (S. M. Kay, *Fundamentals
//!   of Statistical Signal Processing, Volume II: Detection Theory*, Prentice Hall 1998,
//!   chapter 4, the generalised matched filter). The first difference (+6 dB per octave)
//!   is a fixed, approximate whitener for the backgrounds and sounds whose energy falls with
//!   frequency (rumble, traffic, wind, a low roar); the search on the signal as it is keeps
//!   the copies whose energy is all low, which differencing would leave in the hiss.
//! - **The group stands** when the mean gunshot score of its members that are reported events,
//!   each measured on its own, reaches `min_mean_gunshot_score`: the rounds are one sound, so
//!   their independent measurements are pooled, and a series of footsteps with one step
//!   mistaken for a shot is turned away.
//! - **Timing**: copies are placed on the template's clock (anchor onset plus lag). That clock
//!   is then set by the group's earliest member that the detector timed itself: the first round
//!   rises out of the background, later ones out of the previous round's tail, where the
//!   10 %-of-peak point is found late (the devset's gatling rounds, 16 ms).
//!
//! A reported event within `onset_tolerance_s` of a copy is that copy: it becomes a member
//! (called gunshot-like, re-timed on the group's clock); other copies are new events.
//!
//! The same search then runs from the reported `impulsive` events that no group has taken
//! (`impulsive`): a knock, a clap, a hammer blow or a footstep repeated at the same level is
//! another of the same. These groups need no vote and change no reported event; they only add
//! the copies the detector missed, called what their anchor is. An anchor followed by a voiced
//! sound (voicing at or above `max_anchor_voicing`) is not used: a word repeated identically
//! (synthetic voices, a replayed call) would otherwise seed copies of a syllable.

use serde::{Deserialize, Serialize};

use crate::signal::xcorr::Correlator;

thread_local! {
    /// FFT plans kept per thread across clips: planning the 2^16-point transforms of one search
    /// costs as much as running them, and a batch analyses thousands of short clips.
    static CORRELATOR: std::cell::RefCell<Correlator<f32>> = std::cell::RefCell::new(Correlator::default());
}

/// Thresholds of the repeated-round search (echoed in every report under `params.burst`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RepeatParams {
    /// Whether copies of reported gunshots are looked for.
    pub enabled: bool,
    /// Length of the template, in seconds: long enough to hold the blast and its first
    /// reflections, shorter than the 80 ms between rounds of fast automatic fire.
    pub template_s: f64,
    /// The template starts this long (s) before the anchor's onset, so the rise is whole.
    pub lead_s: f64,
    /// Lowest normalised correlation of a copy: its square is the share of the window's energy
    /// that the scaled template explains (0.4: 16 %).
    pub min_correlation: f64,
    /// Largest difference, in dB, between a copy's level and the template's; also how far below
    /// an earlier event a sound must be to be taken for its reflection.
    pub level_db: f64,
    /// Copies are at least this far apart (s): half the gap of the fastest automatic fire.
    pub min_separation_s: f64,
    /// A reported event this close (s) to a copy is that copy.
    pub onset_tolerance_s: f64,
    /// Lowest mean gunshot score of a group's measured members for the group to stand. Below
    /// the 0.5 that calls one sound on its own gunshot-like: copies of one waveform at one level
    /// within a burst gap are already evidence of one source firing again, and each member's
    /// own score is read through the previous round's tail. A walk whose one step passed for a
    /// shot (0.53, the others 0.06-0.25) averages about 0.2 and is still turned away. Over the
    /// eleven check sets, against 0.5: at 0.45 15 labelled gunshots more called gunshot-like
    /// (double taps and bursts of modelled shots, two OpenArena gatling rounds called
    /// explosions) for one false gunshot, at 0.4 17 for the same one (and three false
    /// `impulsive` events fewer), at 0.35 and 0.3 two false gunshots more (a modelled burst's
    /// echoes); the devset unchanged at each (docs/detection-notes.md, forty-seventh session).
    pub min_mean_gunshot_score: f64,
    /// Whether copies of reported `impulsive` events are looked for too (after the gunshots').
    pub impulsive: bool,
    /// An `impulsive` anchor's voicing after its onset must be below this (0..1).
    pub max_anchor_voicing: f64,
    /// A copy's correlation must also reach this many times the spread of the template's
    /// correlation over the segment searched (1.4826 times the median of its magnitude, a
    /// robust standard deviation): a constant-false-alarm-rate threshold. A template of broadband
    /// sound correlates with unrelated sound at a few hundredths, and `min_correlation` decides;
    /// one mostly made of rumble (a faint sound in traffic or brown noise, a few dozen degrees
    /// of freedom in 50 ms) correlates with the rumble itself at 0.4 and more at many lags.
    pub min_correlation_sigmas: f64,
    /// An anchor's template must carry this many dB more energy than the background before it
    /// (the median energy of 10 ms frames over the `bed_s` before the template, per sample):
    /// at 3 dB at least half the template is the event's. A template that is mostly background
    /// finds copies of the background: where a word's soft start was walked back into mains
    /// hum, the hum correlated with itself at 0.66-0.92 wherever its harmonics lined up, and
    /// one such template chained 4-74 "copies" through a clip. On the OpenArena check scenes 3 dB
    /// removes 192 such events in hum and 3 in traffic (8 of them within 50 ms of a labelled
    /// sound): events F1 0.792 -> 0.837, 0.787 -> 0.820, 0.830 -> 0.841; the devset and the
    /// Freedoom sets do not move. 1.5 dB leaves one set's cascade; 4.5 dB loses devset rounds
    /// (F1 0.830 -> 0.826), 6 dB more (0.819), 10 dB 0.812 (docs/detection-notes.md,
    /// nineteenth session).
    pub min_template_over_bed_db: f64,
    /// Length of that background, in seconds.
    pub bed_s: f64,
    /// Whether the search also runs on the signal's first difference, a whitened matched
    /// filter (see the module documentation). A low, rumbling sound (a clipped shotgun roar,
    /// energy below 300 Hz) has few degrees of freedom in `template_s`: its template
    /// correlates with any low sound at 0.2-0.3, so the spread rule sets the bar near 1 and
    /// its copies (0.74-0.87) are not found. Differenced, the same copies correlate at
    /// 0.67-0.86 against a spread of 0.02-0.05. On the OpenArena check scenes it finds 5-17
    /// more labelled sounds (6-18 more gunshots) for 0-4 false ones (events F1 0.839 / 0.821 / 0.842 -> 0.849 / 0.822 / 0.852, gunshot F1 0.589
    /// / 0.535 / 0.577 -> 0.628 / 0.548 / 0.606); the devset does not move; on one Freedoom set
    /// it added three later thuds of a door-close sample (0.748 -> 0.744), copies inside their
    /// anchor's sound that `impulsive_apart` now takes away. Reports written before it read as
    /// false (the search on the signal alone).
    #[serde(default)]
    pub whiten: bool,
    /// With `whiten`: an anchor whose template does not stand `min_template_over_bed_db` over
    /// its background is still searched from, on the first difference alone, when there its
    /// template does (both differenced). Under a loud low rumble a shot's first 50 ms can carry
    /// barely more energy than the rumble, while its differenced template, where the rumble
    /// counts for little, stands far over the differenced background; searched on the signal
    /// as it is, such a template would find the rumble again. On the OpenArena check sets it
    /// finds 7 more labelled machine-gun and gatling rounds, 5 of them called gunshot-like, and
    /// calls 8 rounds reported as `impulsive` gunshot-like (gunshot F1 43u 0.716 -> 0.727, 41
    /// recoded 0.648 -> 0.663), for 4 false `impulsive` events (later sounds of a shotgun); the
    /// devset and the other sets do not move. Reports written before it read as false.
    #[serde(default)]
    pub whitened_template: bool,
    /// Whether a copy of a reported `impulsive` sound must lie outside that sound: one that
    /// starts before the sound's end (`end_s`: its envelope 20 dB below its peak, or down to
    /// the background), or whose own sound holds the anchor's onset, is a later part of the
    /// same sound, not another of the same. A recorded door or machine often repeats itself
    /// inside one sound (a door's two thuds, a lift's clanks): on the Freedoom check sets the
    /// 26 copies found inside their anchors were all false, on the OpenArena ones 3 of 4, and
    /// no copy on the devset lies inside its anchor (its knocks and blows are 0.27-0.65 s
    /// apart and die out within 0.14 s). Events F1: Freedoom 11 / 22 / 33 0.777 / 0.752 /
    /// 0.744 -> 0.787 / 0.769 / 0.756, OpenArena 42 0.825 -> 0.827, 41 and 43u unchanged, the
    /// devset unchanged. The rounds of a burst are not held to it: each rises out of
    /// the previous round's tail. Reports written before it read as false.
    #[serde(default)]
    pub impulsive_apart: bool,
    /// How far (s) from a sound about to be set aside as a word's onset a reported, unvoiced
    /// `impulsive` sound whose waveform it repeats is looked for (`copy_of_within`; the same
    /// correlation, level and spread rules as a copy). No word repeats a knock's waveform, so
    /// such a sound is kept. Wider than the burst gap: hammer blows, knocks and a slow walk's
    /// steps come 0.4-1.2 s apart (on the devset a hammer blow under a voice, 0.64 s after its
    /// fellow, correlating at 0.88). 0 looks only within the groups the search formed. Reports
    /// written before it read as 0.
    #[serde(default)]
    pub word_check_reach_s: f64,
    /// Rounds at one level: a weaker copy of a shot is not taken for its reflection when it is
    /// one of a train of copies of that shot at one level, neither among the reported events
    /// ([`reflections`]) nor in the search for copies ([`groups`]: a copy of a gunshot that is
    /// `level_db` below an event shortly before it). None (reports written before it): not
    /// applied.
    #[serde(default)]
    pub train: Option<TrainParams>,
    /// Whether a copy's level against the template is taken with the background's share of
    /// the template's energy taken out (the template's energy less `bed_s`'s median energy per
    /// sample times its length, at least half its energy: at most +6 dB, the
    /// `min_template_over_bed_db` an anchor must reach). The least-squares gain of a template
    /// onto a window is the copy's level times the share of the template's energy that is the
    /// sound's: noise in the template, which the window does not repeat, dilutes it (the
    /// attenuation bias of a regression on a noisy regressor; C. Spearman, "The proof and
    /// measurement of association between two things", American Journal of Psychology 15,
    /// 1904; C. Frost and S. G. Thompson, "Correcting for regression dilution bias", Journal of
    /// the Royal Statistical Society A 163, 2000). A burst 2-5 dB below a pink-noise bed
    /// (devset, a synthetic burst at 336 m) has templates 1.6-3.4 dB over it: its rounds, at one
    /// level, read 6.5-8.3 dB below the anchor and were turned away by `level_db`.
    /// Taken out only where the background is a third or more of the template's energy
    /// (the gain then diluted by 3.5 dB or more), which is where a window of background alone
    /// that repeated the template's background would read within `level_db` of it; and there
    /// only when the background does not repeat itself (the 50 ms before the template
    /// correlates with no window of the stretch searched at `min_correlation`): mains hum or a
    /// drone in the template is found again in every window. Applied to every template, or
    /// without the check, it added false copies (31 of hum on one modelled scene without the
    /// check; with it, 4 more false events than this rule over the eleven check sets for 6
    /// more labelled ones). False (reports written before it): the gain as it is.
    #[serde(default)]
    pub noise_corrected_level: bool,
}

/// When weaker copies of a shot are rounds rather than its reflections ([`reflections`],
/// [`groups`]).
///
/// A reflection has travelled further than its shot and lost energy at the reflector, and each
/// reflection has its own path, so a shot's echoes come at scattered levels; the rounds of a
/// burst come at one level. They stand below the burst's first round wherever the recorder
/// turns its gain down after that round (a phone's automatic gain control has no look-ahead),
/// or where a burst's first rounds were its loudest: on the synthetic check scenes a burst
/// 16-19 dB above the background, recorded through gain control, had four of its rounds, 8 dB
/// below the first, taken for reflections of it; in the search for copies, eight labelled
/// rounds of OpenArena machine guns and a gatling and of a modelled burst were turned away as
/// reflections of a louder round before them (docs/detection-notes.md, forty-fourth session).
/// In the search, levels are the copies' gains against the template.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrainParams {
    /// Copies of one shot (reported events, at least `min_separation_s` apart) whose peaks lie
    /// within this many dB of each other are at one level.
    pub level_db: f64,
    /// How many copies at one level make a train. Two echoes of one shot can meet at one level
    /// by chance (on the check scenes two echoes of a synthetic shot, 0.22 and 0.44 s after it,
    /// within 3 dB of each other); with 2, three more labelled rounds and those two echoes
    /// are reported; with 3, the four rounds above and no echo (docs/detection-notes.md,
    /// forty-fourth session).
    pub min_rounds: usize,
    /// Weaker copies that lie one delay (to within this, s) behind a louder event, as another
    /// does behind another, are that burst's echoes, not a train: a burst's rounds come at one
    /// level, and so do their reflections off one wall, each the same delay behind its round
    /// (the path difference; a shooter and a microphone that stay put over a burst change it
    /// by well under a millisecond, 34 cm of path). On the devset a modelled burst's 408 ms
    /// echoes, 10 dB down, made a train of three once the copies' levels were taken against
    /// the template's own sound (`RepeatParams::noise_corrected_level`), and two were called
    /// gunshots; their delays agreed to 0.3 ms. Held both in the search for copies
    /// ([`groups`]) and among the reported events ([`reflections`]: such a copy is a
    /// reflection though a train stands at its level; no report of the eleven check sets
    /// changes by it there). 0 (reports written before it): not applied.
    #[serde(default)]
    pub echo_delay_s: f64,
    /// How far (dB) below the template a copy of a gunshot may lie and still be a round of a
    /// train (decided as for the copies below an event before them). A recorder's gain control
    /// has no look-ahead: the first round of a burst passes at full gain, and the rounds after
    /// it, each within the control's release of the last, are held down together, at one level
    /// below the first. On the modelled check scenes a burst recorded through gain control had
    /// its later rounds 8-10 dB below the first on the whitened signal, beyond `level_db`, and
    /// not one was found. Discrete echoes that correlate with their shot lie 13-25 dB down on
    /// the devset. Such a copy is a round only when it follows the anchor (a gain control
    /// holds down what comes after a loud sound), stands over the background (its deficit less
    /// than the template's margin over its background), is not one delay behind the nearest
    /// round before it as another is behind its own (`echo_delay_s`: echoes, or later parts of
    /// each round's sound), and is one of `min_rounds` such copies at one level. Over the
    /// eleven check sets 4 of 620 reports change: 6 labelled rounds of three modelled bursts
    /// found (through gain control, or the telephone band), 3 false events (a platform's stop
    /// whose own sound repeats 10 dB down); the devset unchanged. At 15 dB (measured before the
    /// echo, background and precedence conditions) 18 copies more, 14 of them false, most
    /// 13-14 dB down (docs/detection-notes.md, forty-seventh session). At most `level_db` (0,
    /// reports written before it): copies only within `level_db`.
    #[serde(default)]
    pub low_db: f64,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            level_db: 3.0,
            min_rounds: 3,
            echo_delay_s: 0.002,
            low_db: 12.0,
        }
    }
}

impl Default for RepeatParams {
    fn default() -> Self {
        RepeatParams {
            enabled: true,
            template_s: 0.05,
            lead_s: 0.002,
            min_correlation: 0.4,
            level_db: 6.0,
            min_separation_s: 0.04,
            onset_tolerance_s: 0.03,
            min_mean_gunshot_score: 0.4,
            impulsive: true,
            max_anchor_voicing: 0.5,
            min_correlation_sigmas: 3.5,
            min_template_over_bed_db: 3.0,
            bed_s: 0.5,
            whiten: true,
            whitened_template: true,
            impulsive_apart: true,
            word_check_reach_s: 1.2,
            train: Some(TrainParams::default()),
            noise_corrected_level: true,
        }
    }
}

/// What the search needs to know of one reported event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    /// Onset sample.
    pub onset: usize,
    /// Detection score (0..1): anchors are tried in its order.
    pub score: f64,
    /// Its own gunshot score (0..1).
    pub gunshot_score: f64,
    /// Whether it is called a gunshot.
    pub gunshot: bool,
    /// Whether it is called `impulsive` (neither gunshot nor explosion).
    pub impulsive: bool,
    /// Voicing after its onset (0..1, `detect::evidence`); none where the clip ends too soon
    /// to measure it, and then it is no `impulsive` anchor (one must be shown not voiced).
    pub voicing: Option<f64>,
}

/// One member of a group of copies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// Onset sample on the group's clock.
    pub onset: usize,
    /// Normalised correlation with the template (1 for the anchor).
    pub correlation: f64,
    /// Level against the template, dB (0 for the anchor).
    pub level_db: f64,
    /// Whether it was found only on the signal's first difference (`whiten`), where
    /// `correlation` and `level_db` were measured.
    pub whitened: bool,
    /// The reported event it is, if any (index into the seeds).
    pub event: Option<usize>,
}

/// Copies of one anchor.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Index of the anchor among the seeds.
    pub anchor: usize,
    /// Every member, the anchor included, in time order.
    pub members: Vec<Member>,
    /// Mean gunshot score of the members that are reported events.
    pub gunshot_score: f64,
    /// Whether the anchor is a gunshot (else an `impulsive` event).
    pub gunshot: bool,
}

/// The search's lengths in samples, or `None` when there is nothing to search.
struct Lengths {
    /// Template.
    n: usize,
    /// Template start before the onset.
    lead: usize,
    /// Burst gap.
    gap: usize,
    /// Least separation of copies.
    sep: usize,
    /// Onset tolerance.
    tol: usize,
}

impl Lengths {
    fn of(
        x: &[f32],
        sample_rate: u32,
        seeds: &[Seed],
        max_gap_s: f64,
        p: &RepeatParams,
    ) -> Option<Lengths> {
        debug_assert!(seeds.windows(2).all(|w| w[0].onset <= w[1].onset));
        let sr = f64::from(sample_rate);
        let samples = |s: f64| (s.max(0.0) * sr).round() as usize;
        let l = Lengths {
            n: samples(p.template_s),
            lead: samples(p.lead_s),
            gap: samples(max_gap_s),
            sep: samples(p.min_separation_s),
            tol: samples(p.onset_tolerance_s),
        };
        (p.enabled && l.n > 0 && x.len() >= l.n).then_some(l)
    }
}

/// Groups of copies of the reported gunshots, then of the unvoiced `impulsive` events, in `x`
/// (mono, at `sample_rate`); `seeds` are all reported events in time order, `max_gap_s` the burst gap. See the module documentation.
pub fn groups(
    x: &[f32],
    sample_rate: u32,
    seeds: &[Seed],
    max_gap_s: f64,
    p: &RepeatParams,
) -> Vec<Group> {
    let Some(Lengths {
        n,
        lead,
        gap,
        sep,
        tol,
    }) = Lengths::of(x, sample_rate, seeds, max_gap_s, p)
    else {
        return Vec::new();
    };
    let peak_db = |i: usize| peak_db(&x[i.min(x.len())..(i + n).min(x.len())]);
    let bed = (p.bed_s.max(0.0) * f64::from(sample_rate)).round() as usize;
    let frame = (0.01 * f64::from(sample_rate)).round().max(1.0) as usize;
    let seed_db: Vec<f64> = seeds.iter().map(|s| peak_db(s.onset)).collect();
    // A sound `level_db` below an event less than a burst gap before it may be its reflection.
    // Seeds are in time order: the ones in a window are found by bisection.
    let from = |t: usize| seeds.partition_point(|s| s.onset < t);
    let seed_db = &seed_db;
    let louder = |t: usize, db: f64| {
        (from(t.saturating_sub(gap))..from(t)).filter(move |&i| seed_db[i] - db >= p.level_db)
    };
    let reflection = |t: usize, db: f64| louder(t, db).next().is_some();
    // ...and how far behind each such event it lies, in samples.
    let louder_before =
        |t: usize, db: f64| -> Vec<usize> { louder(t, db).map(|i| t - seeds[i].onset).collect() };
    // Gunshots first, then unvoiced impulsive events; the clearest first within each.
    let anchor = |s: &Seed| {
        s.gunshot
            || (p.impulsive && s.impulsive && s.voicing.is_some_and(|v| v < p.max_anchor_voicing))
    };
    let mut order: Vec<usize> = (0..seeds.len()).filter(|&i| anchor(&seeds[i])).collect();
    order.sort_by(|&a, &b| {
        (seeds[b].gunshot.cmp(&seeds[a].gunshot))
            .then(seeds[b].score.total_cmp(&seeds[a].score))
            .then(a.cmp(&b))
    });
    let mut used = vec![false; seeds.len()];
    let mut out = Vec::new();
    for a in order {
        let onset = seeds[a].onset;
        if used[a] || onset < lead || onset - lead + n > x.len() {
            continue;
        }
        // An anchor below an event shortly before it may be its reflection: used only when
        // its copies make a train at its level.
        let suspect = reflection(onset, seed_db[a]);
        if suspect && !(p.train.is_some() && seeds[a].gunshot) {
            continue;
        }
        // A silent template finds no copy (`Normalised::of`), so its group has one member.
        let template = &x[onset - lead..onset - lead + n];
        // Searched on the signal as it is when the template stands over its background...
        let over = over_bed_db(x, onset - lead, template, bed, frame);
        let plain = over >= p.min_template_over_bed_db;
        // The background and the template, differenced.
        let from_bed = (onset - lead).saturating_sub(bed);
        let d = difference(&x[from_bed..onset - lead + n]);
        let start = onset - lead - from_bed;
        let over_white = over_bed_db(&d, start, &d[start..], bed, frame);
        // Else on the first difference alone, when there the template stands out
        // (`whitened_template`).
        let white_ok =
            !plain && p.whiten && p.whitened_template && over_white >= p.min_template_over_bed_db;
        if !plain && !white_ok {
            continue;
        }
        // The background's share of the template (`noise_corrected_level`), where the
        // background does not repeat itself.
        let noise = if p.noise_corrected_level {
            let (lo, hi) = (
                (onset - lead).saturating_sub(gap),
                (onset - lead + n + gap).min(x.len()),
            );
            // A window of background alone, repeating the template's background, would read
            // at its share over the rest: only where that is within `level_db` is the share
            // taken out, the template starting at `at` of `sig`...
            let within = 10f64.powf(-p.level_db / 20.0);
            let large_share = |sig: &[f32], at: usize| {
                let noise = bed_floor(sig, at, bed, frame)? * n as f64;
                let tt: f64 = sig[at..at + n].iter().map(|&v| f64::from(v).powi(2)).sum();
                (noise >= within * (tt - noise)).then_some(noise)
            };
            // ...and where the background does not repeat itself in `seg`, the stretch searched
            // (`sig` starts at sample `off` of `x`).
            let unrepeated = |sig: &[f32], off: usize, at: usize, seg: &[f32]| {
                at.checked_sub(n).is_some_and(|before| {
                    let own = (off + before).checked_sub(lo);
                    !CORRELATOR.with_borrow_mut(|c| repeats(c, &sig[before..at], seg, own, sep, p))
                })
            };
            let plain =
                large_share(x, onset - lead).filter(|_| unrepeated(x, 0, onset - lead, &x[lo..hi]));
            let white = large_share(&d, start)
                .filter(|_| p.whiten && unrepeated(&d, from_bed, start, &difference(&x[lo..hi])));
            Noise {
                plain: plain.unwrap_or(0.0),
                white: white.unwrap_or(0.0),
            }
        } else {
            Noise::default()
        };
        let mut members = vec![Member {
            onset,
            correlation: 1.0,
            level_db: 0.0,
            whitened: false,
            event: Some(a),
        }];
        let mut frontier = vec![onset];
        // Copies below an event shortly before them, or further below the template than
        // `level_db`, held until the search is done: they may be rounds of a train of a
        // gunshot's copies (`RepeatParams::train`).
        let train = p.train.filter(|_| seeds[a].gunshot);
        let gate = Gate {
            p,
            sep,
            low_db: train.map_or(p.level_db, |tr| tr.low_db.max(p.level_db)),
        };
        let mut suspects: Vec<Member> = Vec::new();
        while let Some(t0) = frontier.pop() {
            let lo = (t0 - lead).saturating_sub(gap);
            let hi = (t0 - lead + n + gap).min(x.len());
            for found in
                CORRELATOR.with_borrow_mut(|c| copies(c, template, &x[lo..hi], gate, plain, noise))
            {
                let t = lo + found.lag + lead;
                if members.iter().any(|m| m.onset.abs_diff(t) < sep) {
                    continue;
                }
                let event = (from(t.saturating_sub(tol))..from(t + tol + 1))
                    .min_by_key(|&i| (seeds[i].onset.abs_diff(t), i));
                if event.is_some_and(|i| used[i] || members.iter().any(|m| m.event == Some(i))) {
                    continue;
                }
                let member = Member {
                    onset: t,
                    correlation: found.correlation,
                    level_db: found.level_db,
                    whitened: found.whitened,
                    event,
                };
                if found.level_db < -p.level_db || reflection(t, peak_db(t)) {
                    // Below an event shortly before it, or far below the template: a
                    // reflection, unless it is a round of a train (`RepeatParams::train`),
                    // decided once the search is done.
                    if train.is_some()
                        && suspects.iter().all(|m: &Member| m.onset.abs_diff(t) >= sep)
                    {
                        suspects.push(member);
                    }
                    continue;
                }
                members.push(member);
                frontier.push(t);
            }
        }
        if let Some(tr) = train {
            // Copies within `level_db` of the template; those further below are judged apart.
            let at_level = |m: &Member| {
                let in_level = suspects.iter().filter(|o| o.level_db >= -p.level_db);
                train_of(m, &mut members[1..].iter().chain(in_level), sep, tr)
            };
            let held = held_rounds(
                &suspects,
                &members,
                Held {
                    anchor: onset,
                    over,
                    over_white,
                    below_db: p.level_db,
                    sep,
                    tol: (tr.echo_delay_s * f64::from(sample_rate)).round() as usize,
                },
                tr,
            );
            let rounds: Vec<Member> = suspects
                .iter()
                .filter(|m| {
                    let train = if m.level_db < -p.level_db {
                        held.contains(&m.onset)
                    } else {
                        at_level(m)
                    };
                    train && members.iter().all(|o| o.onset.abs_diff(m.onset) >= sep)
                })
                .copied()
                .collect();
            for m in rounds {
                if m.event
                    .is_none_or(|i| members.iter().all(|o| o.event != Some(i)))
                {
                    members.push(m);
                }
            }
        }
        // Copies below a louder event, each one delay behind one: that burst's echoes
        // (`TrainParams::echo_delay_s`).
        if let Some(tr) = p.train.filter(|t| t.echo_delay_s > 0.0) {
            let below: Vec<usize> = members
                .iter()
                .map(|m| m.onset)
                .filter(|&t| reflection(t, peak_db(t)))
                .collect();
            let tol = (tr.echo_delay_s * f64::from(sample_rate)).round() as usize;
            let echoes = at_one_delay(&below, tol, |t| louder_before(t, peak_db(t)));
            if suspect && echoes.contains(&onset) {
                continue;
            }
            members.retain(|m| !echoes.contains(&m.onset));
        }
        if let Some(tr) = p.train.filter(|_| suspect) {
            members.retain(|m| m.level_db.abs() <= tr.level_db);
            if members.len() < tr.min_rounds {
                continue;
            }
        }
        if members.len() < 2 {
            continue;
        }
        let measured: Vec<f64> = members
            .iter()
            .filter_map(|m| m.event.map(|i| seeds[i].gunshot_score))
            .collect();
        let gunshot_score = measured.iter().sum::<f64>() / measured.len() as f64;
        let gunshot = seeds[a].gunshot;
        if gunshot && gunshot_score < p.min_mean_gunshot_score {
            continue;
        }
        members.sort_by_key(|m| m.onset);
        // The earliest member the detector timed itself sets the clock.
        if let Some((at, own)) = members
            .iter()
            .find_map(|m| m.event.map(|i| (m.onset, seeds[i].onset)))
        {
            for m in &mut members {
                m.onset = (m.onset + own).saturating_sub(at);
            }
        }
        for m in &members {
            if let Some(i) = m.event {
                used[i] = true;
            }
        }
        out.push(Group {
            anchor: a,
            members,
            gunshot_score,
            gunshot,
        });
    }
    out
}

/// Whether `m` and the members of `pool` apart from it (`sep` samples) and within
/// `tr.level_db` of its level make a train of `tr.min_rounds`.
fn train_of(
    m: &Member,
    pool: &mut dyn Iterator<Item = &Member>,
    sep: usize,
    tr: TrainParams,
) -> bool {
    pool.filter(|o| {
        o.onset.abs_diff(m.onset) >= sep && (o.level_db - m.level_db).abs() <= tr.level_db
    })
    .count()
        + 1
        >= tr.min_rounds
}

/// What [`held_rounds`] needs of the search: the anchor's onset, its template's margins over
/// its background (dB, on the signal and differenced), how far below the template a copy is
/// held (`level_db`), the copies' separation and the echo tolerance (samples).
#[derive(Debug, Clone, Copy)]
struct Held {
    anchor: usize,
    over: f64,
    over_white: f64,
    below_db: f64,
    sep: usize,
    tol: usize,
}

/// Onsets of the copies among `suspects` that are rounds held down by a gain control
/// ([`TrainParams::low_db`]): further below the template than `below_db`, after the anchor,
/// apart from every member, standing over the background as the template does less their
/// deficit (one further down would lie in the background, where a sound's own repeating parts
/// are found), not one delay behind the nearest member before them as another is behind its
/// own (the members' echoes, or later parts of their sound: a round held down lies wherever
/// the shooter fired), and making a train among themselves.
fn held_rounds(suspects: &[Member], members: &[Member], h: Held, tr: TrainParams) -> Vec<usize> {
    let low = |m: &Member| {
        m.level_db < -h.below_db
            && -m.level_db < if m.whitened { h.over_white } else { h.over }
            && m.onset > h.anchor
            && members.iter().all(|o| o.onset.abs_diff(m.onset) >= h.sep)
    };
    let low_at: Vec<usize> = suspects
        .iter()
        .filter(|m| low(m))
        .map(|m| m.onset)
        .collect();
    let behind = |t: usize| -> Vec<usize> {
        members
            .iter()
            .filter(|o| o.onset < t)
            .map(|o| t - o.onset)
            .min()
            .into_iter()
            .collect()
    };
    let echoes = if tr.echo_delay_s > 0.0 {
        at_one_delay(&low_at, h.tol, behind)
    } else {
        Vec::new()
    };
    let held: Vec<&Member> = suspects
        .iter()
        .filter(|m| low(m) && !echoes.contains(&m.onset))
        .collect();
    held.iter()
        .filter(|m| train_of(m, &mut held.iter().copied(), h.sep, tr))
        .map(|m| m.onset)
        .collect()
}

/// Reported events that are late reflections of a reported gunshot: from `min_separation_s` to
/// the burst gap after it, `level_db` or more below it, and correlating with its template at
/// `min_correlation` or more (within `lead_s` of the reported onset). A discrete echo is a
/// delayed, weaker copy of its shot (on the devset a synthetic shot's echo 408 ms behind it, 8
/// dB down, correlates at 0.58 and was reported as a second shot); the early reflections, 10-40
/// ms, are `detect::components`. Returns (reflection, its shot) pairs, indices into `seeds`
/// (in time order; `gunshot` marks the shots), the loudest shot when several qualify. A copy
/// that is one of a train of copies of the shot at one level is a round, not a reflection
/// ([`TrainParams`]).
pub fn reflections(
    x: &[f32],
    sample_rate: u32,
    seeds: &[Seed],
    max_gap_s: f64,
    p: &RepeatParams,
) -> Vec<(usize, usize)> {
    let Some(Lengths {
        n, lead, gap, sep, ..
    }) = Lengths::of(x, sample_rate, seeds, max_gap_s, p)
    else {
        return Vec::new();
    };
    let window = |t: usize| template_at(x, t, n, lead);
    let level: Vec<Option<f64>> = seeds.iter().map(|s| window(s.onset).map(peak_db)).collect();
    // Every later event within a burst gap that repeats a shot's template: (later event, shot).
    let mut copies: Vec<(usize, usize)> = Vec::new();
    for (e, echo) in seeds.iter().enumerate() {
        if level[e].is_none() {
            continue;
        }
        let lo = seeds.partition_point(|s| s.onset + gap < echo.onset);
        for (g, shot) in seeds.iter().enumerate().take(e).skip(lo) {
            if !shot.gunshot || shot.onset + sep > echo.onset {
                continue;
            }
            let Some(t) = window(shot.onset) else {
                continue;
            };
            if best_alignment(x, t, echo.onset, lead) >= p.min_correlation {
                copies.push((e, g));
            }
        }
    }
    // Rounds at one level (`RepeatParams::train`): this copy of the shot and enough others,
    // apart from it, at its level.
    // `window` held for every shot among the copies, so each has a level.
    let db = |i: usize| level[i].unwrap_or(f64::MIN);
    // How far behind each louder event within a burst gap before it an event lies, in samples.
    let louder_before = |e: usize| -> Vec<usize> {
        let lo = seeds.partition_point(|s| s.onset + gap < seeds[e].onset);
        (lo..e)
            .filter(|&i| db(i) - db(e) >= p.level_db)
            .map(|i| seeds[e].onset - seeds[i].onset)
            .collect()
    };
    let in_train = |e: usize, g: usize| {
        p.train.is_some_and(|t| {
            let others: Vec<usize> = copies
                .iter()
                .filter(|&&(f, h)| {
                    h == g
                        && f != e
                        && seeds[f].onset.abs_diff(seeds[e].onset) >= sep
                        && (db(f) - db(e)).abs() <= t.level_db
                })
                .map(|&(f, _)| f)
                .collect();
            // ...and not, with another of them, one delay behind louder events: echoes of a
            // burst's rounds off one wall (`TrainParams::echo_delay_s`).
            let echo = t.echo_delay_s > 0.0 && {
                let tol = (t.echo_delay_s * f64::from(sample_rate)).round() as usize;
                let at: Vec<usize> = std::iter::once(e).chain(others.iter().copied()).collect();
                at_one_delay(&at, tol, louder_before).contains(&e)
            };
            others.len() + 1 >= t.min_rounds && !echo
        })
    };
    let mut out = Vec::new();
    for e in 0..seeds.len() {
        // The loudest shot (the earliest among equals) this event is a reflection of.
        let best = copies
            .iter()
            .filter(|&&(f, g)| f == e && db(g) - db(e) >= p.level_db && !in_train(e, g))
            .max_by(|&&(_, a), &&(_, b)| db(a).total_cmp(&db(b)).then(b.cmp(&a)));
        if let Some(&(_, g)) = best {
            out.push((e, g));
        }
    }
    out
}

/// The `n` samples of `x` from `lead` before `onset`: a reported event's template, or the
/// window its level is read in; none where they do not fit in `x`.
fn template_at(x: &[f32], onset: usize, n: usize, lead: usize) -> Option<&[f32]> {
    (onset >= lead && onset - lead + n <= x.len()).then(|| &x[onset - lead..onset - lead + n])
}

/// The normalised correlation of `template` with `x` at its best alignment within `lead`
/// either side of a reported onset: the windows starting from 2 `lead` before `onset` to
/// `onset` (`f64::MIN` where there is none).
fn best_alignment(x: &[f32], template: &[f32], onset: usize, lead: usize) -> f64 {
    let seg =
        &x[onset.saturating_sub(2 * lead).min(x.len())..(onset + template.len()).min(x.len())];
    CORRELATOR.with_borrow_mut(|c| {
        Normalised::of(c, template, seg).map_or(f64::MIN, |c| {
            (0..c.lags()).map(|k| c.ncc(k)).fold(f64::MIN, f64::max)
        })
    })
}

/// The template's length and lead before the onset, in samples of `sample_rate`.
fn template_lengths(sample_rate: u32, p: &RepeatParams) -> (usize, usize) {
    let sr = f64::from(sample_rate);
    let samples = |s: f64| (s.max(0.0) * sr).round() as usize;
    (samples(p.template_s), samples(p.lead_s))
}

/// How well a later reported event (onset `later`) repeats an earlier one (onset `earlier`),
/// both in samples of `x` at `sample_rate`: the earlier one's template (`template_s` from
/// `lead_s` before it) correlated with the later one at its best alignment, as
/// [`reflections`] measures it. None where either window does not fit in `x`.
pub fn correlation(
    x: &[f32],
    sample_rate: u32,
    earlier: usize,
    later: usize,
    p: &RepeatParams,
) -> Option<f64> {
    let (n, lead) = template_lengths(sample_rate, p);
    let t = template_at(x, earlier, n, lead).filter(|_| n > 0)?;
    template_at(x, later, n, lead)?;
    Some(best_alignment(x, t, later, lead))
}

/// A reported event's level as [`reflections`] compares them: the peak (dBFS) of its
/// template's window. None where the window does not fit in `x`.
pub fn level_db(x: &[f32], sample_rate: u32, onset: usize, p: &RepeatParams) -> Option<f64> {
    let (n, lead) = template_lengths(sample_rate, p);
    template_at(x, onset, n, lead)
        .filter(|_| n > 0)
        .map(peak_db)
}

/// Energy per sample of `template` (starting at sample `start` of `x`) over the background
/// before it ([`bed_floor`]), in dB; +inf with no background before it (the clip's start) or a
/// silent one.
fn over_bed_db(x: &[f32], start: usize, template: &[f32], bed: usize, frame: usize) -> f64 {
    match bed_floor(x, start, bed, frame) {
        Some(floor) => {
            10.0 * (crate::features::mean_square(template) / floor)
                .max(1e-30)
                .log10()
        }
        None => f64::INFINITY,
    }
}

/// The median energy per sample of the `frame`-long frames in the `bed` samples of `x` before
/// sample `start`; none with no whole frame there (the clip's start) or a silent background.
fn bed_floor(x: &[f32], start: usize, bed: usize, frame: usize) -> Option<f64> {
    let lo = start.saturating_sub(bed);
    let mut frames: Vec<f64> = x[lo..start]
        .chunks_exact(frame)
        .map(crate::features::mean_square)
        .collect();
    if frames.is_empty() {
        return None;
    }
    let mid = frames.len() / 2;
    let floor = *frames.select_nth_unstable_by(mid, f64::total_cmp).1;
    (floor > 0.0).then_some(floor)
}

/// Largest magnitude of `w`, in dB (full scale 0 dB; -200 dB for silence).
pub(crate) fn peak_db(w: &[f32]) -> f64 {
    20.0 * f64::from(w.iter().fold(0f32, |m, v| m.max(v.abs())))
        .max(1e-10)
        .log10()
}

/// The correlation of a template with every window of a segment (lag `k`: the window starting
/// at `k`), with what normalises it: the template's energy and the running energy of the
/// segment. The value at a lag is computed when asked for, as most lags are gated away first.
struct Normalised {
    /// Sum of template × window, per lag.
    num: Vec<f64>,
    /// `energy[i]`: energy of the segment's first `i` samples.
    energy: Vec<f64>,
    /// Template length.
    n: usize,
    /// Template energy.
    tt: f64,
    /// The part of it that is the sound's: `tt` less the background's share
    /// (`RepeatParams::noise_corrected_level`), at least half of it.
    signal: f64,
}

impl Normalised {
    /// `None` when the segment is shorter than the template or the template is silent.
    fn of(correlator: &mut Correlator<f32>, template: &[f32], seg: &[f32]) -> Option<Normalised> {
        let n = template.len();
        let tt: f64 = template.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        if seg.len() < n || tt <= 1e-20 {
            return None;
        }
        let num = correlator.xcorr(template, seg, 0, (seg.len() - n) as i64);
        let mut energy = Vec::with_capacity(seg.len() + 1);
        energy.push(0.0f64);
        for &v in seg {
            energy.push(energy.last().copied().unwrap_or(0.0) + f64::from(v) * f64::from(v));
        }
        Some(Normalised {
            num,
            energy,
            n,
            tt,
            signal: tt,
        })
    }

    /// Number of lags.
    fn lags(&self) -> usize {
        self.num.len()
    }

    /// Normalised cross-correlation at lag `k` (0 for a silent window).
    fn ncc(&self, k: usize) -> f64 {
        let e = (self.energy[k + self.n] - self.energy[k]).max(0.0);
        if e > 0.0 {
            self.num[k] / (e * self.tt).sqrt()
        } else {
            0.0
        }
    }

    /// A robust standard deviation of the correlation over all lags: 1.4826 times the median
    /// of its magnitude (the median absolute deviation about zero; a few copies among thousands
    /// of lags do not move it). Constant-false-alarm-rate detection sets its threshold from
    /// such an estimate of the noise around the cell tested (H. M. Finn and R. S. Johnson,
    /// "Adaptive detection mode with threshold control as a function of spatially sampled
    /// clutter-level estimates", RCA Review 29, 1968).
    fn spread(&self) -> f64 {
        let mut a: Vec<f64> = (0..self.lags()).map(|k| self.ncc(k).abs()).collect();
        if a.is_empty() {
            return 0.0;
        }
        let mid = a.len() / 2;
        1.4826 * *a.select_nth_unstable_by(mid, f64::total_cmp).1
    }

    /// With `noise` (energy) of the template's taken to be background, which no window
    /// repeats: the gain is then taken against the rest, at least half the template's energy.
    fn with_noise(mut self, noise: f64) -> Normalised {
        self.signal = (self.tt - noise.max(0.0)).max(0.5 * self.tt);
        self
    }

    /// Gain of the template onto the window at lag `k`: least squares, against the template's
    /// own sound when its background is known (`with_noise`).
    fn gain(&self, k: usize) -> f64 {
        self.num[k] / self.signal
    }
}

/// Whether two sounds, each (onset, end) in samples, overlap: the later starts before the
/// earlier ends (`RepeatParams::impulsive_apart`).
pub fn overlap(a: (usize, usize), b: (usize, usize)) -> bool {
    let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    second.0 < first.1
}

/// A copy found in a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Found {
    /// Lag: the window starting there.
    lag: usize,
    /// Normalised correlation with the template.
    correlation: f64,
    /// Level against the template, dB.
    level_db: f64,
    /// Found on the first differences only.
    whitened: bool,
}

/// Whether the sound at `at` (an onset sample of `x`, mono at `sample_rate`) is a copy of the
/// one at `anchor`: the anchor's template is searched for over `reach_s` either side of it, by
/// the rules of a copy (`copies`: correlation, level, and standing out of the template's
/// correlation with that stretch), and a copy is found within `onset_tolerance_s` of `at`.
/// Returns its correlation and level against the template.
pub fn copy_of_within(
    x: &[f32],
    sample_rate: u32,
    anchor: usize,
    at: usize,
    reach_s: f64,
    p: &RepeatParams,
) -> Option<(f64, f64)> {
    let l = Lengths::of(x, sample_rate, &[], reach_s, p)?;
    if anchor < l.lead || anchor - l.lead + l.n > x.len() {
        return None;
    }
    let start = anchor - l.lead;
    let template = &x[start..start + l.n];
    let lo = start.saturating_sub(l.gap);
    let hi = (start + l.n + l.gap).min(x.len());
    let target = at.checked_sub(l.lead)?;
    CORRELATOR
        .with_borrow_mut(|c| {
            let gate = Gate {
                p,
                sep: l.sep,
                low_db: p.level_db,
            };
            copies(c, template, &x[lo..hi], gate, true, Noise::default())
        })
        .into_iter()
        .filter(|f| (lo + f.lag).abs_diff(start) >= l.sep)
        .find(|f| (lo + f.lag).abs_diff(target) <= l.tol)
        .map(|f| (f.correlation, f.level_db))
}

/// What a copy must meet: the thresholds of `p`, no other copy within `sep` samples higher,
/// and a level from `low_db` below the template to `p.level_db` above it.
#[derive(Clone, Copy)]
struct Gate<'a> {
    p: &'a RepeatParams,
    sep: usize,
    low_db: f64,
}

/// Copies of `template` in `seg` (see `copies_in`), searched on the signal as it is (`plain`)
/// and, with `whiten`, on its first difference too: a copy found there is added where the search
/// on the signal as it is found none within `sep`, or only one further below the template than
/// `level_db`. In lag order.
fn copies(
    correlator: &mut Correlator<f32>,
    template: &[f32],
    seg: &[f32],
    gate: Gate,
    plain: bool,
    noise: Noise,
) -> Vec<Found> {
    let sep = gate.sep;
    let mut out = if plain {
        copies_in(correlator, template, seg, gate, false, noise.plain)
    } else {
        Vec::new()
    };
    if gate.p.whiten {
        let (template, seg) = (difference(template), difference(seg));
        let white = copies_in(correlator, &template, &seg, gate, true, noise.white);
        let plain = out.len();
        // A copy within `level_db` of the template takes the place of one found further down
        // (`Gate::low_db`) on the other signal: the same sound, read at its own level.
        let low = |f: &Found| f.level_db < -gate.p.level_db;
        for c in white {
            match out[..plain]
                .iter()
                .position(|o| o.lag.abs_diff(c.lag) < sep)
            {
                None => out.push(c),
                Some(i) if low(&out[i]) && !low(&c) => out[i] = c,
                Some(_) => {}
            }
        }
        out.sort_by_key(|c| c.lag);
    }
    out
}

/// First difference of `x`, lags unchanged (0 at the first sample, which has no predecessor).
fn difference(x: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    out.extend(x.first().map(|_| 0.0));
    out.extend(x.windows(2).map(|w| w[1] - w[0]));
    out
}

/// Of the sounds `at` (samples), those that lie one delay, to within `tol` samples, behind a
/// louder event as another of them does behind another (`delays` of each: how far behind each
/// louder event before it): the echoes of a burst's rounds off one wall
/// ([`TrainParams::echo_delay_s`]).
fn at_one_delay(at: &[usize], tol: usize, delays: impl Fn(usize) -> Vec<usize>) -> Vec<usize> {
    let all: Vec<Vec<usize>> = at.iter().map(|&t| delays(t)).collect();
    let shared = |i: usize| {
        all.iter().enumerate().any(|(j, o)| {
            j != i
                && all[i]
                    .iter()
                    .any(|&d| o.iter().any(|&e| e.abs_diff(d) <= tol))
        })
    };
    (0..at.len())
        .filter(|&i| shared(i))
        .map(|i| at[i])
        .collect()
}

/// Whether the background repeats itself within `seg`: the `template`-long stretch of it just
/// before a template (`bed`) correlates with some window there at `min_correlation` or more,
/// away from its own place (`own`, an index of `seg`, within `sep`). Not held to the spread
/// (`min_correlation_sigmas`): a drone correlates with itself everywhere, and so sets its own
/// spread high. Mains hum, an engine's drone or a clip's loop repeat; then a template's
/// background is found again with it, and its share cannot be taken out of a copy's level
/// (`RepeatParams::noise_corrected_level`).
fn repeats(
    correlator: &mut Correlator<f32>,
    bed: &[f32],
    seg: &[f32],
    own: Option<usize>,
    sep: usize,
    p: &RepeatParams,
) -> bool {
    let Some(c) = Normalised::of(correlator, bed, seg) else {
        return false;
    };
    (0..c.lags()).any(|k| own.is_none_or(|o| k.abs_diff(o) >= sep) && c.ncc(k) >= p.min_correlation)
}

/// The background's energy in a template of `n` samples, as it is and differenced
/// (`RepeatParams::noise_corrected_level`); 0 where unknown or not asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Noise {
    plain: f64,
    white: f64,
}

/// Copies of `template` in `seg`: every peak of the normalised correlation that is the highest
/// within `sep` lags either side, reaches `min_correlation` and lies within the gate's levels
/// (`level_db` of the template's, or down to `low_db` below it), in lag order (`whitened`: what
/// the two signals are, for the record; `noise`: the background's energy in the template, see
/// `Normalised::with_noise`).
fn copies_in(
    correlator: &mut Correlator<f32>,
    template: &[f32],
    seg: &[f32],
    gate: Gate,
    whitened: bool,
    noise: f64,
) -> Vec<Found> {
    let Gate { p, sep, low_db } = gate;
    let Some(c) = Normalised::of(correlator, template, seg).map(|c| c.with_noise(noise)) else {
        return Vec::new();
    };
    let level_db = |k: usize| 20.0 * c.gain(k).abs().max(1e-10).log10();
    // Cheap gates first (the gain, with a margin, before the logarithm and the square root):
    // most lags are no copy at all.
    let (lo, hi) = (
        0.99 * 10f64.powf(-low_db / 20.0),
        1.01 * 10f64.powf(p.level_db / 20.0),
    );
    let floor = p.min_correlation.max(p.min_correlation_sigmas * c.spread());
    let candidate = |k: usize| {
        let g = c.gain(k);
        g >= lo && g <= hi && (-low_db..=p.level_db).contains(&level_db(k)) && c.ncc(k) >= floor
    };
    peaks(c.lags(), sep, |k| c.ncc(k), candidate)
        .into_iter()
        .map(|k| Found {
            lag: k,
            correlation: c.ncc(k),
            level_db: level_db(k),
            whitened,
        })
        .collect()
}

/// The places `k` in `0..len` where `candidate(k)` holds and `value(k)` is the highest within
/// `sep` places either side (the earliest among equals), in order. The neighbourhood is
/// scanned only for candidates, outwards, and stops at the first higher value.
fn peaks(
    len: usize,
    sep: usize,
    value: impl Fn(usize) -> f64,
    candidate: impl Fn(usize) -> bool,
) -> Vec<usize> {
    (0..len)
        .filter(|&k| candidate(k))
        .filter(|&k| {
            let v = value(k);
            // Outwards from `k`: on a slope the next place uphill ends the scan.
            (1..=sep).all(|d| (k + d >= len || value(k + d) <= v) && (d > k || value(k - d) < v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::noise;

    const SR: u32 = 48_000;

    #[test]
    fn a_copy_inside_its_anchors_sound_overlaps_it_and_one_after_it_does_not() {
        // A door's second thud 0.3 s into its 1 s sound, before or after the anchor.
        assert!(overlap((48_000, 96_000), (62_400, 110_000)));
        assert!(overlap((62_400, 110_000), (48_000, 96_000)));
        // A knock repeated 0.5 s later, each dying out within 0.1 s.
        assert!(!overlap((48_000, 52_800), (72_000, 76_800)));
        assert!(!overlap((72_000, 76_800), (48_000, 52_800)));
        // Starting exactly where the other ends: apart.
        assert!(!overlap((0, 100), (100, 200)));
    }

    #[test]
    fn peaks_are_the_highest_within_the_separation_either_side() {
        let v: Vec<f64> = noise(500, 1.0, 21).iter().map(|&x| f64::from(x)).collect();
        for sep in [0, 1, 3, 10, 40] {
            let naive: Vec<usize> = (0..v.len())
                .filter(|&k| {
                    let (lo, hi) = (k.saturating_sub(sep), (k + sep).min(v.len() - 1));
                    v[k] >= 0.2 && (lo..=hi).all(|j| v[j] < v[k] || (v[j] == v[k] && j >= k))
                })
                .collect();
            assert_eq!(
                peaks(v.len(), sep, |k| v[k], |k| v[k] >= 0.2),
                naive,
                "sep {sep}"
            );
        }
        // Equal neighbours: the earliest is the peak.
        let flat = [0.0, 1.0, 1.0, 0.0];
        assert_eq!(peaks(4, 2, |k| flat[k], |k| flat[k] >= 0.5), vec![1]);
    }

    /// A shot-like sound: a fast rise, a decaying noise body and a 5 ms-period ring.
    fn shot(len: usize, seed: u64) -> Vec<f32> {
        let body = noise(len, 1.0, seed);
        (0..len)
            .map(|i| {
                let t = i as f32 / SR as f32;
                let env = (t / 0.0008).min(1.0) * (-t / 0.02).exp();
                env * (0.7 * body[i] + 0.5 * (t * 2.0 * std::f32::consts::PI * 200.0).sin())
            })
            .collect()
    }

    /// Another kind of sound: 0.1 s of noise decaying with a 20 ms time constant, without the
    /// ring of [`shot`].
    fn decaying_noise(seed: u64) -> Vec<f32> {
        noise(4_800, 1.0, seed)
            .iter()
            .enumerate()
            .map(|(i, v)| v * (-(i as f32) / 960.0).exp())
            .collect()
    }

    /// Rumble: `n` samples of uniform noise in `[-amp, amp]` through a leaky integrator
    /// (`leak` close to 1: brown noise, its energy at the lowest frequencies).
    fn rumble(n: usize, amp: f32, seed: u64, leak: f32) -> Vec<f32> {
        let mut acc = 0f32;
        noise(n, amp, seed)
            .iter()
            .map(|&v| {
                acc = leak * acc + v;
                acc
            })
            .collect()
    }

    fn add(x: &mut [f32], at: usize, s: &[f32], gain: f32) {
        for (d, v) in x[at..].iter_mut().zip(s) {
            *d += gain * v;
        }
    }

    /// The default parameters with the echo rule off (`TrainParams::echo_delay_s` 0).
    fn without_echo_rule() -> RepeatParams {
        let p = RepeatParams::default();
        RepeatParams {
            train: p.train.map(|t| TrainParams {
                echo_delay_s: 0.0,
                ..t
            }),
            ..p
        }
    }

    fn seed(onset: usize, score: f64, gunshot_score: f64) -> Seed {
        Seed {
            onset,
            score,
            gunshot_score,
            gunshot: gunshot_score >= 0.5,
            impulsive: gunshot_score < 0.5,
            voicing: Some(0.1),
        }
    }

    #[test]
    fn a_faint_sound_in_rumble_finds_no_copies_of_the_rumble() {
        // Rumble (white noise through a leaky integrator, its energy below 100 Hz) with one
        // faint shot in it, 6 dB down on the rumble's peaks: the template is mostly rumble,
        // which correlates with itself at 0.4 and more at many lags. Only the spread rule
        // keeps the search from chaining copies through the clip.
        let mut x = rumble(SR as usize * 4, 0.01, 21, 0.998);
        let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
        let s = shot(SR as usize / 5, 22);
        add(&mut x, 96_000, &s, 0.5 * peak);
        let seeds = [seed(96_000, 0.9, 0.9)];
        // (The template's level over its background is not asked for here: the spread rule
        // alone is under test.)
        let ungated = RepeatParams {
            min_template_over_bed_db: f64::NEG_INFINITY,
            ..RepeatParams::default()
        };
        let raw = RepeatParams {
            min_correlation_sigmas: 0.0,
            ..ungated
        };
        let spurious: usize = groups(&x, SR, &seeds, 0.6, &raw)
            .iter()
            .map(|g| g.members.len() - 1)
            .sum();
        assert!(spurious >= 3, "{spurious}");
        assert!(groups(&x, SR, &seeds, 0.6, &ungated).is_empty());
    }

    #[test]
    fn a_template_of_background_alone_seeds_no_copies() {
        // Mains hum (50 Hz and six harmonics, slightly detuned) over faint noise, and a loud
        // sound 60 ms after a reported onset that was walked back into the hum (a word's soft
        // start): the template is the hum, which correlates with itself at the lags where its
        // harmonics line up, and the loud sound in the segment keeps the correlation's spread
        // low. A template hardly above its background (the OpenArena check scenes' cascades of
        // 4-74 "copies" in hum came from templates less than 3 dB over it) is no template; the same
        // search from a knock well over the hum still finds the knock's copy.
        let n = SR as usize * 4;
        let hiss = noise(n, 0.002, 31);
        let hum: Vec<f32> = (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(SR);
                let h: f64 = (1..=7)
                    .map(|k| {
                        let f = f64::from(k) * 50.0 * (1.0 + 1e-4 * f64::from(k));
                        (2.0 * std::f64::consts::PI * f * t + f64::from(k)).sin() / f64::from(k)
                    })
                    .sum();
                0.01 * h as f32 + hiss[i]
            })
            .collect();
        let onset = 2 * SR as usize;
        let (lead, len) = (96, 2_400);
        let over = |x: &[f32]| {
            over_bed_db(
                x,
                onset - lead,
                &x[onset - lead..][..len],
                SR as usize / 2,
                480,
            )
        };
        let mut x = hum.clone();
        add(&mut x, onset + 2_880, &noise(SR as usize / 2, 0.3, 32), 1.0);
        assert!(over(&x) < 1.0, "{}", over(&x));
        let seeds = [seed(onset, 0.6, 0.1)];
        let ungated = RepeatParams {
            min_template_over_bed_db: f64::NEG_INFINITY,
            ..RepeatParams::default()
        };
        let spurious: usize = groups(&x, SR, &seeds, 0.6, &ungated)
            .iter()
            .map(|g| g.members.len() - 1)
            .sum();
        assert!(spurious >= 3, "{spurious}");
        assert!(groups(&x, SR, &seeds, 0.6, &RepeatParams::default()).is_empty());
        // A knock over the hum at the reported onset, and its copy 300 ms later: found.
        let mut y = hum;
        let s = shot(SR as usize / 10, 33);
        add(&mut y, onset, &s, 0.1);
        add(&mut y, onset + 14_400, &s, 0.1);
        assert!(over(&y) > 6.0, "{}", over(&y));
        let g = groups(&y, SR, &seeds, 0.6, &RepeatParams::default());
        assert_eq!(g.len(), 1, "{g:?}");
        assert!(
            g[0].members
                .iter()
                .any(|m| m.onset.abs_diff(onset + 14_400) < 48)
        );
    }

    #[test]
    fn the_rounds_of_a_burst_are_found_from_its_clearest_shot_and_timed_by_its_first() {
        let mut x = noise(SR as usize * 3, 0.05, 7);
        let s = shot(SR as usize / 5, 11);
        // Five rounds 120 ms apart, from 1.0 s, within 2 dB of each other.
        let rounds: Vec<usize> = (0..5).map(|k| 48_000 + k * 5_760).collect();
        for (k, &r) in rounds.iter().enumerate() {
            add(&mut x, r, &s, 1.0 - 0.05 * k as f32);
        }
        // The detector reported the first round 1 sample early, the third (clearest) 9 ms late.
        let seeds = [
            seed(rounds[0] - 1, 0.6, 0.3),
            seed(rounds[2] + 432, 0.9, 0.8),
        ];
        let g = groups(&x, SR, &seeds, 0.6, &RepeatParams::default());
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].anchor, 1);
        let onsets: Vec<usize> = g[0].members.iter().map(|m| m.onset).collect();
        let want: Vec<usize> = rounds.iter().map(|r| r - 1).collect();
        assert_eq!(onsets, want, "every round, on the first round's clock");
        assert_eq!(g[0].members[0].event, Some(0));
        assert_eq!(g[0].members[2].event, Some(1));
        assert!((g[0].gunshot_score - 0.55).abs() < 1e-9);
        assert!(g[0].members.iter().all(|m| m.correlation > 0.9));
    }

    #[test]
    fn rounds_at_one_level_below_a_louder_round_are_found_as_copies() {
        // A burst whose second round is its loudest (5 dB over the first, the anchor), the
        // rest 7 dB below that one and at one level: each of them is below an event shortly
        // before it, as a reflection of it would be, yet they are three copies at one level.
        let mut x = noise(SR as usize * 3, 0.01, 7);
        let s = shot(SR as usize / 10, 11);
        let at = |k: usize| 48_000 + k * 5_280;
        let gains = [0.55, 1.0, 0.45, 0.46, 0.44];
        for (k, g) in gains.iter().enumerate() {
            add(&mut x, at(k), &s, *g);
        }
        let seeds = [seed(at(0), 0.9, 0.9), seed(at(1), 0.5, 0.9)];
        let found = |p: &RepeatParams| -> Vec<usize> {
            let g = groups(&x, SR, &seeds, 0.6, p);
            assert_eq!(g.len(), 1);
            g[0].members.iter().map(|m| m.onset).collect()
        };
        let all: Vec<usize> = (0..gains.len()).map(at).collect();
        assert_eq!(found(&RepeatParams::default()), all);
        // Without the rule, only the anchor and the loud round.
        let off = RepeatParams {
            train: None,
            ..RepeatParams::default()
        };
        assert_eq!(found(&off), vec![at(0), at(1)]);
        // The clearest round one of the weaker ones, after the loud one: as an anchor it may be
        // that round's reflection, and is used because its copies make a train at its level.
        let seeds = [seed(at(1), 0.5, 0.9), seed(at(2), 0.9, 0.9)];
        // The first round, 2 dB above it, is at its level too; the loud one is not a member.
        let train = |p: &RepeatParams| -> Option<Vec<usize>> {
            let g = groups(&x, SR, &seeds, 0.6, p);
            let g = g.iter().find(|g| g.anchor == 1)?;
            Some(g.members.iter().map(|m| m.onset).collect())
        };
        assert_eq!(
            train(&RepeatParams::default()),
            Some(vec![at(0), at(2), at(3), at(4)])
        );
        assert_eq!(train(&off), None);
    }

    #[test]
    fn rounds_held_down_after_the_first_are_found_but_not_before_it_nor_one_delay_behind_rounds() {
        // A burst through a gain control: the first round at full level, the four after it
        // held down together, 9.5 dB below it (beyond `level_db`, within `low_db`).
        let s = shot(SR as usize / 10, 11);
        let at = |k: usize| 48_000 + k * 5_280;
        let burst = |gains: &[f32]| {
            let mut x = noise(SR as usize * 3, 0.005, 7);
            for (k, g) in gains.iter().enumerate() {
                add(&mut x, at(k), &s, *g);
            }
            x
        };
        let found = |x: &[f32], anchor: usize, p: &RepeatParams| -> Vec<usize> {
            groups(x, SR, &[seed(anchor, 0.9, 0.9)], 0.6, p)
                .iter()
                .flat_map(|g| g.members.iter().map(|m| m.onset))
                .collect()
        };
        let held = [1.0, 0.335, 0.33, 0.34, 0.335];
        let x = burst(&held);
        let all: Vec<usize> = (0..held.len()).map(at).collect();
        assert_eq!(found(&x, at(0), &RepeatParams::default()), all);
        // Without the rule (`low_db` 0), the anchor stands alone.
        let off = RepeatParams {
            train: RepeatParams::default()
                .train
                .map(|t| TrainParams { low_db: 0.0, ..t }),
            ..RepeatParams::default()
        };
        assert!(found(&x, at(0), &off).is_empty());
        // A gain control holds down what follows a loud sound, never what comes before it.
        let x = burst(&[0.335, 0.33, 0.34, 0.335, 1.0]);
        assert!(found(&x, at(4), &RepeatParams::default()).is_empty());
        // Weaker copies each one delay (70 ms) behind a round at full level, 150 ms apart: the
        // rounds' echoes (or later parts of their sound), not rounds held down.
        let mut x = noise(SR as usize * 3, 0.005, 7);
        let at = |k: usize| 48_000 + k * 7_200;
        for k in 0..3 {
            add(&mut x, at(k), &s, 1.0);
            add(&mut x, at(k) + 3_360, &s, 0.335);
        }
        let rounds: Vec<usize> = (0..3).map(at).collect();
        assert_eq!(found(&x, at(0), &RepeatParams::default()), rounds);
        let echoes_too = found(&x, at(0), &without_echo_rule());
        assert!(echoes_too.len() > 3, "{echoes_too:?}");
    }

    #[test]
    fn copies_in_noise_are_levelled_against_the_templates_own_sound() {
        // A burst of four rounds in white noise, the anchor's template 3-4 dB over the noise
        // and the other rounds 2 dB below it: half the template is noise, which no copy
        // repeats, so their least-squares gains read some 8 dB down and `level_db` (6 dB) turns
        // them away; against the template's own sound they are 2 dB down.
        let mut x = noise(SR as usize * 3, 0.1, 21);
        let s = shot(SR as usize / 10, 11);
        let at = |k: usize| 48_000 + k * 9_600;
        let gains = [0.3, 0.24, 0.24, 0.24];
        for (k, g) in gains.iter().enumerate() {
            add(&mut x, at(k), &s, *g);
        }
        let start = at(0) - 96;
        let over = over_bed_db(&x, start, &x[start..start + 2_400], 24_000, 480);
        assert!((3.0..4.5).contains(&over), "{over}");
        let seeds = [seed(at(0), 0.9, 0.9)];
        let found = |p: &RepeatParams| -> Vec<usize> {
            groups(&x, SR, &seeds, 0.6, p)
                .iter()
                .flat_map(|g| g.members.iter().map(|m| m.onset))
                .collect()
        };
        let all: Vec<usize> = (0..gains.len()).map(at).collect();
        assert_eq!(found(&RepeatParams::default()), all);
        let off = RepeatParams {
            noise_corrected_level: false,
            ..RepeatParams::default()
        };
        assert!(found(&off).is_empty(), "{:?}", found(&off));
    }

    #[test]
    fn a_drone_repeats_itself_and_noise_does_not() {
        // 50 ms of a 100 Hz drone with its harmonics finds itself again a period on; 50 ms of
        // white noise finds nothing like itself.
        let drone: Vec<f32> = (0..SR as usize)
            .map(|i| {
                let t = i as f32 / SR as f32;
                (1..5)
                    .map(|h| (t * 2.0 * std::f32::consts::PI * 100.0 * h as f32).sin() / h as f32)
                    .sum::<f32>()
            })
            .collect();
        let hiss = noise(SR as usize, 0.1, 3);
        let p = RepeatParams::default();
        let sep = 1_920;
        for (x, expected) in [(&drone, true), (&hiss, false)] {
            let bed = &x[10_000..12_400];
            let again = CORRELATOR.with_borrow_mut(|c| repeats(c, bed, x, Some(10_000), sep, &p));
            assert_eq!(again, expected);
        }
    }

    #[test]
    fn a_bursts_echoes_off_one_wall_make_no_train() {
        // Four rounds 0.2 s apart, each with an echo 0.26 s behind it 10 dB down: the echoes
        // are copies of one another at one level, each below a louder round shortly before
        // it. From the last echo (a reported event) the other three would make a train; they
        // lie one delay behind their rounds, so they are that burst's echoes.
        let mut x = noise(SR as usize * 3, 0.01, 9);
        let s = shot(SR as usize / 10, 11);
        let rounds = [48_000, 57_600, 67_200, 76_800];
        let delay = 12_480;
        for r in rounds {
            add(&mut x, r, &s, 1.0);
            add(&mut x, r + delay, &s, 0.32);
        }
        let mut seeds: Vec<Seed> = rounds.iter().map(|&r| seed(r, 0.9, 0.9)).collect();
        seeds.push(seed(rounds[3] + delay, 0.5, 0.6));
        let from_echo = |p: &RepeatParams| -> Option<Vec<usize>> {
            let g = groups(&x, SR, &seeds, 0.6, p);
            let g = g.iter().find(|g| g.anchor == 4)?;
            Some(g.members.iter().map(|m| m.onset).collect())
        };
        assert_eq!(from_echo(&RepeatParams::default()), None);
        // Without the echo rule; and without `low_db`, else the first round's group takes the
        // echoes as rounds held down after it (the same rule keeps them out there).
        let off = without_echo_rule();
        let off = RepeatParams {
            train: off.train.map(|t| TrainParams { low_db: 0.0, ..t }),
            ..off
        };
        let echoes: Vec<usize> = rounds.iter().map(|r| r + delay).collect();
        assert_eq!(from_echo(&off), Some(echoes));
        // With the echo rule, the first round's group holds the rounds and no echo.
        let g = groups(&x, SR, &seeds, 0.6, &RepeatParams::default());
        let first = g
            .iter()
            .find(|g| g.anchor == 0)
            .map(|g| g.members.iter().map(|m| m.onset).collect::<Vec<_>>());
        assert_eq!(first, Some(rounds.to_vec()));
    }

    #[test]
    fn reported_echoes_of_a_burst_off_one_wall_are_reflections() {
        // Eight rounds 0.2 s apart, each with an echo 0.26 s behind it 10 dB down, all
        // reported: within a burst gap of a round in the middle, three or more echoes are its
        // copies at one level, a train; but each lies one delay behind a louder round, so
        // every echo is a reflection.
        let mut x = noise(SR as usize * 4, 0.01, 9);
        let s = shot(SR as usize / 10, 11);
        let rounds: Vec<usize> = (0..8).map(|k| 48_000 + k * 9_600).collect();
        let delay = 12_480;
        let mut seeds = Vec::new();
        for &r in &rounds {
            add(&mut x, r, &s, 1.0);
            add(&mut x, r + delay, &s, 0.32);
            seeds.push(seed(r, 0.9, 0.9));
            seeds.push(seed(r + delay, 0.5, 0.3));
        }
        seeds.sort_by_key(|s| s.onset);
        let echoes = |p: &RepeatParams| -> Vec<usize> {
            let mut e: Vec<usize> = reflections(&x, SR, &seeds, 0.6, p)
                .iter()
                .map(|&(e, _)| seeds[e].onset)
                .collect();
            e.dedup();
            e
        };
        let all: Vec<usize> = rounds.iter().map(|r| r + delay).collect();
        assert_eq!(echoes(&RepeatParams::default()), all);
        let off = without_echo_rule();
        let kept = echoes(&off);
        assert!(kept.len() < all.len(), "{kept:?}");
    }

    #[test]
    fn weaker_copies_one_delay_behind_louder_rounds_are_echoes() {
        // Delays (samples) behind louder events: two copies 19,580 and 19,582 behind theirs
        // share a delay (a wall's echo), a third shares none; rounds of a burst 5,000 apart
        // behind one loud first round share none.
        let delays = |t: usize| match t {
            1 => vec![19_580, 7_080],
            2 => vec![27_686, 15_186, 2_912],
            3 => vec![19_582, 7_307],
            _ => vec![],
        };
        assert_eq!(at_one_delay(&[1, 2, 3], 96, delays), vec![1, 3]);
        assert!(at_one_delay(&[1, 2, 3], 0, delays).is_empty());
        let burst = |t: usize| vec![t * 5_000];
        assert!(at_one_delay(&[1, 2, 3], 96, burst).is_empty());
    }

    #[test]
    fn a_shot_under_a_loud_rumble_is_searched_from_on_the_first_difference() {
        // Two rounds 200 ms apart under a rumble (brown-like noise) as loud as their first 50
        // ms: on the signal as it is the template does not stand 3 dB over its background, on
        // the first difference it stands far over it.
        let mut x = rumble(SR as usize * 3, 0.02, 5, 0.999);
        let s = shot(SR as usize / 10, 11);
        let rounds = [60_000, 69_600];
        for r in rounds {
            add(&mut x, r, &s, 0.25);
        }
        let seeds = [seed(rounds[0], 0.9, 0.9)];
        // The template: 50 ms from 2 ms before the onset; its background: 0.5 s before it.
        let start = rounds[0] - 96;
        let (n, bed, frame) = (2_400, 24_000, 480);
        let raw = over_bed_db(&x, start, &x[start..start + n], bed, frame);
        let d = difference(&x);
        let white = over_bed_db(&d, start, &d[start..start + n], bed, frame);
        assert!(raw < 0.0 && white > 10.0, "{raw} {white}");
        let onsets = |p: &RepeatParams| -> Vec<Vec<usize>> {
            groups(&x, SR, &seeds, 0.6, p)
                .iter()
                .map(|g| g.members.iter().map(|m| m.onset).collect())
                .collect()
        };
        let p = RepeatParams::default();
        assert_eq!(onsets(&p), vec![rounds.to_vec()]);
        let off = RepeatParams {
            whitened_template: false,
            ..p
        };
        assert!(onsets(&off).is_empty());
    }

    #[test]
    fn reflections_other_sounds_and_a_lone_shot_are_not_copies() {
        let mut x = noise(SR as usize * 3, 0.02, 3);
        let s = shot(SR as usize / 5, 5);
        let other = shot(SR as usize / 5, 99);
        add(&mut x, 48_000, &s, 1.0);
        // A reflection 12 dB down 150 ms later, a different sound at the same level 400 ms later.
        add(&mut x, 48_000 + 7_200, &s, 0.25);
        add(&mut x, 48_000 + 19_200, &other, 1.0);
        let seeds = [seed(48_000, 0.9, 0.9)];
        assert!(groups(&x, SR, &seeds, 0.6, &RepeatParams::default()).is_empty());
    }

    #[test]
    fn a_series_whose_members_mostly_measure_unlike_shots_does_not_stand() {
        let mut x = noise(SR as usize * 3, 0.02, 4);
        let s = shot(SR as usize / 5, 8);
        let steps: Vec<usize> = (0..4).map(|k| 30_000 + k * 24_000).collect();
        for &t in &steps {
            add(&mut x, t, &s, 1.0);
        }
        // One step called a gunshot (0.6), the others measured at 0.1-0.2.
        let seeds = [
            seed(steps[0], 0.9, 0.6),
            seed(steps[1], 0.9, 0.1),
            seed(steps[2], 0.9, 0.2),
            seed(steps[3], 0.9, 0.1),
        ];
        let p = RepeatParams {
            impulsive: false,
            ..RepeatParams::default()
        };
        assert!(groups(&x, SR, &seeds, 0.6, &p).is_empty());
        let off = RepeatParams {
            min_mean_gunshot_score: 0.2,
            ..p
        };
        let g = groups(&x, SR, &seeds, 0.6, &off);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].members.len(), 4);
        assert!(
            groups(
                &x,
                SR,
                &seeds,
                0.6,
                &RepeatParams {
                    enabled: false,
                    ..off
                }
            )
            .is_empty()
        );
        // Rounds measured at 0.6 and 0.35-0.45 each (a double tap, a burst read through the
        // previous round's tail): pooled at 0.45, below the 0.5 that calls one sound, the group
        // stands.
        let seeds = [
            seed(steps[0], 0.9, 0.6),
            seed(steps[1], 0.9, 0.45),
            seed(steps[2], 0.9, 0.35),
            seed(steps[3], 0.9, 0.4),
        ];
        let g = groups(&x, SR, &seeds, 0.6, &p);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].members.len(), 4);
    }

    #[test]
    fn repeated_knocks_are_found_from_an_unvoiced_impulsive_event_only() {
        let mut x = noise(SR as usize * 3, 0.02, 6);
        let knock = shot(SR as usize / 10, 13);
        let knocks: Vec<usize> = (0..4).map(|k| 40_000 + k * 9_600).collect();
        for &t in &knocks {
            add(&mut x, t, &knock, 0.8);
        }
        // Two of the four were reported, both impulsive.
        let seeds = [seed(knocks[0], 0.9, 0.1), seed(knocks[2], 0.7, 0.2)];
        let g = groups(&x, SR, &seeds, 0.6, &RepeatParams::default());
        assert_eq!(g.len(), 1);
        assert!(!g[0].gunshot);
        assert_eq!(g[0].anchor, 0);
        let events: Vec<Option<usize>> = g[0].members.iter().map(|m| m.event).collect();
        assert_eq!(events, vec![Some(0), None, Some(1), None]);
        let onsets: Vec<usize> = g[0].members.iter().map(|m| m.onset).collect();
        assert_eq!(onsets, knocks);
        // Followed by a voiced sound, or with the impulsive search off: nothing.
        let voiced: Vec<Seed> = seeds
            .iter()
            .map(|s| Seed {
                voicing: Some(0.7),
                ..*s
            })
            .collect();
        assert!(groups(&x, SR, &voiced, 0.6, &RepeatParams::default()).is_empty());
        let off = RepeatParams {
            impulsive: false,
            ..RepeatParams::default()
        };
        assert!(groups(&x, SR, &seeds, 0.6, &off).is_empty());
    }

    #[test]
    fn a_copy_beyond_the_burst_gap_is_found_from_a_given_sound_within_the_reach() {
        // Two knocks 1 s apart (a slow series) and a decaying noise between them: the second
        // knock is a copy of the first within a 1.2 s reach, not within the 0.6 s gap; the
        // noise is no copy, nor is the first knock a copy of itself.
        let mut x = noise(SR as usize * 3, 0.02, 6);
        let knock = shot(SR as usize / 10, 13);
        let other = decaying_noise(78);
        let (a, b, c) = (30_000, 30_000 + SR as usize, 30_000 + SR as usize / 2);
        add(&mut x, a, &knock, 0.8);
        add(&mut x, b, &knock, 0.8);
        add(&mut x, c, &other, 0.8);
        let p = RepeatParams::default();
        let (r, db) = copy_of_within(&x, SR, a, b, 1.2, &p).expect("a copy");
        assert!(r > 0.9 && db.abs() < 1.0, "{r} {db}");
        assert!(copy_of_within(&x, SR, a, b, 0.6, &p).is_none());
        assert!(copy_of_within(&x, SR, a, c, 1.2, &p).is_none());
        assert!(copy_of_within(&x, SR, a, a, 1.2, &p).is_none());
    }

    #[test]
    fn a_weaker_late_copy_of_a_shot_is_its_reflection_and_an_equal_one_is_not() {
        let mut x = noise(SR as usize * 3, 0.01, 12);
        let s = shot(SR as usize / 10, 14);
        // Another sound: decaying noise, without the shot's ring.
        let other = decaying_noise(77);
        add(&mut x, 48_000, &s, 1.0);
        add(&mut x, 48_000 + 19_584, &s, 0.35); // 408 ms later, 9 dB down: an echo
        add(&mut x, 48_000 + 24_000, &other, 0.3); // 500 ms later, as weak, another sound
        add(&mut x, 120_000, &s, 1.0); // a second shot, as loud
        let mut seeds = vec![
            seed(48_000, 0.9, 0.9),
            seed(48_000 + 19_584, 0.6, 0.3),
            seed(48_000 + 24_000, 0.6, 0.3),
            seed(120_000, 0.9, 0.9),
        ];
        let p = RepeatParams::default();
        assert_eq!(reflections(&x, SR, &seeds, 0.6, &p), vec![(1, 0)]);
        // Without a reported shot before it, it is nobody's reflection.
        seeds[0].gunshot = false;
        assert!(reflections(&x, SR, &seeds, 0.6, &p).is_empty());
    }

    #[test]
    fn weaker_copies_at_one_level_are_rounds_not_reflections() {
        // A burst through a gain control that turned down after its first round: the first at
        // full level, the next rounds 110 ms apart, 8 dB down, at one level (within 1 dB).
        let mut x = noise(SR as usize * 3, 0.01, 12);
        let s = shot(SR as usize / 10, 14);
        let gains = [1.0, 0.4, 0.38, 0.42, 0.4];
        let at = |i: usize| 48_000 + i * 5_280;
        for (i, g) in gains.iter().enumerate() {
            add(&mut x, at(i), &s, *g);
        }
        let mut seeds: Vec<Seed> = (0..gains.len()).map(|i| seed(at(i), 0.9, 0.9)).collect();
        let p = RepeatParams::default();
        assert!(reflections(&x, SR, &seeds, 0.6, &p).is_empty());
        // Without the rule they are all taken for reflections of the first.
        let off = RepeatParams { train: None, ..p };
        let all: Vec<(usize, usize)> = (1..gains.len()).map(|i| (i, 0)).collect();
        assert_eq!(reflections(&x, SR, &seeds, 0.6, &off), all);
        // Two copies at one level are not yet a train (`min_rounds` 3): two echoes of one shot
        // may meet at one level by chance.
        seeds.truncate(3);
        assert_eq!(reflections(&x, SR, &seeds, 0.6, &p), vec![(1, 0), (2, 0)]);
        let pairs = TrainParams {
            min_rounds: 2,
            ..TrainParams::default()
        };
        let two = RepeatParams {
            train: Some(pairs),
            ..p
        };
        assert!(reflections(&x, SR, &seeds, 0.6, &two).is_empty());
        // Copies at scattered levels are echoes, however many.
        let mut y = noise(SR as usize * 3, 0.01, 12);
        let echoes = [1.0, 0.4, 0.25, 0.15];
        for (i, g) in echoes.iter().enumerate() {
            add(&mut y, at(i), &s, *g);
        }
        let seeds: Vec<Seed> = (0..echoes.len()).map(|i| seed(at(i), 0.9, 0.9)).collect();
        assert_eq!(reflections(&y, SR, &seeds, 0.6, &p).len(), 3);
    }

    #[test]
    fn a_low_roars_second_shot_on_its_first_ones_tail_is_found_whitened() {
        // A clipped low roar (noise through a 60 Hz two-pole resonator, driven into the
        // rails, 1 s long, slowly decaying), fired twice 300 ms apart over faint brown
        // noise: the second shot rises out of the first one's roar at the same level. Its
        // template has few degrees of freedom and correlates with the roar itself at many
        // lags, so on the signal as it is the spread rule turns the copy away; on the first
        // difference it stands far out.
        let mut x = rumble(SR as usize * 3, 0.002, 41, 0.999);
        let len = SR as usize;
        let drive = noise(len, 1.0, 42);
        let (r, c) = (
            0.995f32,
            (2.0 * std::f32::consts::PI * 60.0 / SR as f32).cos(),
        );
        let (mut y1, mut y2) = (0f32, 0f32);
        let roar: Vec<f32> = drive
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let y = v + 2.0 * r * c * y1 - r * r * y2;
                (y2, y1) = (y1, y);
                let env = (-(i as f32) / (2.0 * SR as f32)).exp();
                (0.2 * y).clamp(-1.0, 1.0) * env
            })
            .collect();
        let (first, second) = (SR as usize, SR as usize + 14_400);
        add(&mut x, first, &roar, 0.5);
        add(&mut x, second, &roar, 0.5);
        let seeds = [seed(first, 0.9, 0.9)];
        let found = |p: &RepeatParams| -> Vec<usize> {
            groups(&x, SR, &seeds, 0.6, p)
                .iter()
                .flat_map(|g| g.members.iter().map(|m| m.onset))
                .collect()
        };
        let plain = RepeatParams {
            whiten: false,
            ..RepeatParams::default()
        };
        assert!(found(&plain).is_empty(), "{:?}", found(&plain));
        let members = found(&RepeatParams::default());
        assert_eq!(members.len(), 2, "{members:?}");
        assert_eq!(members[0], first);
        assert!(members[1].abs_diff(second) <= 2, "{members:?}");
    }
}
