//! WAL positions for the live re-checks: which replication slot carries
//! this migration (named, or the only one — never guessed between several),
//! and waiting until the target has applied a source position.

use super::rows::ReadError;
use crate::db::ConnectSpec;
use crate::sql::{self, query, FromRow, Query, RowError};
use std::time::{Duration, Instant};
use tokio_postgres::Client;

const SOURCE_POSITION: Query = query!("validate/source_position.sql");
const SLOT_POSITION: Query = query!("validate/slot_position.sql");
const LOGICAL_SLOTS: Query = query!("validate/logical_slots.sql");
const SUBSCRIPTION_SLOTS: Query = query!("validate/subscription_slots.sql");

/// How often the slot is read while waiting.
const POLL_EVERY: Duration = Duration::from_millis(50);

struct Lsn {
    lsn: String,
}

impl FromRow for Lsn {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(Lsn {
            lsn: sql::get(row, q, "lsn")?,
        })
    }
}

struct SlotName {
    name: String,
}

impl FromRow for SlotName {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(SlotName {
            name: sql::get(row, q, "slot_name")?,
        })
    }
}

/// One read of a slot's position.
struct SlotPosition {
    present: bool,
    active: bool,
    reached: bool,
    confirmed: Option<String>,
}

impl FromRow for SlotPosition {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(SlotPosition {
            present: sql::get(row, q, "present")?,
            active: sql::get(row, q, "active")?,
            reached: sql::get(row, q, "reached")?,
            confirmed: sql::get(row, q, "confirmed")?,
        })
    }
}

/// The slot the re-checks wait on, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotChoice {
    Slot(String),
    /// No position is available (re-checks fall back to a settle delay).
    Unavailable(String),
}

/// The migration's slot: `named` when given; else the one logical slot of
/// the source database — narrowed to those a target subscription names when
/// any does. Zero or several candidates: unavailable, never a guess.
pub async fn find_slot(
    source: (&Client, &ConnectSpec),
    target: (&Client, &ConnectSpec),
    named: Option<&str>,
) -> Result<SlotChoice, ReadError> {
    if let Some(name) = named.filter(|n| !n.is_empty()) {
        return Ok(SlotChoice::Slot(name.to_owned()));
    }
    let rows = source
        .0
        .query(LOGICAL_SLOTS.text(), &[])
        .await
        .map_err(source.1.query_error("listing the source's logical slots"))?;
    let mut slots = names(&rows, LOGICAL_SLOTS.name)?;
    // A role that may not read pg_subscription just narrows nothing.
    if let Ok(rows) = target.0.query(SUBSCRIPTION_SLOTS.text(), &[]).await {
        let named_by_target = names(&rows, SUBSCRIPTION_SLOTS.name)?;
        if slots.iter().any(|s| named_by_target.contains(s)) {
            slots.retain(|s| named_by_target.contains(s));
        }
    }
    Ok(match slots.as_slice() {
        [one] => SlotChoice::Slot(one.clone()),
        [] => SlotChoice::Unavailable(
            "the source database has no logical replication slot".into(),
        ),
        several => SlotChoice::Unavailable(format!(
            "the source database has {} logical slots ({}) and none was named (VALIDATE_REPLICATION_SLOT or the request's slot); none is guessed",
            several.len(),
            several.join(", ")
        )),
    })
}

fn names(rows: &[tokio_postgres::Row], q: &'static str) -> Result<Vec<String>, RowError> {
    rows.iter()
        .map(|r| SlotName::from_row(r, q).map(|s| s.name))
        .collect()
}

/// The source WAL position, read as the first statement of a transaction.
pub async fn source_position(client: &Client, spec: &ConnectSpec) -> Result<String, ReadError> {
    let row = client
        .query_one(SOURCE_POSITION.text(), &[])
        .await
        .map_err(spec.query_error("reading the source WAL position"))?;
    Ok(Lsn::from_row(&row, SOURCE_POSITION.name)?.lsn)
}

/// Whether the target reached a position in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reached {
    Yes,
    /// Not within the wait: why (slot missing, inactive, or behind).
    No(String),
}

/// Wait until `slot` has confirmed `lsn`, at most `wait`.
pub async fn wait_for(
    client: &Client,
    spec: &ConnectSpec,
    slot: &str,
    lsn: &str,
    wait: Duration,
) -> Result<Reached, ReadError> {
    let started = Instant::now();
    loop {
        let row = client
            .query_one(SLOT_POSITION.text(), &[&slot, &lsn])
            .await
            .map_err(spec.query_error("reading the replication slot's position"))?;
        let p = SlotPosition::from_row(&row, SLOT_POSITION.name)?;
        if p.reached {
            return Ok(Reached::Yes);
        }
        if !p.present {
            return Ok(Reached::No(format!(
                "replication slot {slot} does not exist on the source"
            )));
        }
        if started.elapsed() >= wait {
            return Ok(Reached::No(format!(
                "the target had not applied source position {lsn} after {:.1} s (slot {slot} {}, confirmed {})",
                wait.as_secs_f64(),
                if p.active { "active" } else { "inactive: replication is stopped" },
                p.confirmed.as_deref().unwrap_or("nothing")
            )));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
