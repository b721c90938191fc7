//! Buttons: pause, resume, snooze, target, delete, watch, history, search pages and the
//! settings toggles, each through the library's services.

use chrono::NaiveTime;
use mandi_core::watches::WatchError;
use mandi_core::{AlertMode, Language, QuietHours};

use super::callback_data::Callback;
use super::{Bot, BotError};
use crate::i18n::texts;
use crate::links_local::FoundProduct;
use crate::telegram::types::CallbackQuery;

/// How long the 😴 button snoozes a watch.
const SNOOZE: chrono::Duration = chrono::Duration::hours(24);

impl Bot {
    pub(super) async fn on_callback(&self, q: CallbackQuery) -> Result<(), BotError> {
        let chat = q.message.as_ref().map_or(q.from.id, |m| m.chat.id);
        let message_id = q.message.as_ref().map(|m| m.message_id);
        let mut ctx = self.ctx(chat, Some(&q.from)).await?;
        let client = self.notifier.client();
        let Some(cb) = q.data.as_deref().and_then(Callback::decode) else {
            client.answer_callback_query(&q.id, None).await?;
            return Ok(());
        };
        let t = ctx.t();
        // Every watch button goes through the library's WatchService (scoped to this user,
        // validated, `updated_at` stamped); another user's watch answers "not yours".
        let outcome = |r: Result<(), WatchError>, ok: &'static str| match r {
            Ok(()) => Ok(ok),
            Err(WatchError::NotFound(_)) => Ok(t.not_yours),
            Err(e) => Err(BotError::from(e)),
        };
        let toast: &str = match cb {
            Callback::Pause(id) => {
                outcome(self.watches.pause(&ctx.user, id).await.map(drop), t.paused)?
            }
            Callback::Resume(id) => outcome(
                self.watches.resume(&ctx.user, id).await.map(drop),
                t.resumed,
            )?,
            Callback::Snooze(id) => outcome(
                self.watches.snooze(&ctx.user, id, SNOOZE).await.map(drop),
                t.snoozed,
            )?,
            Callback::Delete(id) => outcome(self.watches.remove(&ctx.user, id).await, t.deleted)?,
            Callback::Target(id) => match self.watches.get(&ctx.user, id).await {
                Err(WatchError::NotFound(_)) => t.not_yours,
                Err(e) => return Err(e.into()),
                Ok(_) => {
                    self.awaiting_target
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(chat, id);
                    client.answer_callback_query(&q.id, None).await?;
                    return self.reply(&ctx, t.target_prompt, None).await.map(drop);
                }
            },
            Callback::ResumeAll => {
                let n = self.watches.resume_unreachable(&ctx.user).await?;
                client.answer_callback_query(&q.id, None).await?;
                let text = format!("{} {n}", t.resumed_all);
                return match message_id {
                    Some(mid) => self.edit(&ctx, mid, &text, None).await,
                    None => self.reply(&ctx, &text, None).await.map(drop),
                };
            }
            Callback::Vote { deal, up } => {
                return self.on_vote(&ctx, &q, deal, up).await;
            }
            Callback::Card { index, asins } => {
                client.answer_callback_query(&q.id, None).await?;
                return self
                    .product_card(&ctx, usize::from(index), &asins, message_id)
                    .await;
            }
            Callback::Category(id) => {
                client.answer_callback_query(&q.id, None).await?;
                return self.cmd_categories(&ctx, &id, message_id).await;
            }
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
            Callback::Variant { index, asin } => {
                client.answer_callback_query(&q.id, None).await?;
                let message = q.message.as_ref().map(|m| m.message_id);
                return self
                    .variant_card(&ctx, asin, usize::from(index), message)
                    .await;
            }
            Callback::Similar(asin) => {
                client.answer_callback_query(&q.id, None).await?;
                return self.similar_of(&ctx, asin).await;
            }
            Callback::Report(asin) => {
                client.answer_callback_query(&q.id, None).await?;
                return self
                    .send_report(
                        &ctx,
                        ctx.user.settings.marketplace,
                        asin,
                        mandi_core::market::ReportPeriod::Month,
                    )
                    .await;
            }
            Callback::SearchPage { page, query } => {
                client.answer_callback_query(&q.id, None).await?;
                return self.cmd_search(&ctx, &query, page, message_id).await;
            }
            Callback::ChooseMarketplace => {
                client.answer_callback_query(&q.id, None).await?;
                let (text, kb) = super::views::marketplace_picker(&ctx.user);
                return match message_id {
                    Some(mid) => self.edit(&ctx, mid, &text, Some(kb)).await,
                    None => self.reply(&ctx, &text, Some(kb)).await.map(drop),
                };
            }
            Callback::SetMarketplace(marketplace) => {
                let mut settings = ctx.user.settings.clone();
                settings.marketplace = marketplace;
                ctx.user = self.watches.save_settings(&ctx.user, settings).await?;
                client
                    .answer_callback_query(&q.id, Some(texts(ctx.user.settings.language).saved))
                    .await?;
                return self.cmd_settings(&ctx, message_id).await;
            }
            Callback::ToggleMode
            | Callback::ToggleLanguage
            | Callback::ToggleQuiet
            | Callback::CycleCap
            | Callback::ToggleLeaderboard => {
                let mut settings = ctx.user.settings.clone();
                let s = &mut settings;
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
                    Callback::ToggleLeaderboard => {
                        s.leaderboard_opt_in = !s.leaderboard_opt_in;
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
                ctx.user = self.watches.save_settings(&ctx.user, settings).await?;
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
}
