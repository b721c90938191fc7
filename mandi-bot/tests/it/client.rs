//! The Bot API client against the fake: methods, typed errors, polling and the webhook.

use std::time::Duration;

use mandi_bot::fake::{FAKE_TOKEN, FakeTelegram, SentPhoto};
use mandi_bot::telegram::types::{
    BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto,
};
use mandi_bot::telegram::{
    Backoff, BotClient, InputFile, Poller, SECRET_HEADER, SendOptions, TelegramError,
    webhook_router,
};
use secrecy::SecretString;

use crate::support::client_for;

#[tokio::test]
async fn sends_messages_photos_albums_and_edits_in_the_real_shapes() {
    let fake = FakeTelegram::start().await;
    let c = client_for(&fake);
    assert_eq!(
        c.get_me().await.unwrap().username.as_deref(),
        Some("mandi_test_bot")
    );
    let kb = InlineKeyboardMarkup {
        inline_keyboard: vec![vec![InlineKeyboardButton::callback("Pause", "p:1")]],
    };
    let m = c
        .send_message(
            7,
            "<b>₹54,999</b> &lt;deal&gt;",
            &SendOptions::html_with(kb),
        )
        .await
        .unwrap();
    assert_eq!(m.chat.id, 7);
    let png = b"\x89PNG\r\n\x1a\nrest-of-a-png".to_vec();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let p = c
        .send_photo(
            7,
            &InputFile::Upload {
                file_name: "chart.png".into(),
                bytes: png,
            },
            Some("<i>chart</i>"),
            &SendOptions::html(),
        )
        .await
        .unwrap();
    assert!(p.photo.is_some());
    let album = c
        .send_media_group(
            8,
            &[
                InputMediaPhoto::new("https://m.media-amazon.com/a.jpg", Some("a".into())),
                InputMediaPhoto::new("https://m.media-amazon.com/b.jpg", None),
            ],
        )
        .await
        .unwrap();
    assert_eq!(album.len(), 2);
    c.edit_message_text(7, m.message_id, "edited", &SendOptions::default())
        .await
        .unwrap();
    c.edit_message_media(
        7,
        p.message_id,
        &InputMediaPhoto::new("https://x/y.jpg", None),
        None,
    )
    .await
    .unwrap();
    assert!(c.answer_callback_query("cb1", Some("done")).await.unwrap());
    assert!(c.answer_inline_query("iq1", &[], None, 10).await.unwrap());
    let cmds = [BotCommand {
        command: "watch".into(),
        description: "Watch a product".into(),
    }];
    assert!(c.set_my_commands(&cmds, Some("hi")).await.unwrap());

    let sent = fake.sent();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].text.as_deref(), Some("<b>₹54,999</b> &lt;deal&gt;"));
    assert_eq!(
        sent[0].buttons(),
        vec![("Pause".to_owned(), "p:1".to_owned())]
    );
    assert_eq!(
        sent[1].photo,
        Some(SentPhoto::Upload { len: 21, png: true })
    );
    assert_eq!(sent[1].caption.as_deref(), Some("<i>chart</i>"));
    assert_eq!(sent[2].album_len, 2);
    assert_eq!(fake.calls("editMessageText").len(), 1);
    assert_eq!(fake.calls("editMessageMedia").len(), 1);
    assert_eq!(fake.calls("setMyCommands")[0].params["language_code"], "hi");
    assert_eq!(fake.calls("answerCallbackQuery")[0].params["text"], "done");
}

#[tokio::test]
async fn each_documented_failure_is_its_own_typed_error() {
    let fake = FakeTelegram::start().await;
    let c = client_for(&fake);
    fake.start_storm(1, 7);
    let e = c
        .send_message(1, "x", &SendOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_retryable());

    fake.block_chat(2);
    let e = c
        .send_message(2, "x", &SendOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, TelegramError::Forbidden { .. }), "{e:?}");
    assert!(!e.is_retryable());

    fake.migrate_chat(-3, -1_003_000_000_000);
    let e = c
        .send_message(-3, "x", &SendOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        TelegramError::ChatMigrated {
            new_chat_id: -1_003_000_000_000,
            ..
        }
    ));

    let e = c
        .send_message(4, "a < b", &SendOptions::html())
        .await
        .unwrap_err();
    assert!(matches!(e, TelegramError::Api { code: 400, .. }), "{e:?}");

    // A 502 page from a failing front is Telegram's servers failing: retryable.
    fake.garbage_replies(1);
    let e = c
        .send_message(5, "x", &SendOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, TelegramError::Api { code: 502, .. }), "{e:?}");
    assert!(e.is_retryable());

    let wrong = BotClient::builder()
        .token("999:WRONG".to_owned())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let e = wrong.get_me().await.unwrap_err();
    assert!(matches!(e, TelegramError::Unauthorized { code: 401, .. }));
}

#[tokio::test]
async fn transport_errors_never_show_the_token() {
    // A loopback port nobody listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let c = BotClient::builder()
        .token(FAKE_TOKEN.to_owned())
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let e = c.get_me().await.unwrap_err();
    assert!(matches!(e, TelegramError::Network { .. }), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("TEST-token"), "{shown}");
    assert!(
        BotClient::builder()
            .token("has space".to_owned())
            .build()
            .is_err()
    );
    assert!(BotClient::builder().build().is_err());
}

#[tokio::test]
async fn polling_moves_past_malformed_updates_and_backs_off_on_garbage() {
    let fake = FakeTelegram::start().await;
    let c = client_for(&fake);
    fake.push_text(10, "/start");
    fake.push_raw(serde_json::json!({"message": {"message_id": "not a number"}}));
    fake.push_raw(serde_json::json!({"callback_query": {"id": 5}}));
    fake.push_text(10, "/help");
    let mut poller = Poller::new(c, 0).with_backoff(Backoff::new(
        Duration::from_millis(10),
        Duration::from_millis(50),
    ));
    let got = poller.poll_once().await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(poller.malformed_count(), 2);
    assert!(poller.poll_once().await.unwrap().is_empty());
    assert_eq!(
        fake.pending_updates(),
        0,
        "the offset confirmed every update"
    );

    // Garbage replies: run() backs off and then delivers.
    fake.garbage_replies(2);
    fake.push_text(11, "hello");
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let task = tokio::spawn(poller.run(tx));
    let u = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.message.unwrap().text.as_deref(), Some("hello"));
    drop(rx);
    task.abort();
}

#[tokio::test]
async fn long_polling_wakes_when_an_update_arrives() {
    let fake = FakeTelegram::start().await;
    let mut poller = Poller::new(client_for(&fake), 10);
    let push = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        fake.push_text(3, "late");
    };
    let (got, ()) = tokio::join!(poller.poll_once(), push);
    assert_eq!(got.unwrap().len(), 1);
}

#[tokio::test]
async fn webhook_checks_the_secret_token() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let app = webhook_router(
        "/tg/hook",
        SecretString::from("s3cret-value".to_owned()),
        tx,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/tg/hook");
    let http = reqwest::Client::new();
    let update = serde_json::json!({"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "/start"}});

    let r = http.post(&url).json(&update).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(&url)
        .header(SECRET_HEADER, "wrong")
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(rx.try_recv().is_err());

    let r = http
        .post(&url)
        .header(SECRET_HEADER, "s3cret-value")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "garbage is acknowledged so Telegram stops resending"
    );
    let r = http
        .post(&url)
        .header(SECRET_HEADER, "s3cret-value")
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let u = rx.recv().await.unwrap();
    assert_eq!(u.update_id, 1);
    server.abort();
}
