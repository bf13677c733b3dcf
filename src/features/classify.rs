//! Explainable classification: features -> class, a gunshot score in [0, 1], and the reasons
//! in words. Rules with named thresholds, each with its physical reason; no firearm is ever
//! identified, only how gunshot-like a sound is.
//!
//! Status: a first rule set, not yet fitted to anything; its devset figures are in
//! docs/detection-notes.md.

use serde::{Deserialize, Serialize};

use super::EventFeatures;

/// Classification thresholds (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassifyParams {
    /// A muzzle blast reaches its peak within a few ms (Friedlander rise 0.5-3 ms); claps and
    /// knocks can too, slams and footsteps rarely do.
    pub gunshot_max_rise_ms: f64,
    /// A shot is loud against its surroundings: event-to-background ratio at least this (dB).
    pub gunshot_min_ebr_db: f64,
    /// A shot's reverberant tail lasts: decay (to -20 dB) at least this long (ms). Claps and
    /// knocks die out within tens of ms indoors.
    pub gunshot_min_decay_ms: f64,
    /// Muzzle blasts carry most energy below 500 Hz against the 2 kHz+ band (dB); claps are
    /// centred near 1-2 kHz.
    pub gunshot_min_low_high_db: f64,
    /// Share of evidence needed to call a sound gunshot-like.
    pub gunshot_min_score: f64,
    /// Explosions build up slowly: rise at least this (ms)...
    pub explosion_min_rise_ms: f64,
    /// ...are dominated by low frequencies (dB, low band over high band)...
    pub explosion_min_low_high_db: f64,
    /// ...and rumble on: decay at least this (ms).
    pub explosion_min_decay_ms: f64,
}

impl Default for ClassifyParams {
    fn default() -> Self {
        ClassifyParams {
            gunshot_max_rise_ms: 3.0,
            gunshot_min_ebr_db: 6.0,
            gunshot_min_decay_ms: 50.0,
            gunshot_min_low_high_db: 6.0,
            gunshot_min_score: 0.75,
            explosion_min_rise_ms: 10.0,
            explosion_min_low_high_db: 10.0,
            explosion_min_decay_ms: 150.0,
        }
    }
}

/// The class names written in reports.
pub const GUNSHOT: &str = "gunshot";
/// A slow, low-frequency blast.
pub const EXPLOSION: &str = "explosion";
/// Any other impulsive sound (claps, slams, knocks, footsteps...).
pub const IMPULSIVE: &str = "impulsive";

/// The verdict on one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `gunshot`, `explosion` or `impulsive`.
    pub class: String,
    /// Share of the gunshot evidence present, 0..1 (not a probability).
    pub gunshot_score: f64,
    /// The measurements that drove the decision, in words.
    pub reasons: Vec<String>,
}

/// Classifies one event from its features.
pub fn classify(f: &EventFeatures, p: &ClassifyParams) -> Verdict {
    // (present?, reason when present, reason when absent)
    let evidence = [
        (
            f.rise_ms <= p.gunshot_max_rise_ms,
            format!("rise {:.1} ms", f.rise_ms),
            format!("slow rise ({:.1} ms)", f.rise_ms),
        ),
        (
            f.ebr_db >= p.gunshot_min_ebr_db,
            format!("{:.0} dB above background", f.ebr_db),
            format!("only {:.0} dB above background", f.ebr_db),
        ),
        (
            f.decay_ms >= p.gunshot_min_decay_ms,
            format!("decay {:.0} ms", f.decay_ms),
            format!("short decay ({:.0} ms)", f.decay_ms),
        ),
        (
            f.low_high_db >= p.gunshot_min_low_high_db,
            format!("low-frequency body ({:+.0} dB low/high)", f.low_high_db),
            format!(
                "little low-frequency body ({:+.0} dB low/high)",
                f.low_high_db
            ),
        ),
    ];
    let present = evidence.iter().filter(|e| e.0).count();
    let gunshot_score = present as f64 / evidence.len() as f64;
    let mut reasons: Vec<String> = evidence
        .into_iter()
        .map(|(ok, yes, no)| if ok { yes } else { no })
        .collect();
    if f.clipped_channels > 0 {
        reasons.push(format!(
            "clipped ({} samples at full scale)",
            f.longest_clip_run
        ));
    }
    let explosion = f.rise_ms >= p.explosion_min_rise_ms
        && f.low_high_db >= p.explosion_min_low_high_db
        && f.decay_ms >= p.explosion_min_decay_ms;
    let class = if explosion {
        reasons.insert(0, "slow, low-frequency, long: explosion-like".into());
        EXPLOSION
    } else if gunshot_score >= p.gunshot_min_score {
        GUNSHOT
    } else {
        IMPULSIVE
    };
    Verdict {
        class: class.into(),
        gunshot_score,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> EventFeatures {
        EventFeatures {
            peak_dbfs: -3.0,
            rise_ms: 0.8,
            decay_ms: 180.0,
            crest_db: 15.0,
            ebr_db: 18.0,
            centroid_hz: 600.0,
            flatness: 0.5,
            low_high_db: 12.0,
            clipped_channels: 1,
            longest_clip_run: 12,
        }
    }

    #[test]
    fn a_fast_loud_reverberant_low_blast_is_gunshot_like_with_reasons() {
        let v = classify(&features(), &ClassifyParams::default());
        assert_eq!(v.class, GUNSHOT);
        assert_eq!(v.gunshot_score, 1.0);
        assert!(
            v.reasons.contains(&"rise 0.8 ms".to_string()),
            "{:?}",
            v.reasons
        );
        assert!(v.reasons.iter().any(|r| r.starts_with("clipped")));
    }

    #[test]
    fn a_short_bright_clap_is_not() {
        let f = EventFeatures {
            decay_ms: 25.0,
            low_high_db: -8.0,
            ebr_db: 4.0,
            centroid_hz: 1500.0,
            ..features()
        };
        let v = classify(&f, &ClassifyParams::default());
        assert_eq!(v.class, IMPULSIVE);
        assert_eq!(v.gunshot_score, 0.25);
        assert!(
            v.reasons.contains(&"short decay (25 ms)".to_string()),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn a_slow_low_long_blast_is_an_explosion() {
        let f = EventFeatures {
            rise_ms: 40.0,
            decay_ms: 900.0,
            low_high_db: 25.0,
            ..features()
        };
        assert_eq!(classify(&f, &ClassifyParams::default()).class, EXPLOSION);
    }
}
