//! Making Buy links and following them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::stats::{ArmCounts, ExperimentResults};
use super::{AffiliateError, Experiment, RedirectToken};
use crate::domain::{
    AffiliateClick, Asin, ClickSource, LinkFormat, Marketplace, NewClickTarget, UserId,
};
use crate::links::{AssociateTag, affiliate_link_as};
use crate::ports::clock::Clock;
use crate::ports::store::{ProductClick, Store, StoreError};

/// How Buy links are made.
#[derive(Debug, Clone)]
pub struct AffiliateConfig {
    /// Where the redirect route is served, without a trailing slash
    /// (`https://mandi.example`); links are `<base_url>/r/<token>`.
    base_url: String,
    /// The associate tag of each marketplace.
    tags: BTreeMap<Marketplace, AssociateTag>,
    /// The link-format experiment; without one every link is a `/dp/` link.
    link_formats: Option<Experiment>,
    /// The card experiment (image vs chart card, button wording); its arm names are the
    /// card variants stored with each link.
    cards: Option<Experiment>,
}

impl AffiliateConfig {
    /// Links served under `base_url` (an http(s) URL; a trailing slash is dropped).
    ///
    /// # Errors
    ///
    /// [`AffiliateError::InvalidConfig`] when `base_url` is not an http(s) URL with a host.
    pub fn new(base_url: &str) -> Result<Self, AffiliateError> {
        let trimmed = base_url.trim().trim_end_matches('/');
        let parsed = url::Url::parse(trimmed)
            .map_err(|e| AffiliateError::InvalidConfig(format!("{base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(AffiliateError::InvalidConfig(format!(
                "{base_url:?} is not an http(s) URL with a host"
            )));
        }
        Ok(Self {
            base_url: trimmed.to_owned(),
            tags: BTreeMap::new(),
            link_formats: None,
            cards: None,
        })
    }

    /// The configuration the settings describe: `None` when no public URL is set (Buy
    /// links then go straight to Amazon and no click is recorded); otherwise links under
    /// `public_url` with `associate_tag` (when set) for `marketplace`.
    ///
    /// # Errors
    ///
    /// [`AffiliateError::InvalidConfig`] for a URL that is not an http(s) URL with a host
    /// or a tag that is not an associate tag.
    pub fn from_settings(
        public_url: Option<&str>,
        marketplace: Marketplace,
        associate_tag: Option<&str>,
    ) -> Result<Option<Self>, AffiliateError> {
        let Some(url) = public_url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let mut config = Self::new(url)?;
        if let Some(tag) = associate_tag.map(str::trim).filter(|t| !t.is_empty()) {
            let tag = AssociateTag::parse(tag)
                .map_err(|e| AffiliateError::InvalidConfig(e.to_string()))?;
            config = config.with_tag(marketplace, tag);
        }
        Ok(Some(config))
    }

    /// Uses `tag` for products of `marketplace`.
    #[must_use]
    pub fn with_tag(mut self, marketplace: Marketplace, tag: AssociateTag) -> Self {
        self.tags.insert(marketplace, tag);
        self
    }

    /// Runs a link-format experiment.
    ///
    /// # Errors
    ///
    /// [`AffiliateError::InvalidExperiment`] when an arm is not a [`LinkFormat`] name.
    pub fn with_link_format_test(mut self, experiment: Experiment) -> Result<Self, AffiliateError> {
        if let Some(bad) = experiment
            .arms()
            .iter()
            .find(|a| LinkFormat::parse(a).is_none())
        {
            return Err(AffiliateError::InvalidExperiment {
                key: experiment.key().to_owned(),
                reason: format!("arm {bad:?} is not a link format (dp, gp_product)"),
            });
        }
        self.link_formats = Some(experiment);
        Ok(self)
    }

    /// Runs a card experiment (its arm names are the card variants).
    #[must_use]
    pub fn with_card_test(mut self, experiment: Experiment) -> Self {
        self.cards = Some(experiment);
        self
    }

    /// The link-format experiment, if any.
    pub fn link_format_test(&self) -> Option<&Experiment> {
        self.link_formats.as_ref()
    }

    /// The card experiment, if any.
    pub fn card_test(&self) -> Option<&Experiment> {
        self.cards.as_ref()
    }

    /// The link format `user` gets.
    pub fn link_format_of(&self, user: UserId) -> LinkFormat {
        self.link_formats
            .as_ref()
            .and_then(|e| LinkFormat::parse(e.arm_of(user)))
            .unwrap_or(LinkFormat::Dp)
    }

    /// The card variant `user` sees, when a card experiment runs.
    pub fn card_variant_of(&self, user: UserId) -> Option<&str> {
        self.cards.as_ref().map(|e| e.arm_of(user))
    }
}

/// A Buy link made for a user: the URL to show and the arms it was made in.
#[derive(Clone, PartialEq, Eq)]
pub struct BuyLink {
    /// `<base_url>/r/<token>`. It holds the token: show it to the user, do not log it.
    pub url: String,
    /// The card variant to render (the card experiment's arm), if one runs.
    pub variant: Option<String>,
    /// The link format the redirect will end at.
    pub link_format: LinkFormat,
}

impl std::fmt::Debug for BuyLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuyLink")
            .field("url", &"<redacted>")
            .field("variant", &self.variant)
            .field("link_format", &self.link_format)
            .finish()
    }
}

/// What an import of an Associates report did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportSummary {
    /// Which report.
    pub kind: crate::domain::ReportKind,
    /// Rows in the file.
    pub rows: usize,
    /// Rows stored now (the others were already imported).
    pub added: usize,
    /// Rows of the file matched to a click (and so to a user).
    pub attributed: usize,
    /// Rows credited to a tracking ID that is not this Mandi's tag for the marketplace
    /// (stored, never attributed).
    pub other_tags: usize,
}

/// How far back a click may be for an order to be credited to it: Amazon credits an
/// item put in the cart within 24 hours of the click, so an order counts clicks from the
/// day before its order day; a shipment (earnings report) may come weeks later, so
/// clicks up to 90 days before the ship day count. Days are UTC days.
pub const ORDER_WINDOW_DAYS: i64 = 1;

/// See [`ORDER_WINDOW_DAYS`].
pub const EARNINGS_WINDOW_DAYS: i64 = 90;

/// Where a followed link goes, and the click recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The Amazon product URL (with the marketplace's associate tag when one is set).
    pub location: String,
    /// The click as stored.
    pub click: AffiliateClick,
}

/// Makes Buy links and follows them. Cloning is cheap.
#[derive(Clone)]
pub struct AffiliateService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Arc<AffiliateConfig>,
}

impl std::fmt::Debug for AffiliateService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AffiliateService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AffiliateService {
    /// The service over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: AffiliateConfig) -> Self {
        Self {
            store,
            clock,
            config: Arc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AffiliateConfig {
        &self.config
    }

    /// Makes a Buy link of a product for a user, shown in `source`: a fresh token whose
    /// target (user, source, product, the user's card variant and link format) is stored.
    ///
    /// # Errors
    ///
    /// [`AffiliateError::Store`]: an unknown user is `StoreError::NotFound`, an empty
    /// search query `StoreError::Invalid`.
    pub async fn buy_link(
        &self,
        user: UserId,
        source: ClickSource,
        marketplace: Marketplace,
        asin: Asin,
    ) -> Result<BuyLink, AffiliateError> {
        let variant = self.config.card_variant_of(user).map(str::to_owned);
        let link_format = self.config.link_format_of(user);
        // 144 random bits: a clash is practically impossible, but a retry costs nothing.
        for _ in 0..3 {
            let token = RedirectToken::generate();
            let new = NewClickTarget {
                token_hash: token.hash(),
                user_id: user,
                source: source.clone(),
                marketplace,
                asin,
                variant: variant.clone(),
                link_format,
                created_at: self.clock.now(),
            };
            match self.store.create_click_target(&new).await {
                Ok(_) => {
                    return Ok(BuyLink {
                        url: format!("{}/r/{}", self.config.base_url, token.expose()),
                        variant,
                        link_format,
                    });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AffiliateError::Store(StoreError::Conflict {
            what: "click target",
            detail: "three fresh tokens clashed; the random source is broken".to_owned(),
        }))
    }

    /// The running experiments' click-through per arm: of the Buy links made in
    /// `[since, until)` (trials), those followed at least once before `until` (successes),
    /// with each arm tested against the first. The card experiment's arms are the stored
    /// variants, the link-format experiment's the stored link formats.
    ///
    /// # Errors
    ///
    /// The store's failure.
    pub async fn experiment_results(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ExperimentResults>, AffiliateError> {
        let targets = self.store.click_targets_between(since, until).await?;
        let clicked: BTreeSet<_> = self
            .store
            .affiliate_clicks(since, until)
            .await?
            .into_iter()
            .map(|c| c.target_id)
            .collect();
        let count =
            |experiment: &Experiment,
             arm_of: &dyn Fn(&crate::domain::ClickTarget) -> Option<String>| {
                let arms = experiment
                    .arms()
                    .iter()
                    .map(|arm| {
                        let shown: Vec<_> = targets
                            .iter()
                            .filter(|t| arm_of(t).as_deref() == Some(arm.as_str()))
                            .collect();
                        ArmCounts {
                            arm: arm.clone(),
                            trials: shown.len() as u64,
                            successes: shown.iter().filter(|t| clicked.contains(&t.id)).count()
                                as u64,
                        }
                    })
                    .collect();
                ExperimentResults::evaluate(experiment.key(), "click_through", arms)
            };
        let mut out = Vec::new();
        if let Some(e) = &self.config.cards {
            out.push(count(e, &|t| t.variant.clone()));
        }
        if let Some(e) = &self.config.link_formats {
            out.push(count(e, &|t| Some(t.link_format.as_str().to_owned())));
        }
        Ok(out)
    }

    /// Imports an Associates orders or earnings report of `marketplace`'s account:
    /// parses it, attributes each row credited to this Mandi's tag to the latest click on
    /// the same product within the window ([`ORDER_WINDOW_DAYS`],
    /// [`EARNINGS_WINDOW_DAYS`]) and so to its user, and stores the rows once (importing
    /// the same file again adds nothing).
    ///
    /// # Errors
    ///
    /// [`AffiliateError::Report`] naming the bad lines (nothing stored), or the store's
    /// failure.
    pub async fn import_report(
        &self,
        text: &str,
        marketplace: Marketplace,
    ) -> Result<ImportSummary, AffiliateError> {
        use crate::domain::{AffiliateOrder, ReportKind};
        let report = super::reports::parse_report(text)?;
        let window = chrono::TimeDelta::days(match report.kind {
            ReportKind::Orders => ORDER_WINDOW_DAYS,
            _ => EARNINGS_WINDOW_DAYS,
        });
        let day_start = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let clicks = match (
            report.rows.iter().map(|r| r.day).min(),
            report.rows.iter().map(|r| r.day).max(),
        ) {
            (Some(first), Some(last)) => {
                self.store
                    .affiliate_clicks(
                        day_start(first) - window,
                        day_start(last) + chrono::TimeDelta::days(1),
                    )
                    .await?
            }
            _ => Vec::new(),
        };
        let tag = self.config.tags.get(&marketplace);
        let mut summary = ImportSummary {
            kind: report.kind,
            rows: report.rows.len(),
            added: 0,
            attributed: 0,
            other_tags: 0,
        };
        let mut orders = Vec::with_capacity(report.rows.len());
        for row in report.rows {
            let ours = tag.is_some_and(|t| t.as_str().eq_ignore_ascii_case(&row.tracking_id));
            let click = if ours {
                let (from, until) = (
                    day_start(row.day) - window,
                    day_start(row.day) + chrono::TimeDelta::days(1),
                );
                clicks
                    .iter()
                    .filter(|c| {
                        c.marketplace == marketplace
                            && c.asin == row.asin
                            && c.at >= from
                            && c.at < until
                    })
                    .max_by_key(|c| c.at)
            } else {
                summary.other_tags += 1;
                None
            };
            summary.attributed += usize::from(click.is_some());
            orders.push(AffiliateOrder {
                import_key: row.import_key,
                kind: report.kind,
                marketplace,
                asin: row.asin,
                tracking_id: row.tracking_id,
                category: row.category,
                title: row.name,
                day: row.day,
                quantity: row.quantity,
                returns: row.returns,
                price: row.price,
                revenue: row.revenue,
                fees: row.fees,
                click_target: click.map(|c| c.target_id),
                user_id: click.map(|c| c.user_id),
            });
        }
        summary.added = self.store.record_affiliate_orders(&orders).await?;
        tracing::info!(
            kind = report.kind.as_str(),
            rows = summary.rows,
            added = summary.added,
            attributed = summary.attributed,
            "Associates report imported"
        );
        Ok(summary)
    }

    /// Follows a redirect token: records the click (and the product open, for the user's
    /// profile) and returns where to send the user.
    ///
    /// # Errors
    ///
    /// [`AffiliateError::MalformedToken`], [`AffiliateError::UnknownToken`], or the store's
    /// failure.
    pub async fn follow(&self, token: &str) -> Result<Redirect, AffiliateError> {
        let token = RedirectToken::parse(token)?;
        let target = self
            .store
            .click_target(&token.hash())
            .await?
            .ok_or(AffiliateError::UnknownToken)?;
        let now = self.clock.now();
        let click = match self.store.record_affiliate_click(target.id, now).await {
            Ok(click) => click,
            // The target went away between the two calls (its user was removed).
            Err(StoreError::NotFound { .. }) => return Err(AffiliateError::UnknownToken),
            Err(e) => return Err(e.into()),
        };
        let open = ProductClick {
            user_id: target.user_id,
            marketplace: target.marketplace,
            asin: target.asin,
            at: now,
        };
        if let Err(e) = self.store.record_click(&open).await {
            // The affiliate click is recorded; the profile misses one signal.
            tracing::warn!(target_id = %target.id, error = %e, "could not record the product open");
        }
        let tag = self.config.tags.get(&target.marketplace);
        if tag.is_none() {
            tracing::warn!(
                marketplace = %target.marketplace,
                "no associate tag for this marketplace; redirecting without one"
            );
        }
        tracing::debug!(target_id = %target.id, format = %target.link_format, "redirect followed");
        Ok(Redirect {
            location: affiliate_link_as(target.asin, target.marketplace, tag, target.link_format),
            click,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeDelta, Utc};

    use super::*;
    use crate::domain::{AlertId, ExternalIdentity, NewUser, UserSettings};
    use crate::ports::clock::ManualClock;
    use crate::store::MemoryStore;

    fn start() -> DateTime<Utc> {
        DateTime::from_timestamp(1_765_000_000, 0).expect("time")
    }

    async fn setup(config: AffiliateConfig) -> (AffiliateService, Arc<dyn Store>, ManualClock) {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let clock = ManualClock::new(start());
        let service = AffiliateService::new(store.clone(), Arc::new(clock.clone()), config);
        (service, store, clock)
    }

    async fn user(store: &Arc<dyn Store>, subject: &str) -> UserId {
        let new = NewUser {
            identity: ExternalIdentity::new("telegram", subject),
            display_name: None,
            settings: UserSettings::default(),
        };
        store.upsert_user(&new, start()).await.expect("user").id
    }

    fn config() -> AffiliateConfig {
        AffiliateConfig::new("https://mandi.example/")
            .expect("config")
            .with_tag(
                Marketplace::India,
                AssociateTag::parse("mandi-21").expect("tag"),
            )
    }

    fn phone() -> Asin {
        "B0CX59H5W7".parse().expect("asin")
    }

    fn token_of(link: &BuyLink) -> &str {
        link.url
            .strip_prefix("https://mandi.example/r/")
            .expect("link under the base URL")
    }

    #[tokio::test]
    async fn a_buy_link_is_followed_to_the_tagged_product_and_recorded() {
        let (service, store, clock) = setup(config()).await;
        let u = user(&store, "1").await;
        let source = ClickSource::Alert {
            alert_id: AlertId(9),
        };
        let link = service
            .buy_link(u, source.clone(), Marketplace::India, phone())
            .await
            .expect("link");
        assert_eq!(link.link_format, LinkFormat::Dp);
        assert_eq!(link.variant, None);
        let token = token_of(&link);
        assert_eq!(token.len(), crate::affiliate::TOKEN_CHARS);
        // Nothing about the user or product is in the link.
        assert!(!link.url.contains("B0CX59H5W7") && !link.url.contains("telegram"));
        clock.advance(TimeDelta::seconds(60));
        let redirect = service.follow(token).await.expect("follow");
        assert_eq!(
            redirect.location,
            "https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21"
        );
        assert_eq!(redirect.click.user_id, u);
        assert_eq!(redirect.click.source, source);
        assert_eq!(redirect.click.at, start() + TimeDelta::seconds(60));
        let stored = store
            .affiliate_clicks(start(), start() + TimeDelta::days(1))
            .await
            .expect("clicks");
        assert_eq!(stored, vec![redirect.click.clone()]);
        // The profile learns of the open too.
        let opens = store.clicks(u, start(), 10).await.expect("opens");
        assert_eq!(opens.len(), 1);
        assert_eq!(opens[0].asin, phone());
    }

    #[tokio::test]
    async fn links_follow_the_users_arms() {
        let links = Experiment::link_formats("links-2026-12");
        let cards = Experiment::new("cards-2026-12", ["image_card", "chart_card"]).expect("e");
        let config = config()
            .with_link_format_test(links.clone())
            .expect("link test")
            .with_card_test(cards.clone());
        let (service, store, _) = setup(config).await;
        let mut formats_seen = std::collections::BTreeSet::new();
        for i in 0..12 {
            let u = user(&store, &format!("arm{i}")).await;
            let link = service
                .buy_link(u, ClickSource::Card, Marketplace::India, phone())
                .await
                .expect("link");
            let expected = LinkFormat::parse(links.arm_of(u)).expect("format arm");
            assert_eq!(link.link_format, expected);
            assert_eq!(link.variant.as_deref(), Some(cards.arm_of(u)));
            let redirect = service.follow(token_of(&link)).await.expect("follow");
            let path = match expected {
                LinkFormat::Dp => "dp",
                _ => "gp/product",
            };
            assert_eq!(
                redirect.location,
                format!("https://www.amazon.in/{path}/B0CX59H5W7?tag=mandi-21")
            );
            assert_eq!(redirect.click.variant.as_deref(), Some(cards.arm_of(u)));
            formats_seen.insert(expected);
        }
        assert_eq!(formats_seen.len(), 2, "12 users fell in one arm only");
    }

    #[tokio::test]
    async fn bad_tokens_are_told_apart_and_record_nothing() {
        let (service, store, _) = setup(config()).await;
        assert!(matches!(
            service.follow("nope").await,
            Err(AffiliateError::MalformedToken)
        ));
        let unknown = RedirectToken::generate();
        assert!(matches!(
            service.follow(unknown.expose()).await,
            Err(AffiliateError::UnknownToken)
        ));
        assert_eq!(
            store
                .affiliate_clicks(start() - TimeDelta::days(1), start() + TimeDelta::days(1))
                .await
                .expect("clicks"),
            Vec::new()
        );
    }

    #[tokio::test]
    async fn a_marketplace_without_a_tag_redirects_untagged_and_unknown_users_get_no_link() {
        let (service, store, _) = setup(config()).await;
        let u = user(&store, "us").await;
        let link = service
            .buy_link(u, ClickSource::Card, Marketplace::UnitedStates, phone())
            .await
            .expect("link");
        let redirect = service.follow(token_of(&link)).await.expect("follow");
        assert_eq!(redirect.location, "https://www.amazon.com/dp/B0CX59H5W7");
        assert!(matches!(
            service
                .buy_link(UserId(999), ClickSource::Card, Marketplace::India, phone())
                .await,
            Err(AffiliateError::Store(StoreError::NotFound { .. }))
        ));
    }

    #[tokio::test]
    async fn experiment_results_count_links_shown_and_followed_per_arm() {
        use crate::affiliate::stats::Verdict;
        let cards = Experiment::new("cards-2026-12", ["image_card", "chart_card"]).expect("e");
        let config = config().with_card_test(cards.clone());
        let (service, store, clock) = setup(config).await;
        // 400 users, one link each; image-card users follow 1 in 10, chart-card users 1 in
        // 4 (a real difference), so after 400 links the test finds it.
        let mut expected = BTreeMap::<String, (u64, u64)>::new();
        for i in 0..400 {
            let u = user(&store, &format!("r{i}")).await;
            let link = service
                .buy_link(u, ClickSource::Card, Marketplace::India, phone())
                .await
                .expect("link");
            let arm = cards.arm_of(u).to_owned();
            let every = if arm == "image_card" { 10 } else { 4 };
            let follows = i % every == 0;
            if follows {
                service.follow(token_of(&link)).await.expect("follow");
                // A second click of the same link is still one success.
                service.follow(token_of(&link)).await.expect("again");
            }
            let e = expected.entry(arm).or_default();
            e.0 += 1;
            e.1 += u64::from(follows);
        }
        clock.advance(TimeDelta::seconds(1));
        let results = service
            .experiment_results(start(), clock.now())
            .await
            .expect("results");
        assert_eq!(results.len(), 1);
        let r = &results[0];
        assert_eq!(r.key, "cards-2026-12");
        for a in &r.arms {
            let (trials, successes) = expected[&a.arm];
            assert_eq!((a.trials, a.successes), (trials, successes), "{}", a.arm);
        }
        match &r.comparisons[0].verdict {
            Verdict::Significant { better, .. } => assert_eq!(better, "chart_card"),
            other => panic!("expected a significant difference, got {other:?}"),
        }
        // A window before any link: no data, so no verdict either way.
        let empty = service
            .experiment_results(start() - TimeDelta::days(2), start())
            .await
            .expect("results");
        assert_eq!(empty[0].comparisons[0].verdict, Verdict::NotEnoughData);
    }

    #[tokio::test]
    async fn reports_are_attributed_to_clicks_and_imported_once() {
        use crate::affiliate::reports::tests_support::{EARNINGS_TSV, ORDERS_CSV};
        // The fixtures' orders are on 2026-12-02 (phone, twice) and 12-03 (mouse); their
        // shipments on 12-05 and 12-06.
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let clock = ManualClock::new(
            DateTime::from_timestamp(1_796_186_000, 0).expect("2026-12-02T04:33:20Z"),
        );
        let service = AffiliateService::new(store.clone(), Arc::new(clock.clone()), config());
        let asha = user(&store, "asha").await;
        let ravi = user(&store, "ravi").await;
        // Asha clicks the phone on 12-02; Ravi clicked the phone on 11-20 (too early for
        // the order, within 90 days of the shipment) and the mouse on 12-03.
        let phone_link = service
            .buy_link(asha, ClickSource::Card, Marketplace::India, phone())
            .await
            .expect("link");
        service.follow(token_of(&phone_link)).await.expect("click");
        clock.set(DateTime::from_timestamp(1_795_136_000, 0).expect("2026-11-20"));
        let old = service
            .buy_link(ravi, ClickSource::Card, Marketplace::India, phone())
            .await
            .expect("link");
        service.follow(token_of(&old)).await.expect("old click");
        clock.set(DateTime::from_timestamp(1_796_296_000, 0).expect("2026-12-03"));
        let mouse: Asin = "B09HMKFDXC".parse().expect("asin");
        let mouse_link = service
            .buy_link(ravi, ClickSource::Card, Marketplace::India, mouse)
            .await
            .expect("link");
        service.follow(token_of(&mouse_link)).await.expect("click");

        let summary = service
            .import_report(ORDERS_CSV, Marketplace::India)
            .await
            .expect("import");
        assert_eq!(
            summary,
            ImportSummary {
                kind: crate::domain::ReportKind::Orders,
                rows: 3,
                added: 3,
                attributed: 3,
                other_tags: 0,
            }
        );
        let again = service
            .import_report(ORDERS_CSV, Marketplace::India)
            .await
            .expect("again");
        assert_eq!(again.added, 0, "a re-import adds nothing");
        let d = |s: &str| s.parse::<chrono::NaiveDate>().expect("day");
        let orders = store
            .affiliate_orders(d("2026-12-01"), d("2027-01-01"))
            .await
            .expect("orders");
        let users: Vec<Option<UserId>> = orders.iter().map(|o| o.user_id).collect();
        assert_eq!(users, vec![Some(asha), Some(asha), Some(ravi)]);

        let shipped = service
            .import_report(EARNINGS_TSV, Marketplace::India)
            .await
            .expect("earnings");
        assert_eq!((shipped.rows, shipped.added, shipped.attributed), (2, 2, 2));
        let earnings = store
            .affiliate_orders(d("2026-12-05"), d("2026-12-07"))
            .await
            .expect("earnings rows");
        assert_eq!(
            earnings[0].user_id,
            Some(asha),
            "the latest phone click wins"
        );
        assert_eq!(earnings[1].user_id, Some(ravi));
        assert_eq!(earnings[1].fees.minor(), 29_733);

        // Another account's tag is stored but never attributed.
        let other = ORDERS_CSV.replace("mandi-21", "someone-21");
        let foreign = service
            .import_report(&other, Marketplace::India)
            .await
            .expect("foreign");
        assert_eq!(
            (foreign.added, foreign.attributed, foreign.other_tags),
            (3, 0, 3)
        );
    }

    #[test]
    fn configurations_come_from_the_settings() {
        assert!(
            AffiliateConfig::from_settings(None, Marketplace::India, Some("mandi-21"))
                .expect("none")
                .is_none()
        );
        assert!(
            AffiliateConfig::from_settings(Some(" "), Marketplace::India, None)
                .expect("blank")
                .is_none()
        );
        let c = AffiliateConfig::from_settings(
            Some("https://mandi.example/"),
            Marketplace::India,
            Some("mandi-21"),
        )
        .expect("config")
        .expect("some");
        assert_eq!(c.base_url, "https://mandi.example");
        assert_eq!(
            c.tags.get(&Marketplace::India).map(AssociateTag::as_str),
            Some("mandi-21")
        );
        assert!(
            AffiliateConfig::from_settings(Some("mandi.example"), Marketplace::India, None)
                .is_err()
        );
        assert!(
            AffiliateConfig::from_settings(
                Some("https://mandi.example"),
                Marketplace::India,
                Some("not a tag!")
            )
            .is_err()
        );
    }

    #[test]
    fn configurations_are_checked() {
        assert!(AffiliateConfig::new("ftp://x").is_err());
        assert!(AffiliateConfig::new("not a url").is_err());
        let cards = Experiment::new("c", ["image_card", "chart_card"]).expect("e");
        assert!(matches!(
            config().with_link_format_test(cards),
            Err(AffiliateError::InvalidExperiment { .. })
        ));
    }
}
