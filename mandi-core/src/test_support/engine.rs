//! The engine-independent parts of starting a real server for tests.

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The first of `dirs` (globs with one `*` allowed in the last-but-one component, like
/// `/usr/lib/postgresql/*/bin`) holding an executable `name`; among several matches of a
/// glob, the one sorting last (the newest version number) wins.
pub fn find_binary(name: &str, dirs: &[&str]) -> Option<PathBuf> {
    for dir in dirs {
        let mut candidates: Vec<PathBuf> = Vec::new();
        match dir.split_once('*') {
            Some((before, after)) => {
                let parent = Path::new(before);
                let Ok(entries) = std::fs::read_dir(parent) else {
                    continue;
                };
                for e in entries.flatten() {
                    let mut p = e.path();
                    p.push(after.trim_start_matches('/'));
                    candidates.push(p.join(name));
                }
                candidates.sort_by_key(|p| version_key(p));
            }
            None => candidates.push(Path::new(dir).join(name)),
        }
        if let Some(found) = candidates.into_iter().rev().find(|p| p.is_file()) {
            return Some(found);
        }
    }
    None
}

/// Sorts `/usr/lib/postgresql/9/bin` before `/usr/lib/postgresql/15/bin`.
fn version_key(p: &Path) -> Vec<u64> {
    p.to_string_lossy()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse().ok())
        .collect()
}

/// A port on 127.0.0.1 nobody listens on right now.
///
/// # Errors
///
/// When no socket can be bound on loopback.
pub fn free_loopback_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// The user a server runs as: the current one, or `nobody` when the tests run as root
/// (PostgreSQL refuses to run as root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// The user name, `None` for the current user.
    pub user: Option<String>,
    /// Its uid and gid.
    pub ids: Option<(u32, u32)>,
}

fn id_of(flag: &str, user: &str) -> Option<u32> {
    let out = Command::new("id").args([flag, user]).output().ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

impl RunAs {
    /// The current user when it is not root; otherwise `nobody` (or the user named in
    /// `MANDI_TEST_ENGINE_USER`), run through `runuser`.
    pub fn detect() -> Self {
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<u32>().ok());
        if uid != Some(0) {
            return Self {
                user: None,
                ids: None,
            };
        }
        let user = std::env::var("MANDI_TEST_ENGINE_USER").unwrap_or_else(|_| "nobody".to_owned());
        let ids = id_of("-u", &user).zip(id_of("-g", &user));
        Self {
            user: Some(user),
            ids,
        }
    }

    /// `program` to be run as this user.
    pub fn command(&self, program: &Path) -> Command {
        match &self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        }
    }
}

/// A temporary directory owned by the user a server runs as, removed by
/// [`EngineDir::remove`] or by the watchdog when the test process ends.
#[derive(Debug)]
pub struct EngineDir {
    path: PathBuf,
    run_as: RunAs,
}

impl EngineDir {
    /// Creates the directory (mode 0700) under the system temporary directory and gives it
    /// to `run_as`'s user.
    ///
    /// # Errors
    ///
    /// When it cannot be created or handed over.
    pub fn new(prefix: &str, run_as: RunAs) -> io::Result<Self> {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
        let path = dir.keep();
        if let Some((uid, gid)) = run_as.ids {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))?;
        }
        Ok(Self { path, run_as })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who owns it.
    pub fn run_as(&self) -> &RunAs {
        &self.run_as
    }

    /// Starts a detached watchdog that waits for this process to end (however it ends),
    /// then runs `stop` (a `sh` command) and removes the directory.
    ///
    /// # Errors
    ///
    /// When `sh` cannot be started.
    pub fn watch(&self, stop: &str) -> io::Result<()> {
        let script = format!(
            "tail --pid={pid} -f /dev/null >/dev/null 2>&1; {stop}; sleep 1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.path.display(),
        );
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
    }

    /// Removes the directory now.
    pub fn remove(&self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Prints `message` once per process (a skipped engine test says so once, not per test).
pub fn notice_once(flag: &'static std::sync::Once, message: &str) {
    flag.call_once(|| eprintln!("{message}"));
}
