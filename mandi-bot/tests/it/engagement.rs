//! Savings from real events, end to end: an alert card's Buy button points at the real
//! `mandi-server` redirect on loopback; following it records the click; an Associates
//! orders report (a fixture file) confirms the purchase; `/stats` then shows the saving
//! against the 90-day median (and MRP), and the achievements earned. `/settings` turns the
//! leaderboard opt-in on.

use std::sync::Arc;

use chrono::Duration as ChronoDuration;
use mandi_bot::bot::{Bot, BotConfig};
use mandi_bot::fake::FakeTelegram;
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier, UserRecipientEvents};
use mandi_bot::telegram::Poller;
use mandi_core::affiliate::{AffiliateConfig, AffiliateService};
use mandi_core::catalog::CatalogService;
use mandi_core::engagement::{Board, EngagementService, Period};
use mandi_core::store::MemoryStore;
use mandi_core::{
    Availability, Clock, Currency, DataOrigin, ExternalIdentity, ManualClock, Marketplace,
    Notifier, OfferKind, PricePoint, Store,
};
use mandi_server::{AppState, ServerConfig};

use crate::conversation::wait_for;
use crate::support::{TestSource, asin, client_for, inr, t0};

/// The orders report as Associates Central exports it: the phone bought through the Buy
/// link, and an item bought by someone who never clicked a Mandi link.
const ORDERS: &str = include_str!("fixtures/Fee-Orders-2026-11.csv");

#[tokio::test]
async fn an_alert_buy_click_through_the_redirect_and_a_confirmed_order_show_in_stats() {
    // The real server, on loopback, with the redirect on.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = AffiliateConfig::from_settings(Some(&base), Marketplace::India, Some("mandi-21"))
        .expect("config")
        .expect("a public URL");

    let fake = FakeTelegram::start().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let source =
        TestSource::with_product(asin(1), "Redmi Note 13 5G <Arctic White>", 59_999, 69_999);
    let clock = ManualClock::new(t0());
    let catalog = CatalogService::new(source.clone(), store.clone(), Arc::new(clock.clone()))
        .with_channels(vec!["telegram".to_owned()]);
    let state = AppState::new(
        catalog.clone(),
        ServerConfig {
            affiliate: Some(config.clone()),
            ..ServerConfig::default()
        },
    );
    let server = tokio::spawn(mandi_server::serve(
        listener,
        state,
        std::future::pending::<()>(),
    ));
    let affiliate = AffiliateService::new(store.clone(), Arc::new(clock.clone()), config);
    let notifier = Arc::new(
        TelegramNotifier::new(
            client_for(&fake),
            NotifierConfig {
                associate_tag: Some("mandi-21".into()),
                ..NotifierConfig::default()
            },
        )
        .with_events(Arc::new(UserRecipientEvents::new(
            mandi_core::users::UserService::for_catalog(&catalog),
        )))
        .with_catalog(catalog.clone())
        .with_affiliate(affiliate.clone()),
    );
    let bot = Arc::new(Bot::new(
        catalog.clone(),
        notifier.clone(),
        BotConfig {
            associate_tag: Some("mandi-21".into()),
            source_name: "test".into(),
            ..BotConfig::default()
        },
    ));
    let poller = Poller::new(client_for(&fake), 1);
    let task = tokio::spawn(async move {
        let _ = bot.run_polling(poller).await;
    });

    // Two months of history at ₹59,999 (MRP ₹69,999) before the user watches the phone.
    let history: Vec<PricePoint> = (1..=60)
        .rev()
        .map(|d| PricePoint {
            marketplace: Marketplace::India,
            asin: asin(1),
            offer_kind: OfferKind::BuyBox,
            at: t0() - ChronoDuration::days(d),
            price: Some(inr(59_999)),
            list_price: Some(inr(69_999)),
            availability: Availability::InStock,
            deal_badge: None,
            origin: DataOrigin::Api,
        })
        .collect();
    store.record_prices(&history).await.expect("history");
    let u = 3003;
    fake.push_text(u, "https://www.amazon.in/dp/B000000001");
    wait_for("the watch confirmation", 10, || fake.sent_to(u).len() == 1).await;

    // Nothing bought yet: /stats says so rather than claiming a saving.
    fake.push_text(u, "/stats");
    wait_for("the first /stats", 10, || fake.sent_to(u).len() == 2).await;
    let before = fake.sent_to(u)[1].body().to_owned();
    assert!(before.contains("No purchase confirmed yet"), "{before}");
    assert!(before.contains("No achievements yet"), "{before}");

    // The price drops; the alert goes out with a Buy button on the redirect.
    clock.advance(ChronoDuration::hours(6));
    source.set_price(asin(1), 54_999, clock.now());
    catalog
        .alert_step()
        .refresh_watched()
        .await
        .expect("refresh");
    let dispatcher = mandi_core::alerts::Dispatcher::new(
        store.clone(),
        vec![notifier.clone() as Arc<dyn Notifier>],
        Arc::new(clock.clone()),
    );
    // The drop fires the watch's default rules (a drop from the price when watched, and
    // the lowest price in 60 days of history): one card each.
    let alerts = dispatcher.drain().await.expect("drain").sent;
    assert!(alerts >= 1);
    assert_eq!(fake.sent_to(u).len(), 2 + alerts);
    let card = fake.sent_to(u)[2].clone();
    let buy = card
        .buttons()
        .into_iter()
        .find(|(label, _)| label.contains("Buy"))
        .map(|(_, url)| url)
        .expect("a Buy button");
    assert!(buy.starts_with(&format!("{base}/r/")), "{buy}");
    assert!(
        !buy.contains("B000000001"),
        "the link carries no product: {buy}"
    );

    // The user taps it: a plain HTTP GET on the server, answered 302 to the tagged page.
    clock.advance(ChronoDuration::minutes(41));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = http.get(&buy).send().await.expect("GET the Buy link");
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    assert_eq!(
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some("https://www.amazon.in/dp/B000000001?tag=mandi-21")
    );
    let user = store
        .find_user(&ExternalIdentity::new("telegram", u.to_string()))
        .await
        .expect("find")
        .expect("the user");
    let clicks = store
        .affiliate_clicks(t0(), clock.now() + ChronoDuration::seconds(1))
        .await
        .expect("clicks");
    assert_eq!(clicks.len(), 1);
    assert_eq!(clicks[0].user_id, user.id);
    assert_eq!(clicks[0].asin, asin(1));
    assert!(
        clicks[0].source.alert_id().is_some(),
        "attributed to the alert: {:?}",
        clicks[0].source
    );

    // The operator imports the Associates orders report.
    let summary = affiliate
        .import_report(ORDERS, Marketplace::India)
        .await
        .expect("import");
    assert_eq!((summary.rows, summary.added, summary.attributed), (2, 2, 1));

    let n = fake.sent_to(u).len();
    fake.push_text(u, "/stats");
    wait_for("the second /stats", 10, || fake.sent_to(u).len() == n + 1).await;
    let after = fake.sent_to(u)[n].body().to_owned();
    // ₹59,999 (the 90-day median) − ₹54,999 paid; ₹69,999 MRP − ₹54,999.
    assert!(
        after.contains("Saved against 90-day median prices: <b>₹5,000</b>"),
        "{after}"
    );
    assert!(
        after.contains("Against MRPs (often inflated): ₹15,000"),
        "{after}"
    );
    assert!(
        after.contains(&format!(
            "Alerts: received / acted on / real deals: {alerts} / 1 /"
        )),
        "{after}"
    );
    for title in ["Quick on the draw", "First saving", "Rock bottom"] {
        assert!(after.contains(title), "{title} missing:\n{after}");
    }
    assert!(!after.contains("₹10,000 saved"), "{after}");
    assert!(after.contains("Leaderboards: you do not appear"), "{after}");

    // Not opted in: on no leaderboard. The /settings toggle opts in.
    let engagement = EngagementService::new(store.clone(), Arc::new(clock.clone()));
    let board = || async {
        engagement
            .leaderboard(Board::TopSavers, Period::Week, None, Currency::INR, 10)
            .await
            .expect("board")
            .entries
    };
    assert!(board().await.is_empty());
    let n = fake.sent_to(u).len();
    fake.push_text(u, "/top savers week");
    wait_for("the first /top", 10, || fake.sent_to(u).len() == n + 1).await;
    let top = fake.sent_to(u)[n].body().to_owned();
    assert!(
        !top.contains("₹5,000") && top.contains("you do not appear"),
        "{top}"
    );
    let n = fake.sent_to(u).len();
    fake.push_text(u, "/settings");
    wait_for("the settings", 10, || fake.sent_to(u).len() == n + 1).await;
    let settings = fake.sent_to(u)[n].clone();
    assert!(
        settings
            .buttons()
            .iter()
            .any(|(label, data)| label.contains("Leaderboards") && data == "st:lb"),
        "{:?}",
        settings.buttons()
    );
    fake.push_callback(u, settings.message_id, "st:lb");
    let opted = || async {
        store
            .get_user(user.id)
            .await
            .expect("user")
            .settings
            .leaderboard_opt_in
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !opted().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the opt-in was not saved"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let rows = board().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].user_id, user.id);
    assert_eq!(rows[0].saved, inr(5_000));
    let n = fake.sent_to(u).len();
    fake.push_text(u, "/top savers week");
    wait_for("the second /top", 10, || fake.sent_to(u).len() == n + 1).await;
    let top = fake.sent_to(u)[n].body().to_owned();
    assert!(
        top.contains("1. ") && top.contains("<b>₹5,000</b> · 1"),
        "{top}"
    );
    assert_eq!(fake.rate_limit_violations(), 0);
    assert!(fake.rejected().is_empty(), "{:?}", fake.rejected());
    task.abort();
    server.abort();
}
