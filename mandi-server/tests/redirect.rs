//! `GET /r/<token>` through the real router: the click is recorded and the answer is a
//! redirect to the tagged Amazon link in the user's link format; unknown and malformed
//! tokens are 404 problems; no token reaches the logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, TimeDelta, Utc};
use mandi_core::affiliate::{AffiliateConfig, Experiment, RedirectToken};
use mandi_core::catalog::CatalogService;
use mandi_core::links::AssociateTag;
use mandi_core::monitor::fake::FakeSource;
use mandi_core::store::SqliteStore;
use mandi_core::{
    AlertId, Asin, ClickSource, Clock, ExternalIdentity, LinkFormat, ManualClock, Marketplace,
    NewUser, Store, UserId, UserSettings,
};
use mandi_server::{AppState, ServerConfig};
use tower::ServiceExt;

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_765_000_000, 0).expect("time")
}

fn phone() -> Asin {
    "B0CX59H5W7".parse().expect("asin")
}

struct Setup {
    app: axum::Router,
    state: AppState,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn setup(affiliate: Option<AffiliateConfig>) -> Setup {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(start()));
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path().join("mandi.db")).expect("store"));
    let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
    let catalog = CatalogService::new(source, store.clone(), clock);
    let state = AppState::new(
        catalog,
        ServerConfig {
            affiliate,
            ..ServerConfig::default()
        },
    );
    Setup {
        app: mandi_server::router(state.clone()),
        state,
        store,
        _dir: dir,
    }
}

fn config() -> AffiliateConfig {
    AffiliateConfig::new("https://mandi.example")
        .expect("config")
        .with_tag(
            Marketplace::India,
            AssociateTag::parse("mandi-21").expect("tag"),
        )
        .with_link_format_test(Experiment::link_formats("links-2026-12"))
        .expect("link test")
}

async fn user(store: &Arc<dyn Store>, subject: &str) -> UserId {
    let new = NewUser {
        identity: ExternalIdentity::new("telegram", subject),
        display_name: None,
        settings: UserSettings::default(),
    };
    store.upsert_user(&new, start()).await.expect("user").id
}

async fn get(app: &axum::Router, path: &str) -> axum::response::Response {
    app.clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("the router answers")
}

async fn problem(response: axum::response::Response) -> serde_json::Value {
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("body");
    serde_json::from_slice(&body).expect("a JSON problem")
}

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_buy_link_redirects_to_the_tagged_product_in_the_users_format_and_is_recorded() {
    let s = setup(Some(config()));
    let affiliate = s.state.affiliate().expect("configured");
    let experiment = Experiment::link_formats("links-2026-12");
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..10 {
        let u = user(&s.store, &format!("u{i}")).await;
        let link = affiliate
            .buy_link(
                u,
                ClickSource::Alert {
                    alert_id: AlertId(i),
                },
                Marketplace::India,
                phone(),
            )
            .await
            .expect("buy link");
        let path = link
            .url
            .strip_prefix("https://mandi.example")
            .expect("under the base URL");
        let response = get(&s.app, path).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let format = LinkFormat::parse(experiment.arm_of(u)).expect("arm");
        let expected = match format {
            LinkFormat::Dp => "https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21",
            _ => "https://www.amazon.in/gp/product/B0CX59H5W7?tag=mandi-21",
        };
        assert_eq!(response.headers()[header::LOCATION], expected);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
        seen.insert(format);
    }
    assert_eq!(seen.len(), 2, "ten users all fell in one arm");
    let clicks = s
        .store
        .affiliate_clicks(start(), start() + TimeDelta::days(1))
        .await
        .expect("clicks");
    assert_eq!(clicks.len(), 10);
    assert!(clicks.iter().all(|c| c.asin == phone() && c.at == start()));
    let sources: Vec<Option<AlertId>> = clicks.iter().map(|c| c.source.alert_id()).collect();
    assert_eq!(
        sources,
        (0..10).map(|i| Some(AlertId(i))).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_404_problems_and_record_nothing() {
    let s = setup(Some(config()));
    let unknown = RedirectToken::generate();
    for (path, words) in [
        (format!("/r/{}", unknown.expose()), "unknown"),
        ("/r/short".to_owned(), "malformed"),
        ("/r/AAAAAAAAAAAAAAAAAAAAAA%2B%2F".to_owned(), "malformed"),
    ] {
        let response = get(&s.app, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body = problem(response).await;
        assert_eq!(body["type"], "https://mandi.dev/problems/unknown-link");
        assert_eq!(body["status"], 404);
        let detail = body["detail"].as_str().expect("detail");
        assert!(detail.contains(words), "{detail}");
        assert!(!detail.contains(unknown.expose()) && !detail.contains("short"));
    }
    let clicks = s
        .store
        .affiliate_clicks(start() - TimeDelta::days(1), start() + TimeDelta::days(1))
        .await
        .expect("clicks");
    assert!(clicks.is_empty());
}

#[tokio::test]
async fn without_an_affiliate_configuration_the_route_is_a_clear_404() {
    let s = setup(None);
    let response = get(
        &s.app,
        &format!("/r/{}", RedirectToken::generate().expose()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = problem(response).await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not enabled")),
        "{body}"
    );
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let s = setup(Some(config()));
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let u = user(&s.store, "logged").await;
    let affiliate = s.state.affiliate().expect("configured");
    // A marketplace without a tag makes the service warn; a known and an unknown token
    // are followed.
    let link = affiliate
        .buy_link(u, ClickSource::Card, Marketplace::UnitedStates, phone())
        .await
        .expect("link");
    let token = link.url.rsplit('/').next().expect("token").to_owned();
    let response = get(&s.app, &format!("/r/{token}")).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let unknown = RedirectToken::generate();
    let response = get(&s.app, &format!("/r/{}", unknown.expose())).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let text = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf-8");
    assert!(
        text.contains("no associate tag"),
        "the capture works: {text}"
    );
    assert!(!text.contains(&token), "a token was logged: {text}");
    assert!(
        !text.contains(unknown.expose()),
        "a token was logged: {text}"
    );
    // Nor its hash, which finds the target in the store.
    let hash = RedirectToken::parse(&token).expect("token").hash();
    assert!(!text.contains(&hash), "a token hash was logged");
}
