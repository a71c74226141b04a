//! Defect 12: a `dmsflow seed` killed (SIGKILL) during COPY leaves its
//! staging schema marked as a load's leftover; the next seed drops it and
//! says so. A schema of that name without the marker is never dropped.
//! Against the real PostgreSQL cluster of `scripts/with-services.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::db::{quote_ident, ConnectSpec};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STAGING: &str = "shop_dmsflow_load";

fn cluster_url() -> String {
    std::env::var("DMSFLOW_SOURCE_URL").unwrap_or_else(|_| {
        panic!("DMSFLOW_SOURCE_URL is not set: run under scripts/with-services.sh (make test)")
    })
}

fn spec(url: &str) -> ConnectSpec {
    ConnectSpec::from_url(url, None, Duration::from_secs(10)).unwrap()
}

/// (Re)create database `name`; its URL.
async fn fresh_db(name: &str) -> String {
    let url = cluster_url();
    let admin = spec(&url)
        .with_dbname("postgres")
        .connect("dmsflow-cli-test")
        .await
        .unwrap();
    let db = quote_ident(name);
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&sql).await.unwrap();
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The comment of schema `name`: `None` when it does not exist.
async fn schema_comment(url: &str, name: &str) -> Option<Option<String>> {
    let client = spec(url).connect("dmsflow-cli-test").await.unwrap();
    let rows = client
        .query(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1",
            &[&name],
        )
        .await
        .unwrap();
    rows.first().map(|r| r.get(0))
}

/// Sessions of the seeder still on the server (`application_name` dmsflow-seed…).
async fn seed_sessions(url: &str, query_like: &str) -> i64 {
    let client = spec(url).connect("dmsflow-cli-test").await.unwrap();
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
             AND application_name LIKE 'dmsflow-seed%' AND query LIKE $1",
            &[&query_like],
        )
        .await
        .unwrap();
    row.get(0)
}

fn seed(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dmsflow"))
        .args(["seed", "--url", url])
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_killed_load_leaves_a_marked_staging_schema_the_next_seed_removes() {
    let url = fresh_db("seed_killed").await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dmsflow"))
        .args(["seed", "--url", &url, "--scale", "300"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while a loader is inside COPY.
    let deadline = Instant::now() + Duration::from_secs(120);
    while seed_sessions(&url, "COPY%").await == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the load ended before COPY was seen"
        );
        assert!(Instant::now() < deadline, "no COPY seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seed_sessions(&url, "%").await > 0 {
        assert!(Instant::now() < deadline, "the killed seed's sessions stay");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = schema_comment(&url, STAGING).await;
    let marker = left.clone().flatten().unwrap_or_default();
    assert!(
        marker.starts_with("dmsflow seed: staging schema"),
        "the leftover is not marked as a load's staging schema: {left:?}"
    );
    assert_eq!(
        schema_comment(&url, "shop").await,
        None,
        "no half-loaded sample"
    );

    let out = seed(&url, &["--scale", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "removed staging schema {STAGING} left by an interrupted load"
        )),
        "the next seed does not say it cleaned up: {stderr}"
    );
    assert_eq!(
        schema_comment(&url, STAGING).await,
        None,
        "staging schema left"
    );
    // The loaded schema does not keep the staging marker.
    assert_eq!(schema_comment(&url, "shop").await, Some(None));
}

#[tokio::test]
async fn a_schema_of_the_staging_name_without_the_marker_is_never_dropped() {
    let url = fresh_db("seed_foreign_staging").await;
    let client = spec(&url).connect("dmsflow-cli-test").await.unwrap();
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {STAGING}; CREATE TABLE {STAGING}.keep (id int); INSERT INTO {STAGING}.keep VALUES (1)"
        ))
        .await
        .unwrap();
    let out = seed(&url, &["--scale", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "schema {STAGING} exists but was not created by a dmsflow load"
        )),
        "{stderr}"
    );
    let kept: i64 = client
        .query_one(&format!("SELECT count(*) FROM {STAGING}.keep"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 1);
    assert_eq!(schema_comment(&url, "shop").await, None);
}
