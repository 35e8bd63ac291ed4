-- The grid lists' index moves out of push_items into a table of its own, keyed batch first.
-- Kept in step with migrations/sqlite/0006_push_item_grid.sql, which says why (the cost of
-- the (node_id, id) index to a SQLite import). node_key is the item's grid, or 0 for the
-- unassigned queue (as in push_counts); every item has exactly one pair.

CREATE TABLE push_item_grid (
    batch_id  BIGINT NOT NULL,
    node_key  BIGINT NOT NULL,
    item_id   BIGINT NOT NULL,
    PRIMARY KEY (batch_id, node_key, item_id)
);

INSERT INTO push_item_grid (batch_id, node_key, item_id)
    SELECT batch_id, COALESCE(node_id, 0), id FROM push_items;

DROP INDEX push_items_node;
