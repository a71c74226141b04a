//! The premigration assessment against real PostgreSQL: one test per check
//! that can fail on a local cluster, and a clean pair that assesses ready.
//! Each test works in databases of its own (and extra clusters it starts and
//! stops itself), so they run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::assess::{self, exit_code, AssessOptions, AssessReport, Status, Verdict};
use dmsflow::db::ConnectSpec;
use dmsflow::engine::EngineKind;
use std::process::Command;
use std::time::Duration;

/// The `app` schema both sides start with: a keyed table, nothing else.
const BASE_SCHEMA: &str = "CREATE SCHEMA app;
    CREATE TABLE app.items (id int8 PRIMARY KEY, price numeric(12,2) NOT NULL, label text);";

fn options() -> AssessOptions {
    AssessOptions {
        schemas: vec!["app".into()],
        ..AssessOptions::default()
    }
}

/// Fresh source and target databases named after the test, both with `schema_sql`.
async fn pair(name: &str, schema_sql: &str) -> (ConnectSpec, ConnectSpec) {
    let source = fresh_db(&source_cluster(), &format!("as_{name}_src")).await;
    let target = fresh_db(&target_cluster(), &format!("as_{name}_tgt")).await;
    exec(&source, schema_sql).await;
    exec(&target, schema_sql).await;
    (source, target)
}

async fn run(source: &ConnectSpec, target: &ConnectSpec, options: &AssessOptions) -> AssessReport {
    assess::assess(source, target, options)
        .await
        .unwrap_or_else(|e| panic!("assess: {}", dmsflow::error::error_chain(&e)))
}

/// The check `name`, which must be `status`; returns it for more assertions.
fn expect<'a>(report: &'a AssessReport, name: &str, status: Status) -> &'a assess::AssessCheck {
    let check = report
        .check(name)
        .unwrap_or_else(|| panic!("no check {name} in {:#?}", report.checks));
    assert_eq!(check.status, status, "{check:#?}");
    check
}

fn evidence_mentions(check: &assess::AssessCheck, needle: &str) -> bool {
    check.evidence.iter().any(|e| e.contains(needle))
}

#[tokio::test]
async fn clean_pair_is_ready() {
    let schema = format!("{BASE_SCHEMA} CREATE TABLE app.docs (id int8 PRIMARY KEY, body jsonb);");
    let (source, target) = pair("clean", &schema).await;
    exec(
        &source,
        "INSERT INTO app.items SELECT g, g * 1.5, 'x' FROM generate_series(1, 100) g;
        INSERT INTO app.docs VALUES (1, '{\"a\": \"hello\"}'), (2, NULL);",
    )
    .await;
    let report = run(&source, &target, &options()).await;
    let failed: Vec<_> = report.failed().collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.verdict, Verdict::Ready);
    assert_eq!(exit_code::<()>(&Ok(report.clone())), 0);
    assert_eq!(report.schemas, vec!["app".to_owned()]);
    expect(&report, "postgres-check-wallevel", Status::Pass);
    expect(&report, "target-tables-empty", Status::Pass);
    // The json column is measured and reported to size DMS's LOB settings.
    let lob = expect(&report, "postgres-check-limited-lob-size", Status::Warn);
    assert!(
        evidence_mentions(lob, "app.docs.body (jsonb): largest value 14 B"),
        "{lob:#?}"
    );
    let sizes = expect(&report, "database-sizes", Status::Pass);
    assert!(
        evidence_mentions(sizes, "source pg_database_size"),
        "{sizes:#?}"
    );
    // JSON round trip and the Markdown rendering.
    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(json["verdict"], "ready");
    let md = assess::markdown::render(&report);
    assert!(md.contains("`postgres-check-pk`"), "{md}");
    // The native engine has nothing to say about json.
    let native = AssessOptions {
        engine: EngineKind::Native,
        ..options()
    };
    let report = run(&source, &target, &native).await;
    expect(&report, "postgres-check-limited-lob-size", Status::Pass);
}

#[tokio::test]
async fn default_selection_is_every_user_schema() {
    let (source, target) = pair("schemas", &format!("{BASE_SCHEMA} CREATE SCHEMA other;")).await;
    exec(&target, "DROP SCHEMA other").await;
    let report = run(&source, &target, &AssessOptions::default()).await;
    assert!(
        report.schemas.contains(&"app".to_owned()),
        "{:?}",
        report.schemas
    );
    assert!(
        report.schemas.contains(&"other".to_owned()),
        "{:?}",
        report.schemas
    );
    assert!(report
        .schemas
        .iter()
        .all(|s| !s.starts_with("pg_") && s != "information_schema"));
    let check = expect(&report, "target-schema-present", Status::Fail);
    assert!(
        evidence_mentions(check, "schemas missing: other"),
        "{check:#?}"
    );
    assert_eq!(report.verdict, Verdict::NotReady);
    assert_eq!(exit_code::<()>(&Ok(report)), 1);
}

#[tokio::test]
async fn table_without_key_and_its_updates() {
    let (source, target) = pair(
        "nokey",
        &format!("{BASE_SCHEMA} CREATE TABLE app.log (at int8, note text);"),
    )
    .await;
    // Without updates or deletes yet: a warning.
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "postgres-check-pk", Status::Warn);
    assert!(
        evidence_mentions(
            check,
            "app.log (replica identity default): 0 updates, 0 deletes"
        ),
        "{check:#?}"
    );
    // With updates and deletes counted in pg_stat_user_tables: a failure.
    let client = source.connect("dmsflow-test").await.unwrap();
    client
        .batch_execute(
            "INSERT INTO app.log SELECT g, 'n' FROM generate_series(1, 10) g;
            UPDATE app.log SET note = 'u' WHERE at <= 3; DELETE FROM app.log WHERE at = 10;",
        )
        .await
        .unwrap();
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .await
        .unwrap();
    drop(client);
    let mut counted = 0;
    for _ in 0..50 {
        counted = query_i64(&source, "SELECT coalesce(n_tup_upd, 0) FROM pg_stat_user_tables WHERE relid = 'app.log'::regclass").await;
        if counted > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counted, 3, "the statistics never showed the updates");
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "postgres-check-pk", Status::Fail);
    assert!(
        evidence_mentions(
            check,
            "app.log (replica identity default): 3 updates, 1 deletes"
        ),
        "{check:#?}"
    );
    assert!(check
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("REPLICA IDENTITY FULL"));
    // REPLICA IDENTITY FULL is enough.
    exec(&source, "ALTER TABLE app.log REPLICA IDENTITY FULL").await;
    let report = run(&source, &target, &options()).await;
    expect(&report, "postgres-check-pk", Status::Pass);
}

#[tokio::test]
async fn large_object_fails() {
    let (source, target) = pair("lo", BASE_SCHEMA).await;
    exec(&source, "SELECT lo_from_bytea(0, '\\xdeadbeef'::bytea)").await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "large-objects", Status::Fail);
    assert!(
        evidence_mentions(check, "holds 1 large object"),
        "{check:#?}"
    );
    assert_eq!(report.verdict, Verdict::NotReady);
}

#[tokio::test]
async fn non_empty_target_table_fails() {
    let (source, target) = pair("nonempty", BASE_SCHEMA).await;
    exec(
        &target,
        "INSERT INTO app.items VALUES (1, 2.50, 'left over')",
    )
    .await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "target-tables-empty", Status::Fail);
    assert_eq!(check.evidence, vec!["app.items".to_owned()]);
}

#[tokio::test]
async fn enabled_user_trigger_on_target_fails() {
    let (source, target) = pair("trigger", BASE_SCHEMA).await;
    exec(&target, "CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.label := 'touched'; RETURN NEW; END $$;
        CREATE TRIGGER items_touch BEFORE INSERT ON app.items FOR EACH ROW EXECUTE FUNCTION app.touch();
        CREATE TABLE app.child (id int8 PRIMARY KEY, item int8 REFERENCES app.items);")
        .await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "target-user-triggers", Status::Fail);
    // Only the user trigger: the foreign key's internal triggers are not listed.
    assert_eq!(
        check.evidence,
        vec!["items_touch on app.items (enabled O)".to_owned()]
    );
    // Disabled for the migration, as the fix says: a pass.
    exec(&target, "ALTER TABLE app.items DISABLE TRIGGER items_touch").await;
    let report = run(&source, &target, &options()).await;
    expect(&report, "target-user-triggers", Status::Pass);
}

#[tokio::test]
async fn numeric_without_precision_fails_for_dms_only() {
    let (source, target) = pair("numeric", &format!("{BASE_SCHEMA} CREATE TABLE app.rates (id int8 PRIMARY KEY, rate numeric, exact numeric(30,10));")).await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "numeric-without-precision", Status::Fail);
    assert_eq!(check.evidence, vec!["app.rates.rate".to_owned()]);
    assert!(check.summary.contains("NUMERIC(28,6)"), "{check:#?}");
    let native = AssessOptions {
        engine: EngineKind::Native,
        ..options()
    };
    let report = run(&source, &target, &native).await;
    expect(&report, "numeric-without-precision", Status::Pass);
}

#[tokio::test]
async fn unlogged_table_fails() {
    let (source, target) = pair(
        "unlogged",
        &format!("{BASE_SCHEMA} CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY);"),
    )
    .await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "unlogged-tables", Status::Fail);
    assert_eq!(check.evidence, vec!["app.cache".to_owned()]);
}

#[tokio::test]
async fn table_missing_on_target_fails() {
    let (source, target) = pair("missing", BASE_SCHEMA).await;
    exec(&source, "CREATE TABLE app.extra (id int PRIMARY KEY)").await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "target-schema-present", Status::Fail);
    assert!(
        evidence_mentions(check, "tables missing: app.extra"),
        "{check:#?}"
    );
}

#[tokio::test]
async fn json_scan_is_bounded_by_table_size() {
    let (source, target) = pair(
        "lobsize",
        &format!("{BASE_SCHEMA} CREATE TABLE app.docs (id int8 PRIMARY KEY, body json);"),
    )
    .await;
    exec(&source, "INSERT INTO app.docs SELECT g, json_build_object('k', repeat('x', g)) FROM generate_series(1, 200) g").await;
    let measured = run(&source, &target, &options()).await;
    let check = expect(&measured, "postgres-check-limited-lob-size", Status::Warn);
    // {"k" : "xxx…"} for g = 200: 200 + 10 bytes.
    assert!(
        evidence_mentions(check, "app.docs.body (json): largest value 210 B"),
        "{check:#?}"
    );
    assert!(
        check
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("LobMaxSize of at least 1 KB"),
        "{check:#?}"
    );
    let bounded = AssessOptions {
        lob_scan_max_table_bytes: 1,
        ..options()
    };
    let skipped = run(&source, &target, &bounded).await;
    let check = expect(&skipped, "postgres-check-limited-lob-size", Status::Warn);
    assert!(
        evidence_mentions(check, "not measured: table is"),
        "{check:#?}"
    );
}

/// An extension installed on the source whose control file then disappears:
/// the target's server (same binaries) no longer has it available.
#[tokio::test]
async fn extension_missing_on_target_fails() {
    let (source, target) = pair("ext", BASE_SCHEMA).await;
    let sharedir = query_string(
        &source,
        "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'",
    )
    .await;
    let ext = format!("dmsflow_assess_probe_{}", std::process::id());
    let control = format!("{sharedir}/extension/{ext}.control");
    let script = format!("{sharedir}/extension/{ext}--1.0.sql");
    struct Remove(Vec<String>);
    impl Drop for Remove {
        fn drop(&mut self) {
            for f in &self.0 {
                let _ = std::fs::remove_file(f);
            }
        }
    }
    let guard = Remove(vec![control.clone(), script.clone()]);
    std::fs::write(&control, "comment = 'dmsflow assess test'\ndefault_version = '1.0'\nrelocatable = true\n")
        .unwrap_or_else(|e| panic!("this test writes {control} (run it as the owner of the PostgreSQL share directory): {e}"));
    std::fs::write(&script, "-- nothing\n").unwrap();
    exec(&source, &format!("CREATE EXTENSION {ext}")).await;
    let report = run(&source, &target, &options()).await;
    // While the control file exists the target has it available.
    let check = expect(&report, "extensions-missing-on-target", Status::Pass);
    assert!(
        evidence_mentions(check, &format!("{ext} 1.0: target has 1.0 (installed: no)")),
        "{check:#?}"
    );
    drop(guard);
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "extensions-missing-on-target", Status::Fail);
    assert!(
        evidence_mentions(check, &format!("{ext} 1.0: not available on the target")),
        "{check:#?}"
    );
    assert!(check.summary.contains(&ext), "{check:#?}");
}

// ---- extra clusters ----

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

/// `pg_ctl` as pg-local.sh finds it: on PATH, else the Debian location.
fn find_pg_ctl() -> std::path::PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("pg_ctl"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pg_ctl"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(debian)
        .find(|p| p.is_file())
        .expect("pg_ctl on PATH or under /usr/lib/postgresql")
}

/// A cluster of its own, stopped and removed when dropped.
struct ExtraCluster {
    name: String,
    spec: ConnectSpec,
}

impl ExtraCluster {
    fn start(prefix: &str, logical: bool) -> ExtraCluster {
        let port = free_port();
        let name = format!("{prefix}{port}");
        let mut args = vec!["start", name.as_str()];
        let port_text = port.to_string();
        args.push(&port_text);
        if logical {
            args.push("logical");
        }
        pg_local(&args);
        let spec = ConnectSpec::from_url(
            &format!(
                "postgres://postgres:{}@127.0.0.1:{port}/dmsflow",
                local_password()
            ),
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        ExtraCluster { name, spec }
    }

    /// Restart with the settings given by ALTER SYSTEM (as the server's user).
    fn restart(&self) {
        let data = format!("{}/{}", env_or_panic("DMSFLOW_PG_DIR"), self.name);
        let log = format!("{data}/server.log");
        let pg_ctl = [
            "-D",
            data.as_str(),
            "-l",
            log.as_str(),
            "-w",
            "-m",
            "fast",
            "restart",
        ];
        let pg_ctl_bin = find_pg_ctl();
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0\n"))
            .unwrap_or(false);
        let status = if is_root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&pg_ctl_bin)
                .args(pg_ctl)
                .status()
        } else {
            Command::new(&pg_ctl_bin).args(pg_ctl).status()
        }
        .unwrap();
        assert!(status.success(), "pg_ctl restart {}", self.name);
    }
}

impl Drop for ExtraCluster {
    fn drop(&mut self) {
        pg_local(&["stop", &self.name]);
    }
}

#[tokio::test]
async fn source_without_logical_wal_level_fails() {
    let cluster = ExtraCluster::start("asrepl", false);
    let source = fresh_db(&cluster.spec, "as_wal_src").await;
    let target = fresh_db(&target_cluster(), "as_wal_tgt").await;
    exec(&source, BASE_SCHEMA).await;
    exec(&target, BASE_SCHEMA).await;
    let report = run(&source, &target, &options()).await;
    let check = expect(&report, "postgres-check-wallevel", Status::Fail);
    assert_eq!(check.evidence, vec!["wal_level = replica".to_owned()]);
    assert!(check
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("wal_level = logical"));
    assert_eq!(report.verdict, Verdict::NotReady);
}

#[tokio::test]
async fn prepared_transaction_fails() {
    let cluster = ExtraCluster::start("asprep", true);
    exec(
        &cluster.spec.with_dbname("postgres"),
        "ALTER SYSTEM SET max_prepared_transactions = 4",
    )
    .await;
    cluster.restart();
    let source = fresh_db(&cluster.spec, "as_prep_src").await;
    let target = fresh_db(&target_cluster(), "as_prep_tgt").await;
    exec(&source, BASE_SCHEMA).await;
    exec(&target, BASE_SCHEMA).await;
    exec(&source, "BEGIN; INSERT INTO app.items VALUES (1, 1, 'p'); PREPARE TRANSACTION 'dmsflow-assess-test';").await;
    let report = run(&source, &target, &options()).await;
    // Rolled back before asserting, so a failed assertion leaves nothing behind.
    exec(&source, "ROLLBACK PREPARED 'dmsflow-assess-test'").await;
    let check = expect(&report, "postgres-check-preparedtxn", Status::Fail);
    assert!(
        evidence_mentions(check, "\"dmsflow-assess-test\" in as_prep_src by postgres"),
        "{check:#?}"
    );
    let report = run(&source, &target, &options()).await;
    expect(&report, "postgres-check-preparedtxn", Status::Pass);
}

/// The RDS checks joined to the database checks: the storage check gets the
/// real database sizes; a failed RDS check makes the pair not ready.
#[tokio::test]
async fn rds_checks_join_the_report() {
    use dmsflow::assess::rds::{
        DbParameter, ParameterGroupStatus, RdsError, RdsInstance, RdsInstances, RdsPort,
    };
    struct Fixed;
    impl RdsPort for Fixed {
        async fn describe_instance(&self, identifier: &str) -> Result<RdsInstance, RdsError> {
            Ok(RdsInstance {
                identifier: identifier.to_owned(),
                status: "available".into(),
                engine: "postgres".into(),
                engine_version: "15.4".into(),
                allocated_storage_gib: 20,
                max_allocated_storage_gib: None,
                backup_retention_days: if identifier == "src" { 0 } else { 1 },
                parameter_groups: vec![ParameterGroupStatus {
                    name: format!("{identifier}-params"),
                    apply_status: "in-sync".into(),
                }],
            })
        }
        async fn parameters(&self, _group: &str) -> Result<Vec<DbParameter>, RdsError> {
            Ok(vec![DbParameter {
                name: "rds.logical_replication".into(),
                value: Some("1".into()),
                apply_type: Some("static".into()),
            }])
        }
    }
    let (source, target) = pair("rds", BASE_SCHEMA).await;
    let instances = RdsInstances {
        source: "src".into(),
        target: "tgt".into(),
    };
    let report = assess::assess_with_rds(&source, &target, &Fixed, &instances, &options())
        .await
        .unwrap();
    let size = query_i64(&source, "SELECT pg_database_size(current_database())").await;
    let storage = expect(&report, "rds-storage-headroom", Status::Pass);
    assert!(
        storage
            .evidence
            .iter()
            .any(|e| e.contains(&dmsflow::assess::model::human_bytes(size))),
        "{storage:#?}"
    );
    expect(&report, "rds-backup-retention", Status::Fail);
    expect(&report, "rds-logical-replication", Status::Pass);
    expect(&report, "postgres-check-wallevel", Status::Pass);
    assert_eq!(report.verdict, Verdict::NotReady);
}
