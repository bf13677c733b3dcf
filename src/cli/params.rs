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
    from_value(value).map_err(|e| format!("{}: {e}", path.display()))
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
    fn a_misspelt_or_mistyped_parameter_is_named() {
        let e = from_value(json!({"detect": {"score": {"treshold": 0.3}}})).unwrap_err();
        assert!(e.contains("detect.score.treshold"), "{e}");
        let e = from_value(json!({"detect": {"score": {"threshold": "low"}}})).unwrap_err();
        assert!(e.starts_with("invalid parameters"), "{e}");
        assert!(from_value(json!([1, 2])).is_err());
        assert!(from_value(json!({"schema_version": "x"})).is_err());
    }
}
