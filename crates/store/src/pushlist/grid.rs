//! The grid lists' index (`push_item_grid`, migration 6): one (batch, grid, item) pair per
//! item, grid 0 for the unassigned queue. An import gathers the pairs of the items it opens and
//! writes them sorted, in a few long runs, before it commits: keyed batch first, a new batch's
//! pairs all sort after what is there, so the database appends them instead of finding a place
//! in the middle of an index for every row. A placement moves one pair (`items.rs`).

use std::collections::BTreeMap;

use super::counts::node_key;

/// Pairs gathered before they are written: past this many (8 bytes each) the import writes
/// what it has and starts again, so memory stays bounded however long the file is. A second
/// write of the same batch lands in the middle of the first one's runs, which is only slower.
/// Debug builds write every couple of thousand, so the tests' files go through that path.
pub(super) const FLUSH_AT: usize = if cfg!(debug_assertions) {
    2_000
} else {
    1 << 22
};

/// The items an import opened, by grid key, each list in ascending item order.
#[derive(Default)]
pub(super) struct GridPairs {
    by_node: BTreeMap<i64, Vec<i64>>,
    len: usize,
}

impl GridPairs {
    pub fn add(&mut self, node: Option<i64>, item: i64) {
        self.by_node.entry(node_key(node)).or_default().push(item);
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The pairs gathered so far, by grid key in ascending order with the items of each grid
    /// sorted, leaving none behind.
    pub fn take(&mut self) -> Vec<(i64, Vec<i64>)> {
        self.len = 0;
        std::mem::take(&mut self.by_node)
            .into_iter()
            .map(|(node, mut items)| {
                // ids come from one writer in ascending order; sorting costs nothing then and
                // keeps the order right if they ever did not
                items.sort_unstable();
                (node, items)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_come_out_by_grid_then_item_and_empty_the_buffer() {
        let mut pairs = GridPairs::default();
        pairs.add(Some(7), 12);
        pairs.add(None, 11);
        pairs.add(Some(3), 13);
        pairs.add(Some(7), 10);
        assert_eq!(pairs.len(), 4);
        assert_eq!(
            pairs.take(),
            vec![(0, vec![11]), (3, vec![13]), (7, vec![10, 12])]
        );
        assert_eq!(pairs.len(), 0);
        assert!(pairs.take().is_empty());
    }
}
