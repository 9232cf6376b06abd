//! How far the long stages of the audit have got, told to whoever asked
//! ([`super::Auditor::progress`]): the shell draws it, the engine never does.

use std::sync::atomic::{AtomicU64, Ordering};

/// Told `(stage, done, total)` as a stage advances, from either of the engine's threads.
pub type Tick = std::sync::Arc<dyn Fn(Stage, u64, u64) + Send + Sync>;

/// The stages of [`super::Auditor::finish`] that take long enough to be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Each staff member's rows read back, sorted by day and clock time, checked.
    StaffDays,
    /// Each patient-month's checks and decision.
    PatientMonths,
}

impl Stage {
    /// What the stage does, as a progress line names it.
    pub fn label(self) -> &'static str {
        match self {
            Stage::StaffDays => "checking staff days",
            Stage::PatientMonths => "checking patient-months",
        }
    }
}

/// One stage's count, shared by the threads that advance it.
pub(super) struct Meter<'a> {
    tick: Option<&'a Tick>,
    stage: Stage,
    total: u64,
    done: AtomicU64,
}

impl<'a> Meter<'a> {
    /// A stage of `total` steps; told at once (0 done), so a stage shows as it starts.
    pub(super) fn start(tick: Option<&'a Tick>, stage: Stage, total: usize) -> Self {
        let m = Meter {
            tick,
            stage,
            total: total as u64,
            done: AtomicU64::new(0),
        };
        m.add(0);
        m
    }

    /// `n` more steps done.
    pub(super) fn add(&self, n: u64) {
        if let Some(tick) = self.tick {
            let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
            tick(self.stage, done, self.total);
        }
    }
}
