//! Arbitrary text as startup.conf: `Startup::parse` may reject it, never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use daemon::startup::Startup;

fuzz_target!(|data: &[u8]| {
    let _ = Startup::parse(&String::from_utf8_lossy(data));
});
