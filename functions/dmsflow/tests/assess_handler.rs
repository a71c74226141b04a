//! `start-task {"action":"assess"}` through the Lambda handler: credentials
//! from Secrets Manager (moto), the real PostgreSQL clusters, the RDS checks
//! through aws-sdk-rds against moto; a failed check is the result's
//! `verdict`, never a Lambda error.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::assess::rds_sdk::RdsSdk;
use dmsflow::assess::AssessReport;
use dmsflow::engine::dms::DmsClients;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::error::ErrorType;
use dmsflow::handlers::start_task::StartTaskService;
use dmsflow::secrets::SecretsManagerStore;
use serde_json::json;
use std::collections::HashMap;

const SCHEMA: &str = "CREATE SCHEMA app;
    CREATE TABLE app.items (id int8 PRIMARY KEY, price numeric(12,2) NOT NULL, label text);";
const TASK_ARN: &str = "arn:aws:dms:us-east-1:123456789012:task:ASSESSTEST";

/// A source with rows, an empty target with the same schema, and the
/// start-task service (DMS engine, DB_SCHEMA=app) reaching both.
async fn service(
    name: &str,
    extra_env: &[(&str, &str)],
) -> (
    StartTaskService<SecretsManagerStore>,
    dmsflow::db::ConnectSpec,
    dmsflow::db::ConnectSpec,
) {
    let source = fresh_db(&source_cluster(), &format!("ah_{name}_src")).await;
    let target = fresh_db(&target_cluster(), &format!("ah_{name}_tgt")).await;
    exec(&source, SCHEMA).await;
    exec(
        &source,
        "INSERT INTO app.items SELECT g, g, 'x' FROM generate_series(1, 20) g",
    )
    .await;
    exec(&target, SCHEMA).await;
    let mut env: HashMap<String, String> = [
        ("MIGRATION_ENGINE", "dms".to_owned()),
        ("DMS_TASK_ARN", TASK_ARN.to_owned()),
        (
            "SOURCE_SECRET_ARN",
            put_db_secret(&format!("dmsflow/test/assess/{name}/source"), &source).await,
        ),
        (
            "TARGET_SECRET_ARN",
            put_db_secret(&format!("dmsflow/test/assess/{name}/target"), &target).await,
        ),
        ("DB_SCHEMA", "app".to_owned()),
        ("DB_SSLMODE", "verify-full".to_owned()),
        ("DB_CA_BUNDLE", env_or_panic("DMSFLOW_PG_CA")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in extra_env {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = EngineConfig::from_env(&env).unwrap();
    let sdk = dmsflow::aws::sdk_config().await;
    let mut service = StartTaskService::new(EngineContext::new(
        config,
        SecretsManagerStore::new(&sdk),
        DmsClients::new(&sdk),
    ));
    if let Some(instances) = dmsflow::handlers::start_task::rds_instances_from_env(&env).unwrap() {
        service = service.with_rds(RdsSdk::new(&sdk), instances);
    }
    (service, source, target)
}

fn check<'a>(report: &'a AssessReport, name: &str) -> &'a dmsflow::assess::AssessCheck {
    report
        .check(name)
        .unwrap_or_else(|| panic!("no check {name} in {:#?}", report.checks))
}

#[tokio::test]
async fn ready_pair_returns_the_report() {
    let (service, _, _) = service("ready", &[]).await;
    let result = service.handle(json!({"action": "assess"})).await.unwrap();
    assert_eq!(result["verdict"], "ready", "{result:#}");
    assert_eq!(result["schemas"], json!(["app"]));
    let report: AssessReport = serde_json::from_value(result).unwrap();
    assert_eq!(
        check(&report, "target-tables-empty").status,
        dmsflow::assess::Status::Pass
    );
    // No instances configured: no RDS checks.
    assert!(report.checks.iter().all(|c| !c.name.starts_with("rds-")));
}

#[tokio::test]
async fn failed_check_is_the_verdict_not_an_error() {
    let (service, _, target) = service("rows", &[]).await;
    exec(
        &target,
        "INSERT INTO app.items VALUES (1, 1, 'on the target')",
    )
    .await;
    let result = service.handle(json!({"action": "assess"})).await.unwrap();
    assert_eq!(result["verdict"], "not-ready", "{result:#}");
    let report: AssessReport = serde_json::from_value(result).unwrap();
    let empty = check(&report, "target-tables-empty");
    assert_eq!(empty.status, dmsflow::assess::Status::Fail);
    assert!(
        empty.evidence.iter().any(|e| e.contains("app.items")),
        "{empty:#?}"
    );
    assert!(empty.fix.is_some());
}

#[tokio::test]
async fn assess_events_are_strict() {
    let (service, _, _) = service("strict", &[]).await;
    let err = service
        .handle(json!({"action": "assess", "schema": "other"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::InvalidEvent);
    assert!(err.message.contains("schema"), "{}", err.message);
}

/// With both instance ids set, the RDS checks run through aws-sdk-rds (moto's
/// RDS): an instance that does not exist is an AWS error, not a verdict.
#[tokio::test]
async fn rds_instances_are_described_when_configured() {
    let rds = aws_sdk_rds::Client::new(&dmsflow::aws::sdk_config().await);
    for id in ["assess-src", "assess-tgt"] {
        let created = rds
            .create_db_instance()
            .db_instance_identifier(id)
            .engine("postgres")
            .engine_version("15.4")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("dmsflow")
            .master_user_password("not-a-real-password")
            .backup_retention_period(if id == "assess-src" { 0 } else { 1 })
            .send()
            .await;
        if let Err(e) = created {
            let text = format!("{e:?}");
            assert!(text.contains("AlreadyExists"), "{text}");
        }
    }
    let (rds_service, _, _) = service(
        "rds",
        &[
            ("SOURCE_DB_INSTANCE_ID", "assess-src"),
            ("TARGET_DB_INSTANCE_ID", "assess-tgt"),
        ],
    )
    .await;
    let result = rds_service
        .handle(json!({"action": "assess"}))
        .await
        .unwrap();
    let report: AssessReport = serde_json::from_value(result).unwrap();
    for name in [
        "rds-instance-available",
        "rds-engine-version",
        "rds-backup-retention",
    ] {
        check(&report, name);
    }
    // The source keeps no backups: RDS logical replication needs them.
    assert_eq!(
        check(&report, "rds-backup-retention").status,
        dmsflow::assess::Status::Fail
    );
    assert_eq!(report.verdict, dmsflow::assess::Verdict::NotReady);

    let (missing, _, _) = service(
        "rds_missing",
        &[
            ("SOURCE_DB_INSTANCE_ID", "no-such-instance"),
            ("TARGET_DB_INSTANCE_ID", "assess-tgt"),
        ],
    )
    .await;
    let err = missing
        .handle(json!({"action": "assess"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::AwsError, "{}", err.message);
    assert!(err.message.contains("no-such-instance"), "{}", err.message);
}
