//! `dataplane::io::owner::DeviceLock` across network namespaces and
//! processes, in its real directory (`/run/weft/devices`). Privileged: the
//! namespaces are the tests' own (`weft-owner-...`); the calling thread
//! enters them.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Child, Netns, privileged};
use dataplane::io::netlink;
use dataplane::io::owner::{DeviceLock, OwnerError};

/// Environment variable that makes [`child_holds_the_lock`] do its work:
/// `<ifindex>:<ifname>`.
const CHILD_ENV: &str = "WEFT_OWNER_TEST_CHILD";

fn ifindex(ns: &Netns, dev: &str) -> u32 {
    let _in = ns.enter();
    netlink::link_by_name(dev)
        .unwrap()
        .unwrap_or_else(|| panic!("no {dev} in {}", ns.name()))
        .ifindex
}

/// A namespace with a veth pair `eth0`/`eth1` inside it.
fn ns_with_eth0(prefix: &str) -> Netns {
    let ns = Netns::new(prefix);
    ns.ip(&[
        "link", "add", "eth0", "type", "veth", "peer", "name", "eth1",
    ]);
    ns
}

fn own_comm() -> String {
    std::fs::read_to_string("/proc/self/comm")
        .unwrap()
        .trim_end()
        .to_string()
}

#[test]
fn same_interface_in_two_namespaces_does_not_collide() {
    if !privileged("device_owner::same_interface_in_two_namespaces_does_not_collide") {
        return;
    }
    let a = ns_with_eth0("owner-a");
    let b = ns_with_eth0("owner-b");
    let idx = ifindex(&a, "eth0");
    assert_eq!(idx, ifindex(&b, "eth0"), "same name, same ifindex");

    let in_a = a.enter();
    let lock_a = DeviceLock::acquire(idx, "eth0").unwrap();
    drop(in_a);
    let in_b = b.enter();
    let lock_b = DeviceLock::acquire(idx, "eth0").unwrap();
    drop(in_b);
    assert_ne!(lock_a.path(), lock_b.path());
    assert!(lock_a.path().starts_with("/run/weft/devices"));

    // The same namespace again: refused, naming this process.
    let in_a = a.enter();
    let e = DeviceLock::acquire(idx, "eth0").unwrap_err();
    let pid = std::process::id();
    assert!(
        matches!(&e, OwnerError::InUse { ifname, pid: Some(p), comm: Some(c) }
            if ifname == "eth0" && *p == pid && *c == own_comm()),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "host interface eth0 is in use by {} (pid {pid})",
            own_comm()
        )
    );
    // Another interface of that namespace is free.
    let idx1 = netlink::link_by_name("eth1").unwrap().unwrap().ifindex;
    let lock_a1 = DeviceLock::acquire(idx1, "eth1").unwrap();
    drop(in_a);

    let path = lock_a.path().to_path_buf();
    drop(lock_a);
    assert!(!path.exists());
    let _in_a = a.enter();
    let again = DeviceLock::acquire(idx, "eth0").unwrap();
    drop((again, lock_a1, lock_b));
}

#[test]
fn a_sigkilled_owner_leaves_the_interface_free() {
    if !privileged("device_owner::a_sigkilled_owner_leaves_the_interface_free") {
        return;
    }
    let ns = ns_with_eth0("owner-kill");
    let idx = ifindex(&ns, "eth0");
    let exe = std::env::current_exe().unwrap();
    let mut child = Child(
        ns.command(&[
            exe.to_str().unwrap(),
            "child_holds_the_lock",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{idx}:eth0"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the child"),
    );
    let child_pid = child.0.id();
    let stdout = child.0.stdout.take().unwrap();
    let locked = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // libtest's "test child_holds_the_lock ... " starts the line.
        .any(|l| l.ends_with("LOCKED"));
    assert!(locked, "the child did not lock eth0");
    let child_comm = std::fs::read_to_string(format!("/proc/{child_pid}/comm"))
        .unwrap()
        .trim_end()
        .to_string();

    let _in = ns.enter();
    let e = DeviceLock::acquire(idx, "eth0").unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("host interface eth0 is in use by {child_comm} (pid {child_pid})")
    );

    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    let lock = DeviceLock::acquire(idx, "eth0").expect("free right after the owner died");
    drop(lock);
}

/// Not a test: the child process of
/// [`a_sigkilled_owner_leaves_the_interface_free`], which runs this binary
/// with `--ignored --exact child_holds_the_lock` and [`CHILD_ENV`] set.
/// Locks the interface, says `LOCKED`, and waits to be killed (at most a
/// minute).
#[test]
#[ignore = "child process of a_sigkilled_owner_leaves_the_interface_free"]
fn child_holds_the_lock() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (idx, name) = spec.split_once(':').expect("<ifindex>:<ifname>");
    let _lock = DeviceLock::acquire(idx.parse().unwrap(), name).unwrap();
    println!("LOCKED");
    std::thread::sleep(Duration::from_secs(60));
}
