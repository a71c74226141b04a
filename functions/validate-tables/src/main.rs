//! Lambda `validate-tables`: plan a validation, or validate tables / chunks of
//! a table. Logic: `dmsflow::validate`.

use dmsflow::config::ProcessEnv;
use dmsflow::handlers::validate::{ValidateConfig, ValidateService};
use dmsflow::secrets::SecretsManagerStore;
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    dmsflow::logging::init_lambda();
    let config = ValidateConfig::from_env(&ProcessEnv)?;
    let sdk = dmsflow::aws::sdk_config().await;
    let service = ValidateService::new(config, SecretsManagerStore::new(&sdk));
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        service.handle(event.payload)
    }))
    .await
}
