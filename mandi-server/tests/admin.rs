//! The admin dashboard over real HTTP on loopback: login with CSRF and a strict session
//! cookie, escaping of untrusted text under a script-free CSP, numbers matching the store;
//! and the same flow in headless Chromium (skipped when chromium/chromedriver are absent).

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::Harness;
use mandi_core::{
    Asin, ExternalIdentity, KeyScope, Marketplace, NewUser, NewWatch, Product, Store, UserSettings,
    WatchTarget,
};
use mandi_server::ServerConfig;
use secrecy::SecretString;

const XSS: &str = "<script>alert(1)</script>";
const PASSWORD: &str = "correct horse battery staple";

fn config() -> ServerConfig {
    ServerConfig {
        admin_password: Some(SecretString::from(PASSWORD)),
        ..ServerConfig::default()
    }
}

/// 25 users (one named with a script tag, watching a product titled with one, and one
/// watching four sandbox products with prices and categories) and their watches.
async fn seed(h: &Harness) -> Asin {
    let store: &Arc<dyn Store> = &h.store;
    let now = mandi_core::Clock::now(&mandi_core::SystemClock);
    let asin: Asin = "B0XSS00001".parse().expect("asin");
    let mut product = Product::new(asin, Marketplace::India, XSS, now);
    product.brand = Some(XSS.to_owned());
    store.upsert_product(&product).await.expect("product");
    let user = store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("telegram", "42"),
                display_name: Some(XSS.to_owned()),
                settings: UserSettings::default(),
            },
            now,
        )
        .await
        .expect("user");
    store
        .create_watch(
            &NewWatch {
                user_id: user.id,
                target: WatchTarget::Product {
                    marketplace: Marketplace::India,
                    asin,
                },
                rules: mandi_core::watches::default_rules(),
                baseline_price: None,
                label: Some(XSS.to_owned()),
            },
            now,
        )
        .await
        .expect("watch");
    let writer = h.key("user-00", KeyScope::Write, None).await;
    for a in h.known_asins(4) {
        let resp = h
            .post("/api/v1/watches", &writer)
            .json(&serde_json::json!({ "product": a }))
            .send()
            .await
            .expect("watch");
        assert_eq!(resp.status(), 201, "watch {a}");
    }
    for i in 1..24 {
        h.key(&format!("user-{i:02}"), KeyScope::Read, None).await;
    }
    asin
}

/// The `data-minor` values of the products table's price cells, in page order (empty for an
/// unknown price).
fn prices_in(html: &str) -> Vec<Option<i64>> {
    html.split("data-minor=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().and_then(|v| v.parse().ok()))
        .collect()
}

/// Known prices come in order (ascending or not) and unknown ones after them.
fn assert_sorted(prices: &[Option<i64>], ascending: bool) {
    let known: Vec<i64> = prices.iter().map_while(|p| *p).collect();
    assert!(
        prices[known.len()..].iter().all(Option::is_none),
        "unknown prices last: {prices:?}"
    );
    let mut sorted = known.clone();
    sorted.sort_unstable();
    if !ascending {
        sorted.reverse();
    }
    assert_eq!(known, sorted, "{prices:?}");
    assert!(
        known.len() >= 2,
        "enough prices to see an order: {prices:?}"
    );
}

fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 64].to_owned()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Logs in over HTTP; returns the session cookie (`mandi_admin=…`).
async fn login(h: &Harness, secret: &str) -> Result<String, u16> {
    let http = no_redirects();
    let form = http.get(h.url("/admin/login")).send().await.expect("form");
    let login_cookie = set_cookie(&form, "mandi_login").expect("login cookie");
    let pair = login_cookie.split(';').next().expect("pair").to_owned();
    let csrf = hidden_csrf(&form.text().await.expect("html"));
    let resp = http
        .post(h.url("/admin/login"))
        .header("cookie", pair)
        .form(&[("secret", secret), ("csrf", &csrf)])
        .send()
        .await
        .expect("login");
    if resp.status() != 303 {
        return Err(resp.status().as_u16());
    }
    let session = set_cookie(&resp, "mandi_admin").expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    Ok(session.split(';').next().expect("pair").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_needs_a_login_and_escapes_untrusted_text() {
    let mut h = Harness::start(config()).await;
    let asin = seed(&h).await;
    let http = no_redirects();
    let resp = http.get(h.url("/admin/overview")).send().await.expect("o");
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/login");
    assert_eq!(login(&h, "wrong").await, Err(401));
    let reader = h.key("reader", KeyScope::Read, None).await;
    assert_eq!(
        login(&h, &reader).await,
        Err(401),
        "a read key is not an admin"
    );
    // A login without the form's token is refused.
    let resp = http
        .post(h.url("/admin/login"))
        .form(&[("secret", PASSWORD), ("csrf", "0")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 403);
    let admin_key = h.key("ops", KeyScope::Admin, None).await;
    login(&h, &admin_key).await.expect("an admin key logs in");
    let cookie = login(&h, PASSWORD).await.expect("the password logs in");
    // Sessions are kept in the store: a restart does not log the admin out.
    h.restart().await;
    let resp = http
        .get(h.url("/admin/overview"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("o");
    assert_eq!(resp.status(), 200, "still logged in after a restart");
    // A made-up session id is not one.
    let resp = http
        .get(h.url("/admin/overview"))
        .header("cookie", format!("mandi_admin={}", "ab".repeat(32)))
        .send()
        .await
        .expect("o");
    assert_eq!(resp.status(), 303);

    for path in [
        "/admin/overview".to_owned(),
        "/admin/users".to_owned(),
        "/admin/users?page=2&sort=name&dir=desc".to_owned(),
        "/admin/users/1".to_owned(),
        "/admin/products".to_owned(),
        format!("/admin/products/IN/{asin}"),
        "/admin/revenue".to_owned(),
        "/admin/health".to_owned(),
    ] {
        let resp = http
            .get(h.url(&path))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_owned();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        let html = resp.text().await.expect("html");
        assert!(
            !html.contains("<script"),
            "{path} has a script tag:\n{html}"
        );
        if ["/admin/users/1", "/admin/products"].contains(&path.as_str())
            || path.starts_with("/admin/products/IN")
        {
            assert!(
                html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "{path} shows the title escaped"
            );
        }
    }
    // The overview's numbers are the store's.
    let html = http
        .get(h.url("/admin/overview"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("o")
        .text()
        .await
        .expect("html");
    // 1 seeded user + 24 key users + reader + ops (keys make one user per name).
    assert!(
        html.contains("<div class=\"card\" id=\"users-total\"><b>27</b>"),
        "{html}"
    );
    assert!(
        html.contains("<div class=\"card\" id=\"watches-total\"><b>5</b>"),
        "{html}"
    );
    let page = |path: String| {
        let (http, cookie, url) = (http.clone(), cookie.clone(), h.url(&path));
        async move {
            let resp = http
                .get(url)
                .header("cookie", &cookie)
                .send()
                .await
                .expect("page");
            assert_eq!(resp.status(), 200, "{path}");
            resp.text().await.expect("html")
        }
    };
    // Users segmented by the categories they watch: the script-named user watches a
    // product never categorised; user-00 watches sandbox products with categories.
    let users = page("/admin/users".to_owned()).await;
    let cats = &users[users.find("id=\"categories\"").expect("categories")..];
    let cats = &cats[..cats.find("</p>").expect("end")];
    let first_real = cats
        .split("category=")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or(""))
        .find(|c| !c.is_empty() && *c != "Unknown")
        .expect("a category besides Unknown")
        .to_owned();
    let unknown = page("/admin/users?category=Unknown".to_owned()).await;
    assert!(
        unknown.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the user watching an uncategorised product"
    );
    assert!(
        unknown.contains("(1 users)") || unknown.contains("(2 users)"),
        "{unknown}"
    );
    let real = page(format!("/admin/users?category={first_real}")).await;
    assert!(real.contains(">user-00<"), "{first_real}: {real}");
    assert!(!real.contains("&lt;script&gt;"), "{first_real}: {real}");
    assert!(real.contains("(1 users)"), "{first_real}: {real}");
    // Both filters at once: user-00 joined just now, so is `new`, not `dormant`.
    let new_real = page(format!("/admin/users?segment=new&category={first_real}")).await;
    assert!(new_real.contains(">user-00<"), "{new_real}");
    let dormant = page(format!(
        "/admin/users?segment=dormant&category={first_real}"
    ))
    .await;
    assert!(dormant.contains("No users here yet."), "{dormant}");
    // Products sort by any column, server-side, both ways.
    let asc = page("/admin/products?sort=price&dir=asc".to_owned()).await;
    assert_sorted(&prices_in(&asc), true);
    assert!(asc.contains("aria-sort=\"ascending\""), "{asc}");
    let desc = page("/admin/products?sort=price&dir=desc".to_owned()).await;
    assert_sorted(&prices_in(&desc), false);
    let by_title = page("/admin/products?sort=title&dir=asc".to_owned()).await;
    assert!(by_title.contains("(5 products)"), "{by_title}");

    // Logging out needs the session's CSRF token and ends the session.
    let csrf = hidden_csrf(&html);
    let resp = http
        .post(h.url("/admin/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), 403);
    let resp = http
        .post(h.url("/admin/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), 303);
    let resp = http
        .get(h.url("/admin/overview"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("o");
    assert_eq!(resp.status(), 303, "the session is gone");
    h.stop().await;
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| PathBuf::from(d).join(name))
        .find(|p| p.is_file())
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_reads_the_dashboard_and_logs_out_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) else {
        eprintln!("skipped: no chromium/chromedriver");
        return;
    };
    let h = Harness::start(config()).await;
    let asin = seed(&h).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let _driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().expect("profile dir");
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    }))
    .expect("caps");
    let url = format!("http://127.0.0.1:{port}");
    let mut builder =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps);
    let mut client = None;
    for _ in 0..50 {
        match builder.connect(&url).await {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("a WebDriver session");
    let dir = artifacts();
    let shot = |name: &'static str| {
        let c = c.clone();
        let dir = dir.clone();
        async move {
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}.png")), png).expect("save screenshot");
        }
    };
    use fantoccini::Locator;
    c.goto(&h.url("/admin/overview")).await.expect("goto");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/admin/login")
    );
    shot("01-login").await;
    c.find(Locator::Id("secret"))
        .await
        .expect("field")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Id("login"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    // The click navigates: wait for the overview to arrive rather than race it.
    let users_total = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#users-total b"))
        .await
        .expect("overview card")
        .text()
        .await
        .expect("text");
    let facts = h
        .store
        .activity_facts(mandi_core::Clock::now(&mandi_core::SystemClock))
        .await
        .expect("facts");
    assert_eq!(
        users_total,
        facts.users.len().to_string(),
        "the store's user count"
    );
    assert_eq!(users_total, "25");
    let watches_total = c
        .find(Locator::Css("#watches-total b"))
        .await
        .expect("card")
        .text()
        .await
        .expect("text");
    let watches: u32 = facts.users.iter().map(|u| u.watches).sum();
    assert_eq!(
        watches_total,
        watches.to_string(),
        "the store's watch count"
    );
    shot("02-overview").await;
    c.goto(&h.url("/admin/users?sort=id")).await.expect("users");
    assert_eq!(
        c.find(Locator::Id("page"))
            .await
            .expect("page")
            .text()
            .await
            .expect("t"),
        "1"
    );
    shot("03-users-page-1").await;
    c.find(Locator::Id("next"))
        .await
        .expect("next")
        .click()
        .await
        .expect("click");
    // The click navigates: poll until the second page has replaced the first.
    let mut page = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Id("page")).await {
            page = e.text().await.unwrap_or_default();
            if page == "2" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(page, "2");
    shot("04-users-page-2").await;
    // Sort the products by price: click the header, then click it again.
    c.goto(&h.url("/admin/products")).await.expect("products");
    for (ascending, aria, name) in [
        (true, "ascending", "05-products-by-price-ascending"),
        (false, "descending", "06-products-by-price-descending"),
    ] {
        c.find(Locator::Id("sort-price"))
            .await
            .expect("price header")
            .click()
            .await
            .expect("click");
        c.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&format!(
                "th[aria-sort=\"{aria}\"] #sort-price"
            )))
            .await
            .expect("the table sorted by price");
        let mut prices = Vec::new();
        for cell in c.find_all(Locator::Css("td.price")).await.expect("cells") {
            let minor = cell.attr("data-minor").await.expect("attr");
            prices.push(minor.and_then(|m| m.parse::<i64>().ok()));
        }
        assert_sorted(&prices, ascending);
        shot(name).await;
    }
    c.goto(&h.url(&format!("/admin/products/IN/{asin}")))
        .await
        .expect("product");
    let title = c
        .find(Locator::Id("product-title"))
        .await
        .expect("title")
        .text()
        .await
        .expect("text");
    assert_eq!(title, XSS, "the title shows as text");
    assert!(c.get_alert_text().await.is_err(), "no script ran");
    shot("07-product").await;
    c.goto(&h.url("/admin/users/1")).await.expect("user");
    assert!(c.get_alert_text().await.is_err(), "no script ran");
    shot("08-user").await;
    c.find(Locator::Id("logout"))
        .await
        .expect("logout")
        .click()
        .await
        .expect("click");
    // The click navigates: poll until the login page has arrived.
    let mut at_login = false;
    for _ in 0..100 {
        at_login = c
            .current_url()
            .await
            .is_ok_and(|u| u.path().ends_with("/admin/login"));
        if at_login {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(at_login, "logging out leads to the login page");
    c.goto(&h.url("/admin/overview")).await.expect("goto");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/admin/login"),
        "logged out"
    );
    shot("09-logged-out").await;
    c.close().await.expect("close");
    h.stop().await;
}

/// The revenue page shows the library's revenue report: a Buy link followed through the
/// redirect and an imported Associates orders report appear in the funnel, by category and
/// by user; an empty period says what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_revenue_page_shows_the_funnel_and_the_earnings() {
    let tag = mandi_core::links::AssociateTag::parse("mandi-21").expect("tag");
    let affiliate = mandi_core::affiliate::AffiliateConfig::new("http://127.0.0.1:9")
        .expect("base url")
        .with_tag(Marketplace::India, tag);
    let h = Harness::start(ServerConfig {
        affiliate: Some(affiliate),
        ..config()
    })
    .await;
    let cookie = login(&h, PASSWORD).await.expect("login");
    let page = |h: &Harness, cookie: String| {
        let http = no_redirects();
        let url = h.url("/admin/revenue?days=7");
        async move {
            let resp = http
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("page");
            assert_eq!(resp.status(), 200);
            resp.text().await.expect("html")
        }
    };
    let empty = page(&h, cookie.clone()).await;
    assert!(empty.contains("id=\"revenue-empty\""), "{empty}");

    let now = mandi_core::Clock::now(&mandi_core::SystemClock);
    let user = h
        .store
        .upsert_user(
            &NewUser {
                identity: ExternalIdentity::new("telegram", "7001"),
                display_name: Some("Asha".to_owned()),
                settings: UserSettings::default(),
            },
            now,
        )
        .await
        .expect("user");
    let asin: Asin = "B0REV00001".parse().expect("asin");
    let service = h.state.affiliate().expect("affiliate on");
    let link = service
        .buy_link(
            user.id,
            mandi_core::ClickSource::Card,
            Marketplace::India,
            asin,
        )
        .await
        .expect("buy link");
    let token = link.url.rsplit('/').next().expect("token").to_owned();
    // Followed over HTTP, as a shopper's tap would.
    let resp = no_redirects()
        .get(h.url(&format!("/r/{token}")))
        .send()
        .await
        .expect("redirect");
    assert_eq!(resp.status(), 302);
    let day = now.format("%Y-%m-%d %H:%M:%S");
    let orders = format!(
        "Fee-Orders reports from {d} to {d}\n\
         Category,Name,ASIN,Date,Qty,Price(Rs.),Link Type,Tag,Indirect Sales,Device Type Group\n\
         Cell Phones & Accessories,\"Phone <b>X</b>\",{asin},{day},1,\"54,999.00\",Text+Image,mandi-21,DI,PHONE\n",
        d = now.format("%m-%d-%Y"),
    );
    let imported = service
        .import_report(&orders, Marketplace::India)
        .await
        .expect("import");
    assert_eq!(imported.attributed, 1, "{imported:?}");
    let earnings = format!(
        "Fee-Earnings reports from {d} to {d}\n\
         Category,Name,ASIN,Seller,Tracking ID,Date Shipped,Price(Rs.),Items Shipped,Returns,Revenue(Rs.),Ad Fees(Rs.),Device Type Group\n\
         Cell Phones & Accessories,\"Phone <b>X</b>\",{asin},Appario Retail,mandi-21,{day},\"54,999.00\",1,0,\"54,999.00\",\"549.99\",PHONE\n",
        d = now.format("%Y-%m-%d"),
    );
    let imported = service
        .import_report(&earnings, Marketplace::India)
        .await
        .expect("import earnings");
    assert_eq!(imported.attributed, 1, "{imported:?}");

    let html = page(&h, cookie).await;
    assert!(!html.contains("id=\"revenue-empty\""), "{html}");
    assert!(html.contains("id=\"link-funnel\""), "{html}");
    assert!(
        html.contains("<td>click</td><td class=\"count\">1</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td>order</td><td class=\"count\">1</td>"),
        "{html}"
    );
    assert!(html.contains("Cell Phones &amp; Accessories"), "{html}");
    assert!(
        html.contains("Phone &lt;b&gt;X&lt;/b&gt;"),
        "titles escaped: {html}"
    );
    assert!(
        html.contains(&format!("href=\"/admin/users/{}\"", user.id.0)),
        "{html}"
    );
}
