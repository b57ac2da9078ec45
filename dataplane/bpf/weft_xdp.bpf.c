// SPDX-License-Identifier: MIT OR Apache-2.0
//
// weft's XDP steering program.
//
// weft shares the NIC with the host: every frame arrives here first, and this
// program decides whether it is weft's (redirect to the AF_XDP socket of the
// rx queue it came in on) or the host's (XDP_PASS to the kernel stack).
//
//   * L2 mode (weft_config[0] bit 0): the interface is in an L2 bridge or
//     xconnect, weft takes every frame.
//   * L3 mode: weft takes ARP requests/replies whose target protocol address
//     is one of its addresses, gratuitous ARP (sender = target) from its
//     subnets (weft_subnets), IPv4 packets whose destination is one of
//     its addresses (weft_addrs), and IPv6 packets to one of its IPv6
//     addresses or Neighbor Solicitations for one (weft_addrs6), untagged
//     or behind one 802.1Q/802.1ad tag. Everything else, other IPv4 and
//     IPv6, goes to the kernel.
//
// VLAN tags. A NIC that strips tags (rxvlan) and veth (the sender's
// tx-vlan-offload) hand the program a frame without its tag, the tag kept
// aside in the skb or descriptor. The device-bound build (WEFT_DEV_BOUND,
// loaded with the interface's ifindex and BPF_F_XDP_DEV_BOUND_ONLY, native
// mode only) asks for it (bpf_xdp_metadata_rx_vlan_tag, Linux 6.8+) and puts
// it back in the frame before a frame goes to weft, so weft sees every frame
// as it was on the wire and sorts it to its sub-interface (or drops it as
// `unknown vlan`); what goes to the kernel keeps its tag aside, as it came.
// A tagged frame never takes the fast path, whose table holds untagged
// tunnels only. The plain build (no kfunc: BPF_PROG_TEST_RUN cannot run a
// device-bound program, and generic mode cannot attach one) sees in-band
// tags only.
//
// "Redirect" is bpf_redirect_map(&xsks_map, rx_queue_index, XDP_PASS): when no
// AF_XDP socket sits on the queue, the frame still reaches the kernel.
//
// The XDP fast path (L3 mode, first for IPv4): a VXLAN packet to one of
// weft's addresses whose tunnel weft has cross-connected to another VXLAN
// tunnel with a resolved next hop on this same interface is rewritten here
// exactly as weft's graph would rewrite it (vxlan4-fastpath: the same checks,
// the egress tunnel's 50-byte outer header, the same flow-hash UDP source
// port, IPv4 length and checksum) and sent back out of the interface
// (XDP_REDIRECT through weft_tx_port). The table
// (weft_fp[0], a hash map from the decap key to the egress rewrite) is built
// by the control plane from its configuration snapshot and swapped whole, so
// no packet sees a half-written entry; no table, no entry or any check
// failed: the frame goes to weft's socket unchanged, as without the fast path.
// dataplane/src/io/xdp_fastpath.rs builds the entries; keep the layouts of
// struct fp_key, fp_entry and fp_count in step with it.
//
// Built by dataplane/build.rs (libbpf-cargo) and loaded by
// dataplane/src/io/xdp_prog.rs, which recognises a stale weft program by the
// program name `weft_xdp` (the name of the function below): keep both in step.

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// Bit 0 of weft_config[0]: the interface is in L2 mode, take everything.
#define WEFT_CFG_L2 (1u << 0)
// Bit 1: record each verdict in weft_verdict (tests, BPF_PROG_TEST_RUN).
#define WEFT_CFG_RECORD (1u << 1)
// weft_config[1]: the longest frame weft's socket receives (a buffer's data
// room); a longer one is left to the socket, which drops and counts it.
#define WEFT_CFG_MAX_FRAME 1

// Indices into weft_stats.
#define WEFT_STAT_REDIRECTED 0
#define WEFT_STAT_PASSED 1
// Rewritten and sent by the fast path.
#define WEFT_STAT_FASTPATH 2
// Out-of-band VLAN tags put back in frames for weft.
#define WEFT_STAT_VLAN_RESTORED 3
#define WEFT_STATS 4

// Verdicts recorded in weft_verdict.
#define WEFT_VERDICT_PASS 1
#define WEFT_VERDICT_SOCKET 2
#define WEFT_VERDICT_TX 3

// The fast path's frame: outer Ethernet (14), IPv4 (20), UDP (8), VXLAN (8)
// and the inner Ethernet header (14).
#define FP_OUTER 50
#define FP_MIN_FRAME (FP_OUTER + 14)
#define FP_MAX_ENTRIES 16384

// ARP for Ethernet/IPv4 (RFC 826): htype(2) ptype(2) hlen(1) plen(1) oper(2)
// sha(6) spa(4) tha(6) tpa(4).
#define ARP_LEN 28
#define ARP_OFF_PTYPE 2
#define ARP_OFF_HLEN 4
#define ARP_OFF_PLEN 5
#define ARP_OFF_SPA 14
#define ARP_OFF_TPA 24

// rx queue index -> AF_XDP socket fd (the kernel stores the socket).
// Declared with key_size/value_size rather than BTF types, as libbpf's and
// libxdp's own AF_XDP programs do: the value is an fd written by userspace,
// not a type anyone reads back.
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xsks_map SEC(".maps");

// weft's IPv4 addresses on this interface, network byte order -> 1.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} weft_addrs SEC(".maps");

// weft's IPv6 addresses on this interface (not the link-local, which the
// host's kernel has too: it derives the same EUI-64 address from the MAC).
struct addr6 {
	__u8 b[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct addr6);
	__type(value, __u8);
} weft_addrs6 SEC(".maps");

// weft's IPv4 subnets on this interface (the prefixes of its addresses): a
// gratuitous ARP from a host on one of them goes to weft, which follows the
// MAC moves of its neighbours (the host does not see it; docs/af_xdp.md).
struct subnet_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct subnet_key);
	__type(value, __u8);
} weft_subnets SEC(".maps");

// [0] = flags (WEFT_CFG_*), [1] = the longest frame (WEFT_CFG_MAX_FRAME).
// Single words: a reader never sees one half-written.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} weft_config SEC(".maps");

// Per-CPU counters: [0] steered to weft (redirect attempted, whether or not a
// socket was on the queue), [1] passed to the kernel, [2] sent by the fast
// path, [3] out-of-band VLAN tags put back (WEFT_STAT_*).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WEFT_STATS);
	__type(key, __u32);
	__type(value, __u64);
} weft_stats SEC(".maps");

// The decap key, as vxlan4-input builds it, raw from the frame: outer IPv4
// source and destination, the second VXLAN word (VNI << 8 | reserved), the
// UDP destination port; all in network byte order.
struct fp_key {
	__u32 saddr;
	__u32 daddr;
	__u32 vni_word;
	__u16 dport;
	__u16 pad;
};

// What the graph does with a frame of that key: the egress tunnel's outer
// header (its IPv4 total length, checksum, UDP source port and length zero;
// the source MAC is this interface's), the largest inner frame the uplink's
// MTU takes, the rewrite's IPv4 header sum for an empty inner frame (host
// order, not folded), and the slot of weft_fp_counts it counts in.
struct fp_entry {
	__u8 rewrite[FP_OUTER];
	__u16 max_inner;
	__u32 ip_sum;
	__u32 slot;
	__u32 pad;
};

// [0]: the current table, replaced whole by the control plane. Empty: no
// fast path. The inner map is a hash from fp_key to fp_entry, not
// preallocated: the control plane makes a new one for every change.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(map_flags, BPF_F_NO_PREALLOC);
		__uint(max_entries, FP_MAX_ENTRIES);
		__uint(key_size, sizeof(struct fp_key));
		__uint(value_size, sizeof(struct fp_entry));
	});
} weft_fp SEC(".maps");

// Per slot: packets, received frame bytes, inner frame bytes, sent bytes.
struct fp_count {
	__u64 packets;
	__u64 rx_bytes;
	__u64 inner_bytes;
	__u64 tx_bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct fp_count);
} weft_fp_counts SEC(".maps");

// [0]: the interface the fast path sends on: this one. A redirect through a
// devmap rather than XDP_TX, because the redirect's flush wakes the receiving
// end: a veth peer with GRO but no XDP program of its own leaves frames sent
// with XDP_TX in its ring until something else wakes it.
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} weft_tx_port SEC(".maps");

// [0]: the last verdict (WEFT_VERDICT_*), written when WEFT_CFG_RECORD is
// set: BPF_PROG_TEST_RUN cannot tell a redirect to the socket from one that
// fell back to XDP_PASS, so tests read this.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} weft_verdict SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&weft_stats, &idx);

	// Per-CPU slot and XDP runs with preemption disabled: no atomics needed.
	if (v)
		*v += 1;
}

static __always_inline void record(__u32 flags, __u32 verdict)
{
	__u32 zero = 0;
	__u32 *v;

	if (!(flags & WEFT_CFG_RECORD))
		return;
	v = bpf_map_lookup_elem(&weft_verdict, &zero);
	if (v)
		*v = verdict;
}

static __always_inline int pass(__u32 flags)
{
	count(WEFT_STAT_PASSED);
	record(flags, WEFT_VERDICT_PASS);
	return XDP_PASS;
}

static __always_inline int redirect(struct xdp_md *ctx, __u32 flags)
{
	count(WEFT_STAT_REDIRECTED);
	record(flags, WEFT_VERDICT_SOCKET);
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline __u16 be16(const __u8 *p)
{
	return ((__u16)p[0] << 8) | p[1];
}

static __always_inline __u32 be32(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

static __always_inline __u64 be64(const __u8 *p)
{
	return ((__u64)be32(p) << 32) | be32(p + 4);
}

// vxlan4-encap's mix(): one multiply and a fold of the high half.
static __always_inline __u32 mix(__u64 a, __u64 b)
{
	__u64 x = (a ^ ((b << 17) | (b >> 47))) * 0x9e3779b97f4a7c15ULL;

	return (__u32)(x ^ (x >> 32));
}

// vxlan4-encap's ipv4_flow_hash(): `ip` has 20 bytes; the ports count only
// when present (have_ports) and the packet is unfragmented TCP or UDP.
static __always_inline __u32 ipv4_flow_hash(const __u8 *ip, __u32 ports, int have_ports)
{
	__u64 addrs = be64(ip + 12);
	__u64 proto = ip[9];
	__u16 frag = be16(ip + 6) & 0x3fff;

	if (!have_ports || frag != 0 || (proto != 6 && proto != 17))
		ports = 0;
	return mix(addrs, (proto << 32) | ports);
}

// vxlan4-encap's flow_hash() of the inner frame at `f`, `len` bytes (at
// least 14, inside the packet).
static __always_inline __u32 flow_hash(const __u8 *f, __u32 len, void *data_end)
{
	// The bounds tests against data_end are for the verifier: the inner
	// frame lies inside the packet.
	if (len >= 38 && (void *)(f + 38) <= data_end && f[12] == 0x08 && f[13] == 0x00 &&
	    f[14] == 0x45)
		return ipv4_flow_hash(f + 14, be32(f + 34), 1);
	if (len >= 34 && (void *)(f + 34) <= data_end && f[12] == 0x08 && f[13] == 0x00 &&
	    (f[14] >> 4) == 4) {
		__u32 ihl = (f[14] & 0x0f) * 4;
		const __u8 *p = f + 14 + ihl;

		if (14 + ihl + 4 <= len && (void *)(p + 4) <= data_end)
			return ipv4_flow_hash(f + 14, be32(p), 1);
		return ipv4_flow_hash(f + 14, 0, 0);
	}
	if ((void *)(f + 14) > data_end)
		return 0;
	return mix(be64(f), be64(f + 6));
}

// ip4-input's header checksum test (checksum::header20_ok).
static __always_inline int header20_ok(const __u8 *ip)
{
	__u64 sum = 0;

	// The header is not 4-byte aligned in the frame: read it bytewise.
#pragma unroll
	for (int i = 0; i < 5; i++) {
		__u32 v;

		__builtin_memcpy(&v, ip + 4 * i, 4);
		sum += v;
	}
	return sum != 0 && sum % 0xffff == 0;
}

// The fast path: a redirect back out of this interface with the frame
// rewritten, or -1 to leave it to the
// socket unchanged. The checks are vxlan4-fastpath's outer_ok() and
// resolve(), with what resolve() looks up in the table.
static __always_inline int fastpath(struct xdp_md *ctx, __u32 flags)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *h = data;
	__u32 zero = 0, max_idx = WEFT_CFG_MAX_FRAME;
	__u32 len, total, inner_len, hash, sum, slot, *max_frame;
	struct fp_key key = {};
	struct fp_entry *e;
	struct fp_count *c;
	void *table;

	table = bpf_map_lookup_elem(&weft_fp, &zero);
	if (!table)
		return -1;
	if ((void *)(h + FP_MIN_FRAME) > data_end)
		return -1;
	len = (__u32)(data_end - data);
	max_frame = bpf_map_lookup_elem(&weft_config, &max_idx);
	if (!max_frame || len > *max_frame)
		return -1;
	// IPv4 (the caller checked the ethertype; the table's keys hold only
	// weft's own destination addresses): version 4 without options, not a fragment (DF allowed), TTL, UDP.
	if (h[14] != 0x45 || (be32(h + 20) & 0x3fff00ff) != 17 || h[22] == 0)
		return -1;
	total = be16(h + 16);
	if (total < FP_MIN_FRAME - 14 || total > len - 14)
		return -1;
	if (!header20_ok(h + 14))
		return -1;
	// UDP length = IPv4 payload; VXLAN flags exactly I.
	if (be16(h + 38) != total - 20 || h[42] != 0x08)
		return -1;
	__builtin_memcpy(&key.saddr, h + 26, 4);
	__builtin_memcpy(&key.daddr, h + 30, 4);
	__builtin_memcpy(&key.dport, h + 36, 2);
	__builtin_memcpy(&key.vni_word, h + 46, 4);
	e = bpf_map_lookup_elem(table, &key);
	if (!e)
		return -1;
	if (!bpf_map_lookup_elem(&weft_tx_port, &zero))
		return -1;
	// Ethernet unicast to this interface: the egress rewrite's source MAC,
	// this interface's (the table holds only tunnels that leave here).
	if (h[0] != e->rewrite[6] || h[1] != e->rewrite[7] || h[2] != e->rewrite[8] ||
	    h[3] != e->rewrite[9] || h[4] != e->rewrite[10] || h[5] != e->rewrite[11])
		return -1;
	inner_len = total - 36;
	if (inner_len > e->max_inner)
		return -1;
	hash = flow_hash(h + FP_OUTER, inner_len, data_end);
	__builtin_memcpy(h, e->rewrite, FP_OUTER);
	// IPv4 total length and checksum, UDP source port and length, as
	// vxlan4-encap's write_outer().
	h[16] = (total >> 8) & 0xff;
	h[17] = total & 0xff;
	sum = e->ip_sum + inner_len;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	h[24] = sum >> 8;
	h[25] = sum & 0xff;
	h[34] = (0xc000 | (hash & 0x3fff)) >> 8;
	h[35] = hash & 0xff;
	h[38] = ((inner_len + 16) >> 8) & 0xff;
	h[39] = (inner_len + 16) & 0xff;
	slot = e->slot;
	// What lies beyond the IPv4 packet (Ethernet padding) is not sent, as
	// the graph sends total + 14 bytes.
	if (len > total + 14 && bpf_xdp_adjust_tail(ctx, (int)(total + 14) - (int)len) != 0)
		return XDP_ABORTED;
	c = bpf_map_lookup_elem(&weft_fp_counts, &slot);
	if (c) {
		c->packets += 1;
		c->rx_bytes += len;
		c->inner_bytes += inner_len;
		c->tx_bytes += total + 14;
	}
	count(WEFT_STAT_FASTPATH);
	record(flags, WEFT_VERDICT_TX);
	return bpf_redirect_map(&weft_tx_port, 0, 0);
}

static __always_inline int is_weft_addr(__u32 addr)
{
	return bpf_map_lookup_elem(&weft_addrs, &addr) != NULL;
}

#ifdef WEFT_DEV_BOUND
extern int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md *ctx, __be16 *vlan_proto,
					 __u16 *vlan_tci) __ksym;
#endif

// The VLAN tag the device took out of the frame, if any: 1 with the tag
// (TPID in network order, TCI in host order), or 0 (untagged, the plain
// build, or a driver that cannot say).
static __always_inline int oob_vlan(struct xdp_md *ctx, __be16 *proto, __u16 *tci)
{
#ifdef WEFT_DEV_BOUND
	return bpf_xdp_metadata_rx_vlan_tag(ctx, proto, tci) == 0;
#else
	return 0;
#endif
}

// Puts an out-of-band tag back after the MAC addresses. 0, or -1 when the
// frame has no headroom for it.
static __always_inline int push_vlan(struct xdp_md *ctx, __be16 proto, __u16 tci)
{
	__u32 macs[3];
	__u8 *h;

	if (bpf_xdp_adjust_head(ctx, -4))
		return -1;
	h = (void *)(long)ctx->data;
	if ((void *)(h + 18) > (void *)(long)ctx->data_end)
		return -1;
	// The addresses move 4 bytes towards the front (the areas overlap).
	__builtin_memcpy(macs, h + 4, 12);
	__builtin_memcpy(h, macs, 12);
	__builtin_memcpy(h + 12, &proto, 2);
	h[14] = tci >> 8;
	h[15] = tci & 0xff;
	return 0;
}

// To weft's socket, with an out-of-band tag (oob) put back first. A frame
// whose tag cannot be put back is dropped (XDP_ABORTED, seen by the
// xdp:xdp_exception tracepoint), never given to weft untagged.
static __always_inline int to_weft(struct xdp_md *ctx, __u32 flags, int oob, __be16 vproto,
				   __u16 vtci)
{
	if (oob) {
		if (push_vlan(ctx, vproto, vtci))
			return XDP_ABORTED;
		count(WEFT_STAT_VLAN_RESTORED);
	}
	return redirect(ctx, flags);
}

// Whether the ARP packet at `arp` is weft's: for one of its addresses, or a
// gratuitous ARP (sender = target) from one of its subnets.
static __always_inline int arp_for_weft(__u8 *arp, void *data_end)
{
	__u32 addr, spa;

	if ((void *)(arp + ARP_LEN) > data_end)
		return 0;
	// Only Ethernet/IPv4 ARP has its target address at offset 24.
	if (*(__u16 *)(arp + ARP_OFF_PTYPE) != bpf_htons(ETH_P_IP) || arp[ARP_OFF_HLEN] != ETH_ALEN ||
	    arp[ARP_OFF_PLEN] != 4)
		return 0;
	// The addresses are not 4-byte aligned in the frame.
	__builtin_memcpy(&addr, arp + ARP_OFF_TPA, sizeof(addr));
	if (is_weft_addr(addr))
		return 1;
	__builtin_memcpy(&spa, arp + ARP_OFF_SPA, sizeof(spa));
	if (spa == addr) {
		struct subnet_key k = { .prefixlen = 32, .addr = spa };

		if (bpf_map_lookup_elem(&weft_subnets, &k))
			return 1;
	}
	return 0;
}

// Whether the IPv6 packet at `ip` is weft's: to one of its addresses, or a
// Neighbor Solicitation for one of them (sent to its solicited-node group).
static __always_inline int ip6_for_weft(__u8 *ip, void *data_end)
{
	struct addr6 a;

	if ((void *)(ip + 40) > data_end || (ip[0] >> 4) != 6)
		return 0;
	__builtin_memcpy(&a, ip + 24, sizeof(a));
	if (bpf_map_lookup_elem(&weft_addrs6, &a))
		return 1;
	// Next header ICMPv6, to a multicast group, type 135: the target
	// address follows the 8-byte ICMPv6 header.
	if (ip[6] == 58 && ip[24] == 0xff && (void *)(ip + 40 + 24) <= data_end && ip[40] == 135) {
		__builtin_memcpy(&a, ip + 48, sizeof(a));
		if (bpf_map_lookup_elem(&weft_addrs6, &a))
			return 1;
	}
	return 0;
}

// A frame behind a tag (in the frame, or out of band): weft's by the same
// address rules as an untagged one, on the tag's payload at `l3` of
// ethertype `proto`. Never the fast path's.
static __always_inline int tagged(struct xdp_md *ctx, __u32 flags, __be16 proto, __u8 *l3,
				  void *data_end, int oob, __be16 vproto, __u16 vtci)
{
	int mine = 0;

	if (proto == bpf_htons(ETH_P_ARP)) {
		mine = arp_for_weft(l3, data_end);
	} else if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (struct iphdr *)l3;

		mine = (void *)(ip + 1) <= data_end && ip->version == 4 && is_weft_addr(ip->daddr);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		mine = ip6_for_weft(l3, data_end);
	}
	if (!mine)
		return pass(flags);
	return to_weft(ctx, flags, oob, vproto, vtci);
}

SEC("xdp")
int weft_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	__u32 *cfg = bpf_map_lookup_elem(&weft_config, &zero);
	__u32 flags = cfg ? *cfg : 0;
	struct ethhdr *eth = data;
	__be16 vproto = 0;
	__u16 vtci = 0;
	int oob = oob_vlan(ctx, &vproto, &vtci);
	__u32 addr;
	int fp;

	if (flags & WEFT_CFG_L2)
		return to_weft(ctx, flags, oob, vproto, vtci);

	if ((void *)(eth + 1) > data_end)
		return pass(flags);

	if (oob)
		return tagged(ctx, flags, eth->h_proto, (__u8 *)(eth + 1), data_end, 1, vproto,
			      vtci);

	if (eth->h_proto == bpf_htons(ETH_P_8021Q) || eth->h_proto == bpf_htons(ETH_P_8021AD)) {
		__u8 *tag = (__u8 *)(eth + 1);
		__be16 inner;

		if ((void *)(tag + 4) > data_end)
			return pass(flags);
		__builtin_memcpy(&inner, tag + 2, sizeof(inner));
		return tagged(ctx, flags, inner, tag + 4, data_end, 0, 0, 0);
	}

	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		if (arp_for_weft((__u8 *)(eth + 1), data_end))
			return redirect(ctx, flags);
		return pass(flags);
	}

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (struct iphdr *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->version != 4)
			return pass(flags);
		// The fast path first: its table holds only keys whose
		// destination is one of weft's addresses on this interface
		// (kernel_flows()), so a hit answers the address question too
		// and the forwarded frame costs one hash lookup, not two. (The
		// address is read first: fastpath() may move the packet's end,
		// which invalidates every packet pointer.)
		addr = ip->daddr;
		fp = fastpath(ctx, flags);
		if (fp >= 0)
			return fp;
		if (!is_weft_addr(addr))
			return pass(flags);
		return redirect(ctx, flags);
	}

	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		if (ip6_for_weft((__u8 *)(eth + 1), data_end))
			return redirect(ctx, flags);
		return pass(flags);
	}

	// Other IPv6, stacked tags beyond one and everything else belong to
	// the host.
	return pass(flags);
}

// The kernel refuses GPL-only helpers to programs whose license string is
// not GPL-compatible. None of the helpers above is GPL-only
// (bpf_map_lookup_elem and bpf_redirect_map are not; checked against the
// kernel's *_proto.gpl_only and by loading this program with a non-GPL
// string), so the string does not gate anything today. We still declare
// "Dual MIT/GPL": this file is MIT-licensed (weft is MIT OR Apache-2.0, and
// MIT permits GPL redistribution), "Dual MIT/GPL" is the string the kernel
// recognises for exactly that (license_is_gpl_compatible(); it has none for
// Apache-2.0), and it keeps GPL-only debugging helpers such as bpf_printk
// (bpf_trace_printk) usable without a license change.
char LICENSE[] SEC("license") = "Dual MIT/GPL";
