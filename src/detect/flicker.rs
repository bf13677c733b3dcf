//! Codec flicker: whether a clip's upper bands switch on and off from one 10 ms step to the
//! next, as a low-bitrate perceptual codec makes noise do, so that the detector's band-level
//! evidence (flux, contrast) reports the codec rather than sounds.
//!
//! A perceptual coder short of bits drops the bands it judges least audible and brings them
//! back a frame later; over broadband noise (traffic, rain, a pink bed) that is heard as
//! "swirling" and seen as holes of 6-25 dB in the 2-7 kHz third octaves, where stationary noise
//! varies by a dB or two from one 20 ms frame to the next (a third octave there holds dozens of
//! independent bins). Measured: the median over those bands of the 10th percentile of each
//! band's level less its running median. Of 380 clips, the devset and four modelled and two
//! recoded check sets, through every codec, MP3 at 32 kbit/s, AAC at 24 and Opus at 12 as an
//! earlier encode, the telephone band and AGC, all but two read -1.8 dB (median) to -2.5 dB; the two, an
//! MP3 at 32 kbit/s and an AAC at 24 kbit/s over pink noise, read -14.7 and -7.3 dB, and held 64
//! of the 221 false events of the 240 modelled clips (31 and 33, 19 of them gunshot-like).
//! There the time domain still tells a sound from the codec: the labelled sounds found carried
//! 7-28 dB more energy in their first 10 ms than in the 200 ms before
//! (`detection.onset_energy_db`), the false ones -6 to +4.8 dB. On two modelled sets made after
//! the rule was chosen (seeds 55 and 56, 120 clips) it flagged two clips: an MP3 at 32 kbit/s
//! over hum (9.7 dB), where it took four hammer blows near the background's level (2.4-4.9 dB
//! in their first 10 ms) and no false event, there being none; an AAC at 24 kbit/s over pink
//! noise and traffic (6.8 dB), one false event and no labelled one. The time-domain bar is no
//! clean line: weak true sounds sit where the codec's swirls do.
//!
//! J. Herre and J. D. Johnston, "Enhancing the performance of perceptual audio coders by
//! using temporal noise shaping (TNS)", AES 101st Convention, 1996 (the artefacts of
//! band-wise quantisation in time); M. Bosi and R. E. Goldberg, *Introduction to Digital Audio
//! Coding and Standards*, Kluwer, 2003 (bit allocation that switches bands off).

use serde::{Deserialize, Serialize};

/// Codec-flicker parameters (echoed in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlickerParams {
    /// The detection filterbank's bands lying between this (Hz)...
    pub min_hz: f64,
    /// ...and this are read...
    pub max_hz: f64,
    /// ...every this long (s; frames of the detection STFT)...
    pub step_s: f64,
    /// ...each against its running median over this many steps (odd).
    pub median_steps: usize,
    /// The clip flickers when the median over those bands of the 10th percentile of (level
    /// less running median) is this many dB below zero or more. Stationary noise reads about
    /// 2 dB; the flickering clips measured read 7.3 and 14.7 (see the module).
    pub min_dip_db: f64,
    /// In a flickering clip a candidate is kept only when its first 10 ms carry at least this
    /// many dB more energy than the 200 ms before it (`detection.onset_energy_db`): the
    /// labelled sounds found there carried 7.1 dB and more, the codec's swirls 4.8 dB at most.
    pub min_onset_energy_db: f64,
}

impl Default for FlickerParams {
    fn default() -> Self {
        FlickerParams {
            min_hz: 1780.0,
            max_hz: 7100.0,
            step_s: 0.01,
            median_steps: 9,
            min_dip_db: 4.5,
            min_onset_energy_db: 6.0,
        }
    }
}

/// The flicker measure of band levels `band_db` (frame-major, `nb` bands whose bin ranges are
/// `edges`, `frame_rate` frames per second, `bin_hz` Hz per bin): the median over the bands
/// within `[min_hz, max_hz]` of the 10th percentile of each band's level less its running
/// median, in dB (0 or below; more negative, more flicker). `None` when no band lies there or
/// the clip is shorter than twice the median's span.
pub fn dip_db(
    band_db: &[f32],
    edges: &[(usize, usize)],
    bin_hz: f64,
    frame_rate: f64,
    p: &FlickerParams,
) -> Option<f64> {
    let nb = edges.len();
    let n_frames = band_db.len().checked_div(nb)?;
    let step = ((p.step_s * frame_rate).round() as usize).max(1);
    let k = p.median_steps.max(1) | 1;
    let steps = n_frames.div_ceil(step);
    if steps < 2 * k {
        return None;
    }
    let mut dips: Vec<f64> = Vec::new();
    let mut series = Vec::with_capacity(steps);
    let mut diffs = Vec::with_capacity(steps);
    let mut window = Vec::with_capacity(k);
    for (b, &(lo, hi)) in edges.iter().enumerate() {
        if (lo as f64) * bin_hz < p.min_hz || (hi as f64) * bin_hz > p.max_hz {
            continue;
        }
        series.clear();
        series.extend((0..n_frames).step_by(step).map(|t| band_db[t * nb + b]));
        diffs.clear();
        for i in 0..series.len() {
            let a = i.saturating_sub(k / 2);
            let z = (a + k).min(series.len());
            let a = z.saturating_sub(k);
            window.clear();
            window.extend_from_slice(&series[a..z]);
            let m = window.len() / 2;
            let median = *window.select_nth_unstable_by(m, f32::total_cmp).1;
            diffs.push(series[i] - median);
        }
        let q = ((diffs.len() - 1) as f64 * 0.1).round() as usize;
        dips.push(f64::from(
            *diffs.select_nth_unstable_by(q, f32::total_cmp).1,
        ));
    }
    if dips.is_empty() {
        return None;
    }
    let m = dips.len() / 2;
    Some(*dips.select_nth_unstable_by(m, f64::total_cmp).1)
}

/// Whether a clip whose measure is `dip` (dB, [`dip_db`]) flickers.
pub fn flickers(dip: f64, p: &FlickerParams) -> bool {
    dip <= -p.min_dip_db
}

/// The warning for a flickering clip.
pub fn warning(dip: f64, p: &FlickerParams) -> String {
    format!(
        "the clip's {:.1}-{:.1} kHz bands flicker from one {:.0} ms step to the next ({:.1} dB \
         below their running median at the 10th percentile; stationary noise reads about 2): a \
         low-bitrate codec switching bands on and off over noise, which reads as onsets. Only \
         sounds whose first 10 ms carry {:.0} dB more energy than the 200 ms before them are \
         reported; fainter ones may be lost",
        p.min_hz / 1000.0,
        p.max_hz / 1000.0,
        p.step_s * 1000.0,
        -dip,
        p.min_onset_energy_db
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::odf::{self, OdfParams};
    use crate::signal::stft::{StftParams, StftPlan};
    use crate::testutil::noise;

    fn measure(x: &[f32], sr: u32) -> Option<f64> {
        let plan = StftPlan::new(&StftParams::default(), sr);
        let o = odf::compute(x, &plan, &OdfParams::default());
        let edges = odf::band_edges(plan.n_fft, sr, 100.0, 3.0);
        let frame_rate = f64::from(sr) / plan.hop as f64;
        dip_db(
            &o.band_db,
            &edges,
            f64::from(sr) / plan.n_fft as f64,
            frame_rate,
            &FlickerParams::default(),
        )
    }

    #[test]
    fn steady_noise_does_not_flicker_and_noise_whose_upper_bands_switch_does() {
        let sr = 16_000;
        let steady = noise(5 * sr as usize, 0.1, 3);
        let d = measure(&steady, sr).unwrap();
        assert!(d > -3.0 && d <= 0.0, "steady noise {d:.1} dB");
        assert!(!flickers(d, &FlickerParams::default()));
        // The same noise with its upper bands dropped in one 24 ms block of three (a crude
        // coder out of bits): there it is replaced by its 8-sample moving average, whose first
        // null is at 2 kHz.
        let block = 384;
        let mut swirl = steady.clone();
        for (i, v) in swirl.iter_mut().enumerate().skip(8) {
            if (i / block) % 3 == 0 {
                *v = steady[i - 7..=i].iter().sum::<f32>() / 8.0;
            }
        }
        let d = measure(&swirl, sr).unwrap();
        assert!(d < -6.0, "switched noise {d:.1} dB");
        assert!(flickers(d, &FlickerParams::default()));
    }

    #[test]
    fn a_short_clip_or_one_without_the_bands_is_not_measured() {
        assert_eq!(measure(&noise(1600, 0.1, 3), 16_000), None);
        // At 2 kHz the filterbank stops at 1 kHz.
        assert_eq!(measure(&noise(20_000, 0.1, 3), 2_000), None);
    }
}
