//! Packet captures (`pcap trace`, VPP's `vnet_pcap_dispatch_trace_configure`
//! in `src/vnet/interface_cli.c`): the capture in progress, started and
//! stopped on the model and published to the workers with the snapshot.
//!
//! Starting allocates every record the capture can hold
//! ([`dataplane::pcap::Capture::new`]) and publishes it
//! ([`dataplane::tables::Tables::pcap`]); the workers record into it with
//! no lock and no allocation. Stopping publishes a snapshot without it,
//! closes it (no record is claimed after that), waits for the records
//! being written and writes the file. weftd's XDP fast path follows the
//! snapshot: while a capture records rx or tx on an uplink, that uplink's
//! packets go to the graph ([`dataplane::pcap::Capture::hides`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dataplane::pcap::{Capture, CaptureError, Spec};

use crate::Config;

/// How long `pcap trace off` waits for records a worker is still writing
/// (a copy of at most 9000 bytes: microseconds).
const WAIT: Duration = Duration::from_millis(200);

/// The capture in progress and its file.
#[derive(Debug)]
pub struct PcapSession {
    capture: Arc<Capture>,
    file: PathBuf,
}

impl PcapSession {
    /// The capture.
    pub fn capture(&self) -> &Capture {
        &self.capture
    }

    /// The file it is written to on `pcap trace off`.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The capture, to hand to a snapshot.
    pub(crate) fn shared(&self) -> Arc<Capture> {
        self.capture.clone()
    }
}

/// Why a `pcap trace` change was refused (VPP's messages).
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    /// Starting while a capture runs.
    #[error("dispatch trace already enabled...")]
    AlreadyEnabled,
    /// Stopping while none runs.
    #[error("dispatch trace already disabled...")]
    AlreadyDisabled,
    /// Stopped with nothing captured (the capture is stopped all the same).
    #[error("No packets captured...")]
    NoPackets,
    /// The file could not be written (the capture is stopped all the same).
    #[error("I/O writing trace capture...")]
    Io(#[source] std::io::Error),
    /// `max-bytes-per-pkt` out of range, or the records too large.
    #[error(transparent)]
    Capture(#[from] CaptureError),
}

/// What `pcap trace off` did: `packets` written to `file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Records written.
    pub packets: u32,
    /// Where.
    pub file: PathBuf,
}

impl Config {
    /// The capture in progress, if any.
    pub fn pcap(&self) -> Option<&PcapSession> {
        self.pcap.as_ref()
    }

    /// Starts a capture to `file` (`pcap trace rx|tx|drop ...`) and
    /// publishes it. Refused while one runs, and when `spec` cannot be
    /// allocated; nothing changes then.
    pub fn pcap_start(&mut self, spec: Spec, file: PathBuf) -> Result<(), PcapError> {
        if self.pcap.is_some() {
            return Err(PcapError::AlreadyEnabled);
        }
        let capture = Arc::new(Capture::new(spec)?);
        self.pcap = Some(PcapSession { capture, file });
        self.publish();
        Ok(())
    }

    /// Stops the capture (`pcap trace off`) and writes its file. The
    /// capture is stopped even when the answer is an error (no packets, or
    /// the file could not be written), as in VPP.
    pub fn pcap_stop(&mut self) -> Result<Written, PcapError> {
        let Some(session) = self.pcap.take() else {
            return Err(PcapError::AlreadyDisabled);
        };
        self.publish();
        let claimed = session.capture.close();
        if claimed == 0 {
            return Err(PcapError::NoPackets);
        }
        let complete = session.capture.wait(claimed, WAIT);
        if complete < claimed {
            log::warn!(
                "pcap: {} of {claimed} records were not complete in {WAIT:?}; written without them",
                claimed - complete
            );
        }
        let file = std::fs::File::create(&session.file).map_err(|e| {
            log::error!("pcap: {}: {e}", session.file.display());
            PcapError::Io(e)
        })?;
        let packets = session
            .capture
            .write_pcap(claimed, std::io::BufWriter::new(file))
            .map_err(|e| {
                log::error!("pcap: {}: {e}", session.file.display());
                PcapError::Io(e)
            })?;
        Ok(Written {
            packets,
            file: session.file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dataplane::pcap::{DEFAULT_MAX_BYTES, Points, read_pcap};
    use dataplane::tables::new_handle;

    fn spec(max: u32) -> Spec {
        Spec {
            points: Points {
                rx: true,
                ..Points::default()
            },
            sw_if_index: None,
            max,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    #[test]
    fn start_publishes_stop_writes_and_unpublishes() {
        let handle = new_handle();
        let mut config = Config::new(handle.clone());
        let file = std::env::temp_dir().join(format!("weft-pcap-unit-{}.pcap", std::process::id()));
        assert!(handle.load().pcap.is_none());
        config.pcap_start(spec(2), file.clone()).unwrap();
        let cap = handle.load().pcap.clone().expect("published");
        assert!(matches!(
            config.pcap_start(spec(2), file.clone()),
            Err(PcapError::AlreadyEnabled)
        ));
        assert!(cap.record(&[1, 2, 3], &[]));
        assert!(cap.record(&[4, 5], &[]));
        assert!(!cap.record(&[6], &[]), "max 2");
        let w = config.pcap_stop().unwrap();
        assert_eq!(w.packets, 2);
        assert!(handle.load().pcap.is_none());
        assert!(!cap.record(&[7], &[]), "closed");
        let bytes = std::fs::read(&file).unwrap();
        let (link, packets) = read_pcap(&bytes).unwrap();
        assert_eq!(link, 1);
        let data: Vec<Vec<u8>> = packets.into_iter().map(|p| p.data).collect();
        assert_eq!(data, [vec![1, 2, 3], vec![4, 5]]);
        std::fs::remove_file(&file).unwrap();
        assert!(matches!(
            config.pcap_stop(),
            Err(PcapError::AlreadyDisabled)
        ));
    }

    #[test]
    fn stop_without_packets_stops_and_says_so() {
        let mut config = Config::new(new_handle());
        config
            .pcap_start(spec(5), "/nonexistent/x.pcap".into())
            .unwrap();
        let e = config.pcap_stop().unwrap_err();
        assert_eq!(e.to_string(), "No packets captured...");
        assert!(config.pcap().is_none());
    }

    #[test]
    fn unwritable_file_is_an_io_error_and_stops() {
        let handle = new_handle();
        let mut config = Config::new(handle.clone());
        config
            .pcap_start(spec(5), "/nonexistent/x.pcap".into())
            .unwrap();
        handle.load().pcap.as_ref().unwrap().record(&[1; 60], &[]);
        let e = config.pcap_stop().unwrap_err();
        assert_eq!(e.to_string(), "I/O writing trace capture...");
        assert!(config.pcap().is_none());
    }

    #[test]
    fn bad_max_bytes_changes_nothing() {
        let handle = new_handle();
        let mut config = Config::new(handle.clone());
        let generation = handle.load().generation;
        let e = config
            .pcap_start(
                Spec {
                    max_bytes: 31,
                    ..spec(5)
                },
                "/tmp/x.pcap".into(),
            )
            .unwrap_err();
        assert_eq!(e.to_string(), "Max bytes per pkt must be > 32, < 9000...");
        assert!(config.pcap().is_none());
        assert_eq!(handle.load().generation, generation, "nothing published");
    }
}
