//! The fault-injecting proxy against a real moto server, spoken to over raw HTTP/1.1.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use cairn_testkit::{Call, FaultKind, Faults, Moto, Proxy};

/// One HTTP/1.1 connection to the proxy, kept alive between requests.
struct Conn {
    reader: BufReader<TcpStream>,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, \
         SignedHeaders=host, Signature=x"
    )
}

impl Conn {
    fn open(proxy: &Proxy) -> Conn {
        let addr = proxy.endpoint().trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(addr).expect("connect to the proxy");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> io::Result<Answer> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        self.read_answer(method == "HEAD")
    }

    fn read_answer(&mut self, head_only: bool) -> io::Result<Answer> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let mut answer = Answer {
            status,
            headers,
            body: String::new(),
        };
        if head_only {
            return Ok(answer);
        }
        let mut body = Vec::new();
        if let Some(len) = answer.header("content-length") {
            let len: usize = len.parse().map_err(io::Error::other)?;
            body.resize(len, 0);
            self.reader.read_exact(&mut body)?;
        } else if answer
            .header("transfer-encoding")
            .is_some_and(|te| te.contains("chunked"))
        {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).map_err(io::Error::other)?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        }
        answer.body = String::from_utf8_lossy(&body).into_owned();
        Ok(answer)
    }

    /// An EC2 (query protocol) call.
    fn ec2(&mut self, action: &str, params: &str) -> io::Result<Answer> {
        let body = format!("Action={action}&Version=2016-11-15{params}");
        self.send(
            "POST",
            "/",
            &[
                ("Authorization", &auth("ec2")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        )
    }

    fn iam(&mut self, action: &str) -> io::Result<Answer> {
        let body = format!("Action={action}&Version=2010-05-08");
        self.send(
            "POST",
            "/",
            &[
                ("Authorization", &auth("iam")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        )
    }

    /// An ECS (JSON protocol) call.
    fn ecs(&mut self, operation: &str, body: &str) -> io::Result<Answer> {
        let target = format!("AmazonEC2ContainerServiceV20141113.{operation}");
        self.send(
            "POST",
            "/",
            &[
                ("Authorization", &auth("ecs")),
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", &target),
            ],
            body,
        )
    }

    fn s3(&mut self, method: &str, path: &str) -> io::Result<Answer> {
        self.send(method, path, &[("Authorization", &auth("s3"))], "")
    }

    fn efs(&mut self, method: &str, path: &str, body: &str) -> io::Result<Answer> {
        self.send(
            method,
            path,
            &[
                ("Authorization", &auth("elasticfilesystem")),
                ("Content-Type", "application/json"),
            ],
            body,
        )
    }
}

fn call(service: &str, operation: &str, mutating: bool, status: u16) -> Call {
    Call {
        service: service.into(),
        operation: operation.into(),
        mutating,
        injected: None,
        status,
    }
}

#[test]
fn forwards_and_counts_calls_on_one_kept_alive_connection() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    let before = moto.request_count();
    let mut conn = Conn::open(&proxy);

    let vpcs = conn.ec2("DescribeVpcs", "").unwrap();
    assert_eq!(vpcs.status, 200, "{}", vpcs.body);
    assert!(vpcs.body.contains("<DescribeVpcsResponse"), "{}", vpcs.body);
    // moto answers `Connection: close`; the proxy keeps the client's connection open.
    assert_ne!(vpcs.header("connection"), Some("close"));

    let created = conn.ec2("CreateVpc", "&CidrBlock=10.0.0.0/16").unwrap();
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("<vpcId>vpc-"), "{}", created.body);

    let clusters = conn.ecs("ListClusters", "{}").unwrap();
    assert_eq!(clusters.status, 200, "{}", clusters.body);
    assert!(clusters.body.contains("clusterArns"), "{}", clusters.body);

    assert_eq!(conn.s3("PUT", "/cairn-proxy-bucket").unwrap().status, 200);
    let head = conn.s3("HEAD", "/cairn-proxy-bucket").unwrap();
    assert_eq!(head.status, 200);
    let buckets = conn.s3("GET", "/").unwrap();
    assert_eq!(buckets.status, 200);
    assert!(
        buckets.body.contains("cairn-proxy-bucket"),
        "{}",
        buckets.body
    );
    let tagging = conn.s3("GET", "/cairn-proxy-bucket?tagging").unwrap();
    assert_eq!(tagging.status, 404, "no tags yet: {}", tagging.body);

    // moto's control endpoint goes through, uncounted.
    assert_eq!(conn.send("GET", "/moto-api/", &[], "").unwrap().status, 200);

    assert_eq!(
        proxy.calls(),
        vec![
            call("ec2", "DescribeVpcs", false, 200),
            call("ec2", "CreateVpc", true, 200),
            call("ecs", "ListClusters", false, 200),
            call("s3", "PUT /cairn-proxy-bucket", true, 200),
            call("s3", "HEAD /cairn-proxy-bucket", false, 200),
            call("s3", "GET /", false, 200),
            call("s3", "GET /cairn-proxy-bucket?tagging", false, 404),
        ]
    );
    assert_eq!(moto.request_count() - before, 7);
}

#[test]
fn throttles_in_each_protocols_error_shape_without_reaching_moto() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    let mut conn = Conn::open(&proxy);
    conn.ec2("DescribeVpcs", "").unwrap(); // warm up moto's EC2 backend
    let before = moto.request_count();
    proxy.set(Faults {
        fail_rate: 1.0,
        kinds: vec![FaultKind::Throttle],
        ..Faults::default()
    });

    let ec2 = conn.ec2("CreateVpc", "&CidrBlock=10.1.0.0/16").unwrap();
    assert_eq!(ec2.status, 503);
    assert!(
        ec2.body.contains(
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code>\
             <Message>Request limit exceeded.</Message></Error></Errors><RequestID>"
        ),
        "{}",
        ec2.body
    );

    let iam = conn.iam("ListRoles").unwrap();
    assert_eq!(iam.status, 400);
    assert!(
        iam.body.starts_with(
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
             <Message>Rate exceeded</Message></Error><RequestId>"
        ),
        "{}",
        iam.body
    );

    let ecs = conn.ecs("ListClusters", "{}").unwrap();
    assert_eq!(ecs.status, 400);
    assert_eq!(
        ecs.body,
        r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#
    );
    assert_eq!(
        ecs.header("content-type"),
        Some("application/x-amz-json-1.1")
    );

    let s3 = conn.s3("PUT", "/throttled-bucket").unwrap();
    assert_eq!(s3.status, 503);
    assert!(
        s3.body.contains(
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
        ),
        "{}",
        s3.body
    );

    let efs = conn
        .efs(
            "POST",
            "/2015-02-01/file-systems",
            r#"{"CreationToken":"t"}"#,
        )
        .unwrap();
    assert_eq!(efs.status, 429);
    assert_eq!(efs.header("x-amzn-errortype"), Some("ThrottlingException"));
    assert_eq!(efs.body, r#"{"message":"Rate exceeded"}"#);

    assert_eq!(moto.request_count(), before, "{:?}", moto.requests());
    let calls = proxy.calls();
    let injected: Vec<_> = calls[1..]
        .iter()
        .map(|c| {
            (
                c.service.as_str(),
                c.operation.as_str(),
                c.injected,
                c.status,
            )
        })
        .collect();
    let throttle = Some(FaultKind::Throttle);
    assert_eq!(
        injected,
        vec![
            ("ec2", "CreateVpc", throttle, 503),
            ("iam", "ListRoles", throttle, 400),
            ("ecs", "ListClusters", throttle, 400),
            ("s3", "PUT /throttled-bucket", throttle, 503),
            (
                "elasticfilesystem",
                "POST /2015-02-01/file-systems",
                throttle,
                429
            ),
        ]
    );

    // 500 and 503 faults keep the protocol's shape.
    proxy.set(Faults {
        fail_rate: 1.0,
        kinds: vec![FaultKind::ServerError],
        ..Faults::default()
    });
    let ecs = conn.ecs("ListClusters", "{}").unwrap();
    assert_eq!(ecs.status, 500);
    assert!(
        ecs.body.contains(r#""__type":"InternalError""#),
        "{}",
        ecs.body
    );
    proxy.set(Faults {
        fail_rate: 1.0,
        kinds: vec![FaultKind::Unavailable],
        ..Faults::default()
    });
    let iam = conn.iam("ListRoles").unwrap();
    assert_eq!(iam.status, 503);
    assert!(
        iam.body
            .contains("<Type>Receiver</Type><Code>ServiceUnavailable</Code>"),
        "{}",
        iam.body
    );
    assert_eq!(moto.request_count(), before);

    // Back to normal.
    proxy.set(Faults::default());
    assert_eq!(conn.ecs("ListClusters", "{}").unwrap().status, 200);
    assert_eq!(moto.request_count(), before + 1);
}

#[test]
fn always_fail_hits_only_the_named_operation() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set(Faults {
        always_fail: vec![("CreateVpc".into(), FaultKind::Throttle)],
        ..Faults::default()
    });
    let mut conn = Conn::open(&proxy);
    let before = moto.request_count();
    for _ in 0..3 {
        assert_eq!(conn.ec2("DescribeVpcs", "").unwrap().status, 200);
        let created = conn.ec2("CreateVpc", "&CidrBlock=10.2.0.0/16").unwrap();
        assert_eq!(created.status, 503);
        assert!(created.body.contains("RequestLimitExceeded"));
    }
    assert_eq!(moto.request_count() - before, 3);
    let vpcs = conn.ec2("DescribeVpcs", "").unwrap();
    assert!(!vpcs.body.contains("10.2.0.0/16"), "{}", vpcs.body);
    let injected: Vec<_> = proxy
        .calls()
        .iter()
        .filter(|c| c.injected.is_some())
        .map(|c| c.operation.clone())
        .collect();
    assert_eq!(injected, vec!["CreateVpc"; 3]);
}

#[test]
fn reset_cuts_the_connection_without_an_answer() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set(Faults {
        always_fail: vec![("CreateVpc".into(), FaultKind::Reset)],
        ..Faults::default()
    });
    let before = moto.request_count();
    let mut conn = Conn::open(&proxy);
    assert_eq!(conn.ec2("DescribeVpcs", "").unwrap().status, 200);
    let err = conn
        .ec2("CreateVpc", "&CidrBlock=10.3.0.0/16")
        .err()
        .expect("a reset call must not be answered");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(moto.request_count() - before, 1);

    // The proxy itself goes on serving new connections.
    let mut conn = Conn::open(&proxy);
    assert_eq!(conn.ec2("DescribeVpcs", "").unwrap().status, 200);
    let last = proxy.calls();
    assert_eq!(last[1].injected, Some(FaultKind::Reset));
    assert_eq!(last[1].status, 0);
}

#[test]
fn mutating_latency_delays_the_answer_after_moto_made_the_change() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    let mut conn = Conn::open(&proxy);
    conn.ec2("DescribeVpcs", "").unwrap(); // warm up

    // Reads are not delayed: with a 60 s latency for mutating calls, a read is answered long
    // before (the bound is loose because moto can be slow on a loaded machine).
    proxy.set(Faults {
        mutating_latency: Duration::from_secs(60),
        ..Faults::default()
    });
    let started = Instant::now();
    assert_eq!(conn.ec2("DescribeVpcs", "").unwrap().status, 200);
    let read = started.elapsed();
    assert!(read < Duration::from_secs(20), "a read took {read:?}");

    let delay = Duration::from_secs(4);
    proxy.set(Faults {
        mutating_latency: delay,
        ..Faults::default()
    });
    let endpoint = proxy.endpoint();
    let creator = std::thread::spawn(move || {
        let addr = endpoint.trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut conn = Conn {
            reader: BufReader::new(stream),
        };
        let started = Instant::now();
        let answer = conn.ec2("CreateVpc", "&CidrBlock=10.4.0.0/16").unwrap();
        (answer.status, started.elapsed())
    });
    let seen = proxy
        .wait_for_call(Duration::from_secs(10), |c| c.operation == "CreateVpc")
        .expect("CreateVpc reached moto");
    // Moto has answered (the call is recorded with its status) but the creator still waits.
    assert!(!creator.is_finished(), "the create was answered too early");
    assert!(seen.mutating && seen.status == 200 && seen.injected.is_none());
    let vpcs = conn.ec2("DescribeVpcs", "").unwrap();
    assert!(vpcs.body.contains("10.4.0.0/16"), "{}", vpcs.body);

    let (status, took) = creator.join().unwrap();
    assert_eq!(status, 200);
    assert!(took >= delay, "the create took only {took:?}");
    assert!(
        took < delay + Duration::from_secs(30),
        "the create took {took:?}"
    );
}

#[test]
fn latency_delays_every_call() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    let mut conn = Conn::open(&proxy);
    assert_eq!(conn.ecs("ListClusters", "{}").unwrap().status, 200);
    proxy.set(Faults {
        latency: Duration::from_millis(400),
        ..Faults::default()
    });
    let started = Instant::now();
    assert_eq!(conn.ecs("ListClusters", "{}").unwrap().status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[test]
fn fail_rate_draws_are_deterministic() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    let faults = Faults {
        fail_rate: 0.2,
        kinds: vec![
            FaultKind::Throttle,
            FaultKind::ServerError,
            FaultKind::Unavailable,
        ],
        seed: 7,
        ..Faults::default()
    };
    let run = |conn: &mut Conn| -> Vec<Option<FaultKind>> {
        proxy.set(faults.clone());
        let first = proxy.calls().len();
        for _ in 0..200 {
            let answer = conn.s3("GET", "/").unwrap();
            assert!(
                [200, 500, 503].contains(&answer.status),
                "{}",
                answer.status
            );
        }
        proxy.calls()[first..].iter().map(|c| c.injected).collect()
    };
    let mut conn = Conn::open(&proxy);
    let before = moto.request_count();
    let first = run(&mut conn);
    let injected = first.iter().filter(|f| f.is_some()).count();
    assert!((20..=60).contains(&injected), "{injected} of 200 injected");
    assert_eq!(moto.request_count() - before, 200 - injected);
    for kind in &faults.kinds {
        assert!(first.contains(&Some(*kind)), "{kind:?} never drawn");
    }
    // The same seed gives the same faults.
    assert_eq!(run(&mut conn), first);
}

#[test]
fn survives_bad_input() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    proxy.set(Faults {
        fail_rate: 0.5,
        ..Faults::default()
    });
    let addr = proxy.endpoint().trim_start_matches("http://").to_string();
    for garbage in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort",
        b"POST / HTTP/1.1\r\nAuthorization: Credential=\r\nX-Amz-Target: .\r\n\r\n",
        b"GET /%ff?Action=&X-Amz-Credential=%2F%2F HTTP/1.1\r\nAuthorization: \xff\r\n\r\n",
        b"\x00\x01\x02",
    ] {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(garbage).unwrap();
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
    }
    proxy.set(Faults::default());
    let mut conn = Conn::open(&proxy);
    assert_eq!(conn.ec2("DescribeVpcs", "").unwrap().status, 200);
}

#[test]
fn other_processes_read_and_steer_the_proxy_over_http() {
    let moto = Moto::start();
    let proxy = Proxy::start(&moto.endpoint());
    let mut conn = Conn::open(&proxy);
    let set = conn
        .send("POST", "/_proxy/set?mutating_latency_ms=300", &[], "")
        .unwrap();
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(conn.ec2("DescribeVpcs", "").unwrap().status, 200);
    let started = Instant::now();
    assert_eq!(
        conn.ec2("CreateVpc", "&CidrBlock=10.0.0.0/16")
            .unwrap()
            .status,
        200
    );
    let create_took = started.elapsed();

    let calls = conn.send("GET", "/_proxy/calls", &[], "").unwrap();
    assert_eq!(calls.status, 200);
    let lines: Vec<&str> = calls.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", calls.body);
    assert!(
        lines[0].starts_with(r#"{"service":"ec2","operation":"DescribeVpcs","mutating":false,"status":200,"injected":false,"at_ms":"#),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(r#""operation":"CreateVpc","mutating":true"#));
    // The timings: arrival after the first call's, and upstream time without the held answer.
    let timed = proxy.timed_calls();
    assert!(timed[1].1.at >= timed[0].1.at);
    assert!(
        create_took >= timed[1].1.took + Duration::from_millis(300),
        "{create_took:?} {timed:?}"
    );

    assert_eq!(
        conn.send("POST", "/_proxy/clear", &[], "").unwrap().status,
        200
    );
    assert!(proxy.calls().is_empty());
    let bad = conn.send("POST", "/_proxy/set?latency=5", &[], "").unwrap();
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("unknown setting"), "{}", bad.body);
    assert_eq!(
        conn.send("GET", "/_proxy/nope", &[], "").unwrap().status,
        404
    );
}
