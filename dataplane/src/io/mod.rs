//! I/O drivers.

pub mod pg;
