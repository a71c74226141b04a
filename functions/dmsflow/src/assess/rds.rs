//! Checks on the RDS instances behind the source and the target, through a
//! narrow port ([`RdsPort`]; the adapter over aws-sdk-rds is
//! [`super::rds_sdk`]): both available, versions compatible, storage headroom
//! on the target, backups on the source (RDS needs them for logical
//! replication), and the source's parameter group — `rds.logical_replication`
//! and the slot/sender settings, including the classic of a value set in the
//! group but pending a reboot (1 in the group, off on the instance).
//! (Aurora keeps `rds.logical_replication` in the cluster parameter group,
//! which this does not read.)

use super::model::{human_bytes, AssessCheck, Side, Status};
use super::target::Sizes;
use crate::error::{Classify, ErrorType};
use std::future::Future;

/// What DescribeDBInstances says about one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdsInstance {
    pub identifier: String,
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    pub allocated_storage_gib: i64,
    /// Storage autoscaling's ceiling, when enabled.
    pub max_allocated_storage_gib: Option<i64>,
    pub backup_retention_days: i64,
    pub parameter_groups: Vec<ParameterGroupStatus>,
}

/// `DBParameterGroups[]` of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterGroupStatus {
    pub name: String,
    /// `in-sync`, `pending-reboot`, `applying`, …
    pub apply_status: String,
}

/// One parameter of a DB parameter group (DescribeDBParameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbParameter {
    pub name: String,
    /// None when the group leaves it at the engine default.
    pub value: Option<String>,
    /// `static` (needs a reboot) or `dynamic`.
    pub apply_type: Option<String>,
}

/// The RDS instance identifiers of the two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdsInstances {
    pub source: String,
    pub target: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RdsError {
    #[error("RDS {operation} failed for {resource}")]
    Api {
        operation: &'static str,
        resource: String,
        /// Throttling, 5xx, timeouts: worth retrying.
        transient: bool,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("RDS {operation} returned no {what} for {resource}")]
    Incomplete {
        operation: &'static str,
        what: &'static str,
        resource: String,
    },
}

impl From<crate::aws::ApiFailure> for RdsError {
    fn from(f: crate::aws::ApiFailure) -> Self {
        RdsError::Api {
            operation: f.operation,
            resource: f.resource,
            transient: f.kind == crate::aws::AwsErrorKind::Transient,
            source: f.source,
        }
    }
}

impl Classify for RdsError {
    fn error_type(&self) -> ErrorType {
        match self {
            RdsError::Api {
                transient: true, ..
            } => ErrorType::AwsTransient,
            RdsError::Api { .. } | RdsError::Incomplete { .. } => ErrorType::AwsError,
        }
    }
}

/// The RDS calls the assessment makes.
pub trait RdsPort: Send + Sync {
    fn describe_instance(
        &self,
        identifier: &str,
    ) -> impl Future<Output = Result<RdsInstance, RdsError>> + Send;
    /// Every parameter of DB parameter group `group` (all pages).
    fn parameters(
        &self,
        group: &str,
    ) -> impl Future<Output = Result<Vec<DbParameter>, RdsError>> + Send;
}

/// The parameters read from the source's group.
pub const REPLICATION_PARAMETERS: &[&str] = &[
    "rds.logical_replication",
    "max_replication_slots",
    "max_wal_senders",
];

/// Headroom the target should keep beyond the source's size (indexes are
/// rebuilt, WAL is written during the copy).
pub const STORAGE_MARGIN: f64 = 1.25;

pub async fn checks<P: RdsPort>(
    port: &P,
    instances: &RdsInstances,
    sizes: &Sizes,
) -> Result<Vec<AssessCheck>, RdsError> {
    let source = port.describe_instance(&instances.source).await?;
    let target = port.describe_instance(&instances.target).await?;
    let mut parameters = Vec::new();
    for group in &source.parameter_groups {
        let mut all = port.parameters(&group.name).await?;
        all.retain(|p| REPLICATION_PARAMETERS.contains(&p.name.as_str()));
        parameters.extend(all);
    }
    Ok(evaluate(&source, &target, &parameters, sizes))
}

/// The checks on what the API returned (pure).
pub fn evaluate(
    source: &RdsInstance,
    target: &RdsInstance,
    source_parameters: &[DbParameter],
    sizes: &Sizes,
) -> Vec<AssessCheck> {
    vec![
        available(source, target),
        engine_versions(source, target),
        storage(target, sizes),
        backups(source),
        logical_replication(source, source_parameters),
        replication_parameters(source, source_parameters),
    ]
}

fn available(source: &RdsInstance, target: &RdsInstance) -> AssessCheck {
    let name = "rds-instance-available";
    let evidence = vec![
        format!("source {}: {}", source.identifier, source.status),
        format!("target {}: {}", target.identifier, target.status),
    ];
    let down: Vec<&str> = [source, target]
        .iter()
        .filter(|i| i.status != "available")
        .map(|i| i.identifier.as_str())
        .collect();
    if down.is_empty() {
        return AssessCheck::pass(name, Side::Both, "both instances are available")
            .with_evidence(evidence);
    }
    AssessCheck::new(
        name,
        Side::Both,
        Status::Fail,
        format!("not available: {}", down.join(", ")),
    )
    .with_evidence(evidence)
    .with_fix("wait until both instances are `available` (or start a stopped one) and assess again")
}

/// `15.4` → (15, 0); `9.6.22` → (9, 6): the part that makes a major version.
pub fn major_of(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let first = parts.next().flatten()?;
    if first >= 10 {
        Some((first, 0))
    } else {
        Some((first, parts.next().flatten()?))
    }
}

fn engine_versions(source: &RdsInstance, target: &RdsInstance) -> AssessCheck {
    let name = "rds-engine-version";
    let evidence = vec![
        format!(
            "source {}: {} {}",
            source.identifier, source.engine, source.engine_version
        ),
        format!(
            "target {}: {} {}",
            target.identifier, target.engine, target.engine_version
        ),
    ];
    let postgres = |e: &str| e == "postgres" || e == "aurora-postgresql";
    if !postgres(&source.engine) || !postgres(&target.engine) {
        return AssessCheck::new(
            name,
            Side::Both,
            Status::Fail,
            "an instance is not PostgreSQL",
        )
        .with_evidence(evidence)
        .with_fix("point dmsflow at PostgreSQL instances");
    }
    match (
        major_of(&source.engine_version),
        major_of(&target.engine_version),
    ) {
        (Some(s), Some(t)) if t >= s => AssessCheck::pass(
            name,
            Side::Both,
            "target major version is the same as or later than the source's",
        )
        .with_evidence(evidence),
        (Some(_), Some(_)) => AssessCheck::new(
            name,
            Side::Both,
            Status::Fail,
            "target major version is older than the source's",
        )
        .with_evidence(evidence)
        .with_fix("upgrade the target to the source's major version or later"),
        _ => AssessCheck::new(
            name,
            Side::Both,
            Status::Warn,
            "could not read the engine versions",
        )
        .with_evidence(evidence)
        .with_fix("check the versions by hand"),
    }
}

fn storage(target: &RdsInstance, sizes: &Sizes) -> AssessCheck {
    let name = "rds-storage-headroom";
    let gib = target
        .max_allocated_storage_gib
        .unwrap_or(target.allocated_storage_gib)
        .max(target.allocated_storage_gib);
    let capacity = gib.saturating_mul(1 << 30);
    // The RDS API does not report free space; this estimate counts only the
    // target database itself as used (not WAL, logs or other databases).
    let free = capacity.saturating_sub(sizes.target_bytes);
    let needed = (sizes.source_bytes as f64 * STORAGE_MARGIN) as i64;
    let evidence = vec![
        format!(
            "target {} storage {} GiB (allocated {}{})",
            target.identifier,
            gib,
            target.allocated_storage_gib,
            target
                .max_allocated_storage_gib
                .map(|m| format!(", autoscaling up to {m}"))
                .unwrap_or_default()
        ),
        format!(
            "target database uses {}, estimated free {}",
            human_bytes(sizes.target_bytes),
            human_bytes(free)
        ),
        format!("source database is {}", human_bytes(sizes.source_bytes)),
    ];
    let fix = "increase the target's allocated storage (ModifyDBInstance --allocated-storage) before the migration";
    if sizes.source_bytes > free {
        AssessCheck::new(
            name,
            Side::Target,
            Status::Fail,
            "the source's data does not fit in the target's free storage",
        )
        .with_evidence(evidence)
        .with_fix(fix)
    } else if needed > free {
        AssessCheck::new(
            name,
            Side::Target,
            Status::Warn,
            "less than 25% headroom on the target once the source's data is copied",
        )
        .with_evidence(evidence)
        .with_fix(fix)
    } else {
        AssessCheck::pass(
            name,
            Side::Target,
            "the target has room for the source's data",
        )
        .with_evidence(evidence)
    }
}

fn backups(source: &RdsInstance) -> AssessCheck {
    let name = "rds-backup-retention";
    let evidence = vec![format!(
        "source {} BackupRetentionPeriod = {} day(s)",
        source.identifier, source.backup_retention_days
    )];
    if source.backup_retention_days > 0 {
        return AssessCheck::pass(name, Side::Source, "automated backups are on")
            .with_evidence(evidence);
    }
    AssessCheck::new(name, Side::Source, Status::Fail, "automated backups are off: RDS does not allow logical replication without them")
        .with_evidence(evidence)
        .with_fix("set a backup retention period of at least 1 day on the source (ModifyDBInstance --backup-retention-period 1)")
}

fn pending_reboot(instance: &RdsInstance) -> Vec<&str> {
    instance
        .parameter_groups
        .iter()
        .filter(|g| g.apply_status == "pending-reboot")
        .map(|g| g.name.as_str())
        .collect()
}

fn groups_evidence(instance: &RdsInstance) -> Vec<String> {
    instance
        .parameter_groups
        .iter()
        .map(|g| format!("parameter group {}: {}", g.name, g.apply_status))
        .collect()
}

fn logical_replication(source: &RdsInstance, parameters: &[DbParameter]) -> AssessCheck {
    let name = "rds-logical-replication";
    let value = parameters
        .iter()
        .find(|p| p.name == "rds.logical_replication")
        .and_then(|p| p.value.clone());
    let mut evidence = groups_evidence(source);
    evidence.push(format!(
        "rds.logical_replication = {}",
        value.as_deref().unwrap_or("(default: 0)")
    ));
    if value.as_deref() != Some("1") {
        return AssessCheck::new(name, Side::Source, Status::Fail, "rds.logical_replication is not 1 in the source's parameter group")
            .with_evidence(evidence)
            .with_fix("set rds.logical_replication = 1 in a custom parameter group of the source, then reboot it");
    }
    let pending = pending_reboot(source);
    if !pending.is_empty() {
        return AssessCheck::new(name, Side::Source, Status::Fail, format!("rds.logical_replication is 1 in {} but pending a reboot: it is not in effect on the instance", pending.join(", ")))
            .with_evidence(evidence)
            .with_fix(format!("reboot the source instance {} (aws rds reboot-db-instance)", source.identifier));
    }
    AssessCheck::pass(
        name,
        Side::Source,
        "rds.logical_replication is 1 and in effect",
    )
    .with_evidence(evidence)
}

fn replication_parameters(source: &RdsInstance, parameters: &[DbParameter]) -> AssessCheck {
    let name = "rds-replication-parameters";
    let mut evidence = Vec::new();
    let mut too_low = Vec::new();
    for wanted in ["max_replication_slots", "max_wal_senders"] {
        let value = parameters
            .iter()
            .find(|p| p.name == wanted)
            .and_then(|p| p.value.clone());
        match value.as_deref().map(str::parse::<i64>) {
            Some(Ok(n)) if n < 1 => too_low.push(wanted),
            _ => {}
        }
        evidence.push(format!(
            "{wanted} = {}",
            value.as_deref().unwrap_or("(engine default)")
        ));
    }
    if !too_low.is_empty() {
        return AssessCheck::new(name, Side::Source, Status::Fail, format!("{} below 1 in the source's parameter group", too_low.join(", ")))
            .with_evidence(evidence)
            .with_fix("raise them in the parameter group (at least 1 free slot and sender for the migration), then reboot");
    }
    let pending = pending_reboot(source);
    if !pending.is_empty() {
        return AssessCheck::new(
            name,
            Side::Source,
            Status::Warn,
            format!(
                "parameter group {} pending a reboot: these values may not be in effect",
                pending.join(", ")
            ),
        )
        .with_evidence(evidence)
        .with_fix(format!("reboot the source instance {}", source.identifier));
    }
    AssessCheck::pass(
        name,
        Side::Source,
        "slot and sender settings set in the parameter group",
    )
    .with_evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(major_of("15.4"), Some((15, 0)));
        assert_eq!(major_of("16"), Some((16, 0)));
        assert_eq!(major_of("9.6.22"), Some((9, 6)));
        assert_eq!(major_of("x"), None);
        assert!(major_of("9.6.1") < major_of("10.1"));
    }
}
