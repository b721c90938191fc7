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
mod foryou;
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
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            admins: Vec::new(),
            marketplace: Marketplace::India,
            associate_tag: None,
            source_name: "sandbox".to_owned(),
        }
    }
}

/// The bot.
pub struct Bot {
    catalog: CatalogService,
    watches: WatchService,
    users: UserService,
    insights: InsightsService,
    digest: DigestBuilder,
    notifier: Arc<TelegramNotifier>,
    config: BotConfig,
    awaiting_target: Mutex<HashMap<i64, WatchId>>,
    resolver: Arc<dyn LinkResolver>,
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
}

impl Ctx {
    fn t(&self) -> &'static Texts {
        texts(self.user.settings.language)
    }
}

fn split_command(text: &str) -> Option<(String, &str)> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (cmd, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let cmd = cmd
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some((cmd, args.trim()))
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
            digest: DigestBuilder::personal(catalog.clone()),
            catalog,
            notifier,
            config,
            awaiting_target: Mutex::new(HashMap::new()),
            resolver: Arc::new(OfflineResolver),
        }
    }

    /// `/digest` is built by `digest` (the same builder the dispatcher delivers with).
    pub fn with_digest(mut self, digest: DigestBuilder) -> Self {
        self.digest = digest;
        self
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
            ("deals", "Best deals now", "सबसे अच्छे डील"),
            ("settings", "Alerts, quiet hours, language", "सेटिंग्स"),
            ("digest", "Today's summary", "आज का सार"),
            ("stats", "Your savings", "आपकी बचत"),
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
            .send_html(Some(&ctx.user), ctx.chat, html, kb)
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
        let Some(text) = m.text_or_caption().map(str::to_owned) else {
            return Ok(());
        };
        let mut ctx = self.ctx(m.chat.id, m.from.as_ref()).await?;
        if !ctx.user.active {
            // They came back (unblocked the bot): reachable again.
            ctx.user = self.users.reactivate(&ctx.user).await?;
        }
        let urls = m.entity_urls().join(" ");
        let result = match split_command(&text) {
            Some((cmd, args)) => self.on_command(&ctx, &cmd, args, &urls).await,
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
        let mut request = SearchRequest::keywords(self.config.marketplace, ellipsize(words, 100));
        request.item_page = page;
        let result = self.catalog.search(&request, None).await?;
        let results: Vec<InlineQueryResultArticle> = result
            .items
            .iter()
            .map(|p| {
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
            })
            .collect();
        let next = (result.items.len() == 10 && page < 10).then(|| (page + 1).to_string());
        client
            .answer_inline_query(&q.id, &results, next.as_deref(), 300)
            .await?;
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
    /// A watch operation failed.
    #[error(transparent)]
    Watch(#[from] WatchError),
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
