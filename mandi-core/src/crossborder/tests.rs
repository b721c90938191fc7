use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::fx::{FxError, sandbox_rates};
use crate::ports::{
    BrowseNodesRequest, ItemError, ItemErrorKind, ItemsBatch, ItemsRequest, ProductSource,
    SearchPage, SearchRequest, SourceError, VariationsRequest,
};
use crate::store::MemoryStore;
use crate::{BrowseNode, Clock, ManualClock, Offer, Store, VariationFamily};

const ASIN: &str = "B0CX59H5W7";

fn asin() -> Asin {
    ASIN.parse().expect("asin")
}

/// A source with one shelf per store; a store in `failing` answers with an error.
struct Shelves {
    shelves: Mutex<HashMap<Marketplace, Product>>,
    failing: Vec<Marketplace>,
}

#[async_trait]
impl ProductSource for Shelves {
    fn name(&self) -> &str {
        "shelves"
    }
    async fn get_items(&self, r: &ItemsRequest) -> Result<ItemsBatch, SourceError> {
        if self.failing.contains(&r.marketplace) {
            return Err(SourceError::Unavailable {
                source_name: "shelves".into(),
                reason: format!("{} is down", r.marketplace),
            });
        }
        let shelves = self.shelves.lock().expect("lock");
        let mut batch = ItemsBatch::default();
        for asin in r.unique_asins() {
            match shelves.get(&r.marketplace).filter(|p| p.asin == asin) {
                Some(p) => batch.items.push(p.clone()),
                None => batch.errors.push(ItemError {
                    asin,
                    kind: ItemErrorKind::NotFound,
                    code: "ItemNotAccessible".into(),
                    message: format!(
                        "The ItemId {asin} is not accessible through the Creators API."
                    ),
                }),
            }
        }
        Ok(batch)
    }
    async fn search_items(&self, _: &SearchRequest) -> Result<SearchPage, SourceError> {
        Ok(SearchPage::default())
    }
    async fn get_variations(&self, _: &VariationsRequest) -> Result<VariationFamily, SourceError> {
        Err(SourceError::invalid("no variations"))
    }
    async fn get_browse_nodes(
        &self,
        _: &BrowseNodesRequest,
    ) -> Result<Vec<BrowseNode>, SourceError> {
        Ok(Vec::new())
    }
}

/// Rates of a fixed date, or none at all.
struct Rates(Option<NaiveDate>);

#[async_trait]
impl RateSource for Rates {
    async fn fetch(&self) -> Result<RateTable, FxError> {
        self.0.map(sandbox_rates).ok_or_else(|| FxError::Fetch {
            source_name: "test".into(),
            message: "offline".into(),
        })
    }
    fn describe(&self) -> String {
        "test rates".into()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")
}

fn product(
    market: Marketplace,
    group: &str,
    price: Option<Money>,
    availability: Availability,
) -> Product {
    let at = Utc
        .with_ymd_and_hms(2026, 12, 7, 6, 0, 0)
        .single()
        .expect("time");
    let mut p = Product::new(asin(), market, format!("Phone ({market})"), at);
    p.product_group = Some(group.to_owned());
    p.offers.push(Offer::new(price, availability));
    p
}

/// An in-stock phone at `price` in `market`.
fn phone(market: Marketplace, price: Money) -> Product {
    product(market, "Wireless", Some(price), Availability::InStock)
}

fn service(
    shelves: Vec<Product>,
    failing: Vec<Marketplace>,
    rates_date: Option<NaiveDate>,
) -> CrossBorderService {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
            .single()
            .expect("time"),
    ));
    let source: Arc<dyn ProductSource> = Arc::new(Shelves {
        shelves: Mutex::new(shelves.into_iter().map(|p| (p.marketplace, p)).collect()),
        failing,
    });
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let clock: Arc<dyn Clock> = clock;
    let catalog = CatalogService::new(source, store, clock.clone());
    let rate_source: Arc<dyn RateSource> = Arc::new(Rates(rates_date));
    let rates = Arc::new(RateCache::new(rate_source, clock));
    CrossBorderService::new(catalog, rates).expect("shipped tables")
}

fn inr(rupees: i64) -> Money {
    Money::from_major(rupees, Currency::INR)
}

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

fn option(c: &MarketComparison, m: Marketplace) -> &MarketOption {
    c.markets
        .iter()
        .find(|o| o.marketplace == m)
        .expect("option listed")
}

#[tokio::test]
async fn the_landed_cost_adds_converted_shipping_and_indian_duty() {
    let s = service(
        vec![
            phone(Marketplace::India, inr(79_999)),
            phone(Marketplace::UnitedStates, usd(79_900)),
        ],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &[Marketplace::UnitedStates])
        .await;
    assert_eq!(c.markets.len(), 2);
    assert_eq!(c.markets[0].marketplace, Marketplace::India, "home first");
    let home = option(&c, Marketplace::India);
    assert_eq!(
        home.landed,
        Some(inr(79_999)),
        "no shipping or duty at home"
    );
    assert_eq!(home.shipping, Some(ShippingEstimate::Domestic));

    let us = option(&c, Marketplace::UnitedStates);
    let rates = sandbox_rates(today());
    // $799.00 at 89.2495 / 1.0523 = ₹67,766.179… → ₹67,766.18 (half-even to the paisa).
    let cost = rates.convert(usd(79_900), Currency::INR).expect("convert");
    assert_eq!(us.price_converted, Some(cost));
    assert_eq!(cost.minor(), 6_776_618);
    let freight = rates.convert(usd(1_499), Currency::INR).expect("convert");
    assert_eq!(us.shipping_converted, Some(freight));
    assert_eq!(us.duty_category.as_deref(), Some("phones"));
    let duty = us.duty.expect("duty for an import into India");
    let table = DutyTable::india().expect("table");
    let expected = table
        .duty(table.category("phones").expect("row"), cost, freight)
        .expect("duty");
    assert_eq!(duty, expected);
    // 30.98 % of the assessable value, to the rupee.
    let av = duty.assessable_value.minor();
    assert!(
        (duty.total.minor() - av * 3098 / 10_000).abs() <= 100,
        "{duty:?}"
    );
    let landed = cost.minor() + freight.minor() + duty.total.minor();
    assert_eq!(us.landed, Some(Money::from_minor(landed, Currency::INR)));
    // ₹67,766 + ₹1,271 + ≈ ₹21,400 duty is dearer than ₹79,999 at home.
    assert_eq!(c.cheapest, Some(Marketplace::India));
    assert!(home.cheapest && !us.cheapest);
    assert_eq!(c.saving_vs_home, None);
    assert_eq!(c.rates.map(|r| (r.date, r.stale)), Some((today(), false)));
    assert_eq!(c.tables.duty_as_of, "2026-02-01");
}

#[tokio::test]
async fn a_store_abroad_wins_only_when_its_landed_cost_is_lower() {
    let s = service(
        vec![
            phone(Marketplace::India, inr(79_999)),
            phone(Marketplace::UnitedStates, usd(49_900)),
        ],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &DEFAULT_MARKETS)
        .await;
    assert_eq!(c.cheapest, Some(Marketplace::UnitedStates));
    let us = option(&c, Marketplace::UnitedStates)
        .landed
        .expect("landed");
    assert_eq!(c.saving_vs_home, inr(79_999).checked_sub(us).ok());
    // The other two stores do not sell it.
    for m in [Marketplace::UnitedKingdom, Marketplace::Germany] {
        match &option(&c, m).status {
            MarketStatus::NotSold { code, .. } => assert_eq!(code, "ItemNotAccessible"),
            other => panic!("{m}: {other:?}"),
        }
        assert_eq!(option(&c, m).landed, None);
    }
}

#[tokio::test]
async fn unavailable_stores_and_out_of_stock_offers_are_never_cheapest() {
    let s = service(
        vec![
            phone(Marketplace::India, inr(79_999)),
            product(
                Marketplace::UnitedStates,
                "Wireless",
                Some(usd(100)),
                Availability::OutOfStock,
            ),
            product(
                Marketplace::Germany,
                "Wireless",
                Some(Money::from_minor(100, Currency::EUR)),
                Availability::Unknown,
            ),
        ],
        vec![Marketplace::UnitedKingdom],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &DEFAULT_MARKETS)
        .await;
    assert_eq!(
        option(&c, Marketplace::UnitedStates).status,
        MarketStatus::OutOfStock
    );
    assert_eq!(
        option(&c, Marketplace::Germany).status,
        MarketStatus::StockUnknown
    );
    assert!(matches!(
        &option(&c, Marketplace::UnitedKingdom).status,
        MarketStatus::Failed { message } if message.contains("down")
    ));
    assert_eq!(
        c.cheapest,
        Some(Marketplace::India),
        "only a known, in-stock option wins"
    );
}

#[tokio::test]
async fn groceries_are_not_importable_and_televisions_are_not_shipped() {
    let s = service(
        vec![
            product(
                Marketplace::India,
                "Grocery",
                Some(inr(500)),
                Availability::InStock,
            ),
            product(
                Marketplace::UnitedStates,
                "Grocery",
                Some(usd(300)),
                Availability::InStock,
            ),
        ],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &[Marketplace::UnitedStates])
        .await;
    assert!(matches!(
        &option(&c, Marketplace::UnitedStates).status,
        MarketStatus::NotImportable { reason } if reason.contains("FSSAI")
    ));
    let s = service(
        vec![product(
            Marketplace::UnitedKingdom,
            "Home Theater",
            Some(Money::from_major(399, Currency::GBP)),
            Availability::InStock,
        )],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &[Marketplace::UnitedKingdom])
        .await;
    let uk = option(&c, Marketplace::UnitedKingdom);
    assert_eq!(uk.status, MarketStatus::NotShipped);
    assert_eq!(uk.shipping, Some(ShippingEstimate::NotShipped));
    assert_eq!(uk.landed, None);
    assert_eq!(c.cheapest, None, "nothing complete to buy");
}

#[tokio::test]
async fn without_rates_foreign_prices_stay_unconverted_and_are_not_compared() {
    let s = service(
        vec![
            phone(Marketplace::India, inr(79_999)),
            phone(Marketplace::UnitedStates, usd(100)),
        ],
        vec![],
        None,
    );
    let c = s
        .compare(asin(), Marketplace::India, &[Marketplace::UnitedStates])
        .await;
    assert_eq!(c.rates, None);
    assert!(
        c.notes.iter().any(|n| n.contains("no exchange rates")),
        "{:?}",
        c.notes
    );
    let us = option(&c, Marketplace::UnitedStates);
    assert_eq!(us.price, Some(usd(100)));
    assert_eq!((us.price_converted, us.landed), (None, None));
    assert_eq!(c.cheapest, Some(Marketplace::India));
}

#[tokio::test]
async fn stale_rates_are_flagged() {
    let old = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let s = service(
        vec![phone(Marketplace::UnitedStates, usd(100))],
        vec![],
        Some(old),
    );
    let c = s
        .compare(asin(), Marketplace::India, &[Marketplace::UnitedStates])
        .await;
    assert_eq!(c.rates.map(|r| r.stale), Some(true));
    assert!(c.notes.iter().any(|n| n.contains("stale")), "{:?}", c.notes);
}

#[tokio::test]
async fn a_buyer_outside_india_gets_no_guessed_duty() {
    let s = service(
        vec![
            phone(Marketplace::UnitedStates, usd(79_900)),
            phone(
                Marketplace::UnitedKingdom,
                Money::from_major(1, Currency::GBP),
            ),
        ],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(
            asin(),
            Marketplace::UnitedStates,
            &[Marketplace::UnitedKingdom],
        )
        .await;
    assert_eq!(c.currency, Currency::USD);
    let uk = option(&c, Marketplace::UnitedKingdom);
    assert!(uk.price_converted.is_some());
    assert_eq!((uk.duty, uk.landed), (None, None));
    assert_eq!(c.cheapest, Some(Marketplace::UnitedStates));
    assert!(
        c.notes
            .iter()
            .any(|n| n.contains("only known for buyers in India"))
    );
}

#[tokio::test]
async fn a_price_in_the_wrong_currency_is_not_used() {
    let s = service(
        vec![phone(Marketplace::Germany, usd(100))],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &[Marketplace::Germany])
        .await;
    let de = option(&c, Marketplace::Germany);
    assert_eq!(de.status, MarketStatus::PriceUnknown);
    assert_eq!(de.price, None);
    assert!(de.notes.iter().any(|n| n.contains("EUR")), "{:?}", de.notes);
}

#[tokio::test]
async fn the_document_has_a_markets_array_one_entry_per_store() {
    let s = service(
        vec![phone(Marketplace::India, inr(79_999))],
        vec![],
        Some(today()),
    );
    let c = s
        .compare(asin(), Marketplace::India, &DEFAULT_MARKETS)
        .await;
    let json = serde_json::to_value(&c).expect("json");
    let markets = json["markets"].as_array().expect("markets array");
    assert_eq!(markets.len(), 4);
    assert_eq!(markets[0]["marketplace"], "www.amazon.in");
    assert_eq!(markets[0]["status"], "available");
    assert_eq!(markets[1]["status"], "not_sold");
    assert_eq!(json["cheapest"], "www.amazon.in");
}
