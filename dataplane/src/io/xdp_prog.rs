//! weft's XDP steering program (`dataplane/bpf/weft_xdp.bpf.c`) and its
//! loader.
//!
//! weft shares its NICs with the host. The program runs on every frame the
//! NIC receives and either redirects it to the AF_XDP socket of its rx queue
//! (weft's) or passes it to the kernel (the host's):
//!
//! * L2 mode ([`XdpProgram::set_l2`]): everything is weft's.
//! * otherwise: ARP whose target protocol address is one of weft's addresses
//!   ([`XdpProgram::add_address`]) and IPv4 to one of weft's addresses,
//!   untagged or behind one 802.1Q/802.1ad tag; all else (IPv6, other IPv4)
//!   goes to the kernel.
//!
//! Two builds of the program are embedded. The device-bound one (loaded
//! for the interface's ifindex with `BPF_F_XDP_DEV_BOUND_ONLY`) reads the
//! VLAN tag a device kept out of the frame (`bpf_xdp_metadata_rx_vlan_tag`)
//! and puts it back before weft gets the frame; [`XdpProgram::attach`]
//! tries it first, in native mode. The plain one serves generic mode, a
//! kernel or driver that refuses the bound one, and
//! [`XdpProgram::load_unattached`] (`BPF_PROG_TEST_RUN` cannot run a
//! device-bound program): it sees in-band tags only
//! ([`XdpProgram::reads_vlan_metadata`]).
//!
//! A redirect to a queue with no socket ([`XdpProgram::set_socket`]) falls
//! back to `XDP_PASS`, so the host keeps the traffic until weft's socket is
//! there.
//!
//! # Design
//!
//! * The object file is compiled by `build.rs` and embedded with
//!   `include_bytes!`; it is opened with [`ObjectBuilder::open_memory`] into
//!   an owned [`Object`] rather than through a generated skeleton, whose
//!   types borrow a caller-provided `MaybeUninit<OpenObject>` (owning both in
//!   one struct would need a leaked box or a self-referential struct) and
//!   whose code contains undocumented `unsafe`. The loader checks at load
//!   time that every map and the program are present; the unprivileged unit
//!   tests check the object itself.
//! * One program is loaded per [`XdpProgram::attach`], so each interface has
//!   its own maps.
//! * **Ownership.** The program is attached through a bpf_link
//!   (`BPF_LINK_CREATE`), whose fd the [`XdpProgram`] owns: when the fd
//!   closes, on drop or because the process died (even by SIGKILL), the
//!   kernel detaches the program. It never outlives its weftd, and while
//!   the link exists the kernel refuses anyone else's attach or detach
//!   (`EBUSY`: "Can't replace active BPF XDP link"), netlink's included.
//!   Which process may attach at all is decided before: the caller holds
//!   the interface's [`DeviceLock`](super::owner::DeviceLock).
//! * **Mode.** The link is created without flags, so the kernel picks the
//!   mode: native if the driver implements XDP (`ndo_bpf`: veth, most
//!   NICs), generic otherwise (loopback); [`XdpProgram::mode`] is what the
//!   kernel then reports. If native mode refuses (a veth whose peer's MTU
//!   is too large for XDP, say), a generic-mode link is created instead,
//!   with a log line.
//! * **What is found attached.** A `weft_xdp` attached through netlink
//!   (weft before bpf_links, or any process using [`attach_prog`]) has no
//!   owner once the caller holds the lock: it is stale, detached and
//!   replaced, with a warning. A `weft_xdp` held by a bpf_link belongs to a
//!   live process: [`XdpError::LinkOwned`], never touched. A program with
//!   any other name belongs to someone else: [`XdpError::Foreign`], never
//!   touched.
//! * Closing the link detaches the program from whatever interface it is
//!   on, from any thread or namespace; if the interface was deleted
//!   meanwhile the kernel has already detached it and the close is a
//!   no-op. A re-created interface (a new ifindex) takes a new attach.
//! * Netlink attach ([`attach_prog`], [`detach_prog`]) stays for
//!   weft-pktgen's sink, whose program may outlive it.
//! * Dropping (or [`XdpProgram::detach`]) issues `BPF_LINK_DETACH` before
//!   closing the link, so the program goes at once even while a child
//!   process between `fork` and `exec` holds a copy of the link's fd.
//! * Two `unsafe` calls into libbpf, which libbpf-rs 0.25 does not wrap for
//!   a bare link fd: `bpf_link_create` for the generic-mode link and
//!   `bpf_link_detach`; everything else goes through libbpf-rs.
//! * libbpf's own messages (such as the kernel's reason a native attach
//!   failed) go to `log` with target `libbpf` instead of stderr: the first
//!   call into this module installs a process-wide libbpf print callback.
//!
//! # Limitations
//!
//! * Replacing a stale netlink-attached program is two steps (detach, then
//!   create the link): a program someone else attached in that window
//!   (microseconds) makes the attach fail, naming it; the stale program is
//!   gone either way, and weft's traffic goes to the kernel meanwhile.
//! * A foreign program that happens to be named `weft_xdp` and is attached
//!   through netlink is taken for a stale weft program.
//! * A bpf_link is shared by every process holding its fd: if weftd dies
//!   (no drop runs) while a child it forked still holds the link (`fork`
//!   without `exec`; the fd is close-on-exec), the program stays attached
//!   until that child exits or execs.
//! * Hardware-offloaded programs (`XDP_FLAGS_HW_MODE`) are not looked at.

use std::fmt;
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use libbpf_rs::query::{LinkInfoIter, LinkTypeInfo, ProgInfoIter, XdpLinkInfo};
use libbpf_rs::{
    Link, MapCore, MapFlags, MapHandle, Object, ObjectBuilder, PrintLevel, Program, ProgramMut,
    Xdp, XdpFlags,
};

/// Name of the XDP program (its function name in `weft_xdp.bpf.c`). A
/// program of this name found attached at startup is a stale weft program.
pub const PROG_NAME: &str = "weft_xdp";

/// Entries of `xsks_map`: rx queues `0..MAX_QUEUES` can have a socket.
pub const MAX_QUEUES: u32 = 64;

/// Entries of `weft_addrs`: IPv4 addresses weft can own on one interface.
pub const MAX_ADDRESSES: u32 = 1024;

const XSKS_MAP: &str = "xsks_map";
const ADDRS_MAP: &str = "weft_addrs";
const SUBNETS_MAP: &str = "weft_subnets";
const CONFIG_MAP: &str = "weft_config";
const STATS_MAP: &str = "weft_stats";
/// Name of the IPv6 address map.
const ADDRS6_MAP: &str = "weft_addrs6";
const FP_MAP: &str = "weft_fp";
const FP_COUNTS_MAP: &str = "weft_fp_counts";
const VERDICT_MAP: &str = "weft_verdict";
const TX_PORT_MAP: &str = "weft_tx_port";

/// Bit of `weft_config[0]`: the interface is in L2 mode, take everything.
const CFG_L2: u32 = 1 << 0;
/// Bit of `weft_config[0]`: record every verdict in `weft_verdict`.
const CFG_RECORD: u32 = 1 << 1;
/// Index of the longest frame in `weft_config`.
const CFG_MAX_FRAME: u32 = 1;

/// Index of the "redirected" counter in `weft_stats`.
const STAT_REDIRECTED: u32 = 0;
/// Index of the "passed" counter in `weft_stats`.
const STAT_PASSED: u32 = 1;
/// Index of the "sent by the fast path" counter in `weft_stats`.
const STAT_FASTPATH: u32 = 2;
/// Index of the "out-of-band VLAN tags put back" counter in `weft_stats`.
const STAT_VLAN_RESTORED: u32 = 3;
/// `BPF_F_XDP_DEV_BOUND_ONLY` (Linux 6.3; not in Debian 12's headers): the
/// program is bound to its ifindex's device without being offloaded.
const BPF_F_XDP_DEV_BOUND_ONLY: u32 = 1 << 6;

/// The object file, 8-byte aligned for libelf.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

static OBJECT: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/weft_xdp.bpf.o")));

/// The device-bound build (`-DWEFT_DEV_BOUND`).
static OBJECT_BOUND: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/weft_xdp_bound.bpf.o"
)));

/// How an XDP program is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XdpMode {
    /// In the driver (`XDP_FLAGS_DRV_MODE`), before any skb is built.
    Native,
    /// In the generic receive path (`XDP_FLAGS_SKB_MODE`), after the skb is
    /// built; works on every device, much slower.
    Generic,
}

impl XdpMode {
    fn flags(self) -> XdpFlags {
        match self {
            XdpMode::Native => XdpFlags::DRV_MODE,
            XdpMode::Generic => XdpFlags::SKB_MODE,
        }
    }
}

impl fmt::Display for XdpMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            XdpMode::Native => "native",
            XdpMode::Generic => "generic",
        })
    }
}

/// Errors of the XDP loader; each variant names the operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum XdpError {
    /// libbpf could not parse the embedded object.
    #[error("cannot open the {PROG_NAME} BPF object: {source}")]
    Open {
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// The kernel refused the program or its maps (needs CAP_BPF and
    /// CAP_NET_ADMIN, or root).
    #[error("cannot load {PROG_NAME} into the kernel: {source}")]
    Load {
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// The object lacks a map or program the loader needs: `build.rs`'s
    /// object and this module are out of step.
    #[error("the {PROG_NAME} BPF object has no {what} `{name}`")]
    Missing {
        /// "map" or "program".
        what: &'static str,
        /// Its name.
        name: &'static str,
    },
    /// Duplicating a map's file descriptor failed.
    #[error("cannot open BPF map {map}: {source}")]
    MapHandle {
        /// The map.
        map: &'static str,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// The interface index does not fit the kernel's `int`.
    #[error("invalid interface index {0}")]
    Ifindex(u32),
    /// Asking the kernel which XDP program is attached failed.
    #[error("cannot query the XDP program attached to ifindex {ifindex}: {source}")]
    Query {
        /// The interface.
        ifindex: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// An attached program's id could not be resolved to a program (it
    /// was detached meanwhile, or the id could not be opened).
    #[error("cannot read BPF program id {id}: {reason}")]
    ProgInfo {
        /// The program id.
        id: u32,
        /// What went wrong.
        reason: String,
    },
    /// Another program, not weft's, is attached; weft never replaces it.
    #[error(
        "ifindex {ifindex} already has XDP program `{name}` (id {id}, {mode} mode), which is not \
         weft's; refusing to replace it (detach it with `ip link set dev <if> xdp off`)"
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
    /// A `weft_xdp` attached through a bpf_link is on the interface: a live
    /// process (another weft) holds it, and the kernel lets nobody else
    /// replace it.
    #[error(
        "ifindex {ifindex} has {PROG_NAME} (id {id}) attached through a bpf_link (link id \
         {link}) by a live process; refusing (another weft owns this interface)"
    )]
    LinkOwned {
        /// The interface.
        ifindex: u32,
        /// The program's id.
        id: u32,
        /// The bpf_link's id.
        link: u32,
    },
    /// Attaching failed in both the kernel's default (native where the
    /// driver supports it) and generic mode.
    #[error(
        "cannot attach {PROG_NAME} to ifindex {ifindex}: native mode: {native:#}; generic mode: \
         {generic:#}"
    )]
    Attach {
        /// The interface.
        ifindex: u32,
        /// The native-mode attach error.
        native: libbpf_rs::Error,
        /// The generic-mode attach error.
        generic: libbpf_rs::Error,
    },
    /// Replacing a stale weft program failed.
    #[error(
        "cannot replace the stale {PROG_NAME} (id {id}, {mode} mode) on ifindex {ifindex}: {source}"
    )]
    ReplaceStale {
        /// The interface.
        ifindex: u32,
        /// The stale program's id.
        id: u32,
        /// How it was attached.
        mode: XdpMode,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Adding or deleting an IPv6 address in `weft_addrs6` failed.
    #[error("cannot update IPv6 address {addr} in weft_addrs6: {source}")]
    Address6 {
        /// The address.
        addr: std::net::Ipv6Addr,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// The device-bound build could not be attached (the caller falls back
    /// to the plain build).
    #[error("cannot attach the device-bound {PROG_NAME} to ifindex {ifindex}: {source}")]
    BoundAttach {
        /// The interface.
        ifindex: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// The device-bound build attached in a mode other than native (the
    /// kernel refuses generic mode; this is a defence).
    #[error("the device-bound {PROG_NAME} attached to ifindex {ifindex} in {mode} mode")]
    BoundMode {
        /// The interface.
        ifindex: u32,
        /// The mode it attached in.
        mode: XdpMode,
    },
    /// The bpf_link was created but the kernel does not report the program
    /// on the interface (it was deleted meanwhile?).
    #[error(
        "{PROG_NAME} (id {id}) is not attached to ifindex {ifindex} after its bpf_link was created"
    )]
    NotAttached {
        /// The interface.
        ifindex: u32,
        /// The program's id.
        id: u32,
    },
    /// The program is still attached after `BPF_LINK_DETACH` and closing
    /// its bpf_link (a kernel without `BPF_LINK_DETACH`, before 5.9, and
    /// another process holding a copy of the link's fd).
    #[error(
        "{PROG_NAME} (id {id}) is still attached to ifindex {ifindex} after its bpf_link was \
         detached and closed (another process holds the link)"
    )]
    StillAttached {
        /// The interface.
        ifindex: u32,
        /// The program's id.
        id: u32,
    },
    /// The rx queue has no slot in `xsks_map`.
    #[error("rx queue {0} is out of range (weft supports queues 0..{MAX_QUEUES})")]
    QueueRange(u32),
    /// `xsks_map[queue] = fd` failed.
    #[error("cannot set the AF_XDP socket of rx queue {queue}: {source}")]
    SetSocket {
        /// The rx queue.
        queue: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Removing `xsks_map[queue]` failed.
    #[error("cannot clear the AF_XDP socket of rx queue {queue}: {source}")]
    ClearSocket {
        /// The rx queue.
        queue: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Inserting into `weft_addrs` failed (full at [`MAX_ADDRESSES`]).
    #[error("cannot add steering address {addr}: {source}")]
    AddAddress {
        /// The address.
        addr: Ipv4Addr,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Removing from `weft_addrs` failed.
    #[error("cannot delete steering address {addr}: {source}")]
    DelAddress {
        /// The address.
        addr: Ipv4Addr,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Inserting into `weft_subnets` failed (full at [`MAX_ADDRESSES`]).
    #[error("cannot add steering subnet {network}/{prefix_len}: {source}")]
    AddSubnet {
        /// The network address.
        network: Ipv4Addr,
        /// The prefix length.
        prefix_len: u8,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Removing from `weft_subnets` failed.
    #[error("cannot delete steering subnet {network}/{prefix_len}: {source}")]
    DelSubnet {
        /// The network address.
        network: Ipv4Addr,
        /// The prefix length.
        prefix_len: u8,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Reading or writing `weft_config` failed.
    #[error("cannot set L2 mode to {take_all}: {source}")]
    SetL2 {
        /// The requested mode.
        take_all: bool,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// A map operation of the XDP fast path failed.
    #[error("cannot {what} the XDP fast path table: {source}")]
    Fastpath {
        /// What was being done.
        what: &'static str,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Setting a flag or value of `weft_config` failed.
    #[error("cannot set {what} in {PROG_NAME}'s configuration: {source}")]
    SetConfig {
        /// What was being set.
        what: &'static str,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Reading `weft_stats` failed.
    #[error("cannot read the {PROG_NAME} counters: {source}")]
    Stats {
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// `BPF_PROG_TEST_RUN` failed.
    #[error("cannot test-run {PROG_NAME}: {source}")]
    TestRun {
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
}

/// The loaded object: the program and its maps, not attached anywhere.
struct Loaded {
    /// Owns the program and map file descriptors; closing it unloads the
    /// program once nothing (an interface, a `MapHandle`) holds it.
    obj: Object,
    prog_id: u32,
    xsks: MapHandle,
    addrs: MapHandle,
    addrs6: MapHandle,
    subnets: MapHandle,
    config: MapHandle,
    stats: MapHandle,
    verdict: MapHandle,
    tx_port: MapHandle,
    /// Device-bound: reads out-of-band VLAN tags.
    bound: bool,
}

impl Loaded {
    /// Loads the plain build, or with `bound_to` the device-bound build
    /// for that ifindex.
    fn load(bound_to: Option<u32>) -> Result<Loaded, XdpError> {
        route_libbpf_messages();
        let object = if bound_to.is_some() {
            &OBJECT_BOUND.0
        } else {
            &OBJECT.0
        };
        let mut open = ObjectBuilder::default()
            .open_memory(object)
            .map_err(|source| XdpError::Open { source })?;
        if let Some(ifindex) = bound_to {
            let mut prog =
                open.progs_mut()
                    .find(|p| p.name() == PROG_NAME)
                    .ok_or(XdpError::Missing {
                        what: "program",
                        name: PROG_NAME,
                    })?;
            prog.set_ifindex(ifindex);
            prog.set_flags(BPF_F_XDP_DEV_BOUND_ONLY);
        }
        let obj = open.load().map_err(|source| XdpError::Load { source })?;
        let prog_id = {
            let prog = find_prog(&obj)?;
            Program::id_from_fd(prog.as_fd()).map_err(|source| XdpError::Load { source })?
        };
        Ok(Loaded {
            prog_id,
            xsks: map_handle(&obj, XSKS_MAP)?,
            addrs: map_handle(&obj, ADDRS_MAP)?,
            addrs6: map_handle(&obj, ADDRS6_MAP)?,
            subnets: map_handle(&obj, SUBNETS_MAP)?,
            config: map_handle(&obj, CONFIG_MAP)?,
            stats: map_handle(&obj, STATS_MAP)?,
            verdict: map_handle(&obj, VERDICT_MAP)?,
            tx_port: map_handle(&obj, TX_PORT_MAP)?,
            bound: bound_to.is_some(),
            obj,
        })
    }

    /// The program, as libbpf-rs attaches and test-runs it (`ProgramMut`).
    fn prog_mut(&self) -> Result<ProgramMut<'_>, XdpError> {
        self.obj
            .progs_mut()
            .find(|p| p.name() == PROG_NAME)
            .ok_or(XdpError::Missing {
                what: "program",
                name: PROG_NAME,
            })
    }
}

fn find_prog(obj: &Object) -> Result<Program<'_>, XdpError> {
    obj.progs()
        .find(|p| p.name() == PROG_NAME)
        .ok_or(XdpError::Missing {
            what: "program",
            name: PROG_NAME,
        })
}

fn map_handle(obj: &Object, name: &'static str) -> Result<MapHandle, XdpError> {
    let map = obj
        .maps()
        .find(|m| m.name() == name)
        .ok_or(XdpError::Missing { what: "map", name })?;
    MapHandle::try_from(&map).map_err(|source| XdpError::MapHandle { map: name, source })
}

/// The bpf_link holding weft's program on its interface: closing it (the
/// last reference to it) detaches the program, and so does
/// `BPF_LINK_DETACH` on it ([`link_detach`]).
enum LinkFd {
    /// From `bpf_program__attach_xdp` (no flags: the kernel's default mode).
    Libbpf(Link),
    /// From `bpf_link_create` with `XDP_FLAGS_SKB_MODE` (the generic-mode
    /// fallback, which libbpf-rs 0.25 does not wrap).
    Raw(OwnedFd),
}

impl AsFd for LinkFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            LinkFd::Libbpf(link) => link.as_fd(),
            LinkFd::Raw(fd) => fd.as_fd(),
        }
    }
}

/// What the program did with a frame ([`XdpProgram::test_run_frame`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRun {
    /// The XDP action returned (`XDP_PASS` 2, `XDP_REDIRECT` 4).
    pub action: u32,
    /// What the program recorded.
    pub verdict: Option<Verdict>,
    /// The frame as the program left it.
    pub frame: Vec<u8>,
}

/// Where the program sent a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// To the host (`XDP_PASS`).
    Host,
    /// To weft's AF_XDP socket, unchanged (the graph).
    Socket,
    /// Rewritten by the fast path and sent back out of the interface
    /// (`XDP_REDIRECT` through `weft_tx_port`).
    Tx,
}

impl Verdict {
    fn from_code(v: u32) -> Option<Verdict> {
        match v {
            1 => Some(Verdict::Host),
            2 => Some(Verdict::Socket),
            3 => Some(Verdict::Tx),
            _ => None,
        }
    }
}

/// weft's XDP program, loaded and attached to one interface through a
/// bpf_link this value owns.
///
/// Dropping it detaches the program (the kernel does, when the link's fd
/// closes; a process that dies, even by SIGKILL, detaches it too);
/// [`Self::detach`] does the same and reports what went wrong.
pub struct XdpProgram {
    /// First, so that it closes (detaching the program) before the program
    /// and its maps are closed.
    link: Option<LinkFd>,
    link_id: Option<u32>,
    loaded: Loaded,
    ifindex: u32,
    mode: XdpMode,
    stale: Option<u32>,
}

impl fmt::Debug for XdpProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XdpProgram")
            .field("ifindex", &self.ifindex)
            .field("mode", &self.mode)
            .field("prog_id", &self.loaded.prog_id)
            .field("link_id", &self.link_id)
            .field("attached", &self.link.is_some())
            .finish()
    }
}

impl XdpProgram {
    /// Loads the program and attaches it to `ifindex` (in the calling
    /// thread's network namespace) through a bpf_link: in the mode the
    /// kernel picks (native if the driver implements XDP, generic
    /// otherwise), falling back to generic (SKB) mode with a `log::info!`
    /// line if native mode refuses.
    ///
    /// The caller owns the interface (it holds its
    /// [`DeviceLock`](super::owner::DeviceLock)), so a `weft_xdp` attached
    /// through netlink, as weft attached it before bpf_links, is stale: it
    /// is detached and replaced, with a `log::warn!` line
    /// ([`Self::replaced_stale`]). A `weft_xdp` attached through a bpf_link
    /// belongs to a live process and is never touched
    /// ([`XdpError::LinkOwned`]); any other program is someone else's
    /// ([`XdpError::Foreign`]).
    pub fn attach(ifindex: u32) -> Result<XdpProgram, XdpError> {
        let c_ifindex = c_ifindex(ifindex)?;
        // Refuse what is not ours to replace before loading anything.
        let stale = stale_or_refuse(ifindex)?;
        let plain = Loaded::load(None)?;
        if let Some((id, mode)) = stale {
            // A link cannot replace a program attached through netlink:
            // detach it first. weft's traffic goes to the kernel until the
            // link is there, as it did since the stale owner died.
            Xdp::new(plain.prog_mut()?.as_fd())
                .detach(c_ifindex, mode.flags())
                .map_err(|source| XdpError::ReplaceStale {
                    ifindex,
                    id,
                    mode,
                    source,
                })?;
        }
        let (loaded, link, mode) = match attach_bound(ifindex, c_ifindex) {
            Ok(bound) => bound,
            Err(why) => {
                log::info!(
                    "ifindex {ifindex}: the device-bound {PROG_NAME} was refused ({why:#}); \
                     the plain one sees VLAN tags only when they are in the frame"
                );
                let (link, mode) =
                    attach_link(&plain.prog_mut()?, plain.prog_id, ifindex, c_ifindex)?;
                (plain, link, mode)
            }
        };
        let prog_id = loaded.prog_id;
        if let Some((id, old_mode)) = stale {
            log::warn!(
                "ifindex {ifindex}: replaced a stale {PROG_NAME} XDP program (id {id}, \
                 {old_mode} mode, attached through netlink by an older weft) with a new one \
                 (id {prog_id}, {mode} mode, through a bpf_link)"
            );
        }
        let link_id = xdp_link_id(ifindex, prog_id);
        let prog = XdpProgram {
            link: Some(link),
            link_id,
            loaded,
            ifindex,
            mode,
            stale: stale.map(|(id, _)| id),
        };
        prog.set_tx_port(ifindex)?;
        Ok(prog)
    }

    /// How the program is attached.
    pub fn mode(&self) -> XdpMode {
        self.mode
    }

    /// Whether the program is the device-bound build, which puts the VLAN
    /// tags a device kept out of the frame back before weft gets it.
    pub fn reads_vlan_metadata(&self) -> bool {
        self.loaded.bound
    }

    /// Out-of-band VLAN tags the program put back in frames for weft,
    /// summed over CPUs.
    pub fn vlan_restored(&self) -> Result<u64, XdpError> {
        self.stat(STAT_VLAN_RESTORED)
    }

    /// The interface the program is attached to.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The kernel's id of this program (as `bpftool prog` and
    /// `ip -d link show` print it).
    pub fn prog_id(&self) -> u32 {
        self.loaded.prog_id
    }

    /// The kernel's id of the bpf_link holding the program (as
    /// `bpftool link` prints it), if it could be read.
    pub fn link_id(&self) -> Option<u32> {
        self.link_id
    }

    /// The id of the stale weft program (attached through netlink by an
    /// older weft) that [`Self::attach`] replaced, if it replaced one.
    pub fn replaced_stale(&self) -> Option<u32> {
        self.stale
    }

    /// Steers rx queue `queue`'s frames to the AF_XDP socket `xsk_fd`
    /// (`xsks_map[queue] = fd`). The kernel takes its own reference to the
    /// socket.
    pub fn set_socket(&self, queue: u32, xsk_fd: BorrowedFd<'_>) -> Result<(), XdpError> {
        check_queue(queue)?;
        self.loaded
            .xsks
            .update(
                &queue.to_ne_bytes(),
                &xsk_fd.as_raw_fd().to_ne_bytes(),
                MapFlags::ANY,
            )
            .map_err(|source| XdpError::SetSocket { queue, source })
    }

    /// Removes rx queue `queue`'s socket: its frames for weft go to the
    /// kernel again. Clearing a queue with no socket is not an error.
    pub fn clear_socket(&self, queue: u32) -> Result<(), XdpError> {
        check_queue(queue)?;
        ignore_not_found(self.loaded.xsks.delete(&queue.to_ne_bytes()))
            .map_err(|source| XdpError::ClearSocket { queue, source })
    }

    /// Makes `addr` one of weft's addresses on this interface: ARP for it
    /// and IPv4 to it are steered to weft.
    pub fn add_address(&self, addr: Ipv4Addr) -> Result<(), XdpError> {
        self.loaded
            .addrs
            .update(&addr_key(addr), &[1], MapFlags::ANY)
            .map_err(|source| XdpError::AddAddress { addr, source })
    }

    /// Gives `addr` back to the kernel. Deleting an address weft does not
    /// have is not an error.
    pub fn del_address(&self, addr: Ipv4Addr) -> Result<(), XdpError> {
        ignore_not_found(self.loaded.addrs.delete(&addr_key(addr)))
            .map_err(|source| XdpError::DelAddress { addr, source })
    }

    /// Makes `addr` one of weft's IPv6 addresses on this interface: IPv6 to
    /// it and Neighbor Solicitations for it are steered to weft.
    pub fn add_address6(&self, addr: std::net::Ipv6Addr) -> Result<(), XdpError> {
        self.loaded
            .addrs6
            .update(&addr.octets(), &[1], MapFlags::ANY)
            .map_err(|source| XdpError::Address6 { addr, source })
    }

    /// Gives IPv6 `addr` back to the kernel (not an error if absent).
    pub fn del_address6(&self, addr: std::net::Ipv6Addr) -> Result<(), XdpError> {
        ignore_not_found(self.loaded.addrs6.delete(&addr.octets()))
            .map_err(|source| XdpError::Address6 { addr, source })
    }

    /// Makes `network/prefix_len` one of weft's subnets on this interface:
    /// gratuitous ARP from it is steered to weft.
    pub fn add_subnet(&self, network: Ipv4Addr, prefix_len: u8) -> Result<(), XdpError> {
        self.loaded
            .subnets
            .update(&subnet_key(network, prefix_len), &[1], MapFlags::ANY)
            .map_err(|source| XdpError::AddAddress {
                addr: network,
                source,
            })
    }

    /// Removes a subnet [`Self::add_subnet`] added (not an error if absent).
    pub fn del_subnet(&self, network: Ipv4Addr, prefix_len: u8) -> Result<(), XdpError> {
        ignore_not_found(self.loaded.subnets.delete(&subnet_key(network, prefix_len))).map_err(
            |source| XdpError::DelSubnet {
                network,
                prefix_len,
                source,
            },
        )
    }

    /// Sets or clears L2 mode: when set, every frame is steered to weft.
    pub fn set_l2(&self, take_all: bool) -> Result<(), XdpError> {
        set_flag(&self.loaded.config, CFG_L2, take_all)
            .map_err(|source| XdpError::SetL2 { take_all, source })
    }

    fn stat(&self, idx: u32) -> Result<u64, XdpError> {
        stat(&self.loaded.stats, idx)
    }

    /// Handles on the fast path's maps, for the control plane to keep
    /// apart from the program (the driver owns the program).
    pub fn fastpath(&self) -> Result<FastpathMaps, XdpError> {
        Ok(FastpathMaps {
            fp: map_handle(&self.loaded.obj, FP_MAP)?,
            fp_counts: map_handle(&self.loaded.obj, FP_COUNTS_MAP)?,
            stats: map_handle(&self.loaded.obj, STATS_MAP)?,
        })
    }

    /// Records every verdict, for [`Self::test_run_frame`].
    pub fn set_record_verdicts(&self, on: bool) -> Result<(), XdpError> {
        set_flag(&self.loaded.config, CFG_RECORD, on).map_err(|source| XdpError::SetConfig {
            what: "verdict recording",
            source,
        })
    }

    /// The interface the fast path sends on (`weft_tx_port[0]`): the one
    /// the program is attached to ([`Self::attach`] sets it).
    pub fn set_tx_port(&self, ifindex: u32) -> Result<(), XdpError> {
        self.loaded
            .tx_port
            .update(&0u32.to_ne_bytes(), &ifindex.to_ne_bytes(), MapFlags::ANY)
            .map_err(|source| XdpError::SetConfig {
                what: "the transmit port",
                source,
            })
    }

    /// The longest frame the socket takes (a buffer's data room): the fast
    /// path leaves a longer one to the socket, which drops and counts it.
    /// 0 (the default) takes none.
    pub fn set_max_frame(&self, bytes: u32) -> Result<(), XdpError> {
        self.loaded
            .config
            .update(
                &CFG_MAX_FRAME.to_ne_bytes(),
                &bytes.to_ne_bytes(),
                MapFlags::ANY,
            )
            .map_err(|source| XdpError::SetConfig {
                what: "the longest frame",
                source,
            })
    }

    /// The program's counters summed over CPUs: (frames steered to weft,
    /// frames passed to the kernel). "Steered" counts the redirect attempt:
    /// a frame for weft on a queue with no socket counts as steered, though
    /// the kernel gets it.
    pub fn stats(&self) -> Result<(u64, u64), XdpError> {
        Ok((self.stat(STAT_REDIRECTED)?, self.stat(STAT_PASSED)?))
    }

    /// Runs the program once on `frame` in the kernel
    /// (`BPF_PROG_TEST_RUN`, rx queue 0), without a NIC, and returns its
    /// XDP action (`XDP_PASS` = 2, `XDP_REDIRECT` = 4). The run is counted in
    /// [`Self::stats`]. For tests and diagnostics.
    pub fn test_run(&self, frame: &[u8]) -> Result<u32, XdpError> {
        let prog = self.loaded.prog_mut()?;
        let input = libbpf_rs::ProgramInput {
            data_in: Some(frame),
            ..Default::default()
        };
        prog.test_run(input)
            .map(|out| out.return_value)
            .map_err(|source| XdpError::TestRun { source })
    }

    /// Runs the program once on `frame` (`BPF_PROG_TEST_RUN`, rx queue
    /// 0) with verdict recording on ([`Self::set_record_verdicts`]) and
    /// returns what it did and the frame as it left.
    pub fn test_run_frame(&self, frame: &[u8]) -> Result<TestRun, XdpError> {
        let zero = 0u32.to_ne_bytes();
        let cpus = libbpf_rs::num_possible_cpus().map_err(|source| XdpError::TestRun { source })?;
        let clear = vec![vec![0u8; 4]; cpus];
        self.loaded
            .verdict
            .update_percpu(&zero, &clear, MapFlags::ANY)
            .map_err(|source| XdpError::TestRun { source })?;
        let prog = self.loaded.prog_mut()?;
        let mut out = vec![0u8; frame.len() + 256];
        let input = libbpf_rs::ProgramInput {
            data_in: Some(frame),
            data_out: Some(&mut out),
            ..Default::default()
        };
        let (action, len) = {
            let r = prog
                .test_run(input)
                .map_err(|source| XdpError::TestRun { source })?;
            (r.return_value, r.data.map_or(0, |d| d.len()))
        };
        out.truncate(len);
        let verdict = self
            .loaded
            .verdict
            .lookup_percpu(&zero, MapFlags::ANY)
            .map_err(|source| XdpError::TestRun { source })?
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.get(..4)?.try_into().ok())
            .map(u32::from_ne_bytes)
            .find(|&v| v != 0);
        Ok(TestRun {
            action,
            verdict: verdict.and_then(Verdict::from_code),
            frame: out,
        })
    }

    /// Loads the program without attaching it anywhere: for
    /// [`Self::test_run_frame`].
    pub fn load_unattached() -> Result<XdpProgram, XdpError> {
        Ok(XdpProgram {
            link: None,
            link_id: None,
            loaded: Loaded::load(None)?,
            ifindex: 0,
            mode: XdpMode::Native,
            stale: None,
        })
    }

    /// Detaches the program from the interface (`BPF_LINK_DETACH`, then
    /// closes its bpf_link) and unloads it.
    ///
    /// If the interface is gone there is nothing to detach and this
    /// succeeds. It fails only if the program is still attached afterwards
    /// ([`XdpError::StillAttached`]).
    pub fn detach(mut self) -> Result<(), XdpError> {
        self.detach_inner()
    }

    fn detach_inner(&mut self) -> Result<(), XdpError> {
        let Some(link) = self.link.take() else {
            return Ok(());
        };
        // BPF_LINK_DETACH detaches the program now, even if another process
        // holds a copy of the link's fd: a child between fork and exec
        // (weftd's own `Command`s, a test harness spawning a process). On
        // an interface that is gone the link is defunct and this is a
        // no-op. Closing the link would detach too, but only once its last
        // copy goes.
        if let Err(e) = link_detach(link.as_fd()) {
            log::debug!(
                "ifindex {}: BPF_LINK_DETACH: {e:#}; relying on closing the link",
                self.ifindex
            );
        }
        drop(link);
        match query(self.ifindex) {
            Ok(Some((id, _))) if id == self.loaded.prog_id => Err(XdpError::StillAttached {
                ifindex: self.ifindex,
                id,
            }),
            // Detached; or the interface is gone (with the program), or
            // the query was answered in another namespace, where this
            // program cannot be.
            _ => Ok(()),
        }
    }
}

impl Drop for XdpProgram {
    fn drop(&mut self) {
        if let Err(e) = self.detach_inner() {
            log::error!("{e}");
        }
    }
}

/// What is attached to `ifindex`, for [`XdpProgram::attach`]: nothing
/// (`None`), a stale netlink-attached `weft_xdp` (its id and mode), or an
/// error naming what may not be replaced.
fn stale_or_refuse(ifindex: u32) -> Result<Option<(u32, XdpMode)>, XdpError> {
    match attached(ifindex)? {
        None => Ok(None),
        Some((id, name, mode)) if name != PROG_NAME => Err(XdpError::Foreign {
            ifindex,
            id,
            name,
            mode,
        }),
        Some((id, _, mode)) => match xdp_link_id(ifindex, id) {
            Some(link) => Err(XdpError::LinkOwned { ifindex, id, link }),
            None => Ok(Some((id, mode))),
        },
    }
}

/// Attaches `prog` (kernel id `prog_id`) to `ifindex` through a bpf_link,
/// in the kernel's default mode, else in generic mode; returns the link and
/// the mode the kernel reports.
/// Loads the device-bound build for `ifindex` and attaches it in native
/// mode (the only mode a device-bound program attaches in). Any failure
/// leaves nothing attached; the caller falls back to the plain build.
fn attach_bound(ifindex: u32, c_ifindex: i32) -> Result<(Loaded, LinkFd, XdpMode), XdpError> {
    let loaded = Loaded::load(Some(ifindex))?;
    let link = loaded
        .prog_mut()?
        .attach_xdp(c_ifindex)
        .map_err(|source| XdpError::BoundAttach { ifindex, source })?;
    let mode = mode_of(ifindex, loaded.prog_id)?;
    if mode != XdpMode::Native {
        return Err(XdpError::BoundMode { ifindex, mode });
    }
    Ok((loaded, LinkFd::Libbpf(link), mode))
}

fn attach_link(
    prog: &ProgramMut<'_>,
    prog_id: u32,
    ifindex: u32,
    c_ifindex: i32,
) -> Result<(LinkFd, XdpMode), XdpError> {
    // No flags: native mode if the driver has ndo_bpf, generic otherwise.
    let native = match prog.attach_xdp(c_ifindex) {
        Ok(link) => return Ok((LinkFd::Libbpf(link), mode_of(ifindex, prog_id)?)),
        Err(e) => e,
    };
    // Someone attached a program since we looked: say whose.
    stale_or_refuse(ifindex)?;
    match link_create_generic(prog.as_fd(), c_ifindex) {
        Ok(fd) => {
            log::info!(
                "ifindex {ifindex}: native XDP not available ({native:#}); \
                 {PROG_NAME} attached in generic (SKB) mode, which is slower"
            );
            Ok((LinkFd::Raw(fd), mode_of(ifindex, prog_id)?))
        }
        Err(generic) => Err(XdpError::Attach {
            ifindex,
            native,
            generic,
        }),
    }
}

/// `bpf_link_create(prog, ifindex, BPF_XDP, flags = XDP_FLAGS_SKB_MODE)`.
// JUSTIFICATION: libbpf-rs 0.25 creates XDP links only without flags
// (`Program::attach_xdp`), which on a driver with native XDP means native
// mode; the generic-mode fallback needs the flag, so this one libbpf call
// is made directly.
#[allow(unsafe_code)]
fn link_create_generic(prog: BorrowedFd<'_>, c_ifindex: i32) -> Result<OwnedFd, libbpf_rs::Error> {
    // SAFETY: `bpf_link_create_opts` is plain data (integers, raw pointers
    // and a union of them), for which all-zero bytes are a valid value:
    // null pointers and no options, as libbpf's LIBBPF_OPTS does.
    let mut opts: libbpf_sys::bpf_link_create_opts = unsafe { std::mem::zeroed() };
    opts.sz = std::mem::size_of::<libbpf_sys::bpf_link_create_opts>() as _;
    opts.flags = libbpf_sys::XDP_FLAGS_SKB_MODE;
    // SAFETY: a plain libbpf call: `prog` is a valid program fd for the
    // call's duration, `opts` a valid, initialised options struct that
    // libbpf only reads during the call, and `sz` tells libbpf its size.
    let fd = unsafe {
        libbpf_sys::bpf_link_create(prog.as_raw_fd(), c_ifindex, libbpf_sys::BPF_XDP, &opts)
    };
    if fd < 0 {
        return Err(libbpf_rs::Error::from_raw_os_error(-fd));
    }
    // SAFETY: `fd` is a new file descriptor the kernel just returned for
    // the link; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `bpf_link_detach(link)`: the kernel detaches the link's program from its
/// interface, whoever else holds the link.
// JUSTIFICATION: libbpf-rs 0.25's `Link::detach` needs a libbpf
// `struct bpf_link`, which the generic-mode link (a bare fd from
// `bpf_link_create`) does not have; one call serves both kinds.
#[allow(unsafe_code)]
fn link_detach(link: BorrowedFd<'_>) -> Result<(), libbpf_rs::Error> {
    // SAFETY: a plain libbpf call on a file descriptor that is valid for
    // the call's duration (borrowed); libbpf keeps nothing.
    let ret = unsafe { libbpf_sys::bpf_link_detach(link.as_raw_fd()) };
    if ret < 0 {
        return Err(libbpf_rs::Error::from_raw_os_error(-ret));
    }
    Ok(())
}

/// The mode `prog_id` is attached to `ifindex` in, as the kernel reports it.
fn mode_of(ifindex: u32, prog_id: u32) -> Result<XdpMode, XdpError> {
    match query(ifindex)? {
        Some((id, mode)) if id == prog_id => Ok(mode),
        _ => Err(XdpError::NotAttached {
            ifindex,
            id: prog_id,
        }),
    }
}

/// The id of the XDP bpf_link that attaches program `prog_id` to
/// `ifindex`, if there is one. Links carry no network namespace, but the
/// program id makes the match unique (unless one program is attached twice,
/// in two namespaces, once with a link and once without).
pub fn xdp_link_id(ifindex: u32, prog_id: u32) -> Option<u32> {
    // libbpf-rs 0.25 reads link info only through this iterator over every
    // link of the system; fine for a control-path call.
    LinkInfoIter::default()
        .find(|l| {
            l.prog_id == prog_id
                && matches!(l.info, LinkTypeInfo::Xdp(XdpLinkInfo { ifindex: i }) if i == ifindex)
        })
        .map(|l| l.id)
}

/// What [`attach_prog`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attached {
    /// The mode the program runs in.
    pub mode: XdpMode,
    /// The id of the stale program it replaced, if any.
    pub stale: Option<u32>,
}

/// Why [`attach_prog`] failed; callers name the interface and the program.
#[derive(Debug)]
pub enum AttachFailure {
    /// Replacing the stale program `id` (attached in `mode`) failed.
    ReplaceStale {
        /// The stale program's id.
        id: u32,
        /// Its mode.
        mode: XdpMode,
        /// The libbpf error.
        source: libbpf_rs::Error,
    },
    /// Neither native nor generic mode would attach.
    Attach {
        /// The native-mode error.
        native: libbpf_rs::Error,
        /// The generic-mode error.
        generic: libbpf_rs::Error,
    },
}

/// Attaches the loaded program `prog` (named `name`, kernel id `prog_id`)
/// to `ifindex` (`c_ifindex` for libbpf) through netlink, as weft-pktgen's
/// sink does (weft's own program uses a bpf_link, [`XdpProgram::attach`]).
/// A program attached this way stays attached after the process exits,
/// until [`detach_prog`] or the interface goes. If `stale` names a program of the same
/// name left attached (the caller has refused anyone else's), it is
/// replaced in the mode it was attached in, with a `log::warn!` line;
/// otherwise native (driver) mode is tried first and generic (SKB) mode is
/// the fallback, with a `log::info!` line.
pub fn attach_prog(
    prog: &Program<'_>,
    name: &str,
    prog_id: u32,
    ifindex: u32,
    c_ifindex: i32,
    stale: Option<(u32, XdpMode)>,
) -> Result<Attached, AttachFailure> {
    let xdp = Xdp::new(prog.as_fd());
    if let Some((id, mode)) = stale {
        let replace_err = |source| AttachFailure::ReplaceStale { id, mode, source };
        match mode {
            XdpMode::Native => {
                // XDP_FLAGS_REPLACE: the kernel refuses if the attached
                // program is no longer `old`. With no mode flag the kernel
                // picks native mode, which is where `old` is.
                let old = Program::fd_from_id(id).map_err(replace_err)?;
                xdp.replace(c_ifindex, old.as_fd()).map_err(replace_err)?;
            }
            XdpMode::Generic => {
                // Without UPDATE_IF_NOEXIST this replaces whatever
                // generic-mode program is attached (see the module docs).
                xdp.attach(c_ifindex, XdpFlags::SKB_MODE)
                    .map_err(replace_err)?;
            }
        }
        log::warn!(
            "ifindex {ifindex}: replaced a stale {name} XDP program (id {id}, {mode} mode), \
             left by a previous run, with a new one (id {prog_id})"
        );
        return Ok(Attached {
            mode,
            stale: Some(id),
        });
    }
    // UPDATE_IF_NOEXIST: a program attached since the caller's query makes
    // both attempts fail rather than be replaced. XdpFlags is not Copy in
    // libbpf-rs 0.25: build it twice.
    let native = XdpFlags::DRV_MODE | XdpFlags::UPDATE_IF_NOEXIST;
    let generic = XdpFlags::SKB_MODE | XdpFlags::UPDATE_IF_NOEXIST;
    let mode = match xdp.attach(c_ifindex, native) {
        Ok(()) => XdpMode::Native,
        Err(native) => match xdp.attach(c_ifindex, generic) {
            Ok(()) => {
                log::info!(
                    "ifindex {ifindex}: native XDP not available ({native}); \
                     {name} attached in generic (SKB) mode, which is slower"
                );
                XdpMode::Generic
            }
            Err(generic) => return Err(AttachFailure::Attach { native, generic }),
        },
    };
    Ok(Attached { mode, stale: None })
}

/// Detaches program `prog` (kernel id `prog_id`, named `name`), attached
/// by [`attach_prog`], from `ifindex` if it is still the one attached
/// there; a program that replaced it meanwhile is left alone, with a
/// `log::warn!` line. Used by weft-pktgen's sink. `Err` carries the libbpf error of the
/// detach itself.
pub fn detach_prog(
    prog: &Program<'_>,
    name: &str,
    prog_id: u32,
    ifindex: u32,
    c_ifindex: i32,
    current: Option<(u32, XdpMode)>,
) -> Result<(), libbpf_rs::Error> {
    match current {
        Some((id, mode)) if id == prog_id => Xdp::new(prog.as_fd()).detach(c_ifindex, mode.flags()),
        Some((id, mode)) => {
            log::warn!(
                "ifindex {ifindex}: {name} (id {prog_id}) was replaced by program id {id} \
                 ({mode} mode); leaving that one attached"
            );
            Ok(())
        }
        None => Ok(()),
    }
}

/// Which program (id and name) is attached to `ifindex` (in the calling
/// thread's network namespace), if any, and in which mode.
pub fn attached(ifindex: u32) -> Result<Option<(u32, String, XdpMode)>, XdpError> {
    let Some((id, mode)) = query(ifindex)? else {
        return Ok(None);
    };
    Ok(Some((id, prog_name(id)?, mode)))
}

/// The id and mode of the program attached to `ifindex`, if any.
fn query(ifindex: u32) -> Result<Option<(u32, XdpMode)>, XdpError> {
    let c_ifindex = c_ifindex(ifindex)?;
    route_libbpf_messages();
    // libbpf-rs 0.25's `Xdp` wants a program fd even for `query`, which
    // never uses it (bpf_xdp_query is a netlink RTM_GETLINK): lend it stdin's
    // fd number rather than load a program just to ask.
    let opts = Xdp::new(std::io::stdin().as_fd())
        .query(c_ifindex, XdpFlags::NONE)
        .map_err(|source| XdpError::Query { ifindex, source })?;
    Ok(if opts.drv_prog_id != 0 {
        Some((opts.drv_prog_id, XdpMode::Native))
    } else if opts.skb_prog_id != 0 {
        Some((opts.skb_prog_id, XdpMode::Generic))
    } else {
        None
    })
}

/// The name of the loaded program `id`.
fn prog_name(id: u32) -> Result<String, XdpError> {
    // libbpf-rs 0.25 reads program info only through this iterator over
    // every loaded program; fine for a control-path call.
    ProgInfoIter::default()
        .find(|p| p.id == id)
        .map(|p| p.name.to_string_lossy().into_owned())
        .ok_or_else(|| XdpError::ProgInfo {
            id,
            reason: "no such program (detached meanwhile?)".to_string(),
        })
}

/// Sends libbpf's messages to `log` (target `libbpf`), once per process.
fn route_libbpf_messages() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        libbpf_rs::set_print(Some((PrintLevel::Info, forward_libbpf_message)));
    });
}

fn forward_libbpf_message(level: PrintLevel, msg: String) {
    let msg = msg.trim_end();
    let msg = msg.strip_prefix("libbpf: ").unwrap_or(msg);
    match level {
        PrintLevel::Warn => log::warn!(target: "libbpf", "{msg}"),
        PrintLevel::Info => log::info!(target: "libbpf", "{msg}"),
        PrintLevel::Debug => log::debug!(target: "libbpf", "{msg}"),
    }
}

fn c_ifindex(ifindex: u32) -> Result<i32, XdpError> {
    match i32::try_from(ifindex) {
        Ok(i) if i > 0 => Ok(i),
        _ => Err(XdpError::Ifindex(ifindex)),
    }
}

fn check_queue(queue: u32) -> Result<(), XdpError> {
    if queue < MAX_QUEUES {
        Ok(())
    } else {
        Err(XdpError::QueueRange(queue))
    }
}

/// The maps of one program's fast path, held apart from the program: the
/// control plane installs tables and reads counts through these while the
/// driver owns the program.
#[derive(Debug)]
pub struct FastpathMaps {
    fp: MapHandle,
    fp_counts: MapHandle,
    stats: MapHandle,
}

impl FastpathMaps {
    /// Replaces the fast path's table with one holding `entries` (key and
    /// value bytes, [`super::xdp_fastpath`]): a new map, filled, then put
    /// in `weft_fp[0]` in one update, so a packet sees the old table or
    /// the new one, never a mix. The kernel frees the old one once no
    /// program run holds it.
    pub fn set_fastpath(
        &self,
        entries: &[(
            [u8; super::xdp_fastpath::KEY_LEN],
            [u8; super::xdp_fastpath::VALUE_LEN],
        )],
    ) -> Result<(), XdpError> {
        use super::xdp_fastpath::{KEY_LEN, MAX_ENTRIES, VALUE_LEN};
        let err = |what| move |source| XdpError::Fastpath { what, source };
        let opts = libbpf_sys::bpf_map_create_opts {
            sz: std::mem::size_of::<libbpf_sys::bpf_map_create_opts>() as libbpf_sys::size_t,
            map_flags: libbpf_sys::BPF_F_NO_PREALLOC,
            ..Default::default()
        };
        let table = MapHandle::create(
            libbpf_rs::MapType::Hash,
            Some("weft_fp_table"),
            KEY_LEN as u32,
            VALUE_LEN as u32,
            MAX_ENTRIES,
            &opts,
        )
        .map_err(err("create"))?;
        for (k, v) in entries {
            table.update(k, v, MapFlags::ANY).map_err(err("fill"))?;
        }
        self.fp
            .update(
                &0u32.to_ne_bytes(),
                &table.as_fd().as_raw_fd().to_ne_bytes(),
                MapFlags::ANY,
            )
            .map_err(err("install"))
    }

    /// Removes the fast path's table: every packet goes to the socket.
    pub fn clear_fastpath(&self) -> Result<(), XdpError> {
        ignore_not_found(self.fp.delete(&0u32.to_ne_bytes())).map_err(|source| XdpError::Fastpath {
            what: "remove",
            source,
        })
    }

    /// The counts of fast path slot `slot`, summed over CPUs: packets,
    /// received bytes, inner bytes, sent bytes.
    pub fn fastpath_counts(&self, slot: u32) -> Result<[u64; 4], XdpError> {
        let values = self
            .fp_counts
            .lookup_percpu(&slot.to_ne_bytes(), MapFlags::ANY)
            .map_err(|source| XdpError::Stats { source })?
            .unwrap_or_default();
        let mut out = [0u64; 4];
        for cpu in &values {
            for (i, o) in out.iter_mut().enumerate() {
                let w = cpu
                    .get(i * 8..i * 8 + 8)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, u64::from_ne_bytes);
                *o = o.wrapping_add(w);
            }
        }
        Ok(out)
    }

    /// Frames the fast path rewrote and sent, summed over CPUs.
    pub fn fastpath_sent(&self) -> Result<u64, XdpError> {
        stat(&self.stats, STAT_FASTPATH)
    }
}

/// Sets or clears bits of `weft_config[0]` (a single word: the program
/// never reads it half-written). Called with the control-plane lock held,
/// so two read-modify-writes never interleave.
fn set_flag(config: &MapHandle, bit: u32, on: bool) -> libbpf_rs::Result<()> {
    let key = 0u32.to_ne_bytes();
    let flags = config
        .lookup(&key, MapFlags::ANY)?
        .and_then(|v| v.try_into().ok())
        .map_or(0, u32::from_ne_bytes);
    let flags = if on { flags | bit } else { flags & !bit };
    config.update(&key, &flags.to_ne_bytes(), MapFlags::ANY)
}

/// Counter `idx` of `weft_stats`, summed over CPUs.
fn stat(stats: &MapHandle, idx: u32) -> Result<u64, XdpError> {
    stats
        .lookup_percpu(&idx.to_ne_bytes(), MapFlags::ANY)
        .map(|v| sum_percpu(v.as_deref().unwrap_or_default()))
        .map_err(|source| XdpError::Stats { source })
}

/// The `weft_addrs` key of `addr`: the address in network byte order, as
/// the program reads it from the packet.
fn addr_key(addr: Ipv4Addr) -> [u8; 4] {
    addr.octets()
}

/// The `weft_subnets` key (an LPM trie's): the prefix length in host
/// order, then the address in network order, bits beyond the prefix zero.
fn subnet_key(network: Ipv4Addr, prefix_len: u8) -> [u8; 8] {
    let len = prefix_len.min(32);
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    let mut k = [0u8; 8];
    k[..4].copy_from_slice(&u32::from(len).to_ne_bytes());
    k[4..].copy_from_slice(&(network.to_bits() & mask).to_be_bytes());
    k
}

/// Sums one per-CPU u64 counter.
fn sum_percpu(values: &[Vec<u8>]) -> u64 {
    values
        .iter()
        .filter_map(|v| v.get(..8)?.try_into().ok())
        .map(u64::from_ne_bytes)
        .fold(0, u64::wrapping_add)
}

fn ignore_not_found(r: libbpf_rs::Result<()>) -> libbpf_rs::Result<()> {
    match r {
        Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libbpf_rs::MapType;

    fn open() -> libbpf_rs::OpenObject {
        ObjectBuilder::default()
            .open_memory(&OBJECT.0)
            .expect("the embedded object parses")
    }

    #[test]
    fn object_has_the_program_and_maps() {
        let obj = open();
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
                (ADDRS_MAP.to_string(), MapType::Hash, MAX_ADDRESSES),
                (ADDRS6_MAP.to_string(), MapType::Hash, MAX_ADDRESSES),
                (CONFIG_MAP.to_string(), MapType::Array, 2),
                (FP_MAP.to_string(), MapType::ArrayOfMaps, 1),
                (
                    FP_COUNTS_MAP.to_string(),
                    MapType::PercpuArray,
                    super::super::xdp_fastpath::MAX_ENTRIES
                ),
                (STATS_MAP.to_string(), MapType::PercpuArray, 4),
                (SUBNETS_MAP.to_string(), MapType::LpmTrie, MAX_ADDRESSES),
                (TX_PORT_MAP.to_string(), MapType::Devmap, 1),
                (VERDICT_MAP.to_string(), MapType::PercpuArray, 1),
                (XSKS_MAP.to_string(), MapType::Xskmap, MAX_QUEUES),
            ]
        );
    }

    #[test]
    fn mode_display() {
        assert_eq!(XdpMode::Native.to_string(), "native");
        assert_eq!(XdpMode::Generic.to_string(), "generic");
    }

    #[test]
    fn error_display_names_the_operation() {
        let e = XdpError::Foreign {
            ifindex: 7,
            id: 42,
            name: "xdp_dispatcher".into(),
            mode: XdpMode::Generic,
        };
        assert_eq!(
            e.to_string(),
            "ifindex 7 already has XDP program `xdp_dispatcher` (id 42, generic mode), which is \
             not weft's; refusing to replace it (detach it with `ip link set dev <if> xdp off`)"
        );
        let e = XdpError::Attach {
            ifindex: 3,
            native: libbpf_rs::Error::from_raw_os_error(95),
            generic: libbpf_rs::Error::from_raw_os_error(16),
        };
        let s = e.to_string();
        assert!(
            s.starts_with("cannot attach weft_xdp to ifindex 3: native mode: "),
            "{s}"
        );
        assert!(s.contains("; generic mode: "), "{s}");
        assert_eq!(
            XdpError::LinkOwned {
                ifindex: 4,
                id: 90,
                link: 12
            }
            .to_string(),
            "ifindex 4 has weft_xdp (id 90) attached through a bpf_link (link id 12) by a live \
             process; refusing (another weft owns this interface)"
        );
        assert_eq!(
            XdpError::StillAttached { ifindex: 4, id: 90 }.to_string(),
            "weft_xdp (id 90) is still attached to ifindex 4 after its bpf_link was detached \
             and closed (another process holds the link)"
        );
        let e = XdpError::Attach {
            ifindex: 3,
            native: libbpf_rs::Error::from_raw_os_error(34),
            generic: libbpf_rs::Error::from_raw_os_error(16),
        };
        assert!(
            e.to_string().ends_with(
                "native mode: Numerical result out of range (os error 34); generic mode: \
                 Device or resource busy (os error 16)"
            ),
            "{e}"
        );
        assert_eq!(
            XdpError::QueueRange(64).to_string(),
            "rx queue 64 is out of range (weft supports queues 0..64)"
        );
        assert_eq!(
            XdpError::Missing {
                what: "map",
                name: "xsks_map"
            }
            .to_string(),
            "the weft_xdp BPF object has no map `xsks_map`"
        );
        let e = XdpError::AddAddress {
            addr: Ipv4Addr::new(10, 0, 0, 1),
            source: libbpf_rs::Error::from_raw_os_error(7),
        };
        assert!(
            e.to_string()
                .starts_with("cannot add steering address 10.0.0.1: "),
            "{e}"
        );
    }

    #[test]
    fn bad_ifindex_and_queue_are_refused_before_any_syscall() {
        assert!(matches!(c_ifindex(0), Err(XdpError::Ifindex(0))));
        assert!(matches!(
            c_ifindex(u32::MAX),
            Err(XdpError::Ifindex(u32::MAX))
        ));
        assert_eq!(c_ifindex(1).ok(), Some(1));
        assert!(check_queue(MAX_QUEUES - 1).is_ok());
        assert!(matches!(
            check_queue(MAX_QUEUES),
            Err(XdpError::QueueRange(64))
        ));
    }

    #[test]
    fn address_key_is_network_byte_order() {
        assert_eq!(addr_key(Ipv4Addr::new(10, 99, 1, 2)), [10, 99, 1, 2]);
    }

    #[test]
    fn percpu_sum() {
        let v = vec![
            3u64.to_ne_bytes().to_vec(),
            0u64.to_ne_bytes().to_vec(),
            5u64.to_ne_bytes().to_vec(),
        ];
        assert_eq!(sum_percpu(&v), 8);
        assert_eq!(sum_percpu(&[]), 0);
    }

    #[test]
    fn xdp_program_is_send() {
        fn is_send<T: Send>() {}
        is_send::<XdpProgram>();
    }
}
