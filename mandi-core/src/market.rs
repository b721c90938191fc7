//! Market reports (`mandi report`, later the bot and the server): what moved in a category
//! over a day, a week or a month, from the store's history of every product watched or seen.
//!
//! One store read ([`Store::market_snapshot`](crate::Store::market_snapshot)) gives every
//! product's buy-box price at a few moments of the period and its lows before and during it.
//! From it: the biggest drops and rises, the products newly at their lowest, and a price
//! index per category (the median, over its products, of the price at each moment relative to
//! the price at the start; 100 = unchanged), ranked into trending up and down. The top deals
//! are the best deal scores among the products that fell most or reached a new low (their
//! whole histories read in one batch). Upcoming sales come from the sale calendar. The
//! competitive picture of one product compares its offer kinds (buy box, other sellers new,
//! used) over the period.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, Median};

use crate::analytics::calendar::{self, SaleWindow};
use crate::analytics::predict::ist_day;
use crate::catalog::{CatalogError, CatalogService};
use crate::domain::{Asin, Bps, Marketplace, Money, OfferKind, PricePoint};
use crate::insights;
use crate::ports::{DealScore, HistoryQuery, MarketRow};

/// The span a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportPeriod {
    /// The last 24 hours (index every 3 hours).
    Day,
    /// The last 7 days (index every day).
    Week,
    /// The last 30 days (index every 3 days).
    Month,
}

impl ReportPeriod {
    /// Parses `day`, `week` or `month`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" | "d" => Some(Self::Day),
            "week" | "weekly" | "w" => Some(Self::Week),
            "month" | "monthly" | "m" => Some(Self::Month),
            _ => None,
        }
    }

    /// The name (`day`, `week`, `month`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The period's length and the step between index moments.
    fn span(self) -> (Duration, Duration) {
        match self {
            Self::Day => (Duration::hours(24), Duration::hours(3)),
            Self::Week => (Duration::days(7), Duration::days(1)),
            Self::Month => (Duration::days(30), Duration::days(3)),
        }
    }

    /// The index moments, oldest first, the last one `now`.
    pub fn moments(self, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let (length, step) = self.span();
        let steps = (length.num_seconds() / step.num_seconds().max(1)).max(1);
        (0..=steps).rev().map(|k| now - step * k as i32).collect()
    }
}

/// What a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// A browse node: only products in it or below it.
    pub category: Option<String>,
    /// The period.
    pub period: ReportPeriod,
    /// How many entries per list.
    pub limit: usize,
}

/// A product whose price moved over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mover {
    /// The product.
    pub asin: Asin,
    /// Its title, when saved.
    pub title: Option<String>,
    /// Its leaf category's name, when known.
    pub category: Option<String>,
    /// The price at the start of the period.
    pub from: Money,
    /// The price now.
    pub to: Money,
    /// The change in basis points of `from` (negative: cheaper).
    pub change_bps: i64,
}

/// A product at a new lowest price: below every price known before the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLow {
    /// The product.
    pub asin: Asin,
    /// Its title, when saved.
    pub title: Option<String>,
    /// The price now (its lowest ever).
    pub price: Money,
    /// The lowest before the period.
    pub previous_low: Money,
}

/// A product ranked by its deal score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDeal {
    /// The product.
    pub asin: Asin,
    /// Its title, when saved.
    pub title: Option<String>,
    /// The price now.
    pub price: Money,
    /// Its deal score.
    pub score: DealScore,
}

/// A category's median price index over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryIndex {
    /// The browse node id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Products with a price at the start and now.
    pub products: usize,
    /// (moment, index) with 100 at the start.
    pub index: Vec<(DateTime<Utc>, f64)>,
    /// The index now minus 100 (percent).
    pub change_percent: f64,
}

/// A market report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketReport {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The browse node asked for.
    pub category: Option<String>,
    /// The period.
    pub period: ReportPeriod,
    /// Start of the period.
    pub from: DateTime<Utc>,
    /// End of the period (now).
    pub to: DateTime<Utc>,
    /// Products with a known price now.
    pub products: usize,
    /// Best deal scores among the products that fell most or reached a new low.
    pub top_deals: Vec<ReportDeal>,
    /// Biggest price drops, largest first.
    pub biggest_drops: Vec<Mover>,
    /// Biggest price rises, largest first.
    pub biggest_rises: Vec<Mover>,
    /// Products newly at their lowest, largest fall below the old low first.
    pub new_lows: Vec<NewLow>,
    /// Every category's index, most risen first.
    pub categories: Vec<CategoryIndex>,
    /// Sales on the calendar that run now or start within 45 days.
    pub upcoming_sales: Vec<SaleWindow>,
}

impl MarketReport {
    /// Categories whose index rose, most first.
    pub fn trending_up(&self) -> impl Iterator<Item = &CategoryIndex> {
        self.categories.iter().filter(|c| c.change_percent > 0.0)
    }

    /// Categories whose index fell, most first.
    pub fn trending_down(&self) -> impl Iterator<Item = &CategoryIndex> {
        self.categories
            .iter()
            .rev()
            .filter(|c| c.change_percent < 0.0)
    }

    /// The report as text for a person (amounts in rupees, dates in IST).
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let date = |t: DateTime<Utc>| {
            t.with_timezone(&chrono_tz::Asia::Kolkata)
                .format("%-d %b %Y %H:%M IST")
                .to_string()
        };
        let _ = writeln!(
            out,
            "Market report, last {} ({} to {}){}: {} products",
            self.period.as_str(),
            date(self.from),
            date(self.to),
            self.category
                .as_ref()
                .map_or(String::new(), |c| format!(", category {c}")),
            self.products
        );
        let name = |asin: &Asin, title: &Option<String>| {
            title.as_ref().map_or_else(
                || asin.to_string(),
                |t| format!("{} ({asin})", t.chars().take(60).collect::<String>()),
            )
        };
        let _ = writeln!(out, "\nTop deals:");
        if self.top_deals.is_empty() {
            let _ = writeln!(out, "  none scored");
        }
        for d in &self.top_deals {
            let _ = writeln!(
                out,
                "  {:>3}  {}  {}",
                d.score.score,
                d.price.display_short(),
                name(&d.asin, &d.title)
            );
        }
        for (title, list) in [
            ("Biggest drops", &self.biggest_drops),
            ("Biggest rises", &self.biggest_rises),
        ] {
            let _ = writeln!(out, "\n{title}:");
            if list.is_empty() {
                let _ = writeln!(out, "  none");
            }
            for m in list {
                let _ = writeln!(
                    out,
                    "  {:+8}  {} → {}  {}",
                    Bps(m.change_bps),
                    m.from.display_short(),
                    m.to.display_short(),
                    name(&m.asin, &m.title)
                );
            }
        }
        let _ = writeln!(out, "\nNewly at their lowest:");
        if self.new_lows.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for l in &self.new_lows {
            let _ = writeln!(
                out,
                "  {} (was {})  {}",
                l.price.display_short(),
                l.previous_low.display_short(),
                name(&l.asin, &l.title)
            );
        }
        let _ = writeln!(out, "\nCategory price index (100 = start of the period):");
        if self.categories.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for c in &self.categories {
            let _ = writeln!(
                out,
                "  {:+8}  {} ({} products)",
                Bps::from_ratio(c.change_percent / 100.0).unwrap_or_default(),
                c.name,
                c.products
            );
        }
        let _ = writeln!(out, "\nSales ahead:");
        if self.upcoming_sales.is_empty() {
            let _ = writeln!(out, "  none in the next 45 days");
        }
        for s in &self.upcoming_sales {
            let _ = writeln!(
                out,
                "  {}: {} to {}",
                s.name,
                s.start.format("%-d %b"),
                s.end.format("%-d %b")
            );
        }
        out
    }

    /// The category index as a PNG chart (feature `charts`); at most eight categories, the
    /// ones that moved most.
    ///
    /// # Errors
    ///
    /// [`crate::charts::ChartError::NoData`] when no category has an index.
    #[cfg(feature = "charts")]
    pub fn index_chart(
        &self,
        options: &crate::charts::ChartOptions,
    ) -> Result<Vec<u8>, crate::charts::ChartError> {
        let mut cats: Vec<&CategoryIndex> = self.categories.iter().collect();
        cats.sort_by(|a, b| b.change_percent.abs().total_cmp(&a.change_percent.abs()));
        let lines: Vec<crate::charts::IndexLine> = cats
            .into_iter()
            .take(8)
            .map(|c| crate::charts::IndexLine {
                name: c.name.clone(),
                points: c.index.clone(),
            })
            .collect();
        crate::charts::render_index_chart(&lines, options)
    }
}

/// How many candidates per listed deal are scored for the top deals.
const DEAL_CANDIDATES_PER_ENTRY: usize = 4;

/// The change of `to` against `from` in basis points (same currency, `from` positive).
fn change_bps(from: Money, to: Money) -> Option<i64> {
    to.discount_bps(from).map(|d| -d)
}

/// The figures of a report from the snapshot rows (no store access): movers, new lows,
/// category indexes. `deals` are filled in by the service.
pub fn compute(
    request: &ReportRequest,
    moments: &[DateTime<Utc>],
    rows: &[MarketRow],
) -> MarketReport {
    let now = moments.last().copied().unwrap_or(DateTime::UNIX_EPOCH);
    let from = moments.first().copied().unwrap_or(now);
    let mut movers: Vec<Mover> = Vec::new();
    let mut new_lows: Vec<NewLow> = Vec::new();
    let mut by_category: BTreeMap<String, (String, Vec<&MarketRow>)> = BTreeMap::new();
    let mut products = 0;
    for row in rows {
        let Some(Some(to)) = row.prices.last().copied() else {
            continue;
        };
        products += 1;
        if let Some(Some(start)) = row.prices.first().copied()
            && let Some(change) = change_bps(start, to)
            && change != 0
        {
            movers.push(Mover {
                asin: row.asin,
                title: None,
                category: row.category.as_ref().map(|c| c.name.clone()),
                from: start,
                to,
                change_bps: change,
            });
        }
        if let (Some(before), Some(during)) = (row.low_before, row.low_during)
            && before.currency() == to.currency()
            && to.minor() < before.minor()
            && to.minor() <= during.minor()
        {
            new_lows.push(NewLow {
                asin: row.asin,
                title: None,
                price: to,
                previous_low: before,
            });
        }
        if let Some(c) = &row.category {
            by_category
                .entry(c.id.clone())
                .or_insert_with(|| (c.name.clone(), Vec::new()))
                .1
                .push(row);
        }
    }
    let limit = request.limit;
    let mut drops: Vec<Mover> = movers
        .iter()
        .filter(|m| m.change_bps < 0)
        .cloned()
        .collect();
    drops.sort_by(|a, b| a.change_bps.cmp(&b.change_bps).then(a.asin.cmp(&b.asin)));
    drops.truncate(limit);
    let mut rises: Vec<Mover> = movers.into_iter().filter(|m| m.change_bps > 0).collect();
    rises.sort_by(|a, b| b.change_bps.cmp(&a.change_bps).then(a.asin.cmp(&b.asin)));
    rises.truncate(limit);
    new_lows.sort_by(|a, b| {
        let fall = |l: &NewLow| l.price.discount_bps(l.previous_low).unwrap_or(0);
        fall(b).cmp(&fall(a)).then(a.asin.cmp(&b.asin))
    });
    new_lows.truncate(limit);

    let mut categories: Vec<CategoryIndex> = by_category
        .into_iter()
        .filter_map(|(id, (name, members))| category_index(id, name, moments, &members))
        .collect();
    categories.sort_by(|a, b| {
        b.change_percent
            .total_cmp(&a.change_percent)
            .then(a.name.cmp(&b.name))
    });

    let today = ist_day(now);
    let horizon = today + Duration::days(45);
    let upcoming_sales = (chrono::Datelike::year(&today)..=chrono::Datelike::year(&horizon))
        .flat_map(calendar::sale_windows)
        .filter(|w| w.end >= today && w.start <= horizon)
        .collect();

    MarketReport {
        marketplace: request.marketplace,
        category: request.category.clone(),
        period: request.period,
        from,
        to: now,
        products,
        top_deals: Vec::new(),
        biggest_drops: drops,
        biggest_rises: rises,
        new_lows,
        categories,
        upcoming_sales,
    }
}

/// A category's index: at each moment, the median over its products priced at the start
/// and at that moment (same currency) of price / start price × 100.
fn category_index(
    id: String,
    name: String,
    moments: &[DateTime<Utc>],
    members: &[&MarketRow],
) -> Option<CategoryIndex> {
    let mut index = Vec::with_capacity(moments.len());
    let mut products = 0;
    for (k, at) in moments.iter().enumerate() {
        let ratios: Vec<f64> = members
            .iter()
            .filter_map(|r| {
                let start = r.prices.first().copied().flatten()?;
                let p = r.prices.get(k).copied().flatten()?;
                (start.currency() == p.currency() && start.minor() > 0)
                    .then(|| p.minor() as f64 / start.minor() as f64 * 100.0)
            })
            .collect();
        if k + 1 == moments.len() {
            products = ratios.len();
        }
        if !ratios.is_empty() {
            index.push((*at, Data::new(ratios).median()));
        }
    }
    if products == 0 {
        return None;
    }
    let change_percent = index.last().map_or(0.0, |(_, v)| v - 100.0);
    Some(CategoryIndex {
        id,
        name,
        products,
        index,
        change_percent,
    })
}

/// The competitive picture of one product for one offer kind over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferKindPicture {
    /// Buy box, other sellers new, or used.
    pub kind: OfferKind,
    /// The price at the kind's latest observation; `None` when that observation had no price
    /// (out of stock or unknown) — an older price is never carried forward.
    pub current: Option<Money>,
    /// When the kind was last observed.
    pub last_seen: DateTime<Utc>,
    /// The lowest known price in the period.
    pub low: Option<Money>,
    /// The highest known price in the period.
    pub high: Option<Money>,
    /// Observations in the period.
    pub observations: usize,
}

/// Buy box against other sellers and used, over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompetitivePicture {
    /// The product.
    pub asin: Asin,
    /// The period covered.
    pub period: ReportPeriod,
    /// The start of the period.
    pub from: DateTime<Utc>,
    /// The end of the period (now).
    pub to: DateTime<Utc>,
    /// One entry per offer kind seen in the period: buy box, other sellers new, used.
    pub kinds: Vec<OfferKindPicture>,
    /// The buy box's premium over the other sellers' new offer now, in basis points of that
    /// offer (negative: the buy box is cheaper). Only when both were priced at the latest
    /// observation of the product.
    pub buy_box_premium_bps: Option<i64>,
    /// The saving of used over the buy box now, in basis points of the buy box. Only when
    /// both were priced at the latest observation of the product.
    pub used_saving_bps: Option<i64>,
}

impl CompetitivePicture {
    /// The picture of one offer kind, when it was seen in the period.
    pub fn kind(&self, kind: OfferKind) -> Option<&OfferKindPicture> {
        self.kinds.iter().find(|k| k.kind == kind)
    }

    /// The picture as text (times in IST, shares through [`Bps`]).
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let date = |t: DateTime<Utc>| {
            t.with_timezone(&chrono_tz::Asia::Kolkata)
                .format("%-d %b %Y %H:%M IST")
                .to_string()
        };
        let money = |m: Option<Money>| m.map_or_else(|| "—".to_owned(), |m| m.display_short());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Competition for {}, last {} ({} to {})",
            self.asin,
            self.period.as_str(),
            date(self.from),
            date(self.to)
        );
        if self.kinds.is_empty() {
            let _ = writeln!(out, "  no offers seen in the period");
            return out;
        }
        let _ = writeln!(
            out,
            "  {:<18} {:>12} {:>12} {:>12} {:>6}  last seen",
            "offer", "now", "low", "high", "seen"
        );
        for k in &self.kinds {
            let name = match k.kind {
                OfferKind::BuyBox => "buy box",
                OfferKind::ThirdPartyNew => "other sellers new",
                _ => "used",
            };
            let _ = writeln!(
                out,
                "  {:<18} {:>12} {:>12} {:>12} {:>6}  {}",
                name,
                money(k.current),
                money(k.low),
                money(k.high),
                k.observations,
                date(k.last_seen)
            );
        }
        if let Some(p) = self.buy_box_premium_bps {
            let _ = writeln!(out, "Buy box against other sellers new: {:+}", Bps(p));
        }
        if let Some(s) = self.used_saving_bps {
            let _ = writeln!(out, "Used saves against the buy box: {}", Bps(s));
        }
        out
    }
}

/// Market reports over the catalog's store.
#[derive(Debug, Clone)]
pub struct MarketService {
    catalog: CatalogService,
}

impl MarketService {
    /// The service over a catalog (its store, clock and scorer).
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// A market report for the period ending now.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn report(&self, request: &ReportRequest) -> Result<MarketReport, CatalogError> {
        let now = self.catalog.clock().now();
        let moments = request.period.moments(now);
        let store = self.catalog.store();
        let rows = store
            .market_snapshot(request.marketplace, request.category.as_deref(), &moments)
            .await?;
        let mut report = compute(request, &moments, &rows);

        // Top deals: score the products that fell most or reached a new low.
        let want = request.limit.saturating_mul(DEAL_CANDIDATES_PER_ENTRY);
        let mut candidates: Vec<Asin> = report.new_lows.iter().map(|l| l.asin).collect();
        let mut falls: Vec<(i64, Asin)> = rows
            .iter()
            .filter_map(|r| {
                let start = r.prices.first().copied().flatten()?;
                let now = r.prices.last().copied().flatten()?;
                Some((change_bps(start, now)?, r.asin))
            })
            .filter(|(c, _)| *c < 0)
            .collect();
        falls.sort();
        for (_, a) in falls {
            if candidates.len() >= want {
                break;
            }
            if !candidates.contains(&a) {
                candidates.push(a);
            }
        }
        let targets: Vec<(Marketplace, Asin)> = candidates
            .iter()
            .map(|a| (request.marketplace, *a))
            .collect();
        let reports = insights::reports(&self.catalog, &targets).await?;
        let mut deals: Vec<ReportDeal> = reports
            .into_iter()
            .filter_map(|r| {
                Some(ReportDeal {
                    asin: r.asin,
                    title: r.product.as_ref().map(|p| p.title.clone()),
                    price: r.summary.current.as_ref().map(|c| c.price)?,
                    score: r.score?,
                })
            })
            .collect();
        deals.sort_by(|a, b| b.score.score.cmp(&a.score.score).then(a.asin.cmp(&b.asin)));
        deals.truncate(request.limit);
        report.top_deals = deals;

        // Titles of the listed products, in one read.
        let mut listed: Vec<Asin> = report
            .biggest_drops
            .iter()
            .chain(&report.biggest_rises)
            .map(|m| m.asin)
            .chain(report.new_lows.iter().map(|l| l.asin))
            .collect();
        listed.sort_unstable();
        listed.dedup();
        let products = store.get_products(request.marketplace, &listed).await?;
        let title = |a: Asin| {
            products
                .iter()
                .find(|p| p.asin == a)
                .map(|p| p.title.clone())
        };
        for m in report
            .biggest_drops
            .iter_mut()
            .chain(report.biggest_rises.iter_mut())
        {
            m.title = title(m.asin);
        }
        for l in &mut report.new_lows {
            l.title = title(l.asin);
        }
        Ok(report)
    }

    /// The competitive picture of one product over the period: each offer kind's price now,
    /// low and high, the buy box's premium over other sellers and the saving of used.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn competition(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        period: ReportPeriod,
    ) -> Result<CompetitivePicture, CatalogError> {
        let now = self.catalog.clock().now();
        let since = period.moments(now).first().copied().unwrap_or(now);
        let points = self
            .catalog
            .store()
            .price_history(&HistoryQuery {
                marketplace,
                asin,
                offer_kind: None,
                since: Some(since),
                // `until` is exclusive: an observation made at `now` belongs to the picture.
                until: Some(now + Duration::milliseconds(1)),
            })
            .await?;
        Ok(picture(asin, period, since, now, &points))
    }
}

/// The competitive picture from one product's observations of the period, oldest first (no
/// store access).
pub fn picture(
    asin: Asin,
    period: ReportPeriod,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    points: &[PricePoint],
) -> CompetitivePicture {
    let mut kinds = Vec::new();
    for kind in [OfferKind::BuyBox, OfferKind::ThirdPartyNew, OfferKind::Used] {
        let of_kind: Vec<&PricePoint> = points.iter().filter(|p| p.offer_kind == kind).collect();
        let Some(latest) = of_kind.iter().max_by_key(|p| p.at) else {
            continue;
        };
        let known: Vec<Money> = of_kind.iter().filter_map(|p| p.price).collect();
        kinds.push(OfferKindPicture {
            kind,
            current: latest.price,
            last_seen: latest.at,
            low: known.iter().copied().min_by_key(|m| m.minor()),
            high: known.iter().copied().max_by_key(|m| m.minor()),
            observations: of_kind.len(),
        });
    }
    // "Now" is the product's latest observation: a kind missing from it is not on offer now,
    // and prices seen at different moments are not compared.
    let latest = kinds.iter().map(|k| k.last_seen).max();
    let current = |k: OfferKind| {
        kinds
            .iter()
            .find(|p| p.kind == k && Some(p.last_seen) == latest)
            .and_then(|p| p.current)
    };
    let buy_box = current(OfferKind::BuyBox);
    let buy_box_premium_bps = buy_box
        .zip(current(OfferKind::ThirdPartyNew))
        .and_then(|(b, other)| change_bps(other, b));
    let used_saving_bps = buy_box
        .zip(current(OfferKind::Used))
        .and_then(|(b, used)| used.discount_bps(b));
    CompetitivePicture {
        asin,
        period,
        from,
        to,
        kinds,
        buy_box_premium_bps,
        used_saving_bps,
    }
}
