//! Every environment variable the five functions read, declared once: name,
//! the functions reading it, which of them need it set, the typed default,
//! the allowed values and what it means.
//!
//! The Lambda readers (`*Config::from_env`), the CLI's defaults and ranges,
//! `ValidateOptions::default()`, the README table and Terraform's Lambda
//! environment (through `contract/dmsflow.contract.json`) all come from here.

use serde::Serialize;
use std::fmt::Write as _;

/// A Lambda function (and its binary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Function {
    SeedSource,
    StartTask,
    PollTask,
    ValidateTables,
    Report,
}

impl Function {
    pub const ALL: &'static [Function] = &[
        Function::SeedSource,
        Function::StartTask,
        Function::PollTask,
        Function::ValidateTables,
        Function::Report,
    ];

    /// The Lambda / binary name.
    pub fn name(self) -> &'static str {
        match self {
            Function::SeedSource => "seed-source",
            Function::StartTask => "start-task",
            Function::PollTask => "poll-task",
            Function::ValidateTables => "validate-tables",
            Function::Report => "report",
        }
    }
}

/// A whole number in `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Integer {
    pub default: u64,
    pub min: u64,
    pub max: u64,
}

/// A number (seconds) in `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub default: f64,
    pub min: f64,
    pub max: f64,
}

/// Free text (an ARN, a host, a path…); `None` when there is no literal default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub default: Option<&'static str>,
}

/// One of a closed set of words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub default: &'static str,
    pub allowed: &'static [&'static str],
}

/// A comma-separated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct List {
    pub default: &'static [&'static str],
}

/// A variable whose value has type `V` ([`Integer`], [`Number`], [`Text`],
/// [`Choice`], [`List`]): the typed constant the readers use.
#[derive(Debug, Clone, Copy)]
pub struct Var<V: 'static> {
    pub name: &'static str,
    pub functions: &'static [Function],
    /// The functions that need it set (Terraform must set it for them). The
    /// others may leave it unset: it has a default, is optional, or is needed
    /// only under a condition the description states.
    pub required_by: &'static [Function],
    /// A default computed at run time, in words (`secret's host`); else the
    /// typed default is shown.
    pub computed_default: Option<&'static str>,
    pub description: &'static str,
    pub value: V,
}

/// The type of a variable's value, for the contract and the README.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Integer(Integer),
    Number(Number),
    Text(Text),
    Choice(Choice),
    List(List),
}

/// One variable, whatever its type (the list [`ENV_VARS`] holds these).
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    pub name: &'static str,
    pub functions: &'static [Function],
    pub required_by: &'static [Function],
    pub computed_default: Option<&'static str>,
    pub description: &'static str,
    pub value: Value,
}

macro_rules! entry {
    ($ty:ident) => {
        impl Var<$ty> {
            /// The untyped entry of [`ENV_VARS`].
            pub const fn entry(&self) -> EnvVar {
                EnvVar {
                    name: self.name,
                    functions: self.functions,
                    required_by: self.required_by,
                    computed_default: self.computed_default,
                    description: self.description,
                    value: Value::$ty(self.value),
                }
            }
        }
    };
}
entry!(Integer);
entry!(Number);
entry!(Text);
entry!(Choice);
entry!(List);

impl Var<Text> {
    /// The literal default, or `""` when there is none (for CLI defaults).
    pub const fn default_str(&self) -> &'static str {
        match self.value.default {
            Some(d) => d,
            None => "",
        }
    }
}

impl Var<Integer> {
    /// The default as the reader's type (every bound fits a `u32`).
    pub const fn default_u32(&self) -> u32 {
        self.value.default as u32
    }
}

use Function::{PollTask, Report, SeedSource, StartTask, ValidateTables};

const DB_FUNCTIONS: &[Function] = &[SeedSource, StartTask, PollTask, ValidateTables];
const ENGINE_FUNCTIONS: &[Function] = &[StartTask, PollTask];
const NONE: &[Function] = &[];

const fn text(
    name: &'static str,
    functions: &'static [Function],
    required_by: &'static [Function],
    computed_default: Option<&'static str>,
    description: &'static str,
) -> Var<Text> {
    Var {
        name,
        functions,
        required_by,
        computed_default,
        description,
        value: Text { default: None },
    }
}

pub const SOURCE_SECRET_ARN: Var<Text> = text("SOURCE_SECRET_ARN", DB_FUNCTIONS, &[SeedSource, ValidateTables], None,
    "Secrets Manager secret (ARN or name) with the source credentials: RDS-style JSON {username,password[,host,port,dbname]}. start-task/poll-task need it for the native engine and for sync-sequences.");
pub const SOURCE_DB_HOST: Var<Text> = text(
    "SOURCE_DB_HOST",
    DB_FUNCTIONS,
    NONE,
    Some("secret's host"),
    "Source host; overrides the secret's (RDS-managed secrets hold only username and password).",
);
pub const SOURCE_DB_PORT: Var<Integer> = Var {
    name: "SOURCE_DB_PORT",
    functions: DB_FUNCTIONS,
    required_by: NONE,
    computed_default: Some("secret's port, else 5432"),
    description: "Source port.",
    value: Integer {
        default: 5432,
        min: 1,
        max: 65535,
    },
};
pub const SOURCE_DB_NAME: Var<Text> = text(
    "SOURCE_DB_NAME",
    DB_FUNCTIONS,
    NONE,
    Some("secret's dbname, else postgres"),
    "Source database name.",
);
pub const TARGET_SECRET_ARN: Var<Text> = text("TARGET_SECRET_ARN", DB_FUNCTIONS, &[StartTask, PollTask, ValidateTables], None,
    "Secrets Manager secret with the target credentials (same shape). seed-source needs it only for mode `schema` on the target.");
pub const TARGET_DB_HOST: Var<Text> = text(
    "TARGET_DB_HOST",
    DB_FUNCTIONS,
    NONE,
    Some("secret's host"),
    "Target host; overrides the secret's.",
);
pub const TARGET_DB_PORT: Var<Integer> = Var {
    name: "TARGET_DB_PORT",
    functions: DB_FUNCTIONS,
    required_by: NONE,
    computed_default: Some("secret's port, else 5432"),
    description: "Target port.",
    value: Integer {
        default: 5432,
        min: 1,
        max: 65535,
    },
};
pub const TARGET_DB_NAME: Var<Text> = text(
    "TARGET_DB_NAME",
    DB_FUNCTIONS,
    NONE,
    Some("secret's dbname, else postgres"),
    "Target database name.",
);
pub const DB_SCHEMA: Var<Text> = Var {
    name: "DB_SCHEMA",
    functions: DB_FUNCTIONS,
    required_by: NONE,
    computed_default: None,
    description: "Schemas replicated and validated, comma-separated (empty: every user schema of the source). Seeding writes the sample into the first (default `shop`).",
    value: Text { default: None },
};
pub const DB_SSLMODE: Var<Choice> = Var { name: "DB_SSLMODE", functions: DB_FUNCTIONS, required_by: NONE, computed_default: None,
    description: "`verify-full` (TLS, certificate and host name verified) or `disable` (plain TCP, refused unless the host is loopback).",
    value: Choice { default: "verify-full", allowed: &["verify-full", "disable"] } };
pub const DB_CA_BUNDLE: Var<Text> = text(
    "DB_CA_BUNDLE",
    DB_FUNCTIONS,
    NONE,
    Some("built-in Amazon RDS CA bundle"),
    "PEM file of the certificate authorities trusted for database TLS.",
);
pub const DB_CONNECT_TIMEOUT_SECONDS: Var<Integer> = Var {
    name: "DB_CONNECT_TIMEOUT_SECONDS",
    functions: DB_FUNCTIONS,
    required_by: NONE,
    computed_default: None,
    description: "Connection timeout per database connection.",
    value: Integer {
        default: 10,
        min: 1,
        max: 900,
    },
};
pub const MIGRATION_ENGINE: Var<Choice> = Var {
    name: "MIGRATION_ENGINE",
    functions: ENGINE_FUNCTIONS,
    required_by: NONE,
    computed_default: None,
    description: "`dms` (AWS DMS replication task) or `native` (PostgreSQL logical replication).",
    value: Choice {
        default: "dms",
        allowed: &["dms", "native"],
    },
};
pub const DMS_TASK_ARN: Var<Text> = text(
    "DMS_TASK_ARN",
    ENGINE_FUNCTIONS,
    NONE,
    None,
    "ARN of the DMS replication task (required when MIGRATION_ENGINE=dms).",
);
pub const DMS_SOURCE_SLOT: Var<Text> = text(
    "DMS_SOURCE_SLOT",
    ENGINE_FUNCTIONS,
    NONE,
    None,
    "The replication slot the DMS task streams from on the source (DMS names it itself). Unset: the one logical slot of the source database. With a slot, poll-task reports the lag in bytes and times the lag at the slot, and `in-sync` needs both under their thresholds as well as CloudWatch's CDC latency; with no slot or several, lag rests on CloudWatch alone. The cut-over drains to this slot and, when this variable names it, drops it after the task stopped. Needs SOURCE_SECRET_ARN.",
);
pub const NATIVE_PUBLICATION: Var<Text> = Var {
    name: "NATIVE_PUBLICATION",
    functions: ENGINE_FUNCTIONS,
    required_by: NONE,
    computed_default: None,
    description: "Publication name on the source (native engine).",
    value: Text {
        default: Some("dmsflow_pub"),
    },
};
pub const NATIVE_SUBSCRIPTION: Var<Text> = Var {
    name: "NATIVE_SUBSCRIPTION",
    functions: ENGINE_FUNCTIONS,
    required_by: NONE,
    computed_default: None,
    description: "Subscription (and replication slot) name on the target (native engine).",
    value: Text {
        default: Some("dmsflow_sub"),
    },
};
pub const NATIVE_SOURCE_SSLMODE: Var<Choice> = Var { name: "NATIVE_SOURCE_SSLMODE", functions: ENGINE_FUNCTIONS,
    required_by: NONE, computed_default: None,
    description: "libpq sslmode the target server uses to reach the source (native engine; the subscription's CONNECTION). `verify-full` needs NATIVE_SOURCE_SSLROOTCERT; on RDS the server cannot read a CA file, so `require`.",
    value: Choice { default: "require", allowed: &["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] } };
pub const NATIVE_SOURCE_SSLROOTCERT: Var<Text> = text("NATIVE_SOURCE_SSLROOTCERT", ENGINE_FUNCTIONS, NONE, None,
    "CA file on the target server's filesystem for the subscription's connection (optional; for sslmode verify-ca/verify-full).");
pub const SOURCE_DB_INSTANCE_ID: Var<Text> = text("SOURCE_DB_INSTANCE_ID", &[StartTask], NONE, None,
    "RDS DB instance identifier of the source (optional). With TARGET_DB_INSTANCE_ID (both or neither), `assess` adds the RDS checks: instances available, versions, storage, backups, parameter groups.");
pub const TARGET_DB_INSTANCE_ID: Var<Text> = text(
    "TARGET_DB_INSTANCE_ID",
    &[StartTask],
    NONE,
    None,
    "RDS DB instance identifier of the target (optional; see SOURCE_DB_INSTANCE_ID).",
);
pub const IN_SYNC_LAG_SECONDS: Var<Number> = Var {
    name: "IN_SYNC_LAG_SECONDS",
    functions: &[StartTask, PollTask],
    required_by: NONE,
    computed_default: None,
    description: "CDC lag under which poll-task reports `in-sync` (the event may override), and the cut-over's precondition (start-task) counts as in sync.",
    value: Number {
        default: 5.0,
        min: 0.0,
        max: 86_400.0,
    },
};
pub const CUTOVER_DRAIN_TIMEOUT_SECONDS: Var<Integer> = Var {
    name: "CUTOVER_DRAIN_TIMEOUT_SECONDS",
    functions: &[StartTask],
    required_by: NONE,
    computed_default: None,
    description: "Cut-over: how long the drain waits for the target to confirm the source WAL position noted after the fence (the cut-over aborts after that).",
    value: Integer {
        default: 300,
        min: 1,
        max: 86_400,
    },
};
pub const CUTOVER_QUIET_SECONDS: Var<Integer> = Var {
    name: "CUTOVER_QUIET_SECONDS",
    functions: &[StartTask],
    required_by: NONE,
    computed_default: None,
    description: "Cut-over with fence `none`: seconds without a row change in the selected schemas' tables before the drain (PostgreSQL reports an idle session's changes up to 10 s late).",
    value: Integer {
        default: 15,
        min: 1,
        max: 3_600,
    },
};
pub const IN_SYNC_LAG_BYTES: Var<Integer> = Var {
    name: "IN_SYNC_LAG_BYTES",
    functions: &[StartTask, PollTask],
    required_by: NONE,
    computed_default: None,
    description: "WAL bytes the target may not have confirmed for poll-task to report `in-sync` (with IN_SYNC_LAG_SECONDS; native engine and DMS with a readable source slot).",
    value: Integer {
        default: 1_048_576,
        min: 0,
        max: 1_099_511_627_776,
    },
};
pub const VALIDATE_WORKERS: Var<Integer> = Var {
    name: "VALIDATE_WORKERS",
    functions: &[StartTask, ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Parallel connections per side for checksums.",
    value: Integer {
        default: 2,
        min: 1,
        max: 16,
    },
};
pub const VALIDATE_CHUNK_ROWS: Var<Integer> = Var {
    name: "VALIDATE_CHUNK_ROWS",
    functions: &[StartTask, ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Approximate rows per checksum chunk.",
    value: Integer {
        default: 25_000,
        min: 1,
        max: 100_000_000,
    },
};
pub const VALIDATE_RECHECKS: Var<Integer> = Var {
    name: "VALIDATE_RECHECKS",
    functions: &[ValidateTables],
    required_by: NONE,
    computed_default: None,
    description:
        "Times a mismatched chunk is re-checked before it counts as different (CDC in flight).",
    value: Integer {
        default: 3,
        min: 0,
        max: 20,
    },
};
pub const VALIDATE_SETTLE_SECONDS: Var<Integer> = Var {
    name: "VALIDATE_SETTLE_SECONDS",
    functions: &[ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Delay before each re-check of a mismatched chunk.",
    value: Integer {
        default: 5,
        min: 0,
        max: 300,
    },
};
pub const VALIDATE_POSITION_WAIT_SECONDS: Var<Integer> = Var {
    name: "VALIDATE_POSITION_WAIT_SECONDS",
    functions: &[ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Longest wait, per re-check, for the target to apply the source WAL position of a re-read (the replication slot's confirmed_flush_lsn); a difference the target has not caught up to in this time is final.",
    value: Integer {
        default: 30,
        min: 0,
        max: 600,
    },
};
pub const VALIDATE_REPLICATION_SLOT: Var<Text> = text(
    "VALIDATE_REPLICATION_SLOT",
    &[ValidateTables],
    NONE,
    None,
    "The migration's replication slot on the source, whose position re-checks wait for. Unset: the one logical slot of the source database (the one a target subscription names, if any); with several, none is guessed and re-checks fall back to VALIDATE_SETTLE_SECONDS.",
);
pub const VALIDATE_MAX_DIFFS: Var<Integer> = Var { name: "VALIDATE_MAX_DIFFS", functions: &[StartTask, ValidateTables], required_by: NONE,
    computed_default: None,
    description: "Most differing rows reported in detail per table (all are counted); keeps results under the Step Functions payload limit.",
    value: Integer { default: 20, min: 0, max: 1_000 } };
pub const VALIDATE_MASK_COLUMNS: Var<List> = Var {
    name: "VALIDATE_MASK_COLUMNS",
    functions: &[StartTask, ValidateTables],
    required_by: NONE,
    computed_default: None,
    description:
        "Comma-separated substrings; matching column names have their values masked in reports.",
    value: List {
        default: &["password", "secret", "token", "ssn", "card_number", "iban"],
    },
};
pub const VALIDATE_OBJECT_POLICY: Var<Text> = Var {
    name: "VALIDATE_OBJECT_POLICY",
    functions: &[StartTask, ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Per object kind, what a difference does: `kind=fail|warn|ignore,…` (kinds: views, materialized_views, functions, triggers, domains, types, extensions, row_security, partitions, privileges, owners). Default: owners warn, every other kind fails.",
    value: Text { default: None },
};
pub const VALIDATE_STATEMENT_TIMEOUT_SECONDS: Var<Integer> = Var {
    name: "VALIDATE_STATEMENT_TIMEOUT_SECONDS",
    functions: &[StartTask, ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "statement_timeout for validator queries.",
    value: Integer {
        default: 600,
        min: 1,
        max: 86_400,
    },
};
/// Rows per validation work item. Measured here: ~550k rows/s for one 12-column
/// table compared on both sides (1M rows in 1.8 s, 2 vCPUs); 5M rows is ~10 s
/// at that rate and under 4 min at a twentieth of it (a small, busy RDS
/// instance, wide rows, re-checks): far inside Lambda's 15 min.
pub const VALIDATE_MAX_ROWS_PER_ITEM: Var<Integer> = Var {
    name: "VALIDATE_MAX_ROWS_PER_ITEM",
    functions: &[ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Estimated rows per validation work item: `plan` splits a larger table (integer leading key) into key ranges of about this many rows, one Map item each. The default keeps an item far inside Lambda's 15 min (~10 s at the ~550k rows/s measured here, under 4 min at a twentieth of it).",
    value: Integer {
        default: 5_000_000,
        min: 1_000,
        max: 1_000_000_000,
    },
};
pub const VALIDATION_BUCKET: Var<Text> = text(
    "VALIDATION_BUCKET",
    &[ValidateTables],
    NONE,
    None,
    "S3 bucket for the Distributed Map's work items and per-item results (the report bucket on AWS). Needed when an event names a `run`; without one, results are returned inline.",
);
pub const VALIDATION_PREFIX: Var<Text> = Var {
    name: "VALIDATION_PREFIX",
    functions: &[ValidateTables],
    required_by: NONE,
    computed_default: None,
    description: "Key prefix of the validation objects: `<prefix><run>/items.json`, `plan.json`, `results/<item>.json`, `map/` (the ResultWriter).",
    value: Text {
        default: Some("validation/"),
    },
};
pub const REPORT_BUCKET: Var<Text> = text(
    "REPORT_BUCKET",
    &[Report],
    NONE,
    None,
    "S3 bucket for reports (one of REPORT_BUCKET or REPORT_DIR is required).",
);
pub const REPORT_PREFIX: Var<Text> = Var {
    name: "REPORT_PREFIX",
    functions: &[Report],
    required_by: NONE,
    computed_default: None,
    description: "Key prefix in the bucket.",
    value: Text {
        default: Some("reports/"),
    },
};
pub const REPORT_DIR: Var<Text> = text(
    "REPORT_DIR",
    &[Report],
    NONE,
    None,
    "Local directory for reports instead of S3 (local runs).",
);
pub const REPORT_SNS_TOPIC_ARN: Var<Text> = text(
    "REPORT_SNS_TOPIC_ARN",
    &[Report],
    NONE,
    None,
    "SNS topic for a short notification (optional).",
);
pub const METRICS_NAMESPACE: Var<Text> = Var {
    name: "METRICS_NAMESPACE",
    functions: &[Report],
    required_by: NONE,
    computed_default: None,
    description: "CloudWatch namespace of the Embedded Metric Format metrics.",
    value: Text {
        default: Some("dmsflow"),
    },
};

/// Every environment variable dmsflow's functions read.
pub const ENV_VARS: &[EnvVar] = &[
    SOURCE_SECRET_ARN.entry(),
    SOURCE_DB_HOST.entry(),
    SOURCE_DB_PORT.entry(),
    SOURCE_DB_NAME.entry(),
    TARGET_SECRET_ARN.entry(),
    TARGET_DB_HOST.entry(),
    TARGET_DB_PORT.entry(),
    TARGET_DB_NAME.entry(),
    DB_SCHEMA.entry(),
    DB_SSLMODE.entry(),
    DB_CA_BUNDLE.entry(),
    DB_CONNECT_TIMEOUT_SECONDS.entry(),
    MIGRATION_ENGINE.entry(),
    DMS_TASK_ARN.entry(),
    DMS_SOURCE_SLOT.entry(),
    NATIVE_PUBLICATION.entry(),
    NATIVE_SUBSCRIPTION.entry(),
    NATIVE_SOURCE_SSLMODE.entry(),
    NATIVE_SOURCE_SSLROOTCERT.entry(),
    SOURCE_DB_INSTANCE_ID.entry(),
    TARGET_DB_INSTANCE_ID.entry(),
    IN_SYNC_LAG_SECONDS.entry(),
    CUTOVER_DRAIN_TIMEOUT_SECONDS.entry(),
    CUTOVER_QUIET_SECONDS.entry(),
    IN_SYNC_LAG_BYTES.entry(),
    VALIDATE_WORKERS.entry(),
    VALIDATE_CHUNK_ROWS.entry(),
    VALIDATE_RECHECKS.entry(),
    VALIDATE_SETTLE_SECONDS.entry(),
    VALIDATE_POSITION_WAIT_SECONDS.entry(),
    VALIDATE_REPLICATION_SLOT.entry(),
    VALIDATE_MAX_DIFFS.entry(),
    VALIDATE_MASK_COLUMNS.entry(),
    VALIDATE_OBJECT_POLICY.entry(),
    VALIDATE_STATEMENT_TIMEOUT_SECONDS.entry(),
    VALIDATE_MAX_ROWS_PER_ITEM.entry(),
    VALIDATION_BUCKET.entry(),
    VALIDATION_PREFIX.entry(),
    REPORT_BUCKET.entry(),
    REPORT_PREFIX.entry(),
    REPORT_DIR.entry(),
    REPORT_SNS_TOPIC_ARN.entry(),
    METRICS_NAMESPACE.entry(),
];

/// Groups of which a function needs at least one member set.
pub const ONE_OF: &[(Function, &[&str])] = &[(Report, &["REPORT_BUCKET", "REPORT_DIR"])];

impl EnvVar {
    /// The typed default as JSON (`null` when there is none).
    pub fn default_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self.value {
            Value::Integer(v) => json!(v.default),
            Value::Number(v) => json!(v.default),
            Value::Text(v) => json!(v.default),
            Value::Choice(v) => json!(v.default),
            Value::List(v) => json!(v.default),
        }
    }

    /// The value's type name in the contract.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Integer(_) => "integer",
            Value::Number(_) => "number",
            Value::Text(_) => "string",
            Value::Choice(_) => "enum",
            Value::List(_) => "list",
        }
    }

    /// The default as the README shows it.
    pub fn default_text(&self) -> Option<String> {
        if let Some(words) = self.computed_default {
            return Some(words.to_owned());
        }
        match self.value {
            Value::Integer(v) => Some(v.default.to_string()),
            Value::Number(v) => Some(v.default.to_string()),
            Value::Text(v) => v.default.map(str::to_owned),
            Value::Choice(v) => Some(v.default.to_owned()),
            Value::List(v) => Some(v.default.join(",")),
        }
    }

    /// The allowed values as the README shows them (empty for free text).
    pub fn allowed_text(&self) -> String {
        match self.value {
            Value::Integer(v) => format!("{}–{}", v.min, v.max),
            Value::Number(v) => format!("{}–{}", v.min, v.max),
            Value::Choice(v) => v
                .allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Text(_) | Value::List(_) => String::new(),
        }
    }
}

/// The README's configuration table, rendered from [`ENV_VARS`].
pub fn env_table_markdown() -> String {
    let mut out = String::from(
        "| variable | functions | default | allowed | meaning |\n|---|---|---|---|---|\n",
    );
    for v in ENV_VARS {
        let functions: Vec<&str> = v.functions.iter().map(|f| f.name()).collect();
        let default = match v.default_text() {
            Some(d) => format!("`{d}`"),
            None if v.required_by.is_empty() => "none".to_owned(),
            None if v.required_by == v.functions => "required".to_owned(),
            None => {
                let by: Vec<&str> = v.required_by.iter().map(|f| f.name()).collect();
                format!("required by {}", by.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            v.name,
            functions.join(", "),
            default,
            v.allowed_text(),
            v.description.replace('|', "\\|"),
        );
    }
    out
}
