//! The order of findings and outcomes: by patient id as text, month, then the finding's
//! own key, worked out on small keys and applied in place.

use crate::audit::Outcome;
use crate::domain::{Dataset, Finding, YearMonth};

/// Reorders `items` in place so that position `i` holds what was at `order[i]` (`order` is
/// a permutation), following each cycle with swaps.
pub(super) fn apply_order<T>(items: &mut [T], order: &[u32]) {
    let mut done = vec![false; order.len()];
    for i in 0..order.len() {
        if done[i] {
            continue;
        }
        let mut j = i;
        while order[j] as usize != i {
            let k = order[j] as usize;
            items.swap(j, k);
            done[j] = true;
            j = k;
        }
        done[j] = true;
    }
}

/// Each interned patient's rank (2, 4, 6 …) in the order of the ids as text, and the
/// patients in that order.
pub(super) fn patient_ranks(ds: &Dataset) -> (Vec<u32>, Vec<u32>) {
    let mut order: Vec<u32> = (0..ds.patients.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| ds.patients.name(a).cmp(ds.patients.name(b)));
    let mut rank = vec![0u32; order.len()];
    for (i, &p) in order.iter().enumerate() {
        rank[p as usize] = 2 * i as u32 + 2;
    }
    (rank, order)
}

/// Orders the findings by patient id as text, month, then each finding's own key, and the
/// outcomes by patient id, month and NPI.
pub(super) fn order_results(ds: &Dataset, findings: &mut [Finding], outcomes: &mut [Outcome]) {
    // First by each patient's rank among the ids (one sort of the distinct ids), then the
    // few ties by the full key.
    let (rank, sorted) = patient_ranks(ds);
    // Interned ids rank 2, 4, 6 … in text order; an id seen only in a row that could not
    // be read ranks between its neighbours (odd), and "" (run-level findings) first.
    let rank_of = |id: &str| -> u32 {
        if id.is_empty() {
            0
        } else if let Some(p) = ds.patients.get(id) {
            rank[p as usize]
        } else {
            2 * sorted.partition_point(|&n| ds.patients.name(n) < id) as u32 + 1
        }
    };
    // The order is worked out on small keys and then applied in place: the findings
    // themselves (600k at 10M rows) are never copied.
    let mut keyed: Vec<(u32, Option<YearMonth>, u32)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (rank_of(&f.patient_id), f.month, i as u32))
        .collect();
    keyed.sort_unstable();
    for run in keyed.chunk_by_mut(|a, b| (a.0, a.1) == (b.0, b.1)) {
        run.sort_by(|a, b| {
            let (fa, fb) = (&findings[a.2 as usize], &findings[b.2 as usize]);
            fa.sort_key().cmp(&fb.sort_key())
        });
    }
    let order: Vec<u32> = keyed.into_iter().map(|k| k.2).collect();
    apply_order(findings, &order);
    money_once(findings);
    outcomes.sort_by_cached_key(|o| (rank_of(&o.patient_id), o.month));
    for run in outcomes.chunk_by_mut(|a, b| a.patient_id == b.patient_id && a.month == b.month) {
        run.sort_by(|a, b| a.billing_npi.cmp(&b.billing_npi));
    }
}

/// A finding names one file, so one whose lines lie in two files (a claim split over two
/// claims files, a patient-month over two time logs) is written once per file; its money
/// at stake is counted once, on the first part. Parts are alike but for file and lines,
/// and sit in one patient-month's run of the ordered findings (a few findings each: the
/// scan looks back only from a finding with an amount).
fn money_once(findings: &mut [Finding]) {
    for run in findings.chunk_by_mut(|a, b| a.patient_id == b.patient_id && a.month == b.month) {
        for i in 1..run.len() {
            if run[i].amount.is_none() || run[i].file.is_none() {
                continue;
            }
            let (head, tail) = run.split_at_mut(i);
            let f = &mut tail[0];
            if head.iter().any(|g| {
                g.amount.is_some()
                    && g.check.code == f.check.code
                    && g.file != f.file
                    && g.billing_npi == f.billing_npi
                    && g.program == f.program
                    && g.message == f.message
            }) {
                f.amount = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn apply_order_puts_each_item_where_the_order_says() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        super::apply_order(&mut v, &[2, 0, 1, 4, 3]);
        assert_eq!(v, ['c', 'a', 'b', 'e', 'd']);
        let mut w: Vec<u32> = (0..100).collect();
        let order: Vec<u32> = (0..100).map(|i| (i * 37) % 100).collect();
        super::apply_order(&mut w, &order);
        assert_eq!(w, order);
    }
}
