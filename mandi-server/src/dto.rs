//! The JSON shapes of the REST API, described for the OpenAPI document. They are views of
//! the library's types: money as minor units with a currency code, times in UTC (RFC 3339).

use chrono::{DateTime, Utc};
use mandi_core::analytics::HistorySummary;
use mandi_core::api::admin::Overview;
use mandi_core::catalog::HistoryReport;
use mandi_core::watches::ImportReport;
use mandi_core::{
    Alert, ApiKey, BulkJob, Money, PricePoint, Product, Watch, WatchState, WatchTarget,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An error (RFC 9457 problem details).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem.
    pub r#type: String,
    /// The HTTP status's reason phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
}

/// The server is up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// An amount of money.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MoneyView {
    /// Minor units (paise for INR).
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// For people (`₹54,999.00`).
    pub display: String,
}

impl From<Money> for MoneyView {
    fn from(m: Money) -> Self {
        Self {
            minor: m.minor(),
            currency: m.currency().to_string(),
            display: m.to_string(),
        }
    }
}

fn money(m: Option<Money>) -> Option<MoneyView> {
    m.map(MoneyView::from)
}

/// A product as last fetched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductView {
    /// Country code of the marketplace (`IN`).
    pub marketplace: String,
    /// The ASIN.
    pub asin: String,
    /// The title.
    pub title: String,
    /// The brand.
    pub brand: Option<String>,
    /// The buy-box price; absent when unknown.
    pub price: Option<MoneyView>,
    /// The list price (MRP) of the buy-box offer.
    pub list_price: Option<MoneyView>,
    /// `in_stock`, `out_of_stock`, `preorder` or `unknown`.
    pub availability: String,
    /// The parent ASIN of its variation family.
    pub parent_asin: Option<String>,
    /// The product page.
    pub detail_page_url: Option<String>,
    /// The first browse node's name.
    pub category: Option<String>,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        Self {
            marketplace: p.marketplace.country_code().to_owned(),
            asin: p.asin.to_string(),
            title: p.title.clone(),
            brand: p.brand.clone(),
            price: money(p.price()),
            list_price: money(p.buy_box().and_then(|o| o.list_price)),
            availability: p.availability().as_str().to_owned(),
            parent_asin: p.parent_asin.map(|a| a.to_string()),
            detail_page_url: p.detail_page_url.clone(),
            category: p.browse_nodes.first().map(|n| n.name.clone()),
            fetched_at: p.fetched_at,
        }
    }
}

/// A page of search results.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    /// The products.
    pub items: Vec<ProductView>,
    /// How many results the source has in all, when it says.
    pub total_results: Option<u32>,
}

/// A product's variation family.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VariationsView {
    /// The parent ASIN.
    pub parent_asin: String,
    /// The dimensions that vary (`Colour`, `Size`).
    pub dimensions: Vec<String>,
    /// How many variations there are in all.
    pub variation_count: u32,
    /// The variations of this page.
    pub items: Vec<ProductView>,
}

/// One observation of a price.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PointView {
    /// When.
    pub at: DateTime<Utc>,
    /// The price; absent when unknown (a gap).
    pub price: Option<MoneyView>,
    /// Stock then.
    pub availability: String,
}

impl From<&PricePoint> for PointView {
    fn from(p: &PricePoint) -> Self {
        Self {
            at: p.at,
            price: money(p.price),
            availability: p.availability.as_str().to_owned(),
        }
    }
}

/// A product's price history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryView {
    /// Country code of the marketplace.
    pub marketplace: String,
    /// The ASIN.
    pub asin: String,
    /// The buy-box history, oldest first.
    pub points: Vec<PointView>,
    /// The current price.
    pub current: Option<MoneyView>,
    /// True when the current price is the lowest ever seen.
    pub is_all_time_low: bool,
    /// Price drops seen.
    pub drops: u32,
    /// Price rises seen.
    pub rises: u32,
}

impl From<&HistoryReport> for HistoryView {
    fn from(r: &HistoryReport) -> Self {
        let s: &HistorySummary = &r.summary;
        Self {
            marketplace: r.marketplace.country_code().to_owned(),
            asin: r.asin.to_string(),
            points: r.points.iter().map(PointView::from).collect(),
            current: money(s.current.as_ref().map(|c| c.price)),
            is_all_time_low: s.is_all_time_low,
            drops: s.drops,
            rises: s.rises,
        }
    }
}

/// One part of a deal score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScorePartView {
    /// The part.
    pub name: String,
    /// Points it adds (or takes).
    pub points: i32,
    /// Why.
    pub explanation: String,
}

/// The deal score and price patterns of a product.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InsightsView {
    /// The ASIN.
    pub asin: String,
    /// 0–100, when the product is known.
    pub score: Option<u8>,
    /// The verdict (`great_deal`, `fake_sale`…).
    pub verdict: Option<String>,
    /// The parts of the score.
    pub parts: Vec<ScorePartView>,
    /// Volatility in basis points.
    pub volatility_bps: Option<u32>,
    /// Trend in basis points per 30 days.
    pub trend_bps_per_30d: Option<i64>,
    /// Typical sale depth in basis points.
    pub typical_drop_bps: Option<u32>,
}

impl From<&HistoryReport> for InsightsView {
    fn from(r: &HistoryReport) -> Self {
        Self {
            asin: r.asin.to_string(),
            score: r.score.as_ref().map(|s| s.score),
            verdict: r.score.as_ref().and_then(|s| {
                serde_json::to_value(s.verdict)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
            }),
            parts: r
                .score
                .as_ref()
                .map(|s| {
                    s.parts
                        .iter()
                        .map(|p| ScorePartView {
                            name: p.name.clone(),
                            points: p.points,
                            explanation: p.explanation.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            volatility_bps: r.patterns.volatility_bps,
            trend_bps_per_30d: r.patterns.trend_bps_per_30d,
            typical_drop_bps: r.patterns.typical_drop_bps,
        }
    }
}

/// A watch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WatchView {
    /// Its id.
    pub id: i64,
    /// `product` or `family`.
    pub target_type: String,
    /// Country code of the marketplace.
    pub marketplace: String,
    /// The ASIN (the parent ASIN of a family watch).
    pub asin: String,
    /// The alert rules (tagged by `rule`, as in `mandi export`).
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<serde_json::Value>,
    /// `active`, `paused` or `snoozed`.
    pub state: String,
    /// The end of a snooze.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The price when it was made.
    pub baseline_price: Option<MoneyView>,
    /// Its label.
    pub label: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Watch> for WatchView {
    fn from(w: &Watch) -> Self {
        let (target_type, asin) = match w.target {
            WatchTarget::Family { parent_asin, .. } => ("family", parent_asin),
            _ => ("product", w.target.asin()),
        };
        let (state, snoozed_until) = match w.state {
            WatchState::Active => ("active", None),
            WatchState::Paused => ("paused", None),
            WatchState::Snoozed { until } => ("snoozed", Some(until)),
            _ => ("unknown", None),
        };
        Self {
            id: w.id.0,
            target_type: target_type.to_owned(),
            marketplace: w.target.marketplace().country_code().to_owned(),
            asin: asin.to_string(),
            rules: w
                .rules
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect(),
            state: state.to_owned(),
            snoozed_until,
            baseline_price: money(w.baseline_price),
            label: w.label.clone(),
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A watch to make.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WatchCreate {
    /// An ASIN or a product link.
    pub product: String,
    /// Alert rules (as in `mandi export`); empty or absent: the default rules.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<serde_json::Value>,
    /// Follow every variation of the product's family.
    #[serde(default)]
    pub family: bool,
    /// A label.
    #[serde(default)]
    pub label: Option<String>,
}

/// Changes to a watch; absent fields stay as they are.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WatchUpdate {
    /// New rules (every rule is re-armed).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub rules: Option<Vec<serde_json::Value>>,
    /// A new label.
    #[serde(default)]
    pub label: Option<String>,
    /// `active` or `paused`.
    #[serde(default)]
    pub state: Option<String>,
    /// Snooze until this moment.
    #[serde(default)]
    pub snooze_until: Option<DateTime<Utc>>,
}

/// An alert a watch fired.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertView {
    /// Its id.
    pub id: i64,
    /// The watch that fired it.
    pub watch_id: i64,
    /// Country code of the marketplace.
    pub marketplace: String,
    /// The product.
    pub asin: String,
    /// The rule that fired.
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
    /// The price that fired it.
    pub price: Option<MoneyView>,
    /// The price before.
    pub previous_price: Option<MoneyView>,
    /// Stock then.
    pub availability: String,
    /// A summary for people.
    pub message: String,
    /// When.
    pub triggered_at: DateTime<Utc>,
}

impl From<&Alert> for AlertView {
    fn from(a: &Alert) -> Self {
        Self {
            id: a.id.0,
            watch_id: a.watch_id.0,
            marketplace: a.marketplace.country_code().to_owned(),
            asin: a.asin.to_string(),
            rule: serde_json::to_value(&a.rule).unwrap_or_default(),
            price: money(a.price),
            previous_price: money(a.previous_price),
            availability: a.availability.as_str().to_owned(),
            message: a.message.clone(),
            triggered_at: a.triggered_at,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportView {
    /// Watches created.
    pub created: usize,
    /// Entries skipped because they were already watched.
    pub already_watched: usize,
    /// True when the settings were replaced.
    pub settings_replaced: bool,
}

impl From<ImportReport> for ImportView {
    fn from(r: ImportReport) -> Self {
        Self {
            created: r.created,
            already_watched: r.already_watched,
            settings_replaced: r.settings_replaced,
        }
    }
}

/// A bulk job to submit as JSON (CSV bodies carry the products only; rules and label then
/// come from the query).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkSubmit {
    /// ASINs or product links (at most 10,000).
    pub items: Vec<String>,
    /// The rules every watch gets; empty: the default rules.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<serde_json::Value>,
    /// A label for every watch.
    #[serde(default)]
    pub label: Option<String>,
}

/// Items of a bulk job per state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkCountsView {
    /// Not processed yet.
    pub pending: u32,
    /// Watches made.
    pub watching: u32,
    /// Already watched.
    pub already_watched: u32,
    /// Unknown to the source.
    pub not_found: u32,
    /// Lines naming no product.
    pub invalid: u32,
    /// Failures.
    pub failed: u32,
}

/// A bulk job and its progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkJobView {
    /// Its id.
    pub id: i64,
    /// `running` or `finished`.
    pub status: String,
    /// Input lines.
    pub total: u32,
    /// Lines processed.
    pub done: u32,
    /// Lines per state.
    pub counts: BulkCountsView,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Where its results are, as CSV.
    pub results_url: String,
}

impl From<&BulkJob> for BulkJobView {
    fn from(j: &BulkJob) -> Self {
        Self {
            id: j.id.0,
            status: if j.finished_at.is_some() {
                "finished"
            } else {
                "running"
            }
            .to_owned(),
            total: j.total,
            done: j.counts.done(),
            counts: BulkCountsView {
                pending: j.counts.pending,
                watching: j.counts.watching,
                already_watched: j.counts.already_watched,
                not_found: j.counts.not_found,
                invalid: j.counts.invalid,
                failed: j.counts.failed,
            },
            created_at: j.created_at,
            finished_at: j.finished_at,
            results_url: format!("/api/v1/bulk/{}/results.csv", j.id),
        }
    }
}

/// The key making the request, with its recent usage.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `read`, `write` or `admin`.
    pub scope: String,
    /// The first characters of the secret.
    pub prefix: String,
    /// Requests a second.
    pub rate_per_second: u32,
    /// Burst.
    pub burst: u32,
    /// Requests per UTC day over the last 30 days (flushed every few seconds).
    pub usage: Vec<UsageView>,
}

/// Requests of a key on one day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UsageView {
    /// The UTC day.
    pub day: String,
    /// Accepted requests.
    pub requests: u64,
    /// Requests refused by the rate limit.
    pub rejected: u64,
}

impl KeyView {
    /// The view of a key and its usage.
    pub fn new(k: &ApiKey, usage: &[mandi_core::KeyUsage]) -> Self {
        Self {
            id: k.id.0,
            name: k.name.clone(),
            scope: k.scope.as_str().to_owned(),
            prefix: k.prefix.clone(),
            rate_per_second: k.rate_limit.per_second,
            burst: k.rate_limit.burst,
            usage: usage
                .iter()
                .map(|u| UsageView {
                    day: u.day.to_string(),
                    requests: u.requests,
                    rejected: u.rejected,
                })
                .collect(),
        }
    }
}

/// The admin overview's headline numbers (the dashboard shows them all).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatsView {
    /// Every user.
    pub users_total: u32,
    /// Active in the last day.
    pub active_1d: u32,
    /// Active in the last 7 days.
    pub active_7d: u32,
    /// Active in the last 30 days.
    pub active_30d: u32,
    /// Every watch.
    pub watches_total: u32,
    /// Alerts fired in the last 30 days.
    pub alerts_fired: u32,
    /// Of them, delivered.
    pub alerts_sent: u32,
    /// Deliveries waiting.
    pub outbox_pending: u32,
}

impl From<&Overview> for StatsView {
    fn from(o: &Overview) -> Self {
        Self {
            users_total: o.users_total,
            active_1d: o.active_1d,
            active_7d: o.active_7d,
            active_30d: o.active_30d,
            watches_total: o.watches_total,
            alerts_fired: o.alerts_fired,
            alerts_sent: o.alerts_sent,
            outbox_pending: o.outbox_pending,
        }
    }
}

/// A webhook subscription to make: the key's alerts are POSTed to `url` as JSON, signed
/// with HMAC-SHA256 in `X-Mandi-Signature: sha256=<hex>`, with an `Idempotency-Key`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreate {
    /// Where alerts go (http or https).
    pub url: String,
    /// The signing secret (16 to 256 characters); a random one is made when absent.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A webhook subscription (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    /// Its id.
    pub id: i64,
    /// Where alerts go.
    pub url: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<&mandi_core::Webhook> for WebhookView {
    fn from(w: &mandi_core::Webhook) -> Self {
        Self {
            id: w.id.0,
            url: w.url.clone(),
            created_at: w.created_at,
        }
    }
}

/// A webhook subscription just made, with its signing secret (shown this once).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    /// Its id.
    pub id: i64,
    /// Where alerts go.
    pub url: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The secret to check `X-Mandi-Signature` with.
    pub secret: String,
}

/// A deal a user shared and Mandi verified against the source (issue 21).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommunityDealView {
    /// Its id.
    pub id: i64,
    /// Country code of the marketplace.
    pub marketplace: String,
    /// The ASIN.
    pub asin: String,
    /// The title read when it was checked.
    pub title: String,
    /// The price read from the source when it was checked.
    pub price: Option<MoneyView>,
    /// The deal score (0–100) when it was checked.
    pub score: Option<u8>,
    /// Up votes.
    pub up_votes: u32,
    /// Down votes.
    pub down_votes: u32,
    /// When it was shared.
    pub created_at: DateTime<Utc>,
}

impl From<&mandi_core::SharedDeal> for CommunityDealView {
    fn from(d: &mandi_core::SharedDeal) -> Self {
        Self {
            id: d.id.0,
            marketplace: d.marketplace.country_code().to_owned(),
            asin: d.asin.as_str().to_owned(),
            title: d.title.clone(),
            price: d.price.map(MoneyView::from),
            score: d.score,
            up_votes: d.up_votes,
            down_votes: d.down_votes,
            created_at: d.created_at,
        }
    }
}
/// The key's user's preferences (`GET`/`PATCH /api/v1/settings`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SettingsView {
    /// The preferred marketplace (`www.amazon.in`): bare ASINs are read there, prices are
    /// shown in its currency, and cross-border comparisons land there.
    pub marketplace: String,
    /// Its country code (`IN`).
    pub country: String,
    /// Its currency (`INR`).
    pub currency: String,
    /// `english` or `hindi`.
    pub language: String,
    /// IANA time zone (`Asia/Kolkata`).
    pub time_zone: String,
    /// At most this many alerts a day; `null`: no cap.
    pub daily_cap: Option<u32>,
    /// True when the user appears on the leaderboards (off unless they opt in).
    pub leaderboard_opt_in: bool,
}

impl From<&mandi_core::UserSettings> for SettingsView {
    fn from(s: &mandi_core::UserSettings) -> Self {
        Self {
            marketplace: s.marketplace.domain().to_owned(),
            country: s.marketplace.country_code().to_owned(),
            currency: s.marketplace.currency().code().to_owned(),
            language: match s.language {
                mandi_core::Language::Hindi => "hindi",
                _ => "english",
            }
            .to_owned(),
            time_zone: s.time_zone.clone(),
            daily_cap: s.daily_cap,
            leaderboard_opt_in: s.leaderboard_opt_in,
        }
    }
}

/// Changes to the preferences; absent fields stay as they are.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    /// A marketplace as a domain (`amazon.de`) or a country code (`DE`).
    #[serde(default)]
    pub marketplace: Option<String>,
    /// `english` (`en`) or `hindi` (`hi`).
    #[serde(default)]
    pub language: Option<String>,
    /// An IANA time zone name.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// At most this many alerts a day (1–1000); `0` removes the cap.
    #[serde(default)]
    pub daily_cap: Option<u32>,
    /// Appear on the leaderboards (top savers, deal finders).
    #[serde(default)]
    pub leaderboard_opt_in: Option<bool>,
}
