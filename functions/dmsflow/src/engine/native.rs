//! Native engine: PostgreSQL logical replication. A publication on the source
//! lists the schema's tables; a subscription on the target copies them
//! (`copy_data = true`) and then streams changes through a replication slot on
//! the source. DMS's own "homogeneous data migrations" use the same mechanism.
//!
//! Choices:
//! - The publication is `FOR TABLE` with the schema's tables at start time,
//!   not `FOR TABLES IN SCHEMA`: a table created on the source later is then
//!   not silently published to a target that lacks it (its changes would stop
//!   the apply worker), the behaviour matches a DMS task's table mapping
//!   resolved at start, and it needs table ownership rather than superuser.
//!   A second start adds tables that appeared since (and refreshes the subscription).
//! - Tables without a primary key or replica identity are refused: once
//!   published, every UPDATE/DELETE on them would fail on the source.
//! - The subscription's `CONNECTION` holds the source password. It is never
//!   logged by dmsflow (see `crate::logging`); on the target it is stored in
//!   `pg_subscription.subconninfo`, readable by superusers only. How it is
//!   kept out of the server log: `create`.
//! - The slot is created separately (`create`), so a source and a target in
//!   one cluster work; every statement runs under a statement and lock
//!   timeout (`session`), connecting is bounded.
//! - dmsflow drops only what it can prove is this migration's (`ownership`).
//! - A copy never goes into a table that holds rows: start refuses, and poll
//!   reports a table that got rows before its copy as errored (`poll`).
//! - Lag: bytes are the source's current WAL position minus the slot's
//!   `confirmed_flush_lsn`. Seconds are 0 when that is 0 (an idle source is
//!   in sync, whatever the age of the last message); otherwise the
//!   walsender's `replay_lag`, else the time since the target last confirmed
//!   a position.

use super::progress::TableState;
use super::{
    names, ActionResult, EngineError, EngineKind, Handle, MigrationEngine, NativeHandle, Outcome,
    Progress, StartRequest,
};
use crate::db::{quote_ident, ConnectSpec};
use crate::query;
use crate::scope::Scope;
use crate::sql::Query;
use catalog::{
    Identity, Slot, Subscription, IDENTITY, PUBLICATION_MARKER, PUBLICATION_TABLES, SCHEMA_EXISTS,
    SLOT_ACTIVE, SOURCE_TABLES, SUBSCRIPTION, TABLES_WITH_ROWS, TARGET_TABLES, WAL_LEVEL,
};
use session::Session;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub(crate) mod catalog;
mod create;
mod error;
mod ownership;
mod poll;
pub(crate) mod session;
mod start;
mod stop;

pub use error::NativeError;
pub(crate) use session::connect_bounded;
pub use session::Limits;

const LOCK: Query = query!("engine/native_lock.sql");
const UNLOCK: Query = query!("engine/native_unlock.sql");

const APP: &str = "dmsflow-native";

/// A table of the replicated schemas.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TableRef {
    schema: String,
    name: String,
}

impl TableRef {
    fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

impl std::fmt::Display for TableRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// What the native engine replicates and how the target reaches the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeSettings {
    /// The schemas to replicate (every user schema of the source by default).
    pub scope: Scope,
    pub publication: String,
    /// Also the replication slot's name on the source.
    pub subscription: String,
    /// libpq sslmode the *target server* uses to reach the source (`require`
    /// by default: on RDS the server cannot read a CA file of ours).
    pub source_sslmode: String,
    /// CA file on the target server's filesystem, for `verify-ca`/`verify-full`.
    pub source_sslrootcert: Option<PathBuf>,
}

impl NativeSettings {
    /// Defaults: `dmsflow_pub` / `dmsflow_sub`, sslmode `require`.
    pub fn new(scope: Scope) -> Self {
        NativeSettings {
            scope,
            publication: "dmsflow_pub".into(),
            subscription: "dmsflow_sub".into(),
            source_sslmode: "require".into(),
            source_sslrootcert: None,
        }
    }

    /// Check the names; the error is (field, reason).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for schema in self.scope.schemas.iter().chain(&self.scope.exclude) {
            names::identifier(schema).map_err(|r| ("schema", r))?;
        }
        names::identifier(&self.publication).map_err(|r| ("publication", r))?;
        names::slot_name(&self.subscription).map_err(|r| ("subscription", r))?;
        names::libpq_sslmode(&self.source_sslmode).map_err(|r| ("sslmode", r))?;
        Ok(())
    }
}

/// Publication on the source, subscription on the target.
#[derive(Debug, Clone)]
pub struct NativeEngine {
    source: ConnectSpec,
    target: ConnectSpec,
    settings: NativeSettings,
    /// How long `stop` waits for a walsender to let go of the slot.
    pub slot_release_timeout: Duration,
    /// Statement and lock timeouts of every session.
    pub limits: Limits,
    /// WAL bytes the target may not have confirmed for `in-sync`.
    pub in_sync_lag_bytes: i64,
}

/// What `start` found before changing anything.
struct Plan {
    tables: Vec<TableRef>,
    marker: String,
    subscription: Option<Subscription>,
    publication_exists: bool,
    /// Tables the publication does not carry yet.
    new_tables: Vec<TableRef>,
}

impl NativeEngine {
    pub fn new(source: ConnectSpec, target: ConnectSpec, settings: NativeSettings) -> Self {
        NativeEngine {
            source,
            target,
            settings,
            slot_release_timeout: Duration::from_secs(30),
            limits: Limits::default(),
            in_sync_lag_bytes: crate::contract::env::IN_SYNC_LAG_BYTES.value.default as i64,
        }
    }

    pub fn settings(&self) -> &NativeSettings {
        &self.settings
    }

    fn native_handle(&self) -> NativeHandle {
        NativeHandle {
            schemas: self.settings.scope.schemas.clone(),
            exclude_schemas: self.settings.scope.exclude.clone(),
            publication: self.settings.publication.clone(),
            subscription: self.settings.subscription.clone(),
        }
    }

    fn result(&self, action: &str, outcome: Outcome, message: String) -> ActionResult {
        ActionResult {
            engine: EngineKind::Native,
            action: action.into(),
            outcome,
            message,
            handle: self.handle(),
        }
    }

    fn names_ok(&self) -> Result<(), EngineError> {
        self.settings
            .check()
            .map_err(|(field, reason)| EngineError::InvalidState {
                what: format!("native engine setting {field}"),
                state: "invalid".into(),
                reason,
            })
    }

    async fn open<'a>(&self, spec: &'a ConnectSpec) -> Result<Session<'a>, EngineError> {
        Session::open(spec, APP, self.limits).await
    }

    /// One start/stop per subscription; waits at most the lock timeout.
    async fn lock(&self, target: &Session<'_>) -> Result<(), EngineError> {
        match target
            .client
            .query(LOCK.text(), &[&self.settings.subscription])
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
                Err(NativeError::Busy {
                    subscription: self.settings.subscription.clone(),
                    endpoint: self.target.endpoint(),
                    source: e,
                }
                .into())
            }
            Err(e) => Err(self.target.query_error("taking the subscription lock")(e).into()),
        }
    }

    /// Best effort: the lock is the session's, so it also goes when `target` closes.
    async fn unlock(&self, target: &Session<'_>) {
        let _ = target
            .client
            .query(UNLOCK.text(), &[&self.settings.subscription])
            .await;
    }

    async fn schema_exists(db: &Session<'_>, schema: &str) -> Result<bool, EngineError> {
        let found: Vec<bool> = db
            .column(&SCHEMA_EXISTS, &[&schema], "present", "checking the schema")
            .await?;
        Ok(found.first().copied().unwrap_or(false))
    }

    async fn subscription(
        &self,
        target: &Session<'_>,
    ) -> Result<Option<Subscription>, EngineError> {
        target
            .opt(
                &SUBSCRIPTION,
                &[&self.settings.subscription],
                "reading the subscription",
            )
            .await
    }

    async fn slot(&self, source: &Session<'_>, slot: &str) -> Result<Slot, EngineError> {
        crate::engine::slot_lag::read_slot(source, slot).await
    }

    /// `Some(marker)` when the publication exists (the marker may be absent).
    async fn publication_marker(
        &self,
        source: &Session<'_>,
    ) -> Result<Option<Option<String>>, EngineError> {
        let found: Vec<Option<String>> = source
            .column(
                &PUBLICATION_MARKER,
                &[&self.settings.publication],
                "marker",
                "reading the publication",
            )
            .await?;
        Ok(found.into_iter().next())
    }

    async fn marker(&self, target: &Session<'_>) -> Result<String, EngineError> {
        let identity: Identity = target
            .opt(&IDENTITY, &[], "reading the target's system identifier")
            .await?
            .ok_or_else(|| EngineError::Incomplete {
                what: "system identifier",
                resource: self.target.endpoint(),
            })?;
        Ok(ownership::marker(&self.settings, &identity))
    }

    fn not_ours(&self, object: String, side: &ConnectSpec, why: String, hint: &str) -> EngineError {
        NativeError::NotOurs {
            object,
            endpoint: side.endpoint(),
            why,
            hint: hint.to_owned(),
        }
        .into()
    }

    /// Wait until no walsender uses `slot` (or it is gone). True when released.
    async fn wait_slot_released(
        &self,
        source: &Session<'_>,
        slot: &str,
    ) -> Result<bool, EngineError> {
        let deadline = Instant::now() + self.slot_release_timeout;
        loop {
            let active: Vec<bool> = source
                .column(
                    &SLOT_ACTIVE,
                    &[&slot],
                    "active",
                    "waiting for the slot to be released",
                )
                .await?;
            match active.first() {
                None | Some(false) => return Ok(true),
                Some(true) if Instant::now() >= deadline => return Ok(false),
                Some(true) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

fn table_state(code: &str, subject: &str) -> Result<TableState, EngineError> {
    match code {
        "i" => Ok(TableState::Queued),
        "d" | "f" | "s" => Ok(TableState::Loading),
        "r" => Ok(TableState::Loaded),
        other => Err(EngineError::UnknownState {
            what: "pg_subscription_rel state",
            value: other.to_owned(),
            subject: subject.to_owned(),
        }),
    }
}

impl MigrationEngine for NativeEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Native
    }

    fn handle(&self) -> Handle {
        Handle::Native(self.native_handle())
    }

    async fn start(&self, request: &StartRequest) -> Result<ActionResult, EngineError> {
        self.names_ok()?;
        if request.reload_target {
            return Err(EngineError::InvalidState {
                what: "reload_target".into(),
                state: "true".into(),
                reason:
                    "the native engine has no reload: stop, empty the target tables, start again"
                        .into(),
            });
        }
        let source = self.open(&self.source).await?;
        let target = self.open(&self.target).await?;
        let wal_level: Vec<String> = source
            .column(&WAL_LEVEL, &[], "wal_level", "reading wal_level")
            .await?;
        let wal_level = wal_level.into_iter().next().unwrap_or_default();
        if wal_level != "logical" {
            return Err(EngineError::InvalidState {
                what: format!("wal_level on the source {}", self.source.endpoint()),
                state: wal_level,
                reason: "logical replication needs wal_level = logical (on RDS: rds.logical_replication = 1)".into(),
            });
        }
        self.lock(&target).await?;
        let result = self.start_locked(&source, &target).await;
        self.unlock(&target).await;
        result
    }

    async fn poll(&self, in_sync_lag_seconds: f64) -> Result<Progress, EngineError> {
        self.names_ok()?;
        self.poll_progress(in_sync_lag_seconds).await
    }

    async fn stop(&self) -> Result<ActionResult, EngineError> {
        self.names_ok()?;
        let source = self.open(&self.source).await?;
        let target = self.open(&self.target).await?;
        self.lock(&target).await?;
        let result = self.stop_locked(&source, &target).await;
        self.unlock(&target).await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_rel_states_are_all_mapped() {
        assert_eq!(table_state("i", "t").unwrap(), TableState::Queued);
        for c in ["d", "f", "s"] {
            assert_eq!(table_state(c, "t").unwrap(), TableState::Loading);
        }
        assert_eq!(table_state("r", "t").unwrap(), TableState::Loaded);
        let err = table_state("x", "shop.t").unwrap_err();
        assert!(err.to_string().contains("\"x\"") && err.to_string().contains("shop.t"));
        assert_eq!(
            crate::error::Classify::error_type(&err),
            crate::ErrorType::InvalidTaskState
        );
    }

    #[test]
    fn settings_are_checked() {
        let mut s = NativeSettings::new(crate::scope::Scope::only(&["shop"]));
        assert!(s.check().is_ok());
        s.subscription = "Has-Caps".into();
        assert_eq!(s.check().unwrap_err().0, "subscription");
        let mut s = NativeSettings::new(crate::scope::Scope::only(&["shop"]));
        s.source_sslmode = "maybe".into();
        assert_eq!(s.check().unwrap_err().0, "sslmode");
    }
}
