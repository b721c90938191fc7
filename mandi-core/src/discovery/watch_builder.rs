//! The smart watch builder: target prices grounded in a product's own history (each with how
//! often it would have fired in the past year), watches for the variations matching a colour
//! or storage, and a review of existing watches (unrealistic, redundant, stale).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::service::{DiscoveryError, DiscoveryResult, DiscoveryService};
use crate::analytics::calendar;
use crate::analytics::series::{self, Segment};
use crate::analytics::{DropWindow, PricePatterns};
use crate::domain::{
    AlertRule, Asin, Bps, Currency, Marketplace, Money, PricePoint, Product, User, Watch,
    WatchTarget,
};
use crate::links::ProductRef;
use crate::watches::{AddedWatch, WatchService, WatchSpec};

/// How a suggested target was chosen.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The price the product was at or below for this share of the last 90 days.
    ReachedShareOf90Days {
        /// The share, percent.
        percent: u8,
    },
    /// The lowest price of its last sale-like drop.
    LastSaleLow,
    /// What the next likely sale should bring (typical drop depth off today's price).
    NextSale,
}

/// One suggested target price.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSuggestion {
    /// How it was chosen.
    pub kind: TargetKind,
    /// The target: alert at or below this.
    pub target: Money,
    /// Why, in words.
    pub why: String,
    /// How many times a watch with this target would have fired in the past 365 days (each
    /// time the price came down to it from above; a price already at it counts once).
    pub fired_past_year: u32,
    /// Share of the past year's known-price time spent at or below it (basis points).
    pub share_of_year_bps: u32,
    /// For the next-sale target: when.
    pub window: Option<DropWindow>,
}

/// The suggestions for one product.
#[derive(Debug, Clone, Serialize)]
pub struct WatchSuggestions {
    /// The product.
    pub product: Option<Product>,
    /// The ASIN.
    pub asin: Asin,
    /// Today's price.
    pub current: Option<Money>,
    /// How many days of history the suggestions rest on.
    pub history_days: i64,
    /// The suggestions, highest target (most likely to fire) first.
    pub suggestions: Vec<TargetSuggestion>,
}

/// What a review found wrong with a watch.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewIssue {
    /// The target was never reached in the past year.
    Unrealistic,
    /// Another watch already covers the same product.
    Redundant,
    /// No price has been seen for a long time.
    Stale,
}

/// One finding of a watch review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchReview {
    /// The watch.
    pub watch_id: crate::domain::WatchId,
    /// The product (or family parent).
    pub asin: Asin,
    /// What is wrong.
    pub issue: ReviewIssue,
    /// The details.
    pub detail: String,
    /// The change suggested.
    pub suggestion: String,
    /// For an unrealistic target: a target that would have fired.
    pub suggested_target: Option<Money>,
}

/// The watches [`DiscoveryService::watch_variants`] made.
#[derive(Debug, Clone, Default)]
pub struct VariantWatches {
    /// The watches added, one per matching variation not watched before.
    pub added: Vec<AddedWatch>,
    /// Matching variations the user already watched: the ASIN and the existing watch.
    pub already_watched: Vec<(Asin, crate::domain::WatchId)>,
}

/// A target is only called unrealistic on at least this many days of history.
pub const MIN_REVIEW_DAYS: i64 = 30;

/// A watch is stale when no price has been seen for this long.
pub const STALE_AFTER: Duration = Duration::days(14);

/// Known-price segments of the last `days` before `now`.
fn known(segs: &[Segment], now: DateTime<Utc>, days: i64) -> Vec<Segment> {
    series::window(segs, now - Duration::days(days), now)
        .filter(|s| s.price.is_some() && s.end > s.start)
        .collect()
}

/// The lowest price that the product was at or below for `share_bps` of the segments' time.
pub fn reached_share(segs: &[Segment], share_bps: u32) -> Option<Money> {
    let mut by_price: Vec<(Money, i64)> = segs
        .iter()
        .filter_map(|s| s.price.map(|p| (p, s.duration_secs())))
        .collect();
    by_price.sort_by_key(|(p, _)| p.minor());
    let total: i64 = by_price.iter().map(|(_, d)| d).sum();
    if total <= 0 {
        return None;
    }
    let need = i128::from(total) * i128::from(share_bps) / 10_000;
    let mut acc: i128 = 0;
    for (p, d) in &by_price {
        acc += i128::from(*d);
        if acc >= need {
            return Some(*p);
        }
    }
    by_price.last().map(|(p, _)| *p)
}

/// How often a target-price alert would have fired over `segs` (entries into `≤ target`
/// from above; a first known price already at or below counts once), and the share of the
/// known time at or below it (basis points).
pub fn firings(segs: &[Segment], target: Money) -> (u32, u32) {
    let mut fired = 0;
    let mut above = true;
    let (mut below_secs, mut total_secs) = (0i64, 0i64);
    for s in segs {
        let Some(p) = s.price else { continue };
        total_secs += s.duration_secs();
        let at_or_below = p.minor() <= target.minor();
        if at_or_below {
            below_secs += s.duration_secs();
            if above {
                fired += 1;
            }
        }
        above = !at_or_below;
    }
    let share = if total_secs > 0 {
        u32::try_from(i128::from(below_secs) * 10_000 / i128::from(total_secs)).unwrap_or(0)
    } else {
        0
    };
    (fired, share)
}

/// Suggested targets from a history as of `now`: the prices reached on 50 %, 25 % and 10 % of
/// the last 90 days, the last sale low, and what the next likely sale should bring; each with
/// how often it would have fired in the past year. Duplicates and targets at or above today's
/// price are dropped.
pub fn target_suggestions(
    points: &[PricePoint],
    now: DateTime<Utc>,
    current: Option<Money>,
    patterns: &PricePatterns,
) -> Vec<TargetSuggestion> {
    let currency = series::currency_of(points).unwrap_or(Currency::INR);
    let segs = series::segments(points, now, currency);
    let year = known(&segs, now, 365);
    let d90 = known(&segs, now, 90);
    let mut out: Vec<TargetSuggestion> = Vec::new();
    let mut push = |kind: TargetKind, target: Money, why: String, window: Option<DropWindow>| {
        if current.is_some_and(|c| target.minor() >= c.minor()) {
            return;
        }
        if out.iter().any(|s| s.target == target) {
            return;
        }
        let (fired_past_year, share_of_year_bps) = firings(&year, target);
        out.push(TargetSuggestion {
            kind,
            target,
            why,
            fired_past_year,
            share_of_year_bps,
            window,
        });
    };
    for percent in [50u8, 25, 10] {
        if let Some(p) = reached_share(&d90, u32::from(percent) * 100) {
            push(
                TargetKind::ReachedShareOf90Days { percent },
                p,
                format!(
                    "the price was at or below {} on {} of the last 90 days",
                    p.display_short(),
                    Bps::percent(i64::from(percent))
                ),
                None,
            );
        }
    }
    if let Some(drop) = patterns.drops.last() {
        let when = drop.started.format("%-d %b %Y");
        let name = drop
            .festival
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        push(
            TargetKind::LastSaleLow,
            drop.lowest,
            format!(
                "its last sale{name}, from {when}, went down to {}",
                drop.lowest.display_short()
            ),
            None,
        );
    }
    let next = patterns.next_drop.clone().or_else(|| {
        let today = now.date_naive();
        [now.year_ce().1 as i32, now.year_ce().1 as i32 + 1]
            .into_iter()
            .flat_map(calendar::sale_windows)
            .find(|w| w.end >= today)
            .map(|w| DropWindow {
                from: w.start.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc()),
                to: w.end.and_hms_opt(23, 59, 59).map_or(now, |t| t.and_utc()),
                reason: format!("the {} on the sale calendar", w.name),
            })
    });
    if let (Some(window), Some(c), Some(depth)) = (next, current, patterns.typical_drop_bps) {
        let target = c.percent_bps(10_000 - i64::from(depth.min(9_000)));
        push(
            TargetKind::NextSale,
            target,
            format!(
                "its sales usually take {} off; the next is likely {} – {} ({})",
                Bps::from(depth),
                window.from.format("%-d %b"),
                window.to.format("%-d %b %Y"),
                window.reason
            ),
            Some(window),
        );
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.target.minor()));
    out
}

use chrono::Datelike;

impl DiscoveryService {
    /// Target prices for a watch on a product, grounded in its stored history (refreshed
    /// first), each with how often it would have fired in the past year.
    ///
    /// # Errors
    ///
    /// The source or store failed.
    pub async fn suggest_targets(
        &self,
        marketplace: Marketplace,
        asin: Asin,
    ) -> DiscoveryResult<WatchSuggestions> {
        let report = self.catalog().history(marketplace, asin, true).await?;
        let current = report.summary.current.map(|d| d.price);
        let history_days = report
            .points
            .first()
            .map_or(0, |p| (report.as_of - p.at).num_days());
        let suggestions =
            target_suggestions(&report.points, report.as_of, current, &report.patterns);
        Ok(WatchSuggestions {
            product: report.product,
            asin,
            current,
            history_days,
            suggestions,
        })
    }

    /// Watches the variations of a product's family whose attributes match every
    /// `(dimension, value)` asked (`colour` → `color_name`, `storage`/`size` → `size_name`,
    /// matched case-insensitively on words: `blue` finds `Ocean Blue`).
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::NotFound`] when the product has no family or no variation matches;
    /// [`DiscoveryError::Watch`] when every matching variation is already watched, or a watch
    /// could not be added (as [`WatchService::add`]).
    pub async fn watch_variants(
        &self,
        user: &User,
        marketplace: Marketplace,
        asin: Asin,
        wanted: &[(String, String)],
        spec: WatchSpec,
    ) -> DiscoveryResult<VariantWatches> {
        let base = self
            .catalog()
            .lookup(marketplace, &[asin])
            .await?
            .items
            .into_iter()
            .next()
            .ok_or_else(|| DiscoveryError::NotFound(asin.to_string()))?;
        let parent = base.parent_asin.unwrap_or(asin);
        let mut request = crate::VariationsRequest::new(marketplace, parent);
        let mut children = Vec::new();
        for page in 1..=10u8 {
            request.variation_page = page;
            let family = self.catalog().variations(&request).await?;
            let count = family.variation_count as usize;
            let empty = family.items.is_empty();
            children.extend(family.items);
            if empty || children.len() >= count {
                break;
            }
        }
        let matching: Vec<&Product> = children
            .iter()
            .filter(|c| {
                wanted
                    .iter()
                    .all(|(dim, value)| variation_matches(c, dim, value))
            })
            .collect();
        if matching.is_empty() {
            let asked: Vec<String> = wanted.iter().map(|(d, v)| format!("{d} {v}")).collect();
            return Err(DiscoveryError::NotFound(format!(
                "a variation of {parent} with {}",
                asked.join(" and ")
            )));
        }
        // Variations the user already watches are reported, not re-added (and not an error
        // that would leave the others half done).
        let existing = self.catalog().store().list_watches(user.id).await?;
        let mut out = VariantWatches::default();
        let mut fresh = Vec::new();
        for child in matching {
            let target = WatchTarget::Product {
                marketplace,
                asin: child.asin,
            };
            match existing.iter().find(|w| w.target == target) {
                Some(w) => out.already_watched.push((child.asin, w.id)),
                None => fresh.push(child),
            }
        }
        if fresh.is_empty()
            && let Some((_, id)) = out.already_watched.first()
        {
            return Err(DiscoveryError::Watch(
                crate::watches::WatchError::Duplicate(*id).to_string(),
            ));
        }
        let watches = WatchService::new(self.catalog().clone());
        for child in fresh {
            let w = watches
                .add(user, ProductRef::new(child.asin, marketplace), spec.clone())
                .await
                .map_err(|e| DiscoveryError::Watch(e.to_string()))?;
            out.added.push(w);
        }
        Ok(out)
    }

    /// Reviews a user's watches: targets never reached in the past year (with one that would
    /// have fired), watches covering the same product twice, and products with no price seen
    /// for [`STALE_AFTER`].
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn review_watches(&self, user: &User) -> DiscoveryResult<Vec<WatchReview>> {
        let store = self.catalog().store();
        let watches: Vec<Watch> = store.list_watches(user.id).await?;
        let now = self.catalog().clock().now();
        let mut out = Vec::new();
        for (i, w) in watches.iter().enumerate() {
            let asin = w.target.asin();
            let marketplace = w.target.marketplace();
            // Redundant: an earlier watch on the same product, or a family watch covering it.
            let product = store.get_product(marketplace, asin).await?;
            let covered_by = watches[..i]
                .iter()
                .find(|o| o.target == w.target)
                .or_else(|| {
                    let parent = product.as_ref().and_then(|p| p.parent_asin)?;
                    watches.iter().find(|o| {
                        o.id != w.id
                            && o.target
                                == WatchTarget::Family {
                                    marketplace,
                                    parent_asin: parent,
                                }
                    })
                });
            if let Some(o) = covered_by {
                out.push(WatchReview {
                    watch_id: w.id,
                    asin,
                    issue: ReviewIssue::Redundant,
                    detail: format!("watch {} already follows {asin}", o.id),
                    suggestion: format!("remove watch {} (mandi watch rm {})", w.id, w.id),
                    suggested_target: None,
                });
            }
            if matches!(w.target, WatchTarget::Family { .. }) {
                continue;
            }
            let points = store
                .price_history(&crate::ports::HistoryQuery::buy_box(marketplace, asin))
                .await?;
            let last_seen = points
                .iter()
                .filter(|p| p.price.is_some())
                .map(|p| p.at)
                .max();
            match last_seen {
                Some(at) if now - at > STALE_AFTER => out.push(WatchReview {
                    watch_id: w.id,
                    asin,
                    issue: ReviewIssue::Stale,
                    detail: format!("no price seen for {} days", (now - at).num_days()),
                    suggestion:
                        "run the monitor (mandi monitor) or remove the watch if the product is gone"
                            .to_owned(),
                    suggested_target: None,
                }),
                None => out.push(WatchReview {
                    watch_id: w.id,
                    asin,
                    issue: ReviewIssue::Stale,
                    detail: "no price has ever been seen".to_owned(),
                    suggestion:
                        "run the monitor (mandi monitor) or remove the watch if the product is gone"
                            .to_owned(),
                    suggested_target: None,
                }),
                _ => {}
            }
            let currency = series::currency_of(&points).unwrap_or(Currency::INR);
            let segs = series::segments(&points, now + Duration::seconds(1), currency);
            let year = known(&segs, now + Duration::seconds(1), 365);
            // A year's verdict needs at least MIN_REVIEW_DAYS of history.
            let covered = year
                .first()
                .map_or(0, |s| (now - s.start_time()).num_days());
            if covered < MIN_REVIEW_DAYS {
                continue;
            }
            for rule in &w.rules {
                let AlertRule::TargetPrice { at_or_below } = rule else {
                    continue;
                };
                let (fired, _) = firings(&year, *at_or_below);
                if fired > 0 {
                    continue;
                }
                let low = year
                    .iter()
                    .filter_map(|s| s.price)
                    .min_by_key(|m| m.minor());
                let d90 = known(&segs, now + Duration::seconds(1), 90);
                let better = reached_share(&d90, 1_000).or(low);
                let days = (now - year[0].start_time()).num_days().max(1);
                out.push(WatchReview {
                    watch_id: w.id,
                    asin,
                    issue: ReviewIssue::Unrealistic,
                    detail: format!(
                        "{} was never reached in {days} days of history (lowest {})",
                        at_or_below.display_short(),
                        low.map_or_else(|| "unknown".to_owned(), |m| m.display_short())
                    ),
                    suggestion: better.map_or_else(
                        || "lower your expectations or wait for more history".to_owned(),
                        |b| {
                            format!(
                                "set the target to {} (mandi watch edit {} --below {})",
                                b.display_short(),
                                w.id,
                                b.minor() / 100
                            )
                        },
                    ),
                    suggested_target: better,
                });
            }
        }
        Ok(out)
    }
}

/// Units of a storage or size value that may follow its number after a space.
const UNITS: [&str; 14] = [
    "gb", "tb", "mb", "kg", "g", "l", "ml", "litre", "inch", "in", "cm", "mm", "w", "mah",
];

/// Lower-case words, with a number and the unit after it joined (`256 GB` → `256gb`), so
/// `--storage "256 GB"` finds `8GB RAM + 256GB Storage`.
fn words(s: &str) -> Vec<String> {
    let raw: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for w in raw {
        let unit = UNITS.contains(&w.as_str());
        match out.last_mut() {
            Some(prev) if unit && prev.chars().all(|c| c.is_ascii_digit()) => prev.push_str(&w),
            _ => out.push(w),
        }
    }
    out
}

/// True when a variation's attribute `dim` (`colour`, `storage`, `size` or the API's own
/// `color_name`…) holds every word of `value`.
fn variation_matches(p: &Product, dim: &str, value: &str) -> bool {
    let names: &[&str] = match dim.to_lowercase().as_str() {
        "colour" | "color" | "color_name" => &["color_name"],
        "storage" | "size" | "size_name" | "capacity" => &["size_name"],
        _ => return false,
    };
    let want = words(value);
    p.variation_attributes
        .iter()
        .filter(|a| names.contains(&a.name.as_str()))
        .any(|a| {
            let have = words(&a.value);
            want.iter().all(|w| have.contains(w))
        })
        || (names.contains(&"size_name") && {
            // Storage often only shows in the title ("8GB RAM, 256GB Storage").
            let title = words(&p.title).join(" ");
            title.contains(&want.join(" "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Availability, DataOrigin, OfferKind};

    fn point(day: i64, rupees: i64) -> PricePoint {
        PricePoint {
            marketplace: Marketplace::India,
            asin: Asin::parse("B0CX59H5W7").unwrap_or_else(|_| unreachable!()),
            offer_kind: OfferKind::BuyBox,
            at: DateTime::from_timestamp(1_700_000_000 + day * 86_400, 0).unwrap_or_default(),
            price: Some(Money::from_major(rupees, Currency::INR)),
            list_price: None,
            availability: Availability::InStock,
            deal_badge: None,
            origin: DataOrigin::Api,
        }
    }

    #[test]
    fn firings_count_entries_from_above() {
        // 100 for 10 days, 80 for 2, 100 for 10, 80 for 2, 100 again.
        let mut pts = Vec::new();
        for d in 0..30 {
            let p = if (10..12).contains(&d) || (22..24).contains(&d) {
                80
            } else {
                100
            };
            pts.push(point(d, p));
        }
        let now = pts[29].at + Duration::days(1);
        let segs = series::segments(&pts, now, Currency::INR);
        let (fired, share) = firings(&segs, Money::from_major(85, Currency::INR));
        assert_eq!(fired, 2);
        assert_eq!(share, 4 * 10_000 / 30);
        assert_eq!(firings(&segs, Money::from_major(50, Currency::INR)).0, 0);
        // Already at or below from the start: once.
        assert_eq!(firings(&segs, Money::from_major(100, Currency::INR)).0, 1);
        // Reached on 10% of the time: 80; on 50%: 100.
        assert_eq!(
            reached_share(&segs, 1_000),
            Some(Money::from_major(80, Currency::INR))
        );
        assert_eq!(
            reached_share(&segs, 5_000),
            Some(Money::from_major(100, Currency::INR))
        );
    }
}
