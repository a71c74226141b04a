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

/// Remove what a killed earlier run may have left for database `db`: its
/// subscriptions on the target and its slots on the source both make
/// `DROP DATABASE` fail.
pub async fn clear_leftovers(db: &str) {
    let target_admin = target_cluster().with_dbname("postgres");
    let exists = query_i64(
        &target_admin,
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{db}'"),
    )
    .await;
    if exists > 0 {
        let target = target_cluster().with_dbname(db);
        let client = target.connect("dmsflow-test").await.unwrap();
        let subs = client
            .query("SELECT subname::text FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()", &[])
            .await
            .unwrap();
        for row in subs {
            let name = dmsflow::db::quote_ident(&row.get::<_, String>(0));
            client
                .batch_execute(&format!("ALTER SUBSCRIPTION {name} DISABLE; ALTER SUBSCRIPTION {name} SET (slot_name = NONE); DROP SUBSCRIPTION {name}"))
                .await
                .unwrap();
        }
    }
    let source_admin = source_cluster().with_dbname("postgres");
    let client = source_admin.connect("dmsflow-test").await.unwrap();
    for _ in 0..50 {
        client
            .execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active",
                &[&db],
            )
            .await
            .unwrap();
        let left: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_replication_slots WHERE database = $1",
                &[&db],
            )
            .await
            .unwrap()
            .get(0);
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fresh database `name` on the cluster holding the sample at scale 1.
pub async fn sample_db(cluster: &ConnectSpec, name: &str) -> ConnectSpec {
    let spec = fresh_db(cluster, name).await;
    let request = dmsflow::seed::LoadRequest {
        scale: 1,
        reset: false,
        seed: None,
    };
    dmsflow::seed::load(&spec, &request)
        .await
        .unwrap_or_else(|e| panic!("seeding {name}: {e}"));
    spec
}

/// `<name>_src` on the source and `<name>_tgt` on the target, both holding
/// the same sample (scale 1).
pub async fn identical_pair(name: &str) -> (ConnectSpec, ConnectSpec) {
    let (source, target) = (source_cluster(), target_cluster());
    let (source_db, target_db) = (format!("{name}_src"), format!("{name}_tgt"));
    tokio::join!(
        sample_db(&source, &source_db),
        sample_db(&target, &target_db)
    )
}
pub mod cluster;
pub mod dms;
pub mod legacy;
pub mod native;
pub mod pgbench;
