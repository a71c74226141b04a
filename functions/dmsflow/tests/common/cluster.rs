//! A PostgreSQL cluster of a test's own (scripts/pg-local.sh, same CA and
//! password as the shared ones), for faults that would disturb other tests:
//! stopping or restarting it. Stopped and removed when dropped. Every
//! `pg_ctl` call waits at most [`PG_CTL_SECONDS`].
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::{env_or_panic, local_password};
use dmsflow::db::ConnectSpec;
use std::process::Command;
use std::time::Duration;

/// Bound of every `pg_ctl` wait (`-t`).
pub const PG_CTL_SECONDS: &str = "60";

fn pg_local(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/pg-local.sh");
    let status = Command::new("bash")
        .arg(script)
        .args(args)
        .env("PG_LOCAL_DIR", env_or_panic("DMSFLOW_PG_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "pg-local.sh {args:?}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `pg_ctl` as pg-local.sh finds it: on PATH, else the Debian location.
fn find_pg_ctl() -> std::path::PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("pg_ctl"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pg_ctl"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(debian)
        .find(|p| p.is_file())
        .expect("pg_ctl on PATH or under /usr/lib/postgresql")
}

pub struct PrivateCluster {
    pub name: String,
    /// Superuser, database `dmsflow`.
    pub spec: ConnectSpec,
}

impl PrivateCluster {
    pub fn start(prefix: &str, logical: bool) -> PrivateCluster {
        let port = free_port();
        let name = format!("{prefix}{port}");
        let port_text = port.to_string();
        let mut args = vec!["start", name.as_str(), port_text.as_str()];
        if logical {
            args.push("logical");
        }
        pg_local(&args);
        let spec = ConnectSpec::from_url(
            &format!(
                "postgres://postgres:{}@127.0.0.1:{port}/dmsflow",
                local_password()
            ),
            None,
            Duration::from_secs(5),
        )
        .unwrap();
        PrivateCluster { name, spec }
    }

    /// `pg_ctl ACTION` on this cluster as the server's user (`-w -t 60`).
    fn pg_ctl(&self, action: &[&str]) {
        let data = format!("{}/{}", env_or_panic("DMSFLOW_PG_DIR"), self.name);
        let log = format!("{data}/server.log");
        let mut args = vec!["-D", &data, "-l", &log, "-w", "-t", PG_CTL_SECONDS];
        args.extend_from_slice(action);
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0\n"))
            .unwrap_or(false);
        let status = if is_root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(find_pg_ctl())
                .args(&args)
                .status()
        } else {
            Command::new(find_pg_ctl()).args(&args).status()
        }
        .unwrap();
        assert!(status.success(), "pg_ctl {action:?} {}", self.name);
    }

    /// `pg_ctl stop -m fast`: sessions and walsenders are terminated.
    pub fn stop_fast(&self) {
        self.pg_ctl(&["-m", "fast", "stop"]);
    }

    pub fn start_again(&self) {
        self.pg_ctl(&["start"]);
    }

    /// `pg_ctl restart -m fast`.
    pub fn restart_fast(&self) {
        self.pg_ctl(&["-m", "fast", "restart"]);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        pg_local(&["stop", &self.name]);
    }
}
