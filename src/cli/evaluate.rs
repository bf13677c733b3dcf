//! Prints an evaluation as text (score.py's layout) or JSON.

use std::fmt::Write as _;

use super::EvaluateArgs;
use crate::evaluate::{self, Evaluation, GroupRecall, GroupScore, Prf};

pub(super) fn run(args: &EvaluateArgs) -> i32 {
    if !(args.collar_ms.is_finite() && args.collar_ms >= 0.0) {
        eprintln!("earwitness: --collar-ms must be a non-negative number of milliseconds");
        return 2;
    }
    match evaluate::evaluate_dirs(&args.labels, &args.pred, args.collar_ms / 1000.0) {
        Ok(e) => {
            if args.json {
                match serde_json::to_string_pretty(&e) {
                    Ok(s) => println!("{s}"),
                    Err(err) => {
                        eprintln!("earwitness: {err}");
                        return 2;
                    }
                }
            } else {
                print!("{}", render(&e));
            }
            0
        }
        Err(e) => {
            eprintln!("earwitness: {e}");
            e.exit_code()
        }
    }
}

fn f(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
}

fn f1(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.1}"))
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{:.1} %", 100.0 * v))
}

fn prf(p: &Prf) -> String {
    format!(
        "P={} R={} F1={}  (TP={} FP={} FN={})",
        f(p.precision),
        f(p.recall),
        f(p.f1),
        p.tp,
        p.fp,
        p.fn_
    )
}

fn recall(g: &GroupRecall) -> String {
    let r = (g.events > 0).then(|| g.detected as f64 / g.events as f64);
    let called = (g.detected > 0).then(|| g.called_gunshot as f64 / g.detected as f64);
    format!(
        "events={:>4} R(a)={} called gunshot (of detected)={}",
        g.events,
        f(r),
        f(called)
    )
}

fn group(g: &GroupScore) -> String {
    let (a, b) = (&g.detection, &g.gunshot);
    format!(
        "{:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        g.clips,
        f(a.precision),
        f(a.recall),
        f(a.f1),
        f(b.precision),
        f(b.recall),
        f(b.f1)
    )
}

/// The text form of an evaluation.
pub fn render(e: &Evaluation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "clips={} minutes={:.1} collar=±{:.0} ms",
        e.clips,
        e.minutes,
        e.collar_s * 1000.0
    );
    let _ = writeln!(s, "(a) impulsive events  {}", prf(&e.detection));
    let _ = writeln!(s, "(b) gunshots          {}", prf(&e.gunshot));
    let t = &e.detection_timing;
    let _ = writeln!(
        s,
        "(c) onset error (a)   median={} ms  p95={} ms  median signed={} ms  (n={})",
        f1(t.median_ms),
        f1(t.p95_ms),
        f1(t.median_signed_ms),
        t.n
    );
    for (name, t) in &e.detection_timing_by_clearance {
        let _ = writeln!(
            s,
            "    onset error (a), {name:<9}  median={} ms  p95={} ms  >{:.0} ms late {}  early {}  (n={})",
            f1(t.median_ms),
            f1(t.p95_ms),
            evaluate::LATE_MS,
            pct(t.late_share),
            pct(t.early_share),
            t.n
        );
    }
    let g = &e.gunshot_timing;
    let _ = writeln!(
        s,
        "    onset error (b)   median={} ms  p95={} ms  (n={})",
        f1(g.median_ms),
        f1(g.p95_ms),
        g.n
    );
    let _ = writeln!(
        s,
        "(d) false gunshots/min on no-gunshot clips = {}  (all detections/min there = {})",
        f(e.false_gunshots_per_min).replace(".000", ".00"),
        f(e.detections_per_min_no_gunshot)
    );
    for (name, groups) in [("codec", &e.by_codec), ("effect", &e.by_effect)] {
        let _ = writeln!(s, "-- by {name}");
        let _ = writeln!(
            s,
            "   {:16} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
            "", "clips", "P(a)", "R(a)", "F1(a)", "P(b)", "R(b)", "F1(b)"
        );
        for (k, v) in groups {
            let _ = writeln!(s, "   {k:<16} {}", group(v));
        }
    }
    let _ = writeln!(s, "-- by labelled class (recall)");
    for (k, v) in &e.by_class {
        let _ = writeln!(s, "   {k:<16} {}", recall(v));
    }
    let _ = writeln!(s, "-- by EBR band (recall)");
    for (_, _, k) in evaluate::EBR_BANDS {
        if let Some(v) = e.by_ebr_band.get(k) {
            let r = (v.gunshots > 0).then(|| v.gunshots_found as f64 / v.gunshots as f64);
            let _ = writeln!(
                s,
                "   {k:<16} {} gunshots={:>4} R(b)={}",
                recall(v),
                v.gunshots,
                f(r)
            );
        }
    }
    if !e.missing_predictions.is_empty() {
        let _ = writeln!(
            s,
            "missing predictions (scored as no detections): {}",
            e.missing_predictions.join(", ")
        );
    }
    s
}
