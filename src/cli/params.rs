//! `--params FILE`: the parameters of an earlier report read back, so that its analysis can be
//! repeated exactly, or a few parameters changed with the rest at their defaults.
//!
//! The file is either an `events.json` (its `params` object is taken), a `params` object on its
//! own, or a partial object such as `{"detect": {"score": {"threshold": 0.3}}}`. A complete
//! object is read as a report's would be, so a report written before a parameter existed keeps
//! that parameter's old meaning (its serde default, e.g. no codec-flicker rule); a partial one
//! is laid over the defaults, key by key, and a key the parameters do not have is an error
//! naming it (a misspelt parameter must not be silently ignored).

use std::path::Path;

use serde_json::Value;

use crate::pipeline::AnalyzeParams;

/// Reads `path` into parameters; the error names the file and the problem.
pub(super) fn load(path: &Path) -> Result<AnalyzeParams, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the parameters: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not JSON parameters: {e}", path.display()))?;
    from_value(value)
        .and_then(|p| check(&p).map(|()| p))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The parameters in `value` (a report, its `params`, or a partial object over the defaults).
pub(super) fn from_value(value: Value) -> Result<AnalyzeParams, String> {
    let value = match value {
        Value::Object(mut o) if o.contains_key("schema_version") => o
            .remove("params")
            .ok_or("a report without its `params` object")?,
        v @ Value::Object(_) => v,
        _ => return Err("the parameters must be a JSON object".into()),
    };
    if let Ok(p) = serde_json::from_value::<AnalyzeParams>(value.clone()) {
        return Ok(p);
    }
    let mut base = serde_json::to_value(AnalyzeParams::default())
        .map_err(|e| format!("internal error: the default parameters: {e}"))?;
    overlay(&mut base, value, "")?;
    serde_json::from_value(base).map_err(|e| format!("invalid parameters: {e}"))
}

/// Longest duration (s) any parameter may name: an hour, far beyond any window the analysis
/// uses (the longest default is the transcript clock search's 120 s).
const MAX_DURATION_S: f64 = 3600.0;

/// Checks what the types cannot: durations are not negative and not absurd, frequencies are
/// positive, scores, probabilities and fractions lie in 0..1, and the STFT's window and hop are
/// ones it can run with (a 100 s window, legal JSON, would take hours on a short clip). The
/// parameters the command line sets are checked by clap; these are those a file can set.
/// The error names the parameter by its path.
pub(super) fn check(p: &AnalyzeParams) -> Result<(), String> {
    let value = serde_json::to_value(p).map_err(|e| format!("internal error: {e}"))?;
    walk(&value, "")?;
    let bounds = [
        ("detect.stft.window_s", p.detect.stft.window_s, 0.001, 0.5),
        (
            "detect.stft.hop_s",
            p.detect.stft.hop_s,
            0.0001,
            p.detect.stft.window_s,
        ),
        (
            "detect.odf.bands_per_octave",
            p.detect.odf.bands_per_octave,
            1.0,
            24.0,
        ),
        (
            "decode.block_frames",
            p.decode.block_frames as f64,
            1.0,
            f64::from(1u32 << 24),
        ),
        // The flutter search compares every pair of events within a period of each other and
        // within `max_span_s` of a sound: bounded so that it stays a search of seconds.
        (
            "burst.flutter.max_period_s",
            p.burst.flutter.max_period_s,
            0.0,
            1.0,
        ),
        (
            "burst.flutter.max_span_s",
            p.burst.flutter.max_span_s,
            0.0,
            10.0,
        ),
        (
            "burst.flutter.max_subdivision",
            p.burst.flutter.max_subdivision as f64,
            1.0,
            12.0,
        ),
        // The echo doubt compares each event with those within `max_delay_s` before it.
        (
            "burst.possible_echo.max_delay_s",
            p.burst.possible_echo.max_delay_s,
            0.0,
            10.0,
        ),
        // A wider tolerance would pair any two echoes, and widen the search's window.
        (
            "burst.possible_echo.same_delay_tolerance_s",
            p.burst.possible_echo.same_delay_tolerance_s,
            0.0,
            0.01,
        ),
        (
            "burst.possible_echo.pair_max_span_s",
            p.burst.possible_echo.pair_max_span_s,
            0.0,
            10.0,
        ),
        (
            "burst.possible_echo.speed_of_sound_m_s",
            p.burst.possible_echo.speed_of_sound_m_s,
            200.0,
            500.0,
        ),
        // The arrival reads a window about each event in two channels, searched over every
        // lag up to `max_lag_s`: both bounded so that it stays a read of milliseconds.
        ("measure.arrival.lead_s", p.measure.arrival.lead_s, 0.0, 0.1),
        (
            "measure.arrival.window_s",
            p.measure.arrival.window_s,
            0.001,
            1.0,
        ),
        (
            "measure.arrival.max_lag_s",
            p.measure.arrival.max_lag_s,
            0.0,
            0.01,
        ),
        (
            "measure.arrival.max_band_disagreement_s",
            p.measure.arrival.max_band_disagreement_s,
            0.0,
            0.01,
        ),
        (
            "measure.arrival.same_direction_s",
            p.measure.arrival.same_direction_s,
            0.0,
            0.01,
        ),
        (
            "measure.arrival.min_peak",
            p.measure.arrival.min_peak,
            0.0,
            1.0,
        ),
        (
            "measure.arrival.speed_of_sound_m_s",
            p.measure.arrival.speed_of_sound_m_s,
            200.0,
            500.0,
        ),
        (
            "measure.arrival.min_kbps_per_channel",
            p.measure.arrival.min_kbps_per_channel,
            0.0,
            10_000.0,
        ),
    ];
    for (name, v, lo, hi) in bounds {
        if !(lo..=hi).contains(&v) {
            return Err(format!("`{name}` must be from {lo} to {hi}, not {v}"));
        }
    }
    if let Some(c) = &p.detect.cracks {
        let t = c.air_temperature_c;
        if !(-60.0..=60.0).contains(&t) {
            return Err(format!(
                "`detect.cracks.air_temperature_c` must be from -60 to 60 °C, not {t}"
            ));
        }
        let sound = c.speed_of_sound_m_s();
        let [slow, fast] = c.bullet_speed_m_s;
        if !(slow > sound && slow <= fast && fast <= 3000.0) {
            return Err(format!(
                "`detect.cracks.bullet_speed_m_s` must be [slowest, fastest], both faster than \
                 sound ({sound:.0} m/s at {t} °C) and at most 3000 m/s, not [{slow}, {fast}]"
            ));
        }
    }
    Ok(())
}

/// The name-based checks of [`check`], over every number in `v` (array elements included).
fn walk(v: &Value, at: &str) -> Result<(), String> {
    match v {
        Value::Object(o) => o.iter().try_for_each(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            walk(v, &path)
        }),
        Value::Array(a) => a.iter().try_for_each(|v| walk(v, at)),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let name = at.rsplit('.').next().unwrap_or(at);
            let (ok, what) = if name.ends_with("_s") && name != "offset_s" {
                (
                    (0.0..=MAX_DURATION_S).contains(&x),
                    format!("a duration from 0 to {MAX_DURATION_S} s"),
                )
            } else if name.ends_with("_hz") {
                (x > 0.0 && x <= 1e6, "a frequency above 0 Hz".to_string())
            } else if name == "threshold"
                || name == "release"
                || name == "min_probability"
                || name.ends_with("_score")
                || name.ends_with("_fraction")
                || name.ends_with("_share")
            {
                ((0.0..=1.0).contains(&x), "from 0 to 1".to_string())
            } else {
                (x.is_finite(), "a finite number".to_string())
            };
            if ok {
                Ok(())
            } else {
                Err(format!("`{at}` must be {what}, not {x}"))
            }
        }
        _ => Ok(()),
    }
}

/// Lays `patch` over `base` key by key; objects are merged, anything else replaced. A key that
/// `base` lacks is an error, with its dotted path.
fn overlay(base: &mut Value, patch: Value, at: &str) -> Result<(), String> {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                let slot = b
                    .get_mut(&k)
                    .ok_or_else(|| format!("no parameter `{path}`"))?;
                overlay(slot, v, &path)?;
            }
            Ok(())
        }
        (b, p) => {
            *b = p;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_partial_object_changes_only_what_it_names() {
        let p = from_value(json!({"detect": {"score": {"threshold": 0.3}}})).unwrap();
        let mut want = AnalyzeParams::default();
        want.detect.score.threshold = 0.3;
        assert_eq!(p, want);
    }

    #[test]
    fn a_reports_params_are_read_back_whole() {
        let mut p = AnalyzeParams::default();
        p.classify.gunshot_min_score = 0.7;
        p.detect.flicker = None;
        let report = json!({"schema_version": "x", "params": serde_json::to_value(&p).unwrap()});
        assert_eq!(from_value(report).unwrap(), p);
    }

    #[test]
    fn the_defaults_pass_the_checks_and_absurd_values_are_named() {
        check(&AnalyzeParams::default()).unwrap();
        for (patch, name) in [
            (
                json!({"detect": {"stft": {"window_s": 100.0}}}),
                "detect.stft.window_s",
            ),
            (
                json!({"detect": {"stft": {"hop_s": 0.0}}}),
                "detect.stft.hop_s",
            ),
            (json!({"measure": {"body_s": -0.1}}), "measure.body_s"),
            (
                json!({"measure": {"profile_tail_s": [0.12, 1e9]}}),
                "measure.profile_tail_s",
            ),
            (
                json!({"detect": {"odf": {"fmin_hz": 0.0}}}),
                "detect.odf.fmin_hz",
            ),
            (
                json!({"detect": {"cracks": {"bullet_speed_m_s": [300.0, 900.0]}}}),
                "detect.cracks.bullet_speed_m_s",
            ),
            (
                json!({"detect": {"cracks": {"air_temperature_c": 500.0}}}),
                "detect.cracks.air_temperature_c",
            ),
            (
                json!({"detect": {"score": {"threshold": 2.0}}}),
                "detect.score.threshold",
            ),
            (
                json!({"decode": {"block_frames": 0}}),
                "decode.block_frames",
            ),
            (
                json!({"burst": {"flutter": {"max_subdivision": 1_000_000_000}}}),
                "burst.flutter.max_subdivision",
            ),
            (
                json!({"burst": {"flutter": {"max_span_s": 3000.0}}}),
                "burst.flutter.max_span_s",
            ),
            (
                json!({"burst": {"possible_echo": {"max_delay_s": 3000.0}}}),
                "burst.possible_echo.max_delay_s",
            ),
            (
                json!({"burst": {"possible_echo": {"same_delay_tolerance_s": 1.0}}}),
                "burst.possible_echo.same_delay_tolerance_s",
            ),
            (
                json!({"measure": {"arrival": {"window_s": 3000.0}}}),
                "measure.arrival.window_s",
            ),
            (
                json!({"measure": {"arrival": {"max_lag_s": 1.0}}}),
                "measure.arrival.max_lag_s",
            ),
            (
                json!({"burst": {"possible_echo": {"speed_of_sound_m_s": 0.0}}}),
                "burst.possible_echo.speed_of_sound_m_s",
            ),
        ] {
            let p = from_value(patch).unwrap();
            let e = check(&p).unwrap_err();
            assert!(e.contains(&format!("`{name}`")), "{e}");
        }
        // Reports written before the flutter search read as without it.
        let mut old = serde_json::to_value(AnalyzeParams::default()).unwrap();
        old["burst"].as_object_mut().unwrap().remove("flutter");
        assert!(!from_value(old).unwrap().burst.flutter.enabled);
        // ...and before the echo doubt, without it.
        let mut old = serde_json::to_value(AnalyzeParams::default()).unwrap();
        old["burst"]
            .as_object_mut()
            .unwrap()
            .remove("possible_echo");
        assert!(!from_value(old).unwrap().burst.possible_echo.enabled);
        // ...and before the arrival, without it.
        let mut old = serde_json::to_value(AnalyzeParams::default()).unwrap();
        old["measure"].as_object_mut().unwrap().remove("arrival");
        assert!(!from_value(old).unwrap().measure.arrival.enabled);
        // A transcript may be early: its offset is the one duration that can be negative.
        let p = from_value(json!({"transcript": {"offset_s": -8.0}})).unwrap();
        check(&p).unwrap();
    }

    #[test]
    fn a_misspelt_or_mistyped_parameter_is_named() {
        let e = from_value(json!({"detect": {"score": {"treshold": 0.3}}})).unwrap_err();
        assert!(e.contains("detect.score.treshold"), "{e}");
        let e = from_value(json!({"detect": {"score": {"threshold": "low"}}})).unwrap_err();
        assert!(e.starts_with("invalid parameters"), "{e}");
        assert!(from_value(json!([1, 2])).is_err());
        assert!(from_value(json!({"schema_version": "x"})).is_err());
    }
}
