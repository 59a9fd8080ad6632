//! An HTTP proxy between an AWS client and moto that counts calls, adds latency and injects faults.
//!
//! [`Proxy::start`] listens on a free loopback port and forwards every request, unchanged
//! (method, path, `Host`, every header but the hop-by-hop `Connection`/`Keep-Alive`, and the
//! body byte for byte, so SigV4 signatures stay valid), to the upstream server, usually
//! [`Moto::endpoint`](crate::Moto::endpoint). Point the client at [`Proxy::endpoint`] (or use
//! [`Proxy::env`]) and the proxy can, as told by [`Faults`] at any time through [`Proxy::set`]:
//!
//! - answer a share of the calls, or every call to a named operation, with a fault in the
//!   protocol's own error shape (throttling, 500, 503) that never reaches moto, or cut the
//!   connection without an answer ([`FaultKind::Reset`]);
//! - hold the answer of mutating calls after moto has carried them out
//!   ([`Faults::mutating_latency`]), so that a process killed meanwhile leaves behind a resource
//!   it never heard of;
//! - record every AWS call it saw ([`Proxy::calls`]) with its service, operation and outcome,
//!   and when it came and how long the upstream took ([`Proxy::timed_calls`]).
//!
//! Other processes (the benchmarks, through the `cairn-proxy` binary) read and steer it over
//! HTTP on the same port: `GET /_proxy/calls` (one JSON object per line: service, operation,
//! mutating, status, injected, and in milliseconds `at_ms` from the proxy's start, `took_ms`,
//! and `unix_ms`, the arrival on the system clock), `POST /_proxy/clear`,
//! and `POST /_proxy/set?latency_ms=N&mutating_latency_ms=N`.
//!
//! Requests without a SigV4 credential (moto's own `/moto-api/...` control calls) are forwarded
//! untouched: never delayed, faulted or recorded.
//!
//! The proxy runs its own tokio runtime on its own thread, so synchronous tests can use it, and
//! stops when dropped.
//!
//! ```no_run
//! use cairn_testkit::{FaultKind, Faults, Moto, Proxy};
//! use std::time::Duration;
//!
//! let moto = Moto::start();
//! let proxy = Proxy::start(&moto.endpoint());
//! proxy.set(Faults {
//!     always_fail: vec![("CreateVpc".into(), FaultKind::Throttle)],
//!     mutating_latency: Duration::from_secs(2),
//!     ..Faults::default()
//! });
//! // run cairn with `proxy.env()`, then look at `proxy.calls()`
//! ```

use std::error::Error as StdError;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{Method, Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A fault the proxy answers with instead of forwarding the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The service's throttling error: EC2 `RequestLimitExceeded` (503), other query services
    /// `Throttling` (400), JSON services `ThrottlingException` (400), S3 `SlowDown` (503),
    /// REST-JSON services (EFS) `ThrottlingException` (429).
    Throttle,
    /// A 500 `InternalError` in the protocol's error shape.
    ServerError,
    /// A 503 `ServiceUnavailable` in the protocol's error shape.
    Unavailable,
    /// No answer at all: the TCP connection is reset (`SO_LINGER` 0, then closed).
    Reset,
}

/// How the proxy treats AWS calls. The default forwards everything at once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Share (0.0 to 1.0) of the calls answered with a fault drawn from `kinds` instead of
    /// being forwarded.
    pub fail_rate: f64,
    /// The faults `fail_rate` draws from, evenly; empty means [`FaultKind::Throttle`].
    pub kinds: Vec<FaultKind>,
    /// Operations (as in [`Call::operation`], e.g. `"CreateVpc"`) that always get this fault,
    /// whatever `fail_rate` says.
    pub always_fail: Vec<(String, FaultKind)>,
    /// Added to every mutating call that was forwarded, after the upstream answered and before
    /// the client is answered: the change is made, the client does not know it yet.
    pub mutating_latency: Duration,
    /// Added to every call, before it is forwarded or faulted.
    pub latency: Duration,
    /// Seed of the draws for `fail_rate`: the same seed and the same sequence of calls give the
    /// same faults. [`Proxy::set`] restarts the draws from it.
    pub seed: u64,
}

/// One AWS call the proxy saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The signing name from the SigV4 credential scope: `ec2`, `ecs`, `s3`, `iam`, ...
    pub service: String,
    /// `X-Amz-Target`'s operation (JSON protocols), the `Action` (query protocols), or for REST
    /// services `METHOD /path`, followed by the value-less query parameters that name S3
    /// sub-resources (`PUT /bucket`, `PUT /bucket?tagging`, `GET /`).
    pub operation: String,
    /// `PUT`/`DELETE`/`PATCH`, a REST `POST`, or an operation not named `Describe*`, `List*`,
    /// `Get*` or `Head*`.
    pub mutating: bool,
    /// The fault the proxy answered with, if it did not forward the call.
    pub injected: Option<FaultKind>,
    /// The status the client got (upstream's, or the injected fault's; 0 for a reset, 502 when
    /// the upstream could not be reached).
    pub status: u16,
}

/// When a call came and how long it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// When the request arrived, from the proxy's start.
    pub at: Duration,
    /// From its arrival until the upstream answered (or the fault was chosen): any
    /// [`Faults::latency`] included, [`Faults::mutating_latency`] left out.
    pub took: Duration,
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy on a free `127.0.0.1` port in front of `upstream`
    /// (`http://host:port`, e.g. [`Moto::endpoint`](crate::Moto::endpoint)).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream.trim_end_matches('/').to_string();
        assert!(
            upstream
                .parse::<Uri>()
                .is_ok_and(|u| u.authority().is_some()),
            "proxy upstream {upstream:?} is not an http://host:port address"
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("no free loopback port");
        listener
            .set_nonblocking(true)
            .expect("cannot make the proxy listener non-blocking");
        let port = listener
            .local_addr()
            .expect("proxy listener address")
            .port();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build the proxy runtime");
        let shared = Arc::new(Shared {
            upstream,
            started: Instant::now(),
            started_unix: std::time::SystemTime::now(),
            state: Mutex::new(State::default()),
        });
        let (shutdown, stop) = oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("cairn-proxy-{port}"))
            .spawn(move || runtime.block_on(serve(listener, serving, stop)))
            .expect("cannot start the proxy thread");
        Proxy {
            port,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a process that should talk to moto through this proxy (as
    /// [`Moto::env`](crate::Moto::env), with the proxy's endpoint).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        crate::env_for(self.endpoint())
    }

    /// Replaces the proxy's behaviour from the next call on, and restarts the fault draws from
    /// `faults.seed`. Calls already under way keep what they were given.
    pub fn set(&self, faults: Faults) {
        let mut state = self.shared.lock();
        state.rng = faults.seed;
        state.faults = faults;
    }

    /// Every AWS call seen so far, in the order their outcome was known: when the upstream
    /// answered (before any [`Faults::mutating_latency`]) or the fault was chosen.
    pub fn calls(&self) -> Vec<Call> {
        self.shared
            .lock()
            .calls
            .iter()
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// [`Proxy::calls`] with when each came and how long it took.
    pub fn timed_calls(&self) -> Vec<(Call, Timing)> {
        self.shared.lock().calls.clone()
    }

    /// Forgets the calls seen so far.
    pub fn clear(&self) {
        self.shared.lock().calls.clear();
    }

    /// Waits up to `timeout` for a recorded call that `matches`, and returns the first one.
    /// With [`Faults::mutating_latency`] this tells when a create has been carried out while
    /// its client still waits for the answer (the moment to kill it).
    pub fn wait_for_call(
        &self,
        timeout: Duration,
        matches: impl Fn(&Call) -> bool,
    ) -> Option<Call> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((call, _)) = self.shared.lock().calls.iter().find(|(c, _)| matches(c)) {
                return Some(call.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Shared {
    /// `http://host:port`, no trailing slash.
    upstream: String,
    /// When the proxy started: [`Timing::at`] counts from here.
    started: Instant,
    /// The same moment on the system clock, for other processes' logs.
    started_unix: std::time::SystemTime,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, call: Call, arrived: Instant) {
        let timing = Timing {
            at: arrived.saturating_duration_since(self.started),
            took: arrived.elapsed(),
        };
        self.lock().calls.push((call, timing));
    }
}

#[derive(Default)]
struct State {
    faults: Faults,
    /// splitmix64 state.
    rng: u64,
    calls: Vec<(Call, Timing)>,
    /// For the request ids of injected faults.
    next_id: u64,
}

impl State {
    fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault for a call to `operation`, if any.
    fn draw(&mut self, operation: &str) -> Option<FaultKind> {
        if let Some((_, kind)) = self
            .faults
            .always_fail
            .iter()
            .find(|(op, _)| op == operation)
        {
            return Some(*kind);
        }
        if self.faults.fail_rate <= 0.0 || self.next_unit() >= self.faults.fail_rate {
            return None;
        }
        let n = self.faults.kinds.len() as u64;
        if n == 0 {
            return Some(FaultKind::Throttle);
        }
        let pick = (self.next_u64() % n) as usize;
        self.faults.kinds.get(pick).copied()
    }
}

type Body = Full<Bytes>;
type BoxError = Box<dyn StdError + Send + Sync>;
type UpstreamClient = Client<HttpConnector, Body>;

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, stop: oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let client: UpstreamClient = Client::builder(TokioExecutor::new()).build_http();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of descriptors or similar: back off rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let reset = Arc::new(AtomicBool::new(false));
        let io = TokioIo::new(Connection {
            stream,
            reset: Arc::clone(&reset),
        });
        let shared = Arc::clone(&shared);
        let client = client.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                handle(Arc::clone(&shared), client.clone(), Arc::clone(&reset), req)
            });
            // An error here is a client gone, bad HTTP, or an injected reset: nothing to do.
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, service)
                .await;
        });
    }
}

/// A client connection that is reset (RST, no FIN) when dropped after `reset` was set.
struct Connection {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The error that makes hyper drop the connection without answering.
#[derive(Debug)]
struct InjectedReset;

impl std::fmt::Display for InjectedReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected connection reset")
    }
}

impl StdError for InjectedReset {}

async fn handle(
    shared: Arc<Shared>,
    client: UpstreamClient,
    reset: Arc<AtomicBool>,
    req: Request<Incoming>,
) -> Result<Response<Body>, BoxError> {
    let arrived = Instant::now();
    let (parts, body) = req.into_parts();
    if let Some(command) = parts.uri.path().strip_prefix("/_proxy/") {
        return Ok(control(&shared, &parts, command));
    }
    let body = body.collect().await?.to_bytes();
    let Some(call) = classify(&parts, &body) else {
        return Ok(forward(&shared, &client, parts, body).await);
    };
    let (latency, mutating_latency, fault, request_id) = {
        let mut state = shared.lock();
        let fault = state.draw(&call.operation);
        state.next_id += 1;
        (
            state.faults.latency,
            state.faults.mutating_latency,
            fault,
            state.next_id,
        )
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let record = |injected, status| {
        shared.record(
            Call {
                service: call.service.clone(),
                operation: call.operation.clone(),
                mutating: call.mutating,
                injected,
                status,
            },
            arrived,
        )
    };
    match fault {
        Some(FaultKind::Reset) => {
            record(Some(FaultKind::Reset), 0);
            reset.store(true, Ordering::SeqCst);
            Err(Box::new(InjectedReset))
        }
        Some(kind) => {
            let response = fault_response(call.protocol, kind, &parts.headers, request_id);
            record(Some(kind), response.status().as_u16());
            Ok(response)
        }
        None => {
            let response = forward(&shared, &client, parts, body).await;
            record(None, response.status().as_u16());
            if call.mutating && !mutating_latency.is_zero() {
                tokio::time::sleep(mutating_latency).await;
            }
            Ok(response)
        }
    }
}

/// Answers a call to the proxy's own HTTP interface (`/_proxy/COMMAND`).
fn control(shared: &Shared, parts: &Parts, command: &str) -> Response<Body> {
    let query = parts.uri.query().unwrap_or("");
    match (&parts.method, command) {
        (&Method::GET, "calls") => {
            let since_epoch = shared
                .started_unix
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let mut out = String::new();
            for (c, t) in shared.lock().calls.iter() {
                out.push_str(&format!(
                    "{{\"service\":{},\"operation\":{},\"mutating\":{},\"status\":{},\"injected\":{},\"at_ms\":{:.3},\"took_ms\":{:.3},\"unix_ms\":{:.3}}}\n",
                    json_string(&c.service),
                    json_string(&c.operation),
                    c.mutating,
                    c.status,
                    c.injected.is_some(),
                    t.at.as_secs_f64() * 1000.0,
                    t.took.as_secs_f64() * 1000.0,
                    (since_epoch + t.at).as_secs_f64() * 1000.0,
                ));
            }
            plain(StatusCode::OK, out)
        }
        (&Method::POST, "clear") => {
            shared.lock().calls.clear();
            plain(StatusCode::OK, String::new())
        }
        (&Method::POST, "set") => {
            let mut faults = Faults::default();
            for (key, value) in query_pairs(query) {
                let Ok(ms) = value.parse::<u64>() else {
                    return plain(
                        StatusCode::BAD_REQUEST,
                        format!("{key}={value}: not a whole number of milliseconds"),
                    );
                };
                match key {
                    "latency_ms" => faults.latency = Duration::from_millis(ms),
                    "mutating_latency_ms" => faults.mutating_latency = Duration::from_millis(ms),
                    _ => {
                        return plain(
                            StatusCode::BAD_REQUEST,
                            format!("unknown setting {key:?} (latency_ms, mutating_latency_ms)"),
                        )
                    }
                }
            }
            let mut state = shared.lock();
            state.rng = faults.seed;
            state.faults = faults;
            plain(StatusCode::OK, String::new())
        }
        _ => plain(
            StatusCode::NOT_FOUND,
            format!(
                "{} /_proxy/{command}: the proxy answers GET calls, POST clear, POST set",
                parts.method
            ),
        ),
    }
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Hop-by-hop headers: they describe one connection, never the message (and are never signed).
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in ["connection", "keep-alive", "proxy-connection"] {
        headers.remove(name);
    }
}

/// Sends the request to the upstream and returns its answer, or a 502.
async fn forward(
    shared: &Shared,
    client: &UpstreamClient,
    mut parts: Parts,
    body: Bytes,
) -> Response<Body> {
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let uri = match format!("{}{path}", shared.upstream).parse::<Uri>() {
        Ok(uri) => uri,
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("bad request path: {e}")),
    };
    parts.uri = uri;
    parts.version = Version::HTTP_11;
    strip_hop_by_hop(&mut parts.headers);
    let answer = match client
        .request(Request::from_parts(parts, Full::new(body)))
        .await
    {
        Ok(answer) => answer,
        Err(e) => {
            return plain(
                StatusCode::BAD_GATEWAY,
                format!("upstream unreachable: {e}"),
            )
        }
    };
    let (mut head, body) = answer.into_parts();
    match body.collect().await {
        Ok(body) => {
            strip_hop_by_hop(&mut head.headers);
            Response::from_parts(head, Full::new(body.to_bytes()))
        }
        Err(e) => plain(
            StatusCode::BAD_GATEWAY,
            format!("upstream answer cut short: {e}"),
        ),
    }
}

fn plain(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

/// The wire protocol of a call, which decides the shape of its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    /// EC2's own query dialect.
    Ec2Query,
    /// awsQuery: IAM, RDS, ELBv2.
    Query,
    /// awsJson 1.0/1.1 (`X-Amz-Target`): ECS, CloudWatch Logs, Resource Groups Tagging.
    Json,
    /// S3's REST-XML.
    S3,
    /// REST-JSON: EFS.
    RestJson,
}

struct Classified {
    service: String,
    operation: String,
    mutating: bool,
    protocol: Protocol,
}

/// Service, operation and protocol of an AWS call; `None` for a request without a SigV4
/// credential (moto's control calls).
fn classify(parts: &Parts, body: &[u8]) -> Option<Classified> {
    let service = service(parts)?;
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let (operation, protocol) = if let Some(target) = header("x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or(target);
        (op.to_string(), Protocol::Json)
    } else if let Some(action) = action(parts, body) {
        let protocol = if service == "ec2" {
            Protocol::Ec2Query
        } else {
            Protocol::Query
        };
        (action, protocol)
    } else {
        let protocol = if service == "s3" {
            Protocol::S3
        } else {
            Protocol::RestJson
        };
        (rest_operation(parts), protocol)
    };
    let rest = matches!(protocol, Protocol::S3 | Protocol::RestJson);
    let mutating = match parts.method {
        Method::PUT | Method::DELETE | Method::PATCH => true,
        Method::GET | Method::HEAD if rest => false,
        _ if rest => true,
        _ => !["Describe", "List", "Get", "Head"]
            .iter()
            .any(|read| operation.starts_with(read)),
    };
    Some(Classified {
        service,
        operation,
        mutating,
        protocol,
    })
}

/// The signing name in the SigV4 credential scope, from the `Authorization` header or a
/// presigned URL's `X-Amz-Credential`.
fn service(parts: &Parts) -> Option<String> {
    let from_header = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| {
            auth.split([' ', ','])
                .find_map(|p| p.strip_prefix("Credential="))
                .map(str::to_string)
        });
    let credential = from_header.or_else(|| {
        query_pairs(parts.uri.query().unwrap_or(""))
            .find(|(k, _)| *k == "X-Amz-Credential")
            .map(|(_, v)| v.replace("%2F", "/").replace("%2f", "/"))
    })?;
    // AKID/date/region/service/aws4_request
    let service = credential.split('/').nth(3)?;
    (!service.is_empty()).then(|| service.to_string())
}

fn query_pairs(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// The query protocols' `Action`, from a form-encoded body or the query string.
fn action(parts: &Parts, body: &[u8]) -> Option<String> {
    let form = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("x-www-form-urlencoded"));
    let from_body = form
        .then(|| std::str::from_utf8(body).ok())
        .flatten()
        .and_then(|b| query_pairs(b.trim()).find(|(k, _)| *k == "Action"));
    let (_, action) = from_body
        .or_else(|| query_pairs(parts.uri.query().unwrap_or("")).find(|(k, _)| *k == "Action"))?;
    (!action.is_empty()).then(|| action.to_string())
}

/// `METHOD /path`, plus the value-less query parameters (S3 sub-resources like `?tagging`).
fn rest_operation(parts: &Parts) -> String {
    let subresources: Vec<&str> = query_pairs(parts.uri.query().unwrap_or(""))
        .filter(|(k, v)| v.is_empty() && !k.is_empty())
        .map(|(k, _)| k)
        .collect();
    let mut op = format!("{} {}", parts.method, parts.uri.path());
    if !subresources.is_empty() {
        op.push('?');
        op.push_str(&subresources.join("&"));
    }
    op
}

/// An injected fault in the error shape the SDK expects from `protocol`.
fn fault_response(
    protocol: Protocol,
    kind: FaultKind,
    request_headers: &HeaderMap,
    id: u64,
) -> Response<Body> {
    let request_id = format!("cairn-proxy-{id:08}");
    let (status, code, message) = match (kind, protocol) {
        (FaultKind::Throttle, Protocol::Ec2Query) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "RequestLimitExceeded",
            "Request limit exceeded.",
        ),
        (FaultKind::Throttle, Protocol::Query) => {
            (StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
        }
        (FaultKind::Throttle, Protocol::Json) => (
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        ),
        (FaultKind::Throttle, Protocol::S3) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "SlowDown",
            "Please reduce your request rate.",
        ),
        (FaultKind::Throttle, Protocol::RestJson) => (
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            "Rate exceeded",
        ),
        (FaultKind::Unavailable, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "Service is unavailable. Please try again.",
        ),
        // A reset never gets here; answer it as a server error all the same.
        (FaultKind::ServerError | FaultKind::Reset, _) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
    };
    let (content_type, body) = match protocol {
        Protocol::Ec2Query => (
            "text/xml;charset=UTF-8".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
                 <Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            ),
        ),
        Protocol::Query => {
            let party = if status.is_server_error() {
                "Receiver"
            } else {
                "Sender"
            };
            (
                "text/xml".to_string(),
                format!(
                    "<ErrorResponse><Error><Type>{party}</Type><Code>{code}</Code>\
                     <Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
                ),
            )
        }
        Protocol::Json => {
            let content_type = request_headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .filter(|ct| ct.starts_with("application/x-amz-json"))
                .unwrap_or("application/x-amz-json-1.1");
            (
                content_type.to_string(),
                format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
            )
        }
        Protocol::S3 => (
            "application/xml".to_string(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
                 <Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
            ),
        ),
        Protocol::RestJson => (
            "application/json".to_string(),
            format!("{{\"message\":\"{message}\"}}"),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("content-type", &content_type);
    set("x-amzn-requestid", &request_id);
    if protocol == Protocol::S3 {
        set("x-amz-request-id", &request_id);
    }
    if protocol == Protocol::RestJson {
        set("x-amzn-errortype", code);
    }
    response
}
