//! `cutover` end to end on the local clusters, native engine: pgbench (its
//! own role) writes until the fence; the cut-over fences that role, drains
//! to the fence's WAL position, validates at rest, syncs sequences, stops
//! replication. Then: no row lost, every sequence at or past the source's,
//! nothing of the migration left, the downtime measured. The abort path
//! rolls the fence back and leaves replication running; a rehearsal
//! changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::pgbench::pgbench;

use common::native::{engine, poll_until, with_cleanup};
use common::*;
use dmsflow::contract::validate::Status;
use dmsflow::cutover::{Cutover, CutoverRequest, CutoverResult, CutoverVerdict, FenceMode};
use dmsflow::db::ConnectSpec;
use dmsflow::engine::native::NativeEngine;
use dmsflow::engine::{MigrationEngine, Phase, StartRequest};
use dmsflow::validate::ValidateOptions;
use std::process::Stdio;
use std::time::Duration;

/// pgbench creates its tables unqualified: search_path puts them here.
const SCHEMA: &str = "bench";
const WRITER_PASSWORD: &str = "bench-writer-local";
const TABLES: &[(&str, &str)] = &[
    ("pgbench_accounts", "aid"),
    ("pgbench_branches", "bid"),
    ("pgbench_tellers", "tid"),
    ("pgbench_history", "hid"),
];

/// A libpq URL for `spec`'s server and database as `user` (never printed).
fn url_as(spec: &ConnectSpec, user: &str, password: &str) -> String {
    format!(
        "postgres://{user}:{password}@{}:{}/{}",
        spec.host, spec.port, spec.dbname
    )
}

fn superuser_url(spec: &ConnectSpec) -> String {
    url_as(spec, &spec.user, &local_password())
}

fn pgbench_command(args: &[&str], url: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(pgbench());
    cmd.args(args)
        .arg(url)
        .env("PGOPTIONS", format!("-c search_path={SCHEMA}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

async fn pgbench_ok(args: &[&str], url: &str) {
    let out = pgbench_command(args, url)
        .output()
        .await
        .expect("run pgbench (set PGBENCH to its path)");
    assert!(
        out.status.success(),
        "pgbench {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The writer role, on both clusters (grants are compared), able to log in.
async fn writer_role(spec: &ConnectSpec, role: &str) {
    exec(
        &spec.with_dbname("postgres"),
        &format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                 CREATE ROLE {role} LOGIN PASSWORD '{WRITER_PASSWORD}';
               END IF;
             END $$;
             ALTER ROLE {role} LOGIN PASSWORD '{WRITER_PASSWORD}'"
        ),
    )
    .await;
}

/// `db` on both clusters with pgbench's tables (data on the source only),
/// `role` allowed to write them, replication started and in sync.
async fn replicated_bench(name: &str, role: &str) -> (ConnectSpec, ConnectSpec, NativeEngine) {
    let db = format!("cut_{name}");
    clear_leftovers(&db).await;
    let source = fresh_db(&source_cluster(), &db).await;
    let target = fresh_db(&target_cluster(), &db).await;
    for spec in [&source, &target] {
        writer_role(spec, role).await;
        exec(spec, &format!("CREATE SCHEMA {SCHEMA}")).await;
    }
    pgbench_ok(&["-i", "-s", "1", "-q"], &superuser_url(&source)).await;
    pgbench_ok(&["-i", "-I", "dtp"], &superuser_url(&target)).await;
    for spec in [&source, &target] {
        exec(
            spec,
            &format!(
                "ALTER TABLE {SCHEMA}.pgbench_history ADD COLUMN hid bigserial PRIMARY KEY;
                 GRANT USAGE ON SCHEMA {SCHEMA} TO {role};
                 GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {role};
                 GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {role}"
            ),
        )
        .await;
    }
    let engine = engine(&format!("cut_{name}"), &source, &target, SCHEMA);
    engine.start(&StartRequest::default()).await.expect("start");
    (source, target, engine)
}

async fn in_sync(engine: &NativeEngine) {
    poll_until(engine, Duration::from_secs(120), "in-sync", |p| {
        p.phase == Phase::InSync
    })
    .await;
}

fn request(fence: FenceMode, roles: &[&str], rehearsal: bool) -> CutoverRequest {
    CutoverRequest {
        fence,
        fence_roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        quiet_seconds: 5,
        drain_timeout_seconds: 60,
        rehearsal,
    }
}

async fn cut_over(
    engine: &NativeEngine,
    source: &ConnectSpec,
    target: &ConnectSpec,
    request: &CutoverRequest,
) -> CutoverResult {
    let cutover = Cutover {
        engine,
        source,
        target,
        request,
        validate: ValidateOptions::default(),
        in_sync_lag_seconds: 5.0,
    };
    let result = cutover.run().await.expect("cut-over runs");
    eprintln!("{}", dmsflow::cutover::report::render(&result));
    result
}

async fn can_login(spec: &ConnectSpec, role: &str) -> bool {
    let sql = format!("SELECT rolcanlogin::int::int8 FROM pg_roles WHERE rolname = '{role}'");
    query_i64(spec, &sql).await == 1
}

/// (rows, md5 of every row in key order) of one table.
async fn fingerprint(spec: &ConnectSpec, table: &str, key: &str) -> (i64, String) {
    let client = spec.connect("dmsflow-test").await.unwrap();
    let row = client
        .query_one(
            &format!(
                "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY {key})), '') FROM {SCHEMA}.{table} t"
            ),
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// Subscriptions on the target, slots and publications on the source, of `db`.
async fn replication_objects(source: &ConnectSpec, target: &ConnectSpec) -> (i64, i64, i64) {
    let subs = query_i64(target, "SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()").await;
    let slots = query_i64(
        source,
        "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()",
    )
    .await;
    let pubs = query_i64(source, "SELECT count(*) FROM pg_publication").await;
    (subs, slots, pubs)
}

#[tokio::test]
async fn pgbench_until_the_roles_fence_then_ready_with_nothing_lost() {
    let role = "cut_writer_ready";
    let (source, target, engine) = replicated_bench("ready", role).await;
    let body = async {
        in_sync(&engine).await;
        // The writer runs until the fence terminates its sessions.
        let writer = pgbench_command(
            &["-T", "120", "-c", "4", "-j", "2", "-n"],
            &url_as(&source, role, WRITER_PASSWORD),
        )
        .spawn()
        .expect("run pgbench (set PGBENCH to its path)");
        tokio::time::sleep(Duration::from_secs(8)).await;
        let before = query_i64(&source, "SELECT count(*) FROM bench.pgbench_history").await;
        assert!(before > 50, "pgbench wrote only {before} transactions");
        let result = cut_over(
            &engine,
            &source,
            &target,
            &request(FenceMode::Roles, &[role], false),
        )
        .await;
        let out = tokio::time::timeout(Duration::from_secs(30), writer.wait_with_output())
            .await
            .expect("pgbench ends once its sessions are terminated")
            .unwrap();
        assert!(
            !out.status.success(),
            "pgbench should have been cut off by the fence"
        );
        assert_eq!(result.verdict, CutoverVerdict::Ready, "{result:?}");
        let downtime = result.write_downtime_seconds.expect("downtime measured");
        assert!(
            downtime > 0.0 && downtime < result.total_seconds,
            "{result:?}"
        );
        let steps: Vec<&str> = result.timeline.iter().map(|e| e.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "precondition",
                "fenced",
                "drained",
                "validated",
                "sequences",
                "stopped"
            ]
        );
        let fenced = result.fence_record.as_ref().unwrap();
        assert!(fenced.roles[0].could_login && fenced.roles[0].sessions_terminated >= 1);
        let validation = result.validation.as_ref().unwrap();
        assert_eq!(validation.status, Status::Identical, "{validation:?}");
        // Zero rows lost: every row of every table, independently of the validator.
        for (table, key) in TABLES {
            let s = fingerprint(&source, table, key).await;
            let t = fingerprint(&target, table, key).await;
            assert_eq!(s, t, "{table} differs after the cut-over");
        }
        let written = query_i64(&source, "SELECT count(*) FROM bench.pgbench_history").await;
        assert!(written >= before, "{written} < {before}");
        eprintln!("cut-over ready: {written} pgbench transactions, write downtime {downtime:.2} s");
        let seq = "SELECT last_value FROM bench.pgbench_history_hid_seq";
        assert!(query_i64(&target, seq).await >= query_i64(&source, seq).await);
        assert_eq!(replication_objects(&source, &target).await, (0, 0, 0));
        // After `ready` the source stays fenced: the application moves on.
        assert!(!can_login(&source, role).await);
    };
    with_cleanup(&engine, body).await;
    writer_role(&source, role).await;
}

#[tokio::test]
async fn a_difference_on_the_target_aborts_and_unfences() {
    let role = "cut_writer_abort";
    let (source, target, engine) = replicated_bench("abort", role).await;
    let body = async {
        in_sync(&engine).await;
        // A row only the target has changed: the final validation must see it.
        exec(
            &target,
            "UPDATE bench.pgbench_accounts SET abalance = abalance + 1 WHERE aid = 7",
        )
        .await;
        let result = cut_over(
            &engine,
            &source,
            &target,
            &request(FenceMode::Roles, &[role], false),
        )
        .await;
        assert_eq!(result.verdict, CutoverVerdict::Aborted, "{result:?}");
        let reason = result.reason.clone().unwrap();
        assert!(reason.contains("pgbench_accounts"), "{reason}");
        let steps: Vec<&str> = result.timeline.iter().map(|e| e.step.as_str()).collect();
        assert_eq!(steps, ["precondition", "fenced", "drained", "unfenced"]);
        // Unfenced: the role logs in again; replication still runs.
        assert!(can_login(&source, role).await);
        let writer = source.with_user(role, WRITER_PASSWORD);
        writer
            .connect("dmsflow-test")
            .await
            .expect("writer logs in");
        assert_eq!(replication_objects(&source, &target).await, (1, 1, 1));
        exec(&source, "INSERT INTO bench.pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 42, now())").await;
        poll_until(
            &engine,
            Duration::from_secs(60),
            "the insert replicated",
            |p| p.phase == Phase::InSync && p.cdc_lag_bytes == Some(0),
        )
        .await;
        let count = "SELECT count(*) FROM bench.pgbench_history WHERE delta = 42";
        assert_eq!(query_i64(&target, count).await, 1);
    };
    with_cleanup(&engine, body).await;
    writer_role(&source, role).await;
}

#[tokio::test]
async fn a_rehearsal_changes_nothing() {
    let role = "cut_writer_rehearse";
    let (source, target, engine) = replicated_bench("rehearse", role).await;
    let body = async {
        in_sync(&engine).await;
        let result = cut_over(
            &engine,
            &source,
            &target,
            &request(FenceMode::Roles, &[role], true),
        )
        .await;
        assert_eq!(result.verdict, CutoverVerdict::Ready, "{result:?}");
        assert!(result.rehearsal && result.fence_record.is_none());
        assert!(result.write_downtime_seconds.is_some());
        assert!(can_login(&source, role).await);
        assert_eq!(replication_objects(&source, &target).await, (1, 1, 1));
        let p = engine.poll(5.0).await.unwrap();
        assert_eq!(p.phase, Phase::InSync, "{p:?}");
    };
    with_cleanup(&engine, body).await;
}

#[tokio::test]
async fn a_superuser_or_dmsflow_itself_is_never_fenced() {
    let role = "cut_writer_refuse";
    let (source, target, engine) = replicated_bench("refuse", role).await;
    let body = async {
        in_sync(&engine).await;
        for roles in [vec!["postgres"], vec![role, "no_such_role_x"]] {
            let req = request(FenceMode::Roles, &roles, false);
            let cutover = Cutover {
                engine: &engine,
                source: &source,
                target: &target,
                request: &req,
                validate: ValidateOptions::default(),
                in_sync_lag_seconds: 5.0,
            };
            let err = cutover.run().await.expect_err("refused");
            let text = dmsflow::error::error_chain(&err);
            assert!(text.contains("refused"), "{text}");
            assert_eq!(
                dmsflow::error::Classify::error_type(&err).as_str(),
                "CutoverRefused"
            );
            assert!(can_login(&source, role).await);
        }
        assert_eq!(replication_objects(&source, &target).await, (1, 1, 1));
    };
    with_cleanup(&engine, body).await;
}

/// The database's own `default_transaction_read_only` setting, if any.
async fn database_read_only(spec: &ConnectSpec) -> String {
    query_string(
        spec,
        "SELECT coalesce((SELECT s FROM pg_db_role_setting d, unnest(d.setconfig) s
            WHERE d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND d.setrole = 0 AND s LIKE 'default_transaction_read_only=%'), 'none')",
    )
    .await
}

#[tokio::test]
async fn the_read_only_fence_is_restored_exactly_and_holds_after_ready() {
    let role = "cut_writer_readonly";
    let (source, target, engine) = replicated_bench("readonly", role).await;
    let body = async {
        in_sync(&engine).await;
        let db = &source.dbname;
        exec(
            &source,
            &format!("ALTER DATABASE {db} SET default_transaction_read_only = off"),
        )
        .await;
        exec(
            &target,
            "UPDATE bench.pgbench_tellers SET tbalance = tbalance + 1 WHERE tid = 3",
        )
        .await;
        let req = request(FenceMode::ReadOnly, &[role], false);
        let result = cut_over(&engine, &source, &target, &req).await;
        assert_eq!(result.verdict, CutoverVerdict::Aborted, "{result:?}");
        assert_eq!(
            result.fence_record.as_ref().unwrap().read_only_before,
            Some(Some("off".to_owned()))
        );
        // The previous setting, not a reset.
        assert_eq!(
            database_read_only(&source).await,
            "default_transaction_read_only=off"
        );
        assert_eq!(replication_objects(&source, &target).await, (1, 1, 1));
        exec(
            &target,
            "UPDATE bench.pgbench_tellers SET tbalance = tbalance - 1 WHERE tid = 3",
        )
        .await;
        let result = cut_over(&engine, &source, &target, &req).await;
        assert_eq!(result.verdict, CutoverVerdict::Ready, "{result:?}");
        // Stopped although new sessions on the source are read-only now.
        assert_eq!(replication_objects(&source, &target).await, (0, 0, 0));
        assert_eq!(
            query_string(&source, "SHOW default_transaction_read_only").await,
            "on"
        );
        // Reset from a session that writes (one statement per transaction).
        let client = source.connect("dmsflow-test").await.unwrap();
        client
            .batch_execute("SET default_transaction_read_only = off")
            .await
            .unwrap();
        client
            .batch_execute(&format!(
                "ALTER DATABASE {db} RESET default_transaction_read_only"
            ))
            .await
            .unwrap();
    };
    with_cleanup(&engine, body).await;
}

#[tokio::test]
async fn the_none_fence_aborts_while_writes_continue_and_is_ready_once_quiet() {
    let role = "cut_writer_none";
    let (source, target, engine) = replicated_bench("none", role).await;
    let body = async {
        in_sync(&engine).await;
        let writer = pgbench_command(
            &["-T", "12", "-c", "2", "-j", "1", "-n"],
            &url_as(&source, role, WRITER_PASSWORD),
        )
        .spawn()
        .expect("run pgbench");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let req = request(FenceMode::None, &[], false);
        let result = cut_over(&engine, &source, &target, &req).await;
        assert_eq!(result.verdict, CutoverVerdict::Aborted, "{result:?}");
        assert!(
            result
                .reason
                .as_deref()
                .unwrap()
                .contains("writes continue"),
            "{result:?}"
        );
        assert_eq!(replication_objects(&source, &target).await, (1, 1, 1));
        let out = writer.wait_with_output().await.unwrap();
        assert!(out.status.success(), "the writer was not disturbed");
        in_sync(&engine).await;
        let result = cut_over(&engine, &source, &target, &req).await;
        assert_eq!(result.verdict, CutoverVerdict::Ready, "{result:?}");
        for (table, key) in TABLES {
            let s = fingerprint(&source, table, key).await;
            assert_eq!(s, fingerprint(&target, table, key).await, "{table}");
        }
        assert_eq!(replication_objects(&source, &target).await, (0, 0, 0));
    };
    with_cleanup(&engine, body).await;
}
