//! End-to-end conversations: the bot long-polls the fake Telegram server, uses the library's
//! CatalogService over an in-test product source and a MemoryStore, and answers through the
//! throttled notifier.

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as ChronoDuration;
use mandi_bot::bot::{Bot, BotConfig};
use mandi_bot::fake::{FakeTelegram, Limits, SentPhoto};
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier, UserRecipientEvents};
use mandi_bot::telegram::Poller;
use mandi_core::catalog::CatalogService;
use mandi_core::store::MemoryStore;
use mandi_core::{
    Alert, AlertId, AlertRule, Availability, ExternalIdentity, Language, ManualClock, Marketplace,
    Notification, Notifier, Store, WatchState,
};

use crate::support::{TestSource, asin, client_for, inr, t0};

pub(crate) struct Harness {
    pub(crate) fake: FakeTelegram,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) source: Arc<TestSource>,
    pub(crate) clock: ManualClock,
    pub(crate) catalog: CatalogService,
    pub(crate) notifier: Arc<TelegramNotifier>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) const ADMIN: i64 = 4242;

pub(crate) async fn harness(config: NotifierConfig) -> Harness {
    harness_with(config, None).await
}

pub(crate) async fn harness_with(
    config: NotifierConfig,
    resolver: Option<Arc<dyn mandi_core::links::LinkResolver>>,
) -> Harness {
    let fake = FakeTelegram::start().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let source =
        TestSource::with_product(asin(1), "Redmi Note 13 5G <Arctic White>", 59_999, 69_999);
    let clock = ManualClock::new(t0());
    let catalog = CatalogService::new(source.clone(), store.clone(), Arc::new(clock.clone()))
        .with_channels(vec!["telegram".to_owned()]);
    let notifier = Arc::new(
        TelegramNotifier::new(
            client_for(&fake),
            NotifierConfig {
                associate_tag: Some("mandi-21".into()),
                ..config
            },
        )
        .with_events(Arc::new(UserRecipientEvents::new(
            mandi_core::users::UserService::for_catalog(&catalog),
        )))
        .with_catalog(catalog.clone()),
    );
    let mut bot = Bot::new(
        catalog.clone(),
        notifier.clone(),
        BotConfig {
            admins: vec![ADMIN],
            associate_tag: Some("mandi-21".into()),
            source_name: "test".into(),
            source_label: "sandbox (seed 42, loopback)".into(),
            ..BotConfig::default()
        },
    );
    if let Some(resolver) = resolver {
        bot = bot.with_resolver(resolver);
    }
    let rates: Arc<dyn mandi_core::fx::RateSource> = Arc::new(crate::support::TestRates);
    let rates = Arc::new(mandi_core::fx::RateCache::new(
        rates,
        Arc::new(clock.clone()),
    ));
    bot = bot.with_cross_border(
        mandi_core::crossborder::CrossBorderService::new(catalog.clone(), rates).unwrap(),
    );
    let bot = Arc::new(bot);
    let poller = Poller::new(client_for(&fake), 1);
    let task = tokio::spawn(async move {
        let _ = bot.run_polling(poller).await;
    });
    Harness {
        fake,
        store,
        source,
        clock,
        catalog,
        notifier,
        task,
    }
}

pub(crate) async fn wait_for(what: &str, secs: u64, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) async fn user_of(h: &Harness, chat: i64) -> mandi_core::User {
    h.store
        .find_user(&ExternalIdentity::new("telegram", chat.to_string()))
        .await
        .unwrap()
        .expect("the bot stored the user")
}

/// Queues `n`'s alert in the outbox for the Telegram channel, as the rule engine would,
/// and runs the dispatcher once over it with the bot's notifier.
pub(crate) async fn deliver_through_outbox(
    h: &Harness,
    n: &Notification,
) -> mandi_core::alerts::DispatchReport {
    h.store
        .apply_update(&mandi_core::PriceUpdate {
            alerts: vec![mandi_core::NewAlert {
                user_id: n.alert.user_id,
                watch_id: n.alert.watch_id,
                marketplace: n.alert.marketplace,
                asin: n.alert.asin,
                rule: n.alert.rule.clone(),
                price: n.alert.price,
                previous_price: n.alert.previous_price,
                availability: n.alert.availability,
                message: n.alert.message.clone(),
                triggered_at: n.alert.triggered_at,
                dedupe_key: n.alert.dedupe_key.clone(),
                card: None,
            }],
            channels: vec!["telegram".into()],
            ..mandi_core::PriceUpdate::default()
        })
        .await
        .unwrap();
    mandi_core::alerts::Dispatcher::new(
        h.store.clone(),
        vec![h.notifier.clone() as Arc<dyn Notifier>],
        Arc::new(h.clock.clone()),
    )
    .run_once()
    .await
    .unwrap()
}

/// The alert the rule engine would make for the user's first watch after a drop.
pub(crate) async fn alert_for(h: &Harness, chat: i64, price: i64, previous: i64) -> Notification {
    let user = user_of(h, chat).await;
    let watch = h.store.list_watches(user.id).await.unwrap().remove(0);
    Notification {
        idempotency_key: format!("alert-{}-telegram", watch.id),
        alert: Alert {
            id: AlertId(watch.id.0),
            user_id: user.id,
            watch_id: watch.id,
            marketplace: Marketplace::India,
            asin: watch.target.asin(),
            rule: AlertRule::DropFromBaseline { bps: 500 },
            price: Some(inr(price)),
            previous_price: Some(inr(previous)),
            availability: Availability::InStock,
            message: format!("Price fell to ₹{price}"),
            triggered_at: h.clock.now_utc(),
            dedupe_key: format!("w{}-drop", watch.id),
            card: None,
        },
        user,
    }
}

trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc>;
}
impl NowUtc for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        mandi_core::Clock::now(self)
    }
}

#[tokio::test]
async fn start_paste_a_link_watch_then_one_alert_with_photo_and_buy_button() {
    let h = harness(NotifierConfig::default()).await;
    let u = 1001;
    // Invited by a user who already talks to the bot (an unknown inviter is ignored).
    h.fake.push_text(1000, "/start");
    wait_for("the inviter's welcome", 10, || {
        h.fake.sent_to(1000).len() == 1
    })
    .await;
    let inviter = user_of(&h, 1000).await;
    h.fake.push_text(u, &format!("/start ref_{}", inviter.id.0));
    wait_for("the welcome", 10, || h.fake.sent_to(u).len() == 1).await;
    let welcome = h.fake.sent_to(u)[0].body().to_owned();
    assert!(
        welcome.contains("Welcome") && welcome.contains("friend"),
        "{welcome}"
    );

    // A whole shared message with the link in it.
    h.fake.push_text(u, "Check this out! Redmi Note 13 https://www.amazon.in/Redmi-Note-13/dp/B000000001/ref=sr_1_3?crid=X shared via app");
    wait_for("the watch confirmation", 10, || {
        h.fake.sent_to(u).len() == 2
    })
    .await;
    let confirm = &h.fake.sent_to(u)[1];
    assert!(confirm.body().contains("Watching"), "{}", confirm.body());
    assert!(
        confirm
            .body()
            .contains("Redmi Note 13 5G &lt;Arctic White&gt;")
    );
    assert!(confirm.body().contains("₹59,999"));
    let user = user_of(&h, u).await;
    let watches = h.store.list_watches(user.id).await.unwrap();
    assert_eq!(watches.len(), 1);
    assert_eq!(watches[0].baseline_price, Some(inr(59_999)));

    // The price drops 8 %; a refresh records it and the rule engine (a 5 % drop from the price
    // when watched, by default) writes the alert and its outbox row in the same transaction;
    // the dispatcher delivers it through the Telegram notifier, and a second pass (as after a
    // restart) delivers nothing more.
    h.clock.advance(ChronoDuration::hours(6));
    h.source.set_price(asin(1), 54_999, h.clock.now_utc());
    h.catalog.alert_step().refresh_watched().await.unwrap();
    let dispatcher = mandi_core::alerts::Dispatcher::new(
        h.store.clone(),
        vec![h.notifier.clone() as Arc<dyn Notifier>],
        Arc::new(h.clock.clone()),
    );
    assert_eq!(dispatcher.drain().await.unwrap().sent, 1);
    assert_eq!(dispatcher.drain().await.unwrap().sent, 0);
    let sent = h.fake.sent_to(u);
    assert_eq!(sent.len(), 3, "the alert arrived exactly once");
    let alert = &sent[2];
    assert_eq!(alert.method, "sendPhoto");
    assert_eq!(
        alert.photo,
        Some(SentPhoto::Remote(
            "https://m.media-amazon.com/images/I/B000000001.jpg".into()
        ))
    );
    let caption = alert.body();
    assert!(
        caption.contains("<s>₹59,999</s> → <b>₹54,999</b>"),
        "{caption}"
    );
    assert!(caption.contains("off MRP"), "{caption}");
    // The deal announcement says the saving in rupees, not only in percent.
    assert!(
        caption.contains("You save <b>₹5,000</b> on the last price"),
        "{caption}"
    );
    assert!(caption.contains("off MRP (₹15,000)"), "{caption}");
    assert!(
        alert
            .buttons()
            .iter()
            .any(|(label, url)| label.contains("Buy")
                && url == "https://www.amazon.in/dp/B000000001?tag=mandi-21")
    );
    assert_eq!(h.fake.rate_limit_violations(), 0);
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
}

#[tokio::test]
async fn watch_buttons_change_only_the_owners_watch() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    let (owner, other) = (2001, 2002);
    h.fake.push_text(owner, "/watch B000000001");
    h.fake.push_text(owner, "/watches");
    wait_for("the list", 10, || h.fake.sent_to(owner).len() == 2).await;
    let list = &h.fake.sent_to(owner)[1];
    assert!(list.body().contains("Your watches"));
    let pause = list
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains('⏸'))
        .unwrap()
        .1;
    let delete = list
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains('🗑'))
        .unwrap()
        .1;

    // Another user presses the owner's delete button (data copied): refused.
    h.fake.push_callback(other, 1, &delete);
    h.clock.advance(ChronoDuration::hours(1));
    h.fake.push_callback(owner, list.message_id, &pause);
    wait_for("two answers", 10, || {
        h.fake.calls("answerCallbackQuery").len() == 2
    })
    .await;
    let owner_user = user_of(&h, owner).await;
    wait_for("the pause", 10, || {
        futures::executor::block_on(h.store.list_watches(owner_user.id))
            .unwrap()
            .first()
            .is_some_and(|w| w.state == WatchState::Paused)
    })
    .await;
    // The pause went through WatchService: the change is stamped.
    let paused = h.store.list_watches(owner_user.id).await.unwrap().remove(0);
    assert_eq!(paused.updated_at, t0() + ChronoDuration::hours(1));
    let answers: Vec<String> = h
        .fake
        .calls("answerCallbackQuery")
        .iter()
        .map(|c| c.params["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        answers.iter().any(|a| a.contains("does not exist")),
        "{answers:?}"
    );
    assert_eq!(h.store.list_watches(owner_user.id).await.unwrap().len(), 1);
    wait_for("the list refresh", 10, || {
        !h.fake.calls("editMessageText").is_empty()
    })
    .await;

    // Target price through the button, then a reply.
    let target = list
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains('🎯'))
        .unwrap()
        .1;
    h.fake.push_callback(owner, list.message_id, &target);
    wait_for("the prompt", 10, || {
        h.fake
            .sent_to(owner)
            .iter()
            .any(|s| s.body().contains("target price"))
    })
    .await;
    h.fake.push_text(owner, "₹52,000");
    wait_for("the confirmation", 10, || {
        h.fake
            .sent_to(owner)
            .iter()
            .any(|s| s.body().contains("Target set"))
    })
    .await;
    let w = h.store.list_watches(owner_user.id).await.unwrap().remove(0);
    // The target joins the default rules at the end: no rule moves, so none inherits
    // another's saved state (issue #14).
    assert_eq!(w.rules.len(), 4);
    assert_eq!(w.rules[..3], mandi_core::watches::default_rules()[..]);
    assert_eq!(
        w.rules[3],
        AlertRule::TargetPrice {
            at_or_below: inr(52_000)
        }
    );
    // A second target replaces the first in place.
    h.fake.push_callback(owner, list.message_id, &target);
    wait_for("the second prompt", 10, || {
        h.fake
            .sent_to(owner)
            .iter()
            .filter(|s| s.body().contains("target price"))
            .count()
            == 2
    })
    .await;
    h.fake.push_text(owner, "₹51,000");
    wait_for("the second confirmation", 10, || {
        h.fake
            .sent_to(owner)
            .iter()
            .filter(|s| s.body().contains("Target set"))
            .count()
            == 2
    })
    .await;
    let w = h.store.list_watches(owner_user.id).await.unwrap().remove(0);
    assert_eq!(w.rules.len(), 4);
    assert_eq!(
        w.rules[3],
        AlertRule::TargetPrice {
            at_or_below: inr(51_000)
        }
    );

    // Export (a .json document), delete, import by sending the file back.
    h.fake.push_text(owner, "/export");
    wait_for("the export", 10, || {
        h.fake
            .sent_to(owner)
            .iter()
            .any(|s| s.method == "sendDocument")
    })
    .await;
    let export = h
        .fake
        .sent_to(owner)
        .into_iter()
        .find(|s| s.method == "sendDocument")
        .unwrap();
    let doc = export.document.clone().unwrap();
    assert!(doc.file_name.ends_with(".json"), "{}", doc.file_name);
    assert!(export.body().contains("Watches: 1"), "{}", export.body());
    h.fake.push_callback(owner, list.message_id, &delete);
    wait_for("the delete", 10, || {
        futures::executor::block_on(h.store.list_watches(owner_user.id))
            .unwrap()
            .is_empty()
    })
    .await;
    // Sent back without a caption: read through getFile and the file download.
    h.fake
        .push_document(owner, &doc.file_name, doc.bytes.clone(), None);
    wait_for("the import", 10, || {
        h.fake
            .sent_to(owner)
            .iter()
            .any(|s| s.body().contains("Imported watches: 1"))
    })
    .await;
    let w = h.store.list_watches(owner_user.id).await.unwrap().remove(0);
    assert_eq!(
        w.rules[3],
        AlertRule::TargetPrice {
            at_or_below: inr(51_000)
        }
    );
}

#[tokio::test]
async fn a_blocked_user_is_deactivated_by_a_403_or_by_leaving_the_chat() {
    let h = harness(NotifierConfig::default()).await;
    let u = 3001;
    h.fake.push_text(u, "B000000001");
    wait_for("the watch", 10, || h.fake.sent_to(u).len() == 1).await;
    h.fake.block_chat(u);
    // The alert goes through the outbox; the dispatcher handles the gone recipient.
    let n = alert_for(&h, u, 54_999, 59_999).await;
    let report = deliver_through_outbox(&h, &n).await;
    assert_eq!(report.dead, 1);
    let user = user_of(&h, u).await;
    assert!(!user.active);
    assert!(
        h.store
            .list_watches(user.id)
            .await
            .unwrap()
            .iter()
            .all(|w| w.state == WatchState::Paused)
    );
    // Blocking through the my_chat_member update works the same way.
    h.fake.push_text(3002, "B000000001");
    wait_for("the second watch", 10, || h.fake.sent_to(3002).len() == 1).await;
    h.fake.push_raw(serde_json::json!({"my_chat_member": {
        "chat": {"id": 3002, "type": "private"}, "from": {"id": 3002, "first_name": "B"}, "date": 1,
        "old_chat_member": {"status": "member"}, "new_chat_member": {"status": "kicked"}}}));
    let second = user_of(&h, 3002).await.id;
    wait_for("the deactivation", 10, || {
        !futures::executor::block_on(h.store.get_user(second))
            .unwrap()
            .active
    })
    .await;
}

#[tokio::test]
async fn a_429_storm_delays_replies_but_each_arrives_once() {
    let h = harness(NotifierConfig::default()).await;
    let u = 4001;
    h.fake.start_storm(3, 1);
    h.fake.push_text(u, "/help");
    wait_for("the help after the storm", 15, || {
        h.fake.sent_to(u).len() == 1
    })
    .await;
    assert_eq!(h.fake.storm_429s(), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.sent_to(u).len(), 1);
    assert!(h.fake.sent_to(u)[0].body().contains("/watch"));
}

#[tokio::test]
async fn a_flood_of_1000_updates_with_malformed_ones_is_handled_once_each() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    let mut expected = 0;
    for i in 0..1000 {
        let chat = 10_000 + (i % 50);
        match i % 10 {
            0 => {
                h.fake
                    .push_raw(serde_json::json!({"message": {"message_id": "x", "chat": 5}}));
            }
            1 => {
                h.fake
                    .push_raw(serde_json::json!({"callback_query": {"id": 1, "data": ["p:1"]}}));
            }
            2 => {
                // A well-formed update of a kind the bot ignores.
                h.fake.push_raw(serde_json::json!({"poll": {"id": "1"}}));
            }
            3 | 4 => {
                h.fake.push_text(chat, "hello there");
                expected += 1;
            }
            _ => {
                h.fake.push_text(chat, "/help");
                expected += 1;
            }
        }
    }
    wait_for("every reply", 120, || h.fake.sent().len() >= expected).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.fake.sent().len(), expected);
    wait_for("every update confirmed", 10, || {
        h.fake.pending_updates() == 0
    })
    .await;
}

#[tokio::test]
async fn malformed_and_hostile_input_gets_answers_not_crashes() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    let u = 5001;
    h.fake.push_raw(serde_json::json!({"message": {"message_id": 1, "date": 1, "chat": {"id": u, "type": "private"}, "text": {"nested": true}}}));
    h.fake.push_raw(serde_json::json!("not even an object"));
    h.fake.push_callback(u, 1, "p:999999");
    h.fake.push_callback(u, 1, "garbage-data");
    h.fake
        .push_text(u, "/watch https://amazon.in.evil.example/dp/nothing");
    h.fake.push_text(u, "/watch B0ZZZZZZZZ");
    h.fake.push_text(u, "/price <script>alert(1)</script>");
    h.fake.push_text(u, "/nonsense");
    h.fake.push_text(u, "/help");
    wait_for("the answers", 20, || {
        h.fake
            .sent_to(u)
            .iter()
            .any(|s| s.body().contains("/watches"))
    })
    .await;
    let bodies: Vec<String> = h
        .fake
        .sent_to(u)
        .iter()
        .map(|s| s.body().to_owned())
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("could not find")),
        "{bodies:?}"
    );
    assert!(
        bodies.iter().any(|b| b.contains("does not know")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("do not know that command")),
        "{bodies:?}"
    );
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
    assert_eq!(h.fake.calls("answerCallbackQuery").len(), 2);
}

#[tokio::test]
async fn search_pages_inline_mode_history_settings_and_admin() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    for i in 2..=13 {
        h.source.add(
            asin(i),
            &format!("Phone model {i}"),
            10_000 + i64::from(i),
            12_000,
        );
    }
    let u = 6001;
    h.fake.push_text(u, "/search phone");
    wait_for("page 1", 10, || h.fake.sent_to(u).len() == 1).await;
    let page1 = &h.fake.sent_to(u)[0];
    assert!(page1.body().contains("Phone model 2"));
    let next = page1
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains("Next"))
        .unwrap()
        .1;
    assert!(
        page1
            .buttons()
            .iter()
            .filter(|(l, _)| l.contains("Watch"))
            .count()
            == 5
    );
    h.fake.push_callback(u, page1.message_id, &next);
    wait_for("page 2", 10, || !h.fake.calls("editMessageText").is_empty()).await;
    let edit = &h.fake.calls("editMessageText")[0].params;
    assert!(
        edit["text"].as_str().unwrap().contains("Phone model 7"),
        "{edit}"
    );

    // Inline mode.
    h.fake.push_inline_query(u, "phone");
    wait_for("the inline answer", 10, || {
        !h.fake.calls("answerInlineQuery").is_empty()
    })
    .await;
    let inline = &h.fake.calls("answerInlineQuery")[0].params;
    // The page's ten products, after the completions of the words ("s…" ids).
    let results = inline["results"].as_array().unwrap();
    let products = results
        .iter()
        .filter(|r| !r["id"].as_str().unwrap().starts_with('s'))
        .count();
    assert_eq!(products, 10, "{inline}");
    assert!(results.len() <= 15, "{inline}");
    assert_eq!(inline["next_offset"], "2");

    // History chart: a few days of prices first.
    for (d, p) in [(0, 11_000), (1, 10_500), (2, 10_002)] {
        h.clock.advance(ChronoDuration::days(d));
        h.source.set_price(asin(2), p, h.clock.now_utc());
        h.catalog
            .lookup(Marketplace::India, &[asin(2)])
            .await
            .unwrap();
    }
    h.fake.push_text(u, "/history B000000002");
    wait_for("the chart", 20, || {
        h.fake.sent_to(u).iter().any(|s| s.method == "sendPhoto")
    })
    .await;
    let chart = h
        .fake
        .sent_to(u)
        .into_iter()
        .find(|s| s.method == "sendPhoto")
        .unwrap();
    assert!(matches!(
        chart.photo,
        Some(SentPhoto::Upload { png: true, .. })
    ));
    assert!(chart.body().contains("Lowest"));

    // Settings: switch to Hindi; help comes in Hindi.
    h.fake.push_text(u, "/settings");
    wait_for("settings", 10, || {
        h.fake
            .sent_to(u)
            .iter()
            .any(|s| s.body().contains("Settings"))
    })
    .await;
    h.fake.push_callback(u, 1, "st:lang");
    let user = user_of(&h, u).await.id;
    wait_for("the language switch", 10, || {
        futures::executor::block_on(h.store.get_user(user))
            .unwrap()
            .settings
            .language
            == Language::Hindi
    })
    .await;
    // The preferred marketplace: the picker, then amazon.co.uk.
    h.fake.push_callback(u, 1, "st:mk");
    wait_for("the marketplace picker", 10, || {
        h.fake.calls("editMessageText").iter().any(|c| {
            let text = c.params["text"].as_str().unwrap_or("");
            let buttons = c.params["reply_markup"]["inline_keyboard"].to_string();
            text.contains("Amazon") && buttons.contains("mk:GB") && buttons.contains("✓ amazon.in")
        })
    })
    .await;
    h.fake.push_callback(u, 1, "mk:GB");
    wait_for("the marketplace switch", 10, || {
        futures::executor::block_on(h.store.get_user(user))
            .unwrap()
            .settings
            .marketplace
            == mandi_core::Marketplace::UnitedKingdom
    })
    .await;
    h.fake.push_callback(u, 1, "mk:IN");
    wait_for("back to amazon.in", 10, || {
        futures::executor::block_on(h.store.get_user(user))
            .unwrap()
            .settings
            .marketplace
            == mandi_core::Marketplace::India
    })
    .await;
    h.fake.push_text(u, "/help");
    wait_for("Hindi help", 10, || {
        h.fake.sent_to(u).iter().any(|s| s.body().contains("कमांड"))
    })
    .await;

    // Admin commands: refused for others, answered for admins.
    h.fake.push_text(u, "/admin_status");
    wait_for("the refusal", 10, || {
        h.fake.sent_to(u).iter().any(|s| s.body().contains("एडमिन"))
    })
    .await;
    h.fake.push_text(ADMIN, "/admin_status");
    wait_for("the status", 10, || {
        h.fake
            .sent_to(ADMIN)
            .iter()
            .any(|s| s.body().contains("Status"))
    })
    .await;
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
}

#[tokio::test]
async fn an_alert_with_history_carries_a_mini_chart() {
    let h = harness(NotifierConfig {
        attach_chart: true,
        ..NotifierConfig::default()
    })
    .await;
    let u = 7001;
    h.fake.push_text(u, "/watch B000000001");
    wait_for("the watch", 10, || h.fake.sent_to(u).len() == 1).await;
    for p in [58_000, 56_000, 54_999] {
        h.clock.advance(ChronoDuration::days(2));
        h.source.set_price(asin(1), p, h.clock.now_utc());
        h.catalog
            .lookup(Marketplace::India, &[asin(1)])
            .await
            .unwrap();
    }
    let n = alert_for(&h, u, 54_999, 56_000).await;
    h.notifier.deliver(&n).await.unwrap();
    let alert = h.fake.sent_to(u).pop().unwrap();
    assert_eq!(alert.method, "sendPhoto");
    assert!(
        matches!(alert.photo, Some(SentPhoto::Upload { png: true, .. })),
        "{:?}",
        alert.photo
    );
    assert!(alert.body().contains("90-day average"), "{}", alert.body());
    assert!(alert.buttons().iter().any(|(l, _)| l.contains("Buy")));
}

#[tokio::test]
async fn webhook_mode_feeds_the_same_bot() {
    let fake = FakeTelegram::start().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let source = TestSource::with_product(asin(1), "Kettle", 999, 1_499);
    let catalog = CatalogService::new(source, store, Arc::new(ManualClock::new(t0())));
    let notifier = Arc::new(TelegramNotifier::new(
        client_for(&fake),
        NotifierConfig::default(),
    ));
    let bot = Arc::new(Bot::new(catalog, notifier, BotConfig::default()));
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let lanes = bot.spawn_lanes(rx);
    let secret = secrecy::SecretString::from("hook-secret".to_owned());
    let app = mandi_bot::telegram::webhook_router("/tg", secret, tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let update = serde_json::json!({"update_id": 1, "message": {"message_id": 1, "date": 1,
        "from": {"id": 8001, "first_name": "W"}, "chat": {"id": 8001, "type": "private"},
        "text": "/watch B000000001"}});
    let r = reqwest::Client::new()
        .post(format!("http://{addr}/tg"))
        .header(mandi_bot::telegram::SECRET_HEADER, "hook-secret")
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for("the reply", 10, || fake.sent_to(8001).len() == 1).await;
    assert!(fake.sent_to(8001)[0].body().contains("Kettle"));
    server.abort();
    lanes.abort();
}

#[tokio::test]
async fn a_pasted_short_link_is_expanded_and_watched() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let amzn = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/d/abc123"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("location", "https://www.amazon.in/dp/B000000001?ref=x"),
        )
        .expect(1)
        .mount(&amzn)
        .await;
    let resolver = mandi_paapi::resolver::HttpLinkResolver::builder()
        .base_url(&amzn.uri())
        .unwrap()
        .build()
        .unwrap();
    let h = harness_with(NotifierConfig::default(), Some(Arc::new(resolver))).await;
    let u = 1009;
    h.fake
        .push_text(u, "Dekho ye deal: https://amzn.in/d/abc123");
    wait_for("the watch confirmation", 10, || {
        !h.fake.sent_to(u).is_empty()
    })
    .await;
    let confirm = h.fake.sent_to(u)[0].body().to_owned();
    assert!(confirm.contains("Watching"), "{confirm}");
    let user = user_of(&h, u).await;
    let watches = h.store.list_watches(user.id).await.unwrap();
    assert_eq!(watches.len(), 1);
    assert_eq!(watches[0].target.asin(), asin(1));
}

#[tokio::test]
async fn a_group_that_becomes_a_supergroup_keeps_its_watches_under_the_new_id() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    let (group, member, supergroup) = (-4242_i64, 77, -1_000_000_004_242_i64);
    h.fake.push_group_text(group, member, "/watch B000000001");
    wait_for("the watch", 10, || h.fake.sent_to(group).len() == 1).await;
    let before = user_of(&h, group).await;
    h.fake.push_raw(serde_json::json!({
        "message": {
            "message_id": 900,
            "chat": {"id": group, "type": "group", "title": "Deals group"},
            "date": 1_764_000_100,
            "migrate_to_chat_id": supergroup,
        }
    }));
    wait_for("the move", 10, || {
        futures::executor::block_on(
            h.store
                .find_user(&ExternalIdentity::new("telegram", supergroup.to_string())),
        )
        .unwrap()
        .is_some()
    })
    .await;
    let after = user_of(&h, supergroup).await;
    assert_eq!(after.id, before.id, "the same user, so the same watches");
    assert_eq!(h.store.list_watches(after.id).await.unwrap().len(), 1);
    // The supergroup's next command finds its watches.
    h.fake.push_group_text(supergroup, member, "/watches");
    wait_for("the list", 10, || {
        h.fake
            .sent_to(supergroup)
            .iter()
            .any(|s| s.body().contains("Redmi"))
    })
    .await;
}

#[tokio::test]
async fn a_digest_user_gets_one_message_in_their_language_delivered_once() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    let u = 5001;
    h.fake.push_text(u, "B000000001");
    wait_for("the watch", 10, || h.fake.sent_to(u).len() == 1).await;
    let mut user = user_of(&h, u).await;
    user.settings.alert_mode = mandi_core::AlertMode::DailyDigest;
    user.settings.language = Language::Hindi;
    h.store.update_user(&user).await.unwrap();
    let watch = h.store.list_watches(user.id).await.unwrap().remove(0);
    let alerts: Vec<mandi_core::NewAlert> = ["first drop", "second drop"]
        .iter()
        .enumerate()
        .map(|(i, msg)| mandi_core::NewAlert {
            user_id: user.id,
            watch_id: watch.id,
            marketplace: Marketplace::India,
            asin: crate::support::asin(1),
            rule: AlertRule::AllTimeLow,
            price: Some(inr(50_000 - i as i64 * 1_000)),
            previous_price: Some(inr(59_999)),
            availability: Availability::InStock,
            message: (*msg).to_owned(),
            triggered_at: t0(),
            dedupe_key: format!("d{i}"),
            card: None,
        })
        .collect();
    h.store
        .apply_update(&mandi_core::PriceUpdate {
            alerts,
            channels: vec!["telegram".into()],
            ..mandi_core::PriceUpdate::default()
        })
        .await
        .unwrap();
    let dispatcher = mandi_core::alerts::Dispatcher::new(
        h.store.clone(),
        vec![h.notifier.clone() as Arc<dyn Notifier>],
        Arc::new(h.clock.clone()),
    )
    .with_digest(mandi_core::digest::DigestBuilder::standard(
        h.catalog.clone(),
    ));
    assert_eq!(dispatcher.run_once().await.unwrap().held, 2);
    let before = h.fake.sent_to(u).len();
    // The next 09:00 IST after t0 (06:00 UTC = 11:30 IST) is 03:30 UTC the next day.
    h.clock
        .advance(ChronoDuration::hours(21) + ChronoDuration::minutes(30));
    let r = dispatcher.run_once().await.unwrap();
    assert_eq!(r.sent, 2);
    let sent = h.fake.sent_to(u);
    assert_eq!(sent.len(), before + 1, "one message for both alerts");
    let body = sent[before].body();
    assert!(body.contains("आपका सार"), "in the user's language: {body}");
    assert!(
        body.contains("first drop") && body.contains("second drop"),
        "{body}"
    );
    assert!(
        body.contains("Redmi"),
        "the watches section is there: {body}"
    );
    // Nothing more goes out: the rows are sent, and a repeat of the key is dropped.
    h.clock.advance(ChronoDuration::days(1));
    assert_eq!(dispatcher.run_once().await.unwrap().claimed, 0);
    assert_eq!(h.fake.sent_to(u).len(), before + 1);
}

/// `/report <ASIN>` shows the library's competitive picture of the product from the stored
/// offer listings (buy box, other sellers new, used), and the product card's "Offers" button
/// shows it again after a fresh price.
#[tokio::test]
async fn report_shows_the_competitive_picture_and_the_card_button_opens_it() {
    use mandi_core::{DataOrigin, OfferKind, PricePoint};
    let h = harness(NotifierConfig::unthrottled()).await;
    let a = asin(1);
    let point = |kind: OfferKind, hours_ago: i64, rupees: i64| PricePoint {
        marketplace: Marketplace::India,
        asin: a,
        offer_kind: kind,
        at: t0() - ChronoDuration::hours(hours_ago),
        price: Some(inr(rupees)),
        list_price: None,
        availability: Availability::InStock,
        deal_badge: None,
        origin: DataOrigin::Api,
    };
    let mut points = Vec::new();
    for (hours_ago, buy_box, new, used) in [
        (240, 62_000, 60_000, 50_000),
        (120, 60_500, 59_000, 48_000),
        (1, 61_200, 60_000, 45_900),
    ] {
        points.push(point(OfferKind::BuyBox, hours_ago, buy_box));
        points.push(point(OfferKind::ThirdPartyNew, hours_ago, new));
        points.push(point(OfferKind::Used, hours_ago, used));
    }
    // Older than the month: not part of the picture.
    points.push(point(OfferKind::Used, 24 * 40, 1_000));
    h.store.record_prices(&points).await.unwrap();

    let u = 6101;
    h.fake.push_text(u, "/report B000000001");
    wait_for("the report", 10, || h.fake.sent_to(u).len() == 1).await;
    let first = h.fake.sent_to(u);
    let report = first[0].body();
    assert!(
        report.contains("Offers for B000000001, last month"),
        "{report}"
    );
    assert!(
        report.contains(
            "Buy box</b>: now <b>₹61,200</b>\n₹60,500–₹62,000 · last seen 20 Nov 10:30 IST"
        ),
        "{report}"
    );
    assert!(
        report.contains("Other sellers, new</b>: now <b>₹60,000</b>\n₹59,000–₹60,000"),
        "{report}"
    );
    assert!(
        report.contains("Used</b>: now <b>₹45,900</b>\n₹45,900–₹50,000"),
        "{report}"
    );
    // (61,200 − 60,000) / 60,000 and (61,200 − 45,900) / 61,200.
    assert!(
        report.contains("Buy box against other sellers (new): +2%"),
        "{report}"
    );
    assert!(
        report.contains("Used saves against the buy box: 25%"),
        "{report}"
    );

    // A week, and without a product: the usage.
    h.fake.push_text(u, "/report week B000000001");
    h.fake.push_text(u, "/report");
    wait_for("two more answers", 10, || h.fake.sent_to(u).len() == 3).await;
    let sent = h.fake.sent_to(u);
    assert!(sent.iter().any(|s| s.body().contains("last week")));
    assert!(
        sent.iter()
            .any(|s| s.body().contains("Send /report followed by"))
    );

    // The product card (a fresh lookup records the buy box at ₹59,999 now) has the button.
    h.fake.push_text(u, "/price B000000001");
    wait_for("the card", 10, || h.fake.sent_to(u).len() == 4).await;
    let card = h.fake.sent_to(u)[3].clone();
    // The card: the product's image with price, MRP, stock, and buttons to the history,
    // offers and similar products.
    assert_eq!(card.method, "sendPhoto");
    assert_eq!(
        card.photo,
        Some(SentPhoto::Remote(
            "https://m.media-amazon.com/images/I/B000000001.jpg".into()
        ))
    );
    let body = card.body();
    assert!(body.contains("<b>₹59,999</b>"), "{body}");
    assert!(body.contains("MRP <s>₹69,999</s>"), "{body}");
    assert!(body.contains("In stock"), "{body}");
    let labels: Vec<String> = card.buttons().into_iter().map(|(l, _)| l).collect();
    for wanted in ["Buy", "Watch", "History", "Offers", "Similar"] {
        assert!(
            labels.iter().any(|l| l.contains(wanted)),
            "{wanted}: {labels:?}"
        );
    }
    let (_, data) = card
        .buttons()
        .into_iter()
        .find(|(label, _)| label.contains("Offers"))
        .expect("an Offers button on the card");
    h.fake.push_callback(u, card.message_id, &data);
    wait_for("the report from the button", 10, || {
        h.fake.sent_to(u).len() == 5
    })
    .await;
    let last = h.fake.sent_to(u);
    let again = last[4].body();
    assert!(
        again.contains(
            "Buy box</b>: now <b>₹59,999</b>\n₹59,999–₹62,000 · last seen 20 Nov 11:30 IST"
        ),
        "{again}"
    );
    // The other sellers were not seen at that latest moment: no comparison of old prices.
    assert!(!again.contains("against other sellers"), "{again}");
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
}

/// `/compare <ASIN>` shows the product in the user's store and abroad, converted, with
/// shipping and Indian import duty, and names the cheapest; without a product it explains
/// itself.
#[tokio::test]
async fn compare_shows_the_landed_cost_in_each_store_and_the_cheapest() {
    let h = harness(NotifierConfig::unthrottled()).await;
    let a = asin(1);
    // ₹59,999 at home; $399.00 in the US (about ₹33,841 + shipping + 30.98 % duty).
    h.source.add_abroad(
        a,
        Marketplace::UnitedStates,
        "Redmi Note 13 5G (US)",
        39_900,
    );
    let u = 6201;
    h.fake.push_text(u, "/compare B000000001");
    wait_for("the comparison", 10, || h.fake.sent_to(u).len() == 1).await;
    let sent = h.fake.sent_to(u);
    let body = sent[0].body();
    assert!(body.contains("in other stores (in INR)"), "{body}");
    assert!(body.contains("<b>www.amazon.in</b> ₹59,999.00"), "{body}");
    assert!(body.contains("<b>www.amazon.com</b> $399.00"), "{body}");
    assert!(
        body.contains("<b>www.amazon.co.uk</b> — not sold there"),
        "{body}"
    );
    assert!(body.contains("duty ₹"), "{body}");
    assert!(body.contains("✅ <b>www.amazon.com</b>"), "{body}");
    assert!(body.contains("Cheapest: www.amazon.com, ₹"), "{body}");
    assert!(body.contains("as of 2026-02-01"), "{body}");

    h.fake.push_text(u, "/compare");
    wait_for("the usage", 10, || h.fake.sent_to(u).len() == 2).await;
    assert!(
        h.fake.sent_to(u)[1]
            .body()
            .contains("Send /compare followed by")
    );
}

/// A product card without an image shows a mini chart of its prices instead; without either
/// it is a text message.
#[tokio::test]
async fn a_product_card_without_an_image_shows_a_mini_chart() {
    use mandi_core::{DataOrigin, OfferKind, PricePoint};
    let h = harness(NotifierConfig::unthrottled()).await;
    let a = asin(1);
    for p in h.source.products.lock().unwrap().iter_mut() {
        p.images.clear();
    }
    let u = 6301;
    // No history yet beyond the lookup's own point: text.
    h.fake.push_text(u, "/price B000000001");
    wait_for("the text card", 10, || h.fake.sent_to(u).len() == 1).await;
    assert_eq!(h.fake.sent_to(u)[0].method, "sendMessage");
    let points: Vec<PricePoint> = [(240, 62_000), (120, 60_500), (48, 61_000)]
        .into_iter()
        .map(|(hours_ago, rupees)| PricePoint {
            marketplace: Marketplace::India,
            asin: a,
            offer_kind: OfferKind::BuyBox,
            at: t0() - ChronoDuration::hours(hours_ago),
            price: Some(inr(rupees)),
            list_price: None,
            availability: Availability::InStock,
            deal_badge: None,
            origin: DataOrigin::Api,
        })
        .collect();
    h.store.record_prices(&points).await.unwrap();
    h.fake.push_text(u, "/price B000000001");
    wait_for("the chart card", 10, || h.fake.sent_to(u).len() == 2).await;
    let card = h.fake.sent_to(u)[1].clone();
    assert_eq!(card.method, "sendPhoto");
    assert!(
        matches!(card.photo, Some(SentPhoto::Upload { png: true, .. })),
        "{:?}",
        card.photo
    );
    assert!(card.body().contains("<b>₹59,999</b>"), "{}", card.body());
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
}
