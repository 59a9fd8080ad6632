//! Test support: starts a real AWS API implementation (moto server) on a free loopback port.
//!
//! Each [`Moto`] is its own server process, killed when dropped, so tests never share AWS
//! state. When `moto_server` is missing it is installed with `pip install 'moto[server]'`.
//!
//! With the `proxy` feature, a `Proxy` in front of a [`Moto`] counts the calls, slows them
//! down and injects faults.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[cfg(feature = "proxy")]
mod proxy;

#[cfg(feature = "proxy")]
pub use proxy::{Call, FaultKind, Faults, Proxy, Timing};

/// A running moto server.
pub struct Moto {
    child: Child,
    port: u16,
    /// moto's request log (one line per request).
    log: PathBuf,
}

/// Finds `moto_server`, installing `moto[server]` with pip once when it is missing.
fn moto_command() -> PathBuf {
    static CMD: OnceLock<PathBuf> = OnceLock::new();
    CMD.get_or_init(|| {
        if let Some(found) = which("moto_server") {
            return found;
        }
        let status = Command::new(python())
            .args(["-m", "pip", "install", "--quiet", "moto[server]"])
            .status()
            .expect("moto_server is missing and pip could not be run to install it");
        assert!(status.success(), "pip install 'moto[server]' failed");
        which("moto_server").expect("moto_server still missing after pip install")
    })
    .clone()
}

/// The Python interpreter that pip installs moto into.
fn python() -> &'static str {
    if which("python3").is_some() {
        "python3"
    } else {
        "python"
    }
}

/// moto's own server entry point with the few calls cairn uses that moto lacks added on its
/// own models (API Gateway v2's UpdateStage and DeleteAccessLogSettings), and `--serial` to
/// answer one request at a time.
const MOTO: &str = include_str!("moto.py");

fn which(cmd: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(cmd))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Environment for a process that should reach AWS at `endpoint` with moto's test
/// credentials and region, never the machine's own.
pub fn env_for(endpoint: String) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

impl Moto {
    /// Starts a fresh moto server and waits until it answers.
    pub fn start() -> Moto {
        Moto::launch(false)
    }

    /// Starts a fresh moto server that answers one request at a time.
    ///
    /// moto checks S3's conditional writes (`If-None-Match: *`, `If-Match`) and then writes in
    /// two steps, with nothing held between them across its request threads, so two racing
    /// conditional writes can both succeed; S3 itself decides them atomically. Tests of
    /// compare-and-swap protocols use this server, where each request is whole.
    pub fn start_serial() -> Moto {
        Moto::launch(true)
    }

    fn launch(serial: bool) -> Moto {
        moto_command();
        for _attempt in 0..3 {
            let port = free_port();
            let log =
                std::env::temp_dir().join(format!("cairn-moto-{}-{port}.log", std::process::id()));
            let log_file = std::fs::File::create(&log).expect("cannot create the moto log");
            let mut command = Command::new(python());
            command.args(["-c", MOTO]);
            if serial {
                command.arg("--serial");
            }
            let child = command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                // Requested certificates are issued once their DNS validation records
                // exist (moto.py), not merely after moto's default minute.
                .env("MOTO_ACM_VALIDATION_WAIT", "3600")
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file))
                .spawn()
                .expect("cannot start moto_server");
            let mut moto = Moto { child, port, log };
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break; // died (port taken?): try another port
                }
                if moto.request("GET", "/moto-api/").is_some() {
                    return moto;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = moto.child.kill();
        }
        panic!("moto_server did not start");
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a process that should talk to this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        env_for(self.endpoint())
    }

    /// Sets this server's environment in the current process (see [`Moto::env`]).
    pub fn export_env(&self) {
        for (k, v) in self.env() {
            std::env::set_var(k, v);
        }
    }

    /// How many AWS API requests the server has answered so far (its own control endpoint
    /// not counted): take it before and after a command to count that command's calls.
    pub fn request_count(&self) -> usize {
        self.requests().len()
    }

    /// The request lines of moto's log so far (`"POST / HTTP/1.1" 200`, ...), oldest first.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(" HTTP/1.1\"") && !l.contains("/moto-api"))
            .map(|l| l.split_once('"').map_or(l, |(_, r)| r).to_string())
            .collect()
    }

    /// Clears all of moto's resources.
    pub fn reset(&self) {
        self.request("POST", "/moto-api/reset")
            .expect("moto reset failed");
    }

    fn request(&self, method: &str, path: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        out.starts_with("HTTP/1.").then_some(out)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
