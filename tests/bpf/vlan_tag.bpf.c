// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A VLAN on a test host without 802.1Q devices (the test kernel has no
// CONFIG_VLAN_8021Q): attached with `tc` (clsact, direct action) to the
// host's eth0, `tag` (egress) puts an 802.1Q tag of VLAN 100 on the IPv4
// and ARP the host sends from 10.99.100.0/24, and `untag` (ingress) takes
// the tag of VLAN 100 off what it receives and drops what is for
// 10.99.100.0/24 but came untagged, so the host's own stack, with
// 10.99.100.1/24 on eth0, speaks VLAN 100 on the wire as it would through
// eth0.100. Used by tests/koko_e2e.rs; built by build.rs.

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define VLAN 100

SEC("classifier/tag")
int tag(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u8 *l3 = (__u8 *)(eth + 1);
	__u8 *src;

	if ((void *)(eth + 1) > end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(l3 + 20) > end)
			return TC_ACT_OK;
		src = l3 + 12;
	} else if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		if ((void *)(l3 + 28) > end)
			return TC_ACT_OK;
		src = l3 + 14;
	} else {
		return TC_ACT_OK;
	}
	if (src[0] == 10 && src[1] == 99 && src[2] == 100)
		bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VLAN);
	return TC_ACT_OK;
}

// Whether the IPv4 or ARP at the frame is for 10.99.100.0/24.
static __always_inline int for_the_vlan(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__u8 *l3 = (__u8 *)(eth + 1);
	__u8 *dst;

	if ((void *)(eth + 1) > end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(l3 + 20) > end)
			return 0;
		dst = l3 + 16;
	} else if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		if ((void *)(l3 + 28) > end)
			return 0;
		dst = l3 + 24;
	} else {
		return 0;
	}
	return dst[0] == 10 && dst[1] == 99 && dst[2] == 100;
}

// VLAN 100 arrives untagged; what is for the VLAN's subnet but came
// untagged is dropped, as eth0.100 would never see it.
SEC("classifier/untag")
int untag(struct __sk_buff *skb)
{
	if (skb->vlan_present && (skb->vlan_tci & 0x0fff) == VLAN) {
		bpf_skb_vlan_pop(skb);
		return TC_ACT_OK;
	}
	if (!skb->vlan_present && for_the_vlan(skb))
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
