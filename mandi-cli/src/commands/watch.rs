//! `mandi watch add|list|rm|pause|resume|snooze|edit`, `mandi alerts`, `mandi export`,
//! `mandi import`: watches of the local user, on the library's `WatchService`.

use std::path::PathBuf;

use chrono::Duration;
use mandi_core::watches::{WatchService, WatchSpec, parse_days, parse_percent_bps};
use mandi_core::{AlertRule, Currency, ExternalIdentity, Money, User, Watch, WatchId, WatchState};
use serde::Serialize;

use super::{Context, Outcome, product_inputs};
use crate::app::{App, block_on};
use crate::error::{Error, Result};
use crate::output::{Output, table};
use crate::render;

const WATCH_EXAMPLES: &str = "\
Examples:
  mandi watch add \"https://www.amazon.in/dp/B0CX59H5W7\" --below 54999
  mandi watch add B0CX59H5W7 --drop 10% --lowest 90d --in-stock
  mandi watch add B0CX59H5W7 --family --below 20000     # any colour or size
  mandi watch list
  mandi watch snooze 3 --for 2d
  mandi watch edit 3 --below 49999 --label \"for Diwali\"
  mandi watch rm 3

With no rule, a watch alerts on a 5% drop from today's price, an all-time low, and
coming back in stock.";

/// `mandi watch`: follow products and get alerts.
#[derive(Debug, clap::Args)]
#[command(after_help = WATCH_EXAMPLES)]
pub struct Cmd {
    #[command(subcommand)]
    action: Action,
}

/// The rules a watch can carry, as flags.
#[derive(Debug, Clone, Default, clap::Args)]
struct RuleFlags {
    /// Alert when the price is at or below this (rupees: 54999, "54,999", ₹54,999).
    #[arg(long, value_name = "PRICE")]
    below: Option<String>,
    /// Alert when the price fell this share below today's price (10%).
    #[arg(long, value_name = "PERCENT")]
    drop: Option<String>,
    /// Alert when the price fell this much since the last alert (500 or 5%).
    #[arg(long, value_name = "PRICE|PERCENT")]
    drop_since_alert: Option<String>,
    /// Alert on the lowest price in a window (90d, 12w, 6m) or `all` for an all-time low.
    #[arg(long, value_name = "WINDOW")]
    lowest: Option<String>,
    /// Alert when it comes back in stock.
    #[arg(long)]
    in_stock: bool,
    /// Alert when the price rises more than this share (15%).
    #[arg(long, value_name = "PERCENT")]
    rise: Option<String>,
    /// Alert when the deal score reaches this (0–100).
    #[arg(long, value_name = "SCORE")]
    score: Option<u8>,
    /// Alert when a lightning deal starts.
    #[arg(long)]
    lightning: bool,
}

impl RuleFlags {
    fn rules(&self, currency: Currency) -> Result<Vec<AlertRule>> {
        let price = |text: &str, what: &str| {
            Money::parse(text, currency)
                .map_err(|e| Error::Input(format!("{what} {text:?} is not a price: {e}")))
        };
        let pct = |text: &str| parse_percent_bps(text).map_err(|e| Error::Input(e.to_string()));
        let mut rules = Vec::new();
        if let Some(b) = &self.below {
            rules.push(AlertRule::TargetPrice {
                at_or_below: price(b, "--below")?,
            });
        }
        if let Some(d) = &self.drop {
            rules.push(AlertRule::DropFromBaseline { bps: pct(d)? });
        }
        if let Some(d) = &self.drop_since_alert {
            rules.push(if d.trim().ends_with('%') {
                AlertRule::DropSinceLastAlert {
                    amount: None,
                    bps: Some(pct(d)?),
                }
            } else {
                AlertRule::DropSinceLastAlert {
                    amount: Some(price(d, "--drop-since-alert")?),
                    bps: None,
                }
            });
        }
        if let Some(l) = &self.lowest {
            rules.push(
                if l.eq_ignore_ascii_case("all") || l.eq_ignore_ascii_case("ever") {
                    AlertRule::AllTimeLow
                } else {
                    AlertRule::LowestInDays {
                        days: parse_days(l).map_err(|e| Error::Input(e.to_string()))?,
                    }
                },
            );
        }
        if self.in_stock {
            rules.push(AlertRule::BackInStock);
        }
        if let Some(r) = &self.rise {
            rules.push(AlertRule::PriceIncrease { bps: pct(r)? });
        }
        if let Some(s) = self.score {
            rules.push(AlertRule::DealScoreAtLeast { score: s });
        }
        if self.lightning {
            rules.push(AlertRule::LightningDealStarted);
        }
        Ok(rules)
    }
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Watch a product (by link or ASIN).
    #[command(
        after_help = "Examples:\n  mandi watch add B0CX59H5W7 --below 54999\n  mandi watch add \"https://amzn.in/d/abc\" --drop 10% --in-stock"
    )]
    Add {
        /// The product: ASIN, link, or a pasted message.
        #[arg(value_name = "ASIN|URL")]
        input: String,
        #[command(flatten)]
        rules: RuleFlags,
        /// Follow every variation of the product's family.
        #[arg(long)]
        family: bool,
        /// A label of your own.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        variants: super::watch_builder::VariantFlags,
    },
    /// List your watches.
    #[command(after_help = "Examples:\n  mandi watch list\n  mandi --json watch list")]
    List,
    /// Delete a watch.
    #[command(after_help = "Example:\n  mandi watch rm 3")]
    Rm {
        /// The watch id (see `mandi watch list`).
        id: i64,
    },
    /// Pause a watch: no alerts until resumed.
    #[command(after_help = "Example:\n  mandi watch pause 3")]
    Pause {
        /// The watch id.
        id: i64,
    },
    /// Resume a paused or snoozed watch.
    #[command(after_help = "Example:\n  mandi watch resume 3")]
    Resume {
        /// The watch id.
        id: i64,
    },
    /// Silence a watch for a while.
    #[command(after_help = "Example:\n  mandi watch snooze 3 --for 2d")]
    Snooze {
        /// The watch id.
        id: i64,
        /// How long: 12h, 2d, 1w.
        #[arg(long = "for", value_name = "DURATION", default_value = "1d")]
        duration: String,
    },
    /// Replace a watch's rules (all rules are re-armed).
    #[command(after_help = "Example:\n  mandi watch edit 3 --below 49999 --in-stock")]
    Edit {
        /// The watch id.
        id: i64,
        #[command(flatten)]
        rules: RuleFlags,
        /// A new label.
        #[arg(long)]
        label: Option<String>,
    },
    /// Target prices grounded in the product's history, each with how often it would have
    /// fired in the past year.
    #[command(after_help = "Example:\n  mandi watch suggest B0CX59H5W7")]
    Suggest {
        /// The product: ASIN or link.
        #[arg(value_name = "ASIN|URL")]
        input: String,
    },
    /// Review your watches: unrealistic targets, redundant and stale watches.
    #[command(after_help = "Example:\n  mandi watch review")]
    Review,
}

/// The local user of the command line.
pub async fn local_user(watches: &WatchService) -> Result<User> {
    watches
        .user(ExternalIdentity::new("cli", "local"), None)
        .await
        .map_err(watch_error)
}

/// Maps a watch-service error: an unknown product or watch exits 1, bad input 2, each with
/// the reason.
pub fn watch_error(e: mandi_core::watches::WatchError) -> Error {
    use mandi_core::watches::WatchError;
    match e {
        WatchError::UnknownProduct(_) | WatchError::NotFound(_) => Error::NotFound(e.to_string()),
        WatchError::Catalog(c) => Error::Catalog(c),
        e => Error::Input(e.to_string()),
    }
}

/// A snooze length: `12h`, `2d`, `1w`, at most a year.
fn parse_duration(text: &str) -> Result<Duration> {
    let d = super::monitor::parse_duration(text, "--for")?;
    if d > Duration::days(365) {
        return Err(Error::Input(format!(
            "--for {text:?} is longer than a year; pause the watch instead"
        )));
    }
    Ok(d)
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Document<'a> {
    Watch(&'a Watch),
    Watches(&'a [Watch]),
    WatchRemoved { id: WatchId },
}

/// A rule in words.
pub fn rule_text(rule: &AlertRule) -> String {
    let pct = |bps: u32| mandi_core::Bps::from(bps).to_string();
    match rule {
        AlertRule::TargetPrice { at_or_below } => {
            format!("at or below {}", at_or_below.display_short())
        }
        AlertRule::DropFromBaseline { bps } => {
            format!("{} below the price when watched", pct(*bps))
        }
        AlertRule::DropSinceLastAlert { amount, bps } => {
            let parts: Vec<String> = amount
                .map(|a| a.display_short())
                .into_iter()
                .chain(bps.map(pct))
                .collect();
            format!("{} lower since the last alert", parts.join(" or "))
        }
        AlertRule::LowestInDays { days } => format!("lowest in {days} days"),
        AlertRule::AllTimeLow => "all-time low".to_owned(),
        AlertRule::BackInStock => "back in stock".to_owned(),
        AlertRule::PriceIncrease { bps } => format!("rises more than {}", pct(*bps)),
        AlertRule::DealScoreAtLeast { score } => format!("deal score {score}+"),
        AlertRule::LightningDealStarted => "lightning deal".to_owned(),
        _ => "other".to_owned(),
    }
}

fn state_text(state: &WatchState) -> String {
    match state {
        WatchState::Active => "active".to_owned(),
        WatchState::Paused => "paused".to_owned(),
        WatchState::Snoozed { until } => format!("snoozed until {}", render::ist(*until)),
        _ => "other".to_owned(),
    }
}

/// Runs `mandi watch …`.
///
/// # Errors
///
/// Bad input, an unknown watch, or the source or store failed.
pub fn run(cmd: Cmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    let settings = ctx.settings()?;
    let currency = settings.general.marketplace.currency();
    // Parse everything the user typed before opening anything.
    let (product, spec) = match &cmd.action {
        Action::Add {
            input,
            rules,
            family,
            label,
            ..
        } => {
            let refs = product_inputs(
                ctx,
                std::slice::from_ref(input),
                settings.general.marketplace,
            )?;
            let (marketplace, asin) = refs
                .first()
                .copied()
                .ok_or_else(|| Error::Input("give one ASIN or link".into()))?;
            (
                Some(mandi_core::links::ProductRef::new(asin, marketplace)),
                Some(WatchSpec {
                    rules: rules.rules(marketplace.currency())?,
                    family: *family,
                    label: label.clone(),
                }),
            )
        }
        Action::Edit { rules, .. } => {
            let parsed = rules.rules(currency)?;
            if parsed.is_empty() {
                return Err(Error::Input(
                    "give the new rules, e.g. --below 49999 or --drop 10%".into(),
                ));
            }
            (None, None)
        }
        _ => (None, None),
    };
    block_on(async {
        let app = App::open(ctx).await?;
        let watches = WatchService::new(app.catalog.clone());
        let user = local_user(&watches).await?;
        let show = |out: &mut Output<'_>, w: &Watch| -> Result<()> {
            if out.is_json() {
                out.json(&Document::Watch(w))
            } else {
                out.line(format!(
                    "watch {}: {} ({}) — {}",
                    w.id,
                    w.target.asin(),
                    state_text(&w.state),
                    w.rules.iter().map(rule_text).collect::<Vec<_>>().join(", ")
                ))
            }
        };
        match cmd.action {
            Action::Add { variants, .. } if variants.variants => {
                let (Some(product), Some(spec)) = (product, spec) else {
                    return Err(Error::Input("give one ASIN or link".into()));
                };
                super::watch_builder::add_variants(&app, &user, product, spec, &variants, out)
                    .await?;
            }
            Action::Suggest { input } => {
                return super::watch_builder::suggest(&app, ctx, &input, out).await;
            }
            Action::Review => {
                return super::watch_builder::review(&app, &user, out).await;
            }
            Action::Add { .. } => {
                let (Some(product), Some(spec)) = (product, spec) else {
                    return Err(Error::Input("give one ASIN or link".into()));
                };
                let added = watches
                    .add(&user, product, spec)
                    .await
                    .map_err(watch_error)?;
                if !out.is_json() {
                    out.line(format!(
                        "{} — now {}",
                        render::truncate(&added.product.title, 70),
                        render::price(added.product.price())
                    ))?;
                }
                show(out, &added.watch)?;
            }
            Action::List => {
                let with_products = watches
                    .list_with_products(&user)
                    .await
                    .map_err(watch_error)?;
                let list: Vec<_> = with_products.iter().map(|(w, _)| w.clone()).collect();
                if out.is_json() {
                    out.json(&Document::Watches(&list))?;
                } else if list.is_empty() {
                    out.line("no watches yet: mandi watch add <ASIN|url> --below <price>")?;
                } else {
                    let mut rows = Vec::new();
                    for (w, product) in with_products {
                        rows.push(vec![
                            w.id.to_string(),
                            w.target.asin().to_string(),
                            product
                                .as_ref()
                                .map_or_else(|| "unknown".to_owned(), |p| render::price(p.price())),
                            state_text(&w.state),
                            w.rules.iter().map(rule_text).collect::<Vec<_>>().join(", "),
                            w.label
                                .clone()
                                .or_else(|| product.map(|p| render::truncate(&p.title, 40)))
                                .unwrap_or_default(),
                        ]);
                    }
                    for line in table(&["ID", "ASIN", "NOW", "STATE", "RULES", "LABEL"], &rows) {
                        out.line(line)?;
                    }
                }
                return Ok(if list.is_empty() {
                    Outcome::NothingFound
                } else {
                    Outcome::Success
                });
            }
            Action::Rm { id } => {
                watches
                    .remove(&user, WatchId(id))
                    .await
                    .map_err(watch_error)?;
                if out.is_json() {
                    out.json(&Document::WatchRemoved { id: WatchId(id) })?;
                } else {
                    out.line(format!("watch {id} removed"))?;
                }
            }
            Action::Pause { id } => {
                let w = watches
                    .pause(&user, WatchId(id))
                    .await
                    .map_err(watch_error)?;
                show(out, &w)?;
            }
            Action::Resume { id } => {
                let w = watches
                    .resume(&user, WatchId(id))
                    .await
                    .map_err(watch_error)?;
                show(out, &w)?;
            }
            Action::Snooze { id, duration } => {
                let w = watches
                    .snooze(&user, WatchId(id), parse_duration(&duration)?)
                    .await
                    .map_err(watch_error)?;
                show(out, &w)?;
            }
            Action::Edit { id, rules, label } => {
                let w = watches.get(&user, WatchId(id)).await.map_err(watch_error)?;
                let rules = rules.rules(w.target.marketplace().currency())?;
                let w = watches
                    .edit(&user, WatchId(id), rules, label)
                    .await
                    .map_err(watch_error)?;
                show(out, &w)?;
            }
        }
        Ok(Outcome::Success)
    })
}

const ALERTS_EXAMPLES: &str = "\
Examples:
  mandi alerts
  mandi alerts --limit 50
  mandi --json alerts";

/// `mandi alerts`: the alerts your watches fired, newest first.
#[derive(Debug, clap::Args)]
#[command(after_help = ALERTS_EXAMPLES)]
pub struct AlertsCmd {
    /// How many to show.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Skip this many of the newest.
    #[arg(long, default_value_t = 0)]
    offset: usize,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum AlertsDocument<'a> {
    Alerts(&'a [mandi_core::Alert]),
}

/// Runs `mandi alerts`.
///
/// # Errors
///
/// The store failed.
pub fn run_alerts(cmd: AlertsCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    if !(1..=1000).contains(&cmd.limit) {
        return Err(Error::Input(format!(
            "--limit must be 1 to 1000, got {}",
            cmd.limit
        )));
    }
    block_on(async {
        let app = App::open(ctx).await?;
        let watches = WatchService::new(app.catalog.clone());
        let user = local_user(&watches).await?;
        let alerts = watches
            .alerts(&user, cmd.limit, cmd.offset)
            .await
            .map_err(watch_error)?;
        if out.is_json() {
            out.json(&AlertsDocument::Alerts(&alerts))?;
        } else if alerts.is_empty() {
            out.line("no alerts yet")?;
        } else {
            let rows: Vec<_> = alerts
                .iter()
                .map(|a| {
                    vec![
                        render::ist(a.triggered_at),
                        a.watch_id.to_string(),
                        a.asin.to_string(),
                        render::price(a.price),
                        a.message.clone(),
                    ]
                })
                .collect();
            for line in table(&["WHEN", "WATCH", "ASIN", "PRICE", "ALERT"], &rows) {
                out.line(line)?;
            }
        }
        Ok(if alerts.is_empty() {
            Outcome::NothingFound
        } else {
            Outcome::Success
        })
    })
}

/// `mandi export`: all your watches and settings as JSON.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  mandi export > watches.json\n  mandi export -o watches.json")]
pub struct ExportCmd {
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `mandi export`.
///
/// # Errors
///
/// The store failed or the file cannot be written.
pub fn run_export(cmd: ExportCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    block_on(async {
        let app = App::open(ctx).await?;
        let watches = WatchService::new(app.catalog.clone());
        let user = local_user(&watches).await?;
        let doc = watches.export(&user).await.map_err(watch_error)?;
        match cmd.output {
            Some(path) => {
                let text = serde_json::to_string_pretty(&doc)?;
                std::fs::write(&path, text).map_err(|e| Error::Setup {
                    what: "export file",
                    message: format!("cannot write {}: {e}", path.display()),
                })?;
                out.line(format!(
                    "{} watches written to {}",
                    doc.watches.len(),
                    path.display()
                ))?;
            }
            None => out.json(&doc)?,
        }
        Ok(Outcome::Success)
    })
}

/// `mandi import`: watches and settings from `mandi export`; all or nothing.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mandi import watches.json\n  mandi import watches.json --keep-settings"
)]
pub struct ImportCmd {
    /// The file written by `mandi export` (`-` for stdin).
    file: PathBuf,
    /// Keep your current settings instead of the imported ones.
    #[arg(long)]
    keep_settings: bool,
}

/// Runs `mandi import`.
///
/// # Errors
///
/// The file is unreadable or invalid (nothing is changed), or the store failed.
pub fn run_import(cmd: ImportCmd, ctx: &Context, out: &mut Output<'_>) -> Result<Outcome> {
    // Read as it is parsed: an oversized file is refused after its first entries, in
    // bounded memory, however large it is.
    let reader: Box<dyn std::io::Read + Send> = if cmd.file.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(&cmd.file)
                .map_err(|e| Error::Input(format!("cannot read {}: {e}", cmd.file.display())))?,
        )
    };
    block_on(async {
        let app = App::open(ctx).await?;
        let watches = WatchService::new(app.catalog.clone());
        let user = local_user(&watches).await?;
        let report = watches
            .import_from_reader(&user, reader, !cmd.keep_settings)
            .await
            .map_err(|e| {
                Error::Input(format!("{}: {e}; nothing was changed", cmd.file.display()))
            })?;
        if out.is_json() {
            out.json(&report)?;
        } else {
            out.line(format!(
                "{} watches imported, {} already watched{}",
                report.created,
                report.already_watched,
                if report.settings_replaced {
                    ", settings replaced"
                } else {
                    ""
                }
            ))?;
        }
        Ok(Outcome::Success)
    })
}
