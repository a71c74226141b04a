//! Lambda `start-task`: start or stop the migration engine chosen by
//! `MIGRATION_ENGINE`, sync sequences, assess before a migration, or cut over. Logic: `dmsflow::engine`.

use dmsflow::assess::rds_sdk::RdsSdk;
use dmsflow::config::ProcessEnv;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::handlers::start_task::{rds_instances_from_env, StartTaskService};
use dmsflow::handlers::validate::ValidateConfig;
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = EngineConfig::from_env(&ProcessEnv)?;
        let databases = config.source.is_some() && config.target.is_some();
        let sdk = dmsflow::aws::sdk_config().await;
        let mut service = StartTaskService::new(EngineContext::from_aws(config, &sdk));
        if databases {
            // The cut-over's final validation: validate-tables' settings.
            service = service.with_validate(ValidateConfig::from_env(&ProcessEnv)?.options);
        }
        if let Some(instances) = rds_instances_from_env(&ProcessEnv)? {
            service = service.with_rds(RdsSdk::new(&sdk), instances);
        }
        Ok::<_, HandlerError>(service)
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
