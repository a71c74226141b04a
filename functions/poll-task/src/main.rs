//! Lambda `poll-task`: the progress document of the migration a `start-task`
//! handle names (DMS task or native subscription). Logic: `dmsflow::engine`.

use dmsflow::config::ProcessEnv;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::handlers::poll_task::PollTaskService;
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = EngineConfig::from_env(&ProcessEnv)?;
        let sdk = dmsflow::aws::sdk_config().await;
        Ok::<_, HandlerError>(PollTaskService::new(EngineContext::from_aws(config, &sdk)))
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
