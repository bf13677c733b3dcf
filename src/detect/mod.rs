//! Impulsive-event detection: detection functions (`odf`), peak picking over a curve
//! (`peaks`), sample-accurate onsets (`refine`).
//!
//! The pipeline in one line: STFT -> odf::compute -> peaks::pick -> refine::locate ->
//! evidence -> score; after classification, `follow` keeps the weaker rounds of a burst, and
//! with a transcript `syllables` sets aside the onsets of its words; `gates` decides which
//! reported readings are one sound; `repeat` finds a burst's rounds and a shot's reflections,
//! `flutter` a sound's returns between two walls; `possible_echo` says which reported sounds
//! may be an earlier shot's echo.

pub mod components;
pub mod cracks;
pub mod evidence;
pub mod flicker;
pub mod flutter;
pub mod follow;
pub mod gates;
pub mod odf;
pub mod peaks;
pub mod possible_echo;
pub mod refine;
pub mod repeat;
pub mod score;
pub mod silence;
pub mod speech;
pub mod syllables;
