//! Lag read at the source's replication slot, for both engines: the native
//! engine's subscription slot and the slot a DMS task streams from. Bytes are
//! the WAL the consumer has not confirmed; seconds are timed, not taken from
//! the walsender's `replay_lag` (which reads a few microseconds while the
//! target is far behind after a burst): note the source's insert position,
//! then wait (at most the threshold, capped) until the slot has confirmed it.
//! Every change the target lacks when it has was committed after the poll
//! began, so the elapsed time bounds the age of the oldest change not applied.

use super::native::catalog::{Slot, SlotReach, WalPosition, SLOT, SLOT_REACH, WAL_POSITION};
use super::native::session::Session;
use super::EngineError;
use std::time::{Duration, Instant};

/// Longest a poll waits to time the lag (the Lambda must answer promptly).
const MAX_LAG_WAIT: Duration = Duration::from_secs(10);

/// How often the slot is read while timing.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// The lag in seconds as timed by one poll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LagTiming {
    /// An upper bound on the age of the oldest committed change the target
    /// has not applied (when `caught_up`), else a lower bound.
    pub seconds: f64,
    /// The slot confirmed the source's position of the poll's start within
    /// the wait.
    pub caught_up: bool,
}

/// One reading of a slot: its catalog row and, when it streams, the timing.
pub(crate) struct SlotLag {
    pub slot: Slot,
    pub timing: Option<LagTiming>,
}

impl SlotLag {
    /// WAL bytes not confirmed (`None`: no such slot).
    pub fn bytes(&self) -> Option<i64> {
        self.slot.lag_bytes.filter(|_| self.slot.present)
    }

    /// The lag in seconds: timed, else the walsender's own figure.
    pub fn seconds(&self) -> Option<f64> {
        match (&self.timing, self.bytes()) {
            (Some(t), _) => Some(t.seconds),
            (None, Some(_)) => self.slot.replay_lag_seconds,
            (None, None) => None,
        }
    }

    /// The lag when it may count as in sync: the slot confirmed, within the
    /// wait, everything committed before the poll began, and the bytes left
    /// are at most `max_bytes`. `None`: not in sync, whatever the seconds.
    pub fn in_sync_seconds(&self, max_bytes: i64) -> Option<f64> {
        match (&self.timing, self.bytes()) {
            (Some(t), Some(b)) if t.caught_up && b <= max_bytes => Some(t.seconds),
            _ => None,
        }
    }

    /// `wal_status = lost`: the slot can no longer stream.
    pub fn lost(&self) -> bool {
        self.slot.wal_status.as_deref() == Some("lost")
    }
}

/// The catalog row of slot `name` (present = false when there is none).
pub(crate) async fn read_slot(source: &Session<'_>, name: &str) -> Result<Slot, EngineError> {
    source
        .opt(&SLOT, &[&name], "reading the replication slot")
        .await?
        .ok_or_else(|| EngineError::Incomplete {
            what: "row for the replication slot query",
            resource: name.to_owned(),
        })
}

/// Read slot `name` and, when it is active and behind, time the lag.
pub(crate) async fn measure(
    source: &Session<'_>,
    name: &str,
    threshold_seconds: f64,
) -> Result<SlotLag, EngineError> {
    let slot = read_slot(source, name).await?;
    let timing = match (slot.present, slot.lag_bytes) {
        (true, Some(0)) => Some(LagTiming {
            seconds: 0.0,
            caught_up: true,
        }),
        (true, Some(_)) if slot.active => Some(time_lag(source, name, threshold_seconds).await?),
        _ => None,
    };
    Ok(SlotLag { slot, timing })
}

async fn time_lag(
    source: &Session<'_>,
    slot: &str,
    threshold: f64,
) -> Result<LagTiming, EngineError> {
    let started = Instant::now();
    let wait = Duration::from_secs_f64(threshold.max(0.0)).min(MAX_LAG_WAIT);
    let position: Option<WalPosition> = source
        .opt(&WAL_POSITION, &[], "reading the source WAL position")
        .await?;
    let Some(position) = position else {
        return Err(EngineError::Incomplete {
            what: "row for the WAL position query",
            resource: slot.to_owned(),
        });
    };
    loop {
        let reach: Option<SlotReach> = source
            .opt(
                &SLOT_REACH,
                &[&slot, &position.lsn],
                "reading the replication slot's position",
            )
            .await?;
        let seconds = started.elapsed().as_secs_f64();
        if reach.is_some_and(|r| r.reached) {
            return Ok(LagTiming {
                seconds,
                caught_up: true,
            });
        }
        if started.elapsed() >= wait {
            return Ok(LagTiming {
                seconds,
                caught_up: false,
            });
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
