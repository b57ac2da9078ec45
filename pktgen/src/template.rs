//! The generator's frames: VXLAN-encapsulated UDP, one template per flow,
//! built once before the first packet is sent.
//!
//! ```text
//!  outer Ethernet  dst_mac  src_mac  0x0800                         14
//!  outer IPv4      src_ip -> dst_ip, UDP, TTL 64, ID 0, DF clear    20
//!  outer UDP       sport_base + flow -> dst_port (4789)              8
//!  VXLAN           flags 0x08, VNI                                   8
//!  inner Ethernet  inner_dst_mac  inner_src_mac  0x0800             14
//!  inner IPv4      inner_src_ip -> inner_dst_ip, UDP, TTL 64        20
//!  inner UDP       inner_sport_base + flow -> inner_dport            8
//!  payload         byte i = i mod 256, up to inner_size
//! ```
//!
//! Flow `f` (0-based) differs from flow 0 only in the outer UDP source port
//! (`sport_base + f`, like the per-flow hash a Linux VTEP puts there) and
//! the inner UDP source port (`inner_sport_base + f`), and in the checksums
//! that cover them. With the defaults the outer ports stay inside the range
//! a Linux VTEP uses (32768..=60999) for up to 28232 flows.
//!
//! Checksums: both IPv4 header checksums are valid; the inner UDP checksum
//! is always computed; the outer UDP checksum is computed as a Linux VTEP
//! does (`outer_udp_checksum`, the default), or 0 (valid for IPv4, RFC 7348).
//!
//! "Inner size" is the length of the inner Ethernet frame without FCS (60 is
//! the smallest Ethernet frame); the frame on the wire is 50 bytes longer.

use std::fmt;
use std::net::Ipv4Addr;

use dataplane::wire::EthernetAddress;
use dataplane::wire::checksum;
use serde::{Deserialize, Serialize};

/// Bytes of outer headers: Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8.
pub const VXLAN_OVERHEAD: usize = 50;
/// Smallest inner frame: Ethernet 14 + IPv4 20 + UDP 8.
pub const MIN_INNER_SIZE: usize = 42;
/// Largest inner frame: the outer frame must fit a 1500-byte MTU (outer
/// IPv4 total length = inner size + 36).
pub const MAX_INNER_SIZE: usize = 1464;
/// Default first outer UDP source port (the bottom of a Linux VTEP's range).
pub const DEFAULT_SPORT_BASE: u16 = 32768;
/// Default first inner UDP source port.
pub const DEFAULT_INNER_SPORT_BASE: u16 = 10000;
/// Default inner UDP destination port.
pub const DEFAULT_INNER_DPORT: u16 = 5001;
/// The IANA VXLAN port.
pub const VXLAN_PORT: u16 = 4789;

/// What to build: the headers of flow 0 and how flows differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemplateSpec {
    /// Outer source MAC (the generator's interface).
    pub src_mac: EthernetAddress,
    /// Outer destination MAC (the device under test).
    pub dst_mac: EthernetAddress,
    /// Outer source address ("remote A").
    pub src_ip: Ipv4Addr,
    /// Outer destination address (the device under test).
    pub dst_ip: Ipv4Addr,
    /// Outer UDP destination port.
    pub dst_port: u16,
    /// VXLAN network identifier (24 bits).
    pub vni: u32,
    /// Inner Ethernet frame length, without FCS.
    pub inner_size: usize,
    /// Number of flows (templates).
    pub flows: u32,
    /// Outer UDP source port of flow 0.
    pub sport_base: u16,
    /// Whether the outer UDP checksum is computed (else 0).
    pub outer_udp_checksum: bool,
    /// Inner source MAC.
    pub inner_src_mac: EthernetAddress,
    /// Inner destination MAC.
    pub inner_dst_mac: EthernetAddress,
    /// Inner source address.
    pub inner_src_ip: Ipv4Addr,
    /// Inner destination address.
    pub inner_dst_ip: Ipv4Addr,
    /// Inner UDP source port of flow 0.
    pub inner_sport_base: u16,
    /// Inner UDP destination port.
    pub inner_dport: u16,
}

impl TemplateSpec {
    /// The koko demo's first leg: koko1 (10.99.0.1) sending VNI 11 to the
    /// forwarder (10.99.0.3), test1 (10.100.0.1, 0a:00:00:00:01:01)
    /// talking to test2 (10.100.0.2, 0a:00:00:00:02:02); 60-byte inner
    /// frames, one flow.
    pub fn koko(src_mac: EthernetAddress, dst_mac: EthernetAddress) -> TemplateSpec {
        TemplateSpec {
            src_mac,
            dst_mac,
            src_ip: Ipv4Addr::new(10, 99, 0, 1),
            dst_ip: Ipv4Addr::new(10, 99, 0, 3),
            dst_port: VXLAN_PORT,
            vni: 11,
            inner_size: 60,
            flows: 1,
            sport_base: DEFAULT_SPORT_BASE,
            outer_udp_checksum: true,
            inner_src_mac: EthernetAddress([0x0a, 0, 0, 0, 0x01, 0x01]),
            inner_dst_mac: EthernetAddress([0x0a, 0, 0, 0, 0x02, 0x02]),
            inner_src_ip: Ipv4Addr::new(10, 100, 0, 1),
            inner_dst_ip: Ipv4Addr::new(10, 100, 0, 2),
            inner_sport_base: DEFAULT_INNER_SPORT_BASE,
            inner_dport: DEFAULT_INNER_DPORT,
        }
    }

    /// Checks the ranges; every other method may assume this passed.
    pub fn validate(&self) -> Result<(), TemplateError> {
        if !(MIN_INNER_SIZE..=MAX_INNER_SIZE).contains(&self.inner_size) {
            return Err(TemplateError::InnerSize(self.inner_size));
        }
        if self.vni >= 1 << 24 {
            return Err(TemplateError::Vni(self.vni));
        }
        if self.flows == 0 {
            return Err(TemplateError::Flows(self.flows));
        }
        let last = u32::from(self.sport_base.max(self.inner_sport_base)) + self.flows - 1;
        if last > u32::from(u16::MAX) {
            return Err(TemplateError::PortRange {
                flows: self.flows,
                base: self.sport_base.max(self.inner_sport_base),
            });
        }
        Ok(())
    }

    /// Length of each frame on the wire (without FCS).
    pub fn frame_len(&self) -> usize {
        self.inner_size + VXLAN_OVERHEAD
    }

    /// Outer UDP source port of `flow`.
    pub fn outer_sport(&self, flow: u32) -> u16 {
        self.sport_base + flow as u16
    }

    /// Inner UDP source port of `flow`.
    pub fn inner_sport(&self, flow: u32) -> u16 {
        self.inner_sport_base + flow as u16
    }

    /// Writes flow `flow`'s frame into `f`, which must be exactly
    /// [`Self::frame_len`] bytes. The spec must have passed
    /// [`Self::validate`] and `flow < flows`.
    pub fn write(&self, flow: u32, f: &mut [u8]) {
        assert_eq!(f.len(), self.frame_len(), "template buffer length");
        assert!(flow < self.flows, "flow {flow} of {}", self.flows);
        let (outer, inner) = f.split_at_mut(VXLAN_OVERHEAD);
        write_udp4(
            inner,
            Headers {
                src_mac: self.inner_src_mac,
                dst_mac: self.inner_dst_mac,
                src: self.inner_src_ip,
                dst: self.inner_dst_ip,
                sport: self.inner_sport(flow),
                dport: self.inner_dport,
                udp_checksum: true,
            },
            &mut |payload| {
                for (i, b) in payload.iter_mut().enumerate() {
                    *b = i as u8;
                }
            },
        );
        // The outer UDP checksum covers the inner frame: build the outer
        // headers around the finished inner frame.
        let mut frame = [outer, inner];
        let vni = self.vni;
        write_udp4_split(
            &mut frame,
            Headers {
                src_mac: self.src_mac,
                dst_mac: self.dst_mac,
                src: self.src_ip,
                dst: self.dst_ip,
                sport: self.outer_sport(flow),
                dport: self.dst_port,
                udp_checksum: self.outer_udp_checksum,
            },
            &mut |vxlan| {
                vxlan[0..4].copy_from_slice(&[0x08, 0, 0, 0]);
                vxlan[4..8].copy_from_slice(&(vni << 8).to_be_bytes());
            },
        );
    }

    /// Flow `flow`'s frame.
    pub fn frame(&self, flow: u32) -> Vec<u8> {
        let mut f = vec![0; self.frame_len()];
        self.write(flow, &mut f);
        f
    }
}

/// Why a [`TemplateSpec`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The inner frame size is out of range.
    #[error(
        "inner frame size {0} is out of range ({MIN_INNER_SIZE}..={MAX_INNER_SIZE}: Ethernet + IPv4 + UDP headers at least, a 1500-byte outer MTU at most)"
    )]
    InnerSize(usize),
    /// The VNI does not fit 24 bits.
    #[error("vni {0} out of range (0..=16777215)")]
    Vni(u32),
    /// No flows.
    #[error("flows must be at least 1 (got {0})")]
    Flows(u32),
    /// Source ports would wrap past 65535.
    #[error("{flows} flows from source port {base} go past port 65535")]
    PortRange {
        /// Requested flows.
        flows: u32,
        /// The larger port base.
        base: u16,
    },
}

/// The fields of one Ethernet/IPv4/UDP header stack.
struct Headers {
    src_mac: EthernetAddress,
    dst_mac: EthernetAddress,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    udp_checksum: bool,
}

/// Offsets inside an Ethernet/IPv4/UDP header stack (no IP options).
const IP: usize = 14;
const UDP: usize = IP + 20;
const PAYLOAD: usize = UDP + 8;

/// Writes Ethernet/IPv4/UDP headers into `f`, lets `payload` fill the rest,
/// then computes the checksums.
fn write_udp4(f: &mut [u8], h: Headers, payload: &mut dyn FnMut(&mut [u8])) {
    let mut parts = [f, &mut []];
    write_udp4_split(&mut parts, h, payload);
}

/// As [`write_udp4`] for a frame in two pieces: `parts[0]` holds the headers
/// and the start of the UDP payload (which `payload` fills), `parts[1]` the
/// rest of the UDP payload (already written; covered by the lengths and the
/// UDP checksum).
fn write_udp4_split(parts: &mut [&mut [u8]; 2], h: Headers, payload: &mut dyn FnMut(&mut [u8])) {
    let total = parts[0].len() + parts[1].len();
    let f = &mut *parts[0];
    f[0..6].copy_from_slice(&h.dst_mac.0);
    f[6..12].copy_from_slice(&h.src_mac.0);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());

    let ip = &mut f[IP..UDP];
    ip.fill(0);
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((total - IP) as u16).to_be_bytes());
    ip[8] = 64; // TTL
    ip[9] = 17; // UDP
    ip[12..16].copy_from_slice(&h.src.octets());
    ip[16..20].copy_from_slice(&h.dst.octets());
    let c = !checksum::data(ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());

    let udp_len = (total - UDP) as u16;
    f[UDP..UDP + 2].copy_from_slice(&h.sport.to_be_bytes());
    f[UDP + 2..UDP + 4].copy_from_slice(&h.dport.to_be_bytes());
    f[UDP + 4..UDP + 6].copy_from_slice(&udp_len.to_be_bytes());
    f[UDP + 6..UDP + 8].fill(0);
    payload(&mut f[PAYLOAD..]);

    if h.udp_checksum {
        let sum = checksum::combine(&[
            checksum::pseudo_header_v4(&h.src, &h.dst, 17, udp_len),
            checksum::data(&parts[0][UDP..]),
            // parts[0][UDP..] has even length (8 + 8 for the outer stack,
            // the whole inner frame otherwise, in which case parts[1] is
            // empty), so the two sums combine without re-aligning bytes.
            checksum::data(parts[1]),
        ]);
        // RFC 768: a computed 0 is sent as 0xffff (0 means "no checksum").
        let c = match !sum {
            0 => 0xffff,
            c => c,
        };
        parts[0][UDP + 6..UDP + 8].copy_from_slice(&c.to_be_bytes());
    }
}

impl fmt::Display for TemplateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {} vni {} inner {} bytes ({} on the wire), {} flow(s): outer sport {}..={}, inner sport {}..={}",
            self.src_ip,
            self.dst_ip,
            self.vni,
            self.inner_size,
            self.frame_len(),
            self.flows,
            self.sport_base,
            u32::from(self.sport_base) + self.flows - 1,
            self.inner_sport_base,
            u32::from(self.inner_sport_base) + self.flows - 1,
        )
    }
}

/// The description of a run's frames that goes into a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSummary {
    /// Inner frame size.
    pub inner_size: usize,
    /// Frame length on the wire (without FCS).
    pub frame_len: usize,
    /// Number of flows.
    pub flows: u32,
    /// VNI.
    pub vni: u32,
}

impl From<&TemplateSpec> for TemplateSummary {
    fn from(s: &TemplateSpec) -> Self {
        TemplateSummary {
            inner_size: s.inner_size,
            frame_len: s.frame_len(),
            flows: s.flows,
            vni: s.vni,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: EthernetAddress = EthernetAddress([0x02, 0, 0, 0, 0, 0x01]);
    const D: EthernetAddress = EthernetAddress([0x02, 0xfe, 0, 0, 0, 0x03]);

    fn spec() -> TemplateSpec {
        TemplateSpec::koko(A, D)
    }

    /// Flow 0 of the default spec, written out by hand; the checksums were
    /// computed with a separate script (Python `struct`, RFC 1071 over
    /// 16-bit words), and are re-checked by `checksums_are_valid_at_every_size`.
    #[rustfmt::skip]
    const FLOW0: [u8; 110] = [
        // outer Ethernet
        0x02, 0xfe, 0x00, 0x00, 0x00, 0x03,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  0x08, 0x00,
        // outer IPv4: len 96, ID 0, DF clear, TTL 64, UDP, checksum 0x65c4,
        // 10.99.0.1 -> 10.99.0.3
        0x45, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x65, 0xc4,
        0x0a, 0x63, 0x00, 0x01, 0x0a, 0x63, 0x00, 0x03,
        // outer UDP 32768 -> 4789, len 76, checksum 0x3aca
        0x80, 0x00, 0x12, 0xb5, 0x00, 0x4c, 0x3a, 0xca,
        // VXLAN flags 0x08, VNI 11
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00,
        // inner Ethernet
        0x0a, 0x00, 0x00, 0x00, 0x02, 0x02,  0x0a, 0x00, 0x00, 0x00, 0x01, 0x01,  0x08, 0x00,
        // inner IPv4: len 46, checksum 0x65f5, 10.100.0.1 -> 10.100.0.2
        0x45, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x65, 0xf5,
        0x0a, 0x64, 0x00, 0x01, 0x0a, 0x64, 0x00, 0x02,
        // inner UDP 10000 -> 5001, len 26, checksum 0x6805
        0x27, 0x10, 0x13, 0x89, 0x00, 0x1a, 0x68, 0x05,
        // payload 0..18
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
        0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
    ];

    /// A textbook RFC 1071 checksum over 16-bit words, independent of
    /// `dataplane::wire::checksum`.
    fn rfc1071(chunks: &[&[u8]]) -> u16 {
        let bytes: Vec<u8> = chunks.concat();
        let mut sum = 0u32;
        for pair in bytes.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            let lo = pair.get(1).copied().map_or(0, u32::from);
            sum += hi | lo;
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    fn udp_checksum_ok(ip: &[u8], udp: &[u8]) -> bool {
        let pseudo = [&ip[12..20], &[0, 17], &(udp.len() as u16).to_be_bytes()[..]].concat();
        rfc1071(&[&pseudo, udp]) == 0
    }

    #[test]
    fn flow0_exact_bytes() {
        let f = spec().frame(0);
        assert_eq!(f.len(), 110);
        assert_eq!(f, FLOW0, "\n got {f:02x?}\nwant {FLOW0:02x?}");
    }

    #[test]
    fn checksums_are_valid_at_every_size() {
        for inner_size in [MIN_INNER_SIZE, 60, 61, 512, 1399, 1400, MAX_INNER_SIZE] {
            let s = TemplateSpec {
                inner_size,
                flows: 3,
                ..spec()
            };
            s.validate().unwrap();
            for flow in 0..3 {
                let f = s.frame(flow);
                assert_eq!(f.len(), inner_size + 50);
                // Outer and inner IPv4 header checksums.
                assert_eq!(rfc1071(&[&f[14..34]]), 0, "outer ip {inner_size}");
                assert_eq!(rfc1071(&[&f[64..84]]), 0, "inner ip {inner_size}");
                // Outer UDP over VXLAN + inner frame; inner UDP.
                assert!(udp_checksum_ok(&f[14..34], &f[34..]), "outer udp");
                assert!(udp_checksum_ok(&f[64..84], &f[84..]), "inner udp");
                // Lengths.
                assert_eq!(u16::from_be_bytes([f[16], f[17]]) as usize, inner_size + 36);
                assert_eq!(u16::from_be_bytes([f[38], f[39]]) as usize, inner_size + 16);
                assert_eq!(u16::from_be_bytes([f[66], f[67]]) as usize, inner_size - 14);
                assert_eq!(u16::from_be_bytes([f[88], f[89]]) as usize, inner_size - 34);
            }
        }
    }

    #[test]
    fn flows_differ_only_in_source_ports_and_checksums() {
        let s = TemplateSpec { flows: 5, ..spec() };
        let base = s.frame(0);
        for flow in 1..5u32 {
            let f = s.frame(flow);
            assert_eq!(u16::from_be_bytes([f[34], f[35]]), 32768 + flow as u16);
            assert_eq!(u16::from_be_bytes([f[84], f[85]]), 10000 + flow as u16);
            let differing: Vec<usize> = (0..f.len()).filter(|&i| f[i] != base[i]).collect();
            // outer sport, outer udp csum, inner sport, inner udp csum.
            let allowed = [34, 35, 40, 41, 84, 85, 90, 91];
            assert!(
                differing.iter().all(|i| allowed.contains(i)),
                "flow {flow}: bytes {differing:?} differ"
            );
        }
    }

    #[test]
    fn zero_outer_checksum_on_request() {
        let s = TemplateSpec {
            outer_udp_checksum: false,
            ..spec()
        };
        let f = s.frame(0);
        assert_eq!(&f[40..42], &[0, 0]);
        let mut want = FLOW0;
        want[40..42].fill(0);
        assert_eq!(f, want);
    }

    #[test]
    fn matches_dataplane_fixture_with_outer_checksum_zero() {
        // dataplane::fixtures builds what a kernel VTEP sends, with UDP
        // checksum 0 in both headers: patch ours to compare the rest.
        use dataplane::fixtures::{VxlanFrame, inner_udp};
        let s = TemplateSpec {
            outer_udp_checksum: false,
            inner_size: 512,
            ..spec()
        };
        let mut ours = s.frame(0);
        ours[90..92].fill(0);
        let inner = inner_udp(
            s.inner_src_mac,
            s.inner_dst_mac,
            s.inner_src_ip,
            s.inner_dst_ip,
            10000,
            5001,
            512,
        );
        let theirs = VxlanFrame {
            src_mac: A,
            dst_mac: D,
            src: s.src_ip,
            dst: s.dst_ip,
            sport: 32768,
            dport: 4789,
            flags: 0x08,
            vni: 11,
            ttl: 64,
        }
        .build(&inner);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn validate_refuses_out_of_range() {
        let bad = |s: TemplateSpec| s.validate().unwrap_err().to_string();
        assert!(
            bad(TemplateSpec {
                inner_size: 41,
                ..spec()
            })
            .contains("inner frame size 41")
        );
        assert!(
            bad(TemplateSpec {
                inner_size: 1465,
                ..spec()
            })
            .contains("1465")
        );
        assert_eq!(
            bad(TemplateSpec {
                vni: 1 << 24,
                ..spec()
            }),
            "vni 16777216 out of range (0..=16777215)"
        );
        assert_eq!(
            bad(TemplateSpec { flows: 0, ..spec() }),
            "flows must be at least 1 (got 0)"
        );
        assert_eq!(
            bad(TemplateSpec {
                flows: 32769,
                ..spec()
            }),
            "32769 flows from source port 32768 go past port 65535"
        );
        assert!(
            TemplateSpec {
                flows: 32768,
                ..spec()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn display_names_the_port_ranges() {
        let s = TemplateSpec { flows: 4, ..spec() };
        assert_eq!(
            s.to_string(),
            "10.99.0.1 -> 10.99.0.3 vni 11 inner 60 bytes (110 on the wire), 4 flow(s): outer \
             sport 32768..=32771, inner sport 10000..=10003"
        );
    }
}
