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
}

/// For events in time order, the kept event each is a later part of (`None`: kept). The sound
/// compared is the last one heard that is not gunshot-like, itself a part or not; a part's
/// owner is that sound's owner.
pub fn later_parts_plan(sounds: &[Sounding]) -> Vec<Option<usize>> {
    let mut owners = vec![None; sounds.len()];
    // The last sound that is not gunshot-like: its end, and the kept event that owns it.
    let mut last: Option<(f64, usize)> = None;
    for (j, e) in sounds.iter().enumerate() {
        if e.gunshot {
            continue;
        }
        match last {
            Some((end, owner)) if e.impulsive && e.onset_s < end => {
                owners[j] = Some(owner);
                last = Some((e.end_s, owner));
            }
            _ => last = Some((e.end_s, j)),
        }
    }
    owners
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
        Sounding {
            onset_s,
            end_s,
            gunshot: class == crate::features::classify::GUNSHOT,
            impulsive: class == crate::features::classify::IMPULSIVE,
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
        assert_eq!(later_parts_plan(&door), vec![None, Some(0), Some(0), None]);
        // A gunshot-like sound inside the door's sound is reported, and owns no part either.
        let shot = [
            sounding(1.0, 1.5, IMPULSIVE),
            sounding(1.1, 1.6, GUNSHOT),
            sounding(1.2, 1.3, IMPULSIVE),
            sounding(1.55, 1.7, IMPULSIVE),
        ];
        assert_eq!(later_parts_plan(&shot), vec![None, None, Some(0), None]);
        // An explosion-like sound is never a part, but may own one.
        let blast = [
            sounding(1.0, 3.0, IMPULSIVE),
            sounding(1.5, 4.0, EXPLOSION),
            sounding(2.0, 2.1, IMPULSIVE),
        ];
        assert_eq!(later_parts_plan(&blast), vec![None, None, Some(1)]);
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
