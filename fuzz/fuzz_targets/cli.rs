//! One arbitrary line (UTF-8, lossy) through the CLI over the daemon's
//! runtime with one polled worker, pg drivers and one pg interface (eth0): `execute` may return an error,
//! never panic.
//!
//! The Cli is built once per process and keeps its state between inputs, so
//! the fuzzer also explores sequences of commands. A fresh Cli per input is
//! not possible: every such runtime creates a buffer pool, and a process may
//! create at most 4095 of them (`PoolError::TooManyPools`, the pool id is 12
//! bits of a buffer handle). If a crash does not reproduce on its own
//! (`cargo fuzz run cli <artifact>`), it depends on earlier inputs: rerun
//! with the corpus to find them.
#![no_main]

use control::Config;
use control::cli::{Cli, Executor};
use daemon::device::pg::PgDrivers;
use daemon::runtime::Runtime;
use daemon::worker::PolledHandle;
use dataplane::tables::new_handle;
use libfuzzer_sys::fuzz_target;

struct Rig {
    cli: Cli,
    workers: PolledHandle,
}

fn rig() -> Rig {
    let handle = new_handle();
    let mut config = Config::new(handle.clone());
    let (mut runtime, workers) = Runtime::polled(&handle, 1, Box::new(PgDrivers::default()));
    let _ = runtime.add_pg(&mut config, "eth0", 0).expect("add eth0");
    Rig {
        cli: Cli::new(config, Box::new(runtime)),
        workers,
    }
}

thread_local! {
    static RIG: Rig = rig();
}

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    RIG.with(|r| {
        let _ = r.cli.execute(&line);
        // Let the worker pick up whatever the command changed.
        r.workers.poll();
    });
});
