//! Outputs: one file per format, each written atomically (temporary file, then rename), so a
//! previous output is replaced only by a complete new one and an interrupted run leaves no
//! half-written file.

pub mod atomic;
pub mod wav;
