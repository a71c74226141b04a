//! Migration engines behind one port.
//!
//! [`MigrationEngine`] is the narrow trait the `start-task` and `poll-task`
//! handlers (and the CLI) are written against: start, poll, stop. Two adapters:
//!
//! - [`dms::DmsEngine`]: an AWS DMS full-load-and-CDC replication task (the
//!   default on AWS), through the DMS and CloudWatch APIs;
//! - [`native::NativeEngine`]: PostgreSQL logical replication, a publication
//!   on the source and a subscription on the target (local runs, and AWS
//!   setups without a replication instance).
//!
//! Both report the same normalised [`Progress`] document. Sequences are moved
//! by [`sequences::sync_sequences`], plain SQL on both databases and
//! independent of the engine (neither DMS nor logical replication moves them).

pub mod dms;
pub mod names;
pub mod native;
pub mod progress;
pub mod sequences;
pub mod setup;
pub(crate) mod slot_lag;

pub use crate::contract::engine::{
    ActionResult, DmsHandle, EngineKind, Handle, NativeHandle, Outcome, Phase, Progress,
    StartRequest, TableCounts, TableProgress, TableState,
};

use crate::db::DbError;
use crate::error::{Classify, ErrorType};
use crate::events::EventError;
use crate::secrets::SecretError;

use std::future::Future;

impl Handle {
    pub fn engine(&self) -> EngineKind {
        match self {
            Handle::Dms(_) => EngineKind::Dms,
            Handle::Native(_) => EngineKind::Native,
        }
    }

    /// Parse and check a handle found at `path` of an event (`handle`), so a
    /// bad one is an `InvalidEvent` naming the exact field.
    pub fn from_value(value: serde_json::Value, path: &str) -> Result<Handle, EventError> {
        let prefix = |e: EventError| match e {
            EventError::Invalid { path: p, reason } => EventError::Invalid {
                path: if p == "(root)" {
                    path.to_owned()
                } else {
                    format!("{path}.{p}")
                },
                reason,
            },
        };
        let (engine, rest) =
            crate::events::split_tag(value, "engine", &["dms", "native"]).map_err(prefix)?;
        let handle = if engine == "dms" {
            let h: DmsHandle = crate::events::parse_event(rest).map_err(prefix)?;
            names::task_resource_id(&h.task_arn)
                .map_err(|reason| EventError::invalid(format!("{path}.task_arn"), reason))?;
            Handle::Dms(h)
        } else {
            let h: NativeHandle = crate::events::parse_event(rest).map_err(prefix)?;
            for (i, schema) in h.schemas.iter().chain(&h.exclude_schemas).enumerate() {
                names::identifier(schema).map_err(|reason| {
                    EventError::invalid(format!("{path}.schemas[{i}]"), reason)
                })?;
            }
            for (field, value) in [
                ("publication", &h.publication),
                ("subscription", &h.subscription),
            ] {
                let check = if field == "subscription" {
                    names::slot_name(value)
                } else {
                    names::identifier(value)
                };
                check.map_err(|reason| EventError::invalid(format!("{path}.{field}"), reason))?;
            }
            Handle::Native(h)
        };
        Ok(handle)
    }
}

/// The port: one migration, started, polled and stopped.
pub trait MigrationEngine: Send + Sync {
    fn kind(&self) -> EngineKind;
    /// The handle `poll-task` takes to find this migration again.
    fn handle(&self) -> Handle;
    fn start(
        &self,
        request: &StartRequest,
    ) -> impl Future<Output = Result<ActionResult, EngineError>> + Send;
    /// The progress document; `in_sync_lag_seconds` is the lag under which a
    /// migration whose full load is done counts as `in-sync`.
    fn poll(
        &self,
        in_sync_lag_seconds: f64,
    ) -> impl Future<Output = Result<Progress, EngineError>> + Send;
    fn stop(&self) -> impl Future<Output = Result<ActionResult, EngineError>> + Send;
}

pub use crate::aws::AwsErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("DMS replication task {task_arn} is in state {status:?}: {message}")]
    TaskFailed {
        task_arn: String,
        status: String,
        message: String,
    },
    #[error("connection test of the {side} endpoint {endpoint_arn} failed: {message}")]
    ConnectionTestFailed {
        side: &'static str,
        endpoint_arn: String,
        message: String,
    },
    #[error(
        "connection test of the {side} endpoint {endpoint_arn} was still running after {seconds} s"
    )]
    ConnectionTestTimeout {
        side: &'static str,
        endpoint_arn: String,
        seconds: u64,
    },
    #[error("{what} is {state:?}: {reason}")]
    InvalidState {
        what: String,
        state: String,
        reason: String,
    },
    #[error("unknown {what} {value:?} reported for {subject}: dmsflow does not know what it means and will not guess")]
    UnknownState {
        what: &'static str,
        value: String,
        subject: String,
    },
    #[error("AWS {operation} failed for {resource}")]
    Aws {
        operation: &'static str,
        resource: String,
        kind: AwsErrorKind,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("DMS returned no {what} for {resource}")]
    Incomplete {
        what: &'static str,
        resource: String,
    },
    #[error("subscription {subscription} does not exist on the target {endpoint}")]
    SubscriptionNotFound {
        subscription: String,
        endpoint: String,
    },
    #[error("schema {schema} does not exist on the {side} database {endpoint}{hint}")]
    SchemaMissing {
        schema: String,
        side: &'static str,
        endpoint: String,
        hint: &'static str,
    },
    #[error("the target {endpoint} lacks tables of schema {schema} that the source has: {tables} (create the schema on the target first)")]
    TablesMissing {
        schema: String,
        endpoint: String,
        tables: String,
    },
    #[error("schema(s) {schema} on the source {endpoint} have no tables to replicate")]
    NoTables { schema: String, endpoint: String },
    #[error("tables without a primary key or replica identity on the source: {tables}. Publishing them would make every UPDATE and DELETE on them fail on the source; add a primary key or run ALTER TABLE … REPLICA IDENTITY FULL")]
    NoReplicaIdentity { tables: String },
    #[error(transparent)]
    Scope(#[from] crate::scope::ScopeError),
    #[error("sequence {sequence} does not exist on the target {endpoint}")]
    SequenceMissing { sequence: String, endpoint: String },
    #[error("reading the sequences on the {side} {endpoint}")]
    SequenceCatalog {
        side: &'static str,
        endpoint: String,
        #[source]
        source: crate::sequence_catalog::SequenceCatalogError,
    },
    #[error("replication slot {slot} on the source {endpoint} {problem}")]
    Slot {
        slot: String,
        endpoint: String,
        problem: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Native(#[from] native::NativeError),
}

impl From<crate::aws::ApiFailure> for EngineError {
    fn from(f: crate::aws::ApiFailure) -> Self {
        EngineError::Aws {
            operation: f.operation,
            resource: f.resource,
            kind: f.kind,
            source: f.source,
        }
    }
}

impl Classify for EngineError {
    fn error_type(&self) -> ErrorType {
        match self {
            EngineError::TaskFailed { .. }
            | EngineError::ConnectionTestFailed { .. }
            | EngineError::NoReplicaIdentity { .. } => ErrorType::MigrationFailed,
            EngineError::ConnectionTestTimeout { .. } => ErrorType::AwsTransient,
            EngineError::InvalidState { .. }
            | EngineError::UnknownState { .. }
            | EngineError::Slot { .. } => ErrorType::InvalidTaskState,
            EngineError::Aws { kind, .. } => match kind {
                AwsErrorKind::NotFound => ErrorType::TaskNotFound,
                AwsErrorKind::InvalidState => ErrorType::InvalidTaskState,
                AwsErrorKind::Transient => ErrorType::AwsTransient,
                AwsErrorKind::Other => ErrorType::AwsError,
            },
            EngineError::Incomplete { .. } => ErrorType::AwsError,
            EngineError::SubscriptionNotFound { .. } => ErrorType::TaskNotFound,
            EngineError::Scope(e) => e.error_type(),
            EngineError::SchemaMissing { .. }
            | EngineError::TablesMissing { .. }
            | EngineError::NoTables { .. }
            | EngineError::SequenceMissing { .. } => ErrorType::UnknownTable,
            EngineError::SequenceCatalog { source, .. } => source.error_type(),
            EngineError::Db(e) => e.error_type(),
            EngineError::Secret(e) => e.error_type(),
            EngineError::Native(e) => e.error_type(),
        }
    }
}

/// Now, as RFC 3339 UTC with seconds (`2026-11-24T15:29:11Z`).
pub fn now_rfc3339() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn handles_parse_with_field_paths() {
        let h = Handle::from_value(
            json!({"engine": "native", "schemas": ["shop"], "publication": "p", "subscription": "s"}),
            "handle",
        )
        .unwrap();
        assert_eq!(h.engine(), EngineKind::Native);
        let err = Handle::from_value(json!({"engine": "oracle"}), "handle").unwrap_err();
        assert!(err.to_string().contains("`handle.engine`"), "{err}");
        let err = Handle::from_value(json!({"engine": "dms"}), "handle").unwrap_err();
        assert!(err.to_string().contains("task_arn"), "{err}");
        let err =
            Handle::from_value(json!({"engine": "dms", "task_arn": "nope"}), "handle").unwrap_err();
        assert!(err.to_string().contains("`handle.task_arn`"), "{err}");
        let err = Handle::from_value(
            json!({"engine": "native", "schemas": ["shop"], "publication": "p", "subscription": "Bad-Name"}),
            "handle",
        )
        .unwrap_err();
        assert!(err.to_string().contains("`handle.subscription`"), "{err}");
        let err = Handle::from_value(
            json!({"engine": "native", "schemas": ["shop"], "publication": "p", "subscription": "s", "x": 1}),
            "handle",
        )
        .unwrap_err();
        assert!(err.to_string().contains("`x`"), "{err}");
        let err = Handle::from_value(json!("dms"), "handle").unwrap_err();
        assert!(err.to_string().contains("`handle`"), "{err}");
    }

    #[test]
    fn handle_serializes_as_the_contract_says() {
        let h = Handle::Dms(DmsHandle {
            task_arn: "arn:aws:dms:eu-west-1:123456789012:task:ABC".into(),
        });
        assert_eq!(
            serde_json::to_value(&h).unwrap(),
            json!({"engine": "dms", "task_arn": "arn:aws:dms:eu-west-1:123456789012:task:ABC"})
        );
    }

    #[test]
    fn engine_kind_names_the_bad_value() {
        let err = "oracle".parse::<EngineKind>().unwrap_err();
        assert!(
            err.contains("oracle") && err.contains("dms, native"),
            "{err}"
        );
    }

    #[test]
    fn polled_at_is_rfc3339_utc() {
        let t = now_rfc3339();
        assert!(t.ends_with('Z') && t.len() >= 20, "{t}");
    }
}
