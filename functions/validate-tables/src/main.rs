//! Lambda `validate-tables`: plan a validation, or validate tables / chunks of
//! a table. Logic: `dmsflow::validate`.

use dmsflow::config::ProcessEnv;
use dmsflow::handlers::validate::{ValidateConfig, ValidateService};
use dmsflow::secrets::SecretsManagerStore;
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = ValidateConfig::from_env(&ProcessEnv)?;
        let sdk = dmsflow::aws::sdk_config().await;
        Ok::<_, HandlerError>(ValidateService::new(config, SecretsManagerStore::new(&sdk)))
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
