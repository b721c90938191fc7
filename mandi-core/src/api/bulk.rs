//! Bulk monitoring: up to [`MAX_BULK_ITEMS`] ASINs or links watched with one rule set.
//!
//! [`BulkService::submit`] reads every line (a line that names no product is kept as
//! `invalid`, with the reason) and stores the job; [`BulkService::run`] looks the products up
//! ten at a time and makes the watches, saving the outcome of each batch, so progress can be
//! polled and a job interrupted by a restart resumes where it stopped
//! ([`BulkService::resume_unfinished`]). Every input line ends in exactly one state.

use std::collections::HashMap;

use crate::catalog::CatalogService;
use crate::domain::{
    Asin, BulkItem, BulkItemStatus, BulkJob, BulkJobId, BulkSpec, Marketplace, NewBulkJob,
    NewWatch, User, UserId, WatchId, WatchTarget,
};
use crate::links::{LinkError, parse_product_input};
use crate::ports::{MAX_ITEMS_PER_CALL, StoreError};
use crate::watches::{WatchError, clean_label, default_rules, validate_rules};

/// The most lines one bulk job may hold.
pub const MAX_BULK_ITEMS: usize = 10_000;
/// The most watches an account may reach through bulk jobs (interactive adds stop at
/// [`MAX_WATCHES_PER_USER`](crate::watches::MAX_WATCHES_PER_USER)).
pub const MAX_BULK_WATCHES_PER_USER: usize = 20_000;
/// The longest input line kept, in characters.
pub const MAX_LINE_CHARS: usize = 2_000;

/// Errors of the bulk service.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// The submission is not acceptable; nothing was stored.
    #[error("{0}")]
    Invalid(String),
    /// No such job among the user's own.
    #[error("you have no bulk job {0}")]
    NotFound(BulkJobId),
    /// The store failed.
    #[error("could not read or save the bulk job: {0}")]
    Store(StoreError),
}

impl From<StoreError> for BulkError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Reads the product column of a CSV document: the first field of each non-empty line
/// (quoted fields allowed); a first line whose first field is a header name (`asin`, `link`,
/// `url`, `input`, `product`) is skipped.
pub fn csv_inputs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let field = first_csv_field(line);
        if i == 0
            && matches!(
                field.trim().to_ascii_lowercase().as_str(),
                "asin" | "link" | "url" | "input" | "product"
            )
        {
            continue;
        }
        out.push(field);
    }
    out
}

fn first_csv_field(line: &str) -> String {
    let line = line.trim_start();
    let Some(rest) = line.strip_prefix('"') else {
        return line.split(',').next().unwrap_or_default().trim().to_owned();
    };
    let mut field = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                field.push('"');
                chars.next();
            } else {
                break;
            }
        } else {
            field.push(c);
        }
    }
    field
}

/// A CSV field, quoted when it must be.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(['=', '+', '-', '@']) {
        // Quoted; a leading formula character is defused with an apostrophe so a
        // spreadsheet shows the text instead of running it.
        let body = if text.starts_with(['=', '+', '-', '@']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        format!("\"{}\"", body.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Bulk jobs over a catalog (whose store and clock they use).
#[derive(Debug, Clone)]
pub struct BulkService {
    catalog: CatalogService,
}

impl BulkService {
    /// The service over a catalog.
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// Stores a job of `inputs` (ASINs or product links; a bare ASIN is in the user's
    /// marketplace) to be watched with `spec`. Lines that name no product are stored as
    /// `invalid` with the reason. Run it with [`BulkService::run`].
    ///
    /// # Errors
    ///
    /// [`BulkError::Invalid`] for no lines, more than [`MAX_BULK_ITEMS`], or bad rules or
    /// label (nothing stored); a store failure.
    pub async fn submit(
        &self,
        user: &User,
        inputs: Vec<String>,
        spec: BulkSpec,
    ) -> Result<BulkJob, BulkError> {
        if inputs.is_empty() {
            return Err(BulkError::Invalid(
                "a bulk job needs at least one ASIN or product link".into(),
            ));
        }
        if inputs.len() > MAX_BULK_ITEMS {
            return Err(BulkError::Invalid(format!(
                "a bulk job may hold at most {MAX_BULK_ITEMS} products (got {})",
                inputs.len()
            )));
        }
        let label = clean_label(spec.label.clone()).map_err(invalid)?;
        let default = user.settings.marketplace;
        let mut items = Vec::with_capacity(inputs.len());
        let mut currencies = Vec::new();
        for (i, input) in inputs.into_iter().enumerate() {
            let position = u32::try_from(i).unwrap_or(u32::MAX);
            let input: String = input.chars().take(MAX_LINE_CHARS).collect();
            let parsed = parse_product_input(&input, default);
            let mut item = BulkItem {
                position,
                input,
                marketplace: None,
                asin: None,
                status: BulkItemStatus::Pending,
                watch_id: None,
                detail: None,
            };
            match parsed {
                Ok(p) => {
                    item.marketplace = Some(p.marketplace);
                    item.asin = Some(p.asin);
                    if !currencies.contains(&p.marketplace.currency()) {
                        currencies.push(p.marketplace.currency());
                    }
                }
                Err(LinkError::ShortLink { .. }) => {
                    item.status = BulkItemStatus::Invalid;
                    item.detail =
                        Some("a short link; send the full product link or the ASIN".into());
                }
                Err(e) => {
                    item.status = BulkItemStatus::Invalid;
                    item.detail = Some(e.to_string());
                }
            }
            items.push(item);
        }
        let effective = if spec.rules.is_empty() {
            default_rules()
        } else {
            spec.rules.clone()
        };
        for currency in currencies {
            validate_rules(&effective, currency).map_err(invalid)?;
        }
        let job = NewBulkJob {
            user_id: user.id,
            spec: BulkSpec {
                rules: spec.rules,
                label,
            },
            items,
        };
        Ok(self
            .catalog
            .store()
            .create_bulk_job(&job, self.catalog.clock().now())
            .await?)
    }

    /// One of a user's jobs with its progress.
    ///
    /// # Errors
    ///
    /// [`BulkError::NotFound`], or a store failure.
    pub async fn get(&self, user: UserId, id: BulkJobId) -> Result<BulkJob, BulkError> {
        self.catalog
            .store()
            .get_bulk_job(user, id)
            .await
            .map_err(|e| not_found(e, id))
    }

    /// The items of one of a user's jobs, in input order.
    ///
    /// # Errors
    ///
    /// [`BulkError::NotFound`], or a store failure.
    pub async fn items(&self, user: UserId, id: BulkJobId) -> Result<Vec<BulkItem>, BulkError> {
        self.catalog
            .store()
            .bulk_job_items(user, id)
            .await
            .map_err(|e| not_found(e, id))
    }

    /// The outcome of every line of a job as CSV:
    /// `position,input,marketplace,asin,status,watch_id,detail`.
    ///
    /// # Errors
    ///
    /// [`BulkError::NotFound`], or a store failure.
    pub async fn results_csv(&self, user: UserId, id: BulkJobId) -> Result<String, BulkError> {
        let items = self.items(user, id).await?;
        let mut out = String::from("position,input,marketplace,asin,status,watch_id,detail\n");
        for i in items {
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                i.position,
                csv_field(&i.input),
                i.marketplace.map(|m| m.country_code()).unwrap_or_default(),
                i.asin.map(|a| a.to_string()).unwrap_or_default(),
                i.status.as_str(),
                i.watch_id.map(|w| w.to_string()).unwrap_or_default(),
                csv_field(i.detail.as_deref().unwrap_or_default()),
            ));
        }
        Ok(out)
    }

    /// Processes the pending items of a job: looks them up ten at a time, makes the watches
    /// and saves each batch's outcome; marks the job finished. Returns the job as it ended.
    ///
    /// # Errors
    ///
    /// [`BulkError::NotFound`], or a store failure (what was saved stays saved; running the
    /// job again picks up the items still pending).
    pub async fn run(&self, user: UserId, id: BulkJobId) -> Result<BulkJob, BulkError> {
        let store = self.catalog.store();
        let job = self.get(user, id).await?;
        let items = self.items(user, id).await?;
        let rules = if job.spec.rules.is_empty() {
            default_rules()
        } else {
            job.spec.rules.clone()
        };
        let existing = store.list_watches(user).await?;
        let mut watched: HashMap<WatchTarget, WatchId> =
            existing.iter().map(|w| (w.target, w.id)).collect();
        let mut by_market: HashMap<Marketplace, Vec<BulkItem>> = HashMap::new();
        for item in items
            .into_iter()
            .filter(|i| i.status == BulkItemStatus::Pending)
        {
            if let Some(m) = item.marketplace {
                by_market.entry(m).or_default().push(item);
            }
        }
        for (marketplace, pending) in by_market {
            for chunk in pending.chunks(MAX_ITEMS_PER_CALL) {
                let asins: Vec<Asin> = chunk.iter().filter_map(|i| i.asin).collect();
                let looked_up = self.catalog.lookup(marketplace, &asins).await;
                let mut done = Vec::with_capacity(chunk.len());
                for item in chunk {
                    let mut item = item.clone();
                    let Some(asin) = item.asin else {
                        continue;
                    };
                    let target = WatchTarget::Product { marketplace, asin };
                    match &looked_up {
                        Err(e) => {
                            item.status = BulkItemStatus::Failed;
                            item.detail = Some(e.to_string());
                        }
                        Ok(batch) => match batch.items.iter().find(|p| p.asin == asin) {
                            None => {
                                item.status = BulkItemStatus::NotFound;
                                item.detail = Some(format!("{asin} is not in the catalogue"));
                            }
                            Some(_) if watched.contains_key(&target) => {
                                item.status = BulkItemStatus::AlreadyWatched;
                                item.watch_id = watched.get(&target).copied();
                            }
                            Some(_) if watched.len() >= MAX_BULK_WATCHES_PER_USER => {
                                item.status = BulkItemStatus::Failed;
                                item.detail = Some(format!(
                                    "the account already has {MAX_BULK_WATCHES_PER_USER} watches"
                                ));
                            }
                            Some(product) => {
                                let made = store
                                    .create_watch(
                                        &NewWatch {
                                            user_id: user,
                                            target,
                                            rules: rules.clone(),
                                            baseline_price: product.price(),
                                            label: job.spec.label.clone(),
                                        },
                                        self.catalog.clock().now(),
                                    )
                                    .await;
                                match made {
                                    Ok(w) => {
                                        watched.insert(target, w.id);
                                        item.status = BulkItemStatus::Watching;
                                        item.watch_id = Some(w.id);
                                    }
                                    Err(e) => {
                                        item.status = BulkItemStatus::Failed;
                                        item.detail = Some(e.to_string());
                                    }
                                }
                            }
                        },
                    }
                    done.push(item);
                }
                store.record_bulk_items(id, &done, None).await?;
            }
        }
        store
            .record_bulk_items(id, &[], Some(self.catalog.clock().now()))
            .await?;
        self.get(user, id).await
    }

    /// Runs every job left unfinished (by a restart); returns how many were run.
    ///
    /// # Errors
    ///
    /// A store failure.
    pub async fn resume_unfinished(&self) -> Result<usize, BulkError> {
        let jobs = self.catalog.store().unfinished_bulk_jobs().await?;
        for job in &jobs {
            self.run(job.user_id, job.id).await?;
        }
        Ok(jobs.len())
    }
}

fn invalid(e: WatchError) -> BulkError {
    BulkError::Invalid(e.to_string())
}

fn not_found(e: StoreError, id: BulkJobId) -> BulkError {
    if e.is_not_found() {
        BulkError::NotFound(id)
    } else {
        BulkError::Store(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_the_first_column_and_skips_a_header() {
        let text = "asin,note\r\nB0CX59H5W7,phone\n\n\"https://www.amazon.in/dp/B0D1XD1ZV3?a=1,2\",x\n  B0D1XD1ZV3 \n";
        assert_eq!(
            csv_inputs(text),
            [
                "B0CX59H5W7",
                "https://www.amazon.in/dp/B0D1XD1ZV3?a=1,2",
                "B0D1XD1ZV3"
            ]
        );
        assert_eq!(csv_inputs("B0CX59H5W7\n"), ["B0CX59H5W7"]);
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
