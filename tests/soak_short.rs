//! The soak in its short mode (issue 7, "Exhaustion and churn"): runs
//! `scripts/soak.sh` for 20 s on this build's weftd, weftctl and
//! weft-pktgen (1000 generated frames/s plus the pings, CLI churn every
//! 100 ms) and requires its verdict, PASS, with every check it makes:
//! weftd alive and panic-free, every churn operation accepted, buffers
//! back to the idle level, heap growth bounded, the counter identities
//! exact. Root: see [`privileged`]. The 10-minute run and its figures are
//! in docs/robustness.md ("Soak").

mod common;

use std::path::Path;
use std::process::Command;

use common::privileged;
use common::weftd::bin;

#[test]
fn soak_short() {
    if !privileged("soak_short") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // weftd and weftctl (built by `bin`), and weft-pktgen, of this profile.
    let weftd = bin("weftd");
    let mut build = Command::new(env!("CARGO"));
    build
        .current_dir(root)
        .args(["build", "-q", "-p", "weft-pktgen"]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    assert!(build.status().unwrap().success(), "building weft-pktgen");
    let bin_dir = weftd.parent().unwrap();
    let prefix = format!("ssk{}", std::process::id());
    let out = Command::new(root.join("scripts/soak.sh"))
        .args(["--seconds", "20", "--rate", "1000", "--prefix", &prefix])
        .arg("--bin-dir")
        .arg(bin_dir)
        .current_dir(root)
        .output()
        .expect("run scripts/soak.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success() && stdout.trim_end().ends_with("PASS"),
        "soak.sh failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    // Every identity was checked, and traffic and churn happened.
    assert_eq!(stdout.matches("  ok: ").count(), 5, "{stdout}");
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    // Nothing of the run is left: its namespaces are gone.
    let ns = Command::new("ip").args(["netns", "list"]).output().unwrap();
    let ns = String::from_utf8_lossy(&ns.stdout);
    assert!(
        !ns.contains(&format!("weft-{prefix}-")),
        "namespaces left: {ns}"
    );
}
