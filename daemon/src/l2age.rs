//! The L2 FIB's clock and ager on the control plane.
//!
//! Every tick sets the table's minute stamp (VPP's `(u8) (now / 60)`,
//! minutes since weftd started, wrapping at 256), which workers write into
//! the entries they learn or refresh. Every [`SCAN_INTERVAL`] the ager
//! removes learned entries older than their domain's `mac-age`, stale
//! ones (their interface left the domain) and duplicates
//! ([`control::Config::l2fib_scan`]). So an entry of a domain with
//! `mac-age 1` goes between 60 and 70 s after its MAC was last seen.

use std::time::{Duration, Instant};

use control::Config;

/// How often the ager scans the table.
pub const SCAN_INTERVAL: Duration = Duration::from_secs(10);

/// The clock and the ager's schedule.
#[derive(Debug)]
pub struct Ager {
    start: Instant,
    next_scan: Instant,
}

impl Ager {
    /// An ager whose minute 0 starts at `start`.
    pub fn new(start: Instant) -> Ager {
        Ager {
            start,
            next_scan: start + SCAN_INTERVAL,
        }
    }

    /// Sets the minute stamp for `now` and scans when due.
    pub fn tick(&mut self, config: &mut Config, now: Instant) {
        let minute = (now.saturating_duration_since(self.start).as_secs() / 60) as u8;
        config.l2fib().set_now(minute);
        if now >= self.next_scan {
            let s = config.l2fib_scan();
            if s.aged + s.stale > 0 {
                log::info!(
                    "l2fib scan: {} aged, {} stale entries removed in {:?}",
                    s.aged,
                    s.stale,
                    config.l2fib_last_scan()
                );
            }
            self.next_scan = now + SCAN_INTERVAL;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dataplane::l2fib::Learn;
    use dataplane::tables::new_handle;
    use dataplane::wire::EthernetAddress;

    #[test]
    fn entries_age_after_mac_age_minutes() {
        let mut c = Config::new(new_handle());
        let lo = c.create_loopback(None, None).unwrap();
        c.set_l2_bridge(lo, 10, false, 0).unwrap();
        c.set_bridge_mac_age(10, 1).unwrap();
        let t0 = Instant::now();
        let mut ager = Ager::new(t0);
        ager.tick(&mut c, t0);
        let mac = EthernetAddress([2, 0, 0, 0, 0, 1]);
        let bd = c.bridge_domain(10).unwrap().bd_index;
        let isn = match c.interface(lo).unwrap().l2 {
            dataplane::tables::L2Mode::Bridge { isn, .. } => isn,
            _ => unreachable!(),
        };
        assert_eq!(c.l2fib().learn(bd, &mac, lo, isn, 100), Learn::Learned);
        // Scans at 59 s (minute 0): kept; at 70 s (minute 1): aged.
        ager.tick(&mut c, t0 + Duration::from_secs(59));
        assert!(c.l2fib().lookup(bd, &mac).is_some());
        ager.tick(&mut c, t0 + Duration::from_secs(65));
        assert!(c.l2fib().lookup(bd, &mac).is_some(), "no scan before 69 s");
        ager.tick(&mut c, t0 + Duration::from_secs(70));
        assert!(c.l2fib().lookup(bd, &mac).is_none());
        assert!(c.l2fib_last_scan() > Duration::ZERO);
    }
}
