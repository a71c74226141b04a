//! `make contract`: regenerate the files that come from the contract module —
//! `contract/dmsflow.contract.json`, the README's configuration table and the
//! shapes section of docs/contracts.md. `--check` only reports stale files
//! (exit 1), without writing.

use dmsflow::contract::files;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let root = files::repo_root();
    let result = if check {
        files::stale(&root)
    } else {
        files::regenerate(&root)
    };
    match result {
        Ok(paths) if check && !paths.is_empty() => {
            for p in &paths {
                eprintln!("stale: {} (run `make contract`)", p.display());
            }
            ExitCode::FAILURE
        }
        Ok(paths) => {
            for p in &paths {
                println!("{} {}", if check { "stale" } else { "wrote" }, p.display());
            }
            if paths.is_empty() {
                println!("contract files up to date");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("contract: {}", dmsflow::error::error_chain(&e));
            ExitCode::from(2)
        }
    }
}
