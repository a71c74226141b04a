//! The replication slot a DMS task streams from, read on the source: the lag
//! in bytes (WAL DMS has not confirmed) and timed at the slot, as the native
//! engine does (see [`crate::engine::slot_lag`]). DMS names its slot itself,
//! so unless `DMS_SOURCE_SLOT` names it, the slot is the one logical slot of
//! the source database; none or several and nothing is guessed: the lag
//! rests on CloudWatch alone, and the poll says why in its log.

use crate::db::ConnectSpec;
use crate::engine::native::session::Session;
use crate::engine::native::Limits;
use crate::engine::slot_lag::{self, SlotLag};
use crate::engine::EngineError;
use crate::sql::{query, Query};
use std::time::Duration;

const LOGICAL_SLOTS: Query = query!("validate/logical_slots.sql");

/// Where to read the DMS task's slot.
#[derive(Debug, Clone)]
pub struct SourceSlot {
    pub source: ConnectSpec,
    /// `None`: the one logical slot of the source database.
    pub name: Option<String>,
    /// WAL bytes not confirmed under which the lag may count as in sync.
    pub max_bytes: i64,
}

/// One reading of the slot, or why there is none.
pub(super) enum SlotReading {
    Measured { name: String, lag: SlotLag },
    Unavailable(String),
}

/// A poll's reads are short; it must answer promptly.
const LIMITS: Limits = Limits {
    statement_timeout: Duration::from_secs(30),
    lock_timeout: Duration::from_secs(5),
};

impl SourceSlot {
    /// The task's slot: named, else the one logical slot of the source
    /// database. `Err(why)` when there is none or several (nothing guessed).
    pub(crate) async fn identify(
        &self,
        session: &Session<'_>,
    ) -> Result<Result<String, String>, EngineError> {
        if let Some(name) = &self.name {
            return Ok(Ok(name.clone()));
        }
        let slots: Vec<String> = session
            .column(
                &LOGICAL_SLOTS,
                &[],
                "slot_name",
                "listing the source's logical slots",
            )
            .await?;
        Ok(match slots.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err("the source database has no logical replication slot".into()),
            several => Err(format!(
                "the source database has {} logical slots ({}) and DMS_SOURCE_SLOT names none; none is guessed",
                several.len(),
                several.join(", ")
            )),
        })
    }

    /// A session on the source for the slot's reads.
    pub(crate) async fn session(&self) -> Result<Session<'_>, EngineError> {
        Session::open(&self.source, "dmsflow-dms-slot", LIMITS).await
    }

    pub(super) async fn read(&self, threshold_seconds: f64) -> Result<SlotReading, EngineError> {
        let session = self.session().await?;
        let name = match self.identify(&session).await? {
            Ok(name) => name,
            Err(why) => return Ok(SlotReading::Unavailable(why)),
        };
        let lag = slot_lag::measure(&session, &name, threshold_seconds).await?;
        if !lag.slot.present {
            return Ok(SlotReading::Unavailable(format!(
                "replication slot {name} (DMS_SOURCE_SLOT) does not exist on the source {}",
                self.source.endpoint()
            )));
        }
        Ok(SlotReading::Measured { name, lag })
    }
}

/// The lag of a running task past its full load: `(seconds, bytes, in-sync
/// lag)`. CloudWatch's CDC latency is a minute's average; the slot is read
/// now. With a slot, `in-sync` needs both: the slot confirmed everything
/// committed before the poll within the wait, its bytes under the bound, and
/// a CloudWatch datapoint (DMS's own view of its apply) under the threshold.
pub(super) fn combine(
    cloudwatch: Option<f64>,
    reading: &SlotReading,
    max_bytes: i64,
) -> (Option<f64>, Option<i64>, Option<f64>) {
    match reading {
        SlotReading::Unavailable(_) => (cloudwatch, None, cloudwatch),
        SlotReading::Measured { lag, .. } => {
            let seconds = match (cloudwatch, lag.seconds()) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let in_sync = match (lag.in_sync_seconds(max_bytes), cloudwatch) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            (seconds, lag.bytes(), in_sync)
        }
    }
}
