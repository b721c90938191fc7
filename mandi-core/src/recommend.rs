//! A user's profile and recommendations (`mandi recommend`, the bot's `/foryou`).
//!
//! The profile is learnt from what the user does: the products they watch (weight 3), the
//! products they opened (weight 1, the last 90 days) and the words of their searches (brands
//! named count once each). It holds their preferred categories and brands, the band of
//! prices they look at (the 10th to 90th percentile of those products' prices) and their
//! price sensitivity: how far below the price at the time they set their targets (the
//! median, from target-price and drop-from-baseline rules).
//!
//! Recommendations come from two sources, each with its reason in words:
//! * content-based: good deals (by deal score) among the saved products of the preferred
//!   categories, ranked by deal score and how well they fit the profile (category weight,
//!   a preferred brand, a price within the band);
//! * co-watch: products that users who watch one of theirs also watch ("3 users who watch
//!   X also watch this").
//!
//! Products the user already watches are never recommended.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, Median, OrderStatistics};

use crate::catalog::{CatalogError, CatalogService};
use crate::domain::{AlertRule, Asin, Marketplace, Money, Product, User, WatchState};
use crate::insights;
use crate::ports::DealScore;

/// Weight of a watched product in the profile.
const WATCH_WEIGHT: f64 = 3.0;
/// Weight of an opened product.
const CLICK_WEIGHT: f64 = 1.0;
/// Days of clicks and searches the profile looks at.
const PROFILE_DAYS: i64 = 90;
/// Candidates read per preferred category.
const CANDIDATES_PER_CATEGORY: usize = 60;
/// Preferred categories looked into.
const TOP_CATEGORIES: usize = 5;

/// A weighted preference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preference {
    /// A browse node id (categories) or the brand's name (brands).
    pub key: String,
    /// What a person reads.
    pub name: String,
    /// Share of the profile's weight, 0–1.
    pub weight: f64,
}

/// What the profile is learnt from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProfileSignals {
    /// Watches.
    pub watches: usize,
    /// Product clicks in the last 90 days.
    pub clicks: usize,
    /// Searches in the last 90 days.
    pub searches: usize,
}

/// A user's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The marketplace most of their products are in.
    pub marketplace: Marketplace,
    /// Preferred categories, strongest first.
    pub categories: Vec<Preference>,
    /// Preferred brands, strongest first.
    pub brands: Vec<Preference>,
    /// The band of prices they look at (10th and 90th percentile), when known.
    pub price_band: Option<(Money, Money)>,
    /// How far below the price at the time they set their targets, in basis points (the
    /// median), when any rule says.
    pub price_sensitivity_bps: Option<u32>,
    /// What it was learnt from.
    pub signals: ProfileSignals,
}

/// Where a recommendation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationSource {
    /// A good deal that fits the profile.
    Profile,
    /// Watched by users who watch what the user watches.
    CoWatch,
}

/// One recommended product with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product.
    pub asin: Asin,
    /// Its title, when saved.
    pub title: Option<String>,
    /// The price now, when known.
    pub price: Option<Money>,
    /// Its deal score, when it has one.
    pub score: Option<DealScore>,
    /// Where it comes from.
    pub source: RecommendationSource,
    /// Why, in words.
    pub reason: String,
}

fn buy_box_price(p: &Product) -> Option<Money> {
    p.offers
        .iter()
        .find(|o| o.is_buy_box_winner)
        .or_else(|| p.offers.first())
        .and_then(|o| o.price)
}

fn normalise(weights: BTreeMap<String, (String, f64)>) -> Vec<Preference> {
    let total: f64 = weights.values().map(|(_, w)| *w).sum();
    let mut out: Vec<Preference> = weights
        .into_iter()
        .map(|(key, (name, w))| Preference {
            key,
            name,
            weight: if total > 0.0 { w / total } else { 0.0 },
        })
        .collect();
    out.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.name.cmp(&b.name)));
    out
}

/// The profile from its raw facts: the products watched and opened (with their weights),
/// the search texts and the watches' price sensitivities (basis points).
pub fn build_profile(
    marketplace: Marketplace,
    products: &[(&Product, f64)],
    searches: &[String],
    sensitivities: &[u32],
    signals: ProfileSignals,
) -> UserProfile {
    let mut categories: BTreeMap<String, (String, f64)> = BTreeMap::new();
    let mut brands: BTreeMap<String, (String, f64)> = BTreeMap::new();
    let mut prices: Vec<f64> = Vec::new();
    let mut currency = None;
    for (p, w) in products {
        if let Some(node) = p.browse_nodes.first() {
            categories
                .entry(node.id.clone())
                .or_insert_with(|| (node.name.clone(), 0.0))
                .1 += w;
        }
        if let Some(brand) = p.brand.as_ref().filter(|b| !b.trim().is_empty()) {
            brands
                .entry(brand.to_lowercase())
                .or_insert_with(|| (brand.clone(), 0.0))
                .1 += w;
        }
        if let Some(price) = buy_box_price(p)
            && currency.is_none_or(|c| c == price.currency())
        {
            currency = Some(price.currency());
            prices.push(price.minor() as f64);
        }
    }
    // Brands named in searches (among those already known from products).
    for query in searches {
        let q = query.to_lowercase();
        for (key, (_, w)) in brands.iter_mut() {
            if q.split(|c: char| !c.is_alphanumeric())
                .any(|word| word == key)
            {
                *w += CLICK_WEIGHT;
            }
        }
    }
    let price_band = currency.filter(|_| !prices.is_empty()).map(|c| {
        let mut data = Data::new(prices.clone());
        let mut at = |q: f64| Money::from_minor(data.quantile(q).round() as i64, c);
        (at(0.1), at(0.9))
    });
    let price_sensitivity_bps = (!sensitivities.is_empty()).then(|| {
        Data::new(
            sensitivities
                .iter()
                .map(|s| f64::from(*s))
                .collect::<Vec<_>>(),
        )
        .median()
        .round() as u32
    });
    UserProfile {
        marketplace,
        categories: normalise(categories),
        brands: normalise(brands),
        price_band,
        price_sensitivity_bps,
        signals,
    }
}

/// Profiles and recommendations over the catalog's store.
#[derive(Debug, Clone)]
pub struct RecommendService {
    catalog: CatalogService,
}

impl RecommendService {
    /// The service over a catalog (its store, clock and scorer).
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// Records that a user opened a product (front-ends call this when a user follows a
    /// product link they were shown), for the profile.
    ///
    /// # Errors
    ///
    /// The store failed, or the user is unknown.
    pub async fn record_click(
        &self,
        user: &User,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<(), CatalogError> {
        let click = crate::ports::ProductClick {
            user_id: user.id,
            marketplace,
            asin,
            at: self.catalog.clock().now(),
        };
        Ok(self.catalog.store().record_click(&click).await?)
    }

    /// A user's profile from their watches, clicks and searches.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn profile(&self, user: &User) -> Result<UserProfile, CatalogError> {
        let store = self.catalog.store();
        let now = self.catalog.clock().now();
        let since = now - Duration::days(PROFILE_DAYS);
        let watches = store.list_watches(user.id).await?;
        let clicks = store.clicks(user.id, since, 500).await?;
        let searches: Vec<String> = store
            .recent_searches(Some(user.id), 200)
            .await?
            .into_iter()
            .filter(|s| s.at >= since)
            .map(|s| s.query)
            .collect();
        let marketplace = watches
            .first()
            .map(|w| w.target.marketplace())
            .or_else(|| clicks.first().map(|c| c.marketplace))
            .unwrap_or(user.settings.marketplace);
        let mut weights: BTreeMap<Asin, f64> = BTreeMap::new();
        for w in watches
            .iter()
            .filter(|w| w.target.marketplace() == marketplace)
        {
            *weights.entry(w.target.asin()).or_default() += WATCH_WEIGHT;
        }
        for c in clicks.iter().filter(|c| c.marketplace == marketplace) {
            *weights.entry(c.asin).or_default() += CLICK_WEIGHT;
        }
        let asins: Vec<Asin> = weights.keys().copied().collect();
        let products = store.get_products(marketplace, &asins).await?;
        let weighted: Vec<(&Product, f64)> = products
            .iter()
            .map(|p| (p, weights.get(&p.asin).copied().unwrap_or(0.0)))
            .collect();
        let sensitivities: Vec<u32> = watches
            .iter()
            .flat_map(|w| {
                w.rules.iter().filter_map(move |r| match r {
                    AlertRule::TargetPrice { at_or_below } => w
                        .baseline_price
                        .and_then(|b| at_or_below.discount_bps(b))
                        .filter(|d| *d > 0)
                        .and_then(|d| u32::try_from(d).ok()),
                    AlertRule::DropFromBaseline { bps } => Some(*bps),
                    _ => None,
                })
            })
            .collect();
        Ok(build_profile(
            marketplace,
            &weighted,
            &searches,
            &sensitivities,
            ProfileSignals {
                watches: watches.len(),
                clicks: clicks.len(),
                searches: searches.len(),
            },
        ))
    }

    /// Up to `limit` recommendations for a user: co-watched products first when they are
    /// good deals or unscored, then the content-based deals, each product once, never one
    /// the user watches.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn recommend(
        &self,
        user: &User,
        limit: usize,
    ) -> Result<(UserProfile, Vec<Recommendation>), CatalogError> {
        let profile = self.profile(user).await?;
        let store = self.catalog.store();
        let m = profile.marketplace;
        let watches = store.list_watches(user.id).await?;
        let watched: HashSet<Asin> = watches.iter().map(|w| w.target.asin()).collect();
        let active: Vec<Asin> = watches
            .iter()
            .filter(|w| w.state == WatchState::Active && w.target.marketplace() == m)
            .map(|w| w.target.asin())
            .take(20)
            .collect();

        // Co-watch: per watched product, the products its other watchers watch.
        let mut co: BTreeMap<Asin, (u32, Asin)> = BTreeMap::new();
        for a in &active {
            for c in store.co_watched(m, &[*a], 10).await? {
                if watched.contains(&c.asin) {
                    continue;
                }
                let e = co.entry(c.asin).or_insert((0, *a));
                if c.users > e.0 {
                    *e = (c.users, *a);
                }
            }
        }
        // Content: saved products of the preferred categories.
        let top: Vec<String> = profile
            .categories
            .iter()
            .take(TOP_CATEGORIES)
            .map(|c| c.key.clone())
            .collect();
        let mut content: Vec<Asin> = Vec::new();
        for node in &top {
            for a in store
                .products_in_nodes(m, std::slice::from_ref(node), CANDIDATES_PER_CATEGORY)
                .await?
            {
                if !watched.contains(&a) && !content.contains(&a) {
                    content.push(a);
                }
            }
        }
        let mut targets: Vec<(Marketplace, Asin)> = co.keys().map(|a| (m, *a)).collect();
        targets.extend(
            content
                .iter()
                .filter(|a| !co.contains_key(a))
                .map(|a| (m, *a)),
        );
        let mut names: BTreeMap<Asin, String> = BTreeMap::new();
        for p in store.get_products(m, &active).await? {
            names.insert(p.asin, p.title);
        }
        let reports = insights::reports(&self.catalog, &targets).await?;

        let mut ranked: Vec<(f64, Recommendation)> = Vec::new();
        for r in reports {
            let price = r.summary.current.as_ref().map(|c| c.price);
            let title = r.product.as_ref().map(|p| p.title.clone());
            let score = r.score.clone();
            if let Some((users, via)) = co.get(&r.asin) {
                let via_name = names
                    .get(via)
                    .map_or_else(|| via.to_string(), |t| t.chars().take(50).collect());
                let mut reason = format!(
                    "{users} user{} who watch{} {via_name} also watch{} this",
                    if *users == 1 { "" } else { "s" },
                    if *users == 1 { "es" } else { "" },
                    if *users == 1 { "es" } else { "" },
                );
                if let Some(s) = &score {
                    reason.push_str(&format!("; deal score {}", s.score));
                }
                let rank = 1_000.0
                    + f64::from(*users) * 10.0
                    + score.as_ref().map_or(0.0, |s| f64::from(s.score) / 10.0);
                ranked.push((
                    rank,
                    Recommendation {
                        marketplace: m,
                        asin: r.asin,
                        title,
                        price,
                        score,
                        source: RecommendationSource::CoWatch,
                        reason,
                    },
                ));
                continue;
            }
            let Some(s) = score else {
                continue;
            };
            let product = r.product.as_ref();
            let category = product
                .and_then(|p| p.browse_nodes.first())
                .and_then(|n| profile.categories.iter().find(|c| c.key == n.id));
            let Some(category) = category else {
                continue;
            };
            let brand = product
                .and_then(|p| p.brand.as_ref())
                .and_then(|b| profile.brands.iter().find(|x| x.key == b.to_lowercase()));
            let in_band = match (price, profile.price_band) {
                (Some(p), Some((lo, hi))) if p.currency() == lo.currency() => {
                    // Half the band's width either side still fits.
                    let slack = (hi.minor() - lo.minor()) / 2;
                    Some(p.minor() >= lo.minor() - slack && p.minor() <= hi.minor() + slack)
                }
                _ => None,
            };
            if in_band == Some(false) {
                continue;
            }
            let mut reason = format!(
                "deal score {} in {}, a category you follow",
                s.score, category.name
            );
            if let Some(b) = brand {
                reason.push_str(&format!("; {} is a brand you watch", b.name));
            }
            if in_band == Some(true)
                && let Some((lo, hi)) = profile.price_band
            {
                reason.push_str(&format!(
                    "; within your usual {}–{}",
                    lo.display_short(),
                    hi.display_short()
                ));
            }
            let rank = f64::from(s.score)
                * (0.5 + category.weight)
                * if brand.is_some() { 1.2 } else { 1.0 };
            ranked.push((
                rank,
                Recommendation {
                    marketplace: m,
                    asin: r.asin,
                    title,
                    price,
                    score: Some(s),
                    source: RecommendationSource::Profile,
                    reason,
                },
            ));
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.asin.cmp(&b.1.asin)));
        Ok((
            profile,
            ranked.into_iter().take(limit).map(|(_, r)| r).collect(),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ManualClock;
    use crate::domain::{
        Availability, BrowseNode, Currency, ExternalIdentity, NewUser, NewWatch, Offer,
        UserSettings, WatchTarget,
    };
    use crate::monitor::fake::FakeSource;
    use crate::ports::{ProductClick, SearchLog, Store};
    use crate::store::MemoryStore;

    const IN: Marketplace = Marketplace::India;

    fn product(asin: &str, node: &str, brand: &str, rupees: i64) -> Product {
        let at = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
        let mut p = Product::new(
            asin.parse().unwrap(),
            IN,
            format!("{brand} {node} {asin}"),
            at,
        );
        p.brand = Some(brand.to_owned());
        p.browse_nodes = vec![BrowseNode {
            id: format!("node-{node}"),
            name: node.to_owned(),
            context_free_name: None,
            is_root: false,
            ancestors: Vec::new(),
            children: Vec::new(),
            sales_rank: None,
        }];
        p.offers = vec![Offer::new(
            Some(Money::from_major(rupees, Currency::INR)),
            Availability::InStock,
        )];
        p
    }

    async fn user(store: &MemoryStore, name: &str) -> User {
        store
            .upsert_user(
                &NewUser {
                    identity: ExternalIdentity::new("test", name),
                    display_name: None,
                    settings: UserSettings::default(),
                },
                Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap(),
            )
            .await
            .unwrap()
    }

    async fn watch(store: &MemoryStore, u: &User, p: &Product, rules: Vec<AlertRule>) {
        store
            .create_watch(
                &NewWatch {
                    user_id: u.id,
                    target: WatchTarget::Product {
                        marketplace: IN,
                        asin: p.asin,
                    },
                    rules,
                    baseline_price: buy_box_price(p),
                    label: None,
                },
                Utc.with_ymd_and_hms(2026, 9, 2, 0, 0, 0).unwrap(),
            )
            .await
            .unwrap();
    }

    /// Profile from watches, clicks and searches; co-watch and content recommendations with
    /// their reasons; nothing already watched.
    #[tokio::test]
    async fn profile_and_recommendations_with_reasons() {
        let store = Arc::new(MemoryStore::new());
        let l1 = product("B0LAPTOP01", "Laptops", "Dell", 60_000);
        let l2 = product("B0LAPTOP02", "Laptops", "Dell", 55_000);
        let l3 = product("B0LAPTOP03", "Laptops", "HP", 70_000);
        let far = product("B0LAPTOP04", "Laptops", "Asus", 400_000);
        let phone = product("B0PHONE001", "Phones", "Apple", 80_000);
        let buds = product("B0AUDIO001", "Audio", "boAt", 2_000);
        for p in [&l1, &l2, &l3, &far, &phone, &buds] {
            store.upsert_product(p).await.unwrap();
        }
        let me = user(&store, "me").await;
        let b = user(&store, "b").await;
        let c = user(&store, "c").await;
        let target = Money::from_major(54_000, Currency::INR); // 10 % below ₹60,000
        watch(
            &store,
            &me,
            &l1,
            vec![AlertRule::TargetPrice {
                at_or_below: target,
            }],
        )
        .await;
        for u in [&b, &c] {
            watch(&store, u, &l1, vec![AlertRule::AllTimeLow]).await;
            watch(&store, u, &buds, vec![AlertRule::AllTimeLow]).await;
        }
        watch(&store, &c, &phone, vec![AlertRule::AllTimeLow]).await;
        let now = Utc.with_ymd_and_hms(2026, 9, 10, 0, 0, 0).unwrap();
        store
            .record_click(&ProductClick {
                user_id: me.id,
                marketplace: IN,
                asin: l3.asin,
                at: now - Duration::days(1),
            })
            .await
            .unwrap();
        store
            .record_search(&SearchLog {
                user_id: Some(me.id),
                marketplace: IN,
                query: "dell laptop under 60k".to_owned(),
                result_count: 3,
                at: now - Duration::days(2),
            })
            .await
            .unwrap();
        let clock = Arc::new(ManualClock::new(now));
        let source = Arc::new(FakeSource::new(clock.clone(), 0, 1));
        let service = RecommendService::new(CatalogService::new(source, store, clock));

        let profile = service.profile(&me).await.unwrap();
        assert_eq!(
            profile.signals,
            ProfileSignals {
                watches: 1,
                clicks: 1,
                searches: 1
            }
        );
        assert_eq!(profile.categories.len(), 1);
        assert_eq!(profile.categories[0].name, "Laptops");
        assert!((profile.categories[0].weight - 1.0).abs() < 1e-9);
        // Dell: watch 3 + search 1; HP: click 1.
        assert_eq!(profile.brands[0].name, "Dell");
        assert!(
            (profile.brands[0].weight - 0.8).abs() < 1e-9,
            "{:?}",
            profile.brands
        );
        assert_eq!(profile.price_sensitivity_bps, Some(1_000));
        let (lo, hi) = profile.price_band.unwrap();
        assert!(
            lo.minor() >= 6_000_000 && hi.minor() <= 7_000_000,
            "{lo} {hi}"
        );

        let (_, recs) = service.recommend(&me, 10).await.unwrap();
        let asins: Vec<Asin> = recs.iter().map(|r| r.asin).collect();
        assert!(!asins.contains(&l1.asin), "never what is watched");
        assert!(!asins.contains(&far.asin), "far outside the price band");
        // Co-watch first: buds (2 users), then the phone (1 user).
        assert_eq!(&asins[..2], &[buds.asin, phone.asin]);
        assert_eq!(recs[0].source, RecommendationSource::CoWatch);
        assert!(
            recs[0]
                .reason
                .starts_with("2 users who watch Dell Laptops B0LAPTOP01 also watch this"),
            "{}",
            recs[0].reason
        );
        assert!(
            recs[1].reason.starts_with("1 user who watches"),
            "{}",
            recs[1].reason
        );
        // Then the laptops of the profile, with their reasons.
        let dell = recs.iter().find(|r| r.asin == l2.asin).unwrap();
        assert_eq!(dell.source, RecommendationSource::Profile);
        assert!(
            dell.reason.contains("in Laptops, a category you follow"),
            "{}",
            dell.reason
        );
        assert!(
            dell.reason.contains("Dell is a brand you watch"),
            "{}",
            dell.reason
        );
        assert!(recs.iter().any(|r| r.asin == l3.asin));
        assert_eq!(recs.len(), 4);
        assert_eq!(service.recommend(&me, 1).await.unwrap().1.len(), 1);
    }
}
