//! The `validate-tables` Lambda handler: credentials through Secrets Manager
//! (moto), strict events, plan + table actions with the contract's shapes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::error::ErrorType;
use dmsflow::handlers::validate::{ValidateConfig, ValidateService};
use dmsflow::secrets::SecretsManagerStore;
use serde_json::json;
use std::collections::HashMap;

async fn service(
    name: &str,
) -> (
    ValidateService<SecretsManagerStore>,
    dmsflow::db::ConnectSpec,
) {
    let (s, t) = identical_pair(name).await;
    let env: HashMap<String, String> = [
        (
            "SOURCE_SECRET_ARN",
            put_db_secret(&format!("dmsflow/test/{name}/source"), &s).await,
        ),
        (
            "TARGET_SECRET_ARN",
            put_db_secret(&format!("dmsflow/test/{name}/target"), &t).await,
        ),
        ("DB_SSLMODE", "verify-full".to_owned()),
        ("DB_CA_BUNDLE", env_or_panic("DMSFLOW_PG_CA")),
        ("VALIDATE_CHUNK_ROWS", "100".to_owned()),
        ("VALIDATE_RECHECKS", "0".to_owned()),
        ("VALIDATE_MASK_COLUMNS", "phone".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = ValidateConfig::from_env(&env).unwrap();
    let sdk = dmsflow::aws::sdk_config().await;
    (
        ValidateService::new(config, SecretsManagerStore::new(&sdk)),
        t,
    )
}

#[tokio::test]
async fn plan_then_each_work_item_like_the_state_machine_map() {
    let (svc, target) = service("vh_map").await;
    exec(
        &target,
        "UPDATE shop.customers SET phone = 'leaked?' WHERE customer_id = 4",
    )
    .await;
    let plan = svc.handle(json!({"action": "plan"})).await.unwrap();
    assert_eq!(plan["status"], "identical", "{plan:#}");
    let work = plan["work"].as_array().unwrap();
    assert_eq!(work.len(), 6);
    let mut statuses = HashMap::new();
    for item in work {
        // Exactly what the Map state sends: the work item as the event.
        let result = svc.handle(item.clone()).await.unwrap();
        let table = &result["tables"][0];
        statuses.insert(
            table["table"].as_str().unwrap().to_owned(),
            table["status"].as_str().unwrap().to_owned(),
        );
        if table["table"] == "customers" {
            let diff = &table["differences"]["sample"][0];
            assert_eq!(diff["key"], json!(["4"]));
            assert_eq!(diff["columns"][0]["column"], "phone");
            assert_eq!(
                diff["columns"][0]["target"], "***",
                "masked by VALIDATE_MASK_COLUMNS"
            );
        }
    }
    assert_eq!(statuses["customers"], "different");
    assert_eq!(statuses.values().filter(|s| *s == "identical").count(), 5);
}

#[tokio::test]
async fn events_are_strict_and_errors_typed() {
    let (svc, _) = service("vh_events").await;
    for (event, needle) in [
        (json!({"action": "validate"}), "unknown action"),
        (json!({"action": "table"}), "table"),
        (json!({"action": "tables", "tables": []}), "at least one"),
        (json!({"action": "plan", "tabels": ["x"]}), "tabels"),
        (
            json!({"action": "table", "table": "orders", "chunk": {"index": 3, "count": 2, "key_column": "order_id"}}),
            "chunk.index",
        ),
        (json!({"action": "plan", "sequences": "maybe"}), "sequences"),
    ] {
        let err = svc.handle(event.clone()).await.unwrap_err();
        assert_eq!(err.error_type, ErrorType::InvalidEvent, "{event}: {err}");
        assert!(err.message.contains(needle), "{event}: {err}");
    }
    let err = svc
        .handle(json!({"action": "table", "table": "nope"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::UnknownTable);
    assert!(err.message.contains("nope"));
}
