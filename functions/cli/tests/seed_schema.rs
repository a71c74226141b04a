//! `dmsflow seed --schema app` puts the sample (load, burst, schema-only) in
//! `app` and nothing in `shop`, against the real PostgreSQL clusters that
//! `scripts/with-services.sh` starts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use dmsflow::db::ConnectSpec;
use std::process::Command;
use std::time::Duration;

/// (Re)create database `name` on the source cluster; its URL.
async fn fresh_db(name: &str) -> String {
    common::fresh_db("DMSFLOW_SOURCE_URL", name, "").await
}

/// Run `dmsflow seed --url URL ARGS…`; its JSON result.
fn seed(url: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_dmsflow"))
        .args(["seed", "--url", url])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dmsflow seed {args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every user table as `schema.table`, sorted.
async fn user_tables(url: &str) -> Vec<String> {
    let spec = ConnectSpec::from_url(url, None, Duration::from_secs(10)).unwrap();
    let client = spec.connect("dmsflow-cli-test").await.unwrap();
    let rows = client
        .query(
            "SELECT schemaname || '.' || tablename AS t FROM pg_tables
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get("t").unwrap()).collect()
}

const APP_TABLES: [&str; 6] = [
    "app.categories",
    "app.customers",
    "app.inventory",
    "app.order_items",
    "app.orders",
    "app.products",
];

#[tokio::test]
async fn seed_schema_option_loads_bursts_and_prepares_in_that_schema() {
    let url = fresh_db("cli_seed_schema").await;
    let loaded = seed(&url, &["--schema", "app"]);
    assert_eq!(
        (loaded["schema"].as_str(), loaded["total_rows"].as_i64()),
        (Some("app"), Some(990))
    );
    let burst = seed(&url, &["--schema", "app", "--changes", "20", "--seed", "7"]);
    assert_eq!(
        (burst["schema"].as_str(), burst["applied"].as_i64()),
        (Some("app"), Some(20))
    );
    assert_eq!(user_tables(&url).await, APP_TABLES);

    let target = fresh_db("cli_seed_schema_target").await;
    let prepared = seed(&target, &["--schema", "app", "--schema-only"]);
    assert_eq!(
        (prepared["schema"].as_str(), prepared["created"].as_bool()),
        (Some("app"), Some(true))
    );
    assert_eq!(user_tables(&target).await, APP_TABLES);
}
