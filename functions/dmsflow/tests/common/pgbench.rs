//! PostgreSQL's own benchmark client, for the tests that load a source with it.
#![allow(dead_code)]

use super::env_or_panic;
use std::path::PathBuf;

/// `$PGBENCH`, else the newest PostgreSQL bin directory's, else the one on PATH.
pub fn pgbench() -> PathBuf {
    if let Ok(p) = std::env::var("PGBENCH") {
        return PathBuf::from(p);
    }
    pg_tool("pgbench")
}

/// A PostgreSQL client program (`pg_recvlogical`, …): the newest PostgreSQL
/// bin directory's, else the one on PATH.
pub fn pg_tool(name: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| PathBuf::from(name))
}

/// The cluster URL of `var` with another database (the URL holds the
/// password; it is handed to pgbench as its connection string, never printed).
pub fn url_for(var: &str, db: &str) -> String {
    let url = env_or_panic(var);
    let (base, _) = url.rsplit_once('/').expect("URL with a database");
    format!("{base}/{db}")
}
