//! Cross-border comparison: one product's price in several Amazon stores, converted to the
//! buyer's currency, with shipping and (for a buyer in India) import duty, giving the
//! landed cost of each option and the cheapest one.
//!
//! [`CrossBorderService::compare`] reads the product in each store through the
//! [`CatalogService`] (one call per store, saved to the history like any lookup), converts
//! with one [`RateCache`] table for the whole comparison ([`crate::fx`]: exact, half-even
//! to the paisa), adds a shipping estimate ([`ShippingTable`], labelled as an estimate),
//! and computes India's customs duty from the table in the repository ([`DutyTable`],
//! with its sources and date; see [`duty`] for the arithmetic and rounding).
//!
//! An option is only a candidate for "cheapest" when the store has the product in stock
//! at a known price and every part of its landed cost is known: a missing rate, a store
//! that does not ship the goods to India, or a buyer outside India (no duty table for that
//! country) leaves the landed cost unknown rather than guessed.
//!
//! ```no_run
//! # async fn run(service: mandi_core::crossborder::CrossBorderService) {
//! use mandi_core::{Asin, Marketplace};
//! let asin: Asin = "B0CX59H5W7".parse().expect("asin");
//! let markets = [Marketplace::UnitedStates, Marketplace::UnitedKingdom, Marketplace::Germany];
//! let c = service.compare(asin, Marketplace::India, &markets).await;
//! if let Some(best) = c.cheapest {
//!     println!("cheapest: {best}");
//! }
//! # }
//! ```

pub mod duty;
pub mod shipping;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use duty::{DutyBreakdown, DutyCategory, DutyError, DutyTable, ParcelSize, TableError};
pub use shipping::{ShippingEstimate, ShippingTable};

use crate::catalog::CatalogService;
use crate::domain::{Asin, Availability, Currency, Marketplace, Money, Product};
use crate::fx::{RateCache, RateSource, RateTable};

/// The stores compared when none are named: the four the sandbox serves and the largest
/// stores an Indian buyer orders from.
pub const DEFAULT_MARKETS: [Marketplace; 4] = [
    Marketplace::India,
    Marketplace::UnitedStates,
    Marketplace::UnitedKingdom,
    Marketplace::Germany,
];

/// Where one store stands for the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MarketStatus {
    /// In stock (or up for pre-order) at a known price.
    Available,
    /// Listed, but not in stock.
    OutOfStock,
    /// A price, but whether it is in stock is not known.
    StockUnknown,
    /// Listed without a known price.
    PriceUnknown,
    /// The store does not sell this ASIN.
    NotSold {
        /// The source's error code (`ItemNotAccessible`).
        code: String,
        /// The source's message.
        message: String,
    },
    /// The goods cannot be imported as a personal courier import.
    NotImportable {
        /// Why (from the duty table).
        reason: String,
    },
    /// The store does not ship goods of this size to India.
    NotShipped,
    /// The store could not be asked (credentials, quota, network).
    Failed {
        /// What went wrong.
        message: String,
    },
}

/// One store's option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketOption {
    /// The store.
    pub marketplace: Marketplace,
    /// Where it stands.
    #[serde(flatten)]
    pub status: MarketStatus,
    /// The product's title in this store.
    pub title: Option<String>,
    /// The buy-box availability.
    pub availability: Availability,
    /// The buy-box price in the store's currency.
    pub price: Option<Money>,
    /// That price in the buyer's currency.
    pub price_converted: Option<Money>,
    /// The shipping counted.
    pub shipping: Option<ShippingEstimate>,
    /// The shipping estimate in the buyer's currency (zero for a domestic purchase).
    pub shipping_converted: Option<Money>,
    /// The duty category the product falls in (for imports into India).
    pub duty_category: Option<String>,
    /// The duty, for an import into India.
    pub duty: Option<DutyBreakdown>,
    /// Price + shipping + duty in the buyer's currency, when every part is known.
    pub landed: Option<Money>,
    /// True for the cheapest option.
    pub cheapest: bool,
    /// Why a part is missing or uncertain, in words.
    pub notes: Vec<String>,
}

impl MarketOption {
    fn new(marketplace: Marketplace, status: MarketStatus) -> Self {
        Self {
            marketplace,
            status,
            title: None,
            availability: Availability::Unknown,
            price: None,
            price_converted: None,
            shipping: None,
            shipping_converted: None,
            duty_category: None,
            duty: None,
            landed: None,
            cheapest: false,
            notes: Vec::new(),
        }
    }
}

/// The exchange rates a comparison used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RatesUsed {
    /// The rates' date.
    pub date: NaiveDate,
    /// True when older than the policy allows: show the conversions as stale.
    pub stale: bool,
}

/// The tables a comparison used, with their dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TablesUsed {
    /// The duty table's title.
    pub duty_title: String,
    /// The duty table's date.
    pub duty_as_of: String,
    /// The duty table's sources.
    pub duty_sources: Vec<String>,
    /// The shipping table's title.
    pub shipping_title: String,
    /// The shipping table's date.
    pub shipping_as_of: String,
}

/// One product across stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketComparison {
    /// The product.
    pub asin: Asin,
    /// The buyer's own store.
    pub home: Marketplace,
    /// The buyer's currency.
    pub currency: Currency,
    /// A title for the product (the home store's, else the first found).
    pub title: Option<String>,
    /// The rates used, when any could be had.
    pub rates: Option<RatesUsed>,
    /// The tables used.
    pub tables: TablesUsed,
    /// One entry per store, the buyer's own first.
    pub markets: Vec<MarketOption>,
    /// The cheapest store by landed cost, when any option is complete.
    pub cheapest: Option<Marketplace>,
    /// How much the cheapest option saves against buying at home, when both are known and
    /// the cheapest is abroad.
    pub saving_vs_home: Option<Money>,
    /// Notes on the whole comparison (rates missing or stale, no duty table).
    pub notes: Vec<String>,
}

/// Compares a product's landed cost across stores.
#[derive(Clone)]
pub struct CrossBorderService {
    catalog: CatalogService,
    rates: Arc<RateCache<Arc<dyn RateSource>>>,
    duties: Arc<DutyTable>,
    shipping: Arc<ShippingTable>,
}

impl std::fmt::Debug for CrossBorderService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrossBorderService")
            .field("duties", &self.duties.as_of)
            .field("shipping", &self.shipping.as_of)
            .finish_non_exhaustive()
    }
}

impl CrossBorderService {
    /// A service over `catalog` and `rates`, with the duty and shipping tables shipped with
    /// Mandi.
    ///
    /// # Errors
    ///
    /// Never with the shipped tables (tests read them); [`TableError`] otherwise.
    pub fn new(
        catalog: CatalogService,
        rates: Arc<RateCache<Arc<dyn RateSource>>>,
    ) -> Result<Self, TableError> {
        Ok(Self {
            catalog,
            rates,
            duties: Arc::new(DutyTable::india()?),
            shipping: Arc::new(ShippingTable::india()?),
        })
    }

    /// Uses other tables (an operator's updated copy).
    pub fn with_tables(mut self, duties: DutyTable, shipping: ShippingTable) -> Self {
        self.duties = Arc::new(duties);
        self.shipping = Arc::new(shipping);
        self
    }

    /// The duty table in use.
    pub fn duty_table(&self) -> &DutyTable {
        &self.duties
    }

    /// Compares `asin` in `home` and each of `markets` (duplicates dropped, `home` first)
    /// for a buyer whose store is `home`.
    #[tracing::instrument(skip_all, fields(asin = %asin, home = %home))]
    pub async fn compare(
        &self,
        asin: Asin,
        home: Marketplace,
        markets: &[Marketplace],
    ) -> MarketComparison {
        let mut order = vec![home];
        for m in markets {
            if !order.contains(m) {
                order.push(*m);
            }
        }
        let mut notes = Vec::new();
        let table = match self.rates.table().await {
            Ok(snapshot) => {
                if snapshot.stale {
                    notes.push(format!(
                        "exchange rates of {} are stale: conversions may be off",
                        snapshot.table.date()
                    ));
                }
                Some((snapshot.table, snapshot.stale))
            }
            Err(e) => {
                notes.push(format!(
                    "no exchange rates ({e}): foreign prices are not converted"
                ));
                None
            }
        };
        if home != Marketplace::India {
            notes.push(format!(
                "import duty is only known for buyers in India; options from outside {} have no landed cost",
                home.country_code()
            ));
        }
        let mut options = Vec::with_capacity(order.len());
        let mut title = None;
        for market in order {
            let (option, product) = self
                .option(asin, home, market, table.as_ref().map(|(t, _)| t))
                .await;
            if (title.is_none() || market == home)
                && let Some(p) = product
            {
                title = Some(p.title);
            }
            options.push(option);
        }
        let cheapest = pick_cheapest(&mut options);
        let home_landed = options
            .iter()
            .find(|o| o.marketplace == home && o.status == MarketStatus::Available)
            .and_then(|o| o.landed);
        let saving_vs_home = match (cheapest, home_landed) {
            (Some(best), Some(at_home)) if best != home => options
                .iter()
                .find(|o| o.marketplace == best)
                .and_then(|o| o.landed)
                .and_then(|l| at_home.checked_sub(l).ok()),
            _ => None,
        };
        MarketComparison {
            asin,
            home,
            currency: home.currency(),
            title,
            rates: table.map(|(t, stale)| RatesUsed {
                date: t.date(),
                stale,
            }),
            tables: TablesUsed {
                duty_title: self.duties.title.clone(),
                duty_as_of: self.duties.as_of.clone(),
                duty_sources: self.duties.sources.clone(),
                shipping_title: self.shipping.title.clone(),
                shipping_as_of: self.shipping.as_of.clone(),
            },
            markets: options,
            cheapest,
            saving_vs_home,
            notes,
        }
    }

    /// One store's option, and the product found there.
    async fn option(
        &self,
        asin: Asin,
        home: Marketplace,
        market: Marketplace,
        rates: Option<&RateTable>,
    ) -> (MarketOption, Option<Product>) {
        let batch = match self.catalog.lookup(market, &[asin]).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(%market, error = %e, "store not compared");
                let failed = MarketStatus::Failed {
                    message: e.to_string(),
                };
                return (MarketOption::new(market, failed), None);
            }
        };
        let Some(product) = batch.items.into_iter().find(|p| p.asin == asin) else {
            let (code, message) = batch
                .errors
                .into_iter()
                .find(|e| e.asin == asin)
                .map_or_else(
                    || {
                        (
                            "NotFound".to_owned(),
                            "the store returned no such item".to_owned(),
                        )
                    },
                    |e| (e.code, e.message),
                );
            return (
                MarketOption::new(market, MarketStatus::NotSold { code, message }),
                None,
            );
        };
        let option = self.price_option(&product, home, market, rates);
        (option, Some(product))
    }

    fn price_option(
        &self,
        product: &Product,
        home: Marketplace,
        market: Marketplace,
        rates: Option<&RateTable>,
    ) -> MarketOption {
        let mut o = MarketOption::new(market, MarketStatus::PriceUnknown);
        o.title = Some(product.title.clone());
        o.availability = product.availability();
        let price = product
            .price()
            .filter(|p| p.currency() == market.currency() && p.minor() > 0);
        if product.price().is_some() && price.is_none() {
            o.notes.push(format!(
                "the store's price is not a {} amount above zero; it is not used",
                market.currency().code()
            ));
        }
        o.price = price;
        let Some(price) = price else {
            return o;
        };
        o.status = match o.availability {
            Availability::InStock | Availability::Preorder => MarketStatus::Available,
            Availability::OutOfStock => MarketStatus::OutOfStock,
            Availability::Unknown => MarketStatus::StockUnknown,
        };
        let to = home.currency();
        let convert = |m: Money, o: &mut MarketOption| -> Option<Money> {
            if m.currency() == to {
                return Some(m);
            }
            let table = rates?;
            match table.convert(m, to) {
                Ok(c) => Some(c),
                Err(e) => {
                    o.notes.push(e.to_string());
                    None
                }
            }
        };
        o.price_converted = convert(price, &mut o);
        let foreign = market.country_code() != home.country_code();
        let category = self.duties.category_of(product);
        if foreign && home == Marketplace::India {
            o.duty_category = Some(category.key.clone());
            if let Some(reason) = &category.not_importable_because {
                o.status = MarketStatus::NotImportable {
                    reason: reason.clone(),
                };
                return o;
            }
        }
        let shipping = self.shipping.estimate(market, home, category.size);
        o.shipping = Some(shipping);
        o.shipping_converted = match shipping {
            ShippingEstimate::Domestic => Some(Money::zero(to)),
            ShippingEstimate::Estimated {
                amount,
                default_row,
            } => {
                if default_row {
                    o.notes.push(format!(
                        "no shipping estimate for {market}: the default row is used"
                    ));
                }
                convert(amount, &mut o)
            }
            ShippingEstimate::NotShipped => {
                if o.status == MarketStatus::Available {
                    o.status = MarketStatus::NotShipped;
                }
                return o;
            }
        };
        let (Some(cost), Some(freight)) = (o.price_converted, o.shipping_converted) else {
            return o;
        };
        let duty_total = if !foreign {
            Some(Money::zero(to))
        } else if home == Marketplace::India {
            match self.duties.duty(category, cost, freight) {
                Ok(d) => {
                    if d.over_courier_limit {
                        o.notes.push(format!(
                            "worth more than {} as a courier import: assessed at tariff rates instead, so this duty may be wrong",
                            self.duties.courier_value_limit.display_in(Marketplace::India)
                        ));
                    }
                    o.duty = Some(d);
                    Some(d.total)
                }
                Err(e) => {
                    o.notes.push(e.to_string());
                    None
                }
            }
        } else {
            None
        };
        o.landed = duty_total.and_then(|d| {
            cost.checked_add(freight)
                .and_then(|m| m.checked_add(d))
                .ok()
        });
        o
    }
}

/// Marks and returns the cheapest complete, available option (ties go to the earlier
/// entry, the buyer's own store first).
fn pick_cheapest(options: &mut [MarketOption]) -> Option<Marketplace> {
    let best = options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.status == MarketStatus::Available)
        .filter_map(|(i, o)| o.landed.map(|l| (l.minor(), i)))
        .min()?
        .1;
    let option = options.get_mut(best)?;
    option.cheapest = true;
    Some(option.marketplace)
}

#[cfg(test)]
mod tests;
