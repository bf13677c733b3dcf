//! Sounds that may be an earlier shot's echo rather than a shot of their own: later, weaker,
//! within the delay of a reflection off a building or a hillside. They are reported all the
//! same, with the doubt said in words, since no measure of one sound settles it.
//!
//! A shot heard from afar beside a building comes twice: the direct sound, then its reflection,
//! delayed by the extra path (343 m/s: 0.3 s is about 100 m) and weaker by its longer spreading
//! and the loss at the façade, but by little where the shooter is far and the reflector near
//! (spreading over 300 m against 320 m costs 0.6 dB). The reflection is a copy of the shot,
//! often duller (Kuttruff, *Room Acoustics*, 5th ed., 2009, on echoes; R. C. Maher, "Acoustical
//! characterization of gunshots", IEEE SAFE 2007, on the reflections in recorded gunfire), and so
//! it reads as gunshot-like and, within the burst gap, as a second round. A second round from the
//! same weapon fired a little farther off reads the same: one sound's measurements cannot tell
//! them apart. What can be said is when a later sound lies where an echo could: within
//! `max_delay_s` of a louder gunshot-like or explosion-like sound, `min_drop_db` or more below
//! it (rounds fired from one place arrive at one level). The rounds of a burst held down
//! together by a recorder's gain control come below the first round too; those the search for
//! copies has already taken for such rounds (three or more at one level, beyond its 6 dB gate:
//! `repeat::TrainParams::low_db`) are left without the doubt. A count of sounds at one level
//! would not tell them from echoes: a burst's echoes off one wall come at one level too, each
//! the same delay behind its round (on the modelled building echoes, such a count kept the doubt
//! from 21 of 30 echoes after bursts, and from 3 labelled rounds on the sets kept for checking).
//!
//! A second cue needs no level: the geometry that delays one shot's echo delays every shot's
//! fired from the same place by the same amount, to a fraction of a millisecond. Two sounds each
//! one delay behind a louder shot (`same_delay_tolerance_s`, `pair_drop_db`), the two shots
//! within `pair_max_span_s`, are both doubted, unless either pair lies on a train that keeps
//! time (rounds of automatic fire do, and a game's to the sample).
//!
//! Measured on modelled shots with one to three building echoes (`scripts/echo-check.py`) and
//! on the eleven sets kept for checking: docs/detection-notes.md, forty-ninth session.

use serde::{Deserialize, Serialize};

/// When a reported sound is said to be possibly an earlier shot's echo (echoed in every report
/// under `params.burst.possible_echo`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PossibleEchoParams {
    /// Whether the doubt is looked for. False in reports written before it.
    pub enabled: bool,
    /// Shortest delay (s) after the shot: reflections within 40 ms are the shot's early
    /// reflections, listed among its components (`detect.components`).
    pub min_delay_s: f64,
    /// Longest delay (s): 0.6 s, the burst gap, is a path about 200 m longer than the direct
    /// sound's; later echoes are not grouped with the shot's burst.
    pub max_delay_s: f64,
    /// The sound lies at least this many dB below the shot (the peaks of their
    /// `repeat.template_s` windows, as the reflection search reads them): rounds of one
    /// weapon fired from one place come within a dB or two of each other.
    pub min_drop_db: f64,
    /// The sound stands at least this many dB over its background (`features.ebr_db`): nearer
    /// its background its peak is partly the background's (or the tail of the sound before)
    /// and the drop says little. On the eleven sets kept for checking the doubt fell on 138
    /// labelled gunshots without it and on 33 with it; on the modelled building echoes
    /// (`scripts/echo-check.py`, seed 1) on 84 echoes without it and 59 with it.
    pub min_ebr_db: f64,
    /// Speed of sound (m/s) for the extra path the delay implies.
    pub speed_of_sound_m_s: f64,
    /// Two sounds each this close (s) to one delay behind a louder shot, the four sounds
    /// distinct, are both doubted when each is `pair_drop_db` below its shot: a reflector
    /// returns every shot fired from one place after the same delay (its extra path), to a
    /// fraction of a millisecond, whatever the levels. 0 (reports written before it): not
    /// looked for. Rounds keep time too, so pairs on a train are left out (the later sound one
    /// delay before a third sound, or the shot one delay after one, or the gap between them
    /// divided evenly in halves or thirds by other sounds): game bursts keep time to the
    /// sample (docs/detection-notes.md, forty-ninth session).
    #[serde(default)]
    pub same_delay_tolerance_s: f64,
    /// How far below its shot (dB) each sound of such a pair lies at least.
    #[serde(default)]
    pub pair_drop_db: f64,
    /// The two shots of such a pair lie at most this far apart (s): the delay holds while the
    /// shooter and the microphone stay put, and two unrelated pairs a minute apart can meet at
    /// one delay by chance (a clip that repeats itself always does).
    #[serde(default)]
    pub pair_max_span_s: f64,
}

impl Default for PossibleEchoParams {
    fn default() -> Self {
        PossibleEchoParams {
            enabled: true,
            min_delay_s: 0.04,
            max_delay_s: 0.6,
            min_drop_db: 3.0,
            min_ebr_db: 6.0,
            speed_of_sound_m_s: 343.0,
            same_delay_tolerance_s: 0.001,
            pair_drop_db: 1.0,
            pair_max_span_s: 2.0,
        }
    }
}

impl PossibleEchoParams {
    /// The search off: how reports written before it read.
    pub fn off() -> Self {
        PossibleEchoParams {
            enabled: false,
            ..Self::default()
        }
    }
}

/// A reported sound as the search sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sound {
    /// Onset (s).
    pub onset_s: f64,
    /// Its level (dB; the peak of its template window), none where it could not be read.
    pub level_db: Option<f64>,
    /// Whether it is gunshot- or explosion-like: a sound whose echo would be taken for a shot.
    pub loud_class: bool,
    /// Its event-to-background ratio (dB, `features.ebr_db`).
    pub ebr_db: f64,
    /// Whether the search for copies took it for a round held down by a gain control.
    pub held_down: bool,
}

/// Why a sound may be an echo: of which earlier sound, how late and how much weaker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Doubt {
    /// Index of the earlier sound.
    pub source: usize,
    /// Delay after it (s).
    pub delay_s: f64,
    /// How far below it (dB, positive).
    pub drop_db: f64,
    /// The other sound and its shot (indices), the one the same delay behind the other, when
    /// that is the evidence.
    pub same_delay_as: Option<(usize, usize)>,
}

/// For each sound (`sounds` in time order), the louder earlier sound it may be an echo of:
/// the loudest gunshot- or explosion-like sound from `min_delay_s` to `max_delay_s` before it and
/// `min_drop_db` or more above it (the earliest among equals), where the sound stands
/// `min_ebr_db` over its background, unless it is a round held down (`Sound::held_down`).
pub fn doubts(sounds: &[Sound], p: &PossibleEchoParams) -> Vec<Option<Doubt>> {
    let mut out = vec![None; sounds.len()];
    if !p.enabled {
        return out;
    }
    for (j, echo) in sounds.iter().enumerate() {
        let Some(lj) = doubtable_level(echo, p) else {
            continue;
        };
        // Sounds are in time order: only those within reach before it are looked at.
        let lo = sounds.partition_point(|s| s.onset_s < echo.onset_s - p.max_delay_s);
        let source = sounds[..j]
            .iter()
            .enumerate()
            .skip(lo)
            .filter(|(_, s)| {
                let delay = echo.onset_s - s.onset_s;
                s.loud_class
                    && (p.min_delay_s..=p.max_delay_s).contains(&delay)
                    && s.level_db.is_some_and(|l| l - lj >= p.min_drop_db)
            })
            .max_by(|(a, x), (b, y)| {
                let (lx, ly) = (
                    x.level_db.unwrap_or(f64::MIN),
                    y.level_db.unwrap_or(f64::MIN),
                );
                lx.total_cmp(&ly).then(b.cmp(a))
            });
        let Some((i, shot)) = source else {
            continue;
        };
        let li = shot.level_db.unwrap_or(f64::MIN);
        out[j] = Some(Doubt {
            source: i,
            delay_s: echo.onset_s - shot.onset_s,
            drop_db: li - lj,
            same_delay_as: None,
        });
    }
    if p.same_delay_tolerance_s > 0.0 {
        same_delay(sounds, p, &mut out);
    }
    out
}

/// A sound's level when it may be doubted at all: standing `min_ebr_db` over its background
/// and not a round held down.
fn doubtable_level(s: &Sound, p: &PossibleEchoParams) -> Option<f64> {
    s.level_db
        .filter(|_| s.ebr_db >= p.min_ebr_db && !s.held_down)
}

/// The second cue ([`PossibleEchoParams::same_delay_tolerance_s`]): sounds not yet doubted that
/// lie one delay behind a louder shot, as another sound lies behind another shot.
fn same_delay(sounds: &[Sound], p: &PossibleEchoParams, out: &mut [Option<Doubt>]) {
    let tol = p.same_delay_tolerance_s;
    let onsets: Vec<f64> = sounds.iter().map(|s| s.onset_s).collect();
    // Whether some sound lies within `tol` of `t`.
    let sound_at = |t: f64| {
        let k = onsets.partition_point(|&o| o < t - tol);
        onsets.get(k).is_some_and(|&o| o <= t + tol)
    };
    // (shot, later sound, delay): the later sound `pair_drop_db` below the shot, off any train.
    let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
    for (j, echo) in sounds.iter().enumerate() {
        let Some(lj) = doubtable_level(echo, p) else {
            continue;
        };
        let lo = onsets.partition_point(|&o| o < echo.onset_s - p.max_delay_s);
        for (i, shot) in sounds.iter().enumerate().take(j).skip(lo) {
            let d = echo.onset_s - shot.onset_s;
            let on_train = || {
                sound_at(echo.onset_s + d)
                    || sound_at(shot.onset_s - d)
                    || (2..=3)
                        .any(|k| (1..k).all(|m| sound_at(shot.onset_s + d * m as f64 / k as f64)))
            };
            if shot.loud_class
                && (p.min_delay_s..=p.max_delay_s).contains(&d)
                && shot.level_db.is_some_and(|l| l - lj >= p.pair_drop_db)
                && !on_train()
            {
                pairs.push((i, j, d));
            }
        }
    }
    // By delay: a pair's partners lie within `tol` of it in this order.
    pairs.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.1.cmp(&b.1)).then(a.0.cmp(&b.0)));
    let mut found: Vec<(usize, usize, f64, (usize, usize))> = Vec::new();
    for (n, &(i, j, d)) in pairs.iter().enumerate() {
        let lo = pairs.partition_point(|q| q.2 < d - tol);
        let partner = pairs[lo..]
            .iter()
            .enumerate()
            .take_while(|(_, q)| q.2 <= d + tol)
            // Any other pair: one sharing a sound with this one would put the two on a train
            // (left out above), or two sounds within `tol` of each other.
            .find(|&(m, q)| {
                lo + m != n && (sounds[q.0].onset_s - sounds[i].onset_s).abs() <= p.pair_max_span_s
            })
            .map(|(_, q)| (q.1, q.0));
        if let Some(other) = partner {
            found.push((i, j, d, other));
        }
    }
    for (i, j, d, other) in found {
        if out[j].is_some() {
            continue;
        }
        let drop = sounds[i].level_db.unwrap_or(f64::MIN) - sounds[j].level_db.unwrap_or(f64::MIN);
        out[j] = Some(Doubt {
            source: i,
            delay_s: d,
            drop_db: drop,
            same_delay_as: Some(other),
        });
    }
}

/// The doubt in words, for the reasons of an event called `class` (a gunshot-like one is
/// weighed against a second shot, any other against a sound of its own). `same_delay` gives,
/// for the second cue, the onsets (s) of the other sound and of its shot.
pub fn reason(
    d: &Doubt,
    class: &str,
    (source_class, source_onset_s): (&str, f64),
    same_delay: Option<(f64, f64)>,
    p: &PossibleEchoParams,
) -> String {
    let other = if class == "gunshot" {
        "a second shot from farther away"
    } else {
        "a sound of its own, farther away,"
    };
    let also = same_delay.map_or(String::new(), |(at, shot)| {
        format!(
            ", and as far behind it as the sound at {at:.3} s is behind the shot at {shot:.3} s \
             (one reflector returns every shot fired from one place after the same delay)"
        )
    });
    format!(
        "may be an echo of the {source_class}-like sound at {source_onset_s:.3} s: {:.1} dB \
         weaker, {:.0} ms after it, as a reflection over a path about {:.0} m longer would come \
         (off a building or a hillside){also}; {other} would sound the same",
        d.drop_db,
        1000.0 * d.delay_s,
        d.delay_s * p.speed_of_sound_m_s
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(onset_s: f64, level_db: f64, loud_class: bool) -> Sound {
        Sound {
            onset_s,
            level_db: Some(level_db),
            loud_class,
            ebr_db: 20.0,
            held_down: false,
        }
    }

    #[test]
    fn a_weaker_sound_within_an_echos_delay_of_a_shot_is_doubted() {
        let p = PossibleEchoParams::default();
        let d = doubts(&[s(1.0, -6.0, true), s(1.3, -10.5, true)], &p);
        assert_eq!(d[0], None);
        let e = d[1].expect("doubted");
        assert_eq!(e.source, 0);
        assert!((e.delay_s - 0.3).abs() < 1e-9 && (e.drop_db - 4.5).abs() < 1e-9);
        let words = reason(&e, "gunshot", ("gunshot", 1.0), None, &p);
        assert!(
            words.starts_with(
                "may be an echo of the gunshot-like sound at 1.000 s: 4.5 dB weaker, 300 ms"
            ) && words.contains("about 103 m longer")
                && words.ends_with("a second shot from farther away would sound the same"),
            "{words}"
        );
        let words = reason(&e, "impulsive", ("explosion", 1.0), None, &p);
        assert!(words.contains("explosion-like") && words.contains("a sound of its own"));
    }

    #[test]
    fn rounds_at_the_shots_level_too_early_or_too_late_or_after_a_quiet_sound_are_not() {
        let p = PossibleEchoParams::default();
        // Within 3 dB of the shot: a second round from the same place.
        assert_eq!(
            doubts(&[s(1.0, -6.0, true), s(1.3, -8.5, true)], &p)[1],
            None
        );
        // Within 40 ms (an early reflection, a component) or beyond 0.6 s.
        assert_eq!(
            doubts(&[s(1.0, -6.0, true), s(1.03, -12.0, true)], &p)[1],
            None
        );
        assert_eq!(
            doubts(&[s(1.0, -6.0, true), s(1.7, -12.0, true)], &p)[1],
            None
        );
        // After a knock: its echo would not be taken for a shot.
        assert_eq!(
            doubts(&[s(1.0, -6.0, false), s(1.3, -12.0, true)], &p)[1],
            None
        );
        // Near its background: the drop says little.
        let faint = Sound {
            ebr_db: 4.0,
            ..s(1.3, -12.0, true)
        };
        assert_eq!(doubts(&[s(1.0, -6.0, true), faint], &p)[1], None);
        // Off: nothing.
        let off = PossibleEchoParams::off();
        assert_eq!(
            doubts(&[s(1.0, -6.0, true), s(1.3, -12.0, true)], &off)[1],
            None
        );
    }

    #[test]
    fn the_loudest_shot_within_reach_is_the_source() {
        let p = PossibleEchoParams::default();
        let d = doubts(
            &[s(1.0, -9.0, true), s(1.1, -5.0, true), s(1.4, -14.0, true)],
            &p,
        );
        assert_eq!(d[2].map(|d| d.source), Some(1));
        // Equally loud: the earlier.
        let d = doubts(
            &[s(1.0, -5.0, true), s(1.1, -5.0, true), s(1.4, -14.0, true)],
            &p,
        );
        assert_eq!(d[2].map(|d| d.source), Some(0));
    }

    #[test]
    fn rounds_held_down_are_not_doubted_but_echoes_at_any_levels_are() {
        let p = PossibleEchoParams::default();
        // A gain control holds three rounds 9 dB below the first (the search for copies took
        // them for such rounds).
        let held: Vec<Sound> = [(1.0, -3.0), (1.12, -12.0), (1.24, -12.5), (1.36, -11.8)]
            .iter()
            .enumerate()
            .map(|(k, &(t, l))| Sound {
                held_down: k > 0,
                ..s(t, l, true)
            })
            .collect();
        assert!(doubts(&held, &p).iter().all(Option::is_none));
        // The same sounds not so taken (a burst's echoes off one wall come at one level too):
        // each doubted.
        let echoes = [
            s(1.0, -3.0, true),
            s(1.12, -12.0, true),
            s(1.24, -12.5, true),
            s(1.36, -11.8, true),
        ];
        let d = doubts(&echoes, &p);
        assert!(d[1..].iter().all(|x| x.is_some_and(|x| x.source == 0)));
    }

    #[test]
    fn sounds_one_delay_behind_two_shots_are_doubted_however_little_weaker() {
        let p = PossibleEchoParams::default();
        // A double tap 0.4 s apart, each shot followed 230 ms later by a sound 1.5 dB down
        // (too little for the first cue), the two delays within 0.3 ms.
        let pairs = [
            s(1.0, -6.0, true),
            s(1.23, -7.5, true),
            s(1.4, -6.2, true),
            s(1.6303, -7.7, true),
        ];
        let d = doubts(&pairs, &p);
        assert_eq!(d[0], None);
        assert_eq!(d[2], None);
        let (a, b) = (d[1].expect("first echo"), d[3].expect("second echo"));
        assert_eq!((a.source, a.same_delay_as), (0, Some((3, 2))));
        assert_eq!((b.source, b.same_delay_as), (2, Some((1, 0))));
        let words = reason(&a, "gunshot", ("gunshot", 1.0), Some((1.6303, 1.4)), &p);
        assert!(
            words
                .contains("as far behind it as the sound at 1.630 s is behind the shot at 1.400 s"),
            "{words}"
        );
        // The second shot and its sound 10 s later: the same delay by chance.
        let far = [
            pairs[0],
            pairs[1],
            s(11.4, -6.2, true),
            s(11.6303, -7.7, true),
        ];
        assert!(doubts(&far, &p).iter().all(Option::is_none));
        // Delays 3 ms apart: two reflectors, or two rounds; no doubt.
        let apart = [pairs[0], pairs[1], pairs[2], s(1.6330, -7.7, true)];
        assert!(doubts(&apart, &p).iter().all(Option::is_none));
        // Off (reports written before it).
        let off = PossibleEchoParams {
            same_delay_tolerance_s: 0.0,
            ..p
        };
        assert!(doubts(&pairs, &off).iter().all(Option::is_none));
    }

    #[test]
    fn rounds_that_keep_time_are_not_pairs_of_echoes() {
        let p = PossibleEchoParams::default();
        // Four rounds 100 ms apart to the sample, every other one 1.5 dB down: (1st, 2nd) and
        // (3rd, 4th) lie one delay apart, but the 2nd is also one delay before the 3rd.
        let train = [
            s(1.0, -6.0, true),
            s(1.1, -7.5, true),
            s(1.2, -6.0, true),
            s(1.3, -7.5, true),
        ];
        assert!(doubts(&train, &p).iter().all(Option::is_none));
        // Five rounds 100 ms apart, the 3rd and 5th 1.5 dB down: (1st, 3rd) and (3rd, 5th)
        // lie 200 ms apart, but with a round halfway between (and sharing the 3rd).
        let five = [
            s(1.0, -6.0, true),
            s(1.1, -6.0, true),
            s(1.2, -7.5, true),
            s(1.3, -6.0, true),
            s(1.4, -7.5, true),
        ];
        assert!(doubts(&five, &p).iter().all(Option::is_none));
    }

    #[test]
    fn a_sound_whose_level_was_not_read_is_neither_doubted_nor_a_source() {
        let p = PossibleEchoParams::default();
        let unread = Sound {
            onset_s: 1.0,
            level_db: None,
            loud_class: true,
            ebr_db: 20.0,
            held_down: false,
        };
        let d = doubts(&[unread, s(1.3, -20.0, true)], &p);
        assert_eq!(d, vec![None, None]);
        let d = doubts(
            &[
                s(1.0, -3.0, true),
                Sound {
                    onset_s: 1.3,
                    ..unread
                },
            ],
            &p,
        );
        assert_eq!(d, vec![None, None]);
    }
}
