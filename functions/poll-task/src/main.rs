//! Lambda `poll-task`: the progress document of the migration a `start-task`
//! handle names (DMS task or native subscription). Logic: `dmsflow::engine`.

use dmsflow::config::ProcessEnv;
use dmsflow::engine::dms::DmsClients;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::handlers::poll_task::PollTaskService;
use dmsflow::secrets::SecretsManagerStore;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    dmsflow::logging::init_lambda();
    let config = EngineConfig::from_env(&ProcessEnv)?;
    let sdk = dmsflow::aws::sdk_config().await;
    let context = EngineContext::new(
        config,
        SecretsManagerStore::new(&sdk),
        DmsClients::new(&sdk),
    );
    let service = &PollTaskService::new(context);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        service.handle(event.payload)
    }))
    .await
}
