//! The `earwitness` binary: parse arguments, run, exit with the command's code.

use clap::Parser;

fn main() {
    // Panics are caught per file and reported as one line by the command; the default hook
    // would add a second message and a backtrace hint.
    std::panic::set_hook(Box::new(|_| {}));
    let cli = earwitness::cli::Cli::parse();
    std::process::exit(earwitness::cli::run(cli));
}
