//! Per-tenant rate limits: a per-second and a per-minute quota, both must allow.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

struct TenantLimiter {
    per_second: DefaultDirectRateLimiter,
    per_minute: DefaultDirectRateLimiter,
    quotas: (u32, u32),
}

/// The limiters of every tenant seen so far, created on first use.
#[derive(Clone, Default)]
pub struct RateLimits {
    tenants: Arc<Mutex<HashMap<String, Arc<TenantLimiter>>>>,
}

impl RateLimits {
    /// Takes one request from `tenant`'s budget; false when over either quota.
    /// A change of the tenant's quotas replaces its limiter.
    pub fn check(&self, tenant: &str, per_second: u32, per_minute: u32) -> bool {
        let limiter = {
            let mut map = self.tenants.lock().expect("rate limit map poisoned");
            let entry = map
                .get(tenant)
                .filter(|l| l.quotas == (per_second, per_minute));
            match entry {
                Some(l) => l.clone(),
                None => {
                    let l = Arc::new(TenantLimiter {
                        per_second: RateLimiter::direct(Quota::per_second(nonzero(per_second))),
                        per_minute: RateLimiter::direct(Quota::per_minute(nonzero(per_minute))),
                        quotas: (per_second, per_minute),
                    });
                    map.insert(tenant.to_string(), l.clone());
                    l
                }
            }
        };
        // The second's budget first: a burst refused there must not eat the minute's budget.
        limiter.per_second.check().is_ok() && limiter.per_minute.check().is_ok()
    }
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("max(1) is non-zero")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_burst_then_refused() {
        let limits = RateLimits::default();
        let allowed = (0..15).filter(|_| limits.check("t", 10, 60)).count();
        assert_eq!(allowed, 10);
        assert!(limits.check("other", 10, 60), "tenants are independent");
    }

    #[test]
    fn per_minute_caps_total() {
        let limits = RateLimits::default();
        let allowed = (0..20).filter(|_| limits.check("t", 100, 5)).count();
        assert_eq!(allowed, 5);
    }
}
