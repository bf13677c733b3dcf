//! The command line: clap structs for what the user typed, and the thin glue that runs a
//! command and prints its result. Only this module and `main.rs` write to the terminal.

mod analyze;
mod batch;
mod evaluate;
mod params;
mod probe;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::decode::{Backend, DecodeParams};

/// Forensic analysis of the sound in media clips.
#[derive(Debug, Parser)]
#[command(name = "earwitness", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect, time, measure and classify every impulsive event; writes DIR/events.json.
    Analyze(AnalyzeArgs),
    /// Describe files before analysis: size, SHA-256, container, streams, tags, decoder.
    Probe(ProbeArgs),
    /// Write the decoded audio (every channel, float, on the analysis timeline) to a WAV file.
    Decode(DecodeCmdArgs),
    /// Analyse many clips (files, folders, manifests) in parallel into one folder per clip,
    /// with summary.csv, summary.jsonl and index.html; resumable and shardable.
    Batch(BatchArgs),
    /// Combine the summaries of batch folders or shards into one summary and index.
    Merge(MergeArgs),
    /// Error rates of predictions against labelled recordings (precision, recall, F1, onset
    /// error, false gunshots per minute), with the devset's metric.
    Evaluate(EvaluateArgs),
    /// Print the JSON Schema of events.json (every field and parameter, documented).
    Schema,
}

/// `earwitness analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The media file.
    #[arg(value_name = "CLIP")]
    pub clip: PathBuf,
    /// Output folder; the help text is given as a string because rustdoc would read its
    /// `<clip stem>` as an HTML tag.
    #[arg(
        short,
        long,
        value_name = "DIR",
        help = "Output folder (default: reports/<clip stem>/)."
    )]
    pub output: Option<PathBuf>,
    /// A transcript to place the events in (SRT, WebVTT, Whisper JSON, CSV/TSV).
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,
    /// The transcript's format, when detection from its content is not wanted.
    #[arg(long, value_enum, value_name = "FORMAT", requires = "transcript")]
    pub transcript_format: Option<crate::transcript::Format>,
    /// The transcript's clock offset in seconds: transcript_time = audio_time + SECONDS
    /// (a transcript 8 s late has +8).
    #[arg(
        long,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        requires = "transcript"
    )]
    pub transcript_offset: Option<f64>,
    /// `auto`: estimate the transcript's offset from the speech in the audio and apply it when
    /// confident (overrides --transcript-offset then; otherwise that is kept, with a warning);
    /// `none` (the default) trusts the transcript's clock.
    #[arg(long, value_enum, requires = "transcript")]
    pub sync: Option<crate::pipeline::SyncMode>,
    /// With --sync auto, also search 23.976/24/25 fps speed conversions.
    #[arg(long, requires = "transcript")]
    pub sync_speed: bool,
    /// Outputs to write, comma-separated (default: all): json, csv, labels, srt, vtt,
    /// sonic-visualiser, overview, closeups, html.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub formats: Vec<crate::report::Format>,
    #[command(flatten)]
    pub decode: DecodeArgs,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// `earwitness batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Media files and folders (searched recursively; media recognised by content).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// A manifest: one path per line, or a CSV (or TSV) with a `path` column and optional
    /// `transcript`, `audio_stream` and `transcript_offset_s` columns for each clip
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    pub manifest: Vec<PathBuf>,
    /// Output folder: one report folder per clip, plus the summaries.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Clips analysed at once (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Skip clips whose report exists for the same file (SHA-256) and parameters.
    #[arg(long)]
    pub resume: bool,
    /// Take only shard K of N (1-based), a deterministic share by path, for N machines.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Do not use transcripts found next to the clips (clip.srt, clip.vtt, clip.json).
    #[arg(long)]
    pub no_transcripts: bool,
    /// `auto`: estimate each transcript's offset from the speech in its clip and apply it when
    /// confident (as `analyze --sync auto`); `none` (the default) trusts the transcripts' clocks
    /// (plus a manifest's `transcript_offset_s`).
    #[arg(long, value_enum)]
    pub sync: Option<crate::pipeline::SyncMode>,
    /// With --sync auto, also search 23.976/24/25 fps speed conversions.
    #[arg(long)]
    pub sync_speed: bool,
    /// Outputs per clip, comma-separated (default: all; see `analyze --formats`).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub formats: Vec<crate::report::Format>,
    #[command(flatten)]
    pub decode: DecodeArgs,
    #[command(flatten)]
    pub thresholds: ThresholdArgs,
}

/// `earwitness merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Batch output folders (their summary*.jsonl files are read).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged summary.csv, summary.jsonl and index.html.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

/// `earwitness evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Folder of label files (the devset's JSON format).
    #[arg(long, value_name = "DIR")]
    pub labels: PathBuf,
    /// Folder of predictions: `<stem>.json` or `<stem>/events.json` per labelled clip.
    #[arg(long, value_name = "DIR")]
    pub pred: PathBuf,
    /// Largest |predicted - labelled| onset that counts as a match, in milliseconds.
    #[arg(long, default_value_t = 50.0, value_name = "MS")]
    pub collar_ms: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `earwitness decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeCmdArgs {
    /// The media file.
    #[arg(value_name = "CLIP")]
    pub clip: PathBuf,
    /// Output WAV (32-bit float); written atomically.
    #[arg(short, long, value_name = "OUT.wav")]
    pub output: PathBuf,
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// Options shared by every command that decodes.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Decoding backend: auto (the default) tries symphonia, then ffmpeg when built with
    /// `--features ffmpeg`.
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The audio stream to analyse, by its index among all the file's streams (as `earwitness
    /// probe` lists them, and `ffmpeg -map 0:N` counts): for a file with a second microphone, a
    /// commentary or a dubbed track. Default: the first the decoder can read.
    #[arg(long, value_name = "N")]
    pub audio_stream: Option<usize>,
}

impl DecodeArgs {
    /// The validated decoding parameters.
    pub fn params(&self) -> DecodeParams {
        self.apply(DecodeParams::default())
    }

    /// `p` with the backend asked for, if one was.
    pub fn apply(&self, mut p: DecodeParams) -> DecodeParams {
        if let Some(b) = self.backend {
            p.backend = b;
        }
        if let Some(n) = self.audio_stream {
            p.stream = Some(n);
        }
        p
    }
}

/// The decisions an investigator may want to move, all echoed in `params`.
#[derive(Debug, clap::Args)]
pub struct ThresholdArgs {
    /// Start from these parameters instead of the defaults: an earlier report's `events.json`
    /// (to repeat its analysis exactly, with the same earwitness version), its `params`
    /// object, or a JSON object naming only some, e.g. {"detect": {"score": {"threshold":
    /// 0.3}}}. The options below still apply over them.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// Detection score (0..1) an event needs to be reported (default 0.45); lower finds
    /// fainter events and more false ones.
    #[arg(long, value_name = "SCORE", value_parser = unit_interval)]
    pub min_score: Option<f64>,
    /// Gunshot score (0..1) an event needs to be called gunshot-like (default 0.5).
    #[arg(long, value_name = "SCORE", value_parser = unit_interval)]
    pub gunshot_min_score: Option<f64>,
    /// Also report weaker candidates that follow a gunshot as the next rounds of a burst would
    /// (detection score from 0.15, peak within 6 dB, 50 ms clear of other events): more rounds
    /// counted, with less precise onsets.
    #[arg(long)]
    pub burst_followers: bool,
    /// Do not look for the other rounds of a burst as copies of its clearest shot's waveform
    /// (on by default; `params.burst.repeat` holds its thresholds).
    #[arg(long)]
    pub no_repeats: bool,
    /// Still call gunshot-like a sound that is one of three or more like sounds at a walking
    /// pace, 0.4-1 s apart (by default they are taken for footsteps or hammer blows:
    /// `params.classify.pace` holds the rule's limits).
    #[arg(long)]
    pub no_pace: bool,
    /// Call gunshot-like only the sounds whose own measurements do: by default a sound that is
    /// one of four or more like sounds 0.06-0.35 s apart, half or more gunshot-like or with
    /// gunshot scores averaging 0.25 or more, is called a round of that burst
    /// (`params.classify.rounds` holds the rule's limits).
    #[arg(long)]
    pub no_rounds: bool,
    /// Still report sounds with a voice-coloured spectrum that start where words are spoken,
    /// inside a caption or where the speech detector hears speech (by default they are taken
    /// for the onsets of words and listed under `set_aside` in events.json instead).
    #[arg(long)]
    pub keep_word_onsets: bool,
    /// Report as an event of its own an impulsive sound that starts before the sound before it
    /// has died away (by default, when neither is gunshot-like, it is taken for a later part of
    /// that sound, such as a door's thud after its latch, and named in that event's reasons:
    /// `params.classify.later_parts`).
    #[arg(long)]
    pub keep_later_parts: bool,
    /// Keep every candidate in a clip whose 2-7 kHz bands flicker as a low-bitrate codec makes
    /// noise do (by default only those that rise in the waveform are reported there, and a
    /// warning says so: `params.detect.flicker`).
    #[arg(long)]
    pub keep_flicker: bool,
}

impl ThresholdArgs {
    /// `p` with the options that were given laid over it (an option not given leaves `p`'s
    /// value, the default's or `--params`').
    pub fn apply(&self, mut p: crate::pipeline::AnalyzeParams) -> crate::pipeline::AnalyzeParams {
        if let Some(s) = self.min_score {
            p.detect.score.threshold = s;
        }
        if let Some(s) = self.gunshot_min_score {
            p.classify.gunshot_min_score = s;
        }
        if self.burst_followers {
            p.burst.follow.enabled = true;
        }
        if self.no_repeats {
            p.burst.repeat.enabled = false;
        }
        if self.no_pace {
            p.classify.pace.enabled = false;
        }
        if self.no_rounds {
            p.classify.rounds.pace.enabled = false;
        }
        if self.keep_later_parts {
            p.classify.later_parts = false;
        }
        if self.keep_flicker {
            p.detect.flicker = None;
        }
        if self.keep_word_onsets {
            p.transcript.syllables.enabled = false;
            p.speech.enabled = false;
        }
        p
    }

    /// The analysis parameters: `--params`' file (or the defaults), with the decoding options
    /// and these laid over it. The error names the file and the problem.
    pub fn params(&self, decode: &DecodeArgs) -> Result<crate::pipeline::AnalyzeParams, String> {
        let mut p = match &self.params {
            Some(path) => params::load(path)?,
            None => crate::pipeline::AnalyzeParams::default(),
        };
        p.decode = decode.apply(p.decode);
        Ok(self.apply(p))
    }
}

fn unit_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a score from 0 to 1, not {s:?}")),
    }
}

/// `earwitness probe`.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// Media files to describe.
    #[arg(required = true, value_name = "CLIP")]
    pub clips: Vec<PathBuf>,
    /// Print JSON (one object per file, as a JSON array) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub decode: DecodeArgs,
}

/// Runs `work` for `path`, turning a panic inside a decoder (a bug that hostile input might
/// still reach) into an ordinary error naming the file, so one bad file never ends a run with
/// a backtrace. `main` installs a quiet panic hook so nothing else is printed.
pub(crate) fn guarded<T>(
    path: &std::path::Path,
    work: impl FnOnce() -> crate::Result<T>,
) -> crate::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(crate::Error::media(
                path,
                format!(
                    "internal error while reading this file (corrupt data reached a bug: {msg}); please report it"
                ),
            ))
        }
    }
}

/// Runs the parsed command and returns the process exit code: 0 when every file was handled,
/// 2 when any file had a problem (each problem is printed on standard error as one line).
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Merge(args) => batch::merge(&args),
        Command::Probe(args) => probe::run(&args),
        Command::Decode(args) => decode_to_wav(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Schema => {
            let text = serde_json::to_string_pretty(&crate::model::json_schema())
                .expect("a JSON value always serializes");
            println!("{text}");
            0
        }
    }
}

fn decode_to_wav(args: &DecodeCmdArgs) -> i32 {
    let result = guarded(&args.clip, || {
        let mut stream = crate::decode::open(&args.clip, &args.decode.params())?;
        let frames = crate::report::wav::write(&mut stream, &args.output)?;
        Ok((frames, stream.info().clone(), stream.warnings()))
    });
    match result {
        Ok((frames, info, warnings)) => {
            for w in &warnings {
                eprintln!("earwitness: {}: warning: {w}", args.clip.display());
            }
            eprintln!(
                "{}: {frames} frames ({:.3} s) at {} Hz, {} ch, decoded by {}",
                args.output.display(),
                crate::units::frames_to_s(frames, info.sample_rate),
                info.sample_rate,
                info.channels,
                info.decoder
            );
            0
        }
        Err(e) => {
            eprintln!("earwitness: {e}");
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_the_help_names_are_the_codes() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        let help = cli
            .find_subcommand_mut("analyze")
            .unwrap()
            .render_long_help()
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let p = crate::pipeline::AnalyzeParams::default();
        for want in [
            format!("(default {})", p.detect.score.threshold),
            format!("(default {})", p.classify.gunshot_min_score),
        ] {
            assert!(help.contains(&want), "{want} not in: {help}");
        }
    }

    #[test]
    fn a_panic_becomes_an_error_naming_the_file() {
        let r: crate::Result<()> = guarded(std::path::Path::new("x.mp4"), || panic!("boom"));
        let e = r.unwrap_err().to_string();
        assert!(
            e.starts_with("x.mp4: internal error") && e.contains("boom"),
            "{e}"
        );
    }
}
