//! weftd's runtime: worker threads, AF_XDP devices, the neighbour and punt
//! loop, and the glue between them and the CLI.

pub mod neighbor;
pub mod punt;
pub mod runtime;
pub mod worker;
