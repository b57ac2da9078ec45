//! `/metrics` over HTTP on the loopback, served by weftd's own server
//! ([`daemon::metrics::MetricsServer`]) over a koko configuration made
//! through the CLI on pg interfaces: exact lines for known traffic, every
//! interface counter equal to `show interface`'s, the buffer gauges equal
//! to `show buffers`', and what each `clear` does to the series.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use control::cli::Executor;
use daemon::metrics::MetricsServer;

mod common;
use common::Rig;

impl Rig {
    fn json(&self, line: &str) -> serde_json::Value {
        serde_json::from_str(&self.cli.execute_json(line).unwrap()).unwrap()
    }
}

/// Sends `request` raw and returns (status line, head, body).
fn http(addr: SocketAddr, request: &[u8]) -> (String, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").expect("a response head");
    let status = head.lines().next().unwrap().to_string();
    (status, head.to_string(), body.to_string())
}

fn scrape(addr: SocketAddr) -> String {
    let (status, head, body) = http(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        head.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())),
        "{head}"
    );
    body
}

/// The value of the one sample `series` (name and labels, exactly).
fn value(text: &str, series: &str) -> f64 {
    let hits: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .collect();
    assert_eq!(hits.len(), 1, "{series} in:\n{text}");
    hits[0].parse().unwrap()
}

#[test]
fn metrics_over_http_match_the_show_commands() {
    let r = Rig::koko();
    r.traffic(3);
    let server = MetricsServer::spawn("127.0.0.1:0".parse().unwrap(), r.cli.state().clone())
        .expect("listen on the loopback");
    let addr = server.local_addr();
    let text = scrape(addr);

    // The series the issue names, exactly (show_interface_golden's and
    // show_errors_golden's numbers for this traffic).
    for line in [
        "interfaces_rx_packets{interface=\"eth0\",index=\"1\",thread=\"1\"} 4",
        "interfaces_rx_bytes{interface=\"eth0\",index=\"1\",thread=\"1\"} 440",
        "interfaces_tx_packets{interface=\"eth0\",index=\"1\",thread=\"1\"} 3",
        "interfaces_tx_bytes{interface=\"eth0\",index=\"1\",thread=\"1\"} 330",
        "interfaces_drops{interface=\"eth0\",index=\"1\",thread=\"1\"} 1",
        "interfaces_ip4{interface=\"eth0\",index=\"1\",thread=\"1\"} 4",
        "interfaces_ip6{interface=\"eth0\",index=\"1\",thread=\"1\"} 0",
        "interfaces_rx_miss{interface=\"eth0\",index=\"1\",thread=\"1\"} 0",
        "interfaces_rx_no_buf{interface=\"eth0\",index=\"1\",thread=\"1\"} 0",
        "interfaces_rx_error{interface=\"eth0\",index=\"1\",thread=\"1\"} 0",
        "interfaces_tx_error{interface=\"eth0\",index=\"1\",thread=\"1\"} 0",
        "interfaces_rx_packets{interface=\"vxlan_tunnel0\",index=\"3\",thread=\"1\"} 3",
        "interfaces_tx_bytes{interface=\"vxlan_tunnel1\",index=\"4\",thread=\"1\"} 180",
        "interfaces_rx_packets{interface=\"local0\",index=\"0\",thread=\"1\"} 0",
        "err{node=\"vxlan4-input\",error=\"decapsulated\",index=\"0\",thread=\"1\"} 3",
        "err{node=\"vxlan4-input\",error=\"no_such_tunnel\",index=\"0\",thread=\"1\"} 1",
        "err{node=\"vxlan4-input\",error=\"bad_flags\",index=\"0\",thread=\"1\"} 0",
        "err{node=\"l2-input\",error=\"l2input\",index=\"0\",thread=\"1\"} 3",
        "err{node=\"vxlan4-encap\",error=\"encapsulated\",index=\"0\",thread=\"1\"} 3",
        "nodes_vectors{node=\"pg-input\",index=\"0\",thread=\"1\"} 4",
        "nodes_calls{node=\"pg-input\",index=\"0\",thread=\"1\"} 1",
        "nodes_vectors{node=\"vxlan4-fastpath\",index=\"0\",thread=\"1\"} 4",
        "nodes_vectors{node=\"interface-output\",index=\"0\",thread=\"1\"} 3",
        "nodes_vectors{node=\"error-drop\",index=\"0\",thread=\"1\"} 1",
        "sys_num_worker_threads 1.0",
        "sys_last_stats_clear 0.0",
        "# TYPE interfaces_rx_packets untyped",
        "# TYPE err untyped",
        "# TYPE sys_uptime gauge",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(value(&text, "sys_uptime") > 0.0);
    assert!(
        value(
            &text,
            "nodes_clocks{node=\"pg-input\",index=\"0\",thread=\"1\"}"
        ) > 0.0
    );

    // Every interface counter equals show interface's (its JSON form has
    // the same names), and every interface has every family.
    let families = control::metrics::INTERFACE_FAMILIES;
    let interfaces = r.json("show interface");
    let interfaces = interfaces.as_array().unwrap();
    assert_eq!(interfaces.len(), 5);
    for i in interfaces {
        for (name, _, _) in families {
            let series = format!(
                "interfaces_{name}{{interface=\"{}\",index=\"{}\",thread=\"1\"}}",
                i["name"].as_str().unwrap(),
                i["sw_if_index"]
            );
            assert_eq!(
                value(&text, &series),
                i["counters"][name].as_f64().unwrap(),
                "{series}"
            );
        }
    }
    // The buffer gauges are show buffers'.
    let b = r.json("show buffers");
    for (gauge, field) in [
        ("available", "available"),
        ("used", "used"),
        ("cached", "cached"),
    ] {
        assert_eq!(
            value(
                &text,
                &format!("buffer_pools_{gauge}{{pool=\"default-numa-0\"}}")
            ),
            b[field].as_f64().unwrap(),
            "{gauge}"
        );
    }
    // Every error counter of show errors is there, by symbolic name.
    let errors = r.json("show errors");
    assert_eq!(errors.as_array().unwrap().len(), 5);

    // clear interfaces zeroes the interface series (VPP zeroes its
    // counters), clear runtime the node series; clear errors leaves err
    // alone (VPP's only moves show errors' baseline).
    r.cli.execute("clear interfaces").unwrap();
    r.cli.execute("clear errors").unwrap();
    r.cli.execute("clear runtime").unwrap();
    let text = scrape(addr);
    assert_eq!(
        value(
            &text,
            "interfaces_rx_packets{interface=\"eth0\",index=\"1\",thread=\"1\"}"
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            "nodes_vectors{node=\"pg-input\",index=\"0\",thread=\"1\"}"
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            "err{node=\"vxlan4-input\",error=\"no_such_tunnel\",index=\"0\",thread=\"1\"}"
        ),
        1.0
    );
    assert!(value(&text, "sys_last_stats_clear") > 0.0);
    r.traffic(2);
    let text = scrape(addr);
    assert_eq!(
        value(
            &text,
            "interfaces_rx_packets{interface=\"eth0\",index=\"1\",thread=\"1\"}"
        ),
        3.0
    );
    assert_eq!(
        value(
            &text,
            "err{node=\"vxlan4-input\",error=\"decapsulated\",index=\"0\",thread=\"1\"}"
        ),
        5.0
    );

    // The other answers, as VPP's exporter gives them.
    let (status, _, body) = http(addr, b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("<a href=\"/metrics\">metrics</a>"), "{body}");
    let (status, _, body) = http(addr, b"GET /nope HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert!(body.contains("404 - Document not found"), "{body}");
    let (status, head, _) = http(addr, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    assert!(head.lines().any(|l| l == "Allow: GET, HEAD"), "{head}");
    let (status, _, _) = http(addr, b"hello\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    let (status, head, body) = http(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        body.is_empty() && !head.contains("Content-Length: 0\r\n"),
        "{head}"
    );

    // A client that connects and sends nothing does not hold the others up.
    let idle: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    assert!(scrape(addr).contains("\nsys_uptime "));
    drop(idle);
    server.shutdown();
    assert!(TcpStream::connect(addr).is_err(), "closed after shutdown");
}

/// Every `err` series weft can emit, (node, error, description): the
/// graph's nodes with every input node, the AF_PACKET driver's counters
/// (under af-packet-input) and the XDP fast path's.
fn every_error_counter() -> Vec<(&'static str, &'static str, &'static str)> {
    use dataplane::io::{af_packet, af_xdp, pg, xdp_fastpath};
    let graph = dataplane::nodes::standard_graph(&[
        pg::INPUT_NODE,
        af_xdp::INPUT_NODE,
        af_packet::INPUT_NODE,
    ]);
    let mut out = Vec::new();
    for info in graph.node_infos() {
        for d in info.counters {
            out.push((info.name, d.name, d.description));
        }
    }
    for d in af_packet::Counter::DESCS {
        out.push((af_packet::INPUT_NODE, d.name, d.description));
    }
    for d in xdp_fastpath::Counter::DESCS {
        out.push((xdp_fastpath::INFO.name, d.name, d.description));
    }
    out
}

/// docs/observability.md lists every error counter's symbolic name (the
/// `error` label) with its node and description, and no series is
/// emitted twice.
#[test]
fn observability_md_lists_every_error_name() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/observability.md"
    ))
    .unwrap();
    let all = every_error_counter();
    let mut seen = std::collections::HashSet::new();
    let mut missing = String::new();
    for (node, error, desc) in &all {
        assert!(seen.insert((node, error)), "{node} {error} twice");
        let row = format!("| `{node}` | `{error}` | {desc} |");
        if !doc.lines().any(|l| l == row) {
            missing.push_str(&row);
            missing.push('\n');
        }
    }
    assert!(
        missing.is_empty(),
        "rows missing in docs/observability.md:\n{missing}"
    );
}
