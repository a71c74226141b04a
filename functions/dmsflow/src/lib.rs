//! dmsflow: migrate PostgreSQL to PostgreSQL (AWS DMS or native logical
//! replication) and prove the target is identical.
//!
//! All logic lives here; each Lambda's `main.rs` and the `dmsflow` CLI are thin
//! shells over it. Ports (traits) sit at the edges: [`secrets::SecretStore`] for
//! credentials, the migration engine trait for DMS / logical replication.

pub mod assess;
pub mod aws;
pub mod clock;
pub mod config;
pub mod contract;
pub mod cutover;
pub mod db;
pub mod engine;
pub mod error;
pub mod events;
pub mod handlers;
pub mod lambda;
pub mod logging;
pub mod report;
pub mod sample;
pub mod scope;
pub mod secrets;
pub mod seed;
pub mod sequence_catalog;
pub mod sql;
pub mod sqltext;
pub mod validate;

pub use error::{ErrorType, HandlerError};
