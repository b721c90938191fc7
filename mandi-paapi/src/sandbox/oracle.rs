//! The price oracle: the true offer of every item at every moment, a pure function of
//! (seed, ASIN, time), and the list of market events in a time range.
//!
//! The model, per item and IST day:
//! * a regular price that erodes with age (electronics get cheaper, groceries dearer), moves
//!   in 30-day blocks (a block may carry a price rise of 4–9 %) and wobbles ±1.5 % in 3-day
//!   steps;
//! * festival sales on the Indian calendar (Republic Day, Prime Day, Freedom Festival, Great
//!   Indian Festival up to Diwali, Year End): a participating item is discounted for the
//!   whole window. Some participations are *fake*: 7–14 days before the sale the price and
//!   the MRP are both raised, and the "sale" brings the price back to about where it was;
//! * lightning deals: on some days a window of 2–8 hours with an extra 8–20 % off and a
//!   claimed percentage that grows with time;
//! * stock-outs: some 24-day blocks hold a 1–5 day stock-out; the price is unknown (no
//!   buying price is offered) while out of stock, never zero.
//!
//! Money is integer paise at the output; `f64` is used only inside the model and rounded
//! deterministically (to the shop's ₹…9 endings).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mandi_core::{Asin, Availability, Marketplace, Merchant, Money, Reviews};
use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::catalog::Entry;
use super::catalog::calendar::{DAY_SECS, SaleKind, SaleWindow, to_utc};
use super::catalog::model::{Item, SELLERS};
use super::catalog::rng::{hash3, unit};
use super::markets::{MarketModel, Priced, SANDBOX_MARKETPLACES};

const SALT_NOISE: u64 = 0x6E01;
const SALT_RISE: u64 = 0x61E5;
const SALT_SALE: u64 = 0x5A1E;
const SALT_DEAL: u64 = 0xDEA1;
const SALT_STOCK: u64 = 0x5706;
const SALT_SCARCE: u64 = 0x5CA2;

/// The kind of a deal on an offer.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealKind {
    /// A festival sale price ("Limited time deal") for the whole sale window.
    Sale,
    /// A lightning deal: a few hours, limited stock.
    Lightning,
}

/// A deal running on an offer.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrueDeal {
    /// Sale or lightning deal.
    pub kind: DealKind,
    /// The badge the shop shows (`Lightning Deal`, `Great Indian Festival`).
    pub badge: String,
    /// `ALL` or `PRIME_EXCLUSIVE` (Prime Day).
    pub access_type: String,
    /// When the deal started.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// Percent of the deal stock claimed (lightning deals), 0–100.
    pub percent_claimed: Option<u8>,
}

/// The true offer of an item at one moment.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrueOffer {
    /// The item.
    pub asin: Asin,
    /// The moment.
    pub at: DateTime<Utc>,
    /// The buying price; `None` while out of stock (unknown, never zero).
    pub price: Option<Money>,
    /// The price the item would sell at without sale or deal (what a fair reference is).
    pub regular_price: Money,
    /// The MRP shown as the saving basis (raised before a fake sale).
    pub mrp: Money,
    /// The stock state.
    pub availability: Availability,
    /// Few left in stock.
    pub scarce: bool,
    /// The deal, if one runs.
    pub deal: Option<TrueDeal>,
    /// The sale running for this item, by name.
    pub sale: Option<String>,
    /// True during a fake sale (and its run-up with the raised MRP).
    pub fake_sale: bool,
}

impl TrueOffer {
    /// The saving against the MRP in whole percent, when there is a price below the MRP.
    pub fn discount_percent(&self) -> Option<u8> {
        let price = self.price?.minor();
        let mrp = self.mrp.minor();
        (mrp > price && mrp > 0).then(|| ((mrp - price) * 100 / mrp).clamp(0, 99) as u8)
    }
}

/// What happened to an item.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The item's sale price started.
    SaleStarted {
        /// The sale's name.
        sale: String,
        /// True for a fake sale (the MRP was raised before).
        fake: bool,
    },
    /// The item's sale price ended.
    SaleEnded {
        /// The sale's name.
        sale: String,
    },
    /// Price and MRP were raised ahead of a fake sale.
    MrpRaised {
        /// MRP before.
        from: Money,
        /// MRP after.
        to: Money,
    },
    /// The regular price went up (a 30-day price level).
    PriceRise {
        /// Regular price before.
        from: Money,
        /// Regular price after.
        to: Money,
    },
    /// The regular price came down for real (a price level ended).
    RealDrop {
        /// Regular price before.
        from: Money,
        /// Regular price after.
        to: Money,
    },
    /// The item went out of stock.
    StockOut,
    /// The item came back into stock.
    Restock,
    /// A lightning deal started.
    LightningDealStarted {
        /// When it ends.
        ends_at: DateTime<Utc>,
    },
    /// A lightning deal ended.
    LightningDealEnded,
}

/// One market event.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Which item.
    pub asin: Asin,
    /// What.
    pub kind: EventKind,
}

/// A sale window of the calendar.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleInfo {
    /// The sale's name.
    pub name: String,
    /// Start (IST midnight of its first day).
    pub starts_at: DateTime<Utc>,
    /// End (IST midnight after its last day).
    pub ends_at: DateTime<Utc>,
}

/// How an item takes part in one sale.
#[derive(Debug, Clone, Copy)]
struct Participation {
    window: SaleWindow,
    discount_bps: i64,
    fake: bool,
    raise_bps: i64,
    lead_days: i64,
}

/// One IST day's state of an item (before lightning deals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DayState {
    regular: i64,
    level_up: bool,
    price: i64,
    mrp: i64,
    in_sale: Option<(SaleWindow, bool)>,
    fake_lead: bool,
    out_of_stock: bool,
}

/// A lightning deal window, unix seconds.
#[derive(Debug, Clone, Copy)]
struct Lightning {
    start: i64,
    end: i64,
    extra_bps: i64,
    max_claim: u64,
}

/// An item the sandbox served glitched ([`super::Faults::glitch`]): what was shown is not
/// real.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServedGlitch {
    /// The item.
    pub asin: Asin,
    /// When it was served (sandbox clock).
    pub at: DateTime<Utc>,
    /// How it was wrong.
    pub kind: super::faults::GlitchKind,
    /// The true price at that moment.
    pub true_price: Option<Money>,
    /// The price shown.
    pub shown_price: Option<Money>,
    /// The title shown.
    pub shown_title: String,
}

/// The true prices and events of a catalogue.
#[derive(Clone)]
pub struct Oracle {
    catalog: Arc<Catalog>,
    /// The models of [`SANDBOX_MARKETPLACES`], India first.
    markets: Arc<Vec<MarketModel>>,
    glitches: Arc<std::sync::Mutex<Vec<ServedGlitch>>>,
}

impl std::fmt::Debug for Oracle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oracle")
            .field("catalog", &self.catalog)
            .finish_non_exhaustive()
    }
}

impl Oracle {
    /// The oracle of a catalogue.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        let markets = SANDBOX_MARKETPLACES
            .iter()
            .filter_map(|&m| MarketModel::of(m))
            .collect();
        Self {
            catalog,
            markets: Arc::new(markets),
            glitches: Arc::default(),
        }
    }

    /// amazon.in's model (always the first).
    fn home(&self) -> &MarketModel {
        &self.markets[0]
    }

    /// The model of a marketplace the oracle knows.
    pub(crate) fn market(&self, marketplace: Marketplace) -> Option<&MarketModel> {
        self.markets.iter().find(|m| m.marketplace == marketplace)
    }

    /// A buyable item as a market prices it, when that market sells it.
    pub(crate) fn priced(&self, marketplace: Marketplace, asin: Asin) -> Option<Priced<'_>> {
        let item = self.catalog.item(asin)?;
        self.priced_item(marketplace, item)
    }

    /// An item of the catalogue as a market prices it, when that market sells it.
    pub(crate) fn priced_item<'a>(
        &'a self,
        marketplace: Marketplace,
        item: &'a Item,
    ) -> Option<Priced<'a>> {
        let market = self.market(marketplace)?;
        market
            .sells(self.catalog.seed(), item, &self.catalog.families)
            .then(|| market.priced(item))
    }

    /// True when a marketplace sells the ASIN: a buyable item it lists, or a variation
    /// parent with at least one child it lists. amazon.in sells the whole catalogue;
    /// amazon.com, amazon.co.uk and amazon.de a seed-determined part of it; any other
    /// marketplace nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use mandi_core::Marketplace;
    /// use mandi_paapi::sandbox::{Catalog, Oracle};
    /// let oracle = Oracle::new(Catalog::for_seed(1));
    /// let phone = oracle.catalog().sample().phone;
    /// assert!(oracle.sells(Marketplace::India, phone));
    /// assert!(!oracle.sells(Marketplace::France, phone));
    /// ```
    pub fn sells(&self, marketplace: Marketplace, asin: Asin) -> bool {
        match self.catalog.entry(asin) {
            Some(Entry::Item(_)) => self.priced(marketplace, asin).is_some(),
            Some(Entry::Parent(f)) => self.catalog.families[f].children.iter().any(|&i| {
                self.priced_item(marketplace, &self.catalog.items[i])
                    .is_some()
            }),
            None => false,
        }
    }

    /// The marketplaces that sell an ASIN, in [`SANDBOX_MARKETPLACES`] order (India first;
    /// empty for an ASIN the catalogue does not hold).
    pub fn markets_of(&self, asin: Asin) -> Vec<Marketplace> {
        SANDBOX_MARKETPLACES
            .into_iter()
            .filter(|&m| self.sells(m, asin))
            .collect()
    }

    /// Every buyable ASIN a marketplace sells, in catalogue order.
    pub fn asins_in(&self, marketplace: Marketplace) -> Vec<Asin> {
        let Some(market) = self.market(marketplace) else {
            return Vec::new();
        };
        let seed = self.catalog.seed();
        self.catalog
            .items
            .iter()
            .filter(|i| market.sells(seed, i, &self.catalog.families))
            .map(|i| i.asin)
            .collect()
    }

    /// The true offer of an item in a marketplace at `at`, priced in that market's currency
    /// with its own sale calendar; `None` when the marketplace does not sell the ASIN (or is
    /// not one of [`SANDBOX_MARKETPLACES`]). For India it is [`Oracle::offer`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use mandi_core::{Currency, Marketplace};
    /// use mandi_paapi::sandbox::{Catalog, Oracle};
    /// let oracle = Oracle::new(Catalog::for_seed(1));
    /// let t = Utc.with_ymd_and_hms(2026, 10, 20, 6, 0, 0).unwrap();
    /// let asin = oracle.asins_in(Marketplace::Germany)[0];
    /// let offer = oracle.offer_in(Marketplace::Germany, asin, t).unwrap();
    /// assert_eq!(offer.mrp.currency(), Currency::EUR);
    /// ```
    pub fn offer_in(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        at: DateTime<Utc>,
    ) -> Option<TrueOffer> {
        let p = self.priced(marketplace, asin)?;
        Some(self.offer_priced(&p, at))
    }

    /// Every glitch the sandbox served so far, in the order served: the observations that
    /// were not real.
    pub fn glitches(&self) -> Vec<ServedGlitch> {
        self.glitches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Remembers a glitch served.
    pub(crate) fn record_glitch(&self, glitch: ServedGlitch) {
        self.glitches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(glitch);
    }

    /// The catalogue.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The true offer of a buyable item at `at`; `None` for an ASIN the catalogue does not
    /// sell (unknown, or a variation parent).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use mandi_paapi::sandbox::{Catalog, Oracle};
    /// let oracle = Oracle::new(Catalog::for_seed(1));
    /// let asin = oracle.catalog().sample().phone;
    /// let t = Utc.with_ymd_and_hms(2026, 10, 20, 6, 0, 0).unwrap();
    /// let offer = oracle.offer(asin, t).unwrap();
    /// assert_eq!(offer, oracle.offer(asin, t).unwrap());
    /// assert!(offer.price.is_none_or(|p| p.minor() > 0));
    /// ```
    pub fn offer(&self, asin: Asin, at: DateTime<Utc>) -> Option<TrueOffer> {
        let item = self.catalog.item(asin)?;
        Some(self.offer_of(item, at))
    }

    /// The review summary and seller a buyable item's offers show (constant over time), for
    /// backtests that build [`mandi_core::Product`]s straight from the oracle; `None` for an
    /// ASIN the catalogue does not sell.
    pub fn listing_facts(&self, asin: Asin) -> Option<(Reviews, Merchant)> {
        let item = self.catalog.item(asin)?;
        let seller = SELLERS[item.merchant.min(SELLERS.len() - 1)];
        Some((
            item.reviews,
            Merchant {
                id: Some(seller.id.to_owned()),
                name: Some(seller.name.to_owned()),
                fulfilled_by_amazon: item.fba,
            },
        ))
    }

    /// Every sale of amazon.in's calendar overlapping `[from, to)`.
    pub fn sales(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<SaleInfo> {
        self.sales_in(Marketplace::India, from, to)
    }

    /// Every sale of a marketplace's calendar overlapping `[from, to)` (empty for a
    /// marketplace outside [`super::SANDBOX_MARKETPLACES`]).
    pub fn sales_in(
        &self,
        marketplace: Marketplace,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<SaleInfo> {
        let Some(market) = self.market(marketplace) else {
            return Vec::new();
        };
        market
            .calendar
            .windows()
            .iter()
            .filter(|w| w.starts_unix() < to.timestamp() && w.ends_unix() > from.timestamp())
            .map(|w| SaleInfo {
                name: w.kind.name().to_owned(),
                starts_at: to_utc(w.starts_unix()),
                ends_at: to_utc(w.ends_unix()),
            })
            .collect()
    }

    /// The events of an item on amazon.in in `[from, to)`, in time order; empty for an ASIN
    /// the catalogue does not sell.
    pub fn events(&self, asin: Asin, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<MarketEvent> {
        self.events_in(Marketplace::India, asin, from, to)
    }

    /// The events of an item in one marketplace in `[from, to)`, in time order (amounts in
    /// that market's currency); empty for an ASIN the marketplace does not sell.
    pub fn events_in(
        &self,
        marketplace: Marketplace,
        asin: Asin,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<MarketEvent> {
        let Some(p) = self.priced(marketplace, asin) else {
            return Vec::new();
        };
        let p = &p;
        let (from, to) = (from.timestamp(), to.timestamp());
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let mut push = |at: i64, kind: EventKind| {
            if at >= from && at < to {
                out.push(MarketEvent {
                    at: to_utc(at),
                    asin,
                    kind,
                });
            }
        };
        let first = p.market.day(from);
        let last = p.market.day(to - 1);
        let currency = p.market.currency();
        let mut prev = self.day_state(p, first - 1);
        for day in first..=last {
            let cur = self.day_state(p, day);
            let at = p.market.midnight(day);
            let inr = |minor: i64| Money::from_minor(minor, currency);
            if cur.regular != prev.regular && cur.level_up != prev.level_up {
                if cur.level_up {
                    push(
                        at,
                        EventKind::PriceRise {
                            from: inr(prev.regular),
                            to: inr(cur.regular),
                        },
                    );
                } else {
                    push(
                        at,
                        EventKind::RealDrop {
                            from: inr(prev.regular),
                            to: inr(cur.regular),
                        },
                    );
                }
            }
            if cur.fake_lead && !prev.fake_lead && prev.in_sale.is_none() {
                push(
                    at,
                    EventKind::MrpRaised {
                        from: inr(prev.mrp),
                        to: inr(cur.mrp),
                    },
                );
            }
            match (prev.in_sale, cur.in_sale) {
                (Some((a, _)), Some((b, _))) if a == b => {}
                (before, now) => {
                    if let Some((w, _)) = before {
                        push(
                            at,
                            EventKind::SaleEnded {
                                sale: w.kind.name().to_owned(),
                            },
                        );
                    }
                    if let Some((w, fake)) = now {
                        push(
                            at,
                            EventKind::SaleStarted {
                                sale: w.kind.name().to_owned(),
                                fake,
                            },
                        );
                    }
                }
            }
            if cur.out_of_stock && !prev.out_of_stock {
                push(at, EventKind::StockOut);
            }
            if !cur.out_of_stock && prev.out_of_stock {
                push(at, EventKind::Restock);
            }
            if let Some(deal) = self.lightning(p, day) {
                push(
                    deal.start,
                    EventKind::LightningDealStarted {
                        ends_at: to_utc(deal.end),
                    },
                );
                push(deal.end, EventKind::LightningDealEnded);
            }
            prev = cur;
        }
        out.sort_by_key(|e| e.at);
        out
    }

    /// The true offer of an item on amazon.in.
    pub(crate) fn offer_of(&self, item: &Item, at: DateTime<Utc>) -> TrueOffer {
        self.offer_priced(&self.home().priced(item), at)
    }

    /// The true offer of an item as one market prices it.
    pub(crate) fn offer_priced(&self, p: &Priced<'_>, at: DateTime<Utc>) -> TrueOffer {
        let t = at.timestamp();
        let day = p.market.day(t);
        let state = self.day_state(p, day);
        let currency = p.market.currency();
        let inr = |minor: i64| Money::from_minor(minor, currency);
        let mut price = state.price;
        let mut deal = None;
        if let Some((window, _)) = state.in_sale {
            deal = Some(TrueDeal {
                kind: DealKind::Sale,
                badge: window.kind.name().to_owned(),
                access_type: if window.kind == SaleKind::PrimeDay {
                    "PRIME_EXCLUSIVE".to_owned()
                } else {
                    "ALL".to_owned()
                },
                starts_at: to_utc(window.starts_unix()),
                ends_at: to_utc(window.ends_unix()),
                percent_claimed: None,
            });
        }
        if !state.out_of_stock
            && let Some(l) = self.lightning(p, day)
            && (l.start..l.end).contains(&t)
        {
            price = p
                .market
                .round(price as f64 * (1.0 - l.extra_bps as f64 / 10_000.0));
            let elapsed = (t - l.start).max(0) as u64;
            let span = (l.end - l.start).max(1) as u64;
            let claimed = (l.max_claim * elapsed / span).min(100) as u8;
            deal = Some(TrueDeal {
                kind: DealKind::Lightning,
                badge: "Lightning Deal".to_owned(),
                access_type: "ALL".to_owned(),
                starts_at: to_utc(l.start),
                ends_at: to_utc(l.end),
                percent_claimed: Some(claimed),
            });
        }
        let floor = p.market.floor();
        let price = price.clamp(floor, state.mrp.max(floor));
        let scarce = !state.out_of_stock && hash3(p.key, SALT_SCARCE, day) % 100 < 6;
        TrueOffer {
            asin: p.item.asin,
            at,
            price: (!state.out_of_stock).then(|| inr(price)),
            regular_price: inr(state.regular),
            mrp: inr(state.mrp),
            availability: if state.out_of_stock {
                Availability::OutOfStock
            } else {
                Availability::InStock
            },
            scarce,
            deal: if state.out_of_stock { None } else { deal },
            sale: state.in_sale.map(|(w, _)| w.kind.name().to_owned()),
            fake_sale: state.in_sale.is_some_and(|(_, f)| f) || state.fake_lead,
        }
    }

    /// The probability of an in-stock price at or below `target_paise` within `horizon_days`
    /// after `at`, for a forecaster that knows everything about the item except the daily
    /// lightning-deal draws: its regular prices, sale participations, fake-sale run-ups and
    /// stock-outs ahead, and its category's true lightning-deal rates and depths. No forecast
    /// from the price history alone can be sharper, so its Brier score is a floor for the
    /// backtest (approximate: lightning deals of the day of `at` and of the horizon's last day
    /// count as whole days). `None` for an ASIN the catalogue does not sell. amazon.in only.
    pub fn informed_drop_probability(
        &self,
        asin: Asin,
        at: DateTime<Utc>,
        target_paise: i64,
        horizon_days: u32,
    ) -> Option<f64> {
        let item = self.catalog.item(asin)?;
        let p = &self.home().priced(item);
        let profile = item.category.profile();
        let t = at.timestamp();
        let first = p.market.day(t);
        let last = p.market.day(t + i64::from(horizon_days) * DAY_SECS);
        let mut no_drop = 1.0;
        for day in first..=last {
            let state = self.day_state(p, day);
            if state.out_of_stock {
                continue;
            }
            let price = state.price.clamp(100, state.mrp.max(100));
            // Today's price before `at` is already past; later days count in full.
            if day > first && price <= target_paise {
                return Some(1.0);
            }
            let rate = if p.market.calendar.on(day).is_some() {
                profile.deal_sale
            } else {
                profile.deal_normal
            };
            // Extra discounts are uniform over 800..=1999 bps; deeper is cheaper, so the
            // ones that reach the target are a tail found by bisection.
            let reaches = |extra: i64| {
                p.market
                    .round(price as f64 * (1.0 - extra as f64 / 10_000.0))
                    .clamp(100, state.mrp.max(100))
                    <= target_paise
            };
            let share = if !reaches(1_999) {
                0.0
            } else if reaches(800) {
                1.0
            } else {
                let (mut lo, mut hi) = (800, 1_999);
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2;
                    if reaches(mid) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                (2_000 - hi) as f64 / 1_200.0
            };
            no_drop *= 1.0 - rate * share;
        }
        Some(1.0 - no_drop)
    }

    /// The regular price (minor units) of a day and whether a price-rise block is on.
    fn regular(&self, p: &Priced<'_>, day: i64) -> (i64, bool) {
        let profile = p.item.category.profile();
        let age_years = ((day - p.item.released).max(0) as f64 / 365.0).min(4.0);
        let erosion = 1.0 - profile.yearly_erosion_bps as f64 / 10_000.0 * age_years;
        let block = day.div_euclid(30);
        let rise = unit(hash3(p.key, SALT_RISE, block));
        let level_up = rise < 0.12;
        let level = if level_up {
            1.04 + rise / 0.12 * 0.05
        } else {
            1.0
        };
        let step = day.div_euclid(3);
        let noise = 1.0 + (unit(hash3(p.key, SALT_NOISE, step)) - 0.5) * 0.03;
        let regular = p
            .market
            .round(p.base as f64 * erosion.max(0.4) * level * noise);
        (regular.min(p.mrp), level_up)
    }

    fn participation(&self, p: &Priced<'_>, window: &SaleWindow) -> Option<Participation> {
        let profile = p.item.category.profile();
        let h = hash3(p.key, SALT_SALE, window.key() as i64);
        if unit(h) >= profile.sale_participation {
            return None;
        }
        let h2 = super::catalog::rng::mix(h);
        let (lo, hi) = profile.sale_discount_bps;
        let discount_bps = lo + (h2 % (hi - lo + 1).max(1) as u64) as i64;
        let fake = unit(super::catalog::rng::mix(h2)) < profile.fake_sale;
        Some(Participation {
            window: *window,
            discount_bps,
            fake,
            raise_bps: 1_500 + (h2 >> 20) as i64 % 2_000,
            lead_days: 7 + (h2 >> 40) as i64 % 8,
        })
    }

    fn day_state(&self, p: &Priced<'_>, day: i64) -> DayState {
        let (regular, level_up) = self.regular(p, day);
        let round = |x: f64| p.market.round(x);
        let mut price = regular;
        let mut mrp = p.mrp;
        let mut in_sale = None;
        let mut fake_lead = false;
        // The sale running today, or the next one (whose fake-sale run-up may have begun).
        if let Some(window) = p.market.calendar.current_or_next(day)
            && let Some(part) = self.participation(p, window)
        {
            let raised = |x: i64| round(x as f64 * (1.0 + part.raise_bps as f64 / 10_000.0));
            if (part.window.first..=part.window.last).contains(&day) {
                in_sale = Some((part.window, part.fake));
                if part.fake {
                    mrp = raised(p.mrp).max(p.mrp + 100);
                    // The "discount" brings the price back to about the regular level.
                    price =
                        round(regular as f64 * (1.0 - (part.discount_bps % 300) as f64 / 10_000.0));
                } else {
                    price = round(regular as f64 * (1.0 - part.discount_bps as f64 / 10_000.0));
                }
            } else if part.fake
                && day >= part.window.first - part.lead_days
                && day < part.window.first
            {
                fake_lead = true;
                mrp = raised(p.mrp).max(p.mrp + 100);
                price = raised(regular);
            }
        }
        let out_of_stock = self.out_of_stock(p, day);
        DayState {
            regular,
            level_up,
            price: price.clamp(p.market.floor(), mrp.max(p.market.floor())),
            mrp,
            in_sale,
            fake_lead,
            out_of_stock,
        }
    }

    fn out_of_stock(&self, p: &Priced<'_>, day: i64) -> bool {
        let profile = p.item.category.profile();
        let block = day.div_euclid(24);
        let h = hash3(p.key, SALT_STOCK, block);
        if h % 100 >= profile.stockout_percent {
            return false;
        }
        let start = block * 24 + ((h >> 8) % 18) as i64;
        let len = 1 + ((h >> 16) % 5) as i64;
        (start..start + len).contains(&day)
    }

    fn lightning(&self, p: &Priced<'_>, day: i64) -> Option<Lightning> {
        let profile = p.item.category.profile();
        let h = hash3(p.key, SALT_DEAL, day);
        let chance = if p.market.calendar.on(day).is_some() {
            profile.deal_sale
        } else {
            profile.deal_normal
        };
        if unit(h) >= chance || self.out_of_stock(p, day) {
            return None;
        }
        let h2 = super::catalog::rng::mix(h);
        let start_hour = 6 + (h2 % 14) as i64;
        let hours = 2 + ((h2 >> 8) % 7) as i64;
        let start = p.market.midnight(day) + start_hour * 3600;
        // A deal never runs past local midnight, so each day holds at most one.
        let end = (start + hours * 3600).min(p.market.midnight(day) + DAY_SECS);
        Some(Lightning {
            start,
            end,
            extra_bps: 800 + ((h2 >> 16) % 1_200) as i64,
            max_claim: 40 + (h2 >> 32) % 61,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn prices_are_positive_and_within_mrp_all_year() {
        let oracle = Oracle::new(Catalog::for_seed(5));
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 6, 0, 0).unwrap();
        for asin in oracle.catalog().asins().step_by(40) {
            for d in 0..365 {
                let t = start + chrono::Duration::days(d);
                let o = oracle.offer(asin, t).unwrap();
                if let Some(p) = o.price {
                    assert!(
                        p.minor() > 0 && p.minor() <= o.mrp.minor(),
                        "{asin} {t} {p} {}",
                        o.mrp
                    );
                } else {
                    assert_eq!(o.availability, Availability::OutOfStock);
                }
            }
        }
    }
}
