//! `dmsflow validate` with no `--schema` on a database that is not our
//! sample: every user schema, tables named `schema.table`; `--schema` and
//! `--exclude-schema` narrow it. The real binary against the real clusters.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::fresh_db;

use dmsflow::db::ConnectSpec;
use std::process::{Command, Output};
use std::time::Duration;

/// Two schemas holding a table of the same name, one more schema of its own.
const DATABASE: &str = "CREATE SCHEMA billing; CREATE SCHEMA crm; CREATE SCHEMA scratch;
    CREATE TABLE billing.accounts (id int8 PRIMARY KEY, balance numeric(12,2) NOT NULL);
    CREATE TABLE crm.accounts (id int8 PRIMARY KEY, owner text NOT NULL);
    CREATE TABLE scratch.notes (id int8 PRIMARY KEY, body text);
    INSERT INTO billing.accounts SELECT g, g * 1.5 FROM generate_series(1, 40) g;
    INSERT INTO crm.accounts SELECT g, 'o' || g FROM generate_series(1, 40) g;
    INSERT INTO scratch.notes SELECT g, 'n' || g FROM generate_series(1, 5) g;";

fn validate(source: &str, target: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "validate", "--source", source, "--target", target, "--quiet",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_dmsflow"))
        .args(&args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn every_schema_by_default_and_narrowed_on_request() {
    let source = fresh_db("DMSFLOW_SOURCE_URL", "cli_scope_src", DATABASE).await;
    let target = fresh_db("DMSFLOW_TARGET_URL", "cli_scope_tgt", DATABASE).await;
    let out = validate(&source, &target, &[]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["billing.accounts", "crm.accounts", "scratch.notes"] {
        assert!(text.contains(name), "{name} in:\n{text}");
    }

    // A difference in a schema nobody named: exit 1, the table named.
    let spec = ConnectSpec::from_url(&target, None, Duration::from_secs(10)).unwrap();
    let client = spec.connect("dmsflow-cli-test").await.unwrap();
    client
        .batch_execute("UPDATE scratch.notes SET body = 'changed' WHERE id = 3")
        .await
        .unwrap();
    let out = validate(&source, &target, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("scratch.notes"), "{}", stdout(&out));

    // Leaving that schema out makes the rest identical; naming one schema
    // gives bare names; a bare name that two schemas hold is ambiguous.
    let out = validate(&source, &target, &["--exclude-schema", "scratch,public"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = validate(&source, &target, &["--schema", "crm"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("crm.accounts"), "{}", stdout(&out));
    let out = validate(&source, &target, &["--tables", "accounts"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("UnknownTable") && err.contains("accounts"),
        "{err}"
    );
    let out = validate(&source, &target, &["--schema", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}
