//! `seed-source` handler.

use crate::config::{ConfigError, DbCommonConfig, DbSideConfig, EnvSource, Side};
use crate::contract::seed::SeedEvent;
use crate::error::{ErrorType, HandlerError};
use crate::secrets::{resolve_side, SecretStore};
use crate::seed::{self, SampleSchema};
use serde_json::Value;

/// `seed-source` configuration (see `config::ENV_VARS`).
#[derive(Debug, Clone)]
pub struct SeedConfig {
    pub source: DbSideConfig,
    /// Only needed for mode `schema` on the target.
    pub target: Option<DbSideConfig>,
    pub common: DbCommonConfig,
}

impl SeedConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        Ok(SeedConfig {
            source: DbSideConfig::from_env(env, Side::Source)?,
            target: DbSideConfig::optional_from_env(env, Side::Target)?,
            common: DbCommonConfig::from_env(env)?,
        })
    }
}

#[derive(Debug)]
pub struct SeedService<S> {
    config: SeedConfig,
    secrets: S,
}

impl<S: SecretStore> SeedService<S> {
    pub fn new(config: SeedConfig, secrets: S) -> Self {
        SeedService { config, secrets }
    }

    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event = SeedEvent::from_value(event)?;
        // DB_SCHEMA: the schema that is seeded is the one replicated and validated.
        let schema = SampleSchema::new(&self.config.common.sample_schema())?;
        match &event {
            SeedEvent::Load(req) => {
                tracing::info!(
                    mode = "load",
                    scale = req.scale,
                    reset = req.reset,
                    schema = %schema,
                    "seeding the source"
                );
                let spec =
                    resolve_side(&self.secrets, &self.config.source, &self.config.common).await?;
                let result = seed::load_in(&spec, &schema, req).await?;
                tracing::info!(
                    rows = result.total_rows,
                    seconds = result.seconds,
                    "source loaded"
                );
                super::to_json(&result)
            }
            SeedEvent::Changes(req) => {
                tracing::info!(mode = "changes", count = req.count, schema = %schema, "applying a CDC burst");
                let spec =
                    resolve_side(&self.secrets, &self.config.source, &self.config.common).await?;
                let result = seed::apply_changes_in(&spec, &schema, req).await?;
                tracing::info!(applied = result.applied, lsn = %result.source_lsn, "burst committed");
                super::to_json(&result)
            }
            SeedEvent::Schema(req) => {
                let side = match req.database {
                    Side::Source => Some(&self.config.source),
                    Side::Target => self.config.target.as_ref(),
                };
                let side = side.ok_or_else(|| {
                    HandlerError::new(
                        ErrorType::ConfigError,
                        "environment variable TARGET_SECRET_ARN is required for mode \"schema\" on the target",
                    )
                })?;
                let spec = resolve_side(&self.secrets, side, &self.config.common).await?;
                let result = seed::create_schema_in(&spec, &schema, req.database).await?;
                tracing::info!(database = %req.database, created = result.created, "sample schema ready");
                super::to_json(&result)
            }
        }
    }
}
