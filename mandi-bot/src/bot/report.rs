//! `/report <link or ASIN> [day|week|month]` and the product card's "Offers" button: the
//! competitive picture of one product (buy box against other sellers new and used) from the
//! library's [`MarketService::competition`], the same service as `mandi report --product`.
//! The bot only renders its result.

use chrono::{DateTime, Utc};
use mandi_core::market::{CompetitivePicture, MarketService, ReportPeriod};
use mandi_core::{Asin, Bps, Marketplace, OfferKind};

use super::views::money_text;
use super::{Bot, BotError, Ctx};
use crate::i18n::Texts;

impl Bot {
    /// `/report <link or ASIN> [day|week|month]` (a month when no period is named).
    pub(super) async fn cmd_report(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let period = text
            .split_whitespace()
            .find_map(ReportPeriod::parse)
            .unwrap_or(ReportPeriod::Month);
        let Some(found) = self.find(text, ctx.user.settings.marketplace).await else {
            return self.reply(ctx, ctx.t().report_usage, None).await.map(drop);
        };
        self.send_report(ctx, found.marketplace, found.asin, period)
            .await
    }

    /// Sends a product's competitive picture over the period.
    pub(super) async fn send_report(
        &self,
        ctx: &Ctx,
        marketplace: Marketplace,
        asin: Asin,
        period: ReportPeriod,
    ) -> Result<(), BotError> {
        let picture = MarketService::new(self.catalog.clone())
            .competition(marketplace, asin, period)
            .await?;
        self.reply(ctx, &competition_html(&picture, ctx.t()), None)
            .await
            .map(drop)
    }
}

/// A moment in IST (UTC+05:30 all year).
fn ist(t: DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(5 * 3600 + 1800);
    offset.map_or_else(
        || t.format("%-d %b %H:%M UTC").to_string(),
        |o| t.with_timezone(&o).format("%-d %b %H:%M IST").to_string(),
    )
}

/// The `/report` message: one line per offer kind seen in the period (price now, low – high,
/// when last seen, in IST), then the buy box's premium over other sellers and what used
/// saves, when both were priced at the product's latest observation.
pub fn competition_html(p: &CompetitivePicture, t: &Texts) -> String {
    let period = match p.period {
        ReportPeriod::Day => t.period_day,
        ReportPeriod::Week => t.period_week,
        _ => t.period_month,
    };
    let mut lines = vec![format!(
        "<b>{}</b>",
        t.report_title
            .replace("{asin}", p.asin.as_str())
            .replace("{period}", period)
    )];
    if p.kinds.is_empty() {
        lines.push(t.report_no_offers.to_owned());
        return lines.join("\n");
    }
    for k in &p.kinds {
        let name = match k.kind {
            OfferKind::BuyBox => t.offer_buy_box,
            OfferKind::ThirdPartyNew => t.offer_other_new,
            _ => t.offer_used,
        };
        lines.push(format!(
            "\n<b>{name}</b>: {} <b>{}</b>\n{}–{} · {} {}",
            t.offer_now,
            money_text(k.current, t),
            money_text(k.low, t),
            money_text(k.high, t),
            t.offer_seen,
            ist(k.last_seen)
        ));
    }
    if let Some(bps) = p.buy_box_premium_bps {
        lines.push(format!("\n{} {:+}", t.buy_box_vs_others, Bps(bps)));
    }
    if let Some(bps) = p.used_saving_bps {
        lines.push(format!("{} {}", t.used_saves, Bps(bps)));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use mandi_core::market::OfferKindPicture;
    use mandi_core::{Currency, Language, Money};

    use super::*;

    fn picture(kinds: Vec<OfferKindPicture>) -> CompetitivePicture {
        let to = Utc
            .with_ymd_and_hms(2026, 3, 1, 6, 30, 0)
            .single()
            .unwrap_or_default();
        CompetitivePicture {
            asin: Asin::parse("B0CX59H5W7").unwrap_or_else(|_| unreachable!()),
            period: ReportPeriod::Week,
            from: to - chrono::Duration::days(7),
            to,
            kinds,
            buy_box_premium_bps: Some(526),
            used_saving_bps: Some(2_000),
        }
    }

    #[test]
    fn each_offer_kind_is_a_line_with_its_prices_in_ist_and_in_hindi_too() {
        let rs = |r: i64| Some(Money::from_major(r, Currency::INR));
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 6, 30, 0)
            .single()
            .unwrap_or_default();
        let p = picture(vec![
            OfferKindPicture {
                kind: OfferKind::BuyBox,
                current: rs(20_000),
                last_seen: at,
                low: rs(19_000),
                high: rs(21_000),
                observations: 7,
            },
            OfferKindPicture {
                kind: OfferKind::Used,
                current: None,
                last_seen: at,
                low: rs(15_000),
                high: rs(16_000),
                observations: 2,
            },
        ]);
        let en = competition_html(&p, crate::i18n::texts(Language::English));
        assert!(
            en.starts_with("<b>🏷 Offers for B0CX59H5W7, last week</b>"),
            "{en}"
        );
        assert!(
            en.contains(
                "<b>Buy box</b>: now <b>₹20,000</b>\n₹19,000–₹21,000 · last seen 1 Mar 12:00 IST"
            ),
            "{en}"
        );
        // An offer kind with no price now says so; it is never shown as zero.
        let t = crate::i18n::texts(Language::English);
        assert!(
            en.contains(&format!("<b>Used</b>: now <b>{}</b>", t.price_unknown)),
            "{en}"
        );
        assert!(
            en.contains("Buy box against other sellers (new): +5.26%"),
            "{en}"
        );
        assert!(en.contains("Used saves against the buy box: 20%"), "{en}");
        let hi = competition_html(&p, crate::i18n::texts(Language::Hindi));
        assert!(hi.contains("B0CX59H5W7 के ऑफ़र, पिछला हफ़्ता"), "{hi}");
        assert!(hi.contains("<b>बाय बॉक्स</b>: अभी <b>₹20,000</b>"), "{hi}");
        let empty = competition_html(&picture(Vec::new()), t);
        assert!(empty.ends_with(t.report_no_offers), "{empty}");
    }
}
