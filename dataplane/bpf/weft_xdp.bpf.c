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
//     is one of its addresses, and IPv4 packets whose destination is one of
//     its addresses (both in weft_addrs). Everything else, including
//     802.1Q-tagged frames, IPv6 and other IPv4, goes to the kernel.
//
// "Redirect" is bpf_redirect_map(&xsks_map, rx_queue_index, XDP_PASS): when no
// AF_XDP socket sits on the queue, the frame still reaches the kernel.
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

// Indices into weft_stats.
#define WEFT_STAT_REDIRECTED 0
#define WEFT_STAT_PASSED 1

// ARP for Ethernet/IPv4 (RFC 826): htype(2) ptype(2) hlen(1) plen(1) oper(2)
// sha(6) spa(4) tha(6) tpa(4).
#define ARP_LEN 28
#define ARP_OFF_PTYPE 2
#define ARP_OFF_HLEN 4
#define ARP_OFF_PLEN 5
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

// [0] = flags (WEFT_CFG_*).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} weft_config SEC(".maps");

// Per-CPU counters: [0] steered to weft (redirect attempted, whether or not a
// socket was on the queue), [1] passed to the kernel.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} weft_stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&weft_stats, &idx);

	// Per-CPU slot and XDP runs with preemption disabled: no atomics needed.
	if (v)
		*v += 1;
}

static __always_inline int pass(void)
{
	count(WEFT_STAT_PASSED);
	return XDP_PASS;
}

static __always_inline int redirect(struct xdp_md *ctx)
{
	count(WEFT_STAT_REDIRECTED);
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline int is_weft_addr(__u32 addr)
{
	return bpf_map_lookup_elem(&weft_addrs, &addr) != NULL;
}

SEC("xdp")
int weft_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	__u32 *flags = bpf_map_lookup_elem(&weft_config, &zero);
	struct ethhdr *eth = data;
	__u32 addr;

	if (flags && (*flags & WEFT_CFG_L2))
		return redirect(ctx);

	if ((void *)(eth + 1) > data_end)
		return pass();

	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		__u8 *arp = (__u8 *)(eth + 1);

		if ((void *)(arp + ARP_LEN) > data_end)
			return pass();
		// Only Ethernet/IPv4 ARP has its target address at offset 24.
		if (*(__u16 *)(arp + ARP_OFF_PTYPE) != bpf_htons(ETH_P_IP) ||
		    arp[ARP_OFF_HLEN] != ETH_ALEN || arp[ARP_OFF_PLEN] != 4)
			return pass();
		// The address is not 4-byte aligned in the frame.
		__builtin_memcpy(&addr, arp + ARP_OFF_TPA, sizeof(addr));
		return is_weft_addr(addr) ? redirect(ctx) : pass();
	}

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (struct iphdr *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->version != 4)
			return pass();
		addr = ip->daddr;
		return is_weft_addr(addr) ? redirect(ctx) : pass();
	}

	// 802.1Q/802.1ad tags, IPv6 and everything else belong to the host.
	return pass();
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
