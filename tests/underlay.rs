//! weftd's runtime on a real veth: an AF_XDP interface created through the
//! runtime, pinned workers, ARP and ICMP for weft's address, `ping` from
//! weft, host traffic on the same Linux interface left alone, counters
//! that match, an idle worker that sleeps, and delete detaching XDP.
//!
//! Topology (one test, its own namespaces):
//!
//! ```text
//!  weft-ul-w-<pid>                      weft-ul-p-<pid>
//!  ul0  (AF_XDP: weft owns 10.99.3.3,   ulp0  10.99.3.1/24
//!        Linux keeps 10.99.3.9)  <-veth->
//! ```

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::koko::{TEST1_IP, TEST2_IP, TwoUplinks, ping};
use common::show::{errors, interface_counters};
use common::{Netns, privileged, veth};
use weft::control::Config;
use weft::control::cli::{Cli, Executor};
use weft::control::device::{AfXdpArgs, DeviceArgs};
use weft::control::runtime::{PingArgs, Runtime};
use weft::daemon::punt::{self, ControlPlane, WithState};
use weft::daemon::runtime::Runtime as WeftRuntime;
use weft::dataplane::io::xdp_prog::attached;
use weft::dataplane::pool::{PageSize, Pool, PoolConfig};
use weft::dataplane::punt::punt_channel;
use weft::dataplane::stats::IfCounter;
use weft::dataplane::tables::new_handle;

const WEFT: Ipv4Addr = Ipv4Addr::new(10, 99, 3, 3);

/// CPU time (user + system) of thread `tid` of this process, in clock ticks.
fn thread_ticks(tid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 here.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// The runtime's buffer pool for these tests: 4096 buffers, normal pages.
fn small_pool() -> Arc<Pool> {
    Pool::new(PoolConfig {
        buffers: 4096,
        page_size: PageSize::Normal,
        ..PoolConfig::default()
    })
    .unwrap()
}

#[test]
fn underlay_arp_icmp_ping_and_host_traffic() {
    if !privileged("underlay_arp_icmp_ping_and_host_traffic") {
        return;
    }
    let w = Netns::new("ul-w");
    let p = Netns::new("ul-p");
    veth(&w, "ul0", &p, "ulp0");
    p.ip(&["addr", "add", "10.99.3.1/24", "dev", "ulp0"]);
    // The host keeps an address of its own on the interface weft uses.
    w.ip(&["addr", "add", "10.99.3.9/24", "dev", "ul0"]);

    let inside = w.enter();
    let ifindex = nix::net::if_::if_nametoindex("ul0").unwrap();
    let pool = small_pool();
    let handle = new_handle();
    let config = Config::new(handle.clone());
    let (punt_tx, punt_rx) = punt_channel(1024);
    let core = core_affinity::get_core_ids().unwrap().last().unwrap().id;
    let rt = WeftRuntime::start(&pool, &handle, &[Some(core)], &punt_tx).unwrap();
    let state = Arc::new(Mutex::new((config, rt)));
    let st = state.clone();
    let with: Arc<WithState> = Arc::new(move |f| {
        let mut g = st.lock().unwrap();
        let (c, r) = &mut *g;
        f(c, r);
    });
    let cp = Arc::new(ControlPlane::default());
    let stop = Arc::new(AtomicBool::new(false));
    let punt_thread = punt::spawn(cp.clone(), punt_rx, with.clone(), stop.clone()).unwrap();

    let sw = {
        let mut g = state.lock().unwrap();
        let (c, r) = &mut *g;
        let args = DeviceArgs::AfXdp(AfXdpArgs {
            host_if: "ul0".into(),
            ..AfXdpArgs::default()
        });
        let sw = r.create_device(c, &args).unwrap();
        assert_eq!(c.interface(sw).unwrap().name, "ul0/0");
        c.add_del_ip4_address(sw, WEFT, 24, false).unwrap();
        c.set_interface_state(sw, true).unwrap();
        r.config_changed(c);
        // A second create on the same Linux interface is refused and
        // changes nothing.
        let before = c.interfaces().count();
        let err = r.create_device(c, &args).unwrap_err();
        assert_eq!(err.to_string(), "interface `ul0/0' already exists");
        assert_eq!(c.interfaces().count(), before);
        sw
    };
    let server = TcpListener::bind("10.99.3.9:7777").unwrap();
    drop(inside);

    // The worker runs pinned where it was told.
    let lwp = {
        let g = state.lock().unwrap();
        let workers = g.1.workers();
        assert_eq!(workers.len(), 1);
        assert_eq!(workers[0].core, Some(core));
        workers[0].lwp
    };
    assert_ne!(lwp, 0, "worker thread started");
    let status = std::fs::read_to_string(format!("/proc/self/task/{lwp}/status")).unwrap();
    let allowed = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(allowed, core.to_string(), "worker pinned to core {core}");

    // The peer pings weft: ARP both ways, echo replies from weft.
    let out = p.exec(&["ping", "-c", "3", "-i", "0.2", "-W", "2", "10.99.3.3"]);
    assert!(
        out.status.success(),
        "peer -> weft: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let learned = {
        let g = state.lock().unwrap();
        g.0.neighbor(sw, Ipv4Addr::new(10, 99, 3, 1)).copied()
    };
    let learned = learned.expect("weft learned the peer from its ARP request");
    assert!(!learned.is_static);
    let peer_link = p.exec_ok(&["cat", "/sys/class/net/ulp0/address"]);
    assert_eq!(
        learned.mac.to_string(),
        String::from_utf8_lossy(&peer_link.stdout).trim(),
        "learned MAC is the peer's"
    );
    let neigh = p.exec_ok(&["ip", "neigh", "show", "10.99.3.3"]);
    assert!(
        String::from_utf8_lossy(&neigh.stdout).contains("lladdr"),
        "the peer resolved weft: {}",
        String::from_utf8_lossy(&neigh.stdout)
    );

    // weft pings the peer.
    let mut out = String::new();
    let args = PingArgs {
        dst: Ipv4Addr::new(10, 99, 3, 1).into(),
        source: None,
        size: 60,
        interval: 0.2,
        repeat: 3,
    };
    punt::ping(&cp, &*with, &args, &mut out).unwrap();
    assert!(
        out.ends_with("Statistics: 3 sent, 3 received, 0% packet loss"),
        "{out}"
    );
    assert_eq!(out.matches("68 bytes from 10.99.3.1: icmp_seq=").count(), 3);

    // Host traffic to the Linux address of the same interface still works
    // (TCP, through the kernel, not weft).
    let server_thread = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        let mut buf = [0u8; 6];
        s.read_exact(&mut buf).unwrap();
        s.write_all(b"world\n").unwrap();
        buf
    });
    let tcp = p.exec(&[
        "bash",
        "-c",
        "exec 3<>/dev/tcp/10.99.3.9/7777; echo hello >&3; head -c 6 <&3",
    ]);
    assert_eq!(String::from_utf8_lossy(&tcp.stdout), "world\n");
    assert_eq!(&server_thread.join().unwrap(), b"hello\n");

    // Counters match: N UDP datagrams to weft's address, N received.
    let stats = state.lock().unwrap().1.workers()[0].stats.clone();
    let rx_before = stats.interfaces.get(sw, IfCounter::RxPackets);
    let n = 25;
    p.exec_ok(&[
        "bash",
        "-c",
        &format!("for i in $(seq {n}); do echo x > /dev/udp/10.99.3.3/9999; done"),
    ]);
    let deadline = Instant::now() + Duration::from_secs(2);
    while stats.interfaces.get(sw, IfCounter::RxPackets) < rx_before + n
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        stats.interfaces.get(sw, IfCounter::RxPackets),
        rx_before + n
    );
    assert!(stats.node_counter("ip4-udp-lookup", "No listener for dst port") >= n);

    // An idle worker in adaptive mode sleeps: under 5 % of a core.
    let ticks_per_s = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .unwrap()
        .unwrap() as f64;
    std::thread::sleep(Duration::from_millis(200));
    let t0 = thread_ticks(lwp);
    let idle = Duration::from_secs(10);
    std::thread::sleep(idle);
    let used = (thread_ticks(lwp) - t0) as f64 / ticks_per_s;
    assert!(
        used < 0.05 * idle.as_secs_f64(),
        "idle worker used {used:.2} s of CPU in {idle:?}"
    );

    // Delete: the program goes away, the Linux interface keeps working.
    // (weftd runs inside the namespace; XDP is detached by ifindex there.)
    {
        let _inside = w.enter();
        let mut g = state.lock().unwrap();
        let (c, r) = &mut *g;
        r.delete_device(c, sw).unwrap();
        assert!(c.interface(sw).is_none());
    }
    {
        let _inside = w.enter();
        assert_eq!(attached(ifindex).unwrap(), None, "XDP program detached");
    }
    let host = p.exec(&["ping", "-c", "1", "-W", "2", "10.99.3.9"]);
    assert!(host.status.success(), "host address after delete");

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    punt_thread.join().unwrap();
    drop(with);
    let (_c, mut rt) = Arc::try_unwrap(state).ok().unwrap().into_inner().unwrap();
    rt.shutdown();
    drop(rt);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}

/// Two uplinks and two workers: queue 0 of both AF_XDP interfaces is
/// polled by worker 0, which can therefore transmit on both, and the koko
/// path crosses from one uplink to the other. (A global round-robin put
/// the second uplink on worker 1, and every cross-connected frame was
/// dropped as `no device for tx interface`.) weftd cannot run two workers
/// on a two-core machine, so the runtime runs in-process, unpinned, behind
/// the same CLI.
///
/// ```text
///   test1 link1 VNI 11 -> 10.99.4.3          test2 link2 VNI 12 -> 10.99.5.3
///   koko1 eth0 10.99.4.1 -- u2a (weft) (weft) u2b -- eth0 10.99.5.2 koko2
/// ```
#[test]
fn two_uplinks_on_two_workers() {
    if !privileged("two_uplinks_on_two_workers") {
        return;
    }
    let t = TwoUplinks::new(
        "ul2",
        ["u2a", "u2b"],
        ["10.99.4.1", "10.99.5.2"],
        ["10.99.4.3", "10.99.5.3"],
    );
    let inside = t.fwd.enter();
    let pool = small_pool();
    let handle = new_handle();
    let (punt_tx, _punt_rx) = punt_channel(1024);
    let rt = WeftRuntime::start(&pool, &handle, &[None, None], &punt_tx).unwrap();
    let cli = Cli::new(Config::new(handle), Box::new(rt));
    let run = |line: &str| cli.execute(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    for line in [
        "create interface af_xdp host-if u2a".to_string(),
        "create interface af_xdp host-if u2b".to_string(),
        "set interface ip address u2a/0 10.99.4.3/24".to_string(),
        "set interface ip address u2b/0 10.99.5.3/24".to_string(),
        "set interface state u2a/0 up".to_string(),
        "set interface state u2b/0 up".to_string(),
        // No punt thread here to learn the remotes from their ARP.
        format!("ip neighbor u2a/0 10.99.4.1 {} static", t.koko1.mac("eth0")),
        format!("ip neighbor u2b/0 10.99.5.2 {} static", t.koko2.mac("eth0")),
        "create vxlan tunnel src 10.99.4.3 dst 10.99.4.1 vni 11".to_string(),
        "create vxlan tunnel src 10.99.5.3 dst 10.99.5.2 vni 12".to_string(),
        "set interface l2 xconnect vxlan_tunnel0 vxlan_tunnel1".to_string(),
        "set interface l2 xconnect vxlan_tunnel1 vxlan_tunnel0".to_string(),
    ] {
        run(&line);
    }
    drop(inside);
    assert_eq!(
        run("show interface rx-placement"),
        "Thread 1 (weft_wk_0):\n  node af_xdp-input:\n    u2a/0 queue 0 (adaptive)\n    u2b/0 queue 0 (adaptive)\n"
    );

    for (from, to) in [(&t.test1, TEST2_IP), (&t.test2, TEST1_IP)] {
        let out = ping(from, to, 3);
        assert!(
            out.status.success(),
            "{} -> {to}: {}{}",
            from.name(),
            String::from_utf8_lossy(&out.stdout),
            run("show errors")
        );
    }
    let ifs = interface_counters(&run("show interface"));
    let c = |i: &str, n: &str| {
        ifs.get(&(i.to_string(), n.to_string()))
            .copied()
            .unwrap_or(0)
    };
    let rx0 = c("vxlan_tunnel0", "rx packets");
    let rx1 = c("vxlan_tunnel1", "rx packets");
    assert!(rx0 >= 3 && rx1 >= 3, "{ifs:?}");
    assert_eq!(rx0, c("vxlan_tunnel1", "tx packets"), "{ifs:?}");
    assert_eq!(rx1, c("vxlan_tunnel0", "tx packets"), "{ifs:?}");
    let errs = errors(&run("show errors"));
    assert!(
        !errs.keys().any(|(_, r)| r.starts_with("no device for tx")),
        "{errs:?}"
    );
    drop(cli);
    assert_eq!(pool.in_use(), 0, "buffers leaked");
}
