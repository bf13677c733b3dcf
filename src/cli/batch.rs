//! `batch`: many clips into one folder, progress on standard error (a bar on a terminal, a
//! line per clip otherwise), and the summaries. Exit code 0 when every clip was analysed, 1
//! when some could not be (their rows say why), 2 when the batch itself could not run (bad
//! arguments, unwritable output).

use std::path::Path;

use super::BatchArgs;
use crate::batch::{self, BatchParams};
use crate::error::Error;
use crate::report::{self, atomic};

fn parse_shard(s: &str) -> Option<(usize, usize)> {
    let (k, n) = s.split_once('/')?;
    let (k, n) = (k.trim().parse().ok()?, n.trim().parse().ok()?);
    (n >= 1 && (1..=n).contains(&k)).then_some((k, n))
}

fn fail(e: &Error) -> i32 {
    eprintln!("earwitness: {e}");
    2
}

pub(super) fn run(args: &BatchArgs) -> i32 {
    if args.inputs.is_empty() && args.manifest.is_empty() {
        eprintln!("earwitness: batch needs at least one INPUT or --manifest");
        return 2;
    }
    let shard = match args.shard.as_deref().map(parse_shard) {
        Some(None) => {
            eprintln!("earwitness: --shard must be K/N with 1 <= K <= N, e.g. 2/8");
            return 2;
        }
        Some(Some(s)) => Some(s),
        None => None,
    };
    let out = &args.output;
    if let Err(e) = atomic::output_dir(out) {
        return fail(&e);
    }
    let inputs = match batch::gather(&args.inputs, &args.manifest) {
        Ok(i) => i,
        Err(e) => return fail(&e),
    };
    if inputs.clips.is_empty() {
        eprintln!("earwitness: warning: the inputs hold no clips");
    }
    let clips = match shard {
        Some((k, n)) => batch::shard(inputs.clips, k, n),
        None => inputs.clips,
    };
    let mut analyze = match args.thresholds.params(&args.decode) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("earwitness: {e}");
            return 2;
        }
    };
    analyze.transcript.sync = args.sync.unwrap_or(analyze.transcript.sync);
    analyze.transcript.sync_speed |= args.sync_speed;
    let params = BatchParams {
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1),
        resume: args.resume,
        sidecar_transcripts: !args.no_transcripts,
        formats: if args.formats.is_empty() {
            report::Format::ALL.to_vec()
        } else {
            args.formats.clone()
        },
        analyze,
    };
    if !inputs.ignored.is_empty() {
        eprintln!(
            "earwitness: {} file(s) in the folders are not media and were skipped, e.g. {}",
            inputs.ignored.len(),
            inputs.ignored[0].display()
        );
    }
    let started = std::time::Instant::now();
    // A bar on a terminal; plain lines otherwise (logs of cluster jobs, pipes).
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let pb = indicatif::ProgressBar::new(clips.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} clips  {per_sec}  ETA {eta}  {wide_msg}",
        ) {
            pb.set_style(style);
        }
        pb
    });
    let progress = |done: usize, total: usize, r: &batch::Row| {
        let what = match r.status.as_str() {
            "error" => format!(
                "error{}: {}",
                r.duplicate_of.as_ref().map_or(String::new(), |d| format!(
                    " (the same content as {d}, which failed)"
                )),
                r.error.clone().unwrap_or_default()
            ),
            s => format!(
                "{}{s}, {} events, {} gunshot-like",
                if r.resumed { "resumed: " } else { "" },
                r.events.unwrap_or(0),
                r.gunshot_like.unwrap_or(0)
            ),
        };
        if let Some(pb) = &bar {
            pb.set_position(done as u64);
            pb.set_message(r.path.clone());
            if r.status == "error" {
                pb.println(format!("{}: {what}", r.path));
            }
            return;
        }
        let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
        let eta = (total - done) as f64 / rate.max(1e-9);
        eprintln!(
            "[{done}/{total} {rate:.1} clips/s, ETA {eta:.0} s] {}: {what}",
            r.path
        );
    };
    let rows = batch::run(&clips, out, &params, &progress);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    if let Err(e) = write_summaries(out, &rows, shard) {
        return fail(&e);
    }
    let failed = rows.iter().filter(|r| r.status == "error").count();
    let shots = rows
        .iter()
        .filter(|r| r.gunshot_like.unwrap_or(0) > 0)
        .count();
    println!(
        "{} clips ({} with gunshot-like events, {} failed) in {:.1} s; summary in {}",
        rows.len(),
        shots,
        failed,
        started.elapsed().as_secs_f64(),
        Path::new(out)
            .join(&batch::summary_names(shard)[0])
            .display()
    );
    i32::from(failed > 0)
}

fn write_summaries(
    out: &Path,
    rows: &[batch::Row],
    shard: Option<(usize, usize)>,
) -> crate::Result<()> {
    let [csv, jsonl, index] = batch::summary_names(shard);
    atomic::write(&out.join(csv), batch::summary_csv(rows).as_bytes())?;
    atomic::write(&out.join(jsonl), batch::summary_jsonl(rows).as_bytes())?;
    atomic::write(&out.join(index), batch::index_html(rows).as_bytes())
}

/// `merge`: the summaries of several batch folders (or shards) as one.
pub(super) fn merge(args: &super::MergeArgs) -> i32 {
    if let Err(e) = atomic::output_dir(&args.output) {
        return fail(&e);
    }
    let rows = match batch::merge(&args.dirs, &args.output) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    if let Err(e) = write_summaries(&args.output, &rows, None) {
        return fail(&e);
    }
    let failed = rows.iter().filter(|r| r.status == "error").count();
    println!(
        "{} clips from {} folder(s) ({} failed); summary in {}",
        rows.len(),
        args.dirs.len(),
        failed,
        args.output.join("summary.csv").display()
    );
    i32::from(failed > 0)
}
