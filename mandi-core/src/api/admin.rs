//! [`AdminStats`]: the numbers of the admin dashboard, computed from the store (and the
//! monitoring loop's progress when one runs): active users, retention cohorts, watches and
//! alerts per day, quota use, freshness, breaker, outbox, user segments, most-watched
//! products with their categories and deal scores.
//!
//! Days are IST days (Asia/Kolkata), as an operator in India reads them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Kolkata;
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogError, CatalogService};
use crate::domain::{Asin, Marketplace, Money, UserFacts, UserId, Watch};
use crate::monitor::MonitorProgress;
use crate::ports::StoreError;

/// How many days the per-day series cover.
pub const SERIES_DAYS: u32 = 30;
/// How many weekly sign-up cohorts the overview shows.
pub const COHORT_WEEKS: u32 = 8;

/// Errors of the admin statistics.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No such user or product.
    #[error("no {0}")]
    NotFound(String),
    /// Reading the data failed.
    #[error("could not read the statistics: {0}")]
    Store(#[from] StoreError),
    /// Reading a product failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// A count on one IST day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The day.
    pub day: NaiveDate,
    /// The count.
    pub count: u32,
}

/// Users who joined in one IST week (Monday first), and how many of them are still active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    /// Users who joined that week.
    pub size: u32,
    /// Of them, active in the last 7 days.
    pub active_7d: u32,
    /// Of them, active in the last 30 days.
    pub active_30d: u32,
}

/// The overview page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// When it was computed.
    pub now: DateTime<Utc>,
    /// Every user.
    pub users_total: u32,
    /// Users active in the last day.
    pub active_1d: u32,
    /// Users active in the last 7 days.
    pub active_7d: u32,
    /// Users active in the last 30 days.
    pub active_30d: u32,
    /// Weekly sign-up cohorts, oldest first.
    pub cohorts: Vec<Cohort>,
    /// Every watch.
    pub watches_total: u32,
    /// Watches made per IST day over the last [`SERIES_DAYS`] days (every day listed).
    pub watches_per_day: Vec<DayCount>,
    /// Alerts fired per IST day over the last [`SERIES_DAYS`] days (every day listed).
    pub alerts_per_day: Vec<DayCount>,
    /// Alerts fired in the last [`SERIES_DAYS`] days.
    pub alerts_fired: u32,
    /// Of them, delivered through at least one channel.
    pub alerts_sent: u32,
    /// Clicks per sent alert, in basis points; `None` until click tracking exists.
    pub click_through_bps: Option<u32>,
    /// Calls made to the product source today (UTC day).
    pub source_calls_today: u32,
    /// Of them, failed.
    pub source_failures_today: u32,
    /// The product source's name.
    pub source: String,
    /// Deliveries waiting in the outbox.
    pub outbox_pending: u32,
    /// Deliveries given up on.
    pub outbox_dead: u32,
    /// The monitoring loop's state (quota, freshness lag, breaker), when it runs here.
    pub monitor: Option<MonitorProgress>,
}

/// How recently a user did something.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// Joined in the last 7 days.
    New,
    /// Active in the last 7 days.
    Active,
    /// Last active 7 to 30 days ago.
    Lapsing,
    /// Not active for 30 days or more (or never).
    Dormant,
}

impl Segment {
    /// Every segment, in display order.
    pub const ALL: [Segment; 4] = [Self::New, Self::Active, Self::Lapsing, Self::Dormant];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Active => "active",
            Self::Lapsing => "lapsing",
            Self::Dormant => "dormant",
        }
    }

    /// Parses [`Segment::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn of(facts: &UserFacts, now: DateTime<Utc>) -> Self {
        if now - facts.user.created_at < Duration::days(7) {
            return Self::New;
        }
        match facts.last_active_at.map(|t| now - t) {
            Some(age) if age < Duration::days(7) => Self::Active,
            Some(age) if age < Duration::days(30) => Self::Lapsing,
            _ => Self::Dormant,
        }
    }
}

/// One row of the users table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// The user.
    pub id: UserId,
    /// The name to show (display name, else the identity).
    pub name: String,
    /// How they reach Mandi (`telegram`, `cli`, `api`).
    pub provider: String,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Their watches.
    pub watches: u32,
    /// Their watches that are not paused.
    pub live_watches: u32,
    /// Their latest activity.
    pub last_active_at: Option<DateTime<Utc>>,
    /// Their segment by activity.
    pub segment: Segment,
    /// The categories of the products they watch, most watched first (`Unknown` for a
    /// product never fetched); empty without watches.
    pub categories: Vec<String>,
}

/// The users table: a page of rows, and how many users each segment and each category
/// holds (of every user, whatever the filter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersTable {
    /// The rows of the page.
    pub page: Page<UserRow>,
    /// Users per activity segment, in [`Segment::ALL`] order.
    pub segments: Vec<(Segment, u32)>,
    /// Users per category of the products they watch (a user counts in each of their
    /// categories), most users first.
    pub categories: Vec<(String, u32)>,
}

/// How to order the products table.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    /// By watchers (the default, most watched first when descending).
    #[default]
    Watchers,
    /// By title (products never fetched last).
    Title,
    /// By category.
    Category,
    /// By current price (unknown prices last).
    Price,
    /// By deal score (products without one last).
    DealScore,
}

impl ProductSort {
    /// Parses `watchers`, `title`, `category`, `price`, `deal_score`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "watchers" => Self::Watchers,
            "title" => Self::Title,
            "category" => Self::Category,
            "price" => Self::Price,
            "deal_score" => Self::DealScore,
            _ => return None,
        })
    }

    /// The name [`ProductSort::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Watchers => "watchers",
            Self::Title => "title",
            Self::Category => "category",
            Self::Price => "price",
            Self::DealScore => "deal_score",
        }
    }
}

/// The category of a product: the root of its first browse node.
fn category_of(p: &crate::domain::Product) -> Option<String> {
    p.browse_nodes.first().map(|n| {
        n.ancestors
            .last()
            .map_or_else(|| n.name.clone(), |root| root.name.clone())
    })
}

/// The category shown for a product never fetched (or without browse nodes).
pub const UNKNOWN_CATEGORY: &str = "Unknown";

/// How to order the users table.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    /// By id (join order).
    #[default]
    Id,
    /// By name.
    Name,
    /// By number of watches.
    Watches,
    /// By latest activity.
    LastActive,
}

impl UserSort {
    /// Parses `id`, `name`, `watches`, `last_active`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "id" => Self::Id,
            "name" => Self::Name,
            "watches" => Self::Watches,
            "last_active" => Self::LastActive,
            _ => return None,
        })
    }
}

/// A page of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows.
    pub rows: Vec<T>,
    /// The page number, from 1.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Rows in all pages.
    pub total: u32,
}

impl<T> Page<T> {
    /// How many pages there are (at least 1).
    pub fn pages(&self) -> u32 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

fn paginate<T>(rows: Vec<T>, page: u32, per_page: u32) -> Page<T> {
    let per_page = per_page.clamp(1, 500);
    let total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let pages = total.div_ceil(per_page).max(1);
    let page = page.clamp(1, pages);
    let start = ((page - 1) * per_page) as usize;
    let rows = rows
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .collect();
    Page {
        rows,
        page,
        per_page,
        total,
    }
}

/// A user with their watches and the products' titles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    /// The user's row.
    pub row: UserRow,
    /// Their watches with the product's title when known.
    pub watches: Vec<(Watch, Option<String>)>,
}

/// One row of the products table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Its title when it was fetched.
    pub title: Option<String>,
    /// Its category (the first browse node's root) when known.
    pub category: Option<String>,
    /// Its current buy-box price when known.
    pub price: Option<Money>,
    /// Active watches on it.
    pub watchers: u32,
    /// Its deal score (0–100) when it was fetched.
    pub deal_score: Option<u8>,
}

/// Watched products per category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    /// The category (`Unknown` when never fetched).
    pub category: String,
    /// Watched products in it.
    pub products: u32,
    /// Watches on them.
    pub watchers: u32,
}

/// The admin dashboard's numbers.
#[derive(Debug, Clone)]
pub struct AdminStats {
    catalog: CatalogService,
}

fn ist_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Kolkata).date_naive()
}

fn series(times: impl Iterator<Item = DateTime<Utc>>, now: DateTime<Utc>) -> Vec<DayCount> {
    let today = ist_day(now);
    let first = today - Duration::days(i64::from(SERIES_DAYS) - 1);
    let mut counts: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for t in times {
        let d = ist_day(t);
        if d >= first && d <= today {
            *counts.entry(d).or_default() += 1;
        }
    }
    first
        .iter_days()
        .take(SERIES_DAYS as usize)
        .map(|day| DayCount {
            day,
            count: counts.get(&day).copied().unwrap_or(0),
        })
        .collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl AdminStats {
    /// The statistics over a catalog's store and clock.
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// The overview page's numbers, with the monitoring loop's progress when it runs here.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn overview(&self, monitor: Option<MonitorProgress>) -> Result<Overview, AdminError> {
        let store = self.catalog.store();
        let now = self.catalog.clock().now();
        let since = now - Duration::days(i64::from(SERIES_DAYS) + 1);
        let facts = store.activity_facts(since).await?;
        let active = |days: i64| {
            count(
                facts
                    .users
                    .iter()
                    .filter(|u| {
                        u.last_active_at
                            .is_some_and(|t| now - t < Duration::days(days))
                    })
                    .count(),
            )
        };
        let this_monday = {
            let d = ist_day(now);
            d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
        };
        let cohorts = (0..COHORT_WEEKS)
            .rev()
            .map(|w| {
                let start = this_monday - Duration::weeks(i64::from(w));
                let members: Vec<&UserFacts> = facts
                    .users
                    .iter()
                    .filter(|u| {
                        let d = ist_day(u.user.created_at);
                        d >= start && d < start + Duration::weeks(1)
                    })
                    .collect();
                let active_in = |days: i64| {
                    count(
                        members
                            .iter()
                            .filter(|u| {
                                u.last_active_at
                                    .is_some_and(|t| now - t < Duration::days(days))
                            })
                            .count(),
                    )
                };
                Cohort {
                    week_start: start,
                    size: count(members.len()),
                    active_7d: active_in(7),
                    active_30d: active_in(30),
                }
            })
            .collect();
        let window_start = now - Duration::days(i64::from(SERIES_DAYS));
        let recent_alerts: Vec<_> = facts
            .alerts
            .iter()
            .filter(|a| a.at >= window_start)
            .collect();
        let source = self.catalog.source().name().to_owned();
        let usage = store.api_usage(&source, now.date_naive()).await?;
        Ok(Overview {
            now,
            users_total: count(facts.users.len()),
            active_1d: active(1),
            active_7d: active(7),
            active_30d: active(30),
            cohorts,
            watches_total: facts.users.iter().map(|u| u.watches).sum(),
            watches_per_day: series(facts.watches_created.iter().copied(), now),
            alerts_per_day: series(facts.alerts.iter().map(|a| a.at), now),
            alerts_fired: count(recent_alerts.len()),
            alerts_sent: count(recent_alerts.iter().filter(|a| a.sent).count()),
            click_through_bps: None,
            source_calls_today: usage.calls,
            source_failures_today: usage.failed,
            source,
            outbox_pending: facts.outbox_pending,
            outbox_dead: facts.outbox_dead,
            monitor,
        })
    }

    fn row(facts: UserFacts, now: DateTime<Utc>, categories: Vec<String>) -> UserRow {
        let segment = Segment::of(&facts, now);
        UserRow {
            id: facts.user.id,
            name: facts
                .user
                .display_name
                .clone()
                .unwrap_or_else(|| facts.user.identity.subject.clone()),
            provider: facts.user.identity.provider.clone(),
            joined_at: facts.user.created_at,
            watches: facts.watches,
            live_watches: facts.live_watches,
            last_active_at: facts.last_active_at,
            segment,
            categories,
        }
    }

    /// The categories of each user's watched products, most watched first.
    async fn user_categories(
        &self,
        users: &[UserId],
    ) -> Result<HashMap<UserId, Vec<String>>, AdminError> {
        let store = self.catalog.store();
        let mut targets: HashMap<UserId, Vec<(Marketplace, Asin)>> = HashMap::new();
        let mut wanted: BTreeMap<Marketplace, std::collections::BTreeSet<Asin>> = BTreeMap::new();
        for &u in users {
            let list = store.list_watches(u).await?;
            let t: Vec<(Marketplace, Asin)> = list
                .iter()
                .map(|w| (w.target.marketplace(), w.target.asin()))
                .collect();
            for (m, a) in &t {
                wanted.entry(*m).or_default().insert(*a);
            }
            targets.insert(u, t);
        }
        let mut category: HashMap<(Marketplace, Asin), String> = HashMap::new();
        for (m, asins) in wanted {
            let asins: Vec<Asin> = asins.into_iter().collect();
            for chunk in asins.chunks(500) {
                for p in store.get_products(m, chunk).await? {
                    if let Some(c) = category_of(&p) {
                        category.insert((m, p.asin), c);
                    }
                }
            }
        }
        Ok(targets
            .into_iter()
            .map(|(u, t)| {
                let mut counts: BTreeMap<String, u32> = BTreeMap::new();
                for key in t {
                    let c = category
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| UNKNOWN_CATEGORY.to_owned());
                    *counts.entry(c).or_default() += 1;
                }
                let mut list: Vec<(String, u32)> = counts.into_iter().collect();
                list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                (u, list.into_iter().map(|(c, _)| c).collect())
            })
            .collect())
    }

    /// Users, optionally only those of one activity segment and/or one category of watched
    /// products, sorted and paged; with how many users each segment and category holds.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn users(
        &self,
        segment: Option<Segment>,
        category: Option<&str>,
        sort: UserSort,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<UsersTable, AdminError> {
        let now = self.catalog.clock().now();
        let facts = self.catalog.store().activity_facts(now).await?;
        let ids: Vec<UserId> = facts.users.iter().map(|f| f.user.id).collect();
        let mut cats = self.user_categories(&ids).await?;
        let rows: Vec<UserRow> = facts
            .users
            .into_iter()
            .map(|f| {
                let c = cats.remove(&f.user.id).unwrap_or_default();
                Self::row(f, now, c)
            })
            .collect();
        let segments = Segment::ALL
            .into_iter()
            .map(|s| (s, count(rows.iter().filter(|r| r.segment == s).count())))
            .collect();
        let mut by_category: BTreeMap<String, u32> = BTreeMap::new();
        for r in &rows {
            for c in &r.categories {
                *by_category.entry(c.clone()).or_default() += 1;
            }
        }
        let mut categories: Vec<(String, u32)> = by_category.into_iter().collect();
        categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut rows: Vec<UserRow> = rows
            .into_iter()
            .filter(|r| segment.is_none_or(|s| r.segment == s))
            .filter(|r| category.is_none_or(|c| r.categories.iter().any(|x| x == c)))
            .collect();
        match sort {
            UserSort::Id => rows.sort_by_key(|r| r.id),
            UserSort::Name => rows.sort_by(|a, b| {
                a.name
                    .to_lowercase()
                    .cmp(&b.name.to_lowercase())
                    .then(a.id.cmp(&b.id))
            }),
            UserSort::Watches => rows.sort_by_key(|r| (r.watches, r.id)),
            UserSort::LastActive => rows.sort_by_key(|r| (r.last_active_at, r.id)),
        }
        if descending {
            rows.reverse();
        }
        Ok(UsersTable {
            page: paginate(rows, page, per_page),
            segments,
            categories,
        })
    }

    /// One user with their watches.
    ///
    /// # Errors
    ///
    /// [`AdminError::NotFound`], or the store failed.
    pub async fn user(&self, id: UserId) -> Result<UserDetail, AdminError> {
        let store = self.catalog.store();
        let now = self.catalog.clock().now();
        let facts = store.activity_facts(now).await?;
        let f = facts
            .users
            .into_iter()
            .find(|u| u.user.id == id)
            .ok_or_else(|| AdminError::NotFound(format!("user {id}")))?;
        let categories = self
            .user_categories(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let mut watches = Vec::new();
        for w in store.list_watches(id).await? {
            let title = store
                .get_product(w.target.marketplace(), w.target.asin())
                .await?
                .map(|p| p.title);
            watches.push((w, title));
        }
        Ok(UserDetail {
            row: Self::row(f, now, categories),
            watches,
        })
    }

    /// The watched products sorted by `sort` and paged, with their categories and deal
    /// scores; and the watched products per category (most watched first).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn products(
        &self,
        sort: ProductSort,
        descending: bool,
        page: u32,
        per_page: u32,
    ) -> Result<(Page<ProductRow>, Vec<CategoryCount>), AdminError> {
        let store = self.catalog.store();
        let watched = store.watched_products().await?;
        let mut by_market: BTreeMap<Marketplace, Vec<Asin>> = BTreeMap::new();
        for w in &watched {
            by_market.entry(w.marketplace).or_default().push(w.asin);
        }
        let mut products: HashMap<(Marketplace, Asin), crate::domain::Product> = HashMap::new();
        for (m, asins) in by_market {
            for chunk in asins.chunks(500) {
                for p in store.get_products(m, chunk).await? {
                    products.insert((m, p.asin), p);
                }
            }
        }
        let mut categories: HashMap<String, (u32, u32)> = HashMap::new();
        let mut rows = Vec::with_capacity(watched.len());
        for w in watched {
            let product = products.get(&(w.marketplace, w.asin));
            let category = product.and_then(category_of);
            let entry = categories
                .entry(
                    category
                        .clone()
                        .unwrap_or_else(|| UNKNOWN_CATEGORY.to_owned()),
                )
                .or_default();
            entry.0 += 1;
            entry.1 += w.watchers;
            rows.push(ProductRow {
                marketplace: w.marketplace,
                asin: w.asin,
                title: product.map(|p| p.title.clone()),
                category,
                price: product.and_then(|p| p.price()),
                watchers: w.watchers,
                deal_score: None,
            });
        }
        if sort == ProductSort::DealScore {
            // Sorting by score needs every product's score, not only the page's.
            self.score(&mut rows).await?;
        }
        // Rows without the sorted value go last in either direction.
        let key = |r: &ProductRow| (r.marketplace, r.asin);
        match sort {
            ProductSort::Watchers => rows.sort_by(|a, b| {
                let o = a.watchers.cmp(&b.watchers);
                (if descending { o.reverse() } else { o }).then(key(a).cmp(&key(b)))
            }),
            ProductSort::Title => sort_missing_last(&mut rows, descending, |r| {
                r.title.as_ref().map(|t| t.to_lowercase())
            }),
            ProductSort::Category => sort_missing_last(&mut rows, descending, |r| {
                r.category.as_ref().map(|c| c.to_lowercase())
            }),
            ProductSort::Price => sort_missing_last(&mut rows, descending, |r| {
                r.price.map(|p| (p.currency().to_string(), p.minor()))
            }),
            ProductSort::DealScore => sort_missing_last(&mut rows, descending, |r| r.deal_score),
        }
        let mut page = paginate(rows, page, per_page);
        if sort != ProductSort::DealScore {
            self.score(&mut page.rows).await?;
        }
        let mut categories: Vec<CategoryCount> = categories
            .into_iter()
            .map(|(category, (products, watchers))| CategoryCount {
                category,
                products,
                watchers,
            })
            .collect();
        categories.sort_by(|a, b| {
            b.watchers
                .cmp(&a.watchers)
                .then(a.category.cmp(&b.category))
        });
        Ok((page, categories))
    }

    async fn score(&self, rows: &mut [ProductRow]) -> Result<(), AdminError> {
        for row in rows {
            let report = self
                .catalog
                .history(row.marketplace, row.asin, false)
                .await?;
            row.deal_score = report.score.map(|s| s.score);
        }
        Ok(())
    }
}

/// Sorts by `value` ascending or descending, rows without one last, ties by product.
fn sort_missing_last<K: Ord>(
    rows: &mut [ProductRow],
    descending: bool,
    value: impl Fn(&ProductRow) -> Option<K>,
) {
    rows.sort_by(|a, b| {
        let o = match (value(a), value(b)) {
            (Some(x), Some(y)) => {
                if descending {
                    y.cmp(&x)
                } else {
                    x.cmp(&y)
                }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        o.then((a.marketplace, a.asin).cmp(&(b.marketplace, b.asin)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_lists_every_day_in_ist() {
        let now: DateTime<Utc> = "2026-03-10T20:00:00Z".parse().expect("t");
        // 20:00 UTC is 01:30 IST the next day; 17:00 UTC is 22:30 IST the same day.
        let s = series(
            [now, now - Duration::hours(3), now - Duration::days(40)].into_iter(),
            now,
        );
        assert_eq!(s.len(), SERIES_DAYS as usize);
        let last = s.last().expect("last");
        assert_eq!(last.day, "2026-03-11".parse::<NaiveDate>().expect("d"));
        assert_eq!(last.count, 1);
        assert_eq!(s[s.len() - 2].count, 1);
        assert_eq!(s.iter().map(|d| d.count).sum::<u32>(), 2);
    }

    #[test]
    fn rows_without_the_sorted_value_go_last_both_ways() {
        let row = |asin: &str, price: Option<i64>| ProductRow {
            marketplace: Marketplace::India,
            asin: asin.parse().expect("asin"),
            title: None,
            category: None,
            price: price.map(|p| Money::from_minor(p, crate::domain::Currency::INR)),
            watchers: 1,
            deal_score: None,
        };
        let mut rows = vec![
            row("B000000001", None),
            row("B000000002", Some(300)),
            row("B000000003", Some(100)),
            row("B000000004", Some(200)),
        ];
        let price = |r: &ProductRow| r.price.map(|p| p.minor());
        sort_missing_last(&mut rows, false, price);
        let got: Vec<_> = rows.iter().map(price).collect();
        assert_eq!(got, [Some(100), Some(200), Some(300), None]);
        sort_missing_last(&mut rows, true, price);
        let got: Vec<_> = rows.iter().map(price).collect();
        assert_eq!(got, [Some(300), Some(200), Some(100), None]);
        assert_eq!(
            ProductSort::parse("deal_score"),
            Some(ProductSort::DealScore)
        );
        assert_eq!(
            ProductSort::parse(ProductSort::Price.as_str()),
            Some(ProductSort::Price)
        );
        assert_eq!(ProductSort::parse("nope"), None);
    }

    #[test]
    fn pages_are_clamped() {
        let p = paginate((0..45).collect::<Vec<_>>(), 9, 20);
        assert_eq!((p.page, p.pages(), p.rows.len()), (3, 3, 5));
        let p = paginate(Vec::<u8>::new(), 0, 20);
        assert_eq!((p.page, p.pages(), p.total), (1, 1, 0));
    }
}
