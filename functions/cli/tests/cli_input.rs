//! The real `dmsflow` binary on hostile input: help never shows a password
//! (defect 4), and bad option values are refused with the flag and the
//! allowed range named, never coerced (defect 11). No database is reached:
//! every case fails (or prints help) before connecting.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::process::{Command, Output};

const PASSWORD: &str = "Hunter2-unique-7f3a9c";

/// Run the binary with URLs holding [`PASSWORD`] in every env var it reads.
fn dmsflow(args: &[&str]) -> Output {
    let url = |db: &str| format!("postgres://app:{PASSWORD}@db.example.invalid:5432/{db}");
    Command::new(env!("CARGO_BIN_EXE_dmsflow"))
        .args(args)
        .env("DMSFLOW_SOURCE_URL", url("source"))
        .env("DMSFLOW_TARGET_URL", url("target"))
        .env("DB_CA_BUNDLE", format!("/tmp/{PASSWORD}.pem"))
        .env("NATIVE_PUBLICATION", format!("pub_{PASSWORD}"))
        .env("NATIVE_SUBSCRIPTION", format!("sub_{PASSWORD}"))
        .env("NATIVE_SOURCE_SSLROOTCERT", format!("/tmp/{PASSWORD}.crt"))
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every subcommand, and a check that the list is complete.
const SUBCOMMANDS: &[&[&str]] = &[
    &[],
    &["seed"],
    &["validate"],
    &["assess"],
    &["cutover"],
    &["replicate"],
    &["replicate", "start"],
    &["replicate", "poll"],
    &["replicate", "stop"],
    &["replicate", "sync-sequences"],
];

#[test]
fn help_of_every_subcommand_hides_env_values() {
    for path in SUBCOMMANDS {
        for flag in ["--help", "-h"] {
            let args: Vec<&str> = path.iter().copied().chain([flag]).collect();
            let out = dmsflow(&args);
            let shown = text(&out);
            assert!(out.status.success(), "{args:?}: {shown}");
            assert!(
                !shown.contains(PASSWORD),
                "{args:?} shows the password:\n{shown}"
            );
            if path
                .first()
                .is_some_and(|c| *c != "replicate" || path.len() == 2)
            {
                // The env var is still named (the help is the real one), its value is not.
                assert!(shown.contains("[env: DMSFLOW_"), "{args:?}: {shown}");
            }
        }
    }
    // A new subcommand must join the list above.
    let top = text(&dmsflow(&["--help"]));
    let listed: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(
        listed,
        ["seed", "replicate", "validate", "assess", "cutover"],
        "{top}"
    );
    let replicate = text(&dmsflow(&["replicate", "--help"]));
    for sub in ["start", "poll", "stop", "sync-sequences"] {
        assert!(replicate.contains(&format!("  {sub} ")), "{replicate}");
    }
}

/// A refused value: exit code 2, the message names the flag and `expect`,
/// and the password never shows.
fn refused(args: &[&str], expect: &[&str]) {
    let out = dmsflow(args);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {shown}");
    for e in expect {
        assert!(shown.contains(e), "{args:?}: expected {e:?} in:\n{shown}");
    }
    assert!(!shown.contains(PASSWORD), "{args:?}: {shown}");
}

#[test]
fn empty_table_names_are_refused() {
    for tables in [",,", ",", "orders,,customers", " "] {
        refused(
            &["validate", "--tables", tables],
            &["--tables", "empty table name"],
        );
    }
}

#[test]
fn validate_numbers_out_of_range_are_refused_with_the_range() {
    let cases: &[(&str, &str, &str)] = &[
        ("--workers", "0", "1..=16"),
        ("--workers", "1000", "1..=16"),
        ("--chunk-rows", "0", "1..=100000000"),
        ("--rechecks", "21", "0..=20"),
        ("--settle-seconds", "301", "0..=300"),
        ("--max-diffs", "1001", "0..=1000"),
        ("--connect-timeout", "0", "1..=900"),
        ("--connect-timeout", "901", "1..=900"),
        ("--workers", "-1", "--workers"),
        ("--workers", "two", "--workers"),
    ];
    for (flag, value, range) in cases {
        refused(&["validate", &format!("{flag}={value}")], &[flag, range]);
    }
}

#[test]
fn seed_and_replicate_numbers_out_of_range_are_refused() {
    refused(&["seed", "--scale", "0"], &["--scale", "1..=100000"]);
    refused(&["seed", "--scale", "100001"], &["--scale", "1..=100000"]);
    refused(&["seed", "--changes", "0"], &["--changes", "1..=1000000"]);
    refused(&["seed", "--connect-timeout", "0"], &["--connect-timeout"]);
    for (flag, value, range) in [
        ("--lag", "-1", "0..=86400"),
        ("--lag", "NaN", "0..=86400"),
        ("--lag", "86401", "0..=86400"),
        ("--interval", "0", "0.1..=60"),
        ("--interval", "61", "0.1..=60"),
        ("--interval", "soon", "not a number"),
    ] {
        refused(
            &["replicate", "poll", &format!("{flag}={value}")],
            &[flag, range],
        );
    }
    refused(
        &["replicate", "poll", "--connect-timeout", "0"],
        &["--connect-timeout", "1..=900"],
    );
}
