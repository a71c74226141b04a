//! `poll`: the progress document from the subscription's catalogs and the
//! slot. PostgreSQL 15 exposes no worker error text to SQL (only counters in
//! `pg_stat_subscription_stats`; the text is in the server log), so a copy
//! that cannot succeed is recognised by what it meets: a table not copied
//! yet that holds rows on the target fails on duplicate keys at every retry.

use super::catalog::{SubscriptionTable, SUBSCRIPTION_TABLES};
use super::session::Session;
use super::{table_state, NativeEngine};
use crate::engine::progress::{
    replicating_phase, Phase, Progress, TableCounts, TableProgress, TableState,
};
use crate::engine::slot_lag::{self, SlotLag};
use crate::engine::{now_rfc3339, EngineError, EngineKind, MigrationEngine};

/// The message of a table whose copy cannot succeed.
fn copy_conflict(t: &SubscriptionTable) -> String {
    format!(
        "table {}.{} holds rows on the target that its copy did not write: the copy fails on duplicate keys and is retried forever. Stop, empty the table on the target, start again",
        t.schema, t.table
    )
}

impl NativeEngine {
    /// Per-table states; a table whose copy cannot succeed is errored.
    async fn table_states(
        target: &Session<'_>,
        oid: i64,
        errors: &mut Vec<String>,
    ) -> Result<Vec<TableProgress>, EngineError> {
        let rows: Vec<SubscriptionTable> = target
            .rows(
                &SUBSCRIPTION_TABLES,
                &[&oid],
                "reading the subscription's tables",
            )
            .await?;
        let mut table_states = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut state = table_state(&r.state, &format!("{}.{}", r.schema, r.table))?;
            let mut error = None;
            if r.rows_before_copy {
                state = TableState::Errored;
                error = Some(copy_conflict(r));
                errors.push(copy_conflict(r));
            }
            table_states.push(TableProgress {
                schema: r.schema.clone(),
                table: r.table.clone(),
                state,
                full_load_rows: r.live_rows,
                inserts: r.inserts,
                updates: r.updates,
                deletes: r.deletes,
                validation_state: None,
                error,
            });
        }
        Ok(table_states)
    }

    pub(super) async fn poll_progress(
        &self,
        in_sync_lag_seconds: f64,
    ) -> Result<Progress, EngineError> {
        let target = self.open(&self.target).await?;
        let sub =
            self.subscription(&target)
                .await?
                .ok_or_else(|| EngineError::SubscriptionNotFound {
                    subscription: self.settings.subscription.clone(),
                    endpoint: self.target.endpoint(),
                })?;
        let mut errors = Vec::new();
        let table_states = Self::table_states(&target, sub.oid, &mut errors).await?;
        let tables = TableCounts::from_states(&table_states);
        let full_load_done = tables.total > 0 && tables.loaded == tables.total;
        let full_load_percent = if tables.total == 0 {
            0.0
        } else {
            (tables.loaded as f64) * 100.0 / (tables.total as f64)
        };

        let source = self.open(&self.source).await?;
        let slot_name = sub.slot_name.clone();
        let slot = match &slot_name {
            Some(name) => Some(slot_lag::measure(&source, name, in_sync_lag_seconds).await?),
            None => None,
        };
        let present = slot.as_ref().is_some_and(|s| s.slot.present);
        let lag_bytes = slot.as_ref().and_then(SlotLag::bytes);
        let lag_seconds = slot
            .as_ref()
            .and_then(SlotLag::seconds)
            .or(sub.seconds_since_confirmed.filter(|_| lag_bytes.is_some()));
        // In sync only when the target applied everything committed before
        // the poll began, within the threshold, and the bytes are small too.
        let in_sync_lag = slot
            .as_ref()
            .and_then(|s| s.in_sync_seconds(self.in_sync_lag_bytes));
        let lost = slot.as_ref().is_some_and(SlotLag::lost);
        if !present {
            errors.push(format!(
                "replication slot {} does not exist on the source {}: the subscription cannot stream",
                slot_name.as_deref().unwrap_or("(none)"),
                self.source.endpoint()
            ));
        } else if lost {
            errors.push(format!(
                "replication slot {} has lost WAL it needed (wal_status = lost): stop and start again",
                slot_name.as_deref().unwrap_or_default()
            ));
        }
        if sub.apply_errors > 0 || sub.sync_errors > 0 {
            errors.push(format!(
                "{} apply error(s) and {} table-copy error(s) since the subscription was created; details are in the target server's log",
                sub.apply_errors, sub.sync_errors
            ));
        }
        let (phase, status) = if !sub.enabled {
            (Phase::Stopped, "disabled")
        } else if !present || lost {
            (Phase::Failed, "slot-missing")
        } else if tables.errored > 0 {
            (Phase::Failed, "copy-failed")
        } else if tables.total == 0
            || (sub.worker_pid.is_none() && tables.loaded == 0 && tables.loading == 0)
        {
            (Phase::Starting, "initializing")
        } else if full_load_done {
            (
                replicating_phase(true, in_sync_lag, in_sync_lag_seconds),
                "replicating",
            )
        } else {
            (Phase::FullLoad, "copying")
        };
        tracing::debug!(
            phase = phase.as_str(),
            lag_bytes,
            lag_seconds,
            slot_active = slot.as_ref().is_some_and(|s| s.slot.active),
            "native poll"
        );
        Ok(Progress {
            engine: EngineKind::Native,
            phase,
            status: status.into(),
            full_load_percent,
            tables,
            table_states,
            cdc_lag_seconds: lag_seconds,
            cdc_lag_bytes: lag_bytes,
            in_sync_lag_seconds,
            last_error: if errors.is_empty() {
                None
            } else {
                Some(errors.join("; "))
            },
            handle: self.handle(),
            polled_at: now_rfc3339(),
        })
    }
}
