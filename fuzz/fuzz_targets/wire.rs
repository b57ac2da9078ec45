//! Every parser in `dataplane::wire` on arbitrary bytes: `new_checked`, the
//! `Repr::parse`s and the accessors a checked packet promises are safe. Each
//! parser sees the raw input, and the layers are also followed the way the
//! dataplane does (Ethernet -> ARP | IPv4 -> ICMP | UDP -> VXLAN -> Ethernet,
//! Ethernet -> IPv6 -> ICMPv6 with its ND options).
//! Nothing may panic.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use dataplane::wire::{arp, checksum, ethernet, icmpv4, icmpv6, ipv4, ipv6, udp, vxlan};
use libfuzzer_sys::fuzz_target;

fn eth(data: &[u8], depth: u32) {
    let Ok(f) = ethernet::Frame::new_checked(data) else {
        return;
    };
    let _ = ethernet::Repr::parse(&f);
    let _ = (f.header_len(), f.dst_addr(), f.src_addr(), f.ethertype());
    let _ = (
        f.vlan_id(),
        f.inner_ethertype(),
        f.dst_addr().is_broadcast(),
    );
    let payload = f.payload();
    arp_(payload);
    ip(payload, depth);
    ip6(payload);
}

fn ip6(data: &[u8]) {
    let Ok(p) = ipv6::Packet::new_checked(data) else {
        return;
    };
    let _ = ipv6::Repr::parse(&p);
    let _ = (
        p.version(),
        p.traffic_class(),
        p.flow_label(),
        p.next_header(),
        p.hop_limit(),
        p.to_string(),
    );
    let (src, dst) = (p.src_addr(), p.dst_addr());
    let _ = (ipv6::solicited_node(dst), ipv6::multicast_mac(dst));
    icmp6(p.payload(), &src, &dst);
}

fn icmp6(data: &[u8], src: &Ipv6Addr, dst: &Ipv6Addr) {
    let Ok(p) = icmpv6::Packet::new_checked(data) else {
        return;
    };
    let _ = (p.msg_type(), p.code(), p.checksum(), p.checksum_ok(src, dst));
    let _ = (p.echo_ident(), p.echo_seq(), p.na_flags());
    if matches!(
        p.msg_type(),
        icmpv6::Message::NeighborSolicit | icmpv6::Message::NeighborAdvert
    ) {
        let _ = p.nd_target();
        let _ = p.nd_ll_option(icmpv6::OPT_SOURCE_LL);
        let _ = p.nd_ll_option(icmpv6::OPT_TARGET_LL);
    }
}

fn arp_(data: &[u8]) {
    if let Ok(p) = arp::Packet::new_checked(data) {
        let _ = arp::Repr::parse(&p);
    }
}

fn ip(data: &[u8], depth: u32) {
    let Ok(p) = ipv4::Packet::new_checked(data) else {
        return;
    };
    let _ = ipv4::Repr::parse(&p);
    let _ = (
        p.version(),
        p.header_len(),
        p.dscp(),
        p.ecn(),
        p.total_len(),
        p.ident(),
    );
    let _ = (
        p.dont_frag(),
        p.more_frags(),
        p.frag_offset(),
        p.is_fragment(),
        p.ttl(),
    );
    let _ = (p.protocol(), p.checksum(), p.verify_checksum(), p.options());
    let (src, dst) = (p.src_addr(), p.dst_addr());
    let payload = p.payload();
    icmp(payload);
    udp_(payload, &src, &dst, depth);
}

fn icmp(data: &[u8]) {
    let Ok(p) = icmpv4::Packet::new_checked(data) else {
        return;
    };
    let _ = icmpv4::Repr::parse(&p);
    let _ = (
        p.msg_type(),
        p.msg_code(),
        p.checksum(),
        p.verify_checksum(),
    );
    let _ = (p.echo_ident(), p.echo_seq_no(), p.data());
}

fn udp_(data: &[u8], src: &Ipv4Addr, dst: &Ipv4Addr, depth: u32) {
    let Ok(p) = udp::Packet::new_checked(data) else {
        return;
    };
    let _ = udp::Repr::parse(&p, src, dst);
    let _ = (
        p.src_port(),
        p.dst_port(),
        p.len(),
        p.checksum(),
        p.verify_checksum(src, dst),
    );
    vx(p.payload(), depth);
}

fn vx(data: &[u8], depth: u32) {
    let Ok(p) = vxlan::Packet::new_checked(data) else {
        return;
    };
    let _ = vxlan::Repr::parse(&p);
    let _ = (
        p.flags(),
        p.flags_word(),
        p.vni(),
        p.vni_word(),
        p.reserved2(),
    );
    if depth < 2 {
        eth(p.payload(), depth + 1);
    }
}

fuzz_target!(|data: &[u8]| {
    let any = Ipv4Addr::new(10, 99, 0, 3);
    eth(data, 0);
    arp_(data);
    ip(data, 0);
    icmp(data);
    udp_(data, &any, &any, 0);
    vx(data, 0);
    let any6 = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 3);
    ip6(data);
    icmp6(data, &any6, &any6);
    let _ = checksum::data(data);
});
