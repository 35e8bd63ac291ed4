-- API tokens get an end: an expiry, a last-use time, and the token behind each audit entry.
-- Kept in step with migrations/sqlite/0007_token_lifecycle.sql.
--
-- expires_at is set on every token the store creates (90 days by default, at most 365); a
-- token without one is refused. Tokens issued before this migration get 90 days from now,
-- so machines in the field keep working while their operators issue new ones.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
-- Touched when the server looks a token up (at most once per cache period, ~10 s), not on
-- every request.
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
UPDATE api_tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
-- Tokens are for machines only: tokens of persons' accounts (any role other than checkpoint
-- or lab operator), which earlier versions let anyone issue for themselves, end now.
UPDATE api_tokens SET revoked_at = now()
    WHERE revoked_at IS NULL AND user_id IN (
        SELECT id FROM users WHERE role NOT IN ('checkpoint_operator', 'lab_operator'));
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The API token an entry was made with (NULL: a browser session or the command line). The
-- append-only triggers refuse UPDATE and DELETE of rows; adding a column is neither.
ALTER TABLE audit_log ADD COLUMN token_id BIGINT;
