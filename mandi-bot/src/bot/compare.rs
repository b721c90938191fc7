//! `/compare <link or ASIN>`: the product in other Amazon stores, converted to the user's
//! currency with shipping and import duty, from the library's
//! [`CrossBorderService::compare`] (the same service as `mandi compare-markets`). The bot
//! only renders its result.

use mandi_core::crossborder::{MarketComparison, MarketStatus, ShippingEstimate};
use mandi_core::{Marketplace, Money};

use super::{Bot, BotError, Ctx};
use crate::i18n::Texts;
use crate::text::escape_html;

impl Bot {
    /// `/compare <link or ASIN>`: the user's store and the configured others.
    pub(super) async fn cmd_compare(&self, ctx: &Ctx, text: &str) -> Result<(), BotError> {
        let t = ctx.t();
        let Some(service) = &self.cross_border else {
            return self.reply(ctx, t.compare_off, None).await.map(drop);
        };
        let home = ctx.user.settings.marketplace;
        let Some(found) = self.find(text, home).await else {
            return self.reply(ctx, t.compare_usage, None).await.map(drop);
        };
        let markets = mandi_core::crossborder::DEFAULT_MARKETS;
        let comparison = service.compare(found.asin, home, &markets).await;
        self.reply(ctx, &compare_html(&comparison, t), None)
            .await
            .map(drop)
    }
}

fn amount(m: Money, market: Marketplace) -> String {
    escape_html(&format!("{:#}", m.display_in(market)))
}

/// The `/compare` message: a line per store (its price, then converted, shipping, duty and
/// landed cost), the cheapest, and where the duty figures come from.
pub fn compare_html(c: &MarketComparison, t: &Texts) -> String {
    let home = c.home;
    let title: String = c
        .title
        .as_deref()
        .unwrap_or(c.asin.as_str())
        .chars()
        .take(80)
        .collect();
    let mut out = t
        .markets_title
        .replace("{title}", &escape_html(&title))
        .replace("{currency}", c.currency.code());
    out.push('\n');
    match c.rates {
        Some(r) => {
            out.push_str(&t.compare_rates.replace("{date}", &r.date.to_string()));
            if r.stale {
                out.push_str(" ⚠️");
            }
        }
        None => out.push_str(t.compare_no_rates),
    }
    out.push('\n');
    for o in &c.markets {
        out.push('\n');
        out.push_str(if o.cheapest { "✅ " } else { "• " });
        out.push_str(&format!("<b>{}</b>", o.marketplace.domain()));
        let status = match &o.status {
            MarketStatus::Available => None,
            MarketStatus::OutOfStock => Some(t.compare_out_of_stock),
            MarketStatus::StockUnknown | MarketStatus::PriceUnknown => Some(t.compare_unknown),
            MarketStatus::NotSold { .. } => Some(t.compare_not_sold),
            MarketStatus::NotImportable { .. } => Some(t.compare_not_importable),
            MarketStatus::NotShipped => Some(t.compare_not_shipped),
            MarketStatus::Failed { .. } => Some(t.compare_failed),
        };
        if let Some(p) = o.price {
            out.push_str(&format!(" {}", amount(p, o.marketplace)));
        }
        if let Some(s) = status {
            out.push_str(&format!(" — {s}"));
        }
        let mut parts = Vec::new();
        if o.marketplace.currency() != c.currency
            && let Some(p) = o.price_converted
        {
            parts.push(format!("= {}", amount(p, home)));
        }
        if let (Some(ShippingEstimate::Estimated { .. }), Some(s)) =
            (o.shipping, o.shipping_converted)
        {
            parts.push(format!("{} {}", t.compare_shipping, amount(s, home)));
        }
        if let Some(d) = o.duty {
            parts.push(format!("{} {}", t.compare_duty, amount(d.total, home)));
        }
        if let Some(l) = o.landed {
            parts.push(format!("<b>{} {}</b>", t.compare_landed, amount(l, home)));
        }
        if !parts.is_empty() {
            out.push_str(&format!("\n   {}", parts.join(" · ")));
        }
    }
    out.push_str("\n\n");
    match c.cheapest {
        Some(best) => {
            out.push_str(&t.compare_cheapest.replace("{market}", best.domain()));
            if let Some(s) = c.saving_vs_home {
                out.push_str(&format!(
                    ", {}",
                    t.compare_saves.replace("{amount}", &amount(s, home))
                ));
            }
        }
        None => out.push_str(t.compare_none),
    }
    out.push('\n');
    out.push_str(
        &t.compare_footer
            .replace("{duty}", &escape_html(&c.tables.duty_title))
            .replace("{date}", &c.tables.duty_as_of),
    );
    out
}
