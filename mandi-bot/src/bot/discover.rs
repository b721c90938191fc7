//! Free-text questions, `/categories` and `/similar`, through the library's
//! `DiscoveryService`: the parse, search, ranking, comparison and category reports are the
//! library's; here they become cards and buttons. A watch asked for in words is only created
//! after the person confirms it with a button.

use mandi_core::discovery::{
    CategoryReport, Comparison, DiscoveryError, Intent, ParsedQuery, RankedProduct, SuggestionKind,
};
use mandi_core::{ExternalIdentity, Money, Product};

use super::callback_data::Callback;
use super::views::money_text;
use super::{Bot, BotError, Ctx};
use crate::i18n::{self, Texts};
use crate::links_local::product_url;
use crate::notifier::PROVIDER;
use crate::telegram::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent,
};
use crate::text::{ellipsize, escape_html};

/// Results shown for a question.
const SHOWN: usize = 5;

/// Inline queries shorter than this (in characters, trimmed) get completions only: a product
/// search on one or two letters finds nothing worth showing.
pub(super) const INLINE_MIN_SEARCH: usize = 3;

/// Completions leading an inline answer.
const INLINE_SUGGESTIONS: usize = 5;

impl Bot {
    /// The library's completions of an inline query as articles whose message is the
    /// completed words (plain text, answered as a question when it reaches the bot). Past
    /// searches are only ever the asker's own; the flag says whether any were included (the
    /// answer is then personal).
    pub(super) async fn inline_suggestions(
        &self,
        from: i64,
        words: &str,
        t: &Texts,
    ) -> Result<(Vec<InlineQueryResultArticle>, bool), BotError> {
        let identity = ExternalIdentity::new(PROVIDER, from.to_string());
        let user = self.users.find(&identity).await?.map(|u| u.id);
        let found = self
            .discovery
            .suggest(words, user, INLINE_SUGGESTIONS * 2)
            .await?;
        let mut personal = false;
        let articles = found
            .into_iter()
            // Without a known user the library's past queries are everyone's: not shown.
            .filter(|s| user.is_some() || s.kind != SuggestionKind::Query)
            .take(INLINE_SUGGESTIONS)
            .enumerate()
            .map(|(i, s)| {
                let kind = match s.kind {
                    SuggestionKind::Query => {
                        personal = true;
                        t.suggest_query
                    }
                    SuggestionKind::Brand => t.suggest_brand,
                    _ => t.suggest_category,
                };
                InlineQueryResultArticle {
                    kind: "article".to_owned(),
                    id: format!("s{i}"),
                    title: ellipsize(&s.text, 100),
                    input_message_content: InputTextMessageContent {
                        message_text: ellipsize(&s.text, 200),
                        parse_mode: None,
                    },
                    reply_markup: None,
                    description: Some(kind.to_owned()),
                    thumbnail_url: None,
                }
            })
            .collect();
        Ok((articles, personal))
    }

    /// Answers a question in words: search cards, a comparison, a confirm-to-watch card, a
    /// price, a chart, deals or similar products, as the library understood it.
    pub(super) async fn ask(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let marketplace = ctx.user.settings.marketplace;
        let query = self.discovery.parse(text);
        let outcome = match query.intent {
            Intent::Compare => match self.discovery.compare(&query, marketplace).await {
                Ok(c) => {
                    let (html, kb) = self.comparison_card(&c, t);
                    return self.reply(ctx, &html, Some(kb)).await.map(drop);
                }
                Err(e) => Err(e),
            },
            Intent::Watch | Intent::Price | Intent::History | Intent::Similar
                if !query.products.is_empty() =>
            {
                match self.discovery.first_product(&query, marketplace).await {
                    Ok(p) => return self.product_intent(ctx, query.intent, &p).await,
                    Err(e) => Err(e),
                }
            }
            Intent::Deals if query.keywords.trim().is_empty() && query.category.is_none() => {
                return self.on_command(ctx, "deals", "", "").await;
            }
            _ => match self
                .discovery
                .search(&query, marketplace, Some(ctx.user.id))
                .await
            {
                Ok(answer) => {
                    return self
                        .results_card(ctx, &search_title(&query), &answer.results)
                        .await;
                }
                Err(e) => Err(e),
            },
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(DiscoveryError::NothingToSearch(_)) => {
                self.reply(ctx, t.not_a_product, None).await.map(drop)
            }
            Err(DiscoveryError::NotFound(what)) => self
                .reply(
                    ctx,
                    &format!("{} ({})", t.no_results, escape_html(&what)),
                    None,
                )
                .await
                .map(drop),
            Err(DiscoveryError::NeedTwo(_)) => self.reply(ctx, t.no_results, None).await.map(drop),
            Err(DiscoveryError::ShortLink(_)) => {
                self.reply(ctx, t.short_link_failed, None).await.map(drop)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn product_intent(&self, ctx: &Ctx, intent: Intent, p: &Product) -> Result<(), BotError> {
        let t = ctx.t();
        match intent {
            Intent::Price => self.cmd_price(ctx, p.asin.as_str()).await,
            Intent::History => self.send_history(ctx, p.marketplace, p.asin).await,
            Intent::Similar => self.similar_of(ctx, p.asin).await,
            _ => {
                // Confirm before watching something understood from words.
                let text = format!(
                    "{}\n<b>{}</b>\n{}",
                    t.confirm_watch,
                    escape_html(&ellipsize(&p.title, 200)),
                    money_text(p.price(), t)
                );
                let buy = self
                    .buy_url(ctx, mandi_core::ClickSource::Card, p.marketplace, p.asin)
                    .await;
                let kb = InlineKeyboardMarkup {
                    inline_keyboard: vec![
                        vec![InlineKeyboardButton::callback(
                            t.btn_confirm_watch,
                            Callback::Watch(p.asin).encode(),
                        )],
                        vec![InlineKeyboardButton::url(t.btn_buy, buy)],
                    ],
                };
                self.reply(ctx, &text, Some(kb)).await.map(drop)
            }
        }
    }

    /// Numbered result lines with a Watch button each.
    async fn results_card(
        &self,
        ctx: &Ctx,
        title: &str,
        results: &[RankedProduct],
    ) -> Result<(), BotError> {
        let t = ctx.t();
        if results.is_empty() {
            return self.reply(ctx, t.no_results, None).await.map(drop);
        }
        let mut lines = vec![format!("🔎 <b>{}</b>", escape_html(&ellipsize(title, 80)))];
        let mut rows = Vec::new();
        for (i, r) in results.iter().take(SHOWN).enumerate() {
            let p = &r.product;
            let mut line = format!(
                "{}. <a href=\"{}\">{}</a> — <b>{}</b>",
                i + 1,
                escape_html(&product_url(
                    p.marketplace,
                    p.asin,
                    self.config.associate_tag.as_deref()
                )),
                escape_html(&ellipsize(&p.title, 80)),
                money_text(p.price(), t)
            );
            if !r.why.is_empty() {
                let why: Vec<String> = r.why.iter().map(|w| i18n::reason(w, t)).collect();
                line.push_str(&format!(
                    "\n   <i>{}</i>",
                    escape_html(&ellipsize(&why.join(" · "), 120))
                ));
            }
            lines.push(line);
            rows.push(vec![InlineKeyboardButton::callback(
                format!("{} #{}", t.btn_watch, i + 1),
                Callback::Watch(p.asin).encode(),
            )]);
        }
        let kb = InlineKeyboardMarkup {
            inline_keyboard: rows,
        };
        self.reply(ctx, &lines.join("\n"), Some(kb)).await.map(drop)
    }

    fn comparison_card(&self, c: &Comparison, t: &Texts) -> (String, InlineKeyboardMarkup) {
        let mut lines = vec![format!("<b>{}</b>", t.compare_title)];
        let mut rows = Vec::new();
        for (i, p) in c.products.iter().enumerate() {
            let mut facts = vec![format!("<b>{}</b>", money_text(p.price, t))];
            if let (Some(mrp), Some(d)) = (p.mrp, p.discount_percent.filter(|d| *d > 0)) {
                facts.push(format!(
                    "MRP <s>{mrp}</s> −{}",
                    mandi_core::Bps::percent(i64::from(d))
                ));
            }
            if let Some(r) = p.rating_centi {
                facts.push(format!("{}.{}★", r / 100, (r % 100) / 10));
            }
            if let Some(d) = &p.deal {
                facts.push(format!(
                    "{} {}/100",
                    super::super::notifier::verdict(d.verdict, t),
                    d.score
                ));
            }
            if let Some(low) = p.low_90d {
                facts.push(format!("{} {low}", t.low_90d));
            }
            let pick = if p.product.asin == c.recommended {
                " 👉"
            } else {
                ""
            };
            lines.push(format!(
                "\n{}. {}{pick}\n{}",
                i + 1,
                escape_html(&ellipsize(&p.product.title, 100)),
                facts.join(" · ")
            ));
            if !p.key_specs.is_empty() {
                lines.push(escape_html(&ellipsize(&p.key_specs.join(", "), 120)));
            }
            rows.push(vec![InlineKeyboardButton::callback(
                format!("{} #{}", t.btn_watch, i + 1),
                Callback::Watch(p.product.asin).encode(),
            )]);
        }
        // A carousel of the products' cards, one at a time.
        rows.push(vec![InlineKeyboardButton::callback(
            t.btn_cards,
            Callback::Card {
                index: 0,
                asins: c.products.iter().take(4).map(|p| p.product.asin).collect(),
            }
            .encode(),
        )]);
        if let Some(best) = c.products.iter().find(|p| p.product.asin == c.recommended) {
            lines.push(format!(
                "\n{} <b>{}</b>",
                t.recommended,
                escape_html(&ellipsize(&best.product.title, 80))
            ));
            for r in c.why.iter().take(4) {
                lines.push(format!("• {}", escape_html(&i18n::reason(r, t))));
            }
        }
        (
            lines.join("\n"),
            InlineKeyboardMarkup {
                inline_keyboard: rows,
            },
        )
    }

    /// One card of a comparison carousel (title, price, MRP, rating, Buy and Watch), with
    /// buttons to the previous and next product; edits the message it was asked from.
    pub(super) async fn product_card(
        &self,
        ctx: &Ctx,
        index: usize,
        asins: &[mandi_core::Asin],
        edit: Option<i64>,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        let Some(asin) = asins.get(index).copied() else {
            return Ok(());
        };
        let marketplace = ctx.user.settings.marketplace;
        let batch = self.catalog.lookup(marketplace, &[asin]).await?;
        let Some(p) = batch.items.into_iter().find(|p| p.asin == asin) else {
            return self.reply(ctx, t.unknown_product, None).await.map(drop);
        };
        let score = match self.catalog.history(marketplace, asin, false).await {
            Ok(report) => report.score,
            Err(e) => {
                tracing::debug!(error = %e, "no deal score for the card");
                None
            }
        };
        let mut lines = vec![format!("{}/{}", index + 1, asins.len())];
        lines.extend(super::views::product_lines(&p, score.as_ref(), t));
        let mut nav = Vec::new();
        if index > 0 {
            nav.push(InlineKeyboardButton::callback(
                t.btn_prev,
                Callback::Card {
                    index: (index - 1) as u8,
                    asins: asins.to_vec(),
                }
                .encode(),
            ));
        }
        if index + 1 < asins.len() {
            nav.push(InlineKeyboardButton::callback(
                t.btn_next,
                Callback::Card {
                    index: (index + 1) as u8,
                    asins: asins.to_vec(),
                }
                .encode(),
            ));
        }
        let buy = self
            .buy_url(ctx, mandi_core::ClickSource::Card, marketplace, asin)
            .await;
        let mut rows = vec![
            vec![InlineKeyboardButton::url(t.btn_buy, buy)],
            vec![
                InlineKeyboardButton::callback(t.btn_watch, Callback::Watch(asin).encode()),
                InlineKeyboardButton::callback(t.btn_history, Callback::History(asin).encode()),
                InlineKeyboardButton::callback(t.btn_similar, Callback::Similar(asin).encode()),
            ],
        ];
        if !nav.is_empty() {
            rows.push(nav);
        }
        let kb = InlineKeyboardMarkup {
            inline_keyboard: rows,
        };
        let html = lines.join("\n");
        match edit {
            Some(mid) => self.edit(ctx, mid, &html, Some(kb)).await,
            None => self.reply(ctx, &html, Some(kb)).await.map(drop),
        }
    }

    /// One card of a family's variation carousel: which variation of how many, its
    /// attributes (colour, size, storage), price, MRP, stock and seller, with Buy and Watch
    /// and buttons to the previous and next variation; edits the message it was asked from.
    pub(super) async fn variant_card(
        &self,
        ctx: &Ctx,
        asin: mandi_core::Asin,
        index: usize,
        edit: Option<i64>,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        let marketplace = ctx.user.settings.marketplace;
        let request = mandi_core::VariationsRequest::new(marketplace, asin);
        let family = match self.catalog.variations(&request).await {
            Ok(f) if !f.items.is_empty() => f,
            Ok(_) => return self.reply(ctx, t.unknown_product, None).await.map(drop),
            Err(e) if e.is_retryable() => return Err(e.into()),
            Err(e) => {
                tracing::debug!(error = %e, "no variations");
                return self.reply(ctx, t.unknown_product, None).await.map(drop);
            }
        };
        let count = family.items.len().min(usize::from(u8::MAX));
        let index = index.min(count - 1);
        let Some(p) = family.items.get(index) else {
            return Ok(());
        };
        let attrs: Vec<String> = p
            .variation_attributes
            .iter()
            .map(|a| format!("{}: {}", a.name.replace('_', " "), a.value))
            .collect();
        let mut lines = vec![format!("{}/{}", index + 1, count)];
        if !attrs.is_empty() {
            lines.push(format!("<b>{}</b>", escape_html(&attrs.join(" · "))));
        }
        lines.extend(super::views::product_lines(p, None, t));
        let buy = self
            .buy_url(ctx, mandi_core::ClickSource::Card, marketplace, p.asin)
            .await;
        let page = |i: usize| {
            Callback::Variant {
                index: u8::try_from(i).unwrap_or(u8::MAX),
                asin: family.parent_asin,
            }
            .encode()
        };
        let mut nav = Vec::new();
        if index > 0 {
            nav.push(InlineKeyboardButton::callback(t.btn_prev, page(index - 1)));
        }
        if index + 1 < count {
            nav.push(InlineKeyboardButton::callback(t.btn_next, page(index + 1)));
        }
        let mut rows = vec![
            vec![InlineKeyboardButton::url(t.btn_buy, buy)],
            vec![InlineKeyboardButton::callback(
                t.btn_watch,
                Callback::Watch(p.asin).encode(),
            )],
        ];
        if !nav.is_empty() {
            rows.push(nav);
        }
        let kb = InlineKeyboardMarkup {
            inline_keyboard: rows,
        };
        let html = lines.join("\n");
        match edit {
            Some(mid) => self.edit(ctx, mid, &html, Some(kb)).await,
            None => self.reply(ctx, &html, Some(kb)).await.map(drop),
        }
    }

    /// `/similar <link or ASIN>`.
    pub(super) async fn cmd_similar(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let Some(found) = self.find(text, ctx.user.settings.marketplace).await else {
            return self.reply(ctx, ctx.t().similar_usage, None).await.map(drop);
        };
        self.similar_of(ctx, found.asin).await
    }

    pub(super) async fn similar_of(
        &self,
        ctx: &Ctx,
        asin: mandi_core::Asin,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        match self
            .discovery
            .similar(ctx.user.settings.marketplace, asin, SHOWN)
            .await
        {
            Ok((base, ranked)) => {
                let title = format!("{} {}", t.similar_title, ellipsize(&base.title, 60));
                self.results_card(ctx, &title, &ranked).await
            }
            Err(DiscoveryError::NotFound(what)) => self
                .reply(
                    ctx,
                    &format!("{} ({})", t.no_results, escape_html(&what)),
                    None,
                )
                .await
                .map(drop),
            Err(e) => Err(e.into()),
        }
    }

    /// `/categories [node]`: the browse tree around a node, its typical prices and the most
    /// watched products; children as buttons. Edits the message when browsing by button.
    pub(super) async fn cmd_categories(
        &self,
        ctx: &Ctx,
        node: &str,
        edit: Option<i64>,
    ) -> Result<(), BotError> {
        let t = ctx.t();
        let node = node.trim();
        let report = match self
            .discovery
            .category(
                ctx.user.settings.marketplace,
                (!node.is_empty()).then_some(node),
                5,
            )
            .await
        {
            Ok(r) => r,
            Err(DiscoveryError::NotFound(what)) => {
                return self
                    .reply(
                        ctx,
                        &format!("{} ({})", t.no_results, escape_html(&what)),
                        None,
                    )
                    .await
                    .map(drop);
            }
            Err(e) => return Err(e.into()),
        };
        let (html, kb) = category_card(&report, t);
        match edit {
            Some(mid) => self.edit(ctx, mid, &html, Some(kb)).await,
            None => self.reply(ctx, &html, Some(kb)).await.map(drop),
        }
    }
}

fn search_title(q: &ParsedQuery) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &q.category {
        parts.push(c.name.clone());
    }
    parts.extend(q.brands.iter().cloned());
    if !q.keywords.trim().is_empty() {
        parts.push(q.keywords.trim().to_owned());
    }
    parts.extend(q.features.iter().cloned());
    let bound = |m: Money| m.to_string();
    match (q.min_price, q.max_price) {
        (Some(lo), Some(hi)) => parts.push(format!("{}–{}", bound(lo), bound(hi))),
        (None, Some(hi)) => parts.push(format!("≤ {}", bound(hi))),
        (Some(lo), None) => parts.push(format!("≥ {}", bound(lo))),
        _ => {}
    }
    parts.join(" · ")
}

fn category_card(r: &CategoryReport, t: &Texts) -> (String, InlineKeyboardMarkup) {
    let mut lines = vec![format!("<b>{}</b>", t.categories_title)];
    if !r.path.is_empty() {
        let path: Vec<String> = r.path.iter().map(|n| escape_html(&n.name)).collect();
        lines.push(path.join(" › "));
    }
    if let Some(p) = &r.prices {
        lines.push(format!(
            "{}: {} – {} ({} {}, {} {})",
            t.typical_price, p.p25, p.p75, t.median, p.p50, p.products, t.products_count
        ));
    }
    if !r.popular.is_empty() {
        lines.push(format!("\n<b>{}</b>", t.popular));
        for (i, p) in r.popular.iter().enumerate() {
            lines.push(format!(
                "{}. {} — <b>{}</b>",
                i + 1,
                escape_html(&ellipsize(&p.title, 70)),
                money_text(p.price, t)
            ));
        }
    }
    let rows = r
        .children
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|n| {
                    InlineKeyboardButton::callback(
                        ellipsize(&n.name, 40),
                        Callback::Category(n.id.clone()).encode(),
                    )
                })
                .collect()
        })
        .collect();
    (
        lines.join("\n"),
        InlineKeyboardMarkup {
            inline_keyboard: rows,
        },
    )
}
