//! Defect 3 of issue 12: with logging at `trace`, the subscriber dmsflow
//! builds (CLI and Lambdas: `dmsflow::logging`) never writes the source
//! password, although tokio-postgres logs the statement that carries it.
//! One test per binary: it installs the process-wide subscriber.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::config::Side;
use dmsflow::engine::native::{NativeEngine, NativeSettings};
use dmsflow::engine::{MigrationEngine, Outcome, StartRequest};
use dmsflow::logging::{layer, Format};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Everything a layer writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logging_never_writes_the_source_password() {
    let ours = Captured::default();
    let unfiltered = Captured::default();
    let (ours_w, raw_w) = (ours.clone(), unfiltered.clone());
    tracing_subscriber::registry()
        .with(layer(
            EnvFilter::new("trace"),
            move || ours_w.clone(),
            Format {
                json: false,
                time: false,
            },
        ))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || raw_w.clone())
                .with_filter(EnvFilter::new("trace")),
        )
        .try_init()
        .expect("the only subscriber of this test binary");

    let db = "eng_logging";
    clear_leftovers(db).await;
    let source = sample_db(&source_cluster(), db).await;
    let target = fresh_db(&target_cluster(), db).await;
    dmsflow::seed::create_schema(&target, Side::Target)
        .await
        .unwrap();
    let role = "eng_logging_role";
    let password = format!("pw-logging-{}", std::process::id());
    exec(
        &source_cluster().with_dbname("postgres"),
        &format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN SUPERUSER PASSWORD '{password}'"
        ),
    )
    .await;
    let source = source.with_user(role, &password);
    let engine = NativeEngine::new(
        source,
        target,
        NativeSettings {
            scope: dmsflow::scope::Scope::only(&["shop"]),
            publication: "pub_logging".into(),
            subscription: "sub_logging".into(),
            source_sslmode: "verify-full".into(),
            source_sslrootcert: Some(PathBuf::from(env_or_panic("DMSFLOW_PG_CA"))),
        },
    );
    let started = engine.start(&StartRequest::default()).await;
    let stopped = engine.stop().await;
    assert_eq!(started.unwrap().outcome, Outcome::Created);
    stopped.unwrap();

    let raw = unfiltered.text();
    assert!(
        raw.contains("ALTER SUBSCRIPTION") && raw.contains(&password),
        "control: tokio-postgres logs the statement with the password at debug"
    );
    let text = ours.text();
    assert!(
        text.contains("subscription created"),
        "dmsflow's own records pass at trace:\n{text}"
    );
    assert!(
        !text.contains(&password),
        "the password is in the log:\n{text}"
    );
    assert!(
        !text.contains("executing"),
        "statement text is in the log:\n{text}"
    );
}
