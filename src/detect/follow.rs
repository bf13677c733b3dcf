//! Burst followers: candidates below the detection threshold that are kept because they follow
//! a gunshot as the next round of the same weapon would (hysteresis along time).
//!
//! In automatic fire every round after the first rises out of the previous round's
//! reverberant tail, so its rise over the band floor, and with it its detection score, is lower
//! than a lone shot's: on the devset, burst shots 8-19 dB above the background score 0.04-0.44
//! against the 0.45 threshold. Hysteresis thresholding (Canny, "A computational approach to
//! edge detection", IEEE PAMI 8(6), 1986) answers this along time: a candidate that clears the
//! threshold and is called a gunshot seeds; a weaker candidate joins when it is connected to a
//! seed by the same physical story:
//!
//! - it is itself called a gunshot by its own measurements (the caller decides that);
//! - it comes after a seed, within the burst gap (`BurstParams::max_gap_s`, the same gap that
//!   groups shots into bursts);
//! - its peak is within `level_db` of that seed's: rounds of one weapon from one place arrive at
//!   nearly the same level, while a reflection has travelled further and lost energy at the
//!   reflector (on the devset the discrete echoes of synthetic shots 60-80 ms behind them are
//!   8-16 dB down, the burst shots within 1.5 dB of their neighbours);
//! - it is at least `min_separation_s` from every event already kept, so it is not the early
//!   reflections or the mechanism noise of one of them.
//!
//! Followers seed in turn, so a burst is followed shot by shot. The selection is a pure function
//! of a few numbers per candidate.

use serde::{Deserialize, Serialize};

/// Thresholds of the follower rule (echoed in every report under `params.burst`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FollowParams {
    /// Whether followers are looked for at all (`--burst-followers`; off by default, see
    /// [`select`]).
    pub enabled: bool,
    /// Lowest detection score a follower may have (at or above the detection threshold, no
    /// candidate follows).
    pub min_score: f64,
    /// Largest difference, in dB, between a follower's peak and its seed's.
    pub level_db: f64,
    /// A follower is at least this far (s) from every event already kept.
    pub min_separation_s: f64,
}

impl Default for FollowParams {
    fn default() -> Self {
        FollowParams {
            enabled: false,
            min_score: 0.15,
            level_db: 6.0,
            min_separation_s: 0.05,
        }
    }
}

/// What the follower rule needs to know of one candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Onset, seconds.
    pub onset_s: f64,
    /// Peak level, dBFS.
    pub peak_db: f64,
    /// Detection score (0..1).
    pub score: f64,
    /// Whether its own measurements call it a gunshot.
    pub gunshot: bool,
}

/// Why a candidate is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kept {
    /// Its detection score reached the threshold.
    Detected,
    /// It follows the candidate at this index (a gunshot) in a burst.
    Follows(usize),
}

/// For each candidate (sorted by onset), whether it is kept and why: every candidate whose
/// score reaches `threshold`, and the followers of gunshots among the rest (see the module
/// documentation).
///
/// The rule is off by default. On the devset it keeps 5 more events, all true: four pistol
/// rounds and a footstep after a shot (called gunshot); impulsive-event F1 0.745 -> 0.757,
/// gunshot F1 0.589 -> 0.619. But the rounds it finds are those whose first wavefront is
/// buried in the previous round's tail: four of the five are timed 6-27 ms off, and the onset
/// error's 95th percentile goes from 4.2 to 10.9 ms. It suits counting rounds, not timing them.
pub fn select(
    c: &[Candidate],
    threshold: f64,
    max_gap_s: f64,
    p: &FollowParams,
) -> Vec<Option<Kept>> {
    let mut kept: Vec<Option<Kept>> = c
        .iter()
        .map(|x| (x.score >= threshold).then_some(Kept::Detected))
        .collect();
    if !p.enabled {
        return kept;
    }
    // One pass in time order settles everything: a follower's seed is earlier, so its status is
    // final when the follower is visited.
    let onsets: Vec<f64> = c.iter().map(|x| x.onset_s).collect();
    for i in 0..c.len() {
        let x = &c[i];
        if kept[i].is_some() || !x.gunshot || x.score < p.min_score {
            continue;
        }
        let within = |reach: f64| {
            onsets.partition_point(|&t| t < x.onset_s - reach)
                ..onsets.partition_point(|&t| t <= x.onset_s + reach)
        };
        let crowded = within(p.min_separation_s).any(|j| {
            j != i && kept[j].is_some() && (onsets[j] - x.onset_s).abs() < p.min_separation_s
        });
        if crowded {
            continue;
        }
        // A round follows an earlier one: the nearest earlier gunshot at about its level.
        let seed = within(max_gap_s).rev().find(|&j| {
            onsets[j] < x.onset_s
                && kept[j].is_some()
                && c[j].gunshot
                && (c[j].peak_db - x.peak_db).abs() <= p.level_db
        });
        if let Some(j) = seed {
            kept[i] = Some(Kept::Follows(j));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(onset_s: f64, peak_db: f64, score: f64, gunshot: bool) -> Candidate {
        Candidate {
            onset_s,
            peak_db,
            score,
            gunshot,
        }
    }

    fn on() -> FollowParams {
        FollowParams {
            enabled: true,
            ..FollowParams::default()
        }
    }

    #[test]
    fn a_burst_is_followed_shot_by_shot_from_one_confident_gunshot() {
        // A confident shot, then four weaker rounds 120 ms apart at the same level: each joins
        // through the one before it.
        let mut c = vec![cand(1.0, -6.0, 0.9, true)];
        for k in 1..5 {
            c.push(cand(1.0 + 0.12 * f64::from(k), -6.5, 0.2, true));
        }
        let kept = select(&c, 0.45, 0.6, &on());
        assert_eq!(kept[0], Some(Kept::Detected));
        for (k, v) in kept.iter().enumerate().skip(1) {
            assert!(matches!(v, Some(Kept::Follows(_))), "{k}: {kept:?}");
        }
        // Off (the default), only the threshold counts.
        let off = select(&c, 0.45, 0.6, &FollowParams::default());
        assert!(off[1..].iter().all(Option::is_none), "{off:?}");
    }

    #[test]
    fn echoes_speech_and_lone_weak_candidates_do_not_follow() {
        let p = on();
        // An echo 12 dB down; a weak candidate not called gunshot; one too weak to follow;
        // one too close to the shot; one beyond the gap; one before the shot.
        let c = vec![
            cand(1.0, -6.0, 0.9, true),
            cand(1.08, -18.0, 0.3, true),
            cand(1.2, -6.0, 0.3, false),
            cand(1.3, -6.0, 0.1, true),
            cand(1.03, -6.0, 0.3, true),
            cand(1.7, -6.0, 0.3, true),
            cand(0.8, -6.0, 0.3, true),
        ];
        let mut c = c;
        c.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
        let kept = select(&c, 0.45, 0.6, &p);
        let shot = c.iter().position(|x| x.score == 0.9).unwrap();
        assert_eq!(kept[shot], Some(Kept::Detected));
        assert_eq!(kept.iter().filter(|k| k.is_some()).count(), 1, "{kept:?}");
        // Without a confident gunshot to start from, nothing follows.
        let weak: Vec<Candidate> = (0..4)
            .map(|k| cand(1.0 + 0.1 * f64::from(k), -6.0, 0.3, true))
            .collect();
        assert!(select(&weak, 0.45, 0.6, &p).iter().all(Option::is_none));
        // A confident event that is not a gunshot does not seed.
        let mut knock = weak.clone();
        knock[0] = cand(1.0, -6.0, 0.9, false);
        let kept = select(&knock, 0.45, 0.6, &p);
        assert_eq!(kept[0], Some(Kept::Detected));
        assert!(kept[1..].iter().all(Option::is_none), "{kept:?}");
    }
}
