//! The source's replication settings, and the versions of both servers.

use super::model::{human_bytes, AssessCheck, Side, Status};
use super::{AssessError, Session};
use crate::sql::{self, query, FromRow, Query, RowError};

pub const REPLICATION_SETTINGS: Query = query!("assess/replication_settings.sql");
pub const SERVER_VERSION: Query = query!("assess/server_version.sql");

/// DMS refuses a CDC task whose source has `wal_sender_timeout` below this.
pub const MIN_WAL_SENDER_TIMEOUT_MS: i64 = 10_000;
/// PostgreSQL's default `logical_decoding_work_mem` (64 MB).
pub const DEFAULT_LOGICAL_DECODING_WORK_MEM_KB: i64 = 65_536;
/// Logical replication (publications, subscriptions) exists from PostgreSQL 10.
pub const MIN_SOURCE_VERSION_NUM: i32 = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationSettings {
    pub server_version_num: i32,
    pub wal_level: String,
    pub max_replication_slots: i32,
    pub used_replication_slots: i32,
    pub max_wal_senders: i32,
    pub used_wal_senders: i32,
    /// -1: unlimited.
    pub max_slot_wal_keep_size_kb: i64,
    pub wal_sender_timeout_ms: i64,
    pub logical_decoding_work_mem_kb: i64,
}

impl FromRow for ReplicationSettings {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(ReplicationSettings {
            server_version_num: sql::get(row, q, "server_version_num")?,
            wal_level: sql::get(row, q, "wal_level")?,
            max_replication_slots: sql::get(row, q, "max_replication_slots")?,
            used_replication_slots: sql::get(row, q, "used_replication_slots")?,
            max_wal_senders: sql::get(row, q, "max_wal_senders")?,
            used_wal_senders: sql::get(row, q, "used_wal_senders")?,
            max_slot_wal_keep_size_kb: sql::get(row, q, "max_slot_wal_keep_size_kb")?,
            wal_sender_timeout_ms: sql::get(row, q, "wal_sender_timeout_ms")?,
            logical_decoding_work_mem_kb: sql::get(row, q, "logical_decoding_work_mem_kb")?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerVersion {
    pub server_version_num: i32,
}

impl FromRow for ServerVersion {
    fn from_row(row: &tokio_postgres::Row, q: &'static str) -> Result<Self, RowError> {
        Ok(ServerVersion {
            server_version_num: sql::get(row, q, "server_version_num")?,
        })
    }
}

/// `150004` → 15; the old numbering (`90624` = 9.6.24) gives 9, enough to compare.
pub fn major_version(version_num: i32) -> i32 {
    version_num / 10_000
}

pub async fn checks(source: &Session, target: &Session) -> Result<Vec<AssessCheck>, AssessError> {
    let s: ReplicationSettings = source.one(&REPLICATION_SETTINGS, &[]).await?;
    let t: ServerVersion = target.one(&SERVER_VERSION, &[]).await?;
    Ok(evaluate(&s, t.server_version_num))
}

/// The checks on settings already read (pure, so every branch is unit-tested).
pub fn evaluate(s: &ReplicationSettings, target_version_num: i32) -> Vec<AssessCheck> {
    vec![
        db_version(s.server_version_num, target_version_num),
        wal_level(&s.wal_level),
        free_slots(s),
        free_wal_senders(s),
        slot_wal_keep_size(s.max_slot_wal_keep_size_kb),
        wal_sender_timeout(s.wal_sender_timeout_ms),
        logical_decoding_work_mem(s.logical_decoding_work_mem_kb),
    ]
}

fn db_version(source: i32, target: i32) -> AssessCheck {
    let (s, t) = (major_version(source), major_version(target));
    let evidence = vec![format!(
        "source server_version_num = {source}, target = {target}"
    )];
    let name = "postgres-check-dbversion";
    if source < MIN_SOURCE_VERSION_NUM {
        AssessCheck::new(
            name,
            Side::Source,
            Status::Fail,
            format!("source PostgreSQL {s} has no logical replication"),
        )
        .with_evidence(evidence)
        .with_fix("upgrade the source to PostgreSQL 10 or later")
    } else if t < s {
        AssessCheck::new(
            name,
            Side::Both,
            Status::Fail,
            format!("target major version {t} is older than the source's {s}"),
        )
        .with_evidence(evidence)
        .with_fix("use a target of the same or a later major version than the source")
    } else {
        AssessCheck::pass(
            name,
            Side::Both,
            format!("source PostgreSQL {s}, target {t}"),
        )
        .with_evidence(evidence)
    }
}

fn wal_level(value: &str) -> AssessCheck {
    let name = "postgres-check-wallevel";
    let evidence = vec![format!("wal_level = {value}")];
    if value == "logical" {
        AssessCheck::pass(name, Side::Source, "wal_level is logical").with_evidence(evidence)
    } else {
        AssessCheck::new(name, Side::Source, Status::Fail, format!("wal_level is {value}, not logical: no change can be decoded"))
            .with_evidence(evidence)
            .with_fix("set wal_level = logical and restart the source (on RDS: rds.logical_replication = 1 in its parameter group, then reboot)")
    }
}

fn free_slots(s: &ReplicationSettings) -> AssessCheck {
    let name = "postgres-check-replication-slots-count";
    let free = s.max_replication_slots - s.used_replication_slots;
    let evidence = vec![format!(
        "max_replication_slots = {}, slots in use = {}, free = {free}",
        s.max_replication_slots, s.used_replication_slots
    )];
    if free < 1 {
        AssessCheck::new(name, Side::Source, Status::Fail, "no free replication slot for the migration")
            .with_evidence(evidence)
            .with_fix("drop unused slots (pg_drop_replication_slot) or raise max_replication_slots and restart")
    } else {
        AssessCheck::pass(
            name,
            Side::Source,
            format!("{free} free replication slot(s)"),
        )
        .with_evidence(evidence)
    }
}

fn free_wal_senders(s: &ReplicationSettings) -> AssessCheck {
    let name = "postgres-check-maxwalsenders";
    let free = s.max_wal_senders - s.used_wal_senders;
    let evidence = vec![format!(
        "max_wal_senders = {}, senders in use = {}, free = {free}",
        s.max_wal_senders, s.used_wal_senders
    )];
    let fix = "raise max_wal_senders (it needs a restart) or stop unused replication connections";
    if free < 1 {
        AssessCheck::new(
            name,
            Side::Source,
            Status::Fail,
            "no free WAL sender for the migration",
        )
        .with_evidence(evidence)
        .with_fix(fix)
    } else if free < 3 {
        // The initial copy of a native migration opens one sender per table sync worker.
        AssessCheck::new(
            name,
            Side::Source,
            Status::Warn,
            format!("only {free} free WAL sender(s): the initial copy needs more than one"),
        )
        .with_evidence(evidence)
        .with_fix(fix)
    } else {
        AssessCheck::pass(name, Side::Source, format!("{free} free WAL senders"))
            .with_evidence(evidence)
    }
}

fn slot_wal_keep_size(kb: i64) -> AssessCheck {
    let name = "postgres-check-maxslot-wal-keep-size";
    if kb < 0 {
        return AssessCheck::pass(name, Side::Source, "max_slot_wal_keep_size is unlimited")
            .with_evidence(vec!["max_slot_wal_keep_size = -1".to_owned()]);
    }
    AssessCheck::new(name, Side::Source, Status::Warn, format!(
        "max_slot_wal_keep_size is {}: the slot is invalidated when the target falls that far behind",
        human_bytes(kb * 1024)
    ))
    .with_evidence(vec![format!("max_slot_wal_keep_size = {} MB", kb / 1024)])
    .with_fix("set max_slot_wal_keep_size = -1 for the migration, or make sure it covers the WAL written during the initial copy")
}

fn wal_sender_timeout(ms: i64) -> AssessCheck {
    let name = "postgres-check-walsenderstimeout";
    let evidence = vec![format!("wal_sender_timeout = {ms} ms")];
    let fix = "set wal_sender_timeout to at least 10000 ms";
    if ms == 0 {
        AssessCheck::new(
            name,
            Side::Source,
            Status::Warn,
            "wal_sender_timeout is 0: dead replication connections are never detected",
        )
        .with_evidence(evidence)
        .with_fix(fix)
    } else if ms < MIN_WAL_SENDER_TIMEOUT_MS {
        AssessCheck::new(
            name,
            Side::Source,
            Status::Fail,
            format!("wal_sender_timeout is {ms} ms, below the 10000 ms DMS needs"),
        )
        .with_evidence(evidence)
        .with_fix(fix)
    } else {
        AssessCheck::pass(name, Side::Source, format!("wal_sender_timeout is {ms} ms"))
            .with_evidence(evidence)
    }
}

fn logical_decoding_work_mem(kb: i64) -> AssessCheck {
    let name = "postgres-check-for-logical-decoding-work-mem";
    let evidence = vec![format!("logical_decoding_work_mem = {kb} kB")];
    if kb < DEFAULT_LOGICAL_DECODING_WORK_MEM_KB {
        AssessCheck::new(name, Side::Source, Status::Warn, format!(
            "logical_decoding_work_mem is {}, below the 64 MB default: large transactions spill to disk",
            human_bytes(kb * 1024)
        ))
        .with_evidence(evidence)
        .with_fix("raise logical_decoding_work_mem (e.g. 64MB to 256MB) on a busy source")
    } else {
        AssessCheck::pass(
            name,
            Side::Source,
            format!("logical_decoding_work_mem is {}", human_bytes(kb * 1024)),
        )
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ReplicationSettings {
        ReplicationSettings {
            server_version_num: 150_004,
            wal_level: "logical".into(),
            max_replication_slots: 10,
            used_replication_slots: 1,
            max_wal_senders: 10,
            used_wal_senders: 0,
            max_slot_wal_keep_size_kb: -1,
            wal_sender_timeout_ms: 60_000,
            logical_decoding_work_mem_kb: 65_536,
        }
    }

    fn status(checks: &[AssessCheck], name: &str) -> Status {
        checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.status)
            .unwrap_or(Status::Pass)
    }

    #[test]
    fn defaults_of_a_logical_source_pass() {
        let checks = evaluate(&settings(), 150_004);
        assert!(
            checks.iter().all(|c| c.status == Status::Pass),
            "{checks:#?}"
        );
    }

    #[test]
    fn each_setting_can_warn_or_fail() {
        let mut s = settings();
        s.used_replication_slots = 10;
        s.used_wal_senders = 8;
        s.max_slot_wal_keep_size_kb = 1024 * 1024;
        s.wal_sender_timeout_ms = 5_000;
        s.logical_decoding_work_mem_kb = 4096;
        let checks = evaluate(&s, 140_000);
        assert_eq!(status(&checks, "postgres-check-dbversion"), Status::Fail);
        assert_eq!(
            status(&checks, "postgres-check-replication-slots-count"),
            Status::Fail
        );
        assert_eq!(
            status(&checks, "postgres-check-maxwalsenders"),
            Status::Warn
        );
        assert_eq!(
            status(&checks, "postgres-check-maxslot-wal-keep-size"),
            Status::Warn
        );
        assert_eq!(
            status(&checks, "postgres-check-walsenderstimeout"),
            Status::Fail
        );
        assert_eq!(
            status(&checks, "postgres-check-for-logical-decoding-work-mem"),
            Status::Warn
        );
        s.used_wal_senders = 10;
        s.wal_sender_timeout_ms = 0;
        let checks = evaluate(&s, 150_000);
        assert_eq!(
            status(&checks, "postgres-check-maxwalsenders"),
            Status::Fail
        );
        assert_eq!(
            status(&checks, "postgres-check-walsenderstimeout"),
            Status::Warn
        );
        assert_eq!(status(&checks, "postgres-check-dbversion"), Status::Pass);
    }

    #[test]
    fn major_versions() {
        assert_eq!(major_version(150_004), 15);
        assert_eq!(major_version(170_000), 17);
        assert_eq!(major_version(90_624), 9);
    }
}
