//! Data comparison: chunked checksums on both sides at once, re-checks for rows
//! in flight, and row-level localisation of what still differs.

pub mod fetch;
pub mod merge;
pub mod plan;
pub mod ranges;
pub mod render;

pub use plan::{ChunkSums, Chunking, KeyColumn, TablePlan};
pub use ranges::{block_ranges, key_ranges};

use crate::db::ConnectSpec;

/// One connection of one side, with what its errors name.
#[derive(Debug, Clone, Copy)]
pub struct Conn<'a> {
    pub client: &'a tokio_postgres::Client,
    pub spec: &'a ConnectSpec,
}
