//! The service over a `MemoryStore`: events written as the affiliate redirect and the
//! report import would write them.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::domain::{
    AlertCard, AlertRule, Availability, ClickSource, DataOrigin, ExternalIdentity, LinkFormat,
    NewClickTarget, NewUser, NewWatch, OfferKind, PricePoint, UserSettings, WatchTarget,
};
use crate::ports::clock::ManualClock;
use crate::ports::store::{NewAlert, PriceUpdate};
use crate::store::MemoryStore;

/// 2026-11-01T00:00:00Z.
fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_793_491_200, 0).expect("t0")
}

fn at(days: i64, hours: i64) -> DateTime<Utc> {
    t0() + TimeDelta::days(days) + TimeDelta::hours(hours)
}

fn inr(rupees: i64) -> Money {
    Money::from_major(rupees, Currency::INR)
}

fn asin(n: u32) -> Asin {
    Asin::parse(&format!("B0{n:08}")).expect("asin")
}

struct World {
    store: Arc<dyn Store>,
    clock: ManualClock,
    service: EngagementService,
    keys: std::cell::Cell<u64>,
}

impl World {
    fn new() -> Self {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let clock = ManualClock::new(at(100, 0));
        let service = EngagementService::new(store.clone(), Arc::new(clock.clone()));
        Self {
            store,
            clock,
            service,
            keys: std::cell::Cell::new(0),
        }
    }

    async fn user(&self, name: &str, opt_in: bool) -> User {
        let new = NewUser {
            identity: ExternalIdentity::new("telegram", name),
            display_name: Some(name.to_owned()),
            settings: UserSettings {
                leaderboard_opt_in: opt_in,
                ..UserSettings::default()
            },
        };
        self.store.upsert_user(&new, t0()).await.expect("user")
    }

    /// `rupees` from day `from` (inclusive) to day `to` (exclusive), one point a day,
    /// with an MRP of ₹1,000.
    async fn prices(&self, a: Asin, from: i64, to: i64, rupees: i64) {
        let points: Vec<PricePoint> = (from..to)
            .map(|d| PricePoint {
                marketplace: Marketplace::India,
                asin: a,
                offer_kind: OfferKind::BuyBox,
                at: at(d, 0),
                price: Some(inr(rupees)),
                list_price: Some(inr(1_000)),
                availability: Availability::InStock,
                deal_badge: None,
                origin: DataOrigin::Api,
            })
            .collect();
        self.store.record_prices(&points).await.expect("prices");
    }

    /// An alert on `a` at `when` with this verdict (and a watch for it).
    async fn alert(
        &self,
        user: &User,
        a: Asin,
        when: DateTime<Utc>,
        verdict: DealVerdict,
    ) -> AlertId {
        let watch = self
            .store
            .create_watch(
                &NewWatch {
                    user_id: user.id,
                    target: WatchTarget::Product {
                        marketplace: Marketplace::India,
                        asin: a,
                    },
                    rules: vec![AlertRule::DropFromBaseline { bps: 500 }],
                    baseline_price: Some(inr(600)),
                    label: None,
                },
                t0(),
            )
            .await
            .expect("watch");
        let applied = self
            .store
            .apply_update(&PriceUpdate {
                alerts: vec![NewAlert {
                    user_id: user.id,
                    watch_id: watch.id,
                    marketplace: Marketplace::India,
                    asin: a,
                    rule: AlertRule::DropFromBaseline { bps: 500 },
                    price: Some(inr(450)),
                    previous_price: Some(inr(600)),
                    availability: Availability::InStock,
                    message: "Price fell".to_owned(),
                    triggered_at: when,
                    dedupe_key: format!("w{}-{}", watch.id, when.timestamp()),
                    card: Some(AlertCard {
                        list_price: Some(inr(1_000)),
                        average_90d: Some(inr(600)),
                        score: Some(80),
                        verdict: Some(verdict),
                    }),
                }],
                ..PriceUpdate::default()
            })
            .await
            .expect("alert");
        applied.created[0]
    }

    /// A followed Buy link of `a` for `user` from `source` at `when`.
    async fn click(
        &self,
        user: &User,
        a: Asin,
        source: ClickSource,
        when: DateTime<Utc>,
    ) -> ClickTargetId {
        let n = self.keys.get() + 1;
        self.keys.set(n);
        let target = self
            .store
            .create_click_target(&NewClickTarget {
                token_hash: format!("{n:064x}"),
                user_id: user.id,
                source,
                marketplace: Marketplace::India,
                asin: a,
                variant: None,
                link_format: LinkFormat::Dp,
                created_at: when,
            })
            .await
            .expect("target");
        self.store
            .record_affiliate_click(target.id, when)
            .await
            .expect("click");
        target.id
    }

    /// An orders-report row (or an earnings row with `returns`) attributed to a click.
    #[allow(clippy::too_many_arguments)]
    async fn order(
        &self,
        kind: ReportKind,
        user: &User,
        target: ClickTargetId,
        a: Asin,
        when: DateTime<Utc>,
        paid: Money,
        quantity: u32,
        returns: u32,
        category: &str,
    ) {
        let n = self.keys.get() + 1;
        self.keys.set(n);
        let row = AffiliateOrder {
            import_key: format!("{:064x}", n + 1_000_000),
            kind,
            marketplace: Marketplace::India,
            asin: a,
            tracking_id: "mandi-21".to_owned(),
            category: category.to_owned(),
            title: format!("Product {}", a.as_str()),
            day: when.date_naive(),
            quantity,
            returns,
            price: paid,
            revenue: Money::from_minor(paid.minor() * i64::from(quantity), Currency::INR),
            fees: Money::zero(Currency::INR),
            click_target: Some(target),
            user_id: Some(user.id),
        };
        assert_eq!(
            self.store
                .record_affiliate_orders(&[row])
                .await
                .expect("orders"),
            1
        );
    }
}

#[tokio::test]
async fn a_confirmed_purchase_from_an_alert_counts_its_saving_and_achievements() {
    let w = World::new();
    let asha = w.user("asha", false).await;
    let phone = asin(1);
    // ₹600 for 60 days, then ₹450 on day 90: the 90-day median at the click is ₹600.
    w.prices(phone, 30, 90, 600).await;
    w.prices(phone, 90, 91, 450).await;
    let alert = w
        .alert(&asha, phone, at(90, 1), DealVerdict::GreatDeal)
        .await;
    let target = w
        .click(
            &asha,
            phone,
            ClickSource::Alert { alert_id: alert },
            at(90, 2),
        )
        .await;
    w.order(
        ReportKind::Orders,
        &asha,
        target,
        phone,
        at(90, 3),
        Money::from_minor(44_950, Currency::INR),
        2,
        0,
        "Electronics",
    )
    .await;

    let stats = w.service.stats(&asha).await.expect("stats");
    assert!(!stats.nothing_confirmed());
    assert_eq!(stats.purchases.len(), 1);
    let p = &stats.purchases[0];
    assert_eq!(p.median_90d, Some(inr(600)));
    assert_eq!(p.alert, Some(alert));
    assert_eq!(p.verdict, Some(DealVerdict::GreatDeal));
    assert_eq!(p.at, at(90, 2), "a purchase happens at its click");
    // (60,000 − 44,950) × 2 = 30,100 paise against the median; (1,00,000 − 44,950) × 2 =
    // 1,10,100 paise against the MRP.
    assert_eq!(
        stats.saved_vs_median,
        vec![Money::from_minor(30_100, Currency::INR)]
    );
    assert_eq!(
        stats.saved_vs_mrp,
        vec![Money::from_minor(110_100, Currency::INR)]
    );
    assert!(p.all_time_low, "below every price of 60 days of history");
    assert_eq!(stats.best_deals.len(), 1);
    assert_eq!(
        (stats.alerts, stats.alerts_acted_on, stats.missed_count),
        (1, 1, 0)
    );
    let earned: Vec<(Achievement, DateTime<Utc>)> = stats
        .achievements
        .iter()
        .map(|e| (e.achievement, e.at))
        .collect();
    assert_eq!(
        earned,
        vec![
            (Achievement::FirstAlertActedOn, at(90, 2)),
            (Achievement::FirstSaving, at(90, 2)),
            (Achievement::AllTimeLow, at(90, 2)),
        ]
    );
    // The click was on day 90; now is day 100: the streak ended, its longest was 1.
    assert_eq!((stats.streak.current, stats.streak.longest), (0, 1));
}

#[tokio::test]
async fn nothing_is_claimed_without_a_confirmed_purchase_and_returns_undo_one() {
    let w = World::new();
    let ravi = w.user("ravi", false).await;
    let phone = asin(2);
    w.prices(phone, 30, 91, 600).await;
    let target = w.click(&ravi, phone, ClickSource::Card, at(90, 2)).await;
    let stats = w.service.stats(&ravi).await.expect("stats");
    assert!(stats.nothing_confirmed());
    assert!(stats.saved_vs_median.is_empty() && stats.saved_vs_mrp.is_empty());
    assert!(
        stats.achievements.is_empty(),
        "a card click is not an alert acted on"
    );

    // Ordered, then returned (the earnings report shows the return): no purchase.
    w.order(
        ReportKind::Orders,
        &ravi,
        target,
        phone,
        at(90, 3),
        inr(500),
        1,
        0,
        "Electronics",
    )
    .await;
    assert_eq!(
        w.service.stats(&ravi).await.expect("stats").purchases.len(),
        1
    );
    w.order(
        ReportKind::Earnings,
        &ravi,
        target,
        phone,
        at(95, 0),
        inr(500),
        1,
        1,
        "Electronics",
    )
    .await;
    let stats = w.service.stats(&ravi).await.expect("stats");
    assert!(stats.nothing_confirmed(), "{:?}", stats.purchases);
}

#[tokio::test]
async fn a_short_history_leaves_the_saving_unknown_not_zero() {
    let w = World::new();
    let u = w.user("meera", false).await;
    let a = asin(3);
    w.prices(a, 88, 91, 600).await;
    let target = w.click(&u, a, ClickSource::Card, at(90, 2)).await;
    w.order(
        ReportKind::Orders,
        &u,
        target,
        a,
        at(90, 3),
        inr(500),
        1,
        0,
        "Books",
    )
    .await;
    let stats = w.service.stats(&u).await.expect("stats");
    assert_eq!(stats.purchases[0].median_90d, None);
    assert_eq!(stats.purchases[0].saved_vs_median, None);
    assert_eq!(stats.without_median, 1);
    assert!(stats.saved_vs_median.is_empty());
    // The MRP is known all the same, and shown apart.
    assert_eq!(stats.saved_vs_mrp, vec![inr(500)]);
}

#[tokio::test]
async fn real_deals_not_acted_on_in_48_hours_are_missed_opportunities() {
    let w = World::new();
    let u = w.user("kiran", false).await;
    let (a, b, c, d) = (asin(4), asin(5), asin(6), asin(7));
    // Now is day 100. A great deal on day 95, never clicked: missed.
    let missed = w.alert(&u, a, at(95, 0), DealVerdict::GreatDeal).await;
    // A good deal on day 99 + 12h: the 48 hours are not over, not missed yet.
    w.alert(&u, b, at(99, 12), DealVerdict::GoodDeal).await;
    // A fair price on day 90, never clicked: not a real deal, not missed.
    w.alert(&u, c, at(90, 0), DealVerdict::Fair).await;
    // A good deal clicked 3 days late: missed all the same.
    let late = w.alert(&u, d, at(80, 0), DealVerdict::GoodDeal).await;
    w.click(&u, d, ClickSource::Alert { alert_id: late }, at(83, 0))
        .await;
    let stats = w.service.stats(&u).await.expect("stats");
    assert_eq!(stats.real_deal_alerts, 3);
    assert_eq!(stats.missed_count, 2);
    let ids: Vec<AlertId> = stats.missed.iter().map(|m| m.alert_id).collect();
    assert_eq!(ids, vec![missed, late], "newest first");
    assert_eq!(stats.alerts_acted_on, 1);
}

#[tokio::test]
async fn streaks_and_the_week_streak_come_from_followed_links() {
    let w = World::new();
    let u = w.user("dev", false).await;
    let a = asin(8);
    // A click every day from day 93 to day 100 (10:00 UTC = 15:30 IST), now is day 100
    // 12:00 UTC.
    w.clock.set(at(100, 12));
    for d in 93..=100 {
        w.click(&u, a, ClickSource::Card, at(d, 10)).await;
    }
    let stats = w.service.stats(&u).await.expect("stats");
    assert_eq!((stats.streak.current, stats.streak.longest), (8, 8));
    let week = stats
        .achievements
        .iter()
        .find(|e| e.achievement == Achievement::WeekStreak)
        .expect("a week streak");
    assert_eq!(week.at, at(99, 10), "the 7th day in a row");
}

#[tokio::test]
async fn leaderboards_show_only_users_who_opted_in() {
    let w = World::new();
    let asha = w.user("asha", true).await;
    let ravi = w.user("ravi", true).await;
    // The biggest saver did not opt in.
    let hidden = w.user("hidden", false).await;
    let phone = asin(10);
    let book = asin(11);
    w.prices(phone, 0, 99, 600).await;
    w.prices(book, 0, 99, 600).await;
    // Asha: ₹100 on a phone on day 98 and ₹50 on a book on day 60.
    let t = w.click(&asha, phone, ClickSource::Card, at(98, 1)).await;
    w.order(
        ReportKind::Orders,
        &asha,
        t,
        phone,
        at(98, 2),
        inr(500),
        1,
        0,
        "Electronics",
    )
    .await;
    let t = w.click(&asha, book, ClickSource::Card, at(60, 1)).await;
    w.order(
        ReportKind::Orders,
        &asha,
        t,
        book,
        at(60, 2),
        inr(550),
        1,
        0,
        "Books",
    )
    .await;
    // Ravi: ₹120 on a phone on day 97, and a purchase above the median (−₹10).
    let t = w.click(&ravi, phone, ClickSource::Card, at(97, 1)).await;
    w.order(
        ReportKind::Orders,
        &ravi,
        t,
        phone,
        at(97, 2),
        inr(480),
        1,
        0,
        "Electronics",
    )
    .await;
    let t = w.click(&ravi, book, ClickSource::Card, at(96, 1)).await;
    w.order(
        ReportKind::Orders,
        &ravi,
        t,
        book,
        at(96, 2),
        inr(610),
        1,
        0,
        "Books",
    )
    .await;
    // Hidden: ₹500 saved twice, this week.
    for (d, a) in [(97, phone), (98, book)] {
        let t = w.click(&hidden, a, ClickSource::Card, at(d, 1)).await;
        w.order(
            ReportKind::Orders,
            &hidden,
            t,
            a,
            at(d, 2),
            inr(100),
            1,
            0,
            "Books",
        )
        .await;
    }
    let board = |b, p, c: Option<&'static str>| {
        let s = w.service.clone();
        async move {
            s.leaderboard(b, p, c, Currency::INR, 10)
                .await
                .expect("board")
                .entries
                .into_iter()
                .map(|e| (e.name, e.saved, e.deals))
                .collect::<Vec<_>>()
        }
    };
    for b in [Board::TopSavers, Board::DealFinders] {
        for p in [Period::Week, Period::Month, Period::All] {
            for c in [None, Some("Books"), Some("electronics")] {
                let rows = board(b, p, c).await;
                assert!(
                    rows.iter().all(|(name, _, _)| name != "hidden"),
                    "{b:?} {p:?} {c:?}: {rows:?}"
                );
            }
        }
    }
    assert_eq!(
        board(Board::TopSavers, Period::All, None).await,
        vec![
            ("asha".to_owned(), inr(150), 2),
            ("ravi".to_owned(), inr(110), 1)
        ]
    );
    // This week: Asha's book (day 60) is out.
    assert_eq!(
        board(Board::TopSavers, Period::Week, None).await,
        vec![
            ("ravi".to_owned(), inr(110), 1),
            ("asha".to_owned(), inr(100), 1)
        ]
    );
    assert_eq!(
        board(Board::DealFinders, Period::All, None).await,
        vec![
            ("asha".to_owned(), inr(150), 2),
            ("ravi".to_owned(), inr(110), 1)
        ]
    );
    // Books only: Ravi paid above the median there, so he has nothing to rank.
    assert_eq!(
        board(Board::TopSavers, Period::All, Some("books")).await,
        vec![("asha".to_owned(), inr(50), 1)]
    );
    // Opting out removes a user at once.
    let mut out = w.store.get_user(asha.id).await.expect("asha");
    out.settings.leaderboard_opt_in = false;
    w.store.update_user(&out).await.expect("opt out");
    assert_eq!(
        board(Board::TopSavers, Period::All, None).await,
        vec![("ravi".to_owned(), inr(110), 1)]
    );
    assert_eq!(Board::parse("savers"), Some(Board::TopSavers));
    assert_eq!(Period::parse("month"), Some(Period::Month));
    assert_eq!(Period::parse("year"), None);
}
