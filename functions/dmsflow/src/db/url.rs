//! Connection strings: the TLS parameters tokio-postgres does not know, and
//! why a string does not parse (never echoing it: it may hold a password).

/// Why a connection string did not parse, without echoing it (it may hold a
/// password). tokio-postgres names the option when it knows it.
pub(super) fn parse_failure_reason(url: &str, e: &tokio_postgres::Error) -> String {
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !is_url && !url.contains('=') {
        return "expected postgres://user:password@host:port/dbname or libpq key=value pairs"
            .into();
    }
    if let Some(cause) = std::error::Error::source(e) {
        return cause.to_string();
    }
    if is_url {
        "not a valid postgres:// URL (check the port is a number and that special characters \
         in the user or password are percent-encoded)"
            .into()
    } else {
        "not valid key=value pairs (check quoting of values with spaces and the option names)"
            .into()
    }
}

/// Pull `sslmode` and `sslrootcert` out of a URL or key=value string (tokio-postgres
/// does not know `verify-full` or `sslrootcert`); return the rest untouched.
pub(super) fn split_tls_params(url: &str) -> (String, Option<String>, Option<String>) {
    let mut sslmode = None;
    let mut sslrootcert = None;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_owned(), None, None);
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslmode", v)) => sslmode = Some(v.to_owned()),
                Some(("sslrootcert", v)) => sslrootcert = Some(percent_decode(v)),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, sslmode, sslrootcert)
    } else {
        let mut kept = Vec::new();
        for token in url.split_whitespace() {
            match token.split_once('=') {
                Some(("sslmode", v)) => sslmode = Some(v.to_owned()),
                Some(("sslrootcert", v)) => sslrootcert = Some(v.to_owned()),
                _ => kept.push(token),
            }
        }
        (kept.join(" "), sslmode, sslrootcert)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
