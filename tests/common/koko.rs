//! The koko demo topology (shared/KOKO.md) as a test fixture.
//!
//! ```text
//!   netns test1                      netns test2
//!   link1 10.100.0.1/24              link2 10.100.0.2/24
//!   vxlan VNI 11 -> 10.99.0.3        vxlan VNI 12 -> 10.99.0.3
//!     (underlay: koko1)                (underlay: koko2)
//!
//!   netns koko1          netns koko2          netns vpp1
//!   eth0 10.99.0.1/24    eth0 10.99.0.2/24    eth0 (no address: weftd owns
//!     |                    |                    |   10.99.0.3 through AF_XDP)
//!   koko1 -------------- br0 -------------- vpp1      netns bridge
//!                          |
//!                        koko2
//! ```
//!
//! Every namespace is a [`Netns`] named `weft-<prefix>-<role>-<pid>`, so it
//! is deleted by exact name when the topology drops, even when the test
//! panics; the links go with their namespaces. Interface names (`eth0`,
//! `link1`, `br0`, ...) are the demo's own: each lives in a namespace of
//! this topology only, so two topologies never collide on them.
//!
//! The vxlan links are made exactly as koko makes them: created in the
//! container host's namespace (`tmpNN`, `dev eth0`, `learning l2miss l3miss
//! ttl auto`, explicit `dstport`), moved into the container, renamed, up,
//! addressed with `brd +`. Their UDP sockets stay in koko1/koko2.
//!
//! The bridge port towards vpp1 has tx checksum offload off (see
//! [`KokoOptions::wire_checksums`]), so vpp1 receives finished checksums,
//! as from a real wire.
//!
//! The fixture builds the kernel side only. The forwarder (weftd, or a
//! worker run inline by the test) attaches to [`KokoTopology::vpp1_if`] in
//! [`KokoTopology::vpp1`], owns [`VPP1_IP`] and answers ARP for it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output};
use std::time::Duration;

use super::weftd::Weftd;
use super::{Netns, veth};

/// koko1's underlay address.
pub const KOKO1_IP: &str = "10.99.0.1";
/// koko2's underlay address.
pub const KOKO2_IP: &str = "10.99.0.2";
/// vpp1's underlay address: owned by the forwarder, never by Linux.
pub const VPP1_IP: &str = "10.99.0.3";
/// The underlay prefix length.
pub const UNDERLAY_LEN: u8 = 24;
/// test1's inner address (on `link1`).
pub const TEST1_IP: &str = "10.100.0.1";
/// test2's inner address (on `link2`).
pub const TEST2_IP: &str = "10.100.0.2";
/// Every host's underlay interface, and vpp1's, which weftd attaches to.
pub const ETH0: &str = "eth0";
/// The bridge joining the hosts, in the bridge namespace.
pub const BRIDGE: &str = "br0";
/// test1's vxlan link.
pub const LINK1: &str = "link1";
/// test2's vxlan link.
pub const LINK2: &str = "link2";

/// The bridge port towards vpp1's eth0 (its veth peer, in the bridge
/// namespace).
pub const VPP1_PORT: &str = "vpp1";

/// The longest prefix [`KokoTopology::new`] takes, so that
/// `weft-<prefix>-<role>-<pid>` stays within 40 characters.
pub const MAX_PREFIX: usize = 20;

/// What may vary between koko topologies.
#[derive(Debug, Clone)]
pub struct KokoOptions {
    /// test1's VNI (koko `-x eth0,10.99.0.3,11`).
    pub vni1: u32,
    /// test2's VNI.
    pub vni2: u32,
    /// link1's UDP destination port: 4789 as in the demo, or 8472 (the
    /// kernel's default, which koko's other variant spells out).
    pub dstport1: u16,
    /// link2's UDP destination port.
    pub dstport2: u16,
    /// Frames reach vpp1's eth0 with finished checksums, as from a wire
    /// (default): `ethtool -K vpp1 tx off` on the bridge port towards vpp1.
    ///
    /// Without it, TCP from the containers arrives with its inner checksum
    /// unfinished: the vxlan device leaves it to "hardware"
    /// (`CHECKSUM_PARTIAL`, local checksum offload), veth passes that state
    /// along, and a forwarder reading raw frames through AF_XDP forwards
    /// the unfinished checksum, which the far container then drops. Pings
    /// pass either way (ICMP is checksummed in software). With the
    /// bridge port's tx checksum offload off, the kernel finishes the
    /// checksum (and segments GSO packets) before the frame leaves the
    /// bridge.
    pub wire_checksums: bool,
}

impl Default for KokoOptions {
    fn default() -> Self {
        KokoOptions {
            vni1: 11,
            vni2: 12,
            dstport1: 4789,
            dstport2: 4789,
            wire_checksums: true,
        }
    }
}

/// The koko demo topology: six namespaces, deleted by exact name on drop.
///
/// Fields drop in declaration order: containers first, then hosts, then
/// the bridge.
#[derive(Debug)]
pub struct KokoTopology {
    /// Container test1 (`link1`).
    pub test1: Netns,
    /// Container test2 (`link2`).
    pub test2: Netns,
    /// Container host koko1 (underlay of test1).
    pub koko1: Netns,
    /// Container host koko2 (underlay of test2).
    pub koko2: Netns,
    /// The forwarder's host: `eth0` up, no address.
    pub vpp1: Netns,
    /// The L2 segment: bridge `br0` with one veth port per host.
    pub bridge: Netns,
    /// What the topology was built with.
    pub opts: KokoOptions,
}

impl KokoTopology {
    /// Builds the topology with namespaces `weft-<prefix>-{br,koko1,koko2,
    /// vpp1,test1,test2}-<pid>`. The prefix names the test: two tests of
    /// one binary (one pid) must use different prefixes.
    ///
    /// # Panics
    ///
    /// If the prefix is longer than [`MAX_PREFIX`] or any step fails; the
    /// namespaces made so far are deleted while unwinding.
    pub fn new(prefix: &str, opts: KokoOptions) -> KokoTopology {
        assert!(
            !prefix.is_empty() && prefix.len() <= MAX_PREFIX,
            "koko prefix {prefix:?} must be 1..={MAX_PREFIX} characters"
        );
        // Each guard exists before anything is done in it: a panic in any
        // later step drops (deletes) every namespace made so far.
        let topo = KokoTopology {
            test1: Netns::new(&format!("{prefix}-test1")),
            test2: Netns::new(&format!("{prefix}-test2")),
            koko1: Netns::new(&format!("{prefix}-koko1")),
            koko2: Netns::new(&format!("{prefix}-koko2")),
            vpp1: Netns::new(&format!("{prefix}-vpp1")),
            bridge: Netns::new(&format!("{prefix}-br")),
            opts,
        };
        topo.build();
        topo
    }

    fn build(&self) {
        segment(
            &self.bridge,
            &[
                (&self.koko1, "koko1", KOKO1_IP),
                (&self.koko2, "koko2", KOKO2_IP),
            ],
            &self.vpp1,
            self.opts.wire_checksums,
        );
        koko_link(
            &self.koko1,
            &self.test1,
            self.opts.vni1,
            self.opts.dstport1,
            LINK1,
            TEST1_IP,
        );
        koko_link(
            &self.koko2,
            &self.test2,
            self.opts.vni2,
            self.opts.dstport2,
            LINK2,
            TEST2_IP,
        );
    }

    /// Plugs vpp1's eth0 in again after it was deleted (`ip link del
    /// eth0` in vpp1 also deletes its peer in the bridge): a new veth pair,
    /// the bridge port set up as [`Self::new`] does. The new eth0 has a
    /// new ifindex.
    pub fn replug_vpp1(&self) {
        plug(
            &self.bridge,
            &self.vpp1,
            VPP1_PORT,
            self.opts.wire_checksums,
        );
    }

    /// All six namespaces, containers first.
    pub fn namespaces(&self) -> [&Netns; 6] {
        [
            &self.test1,
            &self.test2,
            &self.koko1,
            &self.koko2,
            &self.vpp1,
            &self.bridge,
        ]
    }

    /// The names of all six namespaces.
    pub fn names(&self) -> Vec<String> {
        self.namespaces()
            .iter()
            .map(|ns| ns.name().to_string())
            .collect()
    }

    /// The namespace the forwarder runs in.
    pub fn vpp1_ns(&self) -> &str {
        self.vpp1.name()
    }

    /// The interface the forwarder attaches to, in [`Self::vpp1_ns`].
    pub fn vpp1_if(&self) -> &'static str {
        ETH0
    }

    /// vpp1's eth0 ifindex, inside the vpp1 namespace.
    pub fn vpp1_ifindex(&self) -> u32 {
        ifindex(&self.vpp1, ETH0)
    }

    /// vpp1's eth0 MAC address (`aa:bb:cc:dd:ee:ff`).
    pub fn vpp1_mac(&self) -> String {
        self.vpp1.mac(ETH0)
    }

    /// A command that runs `program` inside the vpp1 namespace
    /// (`ip netns exec <vpp1> program`); add arguments and spawn it.
    pub fn vpp1_command(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", self.vpp1.name(), program]);
        cmd
    }
}

/// The underlay of the koko topologies: bridge `br0` in `bridge`, each
/// container host of `hosts` (namespace, bridge port name, address)
/// plugged in and addressed `<address>/24` on its eth0, and vpp1 plugged
/// in as [`VPP1_PORT`] without an address (the forwarder owns
/// [`VPP1_IP`]). STP stays off (the default), so ports forward at once.
pub fn segment(bridge: &Netns, hosts: &[(&Netns, &str, &str)], vpp1: &Netns, wire_checksums: bool) {
    bridge.ip(&["link", "add", BRIDGE, "type", "bridge"]);
    bridge.ip(&["link", "set", BRIDGE, "up"]);
    for &(host, port, addr) in hosts {
        plug(bridge, host, port, false);
        host.ip(&[
            "addr",
            "add",
            &format!("{addr}/{UNDERLAY_LEN}"),
            "dev",
            ETH0,
        ]);
    }
    plug(bridge, vpp1, VPP1_PORT, wire_checksums);
}

/// Plugs `host` into the bridge: its eth0 is a veth whose peer, `port`, is
/// a port of `br0`. Both ends are up: XDP on vpp1's eth0 needs its peer up
/// to receive anything. With `wire_checksums` the port is set up as an
/// AF_XDP forwarder needs it (docs/af_xdp.md): tx checksum offload off
/// (see [`KokoOptions::wire_checksums`]) and GRO on, so that the port runs
/// NAPI and receives what weft's XDP program sends back with `XDP_TX`.
pub fn plug(bridge: &Netns, host: &Netns, port: &str, wire_checksums: bool) {
    veth(host, ETH0, bridge, port);
    bridge.ip(&["link", "set", port, "master", BRIDGE]);
    if wire_checksums {
        bridge.exec_ok(&["ethtool", "-K", port, "tx", "off", "gro", "on"]);
    }
}

/// The koko demo with its two container hosts on two segments, each
/// wired straight (one veth) to its own interface of the forwarder's
/// namespace, so that frames cross the forwarder from one uplink to the
/// other:
///
/// ```text
///   test1 link1 VNI 11 -> weft[0]             test2 link2 VNI 12 -> weft[1]
///   koko1 eth0 koko[0] --- fwd[0]  (fwd)  fwd[1] --- eth0 koko[1] koko2
/// ```
///
/// IPv6 is off everywhere and the koko hosts send finished checksums
/// (`ethtool -K eth0 tx off`, as [`KokoOptions::wire_checksums`]).
/// Namespaces are `weft-<prefix>-{test1,test2,koko1,koko2,fwd}-<pid>`,
/// deleted by exact name on drop, containers first.
#[derive(Debug)]
pub struct TwoUplinks {
    /// Container test1 (`link1`, VNI 11).
    pub test1: Netns,
    /// Container test2 (`link2`, VNI 12).
    pub test2: Netns,
    /// Container host of test1.
    pub koko1: Netns,
    /// Container host of test2.
    pub koko2: Netns,
    /// The forwarder's namespace, with the two uplinks.
    pub fwd: Netns,
}

impl TwoUplinks {
    /// Builds it: `fwd_if[i]` is the forwarder's end of koko host `i`'s
    /// link, `koko_ip[i]` the host's address (`/24`), `weft_ip[i]` the
    /// remote of its vxlan link (the forwarder's address on that segment).
    pub fn new(
        prefix: &str,
        fwd_if: [&str; 2],
        koko_ip: [&str; 2],
        weft_ip: [&str; 2],
    ) -> TwoUplinks {
        let t = TwoUplinks {
            test1: Netns::new(&format!("{prefix}-test1")),
            test2: Netns::new(&format!("{prefix}-test2")),
            koko1: Netns::new(&format!("{prefix}-koko1")),
            koko2: Netns::new(&format!("{prefix}-koko2")),
            fwd: Netns::new(&format!("{prefix}-fwd")),
        };
        for ns in [&t.test1, &t.test2, &t.koko1, &t.koko2, &t.fwd] {
            ns.disable_ipv6();
        }
        let sides = [
            (&t.koko1, &t.test1, 11, LINK1, TEST1_IP),
            (&t.koko2, &t.test2, 12, LINK2, TEST2_IP),
        ];
        for (i, (host, container, vni, link, addr)) in sides.into_iter().enumerate() {
            veth(host, ETH0, &t.fwd, fwd_if[i]);
            host.ip(&[
                "addr",
                "add",
                &format!("{}/{UNDERLAY_LEN}", koko_ip[i]),
                "dev",
                ETH0,
            ]);
            host.exec_ok(&["ethtool", "-K", ETH0, "tx", "off"]);
            koko_link_to(host, container, vni, 4789, link, addr, weft_ip[i]);
        }
        t
    }
}

/// Creates a vxlan link in the container host `host` exactly as koko does,
/// then moves it into `container`, renames it, brings it up and addresses
/// it (`<addr>/24 brd +`). Its remote is [`VPP1_IP`].
pub fn koko_link(host: &Netns, container: &Netns, vni: u32, dstport: u16, link: &str, addr: &str) {
    koko_link_to(host, container, vni, dstport, link, addr, VPP1_IP);
}

/// As [`koko_link`], towards `remote` (koko's `-x eth0,<remote>,<vni>`).
pub fn koko_link_to(
    host: &Netns,
    container: &Netns,
    vni: u32,
    dstport: u16,
    link: &str,
    addr: &str,
    remote: &str,
) {
    koko_link_on(host, container, vni, dstport, link, addr, remote, ETH0);
}

/// As [`koko_link_to`], over the host's device `dev` (a VLAN device for a
/// VXLAN underlay on a VLAN).
#[allow(clippy::too_many_arguments)]
pub fn koko_link_on(
    host: &Netns,
    container: &Netns,
    vni: u32,
    dstport: u16,
    link: &str,
    addr: &str,
    remote: &str,
    dev: &str,
) {
    let tmp = format!("tmp{vni}");
    let vni = vni.to_string();
    let dstport = dstport.to_string();
    host.ip(&[
        "link", "add", &tmp, "type", "vxlan", "id", &vni, "remote", remote, "dev", dev, "dstport",
        &dstport, "learning", "l2miss", "l3miss", "ttl", "auto",
    ]);
    host.ip(&["link", "set", &tmp, "netns", container.name()]);
    container.ip(&["link", "set", &tmp, "name", link]);
    container.ip(&["link", "set", link, "up"]);
    let cidr = format!("{addr}/24");
    container.ip(&["addr", "add", &cidr, "brd", "+", "dev", link]);
}

/// `ping -c <count> -i 0.2 -W 2 <to>` inside `from`, whatever its status.
pub fn ping(from: &Netns, to: &str, count: u32) -> Output {
    let count = count.to_string();
    from.exec(&["ping", "-c", &count, "-i", "0.2", "-W", "2", to])
}

/// [`ping`] that must succeed, its output in the failure message.
pub fn ping_ok(from: &Netns, to: &str, count: u32) {
    let out = ping(from, to, count);
    assert!(
        out.status.success(),
        "{} -> {to}: {}",
        from.name(),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// [`tcp_transfer`] whose bytes must all arrive, unchanged.
pub fn transfer_ok(from: &Netns, to: &Netns, to_ip: &str, len: usize) {
    let (sent, got) = tcp_transfer(from, to, to_ip, len);
    assert!(
        sent == got,
        "TCP {} -> {to_ip}: content differs ({} of {} bytes)",
        from.name(),
        got.len(),
        sent.len()
    );
}

/// The ifindex of `dev` inside `ns`.
pub fn ifindex(ns: &Netns, dev: &str) -> u32 {
    let out = ns.ip(&["-o", "link", "show", "dev", dev]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no ifindex for {dev} in {}: {text}", ns.name()))
}

/// `ip -d link show <dev>` inside `ns`, as text.
pub fn link_details(ns: &Netns, dev: &str) -> String {
    let out = ns.ip(&["-d", "link", "show", "dev", dev]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// True if a namespace of exactly this name exists (`ip netns list`).
pub fn netns_exists(name: &str) -> bool {
    let out = super::run(&["ip", "netns", "list"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|line| line.split_whitespace().next() == Some(name))
}

/// Sends `len` bytes from `from` to `to`:7000 over TCP; returns what the
/// server received. Sockets are made inside the namespaces by threads that
/// enter them.
pub fn tcp_transfer(from: &Netns, to: &Netns, to_ip: &str, len: usize) -> (Vec<u8>, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
    let listener = {
        let _in = to.enter();
        TcpListener::bind("0.0.0.0:7000").unwrap()
    };
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    });
    let addr: SocketAddr = format!("{to_ip}:7000").parse().unwrap();
    let mut stream = {
        let _in = from.enter();
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap()
    };
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(&data).unwrap();
    drop(stream);
    (data, server.join().unwrap())
}

/// Waits until weft has resolved both koko hosts (`show ip neighbors`).
pub fn wait_resolved(weftd: &Weftd) {
    wait_neighbors(weftd, &["10.99.0.1", "10.99.0.2"]);
}

/// Waits until weft has resolved every address in `addrs`.
pub fn wait_neighbors(weftd: &Weftd, addrs: &[&str]) {
    for _ in 0..100 {
        let n = weftd.ok("show ip neighbors");
        if addrs.iter().all(|a| n.contains(&format!(" {a} "))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "weft did not resolve the tunnel remotes: {}{}",
        weftd.ok("show ip neighbors"),
        weftd.diagnostics()
    );
}

/// tests/bpf/vlan_tag.bpf.c on a host's device (clsact, direct action):
/// what the host sends from 10.99.100.0/24 leaves tagged VLAN 100, VLAN
/// 100 it receives arrives untagged. Detached (the qdisc deleted) on drop.
pub struct VlanTagger {
    ns: String,
    dev: String,
    obj: std::path::PathBuf,
}

impl VlanTagger {
    /// Attaches both programs to `dev` in `ns`; `prefix` names the object
    /// file written for `tc`.
    pub fn attach(ns: &Netns, dev: &str, prefix: &str) -> VlanTagger {
        static OBJ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vlan_tag.bpf.o"));
        let obj = std::env::temp_dir().join(format!(
            "weft-{prefix}-{}-vlan_tag.bpf.o",
            std::process::id()
        ));
        std::fs::write(&obj, OBJ).unwrap();
        let t = VlanTagger {
            ns: ns.name().to_string(),
            dev: dev.to_string(),
            obj,
        };
        let path = t.obj.to_str().unwrap().to_string();
        for args in [
            vec!["qdisc", "add", "dev", dev, "clsact"],
            vec![
                "filter",
                "add",
                "dev",
                dev,
                "egress",
                "bpf",
                "da",
                "obj",
                &path,
                "sec",
                "classifier/tag",
            ],
            vec![
                "filter",
                "add",
                "dev",
                dev,
                "ingress",
                "bpf",
                "da",
                "obj",
                &path,
                "sec",
                "classifier/untag",
            ],
        ] {
            let out = ns.exec(&[&["tc"][..], &args[..]].concat());
            assert!(
                out.status.success(),
                "tc {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        t
    }
}

impl Drop for VlanTagger {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args([
                "netns", "exec", &self.ns, "tc", "qdisc", "del", "dev", &self.dev, "clsact",
            ])
            .output();
        let _ = std::fs::remove_file(&self.obj);
    }
}
