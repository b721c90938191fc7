//! The digest: everything a user in daily-digest mode gets, as **one** message per digest
//! period.
//!
//! The [`Dispatcher`](crate::alerts::Dispatcher) holds a digest user's alerts until their
//! digest time (moved past their quiet hours), then hands the alerts released together to a
//! [`DigestBuilder`], which adds the sections of its [`DigestContributor`]s, and delivers the
//! result with one [`Notifier::deliver_digest`](crate::ports::Notifier::deliver_digest) call;
//! every outbox row it carries is marked sent together, and a retry carries the same rows
//! under the same idempotency key, so the digest arrives once.
//!
//! # Extension point
//!
//! A module that wants a say in the digest (price predictions, recommendations) implements
//! [`DigestContributor`] and is added with [`DigestBuilder::with`]; its section is appended
//! after the built-in ones, in the order contributors were added. A contributor that fails is
//! logged and left out: it never holds a digest back.
//!
//! The `/digest` command of a front-end reads the same builder through
//! [`DigestBuilder::build`] with no alerts: the user's watches now, plus the contributors.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::CatalogService;
use crate::domain::{Alert, Asin, Language, Marketplace, Money, User, UserId};

/// How many watches the built-in watches section lists at most.
pub const MAX_WATCH_LINES: usize = 20;

/// One watched product in the digest: its price now and before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchLine {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The product (the parent ASIN of a family watch).
    pub asin: Asin,
    /// The product's title, when it was ever fetched.
    pub title: Option<String>,
    /// The price before the last change, when known.
    pub previous: Option<Money>,
    /// The price now; `None` when unknown (never 0).
    pub current: Option<Money>,
    /// True when the price now is the lowest ever recorded.
    pub all_time_low: bool,
}

/// A part of a digest.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DigestSection {
    /// The user's watches and their prices now.
    Watches {
        /// One line per watch, oldest watch first.
        lines: Vec<WatchLine>,
        /// Watches left out past [`MAX_WATCH_LINES`].
        more: usize,
    },
    /// A section a [`DigestContributor`] added, already in the user's language.
    Extra {
        /// The contributor's stable name (`predictions`, `recommendations`).
        source: String,
        /// The section's heading.
        title: String,
        /// Its lines, plain text (front-ends escape them).
        lines: Vec<String>,
    },
}

/// One user's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// The recipient.
    pub user_id: UserId,
    /// The language to show it in (the user's).
    pub language: Language,
    /// When it was made.
    pub made_at: DateTime<Utc>,
    /// The alerts it carries, oldest first (empty for an on-demand digest).
    pub alerts: Vec<Alert>,
    /// Further sections, built-in ones first, then each contributor's.
    pub sections: Vec<DigestSection>,
}

impl Digest {
    /// True when it carries nothing worth a message.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
            && self.sections.iter().all(|s| match s {
                DigestSection::Watches { lines, .. } => lines.is_empty(),
                DigestSection::Extra { lines, .. } => lines.is_empty(),
            })
    }
}

/// Why a contributor could not add its section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("digest section {source_name} failed: {reason}")]
pub struct DigestError {
    /// The contributor.
    pub source_name: String,
    /// Why.
    pub reason: String,
}

/// Adds a section to digests (see the [module docs](self) for where it lands).
#[async_trait]
pub trait DigestContributor: Send + Sync {
    /// A short stable name (`predictions`), stored with its section.
    fn name(&self) -> &str;

    /// The section for `user`, given the alerts the digest carries; `None` to add nothing.
    /// Write it in `user.settings.language`.
    async fn section(
        &self,
        user: &User,
        alerts: &[Alert],
        now: DateTime<Utc>,
    ) -> Result<Option<DigestSection>, DigestError>;
}

/// The built-in section: every watch of the user with its price now and before, read from
/// the store in one batch (no source calls).
#[derive(Debug, Clone)]
pub struct WatchesSection {
    catalog: CatalogService,
}

impl WatchesSection {
    /// The section over a catalog.
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }
}

#[async_trait]
impl DigestContributor for WatchesSection {
    fn name(&self) -> &str {
        "watches"
    }

    async fn section(
        &self,
        user: &User,
        _alerts: &[Alert],
        _now: DateTime<Utc>,
    ) -> Result<Option<DigestSection>, DigestError> {
        let fail = |e: &dyn std::fmt::Display| DigestError {
            source_name: "watches".to_owned(),
            reason: e.to_string(),
        };
        let watches = self
            .catalog
            .store()
            .list_watches(user.id)
            .await
            .map_err(|e| fail(&e))?;
        let more = watches.len().saturating_sub(MAX_WATCH_LINES);
        let targets: Vec<(Marketplace, Asin)> = watches
            .iter()
            .take(MAX_WATCH_LINES)
            .map(|w| (w.target.marketplace(), w.target.asin()))
            .collect();
        let reports = crate::insights::reports(&self.catalog, &targets)
            .await
            .map_err(|e| fail(&e))?;
        let lines = reports
            .into_iter()
            .map(|r| WatchLine {
                marketplace: r.marketplace,
                asin: r.asin,
                title: r.product.as_ref().map(|p| p.title.clone()),
                previous: r.summary.previous.as_ref().map(|c| c.price),
                current: r.summary.current.as_ref().map(|c| c.price),
                all_time_low: r.summary.is_all_time_low,
            })
            .collect();
        Ok(Some(DigestSection::Watches { lines, more }))
    }
}

/// Builds digests: the alerts released together plus every contributor's section.
#[derive(Clone, Default)]
pub struct DigestBuilder {
    contributors: Vec<Arc<dyn DigestContributor>>,
}

impl std::fmt::Debug for DigestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestBuilder")
            .field(
                "contributors",
                &self
                    .contributors
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl DigestBuilder {
    /// A builder with no sections besides the alerts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The standard digest: the alerts, then the user's watches.
    pub fn standard(catalog: CatalogService) -> Self {
        Self::new().with(Arc::new(WatchesSection::new(catalog)))
    }

    /// Adds a contributor; its section comes after those added before it.
    pub fn with(mut self, contributor: Arc<dyn DigestContributor>) -> Self {
        self.contributors.push(contributor);
        self
    }

    /// The names of the contributors, in order.
    pub fn contributors(&self) -> Vec<&str> {
        self.contributors.iter().map(|c| c.name()).collect()
    }

    /// The digest of `user` carrying `alerts` (sorted oldest first). A contributor that
    /// fails is logged and left out.
    pub async fn build(&self, user: &User, mut alerts: Vec<Alert>, now: DateTime<Utc>) -> Digest {
        alerts.sort_by(|a, b| a.triggered_at.cmp(&b.triggered_at).then(a.id.cmp(&b.id)));
        let mut sections = Vec::new();
        for c in &self.contributors {
            match c.section(user, &alerts, now).await {
                Ok(Some(s)) => sections.push(s),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(user = %user.id, contributor = c.name(), error = %e, "digest section left out");
                }
            }
        }
        Digest {
            user_id: user.id,
            language: user.settings.language,
            made_at: now,
            alerts,
            sections,
        }
    }
}
