//! Native-engine test helpers shared by the engine test files.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::env_or_panic;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::native::{NativeEngine, NativeSettings};
use dmsflow::engine::{MigrationEngine, Progress};
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Unique names per test: slots are cluster-wide on the source. The target
/// server reaches the source over TLS verified against the local CA.
pub fn engine(
    name: &str,
    source: &ConnectSpec,
    target: &ConnectSpec,
    schema: &str,
) -> NativeEngine {
    let mut engine = NativeEngine::new(
        source.clone(),
        target.clone(),
        NativeSettings {
            scope: dmsflow::scope::Scope::only(&[schema]),
            publication: format!("pub_{name}"),
            subscription: format!("sub_{name}"),
            source_sslmode: "verify-full".into(),
            source_sslrootcert: Some(PathBuf::from(env_or_panic("DMSFLOW_PG_CA"))),
        },
    );
    engine.slot_release_timeout = Duration::from_secs(20);
    engine
}

/// Run `body`, then stop the replication whatever happened (a leftover
/// subscription or slot would outlive the test), then re-raise a panic.
pub async fn with_cleanup<F: Future<Output = ()>>(engine: &NativeEngine, body: F) {
    let outcome = AssertUnwindSafe(body).catch_unwind().await;
    if let Err(e) = engine.stop().await {
        eprintln!("cleanup: stop failed: {e}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Poll until `done` holds, or panic with the last progress after `limit`.
pub async fn poll_until(
    engine: &NativeEngine,
    limit: Duration,
    what: &str,
    done: impl Fn(&Progress) -> bool,
) -> Progress {
    let deadline = Instant::now() + limit;
    loop {
        let p = engine.poll(5.0).await.expect("poll");
        if done(&p) {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "{what} not reached within {limit:?}; last progress: {}",
            serde_json::to_string_pretty(&p).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
