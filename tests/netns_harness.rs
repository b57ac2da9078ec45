//! The privileged test harness itself: namespaces are created, connected
//! and removed by exact name, even when the test body panics.

mod common;

use common::{Netns, privileged, veth};

#[test]
fn namespaces_connect_and_are_removed() {
    if !privileged("netns_harness::namespaces_connect_and_are_removed") {
        return;
    }
    let name;
    {
        let a = Netns::new("harness-a");
        let b = Netns::new("harness-b");
        name = a.name().to_string();
        veth(&a, "va", &b, "vb");
        a.ip(&["addr", "add", "10.99.200.1/24", "dev", "va"]);
        b.ip(&["addr", "add", "10.99.200.2/24", "dev", "vb"]);
        let out = a.exec(&["ping", "-c", "1", "-W", "2", "10.99.200.2"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let list = common::run(&["ip", "netns", "list"]);
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&name));
}

#[test]
fn namespace_is_removed_when_the_test_panics() {
    if !privileged("netns_harness::namespace_is_removed_when_the_test_panics") {
        return;
    }
    let name = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let n2 = name.clone();
    let r = std::thread::spawn(move || {
        let ns = Netns::new("harness-panic");
        *n2.lock().unwrap() = ns.name().to_string();
        panic!("test body failed");
    })
    .join();
    assert!(r.is_err());
    let list = common::run(&["ip", "netns", "list"]);
    let name = name.lock().unwrap().clone();
    assert!(!name.is_empty());
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&name));
}
