//! Validation through the Distributed Map, against moto S3: the plan writes
//! its work items and returns a summary, each item writes its full result and
//! returns a summary, and `report` reads every result back through the
//! ResultWriter's manifest (one per work item, or a typed error).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::error::ErrorType;
use dmsflow::handlers::report::ReportService;
use dmsflow::handlers::validate::{ValidateConfig, ValidateService};
use dmsflow::report::sinks::{NoNotifier, S3Store};
use dmsflow::secrets::SecretsManagerStore;
use serde_json::{json, Value};
use std::collections::HashMap;

const BUCKET: &str = "dmsflow-map-test";

async fn s3() -> aws_sdk_s3::Client {
    let sdk = dmsflow::aws::sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let _ = s3.create_bucket().bucket(BUCKET).send().await;
    s3
}

async fn get(s3: &aws_sdk_s3::Client, key: &str) -> Value {
    let out = s3
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key}: {e:?}"));
    serde_json::from_slice(&out.body.collect().await.unwrap().into_bytes()).unwrap()
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, value: &Value) {
    s3.put_object()
        .bucket(BUCKET)
        .key(key)
        .body(serde_json::to_vec(value).unwrap().into())
        .send()
        .await
        .unwrap();
}

async fn service(name: &str, bucket: Option<&str>) -> ValidateService<SecretsManagerStore> {
    let (s, t) = identical_pair(name).await;
    exec(
        &t,
        "UPDATE shop.orders SET notes = 'tampered' WHERE order_id = 12",
    )
    .await;
    let mut env: HashMap<String, String> = [
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
        ("VALIDATE_RECHECKS", "0".to_owned()),
        ("VALIDATION_PREFIX", "validation".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(b) = bucket {
        env.insert("VALIDATION_BUCKET".into(), b.into());
    }
    let config = ValidateConfig::from_env(&env).unwrap();
    let sdk = dmsflow::aws::sdk_config().await;
    ValidateService::new(config, SecretsManagerStore::new(&sdk))
}

/// What the Distributed Map does with the plan's items: one child per item
/// (the ItemSelector's event), outputs collected by the ResultWriter into
/// `SUCCEEDED_0.json` and `manifest.json`. Returns the Map's output.
async fn run_map(
    s3: &aws_sdk_s3::Client,
    svc: &ValidateService<SecretsManagerStore>,
    plan: &Value,
    skip_item: Option<usize>,
) -> Value {
    let items = get(s3, plan["items"]["key"].as_str().unwrap()).await;
    let mut children = Vec::new();
    for (index, item) in items.as_array().unwrap().iter().enumerate() {
        let event = json!({
            "action": item["action"], "table": item["table"], "chunk": item["chunk"],
            "item": {"run": plan["run"], "item": index},
        });
        let summary = svc.handle(event).await.unwrap();
        assert_eq!(summary["item"], index);
        assert!(
            serde_json::to_vec(&summary).unwrap().len() < 1024,
            "small: {summary}"
        );
        if Some(index) != skip_item {
            children.push(json!({
                "ExecutionArn": format!("arn:aws:states:local:0:execution:m:{index}"),
                "Status": "SUCCEEDED", "Output": summary.to_string(),
            }));
        }
    }
    let base = format!("{}/run-1/", plan["map"]["prefix"].as_str().unwrap());
    put(s3, &format!("{base}SUCCEEDED_0.json"), &json!(children)).await;
    let manifest = json!({
        "DestinationBucket": BUCKET, "MapRunArn": "arn:aws:states:local:0:mapRun:m/run-1",
        "ResultFiles": {"SUCCEEDED": [{"Key": format!("{base}SUCCEEDED_0.json"), "Size": 1}], "FAILED": [], "PENDING": []},
    });
    put(s3, &format!("{base}manifest.json"), &manifest).await;
    json!({"MapRunArn": "arn:aws:states:local:0:mapRun:m/run-1",
           "ResultWriterDetails": {"Bucket": BUCKET, "Key": format!("{base}manifest.json")}})
}

async fn reporter() -> ReportService<S3Store, NoNotifier> {
    let sdk = dmsflow::aws::sdk_config().await;
    ReportService::new(
        S3Store::new(&sdk, BUCKET.into(), "reports/".into()),
        NoNotifier,
        "dmsflow-test".into(),
    )
}

#[tokio::test]
async fn items_and_results_go_through_s3_and_the_report_reads_every_one() {
    let s3 = s3().await;
    let svc = service("vm_map", Some(BUCKET)).await;
    let plan = svc
        .handle(json!({"action": "plan", "run": "vm-run-1"}))
        .await
        .unwrap();
    // The summary, not the work list: counts, statuses, where the items are.
    assert_eq!(plan["run"], "vm-run-1");
    assert_eq!(plan["work_items"], 6, "{plan:#}");
    assert!(plan.get("work").is_none(), "{plan:#}");
    assert_eq!(plan["checks"]["table_set"], "pass", "{plan:#}");
    assert_eq!(plan["items"]["key"], "validation/vm-run-1/items.json");
    assert_eq!(plan["results"]["prefix"], "validation/vm-run-1/results/");
    assert_eq!(plan["map"]["prefix"], "validation/vm-run-1/map");
    let items = get(&s3, "validation/vm-run-1/items.json").await;
    assert_eq!(items.as_array().unwrap().len(), 6);
    let full = get(&s3, "validation/vm-run-1/plan.json").await;
    assert_eq!(full["work"], items);
    assert_eq!(full["checks"]["table_set"]["status"], "pass");

    let output = run_map(&s3, &svc, &plan, None).await;
    // Each item's full result is in S3 under its index.
    let orders = (0..6).find(|i| items[*i]["table"] == "orders").unwrap();
    let result = get(&s3, &format!("validation/vm-run-1/results/{orders}.json")).await;
    assert_eq!(result["tables"][0]["status"], "different");
    assert_eq!(
        result["tables"][0]["differences"]["sample"][0]["key"],
        json!(["12"])
    );

    let report = reporter().await;
    let summary = report
        .handle(json!({
            "mode": "validate", "execution": "vm-run-1",
            "validation": {"plan": plan, "results": output},
        }))
        .await
        .unwrap();
    assert_eq!(summary["verdict"], "different", "{summary:#}");
    assert_eq!(summary["tables_validated"], 6);
    assert_eq!(summary["tables_different"], 1);
    assert_eq!(summary["differences"], 1);
    let written = get(&s3, "reports/vm-run-1.json").await;
    // The database-level checks come from the stored plan, findings and all.
    assert_eq!(
        written["database_checks"]["table_set"]["status"], "pass",
        "{:#}",
        written["database_checks"]
    );
}

#[tokio::test]
async fn a_missing_item_result_is_a_typed_error_never_an_identical() {
    let s3 = s3().await;
    let svc = service("vm_missing", Some(BUCKET)).await;
    let plan = svc
        .handle(json!({"action": "plan", "run": "vm-run-2"}))
        .await
        .unwrap();
    let items = get(&s3, "validation/vm-run-2/items.json").await;
    let orders = (0..6).find(|i| items[*i]["table"] == "orders").unwrap();
    // The differing table's child is missing from the Map's output: without
    // the check, five identical results would make an identical verdict.
    let output = run_map(&s3, &svc, &plan, Some(orders)).await;
    let err = reporter()
        .await
        .handle(json!({
            "mode": "validate", "execution": "vm-run-2",
            "validation": {"plan": plan, "results": output},
        }))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::ReportError, "{err}");
    assert!(
        err.message
            .contains(&format!("no result for work item {orders} (orders) of 6")),
        "{err}"
    );
}

#[tokio::test]
async fn a_run_without_a_bucket_is_refused_and_bad_run_names_too() {
    let svc = service("vm_nobucket", None).await;
    let err = svc
        .handle(json!({"action": "plan", "run": "r1"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::ConfigError, "{err}");
    assert!(err.message.contains("VALIDATION_BUCKET"), "{err}");
    let err = svc
        .handle(json!({"action": "table", "table": "orders", "item": {"run": "../x", "item": 0}}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, ErrorType::InvalidEvent, "{err}");
    assert!(err.message.contains("item.run"), "{err}");
}
