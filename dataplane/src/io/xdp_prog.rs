//! weft's XDP steering program (`dataplane/bpf/weft_xdp.bpf.c`) and its
//! loader.
//!
//! weft shares its NICs with the host. The program runs on every frame the
//! NIC receives and either redirects it to the AF_XDP socket of its rx queue
//! (weft's) or passes it to the kernel (the host's):
//!
//! * L2 mode ([`XdpProgram::set_l2`]): everything is weft's.
//! * otherwise: ARP whose target protocol address is one of weft's addresses
//!   ([`XdpProgram::add_address`]) and IPv4 to one of weft's addresses; all
//!   else (802.1Q-tagged frames, IPv6, other IPv4) goes to the kernel.
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
//! * An attached XDP program outlives the process. A weftd killed with
//!   SIGKILL leaves `weft_xdp` attached; the next attach recognises it by its
//!   name and replaces it (and logs so). A program with any other name
//!   belongs to someone else and is never replaced.
//! * No `unsafe`: every kernel call goes through libbpf-rs.
//! * libbpf's own messages (such as the kernel's reason a native attach
//!   failed) go to `log` with target `libbpf` instead of stderr: the first
//!   call into this module installs a process-wide libbpf print callback.
//!
//! # Limitations
//!
//! * The check between "what is attached" and "attach ours" is not atomic
//!   except when replacing a stale native-mode program (`XDP_FLAGS_REPLACE`
//!   with the old program's fd). libbpf-rs 0.25 cannot combine
//!   `XDP_FLAGS_REPLACE` with a mode flag, so a stale generic-mode program is
//!   replaced by a plain generic attach. A foreign program attached in that
//!   window (microseconds) would be replaced.
//! * A foreign program that happens to be named `weft_xdp` is taken for a
//!   stale weft program.
//! * Hardware-offloaded programs (`XDP_FLAGS_HW_MODE`) are not looked at.

use std::fmt;
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use libbpf_rs::query::ProgInfoIter;
use libbpf_rs::{
    MapCore, MapFlags, MapHandle, Object, ObjectBuilder, PrintLevel, Program, Xdp, XdpFlags,
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
const CONFIG_MAP: &str = "weft_config";
const STATS_MAP: &str = "weft_stats";

/// Bit of `weft_config[0]`: the interface is in L2 mode, take everything.
const CFG_L2: u32 = 1 << 0;

/// Index of the "redirected" counter in `weft_stats`.
const STAT_REDIRECTED: u32 = 0;
/// Index of the "passed" counter in `weft_stats`.
const STAT_PASSED: u32 = 1;

/// The object file, 8-byte aligned for libelf.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

static OBJECT: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/weft_xdp.bpf.o")));

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
    /// Attaching failed in both native and generic mode.
    #[error(
        "cannot attach {PROG_NAME} to ifindex {ifindex}: native mode: {native}; generic mode: {generic}"
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
    /// Detaching failed.
    #[error("cannot detach {PROG_NAME} from ifindex {ifindex}: {source}")]
    Detach {
        /// The interface.
        ifindex: u32,
        /// The libbpf error.
        source: libbpf_rs::Error,
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
    /// Reading or writing `weft_config` failed.
    #[error("cannot set L2 mode to {take_all}: {source}")]
    SetL2 {
        /// The requested mode.
        take_all: bool,
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
    config: MapHandle,
    stats: MapHandle,
}

impl Loaded {
    fn load() -> Result<Loaded, XdpError> {
        route_libbpf_messages();
        let open = ObjectBuilder::default()
            .open_memory(&OBJECT.0)
            .map_err(|source| XdpError::Open { source })?;
        let obj = open.load().map_err(|source| XdpError::Load { source })?;
        let prog_id = {
            let prog = find_prog(&obj)?;
            Program::id_from_fd(prog.as_fd()).map_err(|source| XdpError::Load { source })?
        };
        Ok(Loaded {
            prog_id,
            xsks: map_handle(&obj, XSKS_MAP)?,
            addrs: map_handle(&obj, ADDRS_MAP)?,
            config: map_handle(&obj, CONFIG_MAP)?,
            stats: map_handle(&obj, STATS_MAP)?,
            obj,
        })
    }

    fn prog(&self) -> Result<Program<'_>, XdpError> {
        find_prog(&self.obj)
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

/// weft's XDP program, loaded and attached to one interface.
///
/// Dropping it detaches the program (logging any error); [`Self::detach`]
/// does the same and reports the error.
pub struct XdpProgram {
    loaded: Loaded,
    ifindex: u32,
    mode: XdpMode,
    stale: Option<u32>,
    attached: bool,
}

impl fmt::Debug for XdpProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XdpProgram")
            .field("ifindex", &self.ifindex)
            .field("mode", &self.mode)
            .field("prog_id", &self.loaded.prog_id)
            .field("attached", &self.attached)
            .finish()
    }
}

impl XdpProgram {
    /// Loads the program and attaches it to `ifindex` (in the calling
    /// thread's network namespace): native (driver) mode first, falling back
    /// to generic (SKB) mode with a `log::info!` line.
    ///
    /// If `weft_xdp` is already attached, it was left by a weftd that did not
    /// exit cleanly: it is replaced, in the mode it was attached in, with a
    /// `log::warn!` line. Any other attached program is someone else's and
    /// the call fails with [`XdpError::Foreign`] naming it.
    pub fn attach(ifindex: u32) -> Result<XdpProgram, XdpError> {
        let c_ifindex = c_ifindex(ifindex)?;
        // Refuse a foreign program before loading anything.
        let current = match attached(ifindex)? {
            Some((id, name, mode)) if name != PROG_NAME => {
                return Err(XdpError::Foreign {
                    ifindex,
                    id,
                    name,
                    mode,
                });
            }
            current => current,
        };
        let loaded = Loaded::load()?;
        let prog = loaded.prog()?;
        let stale = current.map(|(id, _, mode)| (id, mode));
        let Attached { mode, stale } =
            attach_prog(&prog, PROG_NAME, loaded.prog_id, ifindex, c_ifindex, stale).map_err(
                |e| match e {
                    AttachFailure::ReplaceStale { id, mode, source } => XdpError::ReplaceStale {
                        ifindex,
                        id,
                        mode,
                        source,
                    },
                    AttachFailure::Attach { native, generic } => XdpError::Attach {
                        ifindex,
                        native,
                        generic,
                    },
                },
            )?;
        Ok(XdpProgram {
            loaded,
            ifindex,
            mode,
            stale,
            attached: true,
        })
    }

    /// How the program is attached.
    pub fn mode(&self) -> XdpMode {
        self.mode
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

    /// The id of the stale weft program [`Self::attach`] replaced, if it
    /// replaced one.
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

    /// Sets or clears L2 mode: when set, every frame is steered to weft.
    pub fn set_l2(&self, take_all: bool) -> Result<(), XdpError> {
        let err = |source| XdpError::SetL2 { take_all, source };
        let key = 0u32.to_ne_bytes();
        let flags = self
            .loaded
            .config
            .lookup(&key, MapFlags::ANY)
            .map_err(err)?
            .and_then(|v| v.try_into().ok())
            .map_or(0, u32::from_ne_bytes);
        let flags = if take_all {
            flags | CFG_L2
        } else {
            flags & !CFG_L2
        };
        self.loaded
            .config
            .update(&key, &flags.to_ne_bytes(), MapFlags::ANY)
            .map_err(err)
    }

    /// The program's counters summed over CPUs: (frames steered to weft,
    /// frames passed to the kernel). "Steered" counts the redirect attempt:
    /// a frame for weft on a queue with no socket counts as steered, though
    /// the kernel gets it.
    pub fn stats(&self) -> Result<(u64, u64), XdpError> {
        let read = |idx: u32| {
            self.loaded
                .stats
                .lookup_percpu(&idx.to_ne_bytes(), MapFlags::ANY)
                .map(|v| sum_percpu(v.as_deref().unwrap_or_default()))
                .map_err(|source| XdpError::Stats { source })
        };
        Ok((read(STAT_REDIRECTED)?, read(STAT_PASSED)?))
    }

    /// Runs the program once on `frame` in the kernel
    /// (`BPF_PROG_TEST_RUN`, rx queue 0), without a NIC, and returns its
    /// XDP action (`XDP_PASS` = 2, `XDP_REDIRECT` = 4). The run is counted in
    /// [`Self::stats`]. For tests and diagnostics.
    pub fn test_run(&self, frame: &[u8]) -> Result<u32, XdpError> {
        let prog = self
            .loaded
            .obj
            .progs_mut()
            .find(|p| p.name() == PROG_NAME)
            .ok_or(XdpError::Missing {
                what: "program",
                name: PROG_NAME,
            })?;
        let input = libbpf_rs::ProgramInput {
            data_in: Some(frame),
            ..Default::default()
        };
        prog.test_run(input)
            .map(|out| out.return_value)
            .map_err(|source| XdpError::TestRun { source })
    }

    /// Detaches the program from the interface and unloads it.
    ///
    /// If the interface is gone, or someone else replaced or removed the
    /// program meanwhile, there is nothing to detach and this succeeds (a
    /// replaced program is left alone and logged).
    pub fn detach(mut self) -> Result<(), XdpError> {
        self.detach_inner()
    }

    fn detach_inner(&mut self) -> Result<(), XdpError> {
        if !self.attached {
            return Ok(());
        }
        self.attached = false;
        let ifindex = self.ifindex;
        let current = query(ifindex)?;
        let prog = self.loaded.prog()?;
        detach_prog(
            &prog,
            PROG_NAME,
            self.loaded.prog_id,
            ifindex,
            c_ifindex(ifindex)?,
            current,
        )
        .map_err(|source| XdpError::Detach { ifindex, source })
    }
}

impl Drop for XdpProgram {
    fn drop(&mut self) {
        if let Err(e) = self.detach_inner() {
            log::error!("{e}");
        }
    }
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
/// to `ifindex` (`c_ifindex` for libbpf), the way weft's program and
/// weft-pktgen's sink both attach: if `stale` names a program of the same
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

/// Detaches program `prog` (kernel id `prog_id`, named `name`) from
/// `ifindex` if it is still the one attached there; a program that replaced
/// it meanwhile is left alone, with a `log::warn!` line. Shared by weft's
/// program and weft-pktgen's sink. `Err` carries the libbpf error of the
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

/// The `weft_addrs` key of `addr`: the address in network byte order, as
/// the program reads it from the packet.
fn addr_key(addr: Ipv4Addr) -> [u8; 4] {
    addr.octets()
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
                (CONFIG_MAP.to_string(), MapType::Array, 1),
                (STATS_MAP.to_string(), MapType::PercpuArray, 2),
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
