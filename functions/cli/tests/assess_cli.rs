//! `dmsflow assess` as a user runs it: the real binary against the real
//! PostgreSQL clusters that `scripts/with-services.sh` starts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::fresh_db;

use dmsflow::db::ConnectSpec;
use std::process::{Command, Output};
use std::time::Duration;

const SCHEMA: &str = "CREATE SCHEMA app;
    CREATE TABLE app.items (id int8 PRIMARY KEY, price numeric(12,2) NOT NULL, label text);";

/// A source with rows and an empty target with the same schema.
async fn pair(name: &str) -> (String, String) {
    let source = fresh_db(
        "DMSFLOW_SOURCE_URL",
        &format!("cli_as_{name}_src"),
        &format!(
            "{SCHEMA} INSERT INTO app.items SELECT g, g * 1.5, 'x' FROM generate_series(1, 50) g;"
        ),
    )
    .await;
    let target = fresh_db("DMSFLOW_TARGET_URL", &format!("cli_as_{name}_tgt"), SCHEMA).await;
    (source, target)
}

fn assess(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dmsflow"))
        .arg("assess")
        .args(args)
        .env_remove("DMSFLOW_SOURCE_URL")
        .env_remove("DMSFLOW_TARGET_URL")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The URL's password, which no output may show.
fn password(url: &str) -> String {
    let creds = url.split("://").nth(1).unwrap().split('@').next().unwrap();
    creds.split(':').nth(1).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn ready_pair_exits_0_with_the_markdown_and_the_json() {
    let (source, target) = pair("ready").await;
    let dir = std::env::temp_dir().join(format!("dmsflow-assess-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json_path = dir.join("report.json");
    let out = assess(&[
        "--source",
        &source,
        "--target",
        &target,
        "--schema",
        "app",
        "--engine",
        "native",
        "--json",
        json_path.to_str().unwrap(),
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.starts_with("# Premigration assessment: ready"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- **PASS** `target-tables-empty` (target)"),
        "{stdout}"
    );
    assert!(stdout.contains("- schemas: app"), "{stdout}");
    // Progress on stderr, not mixed into the Markdown.
    assert!(stderr.contains("assessing "), "{stderr}");
    assert!(!stdout.contains("assessing "), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(report["verdict"], "ready");
    assert_eq!(report["schemas"], serde_json::json!(["app"]));
    let secret = password(&source);
    assert!(!secret.is_empty());
    for output in [&stdout, &stderr, &report.to_string()] {
        assert!(!output.contains(&secret), "password printed: {output}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn target_table_with_rows_exits_1_naming_it() {
    let (source, target) = pair("rows").await;
    let client = ConnectSpec::from_url(&target, None, Duration::from_secs(10))
        .unwrap()
        .connect("dmsflow-cli-test")
        .await
        .unwrap();
    client
        .batch_execute("INSERT INTO app.items VALUES (7, 1.00, 'already here')")
        .await
        .unwrap();
    let out = assess(&["--source", &source, "--target", &target, "--schema", "app"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.starts_with("# Premigration assessment: not-ready"),
        "{stdout}"
    );
    assert!(
        stdout.contains("### FAIL `target-tables-empty`"),
        "{stdout}"
    );
    assert!(stdout.contains("- app.items"), "{stdout}");
    assert!(stdout.contains("Fix: TRUNCATE"), "{stdout}");
    assert!(stderr.contains("target-tables-empty"), "{stderr}");
}

#[tokio::test]
async fn unreachable_database_exits_2_without_the_password() {
    let (source, _) = pair("down").await;
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = password(&source);
    let target = format!("postgresql://dmsflow:{secret}@127.0.0.1:{port}/nothing?sslmode=disable");
    let out = assess(&[
        "--source",
        &source,
        "--target",
        &target,
        "--connect-timeout",
        "2",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stderr.contains("error[DatabaseUnavailable]"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(!stderr.contains(&secret), "password printed: {stderr}");
}
