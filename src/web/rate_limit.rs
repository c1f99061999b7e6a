//! Per-client rate limits: of submissions (the form, retries and the JSON API share one
//! allowance) and, apart from them, of searches.
//!
//! The limiter is `governor`'s keyed GCRA, the one `tower_governor` wraps. The gates in
//! [`super::gates`] call it, and answer a refusal like any other error: in the page for the form
//! (htmx shows it above the form, which keeps what was typed), as `{"error": ...}` for the API,
//! both with `Retry-After`.
//!
//! Clients are told apart by [`ClientIp`]: the TCP peer, or behind a trusted proxy the address
//! the proxy heard from (see `client_ip`).

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

use super::{WebError, client_ip::ClientIp};
use crate::config::Limits;

/// Forget clients that have been quiet for a whole allowance after this many checks, so the
/// table stays as small as the set of recent clients.
const CLEANUP_EVERY: u32 = 1024;

#[derive(Clone)]
pub struct ClientLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    checks: Arc<AtomicU32>,
    /// What is limited, as the refusal says it: "submitting", "searching".
    action: &'static str,
}

impl ClientLimiter {
    /// Submissions and retries: `--submit-burst`, then `--submit-per-minute`.
    pub fn submissions(limits: &Limits) -> Self {
        Self::new(limits.submit_burst, limits.submit_per_minute, "submitting")
    }

    /// Searches: `--search-burst`, then `--search-per-minute`.
    pub fn searches(limits: &Limits) -> Self {
        Self::new(limits.search_burst, limits.search_per_minute, "searching")
    }

    fn new(burst: NonZeroU32, per_minute: NonZeroU32, action: &'static str) -> Self {
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            checks: Arc::new(AtomicU32::new(0)),
            action,
        }
    }

    /// Spends one of `client`'s allowance, or says how long until it has one.
    pub fn check(&self, client: ClientIp) -> Result<(), WebError> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client.0).map_err(|not_until| {
            let retry_after = not_until.wait_time_from(self.limiter.clock().now());
            tracing::info!(client = %client.0, ?retry_after, action = self.action, "rate limited");
            WebError::TooManyRequests {
                retry_after,
                action: self.action,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn limiter(burst: u32) -> ClientLimiter {
        ClientLimiter::submissions(&Limits {
            submit_burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
            submit_per_minute: NonZeroU32::MIN,
            ..Limits::DEFAULT
        })
    }

    #[test]
    fn a_client_gets_its_burst_then_is_told_when_to_come_back() {
        let limiter = limiter(3);
        let client = ClientIp(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
        for _ in 0..3 {
            assert!(limiter.check(client).is_ok());
        }
        let refused = limiter.check(client).err();
        let retry_after = refused.as_ref().and_then(WebError::retry_after);
        assert!(
            retry_after.is_some_and(|after| after.as_secs() > 50),
            "one submission a minute: {refused:?}"
        );
    }

    #[test]
    fn one_ipv6_host_is_one_client_however_many_addresses_it_uses() {
        let limiter = limiter(1);
        let first = ClientIp::new(
            "2001:db8::1"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        );
        let same_64 = ClientIp::new(
            "2001:db8::2"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        );
        let other_64 = ClientIp::new(
            "2001:db8:0:1::1"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        );
        assert!(limiter.check(first).is_ok());
        assert!(limiter.check(same_64).is_err());
        assert!(limiter.check(other_64).is_ok());
    }

    #[test]
    fn clients_have_allowances_of_their_own() {
        let limiter = limiter(1);
        let first = ClientIp(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
        let second = ClientIp(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)));
        assert!(limiter.check(first).is_ok());
        assert!(limiter.check(first).is_err());
        assert!(limiter.check(second).is_ok());
    }
}
