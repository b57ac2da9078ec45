//! The sink: a tiny XDP program (`pktgen/bpf/sink.bpf.c`) that counts the
//! frames and bytes an interface receives in a per-CPU map and drops them,
//! and its loader.
//!
//! ```no_run
//! # fn main() -> Result<(), pktgen::sink::SinkError> {
//! use pktgen::sink::{Sink, SinkFilter};
//! // Count only VNI 12 VXLAN frames; pass anything else to the kernel.
//! let sink = Sink::attach_dev("veth0", &SinkFilter::vxlan(12).pass_other(true))?;
//! let before = sink.counters()?;
//! // ... run the traffic ...
//! let delta = sink.counters()? - before;
//! println!("{} frames, {} bytes", delta.matched.packets, delta.matched.bytes);
//! sink.detach()?;
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! * Same loader pattern as weft's steering program
//!   (`dataplane::io::xdp_prog`): the object is compiled by `build.rs`,
//!   embedded, opened into an owned [`Object`], attached in native mode
//!   with a generic-mode fallback, detached on [`Sink::detach`] or Drop.
//! * A sink left attached by a killed `weft-pktgen sink` is recognised by
//!   its program name ([`PROG_NAME`]) and replaced; any other program is
//!   someone else's and the attach fails naming it.
//! * The filter is written into the program's config map before it is
//!   attached, so no frame is ever counted under another filter.
//! * Counters only ever grow; take differences of [`Sink::counters`] to
//!   measure an interval.
//!
//! # Limitations
//!
//! * Counts what XDP sees: on a multi-buffer (jumbo) frame, only the first
//!   buffer's bytes. The program is not frags-aware, so an interface with an
//!   MTU above one page refuses a native attach.
//! * The VXLAN filter looks at untagged IPv4 only (no 802.1Q, no IPv6
//!   underlay).
//! * Attach, detach and Drop work in the calling thread's network namespace:
//!   detach (or drop) from the namespace the sink was attached in. From
//!   another one the program is not found and stays attached until its
//!   interface goes (deleting the namespace removes it).
//! * As in `dataplane::io::xdp_prog`, the check "nothing foreign attached"
//!   and the attach are not one atomic step when a stale sink is replaced.

use std::fmt;
use std::ops::Sub;
use std::os::fd::AsFd;

use dataplane::io::xdp_prog::{
    AttachFailure, Attached, XdpError, XdpMode, attach_prog, attached, detach_prog,
};
use libbpf_rs::{MapCore, MapFlags, MapHandle, Object, ObjectBuilder, Program};
use serde::{Deserialize, Serialize};

use crate::template::VXLAN_PORT;

/// Name of the sink's XDP program (its function name in `sink.bpf.c`).
pub const PROG_NAME: &str = "weft_pg_sink";

const COUNTERS_MAP: &str = "sink_counters";
const CONFIG_MAP: &str = "sink_config";

/// Indices into `sink_config`.
const CFG_FLAGS: u32 = 0;
const CFG_VNI: u32 = 1;
const CFG_PORT: u32 = 2;
const CFG_OUT_VNI: u32 = 3;
const CFG_DST_IP: u32 = 4;
/// Bits of `sink_config[CFG_FLAGS]`.
const FILTER_VXLAN: u32 = 1 << 0;
const PASS_OTHER: u32 = 1 << 1;
const REWRITE: u32 = 1 << 2;
/// Indices into `sink_counters`.
const MATCHED: u32 = 0;
const OTHER: u32 = 1;

/// The object file, 8-byte aligned for libelf.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

static OBJECT: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/sink.bpf.o")));

/// Which frames count as "matched", and what happens to the others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SinkFilter {
    /// Match only VXLAN frames with this VNI and UDP destination port
    /// (`None`: every frame matches).
    pub vxlan: Option<VxlanMatch>,
    /// Pass frames that do not match to the kernel instead of dropping them.
    pub pass_other: bool,
    /// Send matched frames back out rewritten instead of dropping them
    /// (needs [`SinkFilter::vxlan`]).
    pub rewrite: Option<Rewrite>,
}

/// The cross-connect rewrite of a matched VXLAN frame, sent back out of the
/// interface (`XDP_TX`): Ethernet source and destination swapped, the IPv4
/// destination and the VNI replaced, the IPv4 checksum updated, the UDP
/// checksum 0; nothing else is checked or changed. The bound of an XDP forwarder of the koko
/// rewrite (benches/e2e.sh's `xdp-bound`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewrite {
    /// The VNI of the frame sent.
    pub vni: u32,
    /// Its outer IPv4 destination.
    pub dst_ip: std::net::Ipv4Addr,
}

/// A VXLAN filter: IPv4, UDP to `port`, flags word `0x08000000`, VNI `vni`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VxlanMatch {
    /// VNI.
    pub vni: u32,
    /// UDP destination port.
    pub port: u16,
}

impl SinkFilter {
    /// Match every frame, drop everything.
    pub fn all() -> SinkFilter {
        SinkFilter::default()
    }

    /// Match VXLAN frames of `vni` to port 4789; drop everything.
    pub fn vxlan(vni: u32) -> SinkFilter {
        SinkFilter {
            vxlan: Some(VxlanMatch {
                vni,
                port: VXLAN_PORT,
            }),
            pass_other: false,
            rewrite: None,
        }
    }

    /// The same filter, passing unmatched frames to the kernel or not.
    pub fn pass_other(self, pass: bool) -> SinkFilter {
        SinkFilter {
            pass_other: pass,
            ..self
        }
    }

    /// The same filter, matched frames rewritten and sent back out.
    pub fn rewrite(self, rewrite: Option<Rewrite>) -> SinkFilter {
        SinkFilter { rewrite, ..self }
    }

    fn words(&self) -> [(u32, u32); 5] {
        let mut flags = 0;
        if self.vxlan.is_some() {
            flags |= FILTER_VXLAN;
        }
        if self.pass_other {
            flags |= PASS_OTHER;
        }
        if self.rewrite.is_some() {
            flags |= REWRITE;
        }
        let (vni, port) = self.vxlan.map_or((0, 0), |v| (v.vni, u32::from(v.port)));
        // The program stores the address as it is on the wire.
        let (out_vni, dst_ip) = self
            .rewrite
            .map_or((0, 0), |r| (r.vni, u32::from_ne_bytes(r.dst_ip.octets())));
        [
            (CFG_FLAGS, flags),
            (CFG_VNI, vni),
            (CFG_PORT, port),
            (CFG_OUT_VNI, out_vni),
            (CFG_DST_IP, dst_ip),
        ]
    }
}

impl fmt::Display for SinkFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.vxlan {
            Some(v) => write!(f, "vxlan vni {} port {}", v.vni, v.port)?,
            None => f.write_str("all frames")?,
        }
        if self.pass_other {
            f.write_str(", others passed to the kernel")?;
        }
        if let Some(r) = self.rewrite {
            write!(f, ", matched sent back as vni {} to {}", r.vni, r.dst_ip)?;
        }
        Ok(())
    }
}

/// Frames and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// Frames.
    pub packets: u64,
    /// Bytes (frame length as XDP sees it: no FCS).
    pub bytes: u64,
}

/// The sink's counters, summed over CPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkCounters {
    /// Frames that matched the filter (all frames without a filter).
    pub matched: Count,
    /// Frames that did not.
    pub other: Count,
}

impl Sub for Count {
    type Output = Count;
    fn sub(self, rhs: Count) -> Count {
        Count {
            packets: self.packets.wrapping_sub(rhs.packets),
            bytes: self.bytes.wrapping_sub(rhs.bytes),
        }
    }
}

impl Sub for SinkCounters {
    type Output = SinkCounters;
    fn sub(self, rhs: SinkCounters) -> SinkCounters {
        SinkCounters {
            matched: self.matched - rhs.matched,
            other: self.other - rhs.other,
        }
    }
}

/// A reading of the sink over an interval (the `interval` and `summary`
/// lines of `weft-pktgen sink`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SinkReport {
    /// Interface.
    pub dev: String,
    /// The filter, as text.
    pub filter: String,
    /// XDP attach mode ("native" or "generic").
    pub xdp_mode: String,
    /// Seconds since the sink was attached.
    pub seconds: f64,
    /// Counters since the sink was attached.
    pub total: SinkCounters,
    /// Length of the interval this line covers (the whole run for the
    /// summary).
    pub interval_seconds: f64,
    /// Counters over the interval.
    pub interval: SinkCounters,
    /// Matched frames per second over the interval.
    pub matched_pps: f64,
    /// Other frames per second over the interval.
    pub other_pps: f64,
}

impl SinkReport {
    /// A report from two readings `interval_seconds` apart.
    pub fn new(
        sink: &Sink,
        dev: &str,
        seconds: f64,
        total: SinkCounters,
        previous: SinkCounters,
        interval_seconds: f64,
    ) -> SinkReport {
        let interval = total - previous;
        let per_second = |n: u64| {
            if interval_seconds > 0.0 {
                n as f64 / interval_seconds
            } else {
                0.0
            }
        };
        SinkReport {
            dev: dev.to_string(),
            filter: sink.filter.to_string(),
            xdp_mode: sink.mode.to_string(),
            seconds,
            total,
            interval_seconds,
            interval,
            matched_pps: per_second(interval.matched.packets),
            other_pps: per_second(interval.other.packets),
        }
    }
}

/// Errors of the sink; each names the operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The interface does not exist (in this network namespace).
    #[error("interface {dev}: {errno}")]
    NoDevice {
        /// Its name.
        dev: String,
        /// The error.
        errno: nix::errno::Errno,
    },
    /// Asking which program is attached failed.
    #[error(transparent)]
    Query(#[from] XdpError),
    /// libbpf could not parse the embedded object.
    #[error("cannot open the {PROG_NAME} BPF object: {0}")]
    Open(libbpf_rs::Error),
    /// The kernel refused the program or its maps (needs root).
    #[error("cannot load {PROG_NAME} into the kernel: {0}")]
    Load(libbpf_rs::Error),
    /// The object lacks a map or the program: `build.rs`'s object and
    /// this module are out of step.
    #[error("the {PROG_NAME} BPF object has no {0}")]
    Missing(&'static str),
    /// Writing the filter into the config map failed.
    #[error("cannot configure {PROG_NAME}: {0}")]
    Config(libbpf_rs::Error),
    /// Another program is attached; the sink never replaces it.
    #[error(
        "ifindex {ifindex} already has XDP program `{name}` (id {id}, {mode} mode); refusing to \
         replace it (detach it with `ip link set dev <if> xdp off`)"
    )]
    Foreign {
        /// The interface.
        ifindex: u32,
        /// The program's id.
        id: u32,
        /// The program's name.
        name: String,
        /// How it is attached.
        mode: XdpMode,
    },
    /// The interface index does not fit the kernel's `int`.
    #[error("invalid interface index {0}")]
    Ifindex(u32),
    /// Attaching failed in both native and generic mode.
    #[error(
        "cannot attach {PROG_NAME} to ifindex {ifindex}: native mode: {native}; generic mode: {generic}"
    )]
    Attach {
        /// The interface.
        ifindex: u32,
        /// The native-mode error.
        native: libbpf_rs::Error,
        /// The generic-mode error.
        generic: libbpf_rs::Error,
    },
    /// Replacing a stale sink failed.
    #[error("cannot replace the stale {PROG_NAME} (id {id}) on ifindex {ifindex}: {source}")]
    ReplaceStale {
        /// The interface.
        ifindex: u32,
        /// The stale program's id.
        id: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Detaching failed.
    #[error("cannot detach {PROG_NAME} from ifindex {ifindex}: {source}")]
    Detach {
        /// The interface.
        ifindex: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Reading the counters failed.
    #[error("cannot read the {PROG_NAME} counters: {0}")]
    Read(libbpf_rs::Error),
}

/// The sink, loaded and attached to one interface. Dropping it detaches
/// the program (logging any error); [`Sink::detach`] reports the error.
pub struct Sink {
    /// Owns the program and map file descriptors.
    obj: Object,
    counters: MapHandle,
    prog_id: u32,
    ifindex: u32,
    mode: XdpMode,
    filter: SinkFilter,
    stale: Option<u32>,
    attached: bool,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("ifindex", &self.ifindex)
            .field("mode", &self.mode)
            .field("prog_id", &self.prog_id)
            .field("filter", &self.filter)
            .field("attached", &self.attached)
            .finish()
    }
}

fn find_prog(obj: &Object) -> Result<Program<'_>, SinkError> {
    obj.progs()
        .find(|p| p.name() == PROG_NAME)
        .ok_or(SinkError::Missing("program weft_pg_sink"))
}

fn map_handle(obj: &Object, name: &'static str) -> Result<MapHandle, SinkError> {
    let map = obj
        .maps()
        .find(|m| m.name() == name)
        .ok_or(SinkError::Missing(name))?;
    MapHandle::try_from(&map).map_err(SinkError::Load)
}

fn c_ifindex(ifindex: u32) -> Result<i32, SinkError> {
    match i32::try_from(ifindex) {
        Ok(i) if i > 0 => Ok(i),
        _ => Err(SinkError::Ifindex(ifindex)),
    }
}

impl Sink {
    /// [`Sink::attach`] by interface name.
    pub fn attach_dev(dev: &str, filter: &SinkFilter) -> Result<Sink, SinkError> {
        let ifindex = nix::net::if_::if_nametoindex(dev).map_err(|errno| SinkError::NoDevice {
            dev: dev.to_string(),
            errno,
        })?;
        Sink::attach(ifindex, filter)
    }

    /// Loads the program with `filter` and attaches it to `ifindex` (in the
    /// calling thread's network namespace): native mode first, generic mode
    /// as a fallback. A stale sink is replaced; any other program makes the
    /// call fail with [`SinkError::Foreign`].
    pub fn attach(ifindex: u32, filter: &SinkFilter) -> Result<Sink, SinkError> {
        let c_ifindex = c_ifindex(ifindex)?;
        let current = match attached(ifindex)? {
            Some((id, name, mode)) if name != PROG_NAME => {
                return Err(SinkError::Foreign {
                    ifindex,
                    id,
                    name,
                    mode,
                });
            }
            current => current,
        };
        let obj = ObjectBuilder::default()
            .open_memory(&OBJECT.0)
            .map_err(SinkError::Open)?
            .load()
            .map_err(SinkError::Load)?;
        let config = map_handle(&obj, CONFIG_MAP)?;
        for (key, value) in filter.words() {
            config
                .update(&key.to_ne_bytes(), &value.to_ne_bytes(), MapFlags::ANY)
                .map_err(SinkError::Config)?;
        }
        let counters = map_handle(&obj, COUNTERS_MAP)?;
        let (prog_id, mode, stale) = {
            let prog = find_prog(&obj)?;
            let prog_id = Program::id_from_fd(prog.as_fd()).map_err(SinkError::Load)?;
            let stale = current.map(|(id, _, mode)| (id, mode));
            let Attached { mode, stale } =
                attach_prog(&prog, PROG_NAME, prog_id, ifindex, c_ifindex, stale).map_err(|e| {
                    match e {
                        AttachFailure::ReplaceStale { id, source, .. } => SinkError::ReplaceStale {
                            ifindex,
                            id,
                            source,
                        },
                        AttachFailure::Attach { native, generic } => SinkError::Attach {
                            ifindex,
                            native,
                            generic,
                        },
                    }
                })?;
            (prog_id, mode, stale)
        };
        Ok(Sink {
            obj,
            counters,
            prog_id,
            ifindex,
            mode,
            filter: *filter,
            stale,
            attached: true,
        })
    }

    /// The counters since the sink was attached, summed over CPUs.
    pub fn counters(&self) -> Result<SinkCounters, SinkError> {
        let read = |idx: u32| {
            self.counters
                .lookup_percpu(&idx.to_ne_bytes(), MapFlags::ANY)
                .map(|v| sum_percpu(v.as_deref().unwrap_or_default()))
                .map_err(SinkError::Read)
        };
        Ok(SinkCounters {
            matched: read(MATCHED)?,
            other: read(OTHER)?,
        })
    }

    /// How the program is attached.
    pub fn mode(&self) -> XdpMode {
        self.mode
    }

    /// The interface.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The kernel's id of the program.
    pub fn prog_id(&self) -> u32 {
        self.prog_id
    }

    /// The filter.
    pub fn filter(&self) -> SinkFilter {
        self.filter
    }

    /// The id of the stale sink [`Sink::attach`] replaced, if any.
    pub fn replaced_stale(&self) -> Option<u32> {
        self.stale
    }

    /// Detaches the program and unloads it. If the interface is gone, or
    /// the program was replaced or removed meanwhile, there is nothing to
    /// detach and this succeeds.
    pub fn detach(mut self) -> Result<(), SinkError> {
        self.detach_inner()
    }

    fn detach_inner(&mut self) -> Result<(), SinkError> {
        if !self.attached {
            return Ok(());
        }
        self.attached = false;
        let ifindex = self.ifindex;
        let current = match attached(ifindex) {
            Ok(c) => c,
            // The interface is gone (its netns was deleted, say): so is
            // the program.
            Err(XdpError::Query { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let prog = find_prog(&self.obj)?;
        detach_prog(
            &prog,
            PROG_NAME,
            self.prog_id,
            ifindex,
            c_ifindex(ifindex)?,
            current.map(|(id, _, mode)| (id, mode)),
        )
        .map_err(|source| SinkError::Detach { ifindex, source })
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Err(e) = self.detach_inner() {
            log::error!("{e}");
        }
    }
}

/// Sums one per-CPU `struct counter { u64 packets; u64 bytes; }`.
fn sum_percpu(values: &[Vec<u8>]) -> Count {
    let word = |v: &[u8], at: usize| {
        v.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_ne_bytes)
    };
    values.iter().fold(Count::default(), |acc, v| Count {
        packets: acc.packets.wrapping_add(word(v, 0)),
        bytes: acc.bytes.wrapping_add(word(v, 8)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use libbpf_rs::MapType;

    #[test]
    fn object_has_the_program_and_maps() {
        let obj = ObjectBuilder::default()
            .open_memory(&OBJECT.0)
            .expect("the embedded object parses");
        let progs: Vec<_> = obj
            .progs()
            .map(|p| {
                (
                    p.name().to_string_lossy().into_owned(),
                    p.section().to_string_lossy().into_owned(),
                )
            })
            .collect();
        assert_eq!(progs, [(PROG_NAME.to_string(), "xdp".to_string())]);
        let mut maps: Vec<_> = obj
            .maps()
            .map(|m| {
                (
                    m.name().to_string_lossy().into_owned(),
                    m.map_type(),
                    m.max_entries(),
                )
            })
            .collect();
        maps.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            maps,
            [
                (CONFIG_MAP.to_string(), MapType::Array, 5),
                (COUNTERS_MAP.to_string(), MapType::PercpuArray, 2),
            ]
        );
    }

    #[test]
    fn filter_words() {
        assert_eq!(
            SinkFilter::all().words(),
            [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)]
        );
        assert_eq!(
            SinkFilter::vxlan(12).pass_other(true).words(),
            [
                (0, FILTER_VXLAN | PASS_OTHER),
                (1, 12),
                (2, 4789),
                (3, 0),
                (4, 0)
            ]
        );
        let r = SinkFilter::vxlan(11).rewrite(Some(Rewrite {
            vni: 12,
            dst_ip: [10, 99, 0, 3].into(),
        }));
        // The address as it is on the wire, read as a native word.
        let ip = u32::from_ne_bytes([10, 99, 0, 3]);
        assert_eq!(
            r.words(),
            [
                (0, FILTER_VXLAN | REWRITE),
                (1, 11),
                (2, 4789),
                (3, 12),
                (4, ip)
            ]
        );
        assert_eq!(
            r.to_string(),
            "vxlan vni 11 port 4789, matched sent back as vni 12 to 10.99.0.3"
        );
        assert_eq!(SinkFilter::vxlan(12).to_string(), "vxlan vni 12 port 4789");
        assert_eq!(
            SinkFilter::all().pass_other(true).to_string(),
            "all frames, others passed to the kernel"
        );
    }

    #[test]
    fn percpu_sum_and_difference() {
        let cpu = |p: u64, b: u64| [p.to_ne_bytes(), b.to_ne_bytes()].concat();
        let c = sum_percpu(&[cpu(3, 300), cpu(0, 0), cpu(2, 128)]);
        assert_eq!(
            c,
            Count {
                packets: 5,
                bytes: 428
            }
        );
        assert_eq!(sum_percpu(&[]), Count::default());
        let a = SinkCounters {
            matched: c,
            other: Count {
                packets: 1,
                bytes: 60,
            },
        };
        let d = a - SinkCounters {
            matched: Count {
                packets: 1,
                bytes: 100,
            },
            other: Count::default(),
        };
        assert_eq!(d.matched.packets, 4);
        assert_eq!(d.matched.bytes, 328);
        assert_eq!(d.other.packets, 1);
    }

    #[test]
    fn sink_is_send() {
        fn is_send<T: Send>() {}
        is_send::<Sink>();
    }
}
