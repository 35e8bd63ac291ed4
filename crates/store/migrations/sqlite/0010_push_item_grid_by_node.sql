-- Kept in step with migrations/postgres/0010_push_item_grid_by_node.sql. PostgreSQL also gets
-- an index of push_item_grid keyed by grid for its plans; SQLite reads the grid lists in order
-- from the batch-first key of 0006 already, and an index more would slow its imports.

-- The 已核查 list early on, when few of a scope's items are verified: those items by node, in
-- id order. An import writes only open items, so it never touches this index.
CREATE INDEX push_items_verified ON push_items (node_id, id)
    WHERE state NOT IN ('pending', 'reached');
