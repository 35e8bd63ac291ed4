//! Short-lived caches for what every scan request would otherwise look up: the user behind an
//! API token and the checkpoint it posts to. Entries live [`TTL`], so a revoked token or a closed
//! checkpoint stops working within seconds (closing one through this server clears at once).
//! They are `moka` caches, bounded to [`CAPACITY`] entries against token guessing.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use wangge_store::checkpoints::ScanTarget;
use wangge_store::User;

pub const TTL: Duration = Duration::from_secs(10);
/// Entries kept at most: bounds memory against token guessing.
const CAPACITY: u64 = 10_000;

pub struct TtlCache<K, V> {
    inner: moka::sync::Cache<K, V>,
}

impl<K, V> Default for TtlCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        TtlCache {
            inner: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
        }
    }
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn get(&self, key: &K) -> Option<V> {
        self.inner.get(key)
    }

    pub fn put(&self, key: K, value: V) {
        self.inner.insert(key, value);
    }

    pub fn clear(&self) {
        self.inner.invalidate_all();
    }
}

#[derive(Default)]
pub struct Caches {
    /// API token → its user (with the token's id) and when the token expires; only live tokens
    /// are cached, and a hit past the expiry is refused. Revoking a token or changing an
    /// account through this server clears it.
    pub tokens: TtlCache<String, (User, chrono::DateTime<chrono::Utc>)>,
    /// (user id, checkpoint id) → where that user's scans for it go.
    pub targets: TtlCache<(i64, i64), Arc<ScanTarget>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_clear() {
        let c: TtlCache<(i64, i64), i64> = TtlCache::default();
        assert_eq!(c.get(&(1, 2)), None);
        c.put((1, 2), 7);
        assert_eq!(c.get(&(1, 2)), Some(7));
        c.put((1, 2), 8);
        assert_eq!(c.get(&(1, 2)), Some(8), "a put replaces");
        c.clear();
        assert_eq!(c.get(&(1, 2)), None, "cleared at once");
    }

    #[test]
    fn bounded_and_expiring() {
        let c: TtlCache<u64, u64> = TtlCache::default();
        assert_eq!(c.inner.policy().max_capacity(), Some(CAPACITY));
        assert_eq!(c.inner.policy().time_to_live(), Some(TTL));
        for i in 0..CAPACITY * 2 {
            c.put(i, i);
        }
        c.inner.run_pending_tasks();
        assert!(c.inner.entry_count() <= CAPACITY);
    }
}
