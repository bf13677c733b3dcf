//! `detect_events`: the plain, explicit composition of the detection stages over a decoded
//! signal. (The full `analyze` with features and classification builds on it.)

use serde::{Deserialize, Serialize};

use crate::detect::{odf, peaks, refine};
use crate::signal::Signal;
use crate::signal::stft::{StftParams, StftPlan};

/// Every parameter of detection, echoed in the output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct DetectParams {
    /// STFT window and hop.
    pub stft: StftParams,
    /// Detection functions.
    pub odf: odf::OdfParams,
    /// Peak picking on the detection curve.
    pub peaks: peaks::PeakParams,
    /// Onset refinement in the waveform.
    pub refine: refine::RefineParams,
}

/// One detected event, located in the waveform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Onset sample (first sample reaching the threshold).
    pub onset: usize,
    /// Peak sample.
    pub peak: usize,
    /// Peak magnitude of the mono mix.
    pub peak_abs: f32,
    /// Detection-curve value at the picked frame.
    pub strength: f32,
    /// Broadbandness at the picked frame.
    pub broadband: f32,
}

/// The detection curve: broadbandness weighted by the mean rise per band, so an event must rise
/// in many bands at once *and* by a clear margin.
pub fn detection_curve(o: &odf::Odf) -> Vec<f32> {
    let nb = o.n_bands.max(1) as f32;
    o.flux
        .iter()
        .zip(&o.broadband)
        .map(|(f, b)| b * (f / nb))
        .collect()
}

/// Detects impulsive events in the mono mix of `signal`.
pub fn detect_events(signal: &Signal, p: &DetectParams) -> Vec<Detection> {
    let x = signal.mixdown();
    let plan = StftPlan::new(&p.stft, signal.sample_rate);
    let o = odf::compute(&x, &plan, &p.odf);
    let curve = detection_curve(&o);
    let frame_rate = f64::from(signal.sample_rate) / plan.hop as f64;
    let picked = peaks::pick(&curve, frame_rate, &p.peaks);
    let mut out: Vec<Detection> = Vec::with_capacity(picked.len());
    for t in picked {
        let approx = (odf::frame_time_s(t, &plan) * f64::from(signal.sample_rate)) as usize;
        let Some(l) = refine::locate(&x, approx, signal.sample_rate, &p.refine) else {
            continue;
        };
        let d = Detection {
            onset: l.onset,
            peak: l.peak,
            peak_abs: l.peak_abs,
            strength: curve[t],
            broadband: o.broadband[t],
        };
        // Two detections that refine to the same event keep the stronger.
        match out.last_mut() {
            Some(prev)
                if d.onset.abs_diff(prev.onset)
                    < (p.peaks.min_interval_s * f64::from(signal.sample_rate)) as usize =>
            {
                if d.strength > prev.strength {
                    *prev = d;
                }
            }
            _ => out.push(d),
        }
    }
    out
}
