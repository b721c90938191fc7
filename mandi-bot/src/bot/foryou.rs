//! `/foryou`: the library's recommendations for the user, each with its reason (the bot only
//! renders [`RecommendService`]'s result).

use mandi_core::recommend::{RecommendService, Recommendation};

use super::views::money_text;
use super::{Bot, BotError, Ctx};
use crate::i18n::Texts;
use crate::text::{ellipsize, escape_html};

/// How many products `/foryou` shows.
const FOR_YOU_LIMIT: usize = 8;

impl Bot {
    pub(super) async fn cmd_foryou(&self, ctx: &Ctx) -> Result<(), BotError> {
        let (_, recs) = RecommendService::new(self.catalog.clone())
            .recommend(&ctx.user, FOR_YOU_LIMIT)
            .await?;
        self.reply(ctx, &foryou_html(&recs, ctx.t()), None)
            .await
            .map(drop)
    }
}

/// The `/foryou` message: one entry per product, its price and the reason it is shown.
pub fn foryou_html(recs: &[Recommendation], t: &Texts) -> String {
    if recs.is_empty() {
        return "Nothing to recommend yet: watch a few products and Mandi learns what you like."
            .to_owned();
    }
    let mut lines = vec!["<b>For you</b>".to_owned()];
    for r in recs {
        let title = r
            .title
            .as_deref()
            .map_or_else(|| r.asin.as_str().to_owned(), |s| ellipsize(s, 60));
        lines.push(format!(
            "\n{} — <b>{}</b> ({})\n<i>{}</i>",
            escape_html(&title),
            money_text(r.price, t),
            r.asin,
            escape_html(&r.reason)
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use mandi_core::recommend::RecommendationSource;
    use mandi_core::{Asin, Currency, Language, Marketplace, Money};

    use super::*;

    #[test]
    fn each_recommendation_shows_its_reason_escaped() {
        let t = crate::i18n::texts(Language::English);
        let asin: Asin = "B0CX59H5W7".parse().unwrap_or_else(|_| unreachable!());
        let recs = vec![Recommendation {
            marketplace: Marketplace::India,
            asin,
            title: Some("Buds <Pro>".to_owned()),
            price: Some(Money::from_major(1_999, Currency::INR)),
            score: None,
            source: RecommendationSource::CoWatch,
            reason: "2 users who watch A & B also watch this".to_owned(),
        }];
        let html = foryou_html(&recs, t);
        assert!(html.contains("Buds &lt;Pro&gt;"), "{html}");
        assert!(html.contains("A &amp; B also watch this"), "{html}");
        assert!(html.contains("₹1,999"), "{html}");
        assert!(foryou_html(&[], t).contains("Nothing to recommend yet"));
    }
}
