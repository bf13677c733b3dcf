//! The `earwitness` binary: parse arguments, run, exit with the command's code.

use clap::Parser;

fn main() {
    let cli = earwitness::cli::Cli::parse();
    std::process::exit(earwitness::cli::run(cli));
}
