//! The source's replication settings, and the versions of both servers.

use super::model::{human_bytes, AssessCheck, Side, Status};
use super::{AssessError, Session};
use crate::sql::{from_row, query, Query};

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

from_row! {
    ReplicationSettings {
        server_version_num,
        wal_level,
        max_replication_slots,
        used_replication_slots,
        max_wal_senders,
        used_wal_senders,
        max_slot_wal_keep_size_kb,
        wal_sender_timeout_ms,
        logical_decoding_work_mem_kb,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerVersion {
    pub server_version_num: i32,
}

from_row! { ServerVersion { server_version_num } }

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
    let mut checks = vec![db_version(s.server_version_num, target_version_num)];
    checks.extend(SOURCE_SETTINGS.iter().map(|c| {
        let (evidence, outcome) = (c.judge)(s);
        AssessCheck::judged(c.name, Side::Source, evidence, c.fix, outcome)
    }));
    checks
}

/// One setting of the source: its DMS check name, the fix when it is not a
/// pass, and what was seen with the outcome.
struct SettingCheck {
    name: &'static str,
    fix: &'static str,
    judge: fn(&ReplicationSettings) -> (String, (Status, String)),
}

const SOURCE_SETTINGS: [SettingCheck; 6] = [
    SettingCheck {
        name: "postgres-check-wallevel",
        fix: "set wal_level = logical and restart the source (on RDS: rds.logical_replication = 1 in its parameter group, then reboot)",
        judge: wal_level,
    },
    SettingCheck {
        name: "postgres-check-replication-slots-count",
        fix: "drop unused slots (pg_drop_replication_slot) or raise max_replication_slots and restart",
        judge: free_slots,
    },
    SettingCheck {
        name: "postgres-check-maxwalsenders",
        fix: "raise max_wal_senders (it needs a restart) or stop unused replication connections",
        judge: free_wal_senders,
    },
    SettingCheck {
        name: "postgres-check-maxslot-wal-keep-size",
        fix: "set max_slot_wal_keep_size = -1 for the migration, or make sure it covers the WAL written during the initial copy",
        judge: slot_wal_keep_size,
    },
    SettingCheck {
        name: "postgres-check-walsenderstimeout",
        fix: "set wal_sender_timeout to at least 10000 ms",
        judge: wal_sender_timeout,
    },
    SettingCheck {
        name: "postgres-check-for-logical-decoding-work-mem",
        fix: "raise logical_decoding_work_mem (e.g. 64MB to 256MB) on a busy source",
        judge: logical_decoding_work_mem,
    },
];

fn db_version(source: i32, target: i32) -> AssessCheck {
    let (s, t) = (major_version(source), major_version(target));
    let evidence = format!("source server_version_num = {source}, target = {target}");
    let name = "postgres-check-dbversion";
    if source < MIN_SOURCE_VERSION_NUM {
        let summary = format!("source PostgreSQL {s} has no logical replication");
        let fix = "upgrade the source to PostgreSQL 10 or later";
        return AssessCheck::judged(name, Side::Source, evidence, fix, (Status::Fail, summary));
    }
    let outcome = if t < s {
        let summary = format!("target major version {t} is older than the source's {s}");
        (Status::Fail, summary)
    } else {
        (Status::Pass, format!("source PostgreSQL {s}, target {t}"))
    };
    let fix = "use a target of the same or a later major version than the source";
    AssessCheck::judged(name, Side::Both, evidence, fix, outcome)
}

fn wal_level(s: &ReplicationSettings) -> (String, (Status, String)) {
    let value = &s.wal_level;
    let outcome = if value == "logical" {
        (Status::Pass, "wal_level is logical".to_owned())
    } else {
        let summary = format!("wal_level is {value}, not logical: no change can be decoded");
        (Status::Fail, summary)
    };
    (format!("wal_level = {value}"), outcome)
}

fn free_slots(s: &ReplicationSettings) -> (String, (Status, String)) {
    let (max, used) = (s.max_replication_slots, s.used_replication_slots);
    Capacity::new("max_replication_slots", "replication slot", max, used).judge(1)
}

fn free_wal_senders(s: &ReplicationSettings) -> (String, (Status, String)) {
    let (max, used) = (s.max_wal_senders, s.used_wal_senders);
    // The initial copy of a native migration opens one sender per table sync worker.
    Capacity::new("max_wal_senders", "WAL sender", max, used).judge(3)
}

/// A server-wide budget the migration takes one of (slots, WAL senders).
struct Capacity {
    setting: &'static str,
    what: &'static str,
    max: i32,
    used: i32,
}

impl Capacity {
    fn new(setting: &'static str, what: &'static str, max: i32, used: i32) -> Self {
        Capacity {
            setting,
            what,
            max,
            used,
        }
    }

    /// None free fails; fewer than `comfortable` free warns.
    fn judge(&self, comfortable: i32) -> (String, (Status, String)) {
        let (what, free) = (self.what, self.max - self.used);
        let outcome = if free < 1 {
            (Status::Fail, format!("no free {what} for the migration"))
        } else if free < comfortable {
            let summary =
                format!("only {free} free {what}(s): the initial copy needs more than one");
            (Status::Warn, summary)
        } else {
            (Status::Pass, format!("{free} free {what}(s)"))
        };
        let evidence = format!(
            "{} = {}, in use = {}, free = {free}",
            self.setting, self.max, self.used
        );
        (evidence, outcome)
    }
}

fn slot_wal_keep_size(s: &ReplicationSettings) -> (String, (Status, String)) {
    let kb = s.max_slot_wal_keep_size_kb;
    if kb < 0 {
        let summary = "max_slot_wal_keep_size is unlimited";
        return (
            "max_slot_wal_keep_size = -1".to_owned(),
            (Status::Pass, summary.to_owned()),
        );
    }
    let summary = format!(
        "max_slot_wal_keep_size is {}: the slot is invalidated when the target falls that far behind",
        human_bytes(kb * 1024)
    );
    (
        format!("max_slot_wal_keep_size = {} MB", kb / 1024),
        (Status::Warn, summary),
    )
}

fn wal_sender_timeout(s: &ReplicationSettings) -> (String, (Status, String)) {
    let ms = s.wal_sender_timeout_ms;
    let outcome = if ms == 0 {
        let summary = "wal_sender_timeout is 0: dead replication connections are never detected";
        (Status::Warn, summary.to_owned())
    } else if ms < MIN_WAL_SENDER_TIMEOUT_MS {
        let summary = format!("wal_sender_timeout is {ms} ms, below the 10000 ms DMS needs");
        (Status::Fail, summary)
    } else {
        (Status::Pass, format!("wal_sender_timeout is {ms} ms"))
    };
    (format!("wal_sender_timeout = {ms} ms"), outcome)
}

fn logical_decoding_work_mem(s: &ReplicationSettings) -> (String, (Status, String)) {
    let kb = s.logical_decoding_work_mem_kb;
    let size = human_bytes(kb * 1024);
    let outcome = if kb < DEFAULT_LOGICAL_DECODING_WORK_MEM_KB {
        let summary = format!(
            "logical_decoding_work_mem is {size}, below the 64 MB default: large transactions spill to disk"
        );
        (Status::Warn, summary)
    } else {
        (Status::Pass, format!("logical_decoding_work_mem is {size}"))
    };
    (format!("logical_decoding_work_mem = {kb} kB"), outcome)
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

    type Expected = &'static [(&'static str, Status)];
    type Case = (fn(&mut ReplicationSettings), i32, Expected);

    /// Settings far from the defaults: each check warns or fails.
    fn strained(s: &mut ReplicationSettings) {
        s.used_replication_slots = 10;
        s.used_wal_senders = 8;
        s.max_slot_wal_keep_size_kb = 1024 * 1024;
        s.wal_sender_timeout_ms = 5_000;
        s.logical_decoding_work_mem_kb = 4096;
    }

    /// Every WAL sender taken, and a timeout of 0 (never detects a dead peer).
    fn exhausted(s: &mut ReplicationSettings) {
        strained(s);
        s.used_wal_senders = 10;
        s.wal_sender_timeout_ms = 0;
    }

    #[test]
    fn each_setting_can_warn_or_fail() {
        let cases: [Case; 2] = [
            (
                strained,
                140_000,
                &[
                    ("postgres-check-dbversion", Status::Fail),
                    ("postgres-check-replication-slots-count", Status::Fail),
                    ("postgres-check-maxwalsenders", Status::Warn),
                    ("postgres-check-maxslot-wal-keep-size", Status::Warn),
                    ("postgres-check-walsenderstimeout", Status::Fail),
                    ("postgres-check-for-logical-decoding-work-mem", Status::Warn),
                ],
            ),
            (
                exhausted,
                150_000,
                &[
                    ("postgres-check-maxwalsenders", Status::Fail),
                    ("postgres-check-walsenderstimeout", Status::Warn),
                    ("postgres-check-dbversion", Status::Pass),
                ],
            ),
        ];
        for (change, target_version, expected) in cases {
            let mut s = settings();
            change(&mut s);
            let checks = evaluate(&s, target_version);
            for (name, want) in expected {
                assert_eq!(status(&checks, name), *want, "{name}: {checks:#?}");
            }
        }
    }

    #[test]
    fn major_versions() {
        assert_eq!(major_version(150_004), 15);
        assert_eq!(major_version(170_000), 17);
        assert_eq!(major_version(90_624), 9);
    }
}
