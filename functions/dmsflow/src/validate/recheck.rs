//! Live mode: key-level, position-aware re-checks of the rows the snapshot
//! pass found different.
//!
//! Each round reads the differing keys on the source in a fresh transaction
//! whose first statement notes the source WAL position; waits (bounded) until
//! the migration's slot has confirmed that position; reads the keys on the
//! target; and reads the source again. Per key:
//! - the target equals either source read: it was in flight (settled);
//! - the target did not reach the position in time (replication stopped or
//!   behind): the difference is final — nothing excuses it as in flight;
//! - the source held still across both reads and the target, past the
//!   position, still differs: confirmed; two confirmations (one when only
//!   one re-check is allowed) make it final `different`;
//! - the source changed between the reads: retried; still changing when the
//!   re-checks run out, it is unverified (hot) — neither identical nor
//!   different.
//!
//! Without a slot position the wait is the settle delay, and the result says so.

use super::data::fetch::{key_arrays, params};
use super::data::TablePlan;
use super::position::{self, Reached, SlotChoice};
use super::rows::{at, ColumnError, ReadError};
use super::session::open_session;
use super::work::{TableError, TableIdx, WorkSet};
use super::{Progress, Validator};
use crate::contract::validate::{RecheckBasis, RecheckSummary, Unverified};
use crate::db::ConnectSpec;
use crate::sql::{query, Query};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio_postgres::Client;

const BEGIN: Query = query!("validate/begin_snapshot.sql");
const END: Query = query!("validate/end_snapshot.sql");
const HASHES: &str = "row hashes by key";

/// Keys reported in an unverified sample.
const UNVERIFIED_SAMPLE: usize = 20;

/// Per table of the re-check: key -> row hash (absent: no such row).
type Hashes = Vec<BTreeMap<Vec<String>, i64>>;

/// What the re-checks waited for between the reads.
enum Wait {
    Position(String),
    Settle(std::time::Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyVerdict {
    Settled,
    Different,
    Hot,
}

/// One differing key during the re-checks.
struct KeyState {
    table: usize,
    key: Vec<String>,
    confirmations: u32,
    verdict: Option<KeyVerdict>,
    /// Why a final difference could not be excused (position not reached).
    unreached: Option<String>,
}

/// One dedicated read-only connection per side, outside the pass's snapshot.
struct Conns {
    source: (Client, ConnectSpec),
    target: (Client, ConnectSpec),
}

impl Validator {
    /// Re-check every keyed table's differing keys and fold the verdicts
    /// into its working state.
    pub(super) async fn recheck_keys(&self, work: &mut WorkSet) {
        let tables: Vec<TableIdx> = work
            .iter()
            .filter(|(_, w)| w.error.is_none() && !w.differing_keys.is_empty())
            .map(|(i, _)| i)
            .collect();
        if tables.is_empty() || self.options.rechecks == 0 {
            return;
        }
        let outcome = self.recheck_rounds(work, &tables).await;
        match outcome {
            Ok((states, rounds, summary)) => {
                for (n, table) in tables.iter().enumerate() {
                    let mine = states.iter().filter(|k| k.table == n);
                    fold(&mut work[*table], mine, rounds, summary.clone());
                }
            }
            Err(e) => {
                let cause = Arc::new(e);
                for table in tables {
                    work[table].fail(TableError::Recheck(cause.clone()));
                }
            }
        }
    }

    async fn recheck_rounds(
        &self,
        work: &WorkSet,
        tables: &[TableIdx],
    ) -> Result<(Vec<KeyState>, u32, RecheckSummary), ReadError> {
        let plans: Vec<&TablePlan> = tables
            .iter()
            .filter_map(|t| work[*t].plan.as_ref())
            .collect();
        let mut states: Vec<KeyState> = tables
            .iter()
            .enumerate()
            .flat_map(|(n, t)| {
                work[*t].differing_keys.iter().map(move |k| KeyState {
                    table: n,
                    key: k.clone(),
                    confirmations: 0,
                    verdict: None,
                    unreached: None,
                })
            })
            .collect();
        let conns = self.recheck_conns().await?;
        let (wait, mut summary) = self.wait_basis(&conns).await?;
        let tries = self.options.rechecks;
        let needed = tries.clamp(1, 2);
        let (mut lsn, mut before) = read_side(&conns.source, &plans, &states, true).await?;
        let mut rounds = 0;
        for round in 1..=tries {
            let open = states.iter().filter(|k| k.verdict.is_none()).count();
            if open == 0 {
                break;
            }
            rounds = round;
            self.emit(Progress::RecheckRows { round, rows: open });
            let reached = match &wait {
                Wait::Position(slot) => {
                    let (client, spec) = &conns.source;
                    position::wait_for(client, spec, slot, &lsn, self.options.position_wait).await?
                }
                Wait::Settle(d) => {
                    tokio::time::sleep(*d).await;
                    Reached::Yes
                }
            };
            let (_, on_target) = read_side(&conns.target, &plans, &states, false).await?;
            let (next_lsn, after) = read_side(&conns.source, &plans, &states, true).await?;
            for k in states.iter_mut().filter(|k| k.verdict.is_none()) {
                judge(k, &reached, needed, [&before, &on_target, &after]);
            }
            (lsn, before) = (next_lsn, after);
        }
        for k in states.iter_mut().filter(|k| k.verdict.is_none()) {
            k.verdict = Some(if k.confirmations > 0 {
                KeyVerdict::Different
            } else {
                KeyVerdict::Hot
            });
        }
        if let Some(reason) = states.iter().find_map(|k| k.unreached.clone()) {
            summary
                .note
                .push_str(&format!("; differences are final: {reason}"));
        }
        Ok((states, rounds, summary))
    }

    async fn recheck_conns(&self) -> Result<Conns, ReadError> {
        let app = "dmsflow-validate-recheck";
        let timeout = self.options.statement_timeout;
        let (s, t) = tokio::try_join!(
            open_session(&self.source, app, timeout),
            open_session(&self.target, app, timeout)
        )?;
        Ok(Conns {
            source: (s, self.source.clone()),
            target: (t, self.target.clone()),
        })
    }

    /// The slot position to wait for, or the settle delay and why.
    async fn wait_basis(&self, conns: &Conns) -> Result<(Wait, RecheckSummary), ReadError> {
        let (s, t) = (&conns.source, &conns.target);
        let choice =
            position::find_slot((&s.0, &s.1), (&t.0, &t.1), self.options.slot.as_deref()).await?;
        Ok(match choice {
            SlotChoice::Slot(slot) => (
                Wait::Position(slot.clone()),
                RecheckSummary {
                    basis: RecheckBasis::Position,
                    slot: Some(slot.clone()),
                    settled_rows: 0,
                    note: format!(
                        "re-checked at source WAL positions confirmed by slot {slot} (waiting at most {} s)",
                        self.options.position_wait.as_secs()
                    ),
                },
            ),
            SlotChoice::Unavailable(why) => (
                Wait::Settle(self.options.settle),
                RecheckSummary {
                    basis: RecheckBasis::Settle,
                    slot: None,
                    settled_rows: 0,
                    note: format!(
                        "no slot position ({why}): re-checked after a settle delay of {} s instead",
                        self.options.settle.as_secs_f64()
                    ),
                },
            ),
        })
    }
}

/// One key after one round: `reads` are the source before, the target, and
/// the source after.
fn judge(k: &mut KeyState, reached: &Reached, needed: u32, reads: [&Hashes; 3]) {
    let [before, target, after] = reads.map(|h| h[k.table].get(&k.key).copied());
    if target == before || target == after {
        k.verdict = Some(KeyVerdict::Settled);
    } else if let Reached::No(reason) = reached {
        k.verdict = Some(KeyVerdict::Different);
        k.unreached = Some(reason.clone());
    } else if before == after {
        k.confirmations += 1;
        if k.confirmations >= needed {
            k.verdict = Some(KeyVerdict::Different);
        }
    } else {
        k.confirmations = 0;
    }
}

/// Read the row hashes of the open keys in one transaction; on the source
/// the transaction's first statement is its WAL position.
async fn read_side(
    conn: &(Client, ConnectSpec),
    plans: &[&TablePlan],
    states: &[KeyState],
    with_position: bool,
) -> Result<(String, Hashes), ReadError> {
    let (client, spec) = conn;
    client
        .batch_execute(BEGIN.text())
        .await
        .map_err(spec.query_error("starting a re-check transaction"))?;
    let lsn = if with_position {
        position::source_position(client, spec).await?
    } else {
        String::new()
    };
    let mut hashes: Hashes = Vec::with_capacity(plans.len());
    for (n, plan) in plans.iter().enumerate() {
        let keys: Vec<Vec<String>> = states
            .iter()
            .filter(|k| k.table == n && k.verdict.is_none())
            .map(|k| k.key.clone())
            .collect();
        hashes.push(hashes_by_key(conn, plan, &keys).await?);
    }
    client
        .batch_execute(END.text())
        .await
        .map_err(spec.query_error("ending a re-check transaction"))?;
    Ok((lsn, hashes))
}

async fn hashes_by_key(
    (client, spec): &(Client, ConnectSpec),
    plan: &TablePlan,
    keys: &[Vec<String>],
) -> Result<BTreeMap<Vec<String>, i64>, ReadError> {
    let n_key = plan.key.as_ref().map_or(0, Vec::len);
    if keys.is_empty() || n_key == 0 {
        return Ok(BTreeMap::new());
    }
    let arrays = key_arrays(keys, n_key);
    let rows = client
        .query(&plan.hashes_by_key_query(), &params(&arrays))
        .await
        .map_err(spec.query_error(format!("re-checking differing rows of {}", plan.name)))?;
    rows.iter()
        .map(|r| {
            let key = (0..n_key)
                .map(|i| at(r, HASHES, i))
                .collect::<Result<Vec<String>, _>>()?;
            Ok((key, at(r, HASHES, n_key)?))
        })
        .collect::<Result<_, ColumnError>>()
        .map_err(ReadError::from)
}

/// A table's share of the verdicts into its working state: settled and hot
/// keys leave the differences; what is left is final.
fn fold<'a>(
    w: &mut super::work::TableWork,
    keys: impl Iterator<Item = &'a KeyState>,
    rounds: u32,
    mut summary: RecheckSummary,
) {
    let mut gone: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut hot: Vec<Vec<String>> = Vec::new();
    let mut settled = 0u64;
    for k in keys {
        match k.verdict {
            Some(KeyVerdict::Settled) => {
                settled += 1;
                gone.insert(k.key.clone());
            }
            Some(KeyVerdict::Hot) => {
                hot.push(k.key.clone());
                gone.insert(k.key.clone());
            }
            _ => {}
        }
    }
    w.rechecks = rounds;
    w.diff_count = w.diff_count.saturating_sub(gone.len() as u64);
    w.diffs
        .retain(|d| d.key.as_ref().is_none_or(|k| !gone.contains(k)));
    if !hot.is_empty() {
        w.unverified = Unverified {
            count: hot.len() as u64,
            reason: Some(format!(
                "hot: still changing on the source through {rounds} re-check(s)"
            )),
            sample: hot.into_iter().take(UNVERIFIED_SAMPLE).collect(),
        };
    }
    summary.settled_rows = settled;
    w.resolved = w.diff_count == 0;
    w.recheck = Some(summary);
}
