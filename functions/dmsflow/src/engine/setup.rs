//! Configuration of `start-task` / `poll-task` and building the engine a
//! handle names. The Lambda picks the engine with `MIGRATION_ENGINE`.

use super::dms::{DmsClients, DmsEngine, SourceSlot};
use super::native::{NativeEngine, NativeSettings};
use super::{
    names, ActionResult, EngineError, EngineKind, Handle, MigrationEngine, NativeHandle, Progress,
    StartRequest,
};
use crate::config::{ConfigError, DbCommonConfig, DbSideConfig, Env, EnvSource, Side};
use crate::contract::env as vars;
use crate::db::ConnectSpec;
use crate::error::{ErrorType, HandlerError};
use crate::secrets::{resolve_side, SecretStore};
use std::path::PathBuf;

/// `start-task` / `poll-task` configuration (see `config::ENV_VARS`).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub engine: EngineKind,
    /// Required (and checked) when `engine` is DMS.
    pub dms_task_arn: Option<String>,
    /// The DMS task's slot on the source (`None`: the one logical slot).
    pub dms_source_slot: Option<String>,
    pub publication: String,
    pub subscription: String,
    pub native_source_sslmode: String,
    pub native_source_sslrootcert: Option<PathBuf>,
    /// Needed by the native engine and by `sync-sequences`.
    pub source: Option<DbSideConfig>,
    pub target: Option<DbSideConfig>,
    pub common: DbCommonConfig,
    pub in_sync_lag_seconds: f64,
    pub in_sync_lag_bytes: i64,
}

impl EngineConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        let e = Env(env);
        let engine: EngineKind = e.choice(&vars::MIGRATION_ENGINE)?;
        let dms_task_arn = e.text(&vars::DMS_TASK_ARN);
        if engine == EngineKind::Dms {
            let arn = dms_task_arn.as_deref().ok_or(ConfigError::Missing {
                var: "DMS_TASK_ARN",
                hint: "the ARN of the DMS replication task, required when MIGRATION_ENGINE=dms",
            })?;
            names::task_resource_id(arn).map_err(|reason| ConfigError::Invalid {
                var: "DMS_TASK_ARN",
                value: arn.to_owned(),
                reason,
            })?;
        }
        let publication = e.text(&vars::NATIVE_PUBLICATION).unwrap_or_default();
        names::identifier(&publication).map_err(|reason| ConfigError::Invalid {
            var: "NATIVE_PUBLICATION",
            value: publication.clone(),
            reason,
        })?;
        let subscription = e.text(&vars::NATIVE_SUBSCRIPTION).unwrap_or_default();
        names::slot_name(&subscription).map_err(|reason| ConfigError::Invalid {
            var: "NATIVE_SUBSCRIPTION",
            value: subscription.clone(),
            reason,
        })?;
        let native_source_sslmode: String = e.choice(&vars::NATIVE_SOURCE_SSLMODE)?;
        names::libpq_sslmode(&native_source_sslmode).map_err(|reason| ConfigError::Invalid {
            var: "NATIVE_SOURCE_SSLMODE",
            value: native_source_sslmode.clone(),
            reason,
        })?;
        let in_sync_lag_seconds = e.number(&vars::IN_SYNC_LAG_SECONDS)?;
        // In range: the declared bounds fit an i64.
        let in_sync_lag_bytes =
            i64::try_from(e.integer(&vars::IN_SYNC_LAG_BYTES)?).unwrap_or(i64::MAX);
        let (source, target) = if engine == EngineKind::Native {
            (
                Some(DbSideConfig::from_env(env, Side::Source)?),
                Some(DbSideConfig::from_env(env, Side::Target)?),
            )
        } else {
            (
                DbSideConfig::optional_from_env(env, Side::Source)?,
                DbSideConfig::optional_from_env(env, Side::Target)?,
            )
        };
        let dms_source_slot = e.text(&vars::DMS_SOURCE_SLOT);
        if let Some(slot) = &dms_source_slot {
            names::slot_name(slot).map_err(|reason| ConfigError::Invalid {
                var: "DMS_SOURCE_SLOT",
                value: slot.clone(),
                reason,
            })?;
        }
        Ok(EngineConfig {
            engine,
            dms_task_arn,
            dms_source_slot,
            publication,
            subscription,
            native_source_sslmode,
            native_source_sslrootcert: e.text(&vars::NATIVE_SOURCE_SSLROOTCERT).map(PathBuf::from),
            source,
            target,
            common: DbCommonConfig::from_env(env)?,
            in_sync_lag_seconds,
            in_sync_lag_bytes,
        })
    }

    /// The handle of the configured migration.
    pub fn handle(&self) -> Handle {
        match self.engine {
            EngineKind::Dms => Handle::Dms(super::DmsHandle {
                task_arn: self.dms_task_arn.clone().unwrap_or_default(),
            }),
            EngineKind::Native => Handle::Native(NativeHandle {
                schemas: self.common.scope().schemas,
                exclude_schemas: Vec::new(),
                publication: self.publication.clone(),
                subscription: self.subscription.clone(),
            }),
        }
    }
}

/// Either engine, chosen at run time (delegates to the adapter).
#[derive(Debug)]
pub enum AnyEngine {
    Dms(DmsEngine),
    Native(Box<NativeEngine>),
}

impl MigrationEngine for AnyEngine {
    fn kind(&self) -> EngineKind {
        match self {
            AnyEngine::Dms(e) => e.kind(),
            AnyEngine::Native(e) => e.kind(),
        }
    }

    fn handle(&self) -> Handle {
        match self {
            AnyEngine::Dms(e) => e.handle(),
            AnyEngine::Native(e) => e.handle(),
        }
    }

    async fn start(&self, request: &StartRequest) -> Result<ActionResult, EngineError> {
        match self {
            AnyEngine::Dms(e) => e.start(request).await,
            AnyEngine::Native(e) => e.start(request).await,
        }
    }

    async fn poll(&self, in_sync_lag_seconds: f64) -> Result<Progress, EngineError> {
        match self {
            AnyEngine::Dms(e) => e.poll(in_sync_lag_seconds).await,
            AnyEngine::Native(e) => e.poll(in_sync_lag_seconds).await,
        }
    }

    async fn stop(&self) -> Result<ActionResult, EngineError> {
        match self {
            AnyEngine::Dms(e) => e.stop().await,
            AnyEngine::Native(e) => e.stop().await,
        }
    }
}

/// What both engine Lambdas hold: configuration, secrets, AWS clients.
#[derive(Debug)]
pub struct EngineContext<S> {
    pub config: EngineConfig,
    pub secrets: S,
    pub clients: DmsClients,
}

impl EngineContext<crate::secrets::SecretsManagerStore> {
    /// A Lambda process's context: secrets from Secrets Manager and the DMS
    /// clients, both over the process's one SDK configuration.
    pub fn from_aws(config: EngineConfig, sdk: &aws_config::SdkConfig) -> Self {
        Self::new(
            config,
            crate::secrets::SecretsManagerStore::new(sdk),
            DmsClients::new(sdk),
        )
    }
}

impl<S: SecretStore> EngineContext<S> {
    pub fn new(config: EngineConfig, secrets: S, clients: DmsClients) -> Self {
        EngineContext {
            config,
            secrets,
            clients,
        }
    }

    /// Source and target connection specs (native engine, `sync-sequences`).
    pub async fn databases(&self) -> Result<(ConnectSpec, ConnectSpec), HandlerError> {
        let missing = |var: &str| {
            HandlerError::new(
                ErrorType::ConfigError,
                format!("environment variable {var} is required for the native engine and for sync-sequences"),
            )
        };
        let source = self
            .config
            .source
            .as_ref()
            .ok_or_else(|| missing("SOURCE_SECRET_ARN"))?;
        let target = self
            .config
            .target
            .as_ref()
            .ok_or_else(|| missing("TARGET_SECRET_ARN"))?;
        let source = resolve_side(&self.secrets, source, &self.config.common).await?;
        let target = resolve_side(&self.secrets, target, &self.config.common).await?;
        Ok((source, target))
    }

    /// The engine a handle names.
    pub async fn engine_for(&self, handle: &Handle) -> Result<AnyEngine, HandlerError> {
        match handle {
            Handle::Dms(h) => {
                let engine = DmsEngine::new(self.clients.clone(), h.task_arn.clone());
                // The source, when configured, gives the lag at DMS's slot.
                let Some(side) = &self.config.source else {
                    return Ok(AnyEngine::Dms(engine));
                };
                let source = resolve_side(&self.secrets, side, &self.config.common).await?;
                Ok(AnyEngine::Dms(engine.with_source_slot(SourceSlot {
                    source,
                    name: self.config.dms_source_slot.clone(),
                    max_bytes: self.config.in_sync_lag_bytes,
                })))
            }
            Handle::Native(h) => {
                let (source, target) = self.databases().await?;
                let settings = NativeSettings {
                    scope: crate::scope::Scope {
                        schemas: h.schemas.clone(),
                        exclude: h.exclude_schemas.clone(),
                    },
                    publication: h.publication.clone(),
                    subscription: h.subscription.clone(),
                    source_sslmode: self.config.native_source_sslmode.clone(),
                    source_sslrootcert: self.config.native_source_sslrootcert.clone(),
                };
                let mut engine = NativeEngine::new(source, target, settings);
                engine.in_sync_lag_bytes = self.config.in_sync_lag_bytes;
                Ok(AnyEngine::Native(Box::new(engine)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn unknown_engine_names_the_variable() {
        let err = EngineConfig::from_env(&env(&[("MIGRATION_ENGINE", "oracle")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("MIGRATION_ENGINE") && text.contains("oracle"),
            "{text}"
        );
    }

    #[test]
    fn dms_needs_a_well_formed_task_arn() {
        let err = EngineConfig::from_env(&env(&[])).unwrap_err();
        assert!(err.to_string().contains("DMS_TASK_ARN"), "{err}");
        let err = EngineConfig::from_env(&env(&[("DMS_TASK_ARN", "task-1")])).unwrap_err();
        assert!(
            err.to_string().contains("DMS_TASK_ARN") && err.to_string().contains("task-1"),
            "{err}"
        );
        let cfg = EngineConfig::from_env(&env(&[(
            "DMS_TASK_ARN",
            "arn:aws:dms:eu-west-1:123456789012:task:ABC",
        )]))
        .unwrap();
        assert_eq!(cfg.engine, EngineKind::Dms);
        assert_eq!(cfg.native_source_sslmode, "require");
        assert!((cfg.in_sync_lag_seconds - 5.0).abs() < f64::EPSILON);
    }

    #[test]
    fn native_needs_both_secrets_and_valid_names() {
        let err = EngineConfig::from_env(&env(&[("MIGRATION_ENGINE", "native")])).unwrap_err();
        assert!(err.to_string().contains("SOURCE_SECRET_ARN"), "{err}");
        let base = [
            ("MIGRATION_ENGINE", "native"),
            ("SOURCE_SECRET_ARN", "s"),
            ("TARGET_SECRET_ARN", "t"),
        ];
        let cfg = EngineConfig::from_env(&env(&base)).unwrap();
        assert_eq!(
            serde_json::to_value(cfg.handle()).unwrap(),
            serde_json::json!({"engine": "native", "schemas": [], "publication": "dmsflow_pub", "subscription": "dmsflow_sub"}),
            "no DB_SCHEMA: every user schema"
        );
        let mut listed = base.to_vec();
        listed.push(("DB_SCHEMA", "sales, stock"));
        let cfg = EngineConfig::from_env(&env(&listed)).unwrap();
        let Handle::Native(handle) = cfg.handle() else {
            panic!("a native handle");
        };
        assert_eq!(handle.schemas, ["sales", "stock"]);
        let mut bad = base.to_vec();
        bad.push(("NATIVE_SUBSCRIPTION", "My-Sub"));
        let err = EngineConfig::from_env(&env(&bad)).unwrap_err();
        assert!(err.to_string().contains("NATIVE_SUBSCRIPTION"), "{err}");
        let mut bad = base.to_vec();
        bad.push(("NATIVE_SOURCE_SSLMODE", "on"));
        let err = EngineConfig::from_env(&env(&bad)).unwrap_err();
        assert!(err.to_string().contains("NATIVE_SOURCE_SSLMODE"), "{err}");
        let mut bad = base.to_vec();
        bad.push(("IN_SYNC_LAG_SECONDS", "-1"));
        let err = EngineConfig::from_env(&env(&bad)).unwrap_err();
        assert!(err.to_string().contains("IN_SYNC_LAG_SECONDS"), "{err}");
    }
}
