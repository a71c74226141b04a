//! One connection of the cut-over: bounded like every engine session
//! (connect, statements, locks), always able to write (the read-only fence
//! changes the database's default, not ours), errors naming the step.

use super::CutoverError;
use crate::db::ConnectSpec;
use crate::engine::native::{connect_bounded, Limits};
use crate::query;
use crate::sql::{rows, FromRow, Query};
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

const SESSION: Query = query!("cutover/session.sql");

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

#[derive(Debug)]
pub struct Db<'a> {
    pub client: Client,
    pub spec: &'a ConnectSpec,
}

impl<'a> Db<'a> {
    pub async fn open(spec: &'a ConnectSpec) -> Result<Db<'a>, CutoverError> {
        let client = connect_bounded(spec, "dmsflow-cutover", Limits::default()).await?;
        client
            .query(SESSION.text(), &[])
            .await
            .map_err(spec.query_error("making the cut-over's session writable"))?;
        Ok(Db { client, spec })
    }

    pub async fn rows<T: FromRow>(
        &self,
        q: &Query,
        params: Params<'_>,
        context: &str,
    ) -> Result<Vec<T>, CutoverError> {
        let found = self
            .client
            .query(q.text(), params)
            .await
            .map_err(self.spec.query_error(context.to_owned()))?;
        Ok(rows(&found, q)?)
    }

    /// The single row of `q`.
    pub async fn one<T: FromRow>(
        &self,
        q: &Query,
        params: Params<'_>,
        context: &str,
    ) -> Result<T, CutoverError> {
        self.rows(q, params, context)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CutoverError::NoRow {
                query: q.name,
                endpoint: self.spec.endpoint(),
            })
    }

    /// A statement built from quoted names and literals (DDL takes no parameters).
    pub async fn ddl(&self, sql: &str, context: &str) -> Result<(), CutoverError> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(self.spec.query_error(context.to_owned()))?;
        Ok(())
    }
}

/// `FromRow` for a one-field row struct read from one named column.
macro_rules! single_column {
    ($ty:ident, $column:literal) => {
        impl crate::sql::FromRow for $ty {
            fn from_row(
                row: &tokio_postgres::Row,
                q: &'static str,
            ) -> Result<Self, crate::sql::RowError> {
                Ok($ty(crate::sql::get(row, q, $column)?))
            }
        }
    };
}
pub(crate) use single_column;
