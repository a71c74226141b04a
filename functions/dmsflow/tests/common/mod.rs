//! Shared harness for integration tests: real PostgreSQL clusters and a moto
//! server started by `scripts/with-services.sh` (what `make test` runs).
//! Each test works in databases of its own, so tests run in parallel.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use dmsflow::db::{quote_ident, ConnectSpec};
use std::time::Duration;

pub fn env_or_panic(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: integration tests need the local PostgreSQL clusters and moto. \
             Run them with `make test` (or scripts/with-services.sh cargo test)."
        )
    })
}

/// The cluster behind `DMSFLOW_SOURCE_URL` / `DMSFLOW_TARGET_URL`, as superuser.
pub fn cluster(var: &str) -> ConnectSpec {
    ConnectSpec::from_url(&env_or_panic(var), None, Duration::from_secs(10))
        .expect("valid test URL")
}

pub fn source_cluster() -> ConnectSpec {
    cluster("DMSFLOW_SOURCE_URL")
}

pub fn target_cluster() -> ConnectSpec {
    cluster("DMSFLOW_TARGET_URL")
}

/// (Re)create database `name` on the cluster and return a spec for it.
pub async fn fresh_db(cluster: &ConnectSpec, name: &str) -> ConnectSpec {
    let admin = cluster.with_dbname("postgres");
    let client = admin
        .connect("dmsflow-test")
        .await
        .expect("connect to test cluster");
    // A subscription left by an earlier run would keep the database busy.
    client
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(name)
        ))
        .await
        .expect("drop test database");
    client
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(name)))
        .await
        .expect("create test database");
    cluster.with_dbname(name)
}

/// Run one SQL text (tests only; never with input from outside the test).
pub async fn exec(spec: &ConnectSpec, sql: &str) {
    let client = spec.connect("dmsflow-test").await.expect("connect");
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

pub async fn query_i64(spec: &ConnectSpec, sql: &str) -> i64 {
    let client = spec.connect("dmsflow-test").await.expect("connect");
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

pub async fn query_string(spec: &ConnectSpec, sql: &str) -> String {
    let client = spec.connect("dmsflow-test").await.expect("connect");
    client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .get(0)
}

/// An md5 over every row of every sample table, in key order: a test-side
/// fingerprint independent of the validator.
pub async fn sample_fingerprint(spec: &ConnectSpec) -> String {
    query_string(
        spec,
        "SELECT md5(string_agg(f, '')) FROM (
            SELECT md5(string_agg(t::text, E'\\n' ORDER BY category_id)) f FROM shop.categories t
            UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY customer_id)) FROM shop.customers t
            UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY product_id)) FROM shop.products t
            UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY product_id)) FROM shop.inventory t
            UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY order_id)) FROM shop.orders t
            UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY order_id, line_no)) FROM shop.order_items t
        ) x",
    )
    .await
}

/// The password of the local test clusters.
pub fn local_password() -> String {
    std::env::var("PG_LOCAL_PASSWORD").unwrap_or_else(|_| "dmsflow-local".into())
}

/// (Re)create a Secrets Manager secret in the moto server; returns its ARN.
pub async fn put_secret(name: &str, value: serde_json::Value) -> String {
    let sdk = dmsflow::aws::sdk_config().await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let _ = client
        .delete_secret()
        .secret_id(name)
        .force_delete_without_recovery(true)
        .send()
        .await;
    client
        .create_secret()
        .name(name)
        .secret_string(value.to_string())
        .send()
        .await
        .expect("moto create_secret")
        .arn
        .expect("arn")
}

/// An RDS-style secret for the database behind `spec`.
pub async fn put_db_secret(name: &str, spec: &ConnectSpec) -> String {
    put_secret(
        name,
        serde_json::json!({"username": spec.user, "password": local_password(), "host": spec.host, "port": spec.port, "dbname": spec.dbname}),
    )
    .await
}
