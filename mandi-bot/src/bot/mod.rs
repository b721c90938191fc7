//! The conversation: commands, buttons and inline queries on top of the library's services.
//!
//! [`Bot`] turns each Telegram update into calls of the library's services —
//! `CatalogService` (lookups, search, history reports with score), `WatchService` (users,
//! watches, targets, pause/resume/snooze, settings), `UserService` (blocked users, migrated
//! groups, admin listings), `InsightsService` (deals, savings) and the `DigestBuilder` — and
//! answers through the [`TelegramNotifier`] so every reply is paced under Telegram's limits
//! like alerts are. It never calls the `Store` port itself.
//!
//! The module is split by what it handles: [`commands`](self) (messages and `/commands`),
//! callbacks (buttons), views (pure HTML and keyboards) and the callback data encoding.
//! A Mandi user is a Telegram chat (`telegram` / chat id): a private chat is one person, a
//! group shares its watches. Every watch operation is scoped to the user who sent the update.

mod callback_data;
mod callbacks;
mod commands;
mod community;
pub mod community_texts;
mod compare;
mod discover;
mod foryou;
mod report;
pub mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mandi_core::catalog::{CatalogError, CatalogService};
use mandi_core::digest::DigestBuilder;
use mandi_core::insights::InsightsService;
use mandi_core::users::UserService;
use mandi_core::{
    Clock, ExternalIdentity, Language, Marketplace, SearchRequest, StoreError, User, UserSettings,
    WatchId,
};
use tokio::sync::mpsc;

pub use callback_data::Callback;

use crate::i18n::{Texts, language_from_code, texts};
use crate::links_local::{FoundProduct, find_product, product_url};
use crate::notifier::{PROVIDER, TelegramNotifier};
use crate::telegram::types::{
    ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, InlineQuery,
    InlineQueryResultArticle, InputTextMessageContent, Message, ParseMode, Update,
};
use crate::telegram::{Poller, TelegramError};
use crate::text::{ellipsize, escape_html};
use mandi_core::links::{LinkResolver, OfflineResolver, resolve_and_parse};
use mandi_core::watches::{WatchError, WatchService};
use views::{buy_price, money_text};

/// How many results a search page shows.
const SEARCH_PAGE_SIZE: u8 = 5;

/// What the bot needs besides its services.
#[derive(Debug, Clone)]
pub struct BotConfig {
    /// Telegram user ids allowed to run admin commands.
    pub admins: Vec<i64>,
    /// The marketplace of bare ASINs and searches.
    pub marketplace: Marketplace,
    /// The Amazon Associates tag of Buy links.
    pub associate_tag: Option<String>,
    /// The source name whose quota `/admin_quota` reports.
    pub source_name: String,
    /// What `/admin_status` calls the source (`sandbox (seed 42)`); empty: the source's
    /// own name.
    pub source_label: String,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            admins: Vec::new(),
            marketplace: Marketplace::India,
            associate_tag: None,
            source_name: "sandbox".to_owned(),
            source_label: String::new(),
        }
    }
}

/// The bot.
pub struct Bot {
    catalog: CatalogService,
    watches: WatchService,
    users: UserService,
    insights: InsightsService,
    community: mandi_core::community::CommunityService,
    engagement: mandi_core::engagement::EngagementService,
    affiliate: Option<mandi_core::affiliate::AffiliateService>,
    discovery: mandi_core::discovery::DiscoveryService,
    digest: DigestBuilder,
    notifier: Arc<TelegramNotifier>,
    config: BotConfig,
    awaiting_target: Mutex<HashMap<i64, WatchId>>,
    resolver: Arc<dyn LinkResolver>,
    me: tokio::sync::OnceCell<crate::telegram::types::User>,
    edits: Mutex<EditMemory>,
    cross_border: Option<mandi_core::crossborder::CrossBorderService>,
}

/// What each message the bot edits last showed (a hash of text and keyboard), so a double
/// tap that would edit a message into the same content sends nothing. Bounded.
#[derive(Default)]
struct EditMemory {
    shown: HashMap<(i64, i64), u64>,
    order: std::collections::VecDeque<(i64, i64)>,
}

impl EditMemory {
    const MAX: usize = 10_000;

    /// True when the content differs from what was last shown (and remembers it).
    fn changes(&mut self, key: (i64, i64), hash: u64) -> bool {
        if self.shown.get(&key) == Some(&hash) {
            return false;
        }
        if self.shown.insert(key, hash).is_none() {
            self.order.push_back(key);
            while self.order.len() > Self::MAX {
                if let Some(old) = self.order.pop_front() {
                    self.shown.remove(&old);
                }
            }
        }
        true
    }
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Who sent an update, resolved to a stored user.
struct Ctx {
    chat: i64,
    user: User,
    from_id: i64,
    /// In groups, the message answered (replies are threaded to it).
    reply_to: Option<i64>,
    /// A document sent with the message (`/import`).
    document: Option<crate::telegram::types::Document>,
    /// The message as HTML, its formatting kept (`/admin_broadcast`).
    html: String,
}

impl Ctx {
    fn t(&self) -> &'static Texts {
        texts(self.user.settings.language)
    }
}

/// A `/command@bot args` message: the command (lower case), the bot it names (if any) and
/// the arguments.
fn split_command(text: &str) -> Option<(String, Option<&str>, &str)> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (cmd, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (cmd, target) = match cmd.split_once('@') {
        Some((c, t)) => (c, Some(t)),
        None => (cmd, None),
    };
    if cmd.is_empty() {
        return None;
    }
    Some((cmd.to_ascii_lowercase(), target, args.trim()))
}

/// True when the text holds a link to an Amazon shop or an Amazon short link.
fn has_amazon_link(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| matches!(c, '<' | '>' | '(' | ')' | '"' | '\''));
        let with_scheme = if w.contains("://") {
            w.to_owned()
        } else {
            format!("https://{w}")
        };
        url::Url::parse(&with_scheme)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .is_some_and(|h| {
                let h = h.trim_start_matches("www.").trim_start_matches("m.");
                h.starts_with("amazon.")
                    || h.starts_with("amzn.")
                    || h == "a.co"
                    || h.ends_with(".amazon.in")
            })
    })
}

/// True when the text holds a short link (amzn.in, amzn.to, amzn.eu, a.co).
fn has_short_link(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["amzn.in/", "amzn.to/", "amzn.eu/", "a.co/"]
        .iter()
        .any(|h| lower.contains(h))
}

impl Bot {
    /// A bot over the library's services built on `catalog` (its store and clock are the
    /// bot's) and a notifier used as the paced sender. `/digest` shows the personal digest;
    /// [`Bot::with_digest`] adds sections.
    pub fn new(
        catalog: CatalogService,
        notifier: Arc<TelegramNotifier>,
        config: BotConfig,
    ) -> Self {
        Self {
            watches: WatchService::new(catalog.clone()),
            users: UserService::for_catalog(&catalog),
            insights: InsightsService::new(catalog.clone()),
            community: mandi_core::community::CommunityService::new(catalog.clone()),
            engagement: mandi_core::engagement::EngagementService::new(
                catalog.store().clone(),
                catalog.clock().clone(),
            ),
            affiliate: None,
            discovery: mandi_core::discovery::DiscoveryService::new(catalog.clone()),
            digest: DigestBuilder::personal(catalog.clone()),
            catalog,
            notifier,
            config,
            awaiting_target: Mutex::new(HashMap::new()),
            resolver: Arc::new(OfflineResolver),
            me: tokio::sync::OnceCell::new(),
            edits: Mutex::new(EditMemory::default()),
            cross_border: None,
        }
    }

    /// `/compare` reads other stores through `service` (without it, `/compare` says it is
    /// not set up).
    pub fn with_cross_border(
        mut self,
        service: mandi_core::crossborder::CrossBorderService,
    ) -> Self {
        self.cross_border = Some(service);
        self
    }

    /// `/digest` is built by `digest` (the same builder the dispatcher delivers with).
    pub fn with_digest(mut self, digest: DigestBuilder) -> Self {
        self.digest = digest;
        self
    }

    /// Points the Buy buttons of product cards, search results and carousels at the
    /// `/r/<token>` redirect of `affiliate` (each link made for the user, where it was
    /// shown and the product); without it they go straight to Amazon.
    pub fn with_affiliate(mut self, affiliate: mandi_core::affiliate::AffiliateService) -> Self {
        self.affiliate = Some(affiliate);
        self
    }

    /// [`Bot::with_affiliate`] when `affiliate` is set.
    pub fn with_affiliate_opt(
        self,
        affiliate: Option<mandi_core::affiliate::AffiliateService>,
    ) -> Self {
        match affiliate {
            Some(a) => self.with_affiliate(a),
            None => self,
        }
    }

    /// A Buy link for the user of `ctx`: the redirect when affiliate links are on (a
    /// failure falls back to the direct link), else the tagged product link.
    async fn buy_url(
        &self,
        ctx: &Ctx,
        source: mandi_core::ClickSource,
        marketplace: Marketplace,
        asin: mandi_core::Asin,
    ) -> String {
        if let Some(affiliate) = &self.affiliate {
            match affiliate
                .buy_link(ctx.user.id, source, marketplace, asin)
                .await
            {
                Ok(link) => return link.url,
                Err(e) => {
                    tracing::warn!(error = %e, "no redirect link; the Buy link goes straight to Amazon");
                }
            }
        }
        product_url(marketplace, asin, self.config.associate_tag.as_deref())
    }

    /// Expands short links (amzn.in, amzn.to, a.co) with `resolver`; without one they are
    /// refused offline.
    pub fn with_resolver(mut self, resolver: Arc<dyn LinkResolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// The product in a message: a link (short links expanded), else a bare ASIN.
    async fn find(&self, text: &str, default: Marketplace) -> Option<FoundProduct> {
        if let Some(found) = find_product(text, default) {
            return Some(found);
        }
        match resolve_and_parse(text, self.resolver.as_ref()).await {
            Ok(p) => Some(FoundProduct {
                marketplace: p.marketplace,
                asin: p.asin,
            }),
            Err(e) => {
                tracing::debug!(error = %e, "no product in the message");
                None
            }
        }
    }

    /// The bot's own Telegram user (`getMe`, asked once).
    async fn me(&self) -> Result<&crate::telegram::types::User, BotError> {
        Ok(self
            .me
            .get_or_try_init(|| self.notifier.client().get_me())
            .await?)
    }

    /// Edits a message the bot sent, unless it already shows exactly this (Telegram refuses
    /// such an edit with "message is not modified").
    async fn edit(
        &self,
        ctx: &Ctx,
        message_id: i64,
        text: &str,
        kb: Option<InlineKeyboardMarkup>,
    ) -> Result<(), BotError> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        serde_json::to_string(&kb).unwrap_or_default().hash(&mut h);
        let changes = self
            .edits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .changes((ctx.chat, message_id), h.finish());
        if !changes {
            tracing::debug!(chat = ctx.chat, message_id, "edit skipped: nothing changes");
            return Ok(());
        }
        let opts = crate::telegram::SendOptions {
            html: true,
            reply_markup: kb,
            disable_preview: true,
            reply_to: None,
        };
        match self
            .notifier
            .client()
            .edit_message_text(ctx.chat, message_id, text, &opts)
            .await
        {
            Ok(_) => Ok(()),
            // Shown before this bot process remembered it: nothing to do.
            Err(TelegramError::Api { description, .. })
                if description.contains("message is not modified") =>
            {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn clock(&self) -> &Arc<dyn Clock> {
        self.catalog.clock()
    }

    /// The commands menu, for `setMyCommands` (English default and Hindi).
    pub fn commands(language: Language) -> Vec<crate::telegram::types::BotCommand> {
        let hi = language == Language::Hindi;
        [
            ("watch", "Watch a product", "प्रोडक्ट पर नज़र रखें"),
            ("watches", "Your watches", "आपकी वॉच सूची"),
            ("price", "Current price", "अभी का दाम"),
            ("history", "Price chart", "दाम का चार्ट"),
            ("search", "Find products", "प्रोडक्ट खोजें"),
            ("categories", "Browse categories", "कैटेगरी देखें"),
            ("similar", "Products like one", "मिलते-जुलते प्रोडक्ट"),
            (
                "report",
                "Offers: buy box, sellers, used",
                "ऑफ़र: बाय बॉक्स, विक्रेता, used",
            ),
            (
                "compare",
                "Price in other Amazon stores",
                "दूसरे Amazon स्टोर में दाम",
            ),
            ("deals", "Best deals now", "सबसे अच्छे डील"),
            ("share", "Share a deal", "डील साझा करें"),
            ("community", "Deals shared by users", "लोगों की साझा डील"),
            (
                "invite",
                "Invite friends, earn watch slots",
                "दोस्तों को बुलाएँ",
            ),
            ("settings", "Alerts, quiet hours, language", "सेटिंग्स"),
            ("digest", "Today's summary", "आज का सार"),
            ("stats", "Your savings", "आपकी बचत"),
            (
                "top",
                "Leaderboards (opt in: /settings)",
                "लीडरबोर्ड (/settings में चुनें)",
            ),
            ("export", "Back up your watches", "वॉच का बैकअप"),
            ("help", "What I can do", "मदद"),
        ]
        .into_iter()
        .map(|(c, en, h)| crate::telegram::types::BotCommand {
            command: c.to_owned(),
            description: if hi { h } else { en }.to_owned(),
        })
        .collect()
    }

    /// Registers the command menus with Telegram.
    ///
    /// # Errors
    ///
    /// Telegram refused the call.
    pub async fn register_commands(&self) -> Result<(), TelegramError> {
        let client = self.notifier.client();
        client
            .set_my_commands(&Self::commands(Language::English), None)
            .await?;
        client
            .set_my_commands(&Self::commands(Language::Hindi), Some("hi"))
            .await?;
        Ok(())
    }

    /// Long-polls and handles updates until the token is refused. Updates of one chat are
    /// handled in order; different chats in parallel (16 lanes).
    ///
    /// # Errors
    ///
    /// [`TelegramError::Unauthorized`] from polling.
    pub async fn run_polling(self: Arc<Self>, poller: Poller) -> Result<(), TelegramError> {
        let (tx, rx) = mpsc::channel(1024);
        let lanes = self.spawn_lanes(rx);
        let result = poller.run(tx).await;
        lanes.abort();
        result
    }

    /// Handles updates from a channel (a poller or a webhook) until it closes.
    pub fn spawn_lanes(
        self: &Arc<Self>,
        mut rx: mpsc::Receiver<Update>,
    ) -> tokio::task::JoinHandle<()> {
        const LANES: usize = 16;
        let mut senders = Vec::with_capacity(LANES);
        for _ in 0..LANES {
            let (ltx, mut lrx) = mpsc::channel::<Update>(256);
            let bot = self.clone();
            tokio::spawn(async move {
                while let Some(u) = lrx.recv().await {
                    bot.handle_update(u).await;
                }
            });
            senders.push(ltx);
        }
        tokio::spawn(async move {
            while let Some(u) = rx.recv().await {
                let key = update_chat(&u).unsigned_abs() as usize % LANES;
                if senders[key].send(u).await.is_err() {
                    break;
                }
            }
        })
    }

    /// Handles one update. Never panics; failures are logged and, where a person waits for
    /// an answer, answered with an apology.
    pub async fn handle_update(&self, update: Update) {
        let id = update.update_id;
        let result = if let Some(m) = update.message {
            self.on_message(m).await
        } else if let Some(q) = update.callback_query {
            self.on_callback(q).await
        } else if let Some(q) = update.inline_query {
            self.on_inline(q).await
        } else if let Some(c) = update.my_chat_member {
            self.on_member(c).await
        } else {
            Ok(())
        };
        if let Err(e) = result {
            tracing::warn!(update = id, error = %e, "update not handled");
        }
    }

    async fn ctx(
        &self,
        chat: i64,
        from: Option<&crate::telegram::types::User>,
    ) -> Result<Ctx, BotError> {
        let identity = ExternalIdentity::new(PROVIDER, chat.to_string());
        // New users get the language Telegram reports and the bot's marketplace.
        let settings = UserSettings {
            language: language_from_code(from.and_then(|f| f.language_code.as_deref())),
            marketplace: self.config.marketplace,
            ..UserSettings::default()
        };
        let user = self
            .watches
            .user_with(identity, from.map(|f| f.first_name.clone()), settings)
            .await?;
        Ok(Ctx {
            chat,
            user,
            from_id: from.map_or(chat, |f| f.id),
            reply_to: None,
            document: None,
            html: String::new(),
        })
    }

    async fn reply(
        &self,
        ctx: &Ctx,
        html: &str,
        kb: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, BotError> {
        Ok(self
            .notifier
            .send_html_reply(Some(&ctx.user), ctx.chat, html, kb, ctx.reply_to)
            .await?)
    }

    async fn on_message(&self, m: Message) -> Result<(), BotError> {
        if let Some(new) = m.migrate_to_chat_id {
            tracing::info!(from = m.chat.id, to = new, "group migrated to a supergroup");
            let from = ExternalIdentity::new(PROVIDER, m.chat.id.to_string());
            let to = ExternalIdentity::new(PROVIDER, new.to_string());
            match self.users.move_identity(&from, &to).await {
                Ok(_) => {}
                // The supergroup already wrote to the bot: it is a user of its own.
                Err(StoreError::Conflict { .. }) => {
                    tracing::warn!(
                        from = m.chat.id,
                        to = new,
                        "the new chat id is already a user; watches stay with the old one"
                    );
                }
                Err(e) => return Err(e.into()),
            }
            return Ok(());
        }
        let text = m.text_or_caption().unwrap_or_default().to_owned();
        if text.is_empty() && m.document.is_none() {
            return Ok(());
        }
        let urls = m.entity_urls().join(" ");
        let command = split_command(&text);
        // A command for another bot (`/help@OtherBot`) is not ours, in any chat.
        if let Some((_, Some(target), _)) = &command {
            let me = self.me().await?;
            if !me
                .username
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(target))
            {
                return Ok(());
            }
        }
        let group = m.chat.is_group();
        if group && command.is_none() {
            // In a group only links and replies to the bot's own messages are for the bot;
            // the rest is the members' conversation.
            let to_me = match m.reply_to_message.as_ref().and_then(|r| r.from.as_ref()) {
                Some(author) => author.id == self.me().await?.id,
                None => false,
            };
            if !to_me && !has_amazon_link(&format!("{text} {urls}")) {
                return Ok(());
            }
        }
        let mut ctx = self.ctx(m.chat.id, m.from.as_ref()).await?;
        if group {
            ctx.reply_to = Some(m.message_id);
        }
        ctx.document = m.document.clone();
        ctx.html = match (&m.text, &m.entities, &m.caption_entities) {
            (Some(t), Some(e), _) => crate::text::entities_to_html(t, e),
            (None, _, Some(e)) => crate::text::entities_to_html(&text, e),
            _ => escape_html(&text),
        };
        if !ctx.user.active {
            // They came back (unblocked the bot): reachable again, and told what happened
            // to their watches while they were away.
            ctx.user = self.users.reactivate(&ctx.user).await?;
            self.welcome_back(&ctx).await?;
        }
        let result = match command {
            Some((cmd, _, args)) => self.on_command(&ctx, &cmd, args, &urls).await,
            None if ctx.document.is_some() => {
                if group {
                    // A file in a group without /import is not for the bot.
                    return Ok(());
                }
                self.on_command(&ctx, "import", "", &urls).await
            }
            None => self.on_text(&ctx, &text, &urls).await,
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "command failed");
            let t = ctx.t();
            let msg = match e.unknown_product() {
                Some(why) => format!("{} ({})", t.unknown_product, escape_html(&why)),
                None => t.try_later.to_owned(),
            };
            self.reply(&ctx, &msg, None).await?;
        }
        Ok(())
    }

    /// Tells a user who came back (after blocking the bot) that their watches were paused
    /// meanwhile, with one button to resume them all: those paused because the bot could
    /// not reach them, not the ones they had paused themselves (nothing is said when there
    /// are none).
    async fn welcome_back(&self, ctx: &Ctx) -> Result<(), BotError> {
        let paused = self.watches.paused_unreachable_count(&ctx.user).await?;
        if paused == 0 {
            return Ok(());
        }
        let t = ctx.t();
        let kb = InlineKeyboardMarkup {
            inline_keyboard: vec![vec![InlineKeyboardButton::callback(
                t.btn_resume_all,
                Callback::ResumeAll.encode(),
            )]],
        };
        self.reply(
            ctx,
            &format!("{} {paused}", t.welcome_back_paused),
            Some(kb),
        )
        .await
        .map(drop)
    }

    /// Inline mode: completions first (category names, brands, the person's own past
    /// searches; each sends the completed words, which the bot then answers as a question),
    /// then products found for the words. A short, partial query (fewer than three
    /// characters) gets the completions only.
    async fn on_inline(&self, q: InlineQuery) -> Result<(), BotError> {
        let client = self.notifier.client();
        let words = q.query.trim();
        if words.is_empty() {
            client.answer_inline_query(&q.id, &[], None, 60).await?;
            return Ok(());
        }
        let language = language_from_code(q.from.language_code.as_deref());
        let t = texts(language);
        let page: u8 = q
            .offset
            .parse()
            .ok()
            .filter(|p| (1..=10).contains(p))
            .unwrap_or(1);
        let (mut results, personal) = if page == 1 {
            self.inline_suggestions(q.from.id, words, t).await?
        } else {
            (Vec::new(), false)
        };
        if words.chars().count() < discover::INLINE_MIN_SEARCH {
            if personal {
                client
                    .answer_personal_inline_query(&q.id, &results, None, 60)
                    .await?;
            } else {
                client
                    .answer_inline_query(&q.id, &results, None, 300)
                    .await?;
            }
            return Ok(());
        }
        let mut request = SearchRequest::keywords(self.config.marketplace, ellipsize(words, 100));
        request.item_page = page;
        let result = self.catalog.search(&request, None).await?;
        results.extend(result.items.iter().map(|p| {
            let url = product_url(p.marketplace, p.asin, self.config.associate_tag.as_deref());
            let price = money_text(buy_price(p), t);
            InlineQueryResultArticle {
                kind: "article".to_owned(),
                id: p.asin.as_str().to_owned(),
                title: ellipsize(&p.title, 100),
                input_message_content: InputTextMessageContent {
                    message_text: format!(
                        "<b>{}</b>\n{price}",
                        escape_html(&ellipsize(&p.title, 200))
                    ),
                    parse_mode: Some(ParseMode::Html),
                },
                reply_markup: Some(InlineKeyboardMarkup {
                    inline_keyboard: vec![vec![InlineKeyboardButton::url(t.btn_buy, url)]],
                }),
                description: Some(price),
                thumbnail_url: p.images.first().map(|i| i.url.clone()),
            }
        }));
        let next = (result.items.len() == 10 && page < 10).then(|| (page + 1).to_string());
        if personal {
            client
                .answer_personal_inline_query(&q.id, &results, next.as_deref(), 60)
                .await?;
        } else {
            client
                .answer_inline_query(&q.id, &results, next.as_deref(), 300)
                .await?;
        }
        Ok(())
    }

    async fn on_member(&self, c: ChatMemberUpdated) -> Result<(), BotError> {
        let status = c.new_chat_member.status.as_str();
        if matches!(status, "kicked" | "left") {
            let identity = ExternalIdentity::new(PROVIDER, c.chat.id.to_string());
            self.users.deactivate_identity(&identity).await?;
        }
        Ok(())
    }
}

fn update_chat(u: &Update) -> i64 {
    if let Some(m) = &u.message {
        return m.chat.id;
    }
    if let Some(q) = &u.callback_query {
        return q.message.as_ref().map_or(q.from.id, |m| m.chat.id);
    }
    if let Some(q) = &u.inline_query {
        return q.from.id;
    }
    if let Some(c) = &u.my_chat_member {
        return c.chat.id;
    }
    u.update_id
}

/// Why handling an update failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The catalog (source or store) failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Telegram refused a call.
    #[error(transparent)]
    Telegram(#[from] TelegramError),
    /// A reply could not be delivered.
    #[error(transparent)]
    Notify(#[from] mandi_core::NotifyError),
    /// Input that could not be used.
    #[error("{0}")]
    Input(String),
    /// A discovery query (search, compare, similar, categories) failed.
    #[error(transparent)]
    Discovery(#[from] mandi_core::discovery::DiscoveryError),
    /// A watch operation failed.
    #[error(transparent)]
    Watch(#[from] WatchError),
    /// Savings, achievements or leaderboards failed.
    #[error(transparent)]
    Engagement(#[from] mandi_core::engagement::EngagementError),
}

impl BotError {
    /// True when the person should hear that their product is unknown (a lookup that will
    /// not succeed by retrying), rather than "try later".
    fn unknown_product(&self) -> Option<String> {
        match self {
            Self::Catalog(c) | Self::Watch(WatchError::Catalog(c)) if !c.is_retryable() => {
                Some(c.to_string())
            }
            _ => None,
        }
    }
}
