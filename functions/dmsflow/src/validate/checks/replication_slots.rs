//! Replication slots on the source: an inactive slot keeps WAL forever.

use super::{DatabaseCheck, DatabaseContext};
use crate::contract::validate::FindingKind;
use crate::error::error_chain;
use crate::sql::{self, from_row, query, Query, RowError};
use crate::validate::human_bytes;
use crate::validate::model::{Check, CheckStatus, Finding};

const SLOTS: Query = query!("validate/replication_slots.sql");

/// One replication slot and the WAL it holds back.
struct Slot {
    name: String,
    slot_type: String,
    active: bool,
    retained_wal_bytes: i64,
    wal_status: Option<String>,
}

from_row! { Slot { name = "slot_name", slot_type, active, retained_wal_bytes, wal_status } }

/// No inactive replication slot retains WAL on the source (a warning: it
/// does not make the target different, but it fills the source's disk).
pub const REPLICATION_SLOTS: DatabaseCheck = DatabaseCheck {
    name: "replication_slots",
    run: |cx| Box::pin(replication_slots(cx)),
    store: |checks, check| checks.replication_slots = check,
};

async fn replication_slots(cx: &DatabaseContext<'_>) -> Option<Check> {
    Some(match read_slots(&cx.sessions.source.lead).await {
        Ok(slots) => judge(slots),
        Err(e) => Check::error(format!(
            "cannot read replication slots: {}",
            error_chain(&e)
        )),
    })
}

/// Why the slots could not be read (the driver's own words, as reported).
#[derive(Debug, thiserror::Error)]
enum SlotsError {
    #[error(transparent)]
    Query(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Row(#[from] RowError),
}

async fn read_slots(client: &tokio_postgres::Client) -> Result<Vec<Slot>, SlotsError> {
    let rows = client.query(SLOTS.text(), &[]).await?;
    Ok(sql::rows(&rows, &SLOTS)?)
}

fn judge(slots: Vec<Slot>) -> Check {
    let mut findings = Vec::new();
    let mut active = 0usize;
    for slot in slots {
        if slot.active {
            active += 1;
            continue;
        }
        findings.push(
            Finding::new(
                FindingKind::Inactive,
                format!("replication slot {}", slot.name),
            )
            .detail(format!(
                "holds {} of WAL on the source ({} slot, wal_status {})",
                human_bytes(slot.retained_wal_bytes),
                slot.slot_type,
                slot.wal_status.unwrap_or_else(|| "unknown".into())
            )),
        );
    }
    if findings.is_empty() {
        Check::pass(format!("no inactive replication slots ({active} active)"))
    } else {
        Check {
            status: CheckStatus::Warn,
            message: format!(
                "{} inactive replication slot(s) retain WAL on the source",
                findings.len()
            ),
            findings,
        }
    }
}
