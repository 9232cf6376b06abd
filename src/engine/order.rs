//! The order of findings and outcomes: by patient id as text, month, then the finding's
//! own key, worked out on small keys and applied in place.

use crate::domain::Dataset;

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
