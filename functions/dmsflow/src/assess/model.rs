//! What an assessment returns: one [`AssessCheck`] per check, and a verdict.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How one check came out. A `fail` stops the migration; a `warn` is reported
/// and does not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "AssessStatus")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// Which database (or AWS resource) a check looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "AssessSide")]
pub enum Side {
    Source,
    Target,
    Both,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
            Side::Both => "both",
        }
    }
}

/// One check. `name` is stable (DMS's premigration assessment API key where
/// one matches, e.g. `postgres-check-wallevel`); `evidence` is what was seen
/// (tables, setting values), `fix` what to do when it is not a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AssessCheck {
    pub name: String,
    pub side: Side,
    pub status: Status,
    /// One line: what was checked and the outcome.
    pub summary: String,
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl AssessCheck {
    pub fn new(name: &str, side: Side, status: Status, summary: impl Into<String>) -> Self {
        AssessCheck {
            name: name.to_owned(),
            side,
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
        }
    }

    pub fn pass(name: &str, side: Side, summary: impl Into<String>) -> Self {
        Self::new(name, side, Status::Pass, summary)
    }

    pub fn with_evidence(mut self, evidence: impl IntoIterator<Item = String>) -> Self {
        self.evidence.extend(evidence);
        self
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// The check whose evidence and fix are known before its outcome: the
    /// fix is kept only when the outcome is not a pass.
    pub fn judged(
        name: &str,
        side: Side,
        evidence: String,
        fix: &str,
        (status, summary): (Status, String),
    ) -> Self {
        let check = Self::new(name, side, status, summary).with_evidence([evidence]);
        if status == Status::Pass {
            check
        } else {
            check.with_fix(fix)
        }
    }
}

/// `ready`: no check failed. `not-ready`: at least one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "AssessVerdict")]
pub enum Verdict {
    Ready,
    NotReady,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
        }
    }

    pub fn of(checks: &[AssessCheck]) -> Verdict {
        if checks.iter().any(|c| c.status == Status::Fail) {
            Verdict::NotReady
        } else {
            Verdict::Ready
        }
    }
}

/// The whole assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AssessReport {
    /// `user@host:port/db` of each side (never a password).
    pub source: String,
    pub target: String,
    /// The schemas assessed.
    pub schemas: Vec<String>,
    pub checks: Vec<AssessCheck>,
    pub verdict: Verdict,
}

impl AssessReport {
    pub fn new(
        source: String,
        target: String,
        schemas: Vec<String>,
        checks: Vec<AssessCheck>,
    ) -> Self {
        let verdict = Verdict::of(&checks);
        AssessReport {
            source,
            target,
            schemas,
            checks,
            verdict,
        }
    }

    /// The check called `name`, if it ran.
    pub fn check(&self, name: &str) -> Option<&AssessCheck> {
        self.checks.iter().find(|c| c.name == name)
    }

    pub fn failed(&self) -> impl Iterator<Item = &AssessCheck> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

/// Process exit code of an assessment: 0 ready, 1 a check failed, 2 the
/// assessment itself could not run.
pub const EXIT_READY: i32 = 0;
pub const EXIT_NOT_READY: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

pub fn exit_code<E>(result: &Result<AssessReport, E>) -> i32 {
    match result {
        Ok(report) => match report.verdict {
            Verdict::Ready => EXIT_READY,
            Verdict::NotReady => EXIT_NOT_READY,
        },
        Err(_) => EXIT_ERROR,
    }
}

/// `a, b, c` and `… (N more)` past `limit` items, for one-line evidence.
pub fn list_some(items: &[String], limit: usize) -> String {
    if items.len() <= limit {
        return items.join(", ");
    }
    format!(
        "{}, … ({} more)",
        items[..limit].join(", "),
        items.len() - limit
    )
}

/// Bytes as `12.3 MiB`.
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_and_exit_codes() {
        let pass = AssessCheck::pass("a", Side::Source, "ok");
        let warn = AssessCheck::new("b", Side::Target, Status::Warn, "hm");
        let fail = AssessCheck::new("c", Side::Both, Status::Fail, "no");
        let ready = AssessReport::new("s".into(), "t".into(), vec![], vec![pass, warn.clone()]);
        assert_eq!(ready.verdict, Verdict::Ready);
        assert_eq!(exit_code::<()>(&Ok(ready)), 0);
        let not_ready = AssessReport::new("s".into(), "t".into(), vec![], vec![warn, fail]);
        assert_eq!(not_ready.verdict, Verdict::NotReady);
        assert_eq!(exit_code::<()>(&Ok(not_ready.clone())), 1);
        assert_eq!(exit_code::<&str>(&Err("boom")), 2);
        let json: serde_json::Value =
            serde_json::from_str(&not_ready.to_json().unwrap_or_default()).unwrap_or_default();
        assert_eq!(json["verdict"], "not-ready");
        assert_eq!(json["checks"][1]["status"], "fail");
        assert_eq!(json["checks"][1]["side"], "both");
    }

    #[test]
    fn helpers() {
        let items: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
        assert_eq!(list_some(&items, 5), "1, 2, 3, 4, 5");
        assert_eq!(list_some(&items, 2), "1, 2, … (3 more)");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
