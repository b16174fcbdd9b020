//! Compares what the closes found with a ground truth: precision and recall per category.

use std::collections::{BTreeMap, BTreeSet};

use super::till::TruthRow;
use crate::domain::{Category, ShopId};
use crate::store::Store;

/// One category's score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Breaks of this category the generator injected.
    pub injected: usize,
    /// Items the closes put in this category.
    pub found: usize,
    /// Found items that were injected.
    pub true_positives: usize,
    /// Found items that were not injected.
    pub false_alarms: usize,
}

impl Score {
    /// Share of found items that were injected (1 when none were found).
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.found as f64
        }
    }
    /// Share of injected breaks that were found (1 when none were injected).
    pub fn recall(&self) -> f64 {
        if self.injected == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.injected as f64
        }
    }
}

/// What close number `n` (1 = the first close after the day) of each shop
/// found that is new in it: its own periods' items and LATE_MATCHED.
fn found(store: &Store, shop_id: &ShopId, n: u8, first_seq: i64) -> anyhow::Result<BTreeSet<(String, String, String)>> {
    let seq = first_seq + i64::from(n) - 1;
    let found = store.scored_exceptions(shop_id, seq)?;
    Ok(found.into_iter().map(|(category, key)| (category.to_string(), shop_id.to_string(), key)).collect())
}

/// Scores closes `first_seq`, `first_seq + 1`, … of each shop in `truth` against it.
/// A truth key `*` stands for any one item of that category and shop (summary checks).
pub fn score(
    store: &Store,
    truth: &[TruthRow],
    first_seq: &BTreeMap<ShopId, i64>,
    closes: u8,
) -> anyhow::Result<BTreeMap<String, Score>> {
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    // The generator injects every break but a probable match (a judgement, not a
    // fault); one found anyway is counted below as a false alarm.
    for cat in Category::ALL.iter().filter(|c| !matches!(c, Category::Matched | Category::ProbableMatch)) {
        scores.insert(cat.to_string(), Score::default());
    }
    for (shop, seq) in first_seq {
        for n in 1..=closes {
            let mut got = found(store, shop, n, *seq)?;
            for t in truth.iter().filter(|t| t.shop_id == *shop && t.close == n) {
                let category = t.category.to_string();
                let s = scores.entry(category.clone()).or_default();
                s.injected += 1;
                let hit = if t.key == "*" {
                    got.iter().find(|(c, _, _)| *c == category).cloned()
                } else {
                    Some((category, shop.to_string(), t.key.clone())).filter(|k| got.contains(k))
                };
                if let Some(k) = hit {
                    got.remove(&k);
                    s.true_positives += 1;
                    s.found += 1;
                }
            }
            for (cat, _, _) in got {
                let s = scores.entry(cat).or_default();
                s.found += 1;
                s.false_alarms += 1;
            }
        }
    }
    Ok(scores)
}

/// A table of the scores for people.
pub fn render(scores: &BTreeMap<String, Score>) -> String {
    let mut s = format!(
        "{:<22} {:>8} {:>6} {:>12} {:>9} {:>6}\n",
        "category", "injected", "found", "false alarms", "precision", "recall"
    );
    for (cat, sc) in scores {
        s.push_str(&format!(
            "{:<22} {:>8} {:>6} {:>12} {:>9.3} {:>6.3}\n",
            cat,
            sc.injected,
            sc.true_positives,
            sc.false_alarms,
            sc.precision(),
            sc.recall()
        ));
    }
    s
}
