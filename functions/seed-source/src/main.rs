//! Lambda `seed-source`: load the sample data into the source, create the
//! schema on the target, or apply a CDC burst. Logic: `dmsflow::seed`.

use dmsflow::config::ProcessEnv;
use dmsflow::handlers::seed::{SeedConfig, SeedService};
use dmsflow::secrets::SecretsManagerStore;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    dmsflow::logging::init_lambda();
    let config = SeedConfig::from_env(&ProcessEnv)?;
    let sdk = dmsflow::aws::sdk_config().await;
    let service = SeedService::new(config, SecretsManagerStore::new(&sdk));
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        service.handle(event.payload)
    }))
    .await
}
