//! What the bot shows: pure functions from the library's results to HTML and keyboards, in
//! the user's language. No I/O here.

use chrono::{DateTime, Utc};
use mandi_core::catalog::HistoryReport;
use mandi_core::digest::{Digest, DigestSection};
use mandi_core::engagement::{Board, Leaderboard, Period, UserStats};
use mandi_core::insights::{RankedDeal, SavingsReport};
use mandi_core::{AlertMode, AlertRule, Marketplace, Money, Product, User, Watch, WatchState};

use super::callback_data::Callback;
use crate::i18n::{Texts, texts};
use crate::links_local::product_url;
use crate::notifier::verdict;
use crate::telegram::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use crate::text::{ellipsize, escape_html};

/// The most watches shown with buttons in one list.
pub const MAX_LISTED: usize = 20;

/// A price, or the "unknown" text (never 0).
pub fn money_text(m: Option<Money>, t: &Texts) -> String {
    m.map_or_else(|| t.price_unknown.to_owned(), |m| m.display_short())
}

/// The buy-box price of a product.
pub fn buy_price(p: &Product) -> Option<Money> {
    p.offers.first().and_then(|o| o.price)
}

/// The buttons under a watch: pause or resume, snooze, target, delete, and Buy.
pub fn watch_keyboard(
    w: &Watch,
    t: &Texts,
    with_buy: bool,
    associate_tag: Option<&str>,
) -> InlineKeyboardMarkup {
    let toggle = if w.state == WatchState::Paused {
        InlineKeyboardButton::callback(t.btn_resume, Callback::Resume(w.id).encode())
    } else {
        InlineKeyboardButton::callback(t.btn_pause, Callback::Pause(w.id).encode())
    };
    let mut rows = vec![
        vec![
            toggle,
            InlineKeyboardButton::callback(t.btn_snooze, Callback::Snooze(w.id).encode()),
        ],
        vec![
            InlineKeyboardButton::callback(t.btn_target, Callback::Target(w.id).encode()),
            InlineKeyboardButton::callback(t.btn_delete, Callback::Delete(w.id).encode()),
        ],
    ];
    if with_buy {
        rows.push(vec![InlineKeyboardButton::url(
            t.btn_buy,
            product_url(w.target.marketplace(), w.target.asin(), associate_tag),
        )]);
    }
    InlineKeyboardMarkup {
        inline_keyboard: rows,
    }
}

/// The `/watches` list: one numbered line per watch with four buttons each.
pub fn watches_view(
    watches: &[(Watch, Option<Product>)],
    now: DateTime<Utc>,
    t: &Texts,
) -> (String, Option<InlineKeyboardMarkup>) {
    if watches.is_empty() {
        return (t.no_watches.to_owned(), None);
    }
    let mut lines = vec![t.your_watches.to_owned()];
    let mut rows = Vec::new();
    for (i, (w, product)) in watches.iter().enumerate().take(MAX_LISTED) {
        let n = i + 1;
        let title = product.as_ref().map_or_else(
            || w.target.asin().as_str().to_owned(),
            |p| ellipsize(&p.title, 60),
        );
        let price = money_text(product.as_ref().and_then(buy_price), t);
        let state = match w.state {
            WatchState::Paused => t.state_paused,
            WatchState::Snoozed { until } if until > now => t.state_snoozed,
            _ => t.state_active,
        };
        let target = w
            .rules
            .iter()
            .find_map(|r| match r {
                AlertRule::TargetPrice { at_or_below } => Some(at_or_below.display_short()),
                _ => None,
            })
            .map(|p| format!(" · {} {p}", t.target))
            .unwrap_or_default();
        lines.push(format!(
            "{n}. {} — {price} ({state}){target}",
            escape_html(&title)
        ));
        let toggle = if w.state == WatchState::Paused {
            InlineKeyboardButton::callback(format!("{n} ▶️"), Callback::Resume(w.id).encode())
        } else {
            InlineKeyboardButton::callback(format!("{n} ⏸"), Callback::Pause(w.id).encode())
        };
        rows.push(vec![
            toggle,
            InlineKeyboardButton::callback(format!("{n} 😴"), Callback::Snooze(w.id).encode()),
            InlineKeyboardButton::callback(format!("{n} 🎯"), Callback::Target(w.id).encode()),
            InlineKeyboardButton::callback(format!("{n} 🗑"), Callback::Delete(w.id).encode()),
        ]);
    }
    if watches.len() > MAX_LISTED {
        lines.push(format!("… +{}", watches.len() - MAX_LISTED));
    }
    (
        lines.join("\n"),
        Some(InlineKeyboardMarkup {
            inline_keyboard: rows,
        }),
    )
}

/// The `/settings` card and its toggles.
pub fn settings_view(user: &User) -> (String, InlineKeyboardMarkup) {
    let t = texts(user.settings.language);
    let s = &user.settings;
    let mode = match s.alert_mode {
        AlertMode::DailyDigest => t.mode_digest,
        _ => t.mode_realtime,
    };
    let quiet = s.quiet_hours.map_or_else(
        || t.quiet_off.to_owned(),
        |q| {
            format!(
                "{}: {}–{}",
                t.quiet_hours,
                q.start.format("%H:%M"),
                q.end.format("%H:%M")
            )
        },
    );
    let cap = s
        .daily_cap
        .map_or_else(|| t.no_cap.to_owned(), |c| format!("{}: {c}", t.daily_cap));
    let market = format!(
        "{}: {}",
        t.marketplace,
        s.marketplace.domain().trim_start_matches("www.")
    );
    let board = if s.leaderboard_opt_in {
        t.leaderboard_on
    } else {
        t.leaderboard_off
    };
    let text = format!(
        "{}\n{mode}\n{quiet}\n{cap}\n{}\n{market}\n{board}",
        t.settings_title, t.language
    );
    let kb = InlineKeyboardMarkup {
        inline_keyboard: vec![
            vec![InlineKeyboardButton::callback(
                mode,
                Callback::ToggleMode.encode(),
            )],
            vec![InlineKeyboardButton::callback(
                quiet,
                Callback::ToggleQuiet.encode(),
            )],
            vec![InlineKeyboardButton::callback(
                cap,
                Callback::CycleCap.encode(),
            )],
            vec![InlineKeyboardButton::callback(
                "English / हिन्दी",
                Callback::ToggleLanguage.encode(),
            )],
            vec![InlineKeyboardButton::callback(
                format!("🌐 {market}"),
                Callback::ChooseMarketplace.encode(),
            )],
            vec![InlineKeyboardButton::callback(
                board,
                Callback::ToggleLeaderboard.encode(),
            )],
        ],
    };
    (text, kb)
}

/// The marketplace picker: every marketplace, three to a row, the user's own marked.
pub fn marketplace_picker(user: &User) -> (String, InlineKeyboardMarkup) {
    let t = texts(user.settings.language);
    let rows = Marketplace::ALL
        .chunks(3)
        .map(|row| {
            row.iter()
                .map(|m| {
                    let name = m.domain().trim_start_matches("www.");
                    let label = if *m == user.settings.marketplace {
                        format!("✓ {name}")
                    } else {
                        name.to_owned()
                    };
                    InlineKeyboardButton::callback(label, Callback::SetMarketplace(*m).encode())
                })
                .collect()
        })
        .collect();
    (
        t.choose_marketplace.to_owned(),
        InlineKeyboardMarkup {
            inline_keyboard: rows,
        },
    )
}

/// The caption of a history chart: title, price now, 90-day low, high and average, verdict.
pub fn history_caption(report: &HistoryReport, t: &Texts) -> String {
    let mut lines = Vec::new();
    if let Some(p) = &report.product {
        lines.push(format!("<b>{}</b>", escape_html(&ellipsize(&p.title, 150))));
    }
    if let Some(c) = &report.summary.current {
        lines.push(format!("<b>{}</b>", c.price.display_short()));
    }
    if let Some(w) = report.summary.window(Some(90)) {
        if let Some(l) = &w.lowest {
            lines.push(format!("{} (90d): {}", t.lowest, l.price.display_short()));
        }
        if let Some(h) = &w.highest {
            lines.push(format!("{} (90d): {}", t.highest, h.price.display_short()));
        }
        if let Some(a) = w.average {
            lines.push(format!("{} (90d): {}", t.average, a.display_short()));
        }
    }
    if let Some(s) = &report.score {
        lines.push(format!("{} ({}/100)", verdict(s.verdict, t), s.score));
    }
    lines.join("\n")
}

/// The `/deals` message: the ranked deals, grouped under their category (categories in
/// the order of their best deal).
pub fn deals_html(deals: &[RankedDeal], t: &Texts) -> String {
    if deals.is_empty() {
        return t.no_deals.to_owned();
    }
    let mut categories: Vec<Option<&str>> = Vec::new();
    for d in deals {
        if !categories.contains(&d.category.as_deref()) {
            categories.push(d.category.as_deref());
        }
    }
    let mut lines = vec![t.deals_title.to_owned()];
    for c in categories {
        if let Some(name) = c.filter(|n| !n.is_empty()) {
            lines.push(format!("\n<i>{}</i>", escape_html(name)));
        }
        for d in deals.iter().filter(|d| d.category.as_deref() == c) {
            let title = d
                .title
                .as_deref()
                .map_or_else(|| d.asin.as_str().to_owned(), |s| ellipsize(s, 60));
            lines.push(format!(
                "{}/100 · {} — <b>{}</b> · {}",
                d.score.score,
                escape_html(&title),
                money_text(d.price, t),
                verdict(d.score.verdict, t)
            ));
        }
    }
    lines.join("\n")
}

/// The `/stats` message: the watch list's state, then what confirmed purchases saved
/// (against 90-day medians, and apart, MRPs), the best deals caught, alerts acted on and
/// missed, the streak and the achievements with when they were earned.
pub fn stats_html(report: &SavingsReport, stats: &UserStats, user: &User, t: &Texts) -> String {
    let currency = user.settings.marketplace.currency();
    let tz = user.settings.tz();
    let sums = |list: &[Money]| {
        list.iter()
            .map(Money::display_short)
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let mut below: Vec<String> = report.saved.iter().map(Money::display_short).collect();
    if below.is_empty() {
        below.push(report.saved_in(currency).display_short());
    }
    let mut lines = vec![
        t.stats_title.to_owned(),
        format!(
            "👁 {} ({} {}) · 📉 {} ({})",
            report.watches,
            report.active,
            t.state_active,
            report.cheaper,
            below.join(" + ")
        ),
    ];
    if stats.nothing_confirmed() {
        lines.push(t.stats_nothing_confirmed.to_owned());
    } else {
        if !stats.saved_vs_median.is_empty() {
            lines.push(format!(
                "{}: <b>{}</b>",
                t.stats_saved_median,
                sums(&stats.saved_vs_median)
            ));
        }
        if stats.without_median > 0 {
            lines.push(format!(
                "❔ {} {}",
                stats.without_median, t.stats_unknown_median
            ));
        }
        if !stats.saved_vs_mrp.is_empty() {
            lines.push(format!(
                "{}: {}",
                t.stats_saved_mrp,
                sums(&stats.saved_vs_mrp)
            ));
        }
        if !stats.best_deals.is_empty() {
            lines.push(format!("{}:", t.stats_best));
            for p in &stats.best_deals {
                lines.push(format!(
                    "• {} — {} (−{})",
                    escape_html(&ellipsize(&p.title, 50)),
                    p.paid.display_short(),
                    p.saved_vs_median
                        .map_or_else(String::new, |s| s.display_short())
                ));
            }
        }
    }
    lines.push(format!(
        "{}: {} / {} / {}",
        t.stats_alerts, stats.alerts, stats.alerts_acted_on, stats.real_deal_alerts
    ));
    if stats.missed_count > 0 {
        lines.push(format!("{}: {}", t.stats_missed, stats.missed_count));
        for m in &stats.missed {
            lines.push(format!(
                "• {} — {} · {}",
                m.asin.as_str(),
                money_text(m.price, t),
                verdict(m.verdict, t)
            ));
        }
    }
    lines.push(format!(
        "{}: {} / {}",
        t.stats_streak, stats.streak.current, stats.streak.longest
    ));
    if stats.achievements.is_empty() {
        lines.push(t.stats_no_achievements.to_owned());
    } else {
        lines.push(format!("{}:", t.stats_achievements));
        for e in &stats.achievements {
            lines.push(format!(
                "• <b>{}</b> — {} ({})",
                escape_html(e.achievement.title()),
                escape_html(e.achievement.rule()),
                e.at.with_timezone(&tz).format("%d %b %Y")
            ));
        }
    }
    lines.push(
        if user.settings.leaderboard_opt_in {
            t.leaderboard_on
        } else {
            t.leaderboard_off
        }
        .to_owned(),
    );
    lines.join("\n")
}

/// A leaderboard (`/top`): rank, name, saving and deals caught; the reader's own opt-in
/// state at the end.
pub fn leaderboard_html(list: &Leaderboard, user: &User, t: &Texts) -> String {
    let board = match list.board {
        Board::DealFinders => t.board_finders,
        _ => t.board_savers,
    };
    let period = match list.period {
        Period::Week => t.period_week,
        Period::Month => t.period_month,
        _ => t.period_all,
    };
    let mut lines = vec![format!(
        "<b>{board}</b> · {period}{}",
        list.category
            .as_deref()
            .map(|c| format!(" · {}", escape_html(c)))
            .unwrap_or_default()
    )];
    if list.entries.is_empty() {
        lines.push(t.board_empty.to_owned());
    }
    for e in &list.entries {
        lines.push(format!(
            "{}. {} — <b>{}</b> · {} 🔥",
            e.rank,
            escape_html(&ellipsize(&e.name, 40)),
            e.saved.display_short(),
            e.deals
        ));
    }
    lines.push(
        if user.settings.leaderboard_opt_in {
            t.leaderboard_on
        } else {
            t.leaderboard_off
        }
        .to_owned(),
    );
    lines.join("\n")
}

/// A digest as one HTML message: the alerts it carries, then each section.
pub fn digest_html(digest: &Digest, t: &Texts, associate_tag: Option<&str>) -> String {
    let mut lines = vec![t.digest_title.to_owned()];
    for a in &digest.alerts {
        let price = match (a.previous_price, a.price) {
            (Some(old), Some(new)) if old != new => {
                format!(
                    "<s>{}</s> → <b>{}</b>",
                    old.display_short(),
                    new.display_short()
                )
            }
            (_, p) => format!("<b>{}</b>", money_text(p, t)),
        };
        lines.push(format!(
            "🔔 <a href=\"{}\">{}</a> — {price}",
            escape_html(&product_url(a.marketplace, a.asin, associate_tag)),
            escape_html(&ellipsize(&a.message, 120)),
        ));
    }
    for section in &digest.sections {
        match section {
            DigestSection::Watches {
                lines: watches,
                more,
            } => {
                for w in watches {
                    let title = w
                        .title
                        .as_deref()
                        .map_or_else(|| w.asin.as_str().to_owned(), |s| ellipsize(s, 50));
                    let change = match (w.previous, w.current) {
                        (Some(p), Some(n)) if p != n => {
                            format!("{} → <b>{}</b>", p.display_short(), n.display_short())
                        }
                        (_, n) => format!("<b>{}</b>", money_text(n, t)),
                    };
                    let low = if w.all_time_low { " 🏆" } else { "" };
                    lines.push(format!("• {} — {change}{low}", escape_html(&title)));
                }
                if *more > 0 {
                    lines.push(format!("… +{more}"));
                }
            }
            DigestSection::Extra {
                title,
                lines: extra,
                ..
            } => {
                if extra.is_empty() {
                    continue;
                }
                lines.push(format!("\n<b>{}</b>", escape_html(title)));
                lines.extend(extra.iter().map(|l| format!("• {}", escape_html(l))));
            }
            _ => {}
        }
    }
    if digest.is_empty() {
        lines.push(t.digest_empty.to_owned());
    }
    lines.join("\n")
}

/// The lines of a product card (the `/price` answer and each card of a carousel): title,
/// price, MRP with % off, deal score and verdict, rating with its count, stock and seller,
/// and key specs. Unknowns are said as unknown, never as zero.
pub fn product_lines(p: &Product, score: Option<&mandi_core::DealScore>, t: &Texts) -> Vec<String> {
    let offer = p.buy_box();
    let mut lines = vec![
        format!(
            "<b>{}</b>",
            crate::text::escape_html(&crate::text::ellipsize(&p.title, 200))
        ),
        format!("<b>{}</b>", money_text(offer.and_then(|o| o.price), t)),
    ];
    if let Some(o) = offer
        && let (Some(price), Some(mrp)) = (o.price, o.list_price)
        && let Some(bps) = price.discount_bps(mrp).filter(|b| *b > 0)
    {
        lines.push(format!(
            "MRP <s>{}</s> (−{} {})",
            mrp.display_short(),
            mandi_core::Bps(bps),
            t.off_mrp
        ));
    }
    if let Some(s) = score {
        lines.push(format!(
            "{} ({}/100)",
            crate::notifier::verdict(s.verdict, t),
            s.score
        ));
    }
    if let Some(r) = p.reviews.filter(|r| r.count > 0) {
        lines.push(format!(
            "★ {} ({} {})",
            r.rating_text(),
            mandi_core::group_count(u64::from(r.count)),
            t.ratings_word
        ));
    }
    let stock = match p.availability() {
        mandi_core::Availability::InStock => t.stock_in,
        mandi_core::Availability::OutOfStock => t.stock_out,
        mandi_core::Availability::Preorder => t.stock_preorder,
        _ => t.stock_unknown,
    };
    match offer.and_then(|o| o.merchant.name.as_deref()) {
        Some(seller) => lines.push(format!(
            "{stock} · {} {}",
            t.sold_by,
            crate::text::escape_html(&crate::text::ellipsize(seller, 60))
        )),
        None => lines.push(stock.to_owned()),
    }
    let specs = mandi_core::discovery::key_specs(p);
    if !specs.is_empty() {
        lines.push(crate::text::escape_html(&crate::text::ellipsize(
            &specs.join(", "),
            150,
        )));
    }
    lines
}
