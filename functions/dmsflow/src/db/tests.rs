//! Unit tests of connection specs, URLs, TLS and quoting.

use super::*;

#[test]
fn bad_connection_strings_say_why_without_echoing_them() {
    let timeout = Duration::from_secs(1);
    for (url, expected) in [
        ("garbage", "expected postgres://"),
        ("postgres://u:s3cret@h:notaport/db", "port"),
        (
            "host=h user=u password=s3cret bogus_option=1",
            "bogus_option",
        ),
        (
            "postgres://u:s3cret@h/db?hostaddr=10.0.0.1",
            "hostaddr is not supported",
        ),
    ] {
        let err = ConnectSpec::from_url(url, None, timeout).expect_err(url);
        let text = err.to_string();
        assert!(text.contains(expected), "{url}: {text}");
        assert!(!text.contains("s3cret"), "{url}: {text}");
        assert!(
            !text.contains("invalid connection string: invalid connection string"),
            "{text}"
        );
    }
}

#[test]
fn loopback_detection() {
    for h in [
        "localhost",
        "127.0.0.1",
        "127.8.9.1",
        "::1",
        "[::1]",
        "/var/run/postgresql",
    ] {
        assert!(is_loopback(h), "{h}");
    }
    for h in [
        "10.0.0.1",
        "db.example.internal",
        "mydb.abc.eu-west-1.rds.amazonaws.com",
    ] {
        assert!(!is_loopback(h), "{h}");
    }
}

#[test]
fn plain_tcp_is_refused_for_remote_hosts() {
    let err = ConnectSpec::from_url(
        "postgres://u:p@db.internal:5432/x?sslmode=disable",
        None,
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(matches!(err, DbError::Insecure { .. }), "{err}");
    assert!(err.to_string().contains("db.internal"));
}

#[test]
fn url_defaults_and_tls_params() {
    let s = ConnectSpec::from_url(
        "postgres://u:p%40ss@127.0.0.1:5555/db",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!(s.ssl_mode, SslMode::Disable);
    assert_eq!(
        (s.port, s.dbname.as_str(), s.user.as_str()),
        (5555, "db", "u")
    );
    assert_eq!(s.password, "p@ss");
    let s = ConnectSpec::from_url(
        "postgres://u:p@db.internal/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!(s.ssl_mode, SslMode::VerifyFull);
    assert_eq!(s.ca_bundle.as_deref(), Some(Path::new("/tmp/ca.pem")));
    let s = ConnectSpec::from_url(
        "postgres://u:p@db.internal/db",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert_eq!(s.ssl_mode, SslMode::VerifyFull);
    let err = ConnectSpec::from_url(
        "postgres://u:p@db.internal/db?sslmode=require",
        None,
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(err.to_string().contains("require"), "{err}");
}

#[test]
fn endpoint_and_debug_never_show_the_password() {
    let s = ConnectSpec::from_url(
        "postgres://u:hunter2@127.0.0.1/db",
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    assert!(!s.endpoint().contains("hunter2"));
    assert!(!format!("{s:?}").contains("hunter2"));
    let creds: DbCredentials =
        serde_json::from_str(r#"{"username":"u","password":"hunter2","port":"6543"}"#).unwrap();
    assert!(!format!("{creds:?}").contains("hunter2"));
    assert_eq!(creds.port, Some(6543));
}

#[test]
fn credentials_need_a_host_from_somewhere() {
    let creds: DbCredentials = serde_json::from_str(r#"{"username":"u","password":"p"}"#).unwrap();
    let err = ConnectSpec::from_credentials(
        "source",
        creds.clone(),
        None,
        None,
        None,
        &TlsConfig::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("host"), "{err}");
    let spec = ConnectSpec::from_credentials(
        "source",
        creds,
        Some("db.internal"),
        None,
        Some("shop"),
        &TlsConfig::default(),
    )
    .unwrap();
    assert_eq!(spec.endpoint(), "u@db.internal:5432/shop");
}

#[test]
fn built_in_rds_bundle_parses() {
    let roots = root_store(None).unwrap();
    assert!(roots.len() > 50, "{} roots", roots.len());
}

#[test]
fn quoting() {
    assert_eq!(quote_ident(r#"we"ird"#), r#""we""ird""#);
    assert_eq!(quote_literal("it's"), "'it''s'");
    assert_eq!(libpq_quote(r"a'b\c"), r"'a\'b\\c'");
}
