//! `/metrics`: weft's counters in the names and labels of VPP's
//! Prometheus exporter (`vpp_prometheus_export ... v2`, VPP's
//! `src/vpp/app/dump_metrics.c`), so dashboards built for VPP read weft
//! unchanged. docs/observability.md lists every series.
//!
//! ```text
//! sys_uptime 254.5
//! buffer_pools_available{pool="default-numa-0"} 11444
//! interfaces_rx_packets{interface="eth0_0",index="1",thread="1"} 142
//! nodes_vectors{node="ip4-input",index="0",thread="1"} 142
//! err{node="vxlan4-input",error="no_such_tunnel",index="0",thread="1"} 1
//! ```
//!
//! A scrape is taken in two steps: [`Scrape::collect`] copies the numbers
//! out of the [`State`] (the caller holds the control-plane lock, which
//! the workers never take; the counters are read with relaxed loads, as
//! `show interface` and `show errors` read them), then [`Scrape::encode`]
//! writes the text without any lock. The encoding is prometheus-client's
//! Prometheus text format (0.0.4).
//!
//! What each family counts follows VPP's stats segment: interface counters
//! restart at zero with `clear interfaces` (VPP zeroes them), node calls,
//! vectors and clocks with `clear runtime`, while `err` is never cleared
//! (`clear errors` only moves the baseline `show errors` prints from, as in
//! VPP).
//!
//! Where weft differs from VPP's exporter: the families carry `# HELP` and
//! `# TYPE ... untyped` lines (VPP's v2 prints neither; untyped is what
//! Prometheus makes of a family without a `# TYPE`, and the help lines keep
//! `promtool check metrics` quiet), the `index` of an interface series is
//! its sw_if_index (VPP's exporter writes 0 there, the position in the
//! one-element vector it reads), and values print without VPP's `%.2f`.

use std::time::{SystemTime, UNIX_EPOCH};

use dataplane::stats::{IF_COUNTERS, IfCounter};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::cli::State;

/// The `Content-Type` of a scrape (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The interface families: (name after `interfaces_`, counter, help).
/// VPP's names (`src/vnet/interface/stats.c`).
pub const INTERFACE_FAMILIES: [(&str, IfCounter, &str); IF_COUNTERS] = [
    ("rx_packets", IfCounter::RxPackets, "Packets received."),
    ("rx_bytes", IfCounter::RxBytes, "Bytes received."),
    ("tx_packets", IfCounter::TxPackets, "Packets transmitted."),
    ("tx_bytes", IfCounter::TxBytes, "Bytes transmitted."),
    (
        "drops",
        IfCounter::Drops,
        "Packets dropped, charged to the interface they came in on.",
    ),
    (
        "punt",
        IfCounter::Punt,
        "Packets punted to the control plane.",
    ),
    ("ip4", IfCounter::Ip4, "IPv4 packets received."),
    ("ip6", IfCounter::Ip6, "IPv6 packets received."),
    (
        "rx_no_buf",
        IfCounter::RxNoBuf,
        "Frames not received for want of a buffer.",
    ),
    (
        "rx_miss",
        IfCounter::RxMiss,
        "Frames the device could not deliver (ring full, or too large for a buffer).",
    ),
    ("rx_error", IfCounter::RxError, "Receive errors."),
    ("tx_error", IfCounter::TxError, "Transmit errors."),
];

/// One buffer pool's gauges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolSample {
    /// VPP's pool name (`default-numa-0`).
    pub pool: String,
    /// Buffers on the shared free list.
    pub available: u64,
    /// Buffers in use (neither on the shared list nor in a worker cache).
    pub used: u64,
    /// Free buffers held in the workers' caches.
    pub cached: u64,
}

/// One interface's counters on one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceSample {
    /// The interface's name as `show interface` prints it.
    pub name: String,
    /// Its sw_if_index.
    pub sw_if_index: u32,
    /// VPP's thread index (workers 1..=n; 0: weft's XDP fast path).
    pub thread: u32,
    /// Since the last `clear interfaces`, indexed by [`IfCounter`].
    pub counters: [u64; IF_COUNTERS],
}

/// One node's runtime on one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSample {
    /// The node's name.
    pub node: &'static str,
    /// VPP's thread index.
    pub thread: u32,
    /// Calls since the last `clear runtime`.
    pub calls: u64,
    /// Packets (VPP's vectors) since the last `clear runtime`.
    pub vectors: u64,
    /// CPU clock ticks since the last `clear runtime`.
    pub clocks: u64,
}

/// One error counter of one node on one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorSample {
    /// The node's name (a driver's counters: its input node).
    pub node: &'static str,
    /// The counter's symbolic name ([`dataplane::graph::CounterDesc::name`]).
    pub error: &'static str,
    /// VPP's thread index.
    pub thread: u32,
    /// Its value since the worker started.
    pub value: u64,
}

/// Everything one scrape reports, copied out of the [`State`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scrape {
    /// Seconds since weftd started.
    pub uptime: f64,
    /// When weftd started, in seconds since the Unix epoch.
    pub boottime: f64,
    /// Seconds since start at the last `clear runtime` (0: never).
    pub last_stats_clear: f64,
    /// Worker threads.
    pub num_worker_threads: u64,
    /// The buffer pools.
    pub pools: Vec<PoolSample>,
    /// Per interface (by sw_if_index), per thread.
    pub interfaces: Vec<InterfaceSample>,
    /// Per thread, per node.
    pub nodes: Vec<NodeSample>,
    /// Per thread, per node, per counter.
    pub errors: Vec<ErrorSample>,
}

/// VPP's interface label: the name with `/` made `_` (VPP's stats
/// segment uses `/` as its path separator and replaces it in names).
pub fn interface_label(name: &str) -> String {
    name.replace('/', "_")
}

impl Scrape {
    /// Copies the counters out of `st`: the caller holds the control-plane
    /// lock; the workers' counters are read with relaxed loads, no lock
    /// of theirs is taken.
    pub fn collect(st: &State) -> Scrape {
        let threads = st.runtime.counters();
        let uptime = st.started.elapsed();
        let boottime = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_sub(uptime);
        let pool = st.runtime.pool();
        let available = pool.shared_free() as u64;
        let cached: u64 = pool.cache_free_counts().iter().map(|&c| c as u64).sum();
        let used = u64::from(pool.len()).saturating_sub(available + cached);
        let mut s = Scrape {
            uptime: uptime.as_secs_f64(),
            boottime: boottime.as_secs_f64(),
            last_stats_clear: st
                .baselines
                .runtime_since
                .saturating_duration_since(st.started)
                .as_secs_f64(),
            num_worker_threads: st.runtime.workers().len() as u64,
            pools: vec![PoolSample {
                pool: "default-numa-0".into(),
                available,
                used,
                cached,
            }],
            ..Scrape::default()
        };
        for i in st.config.interfaces() {
            for (thread, counters) in st.if_counters_per_thread(i.sw_if_index, &threads) {
                s.interfaces.push(InterfaceSample {
                    name: i.name.clone(),
                    sw_if_index: i.sw_if_index,
                    thread,
                    counters,
                });
            }
        }
        let device = st.runtime.device_counters();
        for w in &threads {
            for (ni, info) in w.stats.node_infos.iter().enumerate() {
                let n = &w.stats.nodes[ni];
                let base = st.baselines.runtime_of(w.thread_index, ni);
                s.nodes.push(NodeSample {
                    node: info.name,
                    thread: w.thread_index,
                    calls: n.calls.get().saturating_sub(base[0]),
                    vectors: n.vectors.get().saturating_sub(base[1]),
                    clocks: n.clocks.get().saturating_sub(base[2]),
                });
                for (ci, desc) in info.counters.iter().enumerate() {
                    s.errors.push(ErrorSample {
                        node: info.name,
                        error: desc.name,
                        thread: w.thread_index,
                        value: n.counter(ci),
                    });
                }
            }
            for d in device.iter().filter(|d| d.thread_index == w.thread_index) {
                s.errors.push(ErrorSample {
                    node: d.node,
                    error: d.desc.name,
                    thread: d.thread_index,
                    value: d.count,
                });
            }
        }
        s
    }

    /// The scrape in Prometheus text format.
    pub fn encode(self) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// One untyped family with a value per label set.
fn untyped<L: prometheus_client::encoding::EncodeLabelSet>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, u64)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Unknown)?;
    for (labels, v) in samples {
        ConstCounter::new(v).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

/// One gauge without labels.
fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    v: f64,
) -> Result<(), std::fmt::Error> {
    let family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    ConstGauge::new(v).encode(family)
}

impl Collector for Scrape {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        gauge(
            &mut e,
            "sys_uptime",
            "Seconds since weftd started.",
            self.uptime,
        )?;
        gauge(
            &mut e,
            "sys_boottime",
            "When weftd started, in seconds since the Unix epoch.",
            self.boottime,
        )?;
        gauge(
            &mut e,
            "sys_last_stats_clear",
            "Seconds after start of the last clear runtime (0: never).",
            self.last_stats_clear,
        )?;
        gauge(
            &mut e,
            "sys_num_worker_threads",
            "Worker threads.",
            self.num_worker_threads as f64,
        )?;
        for (name, help, f) in [
            (
                "buffer_pools_available",
                "Buffers on the pool's shared free list.",
                (|p: &PoolSample| p.available) as fn(&PoolSample) -> u64,
            ),
            ("buffer_pools_used", "Buffers in use.", |p: &PoolSample| {
                p.used
            }),
            (
                "buffer_pools_cached",
                "Free buffers in the workers' caches.",
                |p: &PoolSample| p.cached,
            ),
        ] {
            let mut family = e.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for p in &self.pools {
                let labels = [("pool", p.pool.as_str())];
                ConstGauge::new(f(p) as f64).encode(family.encode_family(&labels)?)?;
            }
        }
        for (name, counter, help) in INTERFACE_FAMILIES {
            let samples = self.interfaces.iter().map(|i| {
                (
                    [
                        ("interface", interface_label(&i.name)),
                        ("index", i.sw_if_index.to_string()),
                        ("thread", i.thread.to_string()),
                    ],
                    i.counters[counter as usize],
                )
            });
            untyped(&mut e, &format!("interfaces_{name}"), help, samples)?;
        }
        for (name, help, f) in [
            (
                "nodes_calls",
                "Times the node ran (input nodes: runs that produced packets).",
                (|n: &NodeSample| n.calls) as fn(&NodeSample) -> u64,
            ),
            (
                "nodes_vectors",
                "Packets the node processed.",
                |n: &NodeSample| n.vectors,
            ),
            (
                "nodes_clocks",
                "CPU clock ticks (TSC) the node took.",
                |n: &NodeSample| n.clocks,
            ),
        ] {
            let samples = self.nodes.iter().map(|n| {
                (
                    [
                        ("node", n.node.to_string()),
                        ("index", "0".to_string()),
                        ("thread", n.thread.to_string()),
                    ],
                    f(n),
                )
            });
            untyped(&mut e, name, help, samples)?;
        }
        let samples = self.errors.iter().map(|c| {
            (
                [
                    ("node", c.node.to_string()),
                    ("error", c.error.to_string()),
                    ("index", "0".to_string()),
                    ("thread", c.thread.to_string()),
                ],
                c.value,
            )
        });
        untyped(
            &mut e,
            "err",
            "Node error counters, by symbolic name (show errors).",
            samples,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known state gives exactly these lines.
    #[test]
    fn exposition_text_of_a_known_state() {
        let mut c = [0u64; IF_COUNTERS];
        c[IfCounter::RxPackets as usize] = 142;
        c[IfCounter::RxBytes as usize] = 17164;
        c[IfCounter::Ip4 as usize] = 141;
        c[IfCounter::Drops as usize] = 1;
        let scrape = Scrape {
            uptime: 254.5,
            boottime: 1796521247.0,
            last_stats_clear: 0.0,
            num_worker_threads: 2,
            pools: vec![PoolSample {
                pool: "default-numa-0".into(),
                available: 11444,
                used: 347,
                cached: 165,
            }],
            interfaces: vec![
                InterfaceSample {
                    name: "local0".into(),
                    sw_if_index: 0,
                    thread: 1,
                    counters: [0; IF_COUNTERS],
                },
                InterfaceSample {
                    name: "eth0/0".into(),
                    sw_if_index: 1,
                    thread: 1,
                    counters: c,
                },
                InterfaceSample {
                    name: "eth0/0".into(),
                    sw_if_index: 1,
                    thread: 2,
                    counters: [0; IF_COUNTERS],
                },
            ],
            nodes: vec![NodeSample {
                node: "ip4-input",
                thread: 1,
                calls: 3,
                vectors: 141,
                clocks: 70500,
            }],
            errors: vec![
                ErrorSample {
                    node: "vxlan4-input",
                    error: "decapsulated",
                    thread: 1,
                    value: 140,
                },
                ErrorSample {
                    node: "vxlan4-input",
                    error: "no_such_tunnel",
                    thread: 1,
                    value: 1,
                },
            ],
        };
        let mut want = String::from(
            "# HELP sys_uptime Seconds since weftd started.
# TYPE sys_uptime gauge
sys_uptime 254.5
# HELP sys_boottime When weftd started, in seconds since the Unix epoch.
# TYPE sys_boottime gauge
sys_boottime 1796521247.0
# HELP sys_last_stats_clear Seconds after start of the last clear runtime (0: never).
# TYPE sys_last_stats_clear gauge
sys_last_stats_clear 0.0
# HELP sys_num_worker_threads Worker threads.
# TYPE sys_num_worker_threads gauge
sys_num_worker_threads 2.0
# HELP buffer_pools_available Buffers on the pool's shared free list.
# TYPE buffer_pools_available gauge
buffer_pools_available{pool=\"default-numa-0\"} 11444.0
# HELP buffer_pools_used Buffers in use.
# TYPE buffer_pools_used gauge
buffer_pools_used{pool=\"default-numa-0\"} 347.0
# HELP buffer_pools_cached Free buffers in the workers' caches.
# TYPE buffer_pools_cached gauge
buffer_pools_cached{pool=\"default-numa-0\"} 165.0
",
        );
        for (name, counter, help) in INTERFACE_FAMILIES {
            let v = c[counter as usize];
            want.push_str(&format!(
                "# HELP interfaces_{name} {help}
# TYPE interfaces_{name} untyped
interfaces_{name}{{interface=\"local0\",index=\"0\",thread=\"1\"}} 0
interfaces_{name}{{interface=\"eth0_0\",index=\"1\",thread=\"1\"}} {v}
interfaces_{name}{{interface=\"eth0_0\",index=\"1\",thread=\"2\"}} 0
"
            ));
        }
        want.push_str(
            "# HELP nodes_calls Times the node ran (input nodes: runs that produced packets).
# TYPE nodes_calls untyped
nodes_calls{node=\"ip4-input\",index=\"0\",thread=\"1\"} 3
# HELP nodes_vectors Packets the node processed.
# TYPE nodes_vectors untyped
nodes_vectors{node=\"ip4-input\",index=\"0\",thread=\"1\"} 141
# HELP nodes_clocks CPU clock ticks (TSC) the node took.
# TYPE nodes_clocks untyped
nodes_clocks{node=\"ip4-input\",index=\"0\",thread=\"1\"} 70500
# HELP err Node error counters, by symbolic name (show errors).
# TYPE err untyped
err{node=\"vxlan4-input\",error=\"decapsulated\",index=\"0\",thread=\"1\"} 140
err{node=\"vxlan4-input\",error=\"no_such_tunnel\",index=\"0\",thread=\"1\"} 1
",
        );
        let got = scrape.encode();
        for (g, w) in got.lines().zip(want.lines()) {
            assert_eq!(g, w);
        }
        assert_eq!(got, want);
        // The lines the issue names, exactly.
        assert!(got.contains(
            "\ninterfaces_rx_packets{interface=\"eth0_0\",index=\"1\",thread=\"1\"} 142\n"
        ));
        assert!(got.contains(
            "\nerr{node=\"vxlan4-input\",error=\"no_such_tunnel\",index=\"0\",thread=\"1\"} 1\n"
        ));
    }

    #[test]
    fn interface_label_is_vpps() {
        assert_eq!(interface_label("eth0/0"), "eth0_0");
        assert_eq!(interface_label("vxlan_tunnel0"), "vxlan_tunnel0");
        assert_eq!(interface_label("eth0.100"), "eth0.100");
    }
}
