//! What is going on in the source that gets in a migration's way: long and
//! prepared transactions (a slot cannot be created while one is open), large
//! objects (never replicated) and DDL event triggers (DMS's own, or others).

use super::model::{list_some, AssessCheck, Side, Status};
use super::{AssessError, AssessOptions, Session};
use crate::engine::EngineKind;
use crate::sql::{from_row, query, Query};

pub const LONG_TRANSACTIONS: Query = query!("assess/long_transactions.sql");
pub const PREPARED_TRANSACTIONS: Query = query!("assess/prepared_transactions.sql");
pub const LARGE_OBJECTS: Query = query!("assess/large_objects.sql");
pub const EVENT_TRIGGERS: Query = query!("assess/event_triggers.sql");

/// The event trigger DMS installs on a PostgreSQL source to capture DDL.
pub const DMS_DDL_TRIGGER: &str = "awsdms_intercept_ddl";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTransaction {
    pub pid: i32,
    pub database: String,
    pub user: String,
    pub state: String,
    pub age_seconds: i64,
}

from_row! { LongTransaction { pid, database, user, state, age_seconds } }

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedTransaction {
    pub gid: String,
    pub database: String,
    pub owner: String,
    pub age_seconds: i64,
}

from_row! { PreparedTransaction { gid, database, owner, age_seconds } }

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LargeObjects {
    pub count: i64,
}

from_row! { LargeObjects { count = "large_objects" } }

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTrigger {
    pub name: String,
    pub event: String,
    /// `O` origin, `R` replica, `A` always, `D` disabled.
    pub enabled: String,
}

from_row! { EventTrigger { name = "trigger_name", event = "event_name", enabled } }

pub async fn checks(
    source: &Session,
    options: &AssessOptions,
) -> Result<Vec<AssessCheck>, AssessError> {
    let seconds = options.long_transaction.as_secs_f64();
    let long: Vec<LongTransaction> = source.rows(&LONG_TRANSACTIONS, &[&seconds]).await?;
    let prepared: Vec<PreparedTransaction> = source.rows(&PREPARED_TRANSACTIONS, &[]).await?;
    let large: LargeObjects = source.one(&LARGE_OBJECTS, &[]).await?;
    let triggers: Vec<EventTrigger> = source.rows(&EVENT_TRIGGERS, &[]).await?;
    Ok(vec![
        long_check(&long, options),
        prepared_check(&prepared),
        large_objects_check(large.count),
        event_trigger_check(&triggers, options.engine),
    ])
}

fn long_check(txs: &[LongTransaction], options: &AssessOptions) -> AssessCheck {
    let name = "postgres-check-longrunningtxn";
    let limit = options.long_transaction.as_secs();
    if txs.is_empty() {
        return AssessCheck::pass(
            name,
            Side::Source,
            format!("no transaction open longer than {limit} s"),
        );
    }
    let evidence = txs.iter().map(|t| {
        format!(
            "pid {} ({}@{}, {}): open for {} s",
            t.pid, t.user, t.database, t.state, t.age_seconds
        )
    });
    AssessCheck::new(
        name,
        Side::Source,
        Status::Warn,
        format!(
            "{} transaction(s) open longer than {limit} s: creating the slot waits for them",
            txs.len()
        ),
    )
    .with_evidence(evidence)
    .with_fix(
        "end them (COMMIT/ROLLBACK, or pg_terminate_backend(pid)) before starting the migration",
    )
}

fn prepared_check(txs: &[PreparedTransaction]) -> AssessCheck {
    let name = "postgres-check-preparedtxn";
    if txs.is_empty() {
        return AssessCheck::pass(name, Side::Source, "no prepared transaction");
    }
    let evidence = txs.iter().map(|t| {
        format!(
            "{:?} in {} by {}: prepared {} s ago",
            t.gid, t.database, t.owner, t.age_seconds
        )
    });
    AssessCheck::new(name, Side::Source, Status::Fail, format!("{} prepared transaction(s): creating a replication slot hangs until they end", txs.len()))
        .with_evidence(evidence)
        .with_fix("COMMIT PREPARED or ROLLBACK PREPARED each one (its gid is listed) before starting the migration")
}

fn large_objects_check(count: i64) -> AssessCheck {
    let name = "large-objects";
    let evidence = vec![format!(
        "pg_largeobject_metadata holds {count} large object(s)"
    )];
    if count == 0 {
        return AssessCheck::pass(name, Side::Source, "no large object").with_evidence(evidence);
    }
    AssessCheck::new(name, Side::Source, Status::Fail, format!("{count} large object(s): neither DMS nor logical replication moves them"))
        .with_evidence(evidence)
        .with_fix("move them to bytea columns before the migration, or copy them separately (pg_dump --large-objects) at the cut-over")
}

fn event_trigger_check(triggers: &[EventTrigger], engine: EngineKind) -> AssessCheck {
    let name = "postgres-check-ddl-event-trigger";
    let enabled: Vec<&EventTrigger> = triggers.iter().filter(|t| t.enabled != "D").collect();
    let dms_not_always = triggers
        .iter()
        .find(|t| t.name == DMS_DDL_TRIGGER && t.enabled != "A");
    let evidence: Vec<String> = triggers
        .iter()
        .map(|t| format!("{} on {} (enabled {})", t.name, t.event, t.enabled))
        .collect();
    if let (EngineKind::Dms, Some(t)) = (engine, dms_not_always) {
        return AssessCheck::new(
            name,
            Side::Source,
            Status::Warn,
            format!(
                "DMS's DDL event trigger is enabled {:?}, not ALWAYS: DDL may not be captured",
                t.enabled
            ),
        )
        .with_evidence(evidence)
        .with_fix(format!(
            "ALTER EVENT TRIGGER {DMS_DDL_TRIGGER} ENABLE ALWAYS"
        ));
    }
    let others: Vec<String> = enabled
        .iter()
        .filter(|t| t.name != DMS_DDL_TRIGGER)
        .map(|t| t.name.clone())
        .collect();
    if others.is_empty() {
        return AssessCheck::pass(name, Side::Source, "no other DDL event trigger")
            .with_evidence(evidence);
    }
    AssessCheck::new(name, Side::Source, Status::Warn, format!("{} enabled event trigger(s): {}", others.len(), list_some(&others, 10)))
        .with_evidence(evidence)
        .with_fix("DDL is not replicated: apply schema changes to both sides yourself, and make sure these triggers do not change the schema during the migration")
}
