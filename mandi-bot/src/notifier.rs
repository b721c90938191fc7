//! [`TelegramNotifier`]: the `Notifier` port over the Bot API, keeping to Telegram's limits.
//!
//! * **Throttling** ([`Throttle`]): every message gets a send slot at least
//!   `global_interval` after any other (34 ms: 29.4 messages a second, under Telegram's 30),
//!   `chat_interval` after the previous one to the same chat (1.05 s) and `group_interval` for
//!   groups (3.15 s: under 20 a minute). Slots are reserved up front, so concurrent deliveries
//!   interleave fairly. Under the slots, [`Throttle::admit`] checks Telegram's limits causally:
//!   a request counts from its start until its answer arrives, so however late a task wakes or
//!   a request travels, Telegram never sees 31 messages in a second, two to a chat within a
//!   second or 21 to a group within a minute.
//! * **Flood control**: a 429 pauses all sending for `retry_after`, then the message is sent
//!   again (up to `max_attempts` sends; Telegram did not send a message it answered 429 to,
//!   so this never duplicates).
//! * **Server failures**: a 5xx, or a network failure before any answer arrived, is resent
//!   after a pause that doubles (`retry_backoff`), at most `max_server_retries` times (2).
//!   Telegram has no idempotency key, so a resend after a 5xx whose message went through
//!   anyway shows the message twice; this cannot be prevented, only kept rare by resending
//!   little. A 4xx is never resent.
//! * **Blocked users**: a 403 is a permanent [`NotifyError::RecipientGone`] and calls
//!   [`RecipientEvents::blocked`] (the [`UserRecipientEvents`] hook deactivates the user and
//!   pauses their watches).
//! * **Migrated groups**: a 400 with `migrate_to_chat_id` is followed to the supergroup (and
//!   remembered), and reported through [`RecipientEvents::migrated`].
//! * **Idempotency**: a delivered idempotency key is remembered (the last `remember_keys`),
//!   so an outbox that retries after a lost acknowledgement does not send twice.
//!
//! The throttle reads `tokio::time::Instant` (monotonic time, not the wall clock the `Clock`
//! port stands for), so tests may pause and advance tokio's clock.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use mandi_core::catalog::{AlertView, CatalogService};
use mandi_core::ports::notifier::DigestNotification;
use mandi_core::users::UserService;
use mandi_core::{
    Alert, AlertHeadline, DealVerdict, ExternalIdentity, Notification, Notifier, NotifyError, User,
};
use tokio::time::Instant;

use crate::i18n::{Texts, texts};
use crate::links_local::product_url;
use crate::telegram::types::{InlineKeyboardButton, InlineKeyboardMarkup, Message};
use crate::telegram::{BotClient, InputFile, SendOptions, TelegramError};
use crate::text::{self, MAX_CAPTION_LEN, MAX_MESSAGE_LEN, escape_html};

/// The channel name in the outbox.
pub const CHANNEL: &str = "telegram";

/// The identity provider name of Telegram users (`ExternalIdentity::provider`).
pub const PROVIDER: &str = "telegram";

/// How the notifier paces and retries.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// Shortest gap between any two messages (34 ms ⇒ 29.4/s).
    pub global_interval: Duration,
    /// Shortest gap between two messages to one private chat.
    pub chat_interval: Duration,
    /// Shortest gap between two messages to one group (negative chat id).
    pub group_interval: Duration,
    /// Sends of one message tried under flood control before a 429 is returned as an error
    /// (a message answered 429 was not sent, so resending it is safe).
    pub max_attempts: u32,
    /// Resends of one message after a 5xx or a network failure before the failure is
    /// returned as an error. Kept small: Telegram has no idempotency key, so a resend after
    /// a 5xx whose message was delivered anyway duplicates it.
    pub max_server_retries: u32,
    /// The first pause before resending after a 5xx or a network failure (doubling each time).
    pub retry_backoff: Duration,
    /// Delivered idempotency keys remembered.
    pub remember_keys: usize,
    /// The Amazon Associates tag added to Buy links.
    pub associate_tag: Option<String>,
    /// Attach a mini price chart to alerts when there is history to draw.
    pub attach_chart: bool,
    /// Telegram's own limits, checked causally on answered requests (a guarantee under the
    /// slots, whatever the scheduling or network jitter).
    pub limits: TelegramLimits,
}

/// Telegram's documented limits, checked causally (see [`Throttle::admit`]).
#[derive(Debug, Clone, Copy)]
pub struct TelegramLimits {
    /// Messages in any one second, all chats (30).
    pub per_second: usize,
    /// Shortest gap between two messages to one chat (1 s).
    pub chat_gap: Duration,
    /// Messages to one group in any minute (20).
    pub group_per_minute: usize,
    /// Added to every window (timer granularity).
    pub margin: Duration,
    /// False to skip the check (tests of something other than rate limits).
    pub enforce: bool,
}

impl Default for TelegramLimits {
    fn default() -> Self {
        Self {
            per_second: 30,
            chat_gap: Duration::from_secs(1),
            group_per_minute: 20,
            margin: Duration::from_millis(5),
            enforce: true,
        }
    }
}

impl Default for NotifierConfig {
    fn default() -> Self {
        Self {
            global_interval: Duration::from_millis(34),
            chat_interval: Duration::from_millis(1050),
            group_interval: Duration::from_millis(3150),
            max_attempts: 5,
            max_server_retries: 2,
            retry_backoff: Duration::from_millis(250),
            remember_keys: 100_000,
            associate_tag: None,
            attach_chart: false,
            limits: TelegramLimits::default(),
        }
    }
}

impl NotifierConfig {
    /// No pacing at all (for tests of something other than rate limits).
    pub fn unthrottled() -> Self {
        Self {
            global_interval: Duration::ZERO,
            chat_interval: Duration::ZERO,
            group_interval: Duration::ZERO,
            limits: TelegramLimits {
                enforce: false,
                ..TelegramLimits::default()
            },
            ..Self::default()
        }
    }
}

/// Send-slot scheduling under Telegram's limits. Pure: the caller passes the time.
#[derive(Debug)]
pub struct Throttle {
    global: Duration,
    chat: Duration,
    group: Duration,
    slots: VecDeque<Instant>,
    chat_next: HashMap<i64, Instant>,
    paused_until: Option<Instant>,
    limits: TelegramLimits,
    next_ticket: u64,
    /// Sends that may still count in Telegram's one-second window: (ticket, done at).
    recent: VecDeque<(u64, Option<Instant>)>,
    /// The last send to each chat: (ticket, done at).
    chat_last: HashMap<i64, (u64, Option<Instant>)>,
    /// Sends to each group that may count in its one-minute window.
    group_recent: HashMap<i64, VecDeque<(u64, Option<Instant>)>>,
}

/// An admitted send; hand it back to [`Throttle::complete`] when the request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    id: u64,
    chat: i64,
}

impl Throttle {
    /// A throttle with the intervals of `config`.
    pub fn new(config: &NotifierConfig) -> Self {
        Self {
            global: config.global_interval,
            chat: config.chat_interval,
            group: config.group_interval,
            slots: VecDeque::new(),
            chat_next: HashMap::new(),
            paused_until: None,
            limits: config.limits,
            next_ticket: 0,
            recent: VecDeque::new(),
            chat_last: HashMap::new(),
            group_recent: HashMap::new(),
        }
    }

    /// Checks Telegram's limits causally before a send starts at `now`: a request counts
    /// from its start until its answer came back (it reached Telegram somewhere in
    /// between), so a send is admitted only when fewer than 30 earlier requests can still
    /// fall in the second before it, the chat's previous request was answered at least a
    /// second ago, and fewer than 20 requests to a group can fall in the minute before it.
    /// However late tasks wake or requests travel, Telegram cannot see the limits broken.
    ///
    /// # Errors
    ///
    /// When to check again.
    pub fn admit(&mut self, chat: i64, now: Instant) -> Result<Ticket, Instant> {
        let l = self.limits;
        let id = self.next_ticket;
        let ticket = Ticket { id, chat };
        if !l.enforce {
            self.next_ticket += 1;
            return Ok(ticket);
        }
        let second = Duration::from_secs(1) + l.margin;
        let minute = Duration::from_secs(60) + l.margin;
        let poll = now + Duration::from_millis(2);
        // Answered long enough ago: cannot count any more.
        self.recent
            .retain(|(_, done)| done.is_none_or(|d| d + second > now));
        if self.recent.len() >= l.per_second.max(1) {
            let mut done: Vec<Instant> = self.recent.iter().filter_map(|(_, d)| *d).collect();
            let excess = self.recent.len() + 1 - l.per_second.max(1);
            if done.len() < excess {
                return Err(poll);
            }
            done.sort();
            return Err(done[excess - 1] + second);
        }
        match self.chat_last.get(&chat) {
            Some((_, None)) => return Err(poll),
            Some((_, Some(d))) if now < *d + l.chat_gap + l.margin => {
                return Err(*d + l.chat_gap + l.margin);
            }
            _ => {}
        }
        if chat < 0 {
            let w = self.group_recent.entry(chat).or_default();
            w.retain(|(_, done)| done.is_none_or(|d| d + minute > now));
            if w.len() >= l.group_per_minute.max(1) {
                let mut done: Vec<Instant> = w.iter().filter_map(|(_, d)| *d).collect();
                let excess = w.len() + 1 - l.group_per_minute.max(1);
                if done.len() < excess {
                    return Err(poll);
                }
                done.sort();
                return Err(done[excess - 1] + minute);
            }
            w.push_back((id, None));
        }
        if self.chat_last.len() > 50_000 {
            let gap = l.chat_gap + l.margin;
            self.chat_last
                .retain(|_, (_, d)| d.is_none_or(|d| d + gap > now));
            self.group_recent.retain(|_, w| !w.is_empty());
        }
        self.next_ticket += 1;
        self.recent.push_back((id, None));
        self.chat_last.insert(chat, (id, None));
        Ok(ticket)
    }

    /// Records that an admitted send was answered (or failed) at `now`.
    pub fn complete(&mut self, ticket: Ticket, now: Instant) {
        if let Some(e) = self
            .recent
            .iter_mut()
            .rev()
            .find(|(id, _)| *id == ticket.id)
        {
            e.1 = Some(now);
        }
        if let Some(e) = self.chat_last.get_mut(&ticket.chat)
            && e.0 == ticket.id
        {
            e.1 = Some(now);
        }
        if let Some(w) = self.group_recent.get_mut(&ticket.chat)
            && let Some(e) = w.iter_mut().rev().find(|(id, _)| *id == ticket.id)
        {
            e.1 = Some(now);
        }
    }

    /// Reserves the earliest send slot for `chat` at or after `now`.
    pub fn reserve(&mut self, chat: i64, now: Instant) -> Instant {
        while self.slots.front().is_some_and(|s| *s + self.global <= now) {
            self.slots.pop_front();
        }
        if self.chat_next.len() > 50_000 {
            self.chat_next.retain(|_, t| *t > now);
        }
        let mut t = now;
        if let Some(p) = self.paused_until {
            t = t.max(p);
        }
        if let Some(c) = self.chat_next.get(&chat) {
            t = t.max(*c);
        }
        if !self.global.is_zero() {
            for s in &self.slots {
                if *s + self.global <= t {
                    continue;
                }
                if t + self.global <= *s {
                    break;
                }
                t = *s + self.global;
            }
            let pos = self.slots.partition_point(|s| *s <= t);
            self.slots.insert(pos, t);
        }
        let gap = if chat < 0 { self.group } else { self.chat };
        self.chat_next.insert(chat, t + gap);
        t
    }

    /// Stops every send until `until` (flood control).
    pub fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
    }

    /// The pause in force at `now`, if any.
    pub fn paused_at(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|p| *p > now)
    }
}

/// What the notifier reports about recipients, so the stored user can follow.
#[async_trait]
pub trait RecipientEvents: Send + Sync {
    /// The user blocked the bot (403); they cannot be reached any more.
    async fn blocked(&self, user: &User);
    /// The user's group became a supergroup with a new chat id.
    async fn migrated(&self, user: &User, from_chat: i64, to_chat: i64);
}

/// The [`RecipientEvents`] hook on the library's [`UserService`]: a user who blocked the bot
/// is deactivated (watches paused) by one library call, and a group that became a supergroup
/// moves to its new chat id in the store, so its watches follow.
#[derive(Debug, Clone)]
pub struct UserRecipientEvents {
    users: UserService,
}

impl UserRecipientEvents {
    /// A hook over the user service.
    pub fn new(users: UserService) -> Self {
        Self { users }
    }
}

#[async_trait]
impl RecipientEvents for UserRecipientEvents {
    async fn blocked(&self, user: &User) {
        if let Err(e) = self.users.deactivate(user).await {
            tracing::error!(user = %user.id, error = %e, "could not deactivate a user who blocked the bot");
        }
    }

    async fn migrated(&self, user: &User, from_chat: i64, to_chat: i64) {
        let from = ExternalIdentity::new(PROVIDER, from_chat.to_string());
        let to = ExternalIdentity::new(PROVIDER, to_chat.to_string());
        if let Err(e) = self.users.move_identity(&from, &to).await {
            tracing::error!(user = %user.id, from_chat, to_chat, error = %e, "could not store a group's new chat id");
        }
    }
}

#[derive(Debug, Default)]
struct Keys {
    done: HashSet<String>,
    order: VecDeque<String>,
    in_flight: HashSet<String>,
}

enum KeyState {
    New,
    Done,
    InFlight,
}

/// Counters of what the notifier did.
#[derive(Debug, Default)]
pub struct NotifierStats {
    /// Messages Telegram accepted.
    pub sent: AtomicU64,
    /// 429 answers received.
    pub rate_limited: AtomicU64,
    /// Deliveries skipped because their key was already delivered.
    pub duplicates: AtomicU64,
    /// Recipients found blocked.
    pub blocked: AtomicU64,
    /// Chats followed to a supergroup.
    pub migrated: AtomicU64,
}

/// The `Notifier` for Telegram. Also the throttled sender the bot uses for every reply, so
/// replies and alerts share one budget.
pub struct TelegramNotifier {
    client: BotClient,
    config: NotifierConfig,
    throttle: Mutex<Throttle>,
    keys: Mutex<Keys>,
    migrated: Mutex<HashMap<i64, i64>>,
    events: Option<Arc<dyn RecipientEvents>>,
    catalog: Option<CatalogService>,
    stats: NotifierStats,
    affiliate: Option<mandi_core::affiliate::AffiliateService>,
}

impl std::fmt::Debug for TelegramNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramNotifier")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Who asked for a send: a reply to the person (a gone recipient is reported through
/// [`RecipientEvents`]) or an alert or digest from the dispatcher (which handles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Reply,
    Alert,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TelegramNotifier {
    /// A notifier sending through `client`.
    pub fn new(client: BotClient, config: NotifierConfig) -> Self {
        Self {
            throttle: Mutex::new(Throttle::new(&config)),
            client,
            config,
            keys: Mutex::new(Keys::default()),
            migrated: Mutex::new(HashMap::new()),
            events: None,
            catalog: None,
            stats: NotifierStats::default(),
            affiliate: None,
        }
    }

    /// Points alert Buy buttons at the `/r/<token>` redirect of `affiliate` (each link
    /// made for the alert's user, alert and product, so the click is attributed to them);
    /// without it they go straight to Amazon.
    pub fn with_affiliate(mut self, affiliate: mandi_core::affiliate::AffiliateService) -> Self {
        self.affiliate = Some(affiliate);
        self
    }

    /// Reports blocked and migrated recipients to `events`.
    pub fn with_events(mut self, events: Arc<dyn RecipientEvents>) -> Self {
        self.events = Some(events);
        self
    }

    /// Enriches alerts from the catalog (title, image, MRP, 90-day average, verdict, chart)
    /// using only what the store holds (no source calls).
    pub fn with_catalog(mut self, catalog: CatalogService) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// The client.
    pub fn client(&self) -> &BotClient {
        &self.client
    }

    /// What it has done so far.
    pub fn stats(&self) -> &NotifierStats {
        &self.stats
    }

    /// The chat id a chat has moved to, if it has.
    pub fn current_chat(&self, chat: i64) -> i64 {
        let map = lock(&self.migrated);
        let mut c = chat;
        for _ in 0..8 {
            match map.get(&c) {
                Some(n) => c = *n,
                None => break,
            }
        }
        c
    }

    /// Sends an HTML text (split at 4096 characters on line boundaries; the keyboard goes
    /// under the last part), paced and retried like alerts.
    ///
    /// # Errors
    ///
    /// As [`TelegramNotifier::deliver`].
    pub async fn send_html(
        &self,
        user: Option<&User>,
        chat: i64,
        html: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, NotifyError> {
        self.send_html_as(Origin::Reply, user, chat, html, keyboard, None)
            .await
    }

    /// [`TelegramNotifier::send_html`] threaded as a reply to `reply_to` (a message of the
    /// chat), as the bot answers in groups.
    ///
    /// # Errors
    ///
    /// As [`TelegramNotifier::send_html`].
    pub async fn send_html_reply(
        &self,
        user: Option<&User>,
        chat: i64,
        html: &str,
        keyboard: Option<InlineKeyboardMarkup>,
        reply_to: Option<i64>,
    ) -> Result<Message, NotifyError> {
        self.send_html_as(Origin::Reply, user, chat, html, keyboard, reply_to)
            .await
    }

    /// Sends a document (paced like every message), with an HTML caption.
    ///
    /// # Errors
    ///
    /// As [`TelegramNotifier::send_html`].
    pub async fn send_document(
        &self,
        user: Option<&User>,
        chat: i64,
        file_name: &str,
        bytes: Vec<u8>,
        caption: &str,
        reply_to: Option<i64>,
    ) -> Result<Message, NotifyError> {
        let options = SendOptions {
            html: true,
            reply_markup: None,
            disable_preview: true,
            reply_to,
        };
        self.paced(Origin::Reply, user, chat, |c| {
            let options = options.clone();
            let bytes = bytes.clone();
            async move {
                self.client
                    .send_document(c, file_name, bytes, Some(caption), &options)
                    .await
            }
        })
        .await
    }

    async fn send_html_as(
        &self,
        origin: Origin,
        user: Option<&User>,
        chat: i64,
        html: &str,
        keyboard: Option<InlineKeyboardMarkup>,
        reply_to: Option<i64>,
    ) -> Result<Message, NotifyError> {
        let parts = text::split_message(html, MAX_MESSAGE_LEN);
        let last = parts.len().saturating_sub(1);
        let mut sent = None;
        for (i, part) in parts.iter().enumerate() {
            let options = SendOptions {
                html: true,
                reply_markup: if i == last { keyboard.clone() } else { None },
                disable_preview: true,
                reply_to: if i == 0 { reply_to } else { None },
            };
            let m = self
                .paced(origin, user, chat, |c| {
                    let options = options.clone();
                    async move { self.client.send_message(c, part, &options).await }
                })
                .await?;
            sent = Some(m);
        }
        sent.ok_or_else(|| permanent("nothing to send"))
    }

    /// Sends a photo with an HTML caption (≤ 1024; a longer caption follows as text), paced.
    ///
    /// # Errors
    ///
    /// As [`TelegramNotifier::deliver`].
    pub async fn send_photo(
        &self,
        user: Option<&User>,
        chat: i64,
        photo: InputFile,
        caption: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, NotifyError> {
        self.send_photo_as(Origin::Reply, user, chat, photo, caption, keyboard)
            .await
    }

    async fn send_photo_as(
        &self,
        origin: Origin,
        user: Option<&User>,
        chat: i64,
        photo: InputFile,
        caption: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, NotifyError> {
        let fits = text::visible_len(caption) <= MAX_CAPTION_LEN;
        let options = SendOptions {
            html: true,
            reply_markup: if fits { keyboard.clone() } else { None },
            disable_preview: false,
            reply_to: None,
        };
        let cap = fits.then_some(caption);
        let m = self
            .paced(origin, user, chat, |c| {
                let options = options.clone();
                let photo = &photo;
                async move { self.client.send_photo(c, photo, cap, &options).await }
            })
            .await?;
        if fits {
            return Ok(m);
        }
        self.send_html_as(origin, user, chat, caption, keyboard, None)
            .await
    }

    /// Runs one send under the throttle, following migrations and waiting out flood control.
    ///
    /// Retries, and why they are limited:
    /// * a 429 is waited out (`retry_after`) and resent, up to `max_attempts` sends: Telegram
    ///   did not send the message, so a resend never duplicates it;
    /// * a 5xx, a timeout or a network failure before any answer is resent after a doubling
    ///   pause (`retry_backoff`), at most `max_server_retries` times (2 by default). Telegram
    ///   has no idempotency key: when the message went through despite the 5xx, the resend
    ///   shows it twice. That cannot be prevented, so resends are few;
    /// * any 4xx (other than 403, a gone recipient, and a migration to a supergroup, which is
    ///   followed) and an answer that cannot be read are returned at once, never resent.
    async fn paced<F, Fut>(
        &self,
        origin: Origin,
        user: Option<&User>,
        chat: i64,
        op: F,
    ) -> Result<Message, NotifyError>
    where
        F: Fn(i64) -> Fut,
        Fut: std::future::Future<Output = Result<Message, TelegramError>>,
    {
        let mut chat = self.current_chat(chat);
        let mut attempts = 0u32;
        let mut server_retries = 0u32;
        let mut hops = 0u32;
        loop {
            let slot = lock(&self.throttle).reserve(chat, Instant::now());
            tokio::time::sleep_until(slot).await;
            let paused = lock(&self.throttle).paused_at(Instant::now());
            if let Some(p) = paused {
                tokio::time::sleep_until(p).await;
                continue;
            }
            let ticket = loop {
                let admitted = lock(&self.throttle).admit(chat, Instant::now());
                match admitted {
                    Ok(t) => break t,
                    Err(at) => tokio::time::sleep_until(at).await,
                }
            };
            let outcome = op(chat).await;
            lock(&self.throttle).complete(ticket, Instant::now());
            match outcome {
                Ok(m) => {
                    self.stats.sent.fetch_add(1, Ordering::Relaxed);
                    return Ok(m);
                }
                Err(TelegramError::RateLimited { retry_after, .. }) => {
                    self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                    attempts += 1;
                    lock(&self.throttle).pause_until(Instant::now() + retry_after);
                    tracing::warn!(
                        chat,
                        ?retry_after,
                        attempts,
                        "Telegram flood control; waiting"
                    );
                    if attempts >= self.config.max_attempts {
                        return Err(NotifyError::RateLimited {
                            channel: CHANNEL.to_owned(),
                            retry_after,
                        });
                    }
                }
                Err(TelegramError::ChatMigrated { new_chat_id, .. }) => {
                    hops += 1;
                    if hops > 3 || new_chat_id == chat {
                        return Err(permanent("the chat keeps moving; giving up"));
                    }
                    self.stats.migrated.fetch_add(1, Ordering::Relaxed);
                    lock(&self.migrated).insert(chat, new_chat_id);
                    if let (Some(ev), Some(u)) = (&self.events, user) {
                        ev.migrated(u, chat, new_chat_id).await;
                    }
                    tracing::info!(
                        from = chat,
                        to = new_chat_id,
                        "group moved to a supergroup; following"
                    );
                    chat = new_chat_id;
                }
                Err(TelegramError::Forbidden { description, .. }) => {
                    self.stats.blocked.fetch_add(1, Ordering::Relaxed);
                    // An alert's dispatcher handles a gone recipient itself (once).
                    if origin == Origin::Reply
                        && let (Some(ev), Some(u)) = (&self.events, user)
                    {
                        ev.blocked(u).await;
                    }
                    return Err(NotifyError::RecipientGone {
                        channel: CHANNEL.to_owned(),
                        reason: description,
                    });
                }
                Err(e) if e.is_retryable() => {
                    // Telegram's servers failed (5xx) or did not answer: try again after a
                    // growing pause, a few times only (a 5xx may hide a delivered message,
                    // which a resend would duplicate), then give up as a transient failure.
                    if server_retries >= self.config.max_server_retries {
                        return Err(NotifyError::Transient {
                            channel: CHANNEL.to_owned(),
                            reason: e.to_string(),
                        });
                    }
                    server_retries += 1;
                    let backoff = self
                        .config
                        .retry_backoff
                        .saturating_mul(1 << (server_retries - 1).min(6))
                        .min(Duration::from_secs(30));
                    tracing::warn!(chat, error = %e, retry = server_retries, ?backoff, "Telegram failed; retrying");
                    tokio::time::sleep(backoff).await;
                }
                Err(e) => return Err(permanent(&e.to_string())),
            }
        }
    }

    fn begin(&self, key: &str) -> KeyState {
        let mut k = lock(&self.keys);
        if k.done.contains(key) {
            return KeyState::Done;
        }
        if !k.in_flight.insert(key.to_owned()) {
            return KeyState::InFlight;
        }
        KeyState::New
    }

    fn finish(&self, key: &str, delivered: bool) {
        let mut k = lock(&self.keys);
        k.in_flight.remove(key);
        if delivered && k.done.insert(key.to_owned()) {
            k.order.push_back(key.to_owned());
            while k.order.len() > self.config.remember_keys.max(1) {
                if let Some(old) = k.order.pop_front() {
                    k.done.remove(&old);
                }
            }
        }
    }

    async fn deliver_inner(&self, n: &Notification) -> Result<(), NotifyError> {
        let chat = chat_of(&n.user)?;
        let t = texts(n.user.settings.language);
        let view = match &self.catalog {
            Some(c) => c
                .alert_view(&n.alert, self.config.attach_chart)
                .await
                .map_err(|e| tracing::warn!(error = %e, "no product data for the alert card"))
                .ok(),
            None => None,
        };
        let card = alert_card(&n.alert, view.as_ref(), t);
        let buy = self.buy_url(n).await;
        let keyboard = InlineKeyboardMarkup {
            inline_keyboard: vec![
                vec![InlineKeyboardButton::url(t.btn_buy, buy)],
                vec![
                    InlineKeyboardButton::callback(
                        t.btn_pause,
                        crate::bot::Callback::Pause(n.alert.watch_id).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        t.btn_history,
                        crate::bot::Callback::History(n.alert.asin).encode(),
                    ),
                ],
            ],
        };
        let photo = self.alert_photo(view.as_ref());
        match photo {
            Some(p) => self
                .send_photo_as(Origin::Alert, Some(&n.user), chat, p, &card, Some(keyboard))
                .await
                .map(drop),
            None => self
                .send_html_as(
                    Origin::Alert,
                    Some(&n.user),
                    chat,
                    &card,
                    Some(keyboard),
                    None,
                )
                .await
                .map(drop),
        }
    }

    /// The Buy button's URL: a redirect link made for the alert when affiliate links are
    /// on (a failure to make one falls back to the direct link, so the alert still goes
    /// out), else the product link with the associate tag.
    async fn buy_url(&self, n: &Notification) -> String {
        if let Some(affiliate) = &self.affiliate {
            let source = mandi_core::ClickSource::Alert {
                alert_id: n.alert.id,
            };
            match affiliate
                .buy_link(n.user.id, source, n.alert.marketplace, n.alert.asin)
                .await
            {
                Ok(link) => return link.url,
                Err(e) => tracing::warn!(
                    alert_id = %n.alert.id,
                    error = %e,
                    "no redirect link for the alert; its Buy button goes straight to Amazon"
                ),
            }
        }
        product_url(
            n.alert.marketplace,
            n.alert.asin,
            self.config.associate_tag.as_deref(),
        )
    }

    fn alert_photo(&self, view: Option<&AlertView>) -> Option<InputFile> {
        let report = view?;
        if self.config.attach_chart && report.points.len() >= 2 {
            let opts = mandi_core::charts::ChartOptions::mini(90);
            match mandi_core::charts::render_price_chart(&report.points, report.as_of, &opts) {
                Ok(png) => {
                    let asin = report.points[0].asin;
                    return Some(InputFile::Upload {
                        file_name: format!("{}.png", asin.as_str()),
                        bytes: png,
                    });
                }
                Err(e) => tracing::debug!(error = %e, "no chart for the alert"),
            }
        }
        let image = report.product.as_ref()?.images.first()?;
        url::Url::parse(&image.url)
            .ok()
            .filter(|u| u.scheme() == "https" || u.scheme() == "http")
            .map(|_| InputFile::Remote(image.url.clone()))
    }
}

fn permanent(reason: &str) -> NotifyError {
    NotifyError::Permanent {
        channel: CHANNEL.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The Telegram chat id of a user, from their identity.
///
/// # Errors
///
/// [`NotifyError::Permanent`] when the user is not a Telegram user or the id is not a number.
pub fn chat_of(user: &User) -> Result<i64, NotifyError> {
    if user.identity.provider != PROVIDER {
        return Err(permanent(&format!(
            "user {} is known through {}, not Telegram",
            user.id, user.identity.provider
        )));
    }
    user.identity.subject.parse().map_err(|_| {
        permanent(&format!(
            "user {} has a Telegram id that is not a number: {:?}",
            user.id, user.identity.subject
        ))
    })
}

/// The HTML card of an alert: title, old → new price, % off MRP and vs the 90-day average,
/// the verdict (the figures stored with the alert, [`AlertView::card`]).
pub fn alert_card(alert: &Alert, view: Option<&AlertView>, t: &Texts) -> String {
    let mut lines = Vec::new();
    lines.push(format!("<b>{}</b>", headline_text(alert.headline(), t)));
    if let Some(p) = view.and_then(|r| r.product.as_ref()) {
        lines.push(escape_html(&text::ellipsize(&p.title, 200)));
    } else {
        lines.push(format!("<code>{}</code>", alert.asin.as_str()));
    }
    // "old → new" only when the price really moved (the library decides).
    let price = match (alert.price_change(), alert.price) {
        (Some((old, new)), _) => format!("<s>{old}</s> → <b>{new}</b>"),
        (None, Some(new)) => format!("<b>{new}</b>"),
        _ => t.price_unknown.to_owned(),
    };
    lines.push(price);
    if let AlertHeadline::TargetReached { target } = alert.headline() {
        lines.push(format!("{} {target}", t.target));
    }
    if let (Some(price), Some(card)) = (alert.price, view.map(|v| &v.card)) {
        if let Some(bps) = card
            .list_price
            .and_then(|m| price.discount_bps(m))
            .filter(|b| *b > 0)
        {
            lines.push(format!("−{} {}", pct(bps), t.off_mrp));
        }
        if let Some(avg) = card.average_90d
            && let Some(bps) = price.discount_bps(avg).filter(|b| *b != 0)
        {
            let sign = if bps >= 0 { "−" } else { "+" };
            lines.push(format!("{sign}{} {}", pct(bps.abs()), t.vs_avg90));
        }
        if let (Some(score), Some(v)) = (card.score, card.verdict) {
            lines.push(format!("{} ({score}/100)", verdict(v, t)));
        }
    }
    // The engine's one-line message repeats the above in English only; the card says it all.
    lines.join("\n")
}

/// The headline of an alert in the user's language (which headline is the library's call).
pub fn headline_text(h: AlertHeadline, t: &Texts) -> String {
    match h {
        AlertHeadline::TargetReached { .. } => t.headline_target.to_owned(),
        AlertHeadline::LowestInDays { days } => {
            t.headline_lowest_days.replace("{days}", &days.to_string())
        }
        AlertHeadline::AllTimeLow => t.headline_all_time_low.to_owned(),
        AlertHeadline::BackInStock => t.headline_back_in_stock.to_owned(),
        AlertHeadline::PriceRise => t.headline_rise.to_owned(),
        AlertHeadline::DealScore { at_least } => {
            t.headline_score.replace("{score}", &at_least.to_string())
        }
        AlertHeadline::LightningDeal => t.headline_lightning.to_owned(),
        _ => t.headline_drop.to_owned(),
    }
}

fn pct(bps: i64) -> String {
    mandi_core::Bps(bps).to_string()
}

/// The verdict's text.
pub fn verdict(v: DealVerdict, t: &Texts) -> &'static str {
    match v {
        DealVerdict::GreatDeal => t.verdict_great,
        DealVerdict::GoodDeal => t.verdict_good,
        DealVerdict::Fair => t.verdict_fair,
        DealVerdict::Poor => t.verdict_poor,
        DealVerdict::FakeSale => t.verdict_fake,
        _ => t.verdict_unknown,
    }
}

#[async_trait]
impl Notifier for TelegramNotifier {
    fn channel(&self) -> &str {
        CHANNEL
    }

    #[tracing::instrument(skip_all, fields(user = %notification.user.id, alert = %notification.alert.id))]
    async fn deliver(&self, notification: &Notification) -> Result<(), NotifyError> {
        let key = notification.idempotency_key.as_str();
        match self.begin(key) {
            KeyState::Done => {
                self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            KeyState::InFlight => {
                return Err(NotifyError::Transient {
                    channel: CHANNEL.to_owned(),
                    reason: "the same notification is being delivered right now".to_owned(),
                });
            }
            KeyState::New => {}
        }
        if !notification.user.active {
            self.finish(key, false);
            return Err(NotifyError::RecipientGone {
                channel: CHANNEL.to_owned(),
                reason: "the user is inactive (blocked the bot earlier)".to_owned(),
            });
        }
        let result = self.deliver_inner(notification).await;
        self.finish(key, result.is_ok());
        result
    }

    /// One message for the whole digest, in the user's language (split only past
    /// Telegram's 4096-character limit); a key seen before is not sent again.
    #[tracing::instrument(skip_all, fields(user = %digest.user.id, alerts = digest.digest.alerts.len()))]
    async fn deliver_digest(&self, digest: &DigestNotification) -> Result<(), NotifyError> {
        let key = digest.idempotency_key.as_str();
        match self.begin(key) {
            KeyState::Done => {
                self.stats.duplicates.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            KeyState::InFlight => {
                return Err(NotifyError::Transient {
                    channel: CHANNEL.to_owned(),
                    reason: "the same digest is being delivered right now".to_owned(),
                });
            }
            KeyState::New => {}
        }
        if !digest.user.active {
            self.finish(key, false);
            return Err(NotifyError::RecipientGone {
                channel: CHANNEL.to_owned(),
                reason: "the user is inactive (blocked the bot earlier)".to_owned(),
            });
        }
        let result = match chat_of(&digest.user) {
            Ok(chat) => {
                let t = texts(digest.digest.language);
                let html = crate::bot::views::digest_html(
                    &digest.digest,
                    t,
                    self.config.associate_tag.as_deref(),
                );
                self.send_html_as(Origin::Alert, Some(&digest.user), chat, &html, None, None)
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        };
        self.finish(key, result.is_ok());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> NotifierConfig {
        NotifierConfig::default()
    }

    #[test]
    fn slots_keep_the_global_gap_and_the_chat_gap() {
        let mut th = Throttle::new(&cfg());
        let t0 = Instant::now();
        let mut slots: Vec<Instant> = (0..100).map(|i| th.reserve(i, t0)).collect();
        slots.sort();
        for w in slots.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(34));
        }
        // 31 consecutive slots never fit in one second.
        for w in slots.windows(31) {
            assert!(w[30] - w[0] > Duration::from_secs(1));
        }
        let a = th.reserve(7, t0);
        let b = th.reserve(7, t0);
        assert!(b - a >= Duration::from_millis(1050));
        let g1 = th.reserve(-5, t0);
        let g2 = th.reserve(-5, t0);
        assert!(g2 - g1 >= Duration::from_millis(3150));
    }

    #[test]
    fn a_chat_waiting_for_its_gap_does_not_hold_up_others() {
        let mut th = Throttle::new(&cfg());
        let t0 = Instant::now();
        th.reserve(1, t0);
        let later = th.reserve(1, t0);
        let other = th.reserve(2, t0);
        assert!(other < later, "chat 2 had to wait behind chat 1's gap");
    }

    #[test]
    fn admission_counts_requests_until_they_are_answered() {
        let mut th = Throttle::new(&cfg());
        let t0 = Instant::now();
        let tickets: Vec<Ticket> = (0..30).map(|c| th.admit(c, t0).unwrap()).collect();
        // 30 in flight: the 31st waits, whatever the clock says.
        assert!(th.admit(99, t0 + Duration::from_secs(5)).is_err());
        // Answered now: they count for one more second (plus the margin).
        let t1 = t0 + Duration::from_millis(100);
        for t in &tickets {
            th.complete(*t, t1);
        }
        let retry = th.admit(99, t1).unwrap_err();
        assert_eq!(retry, t1 + Duration::from_millis(1005));
        assert!(th.admit(99, retry).is_ok());
        // The same chat again: only a second after its last answer.
        let a = th.admit(500, retry).unwrap();
        assert!(
            th.admit(500, retry + Duration::from_secs(3)).is_err(),
            "still in flight"
        );
        th.complete(a, retry + Duration::from_millis(10));
        let again = th
            .admit(500, retry + Duration::from_millis(20))
            .unwrap_err();
        assert_eq!(again, retry + Duration::from_millis(10 + 1005));
    }

    #[test]
    fn a_group_gets_at_most_20_a_minute() {
        let mut th = Throttle::new(&cfg());
        let mut t = Instant::now();
        for _ in 0..20 {
            let k = th.admit(-7, t).unwrap();
            th.complete(k, t);
            t += Duration::from_millis(1100);
        }
        let retry = th.admit(-7, t).unwrap_err();
        assert!(retry >= t + Duration::from_secs(30), "{:?}", retry - t);
    }

    #[test]
    fn the_alert_card_is_escaped_and_in_the_users_language() {
        use mandi_core::{
            AlertId, Asin, Availability, Currency, Marketplace, Money, UserId, WatchId,
        };
        let inr = |r| Money::from_major(r, Currency::INR);
        let alert = Alert {
            id: AlertId(1),
            user_id: UserId(1),
            watch_id: WatchId(1),
            marketplace: Marketplace::India,
            asin: Asin::parse("B0CX59H5W7").unwrap(),
            rule: mandi_core::AlertRule::AllTimeLow,
            price: Some(inr(54_999)),
            previous_price: Some(inr(59_999)),
            availability: Availability::InStock,
            message: "<b>fake</b> & co".into(),
            triggered_at: chrono::DateTime::UNIX_EPOCH,
            dedupe_key: "k".into(),
            card: None,
        };
        let hi = alert_card(&alert, None, texts(mandi_core::Language::Hindi));
        assert!(hi.contains("अब तक का सबसे कम दाम"), "{hi}");
        assert!(!hi.contains("fake"), "{hi}");
        assert!(hi.contains("<s>₹59,999</s> → <b>₹54,999</b>"), "{hi}");
        let en = alert_card(&alert, None, texts(mandi_core::Language::English));
        assert!(en.starts_with("<b>🏆 Lowest price ever</b>"), "{en}");
        // A target reached without a price move: no "drop", no "old → new".
        let target = mandi_core::AlertRule::TargetPrice {
            at_or_below: inr(12_000),
        };
        let still = Alert {
            rule: target,
            price: Some(inr(11_499)),
            previous_price: Some(inr(11_499)),
            ..alert
        };
        let en = alert_card(&still, None, texts(mandi_core::Language::English));
        assert!(en.starts_with("<b>🎯 Target price reached</b>"), "{en}");
        assert!(!en.contains('→') && !en.contains("drop"), "{en}");
        assert!(
            en.contains("<b>₹11,499</b>") && en.contains("target ₹12,000"),
            "{en}"
        );
    }

    #[test]
    fn a_pause_moves_every_slot() {
        let mut th = Throttle::new(&cfg());
        let t0 = Instant::now();
        th.pause_until(t0 + Duration::from_secs(5));
        assert!(th.reserve(1, t0) >= t0 + Duration::from_secs(5));
        assert!(th.paused_at(t0).is_some());
        assert!(th.paused_at(t0 + Duration::from_secs(6)).is_none());
    }
}
