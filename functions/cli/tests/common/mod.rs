//! What the CLI tests share: databases on the clusters that
//! `scripts/with-services.sh` starts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use dmsflow::db::{quote_ident, ConnectSpec};
use std::time::Duration;

pub fn cluster_url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run under scripts/with-services.sh (make test)")
    })
}

/// (Re)create database `name` on the cluster of `var`, run `sql` in it; its URL.
pub async fn fresh_db(var: &str, name: &str, sql: &str) -> String {
    let url = cluster_url(var);
    let spec = ConnectSpec::from_url(&url, None, Duration::from_secs(10)).unwrap();
    let admin = spec
        .with_dbname("postgres")
        .connect("dmsflow-cli-test")
        .await
        .unwrap();
    let db = quote_ident(name);
    for stmt in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&stmt).await.unwrap();
    }
    let client = spec
        .with_dbname(name)
        .connect("dmsflow-cli-test")
        .await
        .unwrap();
    client.batch_execute(sql).await.unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}
