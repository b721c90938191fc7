//! Questions in words, `/categories` and `/similar` (issue 17's bot parts) through the
//! library's DiscoveryService: on the in-test source, and on the embedded sandbox marketplace
//! for categories and similar products.

use std::sync::Arc;

use mandi_bot::bot::{Bot, BotConfig};
use mandi_bot::fake::{FakeTelegram, Limits};
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier};
use mandi_bot::telegram::Poller;
use mandi_core::catalog::CatalogService;
use mandi_core::store::MemoryStore;
use mandi_core::{Clock, ExternalIdentity, ProductSource, Store, SystemClock};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{Catalog, Sandbox};

use crate::conversation::{harness, user_of, wait_for};
use crate::support::{asin, client_for};

/// A bot over the test source with a second Redmi phone, every product branded Redmi,
/// and the fake's rate limits off.
async fn redmi_harness() -> crate::conversation::Harness {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    h.source
        .add(asin(2), "Redmi Note 12 4G Mint Green", 11_999, 14_999);
    for p in h.source.products.lock().unwrap().iter_mut() {
        p.brand = Some("Redmi".into());
    }
    h
}

#[tokio::test]
async fn words_search_and_a_watch_asked_in_words_waits_for_the_confirm_button() {
    let h = redmi_harness().await;
    let u = 3101;
    h.fake.push_text(u, "redmi note");
    wait_for("the results", 10, || !h.fake.sent_to(u).is_empty()).await;
    let card = h.fake.sent_to(u)[0].clone();
    assert!(card.body().contains("🔎"), "{}", card.body());
    assert!(
        card.body().contains("Redmi Note 13") && card.body().contains("Redmi Note 12"),
        "{}",
        card.body()
    );
    assert_eq!(card.buttons().len(), 2, "{:?}", card.buttons());

    h.fake.push_text(u, "track Redmi Note 13");
    wait_for("the confirm card", 10, || h.fake.sent_to(u).len() == 2).await;
    let confirm = h.fake.sent_to(u)[1].clone();
    assert!(
        confirm.body().contains("Watch this product?"),
        "{}",
        confirm.body()
    );
    let user = user_of(&h, u).await;
    assert!(
        h.store.list_watches(user.id).await.unwrap().is_empty(),
        "nothing is watched before the confirm"
    );
    let (label, data) = confirm.buttons().remove(0);
    assert!(label.contains("Yes, watch it"));
    h.fake.push_callback(u, confirm.message_id, &data);
    wait_for("the watch", 10, || h.fake.sent_to(u).len() == 3).await;
    let watches = h.store.list_watches(user.id).await.unwrap();
    assert_eq!(watches.len(), 1);
    assert_eq!(watches[0].target.asin(), asin(1));
}

struct SandboxBot {
    fake: FakeTelegram,
    store: Arc<dyn Store>,
    task: tokio::task::JoinHandle<()>,
    _sandbox: mandi_paapi::sandbox::RunningSandbox,
}

impl Drop for SandboxBot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn sandbox_bot() -> SandboxBot {
    let fake = FakeTelegram::start().await;
    fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sandbox = Sandbox::builder()
        .seed(42)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let source: Arc<dyn ProductSource> =
        Arc::new(sandbox.creators_source(CredentialVersion::V2_2).unwrap());
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let catalog = CatalogService::new(source, store.clone(), clock);
    let notifier = Arc::new(TelegramNotifier::new(
        client_for(&fake),
        NotifierConfig::unthrottled(),
    ));
    let bot = Arc::new(Bot::new(catalog, notifier, BotConfig::default()));
    let poller = Poller::new(client_for(&fake), 1);
    let task = tokio::spawn(async move {
        let _ = bot.run_polling(poller).await;
    });
    SandboxBot {
        fake,
        store,
        task,
        _sandbox: sandbox,
    }
}

#[tokio::test]
async fn on_the_sandbox_compare_similar_and_categories_answer_with_cards() {
    let b = sandbox_bot().await;
    let s = Catalog::for_seed(42).sample();
    let u = 3201;
    b.fake
        .push_text(u, &format!("{} vs {}", s.book.as_str(), s.laptop.as_str()));
    wait_for("the comparison", 20, || !b.fake.sent_to(u).is_empty()).await;
    let cmp = b.fake.sent_to(u)[0].clone();
    assert!(cmp.body().contains("Side by side"), "{}", cmp.body());
    assert!(
        cmp.body().contains("90-day low") || cmp.body().contains("My pick"),
        "{}",
        cmp.body()
    );
    assert!(cmp.body().contains("My pick"), "{}", cmp.body());
    let buttons = cmp.buttons();
    assert_eq!(buttons.len(), 3, "{buttons:?}");
    // The carousel: the first product's card, then the next one in the same message.
    let cards = buttons
        .iter()
        .find(|(l, _)| l.contains("Product cards"))
        .unwrap();
    b.fake.push_callback(u, cmp.message_id, &cards.1);
    wait_for("the first card", 20, || {
        b.fake.calls("editMessageText").len() == 1
    })
    .await;
    let first = b.fake.calls("editMessageText")[0].params.clone();
    assert!(
        first["text"].as_str().unwrap().starts_with("1/2"),
        "{first}"
    );
    let next = first["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter())
        .find(|b| b["text"].as_str().unwrap().contains("Next"))
        .unwrap()["callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    b.fake.push_callback(u, cmp.message_id, &next);
    wait_for("the second card", 20, || {
        b.fake.calls("editMessageText").len() == 2
    })
    .await;
    let second = b.fake.calls("editMessageText")[1].params.clone();
    assert!(
        second["text"].as_str().unwrap().starts_with("2/2"),
        "{second}"
    );

    b.fake
        .push_text(u, &format!("/similar {}", s.laptop.as_str()));
    wait_for("the similar list", 20, || b.fake.sent_to(u).len() == 2).await;
    let sim = b.fake.sent_to(u)[1].clone();
    assert!(sim.body().contains("Products like"), "{}", sim.body());
    assert!(!sim.buttons().is_empty(), "{}", sim.body());

    b.fake.push_text(u, "/categories laptops");
    wait_for("the category", 20, || b.fake.sent_to(u).len() == 3).await;
    let cat = b.fake.sent_to(u)[2].clone();
    assert!(cat.body().contains("Laptops"), "{}", cat.body());
    // Products were seen by the searches above: a typical price is shown.
    assert!(cat.body().contains("Typical price"), "{}", cat.body());
    let children = cat.buttons();
    assert!(!children.is_empty(), "{}", cat.body());
    // A child button opens that category in the same message.
    b.fake.push_callback(u, cat.message_id, &children[0].1);
    wait_for("the edit", 20, || {
        b.fake.calls("editMessageText").len() == 3
    })
    .await;
    let edited = &b.fake.calls("editMessageText")[2].params;
    assert!(
        edited["text"]
            .as_str()
            .unwrap()
            .contains(children[0].0.as_str()),
        "{edited}"
    );
    let user = b
        .store
        .find_user(&ExternalIdentity::new("telegram", u.to_string()))
        .await
        .unwrap()
        .unwrap();
    assert!(b.store.list_watches(user.id).await.unwrap().is_empty());
    assert!(b.fake.rejected().is_empty(), "{:?}", b.fake.rejected());
}

/// The `answerInlineQuery` calls so far.
fn inline_answers(fake: &FakeTelegram) -> Vec<serde_json::Value> {
    fake.calls("answerInlineQuery")
        .into_iter()
        .map(|c| c.params)
        .collect()
}

fn titles(answer: &serde_json::Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn inline_mode_offers_completions_answered_as_questions() {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    for p in h.source.products.lock().unwrap().iter_mut() {
        p.brand = Some("Redmi".into());
    }
    let u = 3401;
    // A search of this person's own, remembered as a past query.
    h.fake.push_text(u, "redmi note");
    wait_for("the results", 10, || !h.fake.sent_to(u).is_empty()).await;
    let user = user_of(&h, u).await;
    let past = h.store.recent_searches(Some(user.id), 1).await.unwrap();
    let past = past[0].query.clone();

    // Two letters: completions only (their own search, categories, brands), no products.
    h.fake.push_inline_query(u, "re");
    wait_for("the completions", 10, || inline_answers(&h.fake).len() == 1).await;
    let answer = inline_answers(&h.fake)[0].clone();
    let results = answer["results"].as_array().unwrap();
    assert!((2..=5).contains(&results.len()), "{answer}");
    assert_eq!(titles(&answer)[0], past, "their own search first: {answer}");
    for r in results {
        let title = r["title"].as_str().unwrap();
        assert!(r["id"].as_str().unwrap().starts_with('s'), "{r}");
        assert!(
            title
                .to_lowercase()
                .split_whitespace()
                .any(|w| w.starts_with("re")),
            "{r}"
        );
        // Choosing it sends the completed words, as plain text.
        assert_eq!(r["input_message_content"]["message_text"], title, "{r}");
        assert!(
            r["input_message_content"].get("parse_mode").is_none(),
            "{r}"
        );
        assert!(!r["description"].as_str().unwrap().is_empty(), "{r}");
    }
    assert!(
        results.iter().any(|r| r["description"] == "🏷 Brand"),
        "{answer}"
    );
    assert_eq!(answer["is_personal"], true, "{answer}");
    assert!(answer.get("next_offset").is_none(), "{answer}");

    // Someone else never sees this person's searches.
    h.fake.push_inline_query(u + 1, "re");
    wait_for("the other answer", 10, || {
        inline_answers(&h.fake).len() == 2
    })
    .await;
    let other = inline_answers(&h.fake)[1].clone();
    assert!(!titles(&other).contains(&past), "{other}");
    assert!(!titles(&other).is_empty(), "{other}");
    assert_eq!(other["is_personal"], false, "{other}");

    // Longer words: completions lead, the products found follow.
    h.fake.push_inline_query(u, "redmi");
    wait_for("the mixed answer", 10, || {
        inline_answers(&h.fake).len() == 3
    })
    .await;
    let mixed = inline_answers(&h.fake)[2].clone();
    let ids: Vec<&str> = mixed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids[0].starts_with('s'), "{mixed}");
    let product_at = ids
        .iter()
        .position(|id| *id == asin(1).as_str())
        .expect("the product found");
    assert!(
        ids[..product_at].iter().all(|id| id.starts_with('s')),
        "{ids:?}"
    );

    // A completion chosen reaches the chat as the person's words and is answered as a
    // question: a results card.
    let chosen = titles(&answer)
        .into_iter()
        .find(|t| t.eq_ignore_ascii_case("redmi"))
        .expect("the brand completion");
    let before = h.fake.sent_to(u).len();
    h.fake.push_text(u, &chosen);
    wait_for("the answer", 10, || h.fake.sent_to(u).len() == before + 1).await;
    let card = h.fake.sent_to(u)[before].clone();
    assert!(card.body().contains("🔎"), "{}", card.body());
    assert!(card.body().contains("Redmi Note 13"), "{}", card.body());
}

/// Queues a private text message from a person whose Telegram client is in Hindi.
fn push_hindi_text(fake: &FakeTelegram, user: i64, message_id: i64, text: &str) {
    fake.push_raw(serde_json::json!({
        "message": {
            "message_id": message_id,
            "from": {"id": user, "is_bot": false, "first_name": "अनु", "language_code": "hi"},
            "chat": {"id": user, "type": "private", "first_name": "अनु"},
            "date": 1_764_000_000,
            "text": text,
        }
    }));
}

/// English phrases of the library's reasons that a Hindi card must not carry.
const ENGLISH_REASONS: [&str; 12] = [
    "matches \"",
    "has ",
    " within ",
    " ratings)",
    "% off",
    "deal score ",
    "also in ",
    "same brand",
    "cheaper",
    "cheapest at",
    "best rated",
    "closest to its",
];

fn assert_no_english_reasons(body: &str) {
    for phrase in ENGLISH_REASONS {
        assert!(
            !body.contains(phrase),
            "{phrase:?} in a Hindi reply:\n{body}"
        );
    }
}

#[tokio::test]
async fn a_hindi_speaker_gets_search_cards_and_the_confirm_in_hindi() {
    let h = redmi_harness().await;
    let u = 3501;
    push_hindi_text(&h.fake, u, 1, "redmi note");
    wait_for("the results", 10, || !h.fake.sent_to(u).is_empty()).await;
    let card = h.fake.sent_to(u)[0].clone();
    let body = card.body();
    assert!(body.contains("🔎"), "{body}");
    // The reasons, in Hindi: the words matched, the discount off MRP, the deal score.
    assert!(body.contains("&quot;note&quot; से मेल"), "{body}");
    assert!(body.contains("14% छूट"), "{body}");
    assert!(body.contains("डील स्कोर "), "{body}");
    assert_no_english_reasons(body);
    assert!(
        card.buttons().iter().all(|(l, _)| l.contains("नज़र रखें")),
        "{:?}",
        card.buttons()
    );

    push_hindi_text(&h.fake, u, 2, "track Redmi Note 13");
    wait_for("the confirm card", 10, || h.fake.sent_to(u).len() == 2).await;
    let confirm = h.fake.sent_to(u)[1].clone();
    assert!(
        confirm.body().contains("इस प्रोडक्ट पर नज़र रखूँ?"),
        "{}",
        confirm.body()
    );
    assert!(confirm.buttons()[0].0.contains("हाँ, नज़र रखें"));
}

#[tokio::test]
async fn on_the_sandbox_a_hindi_speaker_gets_compare_similar_and_categories_in_hindi() {
    let b = sandbox_bot().await;
    let s = Catalog::for_seed(42).sample();
    let u = 3502;
    push_hindi_text(
        &b.fake,
        u,
        1,
        &format!("{} vs {}", s.book.as_str(), s.laptop.as_str()),
    );
    wait_for("the comparison", 20, || !b.fake.sent_to(u).is_empty()).await;
    let cmp = b.fake.sent_to(u)[0].clone();
    let body = cmp.body();
    for hindi in ["आमने-सामने", "मेरी पसंद", "90 दिन का न्यूनतम"]
    {
        assert!(body.contains(hindi), "{hindi} missing:\n{body}");
    }
    // At least one reason for the pick, worded in Hindi.
    let bullets: Vec<&str> = body.lines().filter(|l| l.starts_with("• ")).collect();
    assert!(!bullets.is_empty(), "{body}");
    assert!(
        bullets
            .iter()
            .any(|l| l.contains("सबसे") || l.contains("ज़्यादा") || l.contains("बराबर")),
        "{body}"
    );
    assert_no_english_reasons(body);
    assert!(
        !body.contains("Side by side") && !body.contains("My pick"),
        "{body}"
    );
    assert!(
        cmp.buttons().iter().any(|(l, _)| l.contains("प्रोडक्ट कार्ड")),
        "{:?}",
        cmp.buttons()
    );

    push_hindi_text(&b.fake, u, 2, &format!("/similar {}", s.laptop.as_str()));
    wait_for("the similar list", 20, || b.fake.sent_to(u).len() == 2).await;
    let sim = b.fake.sent_to(u)[1].clone();
    let body = sim.body();
    assert!(body.contains("इसके जैसे प्रोडक्ट"), "{body}");
    assert!(body.contains("यह भी ") && body.contains(" में"), "{body}");
    assert_no_english_reasons(body);

    push_hindi_text(&b.fake, u, 3, "/categories laptops");
    wait_for("the category", 20, || b.fake.sent_to(u).len() == 3).await;
    let cat = b.fake.sent_to(u)[2].clone();
    let body = cat.body();
    for hindi in ["कैटेगरी", "आम दाम", "बीच का दाम", "प्रोडक्ट"]
    {
        assert!(body.contains(hindi), "{hindi} missing:\n{body}");
    }
    assert!(
        !body.contains("median") && !body.contains("Typical price"),
        "{body}"
    );
    assert!(b.fake.rejected().is_empty(), "{:?}", b.fake.rejected());
}
