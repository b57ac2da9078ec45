//! weft's control plane: configuration state, the CLI grammar and the
//! socket server.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
