//! I/O drivers.

pub mod af_packet;
pub mod af_xdp;
pub mod netdev_genl;
pub mod netlink;
pub mod owner;
pub mod pg;
pub mod xdp_fastpath;
pub mod xdp_prog;
pub mod xsk_tx;
