//! PostgreSQL connections: TLS with rustls (certificate and host name verified),
//! plain TCP only to loopback, and errors that say which server failed and why
//! without ever carrying the password.

use crate::error::{Classify, ErrorType};
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
mod url;
use url::{parse_failure_reason, split_tls_params};

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::config::Host;
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The Amazon RDS certificate authorities, trusted when no CA bundle is configured.
/// Provenance and refresh: `scripts/refresh-rds-ca.sh`.
pub const RDS_CA_BUNDLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../certs/rds-ca-bundle.pem"
));

/// How a connection is secured. There is deliberately no "encrypt but do not
/// verify" mode: a migration's credentials go over this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// TLS required; server certificate chain and host name verified.
    VerifyFull,
    /// Plain TCP; refused unless the host is loopback or a Unix socket.
    Disable,
}

impl FromStr for SslMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "verify-full" => Ok(SslMode::VerifyFull),
            "disable" => Ok(SslMode::Disable),
            other => Err(format!(
                "unsupported sslmode {other:?}: use verify-full, or disable for loopback"
            )),
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::VerifyFull => "verify-full",
            SslMode::Disable => "disable",
        })
    }
}

/// TLS settings shared by every connection of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub ssl_mode: SslMode,
    /// PEM bundle of trusted CAs; `None` means the built-in RDS bundle.
    pub ca_bundle: Option<PathBuf>,
    pub connect_timeout: Duration,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            ssl_mode: SslMode::VerifyFull,
            ca_bundle: None,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Credentials as stored in Secrets Manager (RDS style). `host`, `port` and
/// `dbname` are optional because RDS-managed master secrets hold only the user
/// and password; the function configuration supplies the rest.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DbCredentials {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "port_from_number_or_string")]
    pub port: Option<u16>,
    #[serde(default)]
    pub dbname: Option<String>,
}

impl fmt::Debug for DbCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .finish()
    }
}

fn port_from_number_or_string<'de, D>(d: D) -> Result<Option<u16>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Port {
        Num(u16),
        Text(String),
    }
    match Option::<Port>::deserialize(d)? {
        None => Ok(None),
        Some(Port::Num(n)) => Ok(Some(n)),
        Some(Port::Text(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("port {s:?} is not a number"))),
    }
}

use serde::Deserialize as _;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid connection string: {reason}")]
    BadUrl { reason: String },
    #[error(
        "no {what} for the {side} database: set it in the secret or the function configuration"
    )]
    Incomplete { side: String, what: &'static str },
    #[error("refusing a plain-text connection to {host}: sslmode=disable is allowed only for loopback hosts; use verify-full")]
    Insecure { host: String },
    #[error("cannot load CA bundle {path}")]
    CaBundle {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("CA bundle {path} holds no certificate")]
    EmptyCaBundle { path: PathBuf },
    #[error("cannot reach PostgreSQL at {endpoint}")]
    Unreachable {
        endpoint: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("PostgreSQL at {endpoint} rejected user {user:?} (wrong password, or the role may not log in)")]
    AuthFailed {
        endpoint: String,
        user: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("database {dbname:?} does not exist at {endpoint}")]
    NoDatabase {
        endpoint: String,
        dbname: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("TLS to {endpoint} failed (is the server's CA in the configured bundle?)")]
    Tls {
        endpoint: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{context} on {endpoint}")]
    Query {
        context: String,
        endpoint: String,
        #[source]
        source: tokio_postgres::Error,
    },
}

impl Classify for DbError {
    fn error_type(&self) -> ErrorType {
        match self {
            DbError::BadUrl { .. }
            | DbError::Incomplete { .. }
            | DbError::Insecure { .. }
            | DbError::CaBundle { .. }
            | DbError::EmptyCaBundle { .. } => ErrorType::ConfigError,
            DbError::Unreachable { .. } => ErrorType::DatabaseUnavailable,
            DbError::AuthFailed { .. } | DbError::NoDatabase { .. } => {
                ErrorType::DatabaseAuthFailed
            }
            DbError::Tls { .. } => ErrorType::TlsError,
            DbError::Query { source, .. } => {
                if is_connection_lost(source) {
                    ErrorType::DatabaseUnavailable
                } else {
                    ErrorType::DatabaseError
                }
            }
        }
    }
}

/// True when the error means the connection is gone (not a statement error).
pub fn is_connection_lost(err: &tokio_postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    match err.code() {
        Some(code) => {
            code.code().starts_with("08")
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
        }
        // No SQLSTATE and not a server error: an I/O failure on the socket.
        None => err.as_db_error().is_none(),
    }
}

/// Everything needed to open connections to one database.
#[derive(Clone)]
pub struct ConnectSpec {
    pub host: String,
    pub port: u16,
    pub user: String,
    password: String,
    pub dbname: String,
    pub ssl_mode: SslMode,
    pub ca_bundle: Option<PathBuf>,
    pub connect_timeout: Duration,
}

impl fmt::Debug for ConnectSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ConnectSpec({} sslmode={})",
            self.endpoint(),
            self.ssl_mode
        )
    }
}

impl ConnectSpec {
    /// Build from a secret plus configuration overrides (overrides win).
    pub fn from_credentials(
        side: &str,
        creds: DbCredentials,
        host: Option<&str>,
        port: Option<u16>,
        dbname: Option<&str>,
        tls: &TlsConfig,
    ) -> Result<Self, DbError> {
        let host = host
            .map(str::to_owned)
            .or(creds.host)
            .ok_or_else(|| DbError::Incomplete {
                side: side.to_owned(),
                what: "host",
            })?;
        let spec = ConnectSpec {
            host,
            port: port.or(creds.port).unwrap_or(5432),
            user: creds.username,
            password: creds.password,
            dbname: dbname
                .map(str::to_owned)
                .or(creds.dbname)
                .unwrap_or_else(|| "postgres".to_owned()),
            ssl_mode: tls.ssl_mode,
            ca_bundle: tls.ca_bundle.clone(),
            connect_timeout: tls.connect_timeout,
        };
        spec.check_transport()?;
        Ok(spec)
    }

    /// Parse a `postgres://user:password@host:port/db?sslmode=…&sslrootcert=…`
    /// URL (or a libpq `key=value` string). `sslmode` accepts `verify-full` and
    /// `disable`; when absent it is `verify-full`, except for loopback hosts where
    /// it is `disable`. `default_ca` applies when the URL has no `sslrootcert`.
    pub fn from_url(
        url: &str,
        default_ca: Option<&Path>,
        timeout: Duration,
    ) -> Result<Self, DbError> {
        let (rest, sslmode, sslrootcert) = split_tls_params(url);
        let config = tokio_postgres::Config::from_str(&rest).map_err(|e| DbError::BadUrl {
            reason: parse_failure_reason(&rest, &e),
        })?;
        if !config.get_hostaddrs().is_empty() {
            return Err(DbError::BadUrl {
                reason: "hostaddr is not supported: give the address as host".into(),
            });
        }
        let host = match config.get_hosts() {
            [Host::Tcp(h)] => h.clone(),
            #[cfg(unix)]
            [Host::Unix(p)] => p.display().to_string(),
            [] => "localhost".to_owned(),
            _ => {
                return Err(DbError::BadUrl {
                    reason: "exactly one host is supported".into(),
                })
            }
        };
        let port = match config.get_ports() {
            [] => 5432,
            [p] => *p,
            _ => {
                return Err(DbError::BadUrl {
                    reason: "exactly one port is supported".into(),
                })
            }
        };
        let user = config
            .get_user()
            .map(str::to_owned)
            .ok_or_else(|| DbError::BadUrl {
                reason: "no user in the connection string".into(),
            })?;
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        let dbname = config.get_dbname().unwrap_or(&user).to_owned();
        let ssl_mode = match sslmode {
            Some(mode) => mode
                .parse()
                .map_err(|reason: String| DbError::BadUrl { reason })?,
            None if is_loopback(&host) => SslMode::Disable,
            None => SslMode::VerifyFull,
        };
        let spec = ConnectSpec {
            host,
            port,
            user,
            password,
            dbname,
            ssl_mode,
            ca_bundle: sslrootcert
                .map(PathBuf::from)
                .or(default_ca.map(Path::to_path_buf)),
            connect_timeout: timeout,
        };
        spec.check_transport()?;
        Ok(spec)
    }

    fn check_transport(&self) -> Result<(), DbError> {
        if self.ssl_mode == SslMode::Disable && !is_loopback(&self.host) {
            return Err(DbError::Insecure {
                host: self.host.clone(),
            });
        }
        Ok(())
    }

    /// `user@host:port/db`, for messages and logs. Never the password.
    pub fn endpoint(&self) -> String {
        format!("{}@{}:{}/{}", self.user, self.host, self.port, self.dbname)
    }

    /// The same server, another database (tests and tools create databases).
    pub fn with_dbname(&self, dbname: &str) -> ConnectSpec {
        ConnectSpec {
            dbname: dbname.to_owned(),
            ..self.clone()
        }
    }

    /// The same server and database, another role.
    pub fn with_user(&self, user: &str, password: &str) -> ConnectSpec {
        ConnectSpec {
            user: user.to_owned(),
            password: password.to_owned(),
            ..self.clone()
        }
    }

    /// A libpq connection string for this database, for a PostgreSQL server to
    /// use (a subscription's `CONNECTION`). Includes the password: never log it.
    pub fn libpq_conninfo(&self, sslmode: &str, sslrootcert: Option<&Path>) -> String {
        let mut s = format!(
            "host={} port={} user={} password={} dbname={} sslmode={}",
            libpq_quote(&self.host),
            self.port,
            libpq_quote(&self.user),
            libpq_quote(&self.password),
            libpq_quote(&self.dbname),
            libpq_quote(sslmode),
        );
        if let Some(root) = sslrootcert {
            s.push_str(" sslrootcert=");
            s.push_str(&libpq_quote(&root.display().to_string()));
        }
        s
    }

    /// Open one connection. `application_name` shows in `pg_stat_activity`.
    pub async fn connect(&self, application_name: &str) -> Result<tokio_postgres::Client, DbError> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .password(self.password.as_bytes())
            .dbname(&self.dbname)
            .application_name(application_name)
            .connect_timeout(self.connect_timeout)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .tcp_user_timeout(Duration::from_secs(60));
        let endpoint = self.endpoint();
        let result = match self.ssl_mode {
            SslMode::Disable => {
                config.ssl_mode(tokio_postgres::config::SslMode::Disable);
                match config.connect(tokio_postgres::NoTls).await {
                    Ok((client, connection)) => {
                        spawn_connection(endpoint.clone(), connection);
                        Ok(client)
                    }
                    Err(e) => Err(e),
                }
            }
            SslMode::VerifyFull => {
                config.ssl_mode(tokio_postgres::config::SslMode::Require);
                let tls = make_tls(self.ca_bundle.as_deref())?;
                match config.connect(tls).await {
                    Ok((client, connection)) => {
                        spawn_connection(endpoint.clone(), connection);
                        Ok(client)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        result.map_err(|e| self.classify_connect_error(e))
    }

    fn classify_connect_error(&self, source: tokio_postgres::Error) -> DbError {
        let endpoint = self.endpoint();
        match source.code() {
            Some(c)
                if *c == SqlState::INVALID_PASSWORD
                    || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
            {
                DbError::AuthFailed {
                    endpoint,
                    user: self.user.clone(),
                    source,
                }
            }
            Some(c) if *c == SqlState::INVALID_CATALOG_NAME => DbError::NoDatabase {
                endpoint,
                dbname: self.dbname.clone(),
                source,
            },
            _ if source.to_string().contains("TLS") || chain_mentions(&source, "certificate") => {
                DbError::Tls { endpoint, source }
            }
            _ => DbError::Unreachable { endpoint, source },
        }
    }

    /// Wrap a statement error with what was being done and where.
    pub fn query_error(
        &self,
        context: impl Into<String>,
    ) -> impl FnOnce(tokio_postgres::Error) -> DbError + '_ {
        let context = context.into();
        move |source| DbError::Query {
            context,
            endpoint: self.endpoint(),
            source,
        }
    }
}

fn chain_mentions(err: &dyn std::error::Error, needle: &str) -> bool {
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        if e.to_string().contains(needle) {
            return true;
        }
        current = e.source();
    }
    false
}

fn spawn_connection<S, T>(endpoint: String, connection: tokio_postgres::Connection<S, T>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%endpoint, error = %error, "database connection ended with an error");
        }
    });
}

/// rustls client config trusting `ca_bundle` (or the built-in RDS bundle).
/// Uses an explicit ring provider: the process may link more than one.
pub fn make_tls(ca_bundle: Option<&Path>) -> Result<MakeRustlsConnect, DbError> {
    let roots = root_store(ca_bundle)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::BadUrl {
            reason: format!("TLS setup: {e}"),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn root_store(ca_bundle: Option<&Path>) -> Result<RootCertStore, DbError> {
    let mut roots = RootCertStore::empty();
    let (certs, label): (Vec<CertificateDer<'static>>, PathBuf) = match ca_bundle {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| DbError::CaBundle {
                path: path.to_path_buf(),
                source,
            })?;
            (
                CertificateDer::pem_slice_iter(&pem)
                    .filter_map(Result::ok)
                    .collect(),
                path.to_path_buf(),
            )
        }
        None => (
            CertificateDer::pem_slice_iter(RDS_CA_BUNDLE.as_bytes())
                .filter_map(Result::ok)
                .collect(),
            PathBuf::from("<built-in RDS bundle>"),
        ),
    };
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(DbError::EmptyCaBundle { path: label });
    }
    Ok(roots)
}

/// Loopback host names and addresses, and Unix socket directories.
pub fn is_loopback(host: &str) -> bool {
    if host.starts_with('/') {
        return true;
    }
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Quote a value for a libpq `key=value` connection string.
fn libpq_quote(value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
    format!("'{escaped}'")
}

/// Quote an SQL identifier (same rule as PostgreSQL's `quote_ident`, always quoting).
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quote an SQL string literal (standard_conforming_strings = on).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests;
