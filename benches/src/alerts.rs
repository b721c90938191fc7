//! A seeded corpus for the rule-engine benchmarks: many watches spread over many products, and
//! one observation per product per round.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::alerts::{ProductObservation, WatchIndex, WatchRuleStates};
use mandi_core::{
    AlertRule, Asin, Availability, Currency, Marketplace, Money, UserId, Watch, WatchId,
    WatchState, WatchTarget,
};

/// Watches, their rule states, the index and one observation per product.
#[derive(Debug)]
pub struct AlertCorpus {
    /// The watches (10 per product when `watches = 10 × products`).
    pub watches: Vec<Watch>,
    /// One rule-state set per watch.
    pub states: Vec<WatchRuleStates>,
    /// Watches by product.
    pub index: WatchIndex,
    /// One observation per product; [`next_round`] moves them on.
    pub observations: Vec<ProductObservation>,
    bases: Vec<i64>,
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn inr(minor: i64) -> Money {
    Money::from_minor(minor, Currency::INR)
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// The ASIN of product `i`.
pub fn asin_of(i: usize) -> Asin {
    Asin::parse(&format!("B0{i:08}")).unwrap_or_else(|_| unreachable!("a valid ASIN shape"))
}

/// `watches` watches over `products` products (watch `i` follows product `i % products`),
/// with a mix of rules: target price; drop from baseline + back in stock; lowest in 30 days;
/// price increase + all-time low.
pub fn alert_corpus(watches: usize, products: usize, seed: u64) -> AlertCorpus {
    let products = products.max(1);
    let bases: Vec<i64> = (0..products)
        .map(|p| 100_000 + (mix(seed ^ p as u64) % 10_000_000) as i64)
        .collect();
    let at = start();
    let watches: Vec<Watch> = (0..watches)
        .map(|i| {
            let p = i % products;
            let b = bases[p];
            let rules = match i % 4 {
                0 => vec![AlertRule::TargetPrice {
                    at_or_below: inr(b * 9 / 10),
                }],
                1 => vec![
                    AlertRule::DropFromBaseline { bps: 1_000 },
                    AlertRule::BackInStock,
                ],
                2 => vec![AlertRule::LowestInDays { days: 30 }],
                _ => vec![
                    AlertRule::PriceIncrease { bps: 1_000 },
                    AlertRule::AllTimeLow,
                ],
            };
            Watch {
                id: WatchId(i as i64 + 1),
                user_id: UserId((i / 20) as i64 + 1),
                target: WatchTarget::Product {
                    marketplace: Marketplace::India,
                    asin: asin_of(p),
                },
                rules,
                state: WatchState::Active,
                baseline_price: Some(inr(b)),
                label: None,
                created_at: at,
                updated_at: at,
            }
        })
        .collect();
    let states = watches.iter().map(|w| WatchRuleStates::new(w.id)).collect();
    let index = WatchIndex::new(&watches);
    let observations = (0..products)
        .map(|p| ProductObservation::new(Marketplace::India, asin_of(p), at))
        .collect();
    let mut corpus = AlertCorpus {
        watches,
        states,
        index,
        observations,
        bases,
    };
    next_round(&mut corpus, 0);
    corpus
}

/// Moves every observation one hour on with a new price (base ± 10 %), a 30-day low and an
/// all-time low near the base, and one product in 50 out of stock.
pub fn next_round(corpus: &mut AlertCorpus, round: u64) {
    let at = start() + Duration::hours(round as i64 + 1);
    for (p, obs) in corpus.observations.iter_mut().enumerate() {
        let b = corpus.bases[p];
        let r = mix((p as u64) << 20 ^ round);
        let price = b * (90 + (r % 21) as i64) / 100;
        let out = r % 50 == 7;
        obs.at = at;
        obs.previous_price = obs.price;
        obs.last_known_availability = obs.availability;
        obs.availability = if out {
            Availability::OutOfStock
        } else {
            Availability::InStock
        };
        obs.price = (!out).then(|| inr(price));
        obs.lowest_before = vec![(30, Some(inr(b * 92 / 100)))];
        obs.all_time_low_before = Some(inr(b * 9 / 10));
    }
}
