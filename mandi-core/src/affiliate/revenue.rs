//! What affiliate links earn: the funnel search → card → click → order with the drop-off
//! at each step, revenue by category, top products and the value of each user, from the
//! stored Buy links, clicks and imported Associates reports.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::AffiliateError;
use crate::domain::{AffiliateOrder, Asin, ClickSource, Currency, Money, ReportKind, UserId};
use crate::ports::store::Store;

/// The most searches read for the funnel's first step.
pub const MAX_SEARCHES: usize = 1_000_000;

/// One step of a funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// `search`, `card`, `click` or `order`.
    pub step: String,
    /// How many reached it.
    pub count: u64,
    /// This step's count over the previous step's, in basis points (may pass 10,000
    /// where one search shows several cards); `None` for the first step or after an
    /// empty one.
    pub conversion_bps: Option<u64>,
    /// The share of the previous step that did not reach this one, in basis points
    /// (`10,000 - conversion`, never below zero).
    pub drop_off_bps: Option<u64>,
}

/// Revenue of one category in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRevenue {
    /// Amazon's category.
    pub category: String,
    /// Items shipped less items returned.
    pub items: i64,
    /// Sales credited.
    pub sales: Money,
    /// Advertising fees earned: what Mandi makes.
    pub fees: Money,
}

/// Revenue of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRevenue {
    /// The product.
    pub asin: Asin,
    /// Its title in the report.
    pub title: String,
    /// Items shipped less items returned.
    pub items: i64,
    /// Advertising fees earned.
    pub fees: Money,
}

/// What one user's clicks earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserValue {
    /// The user.
    pub user_id: UserId,
    /// Buy links followed.
    pub clicks: u64,
    /// Items shipped less returned, attributed to the user's clicks.
    pub items: i64,
    /// Advertising fees earned from them.
    pub fees: Money,
}

/// The revenue report of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueReport {
    /// The period's start (inclusive).
    pub since: DateTime<Utc>,
    /// The period's end (exclusive).
    pub until: DateTime<Utc>,
    /// Searches → cards shown from searches → those followed → those ordered.
    pub search_funnel: Vec<FunnelStep>,
    /// Cards of every source (alerts, searches, cards) → followed → ordered.
    pub link_funnel: Vec<FunnelStep>,
    /// Categories by fees, highest first.
    pub categories: Vec<CategoryRevenue>,
    /// Products by fees, highest first, at most `top`.
    pub top_products: Vec<ProductRevenue>,
    /// Users by fees, highest first, at most `top`.
    pub users: Vec<UserValue>,
}

/// Builds the revenue report (the library side of `mandi revenue` and the dashboard's
/// revenue page).
#[derive(Clone)]
pub struct RevenueService {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for RevenueService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevenueService").finish_non_exhaustive()
    }
}

fn funnel(steps: &[(&str, u64)]) -> Vec<FunnelStep> {
    let mut out: Vec<FunnelStep> = Vec::new();
    for (step, count) in steps {
        let prev = out.last().map(|s| s.count);
        let conversion_bps = match prev {
            Some(p) if p > 0 => Some(count.saturating_mul(10_000) / p),
            _ => None,
        };
        out.push(FunnelStep {
            step: (*step).to_owned(),
            count: *count,
            conversion_bps,
            drop_off_bps: conversion_bps.map(|c| 10_000u64.saturating_sub(c)),
        });
    }
    out
}

fn add(a: Money, b: Money) -> Result<Money, AffiliateError> {
    a.checked_add(b)
        .map_err(|e| AffiliateError::Arithmetic(e.to_string()))
}

/// Items kept: shipped less returned.
fn kept(o: &AffiliateOrder) -> i64 {
    i64::from(o.quantity) - i64::from(o.returns)
}

impl RevenueService {
    /// The service over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The report of `[since, until)`, with at most `top` products and users. Searches
    /// are counted from the latest [`MAX_SEARCHES`]; orders and earnings by their report
    /// day (UTC) within the period.
    ///
    /// # Errors
    ///
    /// The store's failure, or a sum too large to hold.
    pub async fn report(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        top: usize,
    ) -> Result<RevenueReport, AffiliateError> {
        let searches = self
            .store
            .recent_searches(None, MAX_SEARCHES)
            .await?
            .iter()
            .filter(|s| s.at >= since && s.at < until)
            .count() as u64;
        let targets = self.store.click_targets_between(since, until).await?;
        let clicks = self.store.affiliate_clicks(since, until).await?;
        let (first_day, end_day) = (since.date_naive(), until.date_naive().succ_opt());
        let rows = self
            .store
            .affiliate_orders(first_day, end_day.unwrap_or(NaiveDate::MAX))
            .await?;
        let clicked: BTreeSet<_> = clicks.iter().map(|c| c.target_id).collect();
        let ordered: BTreeSet<_> = rows
            .iter()
            .filter(|o| o.kind == ReportKind::Orders)
            .filter_map(|o| o.click_target)
            .collect();
        let stages = |from_search: bool| {
            let shown: Vec<_> = targets
                .iter()
                .filter(|t| !from_search || matches!(t.source, ClickSource::Search { .. }))
                .collect();
            let followed = shown.iter().filter(|t| clicked.contains(&t.id)).count() as u64;
            let bought = shown
                .iter()
                .filter(|t| clicked.contains(&t.id) && ordered.contains(&t.id))
                .count() as u64;
            (shown.len() as u64, followed, bought)
        };
        let (s_cards, s_clicks, s_orders) = stages(true);
        let (cards, followed, bought) = stages(false);

        let earnings: Vec<&AffiliateOrder> = rows
            .iter()
            .filter(|o| o.kind == ReportKind::Earnings)
            .collect();
        let mut categories: BTreeMap<(String, Currency), CategoryRevenue> = BTreeMap::new();
        let mut products: BTreeMap<(Asin, Currency), ProductRevenue> = BTreeMap::new();
        let mut users: HashMap<UserId, UserValue> = HashMap::new();
        for o in &earnings {
            let c = o.fees.currency();
            let cat = categories
                .entry((o.category.clone(), c))
                .or_insert_with(|| CategoryRevenue {
                    category: o.category.clone(),
                    items: 0,
                    sales: Money::zero(c),
                    fees: Money::zero(c),
                });
            cat.items += kept(o);
            cat.sales = add(cat.sales, o.revenue)?;
            cat.fees = add(cat.fees, o.fees)?;
            let p = products
                .entry((o.asin, c))
                .or_insert_with(|| ProductRevenue {
                    asin: o.asin,
                    title: o.title.clone(),
                    items: 0,
                    fees: Money::zero(c),
                });
            p.items += kept(o);
            p.fees = add(p.fees, o.fees)?;
            if let Some(u) = o.user_id {
                let v = users.entry(u).or_insert_with(|| UserValue {
                    user_id: u,
                    clicks: 0,
                    items: 0,
                    fees: Money::zero(c),
                });
                v.items += kept(o);
                v.fees = add(v.fees, o.fees)?;
            }
        }
        for c in &clicks {
            if let Some(v) = users.get_mut(&c.user_id) {
                v.clicks += 1;
            }
        }
        let by_fees = |a: &Money, b: &Money| b.minor().cmp(&a.minor());
        let mut categories: Vec<_> = categories.into_values().collect();
        categories.sort_by(|a, b| by_fees(&a.fees, &b.fees).then(a.category.cmp(&b.category)));
        let mut top_products: Vec<_> = products.into_values().collect();
        top_products
            .sort_by(|a, b| by_fees(&a.fees, &b.fees).then(a.asin.as_str().cmp(b.asin.as_str())));
        top_products.truncate(top);
        let mut users: Vec<_> = users.into_values().collect();
        users.sort_by(|a, b| by_fees(&a.fees, &b.fees).then(a.user_id.cmp(&b.user_id)));
        users.truncate(top);
        Ok(RevenueReport {
            since,
            until,
            search_funnel: funnel(&[
                ("search", searches),
                ("card", s_cards),
                ("click", s_clicks),
                ("order", s_orders),
            ]),
            link_funnel: funnel(&[("card", cards), ("click", followed), ("order", bought)]),
            categories,
            top_products,
            users,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::affiliate::reports::tests_support::{EARNINGS_TSV, ORDERS_CSV};
    use crate::affiliate::{AffiliateConfig, AffiliateService, BuyLink};
    use crate::domain::{AlertId, ExternalIdentity, Marketplace, NewUser, UserSettings};
    use crate::links::AssociateTag;
    use crate::ports::clock::{Clock, ManualClock};
    use crate::ports::store::SearchLog;
    use crate::store::MemoryStore;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    async fn user(store: &Arc<dyn Store>, subject: &str) -> UserId {
        let new = NewUser {
            identity: ExternalIdentity::new("telegram", subject),
            display_name: None,
            settings: UserSettings::default(),
        };
        store
            .upsert_user(&new, at("2026-11-01T00:00:00Z"))
            .await
            .expect("user")
            .id
    }

    fn token(link: &BuyLink) -> &str {
        link.url.rsplit('/').next().expect("token")
    }

    fn inr(minor: i64) -> Money {
        Money::from_minor(minor, Currency::INR)
    }

    #[tokio::test]
    async fn the_report_follows_searches_to_orders_and_fees() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let clock = ManualClock::new(at("2026-12-02T04:33:20Z"));
        let config = AffiliateConfig::new("https://mandi.example")
            .expect("config")
            .with_tag(
                Marketplace::India,
                AssociateTag::parse("mandi-21").expect("tag"),
            );
        let links = AffiliateService::new(store.clone(), Arc::new(clock.clone()), config);
        let (asha, ravi, meera) = (
            user(&store, "asha").await,
            user(&store, "ravi").await,
            user(&store, "meera").await,
        );
        let phone: Asin = "B0CX59H5W7".parse().expect("asin");
        let mouse: Asin = "B09HMKFDXC".parse().expect("asin");
        for u in [asha, asha, ravi, ravi] {
            store
                .record_search(&SearchLog {
                    user_id: Some(u),
                    marketplace: Marketplace::India,
                    query: "phone".to_owned(),
                    result_count: 5,
                    at: clock.now(),
                })
                .await
                .expect("search");
        }
        let search = || ClickSource::Search {
            query: "phone".to_owned(),
        };
        let asha_phone = links
            .buy_link(asha, search(), Marketplace::India, phone)
            .await
            .expect("link");
        links.follow(token(&asha_phone)).await.expect("click");
        links
            .buy_link(meera, search(), Marketplace::India, phone)
            .await
            .expect("shown, never followed");
        links
            .buy_link(
                asha,
                ClickSource::Alert {
                    alert_id: AlertId(3),
                },
                Marketplace::India,
                mouse,
            )
            .await
            .expect("alert link, never followed");
        clock.set(at("2026-12-03T11:06:40Z"));
        let ravi_mouse = links
            .buy_link(ravi, search(), Marketplace::India, mouse)
            .await
            .expect("link");
        links.follow(token(&ravi_mouse)).await.expect("click");
        links
            .import_report(ORDERS_CSV, Marketplace::India)
            .await
            .expect("orders");
        links
            .import_report(EARNINGS_TSV, Marketplace::India)
            .await
            .expect("earnings");

        let since = at("2026-12-01T00:00:00Z");
        let report = RevenueService::new(store.clone())
            .report(since, since + TimeDelta::days(7), 10)
            .await
            .expect("report");
        let steps = |f: &[FunnelStep]| {
            f.iter()
                .map(|s| (s.step.clone(), s.count, s.conversion_bps, s.drop_off_bps))
                .collect::<Vec<_>>()
        };
        let s = |x: &str| x.to_owned();
        assert_eq!(
            steps(&report.search_funnel),
            vec![
                (s("search"), 4, None, None),
                (s("card"), 3, Some(7_500), Some(2_500)),
                (s("click"), 2, Some(6_666), Some(3_334)),
                (s("order"), 2, Some(10_000), Some(0)),
            ]
        );
        assert_eq!(
            steps(&report.link_funnel),
            vec![
                (s("card"), 4, None, None),
                (s("click"), 2, Some(5_000), Some(5_000)),
                (s("order"), 2, Some(10_000), Some(0)),
            ]
        );
        assert_eq!(
            report.categories,
            vec![
                CategoryRevenue {
                    category: s("Computers & Accessories"),
                    items: 1,
                    sales: inr(849_500),
                    fees: inr(29_733),
                },
                CategoryRevenue {
                    category: s("Cell Phones & Accessories"),
                    items: 1,
                    sales: inr(1_799_900),
                    fees: inr(17_999),
                },
            ]
        );
        let top: Vec<(Asin, i64)> = report
            .top_products
            .iter()
            .map(|p| (p.asin, p.fees.minor()))
            .collect();
        assert_eq!(top, vec![(mouse, 29_733), (phone, 17_999)]);
        assert_eq!(
            report.users,
            vec![
                UserValue {
                    user_id: ravi,
                    clicks: 1,
                    items: 1,
                    fees: inr(29_733),
                },
                UserValue {
                    user_id: asha,
                    clicks: 1,
                    items: 1,
                    fees: inr(17_999),
                },
            ]
        );
        // An empty period: zero counts and no conversion to divide by.
        let empty = RevenueService::new(store)
            .report(since - TimeDelta::days(30), since - TimeDelta::days(20), 10)
            .await
            .expect("empty");
        assert!(empty.search_funnel.iter().all(|s| s.count == 0));
        assert!(empty.search_funnel.iter().all(|s| s.drop_off_bps.is_none()));
        assert!(empty.categories.is_empty() && empty.users.is_empty());
    }
}
