//! The 见底清零 counters (`push_counts`): items per batch, node and state, changed in the same
//! transaction as the items themselves.

use wangge_domain::pushlist::PushState;

use crate::db::{on_conn, Conn};
use crate::Result;

/// The counter key of an item's node: its id, or 0 for the unassigned queue.
pub(crate) fn node_key(node_id: Option<i64>) -> i64 {
    node_id.unwrap_or(0)
}

pub(crate) const BUMP: &str = "INSERT INTO push_counts (batch_id, node_key, state, n) \
    VALUES ($1, $2, $3, $4) \
    ON CONFLICT (batch_id, node_key, state) DO UPDATE SET n = push_counts.n + excluded.n";

/// Moves one item of `batch` from (node, state) `from` to `to` on the open transaction `conn`.
pub(crate) async fn move_count(
    conn: impl Into<Conn<'_>>,
    batch: i64,
    from: (Option<i64>, PushState),
    to: (Option<i64>, PushState),
) -> Result<()> {
    let mut conn = conn.into();
    for ((node, state), n) in [(from, -1_i64), (to, 1)] {
        on_conn!(conn, c => {
            sqlx::query(BUMP)
                .bind(batch)
                .bind(node_key(node))
                .bind(state.as_str())
                .bind(n)
                .execute(c)
                .await?;
        });
    }
    Ok(())
}

/// Open (unverified) or verified, for summing counter rows.
pub(crate) fn parse_state(s: &str) -> Option<PushState> {
    s.parse().ok()
}
