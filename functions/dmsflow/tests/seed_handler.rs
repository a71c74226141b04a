//! The `seed-source` Lambda handler end to end: credentials from Secrets
//! Manager (the real AWS SDK against a moto server), verified TLS to a real
//! PostgreSQL, typed events with errors that name the bad field.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::error::ErrorType;
use dmsflow::handlers::seed::{SeedConfig, SeedService};
use dmsflow::secrets::SecretsManagerStore;
use serde_json::json;
use std::collections::HashMap;

fn url_parts(var: &str) -> (String, u16, String) {
    let spec = cluster(var);
    (spec.host.clone(), spec.port, spec.user.clone())
}

async fn service(env: HashMap<&str, String>) -> SeedService<SecretsManagerStore> {
    let env: HashMap<String, String> = env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let config = SeedConfig::from_env(&env).expect("config");
    let sdk = dmsflow::aws::sdk_config().await;
    SeedService::new(config, SecretsManagerStore::new(&sdk))
}

#[tokio::test]
async fn load_through_secrets_manager_with_verified_tls() {
    let db = fresh_db(&source_cluster(), "handler_load").await;
    let (host, port, user) = url_parts("DMSFLOW_SOURCE_URL");
    let password = local_password();
    let arn = put_secret(
        "dmsflow/test/handler-load",
        json!({"username": user, "password": password, "host": host, "port": port, "dbname": db.dbname}),
    )
    .await;
    let svc = service(HashMap::from([
        ("SOURCE_SECRET_ARN", arn),
        ("DB_SSLMODE", "verify-full".into()),
        ("DB_CA_BUNDLE", env_or_panic("DMSFLOW_PG_CA")),
    ]))
    .await;
    let out = svc
        .handle(json!({"mode": "load", "scale": 1}))
        .await
        .expect("load");
    assert_eq!(out["total_rows"], 990);
    assert_eq!(out["counts"]["order_items"], 530);
    // Refused the second time, with the stable error type the state machine matches.
    let err = svc.handle(json!({"mode": "load"})).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::SourceNotEmpty);
    // A burst through the handler reports its keys.
    let out = svc
        .handle(json!({"mode": "changes", "count": 20, "seed": 3}))
        .await
        .expect("changes");
    assert_eq!(out["applied"], 20);
    assert_eq!(
        out["expected_counts"]["orders"].as_i64(),
        Some(query_i64(&db, "SELECT count(*) FROM shop.orders").await)
    );
}

#[tokio::test]
async fn rds_managed_secret_with_host_from_configuration() {
    // RDS-managed master secrets hold only username and password.
    let db = fresh_db(&source_cluster(), "handler_rds_secret").await;
    let (host, port, user) = url_parts("DMSFLOW_SOURCE_URL");
    let password = local_password();
    let arn = put_secret(
        "dmsflow/test/rds-managed",
        json!({"username": user, "password": password}),
    )
    .await;
    let svc = service(HashMap::from([
        ("SOURCE_SECRET_ARN", arn),
        ("SOURCE_DB_HOST", host),
        ("SOURCE_DB_PORT", port.to_string()),
        ("SOURCE_DB_NAME", db.dbname.clone()),
        ("DB_SSLMODE", "disable".into()),
    ]))
    .await;
    let out = svc
        .handle(json!({"mode": "schema", "database": "source"}))
        .await
        .expect("schema");
    assert_eq!(out["created"], true);
}

#[tokio::test]
async fn malformed_events_name_the_field() {
    let svc = service(HashMap::from([(
        "SOURCE_SECRET_ARN",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:none".to_owned(),
    )]))
    .await;
    let cases = [
        (json!({"mode": "load", "scal": 1}), "scal"),
        (json!({"mode": "explode"}), "explode"),
        (json!({"scale": 1}), "mode"),
        (json!({"mode": "load", "scale": "big"}), "scale"),
        (json!({"mode": "changes"}), "count"),
        (json!({"mode": "changes", "count": 0}), "count"),
        (json!({"mode": "load", "scale": 0}), "scale"),
    ];
    for (event, field) in cases {
        let err = svc.handle(event.clone()).await.unwrap_err();
        assert_eq!(err.error_type, ErrorType::InvalidEvent, "{event}: {err}");
        assert!(err.message.contains(field), "{event}: {err}");
    }
}

#[tokio::test]
async fn missing_secret_and_schema_on_target_without_config() {
    let svc = service(HashMap::from([(
        "SOURCE_SECRET_ARN",
        "dmsflow/test/does-not-exist".to_owned(),
    )]))
    .await;
    let err = svc.handle(json!({"mode": "load"})).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::SecretError, "{err}");
    assert!(
        err.message.contains("does-not-exist") && err.message.contains("not found"),
        "{err}"
    );
    let err = svc.handle(json!({"mode": "schema"})).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::ConfigError, "{err}");
    assert!(err.message.contains("TARGET_SECRET_ARN"), "{err}");
}

#[tokio::test]
async fn plain_tcp_to_a_remote_host_is_refused_before_connecting() {
    let arn = put_secret(
        "dmsflow/test/remote",
        json!({"username": "u", "password": "p", "host": "db.example.internal", "port": 5432}),
    )
    .await;
    let svc = service(HashMap::from([
        ("SOURCE_SECRET_ARN", arn),
        ("DB_SSLMODE", "disable".into()),
    ]))
    .await;
    let err = svc.handle(json!({"mode": "load"})).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::ConfigError, "{err}");
    assert!(err.message.contains("loopback"), "{err}");
}
