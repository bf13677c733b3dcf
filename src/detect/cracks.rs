//! A supersonic bullet's crack heard well ahead of its muzzle blast (a shooter tens to hundreds
//! of metres away), paired with that blast as one shot, and the distance to the shooter that
//! the delay between them implies. Pure functions over onset times.
//!
//! A bullet faster than sound drags a shock wave (an N-wave of 0.2-1 ms) that reaches a
//! microphone near its path before the muzzle blast, which travels at the speed of sound all
//! the way. The farther the shooter, the longer the crack leads: about 30 ms at 20 m, 60 ms at
//! 35 m, 0.3 s at 170 m, 0.9 s at 550 m for a bullet averaging 800 m/s. `detect::refine` finds a
//! crack up to `refine.precursor_max_lead_s` (60 ms) before its blast; a crack further ahead is
//! a sound of its own to the detector, a brief `impulsive` event before a gunshot-like one, so
//! one shot was counted as two sounds. In a burst the cracks and the blasts interleave: rounds
//! 0.1 s apart heard 0.3 s after their cracks come crack, crack, crack, blast, crack, blast...
//! [`pair`] gives each crack the blast that follows it by the delay most of the nearby cracks
//! share (one shooter, one distance: the same delay for every round).
//!
//! The distance: the crack leaves the bullet's path near the point closest to the microphone
//! and the blast the muzzle, so for a microphone close to the line of fire the delay is
//! D/c - D/v, and D = delay / (1/c - 1/v), v the bullet's mean speed over the path (it slows
//! from its muzzle velocity) and c the speed of sound. A bullet passing wide of the
//! microphone shortens the delay (its shock reaches the microphone later), so the distance
//! found is then too short: it is a lower bound in that sense.
//!
//! # References
//! - R. C. Maher, "Acoustical characterization of gunshots", IEEE SAFE workshop, 2007.
//! - R. C. Maher and S. R. Shaw, "Deciphering gunshot recordings", AES 33rd International
//!   Conference on Audio Forensics, 2008.

use serde::{Deserialize, Serialize};

/// Parameters of the pairing and the distance (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CrackParams {
    /// A lone crack is paired with a gunshot-like blast up to this long after it (s). 1.5 s is a
    /// shooter about 900 m away for a bullet averaging 800 m/s, beyond which most rifle bullets
    /// have fallen below the speed of sound and make no crack. Leads up to
    /// `refine.precursor_max_lead_s` are found with the blast by `detect::refine`.
    pub max_lead_s: f64,
    /// Two cracks share a delay when their delays to their blasts differ by at most this (s):
    /// the rounds of one burst leave at slightly different speeds (about 1 % apart, 2 ms at 0.3
    /// s), and each onset is timed within a millisecond or two.
    pub lag_tolerance_s: f64,
    /// Cracks up to this long after a crack (s) vote on its delay: the rest of its burst.
    pub vote_window_s: f64,
    /// Air temperature (°C) for the speed of sound, 331.3 sqrt(1 + T / 273.15) m/s: 343 m/s at
    /// 20 °C, 3 % slower at 0 °C, 3 % faster at 40 °C.
    pub air_temperature_c: f64,
    /// The bullet's mean speed over its path (m/s), slowest and fastest assumed; the distance
    /// is given for both. From about 550 m/s (a 7.62x39 mm round averaged over a few hundred
    /// metres) to 950 m/s (a 5.56 mm round near the muzzle). Where the weapon is known, its
    /// own figures narrow the range. Both must exceed the speed of sound.
    pub bullet_speed_m_s: [f64; 2],
    /// A sound heard alone is taken for a crack only if, besides the tests of a crack before its
    /// blast (`refine::lone_crack`), its first `refine.crack_max_s` carries this many dB more
    /// energy than the mean of the `clear_s` after it ([`clear_db`]). An N-wave is over in a
    /// millisecond, with only the background and faint reflections after it; a struck object's
    /// click rings on. Measured: 18-33 dB on modelled cracks in brown noise, 10-20 dB on 10 of
    /// the devset's 12 cracks through its codecs and effects (7.7 through Opus at 12 kbit/s, 1.8
    /// clipped; 6 of the 12 reach 12 dB), 4.5-9.5 dB on the eight OpenArena footsteps (`mech`, `clank` samples: a click,
    /// then the step's body) that the other tests took for cracks and paired with a later
    /// sound.
    pub lone_min_clear_db: f64,
    /// ...(the window after the crack, s).
    pub clear_s: f64,
}

impl Default for CrackParams {
    fn default() -> Self {
        CrackParams {
            max_lead_s: 1.5,
            lag_tolerance_s: 0.005,
            vote_window_s: 1.0,
            air_temperature_c: 20.0,
            bullet_speed_m_s: [550.0, 950.0],
            lone_min_clear_db: 12.0,
            clear_s: 0.01,
        }
    }
}

impl CrackParams {
    /// The speed of sound in air at `air_temperature_c`, m/s.
    pub fn speed_of_sound_m_s(&self) -> f64 {
        331.3 * (1.0 + self.air_temperature_c / 273.15).max(0.0).sqrt()
    }
}

/// How far the sound from `first` stands over what follows it: the mean energy of its first
/// `len` samples over that of the next `clear` samples, in dB; none when `x` ends first or what
/// follows is digital silence (nothing to compare).
pub fn clear_db(x: &[f32], first: usize, len: usize, clear: usize) -> Option<f64> {
    let mean =
        |a: &[f32]| a.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / a.len() as f64;
    let (len, clear) = (len.max(1), clear.max(1));
    let head = x.get(first..first + len)?;
    let after = x.get(first + len..first + len + clear)?;
    let (h, a) = (mean(head), mean(after));
    (a > 0.0).then(|| 10.0 * (h / a).log10())
}

/// The distance to the shooter implied by a crack heard `crack_to_blast_s` before its blast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShotDistance {
    /// The time from the crack's onset to the blast's, in seconds.
    pub crack_to_blast_s: f64,
    /// The speed of sound used (m/s), from `detect.cracks.air_temperature_c`.
    pub speed_of_sound_m_s: f64,
    /// The bullet's mean speeds assumed (m/s), slowest first (`detect.cracks.bullet_speed_m_s`).
    pub bullet_speed_m_s: [f64; 2],
    /// The distance from the recorder to the shooter along the bullet's path (m), for the
    /// fastest and the slowest bullet: nearest first. Valid for a recorder close to the line of
    /// fire; a bullet that passed wide of it puts the shooter farther away.
    pub distance_m: [f64; 2],
}

/// The distance for a crack `lead_s` before its blast, or none when a bullet speed does not
/// exceed the speed of sound (no crack) or the lead is not positive.
pub fn distance(lead_s: f64, p: &CrackParams) -> Option<ShotDistance> {
    let c = p.speed_of_sound_m_s();
    let [slow, fast] = p.bullet_speed_m_s;
    if !(lead_s > 0.0 && slow > c && fast > c) {
        return None;
    }
    let at = |v: f64| lead_s / (1.0 / c - 1.0 / v);
    let r = |v: f64| crate::units::round_to(v, 1);
    let (a, b) = (at(fast), at(slow));
    Some(ShotDistance {
        crack_to_blast_s: crate::units::round_to(lead_s, 6),
        speed_of_sound_m_s: r(c),
        bullet_speed_m_s: [slow, fast],
        distance_m: [r(a.min(b)), r(a.max(b))],
    })
}

/// The distance in words, for a shot's reasons.
pub fn phrase(d: &ShotDistance) -> String {
    format!(
        "the shooter about {:.0}-{:.0} m away along the bullet's path (bullet {:.0}-{:.0} m/s, \
         sound {:.0} m/s; farther if the bullet passed wide of the recorder)",
        d.distance_m[0],
        d.distance_m[1],
        d.bullet_speed_m_s[0],
        d.bullet_speed_m_s[1],
        d.speed_of_sound_m_s
    )
}

/// Pairs lone cracks with the blasts after them: `(crack index, blast index)` pairs, each
/// crack and blast used once. Both lists are onsets in seconds, in time order. A crack's blast
/// follows it by more than `min_lead_s` and at most `max_lead_s`. Cracks are taken in time
/// order, and each takes the delay most of its neighbours within `vote_window_s` share (within
/// `lag_tolerance_s`): the earlier ones by the delay they were paired at, the later ones by an
/// untaken blast at that delay after them, itself by one after it. The shortest delay wins a
/// tie. When the delay chosen has no blast for this crack (its blast unheard, under another
/// sound), the crack is left alone rather than paired with another round's blast.
///
/// Where a burst's first crack went unheard, its first blast and the second crack's are tied
/// and the shorter delay wins: the rounds are then paired one interval out, the distance too
/// short by that interval's worth. The count of shots is the same either way.
pub fn pair(
    cracks: &[f64],
    blasts: &[f64],
    min_lead_s: f64,
    p: &CrackParams,
) -> Vec<(usize, usize)> {
    let tol = p.lag_tolerance_s;
    let mut taken = vec![false; blasts.len()];
    // The delay each crack was paired at.
    let mut lags: Vec<Option<f64>> = vec![None; cracks.len()];
    let mut out = Vec::new();
    // The untaken blast within the tolerance of `t`, after `c + min_lead_s` and no later than
    // `c + max_lead_s`, nearest `t` first.
    let blast_at = |taken: &[bool], c: f64, t: f64| -> Option<usize> {
        let from = (t - tol).max(c + min_lead_s);
        let to = (t + tol).min(c + p.max_lead_s);
        let lo = blasts.partition_point(|&b| b <= from);
        (lo..blasts.len())
            .take_while(|&j| blasts[j] <= to)
            .filter(|&j| !taken[j])
            .min_by(|&a, &b| (blasts[a] - t).abs().total_cmp(&(blasts[b] - t).abs()))
    };
    for (i, &c) in cracks.iter().enumerate() {
        let before = cracks[..i].partition_point(|&k| k < c - p.vote_window_s);
        let after = i + 1 + cracks[i + 1..].partition_point(|&k| k <= c + p.vote_window_s);
        // The delays on offer: to each untaken blast in reach, and those of the neighbours
        // before, shortest first.
        let lo = blasts.partition_point(|&b| b <= c + min_lead_s);
        let mut offered: Vec<f64> = (lo..blasts.len())
            .take_while(|&j| blasts[j] <= c + p.max_lead_s)
            .filter(|&j| !taken[j])
            .map(|j| blasts[j] - c)
            .chain(lags[before..i].iter().flatten().copied())
            .collect();
        offered.sort_by(f64::total_cmp);
        let mut best: Option<(usize, f64)> = None; // (support, delay)
        for lag in offered {
            let own = blast_at(&taken, c, c + lag);
            let earlier = lags[before..i]
                .iter()
                .flatten()
                .filter(|&&l| (l - lag).abs() <= tol)
                .count();
            let later = cracks[i + 1..after]
                .iter()
                .filter(|&&k| blast_at(&taken, k, k + lag).is_some_and(|m| Some(m) != own))
                .count();
            let support = usize::from(own.is_some()) + earlier + later;
            // Shortest first: a longer delay must do better to win.
            if best.is_none_or(|(s, _)| support > s) {
                best = Some((support, lag));
            }
        }
        if let Some(j) = best.and_then(|(_, lag)| blast_at(&taken, c, c + lag)) {
            taken[j] = true;
            lags[i] = Some(blasts[j] - c);
            out.push((i, j));
        }
    }
    out
}

/// Pairs of indices: (crack, blast).
pub type Pairs = Vec<(usize, usize)>;

/// The pairs of [`pair`] whose burst reads as one, and the cracks heard in its context: the
/// cracks are taken in runs (each within `vote_window_s` of the one before), and a run's pairs
/// are kept only when every crack of the run was paired, all at one delay (within
/// `lag_tolerance_s` of the median), and the gunshot-like sounds from the run's first crack to
/// its last blast (`gunshots`: the onsets of every event that could be a blast, whatever its
/// parts, in time order) are all accounted for. One the run did not take is accounted for by a
/// reported sound of `others` (events neither a lone crack nor a blast) at the run's delay
/// before it, when the run holds two pairs or more: a crack the lone tests turned away (through
/// a codec, or with a faint reflection), heard where the burst's other cracks say it must be;
/// that pair is returned second, as (index in `others`, index in `blasts`). A run of one crack
/// is kept only when no other reported sound lies between it and its blast. Otherwise the run's
/// sounds are left as they were: in a burst whose cracks and blasts interleave, the detector may
/// have joined a blast and a later round's crack into one event (a precursor and its main
/// sound), and a pairing over what is left would be one round out, its distance wrong. Every
/// list is in time order.
pub fn verified(
    cracks: &[f64],
    blasts: &[f64],
    gunshots: &[f64],
    others: &[f64],
    pairs: &[(usize, usize)],
    min_lead_s: f64,
    p: &CrackParams,
) -> (Pairs, Pairs) {
    let tol = p.lag_tolerance_s;
    let mut blast_of = vec![None; cracks.len()];
    for &(i, j) in pairs {
        blast_of[i] = Some(j);
    }
    let (mut out, mut heard_out) = (Vec::new(), Vec::new());
    let mut used = vec![false; others.len()];
    for span in vote_runs(cracks, p.vote_window_s) {
        let start = span.start;
        let run: Option<Vec<(usize, usize)>> = span.map(|i| blast_of[i].map(|j| (i, j))).collect();
        let kept = run.and_then(|run| {
            let lag = one_delay(
                run.iter().map(|&(i, j)| blasts[j] - cracks[i]).collect(),
                tol,
            )?;
            let last = run.iter().map(|&(_, j)| blasts[j]).fold(f64::MIN, f64::max);
            // A crack alone has no neighbours to vouch for its delay: its blast must be the next
            // sound heard. Were it a later round's or a later shot's, the sounds of the rounds
            // between (their blasts, too faint to be called gunshot-like) would lie between.
            let between = |&t: &f64| t > cracks[start] && t < last;
            if run.len() == 1 && (others.iter().any(between) || gunshots.iter().any(between)) {
                return None;
            }
            let from = cracks[start] + min_lead_s;
            let mut heard = Vec::new();
            // The run's blasts, in time order (its cracks are, and share one delay).
            let mut taken: Vec<f64> = run.iter().map(|&(_, j)| blasts[j]).collect();
            taken.sort_by(f64::total_cmp);
            let lo = gunshots.partition_point(|&g| g <= from);
            for &g in gunshots[lo..].iter().take_while(|&&g| g <= last) {
                if taken.binary_search_by(|b| b.total_cmp(&g)).is_ok() {
                    continue;
                }
                // Not the run's: a blast whose crack is heard at the run's delay before it.
                let j = blasts.binary_search_by(|b| b.total_cmp(&g)).ok()?;
                // Each sound is one round's crack at most (with a tolerance wider than the
                // detector's least spacing of two events, one could sit before two blasts).
                let at = others.partition_point(|&o| o < g - lag - tol);
                let k = (at..others.len())
                    .take_while(|&k| others[k] <= g - lag + tol)
                    .find(|&k| !used[k] && !heard.iter().any(|&(h, _)| h == k))
                    .filter(|_| run.len() >= 2)?;
                heard.push((k, j));
            }
            Some((run, heard))
        });
        if let Some((run, heard)) = kept {
            for &(k, _) in &heard {
                used[k] = true;
            }
            out.extend(run);
            heard_out.extend(heard);
        }
    }
    (out, heard_out)
}

/// The runs of `times` (in order) whose each member is within `window` of the one before.
fn vote_runs(times: &[f64], window: f64) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < times.len() {
        let mut end = start + 1;
        while end < times.len() && times[end] - times[end - 1] <= window {
            end += 1;
        }
        runs.push(start..end);
        start = end;
    }
    runs
}

/// The median of `delays` (not empty) when every one is within `tol` of it: the one delay a
/// run of shots shares.
fn one_delay(mut delays: Vec<f64>, tol: f64) -> Option<f64> {
    delays.sort_by(f64::total_cmp);
    let median = delays[delays.len() / 2];
    delays
        .iter()
        .all(|d| (d - median).abs() <= tol)
        .then_some(median)
}

/// Whether each shot's crack-to-blast delay is surely its own: the shots (gunshot-like sounds,
/// onsets in time order, each with its delay if a crack was found before its blast) are taken
/// in runs, each within `vote_window_s` of the one before, and a run's delays count only when
/// every shot of the run has one and they agree within `lag_tolerance_s` of their median. A
/// shot alone has only its own. Where some rounds show no crack, or another delay, a crack found
/// before a blast may be a later round's: the cracks and blasts of a fast burst from far off
/// interleave, and the search close before a blast (`refine`) then finds a later round's crack,
/// at a delay wrong by whole intervals.
pub fn own_delays(onsets: &[f64], delays: &[Option<f64>], p: &CrackParams) -> Vec<bool> {
    let mut out = vec![false; onsets.len()];
    for span in vote_runs(onsets, p.vote_window_s) {
        let run: Option<Vec<f64>> = delays[span.clone()].iter().copied().collect();
        let agree = run.and_then(|d| one_delay(d, p.lag_tolerance_s)).is_some();
        out[span].fill(agree);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distance_follows_the_delay_and_the_assumed_speeds() {
        let p = CrackParams::default();
        let c = p.speed_of_sound_m_s();
        assert!((c - 343.2).abs() < 0.1, "{c}");
        let d = distance(0.3, &p).unwrap();
        // 0.3 / (1/343.2 - 1/950) = 161.2 m; 0.3 / (1/343.2 - 1/550) = 273.7 m.
        assert!((d.distance_m[0] - 161.2).abs() < 0.2, "{d:?}");
        assert!((d.distance_m[1] - 273.7).abs() < 0.2, "{d:?}");
        // Twice the delay, twice the distance.
        let e = distance(0.6, &p).unwrap();
        assert!((e.distance_m[0] - 2.0 * d.distance_m[0]).abs() < 0.2);
        // A bullet no faster than sound makes no crack: no distance.
        let slow = CrackParams {
            bullet_speed_m_s: [300.0, 950.0],
            ..p
        };
        assert_eq!(distance(0.3, &slow), None);
        assert_eq!(distance(0.0, &p), None);
        assert!(
            phrase(&d).starts_with("the shooter about 161-274 m away"),
            "{}",
            phrase(&d)
        );
    }

    #[test]
    fn an_n_wave_stands_clear_of_what_follows_and_a_ringing_click_does_not() {
        let sr = 48_000.0f32;
        let bed: Vec<f32> = (0..4800)
            .map(|i| 0.001 * ((i * 7919 % 101) as f32 / 50.0 - 1.0))
            .collect();
        let mut crack = bed.clone();
        for i in 0..15 {
            crack[1000 + i] += 0.5 * (1.0 - 2.0 * i as f32 / 14.0);
        }
        let mut click = bed.clone();
        for i in 0..480 {
            let t = i as f32 / sr;
            click[1000 + i] +=
                0.5 * (-t / 0.003).exp() * (2.0 * std::f32::consts::PI * 2000.0 * t).cos();
        }
        let p = CrackParams::default();
        let c = clear_db(&crack, 1000, 48, 480).unwrap();
        let k = clear_db(&click, 1000, 48, 480).unwrap();
        assert!(
            c > p.lone_min_clear_db && k < p.lone_min_clear_db,
            "{c} {k}"
        );
        assert_eq!(clear_db(&crack, 4700, 48, 480), None);
        assert_eq!(clear_db(&vec![0.0; 1000], 10, 48, 480), None);
    }

    #[test]
    fn a_delay_is_the_shots_own_alone_or_shared_by_its_whole_burst() {
        let p = CrackParams::default();
        // A shot alone with a crack; a burst of three, each 0.041 s after its crack; a burst
        // whose last round shows none; a burst whose rounds disagree (a later round's crack
        // found before one blast).
        let onsets = [1.0, 5.0, 5.2, 5.4, 9.0, 9.2, 13.0, 13.2];
        let delays = [
            Some(0.3),
            Some(0.041),
            Some(0.0415),
            Some(0.041),
            Some(0.041),
            None,
            Some(0.041),
            Some(0.016),
        ];
        assert_eq!(
            own_delays(&onsets, &delays, &p),
            [true, true, true, true, false, false, false, false]
        );
    }

    #[test]
    fn a_lone_crack_takes_the_first_blast_after_it() {
        let p = CrackParams::default();
        // A crack at 1.0 s, its blast 0.3 s later and another shot 0.5 s after that.
        assert_eq!(pair(&[1.0], &[1.3, 1.8], 0.06, &p), vec![(0, 0)]);
        // Within the crack search's own reach, or beyond `max_lead_s`: not paired here.
        assert_eq!(pair(&[1.0], &[1.05], 0.06, &p), vec![]);
        assert_eq!(pair(&[1.0], &[2.6], 0.06, &p), vec![]);
        // A blast before the crack is not its blast.
        assert_eq!(pair(&[1.0], &[0.7], 0.06, &p), vec![]);
    }

    #[test]
    fn the_rounds_of_a_burst_are_paired_by_their_shared_delay() {
        let p = CrackParams::default();
        // Five rounds 0.12 s apart whose cracks lead by 0.3 s: crack, crack, crack, blast,
        // crack, blast, crack... The first crack could take the first blast (0.30 s) or the
        // second (0.42 s): four later cracks share the first delay, three the second.
        let cracks: Vec<f64> = (0..5).map(|k| 10.0 + 0.12 * k as f64).collect();
        let blasts: Vec<f64> = cracks.iter().map(|c| c + 0.3 + 0.001).collect();
        let pairs = pair(&cracks, &blasts, 0.06, &p);
        assert_eq!(pairs, (0..5).map(|k| (k, k)).collect::<Vec<_>>());
        // A blast lost under the others: the rest keep their own delay.
        let missing: Vec<f64> = blasts
            .iter()
            .copied()
            .enumerate()
            .filter(|&(k, _)| k != 2)
            .map(|(_, b)| b)
            .collect();
        let pairs = pair(&cracks, &missing, 0.06, &p);
        assert_eq!(pairs, vec![(0, 0), (1, 1), (3, 2), (4, 3)], "{pairs:?}");
    }

    #[test]
    fn a_burst_is_paired_only_when_its_cracks_and_blasts_account_for_each_other() {
        let p = CrackParams::default();
        let cracks: Vec<f64> = (0..3).map(|k| 10.0 + 0.13 * k as f64).collect();
        let blasts: Vec<f64> = cracks.iter().map(|c| c + 0.35).collect();
        let pairs = pair(&cracks, &blasts, 0.06, &p);
        let none: [f64; 0] = [];
        let check = |c: &[f64], b: &[f64], g: &[f64], o: &[f64], pairs: &[(usize, usize)]| {
            verified(c, b, g, o, pairs, 0.06, &p)
        };
        assert_eq!(
            check(&cracks, &blasts, &blasts, &none, &pairs),
            (pairs.clone(), vec![])
        );
        // Another gunshot-like sound among the blasts (one the detector joined to a crack, so
        // not offered as a blast): the burst is not as the pairs say, and is left alone.
        let mut gunshots = blasts.clone();
        gunshots.insert(1, 10.40);
        assert_eq!(
            check(&cracks, &blasts, &gunshots, &none, &pairs),
            (vec![], vec![])
        );
        // A crack of the run without a blast: left alone too.
        let two = &blasts[..2];
        let pairs = pair(&cracks, two, 0.06, &p);
        assert_eq!(pairs.len(), 2);
        assert_eq!(check(&cracks, two, two, &none, &pairs), (vec![], vec![]));
        // A lone shot is its own run, whatever comes a second later.
        let (c, b, later) = ([1.0], [1.4], [1.4, 2.4]);
        let pairs = pair(&c, &b, 0.06, &p);
        assert_eq!(check(&c, &b, &later, &none, &pairs), (vec![(0, 0)], vec![]));
        // But not with another sound between the crack and the blast (its own blast unheard,
        // the rounds after it faint): the blast may be another round's.
        assert_eq!(check(&c, &b, &later, &[1.2], &pairs), (vec![], vec![]));
        // The middle crack of three turned away by the lone tests, but heard: its blast, at the
        // delay the other two share, is accounted for by it.
        let lone = [cracks[0], cracks[2]];
        let pairs = pair(&lone, &blasts, 0.06, &p);
        assert_eq!(pairs, vec![(0, 0), (1, 2)]);
        let heard = [5.0, cracks[1]];
        assert_eq!(
            check(&lone, &blasts, &blasts, &heard, &pairs),
            (pairs.clone(), vec![(1, 1)])
        );
        // With a tolerance wider than two blasts' spacing, one sound is still one round's
        // crack: two blasts left over and one sound before them leave the run alone.
        let wide = CrackParams {
            lag_tolerance_s: 0.2,
            ..p
        };
        let blasts4 = [10.35, 10.36, 10.37, 10.61];
        let lone2 = [10.0, 10.26];
        let pairs2 = vec![(0, 0), (1, 3)];
        assert_eq!(
            verified(&lone2, &blasts4, &blasts4, &heard, &pairs2, 0.06, &wide),
            (vec![], vec![])
        );
        // Not heard there: the run is left alone.
        assert_eq!(
            check(&lone, &blasts, &blasts, &heard[..1], &pairs),
            (vec![], vec![])
        );
    }
}
