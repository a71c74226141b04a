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
//!   logged by dmsflow; on the target it is stored in
//!   `pg_subscription.subconninfo`, readable by superusers only, and appears in
//!   the server log if the target logs DDL statements (`log_statement`).
//! - Lag: bytes are the source's current WAL position minus the slot's
//!   `confirmed_flush_lsn`. Seconds are 0 when that is 0 (an idle source is
//!   in sync, whatever the age of the last message); otherwise the
//!   walsender's `replay_lag`, else the time since the target last confirmed
//!   a position.

use super::progress::{replicating_phase, Phase, Progress, TableCounts, TableProgress, TableState};
use super::{
    names, now_rfc3339, ActionResult, EngineError, EngineKind, Handle, MigrationEngine,
    NativeHandle, Outcome, StartRequest,
};
use crate::db::{quote_ident, quote_literal, ConnectSpec, DbError};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

const SCHEMA_EXISTS_SQL: &str = include_str!("../../../../sql/engine/schema_exists.sql");
const SOURCE_TABLES_SQL: &str = include_str!("../../../../sql/engine/native_source_tables.sql");
const TARGET_TABLES_SQL: &str = include_str!("../../../../sql/engine/native_target_tables.sql");
const PUBLICATION_SQL: &str = include_str!("../../../../sql/engine/native_publication.sql");
const SUBSCRIPTION_SQL: &str = include_str!("../../../../sql/engine/native_subscription.sql");
const SUBSCRIPTION_TABLES_SQL: &str =
    include_str!("../../../../sql/engine/native_subscription_tables.sql");
const SLOT_SQL: &str = include_str!("../../../../sql/engine/native_slot.sql");
const LEFTOVER_SLOTS_SQL: &str = include_str!("../../../../sql/engine/native_leftover_slots.sql");

const APP: &str = "dmsflow-native";

/// What the native engine replicates and how the target reaches the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeSettings {
    pub schema: String,
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
    pub fn new(schema: &str) -> Self {
        NativeSettings {
            schema: schema.to_owned(),
            publication: "dmsflow_pub".into(),
            subscription: "dmsflow_sub".into(),
            source_sslmode: "require".into(),
            source_sslrootcert: None,
        }
    }

    /// Check the names; the error is (field, reason).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        names::identifier(&self.schema).map_err(|r| ("schema", r))?;
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
}

struct Subscription {
    oid: i64,
    enabled: bool,
    slot_name: Option<String>,
    publications: Vec<String>,
    worker_pid: Option<i32>,
    seconds_since_confirmed: Option<f64>,
    apply_errors: i64,
    sync_errors: i64,
}

struct Slot {
    present: bool,
    active: bool,
    lag_bytes: Option<i64>,
    retained_bytes: Option<i64>,
    wal_status: Option<String>,
    replay_lag_seconds: Option<f64>,
}

impl NativeEngine {
    pub fn new(source: ConnectSpec, target: ConnectSpec, settings: NativeSettings) -> Self {
        NativeEngine {
            source,
            target,
            settings,
            slot_release_timeout: Duration::from_secs(30),
        }
    }

    pub fn settings(&self) -> &NativeSettings {
        &self.settings
    }

    fn native_handle(&self) -> NativeHandle {
        NativeHandle {
            schema: self.settings.schema.clone(),
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

    async fn lock(&self, target: &Client) -> Result<(), DbError> {
        target
            .execute(
                "SELECT pg_advisory_lock(hashtext('dmsflow-native'), hashtext($1))",
                &[&self.settings.subscription],
            )
            .await
            .map_err(self.target.query_error("taking the subscription lock"))?;
        Ok(())
    }

    /// Best effort: the lock is the session's, so it also goes when `target` closes.
    async fn unlock(&self, target: &Client) {
        let _ = target
            .execute(
                "SELECT pg_advisory_unlock(hashtext('dmsflow-native'), hashtext($1))",
                &[&self.settings.subscription],
            )
            .await;
    }

    async fn schema_exists(
        client: &Client,
        spec: &ConnectSpec,
        schema: &str,
    ) -> Result<bool, DbError> {
        Ok(client
            .query_one(SCHEMA_EXISTS_SQL, &[&schema])
            .await
            .map_err(spec.query_error("checking the schema"))?
            .get(0))
    }

    async fn subscription(&self, target: &Client) -> Result<Option<Subscription>, DbError> {
        let row = target
            .query_opt(SUBSCRIPTION_SQL, &[&self.settings.subscription])
            .await
            .map_err(self.target.query_error("reading the subscription"))?;
        Ok(row.map(|r| Subscription {
            oid: r.get(0),
            enabled: r.get(1),
            slot_name: r.get(2),
            publications: r.get::<_, Option<Vec<String>>>(3).unwrap_or_default(),
            worker_pid: r.get(4),
            seconds_since_confirmed: r.get(6),
            apply_errors: r.get(7),
            sync_errors: r.get(8),
        }))
    }

    async fn slot(&self, source: &Client, slot: &str) -> Result<Slot, DbError> {
        let r = source
            .query_one(SLOT_SQL, &[&slot])
            .await
            .map_err(self.source.query_error("reading the replication slot"))?;
        Ok(Slot {
            present: r.get(1),
            active: r.get(2),
            lag_bytes: r.get(4),
            retained_bytes: r.get(5),
            wal_status: r.get(6),
            replay_lag_seconds: r.get(7),
        })
    }

    fn slot_of(&self, sub: Option<&Subscription>) -> String {
        sub.and_then(|s| s.slot_name.clone())
            .unwrap_or_else(|| self.settings.subscription.clone())
    }

    /// Wait until no walsender uses `slot` (or it is gone). True when released.
    async fn wait_slot_released(&self, source: &Client, slot: &str) -> Result<bool, DbError> {
        let deadline = Instant::now() + self.slot_release_timeout;
        loop {
            let row = source
                .query_opt(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = $1",
                    &[&slot],
                )
                .await
                .map_err(
                    self.source
                        .query_error("waiting for the slot to be released"),
                )?;
            match row {
                None => return Ok(true),
                Some(r) if !r.get::<_, bool>(0) => return Ok(true),
                Some(_) if Instant::now() >= deadline => return Ok(false),
                Some(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    async fn start_locked(
        &self,
        source: &Client,
        target: &Client,
    ) -> Result<ActionResult, EngineError> {
        let s = &self.settings;
        if !Self::schema_exists(target, &self.target, &s.schema).await? {
            return Err(EngineError::SchemaMissing {
                schema: s.schema.clone(),
                side: "target",
                endpoint: self.target.endpoint(),
                hint: ": create it there first (seed-source {\"mode\":\"schema\"}, or dmsflow seed --schema-only for the sample)",
            });
        }
        if !Self::schema_exists(source, &self.source, &s.schema).await? {
            return Err(EngineError::SchemaMissing {
                schema: s.schema.clone(),
                side: "source",
                endpoint: self.source.endpoint(),
                hint: "",
            });
        }
        let rows = source
            .query(SOURCE_TABLES_SQL, &[&s.schema])
            .await
            .map_err(self.source.query_error("listing the tables to publish"))?;
        let tables: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        if tables.is_empty() {
            return Err(EngineError::NoTables {
                schema: s.schema.clone(),
                endpoint: self.source.endpoint(),
            });
        }
        let no_identity: Vec<String> = rows
            .iter()
            .filter(|r| !r.get::<_, bool>(1))
            .map(|r| format!("{}.{}", s.schema, r.get::<_, String>(0)))
            .collect();
        if !no_identity.is_empty() {
            return Err(EngineError::NoReplicaIdentity {
                tables: no_identity.join(", "),
            });
        }
        let on_target: BTreeSet<String> = target
            .query(TARGET_TABLES_SQL, &[&s.schema])
            .await
            .map_err(self.target.query_error("listing the target's tables"))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let missing: Vec<&str> = tables
            .iter()
            .filter(|t| !on_target.contains(*t))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(EngineError::TablesMissing {
                schema: s.schema.clone(),
                endpoint: self.target.endpoint(),
                tables: missing.join(", "),
            });
        }

        // Publication: create, or add tables that appeared since.
        let qualified = |t: &str| format!("{}.{}", quote_ident(&s.schema), quote_ident(t));
        let pub_rows = source
            .query(PUBLICATION_SQL, &[&s.publication])
            .await
            .map_err(self.source.query_error("reading the publication"))?;
        let mut notes = Vec::new();
        let mut publication_grew = false;
        if pub_rows.is_empty() {
            let list: Vec<String> = tables.iter().map(|t| qualified(t)).collect();
            source
                .batch_execute(&format!(
                    "CREATE PUBLICATION {} FOR TABLE {} WITH (publish_via_partition_root = true)",
                    quote_ident(&s.publication),
                    list.join(", ")
                ))
                .await
                .map_err(self.source.query_error(format!(
                    "creating publication {} (needs ownership of the tables)",
                    s.publication
                )))?;
            tracing::info!(publication = %s.publication, tables = tables.len(), "publication created");
            notes.push(format!(
                "publication {} created on the source with {} tables of schema {}",
                s.publication,
                tables.len(),
                s.schema
            ));
        } else {
            let published: BTreeSet<(String, String)> = pub_rows
                .iter()
                .filter_map(|r| {
                    Some((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                    ))
                })
                .collect();
            let new: Vec<&String> = tables
                .iter()
                .filter(|t| !published.contains(&(s.schema.clone(), (*t).clone())))
                .collect();
            if !new.is_empty() {
                let list: Vec<String> = new.iter().map(|t| qualified(t)).collect();
                source
                    .batch_execute(&format!(
                        "ALTER PUBLICATION {} ADD TABLE {}",
                        quote_ident(&s.publication),
                        list.join(", ")
                    ))
                    .await
                    .map_err(self.source.query_error("adding tables to the publication"))?;
                publication_grew = true;
                notes.push(format!(
                    "added {} new table(s) to publication {}: {}",
                    new.len(),
                    s.publication,
                    new.iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            } else {
                notes.push(format!("publication {} already there", s.publication));
            }
        }

        // Subscription.
        let sub_ident = quote_ident(&s.subscription);
        let outcome = match self.subscription(target).await? {
            Some(sub) => {
                if !sub.publications.iter().any(|p| p == &s.publication) {
                    return Err(EngineError::InvalidState {
                        what: format!("subscription {} on {}", s.subscription, self.target.endpoint()),
                        state: format!("subscribed to {:?}", sub.publications),
                        reason: format!(
                            "it does not subscribe to publication {}: refusing to change someone else's subscription",
                            s.publication
                        ),
                    });
                }
                let mut outcome = Outcome::Existing;
                if !sub.enabled {
                    target
                        .batch_execute(&format!("ALTER SUBSCRIPTION {sub_ident} ENABLE"))
                        .await
                        .map_err(self.target.query_error("enabling the subscription"))?;
                    notes.push(format!("subscription {} enabled again", s.subscription));
                    outcome = Outcome::Resumed;
                } else {
                    notes.push(format!(
                        "subscription {} already exists and is enabled; nothing duplicated",
                        s.subscription
                    ));
                }
                if publication_grew {
                    target
                        .batch_execute(&format!(
                            "ALTER SUBSCRIPTION {sub_ident} REFRESH PUBLICATION WITH (copy_data = true)"
                        ))
                        .await
                        .map_err(self.target.query_error("refreshing the subscription"))?;
                    notes.push("subscription refreshed: the new tables are being copied".into());
                }
                outcome
            }
            None => {
                let slot = self.slot(source, &s.subscription).await?;
                if slot.present {
                    return Err(EngineError::Slot {
                        slot: s.subscription.clone(),
                        endpoint: self.source.endpoint(),
                        problem: format!(
                            "already exists ({}, retaining {} bytes of WAL) but subscription {} does not exist on the target: another subscription may own it. If it is left over from an earlier run, remove it with `dmsflow replicate stop` (or SELECT pg_drop_replication_slot('{}') on the source)",
                            if slot.active { "in use" } else { "inactive" },
                            slot.retained_bytes.unwrap_or(0),
                            s.subscription,
                            s.subscription
                        ),
                    });
                }
                let conninfo = self
                    .source
                    .libpq_conninfo(&s.source_sslmode, s.source_sslrootcert.as_deref());
                // The statement holds the password: it is never logged here,
                // and errors carry PostgreSQL's message, not the statement.
                let create = format!(
                    "CREATE SUBSCRIPTION {sub_ident} CONNECTION {} PUBLICATION {} \
                     WITH (copy_data = true, create_slot = true, enabled = true, slot_name = {})",
                    quote_literal(&conninfo),
                    quote_ident(&s.publication),
                    quote_literal(&s.subscription),
                );
                target
                    .batch_execute(&create)
                    .await
                    .map_err(self.target.query_error(format!(
                        "creating subscription {} (the target server connects to the source with sslmode={})",
                        s.subscription, s.source_sslmode
                    )))?;
                tracing::info!(subscription = %s.subscription, publication = %s.publication, sslmode = %s.source_sslmode, "subscription created");
                notes.push(format!(
                    "subscription {} created on the target (copy_data = true, slot {} on the source)",
                    s.subscription, s.subscription
                ));
                Outcome::Created
            }
        };
        Ok(self.result("start", outcome, notes.join("; ")))
    }

    async fn stop_locked(
        &self,
        source: &Client,
        target: &Client,
    ) -> Result<ActionResult, EngineError> {
        let s = &self.settings;
        let sub = self.subscription(target).await?;
        let slot = self.slot_of(sub.as_ref());
        let sub_ident = quote_ident(&s.subscription);
        let mut notes = Vec::new();
        let mut acted = false;
        if let Some(sub) = &sub {
            acted = true;
            if sub.enabled {
                target
                    .batch_execute(&format!("ALTER SUBSCRIPTION {sub_ident} DISABLE"))
                    .await
                    .map_err(self.target.query_error("disabling the subscription"))?;
            }
            // DROP SUBSCRIPTION drops the slot through a connection to the
            // source, which fails while the walsender still holds it.
            if sub.slot_name.is_some() && !self.wait_slot_released(source, &slot).await? {
                tracing::warn!(slot = %slot, "walsender still holds the slot; dropping anyway");
            }
            match target
                .batch_execute(&format!("DROP SUBSCRIPTION {sub_ident}"))
                .await
            {
                Ok(()) => notes.push(format!("subscription {} dropped", s.subscription)),
                Err(e) => {
                    // Typically: the source is unreachable from the target, or
                    // the slot is already gone. Detach the slot and drop the
                    // subscription; the slot is handled below from here.
                    tracing::warn!(error = %e, "DROP SUBSCRIPTION could not drop the remote slot; detaching it");
                    target
                        .batch_execute(&format!(
                            "ALTER SUBSCRIPTION {sub_ident} SET (slot_name = NONE); DROP SUBSCRIPTION {sub_ident}"
                        ))
                        .await
                        .map_err(self.target.query_error("dropping the subscription"))?;
                    notes.push(format!(
                        "subscription {} dropped (its slot was detached: {})",
                        s.subscription,
                        crate::error::error_chain(&e)
                    ));
                }
            }
        }
        // Whatever is left on the source: the slot, table-sync slots.
        let oid_text = sub.as_ref().map(|x| x.oid.to_string());
        let leftovers = source
            .query(LEFTOVER_SLOTS_SQL, &[&slot, &oid_text])
            .await
            .map_err(
                self.source
                    .query_error("looking for leftover replication slots"),
            )?;
        for row in leftovers {
            let name: String = row.get(0);
            if !self.wait_slot_released(source, &name).await? {
                let pid: Option<i32> = row.get(2);
                return Err(EngineError::Slot {
                    slot: name,
                    endpoint: self.source.endpoint(),
                    problem: format!(
                        "is still in use (walsender pid {}) after the subscription was dropped: another subscriber uses a slot of this name; not dropped",
                        pid.map_or_else(|| "?".to_owned(), |p| p.to_string())
                    ),
                });
            }
            source
                .execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
                    &[&name],
                )
                .await
                .map_err(self.source.query_error(format!("dropping replication slot {name}")))?;
            tracing::info!(slot = %name, "leftover replication slot dropped");
            notes.push(format!("replication slot {name} dropped from the source"));
            acted = true;
        }
        let dropped_pub = source
            .query_opt(
                "SELECT 1 FROM pg_publication WHERE pubname = $1",
                &[&s.publication],
            )
            .await
            .map_err(self.source.query_error("reading the publication"))?
            .is_some();
        if dropped_pub {
            source
                .batch_execute(&format!(
                    "DROP PUBLICATION IF EXISTS {}",
                    quote_ident(&s.publication)
                ))
                .await
                .map_err(self.source.query_error("dropping the publication"))?;
            notes.push(format!("publication {} dropped", s.publication));
            acted = true;
        }
        // Verify: a forgotten slot keeps WAL on the source until its disk is full.
        let left = source
            .query(LEFTOVER_SLOTS_SQL, &[&slot, &oid_text])
            .await
            .map_err(
                self.source
                    .query_error("verifying no replication slot is left"),
            )?;
        if let Some(row) = left.first() {
            return Err(EngineError::Slot {
                slot: row.get(0),
                endpoint: self.source.endpoint(),
                problem: "is still there after stop".into(),
            });
        }
        notes.push(format!("no replication slot {slot} left on the source"));
        let outcome = if acted {
            Outcome::Stopped
        } else {
            Outcome::AlreadyStopped
        };
        Ok(self.result("stop", outcome, notes.join("; ")))
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
        let source = self.source.connect(APP).await?;
        let target = self.target.connect(APP).await?;
        let wal_level: String = source
            .query_one("SELECT current_setting('wal_level')", &[])
            .await
            .map_err(self.source.query_error("reading wal_level"))?
            .get(0);
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
        let target = self.target.connect(APP).await?;
        let sub =
            self.subscription(&target)
                .await?
                .ok_or_else(|| EngineError::SubscriptionNotFound {
                    subscription: self.settings.subscription.clone(),
                    endpoint: self.target.endpoint(),
                })?;
        let rows = target
            .query(SUBSCRIPTION_TABLES_SQL, &[&sub.oid])
            .await
            .map_err(self.target.query_error("reading the subscription's tables"))?;
        let mut table_states = Vec::with_capacity(rows.len());
        for r in &rows {
            let schema: String = r.get(0);
            let table: String = r.get(1);
            let code: String = r.get(2);
            let state = table_state(&code, &format!("{schema}.{table}"))?;
            table_states.push(TableProgress {
                schema,
                table,
                state,
                full_load_rows: r.get(3),
                inserts: r.get(4),
                updates: r.get(5),
                deletes: r.get(6),
                validation_state: None,
                error: None,
            });
        }
        let tables = TableCounts::from_states(&table_states);
        let full_load_done = tables.total > 0 && tables.loaded == tables.total;
        let full_load_percent = if tables.total == 0 {
            0.0
        } else {
            (tables.loaded as f64) * 100.0 / (tables.total as f64)
        };

        let source = self.source.connect(APP).await?;
        let slot_name = sub.slot_name.clone();
        let slot = match &slot_name {
            Some(name) => Some(self.slot(&source, name).await?),
            None => None,
        };
        let present = slot.as_ref().is_some_and(|s| s.present);
        let lag_bytes = slot
            .as_ref()
            .filter(|s| s.present)
            .and_then(|s| s.lag_bytes);
        let lag_seconds = match (&slot, lag_bytes) {
            (_, Some(0)) => Some(0.0),
            (Some(s), Some(_)) => s.replay_lag_seconds.or(sub.seconds_since_confirmed),
            _ => None,
        };

        let mut errors = Vec::new();
        let lost = slot
            .as_ref()
            .and_then(|s| s.wal_status.as_deref())
            .is_some_and(|w| w == "lost");
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
        } else if tables.total == 0
            || (sub.worker_pid.is_none() && tables.loaded == 0 && tables.loading == 0)
        {
            (Phase::Starting, "initializing")
        } else if full_load_done {
            (
                replicating_phase(true, lag_seconds, in_sync_lag_seconds),
                "replicating",
            )
        } else {
            (Phase::FullLoad, "copying")
        };
        tracing::debug!(
            phase = phase.as_str(),
            lag_bytes,
            lag_seconds,
            slot_active = slot.as_ref().is_some_and(|s| s.active),
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

    async fn stop(&self) -> Result<ActionResult, EngineError> {
        self.names_ok()?;
        let source = self.source.connect(APP).await?;
        let target = self.target.connect(APP).await?;
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
        let mut s = NativeSettings::new("shop");
        assert!(s.check().is_ok());
        s.subscription = "Has-Caps".into();
        assert_eq!(s.check().unwrap_err().0, "subscription");
        let mut s = NativeSettings::new("shop");
        s.source_sslmode = "maybe".into();
        assert_eq!(s.check().unwrap_err().0, "sslmode");
    }
}
