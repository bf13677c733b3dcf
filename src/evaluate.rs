//! Error rates of a detector against labelled recordings: the figures a forensic lab must
//! state for a method (precision, recall, F1, onset error, false gunshots per minute).
//!
//! The metric is the devset's (`../shared/devset/README.md`, `score.py`): a prediction matches
//! a label within a collar (50 ms, inclusive); matching is one-to-one and greedy by |dt|, ties
//! broken by label order, then prediction order; counts are micro-averaged over clips.
//!
//! # References
//! S. Böck, F. Krebs, M. Schedl, "Evaluating the online capabilities of onset detection
//! methods", ISMIR 2012 (onset evaluation with a tolerance window), as in madmom's
//! `onset_evaluation`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Numerical slack on the collar, as in score.py.
const EPS: f64 = 1e-9;

/// Event-to-background bands (dB) for the recall breakdown, as in score.py.
pub const EBR_BANDS: [(f64, f64, &str); 4] = [
    (f64::NEG_INFINITY, 0.0, "[-6,0)"),
    (0.0, 6.0, "[0,6)"),
    (6.0, 12.0, "[6,12)"),
    (12.0, f64::INFINITY, "[12,20]"),
];

/// One labelled event.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelEvent {
    /// True onset in seconds.
    pub onset_s: f64,
    /// `gunshot`, `explosion` or `impulsive_other`.
    pub class: String,
    /// Event-to-background ratio in dB, when labelled.
    #[serde(default)]
    pub ebr_db: Option<f64>,
}

/// A label file (the devset's format; extra fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Labels {
    /// Clip name.
    pub clip: String,
    /// Audio file name, whose stem names the prediction file.
    #[serde(default)]
    pub file: Option<String>,
    /// Duration in seconds (for per-minute rates).
    pub duration_s: f64,
    /// The events.
    pub events: Vec<LabelEvent>,
    /// How the clip was encoded, for the breakdown by codec ("?" when not labelled).
    #[serde(default)]
    pub codec: Option<String>,
    /// What the recorder did to it (clipping, AGC, ...), for the breakdown by effect; null or
    /// absent is "none" (as score.py reads it).
    #[serde(default)]
    pub effects: Option<Vec<String>>,
}

/// One predicted event: the onset and the class, and, from an earwitness report, the onset's
/// clearance.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PredEvent {
    /// Predicted onset in seconds.
    pub onset_s: f64,
    /// Predicted class.
    #[serde(default)]
    pub class: Option<String>,
    /// An earwitness report's measurements (only the onset's clearance is read).
    #[serde(default)]
    pub features: Option<PredFeatures>,
    /// Whether the onset was timed at its defining level (its clearance at or above the
    /// report's `RefineParams::clear_db`); none for predictions that do not say.
    #[serde(skip)]
    pub onset_clear: Option<bool>,
}

/// What is read of an earwitness report's `features`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PredFeatures {
    /// `features.onset_clearance_db` (`detect::refine::clearance_db`).
    #[serde(default)]
    pub onset_clearance_db: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct PredFile {
    #[serde(default)]
    events: Vec<PredEvent>,
    /// An earwitness report's parameters, of which `detect.refine.noise_factor` says from
    /// what clearance an onset is timed at its defining level (read leniently: another tool's
    /// `params` are no error).
    #[serde(default)]
    params: Option<serde_json::Value>,
}

/// The clearance (dB) from which a report's onsets are timed at their defining level
/// (`RefineParams::clear_db`), from its `params`; none when they do not say.
fn clear_db(params: &serde_json::Value) -> Option<f64> {
    let noise_factor = params.pointer("/detect/refine/noise_factor")?.as_f64()?;
    let refine = crate::detect::refine::RefineParams {
        noise_factor: noise_factor as f32,
        ..Default::default()
    };
    (noise_factor > 0.0).then(|| refine.clear_db())
}

/// Greedy one-to-one matching by |dt| within `collar_s`: `(label, prediction, pred - label)`
/// sorted by label index.
pub fn match_events(labels: &[f64], preds: &[f64], collar_s: f64) -> Vec<(usize, usize, f64)> {
    let mut pairs: Vec<(f64, usize, usize, f64)> = Vec::new();
    for (i, r) in labels.iter().enumerate() {
        for (j, p) in preds.iter().enumerate() {
            let d = p - r;
            if d.abs() <= collar_s + EPS {
                pairs.push((d.abs(), i, j, d));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_l, mut used_p) = (vec![false; labels.len()], vec![false; preds.len()]);
    let mut out = Vec::new();
    for (_, i, j, d) in pairs {
        if !used_l[i] && !used_p[j] {
            used_l[i] = true;
            used_p[j] = true;
            out.push((i, j, d));
        }
    }
    out.sort_by_key(|m| m.0);
    out
}

/// Precision, recall and F1 from counts (`None` when undefined, 0/0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub fn_: usize,
    /// TP / (TP + FP).
    pub precision: Option<f64>,
    /// TP / (TP + FN).
    pub recall: Option<f64>,
    /// 2TP / (2TP + FP + FN).
    pub f1: Option<f64>,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Prf {
    fn new(tp: usize, fp: usize, fn_: usize) -> Self {
        Prf {
            tp,
            fp,
            fn_,
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, tp + fn_),
            f1: ratio(2 * tp, 2 * tp + fp + fn_),
        }
    }
}

/// Linear-interpolation percentile (numpy's default).
pub fn percentile(xs: &[f64], q: f64) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let k = (s.len() - 1) as f64 * q / 100.0;
    let f = k.floor() as usize;
    let c = (f + 1).min(s.len() - 1);
    Some(s[f] + (s[c] - s[f]) * (k - f as f64))
}

/// Onset error statistics over matched pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timing {
    /// Matched pairs.
    pub n: usize,
    /// Median |error| in ms.
    pub median_ms: Option<f64>,
    /// 95th percentile of |error| in ms.
    pub p95_ms: Option<f64>,
    /// Median signed error (pred - label) in ms.
    pub median_signed_ms: Option<f64>,
    /// Share of the pairs whose prediction is more than [`LATE_MS`] late.
    pub late_share: Option<f64>,
    /// Share of the pairs whose prediction is more than [`LATE_MS`] early.
    pub early_share: Option<f64>,
}

/// An onset more than this many ms off is counted late or early in [`Timing`] (the devset's
/// goal for the 95th percentile of the onset error).
pub const LATE_MS: f64 = 5.0;

fn timing(dts: &[f64]) -> Timing {
    let abs: Vec<f64> = dts.iter().map(|d| 1000.0 * d.abs()).collect();
    let signed: Vec<f64> = dts.iter().map(|d| 1000.0 * d).collect();
    let share =
        |f: &dyn Fn(f64) -> bool| ratio(signed.iter().filter(|&&d| f(d)).count(), signed.len());
    Timing {
        n: dts.len(),
        median_ms: percentile(&abs, 50.0),
        p95_ms: percentile(&abs, 95.0),
        median_signed_ms: percentile(&signed, 50.0),
        late_share: share(&|d| d > LATE_MS),
        early_share: share(&|d| d < -LATE_MS),
    }
}

/// Recall within one group of labelled events.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupRecall {
    /// Labelled events in the group.
    pub events: usize,
    /// Of them, detected (any class).
    pub detected: usize,
    /// Of the detected, called `gunshot`.
    pub called_gunshot: usize,
    /// Labelled gunshots in the group.
    pub gunshots: usize,
    /// Of them, matched by a prediction called `gunshot` ((b)'s matching).
    pub gunshots_found: usize,
}

/// Both figures over the clips of one group (a codec, an effect).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupScore {
    /// Clips in the group.
    pub clips: usize,
    /// (a) every event.
    pub detection: Prf,
    /// (b) gunshots.
    pub gunshot: Prf,
}

/// The evaluation of a set of clips.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Collar in seconds.
    pub collar_s: f64,
    /// Clips scored.
    pub clips: usize,
    /// Their total duration in minutes.
    pub minutes: f64,
    /// Clips with no prediction file (scored as no detections).
    pub missing_predictions: Vec<String>,
    /// (a) every event, whatever its class.
    pub detection: Prf,
    /// Onset error over (a)'s matches.
    pub detection_timing: Timing,
    /// The same apart for the onsets an earwitness report timed at their defining level
    /// (`clear`, `features.onset_clearance_db` at or above `RefineParams::clear_db`) and the
    /// others (`not clear`): empty for predictions that do not say.
    pub detection_timing_by_clearance: BTreeMap<String, Timing>,
    /// (b) gunshots.
    pub gunshot: Prf,
    /// Onset error over (b)'s matches.
    pub gunshot_timing: Timing,
    /// (d) predicted gunshots per minute on clips with no labelled gunshot.
    pub false_gunshots_per_min: Option<f64>,
    /// All predictions per minute on those clips.
    pub detections_per_min_no_gunshot: Option<f64>,
    /// Recall per labelled class.
    pub by_class: BTreeMap<String, GroupRecall>,
    /// Recall per EBR band.
    pub by_ebr_band: BTreeMap<String, GroupRecall>,
    /// P/R/F1 per codec of the labelled clips.
    pub by_codec: BTreeMap<String, GroupScore>,
    /// P/R/F1 per recorder effect ("none", or the effects joined by "+").
    pub by_effect: BTreeMap<String, GroupScore>,
}

fn is_gunshot(class: Option<&str>) -> bool {
    class.is_some_and(|c| c.trim().eq_ignore_ascii_case("gunshot"))
}

/// Scores `preds` (per clip, in `labels` order) against `labels`.
pub fn evaluate(labels: &[Labels], preds: &[Option<Vec<PredEvent>>], collar_s: f64) -> Evaluation {
    let mut ev = Evaluation {
        collar_s,
        ..Default::default()
    };
    let (mut a, mut b) = ([0usize; 3], [0usize; 3]);
    let (mut dt_a, mut dt_b) = (Vec::new(), Vec::new());
    let mut dt_clearance: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let (mut nog_min, mut nog_g, mut nog_all) = (0.0, 0usize, 0usize);
    type Counts = (usize, [usize; 3], [usize; 3]);
    let (mut by_codec, mut by_effect): (BTreeMap<String, Counts>, BTreeMap<String, Counts>) =
        Default::default();
    for (l, p) in labels.iter().zip(preds) {
        if p.is_none() {
            ev.missing_predictions.push(l.clip.clone());
        }
        let p: &[PredEvent] = p.as_deref().unwrap_or_default();
        ev.clips += 1;
        ev.minutes += l.duration_s / 60.0;
        let rt: Vec<f64> = l.events.iter().map(|e| e.onset_s).collect();
        let pt: Vec<f64> = p.iter().map(|e| e.onset_s).collect();
        let ma = match_events(&rt, &pt, collar_s);
        let g_ref: Vec<usize> = (0..l.events.len())
            .filter(|&i| l.events[i].class == "gunshot")
            .collect();
        let g_pred: Vec<usize> = (0..p.len())
            .filter(|&j| is_gunshot(p[j].class.as_deref()))
            .collect();
        let mb = match_events(
            &g_ref.iter().map(|&i| rt[i]).collect::<Vec<_>>(),
            &g_pred.iter().map(|&j| pt[j]).collect::<Vec<_>>(),
            collar_s,
        );
        let ca = [ma.len(), p.len() - ma.len(), l.events.len() - ma.len()];
        let cb = [mb.len(), g_pred.len() - mb.len(), g_ref.len() - mb.len()];
        let effect = match l.effects.as_deref() {
            None | Some([]) => "none".to_string(),
            Some(e) => e.join("+"),
        };
        let codec = l.codec.clone().unwrap_or_else(|| "?".into());
        for (groups, key) in [(&mut by_codec, codec), (&mut by_effect, effect)] {
            let g = groups.entry(key).or_insert((0, [0; 3], [0; 3]));
            g.0 += 1;
            for k in 0..3 {
                g.1[k] += ca[k];
                g.2[k] += cb[k];
            }
        }
        for k in 0..3 {
            a[k] += ca[k];
            b[k] += cb[k];
        }
        let found_b: std::collections::BTreeSet<usize> =
            mb.iter().map(|&(i, _, _)| g_ref[i]).collect();
        dt_a.extend(ma.iter().map(|m| m.2));
        for &(_, j, d) in &ma {
            if let Some(clear) = p[j].onset_clear {
                let key = if clear { "clear" } else { "not clear" };
                dt_clearance.entry(key.into()).or_default().push(d);
            }
        }
        dt_b.extend(mb.iter().map(|m| m.2));
        let hit: BTreeMap<usize, usize> = ma.iter().map(|&(i, j, _)| (i, j)).collect();
        for (i, e) in l.events.iter().enumerate() {
            let ebr = e.ebr_db.unwrap_or(0.0);
            let band = EBR_BANDS
                .iter()
                .find(|(lo, hi, _)| *lo <= ebr && ebr < *hi)
                .map_or("[12,20]", |b| b.2);
            for g in [
                ev.by_class.entry(e.class.clone()).or_default(),
                ev.by_ebr_band.entry(band.into()).or_default(),
            ] {
                g.events += 1;
                if let Some(&j) = hit.get(&i) {
                    g.detected += 1;
                    g.called_gunshot += usize::from(is_gunshot(p[j].class.as_deref()));
                }
                if e.class == "gunshot" {
                    g.gunshots += 1;
                    g.gunshots_found += usize::from(found_b.contains(&i));
                }
            }
        }
        if g_ref.is_empty() {
            nog_min += l.duration_s / 60.0;
            nog_g += g_pred.len();
            nog_all += p.len();
        }
    }
    ev.detection = Prf::new(a[0], a[1], a[2]);
    ev.gunshot = Prf::new(b[0], b[1], b[2]);
    ev.detection_timing = timing(&dt_a);
    ev.detection_timing_by_clearance = dt_clearance
        .into_iter()
        .map(|(k, dts)| (k, timing(&dts)))
        .collect();
    ev.gunshot_timing = timing(&dt_b);
    ev.false_gunshots_per_min = (nog_min > 0.0).then(|| nog_g as f64 / nog_min);
    ev.detections_per_min_no_gunshot = (nog_min > 0.0).then(|| nog_all as f64 / nog_min);
    let scores = |m: BTreeMap<String, Counts>| {
        m.into_iter()
            .map(|(k, (clips, a, b))| {
                let g = GroupScore {
                    clips,
                    detection: Prf::new(a[0], a[1], a[2]),
                    gunshot: Prf::new(b[0], b[1], b[2]),
                };
                (k, g)
            })
            .collect()
    };
    ev.by_codec = scores(by_codec);
    ev.by_effect = scores(by_effect);
    ev
}

/// Reads every label file in `labels_dir` and the matching prediction in `pred_dir`
/// (`<stem>.json`, or `<stem>/events.json` as `analyze` writes), then evaluates.
///
/// # Errors
/// Unreadable directories or files, and malformed JSON, naming the file.
pub fn evaluate_dirs(labels_dir: &Path, pred_dir: &Path, collar_s: f64) -> Result<Evaluation> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(labels_dir)
        .map_err(|e| Error::read(labels_dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut labels = Vec::new();
    for p in &paths {
        let text = std::fs::read_to_string(p).map_err(|e| Error::read(p, &e))?;
        // Files without "clip" and "events" are not label files (score.py skips them too).
        if let Ok(l) = serde_json::from_str::<Labels>(&text) {
            labels.push(l);
        }
    }
    if labels.is_empty() {
        return Err(Error::media(
            labels_dir,
            "no label files (JSON with \"clip\" and \"events\") found",
        ));
    }
    let mut preds = Vec::with_capacity(labels.len());
    for l in &labels {
        let name = l
            .file
            .as_deref()
            .map_or(l.clip.as_str(), |f| f.rsplit('/').next().unwrap_or(f));
        let stem = Path::new(name)
            .file_stem()
            .map_or(name.to_string(), |s| s.to_string_lossy().to_string());
        let candidates = [
            pred_dir.join(format!("{stem}.json")),
            pred_dir.join(&stem).join("events.json"),
        ];
        let found = candidates.iter().find(|c| c.is_file());
        preds.push(match found {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, &e))?;
                let parsed: PredFile = serde_json::from_str(&text)
                    .map_err(|e| Error::media(path, format!("not a prediction file: {e}")))?;
                if let Some(k) = parsed.events.iter().position(|e| !e.onset_s.is_finite()) {
                    return Err(Error::media(
                        path,
                        format!("events[{k}].onset_s is not a finite number"),
                    ));
                }
                let clear_db = parsed.params.as_ref().and_then(clear_db);
                let mut events = parsed.events;
                for e in &mut events {
                    let db = e.features.as_ref().and_then(|f| f.onset_clearance_db);
                    e.onset_clear = db.zip(clear_db).map(|(db, clear)| db >= clear);
                }
                Some(events)
            }
        });
    }
    Ok(evaluate(&labels, &preds, collar_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_is_greedy_by_distance_and_one_to_one() {
        // Label 0 at 1.00 and label 1 at 1.08; predictions at 1.04 and 1.07.
        // Pairs by |dt|: (1,1,0.01) first, then (0,0,0.04); (1,0,0.04) loses its label.
        let m = match_events(&[1.00, 1.08], &[1.04, 1.07], 0.05);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].0, m[0].1), (0, 0));
        assert_eq!((m[1].0, m[1].1), (1, 1));
        // Collar is inclusive; beyond it nothing matches.
        assert_eq!(match_events(&[1.0], &[1.05], 0.05).len(), 1);
        assert!(match_events(&[1.0], &[1.0501], 0.05).is_empty());
    }

    #[test]
    fn duplicates_inside_the_collar_match_once() {
        let m = match_events(&[2.0], &[2.001, 2.002, 2.003], 0.05);
        assert_eq!(m, vec![(0, 0, 2.001 - 2.0)]);
    }

    #[test]
    fn percentile_interpolates_like_numpy() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.5));
        assert_eq!(percentile(&[10.0], 95.0), Some(10.0));
        assert!((percentile(&[0.0, 1.0, 2.0, 3.0, 4.0], 95.0).unwrap() - 3.8).abs() < 1e-12);
        assert_eq!(percentile(&[], 50.0), None);
    }

    fn label(clip: &str, dur: f64, events: &[(f64, &str)]) -> Labels {
        Labels {
            clip: clip.into(),
            file: None,
            duration_s: dur,
            codec: Some("wav".into()),
            effects: (clip == "b").then(|| vec!["clip".into(), "agc".into()]),
            events: events
                .iter()
                .map(|&(t, c)| LabelEvent {
                    onset_s: t,
                    class: c.into(),
                    ebr_db: Some(3.0),
                })
                .collect(),
        }
    }

    fn pred(events: &[(f64, &str)]) -> Option<Vec<PredEvent>> {
        Some(
            events
                .iter()
                .map(|&(t, c)| PredEvent {
                    onset_s: t,
                    class: Some(c.into()),
                    ..Default::default()
                })
                .collect(),
        )
    }

    #[test]
    fn counts_rates_and_breakdowns() {
        let labels = [
            label(
                "a",
                60.0,
                &[(1.0, "gunshot"), (5.0, "impulsive_other"), (9.0, "gunshot")],
            ),
            label("b", 30.0, &[(2.0, "impulsive_other")]),
        ];
        let preds = [
            pred(&[(1.002, "gunshot"), (5.01, "gunshot"), (20.0, "impulsive")]),
            pred(&[(2.0, "impulsive"), (3.0, "Gunshot")]),
        ];
        let e = evaluate(&labels, &preds, 0.05);
        assert_eq!((e.detection.tp, e.detection.fp, e.detection.fn_), (3, 2, 1));
        assert_eq!((e.gunshot.tp, e.gunshot.fp, e.gunshot.fn_), (1, 2, 1));
        // Clip b has no gunshot: one predicted gunshot in half a minute.
        assert_eq!(e.false_gunshots_per_min, Some(2.0));
        assert_eq!(
            e.by_class["gunshot"],
            GroupRecall {
                events: 2,
                detected: 1,
                called_gunshot: 1,
                gunshots: 2,
                gunshots_found: 1,
            }
        );
        assert_eq!(
            e.by_class["impulsive_other"],
            GroupRecall {
                events: 2,
                detected: 2,
                called_gunshot: 1,
                gunshots: 0,
                gunshots_found: 0,
            }
        );
        // Per codec (both clips) and per effect (one clip each).
        let wav = &e.by_codec["wav"];
        assert_eq!((wav.clips, wav.detection.tp, wav.gunshot.fp), (2, 3, 2));
        let none = &e.by_effect["none"];
        assert_eq!((none.clips, none.detection.fp, none.gunshot.tp), (1, 1, 1));
        let b = &e.by_effect["clip+agc"];
        assert_eq!((b.detection.tp, b.detection.fp, b.gunshot.fp), (1, 1, 1));
        assert_eq!(e.detection_timing.n, 3);
        assert!((e.detection_timing.median_ms.unwrap() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn onsets_are_timed_apart_by_clearance_when_the_report_says() {
        let dir = tempfile::tempdir().unwrap();
        let (labels, preds) = (dir.path().join("labels"), dir.path().join("pred"));
        std::fs::create_dir_all(&labels).unwrap();
        std::fs::create_dir_all(preds.join("a")).unwrap();
        std::fs::write(
            labels.join("a.json"),
            r#"{"clip": "a", "duration_s": 30, "events": [
                {"onset_s": 1.0, "class": "gunshot"}, {"onset_s": 5.0, "class": "gunshot"},
                {"onset_s": 9.0, "class": "impulsive_other"}]}"#,
        )
        .unwrap();
        // An earwitness report: noise_factor 3 puts the line at 9.54 dB. The first onset is
        // clear (12 dB) and exact; the second is not (4 dB) and 20 ms late; the third carries
        // no clearance and is counted in neither.
        let report = r#"{"params": {"detect": {"refine": {"noise_factor": 3.0}}}, "events": [
            {"onset_s": 1.0, "class": "gunshot", "features": {"onset_clearance_db": 12.0}},
            {"onset_s": 5.02, "class": "gunshot", "features": {"onset_clearance_db": 4.0}},
            {"onset_s": 9.001, "class": "impulsive"}]}"#;
        std::fs::write(preds.join("a/events.json"), report).unwrap();
        let e = evaluate_dirs(&labels, &preds, 0.05).unwrap();
        assert_eq!(e.detection.tp, 3);
        let by = &e.detection_timing_by_clearance;
        assert_eq!(by.len(), 2);
        assert_eq!((by["clear"].n, by["clear"].late_share), (1, Some(0.0)));
        assert_eq!(
            (by["not clear"].n, by["not clear"].late_share),
            (1, Some(1.0))
        );
        assert_eq!(e.detection_timing.late_share, Some(1.0 / 3.0));
        // Another tool's predictions (no parameters, or other ones) are scored as before.
        let other = r#"{"params": {"model": "x"}, "events": [{"onset_s": 1.0, "class": "gunshot",
            "features": {"onset_clearance_db": 12.0}}]}"#;
        std::fs::write(preds.join("a/events.json"), other).unwrap();
        let e = evaluate_dirs(&labels, &preds, 0.05).unwrap();
        assert_eq!(e.detection.tp, 1);
        assert!(e.detection_timing_by_clearance.is_empty());
    }

    #[test]
    fn missing_prediction_counts_as_no_detections() {
        let e = evaluate(&[label("a", 60.0, &[(1.0, "gunshot")])], &[None], 0.05);
        assert_eq!(e.missing_predictions, vec!["a".to_string()]);
        assert_eq!((e.detection.tp, e.detection.fn_), (0, 1));
        assert_eq!(e.detection.precision, None);
    }
}
