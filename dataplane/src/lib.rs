//! weft's dataplane: the buffer pool, the vector graph, the nodes of the
//! koko path, the wire formats and the I/O drivers.
#![deny(unsafe_code)]
#![warn(missing_docs)]
