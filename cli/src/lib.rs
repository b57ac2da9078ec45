//! weftd's code until it moves to its own library: the daemon and its
//! startup configuration. weftctl is the `console` crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod daemon;
pub mod startup;
