//! `DiscoveryService`: answers parsed queries on a [`CatalogService`] — smart search with the
//! API's own filters, local feature filtering and ranking with reasons; products named in
//! words resolved to ASINs; side-by-side comparisons with a recommendation; similar products.

use serde::Serialize;

use super::query::{Intent, ParsedQuery, ProductMention, QuerySort, parse_query};
use super::reasons::MatchReason;
use super::taxonomy;
use crate::catalog::{CatalogError, CatalogService, HistoryReport};
use crate::domain::{Asin, Bps, Marketplace, Money, Product, UserId};
use crate::ports::{DealScore, HistoryQuery, ScoreInput, SearchRequest, StoreError};

/// The smallest saving (percent off MRP) a "deals" query asks the source for.
pub const DEAL_MIN_SAVING_PERCENT: u8 = 10;

/// How many result pages a search reads at most to fill one page after local filtering.
pub const SEARCH_PAGES: u8 = 3;

/// Errors of discovery.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The catalogue (source or store) failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The store failed.
    #[error("could not read product data: {0}")]
    Store(#[from] StoreError),
    /// The query names nothing that can be searched.
    #[error("nothing to search for in {0:?}: name a product, a category, a brand or some words")]
    NothingToSearch(String),
    /// No product matched a name, or an ASIN is unknown.
    #[error("no product found for {0:?}")]
    NotFound(String),
    /// A short link must be expanded (over the network) before it can be used.
    #[error("{0} is a short link; expand it first (mandi asin --expand) or paste the full link")]
    ShortLink(String),
    /// A watch could not be added.
    #[error("{0}")]
    Watch(String),
    /// A comparison needs at least two products.
    #[error("a comparison needs two products or more; found {0}")]
    NeedTwo(usize),
}

/// Result alias of discovery.
pub type DiscoveryResult<T> = Result<T, DiscoveryError>;

/// A product with its rank and why it matched.
#[derive(Debug, Clone, Serialize)]
pub struct RankedProduct {
    /// The product as fetched.
    pub product: Product,
    /// The combined rank, 0–100 (relevance, deal score, rating, price fit).
    pub score: u8,
    /// The deal score against its stored history.
    pub deal: Option<DealScore>,
    /// Required features the product has.
    pub matched_features: Vec<String>,
    /// Why it matched, short phrases (`in Gaming Laptops`, `has RTX 4060`, `4.3★`).
    pub reasons: Vec<String>,
    /// The same reasons as data, for front-ends that word them in the user's language.
    pub why: Vec<MatchReason>,
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchAnswer {
    /// The query as understood.
    pub query: ParsedQuery,
    /// The request sent to the source.
    pub request: SearchRequest,
    /// True when the keywords matched nothing and the search ran on the other filters only.
    pub relaxed: bool,
    /// Results that passed every filter, best first.
    pub results: Vec<RankedProduct>,
    /// Results the source returned that lacked a required feature, brand or rating.
    pub filtered_out: usize,
}

/// One product of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedProduct {
    /// The product.
    pub product: Product,
    /// Current price.
    pub price: Option<Money>,
    /// MRP (list price).
    pub mrp: Option<Money>,
    /// Discount off MRP, percent.
    pub discount_percent: Option<u8>,
    /// Deal score against its history.
    pub deal: Option<DealScore>,
    /// Rating, hundredths of a star.
    pub rating_centi: Option<u16>,
    /// Key specs read from the title (`16GB RAM`, `RTX 4060`, `55 inch`).
    pub key_specs: Vec<String>,
    /// Lowest price of the last 90 days.
    pub low_90d: Option<Money>,
}

/// A side-by-side comparison and which product to pick.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The products, in the order named.
    pub products: Vec<ComparedProduct>,
    /// The ASIN recommended.
    pub recommended: Asin,
    /// Why.
    pub reasons: Vec<String>,
    /// The same reasons as data, for front-ends that word them in the user's language.
    pub why: Vec<MatchReason>,
}

/// The library's discovery service, shared by every front-end.
#[derive(Debug, Clone)]
pub struct DiscoveryService {
    catalog: CatalogService,
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a product says about itself (title, features, brand) squashed for matching.
fn product_text(p: &Product) -> String {
    let mut t = squash(&p.title);
    for f in &p.features {
        t.push(' ');
        t.push_str(&squash(f));
    }
    t
}

/// True when the product's title or features state the (normalised) feature.
pub fn has_feature(product: &Product, feature: &str) -> bool {
    let text = product_text(product);
    let alternatives: &[&str] = match feature {
        "ANC" => &["anc", "noisecancel"],
        "Full HD" => &["fullhd", "fhd", "1080p"],
        "4K" => &["4k", "uhd", "2160p"],
        "Wi-Fi" => &["wifi"],
        "Waterproof" => &["waterproof", "ipx7", "ipx8", "ip68", "ip67"],
        _ => &[],
    };
    if alternatives.is_empty() {
        text.contains(&squash(feature))
    } else {
        alternatives.iter().any(|a| text.contains(a))
    }
}

/// Key specs of a product, read from its title with the query parser's feature rules.
pub fn key_specs(product: &Product) -> Vec<String> {
    parse_query(&product.title).features
}

/// The product's deepest browse node that the offline tree knows, else its first node.
pub fn leaf_node(product: &Product) -> Option<String> {
    product
        .browse_nodes
        .iter()
        .max_by_key(|n| taxonomy::path(&n.id).len())
        .map(|n| n.id.clone())
}

fn discount_percent(p: &Product) -> Option<u8> {
    p.buy_box()
        .and_then(|o| o.discount_bps())
        .and_then(|bps| u8::try_from((bps / 100).clamp(0, 99)).ok())
}

fn mrp(p: &Product) -> Option<Money> {
    p.buy_box().and_then(|o| o.list_price)
}

impl DiscoveryService {
    /// A discovery service on a catalogue.
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// The catalogue underneath.
    pub fn catalog(&self) -> &CatalogService {
        &self.catalog
    }

    /// Reads a query ([`parse_query`]).
    pub fn parse(&self, text: &str) -> ParsedQuery {
        parse_query(text)
    }

    /// The search request a parsed query maps to: keywords, price bounds, minimum rating
    /// (whole stars, 1–4, as the API takes it), minimum saving, browse node, brand (when one
    /// is named) and the API's ordering.
    pub fn search_request(query: &ParsedQuery, marketplace: Marketplace) -> SearchRequest {
        let mut r = SearchRequest::empty(marketplace);
        if !query.keywords.trim().is_empty() {
            r.keywords = Some(query.keywords.trim().to_owned());
        }
        r.browse_node_id = query.category.as_ref().map(|c| c.browse_node.clone());
        if query.brands.len() == 1 {
            r.brand = query.brands.first().cloned();
        }
        r.min_price = query.min_price;
        r.max_price = query.max_price;
        r.min_reviews_rating = query
            .min_rating
            .map(|s| (s.floor() as i64).clamp(1, 4) as u8);
        r.min_saving_percent = query.min_discount_percent.map(|d| d.clamp(1, 99));
        if query.intent == Intent::Deals && r.min_saving_percent.is_none() {
            // A deal is at least a tenth off.
            r.min_saving_percent = Some(DEAL_MIN_SAVING_PERCENT);
        }
        r.sort_by = query.sort.and_then(QuerySort::api_sort);
        if r.keywords.is_none() && r.browse_node_id.is_none() && r.brand.is_none() {
            // Brands named together, or features alone, become keywords.
            let words: Vec<String> = query
                .brands
                .iter()
                .chain(query.features.iter())
                .cloned()
                .collect();
            if !words.is_empty() {
                r.keywords = Some(words.join(" "));
            }
        }
        r
    }

    /// Runs a parsed search: the API's filters, then required features, brands and the exact
    /// rating checked locally, ranked by relevance, deal score, rating and price fit (or in
    /// the order asked for). When the leftover keywords match nothing but a category or brand
    /// was understood, the search runs again without them (`relaxed`).
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::NothingToSearch`] when the query names nothing searchable; the
    /// source or store failed.
    pub async fn search(
        &self,
        query: &ParsedQuery,
        marketplace: Marketplace,
        user: Option<UserId>,
    ) -> DiscoveryResult<SearchAnswer> {
        let mut request = Self::search_request(query, marketplace);
        if request.validate().is_err() {
            return Err(DiscoveryError::NothingToSearch(query.keywords.clone()));
        }
        let mut page = self.catalog.search(&request, user).await?;
        let mut relaxed = false;
        if page.items.is_empty()
            && request.keywords.is_some()
            && (request.browse_node_id.is_some() || request.brand.is_some())
        {
            request.keywords = None;
            page = self.catalog.search(&request, user).await?;
            relaxed = true;
        }
        // Local filters (features, several brands, half stars) may drop results: read up to
        // SEARCH_PAGES pages until a page's worth passes.
        let mut total = 0;
        let mut results = Vec::new();
        let mut page_no = request.item_page;
        loop {
            let full = page.items.len() == usize::from(request.item_count);
            total += page.items.len();
            for product in std::mem::take(&mut page.items) {
                if results
                    .iter()
                    .any(|r: &RankedProduct| r.product.asin == product.asin)
                {
                    continue;
                }
                if let Some(r) = self.rank(query, product).await? {
                    results.push(r);
                }
            }
            if !full
                || results.len() >= usize::from(request.item_count)
                || page_no >= request.item_page.saturating_add(SEARCH_PAGES - 1).min(10)
            {
                break;
            }
            page_no += 1;
            let mut next = request.clone();
            next.item_page = page_no;
            page = self.catalog.search(&next, user).await?;
        }
        let filtered_out = total - results.len();
        let sort = query
            .sort
            .or((query.intent == Intent::Deals).then_some(QuerySort::Discount));
        sort_results(&mut results, sort);
        Ok(SearchAnswer {
            query: query.clone(),
            request,
            relaxed,
            results,
            filtered_out,
        })
    }

    async fn deal_score(&self, product: &Product) -> DiscoveryResult<Option<DealScore>> {
        let history = self
            .catalog
            .store()
            .price_history(&HistoryQuery::buy_box(product.marketplace, product.asin))
            .await?;
        let now = self.catalog.clock().now() + chrono::Duration::seconds(1);
        Ok(Some(self.catalog.scorer().score(&ScoreInput {
            product,
            history: &history,
            now,
        })))
    }

    /// Checks a product against the local filters and ranks it; `None` when it fails one.
    async fn rank(
        &self,
        query: &ParsedQuery,
        product: Product,
    ) -> DiscoveryResult<Option<RankedProduct>> {
        let matched: Vec<String> = query
            .features
            .iter()
            .filter(|f| has_feature(&product, f))
            .cloned()
            .collect();
        if matched.len() < query.features.len() {
            return Ok(None);
        }
        let brand_ok = query.brands.is_empty()
            || product
                .brand
                .as_deref()
                .is_some_and(|b| query.brands.iter().any(|q| q.eq_ignore_ascii_case(b)));
        if !brand_ok {
            return Ok(None);
        }
        let rating = product.reviews.map(|r| r.rating_centi);
        if let Some(min) = query.min_rating {
            let min_centi = (min * 100.0).round() as u16;
            if rating.is_none_or(|r| r < min_centi) {
                return Ok(None);
            }
        }
        let price = product.price();
        if let (Some(p), Some(max)) = (price, query.max_price)
            && p.minor() > max.minor()
        {
            return Ok(None);
        }
        if let (Some(p), Some(min)) = (price, query.min_price)
            && p.minor() < min.minor()
        {
            return Ok(None);
        }
        let deal = self.deal_score(&product).await?;
        let mut reasons = Vec::new();
        // Relevance: the share of the query's words in the title, plus category and brand.
        let title = squash(&product.title);
        let words: Vec<String> = query
            .keywords
            .split_whitespace()
            .map(squash)
            .filter(|w| !w.is_empty())
            .collect();
        let word_share = if words.is_empty() {
            1.0
        } else {
            words.iter().filter(|w| title.contains(w.as_str())).count() as f64 / words.len() as f64
        };
        if !words.is_empty() && word_share > 0.0 {
            reasons.push(MatchReason::Keywords {
                words: query.keywords.trim().to_owned(),
            });
        }
        if let Some(c) = &query.category
            && product
                .browse_nodes
                .iter()
                .any(|n| taxonomy::is_within(&n.id, &c.browse_node) || n.id == c.browse_node)
        {
            reasons.push(MatchReason::InCategory {
                name: c.name.clone(),
            });
        }
        if let Some(b) = product
            .brand
            .as_deref()
            .filter(|_| !query.brands.is_empty())
        {
            reasons.push(MatchReason::Brand { name: b.to_owned() });
        }
        if !matched.is_empty() {
            reasons.push(MatchReason::HasFeatures {
                features: matched.clone(),
            });
        }
        // Price fit: inside the bounds, nearer the middle (or a little under the ceiling).
        let fit = match (price, query.min_price, query.max_price) {
            (Some(p), lo, hi) if lo.is_some() || hi.is_some() => {
                let lo = lo.map_or(0, |m| m.minor());
                let hi = hi.map_or(p.minor().max(lo) * 2, |m| m.minor());
                let mid = (lo + hi) as f64 / 2.0;
                let span = ((hi - lo) as f64 / 2.0).max(1.0);
                if let Some(max) = query.max_price {
                    reasons.push(MatchReason::PriceWithin { price: p, max });
                } else {
                    reasons.push(MatchReason::Price { price: p });
                }
                (1.0 - ((p.minor() as f64 - mid).abs() / span)).clamp(0.0, 1.0)
            }
            _ => 0.5,
        };
        if let Some(r) = product.reviews {
            reasons.push(MatchReason::Rating {
                rating_centi: r.rating_centi,
                count: r.count,
            });
        }
        if let Some(d) = discount_percent(&product).filter(|d| *d > 0) {
            reasons.push(MatchReason::Discount { percent: d });
        }
        if let Some(d) = &deal {
            reasons.push(MatchReason::DealScore { score: d.score });
        }
        let deal_part = deal.as_ref().map_or(0.5, |d| f64::from(d.score) / 100.0);
        let rating_part = rating.map_or(0.5, |r| f64::from(r) / 500.0);
        let score = 40.0 * word_share + 25.0 * deal_part + 20.0 * rating_part + 15.0 * fit;
        Ok(Some(RankedProduct {
            product,
            score: score.round().clamp(0.0, 100.0) as u8,
            deal,
            matched_features: matched,
            reasons: reasons.iter().map(ToString::to_string).collect(),
            why: reasons,
        }))
    }

    /// The products a query names, fetched: ASINs and links looked up, names searched (in
    /// the query's category when it has one) and the best title match taken.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::NotFound`] naming what matched nothing, [`DiscoveryError::ShortLink`]
    /// for a short link; the source or store failed.
    pub async fn resolve(
        &self,
        query: &ParsedQuery,
        marketplace: Marketplace,
    ) -> DiscoveryResult<Vec<Product>> {
        let mut out = Vec::new();
        for mention in &query.products {
            let product = match mention {
                ProductMention::Asin { asin } => self.fetch(marketplace, *asin).await?,
                ProductMention::Link { asin, marketplace } => {
                    self.fetch(*marketplace, *asin).await?
                }
                ProductMention::ShortLink { url } => {
                    return Err(DiscoveryError::ShortLink(url.clone()));
                }
                ProductMention::Name { name } => {
                    self.find_by_name(name, query, marketplace).await?
                }
            };
            out.push(product);
        }
        Ok(out)
    }

    async fn fetch(&self, marketplace: Marketplace, asin: Asin) -> DiscoveryResult<Product> {
        let batch = self.catalog.lookup(marketplace, &[asin]).await?;
        batch
            .items
            .into_iter()
            .next()
            .ok_or_else(|| DiscoveryError::NotFound(asin.to_string()))
    }

    async fn find_by_name(
        &self,
        name: &str,
        query: &ParsedQuery,
        marketplace: Marketplace,
    ) -> DiscoveryResult<Product> {
        // The full name first; then without its numbers ("iPhone 15" when the shop has no
        // 15, only 14 and 16), then its first word: the closest title wins below.
        let full: Vec<&str> = name.split_whitespace().collect();
        let words_only: Vec<&str> = full
            .iter()
            .copied()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        let mut attempts: Vec<String> = vec![full.join(" ")];
        if words_only.len() < full.len() && !words_only.is_empty() {
            attempts.push(words_only.join(" "));
        }
        if let Some(first) = words_only.first().filter(|_| words_only.len() > 1) {
            attempts.push((*first).to_owned());
        }
        let mut page = crate::ports::SearchPage::default();
        'outer: for keywords in attempts {
            let mut request = SearchRequest::keywords(marketplace, keywords);
            request.browse_node_id = query.category.as_ref().map(|c| c.browse_node.clone());
            for with_node in [true, false] {
                if !with_node {
                    if request.browse_node_id.is_none() {
                        break;
                    }
                    request.browse_node_id = None;
                }
                page = self.catalog.search(&request, None).await?;
                if !page.items.is_empty() {
                    break 'outer;
                }
            }
        }
        let wanted: Vec<String> = name.split_whitespace().map(squash).collect();
        page.items
            .into_iter()
            .enumerate()
            .max_by_key(|(i, p)| {
                let title = squash(&p.title);
                let hits = wanted.iter().filter(|w| title.contains(w.as_str())).count();
                (hits, std::cmp::Reverse(*i))
            })
            .map(|(_, p)| p)
            .ok_or_else(|| DiscoveryError::NotFound(name.to_owned()))
    }

    /// Compares the products a query names side by side (price, MRP, discount, deal score,
    /// rating, key specs, 90-day low) and recommends one, with reasons.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::NeedTwo`] when fewer than two products resolve; as
    /// [`DiscoveryService::resolve`].
    pub async fn compare(
        &self,
        query: &ParsedQuery,
        marketplace: Marketplace,
    ) -> DiscoveryResult<Comparison> {
        let products = self.resolve(query, marketplace).await?;
        let mut rows = Vec::new();
        for p in products {
            if rows
                .iter()
                .any(|r: &ComparedProduct| r.product.asin == p.asin)
            {
                continue;
            }
            let report = self.catalog.history(p.marketplace, p.asin, false).await?;
            rows.push(compared(p, &report));
        }
        if rows.len() < 2 {
            return Err(DiscoveryError::NeedTwo(rows.len()));
        }
        let (recommended, reasons) = recommend(&rows);
        Ok(Comparison {
            products: rows,
            recommended,
            reasons: reasons.iter().map(ToString::to_string).collect(),
            why: reasons,
        })
    }

    /// Products like this one: the same category (its deepest browse node, widened to the
    /// parent when that holds too few), a price within ±35 %, then ranked by shared brand,
    /// shared key specs and price closeness, each with the reason.
    ///
    /// # Errors
    ///
    /// [`DiscoveryError::NotFound`] for an unknown product; the source or store failed.
    pub async fn similar(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        limit: usize,
    ) -> DiscoveryResult<(Product, Vec<RankedProduct>)> {
        let base = self.fetch(marketplace, asin).await?;
        let Some(node) = leaf_node(&base) else {
            return Err(DiscoveryError::NotFound(format!(
                "{asin} has no category to compare within"
            )));
        };
        let price = base.price();
        let specs = key_specs(&base);
        let mut candidates: Vec<Product> = Vec::new();
        let mut nodes = vec![node.clone()];
        if let Some(parent) = taxonomy::node(&node).and_then(|n| n.parent) {
            nodes.push(parent.to_owned());
        }
        for (round, n) in nodes.iter().enumerate() {
            for page in 1..=2u8 {
                let mut r = SearchRequest::empty(marketplace);
                r.browse_node_id = Some(n.clone());
                if let Some(p) = price.filter(|_| round == 0) {
                    r.min_price = Some(p.percent_bps(6_500));
                    r.max_price = Some(p.percent_bps(13_500));
                }
                r.item_page = page;
                let got = self.catalog.search(&r, None).await?;
                let more = got.items.len() == usize::from(r.item_count);
                for p in got.items {
                    let family = p.parent_asin.is_some() && p.parent_asin == base.parent_asin;
                    if p.asin != base.asin
                        && !family
                        && !candidates.iter().any(|c| c.asin == p.asin)
                    {
                        candidates.push(p);
                    }
                }
                if !more {
                    break;
                }
            }
            if candidates.len() >= limit {
                break;
            }
        }
        let mut ranked = Vec::new();
        for p in candidates {
            let mut reasons = Vec::new();
            let mut score = 0.0;
            let same_leaf = p.browse_nodes.iter().any(|n| n.id == node);
            if same_leaf {
                score += 40.0;
                if let Some(n) = taxonomy::node(&node) {
                    reasons.push(MatchReason::AlsoIn {
                        name: n.name.to_owned(),
                    });
                }
            }
            if p.brand.is_some() && p.brand == base.brand {
                score += 15.0;
                reasons.push(MatchReason::SameBrand {
                    name: p.brand.clone().unwrap_or_default(),
                });
            }
            let shared: Vec<String> = specs
                .iter()
                .filter(|f| has_feature(&p, f))
                .cloned()
                .collect();
            if !shared.is_empty() {
                score += 25.0 * shared.len() as f64 / specs.len().max(1) as f64;
                reasons.push(MatchReason::Shares {
                    features: shared.clone(),
                });
            }
            if let (Some(a), Some(b)) = (price, p.price()) {
                let diff = (b.minor() - a.minor()) as f64 / a.minor().max(1) as f64;
                score += 20.0 * (1.0 - diff.abs().min(1.0));
                let share =
                    Bps::from_fraction(b.minor() - a.minor(), a.minor().max(1)).unwrap_or_default();
                reasons.push(MatchReason::PriceAgainst { price: b, share });
            }
            let deal = self.deal_score(&p).await?;
            ranked.push(RankedProduct {
                product: p,
                score: score.round().clamp(0.0, 100.0) as u8,
                deal,
                matched_features: shared,
                reasons: reasons.iter().map(ToString::to_string).collect(),
                why: reasons,
            });
        }
        ranked.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.product.asin.cmp(&b.product.asin))
        });
        ranked.truncate(limit);
        Ok((base, ranked))
    }

    /// What an intent asks for, when it is one of the product intents (price, history,
    /// watch): the first product the query names, fetched.
    ///
    /// # Errors
    ///
    /// As [`DiscoveryService::resolve`]; [`DiscoveryError::NothingToSearch`] when the query
    /// names no product.
    pub async fn first_product(
        &self,
        query: &ParsedQuery,
        marketplace: Marketplace,
    ) -> DiscoveryResult<Product> {
        let mut one = query.clone();
        one.products.truncate(1);
        if one.products.is_empty() {
            return Err(DiscoveryError::NothingToSearch(query.keywords.clone()));
        }
        let intent_ok = matches!(
            query.intent,
            Intent::Price | Intent::History | Intent::Watch | Intent::Similar | Intent::Compare
        );
        debug_assert!(intent_ok || !query.products.is_empty());
        self.resolve(&one, marketplace)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| DiscoveryError::NothingToSearch(query.keywords.clone()))
    }
}

fn sort_results(results: &mut [RankedProduct], sort: Option<QuerySort>) {
    let price = |r: &RankedProduct| r.product.price().map(|m| m.minor());
    match sort {
        Some(QuerySort::PriceAsc) => {
            results.sort_by_key(|r| (price(r).unwrap_or(i64::MAX), r.product.asin));
        }
        Some(QuerySort::PriceDesc) => {
            results.sort_by_key(|r| (std::cmp::Reverse(price(r).unwrap_or(-1)), r.product.asin));
        }
        Some(QuerySort::Rating) => results.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.product.reviews.map_or(0, |v| v.rating_centi)),
                r.product.asin,
            )
        }),
        Some(QuerySort::Discount) => results.sort_by_key(|r| {
            (
                std::cmp::Reverse(discount_percent(&r.product).unwrap_or(0)),
                r.product.asin,
            )
        }),
        Some(QuerySort::Newest) | None => {
            results.sort_by_key(|r| (std::cmp::Reverse(r.score), r.product.asin));
        }
    }
}

fn compared(product: Product, report: &HistoryReport) -> ComparedProduct {
    let low_90d = report
        .summary
        .window(Some(90))
        .and_then(|w| w.lowest)
        .map(|d| d.price);
    ComparedProduct {
        price: product.price(),
        mrp: mrp(&product),
        discount_percent: discount_percent(&product),
        deal: report.score.clone(),
        rating_centi: product.reviews.map(|r| r.rating_centi),
        key_specs: key_specs(&product),
        low_90d,
        product,
    }
}

/// Points per product: cheapest, best deal score, best rating, most specs, nearest its low.
fn recommend(rows: &[ComparedProduct]) -> (Asin, Vec<MatchReason>) {
    let mut points = vec![0i32; rows.len()];
    let mut why: Vec<Vec<MatchReason>> = vec![Vec::new(); rows.len()];
    let best_by = |key: &dyn Fn(&ComparedProduct) -> Option<i64>| -> Option<usize> {
        let vals: Vec<Option<i64>> = rows.iter().map(key).collect();
        let best = vals.iter().flatten().max().copied()?;
        let winners: Vec<usize> = (0..rows.len()).filter(|&i| vals[i] == Some(best)).collect();
        (winners.len() == 1).then(|| winners[0])
    };
    if let Some(i) = best_by(&|r| r.price.map(|p| -p.minor())) {
        points[i] += 3;
        let others: Vec<Money> = rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .filter_map(|(_, r)| r.price)
            .collect();
        if let Some(price) = rows[i].price {
            why[i].push(MatchReason::Cheapest { price, others });
        }
    }
    if let Some(i) = best_by(&|r| r.deal.as_ref().map(|d| i64::from(d.score))) {
        points[i] += 2;
        why[i].push(MatchReason::BestDealScore {
            score: rows[i].deal.as_ref().map_or(0, |d| d.score),
        });
    }
    if let Some(i) = best_by(&|r| r.rating_centi.map(i64::from)) {
        points[i] += 2;
        why[i].push(MatchReason::BestRated {
            rating_centi: rows[i].rating_centi.unwrap_or(0),
        });
    }
    if let Some(i) = best_by(&|r| match (r.price, r.low_90d) {
        (Some(p), Some(l)) if p.minor() > 0 => {
            Some(-((p.minor() - l.minor()) * 10_000 / p.minor()))
        }
        _ => None,
    }) {
        points[i] += 1;
        why[i].push(MatchReason::ClosestToLow);
    }
    if let Some(i) = best_by(&|r| Some(r.key_specs.len() as i64)) {
        points[i] += 1;
        why[i].push(MatchReason::MoreSpecs {
            specs: rows[i].key_specs.clone(),
        });
    }
    let best = (0..rows.len())
        .max_by_key(|&i| (points[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    let mut reasons = std::mem::take(&mut why[best]);
    if reasons.is_empty() {
        reasons.push(MatchReason::Level);
    }
    (rows[best].product.asin, reasons)
}
