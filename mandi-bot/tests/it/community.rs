//! The community end to end on the sandbox marketplace, through the strict fake Telegram:
//! a group's administrator subscribes it to Smartphones (a member may not: the bot asks
//! Telegram with `getChatMember`), a user shares a sandbox phone's link, the deal is
//! checked against the sandbox and verified, the group gets exactly one post, another user
//! up-votes it and the sharer's reputation rises; a friend comes through the sharer's
//! invitation and self-referral is ignored.

use std::sync::Arc;

use mandi_bot::bot::{Bot, BotConfig};
use mandi_bot::fake::{FakeTelegram, Limits};
use mandi_bot::notifier::{NotifierConfig, TelegramNotifier};
use mandi_bot::telegram::Poller;
use mandi_core::catalog::CatalogService;
use mandi_core::store::MemoryStore;
use mandi_core::{Clock, ProductSource, Store, SystemClock};
use mandi_paapi::creators::CredentialVersion;
use mandi_paapi::sandbox::{Catalog, Sandbox};

use crate::conversation::wait_for;
use crate::support::client_for;

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

impl SandboxBot {
    async fn user(&self, chat: i64) -> mandi_core::User {
        self.store
            .find_user(&mandi_core::ExternalIdentity::new(
                "telegram",
                chat.to_string(),
            ))
            .await
            .unwrap()
            .expect("the bot stored the user")
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

fn posts_in(b: &SandboxBot, group: i64) -> usize {
    b.fake
        .sent_to(group)
        .iter()
        .filter(|s| s.body().contains("Deal in"))
        .count()
}

#[tokio::test]
async fn a_shared_sandbox_deal_is_verified_voted_and_posted_once_to_a_subscribed_group() {
    let b = sandbox_bot().await;
    let s = Catalog::for_seed(42).sample();
    let (sharer, voter, admin, member, friend) = (5101, 5102, 5103, 5104, 5105);
    let group = -100_777;

    // Only administrators subscribe a group: Telegram is asked who is one.
    b.fake.set_member_status(group, admin, "administrator");
    b.fake
        .push_group_text(group, member, &format!("/subscribe {} 0 1", s.node_id));
    wait_for("the refusal", 20, || !b.fake.sent_to(group).is_empty()).await;
    assert!(
        b.fake.sent_to(group)[0]
            .body()
            .contains("Only the group's administrators"),
        "{}",
        b.fake.sent_to(group)[0].body()
    );
    let asked = b.fake.calls("getChatMember");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].params["chat_id"], group);
    assert_eq!(asked[0].params["user_id"], member);
    b.fake
        .push_group_text(group, admin, &format!("/subscribe {} 0 1", s.node_id));
    wait_for("the subscription", 20, || b.fake.sent_to(group).len() == 2).await;
    let done = b.fake.sent_to(group)[1].body().to_owned();
    assert!(done.contains("now gets deals in"), "{done}");
    assert_eq!(posts_in(&b, group), 0, "nothing to post yet");
    // A channel is subscribed from a private chat by its creator, named by its id.
    let channel = -100_888;
    b.fake.set_member_status(channel, admin, "creator");
    b.fake
        .push_text(member, &format!("/subscribe {channel} {} 0 1", s.node_id));
    wait_for("the channel refusal", 20, || {
        !b.fake.sent_to(member).is_empty()
    })
    .await;
    assert!(
        b.fake.sent_to(member)[0]
            .body()
            .contains("Only the group's administrators"),
        "{}",
        b.fake.sent_to(member)[0].body()
    );
    b.fake
        .push_text(admin, &format!("/subscribe {channel} {} 0 1", s.node_id));
    wait_for("the channel subscription", 20, || {
        !b.fake.sent_to(admin).is_empty()
    })
    .await;
    assert!(
        b.fake.sent_to(admin)[0]
            .body()
            .contains("now gets deals in"),
        "{}",
        b.fake.sent_to(admin)[0].body()
    );

    // A user shares the sandbox phone's link: checked against the sandbox, verified.
    b.fake.push_text(sharer, "/start");
    wait_for("the welcome", 20, || b.fake.sent_to(sharer).len() == 1).await;
    b.fake.push_text(
        sharer,
        &format!("/share https://www.amazon.in/dp/{}?th=1", s.phone.as_str()),
    );
    wait_for("the verdict", 30, || b.fake.sent_to(sharer).len() == 2).await;
    let verdict = b.fake.sent_to(sharer)[1].clone();
    assert!(
        verdict.body().contains("Verified and shared as deal #1"),
        "{}",
        verdict.body()
    );
    // The subscribed group gets the deal, once.
    wait_for("the group post", 20, || posts_in(&b, group) == 1).await;
    let post = b
        .fake
        .sent_to(group)
        .into_iter()
        .find(|m| m.body().contains("Deal in"))
        .unwrap();
    assert!(
        post.body().contains("Shared by a member"),
        "{}",
        post.body()
    );
    assert!(
        post.buttons().iter().any(|(_, d)| d == "v:1:u"),
        "{:?}",
        post.buttons()
    );

    // Another user up-votes it from /community; the sharer cannot vote on their own.
    b.fake.push_text(voter, "/community");
    wait_for("the listing", 20, || b.fake.sent_to(voter).len() == 1).await;
    let listing = b.fake.sent_to(voter)[0].clone();
    assert!(listing.body().contains("#1"), "{}", listing.body());
    let (_, up) = listing
        .buttons()
        .into_iter()
        .find(|(l, _)| l.starts_with("👍"))
        .unwrap();
    b.fake.push_callback(voter, listing.message_id, &up);
    wait_for("the vote", 20, || {
        b.fake.calls("answerCallbackQuery").len() == 1
    })
    .await;
    let toast = b.fake.calls("answerCallbackQuery")[0].params["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(toast.contains("👍 1"), "{toast}");
    b.fake.push_callback(sharer, verdict.message_id, &up);
    wait_for("the refusal", 20, || {
        b.fake.calls("answerCallbackQuery").len() == 2
    })
    .await;
    let own = b.fake.calls("answerCallbackQuery")[1].params["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(own.contains("own deal"), "{own}");
    // The sharer's reputation: one verified deal (+10) and one up vote (+2).
    b.fake.push_text(sharer, "/community");
    wait_for("the sharer's listing", 20, || {
        b.fake.sent_to(sharer).len() == 3
    })
    .await;
    let mine = b.fake.sent_to(sharer)[2].body().to_owned();
    assert!(mine.contains("Your reputation: 12"), "{mine}");
    assert!(mine.contains("👍 1"), "{mine}");

    // Referrals: a new user through the sharer's link counts; the sharer's own does not.
    let sharer_id = b.user(sharer).await.id;
    b.fake
        .push_text(sharer, &format!("/start ref_{}", sharer_id.0));
    wait_for("the self-referral", 20, || {
        b.fake.sent_to(sharer).len() == 4
    })
    .await;
    assert!(!b.fake.sent_to(sharer)[3].body().contains("friend's link"));
    b.fake
        .push_text(friend, &format!("/start ref_{}", sharer_id.0));
    wait_for("the friend's welcome", 20, || {
        !b.fake.sent_to(friend).is_empty()
    })
    .await;
    assert!(
        b.fake.sent_to(friend)[0].body().contains("friend's link"),
        "{}",
        b.fake.sent_to(friend)[0].body()
    );
    b.fake
        .push_text(friend, &format!("/start ref_{}", sharer_id.0));
    wait_for("the friend's second start", 20, || {
        b.fake.sent_to(friend).len() == 2
    })
    .await;
    assert!(
        !b.fake.sent_to(friend)[1].body().contains("friend's link"),
        "counted once"
    );
    b.fake.push_text(sharer, "/invite");
    wait_for("the invitation", 20, || b.fake.sent_to(sharer).len() == 5).await;
    let invite = b.fake.sent_to(sharer)[4].body().to_owned();
    assert!(
        invite.contains(&format!("start=ref_{}", sharer_id.0)),
        "{invite}"
    );
    assert!(
        invite.contains("Friends who joined: 1 · extra watch slots: 5"),
        "{invite}"
    );

    // Still exactly one post in the group (and one in the channel), and the fake saw no
    // malformed call.
    assert_eq!(posts_in(&b, group), 1);
    assert_eq!(posts_in(&b, channel), 1);
    let schema = b.fake.schema_violations();
    assert!(schema.is_empty(), "{schema:?}");
}
