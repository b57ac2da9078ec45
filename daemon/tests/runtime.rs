//! The runtime's device logic through the pg driver (the fake of these
//! tests), without root: placement of queues on workers, create and delete
//! as a whole or not at all, rx modes, configuration reaching the drivers,
//! frames sent by the control plane, errors with their texts.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use control::Config;
use control::device::{AfXdpArgs, DeviceArgs, DeviceError};
use control::runtime::{Runtime as _, RxMode};
use daemon::device::pg::PgDrivers;
use daemon::runtime::Runtime;
use daemon::worker::PolledHandle;
use dataplane::tables::new_handle;

struct Rig {
    config: Config,
    runtime: Runtime,
    workers: PolledHandle,
    drivers: Arc<PgDrivers>,
}

fn rig(workers: usize) -> Rig {
    let handle = new_handle();
    let config = Config::new(handle.clone());
    let drivers = Arc::new(PgDrivers::default());
    let (runtime, workers) = Runtime::polled(&handle, workers, Box::new(drivers.clone()));
    Rig {
        config,
        runtime,
        workers,
        drivers,
    }
}

fn af_xdp(host_if: &str, queues: u32) -> DeviceArgs {
    DeviceArgs::AfXdp(AfXdpArgs {
        host_if: host_if.into(),
        num_rx_queues: Some(queues),
        ..AfXdpArgs::default()
    })
}

impl Rig {
    fn create(&mut self, args: &DeviceArgs) -> Result<u32, DeviceError> {
        self.runtime.create_device(&mut self.config, args)
    }

    /// (sw_if_index, queue, worker, mode) of every queue.
    fn placement(&self) -> Vec<(u32, u32, usize, RxMode)> {
        self.runtime
            .rx_placement()
            .iter()
            .map(|q| (q.sw_if_index, q.queue, q.worker, q.mode))
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.config.interfaces().map(|i| i.name.clone()).collect()
    }
}

#[test]
fn queue_q_goes_to_worker_q_mod_workers() {
    let mut r = rig(2);
    let a = r.create(&af_xdp("veth0", 2)).unwrap();
    let b = r.create(&af_xdp("veth1", 1)).unwrap();
    assert_eq!(r.names(), ["local0", "veth0/0", "veth1/0"]);
    assert_eq!(
        r.placement(),
        [
            (a, 0, 0, RxMode::Adaptive),
            (a, 1, 1, RxMode::Adaptive),
            (b, 0, 0, RxMode::Adaptive),
        ]
    );
    let veth0 = r.drivers.device("veth0").unwrap();
    assert_eq!(veth0.opens.load(Ordering::Relaxed), 1);
    assert!(veth0.queue(1).is_some() && veth0.queue(2).is_none());
    // The interface takes the device's MAC and MTU.
    let ifc = r.config.interface(a).unwrap();
    assert_eq!(ifc.mac.0[..3], [0x02, 0xfe, 0xaf]);
    assert_eq!(ifc.mtu, 1500);
    // A frame on queue 1 is received by worker 1 and counted on the
    // interface.
    veth0.queue(1).unwrap().inject(&[0u8; 60]);
    r.workers.run();
    let infos = r.runtime.workers();
    assert_eq!(infos[1].stats.interfaces.snapshot(a)[0], 1);
    assert_eq!(infos[0].stats.interfaces.snapshot(a)[0], 0);
}

#[test]
fn a_refused_create_changes_nothing() {
    let mut r = rig(1);
    let sw = r.create(&af_xdp("veth0", 1)).unwrap();
    let before = (r.names(), r.placement());

    // Name taken (the same Linux interface twice).
    let e = r.create(&af_xdp("veth0", 1)).unwrap_err();
    assert_eq!(e.to_string(), "interface `veth0/0' already exists");
    // Another name on the same Linux interface.
    let e = r
        .create(&DeviceArgs::AfXdp(AfXdpArgs {
            host_if: "veth0".into(),
            name: Some("other".into()),
            ..AfXdpArgs::default()
        }))
        .unwrap_err();
    assert_eq!(e.to_string(), "host interface veth0 is already in use");
    // More queues than workers.
    let e = r.create(&af_xdp("veth1", 2)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "too many rxq requested (2 > 1 workers): weft polls one queue of an interface per worker"
    );
    // No host interface.
    let e = r.create(&af_xdp("", 1)).unwrap_err();
    assert_eq!(e.to_string(), "missing host interface");
    // The name is checked before the device is opened: veth0's device was
    // opened once, by the first create.
    assert_eq!(
        r.drivers
            .device("veth0")
            .unwrap()
            .opens
            .load(Ordering::Relaxed),
        1
    );
    assert_eq!((r.names(), r.placement()), before);
    assert!(r.config.interface(sw).is_some());
}

#[test]
fn a_device_that_fails_to_open_leaves_nothing_behind() {
    let mut r = rig(1);
    r.create(&af_xdp("veth0", 1)).unwrap();
    let before = (r.names(), r.placement());
    r.drivers.fail_next_open("veth9");
    let e = r.create(&af_xdp("veth9", 1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "host interface veth9: No such device (os error 19)"
    );
    assert_eq!((r.names(), r.placement()), before);
    let veth9 = r.drivers.device("veth9").unwrap();
    assert_eq!(veth9.opens.load(Ordering::Relaxed), 0);
    // The next try opens.
    r.create(&af_xdp("veth9", 1)).unwrap();
    assert_eq!(r.names(), ["local0", "veth0/0", "veth9/0"]);
}

#[test]
fn delete_takes_the_queues_back_and_closes_the_device() {
    let mut r = rig(2);
    let a = r.create(&af_xdp("veth0", 2)).unwrap();
    let dev = r.drivers.device("veth0").unwrap();
    let pool = r.runtime.pool().clone();
    // Frames in flight when the device goes: received, not yet sent.
    dev.queue(0).unwrap().inject(&[0u8; 60]);
    r.runtime.delete_device(&mut r.config, a).unwrap();
    assert_eq!(dev.closes.load(Ordering::Relaxed), 1);
    assert!(dev.queue(0).is_none());
    assert!(r.runtime.rx_placement().is_empty());
    assert_eq!(r.names(), ["local0"]);
    r.workers.run();
    assert_eq!(pool.in_use(), 0);
    // Deleting again, or something that is not a device, is refused.
    let e = r.runtime.delete_device(&mut r.config, a).unwrap_err();
    assert_eq!(e.to_string(), "not a device interface");
    let e = r.runtime.delete_device(&mut r.config, 0).unwrap_err();
    assert_eq!(e.to_string(), "not a device interface");
    // The name is free again.
    assert_eq!(r.create(&af_xdp("veth0", 1)).unwrap(), a);
}

#[test]
fn rx_modes_per_queue_and_their_errors() {
    let mut r = rig(2);
    let a = r.create(&af_xdp("veth0", 2)).unwrap();
    r.runtime.set_rx_mode(a, Some(1), RxMode::Polling).unwrap();
    assert_eq!(
        r.placement(),
        [(a, 0, 0, RxMode::Adaptive), (a, 1, 1, RxMode::Polling)]
    );
    r.runtime.set_rx_mode(a, None, RxMode::Interrupt).unwrap();
    assert_eq!(
        r.placement(),
        [(a, 0, 0, RxMode::Interrupt), (a, 1, 1, RxMode::Interrupt)]
    );
    let e = r
        .runtime
        .set_rx_mode(a, Some(7), RxMode::Polling)
        .unwrap_err();
    assert_eq!(e.to_string(), "unknown queue 7 on interface veth0");
    let e = r.runtime.set_rx_mode(0, None, RxMode::Polling).unwrap_err();
    assert_eq!(e.to_string(), "interface has no rx queues");
    assert_eq!(
        r.placement(),
        [(a, 0, 0, RxMode::Interrupt), (a, 1, 1, RxMode::Interrupt)]
    );
}

#[test]
fn configuration_reaches_every_driver() {
    let mut r = rig(1);
    let a = r.create(&af_xdp("veth0", 1)).unwrap();
    let dev = r.drivers.device("veth0").unwrap();
    r.config
        .add_del_ip4_address(a, "10.99.0.3".parse().unwrap(), 24, false)
        .unwrap();
    r.runtime.config_changed(&r.config);
    assert_eq!(dev.configures.load(Ordering::Relaxed), 1);
    let seen = dev.last_config.lock().unwrap().clone().unwrap();
    assert_eq!(seen.ip4.len(), 1);
    assert_eq!(seen.name, "veth0/0");
    assert_eq!(r.runtime.config_changes(), 1);
}

#[test]
fn frames_from_the_control_plane_leave_by_queue_0s_worker() {
    let mut r = rig(2);
    let a = r.create(&af_xdp("veth0", 2)).unwrap();
    let dev = r.drivers.device("veth0").unwrap();
    r.config.set_interface_state(a, true).unwrap();
    let frame: Vec<u8> = (0..60).collect();
    assert!(r.runtime.send_frame(a, frame.clone()));
    r.workers.run();
    assert_eq!(dev.queue(0).unwrap().take_tx(), [frame]);
    assert!(dev.queue(1).unwrap().take_tx().is_empty());
    // No device, no send.
    assert!(!r.runtime.send_frame(0, vec![0; 60]));
}

#[test]
fn hardware_lines_come_from_the_driver() {
    let mut r = rig(1);
    let a = r.create(&af_xdp("veth0", 1)).unwrap();
    assert_eq!(
        r.runtime.hardware_lines(a),
        ["netdev veth0 (pg stand-in)", "flags: initialized"]
    );
    assert!(r.runtime.hardware_lines(0).is_empty());
}
