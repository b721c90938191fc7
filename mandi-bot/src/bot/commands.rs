//! Messages and `/commands`: each command is one library call (or a few) and a view.

use std::sync::atomic::Ordering;

use mandi_core::links::ProductRef;
use mandi_core::watches::{WatchError, WatchSpec};
use mandi_core::{Marketplace, Money, SearchRequest, WatchId};

use super::SEARCH_PAGE_SIZE;
use super::callback_data::Callback;
use super::views::{self, buy_price, money_text};
use super::{Bot, BotError, Ctx};
use crate::links_local::{FoundProduct, find_product};
use crate::telegram::InputFile;
use crate::telegram::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use crate::text::{ellipsize, escape_html};

impl Bot {
    pub(super) async fn on_command(
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
            "share" => self.cmd_share(ctx, &format!("{args} {urls}")).await,
            "community" => self.cmd_community(ctx, args).await,
            "invite" | "referrals" => self.cmd_invite(ctx).await,
            "subscribe" => self.cmd_subscribe(ctx, args).await,
            "unsubscribe" => self.cmd_unsubscribe(ctx, args).await,
            "foryou" => self.cmd_foryou(ctx).await,
            "settings" => self.cmd_settings(ctx, None).await,
            "digest" => self.cmd_digest(ctx).await,
            "stats" => self.cmd_stats(ctx).await,
            "top" => self.cmd_top(ctx, args).await,
            "export" => self.cmd_export(ctx).await,
            "categories" | "category" => self.cmd_categories(ctx, args, None).await,
            "similar" => self.cmd_similar(ctx, &format!("{args} {urls}")).await,
            "report" => self.cmd_report(ctx, &format!("{args} {urls}")).await,
            "compare" => self.cmd_compare(ctx, &format!("{args} {urls}")).await,
            "import" => self.cmd_import(ctx, args).await,
            c if c.starts_with("admin") => self.cmd_admin(ctx, c, args).await,
            _ => self.reply(ctx, t.unknown_command, None).await.map(drop),
        }
    }

    pub(super) async fn on_text(&self, ctx: &Ctx, text: &str, urls: &str) -> Result<(), BotError> {
        let pending = self
            .awaiting_target
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ctx.chat);
        if let Some(watch_id) = pending {
            return self.set_target(ctx, watch_id, text).await;
        }
        let all = format!("{text} {urls}");
        // "A vs B" names two products: a comparison, not a watch of the first.
        if self.discovery.parse(text).intent == mandi_core::discovery::Intent::Compare {
            return self.ask(ctx, text).await;
        }
        if let Some(found) = self.find(&all, ctx.user.settings.marketplace).await {
            return self.watch_found(ctx, found).await;
        }
        if super::has_short_link(&all) || super::has_amazon_link(&all) {
            return self.not_found(ctx, &all).await;
        }
        // Words: a question for the library's discovery ("earbuds under 2k", "A vs B").
        self.ask(ctx, text).await
    }

    /// Says why no product was found: a short link that could not be opened is not "no
    /// link".
    pub(super) async fn not_found(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let msg = if super::has_short_link(text) {
            t.short_link_failed
        } else {
            t.not_a_product
        };
        self.reply(ctx, msg, None).await.map(drop)
    }

    async fn cmd_start(&self, ctx: &Ctx, payload: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let mut text = t.welcome.to_owned();
        // An invitation (`ref_<id>`): recorded once per new user by the community rules.
        if self.start_referral(ctx, payload).await? {
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
            None => self.not_found(ctx, text).await,
        }
    }

    async fn cmd_history(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let Some(found) = self.find(text, ctx.user.settings.marketplace).await else {
            return self.reply(ctx, t.history_usage, None).await.map(drop);
        };
        self.send_history(ctx, found.marketplace, found.asin).await
    }

    pub(super) async fn send_history(
        &self,
        ctx: &Ctx,
        m: Marketplace,
        asin: mandi_core::Asin,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        self.chat_action(ctx, "upload_photo").await;
        let report = self.catalog.history(m, asin, true).await?;
        if report.points.iter().all(|p| p.price.is_none()) {
            return self.reply(ctx, t.no_history, None).await.map(drop);
        }
        let caption = views::history_caption(&report, t);
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

    pub(super) async fn cmd_search(
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
            let buy = self
                .buy_url(
                    ctx,
                    mandi_core::ClickSource::Search {
                        query: words.to_owned(),
                    },
                    p.marketplace,
                    p.asin,
                )
                .await;
            lines.push(format!(
                "{n}. <a href=\"{}\">{}</a> — <b>{}</b>",
                escape_html(&buy),
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
            return self.edit(ctx, message_id, &text, Some(kb)).await;
        }
        self.reply(ctx, &text, Some(kb)).await.map(drop)
    }

    /// Shows "sending a photo…" or similar while a slow answer is prepared; failures only
    /// cost the indicator.
    pub(super) async fn chat_action(&self, ctx: &Ctx, action: &str) {
        if let Err(e) = self
            .notifier
            .client()
            .send_chat_action(ctx.chat, action)
            .await
        {
            tracing::debug!(error = %e, action, "no chat action");
        }
    }

    async fn cmd_export(&self, ctx: &Ctx) -> Result<(), BotError> {
        self.chat_action(ctx, "upload_document").await;
        let doc = self.watches.export(&ctx.user).await?;
        let json = serde_json::to_vec_pretty(&doc).map_err(|e| BotError::Input(e.to_string()))?;
        let name = format!(
            "mandi-watches-{}.json",
            self.clock().now().format("%Y-%m-%d")
        );
        let caption = format!("{} {}", ctx.t().export_done, doc.watches.len());
        self.notifier
            .send_document(
                Some(&ctx.user),
                ctx.chat,
                &name,
                json,
                &caption,
                ctx.reply_to,
            )
            .await?;
        Ok(())
    }

    async fn cmd_import(&self, ctx: &Ctx, args: &str) -> Result<(), BotError> {
        /// The largest watch-list file read (an export of 500 watches is far smaller).
        const MAX_IMPORT_BYTES: usize = 1024 * 1024;
        let t = ctx.t();
        let text = if let Some(doc) = &ctx.document {
            if doc.file_size.is_some_and(|s| s > MAX_IMPORT_BYTES as u64) {
                return self.reply(ctx, t.import_too_large, None).await.map(drop);
            }
            let client = self.notifier.client();
            let file = client.get_file(&doc.file_id).await?;
            let bytes = match client.download_file(&file, MAX_IMPORT_BYTES).await {
                Ok(b) => b,
                Err(crate::telegram::TelegramError::Request { .. }) => {
                    return self.reply(ctx, t.import_too_large, None).await.map(drop);
                }
                Err(e) => return Err(e.into()),
            };
            match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(_) => return self.reply(ctx, t.import_not_text, None).await.map(drop),
            }
        } else {
            args.trim().to_owned()
        };
        if text.trim().is_empty() {
            return self.reply(ctx, t.import_usage, None).await.map(drop);
        }
        // The library's import (as `mandi import`): every entry is checked before anything
        // is created; a bad file changes nothing.
        match self.watches.import(&ctx.user, text.trim(), true).await {
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

    pub(super) async fn watch_found(&self, ctx: &Ctx, found: FoundProduct) -> Result<(), BotError> {
        let t = ctx.t();
        let product = ProductRef::new(found.asin, found.marketplace);
        // A variation parent (a family with no price of its own): offer its variations.
        match self.watches.variation_choices(product).await {
            Ok(Some(family)) => return self.offer_variations(ctx, &family).await,
            Ok(None) => {}
            Err(WatchError::UnknownProduct(_)) => {
                return self.reply(ctx, t.unknown_product, None).await.map(drop);
            }
            Err(e) => return Err(e.into()),
        }
        let added = match self
            .watches
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
        let kb = views::watch_keyboard(&added.watch, t, true, self.config.associate_tag.as_deref());
        self.reply(ctx, &text, Some(kb)).await.map(drop)
    }

    async fn offer_variations(
        &self,
        ctx: &Ctx,
        family: &mandi_core::VariationFamily,
    ) -> Result<(), BotError> {
        const SHOWN: usize = 10;
        let t = ctx.t();
        let mut lines = vec![t.choose_variation.to_owned()];
        let mut rows = Vec::new();
        for (i, p) in family.items.iter().take(SHOWN).enumerate() {
            let attrs: Vec<&str> = p
                .variation_attributes
                .iter()
                .map(|a| a.value.as_str())
                .collect();
            let name = if attrs.is_empty() {
                ellipsize(&p.title, 60)
            } else {
                ellipsize(&attrs.join(" · "), 60)
            };
            let price = money_text(p.price(), t);
            lines.push(format!(
                "{}. {} — <b>{}</b>",
                i + 1,
                escape_html(&name),
                price
            ));
            rows.push(vec![InlineKeyboardButton::callback(
                ellipsize(&format!("{} {name} · {price}", t.btn_watch), 60),
                Callback::Watch(p.asin).encode(),
            )]);
        }
        rows.push(vec![InlineKeyboardButton::callback(
            t.btn_variations,
            Callback::Variant {
                index: 0,
                asin: family.parent_asin,
            }
            .encode(),
        )]);
        let kb = InlineKeyboardMarkup {
            inline_keyboard: rows,
        };
        self.reply(ctx, &lines.join("\n"), Some(kb)).await.map(drop)
    }

    pub(super) async fn cmd_price(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
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
        // The deal score and the mini chart from the stored history (the lookup just saved
        // the price).
        let report = match self
            .catalog
            .history(found.marketplace, found.asin, false)
            .await
        {
            Ok(report) => Some(report),
            Err(e) => {
                tracing::debug!(error = %e, "no history for the card");
                None
            }
        };
        let lines = views::product_lines(&p, report.as_ref().and_then(|r| r.score.as_ref()), t);
        let buy = self
            .buy_url(
                ctx,
                mandi_core::ClickSource::Card,
                found.marketplace,
                found.asin,
            )
            .await;
        let kb = InlineKeyboardMarkup {
            inline_keyboard: vec![
                vec![InlineKeyboardButton::url(t.btn_buy, buy)],
                vec![
                    InlineKeyboardButton::callback(
                        t.btn_watch,
                        Callback::Watch(found.asin).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        t.btn_history,
                        Callback::History(found.asin).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        t.btn_report,
                        Callback::Report(found.asin).encode(),
                    ),
                    InlineKeyboardButton::callback(
                        t.btn_similar,
                        Callback::Similar(found.asin).encode(),
                    ),
                ],
            ],
        };
        let caption = lines.join("\n");
        // The product's image; without one, a mini chart of its 90 days; without that, text.
        // A caption over 1,024 characters follows the photo as text (the notifier's rule).
        let image = p
            .images
            .first()
            .filter(|i| {
                url::Url::parse(&i.url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
            })
            .map(|i| InputFile::Remote(i.url.clone()));
        let photo = image.or_else(|| {
            let report = report.as_ref().filter(|r| r.points.len() >= 2)?;
            let opts = mandi_core::charts::ChartOptions::mini(90);
            mandi_core::charts::render_price_chart(&report.points, report.as_of, &opts)
                .map_err(|e| tracing::debug!(error = %e, "no mini chart for the card"))
                .ok()
                .map(|png| InputFile::Upload {
                    file_name: format!("{}.png", found.asin.as_str()),
                    bytes: png,
                })
        });
        match photo {
            Some(photo) => self
                .notifier
                .send_photo(Some(&ctx.user), ctx.chat, photo, &caption, Some(kb))
                .await
                .map(drop)
                .map_err(Into::into),
            None => self.reply(ctx, &caption, Some(kb)).await.map(drop),
        }
    }

    pub(super) async fn cmd_watches(&self, ctx: &Ctx, edit: Option<i64>) -> Result<(), BotError> {
        let list = self.watches.list_with_products(&ctx.user).await?;
        let (text, kb) = views::watches_view(&list, self.clock().now(), ctx.t());
        if let Some(message_id) = edit {
            return self.edit(ctx, message_id, &text, kb).await;
        }
        self.reply(ctx, &text, kb).await.map(drop)
    }

    pub(super) async fn cmd_settings(&self, ctx: &Ctx, edit: Option<i64>) -> Result<(), BotError> {
        let (text, kb) = views::settings_view(&ctx.user);
        if let Some(message_id) = edit {
            return self.edit(ctx, message_id, &text, Some(kb)).await;
        }
        self.reply(ctx, &text, Some(kb)).await.map(drop)
    }

    async fn cmd_deals(&self, ctx: &Ctx) -> Result<(), BotError> {
        // The 50 most watched products, read in one batch; the best ten shown.
        let deals = self.insights.deals(50, 10).await?;
        self.reply(ctx, &views::deals_html(&deals, ctx.t()), None)
            .await
            .map(drop)
    }

    async fn cmd_digest(&self, ctx: &Ctx) -> Result<(), BotError> {
        let digest = self
            .digest
            .build(&ctx.user, Vec::new(), self.clock().now())
            .await;
        let html = views::digest_html(&digest, ctx.t(), self.config.associate_tag.as_deref());
        self.reply(ctx, &html, None).await.map(drop)
    }

    async fn cmd_stats(&self, ctx: &Ctx) -> Result<(), BotError> {
        let report = self.insights.savings(&ctx.user).await?;
        let stats = self.engagement.stats(&ctx.user).await?;
        self.reply(
            ctx,
            &views::stats_html(&report, &stats, &ctx.user, ctx.t()),
            None,
        )
        .await
        .map(drop)
    }

    /// `/top [savers|finders] [week|month|all] [category…]`: a leaderboard of the users
    /// who opted in (default: top savers of the month, every category).
    async fn cmd_top(&self, ctx: &Ctx, args: &str) -> Result<(), BotError> {
        use mandi_core::engagement::{Board, Period};
        let mut board = Board::TopSavers;
        let mut period = Period::Month;
        let mut category = Vec::new();
        for word in args.split_whitespace() {
            let lower = word.to_ascii_lowercase();
            if let Some(b) = Board::parse(&lower) {
                board = b;
            } else if let Some(p) = Period::parse(&lower) {
                period = p;
            } else {
                category.push(word);
            }
        }
        let category = category.join(" ");
        let list = self
            .engagement
            .leaderboard(
                board,
                period,
                Some(category.as_str()).filter(|c| !c.is_empty()),
                ctx.user.settings.marketplace.currency(),
                10,
            )
            .await?;
        self.reply(
            ctx,
            &views::leaderboard_html(&list, &ctx.user, ctx.t()),
            None,
        )
        .await
        .map(drop)
    }

    pub(super) async fn set_target(
        &self,
        ctx: &Ctx,
        id: WatchId,
        text: &str,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        let currency = ctx.user.settings.marketplace.currency();
        let Ok(price) = Money::parse(text.trim(), currency) else {
            self.awaiting_target
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(ctx.chat, id);
            return self.reply(ctx, t.bad_price, None).await.map(drop);
        };
        match self.watches.set_target(&ctx.user, id, price).await {
            Ok(_) => self
                .reply(
                    ctx,
                    &format!("{} <b>{}</b>", t.target_set, price.display_short()),
                    None,
                )
                .await
                .map(drop),
            Err(WatchError::NotFound(_)) => self.reply(ctx, t.not_yours, None).await.map(drop),
            Err(WatchError::Invalid(why)) => self
                .reply(
                    ctx,
                    &format!("{}\n{}", t.bad_price, escape_html(&why)),
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
        match cmd {
            "admin_status" | "admin" => {
                let status = self.insights.status(&self.config.source_name).await?;
                let stats = self.notifier.stats();
                let text = format!(
                    "<b>Status</b>\nsource: {}\nwatched products: {}\nusers: {} ({} active)\nAPI calls today: {} ({} failed)\nsent: {} · 429s: {} · blocked: {}",
                    escape_html(if self.config.source_label.is_empty() {
                        self.catalog.source().name()
                    } else {
                        &self.config.source_label
                    }),
                    status.watched_products,
                    status.users,
                    status.active_users,
                    status.usage.calls,
                    status.usage.failed,
                    stats.sent.load(Ordering::Relaxed),
                    stats.rate_limited.load(Ordering::Relaxed),
                    stats.blocked.load(Ordering::Relaxed),
                );
                self.reply(ctx, &text, None).await.map(drop)
            }
            "admin_quota" => {
                let usage = self.insights.status(&self.config.source_name).await?.usage;
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
                let users = self.users.all().await?;
                let active = users.iter().filter(|u| u.active).count();
                self.reply(
                    ctx,
                    &format!("<b>Users</b>: {} ({active} active)", users.len()),
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
                let users = self.users.all().await?;
                // The admin's own formatting (bold, links…) is sent as formatting.
                let body = ctx
                    .html
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, rest)| rest.trim())
                    .to_owned();
                if body.is_empty() {
                    return self
                        .reply(ctx, "/admin_broadcast &lt;text&gt;", None)
                        .await
                        .map(drop);
                }
                let mut sent = 0;
                let active: Vec<_> = users.iter().filter(|u| u.active).collect();
                for u in &active {
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
                    &format!("Broadcast sent to {sent} of {} active users", active.len()),
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
}
