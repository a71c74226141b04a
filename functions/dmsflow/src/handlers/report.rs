//! `report` handler.

use crate::config::{ConfigError, Env, EnvSource};
use crate::contract::env as vars;
use crate::contract::report::{ReportEvent, ReportSummary, Verdict};
use crate::error::HandlerError;
use crate::events::parse_event;
use crate::report;
use crate::report::markdown;
use crate::report::sinks::{
    ConfiguredNotifier, ConfiguredStore, DirStore, Document, Notifier, ReportStore, S3Store,
    SnsNotifier,
};
use serde_json::Value;
use std::path::PathBuf;

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

#[derive(Debug)]
pub struct ReportService<S, N> {
    store: S,
    notifier: N,
    namespace: String,
}

impl<S: ReportStore, N: Notifier> ReportService<S, N> {
    pub fn new(store: S, notifier: N, namespace: String) -> Self {
        ReportService {
            store,
            notifier,
            namespace,
        }
    }

    /// Build, write, emit metrics, notify; return a small summary (the full
    /// document is in the store: Step Functions payloads are capped at 256 KB).
    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let event: ReportEvent = parse_event(event)?;
        let now_ms = crate::clock::now_millis();
        let mut report = report::build(&event, &crate::clock::rfc3339_millis(now_ms));
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

        let subject = format!(
            "dmsflow {}: {} ({})",
            report.verdict.as_str().to_uppercase(),
            report.execution,
            report.mode
        );
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
        super::to_json(&ReportSummary {
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
) -> ReportService<ConfiguredStore, ConfiguredNotifier> {
    let store = match &config.destination {
        ReportDestination::S3 { bucket, prefix } => {
            ConfiguredStore::S3(S3Store::new(sdk, bucket.clone(), prefix.clone()))
        }
        ReportDestination::Dir(dir) => ConfiguredStore::Dir(DirStore { dir: dir.clone() }),
    };
    let notifier = match &config.sns_topic_arn {
        Some(topic) => ConfiguredNotifier::Sns(SnsNotifier::new(sdk, topic.clone())),
        None => ConfiguredNotifier::None,
    };
    ReportService::new(store, notifier, config.metrics_namespace.clone())
}
