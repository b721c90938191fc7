//! [`WatchService`]: what a person does with watches — add one from a link, list, pause,
//! resume, snooze, change rules, delete, export and import — shared by the CLI and the bot.
//!
//! Every operation is scoped to one user: another user's watch is "not found". Rules are
//! validated before anything is stored, and an import checks every entry before it creates
//! the first watch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogError, CatalogService};
use crate::domain::{
    AlertRule, Currency, ExternalIdentity, Marketplace, Money, NewUser, NewWatch, Product, User,
    UserSettings, Watch, WatchId, WatchState, WatchTarget,
};
use crate::links::ProductRef;
use crate::ports::{PriceUpdate, StoreError};

/// The most watches one user may hold (and one import may bring).
pub const MAX_WATCHES_PER_USER: usize = 500;
/// The longest label kept, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// Errors of the watch service.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// A rule, label or import entry is not acceptable; nothing was changed.
    #[error("{0}")]
    Invalid(String),
    /// The product is not in the catalogue.
    #[error("{0} is not in the catalogue; check the link or ASIN")]
    UnknownProduct(String),
    /// The user already watches this product.
    #[error("you already watch this product (watch {0}); change its rules with `watch edit`")]
    Duplicate(WatchId),
    /// No such watch among the user's own.
    #[error("you have no watch {0}")]
    NotFound(WatchId),
    /// Looking the product up failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The store failed.
    #[error("could not read or save watches: {0}")]
    Store(StoreError),
}

impl From<StoreError> for WatchError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Result of a watch operation.
pub type WatchResult<T> = Result<T, WatchError>;

/// What a new watch should do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchSpec {
    /// The rules; empty means [`default_rules`].
    pub rules: Vec<AlertRule>,
    /// Follow every variation of the product's family ("any colour of this phone").
    pub family: bool,
    /// A label of the user's own.
    pub label: Option<String>,
}

/// The rules a watch gets when the user names none: a 5 % drop from today's price, an
/// all-time low, and back in stock.
pub fn default_rules() -> Vec<AlertRule> {
    vec![
        AlertRule::DropFromBaseline { bps: 500 },
        AlertRule::AllTimeLow,
        AlertRule::BackInStock,
    ]
}

/// A watch just made, with the product as fetched for its baseline price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedWatch {
    /// The watch.
    pub watch: Watch,
    /// The product.
    pub product: Product,
}

/// One exported watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedWatch {
    /// What it follows.
    pub target: WatchTarget,
    /// Its rules.
    pub rules: Vec<AlertRule>,
    /// Whether it is live, paused or snoozed.
    #[serde(default = "active")]
    pub state: WatchState,
    /// The price when it was made.
    #[serde(default)]
    pub baseline_price: Option<Money>,
    /// Its label.
    #[serde(default)]
    pub label: Option<String>,
}

fn active() -> WatchState {
    WatchState::Active
}

/// A user's watches and settings as a JSON document (`mandi export`, `/export`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchExport {
    /// The format version; this build writes and reads 1.
    pub version: u32,
    /// When it was written.
    pub exported_at: DateTime<Utc>,
    /// The user's settings.
    pub settings: UserSettings,
    /// The watches (a document with more than [`MAX_WATCHES_PER_USER`] is refused while
    /// it is read, before the rest of it is parsed).
    #[serde(deserialize_with = "capped_watches")]
    pub watches: Vec<ExportedWatch>,
}

/// The start of the error a document with too many watches fails with.
const TOO_MANY_WATCHES: &str = "the file holds more than";

/// Reads the watch list, stopping at the first entry past [`MAX_WATCHES_PER_USER`]: a file of
/// a million watches is refused after reading 501 of them, in bounded time and memory.
fn capped_watches<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ExportedWatch>, D::Error> {
    struct Capped;
    impl<'de> serde::de::Visitor<'de> for Capped {
        type Value = Vec<ExportedWatch>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_WATCHES_PER_USER} watches")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out =
                Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_WATCHES_PER_USER));
            while let Some(w) = seq.next_element::<ExportedWatch>()? {
                if out.len() == MAX_WATCHES_PER_USER {
                    return Err(serde::de::Error::custom(format!(
                        "{TOO_MANY_WATCHES} {MAX_WATCHES_PER_USER} watches; one person may hold at most {MAX_WATCHES_PER_USER}"
                    )));
                }
                out.push(w);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Capped)
}

/// The export format this build writes.
pub const EXPORT_VERSION: u32 = 1;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Watches created.
    pub created: usize,
    /// Entries skipped because the user already watches that target.
    pub already_watched: usize,
    /// True when the settings were replaced by the imported ones.
    pub settings_replaced: bool,
}

/// The largest amount, in major units of the marketplace's currency (₹10 crore), a rule may
/// name: a target above any plausible price is a typo, refused like a negative one.
pub const MAX_PLAUSIBLE_PRICE_MAJOR: i64 = 100_000_000;

/// Checks rules before they are stored: ranges, and money in the marketplace's currency.
///
/// # Errors
///
/// [`WatchError::Invalid`] naming the first bad rule and what is allowed.
pub fn validate_rules(rules: &[AlertRule], currency: Currency) -> WatchResult<()> {
    if rules.is_empty() {
        return Err(WatchError::Invalid(
            "a watch needs at least one rule".into(),
        ));
    }
    if rules.len() > 16 {
        return Err(WatchError::Invalid(format!(
            "a watch may have at most 16 rules, got {}",
            rules.len()
        )));
    }
    let money = |what: &str, m: Money| -> WatchResult<()> {
        if m.currency() != currency {
            return Err(WatchError::Invalid(format!(
                "{what} {m} is in {}, but this marketplace prices in {}",
                m.currency().code(),
                currency.code()
            )));
        }
        if m.minor() <= 0 {
            return Err(WatchError::Invalid(format!(
                "{what} must be above zero, got {m}"
            )));
        }
        let max = Money::from_major(MAX_PLAUSIBLE_PRICE_MAJOR, currency);
        if m.minor() > max.minor() {
            return Err(WatchError::Invalid(format!(
                "{what} {m} is above any plausible price (at most {max})"
            )));
        }
        Ok(())
    };
    let share = |what: &str, bps: u32, max: u32| -> WatchResult<()> {
        if bps == 0 || bps > max {
            return Err(WatchError::Invalid(format!(
                "{what} must be above 0% and at most {}, got {}",
                crate::Bps::from(max),
                crate::Bps::from(bps)
            )));
        }
        Ok(())
    };
    for (i, rule) in rules.iter().enumerate() {
        if rules[..i].contains(rule) {
            return Err(WatchError::Invalid(format!(
                "rule {} is given twice",
                i + 1
            )));
        }
        match rule {
            AlertRule::TargetPrice { at_or_below } => money("the target price", *at_or_below)?,
            AlertRule::DropFromBaseline { bps } => share("the drop", *bps, 9_900)?,
            AlertRule::DropSinceLastAlert { amount, bps } => {
                if amount.is_none() && bps.is_none() {
                    return Err(WatchError::Invalid(
                        "a drop since the last alert needs an amount or a percentage".into(),
                    ));
                }
                if let Some(a) = amount {
                    money("the drop", *a)?;
                }
                if let Some(b) = bps {
                    share("the drop", *b, 9_900)?;
                }
            }
            AlertRule::LowestInDays { days } if !(1..=3650).contains(days) => {
                return Err(WatchError::Invalid(format!(
                    "\"lowest in N days\" needs N from 1 to 3650, got {days}"
                )));
            }
            AlertRule::PriceIncrease { bps } => share("the rise", *bps, 100_000)?,
            AlertRule::DealScoreAtLeast { score } if *score > 100 => {
                return Err(WatchError::Invalid(format!(
                    "a deal score is 0 to 100, got {score}"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parses a share such as `10%`, `12.5%` or `10` into basis points (1000 = 10 %).
///
/// # Errors
///
/// [`WatchError::Invalid`] when it is not a number from 0.01 to 1000.
///
/// # Examples
///
/// ```
/// use mandi_core::watches::parse_percent_bps;
/// assert_eq!(parse_percent_bps("10%")?, 1000);
/// assert_eq!(parse_percent_bps("12.5")?, 1250);
/// assert!(parse_percent_bps("ten").is_err());
/// # Ok::<(), mandi_core::watches::WatchError>(())
/// ```
pub fn parse_percent_bps(text: &str) -> WatchResult<u32> {
    let t = text.trim().trim_end_matches('%').trim();
    let bad = || WatchError::Invalid(format!("{text:?} is not a percentage such as 10% or 12.5%"));
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 4
    {
        return Err(bad());
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: u32 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u32>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let bps = whole * 100 + frac;
    if bps == 0 || bps > 100_000 {
        return Err(bad());
    }
    Ok(bps)
}

/// Parses a window such as `90d`, `90`, `12w`, `6m` (30-day months) or `1y` into days.
///
/// # Errors
///
/// [`WatchError::Invalid`] when it is not a number of days, weeks, months or years.
///
/// # Examples
///
/// ```
/// use mandi_core::watches::parse_days;
/// assert_eq!(parse_days("90d")?, 90);
/// assert_eq!(parse_days("2w")?, 14);
/// assert_eq!(parse_days("1y")?, 365);
/// # Ok::<(), mandi_core::watches::WatchError>(())
/// ```
pub fn parse_days(text: &str) -> WatchResult<u32> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || {
        WatchError::Invalid(format!(
            "{text:?} is not a window such as 90d, 12w, 6m or 1y"
        ))
    };
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t.as_str(), "d"),
    };
    let n: u32 = digits.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" | "day" | "days" => n,
        "w" | "week" | "weeks" => n.saturating_mul(7),
        "m" | "month" | "months" => n.saturating_mul(30),
        "y" | "year" | "years" => n.saturating_mul(365),
        _ => return Err(bad()),
    };
    if !(1..=3650).contains(&days) {
        return Err(bad());
    }
    Ok(days)
}

/// Watches, scoped to one user at a time, on top of the [`CatalogService`].
#[derive(Debug, Clone)]
pub struct WatchService {
    catalog: CatalogService,
}

impl WatchService {
    /// The service over a catalog (whose store and clock it uses).
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// The catalog it looks products up with.
    pub fn catalog(&self) -> &CatalogService {
        &self.catalog
    }

    /// The user a front-end knows by `identity`, created on first use with default settings.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn user(
        &self,
        identity: ExternalIdentity,
        display_name: Option<String>,
    ) -> WatchResult<User> {
        self.user_with(identity, display_name, UserSettings::default())
            .await
    }

    /// The user a front-end knows by `identity`, created on first use with `settings` (the
    /// language and marketplace the front-end guessed); an existing user keeps theirs.
    ///
    /// # Errors
    ///
    /// [`WatchError::Invalid`] for an empty identity, or the store failed.
    pub async fn user_with(
        &self,
        identity: ExternalIdentity,
        display_name: Option<String>,
        settings: UserSettings,
    ) -> WatchResult<User> {
        if identity.provider.trim().is_empty() || identity.subject.trim().is_empty() {
            return Err(WatchError::Invalid(
                "a user needs an identity with a provider and a subject".into(),
            ));
        }
        let store = self.catalog.store();
        if let Some(u) = store.find_user(&identity).await? {
            return Ok(u);
        }
        let new = NewUser {
            identity,
            display_name,
            settings,
        };
        Ok(store.upsert_user(&new, self.catalog.clock().now()).await?)
    }

    /// Saves a user's settings (alert mode, quiet hours, cap, language, time zone).
    ///
    /// # Errors
    ///
    /// [`WatchError::Invalid`] for a time zone that is not one, or the store failed.
    pub async fn save_settings(&self, user: &User, settings: UserSettings) -> WatchResult<User> {
        if settings.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(WatchError::Invalid(format!(
                "{:?} is not a time zone such as Asia/Kolkata",
                settings.time_zone
            )));
        }
        let mut updated = self.catalog.store().get_user(user.id).await?;
        updated.settings = settings;
        self.catalog.store().update_user(&updated).await?;
        Ok(updated)
    }

    /// Watches a product: looks it up (its price now is the baseline for "% drop" rules)
    /// and stores the watch.
    ///
    /// # Errors
    ///
    /// [`WatchError::Invalid`] for bad rules or a family watch on a product without a
    /// family, [`WatchError::UnknownProduct`], [`WatchError::Duplicate`], or a lookup or
    /// store failure.
    pub async fn add(
        &self,
        user: &User,
        product: ProductRef,
        spec: WatchSpec,
    ) -> WatchResult<AddedWatch> {
        let rules = if spec.rules.is_empty() {
            default_rules()
        } else {
            spec.rules
        };
        validate_rules(&rules, product.marketplace.currency())?;
        let label = clean_label(spec.label)?;
        let batch = self
            .catalog
            .lookup(product.marketplace, &[product.asin])
            .await?;
        let Some(found) = batch.items.into_iter().find(|p| p.asin == product.asin) else {
            return Err(WatchError::UnknownProduct(product.to_string()));
        };
        let target = if spec.family {
            let parent = found.parent_asin.ok_or_else(|| {
                WatchError::Invalid(format!(
                    "{} has no variations to follow; watch it on its own",
                    product.asin
                ))
            })?;
            self.save_family(product.marketplace, parent).await?;
            WatchTarget::Family {
                marketplace: product.marketplace,
                parent_asin: parent,
            }
        } else {
            WatchTarget::Product {
                marketplace: product.marketplace,
                asin: product.asin,
            }
        };
        let existing = self.catalog.store().list_watches(user.id).await?;
        if let Some(w) = existing.iter().find(|w| w.target == target) {
            return Err(WatchError::Duplicate(w.id));
        }
        let cap = crate::community::watch_cap(self.catalog.store().as_ref(), user.id).await?;
        if existing.len() >= cap {
            return Err(WatchError::Invalid(format!(
                "you already have {cap} watches, the most you may hold; remove some first (each friend you invite adds {} more)",
                crate::community::REFERRAL_WATCH_SLOTS
            )));
        }
        let new = NewWatch {
            user_id: user.id,
            target,
            rules,
            baseline_price: found.price(),
            label,
        };
        let watch = self
            .catalog
            .store()
            .create_watch(&new, self.catalog.clock().now())
            .await?;
        Ok(AddedWatch {
            watch,
            product: found,
        })
    }

    /// Saves every child of a family (page by page), so the monitor refreshes them all.
    async fn save_family(&self, marketplace: Marketplace, parent: crate::Asin) -> WatchResult<()> {
        let mut request = crate::VariationsRequest::new(marketplace, parent);
        let mut seen = 0usize;
        for page in 1..=10u8 {
            request.variation_page = page;
            let family = self.catalog.variations(&request).await?;
            seen += family.items.len();
            if family.items.is_empty() || seen >= family.variation_count as usize {
                break;
            }
        }
        Ok(())
    }

    /// A user's watches, oldest first.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn list(&self, user: &User) -> WatchResult<Vec<Watch>> {
        Ok(self.catalog.store().list_watches(user.id).await?)
    }

    /// A user's alerts, newest first: `limit` of them after skipping `offset`.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn alerts(
        &self,
        user: &User,
        limit: usize,
        offset: usize,
    ) -> WatchResult<Vec<crate::domain::Alert>> {
        Ok(self
            .catalog
            .store()
            .alert_history(user.id, limit, offset)
            .await?)
    }

    /// A user's watches, oldest first, each with its product as last saved (`None` when it
    /// was never fetched), read in one batch per marketplace.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn list_with_products(
        &self,
        user: &User,
    ) -> WatchResult<Vec<(Watch, Option<Product>)>> {
        let watches = self.list(user).await?;
        let mut by_market: std::collections::BTreeMap<Marketplace, Vec<crate::Asin>> =
            std::collections::BTreeMap::new();
        for w in &watches {
            by_market
                .entry(w.target.marketplace())
                .or_default()
                .push(w.target.asin());
        }
        let mut products = Vec::new();
        for (m, asins) in by_market {
            products.extend(self.catalog.store().get_products(m, &asins).await?);
        }
        Ok(watches
            .into_iter()
            .map(|w| {
                let p = products
                    .iter()
                    .find(|p| p.marketplace == w.target.marketplace() && p.asin == w.target.asin())
                    .cloned();
                (w, p)
            })
            .collect())
    }

    /// One of a user's watches.
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`] when the user has no such watch.
    pub async fn get(&self, user: &User, id: WatchId) -> WatchResult<Watch> {
        self.catalog
            .store()
            .get_watch(user.id, id)
            .await
            .map_err(|e| not_found(e, id))
    }

    /// Deletes one of a user's watches (its alert history goes with it).
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`] when the user has no such watch.
    pub async fn remove(&self, user: &User, id: WatchId) -> WatchResult<()> {
        self.catalog
            .store()
            .delete_watch(user.id, id)
            .await
            .map_err(|e| not_found(e, id))
    }

    /// Sets a watch's state: [`WatchState::Paused`], [`WatchState::Active`] (resume) or
    /// [`WatchState::Snoozed`].
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`], or [`WatchError::Invalid`] for a snooze that ends in the past.
    pub async fn set_state(
        &self,
        user: &User,
        id: WatchId,
        state: WatchState,
    ) -> WatchResult<Watch> {
        let now = self.catalog.clock().now();
        if let WatchState::Snoozed { until } = state
            && until <= now
        {
            return Err(WatchError::Invalid(
                "a snooze must end in the future".into(),
            ));
        }
        let mut watch = self.get(user, id).await?;
        watch.state = state;
        watch.updated_at = now;
        self.catalog.store().update_watch(&watch).await?;
        Ok(watch)
    }

    /// Replaces a watch's rules (and label, when given); every rule is re-armed.
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`] or [`WatchError::Invalid`].
    pub async fn edit(
        &self,
        user: &User,
        id: WatchId,
        rules: Vec<AlertRule>,
        label: Option<String>,
    ) -> WatchResult<Watch> {
        let mut watch = self.get(user, id).await?;
        validate_rules(&rules, watch.target.marketplace().currency())?;
        let label = clean_label(label)?;
        let store = self.catalog.store();
        if watch.rules != rules {
            self.reconcile_states(&watch, &rules).await?;
        }
        watch.rules = rules;
        if label.is_some() {
            watch.label = label;
        }
        watch.updated_at = self.catalog.clock().now();
        store.update_watch(&watch).await?;
        Ok(watch)
    }

    /// Sets (or changes) a watch's target price: the watch's target rule is replaced in
    /// place, or a target rule is appended when it had none, so no other rule changes
    /// position; the target rule's saved state is reset (re-armed) and every other rule
    /// keeps its own.
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`], or [`WatchError::Invalid`] for a price that is not above
    /// zero or not in the marketplace's currency, or a watch that already has 16 rules.
    pub async fn set_target(&self, user: &User, id: WatchId, price: Money) -> WatchResult<Watch> {
        let watch = self.get(user, id).await?;
        let mut rules = watch.rules.clone();
        let target = AlertRule::TargetPrice { at_or_below: price };
        match rules
            .iter()
            .position(|r| matches!(r, AlertRule::TargetPrice { .. }))
        {
            Some(i) => {
                rules[i] = target;
                // A second target rule (only possible in hand-made data) would shadow it.
                let mut seen = false;
                rules.retain(|r| {
                    let is_target = matches!(r, AlertRule::TargetPrice { .. });
                    let keep = !is_target || !seen;
                    seen |= is_target;
                    keep
                });
            }
            None => rules.push(target),
        }
        self.edit(user, id, rules, None).await
    }

    /// Pauses a watch: no alerts until it is resumed.
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`].
    pub async fn pause(&self, user: &User, id: WatchId) -> WatchResult<Watch> {
        self.set_state(user, id, WatchState::Paused).await
    }

    /// Resumes a paused or snoozed watch.
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`].
    pub async fn resume(&self, user: &User, id: WatchId) -> WatchResult<Watch> {
        self.set_state(user, id, WatchState::Active).await
    }

    /// Resumes the user's watches that were paused because the user could not be reached
    /// (they blocked the bot; see [`UserService::deactivate`](crate::users::UserService::deactivate)):
    /// the "resume all" offered to a user who comes back. Watches the user paused
    /// deliberately stay paused. Returns how many were resumed.
    ///
    /// # Errors
    ///
    /// The store failed (nothing was resumed).
    pub async fn resume_unreachable(&self, user: &User) -> WatchResult<usize> {
        let now = self.catalog.clock().now();
        let resumed = self
            .catalog
            .store()
            .resume_unreachable(user.id, now)
            .await?;
        Ok(resumed.len())
    }

    /// How many of the user's watches are still paused because the user could not be
    /// reached (what [`WatchService::resume_unreachable`] would resume).
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn paused_unreachable_count(&self, user: &User) -> WatchResult<usize> {
        Ok(self
            .catalog
            .store()
            .paused_unreachable(user.id)
            .await?
            .len())
    }

    /// The variations to choose from when `product` is a variation parent (a product family
    /// such as a phone in three colours, which has no price of its own): `None` when the
    /// product has a known price or no family. Front-ends offer the children instead of
    /// watching a product whose price is unknown.
    ///
    /// # Errors
    ///
    /// The lookup failed ([`WatchError::UnknownProduct`] when the source does not know it).
    pub async fn variation_choices(
        &self,
        product: ProductRef,
    ) -> WatchResult<Option<crate::domain::VariationFamily>> {
        let batch = self
            .catalog
            .lookup(product.marketplace, &[product.asin])
            .await?;
        let found = batch.items.into_iter().find(|p| p.asin == product.asin);
        if found.as_ref().is_some_and(|p| p.price().is_some()) {
            return Ok(None);
        }
        let request = crate::ports::VariationsRequest::new(product.marketplace, product.asin);
        match self.catalog.variations(&request).await {
            Ok(family) if !family.items.is_empty() => Ok(Some(family)),
            Ok(_) => Ok(None),
            Err(e) if found.is_some() => {
                tracing::debug!(asin = %product.asin, error = %e, "no variations for an unpriced product");
                Ok(None)
            }
            Err(e) if e.is_retryable() => Err(e.into()),
            Err(_) => Err(WatchError::UnknownProduct(product.to_string())),
        }
    }

    /// Snoozes a watch for `length` from now (at most a year).
    ///
    /// # Errors
    ///
    /// [`WatchError::NotFound`], or [`WatchError::Invalid`] for a length that is not above
    /// zero or longer than a year.
    pub async fn snooze(
        &self,
        user: &User,
        id: WatchId,
        length: chrono::Duration,
    ) -> WatchResult<Watch> {
        if length <= chrono::Duration::zero() || length > chrono::Duration::days(365) {
            return Err(WatchError::Invalid(format!(
                "a snooze lasts from a minute to a year, got {} minutes",
                length.num_minutes()
            )));
        }
        let until = self.catalog.clock().now() + length;
        self.set_state(user, id, WatchState::Snoozed { until })
            .await
    }

    /// Saves the rule states for a watch whose rules become `rules`: a rule that stays at
    /// its position with the same settings keeps its state; every other position is re-armed
    /// (keeping its epoch, so later dedupe keys stay unique). States are kept by position,
    /// so a rule that moved must not inherit its new neighbour's memory.
    async fn reconcile_states(&self, watch: &Watch, rules: &[AlertRule]) -> WatchResult<()> {
        let store = self.catalog.store();
        let Some(mut states) = store.rule_states(&[watch.id]).await?.into_iter().next() else {
            return Ok(());
        };
        for p in &mut states.products {
            for (i, st) in p.rules.iter_mut().enumerate() {
                if watch.rules.get(i) != rules.get(i) {
                    st.rearm();
                }
            }
            // States past the new rule count are kept (re-armed): their epochs keep the
            // dedupe keys of a rule added there later unique.
        }
        store
            .apply_update(&PriceUpdate {
                rule_states: vec![states],
                ..PriceUpdate::default()
            })
            .await?;
        Ok(())
    }

    /// Everything a user set up, as a document [`WatchService::import`] reads back.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn export(&self, user: &User) -> WatchResult<WatchExport> {
        let watches = self.list(user).await?;
        Ok(WatchExport {
            version: EXPORT_VERSION,
            exported_at: self.catalog.clock().now(),
            settings: user.settings.clone(),
            watches: watches
                .into_iter()
                .map(|w| ExportedWatch {
                    target: w.target,
                    rules: w.rules,
                    state: w.state,
                    baseline_price: w.baseline_price,
                    label: w.label,
                })
                .collect(),
        })
    }

    /// Reads an export (JSON text) into a user's account: every entry is checked before the
    /// first watch is created; targets the user already watches are skipped; with
    /// `replace_settings` the user's settings become the imported ones.
    ///
    /// Should the store fail halfway, the watches this import created are deleted again, so
    /// an import either lands whole or changes nothing.
    ///
    /// # Errors
    ///
    /// [`WatchError::Invalid`] naming the first bad entry (nothing changed), or a store failure.
    pub async fn import(
        &self,
        user: &User,
        json: &str,
        replace_settings: bool,
    ) -> WatchResult<ImportReport> {
        let doc: WatchExport = serde_json::from_str(json).map_err(export_error)?;
        self.import_document(user, doc, replace_settings).await
    }

    /// [`WatchService::import`] reading the export from `reader` as it goes: a file with more
    /// watches than one person may hold is refused after its first 501 entries, without
    /// reading (or holding) the rest.
    ///
    /// # Errors
    ///
    /// As [`WatchService::import`]; an unreadable `reader` is [`WatchError::Invalid`].
    pub async fn import_from_reader(
        &self,
        user: &User,
        reader: impl std::io::Read,
        replace_settings: bool,
    ) -> WatchResult<ImportReport> {
        let doc: WatchExport =
            serde_json::from_reader(std::io::BufReader::new(reader)).map_err(export_error)?;
        self.import_document(user, doc, replace_settings).await
    }

    async fn import_document(
        &self,
        user: &User,
        doc: WatchExport,
        replace_settings: bool,
    ) -> WatchResult<ImportReport> {
        if doc.version != EXPORT_VERSION {
            return Err(WatchError::Invalid(format!(
                "export format version {} is not one this Mandi reads ({EXPORT_VERSION})",
                doc.version
            )));
        }
        if doc.settings.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(WatchError::Invalid(format!(
                "settings: {:?} is not a time zone such as Asia/Kolkata",
                doc.settings.time_zone
            )));
        }
        let existing = self.list(user).await?;
        let existing_targets: std::collections::HashSet<WatchTarget> =
            existing.iter().map(|w| w.target).collect();
        let mut fresh_targets: std::collections::HashSet<WatchTarget> =
            std::collections::HashSet::new();
        let mut fresh: Vec<&ExportedWatch> = Vec::new();
        let mut already = 0;
        for (i, w) in doc.watches.iter().enumerate() {
            let at = |e: WatchError| WatchError::Invalid(format!("watch {}: {e}", i + 1));
            validate_rules(&w.rules, w.target.marketplace().currency()).map_err(at)?;
            clean_label(w.label.clone()).map_err(at)?;
            if let Some(b) = w.baseline_price
                && (b.minor() <= 0 || b.currency() != w.target.marketplace().currency())
            {
                return Err(at(WatchError::Invalid(format!(
                    "the baseline price {b} is not usable"
                ))));
            }
            if existing_targets.contains(&w.target) {
                already += 1;
            } else if !fresh_targets.insert(w.target) {
                return Err(at(WatchError::Invalid(
                    "this product is listed twice".into(),
                )));
            } else {
                fresh.push(w);
            }
        }
        let cap = crate::community::watch_cap(self.catalog.store().as_ref(), user.id).await?;
        if existing.len() + fresh.len() > cap {
            return Err(WatchError::Invalid(format!(
                "that would make {} watches; you may hold at most {cap}",
                existing.len() + fresh.len()
            )));
        }
        let store = self.catalog.store();
        let now = self.catalog.clock().now();
        let mut created: Vec<WatchId> = Vec::new();
        for w in fresh {
            let made = store
                .create_watch(
                    &NewWatch {
                        user_id: user.id,
                        target: w.target,
                        rules: w.rules.clone(),
                        baseline_price: w.baseline_price,
                        label: w.label.clone(),
                    },
                    now,
                )
                .await;
            let result = match made {
                Ok(mut watch) if watch.state != w.state => {
                    watch.state = w.state;
                    store.update_watch(&watch).await.map(|()| watch)
                }
                other => other,
            };
            match result {
                Ok(watch) => created.push(watch.id),
                Err(e) => {
                    for id in created {
                        if let Err(undo) = store.delete_watch(user.id, id).await {
                            tracing::error!(watch = %id, error = %undo, "could not undo a half-done import");
                        }
                    }
                    return Err(e.into());
                }
            }
        }
        let mut settings_replaced = false;
        if replace_settings && user.settings != doc.settings {
            let mut updated = user.clone();
            updated.settings = doc.settings;
            store.update_user(&updated).await?;
            settings_replaced = true;
        }
        Ok(ImportReport {
            created: created.len(),
            already_watched: already,
            settings_replaced,
        })
    }

    /// The marketplace a bare ASIN means for this user.
    pub fn marketplace_of(user: &User) -> Marketplace {
        user.settings.marketplace
    }
}

/// An export that could not be read: too many watches, or not an export at all.
fn export_error(e: serde_json::Error) -> WatchError {
    let text = e.to_string();
    if text.starts_with(TOO_MANY_WATCHES) {
        WatchError::Invalid(text)
    } else {
        WatchError::Invalid(format!(
            "not a Mandi export: {text} (make one with `mandi export` or /export)"
        ))
    }
}

fn not_found(e: StoreError, id: WatchId) -> WatchError {
    if e.is_not_found() {
        WatchError::NotFound(id)
    } else {
        WatchError::Store(e)
    }
}

pub(crate) fn clean_label(label: Option<String>) -> WatchResult<Option<String>> {
    match label.map(|l| l.trim().to_owned()) {
        Some(l) if l.is_empty() => Ok(None),
        Some(l) if l.chars().count() > MAX_LABEL_CHARS => Err(WatchError::Invalid(format!(
            "a label may have at most {MAX_LABEL_CHARS} characters"
        ))),
        Some(l) if l.chars().any(char::is_control) => Err(WatchError::Invalid(
            "a label may not hold control characters".into(),
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_above_any_plausible_price_is_refused_like_a_negative_one() {
        let target = |m: Money| vec![AlertRule::TargetPrice { at_or_below: m }];
        let ten_crore = Money::from_major(MAX_PLAUSIBLE_PRICE_MAJOR, Currency::INR);
        assert!(validate_rules(&target(ten_crore), Currency::INR).is_ok());
        let above = Money::from_minor(ten_crore.minor() + 1, Currency::INR);
        let err = validate_rules(&target(above), Currency::INR).unwrap_err();
        assert!(
            err.to_string().contains("above any plausible price"),
            "{err}"
        );
        let negative = Money::from_minor(-100, Currency::INR);
        assert!(matches!(
            validate_rules(&target(negative), Currency::INR),
            Err(WatchError::Invalid(_))
        ));
        let huge_drop = vec![AlertRule::DropSinceLastAlert {
            amount: Some(Money::from_minor(i64::MAX, Currency::INR)),
            bps: None,
        }];
        assert!(matches!(
            validate_rules(&huge_drop, Currency::INR),
            Err(WatchError::Invalid(_))
        ));
    }
}
