//! A PostgreSQL URL naming several hosts, as libpq takes it
//! (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write`), for a primary and its
//! standby under Patroni. sqlx connects to one host; the store finds the host that takes
//! writes, points its pool there, and a watcher re-points it when that host dies or becomes a
//! standby. Meanwhile a request finds no connection and is answered 503, never 500, and no
//! new connection is ever made to a standby when writes were asked for.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool};
use sqlx::{ConnectOptions, Connection};
use tokio::task::JoinHandle;

use crate::{redact_url, Result, StoreError};

/// How often the watcher asks whether the pool's host still takes writes.
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// How long one probe of a host may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The hosts of a PostgreSQL URL, each as its own connect options, in the URL's order.
#[derive(Debug, Clone)]
pub(crate) struct PgTargets {
    pub hosts: Vec<PgConnectOptions>,
    /// `target_session_attrs=read-write` (or `primary`): only a host that takes writes
    pub read_write: bool,
}

impl PgTargets {
    /// Splits `url` into one URL per host (user, password, database and the other parameters
    /// the same for each) and reads `target_session_attrs`, which sqlx does not know.
    pub fn parse(url: &str) -> Result<PgTargets> {
        let bad = |why: &str| StoreError::BadUrl(format!("{}：{why}", redact_url(url)));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("缺少 ://"))?;
        // the authority runs to the first '/' or '?'
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        let mut read_write = false;
        let mut params = Vec::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            match pair.split_once('=') {
                Some(("target_session_attrs", v)) => {
                    read_write = match v {
                        "any" => false,
                        "read-write" | "primary" => true,
                        _ => {
                            return Err(bad(
                                "target_session_attrs 只支持 any、read-write 或 primary",
                            ))
                        }
                    }
                }
                _ if pair.is_empty() => {}
                _ => params.push(pair),
            }
        }
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        let hosts = hosts
            .split(',')
            .map(|host| {
                if host.is_empty() {
                    return Err(bad("主机名为空"));
                }
                let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
                let one = format!("{scheme}://{user}{host}{path}{query}");
                PgConnectOptions::from_str(&one).map_err(|e| bad(&e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PgTargets { hosts, read_write })
    }

    /// Whether the store must watch for a new primary: several hosts, or writes asked for.
    pub fn needs_watch(&self) -> bool {
        self.hosts.len() > 1 || self.read_write
    }

    /// The first host, in the URL's order, that answers and (if asked) takes writes.
    pub async fn find(&self) -> Option<usize> {
        for (i, opts) in self.hosts.iter().enumerate() {
            if let Ok(mut conn) = probe_connect(opts).await {
                let fits = fits(&mut conn, self.read_write).await.unwrap_or(false);
                let _ = conn.close().await;
                if fits {
                    return Some(i);
                }
            }
        }
        None
    }
}

async fn probe_connect(opts: &PgConnectOptions) -> std::result::Result<PgConnection, sqlx::Error> {
    let opts = opts.clone().disable_statement_logging();
    tokio::time::timeout(PROBE_TIMEOUT, opts.connect())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
}

/// Whether the connection's server takes writes, when writes are wanted.
pub(crate) async fn fits(
    conn: &mut PgConnection,
    read_write: bool,
) -> std::result::Result<bool, sqlx::Error> {
    if !read_write {
        return Ok(true);
    }
    let in_recovery: bool = tokio::time::timeout(
        PROBE_TIMEOUT,
        sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&mut *conn),
    )
    .await
    .map_err(|_| sqlx::Error::PoolTimedOut)??;
    Ok(!in_recovery)
}

/// The watcher of a multi-host pool; it stops with the store.
#[derive(Debug)]
pub(crate) struct Watcher(JoinHandle<()>);

impl Watcher {
    /// Watches `pool`, now pointed at `targets.hosts[current]`.
    pub fn spawn(pool: PgPool, targets: PgTargets, mut current: usize) -> Watcher {
        Watcher(tokio::spawn(async move {
            let mut conn: Option<PgConnection> = None;
            let mut tick = tokio::time::interval(WATCH_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if pool.is_closed() {
                    return;
                }
                // the watcher's own connection to the current host still fits?
                if let Some(c) = conn.as_mut() {
                    if fits(c, targets.read_write).await.unwrap_or(false) {
                        continue;
                    }
                }
                conn = None;
                if let Ok(mut c) = probe_connect(&targets.hosts[current]).await {
                    if fits(&mut c, targets.read_write).await.unwrap_or(false) {
                        conn = Some(c);
                        continue;
                    }
                }
                let found = targets.find().await;
                match found {
                    Some(i) if i == current => {}
                    Some(i) => {
                        tracing::warn!(
                            from = %host_of(&targets.hosts[current]),
                            to = %host_of(&targets.hosts[i]),
                            "数据库主库已切换 (the primary moved): new connections go to the new host"
                        );
                        current = i;
                        pool.set_connect_options(targets.hosts[i].clone());
                    }
                    None => tracing::warn!("没有可写的数据库主机 (no host takes writes yet)"),
                }
            }
        }))
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn host_of(opts: &PgConnectOptions) -> String {
    format!("{}:{}", opts.get_host(), opts.get_port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_url_per_host_with_the_rest_alike() {
        let t = PgTargets::parse(
            "postgres://u:pw@h1:5433,h2/db?sslmode=disable&target_session_attrs=read-write",
        )
        .unwrap();
        assert!(t.read_write && t.needs_watch());
        assert_eq!(t.hosts.len(), 2);
        assert_eq!((t.hosts[0].get_host(), t.hosts[0].get_port()), ("h1", 5433));
        assert_eq!((t.hosts[1].get_host(), t.hosts[1].get_port()), ("h2", 5432));
        for h in &t.hosts {
            assert_eq!(h.get_database(), Some("db"));
            assert_eq!(h.get_username(), "u");
        }
    }

    #[test]
    fn a_plain_url_needs_no_watch() {
        let t = PgTargets::parse("postgres://postgres@127.0.0.1:5432/test").unwrap();
        assert!(!t.read_write && !t.needs_watch());
        let t = PgTargets::parse("postgresql://h?target_session_attrs=any").unwrap();
        assert!(!t.needs_watch());
    }

    #[test]
    fn bad_urls_say_why_without_the_password() {
        for (url, why) in [
            ("postgres://u:secret@h1,,h2/db", "主机名为空"),
            (
                "postgres://u:secret@h1/db?target_session_attrs=standby",
                "target_session_attrs",
            ),
        ] {
            let e = PgTargets::parse(url).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
            assert!(!e.contains("secret"), "{e}");
        }
    }
}
