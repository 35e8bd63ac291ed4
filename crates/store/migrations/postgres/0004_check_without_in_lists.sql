-- Kept in step with migrations/sqlite/0004_check_without_in_lists.sql, which rebuilds four
-- SQLite tables so the CHECK constraints of push_items and checkpoint_scans use plain
-- comparisons (SQLite builds a temporary B-tree per row for an IN list of more than two
-- constants) and drops the push_items (batch_id, id) index no SQLite plan used. PostgreSQL
-- evaluates IN lists directly and can use that index for a batch's items (its plans see the
-- bound batch id), so nothing changes here.
SELECT 1;
