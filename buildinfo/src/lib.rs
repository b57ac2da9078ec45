//! weft's build information: version, git commit, build date, compiler,
//! who built it where. VPP's `show version` facts (`src/vpp/app/version.c`,
//! `src/scripts/generate_version_h`), gathered the same way.
//!
//! The facts are gathered at build time by the build scripts of the
//! packages that hold the binaries (`cli/build.rs` for weftd and weftctl,
//! `pktgen/build.rs` for weft-pktgen), which call [`gather::emit`]; each
//! binary turns them into a [`BuildInfo`] with [`build_info!`] and hands it
//! to [`install`] first thing in `main`. The libraries (`control` for
//! `show version`, `console` and `daemon` for `--version`) read it with
//! [`get`]. So a new commit rebuilds only the two leaf packages, never the
//! libraries: they hold no build-time fact.
//!
//! | fact | from (the first that gives one) | unknown |
//! |---|---|---|
//! | version | the workspace's `version` | never |
//! | commit | `WEFT_BUILD_COMMIT`, `git rev-parse HEAD` | no git, or not a git tree (a source package) |
//! | date | `SOURCE_DATE_EPOCH`, the time the build script ran; UTC, `%Y-%m-%dT%H:%M:%S` as VPP | never |
//! | compiler | `$RUSTC -V` | rustc did not answer |
//! | built by | `WEFT_BUILD_USER`, `USER`, `LOGNAME`, `id -un` | none of those |
//! | host | `WEFT_BUILD_HOST`, the kernel's hostname | neither |
//! | location | `git rev-parse --show-toplevel`, the workspace directory | never |
//! | profile | cargo's `PROFILE` (`debug` or `release`) | never |
//!
//! The build script runs again only when the checked-out commit moves
//! (`rerun-if-changed` on git's `HEAD`, the branch's ref and `packed-refs`)
//! or one of the variables above changes, so an unchanged tree rebuilds
//! nothing. The date is therefore the time the facts were last gathered;
//! set `SOURCE_DATE_EPOCH` for a reproducible one.

#![forbid(unsafe_code)]

use std::sync::OnceLock;

/// One binary's build facts. `unknown` where a fact could not be found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildInfo {
    /// The workspace version, `0.1.0`.
    pub version: &'static str,
    /// The full git commit hash (40 hex digits), or `unknown`.
    pub commit: &'static str,
    /// Build date, UTC, `2026-12-06T00:56:45` (VPP's format).
    pub date: &'static str,
    /// `rustc -V`: `rustc 1.95.0 (59807616e 2026-04-14)`.
    pub compiler: &'static str,
    /// The user who built it (VPP's "Compiled by").
    pub user: &'static str,
    /// The host it was built on (VPP's "Compile host").
    pub host: &'static str,
    /// The source tree it was built from (VPP's "Compile location").
    pub location: &'static str,
    /// cargo's profile: `debug` or `release`.
    pub profile: &'static str,
}

/// What a fact that could not be found reads.
pub const UNKNOWN: &str = "unknown";

/// The facts when no binary installed any (unit tests, library users):
/// the version, `unknown` for the rest.
pub const UNKNOWN_BUILD: BuildInfo = BuildInfo {
    version: env!("CARGO_PKG_VERSION"),
    commit: UNKNOWN,
    date: UNKNOWN,
    compiler: UNKNOWN,
    user: UNKNOWN,
    host: UNKNOWN,
    location: UNKNOWN,
    profile: UNKNOWN,
};

/// The [`BuildInfo`] of the package being compiled, from the variables
/// its build script set with [`gather::emit`]. Use it in a binary's crate
/// (the variables exist only where that build script ran).
#[macro_export]
macro_rules! build_info {
    () => {
        $crate::BuildInfo {
            version: env!("CARGO_PKG_VERSION"),
            commit: env!("WEFT_INFO_COMMIT"),
            date: env!("WEFT_INFO_DATE"),
            compiler: env!("WEFT_INFO_COMPILER"),
            user: env!("WEFT_INFO_USER"),
            host: env!("WEFT_INFO_HOST"),
            location: env!("WEFT_INFO_LOCATION"),
            profile: env!("WEFT_INFO_PROFILE"),
        }
    };
}

static INSTALLED: OnceLock<BuildInfo> = OnceLock::new();

/// Makes `info` the process's build information (the first call wins).
pub fn install(info: BuildInfo) {
    let _ = INSTALLED.set(info);
}

/// The process's build information: what [`install`] was given, else
/// [`UNKNOWN_BUILD`].
pub fn get() -> &'static BuildInfo {
    INSTALLED.get().unwrap_or(&UNKNOWN_BUILD)
}

impl BuildInfo {
    /// The commit's first 12 hex digits, or `unknown`.
    #[must_use]
    pub fn short_commit(&self) -> &'static str {
        if self.commit.len() >= 12 && self.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            &self.commit[..12]
        } else {
            self.commit
        }
    }

    /// VPP's one line, with the commit after it:
    /// `weft v0.1.0 built by root on vm at 2026-12-06T00:56:45 (git 1a2b3c4d5e6f)`.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "weft v{} built by {} on {} at {} (git {})",
            self.version,
            self.user,
            self.host,
            self.date,
            self.short_commit()
        )
    }

    /// The rows of `show version verbose` before `Current PID:`, labels
    /// with their colon: VPP's rows, with `Git commit:` after `Version:`
    /// and `Build profile:` after `Compiler:`.
    #[must_use]
    pub fn rows(&self) -> [(&'static str, String); 8] {
        [
            ("Version:", format!("v{}", self.version)),
            ("Git commit:", self.commit.to_string()),
            ("Compiled by:", self.user.to_string()),
            ("Compile host:", self.host.to_string()),
            ("Compile date:", self.date.to_string()),
            ("Compile location:", self.location.to_string()),
            ("Compiler:", self.compiler.to_string()),
            ("Build profile:", self.profile.to_string()),
        ]
    }

    /// `--version`'s short form (clap prints it after the program name):
    /// `0.1.0 (git 1a2b3c4d5e6f, 2026-12-06T00:56:45)`.
    #[must_use]
    pub fn clap_version(&self) -> String {
        format!(
            "{} (git {}, {})",
            self.version,
            self.short_commit(),
            self.date
        )
    }

    /// `--version`'s long form: the version, then the rows of
    /// `show version verbose` (without the PID), one per line.
    #[must_use]
    pub fn clap_long_version(&self) -> String {
        let mut s = self.version.to_string();
        for (k, v) in self.rows() {
            s.push('\n');
            s.push_str(&format_row(k, &v));
        }
        s
    }

    /// `cmd` with this build's `--version` (short and long forms): what
    /// every binary's argument parser starts from.
    #[must_use]
    pub fn clap_command(&self, cmd: clap::Command) -> clap::Command {
        cmd.version(self.clap_version().leak() as &str)
            .long_version(self.clap_long_version().leak() as &str)
    }
}

/// `--version`'s text without its `Compile date:` row, for tests that
/// compare a binary's output with [`build_info!`] in the test itself: the
/// two can come from two runs of the build script (cargo runs it once per
/// profile), each stamping its own time.
#[must_use]
pub fn without_date(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("Compile date:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// One `show version verbose` row: VPP's `"%-25s %s"`.
#[must_use]
pub fn format_row(label: &str, value: &str) -> String {
    format!("{label:<25} {value}")
}

/// The build-script side: run from a build script (`build.rs`) of a
/// package whose binaries use [`build_info!`].
pub mod gather {
    use std::env;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{SystemTime, UNIX_EPOCH};

    /// Variables that change the facts; the build script reruns when one does.
    pub const INPUTS: &[&str] = &[
        "SOURCE_DATE_EPOCH",
        "WEFT_BUILD_COMMIT",
        "WEFT_BUILD_USER",
        "WEFT_BUILD_HOST",
    ];

    /// Gathers the facts and prints the `cargo:` lines: `rustc-env` for
    /// each `WEFT_INFO_*` variable [`build_info!`](crate::build_info) reads, and the
    /// `rerun-if-*` lines that keep an unchanged tree from rebuilding.
    /// Never fails: a fact that cannot be found is `unknown`.
    pub fn emit() {
        let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
        println!("cargo:rerun-if-changed=build.rs");
        for v in INPUTS {
            println!("cargo:rerun-if-env-changed={v}");
        }
        let git = Git::find(&manifest);
        if let Some(g) = &git {
            for path in g.watch() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let commit = nonempty(env::var("WEFT_BUILD_COMMIT").ok())
            .or_else(|| git.as_ref().and_then(|g| g.commit.clone()))
            .unwrap_or_else(|| super::UNKNOWN.into());
        let location = git
            .as_ref()
            .map(|g| g.top.display().to_string())
            .unwrap_or_else(|| manifest.parent().unwrap_or(&manifest).display().to_string());
        let facts = [
            ("COMMIT", commit),
            ("DATE", date()),
            ("COMPILER", compiler()),
            ("USER", user()),
            ("HOST", host()),
            ("LOCATION", location),
            (
                "PROFILE",
                env::var("PROFILE").unwrap_or_else(|_| super::UNKNOWN.into()),
            ),
        ];
        for (name, value) in facts {
            println!("cargo:rustc-env=WEFT_INFO_{name}={}", one_line(&value));
        }
    }

    /// The source tree's git repository, if it is one and git runs.
    struct Git {
        commit: Option<String>,
        top: PathBuf,
        git_dir: PathBuf,
        common_dir: PathBuf,
        head_ref: Option<String>,
    }

    impl Git {
        fn find(dir: &Path) -> Option<Git> {
            let out = run(Command::new("git").current_dir(dir).args([
                "rev-parse",
                "--show-toplevel",
                "--absolute-git-dir",
                "--git-common-dir",
            ]))?;
            let mut lines = out.lines();
            let top = PathBuf::from(lines.next()?);
            let git_dir = PathBuf::from(lines.next()?);
            let common = PathBuf::from(lines.next()?);
            // --git-common-dir may be relative to the current directory.
            let common_dir = if common.is_absolute() {
                common
            } else {
                dir.join(common)
            };
            let commit = run(Command::new("git")
                .current_dir(dir)
                .args(["rev-parse", "HEAD"]))
            .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()));
            let head_ref =
                run(Command::new("git")
                    .current_dir(dir)
                    .args(["symbolic-ref", "-q", "HEAD"]));
            Some(Git {
                commit,
                top,
                git_dir,
                common_dir,
                head_ref,
            })
        }

        /// The files whose change means another commit is checked out:
        /// `HEAD`, the branch's loose ref, `packed-refs`; only those that
        /// exist (cargo reruns every time for a missing one). When the
        /// branch's ref is packed, the directory its loose file would
        /// appear in, so that the first commit after packing is seen.
        fn watch(&self) -> Vec<PathBuf> {
            let mut paths = vec![self.git_dir.join("HEAD")];
            if let Some(r) = &self.head_ref {
                let loose = self.common_dir.join(r);
                if loose.is_file() {
                    paths.push(loose);
                } else if let Some(dir) = loose.ancestors().skip(1).find(|d| d.is_dir()) {
                    paths.push(dir.to_path_buf());
                }
            }
            paths.push(self.common_dir.join("packed-refs"));
            paths.retain(|p| p.exists());
            paths
        }
    }

    /// The command's trimmed stdout, if it ran and succeeded.
    fn run(cmd: &mut Command) -> Option<String> {
        let out = cmd.output().ok()?;
        if !out.status.success() {
            return None;
        }
        nonempty(
            String::from_utf8(out.stdout)
                .ok()
                .map(|s| s.trim().to_string()),
        )
    }

    fn nonempty(s: Option<String>) -> Option<String> {
        s.filter(|s| !s.trim().is_empty())
    }

    fn one_line(s: &str) -> String {
        s.lines().next().unwrap_or("").trim().to_string()
    }

    fn date() -> String {
        let secs = env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
            });
        utc_timestamp(secs)
    }

    fn compiler() -> String {
        let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        run(Command::new(rustc).arg("-V")).unwrap_or_else(|| super::UNKNOWN.into())
    }

    fn user() -> String {
        ["WEFT_BUILD_USER", "USER", "LOGNAME"]
            .iter()
            .find_map(|v| nonempty(env::var(v).ok()))
            .or_else(|| run(Command::new("id").arg("-un")))
            .unwrap_or_else(|| super::UNKNOWN.into())
    }

    fn host() -> String {
        nonempty(env::var("WEFT_BUILD_HOST").ok())
            .or_else(|| nonempty(std::fs::read_to_string("/proc/sys/kernel/hostname").ok()))
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|| super::UNKNOWN.into())
    }

    /// `secs` since the epoch as `%Y-%m-%dT%H:%M:%S` in UTC (the civil
    /// calendar from days, H. Hinnant's algorithm).
    #[must_use]
    pub fn utc_timestamp(secs: i64) -> String {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::gather::utc_timestamp;
    use super::*;

    const INFO: BuildInfo = BuildInfo {
        version: "0.1.0",
        commit: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d",
        date: "2026-12-06T00:56:45",
        compiler: "rustc 1.95.0 (59807616e 2026-04-14)",
        user: "root",
        host: "vm",
        location: "/src/weft",
        profile: "release",
    };

    #[test]
    fn timestamps_in_vpps_format() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(utc_timestamp(1_796_518_605), "2026-12-06T00:56:45");
        assert_eq!(utc_timestamp(4_107_542_399), "2100-02-28T23:59:59");
        assert_eq!(utc_timestamp(-1), "1969-12-31T23:59:59");
    }

    #[test]
    fn the_line_rows_and_clap_versions() {
        assert_eq!(
            INFO.line(),
            "weft v0.1.0 built by root on vm at 2026-12-06T00:56:45 (git 1a2b3c4d5e6f)"
        );
        assert_eq!(
            INFO.clap_version(),
            "0.1.0 (git 1a2b3c4d5e6f, 2026-12-06T00:56:45)"
        );
        assert_eq!(
            INFO.clap_long_version(),
            "0.1.0\n\
             Version:                  v0.1.0\n\
             Git commit:               1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d\n\
             Compiled by:              root\n\
             Compile host:             vm\n\
             Compile date:             2026-12-06T00:56:45\n\
             Compile location:         /src/weft\n\
             Compiler:                 rustc 1.95.0 (59807616e 2026-04-14)\n\
             Build profile:            release"
        );
        let unknown = UNKNOWN_BUILD;
        assert_eq!(unknown.short_commit(), "unknown");
        assert_eq!(
            unknown.line(),
            format!(
                "weft v{} built by unknown on unknown at unknown (git unknown)",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn get_before_install_is_unknown() {
        // The only test touching the global: install once, then get.
        assert_eq!(get(), &UNKNOWN_BUILD);
        install(INFO);
        install(UNKNOWN_BUILD);
        assert_eq!(get(), &INFO);
    }
}
