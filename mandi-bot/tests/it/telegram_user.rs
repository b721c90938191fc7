//! What a Telegram user trips over (issue 22), each through the strict fake Bot API server:
//! groups, export and import as documents, alert headlines, variation parents, short links,
//! server failures, coming back after blocking, double taps, admin commands, and the fake's
//! own conformance to the published Bot API schema.

use std::time::Duration;

use mandi_bot::fake::{FAKE_TOKEN, FakeTelegram, Limits};
use mandi_bot::notifier::NotifierConfig;
use mandi_core::{ExternalIdentity, Store, WatchState};
use serde_json::{Value, json};

use crate::conversation::{ADMIN, Harness, harness, user_of, wait_for};
use crate::support::asin;

async fn quiet_harness() -> Harness {
    let h = harness(NotifierConfig::unthrottled()).await;
    h.fake.set_limits(Limits {
        enforce: false,
        ..Limits::default()
    });
    h
}

#[tokio::test]
async fn in_a_group_the_bot_answers_only_what_is_for_it_and_threads_its_replies() {
    let h = quiet_harness().await;
    let (group, member) = (-5150_i64, 51);
    let chatter = h
        .fake
        .push_group_text(group, member, "anyone up for lunch?");
    let other_bot = h.fake.push_group_text(group, member, "/help@OtherBot");
    let mine = h
        .fake
        .push_group_text(group, member, "/help@mandi_test_bot");
    let _ = (chatter, other_bot, mine);
    wait_for("the help", 10, || h.fake.sent_to(group).len() == 1).await;
    // A link in the conversation is for the bot; the reply is threaded to it.
    h.fake.push_group_text(
        group,
        member,
        "dekho https://www.amazon.in/dp/B000000001 kitna sasta",
    );
    wait_for("the watch", 10, || h.fake.sent_to(group).len() == 2).await;
    // Let anything else that might come arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = h.fake.sent_to(group);
    assert_eq!(
        sent.len(),
        2,
        "{:?}",
        sent.iter().map(|s| s.body()).collect::<Vec<_>>()
    );
    assert!(sent[0].body().contains("Commands"), "{}", sent[0].body());
    assert!(!sent.iter().any(|s| s.body().contains("could not find")));
    // Message ids count per chat (the fake numbers incoming and sent alike): 1 chatter,
    // 2 other bot, 3 mine, 4 the help, 5 the link.
    assert_eq!(sent[0].reply_to, Some(3));
    assert_eq!(sent[1].reply_to, Some(sent[0].message_id + 1));
    assert!(sent[1].body().contains("Watching"), "{}", sent[1].body());
    // A reply to the bot's own message is for the bot (no link needed).
    h.fake
        .push_group_reply(group, member, "what about this one?", sent[1].message_id);
    wait_for("the answer to the reply", 10, || {
        h.fake.sent_to(group).len() == 3
    })
    .await;
    assert_eq!(
        h.fake.sent_to(group)[2].reply_to,
        Some(sent[1].message_id + 1)
    );
}

#[tokio::test]
async fn twenty_five_watches_export_as_one_document_and_import_all_or_nothing() {
    let h = quiet_harness().await;
    let u = 2201;
    for n in 2..=25 {
        h.source
            .add(asin(n), &format!("Gadget {n}"), 1_000 + i64::from(n), 2_000);
    }
    for n in 1..=25 {
        h.fake.push_text(u, &format!("/watch {}", asin(n).as_str()));
    }
    let user = {
        wait_for("the first watch", 10, || !h.fake.sent_to(u).is_empty()).await;
        user_of(&h, u).await
    };
    wait_for("25 watches", 20, || {
        futures::executor::block_on(h.store.list_watches(user.id))
            .unwrap()
            .len()
            == 25
    })
    .await;
    h.fake.push_text(u, "/export");
    wait_for("the export", 10, || {
        h.fake.sent_to(u).iter().any(|s| s.method == "sendDocument")
    })
    .await;
    let export = h
        .fake
        .sent_to(u)
        .into_iter()
        .find(|s| s.method == "sendDocument")
        .unwrap();
    let doc = export.document.unwrap();
    // "sending a file…" was shown while the export was made.
    assert!(
        h.fake
            .calls("sendChatAction")
            .iter()
            .any(|c| c.params["action"] == "upload_document")
    );
    let parsed: Value = serde_json::from_slice(&doc.bytes).unwrap();
    assert_eq!(parsed["watches"].as_array().unwrap().len(), 25);
    assert!(
        doc.bytes.len() > 4096,
        "bigger than one message: {}",
        doc.bytes.len()
    );

    // A corrupted copy changes nothing: one bad entry refuses the whole file.
    for w in h.store.list_watches(user.id).await.unwrap() {
        h.store.delete_watch(user.id, w.id).await.unwrap();
    }
    let mut bad = parsed.clone();
    bad["watches"][24] = json!({"garbage": true});
    h.fake.push_document(
        u,
        "broken.json",
        serde_json::to_vec(&bad).unwrap(),
        Some("/import"),
    );
    wait_for("the refusal", 10, || {
        h.fake
            .sent_to(u)
            .iter()
            .any(|s| s.body().contains("Send the file /export gave you"))
    })
    .await;
    assert!(h.store.list_watches(user.id).await.unwrap().is_empty());
    // The real file with /import as its caption restores all 25.
    h.fake
        .push_document(u, &doc.file_name, doc.bytes.clone(), Some("/import"));
    wait_for("the import", 10, || {
        h.fake
            .sent_to(u)
            .iter()
            .any(|s| s.body().contains("Imported watches: 25"))
    })
    .await;
    assert_eq!(h.store.list_watches(user.id).await.unwrap().len(), 25);
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
}

#[tokio::test]
async fn a_variation_parent_offers_its_variations_instead_of_an_unknown_price() {
    let h = quiet_harness().await;
    let u = 2301;
    let parent = asin(900);
    h.source.add_family(
        parent,
        "Redmi 13C",
        &[
            (asin(901), "Starfrost White", 8_999),
            (asin(902), "Navy Blue", 9_299),
        ],
    );
    h.fake.push_text(u, parent.as_str());
    wait_for("the choice", 10, || !h.fake.sent_to(u).is_empty()).await;
    let offer = &h.fake.sent_to(u)[0];
    assert!(
        offer.body().contains("several variations"),
        "{}",
        offer.body()
    );
    assert!(offer.body().contains("Navy Blue") && offer.body().contains("₹9,299"));
    let buttons = offer.buttons();
    assert_eq!(buttons.len(), 3, "{buttons:?}");
    assert!(buttons[2].0.contains("one by one"), "{buttons:?}");
    let user = user_of(&h, u).await;
    assert!(h.store.list_watches(user.id).await.unwrap().is_empty());
    // Choosing one watches that variation.
    h.fake.push_callback(u, offer.message_id, &buttons[1].1);
    wait_for("the watch", 10, || h.fake.sent_to(u).len() == 2).await;
    let watches = h.store.list_watches(user.id).await.unwrap();
    assert_eq!(watches.len(), 1);
    assert_eq!(watches[0].target.asin(), asin(902));
}

#[tokio::test]
async fn a_short_link_that_cannot_be_opened_says_so() {
    // The harness has no resolver: short links cannot be expanded.
    let h = quiet_harness().await;
    let u = 2401;
    h.fake.push_text(u, "ye dekho https://amzn.in/d/abc123");
    // A full Amazon link that is not a product still says no product was found.
    h.fake
        .push_text(u, "https://www.amazon.in/gp/help/customer");
    wait_for("two answers", 10, || h.fake.sent_to(u).len() == 2).await;
    let sent = h.fake.sent_to(u);
    assert!(
        sent[0].body().contains("couldn't open this short link"),
        "{}",
        sent[0].body()
    );
    assert!(
        sent[1]
            .body()
            .contains("could not find an Amazon product link")
    );
}

#[tokio::test]
async fn a_server_error_on_send_message_is_retried_with_backoff() {
    let h = quiet_harness().await;
    let u = 2501;
    h.fake.server_errors(2);
    h.fake.push_text(u, "/help");
    wait_for("the help after two 500s", 10, || {
        !h.fake.sent_to(u).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = h.fake.sent_to(u);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body().contains("Commands"), "{}", sent[0].body());
}

/// A 502 from a failing front on `sendMessage`, then 200: the answer is resent once and
/// arrives exactly once.
#[tokio::test]
async fn a_502_on_send_message_is_resent_once_and_the_answer_arrives_once() {
    let h = quiet_harness().await;
    let u = 2502;
    h.fake.send_errors(502, 1);
    h.fake.push_text(u, "/help");
    wait_for("the help after a 502", 10, || !h.fake.sent_to(u).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = h.fake.sent_to(u);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body().contains("Commands"), "{}", sent[0].body());
    let tries = h.fake.send_requests("sendMessage", u);
    assert_eq!(tries, 2, "one failed send, one resend");
    assert!(!sent[0].body().contains("Something went wrong"));
}

#[tokio::test]
async fn a_user_who_unblocks_the_bot_is_offered_to_resume_their_paused_watches() {
    let h = quiet_harness().await;
    let u = 2601;
    h.fake.push_text(u, "B000000001");
    wait_for("the watch", 10, || h.fake.sent_to(u).len() == 1).await;
    let user = user_of(&h, u).await;
    // Blocked: Telegram reports the bot was kicked from the private chat.
    h.fake.push_raw(json!({"my_chat_member": {
        "chat": {"id": u, "type": "private", "first_name": "U"},
        "from": {"id": u, "is_bot": false, "first_name": "U"}, "date": 1,
        "old_chat_member": {"status": "member", "user": {"id": 42, "is_bot": true, "first_name": "Mandi"}},
        "new_chat_member": {"status": "kicked", "user": {"id": 42, "is_bot": true, "first_name": "Mandi"}, "until_date": 0}}}));
    wait_for("the pause", 10, || {
        futures::executor::block_on(h.store.list_watches(user.id))
            .unwrap()
            .iter()
            .all(|w| w.state == WatchState::Paused)
    })
    .await;
    // Unblocked, they write again.
    h.fake.push_text(u, "/watches");
    wait_for("welcome back and the list", 10, || {
        h.fake.sent_to(u).len() == 3
    })
    .await;
    let back = &h.fake.sent_to(u)[1];
    assert!(
        back.body().contains("your watches were paused"),
        "{}",
        back.body()
    );
    let (label, data) = back.buttons().remove(0);
    assert!(label.contains("Resume all"));
    h.fake.push_callback(u, back.message_id, &data);
    wait_for("resumed", 10, || {
        futures::executor::block_on(h.store.list_watches(user.id))
            .unwrap()
            .iter()
            .all(|w| w.state == WatchState::Active)
    })
    .await;
    assert!(h.store.get_user(user.id).await.unwrap().active);
}

/// Blocked on delivery (403 "bot was blocked by the user"), then back: "resume all" resumes
/// the two watches paused because the bot could not reach the user, and leaves the one they
/// had paused themselves paused.
#[tokio::test]
async fn resume_all_after_unblocking_leaves_a_deliberately_paused_watch_paused() {
    let h = quiet_harness().await;
    let u = 2602;
    h.source.add(asin(2), "Kettle", 999, 1_499);
    h.source.add(asin(3), "Toaster", 1_999, 2_499);
    for n in 1..=3 {
        h.fake.push_text(u, &format!("/watch {}", asin(n)));
        wait_for("the watch", 10, || h.fake.sent_to(u).len() == n as usize).await;
    }
    let user = user_of(&h, u).await;
    // One watch paused deliberately, through its button in /watches.
    h.fake.push_text(u, "/watches");
    wait_for("the list", 10, || h.fake.sent_to(u).len() == 4).await;
    let list = h.fake.sent_to(u)[3].clone();
    let pause = list
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains('⏸'))
        .expect("a pause button")
        .1;
    h.fake.push_callback(u, list.message_id, &pause);
    let states = || -> Vec<WatchState> {
        futures::executor::block_on(h.store.list_watches(user.id))
            .unwrap()
            .iter()
            .map(|w| w.state)
            .collect()
    };
    wait_for("the deliberate pause", 10, || {
        states()
            .iter()
            .filter(|s| **s == WatchState::Paused)
            .count()
            == 1
    })
    .await;
    let deliberate = futures::executor::block_on(h.store.list_watches(user.id))
        .unwrap()
        .into_iter()
        .find(|w| w.state == WatchState::Paused)
        .unwrap()
        .id;

    // The user blocks the bot; the next alert is refused with 403 "bot was blocked by the
    // user", and the dispatcher deactivates the user (their live watches paused).
    h.fake.block_chat(u);
    let n = crate::conversation::alert_for(&h, u, 54_999, 59_999).await;
    let e = mandi_core::Notifier::deliver(h.notifier.as_ref(), &n)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, mandi_core::NotifyError::RecipientGone { reason, .. } if reason.contains("bot was blocked by the user")),
        "{e}"
    );
    let report = crate::conversation::deliver_through_outbox(&h, &n).await;
    assert_eq!(report.dead, 1);
    assert!(!h.store.get_user(user.id).await.unwrap().active);
    assert!(states().iter().all(|s| *s == WatchState::Paused));

    // Unblocked, they write again: welcome back, with the two to resume.
    h.fake.unblock_chat(u);
    let before = h.fake.sent_to(u).len();
    h.fake.push_text(u, "/help");
    wait_for("welcome back and the help", 10, || {
        h.fake.sent_to(u).len() == before + 2
    })
    .await;
    let back = h.fake.sent_to(u)[before].clone();
    assert!(
        back.body().contains("your watches were paused") && back.body().contains(" 2"),
        "{}",
        back.body()
    );
    let (label, data) = back.buttons().remove(0);
    assert!(label.contains("Resume all"));
    h.fake.push_callback(u, back.message_id, &data);
    wait_for("two resumed", 10, || {
        states()
            .iter()
            .filter(|s| **s == WatchState::Active)
            .count()
            == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    for w in h.store.list_watches(user.id).await.unwrap() {
        let want = if w.id == deliberate {
            WatchState::Paused
        } else {
            WatchState::Active
        };
        assert_eq!(w.state, want, "watch {}", w.id);
    }
    assert!(h.store.get_user(user.id).await.unwrap().active);
}

#[tokio::test]
async fn a_double_tap_does_not_edit_a_message_into_the_same_text() {
    let h = quiet_harness().await;
    let u = 2701;
    h.fake.push_text(u, "/watch B000000001");
    h.fake.push_text(u, "/watches");
    wait_for("the list", 10, || h.fake.sent_to(u).len() == 2).await;
    let list = h.fake.sent_to(u)[1].clone();
    let pause = list
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains('⏸'))
        .unwrap()
        .1;
    h.fake.push_callback(u, list.message_id, &pause);
    h.fake.push_callback(u, list.message_id, &pause);
    wait_for("both answered", 10, || {
        h.fake.calls("answerCallbackQuery").len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.calls("editMessageText").len(), 1);
    assert!(
        !h.fake
            .rejected()
            .iter()
            .any(|(_, _, d)| d.contains("not modified")),
        "{:?}",
        h.fake.rejected()
    );
}

#[tokio::test]
async fn admin_status_names_the_real_source_and_broadcast_keeps_formatting() {
    let h = quiet_harness().await;
    let member = 2801;
    h.fake.push_text(member, "/start");
    wait_for("the welcome", 10, || !h.fake.sent_to(member).is_empty()).await;
    h.fake.push_text(ADMIN, "/admin_status");
    wait_for("the status", 10, || !h.fake.sent_to(ADMIN).is_empty()).await;
    let status = h.fake.sent_to(ADMIN)[0].body().to_owned();
    assert!(
        status.contains("source: sandbox (seed 42, loopback)"),
        "{status}"
    );
    // "/admin_broadcast Big sale <today>" with "Big sale" in bold and a link.
    let text = "/admin_broadcast Big sale <today> at shop";
    h.fake.push_raw(json!({"message": {
    "message_id": 77, "date": 1,
    "from": {"id": ADMIN, "is_bot": false, "first_name": "Admin"},
    "chat": {"id": ADMIN, "type": "private", "first_name": "Admin"},
    "text": text,
    "entities": [
        {"type": "bot_command", "offset": 0, "length": 16},
        {"type": "bold", "offset": 17, "length": 8},
        {"type": "text_link", "offset": 37, "length": 4, "url": "https://www.amazon.in/deals"}
    ]}}));
    wait_for("the broadcast", 10, || h.fake.sent_to(member).len() == 2).await;
    let b = h.fake.sent_to(member)[1].body().to_owned();
    assert_eq!(
        b,
        "<b>Big sale</b> &lt;today&gt; at <a href=\"https://www.amazon.in/deals\">shop</a>"
    );
}

#[tokio::test]
async fn a_whole_conversation_keeps_to_the_published_bot_api_schema() {
    let h = quiet_harness().await;
    let u = 2901;
    for text in [
        "/start",
        "B000000001",
        "/watches",
        "/price B000000001",
        "/export",
        "/settings",
    ] {
        h.fake.push_text(u, text);
    }
    wait_for("six answers", 15, || h.fake.sent_to(u).len() >= 6).await;
    let list = h
        .fake
        .sent_to(u)
        .into_iter()
        .find(|s| s.body().contains("Your watches"))
        .unwrap();
    let pause = list
        .buttons()
        .into_iter()
        .find(|(l, _)| l.contains('⏸'))
        .unwrap()
        .1;
    h.fake.push_callback(u, list.message_id, &pause);
    wait_for("the edit", 10, || {
        !h.fake.calls("editMessageText").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Every request the bot made and every answer the fake gave conform (getUpdates without
    // a null offset, getWebhookInfo with has_custom_certificate, …).
    let v = h.fake.schema_violations();
    assert!(v.is_empty(), "{v:#?}");
    assert!(h.fake.get_updates_calls() > 0);
}

/// Raw requests as other clients send them: form-encoded and multipart with numbers as
/// text, JSON; results carry entities and every required field.
#[tokio::test]
async fn the_fake_reads_every_encoding_and_answers_in_the_documented_shapes() {
    let fake = FakeTelegram::start().await;
    let http = reqwest::Client::new();
    let url = |m: &str| format!("{}/bot{FAKE_TOKEN}/{m}", fake.base_url());
    // Form-encoded, chat id as text, HTML with a link.
    let r: Value = http
        .post(url("sendMessage"))
        .form(&[
            ("chat_id", "31"),
            ("text", "<b>₹11,499</b> at https://amazon.in/dp/B000000001 <a href=\"https://x.in\">buy</a>"),
            ("parse_mode", "HTML"),
            ("reply_markup", r#"{"inline_keyboard":[[{"text":"Buy","url":"https://x.in"}]]}"#),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["ok"], true, "{r}");
    let m = &r["result"];
    assert_eq!(m["chat"]["id"], 31);
    assert_eq!(m["text"], "₹11,499 at https://amazon.in/dp/B000000001 buy");
    let kinds: Vec<&str> = m["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["bold", "url", "text_link"]);
    // Multipart text fields.
    let form = reqwest::multipart::Form::new()
        .text("chat_id", "32")
        .text("text", "plain");
    let r: Value = http
        .post(url("sendMessage"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["ok"], true, "{r}");
    // getChat, sendChatAction, getWebhookInfo.
    let r: Value = http
        .post(url("getChat"))
        .json(&json!({"chat_id": "-1001234567890"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["type"], "supergroup", "{r}");
    let r: Value = http
        .post(url("sendChatAction"))
        .form(&[("chat_id", "31"), ("action", "typing")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"], true, "{r}");
    let r: Value = http
        .get(url("getWebhookInfo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["result"]["has_custom_certificate"], false, "{r}");
    // What Telegram refuses, the fake refuses: a null, a missing required field, a bad type.
    for (method, body) in [
        ("getUpdates", json!({"offset": null})),
        ("sendMessage", json!({"chat_id": 1})),
        ("sendMessage", json!({"chat_id": {"id": 1}, "text": "x"})),
        ("sendChatAction", json!({"chat_id": 1, "action": "dancing"})),
    ] {
        let resp = http.post(url(method)).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{method} {body}");
    }
    // The fake's own answers conform to the schema; only the refused requests are noted.
    let v = fake.schema_violations();
    assert_eq!(v.len(), 3, "{v:#?}");
    // The client's typed calls agree.
    let c = crate::support::client_for(&fake);
    assert!(!c.get_webhook_info().await.unwrap().has_custom_certificate);
    assert!(c.send_chat_action(31, "upload_document").await.unwrap());
    let chat = c.get_chat(31).await.unwrap();
    assert_eq!(chat.id, 31);
    let _ = ExternalIdentity::new("telegram", "31");
}

/// A family's variations can be paged through one card at a time: each with its colour,
/// price and stock, Buy and Watch, edited in place.
#[tokio::test]
async fn the_variation_carousel_pages_through_a_family_in_place() {
    let h = quiet_harness().await;
    let u = 2311;
    let parent = asin(910);
    h.source.add_family(
        parent,
        "Redmi 13C",
        &[
            (asin(911), "Starfrost White", 8_999),
            (asin(912), "Navy Blue", 9_299),
        ],
    );
    h.fake.push_text(u, parent.as_str());
    wait_for("the choice", 10, || !h.fake.sent_to(u).is_empty()).await;
    let offer = h.fake.sent_to(u)[0].clone();
    let (_, start) = offer
        .buttons()
        .into_iter()
        .find(|(label, _)| label.contains("one by one"))
        .expect("a carousel button");
    h.fake.push_callback(u, offer.message_id, &start);
    wait_for("the first card", 10, || {
        h.fake.calls("editMessageText").len() == 1
    })
    .await;
    let first = h.fake.calls("editMessageText")[0].params.clone();
    let text = first["text"].as_str().unwrap_or_default().to_owned();
    assert!(text.starts_with("1/2"), "{text}");
    assert!(text.contains("color name: Starfrost White"), "{text}");
    assert!(
        text.contains("₹8,999") && text.contains("In stock"),
        "{text}"
    );
    let next = first["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .find(|b| b["text"].as_str().unwrap_or_default().contains("Next"))
        .and_then(|b| b["callback_data"].as_str())
        .expect("a Next button")
        .to_owned();
    h.fake.push_callback(u, offer.message_id, &next);
    wait_for("the second card", 10, || {
        h.fake.calls("editMessageText").len() == 2
    })
    .await;
    let second = h.fake.calls("editMessageText")[1].params.clone();
    let text = second["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("2/2") && text.contains("Navy Blue"),
        "{text}"
    );
    assert!(text.contains("₹9,299"), "{text}");
    assert!(h.fake.rejected().is_empty(), "{:?}", h.fake.rejected());
}
