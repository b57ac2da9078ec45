//! The control plane's receiving side: a thread that takes what workers
//! punt (neighbours, echo replies) and runs the neighbour timers; and
//! `ping`, which sends echo requests through a worker and collects the
//! replies the punt thread hands it.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use control::Config;
use control::runtime::{PingArgs, Runtime};
use dataplane::punt::PuntMsg;
use dataplane::wire::EthernetAddress;
use dataplane::wire::ethernet::{self, EtherType};
use dataplane::wire::icmpv4::{self, Message};
use dataplane::wire::ipv4;

use crate::neighbor::Resolver;

/// Runs `f` with the configuration and runtime locked.
pub type WithState = dyn Fn(&mut dyn FnMut(&mut Config, &mut dyn Runtime)) + Send + Sync;

/// How often the neighbour timers run.
pub const TICK: Duration = Duration::from_millis(100);

/// An echo reply as `ping` sees it.
#[derive(Clone, Copy, Debug)]
pub struct EchoReply {
    src: std::net::IpAddr,
    seq: u16,
    ttl: u8,
    len: u16,
    at: Instant,
}

/// State shared by the punt thread and CLI commands.
#[derive(Debug, Default)]
pub struct ControlPlane {
    /// Neighbour learning, resolution and ageing.
    pub resolver: Mutex<Resolver>,
    pings: Mutex<Vec<(u16, Sender<EchoReply>)>>,
    next_ident: AtomicU16,
}

impl ControlPlane {
    fn deliver(&self, ident: u16, reply: EchoReply) {
        let pings = self.pings.lock().expect("ping table lock");
        if let Some((_, tx)) = pings.iter().find(|p| p.0 == ident) {
            let _ = tx.send(reply);
        }
    }
}

/// Starts the punt thread. It stops when `stop` is set or every worker's
/// sender is gone.
pub fn spawn(
    cp: Arc<ControlPlane>,
    rx: Receiver<PuntMsg>,
    with: Arc<WithState>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("weft_punt".into())
        .spawn(move || {
            let mut next_tick = Instant::now();
            let mut ager = crate::l2age::Ager::new(next_tick);
            while !stop.load(Ordering::Relaxed) {
                let wait = next_tick.saturating_duration_since(Instant::now());
                match rx.recv_timeout(wait) {
                    Ok(PuntMsg::Neighbor {
                        sw_if_index,
                        ip,
                        mac,
                        kind,
                    }) => with(&mut |config, rt| {
                        let mut r = cp.resolver.lock().expect("resolver lock");
                        let heard = crate::neighbor::Heard {
                            sw_if_index,
                            ip,
                            mac,
                            kind,
                        };
                        r.learn(config, rt, heard, Instant::now());
                    }),
                    Ok(PuntMsg::EchoReply {
                        src,
                        ident,
                        seq,
                        ttl,
                        len,
                        at,
                        ..
                    }) => cp.deliver(
                        ident,
                        EchoReply {
                            src,
                            seq,
                            ttl,
                            len,
                            at,
                        },
                    ),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                if Instant::now() >= next_tick {
                    with(&mut |config, rt| {
                        let mut r = cp.resolver.lock().expect("resolver lock");
                        r.tick(config, rt, Instant::now());
                        ager.tick(config, Instant::now());
                        rt.tick();
                    });
                    next_tick = Instant::now() + TICK;
                }
            }
        })
}

/// An ICMP echo request frame.
#[allow(clippy::too_many_arguments)]
pub fn echo_request(
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ident: u16,
    seq: u16,
    data_len: usize,
) -> Vec<u8> {
    let icmp_len = 8 + data_len;
    let ip_len = ipv4::HEADER_LEN + icmp_len;
    let mut frame = vec![0u8; ethernet::HEADER_LEN + ip_len];
    let mut eth = ethernet::Frame::new_unchecked(&mut frame[..]);
    eth.set_dst_addr(dst_mac);
    eth.set_src_addr(src_mac);
    eth.set_ethertype(EtherType::Ipv4);
    let ip = &mut frame[ethernet::HEADER_LEN..];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&(ip_len as u16).to_be_bytes());
    ip[8] = 64; // TTL
    ip[9] = 1; // ICMP
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
    let csum = !dataplane::wire::checksum::data(&ip[..ipv4::HEADER_LEN]);
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    let payload = &mut ip[ipv4::HEADER_LEN..];
    for (i, b) in payload[8..].iter_mut().enumerate() {
        *b = i as u8;
    }
    let mut icmp = icmpv4::Packet::new_unchecked(payload);
    icmp.set_msg_type(Message::EchoRequest);
    icmp.set_msg_code(0);
    icmp.set_echo_ident(ident);
    icmp.set_echo_seq_no(seq);
    icmp.fill_checksum();
    frame
}

/// Where a ping to `args.dst` leaves: (interface, source address, next
/// hop), of the destination's family.
fn egress(config: &control::Config, args: &PingArgs) -> Option<(u32, IpAddr, IpAddr)> {
    match args.dst {
        IpAddr::V4(dst) => {
            let e = match args.source {
                Some(sw) => config.interface(sw).and_then(|ifc| {
                    ifc.ip4.first().map(|a| control::egress::Egress {
                        sw_if_index: sw,
                        next_hop: dst,
                        src: a.address(),
                    })
                }),
                None => config.egress_for(dst),
            }?;
            Some((e.sw_if_index, e.src.into(), e.next_hop.into()))
        }
        IpAddr::V6(dst) => {
            let (sw, src, nh) = match args.source {
                Some(sw) => {
                    let v6 = config.ip6_interface(sw)?;
                    let src = if dst.is_unicast_link_local() {
                        config.ip6_link_local(sw)?
                    } else {
                        v6.addresses.first()?.address()
                    };
                    (sw, src, dst)
                }
                None => config.egress6_for(dst)?,
            };
            Some((sw, src.into(), nh.into()))
        }
    }
}

/// An ICMPv6 echo request frame: after the identifier and sequence
/// number, 8 bytes (VPP's send timestamp; zero here) and `data_len` bytes,
/// so a reply to the default 60 is 76 bytes, as VPP prints.
#[allow(clippy::too_many_arguments)]
pub fn echo_request6(
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src: std::net::Ipv6Addr,
    dst: std::net::Ipv6Addr,
    ident: u16,
    seq: u16,
    data_len: usize,
) -> Vec<u8> {
    use dataplane::wire::{
        Icmpv6Message, Icmpv6Packet, Ipv6NextHeader, Ipv6Packet, Ipv6Repr, ipv6,
    };
    let icmp_len = 8 + 8 + data_len;
    let mut frame = vec![0u8; ethernet::HEADER_LEN + ipv6::HEADER_LEN + icmp_len];
    let mut eth = ethernet::Frame::new_unchecked(&mut frame[..]);
    eth.set_dst_addr(dst_mac);
    eth.set_src_addr(src_mac);
    eth.set_ethertype(EtherType::Ipv6);
    let ip = &mut frame[ethernet::HEADER_LEN..];
    Ipv6Repr {
        src,
        dst,
        next_header: Ipv6NextHeader::Icmpv6,
        payload_len: icmp_len as u16,
        hop_limit: 64,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]));
    let icmp = &mut ip[ipv6::HEADER_LEN..];
    for (i, b) in icmp[16..].iter_mut().enumerate() {
        *b = i as u8;
    }
    let mut p = Icmpv6Packet::new_unchecked(&mut icmp[..]);
    p.set_msg_type(Icmpv6Message::EchoRequest);
    p.set_code(0);
    p.set_echo(ident, seq);
    p.fill_checksum(&src, &dst);
    frame
}

/// vppinfra's `%.4f` for values below 1: no leading zero (`.0789`).
pub fn vpp_f4(v: f64) -> String {
    let s = format!("{v:.4}");
    match s.strip_prefix("0.") {
        Some(rest) if v != 0.0 => format!(".{rest}"),
        _ => s,
    }
}

/// Runs `ping` as VPP does: one request per `interval`, each reply printed
/// as it arrives, then the statistics line. Output goes to `out`.
pub fn ping(
    cp: &ControlPlane,
    with: &WithState,
    args: &PingArgs,
    out: &mut String,
) -> Result<(), String> {
    if args.size as usize > 32768 {
        return Err(format!("packet size {} too big (max 32768)", args.size));
    }
    let ident = cp.next_ident.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() as u16);
    let (tx, rx) = mpsc::channel();
    cp.pings.lock().expect("ping table lock").push((ident, tx));
    let result = run(cp, with, args, ident, &rx, out);
    cp.pings
        .lock()
        .expect("ping table lock")
        .retain(|p| p.0 != ident);
    result
}

fn run(
    cp: &ControlPlane,
    with: &WithState,
    args: &PingArgs,
    ident: u16,
    replies: &Receiver<EchoReply>,
    out: &mut String,
) -> Result<(), String> {
    let interval = Duration::from_secs_f64(args.interval.max(0.001));
    let mut sent_at: Vec<Option<Instant>> = Vec::new();
    let (mut sent, mut received) = (0u32, 0u32);
    for seq in 1..=args.repeat {
        let start = Instant::now();
        let mut failure = None;
        let mut sent_now = None;
        // Resolve the next hop (ARP, Neighbor Discovery) within this
        // interval if needed.
        loop {
            with(&mut |config, rt| {
                let Some((sw, src, next_hop)) = egress(config, args) else {
                    failure = Some("no egress interface");
                    return;
                };
                let Some(ifc) = config.interface(sw) else {
                    failure = Some("no egress interface");
                    return;
                };
                match config.neighbor(sw, next_hop) {
                    Some(n) => {
                        let f = match (src, args.dst) {
                            (IpAddr::V4(src), IpAddr::V4(dst)) => echo_request(
                                ifc.mac,
                                n.mac,
                                src,
                                dst,
                                ident,
                                seq as u16,
                                args.size as usize,
                            ),
                            (IpAddr::V6(src), IpAddr::V6(dst)) => echo_request6(
                                ifc.mac,
                                n.mac,
                                src,
                                dst,
                                ident,
                                seq as u16,
                                args.size as usize,
                            ),
                            _ => unreachable!("egress() keeps the family"),
                        };
                        let at = Instant::now();
                        if rt.send(config, sw, f) {
                            sent_now = Some(at);
                        } else {
                            failure = Some("packet allocation failed");
                        }
                    }
                    None => {
                        let mut r = cp.resolver.lock().expect("resolver lock");
                        match (src, next_hop) {
                            (IpAddr::V4(src), IpAddr::V4(next_hop)) => r.ask(
                                config,
                                rt,
                                control::egress::Egress {
                                    sw_if_index: sw,
                                    next_hop,
                                    src,
                                },
                                Instant::now(),
                            ),
                            (_, IpAddr::V6(target)) => {
                                r.solicit(config, rt, sw, target, Instant::now())
                            }
                            _ => {}
                        }
                    }
                }
            });
            if sent_now.is_some() || failure.is_some() || start.elapsed() >= interval {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(reason) = failure {
            let _ = writeln!(out, "Failed: {reason}");
            sent_at.push(None);
        } else {
            // As in VPP, a request whose next hop did not resolve within the
            // interval counts as sent (and lost); no reply can match it.
            sent += 1;
            sent_at.push(sent_now);
        }
        // Collect replies until the next send.
        let deadline = start + interval;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match replies.recv_timeout(left) {
                Ok(r) => {
                    let Some(Some(t)) =
                        (r.seq as usize).checked_sub(1).and_then(|i| sent_at.get(i))
                    else {
                        continue;
                    };
                    received += 1;
                    let ms = r.at.saturating_duration_since(*t).as_secs_f64() * 1000.0;
                    let _ = writeln!(
                        out,
                        "{} bytes from {}: icmp_seq={} ttl={} time={} ms",
                        r.len,
                        r.src,
                        r.seq,
                        r.ttl,
                        vpp_f4(ms)
                    );
                }
                Err(_) => break,
            }
        }
    }
    let loss = if sent == 0 {
        100.0
    } else {
        100.0 * f64::from(sent - received.min(sent)) / f64::from(sent)
    };
    let _ = write!(
        out,
        "\nStatistics: {sent} sent, {received} received, {loss:.0}% packet loss"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_request_is_valid() {
        let f = echo_request(
            EthernetAddress([2, 0, 0, 0, 0, 1]),
            EthernetAddress([2, 0, 0, 0, 0, 2]),
            Ipv4Addr::new(10, 99, 0, 3),
            Ipv4Addr::new(10, 99, 0, 1),
            0x1234,
            7,
            60,
        );
        assert_eq!(f.len(), 14 + 20 + 8 + 60);
        let ip = ipv4::Packet::new_checked(&f[14..]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(ip.total_len(), 88);
        let icmp = icmpv4::Packet::new_checked(&f[34..]).unwrap();
        assert!(icmp.verify_checksum());
        assert_eq!((icmp.echo_ident(), icmp.echo_seq_no()), (0x1234, 7));
        assert_eq!(icmp.msg_type(), Message::EchoRequest);
    }

    #[test]
    fn vppinfra_floats() {
        assert_eq!(vpp_f4(0.0789), ".0789");
        assert_eq!(vpp_f4(1.5), "1.5000");
        assert_eq!(vpp_f4(0.0), "0.0000");
    }
}
