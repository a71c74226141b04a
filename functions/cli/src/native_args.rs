//! The native-engine options `replicate` and `cutover` share: the two
//! databases and the publication/subscription pair, and the engine they make.

use crate::common::{fail, DatabasePair, EXIT_ERROR};
use clap::Args;
use dmsflow::contract::env as vars;
use dmsflow::engine::native::{NativeEngine, NativeSettings};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct NativeTarget {
    #[command(flatten)]
    pub databases: DatabasePair,
    /// Publication name on the source.
    #[arg(long, env = vars::NATIVE_PUBLICATION.name, default_value = vars::NATIVE_PUBLICATION.default_str())]
    pub publication: String,
    /// Subscription name on the target (also the replication slot's name on the source).
    #[arg(long, env = vars::NATIVE_SUBSCRIPTION.name, default_value = vars::NATIVE_SUBSCRIPTION.default_str())]
    pub subscription: String,
    /// sslmode the target *server* uses to connect to the source.
    #[arg(long, env = vars::NATIVE_SOURCE_SSLMODE.name, default_value = vars::NATIVE_SOURCE_SSLMODE.value.default,
          value_parser = clap::builder::PossibleValuesParser::new(vars::NATIVE_SOURCE_SSLMODE.value.allowed))]
    pub source_sslmode: String,
    /// CA file, on the target server's filesystem, for that connection.
    #[arg(long, env = vars::NATIVE_SOURCE_SSLROOTCERT.name)]
    pub source_sslrootcert: Option<PathBuf>,
}

impl NativeTarget {
    /// The engine these options name; a bad name exits 2 naming the option.
    pub fn engine(&self) -> Result<NativeEngine, ExitCode> {
        let (source, target) = self.databases.specs().map_err(fail)?;
        let settings = NativeSettings {
            scope: self.databases.scope(),
            publication: self.publication.clone(),
            subscription: self.subscription.clone(),
            source_sslmode: self.source_sslmode.clone(),
            source_sslrootcert: self.source_sslrootcert.clone(),
        };
        if let Err((field, reason)) = settings.check() {
            eprintln!("error[InvalidEvent]: --{field}: {reason}");
            return Err(ExitCode::from(EXIT_ERROR));
        }
        Ok(NativeEngine::new(source, target, settings))
    }
}
