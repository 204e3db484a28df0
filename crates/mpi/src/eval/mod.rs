//! A deterministic synthetic evaluation: a population with known duplicates, and precision
//! and recall measured the way the store would find them (blocking, then comparison).
//!
//! [`synthetic_population`] draws distinct people (Indian, English, Hispanic and other names,
//! with households sharing surname, address and phone), hard negatives (twins, namesakes),
//! and duplicate registrations corrupted with the errors registration desks make: typing
//! errors, nicknames and romanisation variants, day/month swaps, digit slips, age-derived
//! birth dates, missing fields, moves, married surnames, exchanged names, honorifics and
//! formatting. The same seed gives the same set on every platform (ChaCha8).
//!
//! Figures measured here describe this generator, not a real register; they are a regression
//! guard and a way to compare changes to the matcher, not a claim about field accuracy.
//!
//! ```
//! use meridian_mpi::{MatchBand, eval};
//! let set = eval::synthetic_population(7, 300, 0.1);
//! let m = eval::evaluate(&set, MatchBand::Possible);
//! assert!(m.true_pairs > 0 && m.recall > 0.5);
//! ```

mod generate;
mod names;

use std::collections::{HashMap, HashSet};

use crate::{Demographics, MatchBand, blocking_keys_prepared, compare_prepared, prepare};

pub use generate::synthetic_population;

/// What a record is in the synthetic set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordKind {
    /// A person's first registration.
    Original,
    /// A person sharing surname, address and often phone with an earlier person.
    Household,
    /// A twin of an earlier person: same surname, birth date and contact details.
    Twin,
    /// A different person with the same name as an earlier one.
    Namesake,
    /// A second registration of an existing person, with errors.
    Duplicate,
}

/// A synthetic register with its truth.
#[derive(Clone)]
pub struct EvalSet {
    /// The records as the store would hold them.
    pub records: Vec<Demographics>,
    /// The true person behind each record; records with equal ids are duplicates.
    pub person: Vec<usize>,
    /// How each record was made.
    pub kinds: Vec<RecordKind>,
}

impl std::fmt::Debug for EvalSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalSet")
            .field("records", &self.records.len())
            .field("true_pairs", &self.true_pairs())
            .finish()
    }
}

impl EvalSet {
    /// Number of record pairs that belong to the same person.
    pub fn true_pairs(&self) -> usize {
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for p in &self.person {
            *counts.entry(*p).or_default() += 1;
        }
        counts.values().map(|n| n * (n - 1) / 2).sum()
    }

    /// Whether records `i` and `j` belong to the same person.
    pub fn is_true_pair(&self, i: usize, j: usize) -> bool {
        i != j
            && self
                .person
                .get(i)
                .is_some_and(|p| self.person.get(j) == Some(p))
    }
}

/// Quality of matching at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Metrics {
    /// Of the pairs at or above the threshold, the share that are true pairs.
    pub precision: f64,
    /// Of all true pairs, the share found at or above the threshold (blocking included).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Candidate pairs produced by blocking and compared.
    pub pairs_compared: usize,
    /// True pairs in the set.
    pub true_pairs: usize,
    /// True pairs found at or above the threshold.
    pub true_positives: usize,
    /// Different-person pairs at or above the threshold.
    pub false_positives: usize,
    /// Share of true pairs that share at least one blocking key: the ceiling on recall.
    pub blocking_recall: f64,
    /// Records under the most crowded blocking key.
    pub largest_block: usize,
}

/// Candidate pairs `(i, j)`, `i < j`, that share at least one blocking key, in a stable order,
/// and the size of the largest block.
pub fn candidate_pairs(set: &EvalSet) -> (Vec<(usize, usize)>, usize) {
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in set.records.iter().enumerate() {
        for k in blocking_keys_prepared(&prepare(r)) {
            blocks.entry(k).or_default().push(i);
        }
    }
    let largest = blocks.values().map(Vec::len).max().unwrap_or(0);
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for members in blocks.values() {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    (pairs, largest)
}

/// Precision and recall of "band at or above `threshold`", candidates found by blocking.
pub fn evaluate(set: &EvalSet, threshold: MatchBand) -> Metrics {
    evaluate_each(set, &[threshold])
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// [`evaluate`] for several thresholds with one pass of blocking and comparison.
pub fn evaluate_each(set: &EvalSet, thresholds: &[MatchBand]) -> Vec<Metrics> {
    let prepared: Vec<_> = set.records.iter().map(prepare).collect();
    let (pairs, largest_block) = candidate_pairs(set);
    let true_pairs = set.true_pairs();
    let mut blocked_true = 0usize;
    let mut tp = vec![0usize; thresholds.len()];
    let mut fp = vec![0usize; thresholds.len()];
    for &(i, j) in &pairs {
        let truth = set.is_true_pair(i, j);
        blocked_true += usize::from(truth);
        let band = compare_prepared(&prepared[i], &prepared[j]).band;
        for (k, t) in thresholds.iter().enumerate() {
            if band >= *t {
                if truth {
                    tp[k] += 1;
                } else {
                    fp[k] += 1;
                }
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    thresholds
        .iter()
        .enumerate()
        .map(|(k, _)| {
            let precision = ratio(tp[k], tp[k] + fp[k]);
            let recall = ratio(tp[k], true_pairs);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            Metrics {
                precision,
                recall,
                f1,
                pairs_compared: pairs.len(),
                true_pairs,
                true_positives: tp[k],
                false_positives: fp[k],
                blocking_recall: ratio(blocked_true, true_pairs),
                largest_block,
            }
        })
        .collect()
}
