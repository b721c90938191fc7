//! The community commands: `/share` (a deal checked against the source), `/community`
//! (verified deals with vote buttons), `/invite` (the referral link and its reward),
//! `/subscribe` and `/unsubscribe` (a group, or a channel named by its id from a private
//! chat, follows a category's deals; administrators only, asked of Telegram with
//! `getChatMember`), the vote buttons, the referral of
//! `/start ref_<id>` and the posts to subscribed groups. Every rule is
//! [`CommunityService`]'s; this module only asks and shows.

use mandi_core::community::{
    ChatRole, CommunityError, ListingOrder, PlannedPost, PostSource, ReferralOutcome,
    parse_referral_code, referral_code,
};
use mandi_core::links::ProductRef;
use mandi_core::{Money, SharedDeal, SharedDealId, User, Vote};

use super::community_texts::{CommunityTexts, community_texts, fill};
use super::views::money_text;
use super::{Bot, BotError, Ctx};
use crate::links_local::product_url;
use crate::telegram::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup};
use crate::text::{ellipsize, escape_html};

/// Deals one `/community` message lists.
const LIST_SIZE: usize = 5;

/// A moment in IST (UTC+05:30 all year), as people read it.
fn ist(t: chrono::DateTime<chrono::Utc>) -> String {
    chrono::FixedOffset::east_opt(5 * 3600 + 1800).map_or_else(
        || t.format("%H:%M UTC").to_string(),
        |o| t.with_timezone(&o).format("%H:%M IST").to_string(),
    )
}

impl Ctx {
    fn ct(&self) -> &'static CommunityTexts {
        community_texts(self.user.settings.language)
    }
}

impl Bot {
    /// The person behind an update: the user of their private chat with the bot (in a
    /// private chat, the chat itself). Reputation, votes and referrals belong to people,
    /// not to the groups they write in.
    async fn person(&self, ctx: &Ctx) -> Result<User, BotError> {
        if ctx.from_id == ctx.chat {
            return Ok(ctx.user.clone());
        }
        Ok(self.ctx(ctx.from_id, None).await?.user)
    }

    /// What a community error tells the person; `None` for failures to report as such.
    fn community_message(ctx: &Ctx, e: &CommunityError) -> Option<String> {
        let ct = ctx.ct();
        Some(match e {
            CommunityError::RateLimited {
                limit,
                reputation,
                retry_at,
            } => fill(
                ct.rate_limited,
                &[&limit.to_string(), &reputation.to_string(), &ist(*retry_at)],
            ),
            CommunityError::AlreadyShared(id) => fill(ct.already_shared, &[&id.to_string()]),
            CommunityError::OwnDeal => ct.own_deal.to_owned(),
            CommunityError::NotVotable(_) => ct.not_votable.to_owned(),
            CommunityError::UnknownDeal(_) => ct.unknown_deal.to_owned(),
            CommunityError::NotAdmin => ct.not_admin.to_owned(),
            CommunityError::UnknownCategory(_) => ct.unknown_category.to_owned(),
            CommunityError::Invalid(why) => escape_html(why),
            _ => return None,
        })
    }

    /// `/share <link> [price]`.
    pub(super) async fn cmd_share(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let ct = ctx.ct();
        let Some(found) = self.find(text, ctx.user.settings.marketplace).await else {
            return self.reply(ctx, ct.share_usage, None).await.map(drop);
        };
        // The claimed price: the words that are not the link or the ASIN.
        let claim: Vec<&str> = text
            .split_whitespace()
            .filter(|w| {
                let lower = w.to_ascii_lowercase();
                !(lower.contains('/')
                    || lower.contains("amazon")
                    || lower.contains("amzn")
                    || w.eq_ignore_ascii_case(found.asin.as_str()))
            })
            .collect();
        let claimed = if claim.is_empty() {
            None
        } else {
            match Money::parse_in(&claim.join(" "), found.marketplace) {
                Ok(m) => Some(m),
                Err(_) => return self.reply(ctx, ctx.t().bad_price, None).await.map(drop),
            }
        };
        let person = self.person(ctx).await?;
        self.chat_action(ctx, "typing").await;
        let product = ProductRef::new(found.asin, found.marketplace);
        let deal = match self.community.share(&person, product, claimed).await {
            Ok(d) => d,
            Err(e) => {
                return match Self::community_message(ctx, &e) {
                    Some(msg) => self.reply(ctx, &msg, None).await.map(drop),
                    None => Err(community_error(e)),
                };
            }
        };
        let msg = match deal.reason.as_deref() {
            Some(why) => fill(ct.rejected, &[&escape_html(why)]),
            None => fill(
                ct.verified,
                &[
                    &deal.id.to_string(),
                    &escape_html(&ellipsize(&deal.title, 80)),
                    &money_text(deal.price, ctx.t()),
                    &deal.score.map_or_else(|| "–".to_owned(), |s| s.to_string()),
                ],
            ),
        };
        let kb = deal.reason.is_none().then(|| vote_keyboard(&deal));
        self.reply(ctx, &msg, kb).await?;
        if deal.reason.is_none()
            && let Err(e) = self.post_group_deals().await
        {
            tracing::warn!(error = %e, "group posts after a shared deal failed");
        }
        Ok(())
    }

    /// `/community [top]`: verified deals with vote buttons, and the person's reputation.
    pub(super) async fn cmd_community(&self, ctx: &Ctx, args: &str) -> Result<(), BotError> {
        let ct = ctx.ct();
        let top = args.trim().eq_ignore_ascii_case("top");
        let order = if top {
            ListingOrder::Top
        } else {
            ListingOrder::Newest
        };
        let deals = self
            .community
            .list(order, LIST_SIZE)
            .await
            .map_err(community_error)?;
        let person = self.person(ctx).await?;
        let rep = self
            .community
            .reputation(person.id)
            .await
            .map_err(community_error)?;
        let mut lines = vec![
            if top {
                ct.list_top_title
            } else {
                ct.list_title
            }
            .to_owned(),
        ];
        if deals.is_empty() {
            lines.push(ct.list_empty.to_owned());
        }
        let mut rows = Vec::new();
        for d in &deals {
            lines.push(format!(
                "#{} <b>{}</b>\n{} · {} {} · 👍 {} · 👎 {}",
                d.id,
                escape_html(&ellipsize(&d.title, 70)),
                money_text(d.price, ctx.t()),
                ct.score,
                d.score.map_or_else(|| "–".to_owned(), |s| s.to_string()),
                d.up_votes,
                d.down_votes
            ));
            rows.extend(vote_keyboard(d).inline_keyboard);
        }
        lines.push(fill(ct.your_reputation, &[&rep.points.to_string()]));
        let kb = (!rows.is_empty()).then_some(InlineKeyboardMarkup {
            inline_keyboard: rows,
        });
        self.reply(ctx, &lines.join("\n\n"), kb).await.map(drop)
    }

    /// `/invite`: the person's referral link, how many joined and the watch slots earned.
    pub(super) async fn cmd_invite(&self, ctx: &Ctx) -> Result<(), BotError> {
        let person = self.person(ctx).await?;
        let stats = self
            .community
            .referral_stats(person.id)
            .await
            .map_err(community_error)?;
        let me = self.me().await?;
        let link = format!(
            "https://t.me/{}?start={}",
            me.username.as_deref().unwrap_or("mandi_bot"),
            referral_code(person.id)
        );
        let msg = fill(
            ctx.ct().invite,
            &[
                &escape_html(&link),
                &stats.referred.to_string(),
                &stats.extra_watch_slots.to_string(),
                &stats.watch_cap.to_string(),
            ],
        );
        self.reply(ctx, &msg, None).await.map(drop)
    }

    /// Records the referral of a `/start ref_<id>` payload; true when it was recorded.
    pub(super) async fn start_referral(&self, ctx: &Ctx, payload: &str) -> Result<bool, BotError> {
        let Some(referrer) = parse_referral_code(payload) else {
            return Ok(false);
        };
        let person = self.person(ctx).await?;
        match self
            .community
            .refer(&person, referrer)
            .await
            .map_err(community_error)?
        {
            ReferralOutcome::Recorded { .. } => Ok(true),
            ReferralOutcome::Refused { why } => {
                tracing::info!(user = %person.id, referrer = %referrer, ?why, "referral not recorded");
                Ok(false)
            }
        }
    }

    /// A person's role in a chat, asked of Telegram (`getChatMember`).
    async fn chat_role(&self, chat: i64, person: i64) -> Result<ChatRole, BotError> {
        let member = self.notifier.client().get_chat_member(chat, person).await?;
        Ok(ChatRole::from_status(&member.status))
    }

    /// The chat a `/subscribe` or `/unsubscribe` is about: the group it is sent in, or, in
    /// a private chat, a channel or group named by its id first (`-100…`), which the
    /// sender must administer. Returns the chat's user and the remaining words.
    async fn target_chat<'a>(
        &self,
        ctx: &Ctx,
        args: &'a str,
    ) -> Result<Option<(User, i64, Vec<&'a str>)>, BotError> {
        let mut words: Vec<&str> = args.split_whitespace().collect();
        if ctx.chat < 0 {
            return Ok(Some((ctx.user.clone(), ctx.chat, words)));
        }
        let Some(chat) = words
            .first()
            .and_then(|w| w.parse::<i64>().ok())
            .filter(|c| *c < 0)
        else {
            return Ok(None);
        };
        words.remove(0);
        let user = self.ctx(chat, None).await?.user;
        Ok(Some((user, chat, words)))
    }

    /// `/subscribe [<category id> [min score] [per hour]]` in a group (without arguments,
    /// the chat's subscriptions), or `/subscribe <channel id> <category id> …` in a private
    /// chat for a channel the sender administers.
    pub(super) async fn cmd_subscribe(&self, ctx: &Ctx, args: &str) -> Result<(), BotError> {
        let ct = ctx.ct();
        let Some((chat_user, chat, words)) = self.target_chat(ctx, args).await? else {
            return self.reply(ctx, ct.groups_only, None).await.map(drop);
        };
        let Some(node) = words.first() else {
            return self.list_subscriptions(ctx, &chat_user).await;
        };
        let min_score = match words.get(1).map(|w| w.parse::<u8>()) {
            None => 0,
            Some(Ok(s)) => s,
            Some(Err(_)) => return self.reply(ctx, ct.subscribe_usage, None).await.map(drop),
        };
        let per_hour = match words.get(2).map(|w| w.parse::<u32>()) {
            None => mandi_core::community::DEFAULT_POSTS_PER_HOUR,
            Some(Ok(n)) => n,
            Some(Err(_)) => return self.reply(ctx, ct.subscribe_usage, None).await.map(drop),
        };
        let role = self.chat_role(chat, ctx.from_id).await?;
        match self
            .community
            .subscribe(&chat_user, role, node, min_score, per_hour)
            .await
        {
            Ok(sub) => {
                let msg = fill(
                    ct.subscribed,
                    &[
                        &escape_html(&sub.node_name),
                        &sub.min_score.to_string(),
                        &sub.max_per_hour.to_string(),
                    ],
                );
                self.reply(ctx, &msg, None).await?;
                if let Err(e) = self.post_group_deals().await {
                    tracing::warn!(error = %e, "group posts after a subscription failed");
                }
                Ok(())
            }
            Err(e) => match Self::community_message(ctx, &e) {
                Some(msg) => self.reply(ctx, &msg, None).await.map(drop),
                None => Err(community_error(e)),
            },
        }
    }

    /// `/unsubscribe <category id>` in a group.
    pub(super) async fn cmd_unsubscribe(&self, ctx: &Ctx, args: &str) -> Result<(), BotError> {
        let ct = ctx.ct();
        let Some((chat_user, chat, words)) = self.target_chat(ctx, args).await? else {
            return self.reply(ctx, ct.groups_only, None).await.map(drop);
        };
        let Some(node) = words.first() else {
            return self.reply(ctx, ct.subscribe_usage, None).await.map(drop);
        };
        let role = self.chat_role(chat, ctx.from_id).await?;
        let msg = match self.community.unsubscribe(&chat_user, role, node).await {
            Ok(true) => ct.unsubscribed.to_owned(),
            Ok(false) => ct.not_subscribed.to_owned(),
            Err(e) => match Self::community_message(ctx, &e) {
                Some(msg) => msg,
                None => return Err(community_error(e)),
            },
        };
        self.reply(ctx, &msg, None).await.map(drop)
    }

    async fn list_subscriptions(&self, ctx: &Ctx, chat: &User) -> Result<(), BotError> {
        let ct = ctx.ct();
        let subs = self
            .community
            .subscriptions(chat)
            .await
            .map_err(community_error)?;
        let mut lines = vec![ct.subscriptions.to_owned()];
        if subs.is_empty() {
            lines.push(ct.no_subscriptions.to_owned());
        }
        for s in &subs {
            lines.push(format!(
                "• {} ({}) · ≥ {} · ≤ {}/h",
                escape_html(&s.node_name),
                s.node_id,
                s.min_score,
                s.max_per_hour
            ));
        }
        lines.push(ct.subscribe_usage.to_owned());
        self.reply(ctx, &lines.join("\n"), None).await.map(drop)
    }

    /// A vote button: the person who tapped votes (not the chat the message is in).
    pub(super) async fn on_vote(
        &self,
        ctx: &Ctx,
        q: &CallbackQuery,
        deal: SharedDealId,
        up: bool,
    ) -> Result<(), BotError> {
        let person = self.person(ctx).await?;
        let vote = if up { Vote::Up } else { Vote::Down };
        let toast = match self.community.vote(&person, deal, vote).await {
            Ok(d) => fill(
                ctx.ct().voted,
                &[&d.up_votes.to_string(), &d.down_votes.to_string()],
            ),
            Err(e) => match Self::community_message(ctx, &e) {
                Some(msg) => msg,
                None => return Err(community_error(e)),
            },
        };
        self.notifier
            .client()
            .answer_callback_query(&q.id, Some(&toast))
            .await?;
        Ok(())
    }

    /// Sends the posts subscribed groups are due now (decided and recorded by the
    /// community service: each product once per group, within each group's hourly cap).
    /// Returns how many were sent.
    ///
    /// # Errors
    ///
    /// The store failed; a post that Telegram refuses is logged and skipped.
    pub async fn post_group_deals(&self) -> Result<usize, BotError> {
        let posts = self
            .community
            .due_group_posts()
            .await
            .map_err(community_error)?;
        let mut sent = 0;
        for p in &posts {
            let Ok(chat) = p.chat.identity.subject.parse::<i64>() else {
                tracing::warn!(chat = %p.chat.id, "a subscribed chat without a Telegram id");
                continue;
            };
            let (html, kb) = self.post_view(p);
            match self
                .notifier
                .send_html_reply(Some(&p.chat), chat, &html, Some(kb), None)
                .await
            {
                Ok(_) => sent += 1,
                Err(e) => tracing::warn!(chat, error = %e, "group post not delivered"),
            }
        }
        Ok(sent)
    }

    fn post_view(&self, p: &PlannedPost) -> (String, InlineKeyboardMarkup) {
        let ct = community_texts(p.chat.settings.language);
        let t = crate::i18n::texts(p.chat.settings.language);
        let origin = match &p.deal.source {
            PostSource::Community { up_votes, .. } => {
                fill(ct.post_community, &[&up_votes.to_string()])
            }
            PostSource::Engine { watchers } => fill(ct.post_engine, &[&watchers.to_string()]),
        };
        let html = format!(
            "{}\n<b>{}</b>\n{} · {} {}\n{}",
            fill(ct.post_title, &[&escape_html(&p.subscription.node_name)]),
            escape_html(&ellipsize(&p.deal.title, 120)),
            money_text(p.deal.price, t),
            ct.score,
            p.deal.score,
            origin
        );
        let url = product_url(
            p.deal.marketplace,
            p.deal.asin,
            self.config.associate_tag.as_deref(),
        );
        let mut rows = vec![vec![InlineKeyboardButton::url(ct.btn_buy, url)]];
        if let PostSource::Community { deal, .. } = p.deal.source {
            rows.push(vote_row(deal));
        }
        (
            html,
            InlineKeyboardMarkup {
                inline_keyboard: rows,
            },
        )
    }
}

fn vote_row(deal: SharedDealId) -> Vec<InlineKeyboardButton> {
    vec![
        InlineKeyboardButton::callback(
            format!("👍 #{deal}"),
            super::Callback::Vote { deal, up: true }.encode(),
        ),
        InlineKeyboardButton::callback(
            format!("👎 #{deal}"),
            super::Callback::Vote { deal, up: false }.encode(),
        ),
    ]
}

fn vote_keyboard(d: &SharedDeal) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup {
        inline_keyboard: vec![vote_row(d.id)],
    }
}

/// A community failure the person is not told about in words of their own.
fn community_error(e: CommunityError) -> BotError {
    match e {
        CommunityError::Catalog(c) => BotError::Catalog(c),
        CommunityError::Store(s) => BotError::Store(s),
        other => BotError::Input(other.to_string()),
    }
}
