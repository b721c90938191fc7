//! The admin dashboard: server-rendered HTML (maud escapes every value), no JavaScript,
//! behind a login (the `[server] admin_password` or an admin-scope API key). The session
//! cookie is `HttpOnly` and `SameSite=Strict`; sessions are kept in the store (only the
//! hash of the id), so a restart does not log anybody out; every form carries a CSRF token;
//! every page is sent with a Content-Security-Policy that allows no script at all. Tables
//! sort by column and page on the server (`?sort=…&dir=asc|desc&page=N`); users filter by
//! activity segment and by the categories they watch.

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Kolkata;
use mandi_core::api::admin::{DayCount, ProductSort, Segment, UserSort};
use mandi_core::api::sessions::LiveSession;
use mandi_core::{KeyScope, Marketplace, UserId};
use maud::{DOCTYPE, Markup, html};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;

/// The Content-Security-Policy of every dashboard page: no scripts, no inline styles,
/// images and styles from the server only, forms posting back to it only.
pub const CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

const COOKIE: &str = "mandi_admin";
const LOGIN_COOKIE: &str = "mandi_login";
const PER_PAGE: u32 = 20;

fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn same(a: &str, b: &str) -> bool {
    // Compare digests so the time taken does not depend on where the texts differ.
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

async fn session(state: &AppState, headers: &HeaderMap) -> Option<(SecretString, LiveSession)> {
    let id = SecretString::from(cookie(headers, COOKIE)?);
    match state.inner.sessions.check(&id).await {
        Ok(Some(s)) => Some((id, s)),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "admin session lookup failed");
            None
        }
    }
}

/// A page with the security headers.
fn page(markup: Markup) -> Response {
    let mut r = (StatusCode::OK, markup).into_response();
    secure(&mut r);
    r
}

fn secure(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn to_login() -> Response {
    Redirect::to("/admin/login").into_response()
}

/// The dashboard routes under `/admin`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/overview") }))
        .route("/admin/style.css", get(style))
        .route("/admin/login", get(login_form).post(login))
        .route("/admin/logout", post(logout))
        .route("/admin/overview", get(overview))
        .route("/admin/users", get(users))
        .route("/admin/users/{id}", get(user))
        .route("/admin/products", get(products))
        .route("/admin/products/{market}/{asin}", get(product))
        .route(
            "/admin/products/{market}/{asin}/chart.png",
            get(product_chart),
        )
        .route("/admin/revenue", get(revenue))
        .route("/admin/health", get(health))
        .with_state(state)
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css")],
        "body{font-family:system-ui,sans-serif;margin:0;color:#222}\
         nav{background:#1f3a5f;padding:.6em 1em}nav a{color:#fff;margin-right:1em;text-decoration:none}\
         nav form{display:inline;float:right}main{padding:1em 2em}\
         .cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccd;border-radius:6px;padding:.6em 1em;min-width:9em}\
         .card b{display:block;font-size:1.6em}table{border-collapse:collapse;margin:.5em 0}\
         td,th{border-bottom:1px solid #dde;padding:.3em .7em;text-align:left}th a{color:#1f3a5f}\
         .empty{color:#666;font-style:italic}.pager a{margin:0 .5em}svg{background:#f7f9fc}",
    )
        .into_response()
}

fn layout(title: &str, csrf: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Mandi admin · " (title) }
                link rel="stylesheet" href="/admin/style.css";
            }
            body {
                @if let Some(csrf) = csrf {
                    nav {
                        a href="/admin/overview" { "Overview" }
                        a href="/admin/users" { "Users" }
                        a href="/admin/products" { "Products" }
                        a href="/admin/revenue" { "Revenue" }
                        a href="/admin/health" { "System health" }
                        form method="post" action="/admin/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button id="logout" type="submit" { "Log out" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn ist(t: DateTime<Utc>) -> String {
    t.with_timezone(&Kolkata)
        .format("%d %b %Y %H:%M IST")
        .to_string()
}

fn opt_ist(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "—".to_owned(), ist)
}

/// An inline SVG bar chart of a daily series.
fn bars(series: &[DayCount], label: &str) -> Markup {
    let peak = series.iter().map(|d| d.count).max().unwrap_or(0);
    let max = peak.max(1);
    let w = 12u32;
    let h = 80u32;
    let width = w * u32::try_from(series.len()).unwrap_or(0);
    html! {
        figure {
            svg width=(width) height=(h + 14) role="img" aria-label=(label) {
                @for (i, d) in series.iter().enumerate() {
                    @let bh = d.count * h / max;
                    rect x=(u32::try_from(i).unwrap_or(0) * w + 1) y=(h - bh) width=(w - 2) height=(bh) fill="#3b6ea5" {
                        title { (d.day) ": " (d.count) }
                    }
                }
                line x1="0" y1=(h) x2=(width) y2=(h) stroke="#888";
            }
            figcaption { (label) " — last " (series.len()) " days, peak " (peak) }
        }
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    secret: String,
    csrf: String,
}

async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if session(&state, &headers).await.is_some() {
        return Redirect::to("/admin/overview").into_response();
    }
    login_page(None)
}

fn login_page(error: Option<&str>) -> Response {
    let csrf = token();
    let body = html! {
        @if let Some(e) = error { p.error { (e) } }
        form method="post" action="/admin/login" {
            input type="hidden" name="csrf" value=(csrf);
            label { "Admin password or admin API key " input id="secret" type="password" name="secret" autocomplete="current-password"; }
            button id="login" type="submit" { "Log in" }
        }
    };
    let mut r = page(layout("Log in", None, body));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=600"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let csrf_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| same(&c, &form.csrf));
    if !csrf_ok {
        let mut r = login_page(Some("The form expired; please log in again."));
        *r.status_mut() = StatusCode::FORBIDDEN;
        return r;
    }
    let by_password = state
        .inner
        .config
        .admin_password
        .as_ref()
        .is_some_and(|p| same(p.expose_secret(), &form.secret));
    let by_key = !by_password
        && state
            .keys()
            .authenticate(&SecretString::from(form.secret.clone()))
            .await
            .is_ok_and(|p| p.key.scope.allows(KeyScope::Admin));
    if !(by_password || by_key) {
        tracing::warn!("admin login refused");
        let mut r = login_page(Some("Wrong password or not an admin key."));
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    }
    let opened = match state.inner.sessions.open().await {
        Ok(o) => o,
        Err(e) => return failure(e),
    };
    let lifetime = state.inner.sessions.lifetime();
    let mut r = Redirect::to("/admin/overview").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age={}",
        opened.id.expose_secret(),
        lifetime.num_seconds()
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some((id, s)) = session(&state, &headers).await else {
        return to_login();
    };
    if !same(&s.csrf, &form.csrf) {
        return (StatusCode::FORBIDDEN, "bad CSRF token").into_response();
    }
    if let Err(e) = state.inner.sessions.close(&id).await {
        return failure(e);
    }
    let mut r = Redirect::to("/admin/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("mandi_admin=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0"),
    );
    r
}

fn failure(e: impl std::fmt::Display) -> Response {
    tracing::warn!(error = %e, "admin page failed");
    let mut r = (
        StatusCode::INTERNAL_SERVER_ERROR,
        layout(
            "Error",
            None,
            html! { p { "The page could not be built: " (e.to_string()) } },
        ),
    )
        .into_response();
    secure(&mut r);
    r
}

async fn overview(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let o = match state.inner.stats.overview(state.monitor_progress()).await {
        Ok(o) => o,
        Err(e) => return failure(e),
    };
    let card = |id: &str, label: &str, value: String| {
        html! { div.card id=(id) { b { (value) } (label) } }
    };
    let body = html! {
        p { "As of " (ist(o.now)) }
        div.cards {
            (card("users-total", "users", o.users_total.to_string()))
            (card("active-1d", "active today (24 h)", o.active_1d.to_string()))
            (card("active-7d", "active 7 days", o.active_7d.to_string()))
            (card("active-30d", "active 30 days", o.active_30d.to_string()))
            (card("watches-total", "watches", o.watches_total.to_string()))
            (card("alerts-fired", "alerts fired (30 days)", o.alerts_fired.to_string()))
            (card("alerts-sent", "alerts delivered (30 days)", o.alerts_sent.to_string()))
            (card("click-through", "click-through", o.click_through_bps.map_or_else(|| "no click tracking yet".to_owned(), |b| mandi_core::Bps::from(b).to_string())))
            (card("outbox", "deliveries waiting / dead", format!("{} / {}", o.outbox_pending, o.outbox_dead)))
            (card("quota", "source calls today", format!("{} ({} failed)", o.source_calls_today, o.source_failures_today)))
        }
        h2 { "Watches created per day" }
        (bars(&o.watches_per_day, "Watches created per day"))
        h2 { "Alerts fired per day" }
        (bars(&o.alerts_per_day, "Alerts fired per day"))
        h2 { "Retention by sign-up week" }
        table id="cohorts" {
            tr { th { "Week of" } th { "Joined" } th { "Active last 7 days" } th { "Active last 30 days" } }
            @for c in &o.cohorts {
                tr { td { (c.week_start) } td { (c.size) } td { (c.active_7d) } td { (c.active_30d) } }
            }
        }
        h2 { "Monitoring" }
        @if let Some(m) = &o.monitor {
            table id="monitor" {
                tr { th { "Products followed" } td { (m.products) } }
                tr { th { "Due now" } td { (m.due_now) } }
                tr { th { "Freshness lag (mean / oldest)" } td { (secs(m.mean_age_secs)) " / " (secs(m.oldest_age_secs)) } }
                tr { th { "Quota used today" } td { (m.quota.used_today) " of " (m.quota.daily_limit) } }
                tr { th { "Breaker" } td { (format!("{:?}", m.breaker.state)) } }
            }
        } @else {
            p.empty { "The monitoring loop does not run in this process (--no-monitor)." }
        }
    };
    page(layout("Overview", Some(&s.csrf), body))
}

fn secs(s: Option<i64>) -> String {
    match s {
        None => "—".to_owned(),
        Some(s) if s < 120 => format!("{s} s"),
        Some(s) if s < 7_200 => format!("{} min", s / 60),
        Some(s) => format!("{} h", s / 3_600),
    }
}

#[derive(Debug, Deserialize)]
struct TableQuery {
    page: Option<u32>,
    sort: Option<String>,
    dir: Option<String>,
    segment: Option<String>,
    category: Option<String>,
}

/// Percent-encodes a query value.
fn q(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A column header that sorts by `key`: ascending first, descending when clicked again.
/// The active column is marked with an arrow and `aria-sort`.
fn sort_header(
    id: &str,
    label: &str,
    key: &str,
    current: &str,
    desc: bool,
    link: &dyn Fn(&str, &str, u32) -> String,
) -> Markup {
    let active = current == key;
    let next = if active && !desc { "desc" } else { "asc" };
    let aria = match (active, desc) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    };
    html! {
        th aria-sort=(aria) {
            a id=(id) href=(link(key, next, 1)) {
                (label)
                @if active { (if desc { " ▼" } else { " ▲" }) }
            }
        }
    }
}

async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TableQuery>,
) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let sort = query
        .sort
        .as_deref()
        .and_then(UserSort::parse)
        .unwrap_or_default();
    let sort_name = query
        .sort
        .clone()
        .filter(|n| UserSort::parse(n).is_some())
        .unwrap_or_else(|| "id".to_owned());
    let desc = query.dir.as_deref() == Some("desc");
    let segment = query.segment.as_deref().and_then(Segment::parse);
    let category = query.category.clone().filter(|c| !c.is_empty());
    let table = match state
        .inner
        .stats
        .users(
            segment,
            category.as_deref(),
            sort,
            desc,
            query.page.unwrap_or(1),
            PER_PAGE,
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let rows = &table.page;
    let seg = segment.map(|s| s.as_str()).unwrap_or("");
    let cat = category.clone().unwrap_or_default();
    let link = |sort: &str, dir: &str, page: u32| {
        format!(
            "/admin/users?sort={sort}&dir={dir}&page={page}&segment={seg}&category={}",
            q(&cat)
        )
    };
    let dir = if desc { "desc" } else { "asc" };
    let body = html! {
        p id="segments" {
            "Activity: " a href=(format!("/admin/users?category={}", q(&cat))) { "all" }
            @for (sg, n) in &table.segments {
                " · " a href=(format!("/admin/users?segment={}&category={}", sg.as_str(), q(&cat))) { (sg.as_str()) " (" (n) ")" }
            }
        }
        p id="categories" {
            "Categories watched: " a href=(format!("/admin/users?segment={seg}")) { "all" }
            @for (c, n) in &table.categories {
                " · " a href=(format!("/admin/users?segment={seg}&category={}", q(c))) { (c) " (" (n) ")" }
            }
        }
        @if segment.is_some() || category.is_some() {
            p id="filter" { "Showing " (seg) @if segment.is_some() && category.is_some() { " " } @if let Some(c) = &category { "users watching " (c) } }
        }
        table id="users" {
            tr {
                (sort_header("sort-id", "Id", "id", &sort_name, desc, &link))
                (sort_header("sort-name", "Name", "name", &sort_name, desc, &link))
                th { "Via" } th { "Joined" }
                (sort_header("sort-watches", "Watches", "watches", &sort_name, desc, &link))
                (sort_header("sort-last-active", "Last active", "last_active", &sort_name, desc, &link))
                th { "Segment" } th { "Categories" }
            }
            @for r in &rows.rows {
                tr {
                    td { (r.id) }
                    td { a href=(format!("/admin/users/{}", r.id)) { (r.name) } }
                    td { (r.provider) }
                    td { (ist(r.joined_at)) }
                    td { (r.watches) " (" (r.live_watches) " live)" }
                    td { (opt_ist(r.last_active_at)) }
                    td { (r.segment.as_str()) }
                    td { (r.categories.join(", ")) }
                }
            }
        }
        @if rows.rows.is_empty() { p.empty { "No users here yet." } }
        p.pager {
            "Page " span id="page" { (rows.page) } " of " (rows.pages()) " (" (rows.total) " users)"
            @if rows.page > 1 { a id="prev" href=(link(&sort_name, dir, rows.page - 1)) { "← previous" } }
            @if rows.page < rows.pages() { a id="next" href=(link(&sort_name, dir, rows.page + 1)) { "next →" } }
        }
    };
    page(layout("Users", Some(&s.csrf), body))
}

async fn user(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let detail = match state.inner.stats.user(UserId(id)).await {
        Ok(d) => d,
        Err(mandi_core::api::admin::AdminError::NotFound(what)) => {
            let mut r = (
                StatusCode::NOT_FOUND,
                layout("Not found", Some(&s.csrf), html! { p { "No " (what) "." } }),
            )
                .into_response();
            secure(&mut r);
            return r;
        }
        Err(e) => return failure(e),
    };
    let r = &detail.row;
    let body = html! {
        p { (r.name) " via " (r.provider) ", joined " (ist(r.joined_at)) ", last active " (opt_ist(r.last_active_at)) " — " (r.segment.as_str()) @if !r.categories.is_empty() { "; watches " (r.categories.join(", ")) } }
        table id="watches" {
            tr { th { "Watch" } th { "Product" } th { "State" } th { "Rules" } th { "Made" } }
            @for (w, title) in &detail.watches {
                tr {
                    td { (w.id) }
                    td { a href=(format!("/admin/products/{}/{}", w.target.marketplace().country_code(), w.target.asin())) { (title.as_deref().unwrap_or("(not fetched yet)")) } " " small { (w.target.asin()) } }
                    td { (format!("{:?}", w.state)) }
                    td { (w.rules.len()) }
                    td { (ist(w.created_at)) }
                }
            }
        }
        @if detail.watches.is_empty() { p.empty { "No watches." } }
    };
    page(layout(&format!("User {}", r.id), Some(&s.csrf), body))
}

async fn products(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TableQuery>,
) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let sort = query
        .sort
        .as_deref()
        .and_then(ProductSort::parse)
        .unwrap_or_default();
    let sort_name = sort.as_str();
    // Most watched first unless asked otherwise.
    let desc = match query.dir.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        _ => sort == ProductSort::Watchers,
    };
    let (rows, categories) = match state
        .inner
        .stats
        .products(sort, desc, query.page.unwrap_or(1), PER_PAGE)
        .await
    {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let link = |sort: &str, dir: &str, page: u32| {
        format!("/admin/products?sort={sort}&dir={dir}&page={page}")
    };
    let dir = if desc { "desc" } else { "asc" };
    let body = html! {
        h2 { "Watched products" }
        table id="products" {
            tr {
                (sort_header("sort-title", "Product", "title", sort_name, desc, &link))
                (sort_header("sort-category", "Category", "category", sort_name, desc, &link))
                (sort_header("sort-price", "Price", "price", sort_name, desc, &link))
                (sort_header("sort-watchers", "Watchers", "watchers", sort_name, desc, &link))
                (sort_header("sort-deal-score", "Deal score", "deal_score", sort_name, desc, &link))
            }
            @for p in &rows.rows {
                tr.product {
                    td.title { a href=(format!("/admin/products/{}/{}", p.marketplace.country_code(), p.asin)) { (p.title.as_deref().unwrap_or("(not fetched yet)")) } " " small { (p.asin) } }
                    td.category { (p.category.as_deref().unwrap_or("—")) }
                    td.price data-minor=(p.price.map_or_else(String::new, |m| m.minor().to_string())) { (p.price.map_or_else(|| "unknown".to_owned(), |m| m.to_string())) }
                    td.watchers { (p.watchers) }
                    td.score { (p.deal_score.map_or_else(|| "—".to_owned(), |s| s.to_string())) }
                }
            }
        }
        @if rows.rows.is_empty() { p.empty { "No watched products yet." } }
        p.pager {
            "Page " span id="products-page" { (rows.page) } " of " (rows.pages()) " (" (rows.total) " products)"
            @if rows.page > 1 { a id="products-prev" href=(link(sort_name, dir, rows.page - 1)) { "← previous" } }
            @if rows.page < rows.pages() { a id="products-next" href=(link(sort_name, dir, rows.page + 1)) { "next →" } }
        }
        h2 { "Categories" }
        table id="categories" {
            tr { th { "Category" } th { "Products" } th { "Watchers" } }
            @for c in &categories { tr { td { (c.category) } td { (c.products) } td { (c.watchers) } } }
        }
    };
    page(layout("Products", Some(&s.csrf), body))
}

fn market_asin(market: &str, asin: &str) -> Option<(Marketplace, mandi_core::Asin)> {
    Some((market.parse().ok()?, asin.parse().ok()?))
}

async fn product(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((market, asin)): Path<(String, String)>,
) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let Some((m, a)) = market_asin(&market, &asin) else {
        return (StatusCode::NOT_FOUND, "no such product").into_response();
    };
    let report = match state.catalog().history(m, a, false).await {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    let title = report
        .product
        .as_ref()
        .map_or_else(|| a.to_string(), |p| p.title.clone());
    let body = html! {
        p id="product-title" { (title) }
        table {
            tr { th { "ASIN" } td { (a) } }
            tr { th { "Current price" } td { (report.summary.current.as_ref().map_or_else(|| "unknown".to_owned(), |c| c.price.to_string())) } }
            tr { th { "Deal score" } td { (report.score.as_ref().map_or_else(|| "—".to_owned(), |s| s.score.to_string())) } }
            tr { th { "Observations" } td { (report.points.len()) } }
        }
        @if report.points.is_empty() {
            p.empty { "No price history yet." }
        } @else {
            img src=(format!("/admin/products/{}/{}/chart.png", m.country_code(), a)) alt=(format!("Price history of {title}")) width="800";
        }
    };
    page(layout("Product", Some(&s.csrf), body))
}

async fn product_chart(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((market, asin)): Path<(String, String)>,
) -> Response {
    if session(&state, &headers).await.is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some((m, a)) = market_asin(&market, &asin) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let report = match state.catalog().history(m, a, false).await {
        Ok(r) => r,
        Err(e) => return failure(e),
    };
    match crate::api::chart_png(
        report.points,
        report.as_of,
        mandi_core::charts::ChartOptions::default(),
    )
    .await
    {
        Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `?days=N` of the revenue page (1 to 366; 30 by default).
#[derive(Debug, Deserialize)]
struct RevenueQuery {
    days: Option<i64>,
}

fn bps_text(bps: Option<u64>) -> String {
    bps.map_or_else(
        || "—".to_owned(),
        |b| format!("{}.{:02} %", b / 100, b % 100),
    )
}

/// The revenue page: the library's [`mandi_core::affiliate::revenue::RevenueService`]
/// report over the last `days` (the same as `mandi revenue`): both funnels with their
/// drop-off, revenue by category, top products and user value.
async fn revenue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RevenueQuery>,
) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let days = q.days.unwrap_or(30).clamp(1, 366);
    let until = state.catalog().clock().now();
    let since = until - chrono::TimeDelta::days(days);
    let report =
        match mandi_core::affiliate::revenue::RevenueService::new(state.catalog().store().clone())
            .report(since, until, 20)
            .await
        {
            Ok(r) => r,
            Err(e) => return failure(e),
        };
    let funnel = |id: &str, steps: &[mandi_core::affiliate::revenue::FunnelStep]| {
        html! {
            table id=(id) {
                tr { th { "Step" } th { "Count" } th { "Conversion" } th { "Drop-off" } }
                @for step in steps {
                    tr { td { (step.step) } td.count { (step.count) } td { (bps_text(step.conversion_bps)) } td { (bps_text(step.drop_off_bps)) } }
                }
            }
        }
    };
    let nothing = report.link_funnel.iter().all(|s| s.count == 0) && report.categories.is_empty();
    let body = html! {
        p id="revenue-period" {
            "Last " (days) " days: " (ist(since)) " to " (ist(until)) ". "
            @for d in [7, 30, 90, 365] { a href=(format!("/admin/revenue?days={d}")) { (d) " days" } " " }
        }
        @if state.affiliate().is_none() {
            p.empty id="revenue-off" { "Buy links are not tracked by this server: set [server] public_url so Buy buttons go through /r/<token>." }
        }
        @if nothing {
            p.empty id="revenue-empty" { "No Buy link was followed and no Associates report was imported in this period (import one with `mandi revenue import FILE`)." }
        }
        h2 { "Funnel: search → card → click → order" }
        (funnel("search-funnel", &report.search_funnel))
        h2 { "Buy links of every source: card → click → order" }
        (funnel("link-funnel", &report.link_funnel))
        h2 { "Revenue by category" }
        table id="revenue-categories" {
            tr { th { "Category" } th { "Items" } th { "Sales" } th { "Fees" } }
            @for c in &report.categories {
                tr { td { (c.category) } td { (c.items) } td { (c.sales) } td.fees data-minor=(c.fees.minor()) { (c.fees) } }
            }
        }
        h2 { "Top products" }
        table id="revenue-products" {
            tr { th { "Product" } th { "Items" } th { "Fees" } }
            @for p in &report.top_products {
                tr { td { (p.title) " " small { (p.asin) } } td { (p.items) } td { (p.fees) } }
            }
        }
        h2 { "User value" }
        table id="revenue-users" {
            tr { th { "User" } th { "Clicks" } th { "Items" } th { "Fees" } }
            @for u in &report.users {
                tr { td { a href=(format!("/admin/users/{}", u.user_id.0)) { (u.user_id.0) } } td { (u.clicks) } td { (u.items) } td { (u.fees) } }
            }
        }
    };
    page(layout("Revenue", Some(&s.csrf), body))
}

async fn health(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = session(&state, &headers).await else {
        return to_login();
    };
    let o = match state.inner.stats.overview(state.monitor_progress()).await {
        Ok(o) => o,
        Err(e) => return failure(e),
    };
    let body = html! {
        table id="health" {
            tr { th { "Server version" } td { (env!("CARGO_PKG_VERSION")) } }
            tr { th { "Product source" } td { (o.source) } }
            tr { th { "Source calls today" } td { (o.source_calls_today) " (" (o.source_failures_today) " failed)" } }
            tr { th { "Outbox waiting" } td { (o.outbox_pending) } }
            tr { th { "Outbox given up" } td { (o.outbox_dead) } }
            @if let Some(m) = &o.monitor {
                tr { th { "Breaker" } td { (format!("{:?}", m.breaker.state)) " (" (m.breaker.consecutive_failures) " failures in a row)" } }
                tr { th { "Quota" } td { (m.quota.used_today) " of " (m.quota.daily_limit) " today" } }
                tr { th { "Freshness lag" } td { "mean " (secs(m.mean_age_secs)) ", oldest " (secs(m.oldest_age_secs)) } }
            } @else {
                tr { th { "Monitoring" } td { "not running in this process" } }
            }
        }
    };
    page(layout("System health", Some(&s.csrf), body))
}
