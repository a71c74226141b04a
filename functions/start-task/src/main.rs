//! Lambda `start-task`: start or stop the migration engine chosen by
//! `MIGRATION_ENGINE`, or sync sequences. Logic: `dmsflow::engine`.

use dmsflow::config::ProcessEnv;
use dmsflow::engine::dms::DmsClients;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::handlers::start_task::StartTaskService;
use dmsflow::secrets::SecretsManagerStore;
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = EngineConfig::from_env(&ProcessEnv)?;
        let sdk = dmsflow::aws::sdk_config().await;
        let context = EngineContext::new(
            config,
            SecretsManagerStore::new(&sdk),
            DmsClients::new(&sdk),
        );
        Ok::<_, HandlerError>(StartTaskService::new(context))
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
