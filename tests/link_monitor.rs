//! `dataplane::io::netlink` against the kernel: link events seen through
//! `poll(2)` on the monitor's fd, the dump and the by-name lookup compared
//! with `ip -j link`, and `set_mtu` with the kernel's refusals. Privileged:
//! each test works in a network namespace of its own (`weft-lm-...`), which
//! the calling thread enters.

mod common;

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use common::{Netns, privileged};
use dataplane::io::netlink::{self, LinkEvent, LinkInfo, LinkMonitor, NetlinkError, NetlinkOp};
use dataplane::io::xdp_prog::XdpProgram;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, poll};

/// How long an event may take to arrive.
const EVENT_DEADLINE: Duration = Duration::from_secs(1);

/// The monitor with the events read but not yet looked at.
struct Watch {
    mon: LinkMonitor,
    pending: std::collections::VecDeque<LinkEvent>,
}

impl Watch {
    fn open() -> Watch {
        let mut mon = LinkMonitor::open().unwrap();
        assert_eq!(mon.read().unwrap(), [], "nothing queued yet");
        Watch {
            mon,
            pending: Default::default(),
        }
    }

    /// Waits (in `poll(2)`, no sleeping) until the monitor reports an
    /// event `want` accepts, at most [`EVENT_DEADLINE`] after `since`;
    /// returns it and its latency. Events before it are dropped, events
    /// after it stay pending. Panics with every event seen if none matched
    /// in time.
    fn wait_for(
        &mut self,
        since: Instant,
        what: &str,
        want: impl Fn(&LinkEvent) -> bool,
    ) -> (LinkEvent, Duration) {
        let mut seen = Vec::new();
        loop {
            while let Some(e) = self.pending.pop_front() {
                if want(&e) {
                    return (e, since.elapsed());
                }
                seen.push(e);
            }
            let left = EVENT_DEADLINE.saturating_sub(since.elapsed());
            assert!(
                !left.is_zero(),
                "{what}: no matching event within {EVENT_DEADLINE:?}; seen: {seen:#?}"
            );
            let ms = u16::try_from(left.as_millis() + 1).unwrap_or(u16::MAX);
            let mut fds = [PollFd::new(self.mon.as_fd(), PollFlags::POLLIN)];
            poll(&mut fds, ms).expect("poll the monitor");
            self.pending
                .extend(self.mon.read().expect("read the monitor"));
        }
    }
}

/// Runs `ip -n <ns> <args>` and returns when it started.
fn ip_at(ns: &Netns, args: &[&str]) -> Instant {
    let t = Instant::now();
    ns.ip(args);
    t
}

fn changed(name: &str, pred: impl Fn(&LinkInfo) -> bool) -> impl Fn(&LinkEvent) -> bool {
    let name = name.to_string();
    move |e| matches!(e, LinkEvent::Changed(i) if i.name == name && pred(i))
}

/// The MAC of `dev` in `ns` as bytes.
fn mac_of(ns: &Netns, dev: &str) -> [u8; 6] {
    parse_mac(&ns.mac(dev))
}

fn parse_mac(s: &str) -> [u8; 6] {
    let v: Vec<u8> = s
        .split(':')
        .map(|b| u8::from_str_radix(b, 16).unwrap_or_else(|_| panic!("bad MAC {s}")))
        .collect();
    v.try_into().unwrap_or_else(|_| panic!("bad MAC {s}"))
}

#[test]
fn events_for_down_up_mtu_delete_and_recreate() {
    if !privileged("link_monitor::events_for_down_up_mtu_delete_and_recreate") {
        return;
    }
    let ns = Netns::new("lm-events");
    let _in = ns.enter();
    let mut mon = Watch::open();
    let mut latencies = Vec::new();

    // Created: one event per end.
    let t = ip_at(
        &ns,
        &["link", "add", "x0", "type", "veth", "peer", "name", "x1"],
    );
    // The kernel announces the two ends in either order.
    let (mut x0, mut x1) = (None, None);
    while x0.is_none() || x1.is_none() {
        let (e, d) = mon.wait_for(
            t,
            "x0 and x1 created",
            |e| matches!(e, LinkEvent::Changed(i) if i.name == "x0" || i.name == "x1"),
        );
        let LinkEvent::Changed(i) = e else {
            unreachable!()
        };
        if i.name == "x0" {
            latencies.push(("created", d));
            x0 = Some(i);
        } else {
            x1 = Some(i);
        }
    }
    let (x0, x1) = (x0.unwrap(), x1.unwrap());
    let mac0 = mac_of(&ns, "x0");
    assert_eq!(
        x0,
        LinkInfo {
            ifindex: x0.ifindex,
            name: "x0".into(),
            admin_up: false,
            oper_up: false,
            mtu: 1500,
            mac: Some(mac0),
        }
    );
    assert_ne!(x0.ifindex, x1.ifindex);

    // Both ends up: x0's operational state follows its peer's.
    ns.ip(&["link", "set", "x1", "up"]);
    let t = ip_at(&ns, &["link", "set", "x0", "up"]);
    mon.wait_for(t, "x0 running", changed("x0", |i| i.oper_up));

    // Down: admin and oper down on x0, and x1 loses its carrier.
    let t = ip_at(&ns, &["link", "set", "x0", "down"]);
    let (e, d) = mon.wait_for(t, "x0 down", changed("x0", |i| !i.admin_up));
    latencies.push(("down", d));
    assert_eq!(
        e,
        LinkEvent::Changed(LinkInfo {
            admin_up: false,
            oper_up: false,
            ..x0.clone()
        })
    );
    let (e, _) = mon.wait_for(t, "x1 carrier lost", changed("x1", |i| !i.oper_up));
    assert_eq!(
        e,
        LinkEvent::Changed(LinkInfo {
            admin_up: true,
            oper_up: false,
            ..x1.clone()
        })
    );

    // Up again: admin up at once, oper up once the carrier follows.
    let t = ip_at(&ns, &["link", "set", "x0", "up"]);
    let (e, d) = mon.wait_for(t, "x0 up", changed("x0", |i| i.admin_up && i.oper_up));
    latencies.push(("up (oper)", d));
    assert_eq!(
        e,
        LinkEvent::Changed(LinkInfo {
            admin_up: true,
            oper_up: true,
            ..x0.clone()
        })
    );

    // MTU.
    let t = ip_at(&ns, &["link", "set", "x0", "mtu", "1400"]);
    let (e, d) = mon.wait_for(t, "x0 mtu", changed("x0", |i| i.mtu == 1400));
    latencies.push(("mtu", d));
    assert_eq!(
        e,
        LinkEvent::Changed(LinkInfo {
            admin_up: true,
            oper_up: true,
            mtu: 1400,
            ..x0.clone()
        })
    );

    // Deleted: both ends go.
    let t = ip_at(&ns, &["link", "del", "x0"]);
    let (e, d) = mon.wait_for(
        t,
        "x0 deleted",
        |e| matches!(e, LinkEvent::Deleted { name, .. } if name == "x0"),
    );
    latencies.push(("deleted", d));
    assert_eq!(
        e,
        LinkEvent::Deleted {
            ifindex: x0.ifindex,
            name: "x0".into()
        }
    );
    let (e, _) = mon.wait_for(
        t,
        "x1 deleted",
        |e| matches!(e, LinkEvent::Deleted { name, .. } if name == "x1"),
    );
    assert_eq!(
        e,
        LinkEvent::Deleted {
            ifindex: x1.ifindex,
            name: "x1".into()
        }
    );

    // Re-created under the same name: a new ifindex.
    let t = ip_at(
        &ns,
        &["link", "add", "x0", "type", "veth", "peer", "name", "x1"],
    );
    let (e, d) = mon.wait_for(t, "x0 re-created", changed("x0", |_| true));
    latencies.push(("re-created", d));
    let LinkEvent::Changed(new) = e else {
        unreachable!()
    };
    assert_ne!(
        new.ifindex, x0.ifindex,
        "a re-created link has a new ifindex"
    );
    assert_eq!(
        new,
        LinkInfo {
            ifindex: new.ifindex,
            name: "x0".into(),
            admin_up: false,
            oper_up: false,
            mtu: 1500,
            mac: Some(mac_of(&ns, "x0")),
        }
    );
    assert_eq!(
        netlink::link_by_name("x0").unwrap().map(|i| i.ifindex),
        Some(new.ifindex)
    );

    // Measured from the start of the `ip` command (which itself takes a
    // few milliseconds).
    eprintln!("link_monitor latencies: {latencies:?}");
}

#[test]
fn overrun_reports_resync() {
    if !privileged("link_monitor::overrun_reports_resync") {
        return;
    }
    let ns = Netns::new("lm-overrun");
    ns.ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    let _in = ns.enter();
    let mut mon = LinkMonitor::open().unwrap();

    // 4000 notifications unread: more than any default socket buffer
    // (net.core.rmem_max) holds.
    let mut batch = String::new();
    for i in 0..2000 {
        batch.push_str(&format!("link set x0 mtu {}\n", 1300 + i % 2));
        batch.push_str(&format!("link set x1 mtu {}\n", 1300 + i % 2));
    }
    let path = std::env::temp_dir().join(format!("weft-lm-batch-{}", std::process::id()));
    std::fs::write(&path, batch).unwrap();
    let out = ns.exec(&["ip", "-batch", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{out:?}");

    assert_eq!(mon.read().unwrap(), [LinkEvent::Resync]);
    // Everything was drained: the monitor goes on with new events.
    assert_eq!(mon.read().unwrap(), []);
    let mut mon = Watch {
        mon,
        pending: Default::default(),
    };
    let t = ip_at(&ns, &["link", "set", "x0", "mtu", "1280"]);
    mon.wait_for(t, "after resync", changed("x0", |i| i.mtu == 1280));
}

/// A JSON value: enough of JSON for `ip -j link`.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Json {
        let mut p = JsonParser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value();
        p.ws();
        assert_eq!(p.i, p.s.len(), "trailing JSON");
        v
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    fn num(&self, key: &str) -> Option<u32> {
        match self.get(key)? {
            Json::Num(n) => Some(*n as u32),
            _ => None,
        }
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.s.get(self.i) == Some(&c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut kv = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let Json::Str(k) = self.value() else {
                            panic!("JSON key at {}", self.i)
                        };
                        assert!(self.eat(b':'), "JSON ':' at {}", self.i);
                        kv.push((k, self.value()));
                        if self.eat(b'}') {
                            break;
                        }
                        assert!(self.eat(b','), "JSON ',' at {}", self.i);
                    }
                }
                Json::Obj(kv)
            }
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                if !self.eat(b']') {
                    loop {
                        v.push(self.value());
                        if self.eat(b']') {
                            break;
                        }
                        assert!(self.eat(b','), "JSON ',' at {}", self.i);
                    }
                }
                Json::Arr(v)
            }
            b'"' => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let c = self.s[self.i];
                    self.i += 1;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let e = self.s[self.i];
                            self.i += 1;
                            match e {
                                b'n' => out.push('\n'),
                                b't' => out.push('\t'),
                                b'u' => {
                                    let hex = std::str::from_utf8(&self.s[self.i..self.i + 4])
                                        .expect("JSON \\u");
                                    self.i += 4;
                                    let c = u32::from_str_radix(hex, 16).expect("JSON \\u");
                                    out.push(char::from_u32(c).unwrap_or('?'));
                                }
                                other => out.push(other as char),
                            }
                        }
                        _ => {
                            // Copy one UTF-8 sequence whole.
                            let start = self.i - 1;
                            while self.i < self.s.len() && (self.s[self.i] & 0xc0) == 0x80 {
                                self.i += 1;
                            }
                            out.push_str(std::str::from_utf8(&self.s[start..self.i]).unwrap());
                        }
                    }
                }
                Json::Str(out)
            }
            b't' => {
                self.i += 4;
                Json::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Json::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Json::Null
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && b"+-0123456789.eE".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Json::Num(
                    text.parse()
                        .unwrap_or_else(|_| panic!("JSON number {text}")),
                )
            }
        }
    }
}

/// What `ip -j link` says, as [`LinkInfo`]s. `oper_up` is the kernel's
/// `IFF_RUNNING` (which iproute2 does not print): operational state `UP`
/// or `UNKNOWN` on an interface that is up.
fn ip_links(ns: &Netns) -> Vec<LinkInfo> {
    let out = ns.ip(&["-j", "link", "show"]);
    let Json::Arr(links) = Json::parse(&String::from_utf8_lossy(&out.stdout)) else {
        panic!("ip -j link: not an array");
    };
    links
        .iter()
        .map(|l| {
            let flags = match l.get("flags") {
                Some(Json::Arr(f)) => f.clone(),
                _ => Vec::new(),
            };
            let admin_up = flags.contains(&Json::Str("UP".into()));
            let oper = l.str("operstate").unwrap_or("");
            LinkInfo {
                ifindex: l.num("ifindex").expect("ifindex"),
                name: l.str("ifname").expect("ifname").to_string(),
                admin_up,
                oper_up: admin_up && (oper == "UP" || oper == "UNKNOWN"),
                mtu: l.num("mtu").expect("mtu"),
                mac: l.str("address").map(parse_mac),
            }
        })
        .collect()
}

#[test]
fn dump_and_lookup_agree_with_ip_link() {
    if !privileged("link_monitor::dump_and_lookup_agree_with_ip_link") {
        return;
    }
    let ns = Netns::new("lm-dump");
    ns.ip(&["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
    ns.ip(&["link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    ns.ip(&["link", "set", "x0", "up"]);
    ns.ip(&["link", "set", "x1", "up"]);
    ns.ip(&["link", "set", "d0", "up"]); // peer down: no carrier
    ns.ip(&["link", "set", "d1", "mtu", "1280"]);
    let _in = ns.enter();

    // Operational state settles shortly after `up`.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let ours = netlink::links().unwrap();
        let theirs = ip_links(&ns);
        if ours == theirs {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "links() {ours:#?}\n!= ip -j link {theirs:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let all = netlink::links().unwrap();
    let names: Vec<&str> = all.iter().map(|l| l.name.as_str()).collect();
    for want in ["lo", "x0", "x1", "d0", "d1"] {
        assert!(names.contains(&want), "{names:?}");
    }
    let by = |n: &str| all.iter().find(|l| l.name == n).unwrap().clone();
    assert!(by("x0").oper_up && by("x1").oper_up);
    assert!(by("d0").admin_up && !by("d0").oper_up, "{:?}", by("d0"));
    assert_eq!(by("d1").mtu, 1280);
    assert_eq!(by("lo").mac, Some([0; 6]));
    for link in &all {
        assert_eq!(
            netlink::link_by_name(&link.name).unwrap().as_ref(),
            Some(link)
        );
    }
    assert_eq!(netlink::link_by_name("nope0").unwrap(), None);
}

#[test]
fn set_mtu_and_the_kernels_refusals() {
    if !privileged("link_monitor::set_mtu_and_the_kernels_refusals") {
        return;
    }
    let ns = Netns::new("lm-mtu");
    ns.ip(&["link", "add", "vb", "type", "veth", "peer", "name", "va"]);
    ns.ip(&["link", "set", "va", "up"]);
    ns.ip(&["link", "set", "vb", "up"]);
    let b = &ns;
    let _in = ns.enter();
    let vb = netlink::link_by_name("vb").unwrap().expect("vb");
    let va = netlink::link_by_name("va").unwrap().expect("va");

    netlink::set_mtu(vb.ifindex, 1300).unwrap();
    let shown = String::from_utf8_lossy(&b.ip(&["-j", "link", "show", "vb"]).stdout).into_owned();
    let Json::Arr(l) = Json::parse(&shown) else {
        panic!("{shown}")
    };
    assert_eq!(l[0].num("mtu"), Some(1300), "{shown}");
    assert_eq!(netlink::link_by_name("vb").unwrap().unwrap().mtu, 1300);

    // No such link.
    let e = netlink::set_mtu(9999, 1500).unwrap_err();
    assert!(
        matches!(
            &e,
            NetlinkError::Kernel {
                op: NetlinkOp::SetMtu {
                    ifindex: 9999,
                    mtu: 1500
                },
                errno: Errno::ENODEV,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("cannot set the MTU of ifindex 9999 to 1500: ENODEV: No such device"),
        "{e}"
    );

    // Below the minimum: the kernel says why.
    let e = netlink::set_mtu(vb.ifindex, 10).unwrap_err();
    assert_eq!(e.errno(), Some(Errno::EINVAL), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot set the MTU of ifindex {}: EINVAL: Invalid argument \
             (mtu less than device minimum)",
            format_args!("{} to 10", vb.ifindex)
        )
    );

    // A veth with XDP attached limits its peer's MTU to what fits one
    // page per frame; the kernel says so.
    let prog = XdpProgram::attach(vb.ifindex).unwrap();
    let e = netlink::set_mtu(va.ifindex, 9000).unwrap_err();
    eprintln!("set_mtu 9000 on the peer of a veth with XDP: {e}");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot set the MTU of ifindex {} to 9000: EINVAL: Invalid argument \
             (mtu greater than device maximum)",
            va.ifindex
        )
    );
    assert_eq!(netlink::link_by_name("va").unwrap().unwrap().mtu, 1500);
    drop(prog);
    netlink::set_mtu(va.ifindex, 9000).unwrap();
    assert_eq!(netlink::link_by_name("va").unwrap().unwrap().mtu, 9000);
}
