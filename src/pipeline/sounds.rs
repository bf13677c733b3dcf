//! What happens to the sounds found, on their way to the report: copies of a sound found
//! again (`detect::repeat`), late reflections and flutter echoes (`detect::flutter`) dropped, a
//! crack and its blast paired, one event per sound, a sound's later parts, and bursts formed of
//! the shots.

use super::candidates::{Detection, measure_detection};
use super::{AnalyzeParams, BurstParams, DetectParams};
use crate::detect::{components, cracks, evidence, flutter, gates, possible_echo, refine, repeat};
use crate::features::{self, classify};
use crate::model::{Burst, Event, PossibleEcho};
use crate::signal::Mixed;
use crate::units::round_to;

/// One event on its way to the report: where it is, what was measured, what it was called.
pub(super) struct Found {
    pub(super) d: Detection,
    pub(super) f: features::EventFeatures,
    pub(super) v: classify::Verdict,
    /// Whether the detector saw a candidate there (`d.evidence` and `d.score` are its).
    pub(super) detected: bool,
    pub(super) repeat: Option<crate::model::Repeat>,
    /// Onsets of the reported events found to be its late reflections (`repeat::reflections`).
    pub(super) late_echoes: Vec<usize>,
    /// When the detector reported it and `detect::repeat` found it again as a copy of another
    /// reported, unvoiced sound (a knock, a step, a blow repeated at the same level): that
    /// sound's onset. It is then no word's onset, unless that sound is one too.
    pub(super) copy_of: Option<usize>,
}

/// What `detect::repeat` needs to know of each event.
pub(super) fn seeds_of(found: &[Found]) -> Vec<repeat::Seed> {
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
pub(super) fn drop_reflections(
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

/// Removes the events (in time order) that are flutter echoes of an earlier one
/// (`detect::flutter`): series of its copies one period apart, each weaker than the one
/// before. Their onsets are kept as that sound's echoes, and its reasons name the series.
/// Sounds are taken as sources in time order; a series' members are then no source, and a
/// second series of the same sound (the returns from the other wall) is looked for after the
/// first.
pub(super) fn drop_flutter_echoes(
    mut found: Vec<Found>,
    mono: &[f32],
    sample_rate: u32,
    p: &AnalyzeParams,
) -> Vec<Found> {
    let fp = &p.burst.flutter;
    if !fp.enabled {
        return found;
    }
    let rp = &p.burst.repeat;
    let reach = (fp.max_span_s * f64::from(sample_rate)).round() as usize;
    let min_interval = (p.detect.peaks.min_interval_s * f64::from(sample_rate)).round() as usize;
    // A period and its tolerance at most.
    let period_reach = (fp.max_period_s * (1.0 + fp.period_tolerance) * f64::from(sample_rate))
        .ceil() as usize
        + (fp.period_tolerance_s * f64::from(sample_rate)).ceil() as usize;
    let level: Vec<Option<f64>> = found
        .iter()
        .map(|e| repeat::level_db(mono, sample_rate, e.d.onset, rp))
        .collect();
    let mut gone = vec![false; found.len()];
    for g in 0..found.len() {
        let Some(source_db) = level[g].filter(|_| !gone[g]) else {
            continue;
        };
        let source = flutter::Sound {
            onset: found[g].d.onset,
            level_db: source_db,
        };
        // Later events within reach, with a level, not yet taken: (index, sound).
        let mut later: Vec<(usize, flutter::Sound)> = (g + 1..found.len())
            .take_while(|&i| found[i].d.onset <= source.onset + reach)
            .filter_map(|i| {
                let db = level[i].filter(|_| !gone[i])?;
                Some((
                    i,
                    flutter::Sound {
                        onset: found[i].d.onset,
                        level_db: db,
                    },
                ))
            })
            .collect();
        // The onsets of every event within the longest period before it.
        let before: Vec<usize> = found[..g]
            .iter()
            .rev()
            .map(|e| e.d.onset)
            .take_while(|&t| t + period_reach >= source.onset)
            .collect();
        loop {
            let sounds: Vec<flutter::Sound> = later.iter().map(|&(_, s)| s).collect();
            let s = flutter::series(source, &sounds, &before, sample_rate, fp);
            if s.is_empty() {
                break;
            }
            // Each member must be a copy of the source; those that are not leave the search.
            let unlike: Vec<usize> = s
                .iter()
                .copied()
                .filter(|&k| {
                    repeat::correlation(mono, sample_rate, source.onset, sounds[k].onset, rp)
                        .is_none_or(|r| r < rp.min_correlation)
                })
                .collect();
            if unlike.is_empty() {
                let period = flutter::mean_period(&s, &sounds) / f64::from(sample_rate);
                found[g].v.reasons.push(format!(
                    "followed by {} flutter echoes {:.1} ms apart, each weaker than the one \
                     before (its sound returning between two parallel walls about {:.1} m \
                     apart): echoes, not sounds of their own",
                    s.len(),
                    period * 1e3,
                    flutter::wall_spacing_m(period)
                ));
                // The echoes, and other readings of their sounds (within the detector's least
                // interval of one, as `one_per_sound` would merge them), go; the echoes' own
                // late reflections are the source's.
                for (k, &(i, e)) in later.iter().enumerate() {
                    let member = s.contains(&k);
                    if member
                        || s.iter()
                            .any(|&k| sounds[k].onset.abs_diff(e.onset) < min_interval)
                    {
                        gone[i] = true;
                        let own = std::mem::take(&mut found[i].late_echoes);
                        found[g].late_echoes.extend(own);
                        if member {
                            found[g].late_echoes.push(e.onset);
                        }
                    }
                }
                found[g].late_echoes.sort_unstable();
            }
            // The series' members and the readings that went with them, or the members that
            // are no copies, leave the search.
            let drop: Vec<usize> = if unlike.is_empty() { s } else { unlike };
            later = later
                .into_iter()
                .enumerate()
                .filter_map(|(k, e)| (!drop.contains(&k) && !gone[e.0]).then_some(e))
                .collect();
        }
    }
    found
        .into_iter()
        .zip(gone)
        .filter_map(|(e, g)| (!g).then_some(e))
        .collect()
}

/// Events (in time order) without the `impulsive` sounds that start before the sound before
/// them has died away (its `end_s`), when that sound is not gunshot-like: each is a later part
/// of it, named in its reasons (`ClassifyParams::later_parts`). Gunshot-like sounds are never
/// taken for a part, nor does a gunshot-like sound own one.
pub(super) fn later_parts(events: Vec<Event>, strikes: Option<&gates::StrikeParams>) -> Vec<Event> {
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
pub(super) fn paired_cracks(
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
pub(super) fn cracked_model(m: &classify::GunshotModel) -> classify::GunshotModel {
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
pub(super) fn one_per_sound(found: Vec<Found>, min_interval: usize, sr: f64) -> Vec<Found> {
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
pub(super) fn add_repeats(
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
                let (kind, story) = if g.gunshot && level_db < -p.burst.repeat.level_db {
                    // A round held down (`burst.repeat.train.low_db`).
                    (
                        "gunshot",
                        "another round of the same weapon, held down with the others after \
                         the first (as a recorder's gain control does after a loud sound)",
                    )
                } else if g.gunshot {
                    ("gunshot", ANOTHER_ROUND)
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
pub(super) fn called_a_copy(v: &mut classify::Verdict, class: &str, why: String) {
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
            possible_echoes: g
                .iter()
                .filter(|&&i| events[i].possible_echo.is_some())
                .count(),
            arrivals: None,
        });
    }
    bursts
}

/// What a copy of a gunshot is said to be ([`add_repeats`]); where it may be that shot's echo
/// [`mark_possible_echoes`] adds "or that shot's echo".
const ANOTHER_ROUND: &str = "another round of the same weapon";

/// Marks the reported events (in time order, ids set) that lie where an earlier gunshot- or
/// explosion-like event's echo could (`detect::possible_echo`): `possible_echo` says which,
/// and the doubt comes first among the reasons. Nothing is removed.
pub(super) fn mark_possible_echoes(
    events: &mut [Event],
    mono: &[f32],
    sample_rate: u32,
    p: &AnalyzeParams,
) {
    let pe = &p.burst.possible_echo;
    if !pe.enabled {
        return;
    }
    let sr = f64::from(sample_rate);
    let sounds: Vec<possible_echo::Sound> = events
        .iter()
        .map(|e| possible_echo::Sound {
            onset_s: e.onset_s,
            level_db: repeat::level_db(
                mono,
                sample_rate,
                (e.onset_s * sr).round() as usize,
                &p.burst.repeat,
            ),
            loud_class: e.class == classify::GUNSHOT || e.class == classify::EXPLOSION,
            ebr_db: e.features.ebr_db,
            // A copy beyond the copy search's level gate is one only as a round held down.
            held_down: e
                .repeat
                .as_ref()
                .is_some_and(|r| r.level_db < -p.burst.repeat.level_db),
        })
        .collect();
    for (j, d) in possible_echo::doubts(&sounds, pe).into_iter().enumerate() {
        let Some(d) = d else {
            continue;
        };
        let (of_id, of_s, of_class) = {
            let s = &events[d.source];
            (s.id, s.onset_s, s.class.clone())
        };
        // The other sound one delay behind its own shot, and that shot (second cue).
        let same_delay = d
            .same_delay_as
            .map(|(k, shot)| (events[k].onset_s, events[shot].onset_s));
        let same_delay_as_id = d.same_delay_as.map(|(k, _)| events[k].id);
        let e = &mut events[j];
        // A copy of that very shot was called another round: it may be its echo as well. (The
        // copy names its anchor's onset on the group's clock, within a few samples of the
        // reported one; no two reported events lie within `peaks.min_interval_s`.)
        let copy_of_it = e
            .repeat
            .as_ref()
            .is_some_and(|r| (r.of_s - of_s).abs() < 1e-3);
        for r in e.reasons.iter_mut().filter(|_| copy_of_it) {
            if r.ends_with(&format!("): {ANOTHER_ROUND}")) {
                r.push_str(", or that shot's echo");
            }
        }
        let words = possible_echo::reason(&d, &e.class, (&of_class, of_s), same_delay, pe);
        e.reasons.insert(0, words);
        e.possible_echo = Some(PossibleEcho {
            of_id,
            of_s,
            delay_s: round_to(d.delay_s, 6),
            level_db: round_to(-d.drop_db, 2),
            extra_path_m: round_to(d.delay_s * pe.speed_of_sound_m_s, 1),
            same_delay_as_id,
        });
    }
}

pub(super) fn component(kind: &str, onset_s: f64) -> components::Component {
    components::Component {
        kind: kind.into(),
        onset_s,
    }
}

/// Evidence rounded for the report (4 decimals: far below any meaningful difference).
pub(super) fn rounded(e: &evidence::Evidence) -> evidence::Evidence {
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

/// Sets each reported event's arrival at the recording's first two channels
/// (`features::arrival`; `arrivals[i]` is event `i`'s): a clear one put in words among its
/// reasons, a possible echo's doubt told whether it came from its sound's direction, a burst's
/// rounds' directions summed up.
pub(super) fn mark_arrivals(
    events: &mut [Event],
    bursts: &mut [Burst],
    arrivals: Vec<Option<features::arrival::Arrival>>,
    p: &features::arrival::ArrivalParams,
) {
    use features::arrival;
    for (e, a) in events.iter_mut().zip(arrivals) {
        e.arrival = a;
        if let Some(r) = e.arrival.as_ref().and_then(|x| arrival::reason(x, p)) {
            e.reasons.push(r);
        }
    }
    let by_id: Vec<(usize, Option<arrival::Arrival>)> =
        events.iter().map(|e| (e.id, e.arrival)).collect();
    let of = |id: usize| {
        by_id
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, a)| a.as_ref())
    };
    for e in events.iter_mut() {
        let (Some(echo), Some(pe)) = (e.arrival, e.possible_echo.as_ref()) else {
            continue;
        };
        let clause = of(pe.of_id).and_then(|source| arrival::echo_clause(&echo, source, p));
        if let (Some(c), Some(r)) = (clause, e.reasons.first_mut()) {
            r.push_str(&c);
        }
    }
    for b in bursts.iter_mut() {
        let rounds: Vec<Option<&arrival::Arrival>> = b.events.iter().map(|&id| of(id)).collect();
        b.arrivals = arrival::burst(&rounds, p);
    }
}
