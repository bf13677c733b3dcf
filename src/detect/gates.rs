//! Policy over reported events, kept apart from the stages that find them: which readings are
//! one sound (`one_per_sound_plan`), and which sounds are later parts of the one before
//! (`later_parts_plan`). Pure functions over onsets, ends and classes.

/// What [`later_parts_plan`] needs of an event.
#[derive(Debug, Clone, Copy)]
pub struct Sounding {
    /// Onset (s).
    pub onset_s: f64,
    /// Where its sound has died away (s): the event's `end_s`.
    pub end_s: f64,
    /// Called gunshot-like.
    pub gunshot: bool,
    /// Called `impulsive` (neither gunshot- nor explosion-like).
    pub impulsive: bool,
    /// Peak level, dBFS.
    pub peak_dbfs: f64,
}

/// When a sound that starts before the one before it has died away is another strike rather
/// than a later part of it (echoed in every report under `classify.strikes`).
///
/// A knock, a hammer blow or a clap rings on after it, and the next one comes before the ring
/// has died into the background: on the development set knocks follow each other 0.13-0.30 s
/// apart, hammer blows 0.36-0.80 s. A recorded door, switch or lift is one sound in parts, the
/// louder main part 60-110 ms after a weaker first one. A strike as loud as the one before or
/// softer, a striking pace after it, is a sound of its own. On the eleven check sets, of the 62
/// sounds [`later_parts_plan`] took for parts without this rule, the 15 labelled ones (modelled
/// knocks, hammer blows, a shot) came 0.15-0.83 s after the sound before and all but one at
/// most 2.3 dB above it; of the 47 unlabelled ones (the Freedoom and OpenArena game sounds'
/// parts), 33 came within 110 ms of it and 28 peaked 2.5 dB or more above it
/// (docs/detection-notes.md, forty-fourth session).
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct StrikeParams {
    /// At least this long (s) after the onset of the sound before it...
    pub min_gap_s: f64,
    /// ...and peaking at most this many dB above that sound's peak.
    pub max_rise_db: f64,
}

impl Default for StrikeParams {
    fn default() -> Self {
        StrikeParams {
            min_gap_s: 0.12,
            max_rise_db: 3.0,
        }
    }
}

/// What [`later_parts_plan`] makes of one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part {
    /// A sound of its own.
    Own,
    /// A later part of the kept event with this index.
    Of(usize),
    /// Another strike ([`StrikeParams`]) that started before the sound with this index had
    /// died away: a sound of its own.
    StrikeAfter(usize),
}

/// For events in time order, what each is: a sound of its own, or a later part of a kept
/// event. The sound compared is the last one heard that is not gunshot-like, itself a part or
/// not; a part's owner is that sound's owner. With `strikes`, a sound that is another strike
/// ([`StrikeParams`]) is no part.
pub fn later_parts_plan(sounds: &[Sounding], strikes: Option<&StrikeParams>) -> Vec<Part> {
    let mut plan = vec![Part::Own; sounds.len()];
    // The last sound that is not gunshot-like (its index), and the kept event that owns it.
    let mut last: Option<(usize, usize)> = None;
    for (j, e) in sounds.iter().enumerate() {
        if e.gunshot {
            continue;
        }
        let strike = |l: &Sounding| {
            strikes.is_some_and(|s| {
                e.onset_s - l.onset_s >= s.min_gap_s && e.peak_dbfs <= l.peak_dbfs + s.max_rise_db
            })
        };
        match last {
            Some((l, owner)) if e.impulsive && e.onset_s < sounds[l].end_s => {
                if strike(&sounds[l]) {
                    plan[j] = Part::StrikeAfter(l);
                    last = Some((j, j));
                } else {
                    plan[j] = Part::Of(owner);
                    last = Some((j, owner));
                }
            }
            _ => last = Some((j, j)),
        }
    }
    plan
}

/// What [`one_per_sound_plan`] weighs of a reported event.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// Onset sample.
    pub onset: usize,
    /// Called gunshot-like.
    pub gunshot: bool,
    /// Detection score (0..1).
    pub score: f64,
}

/// For readings in time order: which to keep, each with the ones merged into it. Each reading
/// is weighed against the last one kept: within `min_interval` of it, one of the two stays.
pub fn one_per_sound_plan(r: &[Reading], min_interval: usize) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, e) in r.iter().enumerate() {
        match out.last_mut() {
            Some((k, merged)) if e.onset.saturating_sub(r[*k].onset) < min_interval => {
                let later_kept = match (e.gunshot, r[*k].gunshot) {
                    (true, false) => true,
                    (false, true) => false,
                    _ => e.score > r[*k].score,
                };
                if later_kept {
                    merged.push(*k);
                    *k = i;
                } else {
                    merged.push(i);
                }
            }
            _ => out.push((i, Vec::new())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(onset: usize, gunshot: bool, score: f64) -> Reading {
        Reading {
            onset,
            gunshot,
            score,
        }
    }

    fn sounding(onset_s: f64, end_s: f64, class: &str) -> Sounding {
        loud(onset_s, end_s, class, -20.0)
    }

    fn loud(onset_s: f64, end_s: f64, class: &str, peak_dbfs: f64) -> Sounding {
        Sounding {
            onset_s,
            end_s,
            gunshot: class == crate::features::classify::GUNSHOT,
            impulsive: class == crate::features::classify::IMPULSIVE,
            peak_dbfs,
        }
    }

    #[test]
    fn a_sound_that_starts_before_the_one_before_has_died_away_is_a_part_of_it() {
        use crate::features::classify::{EXPLOSION, GUNSHOT, IMPULSIVE};
        // A door: a weak first part, the louder thud 70 ms later, a rattle 0.3 s later (inside
        // the thud); then a knock well after it.
        let door = [
            sounding(1.0, 1.5, IMPULSIVE),
            sounding(1.07, 1.9, IMPULSIVE),
            sounding(1.8, 1.85, IMPULSIVE),
            sounding(2.5, 2.55, IMPULSIVE),
        ];
        assert_eq!(
            later_parts_plan(&door, None),
            vec![Part::Own, Part::Of(0), Part::Of(0), Part::Own]
        );
        // A gunshot-like sound inside the door's sound is reported, and owns no part either.
        let shot = [
            sounding(1.0, 1.5, IMPULSIVE),
            sounding(1.1, 1.6, GUNSHOT),
            sounding(1.2, 1.3, IMPULSIVE),
            sounding(1.55, 1.7, IMPULSIVE),
        ];
        assert_eq!(
            later_parts_plan(&shot, None),
            vec![Part::Own, Part::Own, Part::Of(0), Part::Own]
        );
        // An explosion-like sound is never a part, but may own one.
        let blast = [
            sounding(1.0, 3.0, IMPULSIVE),
            sounding(1.5, 4.0, EXPLOSION),
            sounding(2.0, 2.1, IMPULSIVE),
        ];
        assert_eq!(
            later_parts_plan(&blast, None),
            vec![Part::Own, Part::Own, Part::Of(1)]
        );
    }

    #[test]
    fn another_strike_before_the_ring_has_died_away_is_no_part() {
        use crate::features::classify::IMPULSIVE;
        let strikes = StrikeParams::default();
        // Three knocks 0.2 s apart, each ringing 0.3 s, the second 1 dB louder, the third 4 dB
        // softer: each is a strike of its own.
        let knocks = [
            loud(1.0, 1.3, IMPULSIVE, -20.0),
            loud(1.2, 1.5, IMPULSIVE, -19.0),
            loud(1.4, 1.7, IMPULSIVE, -23.0),
        ];
        assert_eq!(
            later_parts_plan(&knocks, Some(&strikes)),
            vec![Part::Own, Part::StrikeAfter(0), Part::StrikeAfter(1)]
        );
        assert_eq!(
            later_parts_plan(&knocks, None),
            vec![Part::Own, Part::Of(0), Part::Of(0)]
        );
        // A door: its main thud 70 ms after a weak first part, 8 dB above it (too soon and too
        // loud), then a rattle 0.3 s on, 10 dB louder than the thud: parts, with or without.
        let door = [
            loud(1.0, 1.5, IMPULSIVE, -30.0),
            loud(1.07, 1.9, IMPULSIVE, -22.0),
            loud(1.37, 1.6, IMPULSIVE, -12.0),
        ];
        assert_eq!(
            later_parts_plan(&door, Some(&strikes)),
            vec![Part::Own, Part::Of(0), Part::Of(0)]
        );
    }

    #[test]
    fn two_readings_of_one_sound_are_reported_once() {
        // 50 ms at 48 kHz: 2,400 samples.
        let min = 2_400;
        // A double report's first blast (explosion-like, stronger) and the gunshot reading
        // timed from it 1 ms later: the gunshot reading stays, whichever comes first.
        assert_eq!(
            one_per_sound_plan(&[r(1_000, false, 0.9), r(1_048, true, 0.5)], min),
            vec![(1, vec![0])]
        );
        assert_eq!(
            one_per_sound_plan(&[r(1_000, true, 0.5), r(1_048, false, 0.9)], min),
            vec![(0, vec![1])]
        );
        // Alike readings: the higher detection score.
        assert_eq!(
            one_per_sound_plan(&[r(1_000, true, 0.5), r(2_000, true, 0.7)], min),
            vec![(1, vec![0])]
        );
        // Rounds of a burst 80 ms apart are separate sounds.
        assert_eq!(
            one_per_sound_plan(
                &[r(0, true, 0.9), r(3_840, true, 0.9), r(7_680, true, 0.9)],
                min
            ),
            vec![(0, vec![]), (1, vec![]), (2, vec![])]
        );
    }
}
