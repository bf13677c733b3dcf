//! Impulsive-event detection: detection functions (`odf`), peak picking over a curve
//! (`peaks`), sample-accurate onsets (`refine`).
//!
//! The pipeline in one line: STFT -> odf::compute -> peaks::pick -> refine::locate ->
//! evidence -> score.

pub mod components;
pub mod evidence;
pub mod odf;
pub mod peaks;
pub mod refine;
pub mod score;
