//! Flutter echoes: between two parallel walls a sound comes back again and again, one round
//! trip apart, each time weaker; those returns are echoes of the sound, not sounds of their own.
//!
//! A shot fired in a street between two façades, a corridor or a courtyard is heard as the
//! direct sound followed by a train of reflections bouncing between the walls: the n-th return
//! has travelled n round trips (2L, for walls L apart) further than the first, so the returns
//! come at one period T = 2L/c, the same to a fraction of a millisecond for as long as the
//! geometry stands still (c = 343 m/s: 12 m between walls, 70 ms); and each return has spread
//! over a longer path and lost a share of its energy at every wall, so each is weaker than the
//! one before (H. Kuttruff, *Room Acoustics*, 5th ed., Spon Press 2009, section 4.5 on echoes and
//! flutter echoes; D. Maa, "The flutter echoes", J. Acoust. Soc. Am. 13, 1941, 170-178). Each
//! return is a copy of the shot, clear of the background, and so it was detected and called
//! gunshot-like on its own, and a train of them grouped as the rounds of a burst: six exact
//! copies of the demo's shot 70 ms apart, from 8 dB down and falling 1 dB each, were reported as
//! seven gunshots.
//!
//! Rounds of automatic fire do not come that way. A weapon's cyclic rate varies from round to
//! round by a few per cent (and by ±8 % in the development set's bursts: dev_011's rounds
//! 185-214 ms apart), and rounds fired from one place arrive at one level, or held down together
//! by a recorder's gain control, not falling step after step. So a [`series`] of later sounds
//! is taken for flutter echoes of a sound only when all of these hold: it has at least
//! `min_echoes` members, each a copy of the sound (its waveform correlating with the sound's at
//! `repeat.min_correlation`, checked by the caller); the first is `min_below_db` below the
//! sound and comes within one period of it (the sound and the microphone both between the
//! walls: the first return's extra path is at most one round trip); consecutive members lie one
//! period apart to within `period_tolerance_s` or `period_tolerance` of it, whichever is
//! larger; the period is at most `max_period_s`; no member is louder than the one before by more
//! than `max_rise_db`; the level falls by `min_fall_db` per member on average; and the series is
//! not part of a finer or longer periodic series (`max_subdivision`: its gaps all divided
//! evenly by other sounds, or a sound before the source on its time grid). Off the
//! walls' midline a sound's returns come as interleaved trains of one period (the returns off
//! the near wall, off the far one, and after whole round trips); each is taken on its own.

use serde::{Deserialize, Serialize};

/// When later sounds are taken for flutter echoes of an earlier one (echoed in every report
/// under `params.burst.flutter`).
///
/// Over the eleven sets kept for checking (the devset and ten sets of game and modelled scenes,
/// 620 clips, about 7,000 reported events) no report changes by it. Read on those reports
/// (their peak levels, no correlation asked for), no series of the reported events meets the
/// timing, level and count conditions even with no fall required; loosened to a tolerance of
/// 2 ms or 5 %, one modelled burst's three rounds would, and with two echoes enough, four pairs
/// would, three of them rounds (docs/detection-notes.md, forty-eighth session).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FlutterParams {
    /// Whether flutter echoes are looked for. False in reports written before it.
    pub enabled: bool,
    /// Fewest echoes in a series: with two, one interval would be the whole evidence of a
    /// period.
    pub min_echoes: usize,
    /// The first echo lies at least this many dB below the sound (the peaks of their
    /// `repeat.template_s` windows): a return has lost energy on its longer path.
    pub min_below_db: f64,
    /// Shortest period (s): returns closer together are heard as one sound's early
    /// reflections (`detect.components` lists those 10-40 ms after a blast), and two readings of
    /// one sound, not yet merged when the search runs, lie 1-6 ms apart.
    pub min_period_s: f64,
    /// Longest period (s): 0.2 s is a round trip between walls 34 m apart, a wide street.
    pub max_period_s: f64,
    /// Consecutive echoes lie one period apart to within this (s)...
    pub period_tolerance_s: f64,
    /// ...or this fraction of the period, whichever is larger.
    pub period_tolerance: f64,
    /// No echo is louder than the one before it by more than this (dB): the levels are read
    /// through the background and the previous return's tail.
    pub max_rise_db: f64,
    /// Echoes are looked for up to this long after the sound (s).
    pub max_span_s: f64,
    /// A series is no sound's returns when it is part of a finer or longer periodic series:
    /// when its gaps are all divided evenly by other sounds, in halves, thirds and so on up to
    /// this many parts (a burst's rounds taken every other or every third one), or when a
    /// sound before the source lies a whole number of periods, or of such parts of one,
    /// before it, up to this many periods (the source is then one of a machine's steady ticks,
    /// or a round of a burst, not the sound the walls return). On ten minutes of identical
    /// clicks 55 ms apart at random levels over 30 dB, 51 "series" were taken with the first
    /// condition looked for among the quieter sounds only and without the second, and none
    /// with both (docs/detection-notes.md, forty-eighth session).
    pub max_subdivision: usize,
    /// The echoes' level falls by at least this much per echo on average (dB), from the first
    /// to the last: hard walls absorb a few per cent per bounce, and the spreading loss alone,
    /// from the n-th round trip to the next, is 20 log10((n + 1) / n) dB (1.6 dB at the fifth).
    pub min_fall_db: f64,
}

impl Default for FlutterParams {
    fn default() -> Self {
        FlutterParams {
            enabled: true,
            min_echoes: 3,
            min_below_db: 3.0,
            min_period_s: 0.02,
            max_period_s: 0.2,
            period_tolerance_s: 0.001,
            period_tolerance: 0.02,
            max_rise_db: 0.5,
            max_span_s: 2.0,
            max_subdivision: 3,
            min_fall_db: 0.4,
        }
    }
}

impl FlutterParams {
    /// The setting of reports written before flutter echoes were looked for.
    pub fn off() -> Self {
        FlutterParams {
            enabled: false,
            ..FlutterParams::default()
        }
    }
}

/// One reported sound: its onset (samples) and its level (dB, any reference common to all).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sound {
    /// Onset sample.
    pub onset: usize,
    /// Level in dB.
    pub level_db: f64,
}

/// The longest series among `later` (sounds after `source`, in time order) that meets the
/// conditions of a flutter echo of `source` ([`FlutterParams`]; the copies' correlation with
/// it is the caller's to check): indices into `later`, in time order, or none. Among series
/// of one length the earliest start wins. `before` holds the onsets of the sounds before
/// `source`: one of them on the series' time grid before it (`max_subdivision`) would make the
/// source itself a member of a periodic series (a machine's ticks, clicks at a steady rate),
/// not the sound the walls return.
pub fn series(
    source: Sound,
    later: &[Sound],
    before: &[usize],
    sample_rate: u32,
    p: &FlutterParams,
) -> Vec<usize> {
    let sr = f64::from(sample_rate);
    let tol = |period: f64| (p.period_tolerance_s * sr).max(p.period_tolerance * period);
    let max_period = p.max_period_s * sr;
    let min_period = p.min_period_s * sr;
    // Only sounds after the source and far enough below it can be its returns.
    let cand: Vec<usize> = (0..later.len())
        .filter(|&i| {
            later[i].onset > source.onset && later[i].level_db <= source.level_db - p.min_below_db
        })
        .collect();
    let at = |i: usize| later[i].onset as f64;
    let mut best: Vec<usize> = Vec::new();
    for (k, &a) in cand.iter().enumerate() {
        for &b in &cand[k + 1..] {
            let period = at(b) - at(a);
            if period < min_period
                || period > max_period
                || at(a) - source.onset as f64 > period + tol(period)
            {
                continue;
            }
            // Extend by the member nearest one (mean) period after the last, while there is one.
            let mut chain = vec![a, b];
            loop {
                let last = at(chain[chain.len() - 1]);
                let period = mean_period(&chain, later);
                let next = cand
                    .iter()
                    .copied()
                    .filter(|&c| at(c) > last && (at(c) - last - period).abs() <= tol(period))
                    .min_by(|&c, &d| {
                        (at(c) - last - period)
                            .abs()
                            .total_cmp(&(at(d) - last - period).abs())
                    });
                match next {
                    Some(c) => chain.push(c),
                    None => break,
                }
            }
            if chain.len() <= best.len() || chain.len() < p.min_echoes {
                continue;
            }
            let period = mean_period(&chain, later);
            // A sound before the source on the series' time grid (a whole number of periods,
            // or of halves or thirds of one, and so on, before it, up to `max_subdivision`
            // periods).
            let continued = || {
                before.iter().any(|&b| {
                    let ago = source.onset as f64 - b as f64;
                    ago <= p.max_subdivision as f64 * period + tol(period)
                        && (1..=p.max_subdivision).any(|k| {
                            let step = period / k as f64;
                            let m = (ago / step).round().max(1.0);
                            (ago - m * step).abs() <= tol(step)
                        })
                })
            };
            if falls(&chain, later, p)
                && !subdivided(&chain, later, p.max_subdivision, &tol)
                && !continued()
            {
                best = chain;
            }
        }
    }
    best
}

/// The mean period of `chain` (indices into `later`, at least two), in samples.
pub fn mean_period(chain: &[usize], later: &[Sound]) -> f64 {
    let span = later[chain[chain.len() - 1]].onset - later[chain[0]].onset;
    span as f64 / (chain.len() - 1) as f64
}

/// Whether every gap of `chain` (indices into `later`) is divided evenly, in halves, thirds
/// and so on up to `max_subdivision` parts, by other sounds of `later`: then the chain is every
/// second or third member of a series of a shorter period, and it is that series that has to
/// meet the conditions. Rounds of
/// a burst one period apart whose level sinks a little from round to round (less than
/// `min_fall_db` each) would otherwise, taken every other round, fall by twice as much per
/// member. Off the walls' midline a sound's returns do come as interleaved trains of one
/// period; where they divide the period evenly they are not told from a train of half of it.
fn subdivided(
    chain: &[usize],
    later: &[Sound],
    max_subdivision: usize,
    tol: &impl Fn(f64) -> f64,
) -> bool {
    let at = |i: usize| later[i].onset as f64;
    (2..=max_subdivision).any(|k: usize| {
        chain.windows(2).all(|w| {
            let gap = at(w[1]) - at(w[0]);
            (1..k).all(|j| {
                let want = at(w[0]) + gap * j as f64 / k as f64;
                later
                    .iter()
                    .any(|c| (c.onset as f64 - want).abs() <= tol(gap / k as f64))
            })
        })
    })
}

/// Whether the levels of `chain` (indices into `later`) fall as a flutter echo's do: no member
/// more than `max_rise_db` over the one before, and `min_fall_db` per member on average.
fn falls(chain: &[usize], later: &[Sound], p: &FlutterParams) -> bool {
    let db: Vec<f64> = chain.iter().map(|&i| later[i].level_db).collect();
    let steps = (db.len() - 1) as f64;
    db.windows(2).all(|w| w[1] <= w[0] + p.max_rise_db)
        && (db[0] - db[db.len() - 1]) / steps >= p.min_fall_db
}

/// The distance (m) between two parallel walls whose round trip takes `period_s` (c = 343 m/s,
/// air at 20 °C).
pub fn wall_spacing_m(period_s: f64) -> f64 {
    343.0 * period_s / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: u32 = 48_000;

    /// A sound at 1 s at 0 dB and, after it, sounds at the given times (s) and levels (dB).
    fn scene(later: &[(f64, f64)]) -> (Sound, Vec<Sound>) {
        let at = |s: f64| (s * f64::from(SR)).round() as usize;
        (
            Sound {
                onset: at(1.0),
                level_db: 0.0,
            },
            later
                .iter()
                .map(|&(t, db)| Sound {
                    onset: at(t),
                    level_db: db,
                })
                .collect(),
        )
    }

    fn found(later: &[(f64, f64)]) -> Vec<usize> {
        let (source, later) = scene(later);
        series(source, &later, &[], SR, &FlutterParams::default())
    }

    #[test]
    fn returns_one_period_apart_that_fall_are_flutter_echoes() {
        // 70 ms apart (walls 12 m apart), the first 8 dB down, falling 1 dB per return, with a
        // sound of another kind in between.
        let s = found(&[
            (1.070, -8.0),
            (1.140, -9.0),
            (1.180, -3.0),
            (1.2105, -10.2),
            (1.280, -11.0),
        ]);
        assert_eq!(s, vec![0, 1, 3, 4]);
        assert!((wall_spacing_m(0.07) - 12.0).abs() < 0.01);
    }

    #[test]
    fn rounds_that_do_not_keep_time_or_do_not_fall_are_not() {
        // A cyclic rate varying by 4 % from round to round (2.8-5.6 ms at 70 ms).
        assert!(
            found(&[
                (1.070, -8.0),
                (1.1428, -9.0),
                (1.2100, -10.0),
                (1.2828, -11.0)
            ])
            .is_empty()
        );
        // Rounds held down at one level by a gain control, exactly in time.
        assert!(found(&[(1.070, -8.0), (1.140, -8.3), (1.210, -7.9), (1.280, -8.2)]).is_empty());
        // Falling on average, but one rises by 2 dB.
        assert!(found(&[(1.070, -8.0), (1.140, -10.0), (1.210, -8.0), (1.280, -12.0)]).is_empty());
        // Two returns are not enough to show a period.
        assert!(found(&[(1.070, -8.0), (1.140, -9.0)]).is_empty());
        // The first return as loud as the sound: not a return.
        assert!(found(&[(1.070, -1.0), (1.140, -2.0), (1.210, -3.0)]).is_empty());
        // Readings 1-5 ms apart are no period; with no shortest period asked for, the search
        // over them still ends (each member after the one before).
        let close = [
            (1.070, -8.0),
            (1.071, -9.0),
            (1.072, -10.0),
            (1.0725, -11.0),
        ];
        assert!(found(&close).is_empty());
        let (source, later) = scene(&close);
        let p = FlutterParams {
            min_period_s: 0.0,
            ..FlutterParams::default()
        };
        assert!(series(source, &later, &[], SR, &p).len() <= later.len());
        // Periods beyond 0.2 s, or a first return later than one period after the sound.
        assert!(found(&[(1.300, -8.0), (1.600, -9.0), (1.900, -10.0)]).is_empty());
        assert!(found(&[(1.200, -8.0), (1.270, -9.0), (1.340, -10.0)]).is_empty());
    }

    #[test]
    fn a_sound_that_itself_keeps_a_period_with_one_before_it_has_no_returns() {
        // Clicks at a steady rate (a machine's ticks), the later ones fading: the first of the
        // fading ones is one period after a click before it.
        let (source, later) = scene(&[(1.070, -8.0), (1.140, -9.0), (1.210, -10.0)]);
        let p = FlutterParams::default();
        assert_eq!(series(source, &later, &[], SR, &p).len(), 3);
        let before = [source.onset - 3360];
        assert!(series(source, &later, &before, SR, &p).is_empty());
        // So is one a half or a third of a period before it, or two or three periods; a sound
        // before it off that grid is no matter.
        for ago in [1680, 1120, 6720, 10080] {
            assert!(series(source, &later, &[source.onset - ago], SR, &p).is_empty());
        }
        let before = [source.onset - 4000];
        assert_eq!(series(source, &later, &before, SR, &p).len(), 3);
    }

    #[test]
    fn every_other_round_of_a_burst_is_no_series_of_its_own() {
        // Rounds 70 ms apart, 6 dB down and sinking 0.25 dB each: taken every other round
        // they would fall 0.5 dB per member, but the rounds between divide each gap in half.
        let rounds: Vec<(f64, f64)> = (1..=8)
            .map(|k| (1.0 + 0.07 * k as f64, -6.0 - 0.25 * (k - 1) as f64))
            .collect();
        assert!(found(&rounds).is_empty());
        // Taken every third round too.
        let rounds: Vec<(f64, f64)> = (1..=10)
            .map(|k| (1.0 + 0.06 * k as f64, -6.0 - 0.15 * (k - 1) as f64))
            .collect();
        assert!(found(&rounds).is_empty());
    }

    #[test]
    fn the_longest_series_is_taken_and_timing_to_a_millisecond_is_enough() {
        // Two interleaved trains of one period (off the walls' midline): the longer is taken;
        // each return within 1 ms of its place.
        let s = found(&[
            (1.040, -6.0),
            (1.070, -8.0),
            (1.1105, -7.0),
            (1.1395, -9.0),
            (1.181, -8.0),
            (1.210, -10.0),
            (1.280, -11.0),
        ]);
        assert_eq!(s, vec![1, 3, 5, 6]);
    }
}
