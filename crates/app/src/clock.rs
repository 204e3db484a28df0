//! Where the app layer gets the time from, so tests can set it.

use meridian_domain::time::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_millis() as i64)
    }
}

/// A clock that tests move by hand.
#[cfg(feature = "test-support")]
#[derive(Debug, Default)]
pub struct FakeClock(std::sync::atomic::AtomicI64);

#[cfg(feature = "test-support")]
impl FakeClock {
    pub fn new(at: Timestamp) -> FakeClock {
        FakeClock(std::sync::atomic::AtomicI64::new(at.0))
    }

    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(feature = "test-support")]
impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}
