//! Operations: `mandi monitor --listen` serves `/metrics` and `/healthz`, and SIGTERM stops
//! `mandi monitor` and `mandi serve` like Ctrl-C (finish, flush, exit 0).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mandi_paapi::sandbox::Catalog;

/// Kills the child when the test ends early (a failed assertion), so nothing is left running.
struct Running(Option<Child>);

impl Running {
    fn pid(&self) -> u32 {
        self.0.as_ref().expect("running").id()
    }

    fn take(&mut self) -> Child {
        self.0.take().expect("running")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Forwards each line of a pipe to a channel (and keeps them all for the failure message).
fn lines_of(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits up to `within` for a line containing `needle`; returns it.
fn wait_for_line(rx: &mpsc::Receiver<String>, needle: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(needle) => return line,
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    panic!(
        "no line with {needle:?} within {within:?}; saw:\n{}",
        seen.join("\n")
    );
}

/// A plain HTTP/1.1 GET on loopback: (status, body).
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("reply");
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The value of the first sample line that starts with `series` (name plus labels).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid}");
}

fn exits_zero_soon(mut child: Child, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
            assert_eq!(status.code(), Some(0), "exit status; stderr:\n{stderr}");
            return stderr;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("did not exit within {within:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

mtest!(
    monitor_serves_metrics_and_healthz_and_stops_on_sigterm,
    |dir, cmd| {
        let phone = Catalog::for_seed(42).sample().phone.to_string();
        dir.mandi()
            .args(["watch", "add", &phone, "--below", "1"])
            .stdout();
        let mut running = Running(Some(
            cmd.args(["monitor", "--listen", "127.0.0.1:0"]).spawn(),
        ));
        let stderr = lines_of(
            running
                .0
                .as_mut()
                .and_then(|c| c.stderr.take())
                .expect("stderr"),
        );
        let line = wait_for_line(&stderr, "serving /metrics", Duration::from_secs(60));
        let addr = line
            .rsplit("http://")
            .next()
            .expect("address")
            .trim()
            .to_owned();

        let (status, body) = get(&addr, "/healthz");
        assert_eq!((status, body.trim()), (200, "ok"));

        // After the first monitoring pass (one slice: a call, its answer stored, a dispatch)
        // every metric is there.
        let deadline = Instant::now() + Duration::from_secs(60);
        let metrics = loop {
            let (status, body) = get(&addr, "/metrics");
            assert_eq!(status, 200);
            let complete = mandi_core::telemetry::ALL.iter().all(|m| body.contains(m))
                && sample(&body, "mandi_quota_used_today").is_some_and(|v| v >= 1.0);
            if complete {
                break body;
            }
            assert!(
                Instant::now() < deadline,
                "metrics incomplete after 60 s:\n{body}"
            );
            std::thread::sleep(Duration::from_millis(500));
        };
        let calls_ok = metrics
            .lines()
            .find(|l| l.starts_with("mandi_source_calls_total{") && l.contains("outcome=\"ok\""))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok());
        assert!(
            calls_ok.is_some_and(|v| v >= 1.0),
            "no successful call counted:\n{metrics}"
        );
        let used = sample(&metrics, "mandi_quota_used_today").expect("quota used");
        let left =
            sample(&metrics, "mandi_quota_left_today{class=\"interactive\"}").expect("quota left");
        assert_eq!(
            used + left,
            8_640.0,
            "used + left = the daily limit:\n{metrics}"
        );
        assert!(
            metrics
                .lines()
                .any(|l| l.starts_with("mandi_breaker_state{") && l.ends_with(" 0")),
            "breaker closed:\n{metrics}"
        );
        assert!(
            metrics.contains("mandi_freshness_lag_seconds{quantile=\"0.99\"}"),
            "freshness lag percentiles:\n{metrics}"
        );
        assert!(
            metrics.contains("mandi_store_seconds{op=\"apply_updates\",quantile=\"0.5\"}"),
            "store latency:\n{metrics}"
        );
        let created = sample(&metrics, "mandi_alerts_created_total").expect("created");
        let delivered = sample(&metrics, "mandi_alerts_delivered_total").expect("delivered");
        let depth = sample(&metrics, "mandi_outbox_depth").expect("depth");
        assert!(delivered <= created, "{metrics}");
        assert!(depth >= 0.0, "{metrics}");

        // SIGTERM: like Ctrl-C, the loop stops, delivers what is due, and exits 0.
        sigterm(running.pid());
        let child = running.take();
        let rest: Vec<String> = {
            let status = exits_zero_soon(child, Duration::from_secs(30));
            let mut lines: Vec<String> = stderr.try_iter().collect();
            lines.push(status);
            lines
        };
        assert!(
            rest.iter().any(|l| l.contains("SIGTERM: stopping")),
            "no stop message:\n{}",
            rest.join("\n")
        );
    }
);

mtest!(serve_stops_on_sigterm_with_exit_zero, |dir, cmd| {
    let mut running = Running(Some(cmd.args(["serve", "--listen", "127.0.0.1:0"]).spawn()));
    let stdout = lines_of(
        running
            .0
            .as_mut()
            .and_then(|c| c.stdout.take())
            .expect("stdout"),
    );
    let line = wait_for_line(&stdout, "serving the API on", Duration::from_secs(60));
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    sigterm(running.pid());
    exits_zero_soon(running.take(), Duration::from_secs(30));
});

/// The environment deploy/compose.yaml gives the containers (secrets as placeholders).
fn compose_env(extra: &[(&str, &str)]) -> mandi_paapi::settings::Env {
    let mut pairs = vec![
        (
            "MANDI_GENERAL__DATABASE",
            "postgres://mandi:placeholder@postgres:5432/mandi",
        ),
        ("MANDI_CREATORS__CREDENTIAL_ID", "placeholder-id"),
        ("MANDI_CREATORS__CREDENTIAL_SECRET", "placeholder-secret"),
    ];
    pairs.extend_from_slice(extra);
    mandi_paapi::settings::Env::from_pairs(pairs)
}

fn deploy_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn load_deploy(file: &str, env: &mandi_paapi::settings::Env) -> mandi_paapi::settings::Settings {
    let path = deploy_dir().join("config").join(file);
    let location = mandi_paapi::settings::locate(Some(&path), env).expect("locate");
    mandi_paapi::settings::load(&location, env)
        .unwrap_or_else(|e| panic!("deploy/config/{file} does not load: {e}"))
}

#[test]
fn deploy_configs_load_through_the_settings_loader() {
    let compose = std::fs::read_to_string(deploy_dir().join("compose.yaml")).expect("compose");
    let configs: Vec<String> = std::fs::read_dir(deploy_dir().join("config"))
        .expect("deploy/config")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(configs.len() >= 2, "{configs:?}");
    for file in &configs {
        assert!(
            compose.contains(&format!("./config/{file}:")),
            "compose.yaml does not mount deploy/config/{file}"
        );
    }
    let env = compose_env(&[]);
    for (file, listen) in [("monitor.toml", None), ("bot.toml", Some("0.0.0.0:9184"))] {
        let s = load_deploy(file, &env);
        // Every process on the account shares one quota and one cache tier in Redis.
        assert_eq!(
            s.quota.redis_url.as_deref(),
            Some("redis://redis:6379/0"),
            "{file}"
        );
        assert_eq!(
            s.cache.redis_url.as_deref(),
            Some("redis://redis:6379/0"),
            "{file}"
        );
        assert_eq!(s.quota.key_prefix, "mandi:quota:yourtag-21", "{file}");
        assert_eq!((s.monitor.tps, s.monitor.tpd), (1, 8_640), "{file}");
        assert_eq!(s.metrics.listen.as_deref(), listen, "{file}");
        assert_eq!(
            s.source(),
            mandi_paapi::settings::SourceKind::Creators,
            "{file}"
        );
        assert!(s.creators.has_credentials(), "{file}");
        assert!(
            s.general
                .database
                .as_ref()
                .is_some_and(|d| d.to_string_lossy().starts_with("postgres://")),
            "{file}: the database comes from MANDI_GENERAL__DATABASE"
        );
        // Secrets stay out of Debug output.
        let shown = format!("{s:?}");
        assert!(!shown.contains("placeholder-secret"), "{file}: {shown}");
    }
    // The monitor workers also load through the real binary.
    let monitor = deploy_dir().join("config/monitor.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mandi"))
        .env_clear()
        .env("MANDI_CREATORS__CREDENTIAL_ID", "placeholder-id")
        .env("MANDI_CREATORS__CREDENTIAL_SECRET", "placeholder-secret")
        .arg("--config")
        .arg(&monitor)
        .args(["config", "show"])
        .output()
        .expect("run mandi");
    assert!(
        out.status.success(),
        "mandi config show: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bad_redis_url_is_refused_naming_the_key() {
    let env = compose_env(&[("MANDI_QUOTA__REDIS_URL", "http://redis:6379")]);
    let path = deploy_dir().join("config/monitor.toml");
    let location = mandi_paapi::settings::locate(Some(&path), &env).expect("locate");
    let err = mandi_paapi::settings::load(&location, &env).expect_err("not a redis URL");
    let text = err.to_string();
    assert!(text.contains("quota.redis_url"), "{text}");
    let env = compose_env(&[(
        "MANDI_CACHE__REDIS_URL",
        "redis://user:hunter2@redis:6379/0x",
    )]);
    let settings = mandi_paapi::settings::load(&location, &env).expect("a URL with a password");
    assert!(!format!("{settings:?}").contains("hunter2"));
}
