//! A rate limit per client address, in memory, for the public (no-login) endpoints: `governor`'s
//! keyed limiter (GCRA, the token bucket's exact equivalent). Each client may make `burst`
//! requests at once and then one every `refill`; an IPv6 client is counted by its /64, which is
//! what one household or phone is usually given.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::Quota;

use crate::AppState;

/// Above this many tracked clients, those idle long enough to have a full burst again are
/// forgotten (they are indistinguishable from a client never seen).
const PRUNE_ABOVE: usize = 10_000;
/// How often (in checks) the number of tracked clients is looked at.
const PRUNE_EVERY: u32 = 256;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill: Duration,
}

impl RateLimit {
    fn quota(self) -> Quota {
        // governor refuses a zero period and a zero burst: the smallest of each is the nearest
        let period = self.refill.max(Duration::from_nanos(1));
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

/// The limiter of one endpoint group; `C` is the clock (a fake one in the unit tests).
pub struct RateLimiter<C: Clock = DefaultClock> {
    inner: governor::RateLimiter<
        IpAddr,
        DefaultKeyedStateStore<IpAddr>,
        C,
        NoOpMiddleware<C::Instant>,
    >,
    checks: AtomicU32,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("clients", &self.inner.len())
            .finish()
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self::with_clock(limit, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    fn with_clock(limit: RateLimit, clock: C) -> Self {
        RateLimiter {
            inner: governor::RateLimiter::new(limit.quota(), Default::default(), clock),
            checks: AtomicU32::new(0),
        }
    }

    /// Takes a token for `ip`, or says how long until one is available.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            self.prune();
        }
        self.inner
            .check_key(&client_key(ip))
            .map_err(|not_until| not_until.wait_time_from(self.inner.clock().now()))
    }

    /// Bounds memory: past [`PRUNE_ABOVE`] clients, forgets the idle ones.
    fn prune(&self) {
        if self.inner.len() > PRUNE_ABOVE {
            self.inner.retain_recent();
            self.inner.shrink_to_fit();
        }
    }
}

fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// The client's address: the peer of the connection, or — only when the server is configured
/// to sit behind a trusted reverse proxy — the last address that proxy appended to
/// `X-Forwarded-For` (earlier entries are whatever the client chose to send).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for {
            // only the proxy's own entry counts; if it is unreadable, fall back to the peer
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|s| s.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn limiter(
        burst: u32,
        refill: Duration,
    ) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let l = RateLimiter::with_clock(RateLimit { burst, refill }, clock.clone());
        (l, clock)
    }

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let (l, clock) = limiter(3, Duration::from_secs(10));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(ip).is_ok());
        }
        let wait = l.check(ip).unwrap_err();
        assert!(wait <= Duration::from_secs(10) && wait > Duration::from_secs(9));
        assert!(l.check("10.0.0.2".parse().unwrap()).is_ok(), "per client");
        clock.advance(Duration::from_secs(10));
        assert!(l.check(ip).is_ok());
        assert!(l.check(ip).is_err());
    }

    #[test]
    fn ipv6_counts_by_prefix() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());

        let (l, _clock) = limiter(1, Duration::from_secs(10));
        assert!(l.check(a).is_ok());
        assert!(l.check(b).is_err(), "the same /64 shares one limit");
        assert!(l.check("2001:db8:1:3::1".parse().unwrap()).is_ok());
    }

    #[test]
    fn idle_clients_are_forgotten_past_the_bound() {
        let (l, clock) = limiter(2, Duration::from_secs(1));
        for i in 0..=PRUNE_ABOVE as u32 {
            assert!(l.check(IpAddr::from(i.to_be_bytes())).is_ok());
        }
        assert_eq!(l.inner.len(), PRUNE_ABOVE + 1);
        // one client stays busy: it keeps its (empty) bucket when the idle ones go
        let busy: IpAddr = "192.0.2.1".parse().unwrap();
        clock.advance(Duration::from_secs(5));
        assert!(l.check(busy).is_ok());
        assert!(l.check(busy).is_ok());
        l.prune();
        assert_eq!(l.inner.len(), 1);
        assert!(l.check(busy).is_err(), "the busy client is still limited");
    }
}
