//! A Lambda Runtime API emulator on loopback, for tests and local runs: start
//! a function binary with `AWS_LAMBDA_RUNTIME_API` set to [`RuntimeApi::address`],
//! queue events with [`RuntimeApi::invoke`], and read what the function posts
//! (init error, response, invocation error) with [`RuntimeApi::next_report`].
//! The functions themselves never use it.
//!
//! Plain HTTP/1.1 on blocking threads (one per connection: `/next` long-polls).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What a function posted to the Runtime API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// `POST /runtime/init/error`.
    InitError {
        error_type: Option<String>,
        body: Vec<u8>,
    },
    /// `POST /runtime/invocation/{id}/response`.
    Response { request_id: String, body: Vec<u8> },
    /// `POST /runtime/invocation/{id}/error`.
    InvocationError {
        request_id: String,
        error_type: Option<String>,
        body: Vec<u8>,
    },
}

impl Report {
    /// The posted body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        let body = match self {
            Report::InitError { body, .. }
            | Report::Response { body, .. }
            | Report::InvocationError { body, .. } => body,
        };
        serde_json::from_slice(body).unwrap_or(serde_json::Value::Null)
    }
}

/// A running emulator; it stops serving when dropped.
#[derive(Debug)]
pub struct RuntimeApi {
    address: SocketAddr,
    events: Sender<Vec<u8>>,
    reports: Receiver<Report>,
}

/// State shared by the connection threads.
struct Shared {
    events: Mutex<Receiver<Vec<u8>>>,
    reports: Mutex<Sender<Report>>,
    next_id: Mutex<u64>,
}

impl RuntimeApi {
    /// Listen on a free loopback port.
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let (events, queued) = channel();
        let (posted, reports) = channel();
        let shared = Arc::new(Shared {
            events: Mutex::new(queued),
            reports: Mutex::new(posted),
            next_id: Mutex::new(0),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Ok(RuntimeApi {
            address,
            events,
            reports,
        })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API` (`127.0.0.1:PORT`).
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Queue an event body (any bytes) for the next `/invocation/next`.
    pub fn invoke(&self, body: impl Into<Vec<u8>>) {
        // The receiver lives in the shared state as long as the listener.
        let _ = self.events.send(body.into());
    }

    /// The next thing the function posted, if it does within `timeout`.
    pub fn next_report(&self, timeout: Duration) -> Option<Report> {
        self.reports.recv_timeout(timeout).ok()
    }
}

/// Start the function binary `program` the way Lambda does, against `api`:
/// a clean environment with the Lambda variables, a region and dummy AWS
/// credentials (so the SDK reaches no network at init), plus `env`.
pub fn spawn_function(
    program: &str,
    api: &RuntimeApi,
    env: &[(&str, &str)],
) -> std::io::Result<Child> {
    Command::new(program)
        .env_clear()
        .env(super::RUNTIME_API_VAR, api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", "emulated")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "emulated")
        .env("AWS_SECRET_ACCESS_KEY", "emulated")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// What one start of a function did: its first post, and its exit code when
/// it exited on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstReport {
    pub report: Option<Report>,
    /// `None`: still running (serving) when it was stopped.
    pub exit_code: Option<i32>,
}

/// Start `program` (see [`spawn_function`]) with `event` queued, wait up to
/// `wait` for its first post, then up to 5 s for it to exit on its own (only
/// without an event: with one, a healthy function waits for the next), and stop it.
pub fn first_report(
    program: &str,
    env: &[(&str, &str)],
    event: Option<&[u8]>,
    wait: Duration,
) -> std::io::Result<FirstReport> {
    let api = RuntimeApi::start()?;
    if let Some(body) = event {
        api.invoke(body);
    }
    let mut child = spawn_function(program, &api, env)?;
    let report = api.next_report(wait);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut exit_code = None;
    loop {
        if let Some(status) = child.try_wait()? {
            exit_code = Some(status.code().unwrap_or(-1));
            break;
        }
        if event.is_some() || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait()?;
    Ok(FirstReport { report, exit_code })
}

/// One parsed request.
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

/// Requests of one keep-alive connection, until it closes.
fn serve(stream: TcpStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let answered = match route(&request, shared) {
            Some((status, headers, body)) => respond(&mut writer, status, &headers, &body),
            None => return,
        };
        if answered.is_err() {
            return;
        }
    }
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// The answer to `request`; `None` ends the connection (no more events).
fn route(request: &Request, shared: &Shared) -> Option<Answer> {
    const BASE: &str = "/2018-06-01/runtime/";
    let accepted = || Some((202, Vec::new(), br#"{"status":"OK"}"#.to_vec()));
    let path = request.path.strip_prefix(BASE).unwrap_or("");
    let error_type = request.header(super::ERROR_TYPE_HEADER);
    let report = |r: Report| shared.reports.lock().map(|s| s.send(r)).is_ok();
    let segments: Vec<&str> = path.split('/').collect();
    match (request.method.as_str(), &segments[..]) {
        ("GET", ["invocation", "next"]) => {
            let body = shared.events.lock().ok()?.recv().ok()?;
            Some((200, invocation_headers(shared), body))
        }
        ("POST", ["init", "error"]) => {
            report(Report::InitError {
                error_type,
                body: request.body.clone(),
            });
            accepted()
        }
        ("POST", ["invocation", id, "response"]) => {
            report(Report::Response {
                request_id: (*id).to_owned(),
                body: request.body.clone(),
            });
            accepted()
        }
        ("POST", ["invocation", id, "error"]) => {
            report(Report::InvocationError {
                request_id: (*id).to_owned(),
                error_type,
                body: request.body.clone(),
            });
            accepted()
        }
        _ => Some((404, Vec::new(), b"{}".to_vec())),
    }
}

/// The headers Lambda sends with an event.
fn invocation_headers(shared: &Shared) -> Vec<(String, String)> {
    let id = shared.next_id.lock().map_or(0, |mut n| {
        *n += 1;
        *n
    });
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    vec![
        (
            "Lambda-Runtime-Aws-Request-Id".into(),
            format!("request-{id}"),
        ),
        (
            "Lambda-Runtime-Deadline-Ms".into(),
            (now_ms + 300_000).to_string(),
        ),
        (
            "Lambda-Runtime-Invoked-Function-Arn".into(),
            "arn:aws:lambda:us-east-1:000000000000:function:emulated".into(),
        ),
        (
            "Lambda-Runtime-Trace-Id".into(),
            "Root=1-00000000-000000000000000000000000".into(),
        ),
        ("Content-Type".into(), "application/json".into()),
    ]
}

fn respond(
    writer: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(body)?;
    writer.flush()
}

/// Read one request (Content-Length or chunked body); `None` at end of stream.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut request = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    request.body = if chunked {
        read_chunked(reader)?
    } else {
        let length: usize = request
            .header("content-length")
            .map_or(Some(0), |v| v.parse().ok())?;
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some(request)
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        let mut chunk = vec![0; size + 2]; // the data and its CRLF
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// The check every function's runtime test makes: started with `env`, the
/// function's init fails and `/init/error` gets `ConfigError` (header and
/// body) naming `var`, and the process exits non-zero. `Err` says what came
/// instead.
pub fn expect_init_error(
    binary: &str,
    env: &[(&str, &str)],
    var: &str,
    wait: Duration,
) -> Result<(), String> {
    let run = first_report(binary, env, None, wait).map_err(|e| e.to_string())?;
    let Some(report @ Report::InitError { error_type, .. }) = &run.report else {
        return Err(format!("expected an init error, got {run:?}"));
    };
    let body = report.json();
    let message = body["errorMessage"].as_str().unwrap_or_default();
    if error_type.as_deref() != Some("ConfigError") || body["errorType"] != "ConfigError" {
        return Err(format!("expected ConfigError, got {run:?} / {body}"));
    }
    if !message.contains(var) {
        return Err(format!("the message does not name {var}: {message}"));
    }
    if run.exit_code.is_none_or(|code| code == 0) {
        return Err(format!("the process did not exit non-zero: {run:?}"));
    }
    Ok(())
}

/// The other check: a body that is not JSON is answered `InvalidEvent`
/// ("not JSON") and the function keeps running.
pub fn expect_invalid_event_for_non_json(
    binary: &str,
    env: &[(&str, &str)],
    wait: Duration,
) -> Result<(), String> {
    let run =
        first_report(binary, env, Some(b"this is { not json"), wait).map_err(|e| e.to_string())?;
    let Some(report @ Report::InvocationError { .. }) = &run.report else {
        return Err(format!("expected an invocation error, got {run:?}"));
    };
    let body = report.json();
    let message = body["errorMessage"].as_str().unwrap_or_default();
    if body["errorType"] != "InvalidEvent" || !message.contains("not JSON") {
        return Err(format!("expected InvalidEvent (not JSON), got {body}"));
    }
    if run.exit_code.is_some() {
        return Err(format!("the function exited after a bad event: {run:?}"));
    }
    Ok(())
}
