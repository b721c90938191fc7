//! The personal digest's intelligence sections (issue 18), added through the digest's
//! [`DigestContributor`] extension point:
//!
//! * `predictions` — watched products the predictor expects to drop soon (a "wait" advice),
//!   with the chance, the likely window and the price worth waiting for;
//! * `near_lows` — watched products within a few percent of their lowest ever recorded price;
//! * `recommendations` — the user's top recommendations with their reasons.
//!
//! [`DigestBuilder::personal`] is the standard digest with the three of them. Headings are in
//! the user's language; the lines' reasons are the library's English words.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::analytics::predict::{Forecast, PredictSettings, Verdict, forecast};
use crate::catalog::CatalogService;
use crate::digest::{
    DigestBuilder, DigestContributor, DigestError, DigestSection, MAX_WATCH_LINES,
};
use crate::domain::{Alert, Asin, Bps, Language, Marketplace, Money, User};
use crate::recommend::RecommendService;

fn fail(source: &str, e: &dyn std::fmt::Display) -> DigestError {
    DigestError {
        source_name: source.to_owned(),
        reason: e.to_string(),
    }
}

/// The digest line of a forecast that says to wait, its shares through [`Bps`]:
/// `Laptop: 72.5% chance of a 5% drop within 30 days, to ₹10,640 or less; likely …`.
/// `None` for any other verdict or a probability that is not a number.
fn prediction_line(name: &str, f: &Forecast) -> Option<String> {
    if f.advice.verdict != Verdict::Wait {
        return None;
    }
    let p = &f.prediction;
    let mut line = format!(
        "{name}: {} chance of a {} drop within {} days",
        Bps::from_ratio(p.probability)?,
        Bps::from(p.drop_bps),
        p.horizon_days
    );
    if let Some(target) = f.advice.target {
        line.push_str(&format!(", to {} or less", target.display_short()));
    }
    if let Some(w) = &p.window {
        line.push_str(&format!(
            "; likely {}–{} ({})",
            w.from.format("%-d %b"),
            w.to.format("%-d %b"),
            w.reason
        ));
    }
    Some(line)
}

/// The digest line of a product at or just above its lowest, the share through [`Bps`]:
/// `Kettle: ₹1,845 — 2.5% above its lowest of ₹1,800`. `None` below the lowest, for a lowest
/// of zero or less, or for amounts in two currencies.
fn near_low_line(name: &str, now: Money, low: Money) -> Option<String> {
    if low.currency() != now.currency() || low.minor() <= 0 {
        return None;
    }
    let over = now.minor().checked_sub(low.minor())?;
    Some(match over {
        0 => format!("{name}: {} — its lowest ever", now.display_short()),
        o if o > 0 => format!(
            "{name}: {} — {} above its lowest of {}",
            now.display_short(),
            Bps::from_fraction(o, low.minor())?,
            low.display_short()
        ),
        _ => return None,
    })
}

fn name_of(title: Option<&str>, asin: Asin) -> String {
    title.map_or_else(
        || asin.to_string(),
        |t| {
            if t.chars().count() > 50 {
                let mut s: String = t.chars().take(49).collect();
                s.push('…');
                s
            } else {
                t.to_owned()
            }
        },
    )
}

async fn watched_reports(
    catalog: &CatalogService,
    user: &User,
    source: &str,
) -> Result<Vec<crate::catalog::HistoryReport>, DigestError> {
    let watches = catalog
        .store()
        .list_watches(user.id)
        .await
        .map_err(|e| fail(source, &e))?;
    let targets: Vec<(Marketplace, Asin)> = watches
        .iter()
        .filter(|w| w.state == crate::domain::WatchState::Active)
        .take(MAX_WATCH_LINES)
        .map(|w| (w.target.marketplace(), w.target.asin()))
        .collect();
    crate::insights::reports(catalog, &targets)
        .await
        .map_err(|e| fail(source, &e))
}

/// Predicted drops of the user's watched products.
#[derive(Debug, Clone)]
pub struct PredictionsSection {
    catalog: CatalogService,
    settings: PredictSettings,
}

impl PredictionsSection {
    /// The section over a catalog with the model's settings.
    pub fn new(catalog: CatalogService, settings: PredictSettings) -> Self {
        Self { catalog, settings }
    }
}

#[async_trait]
impl DigestContributor for PredictionsSection {
    fn name(&self) -> &str {
        "predictions"
    }

    async fn section(
        &self,
        user: &User,
        _alerts: &[Alert],
        _now: DateTime<Utc>,
    ) -> Result<Option<DigestSection>, DigestError> {
        let reports = watched_reports(&self.catalog, user, "predictions").await?;
        let mut found: Vec<(f64, String)> = reports
            .iter()
            .filter_map(|r| {
                let f = forecast(r, &self.settings);
                let name = name_of(r.product.as_ref().map(|p| p.title.as_str()), r.asin);
                Some((f.prediction.probability, prediction_line(&name, &f)?))
            })
            .collect();
        if found.is_empty() {
            return Ok(None);
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(Some(DigestSection::Extra {
            source: "predictions".to_owned(),
            title: match user.settings.language {
                Language::Hindi => "आने वाले दिनों में संभावित गिरावट".to_owned(),
                _ => "Likely drops in the coming days".to_owned(),
            },
            lines: found.into_iter().map(|(_, l)| l).collect(),
        }))
    }
}

/// Watched products near their lowest recorded price.
#[derive(Debug, Clone)]
pub struct NearLowsSection {
    catalog: CatalogService,
    within_bps: i64,
}

impl NearLowsSection {
    /// The section over a catalog: products within `within_bps` basis points above their
    /// lowest ever (at it included).
    pub fn new(catalog: CatalogService, within_bps: u32) -> Self {
        Self {
            catalog,
            within_bps: i64::from(within_bps),
        }
    }
}

#[async_trait]
impl DigestContributor for NearLowsSection {
    fn name(&self) -> &str {
        "near_lows"
    }

    async fn section(
        &self,
        user: &User,
        _alerts: &[Alert],
        _now: DateTime<Utc>,
    ) -> Result<Option<DigestSection>, DigestError> {
        let reports = watched_reports(&self.catalog, user, "near_lows").await?;
        let lines: Vec<String> = reports
            .iter()
            .filter_map(|r| {
                let now = r.summary.current.as_ref()?.price;
                let low = r.summary.window(None)?.lowest.as_ref()?.price;
                if low.currency() != now.currency() {
                    return None;
                }
                // How far above its lowest (within `within_bps` of the lowest).
                let over = now.minor().checked_sub(low.minor())?;
                if low.minor() <= 0 || over < 0 || over * 10_000 > self.within_bps * low.minor() {
                    return None;
                }
                let name = name_of(r.product.as_ref().map(|p| p.title.as_str()), r.asin);
                near_low_line(&name, now, low)
            })
            .collect();
        if lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(DigestSection::Extra {
            source: "near_lows".to_owned(),
            title: match user.settings.language {
                Language::Hindi => "अपने सबसे कम दाम के पास".to_owned(),
                _ => "Near their lowest price".to_owned(),
            },
            lines,
        }))
    }
}

/// The user's top recommendations.
#[derive(Debug, Clone)]
pub struct RecommendationsSection {
    service: RecommendService,
    limit: usize,
}

impl RecommendationsSection {
    /// The section over a catalog, at most `limit` products.
    pub fn new(catalog: CatalogService, limit: usize) -> Self {
        Self {
            service: RecommendService::new(catalog),
            limit,
        }
    }
}

#[async_trait]
impl DigestContributor for RecommendationsSection {
    fn name(&self) -> &str {
        "recommendations"
    }

    async fn section(
        &self,
        user: &User,
        _alerts: &[Alert],
        _now: DateTime<Utc>,
    ) -> Result<Option<DigestSection>, DigestError> {
        let (_, recs) = self
            .service
            .recommend(user, self.limit)
            .await
            .map_err(|e| fail("recommendations", &e))?;
        if recs.is_empty() {
            return Ok(None);
        }
        Ok(Some(DigestSection::Extra {
            source: "recommendations".to_owned(),
            title: match user.settings.language {
                Language::Hindi => "आपके लिए".to_owned(),
                _ => "For you".to_owned(),
            },
            lines: recs
                .iter()
                .map(|r| {
                    format!(
                        "{}{}: {}",
                        name_of(r.title.as_deref(), r.asin),
                        r.price
                            .map_or(String::new(), |p| format!(" ({})", p.display_short())),
                        r.reason
                    )
                })
                .collect(),
        }))
    }
}

impl DigestBuilder {
    /// The personal digest: the standard one (alerts, watches) plus predicted drops, watches
    /// near their lows (within 3 %) and three recommendations.
    pub fn personal(catalog: CatalogService) -> Self {
        Self::standard(catalog.clone())
            .with(Arc::new(PredictionsSection::new(
                catalog.clone(),
                PredictSettings::default(),
            )))
            .with(Arc::new(NearLowsSection::new(catalog.clone(), 300)))
            .with(Arc::new(RecommendationsSection::new(catalog, 3)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::analytics::predict::{Advice, LikelyWindow, Prediction, predict};
    use crate::domain::Currency;

    fn rupees(r: i64) -> Money {
        Money::from_major(r, Currency::INR)
    }

    fn forecast_of(probability: f64, drop_bps: u32, verdict: Verdict) -> Forecast {
        let at = Utc.with_ymd_and_hms(2026, 6, 5, 6, 30, 0).unwrap();
        let base = predict(&[], at, &PredictSettings::default());
        Forecast {
            asin: Asin::parse("B0CX59H5W7").unwrap(),
            prediction: Prediction {
                probability,
                drop_bps,
                horizon_days: 30,
                window: Some(LikelyWindow {
                    from: NaiveDate::from_ymd_opt(2026, 7, 14).unwrap(),
                    to: NaiveDate::from_ymd_opt(2026, 7, 20).unwrap(),
                    reason: "Prime Day on the sale calendar".to_owned(),
                }),
                ..base
            },
            advice: Advice {
                verdict,
                target: Some(rupees(10_640)),
                reason: String::new(),
            },
        }
    }

    #[test]
    fn a_prediction_line_shows_its_shares_through_bps() {
        assert_eq!(
            prediction_line("Raised Laptop", &forecast_of(0.725, 750, Verdict::Wait)).unwrap(),
            "Raised Laptop: 72.5% chance of a 7.5% drop within 30 days, to ₹10,640 or less; \
             likely 14 Jul–20 Jul (Prime Day on the sale calendar)"
        );
        let line = prediction_line("X", &forecast_of(0.42374, 500, Verdict::Wait)).unwrap();
        assert!(
            line.starts_with("X: 42.37% chance of a 5% drop within 30 days"),
            "{line}"
        );
        assert_eq!(
            prediction_line("X", &forecast_of(0.2, 500, Verdict::BuyNow)),
            None
        );
        assert_eq!(
            prediction_line("X", &forecast_of(f64::NAN, 500, Verdict::Wait)),
            None
        );
    }

    #[test]
    fn a_near_low_line_shows_its_share_through_bps() {
        assert_eq!(
            near_low_line("Kettle", rupees(1_845), rupees(1_800)).unwrap(),
            "Kettle: ₹1,845 — 2.5% above its lowest of ₹1,800"
        );
        assert_eq!(
            near_low_line("Kettle", rupees(1_801), rupees(1_800)).unwrap(),
            "Kettle: ₹1,801 — 0.06% above its lowest of ₹1,800"
        );
        assert_eq!(
            near_low_line("Kettle", rupees(1_800), rupees(1_800)).unwrap(),
            "Kettle: ₹1,800 — its lowest ever"
        );
        assert_eq!(near_low_line("Kettle", rupees(1_700), rupees(1_800)), None);
        assert_eq!(
            near_low_line(
                "Kettle",
                rupees(1_800),
                Money::from_major(1_800, Currency::USD)
            ),
            None
        );
    }
}
