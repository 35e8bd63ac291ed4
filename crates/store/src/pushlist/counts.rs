//! The 见底清零 counters (`push_counts`): items per batch, node and state, changed in the same
//! transaction as the items themselves.

use wangge_domain::pushlist::PushState;

/// The counter key of an item's node: its id, or 0 for the unassigned queue.
pub(crate) fn node_key(node_id: Option<i64>) -> i64 {
    node_id.unwrap_or(0)
}

pub(crate) const BUMP: &str = "INSERT INTO push_counts (batch_id, node_key, state, n) \
    VALUES ($1, $2, $3, $4) \
    ON CONFLICT (batch_id, node_key, state) DO UPDATE SET n = push_counts.n + excluded.n";

/// Moves one item from (`node`, `from`) to (`to_node`, `to`) inside `tx`.
macro_rules! move_count {
    ($tx:expr, $batch:expr, ($node:expr, $from:expr) => ($to_node:expr, $to:expr)) => {{
        let from: wangge_domain::pushlist::PushState = $from;
        let to: wangge_domain::pushlist::PushState = $to;
        sqlx::query($crate::pushlist::counts::BUMP)
            .bind($batch)
            .bind($crate::pushlist::counts::node_key($node))
            .bind(from.as_str())
            .bind(-1_i64)
            .execute(&mut *$tx)
            .await?;
        sqlx::query($crate::pushlist::counts::BUMP)
            .bind($batch)
            .bind($crate::pushlist::counts::node_key($to_node))
            .bind(to.as_str())
            .bind(1_i64)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use move_count;

/// Open (unverified) or verified, for summing counter rows.
pub(crate) fn parse_state(s: &str) -> Option<PushState> {
    s.parse().ok()
}
