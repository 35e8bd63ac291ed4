//! Short-lived caches for what every scan request would otherwise look up: the user behind an
//! API token and the checkpoint it posts to. Entries live [`TTL`], so a revoked token or a closed
//! checkpoint stops working within seconds (closing one through this server clears at once).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wangge_store::checkpoints::ScanTarget;
use wangge_store::User;

pub const TTL: Duration = Duration::from_secs(10);
/// Entries kept before the cache starts over: bounds memory against token guessing.
const CAPACITY: usize = 10_000;

pub struct TtlCache<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> Default for TtlCache<K, V> {
    fn default() -> Self {
        TtlCache {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(v, _)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, (value, Instant::now()));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
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
