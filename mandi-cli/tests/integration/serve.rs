//! `mandi keys` (create, list, revoke; the secret shown once and never logged) and
//! `mandi serve` (the API answering a key made by `mandi keys create`, and a SIGTERM that
//! lets the server finish and deliver what is due before it exits 0).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

use mandi_paapi::sandbox::Catalog;
use serde_json::Value;

fn phone() -> String {
    Catalog::for_seed(42).sample().phone.to_string()
}

mtest!(
    keys_are_made_listed_and_revoked_and_the_secret_is_shown_once,
    |dir, cmd| {
        // Text output, with every log level on: the secret is printed once, and never logged.
        let o = cmd
            .env("RUST_LOG", "trace")
            .args([
                "keys",
                "create",
                "--name",
                "pricing-team",
                "--scope",
                "write",
            ])
            .output();
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        let stdout = String::from_utf8(o.stdout).expect("utf-8");
        let stderr = String::from_utf8(o.stderr).expect("utf-8");
        let secret = stdout
            .lines()
            .find(|l| l.starts_with("mk_"))
            .unwrap_or_else(|| panic!("a secret line in:\n{stdout}"))
            .to_owned();
        assert_eq!(secret.len(), 3 + 64, "{secret}");
        assert_eq!(stdout.matches(&secret).count(), 1, "shown once:\n{stdout}");
        assert!(stdout.contains("not shown again"), "{stdout}");
        assert!(
            !stderr.contains(&secret[3..]),
            "the secret is in the log:\n{stderr}"
        );

        let made: Value = dir
            .mandi()
            .args([
                "keys", "create", "--name", "ops", "--scope", "admin", "--rate", "50", "--burst",
                "200",
            ])
            .json();
        assert_eq!(made["type"], "api_key");
        let ops_secret = made["data"]["secret"].as_str().expect("secret").to_owned();
        assert_eq!(made["data"]["rate_limit"]["per_second"], 50);
        let ops_id = made["data"]["id"].as_i64().expect("id");

        // Listing shows names and prefixes, never a secret.
        let list = dir
            .mandi()
            .env("RUST_LOG", "trace")
            .args(["keys", "list"])
            .output();
        assert_eq!(list.status.code(), Some(0));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&list.stdout),
            String::from_utf8_lossy(&list.stderr)
        );
        assert!(all.contains("pricing-team") && all.contains("ops"), "{all}");
        assert!(all.contains(&secret[..9]), "the prefix is listed: {all}");
        for s in [&secret, &ops_secret] {
            assert!(!all.contains(&s[3..]), "a secret is listed:\n{all}");
        }
        let listed: Value = dir.mandi().args(["keys", "list"]).json();
        let rows = listed["data"].as_array().expect("rows");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.get("secret").is_none()), "{listed}");
        assert!(!listed.to_string().contains(&ops_secret[3..]));

        // Revoking marks the key; an unknown id is an error.
        let text = dir
            .mandi()
            .args(["keys", "revoke", &ops_id.to_string()])
            .stdout();
        assert!(text.contains("revoked"), "{text}");
        let listed: Value = dir.mandi().args(["keys", "list"]).json();
        let ops = listed["data"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == ops_id)
            .cloned()
            .expect("ops is still listed");
        assert!(!ops["revoked_at"].is_null(), "{ops}");
        let o = dir.mandi().args(["keys", "revoke", "999"]).output();
        assert_ne!(o.status.code(), Some(0), "revoking an unknown key fails");
        // A bad scope is refused by the parser.
        let o = dir
            .mandi()
            .args(["keys", "create", "--name", "x", "--scope", "root"])
            .output();
        assert_ne!(o.status.code(), Some(0));
    }
);

/// One HTTP/1.1 request on loopback; returns the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(k) = key {
        req.push_str(&format!("Authorization: Bearer {k}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    stream.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Kills the server if the test fails before it is stopped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

mtest!(
    serve_answers_a_key_and_on_sigterm_delivers_what_is_due_then_exits,
    |dir, cmd| {
        let alerts = dir.path().join("alerts.jsonl");
        dir.write_config(&format!(
            "[notify]\njsonl = {:?}\n",
            alerts.display().to_string()
        ));
        let made: Value = cmd
            .args(["keys", "create", "--name", "app", "--scope", "write"])
            .json();
        let key = made["data"]["secret"].as_str().expect("secret").to_owned();
        // A watch whose rule fires at the first refresh (any price is at or below ₹1 crore).
        let added: Value = dir
            .mandi()
            .args(["watch", "add", &phone(), "--below", "10000000"])
            .json();
        assert_eq!(added["type"], "watch", "{added}");

        let mut serve = dir.mandi();
        serve.args(["serve", "--listen", "127.0.0.1:0"]);
        let mut child = serve.spawn_piped();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let started = Instant::now();
        let server = Server(child);
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .expect("a first line")
            .expect("readable stdout");
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("an address in {first:?}"))
            .to_owned();
        assert!(addr.starts_with("127.0.0.1:"), "{first}");
        // The rest of stdout (alerts printed to the terminal) is drained on a thread.
        let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

        let (s, body) = http(&addr, "GET", "/healthz", None, None);
        assert_eq!(s, 200, "{body}");
        let (s, _) = http(
            &addr,
            "GET",
            &format!("/api/v1/products/{}", phone()),
            None,
            None,
        );
        assert_eq!(s, 401, "no key");
        let (s, body) = http(
            &addr,
            "GET",
            &format!("/api/v1/products/{}", phone()),
            Some(&key),
            None,
        );
        assert_eq!(s, 200, "{body}");
        assert!(body.contains(&phone()), "{body}");
        let (s, body) = http(
            &addr,
            "POST",
            "/api/v1/watches",
            Some(&key),
            Some(&format!("{{\"product\": \"{}\"}}", phone())),
        );
        assert_eq!(s, 201, "{body}");

        // Wait until the monitoring loop has fired the CLI user's alert (it is in the store,
        // not delivered yet: the loop delivers every 10 s), then stop the server.
        let mut fired = false;
        while started.elapsed() < Duration::from_secs(60) {
            let o = dir.mandi().args(["--json", "alerts"]).output();
            if o.status.code() == Some(0) {
                fired = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(fired, "the alert fired");
        let before_first_pass = started.elapsed() < Duration::from_secs(9);
        let pid = server.0.id().to_string();
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(kill.success());
        let mut server = server;
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = server.0.try_wait().expect("wait") {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let mut err = String::new();
        stderr.read_to_string(&mut err).expect("stderr");
        assert_eq!(status.code(), Some(0), "stderr:\n{err}");
        assert!(err.contains("stopping (SIGTERM)"), "{err}");
        assert!(!err.contains(&key[3..]), "the key is in the log:\n{err}");
        let printed = rest.join().expect("stdout thread");
        // The alert went out on the way down (the final delivery pass, when the loop's own
        // pass had not come yet).
        let delivered = std::fs::read_to_string(&alerts).unwrap_or_default();
        assert!(
            delivered.lines().count() >= 1,
            "the alert is in the JSON-lines file (first pass due: {before_first_pass});\nstdout: {printed:?}\nstderr:\n{err}"
        );
        assert!(delivered.contains(&phone()), "{delivered}");
    }
);

/// A raw GET on loopback; returns the whole answer (status line and headers included).
fn raw_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

mtest!(
    serve_answers_buy_links_and_an_imported_order_shows_in_stats_and_leaderboards,
    |dir, cmd| {
        use mandi_core::affiliate::RedirectToken;
        use mandi_core::{
            Asin, Availability, ClickSource, DataOrigin, ExternalIdentity, LinkFormat, Marketplace,
            Money, NewClickTarget, NewUser, OfferKind, PricePoint, Store, UserSettings,
        };
        dir.write_config(
            "[general]\nassociate_tag = \"mandi-21\"\n\n[server]\npublic_url = \"https://mandi.example/\"\n",
        );
        // The CLI user, a Buy link made for them (as the bot makes one), and 60 days of
        // history at ₹20,000.
        let token = RedirectToken::parse("AbCdEfGhIjKlMnOpQrStUvWx").expect("token");
        let asin: Asin = phone().parse().expect("asin");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let store = mandi_core::store::SqliteStore::open(dir.database()).expect("store");
            let now = mandi_core::Clock::now(&mandi_core::SystemClock);
            let user = store
                .upsert_user(
                    &NewUser {
                        identity: ExternalIdentity::new("cli", "local"),
                        display_name: Some("Local saver".to_owned()),
                        settings: UserSettings::default(),
                    },
                    now,
                )
                .await
                .expect("user");
            store
                .create_click_target(&NewClickTarget {
                    token_hash: token.hash(),
                    user_id: user.id,
                    source: ClickSource::Card,
                    marketplace: Marketplace::India,
                    asin,
                    variant: None,
                    link_format: LinkFormat::Dp,
                    created_at: now,
                })
                .await
                .expect("target");
            let points: Vec<PricePoint> = (1..=60)
                .rev()
                .map(|d| PricePoint {
                    marketplace: Marketplace::India,
                    asin,
                    offer_kind: OfferKind::BuyBox,
                    at: now - chrono::TimeDelta::days(d),
                    price: Some(Money::from_major(20_000, mandi_core::Currency::INR)),
                    list_price: Some(Money::from_major(25_000, mandi_core::Currency::INR)),
                    availability: Availability::InStock,
                    deal_badge: None,
                    origin: DataOrigin::Api,
                })
                .collect();
            store.record_prices(&points).await.expect("history");
        });

        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0", "--no-monitor"])
            .spawn_piped();
        let stdout = child.stdout.take().expect("stdout");
        let server = Server(child);
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a line").expect("stdout");
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("an address in {first:?}"))
            .to_owned();
        let second = lines.next().expect("a second line").expect("stdout");
        assert!(
            second.contains("https://mandi.example/r/<token>"),
            "{second}"
        );
        let answer = raw_get(&addr, &format!("/r/{}", token.expose()));
        assert!(answer.starts_with("HTTP/1.1 302"), "{answer}");
        let location = format!("https://www.amazon.in/dp/{}?tag=mandi-21", phone());
        assert!(
            answer
                .lines()
                .any(|l| l.eq_ignore_ascii_case(&format!("location: {location}"))),
            "{answer}"
        );
        let unknown = raw_get(&addr, "/r/ZZZZZZZZZZZZZZZZZZZZZZZZ");
        assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");
        drop(server);

        // Nothing confirmed yet.
        let text = dir.mandi().args(["stats"]).stdout();
        assert!(text.contains("saved: nothing confirmed yet"), "{text}");

        // The Associates orders report of today: the phone at ₹18,000.
        let today = mandi_core::Clock::now(&mandi_core::SystemClock).date_naive();
        let report = dir.path().join("Fee-Orders.csv");
        std::fs::write(
            &report,
            format!(
                "Fee-Orders reports from {today} to {today}\n\
                 Category,Name,ASIN,Date,Qty,Price(Rs.),Link Type,Tag,Indirect Sales,Device Type Group\n\
                 Cell Phones & Accessories,\"A phone\",{},{today},1,\"18,000.00\",Text+Image,mandi-21,DI,PHONE\n",
                phone()
            ),
        )
        .expect("report");
        let imported = dir
            .mandi()
            .args(["revenue", "import", report.to_str().expect("utf-8 path")])
            .stdout();
        assert!(
            imported.contains("orders report: 1 rows, 1 new, 1 attributed"),
            "{imported}"
        );
        let stats: Value = dir.mandi().args(["stats"]).json();
        let events = &stats["data"]["events"];
        assert_eq!(events["saved_vs_median"][0]["minor"], 200_000, "{stats}");
        assert_eq!(events["saved_vs_mrp"][0]["minor"], 700_000, "{stats}");
        let earned: Vec<&str> = events["achievements"]
            .as_array()
            .expect("achievements")
            .iter()
            .filter_map(|e| e["achievement"].as_str())
            .collect();
        assert_eq!(earned, vec!["first_saving", "all_time_low"], "{stats}");
        assert_eq!(stats["data"]["leaderboard_opt_in"], false);

        // Not opted in: on no leaderboard (exit 1, nothing found); then opted in.
        let o = dir
            .mandi()
            .args(["stats", "--board", "savers", "--period", "week"])
            .output();
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        dir.mandi().args(["stats", "--leaderboard", "on"]).stdout();
        let board: Value = dir
            .mandi()
            .args(["stats", "--board", "finders", "--period", "all"])
            .json();
        assert_eq!(board["type"], "leaderboard");
        assert_eq!(
            board["data"]["entries"][0]["name"], "Local saver",
            "{board}"
        );
        assert_eq!(board["data"]["entries"][0]["deals"], 1);
        let text = dir
            .mandi()
            .args(["stats", "--board", "savers", "--category", "books"])
            .output();
        assert_eq!(text.status.code(), Some(1), "another category: nobody");
    }
);
