//! Devices as a worker sees them: a [`Port`] receives into and transmits
//! from pool buffers. Each worker owns its ports ([`Ports`]); nothing here
//! is shared between threads.

use std::os::fd::BorrowedFd;

use crate::pool::{Buf, PoolCache};

/// Result of one receive call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxResult {
    /// Frames received into buffers.
    pub received: usize,
    /// Bytes of those frames (their lengths summed).
    pub bytes: u64,
    /// Frames lost for lack of buffers (`rx-no-buf`).
    pub no_buf: usize,
    /// Frames lost because the device had nowhere to put them (`rx-miss`).
    pub miss: usize,
    /// Of `miss`, frames larger than a buffer, for drivers that have no
    /// counters of their own: the input node counts them under `frame
    /// larger than a buffer`.
    pub too_big: usize,
}

/// Result of one transmit call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxResult {
    /// Frames handed to the device.
    pub sent: usize,
    /// Frames dropped (`tx-error`).
    pub errors: usize,
}

/// A device queue pair owned by one worker.
pub trait Port: Send {
    /// Name of the input node that polls this port (`pg-input`,
    /// `af_xdp-input`).
    fn input_node(&self) -> &'static str;

    /// Receives up to `max` frames, appending their buffers to `out` with
    /// their metadata complete: data offset, length and receive interface
    /// (`sw_if_index`, the interface this port is), every other field as a
    /// fresh buffer has it. The driver writes each buffer's metadata once
    /// and the input node does not go over the vector again (as VPP's
    /// device input nodes set `sw_if_index[VLIB_RX]` themselves).
    fn rx(
        &mut self,
        cache: &mut PoolCache,
        out: &mut Vec<Buf>,
        max: usize,
        sw_if_index: u32,
    ) -> RxResult;

    /// Transmits every buffer of `bufs`, leaving it empty: each buffer is
    /// either sent (and freed or recycled by the driver) or freed and
    /// counted as an error.
    fn tx(&mut self, cache: &mut PoolCache, bufs: &mut Vec<Buf>) -> TxResult;

    /// A descriptor that becomes readable when frames arrive, for workers
    /// that sleep when idle (rx-mode interrupt or adaptive). `None` for
    /// devices that cannot wake a sleeping worker (pg).
    fn wait_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

struct Entry {
    sw_if_index: u32,
    port: Box<dyn Port>,
    staged: Vec<Buf>,
}

/// A worker's ports, by sw_if_index.
#[derive(Default)]
pub struct Ports {
    entries: Vec<Entry>,
    by_if: Vec<u16>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| e.sw_if_index))
            .finish()
    }
}

const NONE: u16 = u16::MAX;

impl Ports {
    /// Adds (or replaces) the port of interface `sw_if_index`. Returns the
    /// replaced port, if any.
    pub fn insert(&mut self, sw_if_index: u32, port: Box<dyn Port>) -> Option<Box<dyn Port>> {
        let i = sw_if_index as usize;
        if self.by_if.len() <= i {
            self.by_if.resize(i + 1, NONE);
        }
        if self.by_if[i] != NONE {
            let e = &mut self.entries[self.by_if[i] as usize];
            return Some(std::mem::replace(&mut e.port, port));
        }
        self.by_if[i] = self.entries.len() as u16;
        self.entries.push(Entry {
            sw_if_index,
            port,
            staged: Vec::with_capacity(crate::graph::VECTOR_SIZE),
        });
        None
    }

    /// Removes the port of interface `sw_if_index`, freeing anything staged.
    pub fn remove(&mut self, sw_if_index: u32, cache: &mut PoolCache) -> Option<Box<dyn Port>> {
        let i = *self.by_if.get(sw_if_index as usize)?;
        if i == NONE {
            return None;
        }
        let mut e = self.entries.swap_remove(i as usize);
        cache.free_all(&mut e.staged);
        self.by_if[sw_if_index as usize] = NONE;
        if let Some(moved) = self.entries.get(i as usize) {
            self.by_if[moved.sw_if_index as usize] = i;
        }
        Some(e.port)
    }

    /// Number of ports.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the worker has no port.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Calls `f(sw_if_index, port)` for every port polled by `input_node`.
    #[inline]
    pub fn for_each_rx(&mut self, input_node: &str, mut f: impl FnMut(u32, &mut dyn Port)) {
        for e in &mut self.entries {
            if e.port.input_node() == input_node {
                f(e.sw_if_index, e.port.as_mut());
            }
        }
    }

    /// The wake-up descriptors of every port (see [`Port::wait_fd`]);
    /// `None` if one of them has none, since a worker must not sleep on a
    /// port that cannot wake it.
    pub fn wait_fds(&self) -> Option<Vec<BorrowedFd<'_>>> {
        self.entries.iter().map(|e| e.port.wait_fd()).collect()
    }

    /// The staging queue of the port for `sw_if_index`, for a node that
    /// stages a run of buffers for one interface ([`stage`](Self::stage)
    /// looks the port up for every buffer).
    #[inline]
    pub fn staging(&mut self, sw_if_index: u32) -> Option<&mut Vec<Buf>> {
        match self.by_if.get(sw_if_index as usize) {
            Some(&i) if i != NONE => self.entries.get_mut(i as usize).map(|e| &mut e.staged),
            _ => None,
        }
    }

    /// Stages a buffer for transmission on `sw_if_index`. Gives the buffer
    /// back when the interface has no port here.
    #[inline]
    pub fn stage(&mut self, sw_if_index: u32, buf: Buf) -> Result<(), Buf> {
        match self.by_if.get(sw_if_index as usize) {
            Some(&i) if i != NONE => {
                self.entries[i as usize].staged.push(buf);
                Ok(())
            }
            _ => Err(buf),
        }
    }

    /// Transmits everything staged; calls `f(sw_if_index, result)` per
    /// port that had something to send.
    #[inline]
    pub fn flush(&mut self, cache: &mut PoolCache, mut f: impl FnMut(u32, TxResult)) {
        for e in &mut self.entries {
            if !e.staged.is_empty() {
                let r = e.port.tx(cache, &mut e.staged);
                debug_assert!(e.staged.is_empty(), "a port kept staged buffers");
                cache.free_all(&mut e.staged);
                f(e.sw_if_index, r);
            }
        }
    }

    /// Removes every port, freeing staged buffers.
    pub fn clear(&mut self, cache: &mut PoolCache) {
        for e in &mut self.entries {
            cache.free_all(&mut e.staged);
        }
        self.entries.clear();
        self.by_if.clear();
    }
}
