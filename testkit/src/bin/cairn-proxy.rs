//! `cairn-proxy UPSTREAM`: the testkit's counting, slowing proxy as a process, for the benchmarks.
//!
//! Prints its endpoint (`http://127.0.0.1:PORT`) on the first line of standard output, then
//! serves until killed. Read and steer it over HTTP: `GET /_proxy/calls`, `POST /_proxy/clear`,
//! `POST /_proxy/set?latency_ms=N&mutating_latency_ms=N` (see `cairn_testkit::Proxy`).

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(upstream), None) = (args.next(), args.next()) else {
        eprintln!("usage: cairn-proxy UPSTREAM   (e.g. cairn-proxy http://127.0.0.1:5000)");
        std::process::exit(2);
    };
    let proxy = cairn_testkit::Proxy::start(&upstream);
    let mut out = std::io::stdout();
    if writeln!(out, "{}", proxy.endpoint())
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(1);
    }
    loop {
        std::thread::park();
    }
}
