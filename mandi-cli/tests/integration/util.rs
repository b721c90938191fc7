//! Test helpers: a temporary directory per test and a `mandi` command confined to it.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde::de::DeserializeOwned;

/// A test's own directory; removed when dropped.
#[derive(Debug)]
pub struct Dir {
    temp: tempfile::TempDir,
}

impl Dir {
    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// `MANDI_CONFIG_DIR` of this test.
    pub fn config_dir(&self) -> PathBuf {
        self.path().join("config")
    }

    /// The config file `mandi` reads in this test.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("mandi.toml")
    }

    /// Writes the config file.
    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).expect("create config dir");
        std::fs::write(self.config_file(), text).expect("write config");
    }

    /// The database path of this test.
    pub fn database(&self) -> PathBuf {
        self.path().join("mandi.db")
    }
}

/// A `mandi` invocation with a cleared environment pointing into a [`Dir`].
#[derive(Debug)]
pub struct TestCommand {
    cmd: std::process::Command,
}

impl TestCommand {
    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.cmd.env(key, value);
        self
    }

    /// Starts the command with stdout and stderr piped (for long-running commands).
    pub fn spawn(&mut self) -> std::process::Child {
        self.cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start mandi")
    }

    /// Runs the command and returns its output, whatever the exit status.
    pub fn output(&mut self) -> Output {
        self.cmd.output().expect("run mandi")
    }

    /// Runs the command, asserts exit status 0, returns stdout.
    pub fn stdout(&mut self) -> String {
        let o = self.output();
        assert_eq!(
            o.status.code(),
            Some(0),
            "mandi failed\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).expect("stdout is UTF-8")
    }

    /// Runs the command, asserts exit status `code`, returns stderr.
    pub fn fails_with(&mut self, code: i32) -> String {
        let o = self.output();
        assert_eq!(
            o.status.code(),
            Some(code),
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stderr).expect("stderr is UTF-8")
    }

    /// Runs the command with `--json`, asserts success and deserialises the document.
    pub fn json<T: DeserializeOwned>(&mut self) -> T {
        self.cmd.arg("--json");
        let text = self.stdout();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{text}"))
    }
}

/// A fresh directory and a `mandi` command confined to it.
pub fn setup(test_name: &str) -> (Dir, TestCommand) {
    let temp = tempfile::Builder::new()
        .prefix(&format!("mandi-{test_name}-"))
        .tempdir()
        .expect("temp dir");
    let dir = Dir { temp };
    let cmd = dir.mandi();
    (dir, cmd)
}

impl Dir {
    /// Another `mandi` command confined to this directory (for tests that run several).
    pub fn mandi(&self) -> TestCommand {
        let dir = self;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mandi"));
        cmd.env_clear()
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("xdg-config"))
            .env("XDG_DATA_HOME", dir.path().join("xdg-data"))
            .env("MANDI_CONFIG_DIR", dir.config_dir())
            .env("MANDI_GENERAL__DATABASE", dir.database());
        TestCommand { cmd }
    }
}

/// Asserts that an error message is exactly one line and starts with `mandi: `.
pub fn assert_one_line_error(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line on stderr, got:\n{stderr}"
    );
    assert!(lines[0].starts_with("mandi: "), "{stderr}");
}
