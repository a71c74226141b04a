//! Premigration assessment: before a migration changes anything, check the
//! source and the target (and, on AWS, their RDS instances) for what would
//! make it fail or lose data, and say how to fix each finding.
//!
//! Check names follow AWS DMS's PostgreSQL premigration assessments (their
//! API keys, e.g. `postgres-check-wallevel`) where one matches; the others
//! have names of their own without that prefix. One file per group of checks:
//! [`settings`] (replication settings), [`tables`] (what the schemas hold),
//! [`activity`] (transactions, large objects, event triggers), [`target`]
//! (the target and both sizes), [`rds`] (the RDS instances behind a port,
//! [`rds_sdk`] its adapter). Every session is read-only
//! (`sql/assess/session.sql`) and runs no user-defined code.

pub mod activity;
pub mod markdown;
pub mod model;
pub mod rds;
pub mod rds_sdk;
pub mod settings;
pub mod tables;
pub mod target;

pub use model::{exit_code, AssessCheck, AssessReport, Side, Status, Verdict};

use crate::db::{is_connection_lost, ConnectSpec, DbError};
use crate::engine::EngineKind;
use crate::error::{Classify, ErrorType};
use crate::sql::{self, from_row, query, FromRow, Query, RowError};
use std::time::Duration;
use tokio_postgres::types::ToSql;

pub const SESSION: Query = query!("assess/session.sql");

/// What to assess and how far to look.
#[derive(Debug, Clone)]
pub struct AssessOptions {
    /// Schemas in scope; empty means every user schema of the source.
    pub schemas: Vec<String>,
    /// The engine the migration will use: some findings matter only to DMS.
    pub engine: EngineKind,
    /// A transaction open longer than this is reported (DMS: 10 minutes).
    pub long_transaction: Duration,
    /// json/jsonb columns are scanned for their largest value only in
    /// tables up to this size (a full scan) …
    pub lob_scan_max_table_bytes: i64,
    /// … and each scan is cut off after this long.
    pub lob_scan_timeout: Duration,
}

impl Default for AssessOptions {
    fn default() -> Self {
        AssessOptions {
            schemas: Vec::new(),
            engine: EngineKind::Dms,
            long_transaction: Duration::from_secs(600),
            lob_scan_max_table_bytes: 1 << 30,
            lob_scan_timeout: Duration::from_secs(5),
        }
    }
}

/// The assessment could not run (as opposed to a check that failed).
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("assessment query {query} failed on {endpoint}")]
    Query {
        query: &'static str,
        endpoint: String,
        #[source]
        source: tokio_postgres::Error,
    },
    /// A statement built for one table (`EXISTS`, the largest json value).
    #[error("{what} failed on {endpoint}")]
    TableQuery {
        what: String,
        endpoint: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    Row(#[from] RowError),
    #[error(transparent)]
    Rds(#[from] rds::RdsError),
    #[error(transparent)]
    Scope(#[from] crate::scope::ScopeError),
}

impl Classify for AssessError {
    fn error_type(&self) -> ErrorType {
        match self {
            AssessError::Db(e) => e.error_type(),
            AssessError::Query { source, .. } | AssessError::TableQuery { source, .. }
                if is_connection_lost(source) =>
            {
                ErrorType::DatabaseUnavailable
            }
            AssessError::Query { .. } | AssessError::TableQuery { .. } | AssessError::Row(_) => {
                ErrorType::DatabaseError
            }
            AssessError::Rds(e) => e.error_type(),
            AssessError::Scope(e) => e.error_type(),
        }
    }
}

/// One read-only assessment session.
#[derive(Debug)]
pub struct Session {
    pub client: tokio_postgres::Client,
    pub endpoint: String,
}

impl Session {
    pub async fn open(spec: &ConnectSpec) -> Result<Session, AssessError> {
        let client = spec.connect("dmsflow-assess").await?;
        let endpoint = spec.endpoint();
        client
            .batch_execute(SESSION.text)
            .await
            .map_err(|source| AssessError::Query {
                query: SESSION.name,
                endpoint: endpoint.clone(),
                source,
            })?;
        Ok(Session { client, endpoint })
    }

    pub fn query_error(&self, query: &Query) -> impl FnOnce(tokio_postgres::Error) -> AssessError {
        let (query, endpoint) = (query.name, self.endpoint.clone());
        move |source| AssessError::Query {
            query,
            endpoint,
            source,
        }
    }

    pub fn table_error(&self, what: String) -> impl FnOnce(tokio_postgres::Error) -> AssessError {
        let endpoint = self.endpoint.clone();
        move |source| AssessError::TableQuery {
            what,
            endpoint,
            source,
        }
    }

    /// Every row of `query`, typed.
    pub async fn rows<T: FromRow>(
        &self,
        query: &Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<T>, AssessError> {
        let rows = self
            .client
            .query(query.text, params)
            .await
            .map_err(self.query_error(query))?;
        Ok(sql::rows(&rows, query)?)
    }

    /// The one row of `query`, typed.
    pub async fn one<T: FromRow>(
        &self,
        query: &Query,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<T, AssessError> {
        let row = self
            .client
            .query_one(query.text, params)
            .await
            .map_err(self.query_error(query))?;
        Ok(T::from_row(&row, query.name)?)
    }
}

/// `schema_name` of one-column schema lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRow {
    pub schema: String,
}

from_row! { SchemaRow { schema = "schema_name" } }

/// Assess a source and a target database (no AWS calls).
pub async fn assess(
    source: &ConnectSpec,
    target: &ConnectSpec,
    options: &AssessOptions,
) -> Result<AssessReport, AssessError> {
    assess_databases(source, target, options)
        .await
        .map(|(report, _)| report)
}

/// Assess the databases, then their RDS instances through `port`.
pub async fn assess_with_rds<P: rds::RdsPort>(
    source: &ConnectSpec,
    target: &ConnectSpec,
    port: &P,
    instances: &rds::RdsInstances,
    options: &AssessOptions,
) -> Result<AssessReport, AssessError> {
    let (report, sizes) = assess_databases(source, target, options).await?;
    let mut checks = report.checks;
    checks.extend(rds::checks(port, instances, &sizes).await?);
    Ok(AssessReport::new(
        report.source,
        report.target,
        report.schemas,
        checks,
    ))
}

async fn assess_databases(
    source: &ConnectSpec,
    target: &ConnectSpec,
    options: &AssessOptions,
) -> Result<(AssessReport, target::Sizes), AssessError> {
    let src = Session::open(source).await?;
    let tgt = Session::open(target).await?;
    let scope = crate::scope::Scope {
        schemas: options.schemas.clone(),
        exclude: Vec::new(),
    };
    let schemas = crate::scope::resolve(&src.client, source, &scope).await?;
    let mut checks = settings::checks(&src, &tgt).await?;
    checks.extend(tables::checks(&src, &schemas, options).await?);
    checks.extend(activity::checks(&src, options).await?);
    let (target_checks, sizes) = target::checks(&src, &tgt, &schemas).await?;
    checks.extend(target_checks);
    let report = AssessReport::new(src.endpoint, tgt.endpoint, schemas, checks);
    Ok((report, sizes))
}
