//! Lambda `seed-source`: load the sample data into the source, create the
//! schema on the target, or apply a CDC burst. Logic: `dmsflow::seed`.

use dmsflow::config::ProcessEnv;
use dmsflow::handlers::seed::{SeedConfig, SeedService};
use dmsflow::secrets::SecretsManagerStore;
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = SeedConfig::from_env(&ProcessEnv)?;
        let sdk = dmsflow::aws::sdk_config().await;
        Ok::<_, HandlerError>(SeedService::new(config, SecretsManagerStore::new(&sdk)))
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
