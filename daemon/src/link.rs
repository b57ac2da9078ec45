//! The link thread: the kernel's word on weftd's Linux interfaces.
//!
//! It listens to rtnetlink's link group in weftd's network namespace and
//! hands every event to the runtime under the control-plane lock
//! ([`control::runtime::Runtime::link_event`]): a device follows its Linux
//! interface's link state and MTU, lets go of it when it is deleted, and
//! attaches again when an interface of that name comes back. The thread
//! sleeps in `poll(2)` on the netlink socket: nothing polls a loop, and an
//! event reaches `show hardware-interfaces` within milliseconds.

use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use dataplane::io::netlink::{LinkEvent, LinkMonitor};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::punt::WithState;

/// How often the thread looks at its stop flag while no event comes.
const STOP_CHECK_MS: u16 = 200;

/// Starts the link thread; it runs until `stop` is set. The netlink
/// socket is opened here, in the caller's network namespace, so a failure
/// is weftd's to report.
pub fn spawn(with: Arc<WithState>, stop: Arc<AtomicBool>) -> std::io::Result<JoinHandle<()>> {
    let mut monitor = LinkMonitor::open().map_err(std::io::Error::other)?;
    std::thread::Builder::new()
        .name("weft_link".into())
        .spawn(move || {
            // Whatever changed before the socket listened.
            handle(&*with, &[LinkEvent::Resync]);
            while !stop.load(Ordering::Relaxed) {
                let mut fds = [PollFd::new(monitor.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(STOP_CHECK_MS)) {
                    Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                    Ok(_) => {}
                    Err(e) => {
                        log::error!("link thread: poll: {e}");
                        return;
                    }
                }
                match monitor.read() {
                    Ok(events) if !events.is_empty() => handle(&*with, &events),
                    Ok(_) => {}
                    Err(e) => {
                        log::error!("link thread: {e}; resynchronising");
                        handle(&*with, &[LinkEvent::Resync]);
                    }
                }
            }
        })
}

fn handle(with: &WithState, events: &[LinkEvent]) {
    with(&mut |config, rt| {
        for e in events {
            rt.link_event(config, e);
        }
        rt.config_changed(config);
    });
}
