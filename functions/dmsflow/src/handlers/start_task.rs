//! `start-task` handler: start, stop, sync sequences, assess or cut over. The
//! engine comes from `MIGRATION_ENGINE`; the action logic ([`run_action`]) is
//! generic over [`MigrationEngine`]. `assess` runs the premigration assessment
//! ([`crate::assess`]) and returns its report: a failed check is the report's
//! `verdict`, not an error (the state machine's Choice decides). `cutover`
//! (`cutover.rs` beside this file) likewise: `aborted` is its verdict.

use crate::assess::rds::RdsInstances;
use crate::assess::rds_sdk::RdsSdk;
use crate::assess::{self, AssessOptions};
use crate::config::{ConfigError, Env, EnvSource};
pub use crate::contract::engine::StartTaskEvent;
use crate::contract::env::{SOURCE_DB_INSTANCE_ID, TARGET_DB_INSTANCE_ID};
use crate::engine::sequences::sync_sequences;
use crate::engine::setup::EngineContext;
use crate::engine::{EngineKind, MigrationEngine};
use crate::error::HandlerError;
use crate::events::EventError;
use crate::secrets::SecretStore;
use crate::validate::ValidateOptions;
use serde_json::Value;

mod cutover;

/// Start or stop through any engine.
pub async fn run_action<E: MigrationEngine>(
    engine: &E,
    event: &StartTaskEvent,
) -> Result<Value, HandlerError> {
    let result = match event {
        StartTaskEvent::Start(req) => {
            if req.reload_target && engine.kind() == EngineKind::Native {
                return Err(EventError::invalid(
                    "reload_target",
                    "not supported by the native engine (stop, empty the target tables, start again)",
                )
                .into());
            }
            tracing::info!(engine = %engine.kind(), test_connections = req.test_connections, reload_target = req.reload_target, "start");
            engine.start(req).await?
        }
        StartTaskEvent::Stop => {
            tracing::info!(engine = %engine.kind(), "stop");
            engine.stop().await?
        }
        StartTaskEvent::SyncSequences | StartTaskEvent::Assess | StartTaskEvent::Cutover(_) => {
            return Err(HandlerError::new(
                crate::ErrorType::InvalidEvent,
                "sync-sequences, assess and cutover are not engine actions",
            ))
        }
    };
    tracing::info!(outcome = ?result.outcome, message = %result.message, "done");
    super::to_json(&result)
}

/// The RDS instances to assess, from SOURCE_DB_INSTANCE_ID and
/// TARGET_DB_INSTANCE_ID: both set, or neither (no RDS checks).
pub fn rds_instances_from_env<E: EnvSource + ?Sized>(
    env: &E,
) -> Result<Option<RdsInstances>, ConfigError> {
    let e = Env(env);
    match (e.text(&SOURCE_DB_INSTANCE_ID), e.text(&TARGET_DB_INSTANCE_ID)) {
        (Some(source), Some(target)) => Ok(Some(RdsInstances { source, target })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::Missing {
            var: TARGET_DB_INSTANCE_ID.name,
            hint: "set both SOURCE_DB_INSTANCE_ID and TARGET_DB_INSTANCE_ID for the RDS checks of assess, or neither",
        }),
        (None, Some(_)) => Err(ConfigError::Missing {
            var: SOURCE_DB_INSTANCE_ID.name,
            hint: "set both SOURCE_DB_INSTANCE_ID and TARGET_DB_INSTANCE_ID for the RDS checks of assess, or neither",
        }),
    }
}

#[derive(Debug)]
pub struct StartTaskService<S> {
    context: EngineContext<S>,
    /// The RDS client and instances `assess` checks; `None`: databases only.
    rds: Option<(RdsSdk, RdsInstances)>,
    /// The validator's settings for the cut-over's final validation (the
    /// validate-tables function's, from the same variables); its scope is
    /// the migration's.
    validate: ValidateOptions,
}

impl<S: SecretStore> StartTaskService<S> {
    pub fn new(context: EngineContext<S>) -> Self {
        StartTaskService {
            context,
            rds: None,
            validate: ValidateOptions::default(),
        }
    }

    /// The cut-over validates with these settings (see `ValidateConfig`).
    pub fn with_validate(mut self, options: ValidateOptions) -> Self {
        self.validate = options;
        self
    }

    /// `assess` also checks these RDS instances through `sdk`.
    pub fn with_rds(mut self, sdk: RdsSdk, instances: RdsInstances) -> Self {
        self.rds = Some((sdk, instances));
        self
    }

    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event = StartTaskEvent::from_value(event)?;
        match event {
            StartTaskEvent::SyncSequences => {
                let (source, target) = self.context.databases().await?;
                let result =
                    sync_sequences(&source, &target, &self.context.config.common.scope()).await?;
                tracing::info!(sequences = result.sequences.len(), "sequences synced");
                super::to_json(&result)
            }
            StartTaskEvent::Assess => self.assess().await,
            StartTaskEvent::Cutover(request) => self.cutover(&request).await,
            StartTaskEvent::Start(_) | StartTaskEvent::Stop => {
                let engine = self
                    .context
                    .engine_for(&self.context.config.handle())
                    .await?;
                run_action(&engine, &event).await
            }
        }
    }

    /// The assessment of DB_SCHEMA for the configured engine.
    async fn assess(&self) -> Result<Value, HandlerError> {
        let config = &self.context.config;
        if config.source.is_none() || config.target.is_none() {
            return Err(HandlerError::new(
                crate::ErrorType::ConfigError,
                "assess needs SOURCE_SECRET_ARN and TARGET_SECRET_ARN (it connects to both databases)",
            ));
        }
        let (source, target) = self.context.databases().await?;
        let options = AssessOptions {
            schemas: config.common.scope().schemas,
            engine: config.engine,
            ..AssessOptions::default()
        };
        tracing::info!(engine = %config.engine, schema = %config.common.schema, rds = self.rds.is_some(), "assess");
        let report = match &self.rds {
            Some((sdk, instances)) => {
                assess::assess_with_rds(&source, &target, sdk, instances, &options).await?
            }
            None => assess::assess(&source, &target, &options).await?,
        };
        let failed: Vec<&str> = report.failed().map(|c| c.name.as_str()).collect();
        tracing::info!(verdict = report.verdict.as_str(), checks = report.checks.len(), failed = ?failed, "assessed");
        super::to_json(&report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StartRequest;
    use serde_json::json;

    #[test]
    fn events_parse_strictly() {
        assert_eq!(
            StartTaskEvent::from_value(json!({"action": "start"})).unwrap(),
            StartTaskEvent::Start(StartRequest::default())
        );
        assert_eq!(
            StartTaskEvent::from_value(
                json!({"action": "start", "test_connections": true, "reload_target": true})
            )
            .unwrap(),
            StartTaskEvent::Start(StartRequest {
                test_connections: true,
                reload_target: true
            })
        );
        assert_eq!(
            StartTaskEvent::from_value(json!({"action": "sync-sequences"})).unwrap(),
            StartTaskEvent::SyncSequences
        );
        assert_eq!(
            StartTaskEvent::from_value(json!({"action": "assess"})).unwrap(),
            StartTaskEvent::Assess
        );
        let err =
            StartTaskEvent::from_value(json!({"action": "assess", "schemas": ["a"]})).unwrap_err();
        assert!(err.to_string().contains("schemas"), "{err}");
        let err = StartTaskEvent::from_value(json!({"action": "stop", "force": true})).unwrap_err();
        assert!(err.to_string().contains("force"), "{err}");
        let err =
            StartTaskEvent::from_value(json!({"action": "start", "reload": true})).unwrap_err();
        assert!(err.to_string().contains("reload"), "{err}");
        let err = StartTaskEvent::from_value(json!({"action": "pause"})).unwrap_err();
        assert!(err.to_string().contains("`action`"), "{err}");
        let err = StartTaskEvent::from_value(json!({})).unwrap_err();
        assert!(err.to_string().contains("missing field `action`"), "{err}");
    }

    #[test]
    fn cutover_events_parse_strictly_and_fit_a_lambda() {
        use crate::contract::cutover::{CutoverRequest, FenceMode};
        let event = json!({"action": "cutover", "fence": "roles", "fence_roles": ["app"],
                           "quiet_seconds": 15, "drain_timeout_seconds": 300, "rehearsal": true});
        assert_eq!(
            StartTaskEvent::from_value(event).unwrap(),
            StartTaskEvent::Cutover(CutoverRequest {
                fence: FenceMode::Roles,
                fence_roles: vec!["app".into()],
                quiet_seconds: 15,
                drain_timeout_seconds: 300,
                rehearsal: true,
            })
        );
        let minimal = json!({"action": "cutover", "fence": "read-only", "quiet_seconds": 1, "drain_timeout_seconds": 1});
        let StartTaskEvent::Cutover(req) = StartTaskEvent::from_value(minimal).unwrap() else {
            panic!("a cutover event");
        };
        assert!(req.fence_roles.is_empty() && !req.rehearsal);
        let refused = |event: Value, needle: &str| {
            let err = StartTaskEvent::from_value(event).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        };
        let base = json!({"action": "cutover", "fence": "none", "quiet_seconds": 15, "drain_timeout_seconds": 300});
        let with = |key: &str, value: Value| {
            let mut e = base.clone();
            e[key] = value;
            e
        };
        refused(with("rehersal", json!(true)), "rehersal");
        refused(with("fence", json!("nologin")), "fence");
        refused(with("fence_roles", json!("app")), "fence_roles");
        refused(with("quiet_seconds", json!(-1)), "quiet_seconds");
        refused(with("quiet_seconds", json!(0)), "quiet_seconds");
        refused(
            with("drain_timeout_seconds", json!(0)),
            "drain_timeout_seconds",
        );
        refused(with("drain_timeout_seconds", json!(586)), "exceeds 600 s");
        assert!(StartTaskEvent::from_value(with("drain_timeout_seconds", json!(585))).is_ok());
        refused(
            json!({"action": "cutover", "fence": "none", "quiet_seconds": 15}),
            "drain_timeout_seconds",
        );
        refused(
            json!({"action": "cutover", "quiet_seconds": 15, "drain_timeout_seconds": 300}),
            "fence",
        );
    }

    #[test]
    fn rds_instances_both_or_neither() {
        use std::collections::HashMap;
        let none: HashMap<&str, &str> = HashMap::new();
        assert_eq!(rds_instances_from_env(&none).unwrap(), None);
        let both = HashMap::from([
            ("SOURCE_DB_INSTANCE_ID", "src-db"),
            ("TARGET_DB_INSTANCE_ID", "tgt-db"),
        ]);
        assert_eq!(
            rds_instances_from_env(&both).unwrap(),
            Some(RdsInstances {
                source: "src-db".into(),
                target: "tgt-db".into()
            })
        );
        let one = HashMap::from([("SOURCE_DB_INSTANCE_ID", "src-db")]);
        let err = rds_instances_from_env(&one).unwrap_err();
        assert!(err.to_string().contains("TARGET_DB_INSTANCE_ID"), "{err}");
    }
}
