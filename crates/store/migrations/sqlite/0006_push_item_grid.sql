-- The grid lists' index moves out of push_items into a table of its own, keyed batch first.
-- Kept in step with migrations/postgres/0006_push_item_grid.sql.
--
-- push_items (node_id, id) took every new item into one of a few hundred places in the middle
-- of the index (one per grid), so each insert of an import descended the tree and split pages
-- there: about a third of a million-row import on SQLite. Keyed (batch, grid, item), every
-- item of a new batch sorts after all that is there, so an import appends its pairs in order,
-- once, before it commits (pushlist/import.rs); a placement moves one pair.
--
-- node_key is the item's grid, or 0 for the unassigned queue (as in push_counts). Every item
-- has exactly one pair; the store writes both in the same transaction.

CREATE TABLE push_item_grid (
    batch_id  INTEGER NOT NULL,
    node_key  INTEGER NOT NULL,
    item_id   INTEGER NOT NULL,
    PRIMARY KEY (batch_id, node_key, item_id)
) WITHOUT ROWID;

INSERT INTO push_item_grid (batch_id, node_key, item_id)
    SELECT batch_id, COALESCE(node_id, 0), id FROM push_items
    ORDER BY batch_id, COALESCE(node_id, 0), id;

DROP INDEX push_items_node;
