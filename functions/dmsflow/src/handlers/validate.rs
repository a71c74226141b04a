//! `validate-tables` handler.

use crate::config::{ConfigError, DbCommonConfig, DbSideConfig, Env, EnvSource, Side};
use crate::contract::env as vars;
use crate::contract::map::S3Prefix;
use crate::contract::validate::TablesResult;
pub use crate::contract::validate::{
    ManyTablesRequest, OneTableRequest, PlanRequest, SequencePolicy, ValidateEvent, ValidationMode,
};
use crate::error::HandlerError;
use crate::report::results::{ObjectStore, RunObjects};
use crate::secrets::{resolve_side, SecretStore};
use crate::validate::{TableRequest, ValidateOptions, Validator};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::OnceCell;

/// `validate-tables` configuration (see `config::ENV_VARS`).
#[derive(Debug, Clone)]
pub struct ValidateConfig {
    pub source: DbSideConfig,
    pub target: DbSideConfig,
    pub common: DbCommonConfig,
    pub options: ValidateOptions,
    /// Where a run's plan, work items and item results go (`VALIDATION_BUCKET`).
    pub store: Option<S3Prefix>,
}

impl ValidateConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        let common = DbCommonConfig::from_env(env)?;
        let e = Env(env);
        let defaults = ValidateOptions::default();
        let options = ValidateOptions {
            scope: common.scope(),
            workers: usize::try_from(e.integer(&vars::VALIDATE_WORKERS)?).unwrap_or(usize::MAX),
            chunk_rows: e.integer(&vars::VALIDATE_CHUNK_ROWS)?,
            rechecks: u32::try_from(e.integer(&vars::VALIDATE_RECHECKS)?).unwrap_or(u32::MAX),
            settle: Duration::from_secs(e.integer(&vars::VALIDATE_SETTLE_SECONDS)?),
            max_diffs: usize::try_from(e.integer(&vars::VALIDATE_MAX_DIFFS)?).unwrap_or(usize::MAX),
            mask: e.list(&vars::VALIDATE_MASK_COLUMNS),
            statement_timeout: Duration::from_secs(
                e.integer(&vars::VALIDATE_STATEMENT_TIMEOUT_SECONDS)?,
            ),
            sequence_policy: defaults.sequence_policy,
            max_rows_per_item: e.integer(&vars::VALIDATE_MAX_ROWS_PER_ITEM)?,
            object_policy: e.parsed(vars::VALIDATE_OBJECT_POLICY.name, defaults.object_policy)?,
            mode: defaults.mode,
            slot: e.text(&vars::VALIDATE_REPLICATION_SLOT),
            position_wait: Duration::from_secs(e.integer(&vars::VALIDATE_POSITION_WAIT_SECONDS)?),
        };
        let store = e.text(&vars::VALIDATION_BUCKET).map(|bucket| {
            let mut prefix = e.text(&vars::VALIDATION_PREFIX).unwrap_or_default();
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            S3Prefix { bucket, prefix }
        });
        Ok(ValidateConfig {
            source: DbSideConfig::from_env(env, Side::Source)?,
            target: DbSideConfig::from_env(env, Side::Target)?,
            common,
            options,
            store,
        })
    }
}

#[derive(Debug)]
pub struct ValidateService<S> {
    config: ValidateConfig,
    secrets: S,
    /// The S3 client, made on the first event that needs it.
    objects: OnceCell<ObjectStore>,
}

impl<S: SecretStore> ValidateService<S> {
    pub fn new(config: ValidateConfig, secrets: S) -> Self {
        ValidateService {
            config,
            secrets,
            objects: OnceCell::new(),
        }
    }

    /// The run's objects in S3 (an event named a `run`); refused without a bucket.
    async fn run_store(&self, run: &str) -> Result<RunObjects<'_>, HandlerError> {
        let Some(at) = &self.config.store else {
            return Err(HandlerError::from(ConfigError::Missing {
                var: vars::VALIDATION_BUCKET.name,
                hint: "the event names a run: its work items and results go to S3",
            }));
        };
        let objects = self
            .objects
            .get_or_init(|| async { ObjectStore::new(&crate::aws::sdk_config().await) })
            .await;
        Ok(RunObjects::new(objects, at, run))
    }

    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event = ValidateEvent::from_value(event)?;
        let (source, target) = tokio::try_join!(
            resolve_side(&self.secrets, &self.config.source, &self.config.common),
            resolve_side(&self.secrets, &self.config.target, &self.config.common),
        )?;
        let mut options = self.config.options.clone();
        let o = event.overrides();
        // An event's override is capped at the declared maximum.
        if let Some(r) = o.rechecks {
            options.rechecks = r.min(vars::VALIDATE_RECHECKS.value.max as u32);
        }
        if let Some(s) = o.settle_seconds {
            options.settle = Duration::from_secs(s.min(vars::VALIDATE_SETTLE_SECONDS.value.max));
        }
        if let Some(p) = o.sequences {
            options.sequence_policy = p;
        }
        if let Some(m) = o.mode {
            options.mode = m;
        }
        if let Some(slot) = &o.slot {
            options.slot = Some(slot.clone());
        }
        let validator = Validator::new(source, target, options);
        match event {
            ValidateEvent::Plan(r) => {
                let plan = validator
                    .plan(r.tables.as_deref(), r.changes.as_ref())
                    .await?;
                tracing::info!(
                    status = plan.status.as_str(),
                    work = plan.work.len(),
                    "validation planned"
                );
                match &r.run {
                    Some(run) => {
                        let store = self.run_store(run).await?;
                        let summary = store
                            .put_plan(&plan, self.config.options.max_rows_per_item)
                            .await?;
                        super::to_json(&summary)
                    }
                    None => super::to_json(&plan),
                }
            }
            ValidateEvent::Table(r) => {
                let chunk = r.chunk.clone();
                let result = validator
                    .validate(&[TableRequest {
                        table: r.table.clone(),
                        chunk: r.chunk,
                    }])
                    .await?;
                log_result(&result);
                match &r.item {
                    Some(item) => {
                        let store = self.run_store(&item.run).await?;
                        let summary = store
                            .put_result(item.item, &r.table, chunk.map(|c| c.index), &result)
                            .await?;
                        super::to_json(&summary)
                    }
                    None => super::to_json(&result),
                }
            }
            ValidateEvent::Tables(r) => {
                let requests: Vec<TableRequest> = r
                    .tables
                    .into_iter()
                    .map(|table| TableRequest { table, chunk: None })
                    .collect();
                let result = validator.validate(&requests).await?;
                log_result(&result);
                super::to_json(&result)
            }
        }
    }
}

fn log_result(result: &TablesResult) {
    for t in &result.tables {
        tracing::info!(
            table = %t.table,
            status = t.status.as_str(),
            source_rows = t.source_rows,
            target_rows = t.target_rows,
            differences = t.differences.count,
            rechecks = t.rechecks,
            seconds = t.seconds,
            error = t.error.as_deref(),
            "table validated"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(extra: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        let mut env: HashMap<&str, &str> = [
            ("SOURCE_SECRET_ARN", "arn:source"),
            ("TARGET_SECRET_ARN", "arn:target"),
        ]
        .into();
        env.extend(extra.iter().copied());
        env
    }

    #[test]
    fn out_of_range_settings_are_refused_with_the_range() {
        for (var, value, range) in [
            ("VALIDATE_WORKERS", "17", "allowed 1 to 16"),
            ("VALIDATE_WORKERS", "0", "allowed 1 to 16"),
            ("VALIDATE_CHUNK_ROWS", "0", "allowed 1 to"),
            (
                "VALIDATE_STATEMENT_TIMEOUT_SECONDS",
                "0",
                "allowed 1 to 86400",
            ),
            ("VALIDATE_RECHECKS", "21", "allowed 0 to 20"),
        ] {
            let err = ValidateConfig::from_env(&env(&[(var, value)])).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(&format!("{var}={value}")) && text.contains(range),
                "{text}"
            );
            assert_eq!(
                HandlerError::from(err).error_type,
                crate::ErrorType::ConfigError
            );
        }
    }

    #[test]
    fn defaults_and_values_come_through() {
        let cfg = ValidateConfig::from_env(&env(&[
            ("VALIDATE_WORKERS", "16"),
            ("VALIDATE_MASK_COLUMNS", "pin, ,secret"),
        ]))
        .unwrap();
        assert_eq!(cfg.options.workers, 16);
        assert_eq!(cfg.options.mask, vec!["pin", "secret"]);
        let d = ValidateConfig::from_env(&env(&[])).unwrap().options;
        let lib = ValidateOptions::default();
        assert_eq!(
            (
                d.workers,
                d.chunk_rows,
                d.rechecks,
                d.settle,
                d.max_diffs,
                d.mask,
                d.statement_timeout
            ),
            (
                2,
                25_000,
                3,
                Duration::from_secs(5),
                20,
                lib.mask,
                Duration::from_secs(600)
            )
        );
    }
}
