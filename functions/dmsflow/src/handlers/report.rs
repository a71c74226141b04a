//! `report` handler.

use crate::config::{ConfigError, Env, EnvSource};
use crate::contract::env as vars;
use crate::contract::map::{ValidationPlan, ValidationResults};
use crate::contract::report::ValidationSection;
use crate::contract::report::{
    FailureReportAction, FailureReportResult, ReportEvent, ReportSummary, Verdict,
};
use crate::error::HandlerError;
use crate::events::parse_event;
use crate::report;
use crate::report::failure::{
    self, ConfiguredIndex, DirIndex, NoReportIndex, ReportIndex, S3Index, StatusChangeEvent,
};
use crate::report::markdown;
use crate::report::results::{self, ObjectStore};
use crate::report::sinks::{
    ConfiguredNotifier, ConfiguredStore, DirStore, Document, Notifier, ReportStore, S3Store,
    SnsNotifier,
};
use serde_json::Value;
use std::path::PathBuf;
use tokio::sync::OnceCell;

/// Where reports are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportDestination {
    S3 { bucket: String, prefix: String },
    Dir(PathBuf),
}

/// `report` configuration (see `config::ENV_VARS`).
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub destination: ReportDestination,
    pub sns_topic_arn: Option<String>,
    pub metrics_namespace: String,
}

impl ReportConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        let e = Env(env);
        let destination = match (e.text(&vars::REPORT_BUCKET), e.text(&vars::REPORT_DIR)) {
            (Some(bucket), _) => {
                let mut prefix = e.text(&vars::REPORT_PREFIX).unwrap_or_default();
                if !prefix.is_empty() && !prefix.ends_with('/') {
                    prefix.push('/');
                }
                ReportDestination::S3 { bucket, prefix }
            }
            (None, Some(dir)) => ReportDestination::Dir(PathBuf::from(dir)),
            (None, None) => {
                return Err(ConfigError::Missing {
                    var: vars::REPORT_BUCKET.name,
                    hint: "or REPORT_DIR for a local directory",
                })
            }
        };
        Ok(ReportConfig {
            destination,
            sns_topic_arn: e.text(&vars::REPORT_SNS_TOPIC_ARN),
            metrics_namespace: e.text(&vars::METRICS_NAMESPACE).unwrap_or_default(),
        })
    }
}

/// The report service. `I` looks the execution's report up for EventBridge's
/// status-change event (the no-silent-end path); without one
/// (`NoReportIndex`) that event is refused.
#[derive(Debug)]
pub struct ReportService<S, N, I = NoReportIndex> {
    store: S,
    notifier: N,
    index: I,
    namespace: String,
    /// The S3 client for validation results stored by the Distributed Map,
    /// made on the first event that has some.
    objects: OnceCell<ObjectStore>,
}

impl<S: ReportStore, N: Notifier> ReportService<S, N, NoReportIndex> {
    pub fn new(store: S, notifier: N, namespace: String) -> Self {
        ReportService {
            store,
            notifier,
            index: NoReportIndex,
            namespace,
            objects: OnceCell::new(),
        }
    }
}

impl<S: ReportStore, N: Notifier, I: ReportIndex> ReportService<S, N, I> {
    /// The same service, looking reports up in `index` (same place the store writes).
    pub fn with_index<J: ReportIndex>(self, index: J) -> ReportService<S, N, J> {
        ReportService {
            store: self.store,
            notifier: self.notifier,
            index,
            namespace: self.namespace,
            objects: self.objects,
        }
    }

    /// The state machine's report event, or EventBridge's status change.
    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        if failure::is_status_change(&event) {
            let change = failure::parse_status_change(event)?;
            return super::to_json(&self.handle_status_change(change).await?);
        }
        let mut event: ReportEvent = parse_event(event)?;
        if let Some(section) = event.validation.take() {
            event.validation = Some(self.stored_results(section).await?);
        }
        super::to_json(&self.write_report(&event).await?)
    }

    /// The validation with the plan and results the Distributed Map left in
    /// S3 read back (as it is when the event carries them inline).
    async fn stored_results(
        &self,
        section: ValidationSection,
    ) -> Result<ValidationSection, HandlerError> {
        let stored = matches!(section.plan, Some(ValidationPlan::Stored(_)))
            || matches!(section.results, ValidationResults::Map(_));
        if !stored {
            return Ok(section);
        }
        let objects = self
            .objects
            .get_or_init(|| async { ObjectStore::new(&crate::aws::sdk_config().await) })
            .await;
        Ok(results::resolve(objects, section).await?)
    }

    /// A failure report for an execution that ended without writing its own;
    /// nothing when it did (idempotent: EventBridge may deliver twice, and a
    /// caught failure is reported by the machine itself).
    async fn handle_status_change(
        &self,
        change: StatusChangeEvent,
    ) -> Result<FailureReportResult, HandlerError> {
        let detail = change.detail;
        let skipped = |reason: String| FailureReportResult {
            action: FailureReportAction::Skipped,
            execution: detail.name.clone(),
            status: detail.status,
            reason,
            report: Default::default(),
        };
        if !detail.status.is_silent_end() {
            tracing::info!(execution = %detail.name, status = detail.status.as_str(), "status change is not a failure: nothing to report");
            return Ok(skipped(format!("status {}", detail.status.as_str())));
        }
        let name = failure::report_json_name(&detail.name);
        if self.index.exists(&name).await? {
            tracing::info!(execution = %detail.name, status = detail.status.as_str(), report = %name, "the execution wrote its report: no failure report");
            return Ok(skipped(format!("report {name} exists")));
        }
        let summary = self.write_report(&failure::failure_event(&detail)).await?;
        tracing::info!(execution = %detail.name, status = detail.status.as_str(), "failure report written for an execution that wrote none");
        Ok(FailureReportResult {
            action: FailureReportAction::Written,
            execution: summary.execution,
            status: detail.status,
            reason: summary.summary,
            report: summary.report,
        })
    }

    /// Build, write, emit metrics, notify; return a small summary (the full
    /// document is in the store: Step Functions payloads are capped at 256 KB).
    async fn write_report(&self, event: &ReportEvent) -> Result<ReportSummary, HandlerError> {
        let now_ms = crate::clock::now_millis();
        let mut report = report::build(event, &crate::clock::rfc3339_millis(now_ms));
        let stem = report::file_stem(&report.execution);
        let markdown = markdown::render(&report);
        let md_location = self
            .store
            .put(Document::markdown(format!("{stem}.md"), markdown))
            .await?;
        report.locations.insert("markdown".into(), md_location);
        let json_name = format!("{stem}.json");
        let json_location = format!("(pending) {json_name}");
        report.locations.insert("json".into(), json_location);
        // The JSON names its own location: write it once we know it.
        let json_location = self
            .store
            .put(Document::json(json_name.clone(), Vec::new()))
            .await?;
        report.locations.insert("json".into(), json_location);
        let body = serde_json::to_vec_pretty(&report).map_err(|e| {
            HandlerError::new(
                crate::ErrorType::ReportError,
                format!("rendering the report: {e}"),
            )
        })?;
        self.store.put(Document::json(json_name, body)).await?;

        // Embedded Metric Format: one JSON line on stdout, picked up by CloudWatch.
        println!("{}", report::emf_line(&report, &self.namespace, now_ms));

        let subject = report::cutover::subject(&report).unwrap_or_else(|| {
            format!(
                "dmsflow {}: {} ({})",
                report.verdict.as_str().to_uppercase(),
                report.execution,
                report.mode
            )
        });
        let message = format!(
            "{}\n\nReport: {}\nJSON: {}\n",
            report.summary,
            report
                .locations
                .get("markdown")
                .map(String::as_str)
                .unwrap_or("-"),
            report
                .locations
                .get("json")
                .map(String::as_str)
                .unwrap_or("-"),
        );
        self.notifier.notify(&subject, &message).await?;
        tracing::info!(verdict = report.verdict.as_str(), execution = %report.execution, tables = report.tables_validated, "report written");
        Ok(ReportSummary {
            verdict: report.verdict,
            identical: report.verdict == Verdict::Identical,
            summary: report.summary,
            execution: report.execution,
            tables_validated: report.tables_validated,
            tables_different: report.tables_different,
            tables_error: report.tables_error,
            rows_compared: report.rows_compared,
            differences: report.differences,
            report: report.locations,
        })
    }
}

/// The service wired to the configured destination and topic.
pub fn service_from_config(
    config: &ReportConfig,
    sdk: &aws_config::SdkConfig,
) -> ReportService<ConfiguredStore, ConfiguredNotifier, ConfiguredIndex> {
    let (store, index) = match &config.destination {
        ReportDestination::S3 { bucket, prefix } => (
            ConfiguredStore::S3(S3Store::new(sdk, bucket.clone(), prefix.clone())),
            ConfiguredIndex::S3(S3Index::new(sdk, bucket.clone(), prefix.clone())),
        ),
        ReportDestination::Dir(dir) => (
            ConfiguredStore::Dir(DirStore { dir: dir.clone() }),
            ConfiguredIndex::Dir(DirIndex { dir: dir.clone() }),
        ),
    };
    let notifier = match &config.sns_topic_arn {
        Some(topic) => ConfiguredNotifier::Sns(SnsNotifier::new(sdk, topic.clone())),
        None => ConfiguredNotifier::None,
    };
    ReportService::new(store, notifier, config.metrics_namespace.clone()).with_index(index)
}
