//! Tests of the analytics engine: summaries, retention, the deal scorer and price patterns.

use chrono::{DateTime, Duration, TimeZone, Utc};
use mandi_core::analytics::{HistoryScorer, RetentionPolicy, downsample, patterns, summarize};
use mandi_core::{
    Asin, Availability, Currency, DataOrigin, DealDetails, DealVerdict, Marketplace, Merchant,
    Money, Offer, OfferKind, PricePoint, Product, Reviews, ScoreInput, Scorer,
};
use proptest::prelude::*;

fn asin() -> Asin {
    "B0CX59H5W7".parse().expect("valid asin")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

fn inr(rupees: i64) -> Money {
    Money::from_major(rupees, Currency::INR)
}

fn point(at: DateTime<Utc>, price: Option<i64>, mrp: Option<i64>) -> PricePoint {
    PricePoint {
        marketplace: Marketplace::India,
        asin: asin(),
        offer_kind: OfferKind::BuyBox,
        at,
        price: price.map(inr),
        list_price: mrp.map(inr),
        availability: if price.is_some() {
            Availability::InStock
        } else {
            Availability::Unknown
        },
        deal_badge: None,
        origin: DataOrigin::Api,
    }
}

/// One point a day from `start` for `days` days, priced by `f(day)`.
fn daily(
    start: DateTime<Utc>,
    days: i64,
    f: impl Fn(i64) -> (Option<i64>, Option<i64>),
) -> Vec<PricePoint> {
    (0..days)
        .map(|d| {
            let (p, m) = f(d);
            point(start + Duration::days(d), p, m)
        })
        .collect()
}

fn product(
    price: Option<i64>,
    mrp: Option<i64>,
    reviews: Option<(u16, u32)>,
    at: DateTime<Utc>,
) -> Product {
    let mut p = Product::new(asin(), Marketplace::India, "Test phone", at);
    let mut offer = Offer::new(price.map(inr), Availability::InStock);
    offer.list_price = mrp.map(inr);
    offer.merchant = Merchant {
        id: None,
        name: Some("Amazon".into()),
        fulfilled_by_amazon: true,
    };
    p.offers.push(offer);
    p.reviews = reviews.map(|(rating_centi, count)| Reviews {
        rating_centi,
        count,
    });
    p
}

#[test]
fn summary_reports_windows_previous_and_flags() {
    let mut history = daily(t0(), 200, |d| {
        (Some(if d < 100 { 60_000 } else { 58_000 }), Some(70_000))
    });
    history.push(point(
        t0() + Duration::days(200),
        Some(55_000),
        Some(70_000),
    ));
    let now = t0() + Duration::days(201);
    let s = summarize(&history, now);
    assert_eq!(s.current.map(|c| c.price), Some(inr(55_000)));
    assert_eq!(s.previous.map(|c| c.price), Some(inr(58_000)));
    assert_eq!((s.drops, s.rises), (2, 0));
    assert!(s.is_all_time_low);
    assert!(s.lowest_in.iter().all(|(_, low)| *low));
    let w30 = s.window(Some(30)).expect("30-day window");
    assert_eq!(w30.highest.map(|h| h.price), Some(inr(58_000)));
    let all = s.window(None).expect("all-time window");
    assert_eq!(all.highest.map(|h| h.price), Some(inr(60_000)));
    assert_eq!(all.highest.map(|h| h.at), Some(t0()));
    assert_eq!(s.last_change_at, Some(t0() + Duration::days(200)));
    assert_eq!(s.since_last_change(now), Some(Duration::days(1)));
}

#[test]
fn unknown_prices_are_gaps_never_zero() {
    let mut history = daily(t0(), 10, |_| (Some(1_000), None));
    history.extend(daily(t0() + Duration::days(10), 5, |_| (None, None)));
    history.extend(daily(t0() + Duration::days(15), 5, |_| (Some(1_200), None)));
    let s = summarize(&history, t0() + Duration::days(20));
    let all = s.window(None).expect("window");
    assert_eq!(all.lowest.map(|l| l.price), Some(inr(1_000)));
    assert_eq!(s.gaps.len(), 1);
    assert_eq!(s.gaps[0].from, t0() + Duration::days(10));
    assert_eq!(s.gaps[0].to, t0() + Duration::days(15));
    assert!(all.known_bps < 10_000);
    // A gap is not a price change.
    assert_eq!((s.drops, s.rises), (0, 1));
}

#[test]
fn a_stale_last_point_becomes_a_gap_after_three_days() {
    let history = vec![point(t0(), Some(999), None)];
    let s = summarize(&history, t0() + Duration::days(10));
    assert_eq!(s.gaps.len(), 1);
    assert_eq!(s.gaps[0].from, t0() + Duration::days(3));
}

#[test]
fn empty_history_summarises_to_nothing_known() {
    let s = summarize(&[], t0());
    assert_eq!(s.current, None);
    assert_eq!(s.availability, Availability::Unknown);
    assert!(!s.is_all_time_low);
}

#[test]
fn downsampling_keeps_recent_points_and_every_bucket_extreme() {
    let now = t0() + Duration::days(400);
    // Every 10 minutes for 400 days.
    let points: Vec<PricePoint> = (0..400 * 144)
        .map(|i| {
            let price = 50_000 + ((i * 7919) % 1_000);
            let unknown = i % 1_000 == 500;
            point(
                t0() + Duration::minutes(i * 10),
                if unknown { None } else { Some(price) },
                None,
            )
        })
        .collect();
    let kept = downsample(&points, now, &RetentionPolicy::default());
    assert!(
        kept.len() < points.len() / 2,
        "kept {} of {}",
        kept.len(),
        points.len()
    );
    let recent_in = points
        .iter()
        .filter(|p| p.at >= now - Duration::days(30))
        .count();
    let recent_out = kept
        .iter()
        .filter(|p| p.at >= now - Duration::days(30))
        .count();
    assert_eq!(recent_in, recent_out);
    // Every day's min and max survive.
    for day in 0..400 {
        let from = t0() + Duration::days(day);
        let to = from + Duration::days(1);
        let of = |v: &[PricePoint]| {
            let prices: Vec<i64> = v
                .iter()
                .filter(|p| p.at >= from && p.at < to)
                .filter_map(|p| p.price.map(|m| m.minor()))
                .collect();
            (prices.iter().min().copied(), prices.iter().max().copied())
        };
        assert_eq!(of(&points), of(&kept), "day {day}");
    }
    // Every unknown point (a gap boundary) survives.
    assert_eq!(
        points.iter().filter(|p| p.price.is_none()).count(),
        kept.iter().filter(|p| p.price.is_none()).count()
    );
}

proptest! {
    #[test]
    fn downsampling_is_an_ordered_idempotent_subset(
        prices in proptest::collection::vec(proptest::option::weighted(0.9, 1i64..100_000), 1..300),
        step_minutes in 1i64..3_000,
    ) {
        let points: Vec<PricePoint> = prices.iter().enumerate()
            .map(|(i, p)| point(t0() + Duration::minutes(i as i64 * step_minutes), *p, None))
            .collect();
        let now = t0() + Duration::minutes(prices.len() as i64 * step_minutes) + Duration::days(40);
        let kept = downsample(&points, now, &RetentionPolicy::default());
        prop_assert!(kept.windows(2).all(|w| w[0].at < w[1].at));
        prop_assert!(kept.iter().all(|k| points.contains(k)));
        let min = |v: &[PricePoint]| v.iter().filter_map(|p| p.price).map(|m| m.minor()).min();
        let max = |v: &[PricePoint]| v.iter().filter_map(|p| p.price).map(|m| m.minor()).max();
        prop_assert_eq!(min(&points), min(&kept));
        prop_assert_eq!(max(&points), max(&kept));
        prop_assert_eq!(downsample(&kept, now, &RetentionPolicy::default()), kept);
    }
}

fn score(product: &Product, history: &[PricePoint], now: DateTime<Utc>) -> mandi_core::DealScore {
    HistoryScorer::default().score(&ScoreInput {
        product,
        history,
        now,
    })
}

#[test]
fn an_mrp_raised_just_before_the_discount_is_a_fake_sale() {
    // Price steady at ₹20,000 with MRP ₹22,000 for 90 days; then the MRP jumps to ₹35,000 and
    // the "43% off" price is still ₹20,000.
    let mut history = daily(t0(), 90, |_| (Some(20_000), Some(22_000)));
    history.extend(daily(t0() + Duration::days(90), 10, |_| {
        (Some(20_000), Some(35_000))
    }));
    let now = t0() + Duration::days(100);
    let s = score(
        &product(Some(20_000), Some(35_000), Some((430, 5_000)), now),
        &history,
        now,
    );
    assert_eq!(s.verdict, DealVerdict::FakeSale, "{s:?}");
    let discount = s
        .parts
        .iter()
        .find(|p| p.name == "discount")
        .expect("discount part");
    assert_eq!(discount.points, 0);
    assert!(
        discount.explanation.contains("fake sale"),
        "{}",
        discount.explanation
    );
}

#[test]
fn a_deal_badge_over_a_raised_price_is_a_fake_sale() {
    let mut history = daily(t0(), 60, |_| (Some(1_000), Some(2_000)));
    history.extend(daily(t0() + Duration::days(60), 3, |_| {
        (Some(1_300), Some(2_000))
    }));
    let now = t0() + Duration::days(63);
    let mut p = product(Some(1_300), Some(2_000), Some((420, 900)), now);
    p.offers[0].deal = Some(DealDetails {
        badge: Some("Limited time deal".into()),
        access_type: None,
        starts_at: Some(now - Duration::hours(1)),
        ends_at: Some(now + Duration::days(2)),
        percent_claimed: None,
    });
    let s = score(&p, &history, now);
    assert_eq!(s.verdict, DealVerdict::FakeSale, "{s:?}");
}

#[test]
fn a_plain_price_rise_is_poor_not_a_fake_sale() {
    // Calibration against the sandbox oracle: price rises under an unchanged MRP, with no
    // "deal" claimed, are common and are not fake sales.
    let mut history = daily(t0(), 60, |_| (Some(1_000), Some(2_000)));
    history.extend(daily(t0() + Duration::days(60), 3, |_| {
        (Some(1_300), Some(2_000))
    }));
    let now = t0() + Duration::days(63);
    let s = score(
        &product(Some(1_300), Some(2_000), Some((420, 900)), now),
        &history,
        now,
    );
    assert_ne!(s.verdict, DealVerdict::FakeSale, "{s:?}");
    assert!(s.score < 70, "{s:?}");
}

#[test]
fn a_fake_sale_after_a_raised_run_up_compares_with_the_price_before_the_raise() {
    // 60 days at ₹10,000 (MRP ₹14,000); a 10-day run-up at ₹12,500 with the MRP at ₹18,000;
    // then a "45% off" sale at ₹9,900: the usual price of the last 30 days includes the
    // run-up, but against the price before the raise there is no saving.
    let mut history = daily(t0(), 60, |_| (Some(10_000), Some(14_000)));
    history.extend(daily(t0() + Duration::days(60), 10, |_| {
        (Some(12_500), Some(18_000))
    }));
    history.extend(daily(t0() + Duration::days(70), 3, |_| {
        (Some(9_900), Some(18_000))
    }));
    let now = t0() + Duration::days(73);
    let s = score(
        &product(Some(9_900), Some(18_000), Some((430, 5_000)), now),
        &history,
        now,
    );
    assert_eq!(s.verdict, DealVerdict::FakeSale, "{s:?}");
    // The run-up itself (raised MRP, raised price) is flagged too.
    let run_up_now = t0() + Duration::days(65);
    let s = score(
        &product(Some(12_500), Some(18_000), Some((430, 5_000)), run_up_now),
        &history[..66],
        run_up_now,
    );
    assert_eq!(s.verdict, DealVerdict::FakeSale, "{s:?}");
}

#[test]
fn a_fixed_discount_off_mrp_earns_no_discount_points() {
    // "20% off MRP" every day of the year is the usual price, not a saving.
    let history = daily(t0(), 120, |_| (Some(8_000), Some(10_000)));
    let now = t0() + Duration::days(120);
    let s = score(
        &product(Some(8_000), Some(10_000), Some((430, 5_000)), now),
        &history,
        now,
    );
    let discount = s
        .parts
        .iter()
        .find(|p| p.name == "discount")
        .expect("discount part");
    assert_eq!(discount.points, 0, "{s:?}");
    assert!(discount.explanation.contains("20% off MRP"), "{s:?}");
}

#[test]
fn a_real_drop_to_an_all_time_low_is_a_good_deal() {
    let mut history = daily(t0(), 120, |d| (Some(60_000 + (d % 5) * 500), Some(75_000)));
    history.push(point(
        t0() + Duration::days(120),
        Some(49_999),
        Some(75_000),
    ));
    let now = t0() + Duration::days(120) + Duration::hours(1);
    let mut p = product(Some(49_999), Some(75_000), Some((440, 12_000)), now);
    p.offers[0].deal = Some(DealDetails {
        badge: Some("Lightning Deal".into()),
        access_type: None,
        starts_at: Some(now - Duration::hours(1)),
        ends_at: Some(now + Duration::hours(5)),
        percent_claimed: Some(40),
    });
    let s = score(&p, &history, now);
    assert!(
        matches!(s.verdict, DealVerdict::GreatDeal | DealVerdict::GoodDeal),
        "{s:?}"
    );
    assert!(s.score >= 70, "{s:?}");
    let sum: i32 = s.parts.iter().map(|p| p.points).sum();
    assert_eq!(i32::from(s.score), sum.clamp(0, 100));
}

#[test]
fn the_usual_price_is_not_a_deal() {
    let history = daily(t0(), 120, |d| (Some(60_000 + (d % 5) * 500), Some(62_000)));
    let now = t0() + Duration::days(120);
    let s = score(
        &product(Some(61_000), Some(62_000), Some((380, 200)), now),
        &history,
        now,
    );
    assert!(s.score < 70, "{s:?}");
    assert!(
        matches!(s.verdict, DealVerdict::Fair | DealVerdict::Poor),
        "{s:?}"
    );
}

#[test]
fn unknown_price_or_short_history_is_not_enough_data() {
    let now = t0() + Duration::days(5);
    let history = daily(t0(), 5, |_| (Some(1_000), None));
    assert_eq!(
        score(&product(None, None, None, now), &history, now).verdict,
        DealVerdict::NotEnoughData
    );
    assert_eq!(
        score(&product(Some(900), None, None, now), &history, now).verdict,
        DealVerdict::NotEnoughData
    );
}

#[test]
fn few_perfect_ratings_count_less_than_many_good_ones() {
    let history = daily(t0(), 60, |_| (Some(1_000), None));
    let now = t0() + Duration::days(60);
    let reviews = |r, n| {
        let s = score(
            &product(Some(1_000), None, Some((r, n)), now),
            &history,
            now,
        );
        s.parts
            .iter()
            .find(|p| p.name == "reviews")
            .map(|p| p.points)
            .unwrap_or(-1)
    };
    assert!(reviews(500, 3) < reviews(460, 10_000));
}

proptest! {
    #[test]
    fn scores_stay_within_0_to_100(
        prices in proptest::collection::vec(proptest::option::weighted(0.8, 1i64..200_000), 0..120),
        current in proptest::option::of(1i64..200_000),
        mrp in proptest::option::of(1i64..400_000),
        rating in 0u16..=500, count in 0u32..100_000,
    ) {
        let history: Vec<PricePoint> = prices.iter().enumerate()
            .map(|(i, p)| point(t0() + Duration::hours(i as i64 * 13), *p, mrp)).collect();
        let now = t0() + Duration::days(70);
        let s = score(&product(current, mrp, Some((rating, count)), now), &history, now);
        prop_assert!(s.score <= 100);
        prop_assert!(!s.parts.is_empty());
    }
}

#[test]
fn patterns_find_festival_drops_and_predict_the_next_one() {
    // Two years of a steady ₹10,000 price that drops 20 % during each Great Indian Festival.
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 6, 0, 0).unwrap();
    let history = daily(start, 700, |d| {
        let day = (start + Duration::days(d)).date_naive();
        let sale = mandi_core::analytics::calendar::sale_on(day)
            .is_some_and(|w| w.name == "Great Indian Festival");
        (Some(if sale { 8_000 } else { 10_000 }), Some(12_000))
    });
    let now = start + Duration::days(700);
    let p = patterns(&history, now);
    assert_eq!(p.festivals, vec!["Great Indian Festival".to_string()]);
    assert_eq!(p.drops.len(), 2);
    assert!(
        p.drops
            .iter()
            .all(|d| d.depth_bps >= 1_900 && d.lowest == inr(8_000))
    );
    assert_eq!(p.typical_drop_bps, Some(2_000));
    let next = p.next_drop.expect("a predicted window");
    let diwali_2026 = mandi_core::analytics::calendar::diwali(2026);
    assert!(
        next.from.date_naive() <= diwali_2026 && next.to.date_naive() >= diwali_2026,
        "{next:?}"
    );
}

#[test]
fn patterns_measure_volatility_and_trend() {
    let flat = daily(t0(), 100, |_| (Some(5_000), None));
    let p = patterns(&flat, t0() + Duration::days(100));
    assert_eq!(p.volatility_bps, Some(0));
    assert_eq!(p.trend_bps_per_30d, Some(0));
    let falling = daily(t0(), 100, |d| (Some(10_000 - d * 20), None));
    let p = patterns(&falling, t0() + Duration::days(100));
    assert!(
        p.trend_bps_per_30d.is_some_and(|t| t < -500),
        "{:?}",
        p.trend_bps_per_30d
    );
    assert!(p.volatility_bps.is_some_and(|v| v > 0));
}

#[test]
fn each_offer_kind_has_its_own_summary() {
    // 40 days of fetches with a buy-box, a third-party and a used offer; the used offer drops
    // to ₹6,000 on day 30 while the buy box holds at ₹9,000–₹9,400.
    let mut history = Vec::new();
    for d in 0..40 {
        let at = t0() + Duration::days(d);
        let mut p = Product::new(asin(), Marketplace::India, "Test phone", at);
        p.offers.push(Offer::new(
            Some(inr(9_000 + ((d + 1) % 3) * 200)),
            Availability::InStock,
        ));
        let mut third = Offer::new(Some(inr(9_500)), Availability::InStock);
        third.is_buy_box_winner = false;
        p.offers.push(third);
        let mut used = Offer::new(
            Some(inr(if d >= 30 { 6_000 } else { 7_000 })),
            Availability::InStock,
        );
        used.is_buy_box_winner = false;
        used.condition = mandi_core::Condition::Used;
        p.offers.push(used);
        history.extend(PricePoint::from_product(&p));
    }
    let now = t0() + Duration::days(40);
    let of = |kind: OfferKind| -> Vec<PricePoint> {
        history
            .iter()
            .filter(|p| p.offer_kind == kind)
            .cloned()
            .collect()
    };
    let buy_box = summarize(&of(OfferKind::BuyBox), now);
    let third = summarize(&of(OfferKind::ThirdPartyNew), now);
    let used = summarize(&of(OfferKind::Used), now);
    let low = |s: &mandi_core::analytics::HistorySummary| {
        s.window(None).and_then(|w| w.lowest).map(|l| l.price)
    };
    assert_eq!(low(&buy_box), Some(inr(9_000)));
    assert_eq!(low(&third), Some(inr(9_500)));
    assert_eq!(low(&used), Some(inr(6_000)));
    assert_eq!(
        used.window(None).and_then(|w| w.lowest).map(|l| l.at),
        Some(t0() + Duration::days(30))
    );
    assert!(used.is_all_time_low);
    assert_eq!((used.drops, used.rises), (1, 0));
    assert_eq!(third.drops + third.rises, 0);
    // An unchanged price has held since the first observation.
    assert_eq!(third.last_change_at, Some(t0()));
    assert!(buy_box.drops > 0 && !buy_box.is_all_time_low);
}

#[test]
fn a_month_long_sale_is_still_a_deal_in_its_fourth_week() {
    // ₹10,000 for 90 days, then a festival sale at ₹8,500 (15 % off) that has run 25 days:
    // the last 30 days are mostly sale days, but the usual price is the one before the sale.
    let mut history = daily(t0(), 90, |_| (Some(10_000), Some(12_000)));
    history.extend(daily(t0() + Duration::days(90), 25, |_| {
        (Some(8_500), Some(12_000))
    }));
    let now = t0() + Duration::days(115);
    let mut p = product(Some(8_500), Some(12_000), Some((430, 5_000)), now);
    p.offers[0].deal = Some(DealDetails {
        badge: Some("Great Indian Festival".into()),
        access_type: None,
        starts_at: Some(t0() + Duration::days(90)),
        ends_at: Some(now + Duration::days(10)),
        percent_claimed: None,
    });
    let s = score(&p, &history, now);
    let discount = s
        .parts
        .iter()
        .find(|p| p.name == "discount")
        .expect("discount part");
    assert!(discount.points >= 15, "{s:?}");
    assert!(discount.explanation.contains("15% below"), "{s:?}");
    assert!(s.score >= 70, "{s:?}");
}

#[test]
fn a_history_in_time_order_scores_the_same_as_the_same_points_out_of_order() {
    // The scorer walks a history in time order once (order check and all-time low
    // together) and binary-searches its windows; out of order it takes the full
    // computation. Both must agree: 400 days of hourly points with noise, unknown points
    // (same-second points are left out: their order decides which one holds, so reversing
    // them changes the history), an all-time low long ago, the history's MRP raised 20 days before
    // the end, and points after some of the scoring times.
    let mut state: u64 = 7;
    let mut history = Vec::new();
    for h in 0..(400 * 24) {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let noise = i64::try_from((state >> 33) % 3_000).expect("small");
        let at = t0() + Duration::hours(h);
        let price = match h {
            _ if h % 211 == 0 => None,
            1_000..=1_010 => Some(41_000),
            _ => Some(55_000 + noise),
        };
        let mrp = if h >= 380 * 24 { 90_000 } else { 70_000 };
        history.push(point(at, price, Some(mrp)));
    }
    let mut reversed = history.clone();
    reversed.reverse();
    let end = t0() + Duration::days(400);
    for now in [
        end,
        end - Duration::days(10),
        end - Duration::days(30) - Duration::minutes(7),
        t0() + Duration::days(42) + Duration::seconds(1),
    ] {
        // An MRP of ₹70,000 is not a raise at any of these times: out of order, the walk
        // back over a raised MRP still assumes time order (a known gap of that path).
        for (price, mrp) in [(56_000, 70_000), (52_000, 70_000), (41_500, 70_000)] {
            let mut p = product(Some(price), Some(mrp), Some((430, 2_000)), now);
            for deal in [false, true] {
                p.offers[0].deal = deal.then(|| DealDetails {
                    badge: Some("Limited time deal".into()),
                    access_type: None,
                    starts_at: Some(now - Duration::days(12)),
                    ends_at: None,
                    percent_claimed: None,
                });
                let in_order = score(&p, &history, now);
                assert_eq!(in_order, score(&p, &reversed, now), "at {now}, ₹{price}");
            }
        }
    }
}
