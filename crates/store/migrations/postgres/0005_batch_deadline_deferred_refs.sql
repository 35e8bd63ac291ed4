-- Kept in step with migrations/sqlite/0005_batch_deadline_deferred_refs.sql.
--
-- The deadline moves from every push item to its batch: all items of a batch had the same
-- one, written and indexed once per row. Overdue counts now come from the 见底清零 counters of
-- the batches past their deadline. (The SQLite migration also makes the references of
-- push_items deferred, against SQLite's statement journal for multi-row inserts; PostgreSQL
-- has no such cost and keeps them immediate.)

ALTER TABLE push_batches ADD COLUMN due_at TIMESTAMPTZ;
UPDATE push_batches b SET due_at = COALESCE(
    (SELECT MIN(i.due_at) FROM push_items i WHERE i.batch_id = b.id),
    b.created_at + b.due_hours * INTERVAL '1 hour');
ALTER TABLE push_batches ALTER COLUMN due_at SET NOT NULL;

DROP INDEX push_items_overdue;
ALTER TABLE push_items DROP COLUMN due_at;
