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

/// `GET path` on a loopback listener with plain HTTP/1.1: the status code and the body.
fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_serves_metrics_and_healthz_and_sigterm_stops_it_cleanly() {
    use mandi_bot::fake::{FAKE_TOKEN, FakeTelegram};
    use std::time::{Duration, Instant};

    let fake = FakeTelegram::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics = format!("127.0.0.1:{port}");
    let dir = Dir::new("sigterm");
    let file = dir.0.join("bot.toml");
    std::fs::write(
        &file,
        format!(
            "[general]\ndatabase = {:?}\n[telegram]\napi_base_url = {:?}\n[metrics]\nlisten = {metrics:?}\n",
            dir.0.join("bot.db").display().to_string(),
            fake.base_url(),
        ),
    )
    .unwrap();
    let mut child = bot(&dir)
        .env("MANDI_TELEGRAM__TOKEN", FAKE_TOKEN)
        .arg("--config")
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // /healthz answers once the bot is up (the sandbox, the store and the quota answer).
    let started = Instant::now();
    let health = loop {
        let addr = metrics.clone();
        if let Some(answer) = tokio::task::spawn_blocking(move || http_get(&addr, "/healthz"))
            .await
            .unwrap()
        {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the bot did not serve /healthz within 60 s"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the bot exited early with {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(health.0, 200, "{health:?}");
    let addr = metrics.clone();
    let (status, body) = tokio::task::spawn_blocking(move || http_get(&addr, "/metrics"))
        .await
        .unwrap()
        .expect("/metrics answers");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.lines().any(|l| l.starts_with("# TYPE mandi_")),
        "Prometheus text with Mandi's metrics: {body}"
    );

    // SIGTERM: the bot stops taking updates, finishes, and exits 0.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the bot did not stop within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        !err.contains(FAKE_TOKEN),
        "the token never reaches the logs: {err}"
    );
    assert!(
        dir.0.join("bot.db").exists(),
        "the configured database is used"
    );
}
