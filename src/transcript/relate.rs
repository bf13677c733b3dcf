//! Where an event sits in the conversation: the cue(s) it falls in, the last cue that ended
//! before it and the gap, the next cue after it, and with word timings the last word before
//! it. All times here are on the audio timeline (the transcript's clock already corrected).

use serde::{Deserialize, Serialize};

use super::Cue;
use crate::units::round_to;

/// A cue near an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NearCue {
    /// 1-based index of the cue in `transcript.cues`.
    pub cue: usize,
    /// Its text.
    pub text: String,
    /// Seconds between the event's onset and the cue: how long after the cue's end (previous)
    /// or before its start (next); 0 for a cue containing the onset.
    pub gap_s: f64,
}

/// A word near an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NearWord {
    /// 1-based index of its cue.
    pub cue: usize,
    /// The word.
    pub text: String,
    /// Seconds from the word's end to the event's onset.
    pub gap_s: f64,
}

/// An event's relation to the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Cues whose span contains the onset.
    pub during: Vec<NearCue>,
    /// The last cue that ended at or before the onset.
    pub previous: Option<NearCue>,
    /// The first cue that starts after the onset.
    pub next: Option<NearCue>,
    /// The last word that ended at or before the onset (word-timed transcripts).
    pub last_word: Option<NearWord>,
}

impl Relation {
    /// The phrase to show beside the event: the cue it falls in, else the previous cue with
    /// the gap, else the next one.
    pub fn nearest_phrase(&self) -> Option<String> {
        if let Some(c) = self.during.first() {
            return Some(format!("during \"{}\"", c.text));
        }
        match (&self.previous, &self.next) {
            (Some(p), Some(n)) if n.gap_s < p.gap_s => {
                Some(format!("{:.2} s before \"{}\"", n.gap_s, n.text))
            }
            (Some(p), _) => Some(format!("{:.2} s after \"{}\"", p.gap_s, p.text)),
            (None, Some(n)) => Some(format!("{:.2} s before \"{}\"", n.gap_s, n.text)),
            (None, None) => None,
        }
    }
}

/// The relation of an event at `onset_s` to `cues` (audio timeline, sorted by start).
pub fn relate(onset_s: f64, cues: &[Cue]) -> Relation {
    let near = |i: usize, gap: f64| NearCue {
        cue: i + 1,
        text: cues[i].text.clone(),
        gap_s: round_to(gap.max(0.0), 6),
    };
    let mut r = Relation::default();
    for (i, c) in cues.iter().enumerate() {
        if c.start_s <= onset_s && onset_s < c.end_s {
            r.during.push(near(i, 0.0));
        }
    }
    r.previous = cues
        .iter()
        .enumerate()
        .filter(|(_, c)| c.end_s <= onset_s)
        .max_by(|a, b| a.1.end_s.total_cmp(&b.1.end_s))
        .map(|(i, c)| near(i, onset_s - c.end_s));
    r.next = cues
        .iter()
        .enumerate()
        .find(|(_, c)| c.start_s > onset_s)
        .map(|(i, c)| near(i, c.start_s - onset_s));
    r.last_word = cues
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.words.iter().map(move |w| (i, w)))
        .filter(|(_, w)| w.end_s <= onset_s)
        .max_by(|a, b| a.1.end_s.total_cmp(&b.1.end_s))
        .map(|(i, w)| NearWord {
            cue: i + 1,
            text: w.text.clone(),
            gap_s: round_to(onset_s - w.end_s, 6),
        });
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Word;

    fn cues() -> Vec<Cue> {
        vec![
            Cue {
                start_s: 2.0,
                end_s: 2.4,
                text: "Get up!".into(),
                speaker: None,
                words: vec![
                    Word {
                        start_s: 2.0,
                        end_s: 2.2,
                        text: "Get".into(),
                    },
                    Word {
                        start_s: 2.2,
                        end_s: 2.4,
                        text: "up!".into(),
                    },
                ],
                line: 2,
            },
            Cue {
                start_s: 5.2,
                end_s: 6.1,
                text: "Why are you afraid?".into(),
                speaker: None,
                words: vec![],
                line: 6,
            },
        ]
    }

    #[test]
    fn a_shot_after_the_order() {
        let r = relate(2.84, &cues());
        assert!(r.during.is_empty());
        let p = r.previous.as_ref().unwrap();
        assert_eq!((p.cue, p.text.as_str(), p.gap_s), (1, "Get up!", 0.44));
        assert_eq!(r.next.as_ref().unwrap().cue, 2);
        assert_eq!(r.last_word.as_ref().unwrap().text, "up!");
        assert_eq!(r.nearest_phrase().unwrap(), "0.44 s after \"Get up!\"");
    }

    #[test]
    fn during_and_before_everything() {
        let r = relate(5.5, &cues());
        assert_eq!(r.during[0].cue, 2);
        assert_eq!(
            r.nearest_phrase().unwrap(),
            "during \"Why are you afraid?\""
        );
        let r = relate(0.5, &cues());
        assert!(r.previous.is_none());
        assert_eq!(r.nearest_phrase().unwrap(), "1.50 s before \"Get up!\"");
    }
}
