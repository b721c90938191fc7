//! The conversation: commands, buttons and inline queries on top of the library's services.
//!
//! [`Bot`] turns each Telegram update into calls of `CatalogService` (lookups, search,
//! history reports with score) and the `Store` port (users, watches), and answers through the
//! [`TelegramNotifier`] so every reply is paced under Telegram's limits like alerts are.
//! A Mandi user is a Telegram chat (`telegram` / chat id): a private chat is one person, a
//! group shares its watches. Every watch operation is scoped to the user who sent the update.

mod callback;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration as ChronoDuration, NaiveTime};
use mandi_core::catalog::{CatalogError, CatalogService, HistoryReport};
use mandi_core::{
    AlertMode, AlertRule, Clock, Currency, ExternalIdentity, Language, Marketplace, Money, NewUser,
    Product, QuietHours, SearchRequest, Store, StoreError, User, UserId, UserSettings, Watch,
    WatchId, WatchState,
};
use tokio::sync::mpsc;

pub use callback::Callback;

use crate::i18n::{Texts, language_from_code, texts};
use crate::links_local::{FoundProduct, find_product, product_url};
use crate::notifier::{PROVIDER, TelegramNotifier, deactivate_user, verdict};
use crate::telegram::types::{
    CallbackQuery, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, InlineQuery,
    InlineQueryResultArticle, InputTextMessageContent, Message, ParseMode, Update,
};
use crate::telegram::{InputFile, Poller, SendOptions, TelegramError};
use crate::text::{ellipsize, escape_html};
use mandi_core::links::{LinkResolver, OfflineResolver, ProductRef, resolve_and_parse};
use mandi_core::watches::{WatchError, WatchService, WatchSpec};

/// How many results a search page shows.
const SEARCH_PAGE_SIZE: u8 = 5;
/// The most watches shown with buttons in one list.
const MAX_LISTED: usize = 20;

/// What the bot needs besides its services.
#[derive(Debug, Clone)]
pub struct BotConfig {
    /// Telegram user ids allowed to run admin commands.
    pub admins: Vec<i64>,
    /// The marketplace of bare ASINs and searches.
    pub marketplace: Marketplace,
    /// The affiliate tag of Buy links.
    pub affiliate_tag: Option<String>,
    /// The source name whose quota `/admin_quota` reports.
    pub source_name: String,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            admins: Vec::new(),
            marketplace: Marketplace::India,
            affiliate_tag: None,
            source_name: "sandbox".to_owned(),
        }
    }
}

/// The bot.
pub struct Bot {
    catalog: CatalogService,
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

fn money_text(m: Option<Money>, t: &Texts) -> String {
    m.map_or_else(|| t.price_unknown.to_owned(), |m| m.display_short())
}

fn buy_price(p: &Product) -> Option<Money> {
    p.offers.first().and_then(|o| o.price)
}

impl Bot {
    /// A bot over the library's catalog service (its store and clock are the bot's) and a
    /// notifier used as the paced sender.
    pub fn new(
        catalog: CatalogService,
        notifier: Arc<TelegramNotifier>,
        config: BotConfig,
    ) -> Self {
        Self {
            catalog,
            notifier,
            config,
            awaiting_target: Mutex::new(HashMap::new()),
            resolver: Arc::new(OfflineResolver),
        }
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

    fn store(&self) -> &Arc<dyn Store> {
        self.catalog.store()
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
        let user = match self.store().find_user(&identity).await? {
            Some(u) => u,
            None => {
                let settings = UserSettings {
                    language: language_from_code(from.and_then(|f| f.language_code.as_deref())),
                    marketplace: self.config.marketplace,
                    ..UserSettings::default()
                };
                let new = NewUser {
                    identity,
                    display_name: from.map(|f| f.first_name.clone()),
                    settings,
                };
                self.store().upsert_user(&new, self.clock().now()).await?
            }
        };
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
            return Ok(());
        }
        let Some(text) = m.text_or_caption().map(str::to_owned) else {
            return Ok(());
        };
        let mut ctx = self.ctx(m.chat.id, m.from.as_ref()).await?;
        if !ctx.user.active {
            // They came back (unblocked the bot): reachable again.
            ctx.user.active = true;
            self.store().update_user(&ctx.user).await?;
        }
        let urls = m.entity_urls().join(" ");
        let result = match split_command(&text) {
            Some((cmd, args)) => self.on_command(&ctx, &cmd, args, &urls).await,
            None => self.on_text(&ctx, &text, &urls).await,
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "command failed");
            let t = ctx.t();
            let msg = match e {
                BotError::Catalog(c) if !c.is_retryable() => {
                    format!("{} ({})", t.unknown_product, escape_html(&c.to_string()))
                }
                _ => t.try_later.to_owned(),
            };
            self.reply(&ctx, &msg, None).await?;
        }
        Ok(())
    }

    async fn on_command(
        &self,
        ctx: &Ctx,
        cmd: &str,
        args: &str,
        urls: &str,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        match cmd {
            "start" => self.cmd_start(ctx, args).await,
            "help" => self.reply(ctx, t.help, None).await.map(drop),
            "watch" => {
                let source = if args.is_empty() { urls } else { args };
                if source.is_empty() {
                    return self.reply(ctx, t.watch_usage, None).await.map(drop);
                }
                self.cmd_watch(ctx, &format!("{source} {urls}")).await
            }
            "watches" | "list" => self.cmd_watches(ctx, None).await,
            "price" => self.cmd_price(ctx, &format!("{args} {urls}")).await,
            "history" => self.cmd_history(ctx, &format!("{args} {urls}")).await,
            "search" => {
                if args.is_empty() {
                    return self.reply(ctx, t.search_usage, None).await.map(drop);
                }
                self.cmd_search(ctx, args, 1, None).await
            }
            "deals" => self.cmd_deals(ctx).await,
            "settings" => self.cmd_settings(ctx, None).await,
            "digest" => self.cmd_digest(ctx).await,
            "stats" => self.cmd_stats(ctx).await,
            "export" => self.cmd_export(ctx).await,
            "import" => self.cmd_import(ctx, args).await,
            c if c.starts_with("admin") => self.cmd_admin(ctx, c, args).await,
            _ => self.reply(ctx, t.unknown_command, None).await.map(drop),
        }
    }

    async fn on_text(&self, ctx: &Ctx, text: &str, urls: &str) -> Result<(), BotError> {
        let pending = self
            .awaiting_target
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ctx.chat);
        if let Some(watch_id) = pending {
            return self.set_target(ctx, watch_id, text).await;
        }
        let all = format!("{text} {urls}");
        if let Some(found) = self.find(&all, ctx.user.settings.marketplace).await {
            return self.watch_found(ctx, found).await;
        }
        self.reply(ctx, ctx.t().not_a_product, None).await.map(drop)
    }

    async fn cmd_start(&self, ctx: &Ctx, payload: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let mut text = t.welcome.to_owned();
        if payload.starts_with("ref_") || payload.starts_with("ref-") {
            tracing::info!(referrer = %payload.get(4..).unwrap_or_default(), user = %ctx.user.id, "referred user started the bot");
            text = format!("{}\n{text}", t.referred_by);
        }
        self.reply(ctx, &text, None).await?;
        // A deep link may carry a product (`/start B0…` or `watch_B0…`).
        if let Some(found) = find_product(
            &payload.replace(['_', '-'], " "),
            ctx.user.settings.marketplace,
        ) {
            return self.watch_found(ctx, found).await;
        }
        Ok(())
    }

    async fn cmd_watch(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        match self.find(text, ctx.user.settings.marketplace).await {
            Some(found) => self.watch_found(ctx, found).await,
            None => self.reply(ctx, ctx.t().not_a_product, None).await.map(drop),
        }
    }

    async fn watch_found(&self, ctx: &Ctx, found: FoundProduct) -> Result<(), BotError> {
        let t = ctx.t();
        let added = match self
            .watches()
            .add(
                &ctx.user,
                ProductRef::new(found.asin, found.marketplace),
                WatchSpec::default(),
            )
            .await
        {
            Ok(added) => added,
            Err(WatchError::Duplicate(_)) => {
                return self.reply(ctx, t.watch_exists, None).await.map(drop);
            }
            Err(WatchError::UnknownProduct(_)) => {
                return self.reply(ctx, t.unknown_product, None).await.map(drop);
            }
            Err(e) => return Err(e.into()),
        };
        let text = format!(
            "{} <b>{}</b>\n{}",
            t.watch_created,
            escape_html(&ellipsize(&added.product.title, 200)),
            money_text(added.product.price(), t)
        );
        let kb = self.watch_keyboard(&added.watch, t, true);
        self.reply(ctx, &text, Some(kb)).await.map(drop)
    }

    /// The library's watch service over the bot's catalog.
    fn watches(&self) -> WatchService {
        WatchService::new(self.catalog.clone())
    }

    fn watch_keyboard(&self, w: &Watch, t: &Texts, with_buy: bool) -> InlineKeyboardMarkup {
        let toggle = if w.state == WatchState::Paused {
            InlineKeyboardButton::callback(t.btn_resume, Callback::Resume(w.id).encode())
        } else {
            InlineKeyboardButton::callback(t.btn_pause, Callback::Pause(w.id).encode())
        };
        let mut rows = vec![
            vec![
                toggle,
                InlineKeyboardButton::callback(t.btn_snooze, Callback::Snooze(w.id).encode()),
            ],
            vec![
                InlineKeyboardButton::callback(t.btn_target, Callback::Target(w.id).encode()),
                InlineKeyboardButton::callback(t.btn_delete, Callback::Delete(w.id).encode()),
            ],
        ];
        if with_buy {
            rows.push(vec![InlineKeyboardButton::url(
                t.btn_buy,
                product_url(
                    w.target.marketplace(),
                    w.target.asin(),
                    self.config.affiliate_tag.as_deref(),
                ),
            )]);
        }
        InlineKeyboardMarkup {
            inline_keyboard: rows,
        }
    }

    async fn watches_view(
        &self,
        ctx: &Ctx,
    ) -> Result<(String, Option<InlineKeyboardMarkup>), BotError> {
        let t = ctx.t();
        let watches = self.store().list_watches(ctx.user.id).await?;
        if watches.is_empty() {
            return Ok((t.no_watches.to_owned(), None));
        }
        let now = self.clock().now();
        let mut lines = vec![t.your_watches.to_owned()];
        let mut rows = Vec::new();
        for (i, w) in watches.iter().enumerate().take(MAX_LISTED) {
            let n = i + 1;
            let product = self
                .store()
                .get_product(w.target.marketplace(), w.target.asin())
                .await?;
            let title = product.as_ref().map_or_else(
                || w.target.asin().as_str().to_owned(),
                |p| ellipsize(&p.title, 60),
            );
            let price = money_text(product.as_ref().and_then(buy_price), t);
            let state = match w.state {
                WatchState::Paused => t.state_paused,
                WatchState::Snoozed { until } if until > now => t.state_snoozed,
                _ => t.state_active,
            };
            let target = w.rules.iter().find_map(|r| match r {
                AlertRule::TargetPrice { at_or_below } => Some(at_or_below.display_short()),
                _ => None,
            });
            let target = target
                .map(|p| format!(" · {} {p}", t.target))
                .unwrap_or_default();
            lines.push(format!(
                "{n}. {} — {price} ({state}){target}",
                escape_html(&title)
            ));
            let toggle = if w.state == WatchState::Paused {
                InlineKeyboardButton::callback(format!("{n} ▶️"), Callback::Resume(w.id).encode())
            } else {
                InlineKeyboardButton::callback(format!("{n} ⏸"), Callback::Pause(w.id).encode())
            };
            rows.push(vec![
                toggle,
                InlineKeyboardButton::callback(format!("{n} 😴"), Callback::Snooze(w.id).encode()),
                InlineKeyboardButton::callback(format!("{n} 🎯"), Callback::Target(w.id).encode()),
                InlineKeyboardButton::callback(format!("{n} 🗑"), Callback::Delete(w.id).encode()),
            ]);
        }
        if watches.len() > MAX_LISTED {
            lines.push(format!("… +{}", watches.len() - MAX_LISTED));
        }
        Ok((
            lines.join("\n"),
            Some(InlineKeyboardMarkup {
                inline_keyboard: rows,
            }),
        ))
    }

    async fn cmd_watches(&self, ctx: &Ctx, edit: Option<i64>) -> Result<(), BotError> {
        let (text, kb) = self.watches_view(ctx).await?;
        if let Some(message_id) = edit {
            let opts = SendOptions {
                html: true,
                reply_markup: kb,
                disable_preview: true,
            };
            self.notifier
                .client()
                .edit_message_text(ctx.chat, message_id, &text, &opts)
                .await?;
            return Ok(());
        }
        self.reply(ctx, &text, kb).await.map(drop)
    }

    async fn cmd_price(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let Some(found) = self.find(text, ctx.user.settings.marketplace).await else {
            return self.reply(ctx, t.price_usage, None).await.map(drop);
        };
        let batch = self
            .catalog
            .lookup(found.marketplace, &[found.asin])
            .await?;
        let Some(p) = batch.items.into_iter().find(|p| p.asin == found.asin) else {
            return self.reply(ctx, t.unknown_product, None).await.map(drop);
        };
        let offer = p.offers.first();
        let mut lines = vec![
            format!("<b>{}</b>", escape_html(&ellipsize(&p.title, 200))),
            format!("<b>{}</b>", money_text(offer.and_then(|o| o.price), t)),
        ];
        if let Some(o) = offer
            && let (Some(price), Some(mrp)) = (o.price, o.list_price)
            && let Some(bps) = price.discount_bps(mrp).filter(|b| *b > 0)
        {
            lines.push(format!(
                "MRP <s>{}</s> (−{}.{}% {})",
                mrp.display_short(),
                bps / 100,
                (bps % 100) / 10,
                t.off_mrp
            ));
        }
        if let Some(o) = offer {
            lines.push(escape_html(o.availability.as_str()));
        }
        let kb = InlineKeyboardMarkup {
            inline_keyboard: vec![
                vec![InlineKeyboardButton::url(
                    t.btn_buy,
                    product_url(
                        found.marketplace,
                        found.asin,
                        self.config.affiliate_tag.as_deref(),
                    ),
                )],
                vec![
                    InlineKeyboardButton::callback(
                        t.btn_watch,
                        Callback::Watch(found.asin).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        t.btn_history,
                        Callback::History(found.asin).encode(),
                    ),
                ],
            ],
        };
        self.reply(ctx, &lines.join("\n"), Some(kb)).await.map(drop)
    }

    async fn cmd_history(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let Some(found) = self.find(text, ctx.user.settings.marketplace).await else {
            return self.reply(ctx, t.history_usage, None).await.map(drop);
        };
        self.send_history(ctx, found.marketplace, found.asin).await
    }

    async fn send_history(
        &self,
        ctx: &Ctx,
        m: Marketplace,
        asin: mandi_core::Asin,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        let report = self.catalog.history(m, asin, true).await?;
        if report.points.iter().all(|p| p.price.is_none()) {
            return self.reply(ctx, t.no_history, None).await.map(drop);
        }
        let caption = history_caption(&report, t);
        let title = report.product.as_ref().map(|p| ellipsize(&p.title, 60));
        let opts = mandi_core::charts::ChartOptions {
            title,
            ..mandi_core::charts::ChartOptions::default()
        };
        match mandi_core::charts::render_price_chart(&report.points, report.as_of, &opts) {
            Ok(png) => {
                let photo = InputFile::Upload {
                    file_name: format!("{}.png", asin.as_str()),
                    bytes: png,
                };
                self.notifier
                    .send_photo(Some(&ctx.user), ctx.chat, photo, &caption, None)
                    .await?;
                Ok(())
            }
            Err(e) => {
                tracing::debug!(error = %e, "no chart; sending the summary as text");
                self.reply(ctx, &caption, None).await.map(drop)
            }
        }
    }

    async fn cmd_search(
        &self,
        ctx: &Ctx,
        words: &str,
        page: u8,
        edit: Option<i64>,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        let mut request = SearchRequest::keywords(ctx.user.settings.marketplace, words);
        request.item_count = SEARCH_PAGE_SIZE;
        request.item_page = page.clamp(1, 10);
        let result = self.catalog.search(&request, Some(ctx.user.id)).await?;
        if result.items.is_empty() {
            return self.reply(ctx, t.no_results, None).await.map(drop);
        }
        let mut lines = vec![format!(
            "🔎 <b>{}</b> · {} {page}",
            escape_html(&ellipsize(words, 60)),
            t.page
        )];
        let mut rows = Vec::new();
        for (i, p) in result.items.iter().enumerate() {
            let n = usize::from(page.saturating_sub(1)) * usize::from(SEARCH_PAGE_SIZE) + i + 1;
            lines.push(format!(
                "{n}. <a href=\"{}\">{}</a> — <b>{}</b>",
                escape_html(&product_url(
                    p.marketplace,
                    p.asin,
                    self.config.affiliate_tag.as_deref()
                )),
                escape_html(&ellipsize(&p.title, 80)),
                money_text(buy_price(p), t)
            ));
            rows.push(vec![InlineKeyboardButton::callback(
                format!("{} #{n}", t.btn_watch),
                Callback::Watch(p.asin).encode(),
            )]);
        }
        let total = result.total_results.unwrap_or(0);
        let mut nav = Vec::new();
        if page > 1 {
            nav.push(InlineKeyboardButton::callback(
                t.btn_prev,
                Callback::SearchPage {
                    page: page - 1,
                    query: words.to_owned(),
                }
                .encode(),
            ));
        }
        let shown = u32::from(page) * u32::from(SEARCH_PAGE_SIZE);
        if page < 10
            && (total > shown
                || (total == 0 && result.items.len() == usize::from(SEARCH_PAGE_SIZE)))
        {
            nav.push(InlineKeyboardButton::callback(
                t.btn_next,
                Callback::SearchPage {
                    page: page + 1,
                    query: words.to_owned(),
                }
                .encode(),
            ));
        }
        if !nav.is_empty() {
            rows.push(nav);
        }
        let kb = InlineKeyboardMarkup {
            inline_keyboard: rows,
        };
        let text = lines.join("\n");
        if let Some(message_id) = edit {
            let opts = SendOptions {
                html: true,
                reply_markup: Some(kb),
                disable_preview: true,
            };
            self.notifier
                .client()
                .edit_message_text(ctx.chat, message_id, &text, &opts)
                .await?;
            return Ok(());
        }
        self.reply(ctx, &text, Some(kb)).await.map(drop)
    }

    async fn cmd_deals(&self, ctx: &Ctx) -> Result<(), BotError> {
        let t = ctx.t();
        let watched = self.store().watched_products().await?;
        let mut scored: Vec<(u8, String, HistoryReport)> = Vec::new();
        for w in watched.iter().take(50) {
            let report = self.catalog.history(w.marketplace, w.asin, false).await?;
            let Some(score) = report.score.clone() else {
                continue;
            };
            let category = report
                .product
                .as_ref()
                .and_then(|p| p.browse_nodes.first())
                .map(|n| n.name.clone())
                .unwrap_or_default();
            scored.push((score.score, category, report));
        }
        if scored.is_empty() {
            return self.reply(ctx, t.no_deals, None).await.map(drop);
        }
        scored.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        let mut lines = vec![t.deals_title.to_owned()];
        let mut last_category = None;
        for (score, category, report) in scored.iter().take(10) {
            if last_category != Some(category) && !category.is_empty() {
                lines.push(format!("\n<i>{}</i>", escape_html(category)));
            }
            last_category = Some(category);
            let title = report.product.as_ref().map_or_else(
                || report.asin.as_str().to_owned(),
                |p| ellipsize(&p.title, 60),
            );
            let price = report.summary.current.as_ref().map(|c| c.price);
            let v = report
                .score
                .as_ref()
                .map_or(t.verdict_unknown, |s| verdict(s.verdict, t));
            lines.push(format!(
                "{score}/100 · {} — <b>{}</b> · {v}",
                escape_html(&title),
                money_text(price, t)
            ));
        }
        self.reply(ctx, &lines.join("\n"), None).await.map(drop)
    }

    fn settings_view(&self, user: &User) -> (String, InlineKeyboardMarkup) {
        let t = texts(user.settings.language);
        let s = &user.settings;
        let mode = match s.alert_mode {
            AlertMode::DailyDigest => t.mode_digest,
            _ => t.mode_realtime,
        };
        let quiet = s.quiet_hours.map_or_else(
            || t.quiet_off.to_owned(),
            |q| {
                format!(
                    "{}: {}–{}",
                    t.quiet_hours,
                    q.start.format("%H:%M"),
                    q.end.format("%H:%M")
                )
            },
        );
        let cap = s
            .daily_cap
            .map_or_else(|| t.no_cap.to_owned(), |c| format!("{}: {c}", t.daily_cap));
        let text = format!(
            "{}\n{mode}\n{quiet}\n{cap}\n{}",
            t.settings_title, t.language
        );
        let kb = InlineKeyboardMarkup {
            inline_keyboard: vec![
                vec![InlineKeyboardButton::callback(
                    mode,
                    Callback::ToggleMode.encode(),
                )],
                vec![InlineKeyboardButton::callback(
                    quiet,
                    Callback::ToggleQuiet.encode(),
                )],
                vec![InlineKeyboardButton::callback(
                    cap,
                    Callback::CycleCap.encode(),
                )],
                vec![InlineKeyboardButton::callback(
                    "English / हिन्दी",
                    Callback::ToggleLanguage.encode(),
                )],
            ],
        };
        (text, kb)
    }

    async fn cmd_settings(&self, ctx: &Ctx, edit: Option<i64>) -> Result<(), BotError> {
        let (text, kb) = self.settings_view(&ctx.user);
        if let Some(message_id) = edit {
            let opts = SendOptions {
                html: true,
                reply_markup: Some(kb),
                disable_preview: true,
            };
            self.notifier
                .client()
                .edit_message_text(ctx.chat, message_id, &text, &opts)
                .await?;
            return Ok(());
        }
        self.reply(ctx, &text, Some(kb)).await.map(drop)
    }

    async fn cmd_digest(&self, ctx: &Ctx) -> Result<(), BotError> {
        let t = ctx.t();
        let watches = self.store().list_watches(ctx.user.id).await?;
        let mut lines = vec![t.digest_title.to_owned()];
        for w in watches.iter().take(MAX_LISTED) {
            let report = self
                .catalog
                .history(w.target.marketplace(), w.target.asin(), false)
                .await?;
            let title = report.product.as_ref().map_or_else(
                || w.target.asin().as_str().to_owned(),
                |p| ellipsize(&p.title, 50),
            );
            let now = report.summary.current.as_ref().map(|c| c.price);
            let prev = report.summary.previous.as_ref().map(|c| c.price);
            let change = match (prev, now) {
                (Some(p), Some(n)) if p != n => {
                    format!("{} → <b>{}</b>", p.display_short(), n.display_short())
                }
                (_, n) => format!("<b>{}</b>", money_text(n, t)),
            };
            let low = if report.summary.is_all_time_low {
                " 🏆"
            } else {
                ""
            };
            lines.push(format!("• {} — {change}{low}", escape_html(&title)));
        }
        if lines.len() == 1 {
            lines.push(t.digest_empty.to_owned());
        }
        self.reply(ctx, &lines.join("\n"), None).await.map(drop)
    }

    async fn cmd_stats(&self, ctx: &Ctx) -> Result<(), BotError> {
        let t = ctx.t();
        let watches = self.store().list_watches(ctx.user.id).await?;
        let active = watches
            .iter()
            .filter(|w| w.state != WatchState::Paused)
            .count();
        let mut saved = Money::from_minor(0, Currency::INR);
        for w in &watches {
            let (Some(base), Some(p)) = (
                w.baseline_price,
                self.store()
                    .get_product(w.target.marketplace(), w.target.asin())
                    .await?
                    .as_ref()
                    .and_then(buy_price),
            ) else {
                continue;
            };
            if let Ok(diff) = base.checked_sub(p)
                && diff.minor() > 0
                && let Ok(sum) = saved.checked_add(diff)
            {
                saved = sum;
            }
        }
        let text = format!(
            "{}\n👁 {} ({} {})\n💰 {}",
            t.stats_title,
            watches.len(),
            active,
            t.state_active,
            saved.display_short()
        );
        self.reply(ctx, &text, None).await.map(drop)
    }

    async fn cmd_export(&self, ctx: &Ctx) -> Result<(), BotError> {
        let doc = self.watches().export(&ctx.user).await?;
        let json = serde_json::to_string(&doc).map_err(|e| BotError::Input(e.to_string()))?;
        let text = format!("{}\n<pre>{}</pre>", ctx.t().export_done, escape_html(&json));
        self.reply(ctx, &text, None).await.map(drop)
    }

    async fn cmd_import(&self, ctx: &Ctx, args: &str) -> Result<(), BotError> {
        let t = ctx.t();
        if args.trim().is_empty() {
            return self.reply(ctx, t.import_usage, None).await.map(drop);
        }
        // Every entry is checked before anything is created; a bad file changes nothing.
        match self.watches().import(&ctx.user, args.trim(), true).await {
            Ok(report) => self
                .reply(ctx, &format!("{} {}", t.imported, report.created), None)
                .await
                .map(drop),
            Err(WatchError::Invalid(reason)) => self
                .reply(
                    ctx,
                    &format!("{}\n{}", t.import_usage, escape_html(&reason)),
                    None,
                )
                .await
                .map(drop),
            Err(e) => Err(e.into()),
        }
    }

    async fn cmd_admin(&self, ctx: &Ctx, cmd: &str, args: &str) -> Result<(), BotError> {
        if !self.config.admins.contains(&ctx.from_id) {
            tracing::warn!(from = ctx.from_id, cmd, "admin command refused");
            return self.reply(ctx, ctx.t().admin_only, None).await.map(drop);
        }
        let today = self.clock().now().date_naive();
        match cmd {
            "admin_status" | "admin" => {
                let watched = self.store().watched_products().await?;
                let usage = self
                    .store()
                    .api_usage(&self.config.source_name, today)
                    .await?;
                let text = format!(
                    "<b>Status</b>\nsource: {}\nwatched products: {}\nAPI calls today: {} ({} failed)\nsent: {} · 429s: {} · blocked: {}",
                    escape_html(self.catalog.source().name()),
                    watched.len(),
                    usage.calls,
                    usage.failed,
                    self.notifier
                        .stats()
                        .sent
                        .load(std::sync::atomic::Ordering::Relaxed),
                    self.notifier
                        .stats()
                        .rate_limited
                        .load(std::sync::atomic::Ordering::Relaxed),
                    self.notifier
                        .stats()
                        .blocked
                        .load(std::sync::atomic::Ordering::Relaxed),
                );
                self.reply(ctx, &text, None).await.map(drop)
            }
            "admin_quota" => {
                let usage = self
                    .store()
                    .api_usage(&self.config.source_name, today)
                    .await?;
                let text = format!(
                    "<b>Quota</b> ({})\ncalls today: {}\nitems: {}\nfailed: {}",
                    escape_html(&self.config.source_name),
                    usage.calls,
                    usage.items,
                    usage.failed
                );
                self.reply(ctx, &text, None).await.map(drop)
            }
            "admin_users" => {
                let users = self.watching_users().await?;
                let active = users.iter().filter(|u| u.active).count();
                self.reply(
                    ctx,
                    &format!(
                        "<b>Users with watches</b>: {} ({active} active)",
                        users.len()
                    ),
                    None,
                )
                .await
                .map(drop)
            }
            "admin_broadcast" => {
                if args.is_empty() {
                    return self
                        .reply(ctx, "/admin_broadcast &lt;text&gt;", None)
                        .await
                        .map(drop);
                }
                let users = self.watching_users().await?;
                let body = escape_html(args);
                let mut sent = 0;
                for u in users.iter().filter(|u| u.active) {
                    let Ok(chat) = crate::notifier::chat_of(u) else {
                        continue;
                    };
                    // Paced by the notifier like alerts; failures are counted, not fatal.
                    if self
                        .notifier
                        .send_html(Some(u), chat, &body, None)
                        .await
                        .is_ok()
                    {
                        sent += 1;
                    }
                }
                self.reply(
                    ctx,
                    &format!("Broadcast sent to {sent} of {}", users.len()),
                    None,
                )
                .await
                .map(drop)
            }
            _ => self
                .reply(
                    ctx,
                    "/admin_status, /admin_quota, /admin_users, /admin_broadcast",
                    None,
                )
                .await
                .map(drop),
        }
    }

    /// Users with at least one watch (the `Store` port has no user listing yet).
    async fn watching_users(&self) -> Result<Vec<User>, BotError> {
        let mut ids: Vec<UserId> = Vec::new();
        for p in self.store().watched_products().await? {
            for w in self.store().watches_on(p.marketplace, p.asin).await? {
                if !ids.contains(&w.user_id) {
                    ids.push(w.user_id);
                }
            }
        }
        let mut users = Vec::with_capacity(ids.len());
        for id in ids {
            users.push(self.store().get_user(id).await?);
        }
        Ok(users)
    }

    async fn set_target(&self, ctx: &Ctx, id: WatchId, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let currency = ctx.user.settings.marketplace.currency();
        let Ok(price) = Money::parse(text.trim(), currency) else {
            self.awaiting_target
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(ctx.chat, id);
            return self.reply(ctx, t.bad_price, None).await.map(drop);
        };
        if price.minor() <= 0 {
            return self.reply(ctx, t.bad_price, None).await.map(drop);
        }
        let mut w = match self.store().get_watch(ctx.user.id, id).await {
            Ok(w) => w,
            Err(e) if e.is_not_found() => {
                return self.reply(ctx, t.not_yours, None).await.map(drop);
            }
            Err(e) => return Err(e.into()),
        };
        w.rules
            .retain(|r| !matches!(r, AlertRule::TargetPrice { .. }));
        w.rules
            .insert(0, AlertRule::TargetPrice { at_or_below: price });
        self.store().update_watch(&w).await?;
        self.reply(
            ctx,
            &format!("{} <b>{}</b>", t.target_set, price.display_short()),
            None,
        )
        .await
        .map(drop)
    }

    async fn on_callback(&self, q: CallbackQuery) -> Result<(), BotError> {
        let chat = q.message.as_ref().map_or(q.from.id, |m| m.chat.id);
        let message_id = q.message.as_ref().map(|m| m.message_id);
        let mut ctx = self.ctx(chat, Some(&q.from)).await?;
        let client = self.notifier.client();
        let Some(cb) = q.data.as_deref().and_then(Callback::decode) else {
            client.answer_callback_query(&q.id, None).await?;
            return Ok(());
        };
        let t = ctx.t();
        let watch_op = |id: WatchId| async move {
            match self.store().get_watch(ctx.user.id, id).await {
                Ok(w) => Ok(Some(w)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(BotError::from(e)),
            }
        };
        let toast: &str = match cb {
            Callback::Pause(id) | Callback::Resume(id) | Callback::Snooze(id) => {
                match watch_op(id).await? {
                    None => t.not_yours,
                    Some(mut w) => {
                        let (state, toast) = match cb {
                            Callback::Pause(_) => (WatchState::Paused, t.paused),
                            Callback::Resume(_) => (WatchState::Active, t.resumed),
                            _ => (
                                WatchState::Snoozed {
                                    until: self.clock().now() + ChronoDuration::hours(24),
                                },
                                t.snoozed,
                            ),
                        };
                        w.state = state;
                        self.store().update_watch(&w).await?;
                        toast
                    }
                }
            }
            Callback::Delete(id) => match self.store().delete_watch(ctx.user.id, id).await {
                Ok(()) => t.deleted,
                Err(e) if e.is_not_found() => t.not_yours,
                Err(e) => return Err(e.into()),
            },
            Callback::Target(id) => match watch_op(id).await? {
                None => t.not_yours,
                Some(_) => {
                    self.awaiting_target
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(chat, id);
                    client.answer_callback_query(&q.id, None).await?;
                    return self.reply(&ctx, t.target_prompt, None).await.map(drop);
                }
            },
            Callback::Watch(asin) => {
                client.answer_callback_query(&q.id, None).await?;
                let found = FoundProduct {
                    marketplace: ctx.user.settings.marketplace,
                    asin,
                };
                return self.watch_found(&ctx, found).await;
            }
            Callback::History(asin) => {
                client.answer_callback_query(&q.id, None).await?;
                return self
                    .send_history(&ctx, ctx.user.settings.marketplace, asin)
                    .await;
            }
            Callback::SearchPage { page, query } => {
                client.answer_callback_query(&q.id, None).await?;
                return self.cmd_search(&ctx, &query, page, message_id).await;
            }
            Callback::ToggleMode
            | Callback::ToggleLanguage
            | Callback::ToggleQuiet
            | Callback::CycleCap => {
                let s = &mut ctx.user.settings;
                match cb {
                    Callback::ToggleMode => {
                        s.alert_mode = if s.alert_mode == AlertMode::RealTime {
                            AlertMode::DailyDigest
                        } else {
                            AlertMode::RealTime
                        };
                    }
                    Callback::ToggleLanguage => {
                        s.language = if s.language == Language::Hindi {
                            Language::English
                        } else {
                            Language::Hindi
                        };
                    }
                    Callback::ToggleQuiet => {
                        s.quiet_hours = match s.quiet_hours {
                            Some(_) => None,
                            None => NaiveTime::from_hms_opt(22, 0, 0)
                                .zip(NaiveTime::from_hms_opt(7, 0, 0))
                                .map(|(start, end)| QuietHours { start, end }),
                        };
                    }
                    _ => {
                        s.daily_cap = match s.daily_cap {
                            None => Some(5),
                            Some(5) => Some(10),
                            Some(10) => Some(20),
                            _ => None,
                        };
                    }
                }
                self.store().update_user(&ctx.user).await?;
                client
                    .answer_callback_query(&q.id, Some(texts(ctx.user.settings.language).saved))
                    .await?;
                return self.cmd_settings(&ctx, message_id).await;
            }
        };
        client.answer_callback_query(&q.id, Some(toast)).await?;
        if let Some(mid) = message_id
            && toast != t.not_yours
        {
            // Refresh the list the buttons belong to.
            if let Err(e) = self.cmd_watches(&ctx, Some(mid)).await {
                tracing::debug!(error = %e, "could not refresh the watch list");
            }
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
                let url = product_url(p.marketplace, p.asin, self.config.affiliate_tag.as_deref());
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
            if let Some(user) = self.store().find_user(&identity).await? {
                deactivate_user(self.store().as_ref(), &user).await?;
            }
        }
        Ok(())
    }
}

fn history_caption(report: &HistoryReport, t: &Texts) -> String {
    let mut lines = Vec::new();
    if let Some(p) = &report.product {
        lines.push(format!("<b>{}</b>", escape_html(&ellipsize(&p.title, 150))));
    }
    if let Some(c) = &report.summary.current {
        lines.push(format!("<b>{}</b>", c.price.display_short()));
    }
    if let Some(w) = report.summary.window(Some(90)) {
        if let Some(l) = &w.lowest {
            lines.push(format!("{} (90d): {}", t.lowest, l.price.display_short()));
        }
        if let Some(h) = &w.highest {
            lines.push(format!("{} (90d): {}", t.highest, h.price.display_short()));
        }
        if let Some(a) = w.average {
            lines.push(format!("{} (90d): {}", t.average, a.display_short()));
        }
    }
    if let Some(s) = &report.score {
        lines.push(format!("{} ({}/100)", verdict(s.verdict, t), s.score));
    }
    lines.join("\n")
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
