//! Planning: everything the build takes from the world, resolved once before any stack is built.
//!
//! `run` calls [`plan`] and hands the [`Inputs`] to `app::build` through `Ctx`; the stacks only
//! read them. Each effect has its home here and a fake for tests ([`Inputs::fake`],
//! [`FixedClock`]).
use std::time::{SystemTime, UNIX_EPOCH};

use super::run::RunError;

/// Where the synthesis time comes from.
pub trait Clock {
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> u128;
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u128 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    }
}

/// A clock that always says the same time (tests).
pub struct FixedClock(pub u128);

impl Clock for FixedClock {
    fn now_ms(&self) -> u128 {
        self.0
    }
}

/// What the stacks take from the world, read once.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The synthesis time, in milliseconds since the epoch. compat: the TS app stamps the API
    /// deployment's construct id, three deploy-time calls and the initial app configuration's
    /// `createdAt` with `Date.now()`, so that every deploy redeploys the API and reruns the calls.
    pub now_ms: u128,
}

impl Inputs {
    /// Inputs for tests: a fixed time (2026-06-01 12:00:00 UTC).
    pub fn fake() -> Inputs {
        Inputs {
            now_ms: 1_780_315_200_000,
        }
    }
}

/// Resolves every input of the build.
pub fn plan(clock: &dyn Clock) -> Result<Inputs, RunError> {
    Ok(Inputs {
        now_ms: clock.now_ms(),
    })
}
