//! `analyze`: runs the pipeline on one clip, writes `events.json` atomically and prints a
//! short table.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::AnalyzeArgs;
use crate::model::Analysis;
use crate::pipeline::{self, AnalyzeParams};
use crate::report::plot::clock;
use crate::report::{self, atomic};

pub(super) fn run(args: &AnalyzeArgs) -> i32 {
    let dir = args.output.clone().unwrap_or_else(|| {
        let stem = args
            .clip
            .file_stem()
            .map_or("clip".into(), |s| s.to_string_lossy().to_string());
        PathBuf::from("reports").join(stem)
    });
    // Fail on an unwritable output before the analysis, not after it.
    if let Err(e) = atomic::output_dir(&dir) {
        eprintln!("earwitness: {e}");
        return e.exit_code();
    }
    if let Some(o) = args.transcript_offset.filter(|o| !o.is_finite()) {
        eprintln!("earwitness: --transcript-offset must be a number of seconds, not {o}");
        return 2;
    }
    let mut params: AnalyzeParams = match args.thresholds.params(&args.decode) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("earwitness: {e}");
            return 2;
        }
    };
    let t = &mut params.transcript;
    t.format = args.transcript_format.or(t.format);
    t.offset_s = args.transcript_offset.or(t.offset_s);
    t.sync = args.sync.unwrap_or(t.sync);
    t.sync_speed |= args.sync_speed;
    let formats: Vec<report::Format> = if args.formats.is_empty() {
        report::Format::ALL.to_vec()
    } else {
        args.formats.clone()
    };
    let result = super::guarded(&args.clip, || {
        // One clip: a spare core computes the speech track while the events are found.
        let spare = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
        let run = pipeline::run_speculating(
            &args.clip,
            args.transcript.as_deref(),
            &params,
            report::overview_columns(&formats),
            spare,
        )?;
        let written = report::write_all(&dir, &run, &formats)?;
        Ok((run.analysis, written))
    });
    match result {
        Ok((analysis, written)) => {
            for w in &analysis.warnings {
                eprintln!("earwitness: {}: warning: {w}", args.clip.display());
            }
            print!("{}", render_table(&analysis));
            let shown: Vec<String> = written
                .iter()
                .filter(|p| p.parent() == Some(dir.as_path()))
                .map(|p| {
                    p.file_name()
                        .map_or(String::new(), |n| n.to_string_lossy().to_string())
                })
                .collect();
            let closeups = written.len() - shown.len();
            println!(
                "wrote {} in {}{}",
                shown.join(", "),
                dir.display(),
                if closeups > 0 {
                    format!(" (and {closeups} close-ups in closeups/)")
                } else {
                    String::new()
                }
            );
            0
        }
        Err(e) => {
            eprintln!("earwitness: {e}");
            e.exit_code()
        }
    }
}

/// The terminal table of an analysis.
pub fn render_table(a: &Analysis) -> String {
    let mut s = String::new();
    let shots = a.events.iter().filter(|e| e.class == "gunshot").count();
    let doubted = a
        .events
        .iter()
        .filter(|e| e.class == "gunshot" && e.possible_echo.is_some())
        .count();
    let _ = writeln!(
        s,
        "{}: {:.3} s, {} events, {} gunshot-like{}, {} bursts",
        a.input.path,
        a.audio.duration_s,
        a.events.len(),
        shots,
        match doubted {
            0 => String::new(),
            1 => " (1 may be an echo)".to_string(),
            n => format!(" ({n} may be echoes)"),
        },
        a.bursts.len()
    );
    if let Some(t) = &a.transcript {
        let source = match t.offset_source {
            crate::model::OffsetSource::None => "as given".to_string(),
            crate::model::OffsetSource::Manual => format!("offset {:+.3} s (manual)", t.offset_s),
            crate::model::OffsetSource::Auto => format!(
                "offset {:+.3} s (auto, confidence {:.2})",
                t.offset_s,
                t.sync_confidence.unwrap_or(0.0)
            ),
        };
        let _ = writeln!(
            s,
            "transcript {} ({}, {} cues), clock {}",
            t.path,
            t.format.name(),
            t.cues.len(),
            source
        );
    }
    let _ = writeln!(
        s,
        "{:>3}  {:>9}  {:<10} {:>5}  {:>6}  reasons",
        "id", "time", "class", "score", "dBFS"
    );
    // An onset that may be late is marked, and the mark explained once below the table.
    let refine = &a.params.detect.refine;
    let late = |e: &crate::model::Event| e.onset_may_be_late(refine);
    for e in &a.events {
        let _ = writeln!(
            s,
            "{:>3}  {:>9}{} {:<10} {:>5.2}  {:>6.1}  {}",
            e.id,
            clock(e.onset_s),
            if late(e) { '*' } else { ' ' },
            e.class,
            e.gunshot_score,
            e.peak_dbfs,
            e.reasons.join("; ")
        );
        if let Some(phrase) = e.context_phrase() {
            let _ = writeln!(s, "{:>16}{}", "", phrase);
        }
    }
    if a.events.iter().any(late) {
        let _ = writeln!(s, "{}", crate::model::late_onset_note(refine));
    }
    if !a.set_aside.is_empty() {
        let _ = writeln!(
            s,
            "set aside as word onsets (voice-coloured, where words are spoken): {}",
            a.set_aside
                .iter()
                .map(|x| clock(x.onset_s))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for b in &a.bursts {
        let _ = writeln!(
            s,
            "burst {}: {} shots {}-{}, mean interval {:.3} s ({:.0} rounds/min){}{}",
            b.id,
            b.count,
            clock(b.first_s),
            clock(b.last_s),
            b.mean_interval_s,
            b.rounds_per_minute,
            echo_doubt(b.possible_echoes),
            b.arrivals
                .as_ref()
                .map_or_else(String::new, crate::features::arrival::burst_phrase)
        );
    }
    s
}

/// The burst line's note on its events that may be echoes (`Burst::possible_echoes`).
fn echo_doubt(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 of them may be an echo of an earlier one".into(),
        n => format!("; {n} of them may be echoes of earlier ones"),
    }
}
