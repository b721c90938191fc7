//! Shared helpers: a client for the fake, users, alerts, an in-test product source.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use mandi_bot::fake::{FAKE_TOKEN, FakeTelegram};
use mandi_bot::telegram::BotClient;
use mandi_core::{
    Alert, AlertId, AlertRule, Asin, Availability, BrowseNode, BrowseNodesRequest, Currency,
    ExternalIdentity, Image, ItemsBatch, ItemsRequest, Marketplace, Money, NewUser, Notification,
    Offer, Product, ProductSource, SearchPage, SearchRequest, SourceError, User, UserId,
    UserSettings, VariationFamily, VariationsRequest, WatchId,
};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 6, 0, 0).unwrap()
}

pub fn client_for(fake: &FakeTelegram) -> BotClient {
    BotClient::builder()
        .token(FAKE_TOKEN.to_owned())
        .base_url(fake.base_url())
        .build()
        .unwrap()
}

pub fn tg_user(id: i64, chat: i64) -> User {
    User {
        id: UserId(id),
        identity: ExternalIdentity::new("telegram", chat.to_string()),
        display_name: Some(format!("User {id}")),
        settings: UserSettings::default(),
        active: true,
        created_at: t0(),
    }
}

pub fn new_tg_user(chat: i64) -> NewUser {
    NewUser {
        identity: ExternalIdentity::new("telegram", chat.to_string()),
        display_name: Some(format!("User {chat}")),
        settings: UserSettings::default(),
    }
}

pub fn asin(n: u32) -> Asin {
    Asin::parse(&format!("B0{n:08}")).unwrap()
}

pub fn inr(rupees: i64) -> Money {
    Money::from_major(rupees, Currency::INR)
}

pub fn alert(user: &User, n: i64, a: Asin) -> Alert {
    Alert {
        id: AlertId(n),
        user_id: user.id,
        watch_id: WatchId(n),
        marketplace: Marketplace::India,
        asin: a,
        rule: AlertRule::TargetPrice {
            at_or_below: inr(55_000),
        },
        price: Some(inr(54_999)),
        previous_price: Some(inr(59_999)),
        availability: Availability::InStock,
        message: "Price fell to ₹54,999 (target ₹55,000) <now>".to_owned(),
        triggered_at: t0(),
        dedupe_key: format!("dk{n}"),
        card: None,
    }
}

pub fn notification(user: &User, n: i64) -> Notification {
    Notification {
        idempotency_key: format!("alert-{n}-telegram"),
        user: user.clone(),
        alert: alert(user, n, asin(1)),
    }
}

/// A product catalogue held in memory; prices can be changed by the test.
#[derive(Default)]
pub struct TestSource {
    pub products: Mutex<Vec<Product>>,
    pub calls: Mutex<u32>,
    /// Variation families by parent (the parent itself is a product without offers).
    pub families: Mutex<Vec<VariationFamily>>,
}

impl TestSource {
    pub fn with_product(a: Asin, title: &str, price: i64, mrp: i64) -> Arc<Self> {
        let s = Arc::new(Self::default());
        s.add(a, title, price, mrp);
        s
    }

    pub fn add(&self, a: Asin, title: &str, price: i64, mrp: i64) {
        let mut p = Product::new(a, Marketplace::India, title, t0());
        let mut offer = Offer::new(Some(inr(price)), Availability::InStock);
        offer.list_price = Some(inr(mrp));
        p.offers = vec![offer];
        p.images = vec![Image {
            url: format!("https://m.media-amazon.com/images/I/{}.jpg", a.as_str()),
            width: 500,
            height: 500,
        }];
        self.products.lock().unwrap().push(p);
    }

    /// The same product sold in another store at `price` (in that store's minor units).
    pub fn add_abroad(&self, a: Asin, market: Marketplace, title: &str, price_minor: i64) {
        let mut p = Product::new(a, market, title, t0());
        p.product_group = Some("Wireless".into());
        p.offers = vec![Offer::new(
            Some(Money::from_minor(price_minor, market.currency())),
            Availability::InStock,
        )];
        self.products.lock().unwrap().push(p);
    }

    /// A variation parent `parent` (no price of its own) with children `(asin, colour, price)`.
    pub fn add_family(&self, parent: Asin, title: &str, children: &[(Asin, &str, i64)]) {
        let mut items = Vec::new();
        for (a, colour, price) in children {
            self.add(*a, &format!("{title} ({colour})"), *price, *price + 5_000);
            let mut products = self.products.lock().unwrap();
            let p = products.iter_mut().find(|p| p.asin == *a).unwrap();
            p.parent_asin = Some(parent);
            p.variation_attributes = vec![mandi_core::VariationAttribute {
                name: "color_name".into(),
                value: (*colour).to_owned(),
            }];
            items.push(p.clone());
        }
        let parent_product = Product::new(parent, Marketplace::India, title, t0());
        self.products.lock().unwrap().push(parent_product);
        self.families.lock().unwrap().push(VariationFamily {
            parent_asin: parent,
            dimensions: vec!["color_name".into()],
            variation_count: items.len() as u32,
            price_range: None,
            items,
        });
    }

    /// Changes a price, as seen at `at` (a real source stamps each fetch with its time).
    pub fn set_price(&self, a: Asin, price: i64, at: DateTime<Utc>) {
        for p in self.products.lock().unwrap().iter_mut() {
            if p.asin == a {
                p.offers[0].price = Some(inr(price));
                p.fetched_at = at;
            }
        }
    }
}

#[async_trait]
impl ProductSource for TestSource {
    fn name(&self) -> &str {
        "test"
    }

    async fn get_items(&self, request: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        *self.calls.lock().unwrap() += 1;
        let products = self.products.lock().unwrap();
        let items = request
            .unique_asins()
            .iter()
            .filter_map(|a| {
                products
                    .iter()
                    .find(|p| p.asin == *a && p.marketplace == request.marketplace)
                    .cloned()
            })
            .collect();
        Ok(ItemsBatch {
            items,
            ..ItemsBatch::default()
        })
    }

    async fn search_items(&self, request: &SearchRequest) -> Result<SearchPage, SourceError> {
        let words = request.keywords.clone().unwrap_or_default().to_lowercase();
        let products = self.products.lock().unwrap();
        let all: Vec<Product> = products
            .iter()
            .filter(|p| {
                words
                    .split_whitespace()
                    .all(|w| p.title.to_lowercase().contains(w))
            })
            .cloned()
            .collect();
        let per = usize::from(request.item_count);
        let start = (usize::from(request.item_page) - 1) * per;
        Ok(SearchPage {
            total_results: Some(all.len() as u32),
            items: all.into_iter().skip(start).take(per).collect(),
            search_url: None,
        })
    }

    async fn get_variations(
        &self,
        request: &VariationsRequest,
    ) -> Result<VariationFamily, SourceError> {
        if let Some(f) = self
            .families
            .lock()
            .unwrap()
            .iter()
            .find(|f| f.parent_asin == request.asin)
        {
            return Ok(f.clone());
        }
        Err(SourceError::NotFound {
            code: "NoResults".into(),
            message: "no variations in the test source".into(),
        })
    }

    async fn get_browse_nodes(
        &self,
        _request: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Ok(Vec::new())
    }
}

/// The sandbox's exchange rates of the test day (`mandi_core::fx::sandbox_rates`).
pub struct TestRates;

#[async_trait]
impl mandi_core::fx::RateSource for TestRates {
    async fn fetch(&self) -> Result<mandi_core::fx::RateTable, mandi_core::fx::FxError> {
        Ok(mandi_core::fx::sandbox_rates(t0().date_naive()))
    }
    fn describe(&self) -> String {
        "test rates".into()
    }
}
