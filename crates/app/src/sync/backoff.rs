//! Exponential backoff with jitter, so that many workstations coming back online do not hit
//! the server in step.

use std::time::Duration;

use rand::Rng;

/// Delays after consecutive failures: `base * 2^n`, capped, times a random factor in
/// [0.5, 1.5); a server's `Retry-After` is a floor.
#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff { base, cap, failures: 0 }
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn succeed(&mut self) {
        self.failures = 0;
    }

    /// Counts a failure and returns how long to wait before the next attempt.
    pub fn fail(&mut self, retry_after: Option<Duration>) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.failures.min(20)).min(self.cap);
        self.failures = self.failures.saturating_add(1);
        let factor = rand::thread_rng().gen_range(0.5..1.5);
        let delay = exp.mul_f64(factor).min(self.cap);
        retry_after.map_or(delay, |r| delay.max(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let first = b.fail(None);
        assert!(first >= Duration::from_millis(50) && first < Duration::from_millis(150));
        for _ in 0..10 {
            assert!(b.fail(None) <= Duration::from_secs(2));
        }
        assert!(b.fail(Some(Duration::from_secs(5))) >= Duration::from_secs(5), "retry-after is a floor");
        b.succeed();
        assert!(b.fail(None) < Duration::from_millis(150));
    }
}
