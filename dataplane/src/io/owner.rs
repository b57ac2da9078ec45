//! One weftd per interface: [`DeviceLock`], an exclusive `flock(2)` on a
//! file named after the interface's network namespace and ifindex.
//!
//! ```no_run
//! # fn main() -> Result<(), dataplane::io::owner::OwnerError> {
//! use dataplane::io::owner::DeviceLock;
//! // Before attaching anything to eth0 (ifindex 2):
//! let lock = DeviceLock::acquire(2, "eth0")?;
//! // ... attach the XDP program, open the AF_XDP sockets ...
//! drop(lock); // after detaching
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! * The file is `/run/weft/devices/<dev>_<ino>-<ifindex>.lock`, where
//!   `<dev>` and `<ino>` identify the calling thread's network namespace
//!   (the device and inode of `/proc/thread-self/ns/net`). `ip netns exec`
//!   shares `/run`, so two namespaces' `eth0` with the same ifindex get
//!   two files, and one namespace's interface always the same file.
//! * `flock(LOCK_EX | LOCK_NB)`: the lock belongs to the open file, so the
//!   kernel releases it when the [`DeviceLock`] drops or the process dies,
//!   however it dies (SIGKILL included). A dead owner is never an obstacle,
//!   and no pid has to be checked for liveness. Two acquisitions in one
//!   process conflict too: each opens the file anew.
//! * After locking, the owner writes `pid=`, `comm=` and `ifname=` lines
//!   into the file; a refused caller reads them to name the owner
//!   ([`OwnerError::InUse`]).
//! * The file is removed when the lock drops. So that a process that
//!   opened the file just before its removal cannot lock a file nobody else
//!   sees, [`DeviceLock::acquire`] checks after locking that the path still
//!   names the file it locked, and starts over if not.
//! * No `unsafe`: `nix`'s `Flock`.
//!
//! # Limitations
//!
//! * A file left by a process that died stays until the next owner of that
//!   interface drops its lock (harmless: nobody holds a lock on it).
//! * The file is opened close-on-exec, but a child `fork`ed without `exec`
//!   shares the open file and so the lock: it stays held until both exit.
//! * A namespace's inode can be reused once the namespace is gone; a lock
//!   still held on an interface of a dead namespace (its owner did not drop
//!   it when the interface disappeared) would refuse the same ifindex in
//!   the new namespace.
//! * The pid, name and interface read from a refused lock's file may be
//!   missing (the owner has locked but not yet written them): the error
//!   then says "another process".

use std::fmt;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// Where the lock files live.
pub const DEFAULT_DIR: &str = "/run/weft/devices";

/// How many times [`DeviceLock::acquire_in`] starts over when the file it
/// locked was removed meanwhile.
const ACQUIRE_ATTEMPTS: usize = 16;

/// Errors of [`DeviceLock::acquire`]; each names the operation.
#[derive(Debug, thiserror::Error)]
pub enum OwnerError {
    /// Another process (or another lock of this one) holds the interface.
    #[error("host interface {ifname} is in use by {}", owner(*.pid, .comm.as_deref()))]
    InUse {
        /// The interface, as the caller named it.
        ifname: String,
        /// The owner's pid, as written in the lock file.
        pid: Option<u32>,
        /// The owner's process name, as written in the lock file.
        comm: Option<String>,
    },
    /// `/proc/thread-self/ns/net` could not be read.
    #[error("cannot identify the network namespace (/proc/thread-self/ns/net): {0}")]
    Netns(io::Error),
    /// The lock directory could not be created.
    #[error("cannot create the lock directory {path}: {source}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The lock file could not be opened, locked, written or checked.
    #[error("cannot {op} the lock file {path}: {source}")]
    File {
        /// "open", "lock", "write" or "check".
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The lock file kept being removed under us.
    #[error("cannot lock {path}: it was removed during each of {ACQUIRE_ATTEMPTS} attempts")]
    Unstable {
        /// The file.
        path: PathBuf,
    },
}

/// "weftd (pid 1234)", "pid 1234", or "another process".
fn owner(pid: Option<u32>, comm: Option<&str>) -> String {
    match (pid, comm) {
        (Some(pid), Some(comm)) => format!("{comm} (pid {pid})"),
        (Some(pid), None) => format!("pid {pid}"),
        (None, _) => "another process".to_string(),
    }
}

/// The exclusive ownership of one interface by this process; released on
/// drop (or when the process dies).
pub struct DeviceLock {
    /// Held for its lock: closing it (after `Drop::drop`) releases it.
    _file: Flock<File>,
    path: PathBuf,
    ifindex: u32,
    ifname: String,
}

impl fmt::Debug for DeviceLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceLock")
            .field("path", &self.path)
            .field("ifindex", &self.ifindex)
            .field("ifname", &self.ifname)
            .finish()
    }
}

impl DeviceLock {
    /// Takes interface `ifindex` (named `ifname`, for the file and the
    /// messages) of the calling thread's network namespace, in
    /// [`DEFAULT_DIR`] (created, mode 0755, if missing).
    ///
    /// Fails with [`OwnerError::InUse`] naming the owner if a live process
    /// holds it.
    pub fn acquire(ifindex: u32, ifname: &str) -> Result<DeviceLock, OwnerError> {
        DeviceLock::acquire_in(Path::new(DEFAULT_DIR), ifindex, ifname)
    }

    /// As [`DeviceLock::acquire`], with the lock files in `dir`.
    pub fn acquire_in(dir: &Path, ifindex: u32, ifname: &str) -> Result<DeviceLock, OwnerError> {
        let ns = std::fs::metadata("/proc/thread-self/ns/net").map_err(OwnerError::Netns)?;
        DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .map_err(|source| OwnerError::Dir {
                path: dir.to_path_buf(),
                source,
            })?;
        let path = dir.join(format!("{}_{}-{ifindex}.lock", ns.dev(), ns.ino()));
        let err = |op, source| OwnerError::File {
            op,
            path: path.clone(),
            source,
        };
        for _ in 0..ACQUIRE_ATTEMPTS {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .open(&path)
                .map_err(|e| err("open", e))?;
            let mut file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(locked) => locked,
                Err((mut file, Errno::EWOULDBLOCK)) => {
                    let (pid, comm) = read_owner(&mut file);
                    return Err(OwnerError::InUse {
                        ifname: ifname.to_string(),
                        pid,
                        comm,
                    });
                }
                Err((_, errno)) => return Err(err("lock", errno.into())),
            };
            // The previous owner may have removed the file between our open
            // and our lock: then we hold a lock nobody else can see.
            let ours = file.metadata().map_err(|e| err("check", e))?;
            match std::fs::metadata(&path) {
                Ok(now) if now.dev() == ours.dev() && now.ino() == ours.ino() => {}
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(err("check", e)),
            }
            write_owner(&mut file, ifname).map_err(|e| err("write", e))?;
            return Ok(DeviceLock {
                _file: file,
                path,
                ifindex,
                ifname: ifname.to_string(),
            });
        }
        Err(OwnerError::Unstable { path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The interface index.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The interface name given to [`DeviceLock::acquire`].
    pub fn ifname(&self) -> &str {
        &self.ifname
    }
}

impl Drop for DeviceLock {
    fn drop(&mut self) {
        // Removed while still locked (see the module docs); the lock goes
        // when `file` closes right after.
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            log::warn!("cannot remove the lock file {}: {e}", self.path.display());
        }
    }
}

/// This process's name (`/proc/self/comm`), if readable.
fn own_comm() -> Option<String> {
    let comm = std::fs::read_to_string("/proc/self/comm").ok()?;
    let comm = comm.trim_end_matches('\n');
    (!comm.is_empty()).then(|| comm.to_string())
}

/// Writes the owner lines: `pid=`, `comm=` (if known), `ifname=`.
fn write_owner(file: &mut File, ifname: &str) -> io::Result<()> {
    let mut text = format!("pid={}\n", std::process::id());
    if let Some(comm) = own_comm() {
        text.push_str(&format!("comm={comm}\n"));
    }
    text.push_str(&format!("ifname={ifname}\n"));
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(text.as_bytes())
}

/// The pid and process name written by the lock's owner, if readable.
fn read_owner(file: &mut File) -> (Option<u32>, Option<String>) {
    let mut text = String::new();
    if file.rewind().is_err() || file.read_to_string(&mut text).is_err() {
        return (None, None);
    }
    parse_owner(&text)
}

fn parse_owner(text: &str) -> (Option<u32>, Option<String>) {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .filter(|v| !v.is_empty())
    };
    let pid = field("pid").and_then(|p| p.parse().ok());
    // A name without a pid names nobody in particular.
    let comm = pid.and(field("comm")).map(str::to_string);
    (pid, comm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of the test's own under the temporary directory,
    /// removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("weft-owner-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn second_acquire_is_refused_naming_us_and_drop_releases() {
        let dir = TempDir::new("conflict");
        // The directory does not exist yet: acquire creates it.
        let lock = DeviceLock::acquire_in(&dir.0, 7, "eth0").unwrap();
        assert_eq!((lock.ifindex(), lock.ifname()), (7, "eth0"));
        let meta = std::fs::metadata(&dir.0).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o755
        );
        let ns = std::fs::metadata("/proc/thread-self/ns/net").unwrap();
        assert_eq!(
            lock.path(),
            dir.0.join(format!("{}_{}-7.lock", ns.dev(), ns.ino()))
        );
        let text = std::fs::read_to_string(lock.path()).unwrap();
        let comm = own_comm().expect("/proc/self/comm");
        assert_eq!(
            text,
            format!("pid={}\ncomm={comm}\nifname=eth0\n", std::process::id())
        );

        // flock belongs to the open file: a second open in this process
        // conflicts.
        let e = DeviceLock::acquire_in(&dir.0, 7, "eth0").unwrap_err();
        match &e {
            OwnerError::InUse {
                ifname,
                pid,
                comm: c,
            } => {
                assert_eq!(ifname, "eth0");
                assert_eq!(*pid, Some(std::process::id()));
                assert_eq!(c.as_deref(), Some(comm.as_str()));
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(
            e.to_string(),
            format!(
                "host interface eth0 is in use by {comm} (pid {})",
                std::process::id()
            )
        );

        // Another ifindex is another interface.
        let other = DeviceLock::acquire_in(&dir.0, 8, "eth1").unwrap();

        let path = lock.path().to_path_buf();
        drop(lock);
        assert!(!path.exists(), "the file goes with the lock");
        let again = DeviceLock::acquire_in(&dir.0, 7, "eth0").unwrap();
        drop(again);
        drop(other);
    }

    #[test]
    fn a_file_left_behind_is_no_obstacle() {
        // A dead owner's file: its lock died with it.
        let dir = TempDir::new("left");
        std::fs::create_dir_all(&dir.0).unwrap();
        let ns = std::fs::metadata("/proc/thread-self/ns/net").unwrap();
        let path = dir.0.join(format!("{}_{}-3.lock", ns.dev(), ns.ino()));
        std::fs::write(&path, "pid=999999\ncomm=weftd\nifname=eth0\nextra junk\n").unwrap();
        let lock = DeviceLock::acquire_in(&dir.0, 3, "eth0").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!("pid={}\n", std::process::id())),
            "{text}"
        );
        assert!(text.ends_with("ifname=eth0\n"), "{text}");
        assert!(!text.contains("junk"), "{text}");
        drop(lock);
    }

    #[test]
    fn owner_file_parsing() {
        assert_eq!(
            parse_owner("pid=1234\ncomm=weftd\nifname=eth0\n"),
            (Some(1234), Some("weftd".to_string()))
        );
        assert_eq!(parse_owner("pid=1234\nifname=eth0\n"), (Some(1234), None));
        assert_eq!(parse_owner(""), (None, None));
        assert_eq!(parse_owner("pid=\ncomm=weftd\n"), (None, None));
        assert_eq!(parse_owner("pid=x\ncomm=weftd\n"), (None, None));
        assert_eq!(parse_owner("pidx=1\n"), (None, None));
    }

    #[test]
    fn in_use_messages() {
        let e = |pid, comm: Option<&str>| OwnerError::InUse {
            ifname: "eth0".into(),
            pid,
            comm: comm.map(str::to_string),
        };
        assert_eq!(
            e(Some(1234), Some("weftd")).to_string(),
            "host interface eth0 is in use by weftd (pid 1234)"
        );
        assert_eq!(
            e(Some(1234), None).to_string(),
            "host interface eth0 is in use by pid 1234"
        );
        assert_eq!(
            e(None, None).to_string(),
            "host interface eth0 is in use by another process"
        );
    }

    #[test]
    fn unusable_directory_is_reported() {
        let dir = TempDir::new("notadir");
        std::fs::write(&dir.0, "a file").unwrap();
        let e = DeviceLock::acquire_in(&dir.0.join("devices"), 1, "lo").unwrap_err();
        assert!(matches!(e, OwnerError::Dir { .. }), "{e:?}");
        assert!(
            e.to_string().starts_with(&format!(
                "cannot create the lock directory {}/devices: ",
                dir.0.display()
            )),
            "{e}"
        );
        let _ = std::fs::remove_file(&dir.0);
    }
}
