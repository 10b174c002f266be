//! Per-client token buckets: `burst` requests at once, then `rate_per_minute`
//! on average.
//!
//! Each bucket is kept as a single instant, the GCRA "theoretical arrival
//! time": the moment the bucket would be full again. A request is allowed if
//! the bucket holds a token, i.e. if taking one leaves the arrival time at most
//! `burst` refill intervals ahead of now. A bucket whose arrival time has
//! passed is full, so it carries no information and can be forgotten.
//!
//! The client key is the IP address, IPv6 addresses grouped by their /64
//! prefix (one subscriber or host owns a whole /64, and could otherwise rotate
//! through it), and an IPv4-mapped IPv6 address counted as its IPv4 address
//! (what a dual-stack socket reports for an IPv4 client).
//!
//! Memory is bounded: at most `max_keys` buckets (100 000 by default, a few
//! MiB). When the table is full, full buckets are dropped (at most once a
//! second, since the sweep walks the whole table); if it is still full, a new
//! client is let through untracked and a warning is logged once. That is
//! fail-open on purpose: this limiter damps abuse, it is not an access
//! control, and failing closed would let anyone holding many addresses lock
//! out every new legitimate client. Clients already tracked stay limited.
//!
//! One mutex guards the table; the critical section is a hash lookup and a
//! little arithmetic, well below a microsecond, except for the rare sweep.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Buckets kept at most by default.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// A full table is swept for idle buckets at most this often.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Refused: the next token is available after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for a `Retry-After` header: rounded up, at least 1.
    pub fn as_header_secs(&self) -> u64 {
        let secs = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        secs.max(1)
    }
}

/// A per-client token-bucket limiter.
pub struct RateLimiter {
    name: &'static str,
    burst: u32,
    /// Time to refill one token.
    interval: Duration,
    /// How far ahead of now a bucket's arrival time may be: `burst` intervals.
    tolerance: Duration,
    max_keys: usize,
    table: Mutex<Table>,
}

struct Table {
    buckets: HashMap<ClientKey, Instant>,
    next_sweep: Option<Instant>,
    warned_full: bool,
}

/// An IPv4 address, or the /64 prefix of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    V6Prefix(u64),
}

impl ClientKey {
    fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(v4.to_bits()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(v4.to_bits()),
                None => ClientKey::V6Prefix((v6.to_bits() >> 64) as u64),
            },
        }
    }
}

impl RateLimiter {
    /// `burst` requests may come at once (the bucket's capacity); tokens come
    /// back at `rate_per_minute`. Both are taken as at least 1. `name` says
    /// which limiter speaks in logs (`"login"`, `"buyer_lookup"`).
    pub fn new(name: &'static str, burst: u32, rate_per_minute: u32) -> Self {
        let burst = burst.max(1);
        let interval = Duration::from_secs(60) / rate_per_minute.max(1);
        RateLimiter {
            name,
            burst,
            interval,
            tolerance: interval * burst,
            max_keys: DEFAULT_MAX_KEYS,
            table: Mutex::new(Table {
                buckets: HashMap::new(),
                next_sweep: None,
                warned_full: false,
            }),
        }
    }

    /// The same limiter tracking at most `max_keys` clients (at least 1).
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Number of clients currently tracked.
    pub fn tracked_clients(&self) -> usize {
        self.lock().buckets.len()
    }

    /// Takes a token from `client`'s bucket, or says how long until one is back.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), RetryAfter> {
        let key = ClientKey::of(client);
        let mut table = self.lock();
        let arrival = match table.buckets.get(&key) {
            Some(&arrival) => arrival,
            None => {
                if !self.make_room(&mut table, now) {
                    return Ok(());
                }
                now
            }
        };
        // A bucket idle for long is simply full: its arrival time is in the past.
        let next = arrival.max(now) + self.interval;
        let ahead = next.saturating_duration_since(now);
        if ahead > self.tolerance {
            return Err(RetryAfter(ahead - self.tolerance));
        }
        table.buckets.insert(key, next);
        Ok(())
    }

    /// Whether a new client can be tracked, sweeping full buckets if needed.
    fn make_room(&self, table: &mut Table, now: Instant) -> bool {
        if table.buckets.len() < self.max_keys {
            return true;
        }
        if table.next_sweep.is_none_or(|at| now >= at) {
            table.buckets.retain(|_, arrival| *arrival > now);
            table.next_sweep = Some(now + SWEEP_INTERVAL);
            if table.buckets.len() < self.max_keys {
                return true;
            }
        }
        if !table.warned_full {
            table.warned_full = true;
            tracing::warn!(
                limiter = self.name,
                max_keys = self.max_keys,
                "rate limiter table is full of active clients; new clients pass unlimited"
            );
        }
        false
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        // The table holds plain data; a panic elsewhere cannot leave it half-updated.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn burst_then_refused_with_time_to_next_token() {
        // 5 at once, then one every 6 s.
        let limiter = RateLimiter::new("test", 5, 10);
        let t0 = Instant::now();
        let client = ip("203.0.113.7");
        for _ in 0..5 {
            assert_eq!(limiter.check(client, t0), Ok(()));
        }
        assert_eq!(limiter.check(client, t0), Err(RetryAfter(secs(6))));
        // Refused requests do not use up tokens: still 6 s from t0.
        assert_eq!(
            limiter.check(client, t0 + secs(2)),
            Err(RetryAfter(secs(4)))
        );
        assert_eq!(RetryAfter(Duration::from_millis(4001)).as_header_secs(), 5);
        assert_eq!(RetryAfter(Duration::ZERO).as_header_secs(), 1);
    }

    #[test]
    fn tokens_come_back_over_time() {
        let limiter = RateLimiter::new("test", 2, 60);
        let t0 = Instant::now();
        let client = ip("198.51.100.1");
        assert!(limiter.check(client, t0).is_ok());
        assert!(limiter.check(client, t0).is_ok());
        assert!(limiter.check(client, t0).is_err());
        // One token per second.
        assert!(
            limiter
                .check(client, t0 + Duration::from_millis(999))
                .is_err()
        );
        assert!(limiter.check(client, t0 + secs(1)).is_ok());
        assert!(limiter.check(client, t0 + secs(1)).is_err());
        // Long idle: full again, but never more than the burst.
        let later = t0 + secs(3600);
        assert!(limiter.check(client, later).is_ok());
        assert!(limiter.check(client, later).is_ok());
        assert_eq!(limiter.check(client, later), Err(RetryAfter(secs(1))));
    }

    #[test]
    fn steady_rate_is_sustained() {
        let limiter = RateLimiter::new("test", 1, 120);
        let t0 = Instant::now();
        let client = ip("192.0.2.1");
        for i in 0..100 {
            let at = t0 + Duration::from_millis(500 * i);
            assert!(limiter.check(client, at).is_ok(), "request {i}");
        }
    }

    #[test]
    fn clients_are_independent() {
        let limiter = RateLimiter::new("test", 1, 1);
        let t0 = Instant::now();
        assert!(limiter.check(ip("192.0.2.1"), t0).is_ok());
        assert!(limiter.check(ip("192.0.2.1"), t0).is_err());
        assert!(limiter.check(ip("192.0.2.2"), t0).is_ok());
        assert!(limiter.check(ip("2001:db8::1"), t0).is_ok());
        assert!(limiter.check(ip("2001:db8:0:1::1"), t0).is_ok());
    }

    #[test]
    fn an_ipv6_slash_64_is_one_client() {
        let limiter = RateLimiter::new("test", 2, 1);
        let t0 = Instant::now();
        assert!(limiter.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(
            limiter
                .check(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"), t0)
                .is_ok()
        );
        assert!(limiter.check(ip("2001:db8:1:2:abcd::9"), t0).is_err());
        assert!(limiter.check(ip("2001:db8:1:3::1"), t0).is_ok());
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let limiter = RateLimiter::new("test", 1, 1);
        let t0 = Instant::now();
        let v4 = Ipv4Addr::new(192, 0, 2, 9);
        assert!(limiter.check(IpAddr::V4(v4), t0).is_ok());
        assert!(limiter.check(IpAddr::V6(v4.to_ipv6_mapped()), t0).is_err());
        assert_eq!(limiter.tracked_clients(), 1);
    }

    #[test]
    fn a_full_table_drops_idle_clients_then_fails_open() {
        let limiter = RateLimiter::new("test", 1, 60).with_max_keys(2);
        let t0 = Instant::now();
        let client = |n: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, n, 0, 0, 0, 0, 1));
        assert!(limiter.check(client(1), t0).is_ok());
        assert!(limiter.check(client(2), t0).is_ok());
        // Full of active clients: a new one passes, untracked, every time.
        assert!(limiter.check(client(3), t0).is_ok());
        assert!(limiter.check(client(3), t0).is_ok());
        assert_eq!(limiter.tracked_clients(), 2);
        // Tracked clients stay limited.
        assert!(limiter.check(client(1), t0).is_err());
        // Once their buckets are full again they are dropped to make room.
        let later = t0 + secs(2);
        assert!(limiter.check(client(3), later).is_ok());
        assert_eq!(limiter.tracked_clients(), 1);
        assert!(limiter.check(client(3), later).is_err());
    }

    #[test]
    fn degenerate_settings_are_clamped() {
        let limiter = RateLimiter::new("test", 0, 0);
        let t0 = Instant::now();
        assert_eq!(limiter.burst(), 1);
        assert!(limiter.check(ip("192.0.2.1"), t0).is_ok());
        assert_eq!(
            limiter.check(ip("192.0.2.1"), t0),
            Err(RetryAfter(secs(60)))
        );
    }
}
