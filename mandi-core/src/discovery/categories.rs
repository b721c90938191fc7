//! Categories: the browse tree around a node, the typical price range of what the store has
//! seen in it, its most-watched and its biggest recent drops; and completions for a prefix.

use std::collections::HashMap;

use chrono::Duration;
use serde::Serialize;

use super::service::{DiscoveryError, DiscoveryResult, DiscoveryService};
use super::taxonomy::{self, BRANDS, CATEGORY_WORDS, TaxonomyNode};
use crate::domain::{Asin, Marketplace, Money, UserId};
use crate::ports::HistoryQuery;

/// A node by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeRef {
    /// The browse-node id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl From<&TaxonomyNode> for NodeRef {
    fn from(n: &TaxonomyNode) -> Self {
        Self {
            id: n.id.to_owned(),
            name: n.name.to_owned(),
        }
    }
}

/// Percentiles of the current prices of the products seen in a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceRange {
    /// How many products with a known price.
    pub products: usize,
    /// 10th percentile.
    pub p10: Money,
    /// 25th percentile.
    pub p25: Money,
    /// Median.
    pub p50: Money,
    /// 75th percentile.
    pub p75: Money,
    /// 90th percentile.
    pub p90: Money,
}

/// A product of a category listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryProduct {
    /// The ASIN.
    pub asin: Asin,
    /// The title.
    pub title: String,
    /// Its current price.
    pub price: Option<Money>,
    /// Active watches on it.
    pub watchers: u32,
    /// For trending: the highest price of the last 30 days it dropped from.
    pub dropped_from: Option<Money>,
    /// For trending: the drop, basis points.
    pub drop_bps: Option<u32>,
}

/// A category as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryReport {
    /// The node (`None` for the top of the tree).
    pub node: Option<NodeRef>,
    /// From the root down to the node.
    pub path: Vec<NodeRef>,
    /// Its children (the roots for the top of the tree).
    pub children: Vec<NodeRef>,
    /// Products the store holds in it or below.
    pub products_seen: usize,
    /// The typical price range.
    pub prices: Option<PriceRange>,
    /// Most watched first.
    pub popular: Vec<CategoryProduct>,
    /// Biggest drop in the last 30 days first.
    pub trending: Vec<CategoryProduct>,
}

/// What a completion completes to.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// A past query.
    Query,
    /// A category name or word.
    Category,
    /// A brand.
    Brand,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The completed text.
    pub text: String,
    /// What it is.
    pub kind: SuggestionKind,
}

/// Most products a category report reads from the store.
pub const MAX_CATEGORY_PRODUCTS: usize = 2_000;

/// Nearest-rank percentile of sorted integer amounts (money stays in whole paise).
fn nearest_rank(sorted: &[i64], pct: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The price range of some prices (of one currency).
pub fn price_range(prices: &[Money]) -> Option<PriceRange> {
    let currency = prices.first()?.currency();
    let mut v: Vec<i64> = prices
        .iter()
        .filter(|m| m.currency() == currency)
        .map(Money::minor)
        .collect();
    v.sort_unstable();
    let at = |p| nearest_rank(&v, p).map(|m| Money::from_minor(m, currency));
    Some(PriceRange {
        products: v.len(),
        p10: at(10)?,
        p25: at(25)?,
        p50: at(50)?,
        p75: at(75)?,
        p90: at(90)?,
    })
}

/// True when `text` or one of its words starts with `prefix` (both lower case).
fn completes(text: &str, prefix: &str) -> bool {
    let t = text.to_lowercase();
    t.starts_with(prefix) || t.split_whitespace().any(|w| w.starts_with(prefix))
}

impl DiscoveryService {
    /// A category report: tree around the node (by id, name or category word; `None` for
    /// the roots), the percentiles of the current prices the store holds for products in
    /// it and below, the most-watched and the biggest drops of the last 30 days.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::NotFound`] for an unknown node; the store failed.
    pub async fn category(
        &self,
        marketplace: Marketplace,
        node: Option<&str>,
        top: usize,
    ) -> DiscoveryResult<CategoryReport> {
        let Some(text) = node else {
            return Ok(CategoryReport {
                node: None,
                path: Vec::new(),
                children: taxonomy::roots().map(NodeRef::from).collect(),
                products_seen: 0,
                prices: None,
                popular: Vec::new(),
                trending: Vec::new(),
            });
        };
        let n = taxonomy::find(text)
            .ok_or_else(|| DiscoveryError::NotFound(format!("a category named {text:?}")))?;
        let mut ids: Vec<String> = vec![n.id.to_owned()];
        ids.extend(taxonomy::descendants(n.id).iter().map(|d| d.id.to_owned()));
        let store = self.catalog().store();
        let asins = store
            .products_in_nodes(marketplace, &ids, MAX_CATEGORY_PRODUCTS)
            .await?;
        let watchers: HashMap<Asin, u32> = store
            .watched_products()
            .await?
            .into_iter()
            .filter(|w| w.marketplace == marketplace)
            .map(|w| (w.asin, w.watchers))
            .collect();
        let now = self.catalog().clock().now();
        let mut prices = Vec::new();
        let mut entries = Vec::new();
        for asin in &asins {
            let Some(p) = store.get_product(marketplace, *asin).await? else {
                continue;
            };
            let price = p.price();
            if let Some(m) = price {
                prices.push(m);
            }
            let history = store
                .price_history(&HistoryQuery {
                    since: Some(now - Duration::days(30)),
                    ..HistoryQuery::buy_box(marketplace, *asin)
                })
                .await?;
            let high = history
                .iter()
                .filter_map(|h| h.price)
                .max_by_key(Money::minor);
            let drop_bps = match (high, price) {
                (Some(h), Some(c)) if h.minor() > c.minor() && h.minor() > 0 => {
                    u32::try_from((h.minor() - c.minor()) * 10_000 / h.minor()).ok()
                }
                _ => None,
            };
            let w = watchers.get(asin).copied().unwrap_or(0)
                + p.parent_asin
                    .and_then(|parent| watchers.get(&parent).copied())
                    .unwrap_or(0);
            entries.push(CategoryProduct {
                asin: *asin,
                title: p.title,
                price,
                watchers: w,
                dropped_from: drop_bps.and(high),
                drop_bps,
            });
        }
        let mut popular: Vec<CategoryProduct> =
            entries.iter().filter(|e| e.watchers > 0).cloned().collect();
        popular.sort_by_key(|e| (std::cmp::Reverse(e.watchers), e.asin));
        popular.truncate(top);
        let mut trending: Vec<CategoryProduct> = entries
            .into_iter()
            .filter(|e| e.drop_bps.is_some())
            .collect();
        trending.sort_by_key(|e| (std::cmp::Reverse(e.drop_bps.unwrap_or(0)), e.asin));
        trending.truncate(top);
        Ok(CategoryReport {
            node: Some(NodeRef::from(n)),
            path: taxonomy::path(n.id)
                .into_iter()
                .map(NodeRef::from)
                .collect(),
            children: taxonomy::children(n.id).map(NodeRef::from).collect(),
            products_seen: asins.len(),
            prices: price_range(&prices),
            popular,
            trending,
        })
    }

    /// Completions of a prefix: the user's (or everyone's) past queries, then category
    /// names and words, then brands; case-insensitive, on any word; at most `limit`.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn suggest(
        &self,
        prefix: &str,
        user: Option<UserId>,
        limit: usize,
    ) -> DiscoveryResult<Vec<Suggestion>> {
        let p = prefix.trim().to_lowercase();
        if p.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut out: Vec<Suggestion> = Vec::new();
        let mut push = |text: &str, kind: SuggestionKind| {
            if out.len() < limit
                && completes(text, &p)
                && !out.iter().any(|s| s.text.eq_ignore_ascii_case(text))
            {
                out.push(Suggestion {
                    text: text.to_owned(),
                    kind,
                });
            }
        };
        for s in self.catalog().store().recent_searches(user, 200).await? {
            if !s.query.trim().is_empty() {
                push(s.query.trim(), SuggestionKind::Query);
            }
        }
        for n in taxonomy::TREE {
            push(n.name, SuggestionKind::Category);
        }
        for (w, _) in CATEGORY_WORDS {
            push(w, SuggestionKind::Category);
        }
        for b in BRANDS {
            push(b, SuggestionKind::Brand);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn nearest_rank_percentiles() {
        let prices: Vec<Money> = (1..=10)
            .map(|r| Money::from_major(r * 100, Currency::INR))
            .collect();
        let r = price_range(&prices).unwrap_or_else(|| unreachable!());
        assert_eq!(r.products, 10);
        assert_eq!(r.p10.minor(), 10_000);
        assert_eq!(r.p25.minor(), 30_000);
        assert_eq!(r.p50.minor(), 50_000);
        assert_eq!(r.p90.minor(), 90_000);
        assert!(price_range(&[]).is_none());
    }
}
