//! Lambda `start-task`: start or stop the migration engine chosen by
//! `MIGRATION_ENGINE`, sync sequences, or assess before a migration. Logic: `dmsflow::engine`.

use dmsflow::assess::rds_sdk::RdsSdk;
use dmsflow::config::ProcessEnv;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::handlers::start_task::{rds_instances_from_env, StartTaskService};
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = EngineConfig::from_env(&ProcessEnv)?;
        let sdk = dmsflow::aws::sdk_config().await;
        let mut service = StartTaskService::new(EngineContext::from_aws(config, &sdk));
        if let Some(instances) = rds_instances_from_env(&ProcessEnv)? {
            service = service.with_rds(RdsSdk::new(&sdk), instances);
        }
        Ok::<_, HandlerError>(service)
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
