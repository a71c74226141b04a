//! `validate-tables` handler.

use crate::config::{ConfigError, DbCommonConfig, DbSideConfig, Env, EnvSource, Side};
use crate::error::HandlerError;
use crate::events::{parse_event, split_tag, EventError};
use crate::secrets::{resolve_side, SecretStore};
use crate::seed::ChangesResult;
use crate::validate::model::ChunkSpec;
use crate::validate::{SequencePolicy, TableRequest, ValidateOptions, Validator};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// `validate-tables` configuration (see `config::ENV_VARS`).
#[derive(Debug, Clone)]
pub struct ValidateConfig {
    pub source: DbSideConfig,
    pub target: DbSideConfig,
    pub common: DbCommonConfig,
    pub options: ValidateOptions,
}

impl ValidateConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        let common = DbCommonConfig::from_env(env)?;
        let e = Env(env);
        let defaults = ValidateOptions::default();
        let workers: usize = e.parsed("VALIDATE_WORKERS", defaults.workers)?;
        let chunk_rows: u64 = e.parsed("VALIDATE_CHUNK_ROWS", defaults.chunk_rows)?;
        for (var, value) in [
            ("VALIDATE_WORKERS", workers as u64),
            ("VALIDATE_CHUNK_ROWS", chunk_rows),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    var,
                    value: "0".into(),
                    reason: "must be at least 1".into(),
                });
            }
        }
        let options = ValidateOptions {
            schema: common.schema.clone(),
            workers: workers.min(16),
            chunk_rows,
            rechecks: e.parsed("VALIDATE_RECHECKS", defaults.rechecks)?,
            settle: Duration::from_secs(
                e.parsed("VALIDATE_SETTLE_SECONDS", defaults.settle.as_secs())?,
            ),
            max_diffs: e.parsed("VALIDATE_MAX_DIFFS", defaults.max_diffs)?,
            mask: e
                .optional("VALIDATE_MASK_COLUMNS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or(defaults.mask),
            statement_timeout: Duration::from_secs(
                e.parsed(
                    "VALIDATE_STATEMENT_TIMEOUT_SECONDS",
                    defaults.statement_timeout.as_secs(),
                )?
                .max(1),
            ),
            sequence_policy: defaults.sequence_policy,
            max_rows_per_item: defaults.max_rows_per_item,
        };
        Ok(ValidateConfig {
            source: DbSideConfig::from_env(env, Side::Source)?,
            target: DbSideConfig::from_env(env, Side::Target)?,
            common,
            options,
        })
    }
}

/// Settings an event may override for one run (fields of every action).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOverrides {
    pub rechecks: Option<u32>,
    pub settle_seconds: Option<u64>,
    /// `fail` (default) or `warn`: how a target sequence behind the source counts.
    pub sequences: Option<SequencePolicy>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    #[serde(default)]
    pub tables: Option<Vec<String>>,
    #[serde(default)]
    pub changes: Option<ChangesResult>,
    #[serde(default)]
    pub rechecks: Option<u32>,
    #[serde(default)]
    pub settle_seconds: Option<u64>,
    #[serde(default)]
    pub sequences: Option<SequencePolicy>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneTableRequest {
    pub table: String,
    #[serde(default)]
    pub chunk: Option<ChunkSpec>,
    #[serde(default)]
    pub rechecks: Option<u32>,
    #[serde(default)]
    pub settle_seconds: Option<u64>,
    #[serde(default)]
    pub sequences: Option<SequencePolicy>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManyTablesRequest {
    pub tables: Vec<String>,
    #[serde(default)]
    pub rechecks: Option<u32>,
    #[serde(default)]
    pub settle_seconds: Option<u64>,
    #[serde(default)]
    pub sequences: Option<SequencePolicy>,
}

/// The `validate-tables` event (tag `action`).
#[derive(Debug, Clone, PartialEq)]
pub enum ValidateEvent {
    Plan(PlanRequest),
    Table(OneTableRequest),
    Tables(ManyTablesRequest),
}

impl ValidateEvent {
    pub fn from_value(value: Value) -> Result<Self, EventError> {
        let (action, rest) = split_tag(value, "action", &["plan", "table", "tables"])?;
        let event = match action.as_str() {
            "plan" => ValidateEvent::Plan(parse_event(rest)?),
            "table" => ValidateEvent::Table(parse_event(rest)?),
            _ => ValidateEvent::Tables(parse_event(rest)?),
        };
        if let ValidateEvent::Tables(r) = &event {
            if r.tables.is_empty() {
                return Err(EventError::invalid(
                    "tables",
                    "must name at least one table",
                ));
            }
        }
        if let ValidateEvent::Table(OneTableRequest { chunk: Some(c), .. }) = &event {
            if c.count == 0 || c.index >= c.count {
                return Err(EventError::invalid(
                    "chunk.index",
                    format!("must be below chunk.count ({})", c.count),
                ));
            }
        }
        Ok(event)
    }

    pub fn overrides(&self) -> RunOverrides {
        let (rechecks, settle_seconds, sequences) = match self {
            ValidateEvent::Plan(r) => (r.rechecks, r.settle_seconds, r.sequences),
            ValidateEvent::Table(r) => (r.rechecks, r.settle_seconds, r.sequences),
            ValidateEvent::Tables(r) => (r.rechecks, r.settle_seconds, r.sequences),
        };
        RunOverrides {
            rechecks,
            settle_seconds,
            sequences,
        }
    }
}

#[derive(Debug)]
pub struct ValidateService<S> {
    config: ValidateConfig,
    secrets: S,
}

impl<S: SecretStore> ValidateService<S> {
    pub fn new(config: ValidateConfig, secrets: S) -> Self {
        ValidateService { config, secrets }
    }

    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event = ValidateEvent::from_value(event)?;
        let (source, target) = tokio::try_join!(
            resolve_side(&self.secrets, &self.config.source, &self.config.common),
            resolve_side(&self.secrets, &self.config.target, &self.config.common),
        )?;
        let mut options = self.config.options.clone();
        let o = event.overrides();
        if let Some(r) = o.rechecks {
            options.rechecks = r.min(20);
        }
        if let Some(s) = o.settle_seconds {
            options.settle = Duration::from_secs(s.min(300));
        }
        if let Some(p) = o.sequences {
            options.sequence_policy = p;
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
                super::to_json(&plan)
            }
            ValidateEvent::Table(r) => {
                let result = validator
                    .validate(&[TableRequest {
                        table: r.table,
                        chunk: r.chunk,
                    }])
                    .await?;
                log_result(&result);
                super::to_json(&result)
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

fn log_result(result: &crate::validate::model::TablesResult) {
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
