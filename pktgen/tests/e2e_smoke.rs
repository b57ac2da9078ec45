//! `benches/e2e.sh --quick` end to end, as a test: the harness builds its
//! topology, runs the five DUTs (reflector, weftd with the tunnels
//! cross-connected and bridged, weftd over a host-interface, kernel vxlan + tc) with
//! the debug binaries of this build, and writes a CSV, a table and a chart.
//! It checks the pipeline, not the figures (timings are noise here): every
//! DUT forwarded frames to the sink, the table has the ratios, the chart is
//! a PNG, the docs were not touched and no namespace is left behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::privileged;

/// Deletes the harness's namespaces by exact name, even if the test fails.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for side in ["gen", "dut"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &format!("{}-{side}", self.0)])
                .output();
        }
    }
}

fn netns_exists(name: &str) -> bool {
    Path::new("/run/netns").join(name).exists()
}

#[test]
fn e2e_harness_quick_run_writes_csv_table_and_chart() {
    if !privileged("e2e_smoke::e2e_harness_quick_run_writes_csv_table_and_chart") {
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_weft-pktgen"))
        .parent()
        .expect("binary directory")
        .to_path_buf();
    for b in ["weftd", "weftctl"] {
        assert!(
            bin_dir.join(b).exists(),
            "{} missing: build the workspace first (cargo build --workspace)",
            bin_dir.join(b).display()
        );
    }
    let prefix = format!("wes{}", std::process::id() % 100_000);
    let _cleanup = Cleanup(prefix.clone());
    let out = std::env::temp_dir().join(format!("weft-e2e-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let doc_before = std::fs::read_to_string(root.join("docs/performance.md")).unwrap();

    let run = Command::new(root.join("benches/e2e.sh"))
        .args(["--quick", "--duration", "1", "--sizes", "60"])
        .arg("--bin-dir")
        .arg(&bin_dir)
        .args(["--prefix", &prefix, "--no-docs"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "e2e.sh failed:\n{log}");

    // One row per DUT, each with frames sent and forwarded frames counted.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|c| *c == n).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let duts: Vec<&str> = rows.iter().map(|r| r[col("dut")]).collect();
    assert_eq!(
        duts,
        [
            "limit",
            "xdp-bound",
            "weft",
            "weft-graph",
            "weft-bridge",
            "weft-hif",
            "kernel"
        ],
        "{csv}"
    );
    for r in &rows {
        let sent: u64 = r[col("sent")].parse().unwrap();
        let delivered: u64 = r[col("delivered_frames")].parse().unwrap();
        assert!(sent > 1000, "{}: sent {sent}\n{log}", r[0]);
        assert!(
            delivered > 0 && delivered <= sent,
            "{}: {delivered} of {sent}\n{log}",
            r[0]
        );
        assert_eq!(r[col("inner_size")], "60");
    }

    let table = std::fs::read_to_string(out.join("table.md")).unwrap();
    assert!(
        table.contains(
            "| inner frame | weft / kernel | weft / xdp-bound | weft-graph / kernel | weft-graph / limit | weft-hif / kernel | weft-bridge / weft-graph |"
        ),
        "{table}"
    );
    assert!(table.contains("| 60 B | weft |"), "{table}");
    assert!(table.contains("| 60 B | weft-graph |"), "{table}");
    assert!(table.contains("| 60 B | xdp-bound |"), "{table}");
    assert!(table.contains("| 60 B | weft-hif |"), "{table}");
    assert!(table.contains("| 60 B | weft-bridge |"), "{table}");
    let png = std::fs::read(out.join("e2e.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // weftd forwarded (its show errors was saved): weft in the kernel,
    // weft-graph with the fast path off through its graph only.
    let fast = std::fs::read_to_string(out.join("weft-show-xdp-fastpath.txt")).unwrap();
    assert!(fast.contains("wbe-d/0: on, 2 flows"), "{fast}");
    let errors = std::fs::read_to_string(out.join("weft-show-errors.txt")).unwrap();
    assert!(
        errors.contains("packets forwarded in the kernel"),
        "{errors}"
    );
    let errors = std::fs::read_to_string(out.join("weft-graph-show-errors.txt")).unwrap();
    assert!(
        !errors.contains("packets forwarded in the kernel"),
        "{errors}"
    );
    for dut in ["weft", "weft-graph", "weft-bridge", "weft-hif"] {
        let errors = std::fs::read_to_string(out.join(format!("{dut}-show-errors.txt"))).unwrap();
        assert!(
            errors.contains("good packets encapsulated"),
            "{dut}: {errors}"
        );
    }
    // The bridged DUT forwarded known unicast through its bridge domain
    // and learned the generator's inner source behind vxlan_tunnel0.
    let errors = std::fs::read_to_string(out.join("weft-bridge-show-errors.txt")).unwrap();
    assert!(errors.contains("L2 forward hits"), "{errors}");
    let fib = std::fs::read_to_string(out.join("weft-bridge-show-l2fib.txt")).unwrap();
    assert!(
        fib.lines()
            .any(|l| l.contains("0a:00:00:00:01:01") && l.contains("vxlan_tunnel0")),
        "{fib}"
    );

    assert_eq!(
        std::fs::read_to_string(root.join("docs/performance.md")).unwrap(),
        doc_before,
        "--no-docs must leave the docs alone"
    );
    for side in ["gen", "dut"] {
        assert!(
            !netns_exists(&format!("{prefix}-{side}")),
            "namespace left behind"
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
}
