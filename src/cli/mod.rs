//! The command line: clap structs for what the user typed, and the thin glue that runs a
//! command and prints its result. Only this module and `main.rs` write to the terminal.

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
    /// Describe files before analysis: size, SHA-256, container, streams, tags, decoder.
    Probe(ProbeArgs),
    /// Write the decoded audio (every channel, float, on the analysis timeline) to a WAV file.
    Decode(DecodeCmdArgs),
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
    /// Decoding backend: auto tries symphonia, then ffmpeg when built with `--features ffmpeg`.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
}

impl DecodeArgs {
    /// The validated decoding parameters.
    pub fn params(&self) -> DecodeParams {
        DecodeParams {
            backend: self.backend,
            ..DecodeParams::default()
        }
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

/// Runs the parsed command and returns the process exit code: 0 when every file was handled,
/// 2 when any file had a problem (each problem is printed on standard error as one line).
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Probe(args) => probe::run(&args),
        Command::Decode(args) => decode_to_wav(&args),
    }
}

fn decode_to_wav(args: &DecodeCmdArgs) -> i32 {
    let result = crate::decode::open(&args.clip, &args.decode.params()).and_then(|mut stream| {
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
