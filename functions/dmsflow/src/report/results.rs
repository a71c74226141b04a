//! Validation objects in S3 (`contract::map`): `validate-tables` writes the
//! work items, the full plan and each item's full result; `report` reads them
//! back through the Distributed Map's ResultWriter manifest, and checks it
//! has exactly one result per work item (a missing one is an error, never a
//! silent identical).

use crate::aws::{classify, AwsErrorKind};
use crate::contract::map::{
    ChildExecution, ItemSummary, MapRunOutput, PlanSummary, ResultManifest, S3Object, S3Prefix,
    ValidationPlan, ValidationResults,
};
use crate::contract::report::ValidationSection;
use crate::contract::validate::{PlanResult, TablesResult};
use crate::error::{Classify, ErrorType};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeSet;

/// Objects read at once (a run may have thousands of items).
const PARALLEL_READS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("S3 {operation} {location}")]
    S3 {
        operation: &'static str,
        location: String,
        transient: bool,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{location} is not the expected JSON document")]
    Decode {
        location: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the Distributed Map returned no result for work item {item} ({table}) of {items}: the validation is incomplete")]
    MissingResult {
        item: u32,
        table: String,
        items: usize,
    },
    #[error("work item {item} has more than one result in the Distributed Map's output")]
    DuplicateResult { item: u32 },
    #[error("the Distributed Map's output names work item {item}, but the plan has {items}")]
    UnknownItem { item: u32, items: usize },
    #[error(
        "{count} child executions of the Distributed Map did not succeed (manifest {manifest})"
    )]
    ChildrenFailed { count: usize, manifest: String },
    #[error("child execution {execution} of the Distributed Map has no output")]
    NoOutput { execution: String },
}

impl Classify for ResultsError {
    fn error_type(&self) -> ErrorType {
        match self {
            ResultsError::S3 {
                transient: true, ..
            } => ErrorType::AwsTransient,
            ResultsError::S3 { .. } => ErrorType::AwsError,
            _ => ErrorType::ReportError,
        }
    }
}

/// An S3 bucket through the real SDK (path-style with an endpoint override,
/// as `S3Store` does for moto).
#[derive(Debug, Clone)]
pub struct ObjectStore {
    client: aws_sdk_s3::Client,
}

impl ObjectStore {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        ObjectStore {
            client: aws_sdk_s3::Client::from_conf(s3_config),
        }
    }

    pub async fn put_json<T: Serialize>(
        &self,
        at: &S3Object,
        value: &T,
    ) -> Result<(), ResultsError> {
        let body = serde_json::to_vec(value).map_err(|source| ResultsError::Decode {
            location: at.url(),
            source,
        })?;
        self.client
            .put_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .content_type("application/json")
            .body(body.into())
            .send()
            .await
            .map_err(|e| s3_error("PutObject", at, &e, e.to_string()))?;
        Ok(())
    }

    pub async fn get_json<T: DeserializeOwned>(&self, at: &S3Object) -> Result<T, ResultsError> {
        let out = self
            .client
            .get_object()
            .bucket(&at.bucket)
            .key(&at.key)
            .send()
            .await
            .map_err(|e| s3_error("GetObject", at, &e, e.to_string()))?;
        let bytes = out.body.collect().await.map_err(|e| ResultsError::S3 {
            operation: "GetObject (body)",
            location: at.url(),
            transient: true,
            source: Box::new(e),
        })?;
        serde_json::from_slice(&bytes.into_bytes()).map_err(|source| ResultsError::Decode {
            location: at.url(),
            source,
        })
    }
}

fn s3_error<E: aws_smithy_types::error::metadata::ProvideErrorMetadata>(
    operation: &'static str,
    at: &S3Object,
    err: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
    text: String,
) -> ResultsError {
    let detail = err
        .as_service_error()
        .and_then(|e| e.message().map(str::to_owned))
        .unwrap_or(text);
    ResultsError::S3 {
        operation,
        location: at.url(),
        transient: classify(err) == AwsErrorKind::Transient,
        source: detail.into(),
    }
}

/// One run's objects: `<prefix><run>/…` (keys: `contract::map`).
#[derive(Debug, Clone)]
pub struct RunObjects<'a> {
    store: &'a ObjectStore,
    bucket: String,
    /// `<prefix><run>/`
    base: String,
    run: String,
}

impl<'a> RunObjects<'a> {
    pub fn new(store: &'a ObjectStore, at: &S3Prefix, run: &str) -> Self {
        RunObjects {
            store,
            bucket: at.bucket.clone(),
            base: format!("{}{run}/", at.prefix),
            run: run.to_owned(),
        }
    }

    fn object(&self, name: &str) -> S3Object {
        S3Object {
            bucket: self.bucket.clone(),
            key: format!("{}{name}", self.base),
        }
    }

    /// Write the full plan and its work items; the summary the state holds.
    pub async fn put_plan(
        &self,
        plan: &PlanResult,
        max_rows_per_item: u64,
    ) -> Result<PlanSummary, ResultsError> {
        let (plan_at, items_at) = (self.object("plan.json"), self.object("items.json"));
        self.store.put_json(&items_at, &plan.work).await?;
        self.store.put_json(&plan_at, plan).await?;
        let tables: BTreeSet<&str> = plan.work.iter().map(|w| w.table.as_str()).collect();
        Ok(PlanSummary {
            run: self.run.clone(),
            status: plan.status,
            schemas: plan.schemas.clone(),
            checks: plan
                .checks
                .iter()
                .map(|(name, c)| (name.to_owned(), c.status))
                .collect(),
            tables: tables.len() as u64,
            work_items: plan.work.len() as u64,
            max_rows_per_item,
            source_rows_estimate: plan.source_rows_estimate,
            seconds: plan.seconds,
            plan: plan_at,
            items: items_at,
            results: S3Prefix {
                bucket: self.bucket.clone(),
                prefix: format!("{}results/", self.base),
            },
            map: S3Prefix {
                bucket: self.bucket.clone(),
                prefix: format!("{}map", self.base),
            },
        })
    }

    /// Write one item's full result; the summary its child execution returns.
    pub async fn put_result(
        &self,
        item: u32,
        table: &str,
        chunk: Option<u32>,
        result: &TablesResult,
    ) -> Result<ItemSummary, ResultsError> {
        let at = self.object(&format!("results/{item}.json"));
        self.store.put_json(&at, result).await?;
        Ok(ItemSummary {
            item,
            table: table.to_owned(),
            chunk,
            status: result.status,
            rows_compared: result.rows_compared,
            differences: result.tables.iter().map(|t| t.differences.count).sum(),
            unverified_rows: result.unverified_rows,
            seconds: result.seconds,
            result: at,
        })
    }
}

/// The report event's validation with everything stored in S3 read back:
/// the full plan, and one full result per work item.
pub async fn resolve(
    store: &ObjectStore,
    section: ValidationSection,
) -> Result<ValidationSection, ResultsError> {
    let (plan, summary) = match section.plan {
        Some(ValidationPlan::Stored(summary)) => {
            let plan: PlanResult = store.get_json(&summary.plan).await?;
            (Some(plan), Some(summary))
        }
        Some(ValidationPlan::Inline(plan)) => (Some(plan), None),
        None => (None, None),
    };
    let results = match section.results {
        ValidationResults::Map(output) => {
            let work = plan.as_ref().map(|p| p.work.as_slice()).unwrap_or_default();
            read_map_results(store, &output, work, summary.as_deref()).await?
        }
        ValidationResults::Inline(results) => results,
    };
    Ok(ValidationSection {
        plan: plan.map(ValidationPlan::Inline),
        results: ValidationResults::Inline(results),
    })
}

/// Every item's full result, in work-item order, through the manifest.
async fn read_map_results(
    store: &ObjectStore,
    output: &MapRunOutput,
    work: &[crate::contract::validate::WorkItem],
    summary: Option<&PlanSummary>,
) -> Result<Vec<TablesResult>, ResultsError> {
    let manifest_at = S3Object {
        bucket: output.result_writer_details.bucket.clone(),
        key: output.result_writer_details.key.clone(),
    };
    let manifest: ResultManifest = store.get_json(&manifest_at).await?;
    let files = &manifest.result_files;
    let not_ok = files.failed.len() + files.pending.len();
    let mut children = Vec::new();
    for file in files
        .succeeded
        .iter()
        .chain(&files.failed)
        .chain(&files.pending)
    {
        let at = S3Object {
            bucket: manifest.destination_bucket.clone(),
            key: file.key.clone(),
        };
        let entries: Vec<ChildExecution> = store.get_json(&at).await?;
        children.extend(entries);
    }
    let failed = children.iter().filter(|c| c.status != "SUCCEEDED").count();
    if failed > 0 || (not_ok > 0 && children.is_empty()) {
        return Err(ResultsError::ChildrenFailed {
            count: failed.max(not_ok),
            manifest: manifest_at.url(),
        });
    }
    let items = summary.map_or(work.len(), |s| s.work_items as usize);
    let mut slots: Vec<Option<S3Object>> = vec![None; items];
    for child in &children {
        let execution = child.execution_arn.clone().unwrap_or_default();
        let text = child.output.as_deref().ok_or(ResultsError::NoOutput {
            execution: execution.clone(),
        })?;
        let item: ItemSummary =
            serde_json::from_str(text).map_err(|source| ResultsError::Decode {
                location: format!("output of child execution {execution}"),
                source,
            })?;
        let slot = slots
            .get_mut(item.item as usize)
            .ok_or(ResultsError::UnknownItem {
                item: item.item,
                items,
            })?;
        if slot.replace(item.result).is_some() {
            return Err(ResultsError::DuplicateResult { item: item.item });
        }
    }
    let mut locations = Vec::with_capacity(items);
    for (i, slot) in slots.into_iter().enumerate() {
        let item = u32::try_from(i).unwrap_or(u32::MAX);
        locations.push(slot.ok_or_else(|| ResultsError::MissingResult {
            item,
            table: work.get(i).map_or_else(|| "?".into(), |w| w.table.clone()),
            items,
        })?);
    }
    stream::iter(locations)
        .map(|at| async move { store.get_json::<TablesResult>(&at).await })
        .buffered(PARALLEL_READS)
        .try_collect()
        .await
}
