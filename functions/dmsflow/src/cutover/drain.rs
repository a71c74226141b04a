//! Step 3: drain exactly. The source's WAL position after the fence holds
//! every commit a fenced writer made; the target has applied them all when
//! the migration's slot confirms that position — a position, not a lag.

use super::session::{single_column, Db};
use super::CutoverError;
use crate::query;
use crate::sql::{get, FromRow, Query, RowError};
use std::time::{Duration, Instant};
use tokio_postgres::Row;

const CURRENT_LSN: Query = query!("cutover/current_lsn.sql");
const SLOT_CONFIRMED: Query = query!("cutover/slot_confirmed.sql");

struct Lsn(String);
single_column!(Lsn, "lsn");

struct Confirmed {
    confirmed: Option<String>,
    reached: bool,
}

impl FromRow for Confirmed {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(Confirmed {
            confirmed: get(row, q, "confirmed")?,
            reached: get(row, q, "reached")?,
        })
    }
}

/// The source's WAL position now.
pub async fn position(source: &Db<'_>) -> Result<String, CutoverError> {
    let Lsn(lsn) = source
        .one(&CURRENT_LSN, &[], "noting the WAL position after the fence")
        .await?;
    Ok(lsn)
}

/// Wait (at most `timeout`) until `slot` has confirmed `lsn`.
pub async fn wait_confirmed(
    source: &Db<'_>,
    slot: &str,
    lsn: &str,
    timeout: Duration,
) -> Result<String, CutoverError> {
    let started = Instant::now();
    loop {
        let found: Vec<Confirmed> = source
            .rows(
                &SLOT_CONFIRMED,
                &[&slot, &lsn],
                "reading the slot's confirmed position",
            )
            .await?;
        let Some(state) = found.into_iter().next() else {
            return Err(CutoverError::Abort {
                step: "drain",
                reason: format!(
                    "replication slot {slot} does not exist on the source {}",
                    source.spec.endpoint()
                ),
            });
        };
        if state.reached {
            return Ok(format!(
                "slot {slot} confirmed {} (>= {lsn}) after {:.2} s",
                state.confirmed.as_deref().unwrap_or("?"),
                started.elapsed().as_secs_f64()
            ));
        }
        if started.elapsed() >= timeout {
            return Err(CutoverError::Abort {
                step: "drain",
                reason: format!(
                    "the target had not applied the source up to {lsn} after {} s (slot {slot} confirmed {})",
                    timeout.as_secs(),
                    state.confirmed.as_deref().unwrap_or("nothing")
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
