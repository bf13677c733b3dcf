//! earwitness: forensic analysis of the sound in media clips.
//!
//! Data flows one way: [`decode`] turns a file into blocks of audio on a sample-exact
//! timeline, [`probe`] describes the file for a report, and the command line in [`cli`] wires
//! them to the terminal. The library never prints; `main.rs` maps errors to exit codes.

pub mod batch;
pub mod cli;
pub mod decode;
pub mod detect;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod model;
pub mod pipeline;
pub mod probe;
pub mod report;
pub mod signal;
/// Test signals shared by the unit and integration tests (not part of the interface).
#[doc(hidden)]
pub mod testutil;
pub mod transcript;
pub mod units;

pub use error::{Error, Result};

/// The tool's name and version, as echoed in every report.
pub const TOOL_NAME: &str = env!("CARGO_PKG_NAME");
/// The tool's version.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
