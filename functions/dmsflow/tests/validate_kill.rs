//! Never a false "identical": the target server dies in the middle of a
//! validation; the tables it was comparing end `error` with the cause.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::seed::{self, LoadRequest};
use dmsflow::validate::model::Status;
use dmsflow::validate::{Progress, ValidateOptions, Validator};
use std::process::Command;
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn pg_local(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-local.sh");
    let status = Command::new("bash")
        .arg(script)
        .args(args)
        .env("PG_LOCAL_DIR", env_or_panic("DMSFLOW_PG_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "pg-local.sh {args:?}");
}

#[tokio::test]
async fn target_killed_mid_validation_makes_tables_error() {
    let port = free_port();
    let name = format!("victim{port}");
    pg_local(&["start", &name, &port.to_string()]);
    let password = std::env::var("PG_LOCAL_PASSWORD").unwrap_or_else(|_| "dmsflow-local".into());
    let victim = dmsflow::db::ConnectSpec::from_url(
        &format!("postgres://postgres:{password}@127.0.0.1:{port}/dmsflow"),
        None,
        Duration::from_secs(5),
    )
    .unwrap();
    let source = fresh_db(&source_cluster(), "v_kill_src").await;
    let req = LoadRequest {
        scale: 20,
        reset: false,
        seed: None,
    };
    seed::load(&source, &req).await.unwrap();
    seed::load(&victim, &req).await.unwrap();

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let options = ValidateOptions {
        chunk_rows: 200,
        rechecks: 0,
        workers: 1,
        ..ValidateOptions::default()
    };
    let validator = Validator::new(source, victim, options).with_progress(tx);
    let killer_name = name.clone();
    let killer = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            if let Progress::ChunkDone { .. } = event {
                tokio::task::spawn_blocking(move || pg_local(&["stop", &killer_name]))
                    .await
                    .unwrap();
                return true;
            }
        }
        false
    });
    let outcome = validator.run(None, None).await;
    assert!(
        killer.await.unwrap(),
        "the target was killed after the first chunk"
    );
    let (_, result) = outcome.expect("the run returns a result naming the failed tables");
    assert_eq!(result.status, Status::Error, "{result:#?}");
    let errored: Vec<_> = result
        .tables
        .iter()
        .filter(|t| t.status == Status::Error)
        .collect();
    assert!(!errored.is_empty());
    assert!(result
        .tables
        .iter()
        .all(|t| t.status != Status::Identical || t.error.is_none()));
    // Tables not finished before the kill cannot be identical.
    assert!(
        result
            .tables
            .iter()
            .filter(|t| t.status == Status::Identical)
            .count()
            < result.tables.len()
    );
    for t in errored {
        let cause = t.error.as_deref().unwrap();
        assert!(
            cause.contains(&format!("127.0.0.1:{port}")),
            "the cause names the server: {cause}"
        );
    }
}
