//! The marketplaces the sandbox serves and each one's view of the catalogue.
//!
//! amazon.in sells every item of the catalogue at the prices the catalogue drew (the
//! default India catalogue is unchanged by the other markets). amazon.com, amazon.co.uk and
//! amazon.de each sell a seed-determined subset (whole variation families together; the
//! README's example ASINs everywhere), so catalogues overlap without being identical. An item
//! sold abroad gets, per market:
//!
//! * its own pricing key (its own daily noise, price-rise blocks, stock-outs and lightning
//!   deals, hashed from the item's key and the market);
//! * a regular price and list price in the market's currency: the Indian price converted at
//!   a fixed sandbox rate, times the market's price level and a per-item level (0.85–1.15),
//!   rounded to the market's customs (`$49.99`, `£19.49`, `1.299,00 €`: x.49 / x.99 below 20,
//!   x.99 below 1,000, whole tens minus one above);
//! * the market's sale calendar on its own local days ([`super::catalog::calendar`]).
//!
//! Titles, features and browse nodes stay amazon.in's (English, amazon.in node ids) in every
//! market; only prices, availability, deals and the locale fields follow the market.

use std::sync::Arc;

use mandi_core::{Asin, Currency, Marketplace};

use super::catalog::WELL_KNOWN_ASINS;
use super::catalog::calendar::{SaleCalendar, local_day, local_midnight, offset_of};
use super::catalog::lines::shop_round;
use super::catalog::model::{Category, Family, Item};
use super::catalog::rng::{hash, hash_str, unit};

/// The marketplaces the sandbox can serve, amazon.in first. A sandbox serves all of them
/// unless [`super::SandboxBuilder::marketplaces`] picks fewer.
pub const SANDBOX_MARKETPLACES: [Marketplace; 4] = [
    Marketplace::India,
    Marketplace::UnitedStates,
    Marketplace::UnitedKingdom,
    Marketplace::Germany,
];

const SALT_MARKET_KEY: u64 = 0x4D4B;
const SALT_LEVEL: u64 = 0x1E7E;
const SALT_SOLD: u64 = 0x5E11;

/// How one marketplace lists and prices the catalogue.
#[derive(Debug, Clone)]
pub(crate) struct MarketModel {
    /// The marketplace.
    pub(crate) marketplace: Marketplace,
    /// The fixed UTC offset of its days, seconds.
    pub(crate) offset: i64,
    /// Its sale calendar.
    pub(crate) calendar: Arc<SaleCalendar>,
    /// A number mixed into hashes (0 for India, whose keys are the catalogue's own).
    code: u64,
    /// Rupees per unit of the market's currency (the sandbox's fixed conversion).
    inr_per_unit: f64,
    /// The market's price level against India's after conversion.
    level: f64,
    /// The share of the Indian catalogue the market sells (before the category factor).
    share: f64,
}

/// An item as one market sells it: the pricing key, regular price at release and list price
/// (MRP) in the market's minor units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Priced<'a> {
    /// The catalogue item.
    pub(crate) item: &'a Item,
    /// The market's pricing key for the item.
    pub(crate) key: u64,
    /// Regular price at release, minor units.
    pub(crate) base: i64,
    /// List price (MRP), minor units.
    pub(crate) mrp: i64,
    /// The market.
    pub(crate) market: &'a MarketModel,
}

impl MarketModel {
    /// The model of a marketplace the sandbox can serve; `None` for the others.
    pub(crate) fn of(marketplace: Marketplace) -> Option<Self> {
        let (code, inr_per_unit, level, share) = match marketplace {
            Marketplace::India => (0, 1.0, 1.0, 1.0),
            Marketplace::UnitedStates => (1, 88.0, 1.0, 1.0),
            Marketplace::UnitedKingdom => (2, 118.0, 1.05, 0.9),
            Marketplace::Germany => (3, 103.0, 1.1, 0.8),
            _ => return None,
        };
        Some(Self {
            marketplace,
            offset: offset_of(marketplace),
            calendar: Arc::new(SaleCalendar::for_market(marketplace)),
            code,
            inr_per_unit,
            level,
            share,
        })
    }

    /// The market's currency.
    pub(crate) fn currency(&self) -> Currency {
        self.marketplace.currency()
    }

    /// True for amazon.in, whose prices are the catalogue's own.
    pub(crate) fn is_home(&self) -> bool {
        self.code == 0
    }

    /// The local day number of a unix time.
    pub(crate) fn day(&self, unix: i64) -> i64 {
        local_day(unix, self.offset)
    }

    /// The unix time of local midnight starting `day`.
    pub(crate) fn midnight(&self, day: i64) -> i64 {
        local_midnight(day, self.offset)
    }

    /// Rounds an amount in minor units to the market's price endings: ₹…9 in India
    /// (`shop_round`), x.49 / x.99 below 20 units, x.99 below 1,000 and whole tens minus one
    /// unit above elsewhere.
    pub(crate) fn round(&self, minor: f64) -> i64 {
        if self.is_home() {
            return shop_round(minor / 100.0) * 100;
        }
        let units = (minor / 100.0).max(1.0);
        if units >= 1_000.0 {
            (((units / 10.0).round() as i64) * 10 - 1) * 100
        } else if units >= 20.0 {
            (units.round() as i64) * 100 - 1
        } else {
            ((units * 2.0).round() as i64).max(1) * 50 - 1
        }
    }

    /// The lowest price the market shows, minor units: ₹1 in India, 0.99 elsewhere (the
    /// smallest amount [`MarketModel::round`] gives).
    pub(crate) fn floor(&self) -> i64 {
        if self.is_home() { 100 } else { 99 }
    }

    /// True when the market sells a buyable item: every item in India; abroad a share
    /// drawn per variation family (or standalone item) from the seed, by category.
    pub(crate) fn sells(&self, seed: u64, item: &Item, families: &[Family]) -> bool {
        if self.is_home() || WELL_KNOWN_ASINS.contains(&item.asin.as_str()) {
            return true;
        }
        let who: Asin = item
            .family
            .and_then(|f| families.get(f))
            .map_or(item.asin, |f| f.parent);
        let category = match item.category {
            Category::Phones => 0.55,
            Category::Laptops => 0.6,
            Category::Tvs => 0.45,
            Category::Appliances => 0.4,
            Category::Audio => 0.65,
            Category::Books => 0.35,
            Category::Fashion => 0.3,
            Category::Grocery => 0.15,
            Category::Beauty => 0.4,
        };
        let h = hash(&[seed, hash_str(who.as_str()), SALT_SOLD, self.code]);
        unit(h) < category * self.share
    }

    /// The item as this market prices it (whether it is sold is [`MarketModel::sells`]).
    pub(crate) fn priced<'a>(&'a self, item: &'a Item) -> Priced<'a> {
        if self.is_home() {
            return Priced {
                item,
                key: item.key,
                base: item.base,
                mrp: item.mrp,
                market: self,
            };
        }
        let key = hash(&[item.key, SALT_MARKET_KEY, self.code]);
        let level = self.level * (0.85 + unit(hash(&[key, SALT_LEVEL])) * 0.3);
        let convert = |paise: i64| paise as f64 / self.inr_per_unit * level;
        let base = self.round(convert(item.base));
        let mrp = self.round(convert(item.mrp)).max(base);
        Priced {
            item,
            key,
            base,
            mrp,
            market: self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_end_the_way_each_market_writes_them() {
        let us = MarketModel::of(Marketplace::UnitedStates).expect("served");
        assert_eq!(us.round(4_990.0), 4_999);
        assert_eq!(us.round(1_240.0), 1_249);
        assert_eq!(us.round(129_700.0), 129_900);
        assert_eq!(us.round(3.0), 99);
        let india = MarketModel::of(Marketplace::India).expect("served");
        assert_eq!(india.round(129_750.0), 129_900);
        assert!(MarketModel::of(Marketplace::France).is_none());
    }
}
