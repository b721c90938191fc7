//! The `mandi-bot` binary: its arguments (clap), setup errors and the shared settings.

use std::path::PathBuf;
use std::process::Command;

/// A temporary directory removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("mandi-bot-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with a clean environment: no token, settings from `dir/mandi.toml` only.
fn bot(dir: &Dir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mandi-bot"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &dir.0)
        .env("MANDI_CONFIG_DIR", &dir.0)
        .current_dir(&dir.0);
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn without_a_token_it_exits_2_and_says_what_to_set() {
    let dir = Dir::new("notoken");
    let out = bot(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("TELEGRAM_BOT_TOKEN"), "{err}");
}

#[test]
fn version_prints_the_version_and_a_bogus_flag_is_named() {
    let dir = Dir::new("args");
    let out = bot(&dir).arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    let out = bot(&dir).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--bogus"), "{err}");
    assert!(!err.contains("token"), "not the token error: {err}");
    let out = bot(&dir).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--config"));
}

#[test]
fn unknown_keys_and_stray_variables_are_refused_by_name() {
    let dir = Dir::new("unknown");
    std::fs::write(dir.0.join("mandi.toml"), "[telegram]\ntokn = \"1:x\"\n").unwrap();
    let out = bot(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("tokn") && err.contains("mandi.toml"), "{err}");

    std::fs::write(dir.0.join("mandi.toml"), "").unwrap();
    let out = bot(&dir)
        .env("TELEGRAM_BOT_TOKEN", "123:VERY-SECRET")
        .env("MANDI_FOO__BAR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("MANDI_FOO__BAR"), "{err}");
    assert!(!err.contains("VERY-SECRET"), "{err}");
}

#[test]
fn an_unreachable_bot_api_exits_2_without_showing_the_token() {
    // A loopback port nobody listens on: the test never leaves this machine.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = Dir::new("unreach");
    let file = dir.0.join("bot.toml");
    std::fs::write(
        &file,
        format!(
            "[general]\ndatabase = {:?}\n[telegram]\napi_base_url = \"http://127.0.0.1:{port}\"\n",
            dir.0.join("bot.db").display().to_string()
        ),
    )
    .unwrap();
    let out = bot(&dir)
        .env("MANDI_TELEGRAM__TOKEN", "123:VERY-SECRET")
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("getMe"), "{err}");
    assert!(!err.contains("VERY-SECRET"), "{err}");
    assert!(
        dir.0.join("bot.db").exists(),
        "the configured database is used"
    );
}

#[test]
fn a_broken_config_file_exits_2_naming_the_file() {
    let dir = Dir::new("broken");
    let file = dir.0.join("bot.toml");
    std::fs::write(&file, "admins = [").unwrap();
    let out = bot(&dir).arg("--config").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bot.toml"));
}
