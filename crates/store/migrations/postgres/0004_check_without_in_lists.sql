-- Kept in step with migrations/sqlite/0004_check_without_in_lists.sql, which rebuilds two
-- SQLite tables so their CHECK constraints use plain comparisons (SQLite builds a temporary
-- B-tree per row for an IN list of more than two constants). PostgreSQL evaluates IN lists
-- directly, so nothing changes here.
SELECT 1;
