//! The scorer against the sandbox oracle on a small sample (the full run is the `calibrate`
//! binary; see `docs/benchmarks.md`). Floors sit below what the full run measures, so this
//! guards against regressions without tuning anything to the sample.

#![allow(clippy::unwrap_used)]

use mandi_benches::calibration::{CalibrationConfig, is_good_deal, markdown, run};
use mandi_core::analytics::HistoryScorer;

#[test]
fn the_scorer_agrees_with_the_oracle_on_fake_sales_and_good_deals() {
    let config = CalibrationConfig::quick();
    let report = run(&config, &HistoryScorer::default());
    eprintln!("{}", markdown(&config, &report));
    assert_eq!(report.products, config.products);
    assert!(report.scored > 10_000, "{report:?}");
    // The sample holds both kinds of truth, so the ratios below say something.
    let fake = report.fake_sale;
    let good = report.good_deal;
    assert!(fake.true_positive + fake.false_negative >= 50, "{fake:?}");
    assert!(good.true_positive + good.false_negative >= 100, "{good:?}");
    assert!(fake.precision().unwrap_or(0.0) >= 0.8, "{fake:?}");
    assert!(fake.recall().unwrap_or(0.0) >= 0.7, "{fake:?}");
    assert!(good.precision().unwrap_or(0.0) >= 0.75, "{good:?}");
    assert!(good.recall().unwrap_or(0.0) >= 0.5, "{good:?}");
    assert_eq!(fake.total(), report.scored);
    assert_eq!(good.total(), report.scored);
}

#[test]
fn the_good_deal_truth_needs_a_real_ten_percent_saving() {
    use chrono::{Duration, TimeZone, Utc};
    use mandi_paapi::sandbox::{Catalog, Oracle};
    let oracle = Oracle::new(Catalog::for_seed(1));
    let asin = oracle.catalog().sample().phone;
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut seen_good = false;
    for h in (0..365 * 24).step_by(5) {
        let offer = oracle.offer(asin, start + Duration::hours(h)).unwrap();
        let good = is_good_deal(&offer);
        if good {
            seen_good = true;
            let p = offer.price.unwrap().minor();
            assert!(p * 10 <= offer.regular_price.minor() * 9, "{offer:?}");
            assert!(!offer.fake_sale);
        }
        if offer.fake_sale || offer.price.is_none() {
            assert!(!good);
        }
    }
    assert!(seen_good, "a phone has real sales in a year");
}

#[test]
fn products_built_from_the_oracle_carry_its_listing() {
    use chrono::{TimeZone, Utc};
    use mandi_benches::calibration::{observe, product};
    use mandi_paapi::sandbox::{Catalog, Oracle};
    let oracle = Oracle::new(Catalog::for_seed(1));
    let sample = oracle.catalog().sample();
    assert!(oracle.listing_facts(sample.unknown).is_none());
    assert!(oracle.listing_facts(sample.family_parent).is_none());
    let (reviews, merchant) = oracle.listing_facts(sample.phone).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 10, 20, 6, 0, 0).unwrap();
    let offer = oracle.offer(sample.phone, at).unwrap();
    let p = product(&oracle, &offer);
    assert_eq!(p.reviews, Some(reviews));
    let buy_box = p.buy_box().unwrap();
    assert_eq!(buy_box.merchant, merchant);
    assert_eq!(buy_box.price, offer.price);
    let point = observe(&offer);
    assert_eq!(point.price, offer.price);
    assert_eq!(point.at, at);
    // The MRP is the list price exactly when there is a saving against it.
    assert_eq!(
        point.list_price.is_some(),
        offer.price.is_some_and(|x| x.minor() < offer.mrp.minor())
    );
}
