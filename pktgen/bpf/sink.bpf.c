// SPDX-License-Identifier: MIT OR Apache-2.0
//
// weft-pktgen's sink: counts every frame the interface receives and drops it
// at XDP, so that receiving costs the benchmark almost nothing.
//
//   * Without a filter every frame is "matched".
//   * With the VXLAN filter (sink_config[CFG_FLAGS] & SINK_FILTER_VXLAN) a
//     frame is matched when it is IPv4 (not a fragment), UDP to port
//     sink_config[CFG_PORT], and carries a VXLAN header whose flags word is
//     exactly 0x08000000 and whose VNI word is sink_config[CFG_VNI] << 8 (the
//     header a Linux VTEP accepts, see shared/KOKO.md). Everything else is
//     counted as "other".
//   * Matched frames are dropped, unless SINK_REWRITE is set (the VXLAN
//     filter must be on): then each is turned into the frame a VXLAN
//     cross-connect would send for it and sent back out of the interface
//     (XDP_TX): Ethernet addresses swapped, IPv4 destination
//     sink_config[CFG_DST_IP] (checksum updated incrementally, RFC 1624),
//     VNI sink_config[CFG_OUT_VNI], UDP checksum 0 (as weft and VPP send
//     it); nothing else is checked or touched (the UDP source port is kept). That is the bound of an XDP
//     forwarder of the koko rewrite: benches/e2e.sh's xdp-bound DUT. Other
//     frames are dropped too, unless SINK_PASS_OTHER is set: then they go on
//     to the kernel (so that ARP, for example, still works on a sink
//     interface).
//
// Counters are per CPU ({packets, bytes} at index SINK_MATCHED and
// SINK_OTHER), summed by userspace. The byte count is the frame length as
// XDP sees it (Ethernet header to the end of the first buffer, no FCS).
//
// Built by pktgen/build.rs (libbpf-cargo) and loaded by pktgen/src/sink.rs,
// which recognises a stale sink by the program name `weft_pg_sink` (the name
// of the function below) and knows the map layout: keep both in step.

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// Indices into sink_config.
#define CFG_FLAGS 0
#define CFG_VNI 1
#define CFG_PORT 2
#define CFG_OUT_VNI 3
#define CFG_DST_IP 4

// Bits of sink_config[CFG_FLAGS].
#define SINK_FILTER_VXLAN (1u << 0)
#define SINK_PASS_OTHER (1u << 1)
#define SINK_REWRITE (1u << 2)

// Indices into sink_counters.
#define SINK_MATCHED 0
#define SINK_OTHER 1

// The first word of a VXLAN header: flags 0x08 (VNI valid), reserved zero.
#define VXLAN_FLAGS_WORD 0x08000000u

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct counter);
} sink_counters SEC(".maps");

// [CFG_FLAGS] flags, [CFG_VNI] VNI, [CFG_PORT] UDP destination port,
// [CFG_OUT_VNI] and [CFG_DST_IP] (network order) the rewrite's.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u32);
} sink_config SEC(".maps");

static __always_inline __u32 config(__u32 idx)
{
	__u32 *v = bpf_map_lookup_elem(&sink_config, &idx);

	return v ? *v : 0;
}

static __always_inline int is_vxlan(void *data, void *data_end, __u32 vni, __u32 port)
{
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u32 word[2];

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = (struct iphdr *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5 ||
	    ip->protocol != IPPROTO_UDP)
		return 0;
	// A fragment (more fragments, or a non-zero offset) has no whole header.
	if (ip->frag_off & bpf_htons(0x3fff))
		return 0;
	udp = (struct udphdr *)((__u8 *)ip + ip->ihl * 4);
	if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons((__u16)port))
		return 0;
	if ((void *)(udp + 1) + sizeof(word) > data_end)
		return 0;
	__builtin_memcpy(word, udp + 1, sizeof(word));
	return word[0] == bpf_htonl(VXLAN_FLAGS_WORD) && word[1] == bpf_htonl(vni << 8);
}

// One's complement checksum update for a 32-bit field changing from `from`
// to `to` (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + (__u16)~(from >> 16);
	sum += (__u16)to + (__u16)(to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

// The cross-connect rewrite of a frame is_vxlan() matched (so its headers
// are there: Ethernet, IPv4 with ihl 5 or more, UDP, VXLAN).
static __always_inline int rewrite(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	__u8 mac[ETH_ALEN];
	struct udphdr *udp;
	__u32 *vni;
	__u32 dst = config(CFG_DST_IP);

	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	udp = (struct udphdr *)((__u8 *)ip + ip->ihl * 4);
	vni = (__u32 *)((__u8 *)(udp + 1) + 4);
	if ((void *)(vni + 1) > data_end)
		return XDP_DROP;
	udp->check = 0;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	ip->check = csum_replace4(ip->check, ip->daddr, dst);
	ip->daddr = dst;
	*vni = bpf_htonl(config(CFG_OUT_VNI) << 8);
	return XDP_TX;
}

SEC("xdp")
int weft_pg_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 flags = config(CFG_FLAGS);
	__u32 idx = SINK_MATCHED;
	struct counter *c;

	if ((flags & SINK_FILTER_VXLAN) &&
	    !is_vxlan(data, data_end, config(CFG_VNI), config(CFG_PORT)))
		idx = SINK_OTHER;

	c = bpf_map_lookup_elem(&sink_counters, &idx);
	// Per-CPU slot and XDP runs with preemption disabled: no atomics needed.
	if (c) {
		c->packets += 1;
		c->bytes += data_end - data;
	}
	if (idx == SINK_MATCHED && (flags & SINK_REWRITE))
		return rewrite(data, data_end);
	if (idx == SINK_OTHER && (flags & SINK_PASS_OTHER))
		return XDP_PASS;
	return XDP_DROP;
}

// Same licence reasoning as dataplane/bpf/weft_xdp.bpf.c: no GPL-only helper
// is used; "Dual MIT/GPL" is the string the kernel recognises for this
// MIT-licensed file and keeps bpf_printk usable for debugging.
char LICENSE[] SEC("license") = "Dual MIT/GPL";
