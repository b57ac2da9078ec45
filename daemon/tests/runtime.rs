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
use dataplane::io::netlink::{LinkEvent, LinkInfo};
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
    // A BVI's frames go into its bridge, through worker 0.
    let lo = r.config.create_loopback(None, None).unwrap();
    r.config.set_l2_bridge(lo, 10, true, 0).unwrap();
    assert!(!r.runtime.send(&r.config, 0, vec![0; 60]));
    assert!(r.runtime.send(&r.config, lo, vec![0; 60]));
}

#[test]
fn hardware_lines_come_from_the_driver() {
    let mut r = rig(1);
    let a = r.create(&af_xdp("veth0", 1)).unwrap();
    assert_eq!(
        r.runtime.hardware(a).unwrap().lines(),
        ["netdev veth0 (pg stand-in)", "flags: initialized"]
    );
    assert!(r.runtime.hardware(0).is_none());
}

fn link(ifindex: u32, name: &str, up: bool, mtu: u32) -> LinkEvent {
    LinkEvent::Changed(LinkInfo {
        ifindex,
        name: name.into(),
        admin_up: true,
        oper_up: up,
        mtu,
        mac: Some([2, 0, 0, 0, 0, 1]),
    })
}

/// What the kernel says of a Linux interface reaches the device: link
/// state, MTU, deletion (detached, configuration kept) and return
/// (attached again by itself, configuration re-applied), and a new
/// interface of the same name while attached (re-attached to it).
#[test]
fn devices_follow_their_linux_interface() {
    let mut r = rig(1);
    let a = r.create(&af_xdp("veth0", 1)).unwrap();
    let dev = r.drivers.device("veth0").unwrap();
    let ifindex = dev.ifindex.lock().unwrap().unwrap();
    r.config
        .add_del_ip4_address(a, "10.99.0.3".parse().unwrap(), 24, false)
        .unwrap();
    r.config.set_interface_state(a, true).unwrap();
    let up = |r: &Rig| r.config.tables().load().interface(a).unwrap().up;
    assert!(up(&r));

    // Running goes away: link down in the model and the dataplane.
    r.runtime
        .link_event(&mut r.config, &link(ifindex, "veth0", false, 1500));
    assert!(!r.config.interface(a).unwrap().link_up);
    assert!(!up(&r));
    r.runtime
        .link_event(&mut r.config, &link(ifindex, "veth0", true, 1500));
    assert!(up(&r));

    // The MTU follows the kernel's.
    r.runtime
        .link_event(&mut r.config, &link(ifindex, "veth0", true, 9000));
    r.runtime
        .link_event(&mut r.config, &link(ifindex, "veth0", true, 3000));
    assert_eq!(r.config.interface(a).unwrap().mtu, 3000);
    assert_eq!(r.runtime.device_mtu(a), Some(3000));
    // Beyond what a buffer holds, weft's MTU stops at that.
    r.runtime
        .link_event(&mut r.config, &link(ifindex, "veth0", true, 9000));
    assert_eq!(r.runtime.max_mtu(), 3826);
    assert_eq!(r.config.interface(a).unwrap().mtu, 3826);
    assert_eq!(r.runtime.device_mtu(a), Some(3826));
    // Events for other interfaces change nothing.
    r.runtime
        .link_event(&mut r.config, &link(ifindex + 50, "veth9", false, 1280));
    assert!(up(&r));

    // Deleted: detached, down, configuration intact.
    r.runtime.link_event(
        &mut r.config,
        &LinkEvent::Deleted {
            ifindex,
            name: "veth0".into(),
        },
    );
    assert_eq!(dev.closes.load(Ordering::Relaxed), 1);
    assert!(r.runtime.rx_placement().is_empty());
    assert_eq!(r.runtime.device_mtu(a), None);
    let ifc = r.config.interface(a).unwrap();
    assert!(!ifc.link_up && ifc.admin_up && ifc.ip4.len() == 1);
    assert!(!up(&r));
    assert!(!r.runtime.send_frame(a, vec![0; 60]));

    // Back, with a new ifindex: attached again, configured again.
    *dev.ifindex.lock().unwrap() = Some(ifindex + 1);
    let configures = dev.configures.load(Ordering::Relaxed);
    r.runtime
        .link_event(&mut r.config, &link(ifindex + 1, "veth0", true, 1500));
    assert_eq!(dev.opens.load(Ordering::Relaxed), 2);
    assert_eq!(dev.configures.load(Ordering::Relaxed), configures + 1);
    assert_eq!(r.placement(), [(a, 0, 0, RxMode::Adaptive)]);
    assert!(up(&r));
    assert_eq!(r.config.interface(a).unwrap().mtu, 1500);
    dev.handle().inject(&[0u8; 60]);
    r.workers.run();
    assert!(r.runtime.workers()[0].stats.interfaces.snapshot(a)[0] >= 1);

    // A new interface of the same name while attached (the delete was
    // missed): let go of the old one, attach to the new.
    *dev.ifindex.lock().unwrap() = Some(ifindex + 2);
    r.runtime
        .link_event(&mut r.config, &link(ifindex + 2, "veth0", true, 1500));
    assert_eq!(dev.opens.load(Ordering::Relaxed), 3);
    assert_eq!(dev.closes.load(Ordering::Relaxed), 2);
    assert_eq!(r.placement(), [(a, 0, 0, RxMode::Adaptive)]);

    // A device whose interface comes back but cannot be opened stays
    // detached, and tries again at the next event.
    r.runtime.link_event(
        &mut r.config,
        &LinkEvent::Deleted {
            ifindex: ifindex + 2,
            name: "veth0".into(),
        },
    );
    dev.fail_open.store(true, Ordering::Relaxed);
    r.runtime
        .link_event(&mut r.config, &link(ifindex + 2, "veth0", true, 1500));
    assert!(r.runtime.rx_placement().is_empty());
    r.runtime
        .link_event(&mut r.config, &link(ifindex + 2, "veth0", true, 1500));
    assert_eq!(r.placement(), [(a, 0, 0, RxMode::Adaptive)]);
}

#[test]
fn mtu_of_a_device_changes_through_the_driver() {
    let mut r = rig(1);
    let a = r.create(&af_xdp("veth0", 1)).unwrap();
    let dev = r.drivers.device("veth0").unwrap();
    r.runtime.set_device_mtu(&mut r.config, a, 2000).unwrap();
    assert_eq!(*dev.mtu.lock().unwrap(), 2000);
    assert_eq!(r.config.interface(a).unwrap().mtu, 2000);
    assert_eq!(r.runtime.device_mtu(a), Some(2000));
    let e = r
        .runtime
        .set_device_mtu(&mut r.config, a, 4000)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "mtu 4000 is more than weft's buffers hold: at most 3826 (buffers { default data-size } sets the buffer size)"
    );
    assert_eq!(*dev.mtu.lock().unwrap(), 2000);
    let e = r
        .runtime
        .set_device_mtu(&mut r.config, 0, 3000)
        .unwrap_err();
    assert_eq!(e.to_string(), "not a device interface");
}
