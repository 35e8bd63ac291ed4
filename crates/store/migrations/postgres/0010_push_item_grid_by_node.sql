-- The grid lists on PostgreSQL read each grid's items in id order from an index keyed by the
-- grid (issue 17). Keyed batch first (0006), the lists' window of ids found no ordered path:
-- PostgreSQL 15 cannot merge the ordered ranges of several batches, so it read the whole
-- table and sorted (the unassigned queue of 1 M items: 90–240 ms; by this index: under 1 ms).
-- SQLite keeps its plan on the batch-first key and adds nothing (migrations/sqlite/0010),
-- where another index was a large part of an import's cost.
CREATE INDEX push_item_grid_node ON push_item_grid (node_key, item_id) INCLUDE (batch_id);

-- The 已核查 list early on, when few of a scope's items are verified: those items by node, in
-- id order. An import writes only open items, so it never touches this index.
CREATE INDEX push_items_verified ON push_items (node_id, id)
    WHERE state NOT IN ('pending', 'reached');
