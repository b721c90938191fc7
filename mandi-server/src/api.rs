//! The `/api/v1` routes. Each handler reads its input, calls a library service as the key's
//! user, and maps the answer to a view.

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use mandi_core::api::keys::Principal;
use mandi_core::api::{account, bulk as bulk_svc, cached_product};
use mandi_core::links::{LinkError, parse_product_input};
use mandi_core::watches::WatchSpec;
use mandi_core::{
    AlertRule, Asin, BulkJobId, BulkSpec, KeyScope, Marketplace, SearchRequest, User,
    VariationsRequest, WatchId, WatchState, WebhookId,
};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::dto::{
    AlertView, BulkJobView, BulkSubmit, CommunityDealView, Health, HistoryView, ImportView,
    InsightsView, KeyView, Problem, ProductView, SearchResults, SettingsUpdate, SettingsView,
    VariationsView, WatchCreate, WatchUpdate, WatchView, WebhookCreate, WebhookCreated,
    WebhookView,
};
use crate::error::ApiError;

type ApiResult<T> = Result<T, ApiError>;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document's fixed parts; the paths are added from the routes.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Mandi API",
        description = "Amazon price tracking and deal intelligence. Send `Authorization: Bearer <key>`; \
                       each key sees only its own watches, alerts and bulk jobs. Errors are \
                       application/problem+json.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    security(("api_key" = [])),
    components(schemas(Problem))
)]
pub struct ApiDoc;

/// The API routes and the OpenAPI document describing exactly them.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(get_product))
        .routes(routes!(search))
        .routes(routes!(variations))
        .routes(routes!(history))
        .routes(routes!(chart))
        .routes(routes!(insights))
        .routes(routes!(list_watches, create_watch))
        .routes(routes!(get_watch, update_watch, delete_watch))
        .routes(routes!(pause_watch))
        .routes(routes!(resume_watch))
        .routes(routes!(watch_alerts))
        .routes(routes!(alerts))
        .routes(routes!(export))
        .routes(routes!(import))
        .routes(routes!(submit_bulk))
        .routes(routes!(get_bulk))
        .routes(routes!(bulk_results))
        .routes(routes!(me))
        .routes(routes!(community_deals))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(get_settings, update_settings))
        .routes(routes!(compare_markets))
        .split_for_parts()
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = routes();
    let (_, health_doc) = OpenApiRouter::<AppState>::new()
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .split_for_parts();
    doc.merge(health_doc);
    doc
}

/// `/healthz`, `/api/v1/openapi.json` (no key needed) and every keyed route.
pub fn router(state: AppState) -> Router {
    let (keyed, _) = routes();
    let doc = openapi();
    let doc_json = serde_json::to_string(&doc).unwrap_or_else(|_| "{}".to_owned());
    let keyed = keyed.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        authenticate,
    ));
    Router::new()
        .route("/healthz", axum::routing::get(healthz))
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move {
                ([(header::CONTENT_TYPE, "application/json")], doc_json)
            }),
        )
        .merge(keyed)
        .with_state(state)
}

/// The server is up.
#[utoipa::path(get, path = "/healthz", security(()), responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", security(()), responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

fn bearer(headers: &HeaderMap) -> Option<SecretString> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| SecretString::from(token.trim().to_owned()))
}

/// Authenticates the key, applies its rate limit, counts the request, and adds the
/// `RateLimit-*` headers.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(secret) = bearer(req.headers()) else {
        let mut r = ApiError::Unauthorized(
            "send an API key as `Authorization: Bearer <key>` (make one with `mandi keys create`)"
                .into(),
        )
        .into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    };
    let principal = match state.keys().authenticate(&secret).await {
        Ok(p) => p,
        Err(e) => {
            let mut r = ApiError::from(e).into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    };
    let decision = state
        .inner
        .limiter
        .check(principal.key.id, principal.key.rate_limit);
    state.keys().record_use(principal.key.id, decision.allowed);
    let mut response = if let Some(retry_after) = decision.retry_after_secs {
        ApiError::RateLimited { retry_after }.into_response()
    } else {
        req.extensions_mut().insert(principal);
        next.run(req).await
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", u64::from(decision.limit)),
        ("ratelimit-remaining", u64::from(decision.remaining)),
        ("ratelimit-reset", decision.reset_secs),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(name, v);
        }
    }
    response
}

fn require(p: &Principal, scope: KeyScope) -> ApiResult<()> {
    if p.key.scope.allows(scope) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "this key has scope `{}`; this needs `{}`",
            p.key.scope.as_str(),
            scope.as_str()
        )))
    }
}

/// Where a product is asked about.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MarketQuery {
    /// Country code of the marketplace for a bare ASIN (`IN` by default: the key's user's).
    pub marketplace: Option<String>,
}

fn marketplace(q: Option<&str>, user: &User) -> ApiResult<Marketplace> {
    match q {
        None => Ok(user.settings.marketplace),
        Some(code) => code.parse().map_err(|_| {
            ApiError::BadRequest(format!("{code:?} is not a marketplace code such as IN"))
        }),
    }
}

fn product_ref(input: &str, m: Marketplace) -> ApiResult<(Marketplace, Asin)> {
    match parse_product_input(input, m) {
        Ok(p) => Ok((p.marketplace, p.asin)),
        Err(LinkError::ShortLink { .. }) => Err(ApiError::BadRequest(
            "short links are not expanded here; send the full product link or the ASIN".into(),
        )),
        Err(e) => Err(ApiError::BadRequest(format!("{input:?}: {e}"))),
    }
}

/// A product by ASIN or (URL-encoded) product link, from the store while fresh.
#[utoipa::path(get, path = "/api/v1/products/{asin}", params(("asin" = String, Path, description = "An ASIN or a URL-encoded product link"), MarketQuery),
    responses((status = 200, body = ProductView), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_product(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(asin): Path<String>,
    Query(q): Query<MarketQuery>,
) -> ApiResult<Json<ProductView>> {
    let (m, a) = product_ref(&asin, marketplace(q.marketplace.as_deref(), &p.user)?)?;
    let product = cached_product(state.catalog(), m, a, state.inner.config.product_max_age)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{a} is not in the catalogue")))?;
    Ok(Json(ProductView::from(&product)))
}

/// A search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Keywords.
    pub q: String,
    /// A search index (category) such as `Electronics`.
    pub category: Option<String>,
    /// The page, 1 to 10.
    pub page: Option<u8>,
    /// Country code of the marketplace.
    pub marketplace: Option<String>,
}

/// One page of search results.
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let m = marketplace(q.marketplace.as_deref(), &p.user)?;
    let mut request = SearchRequest::keywords(m, q.q);
    request.search_index = q.category;
    request.item_page = q.page.unwrap_or(1);
    let page = state.catalog().search(&request, Some(p.user.id)).await?;
    Ok(Json(SearchResults {
        items: page.items.iter().map(ProductView::from).collect(),
        total_results: page.total_results,
    }))
}

/// The variations of a product.
#[utoipa::path(get, path = "/api/v1/products/{asin}/variations", params(("asin" = String, Path, description = "An ASIN or a URL-encoded product link"), MarketQuery),
    responses((status = 200, body = VariationsView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn variations(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(asin): Path<String>,
    Query(q): Query<MarketQuery>,
) -> ApiResult<Json<VariationsView>> {
    let (m, a) = product_ref(&asin, marketplace(q.marketplace.as_deref(), &p.user)?)?;
    let family = state
        .catalog()
        .variations(&VariationsRequest::new(m, a))
        .await?;
    Ok(Json(VariationsView {
        parent_asin: family.parent_asin.to_string(),
        dimensions: family.dimensions.clone(),
        variation_count: family.variation_count,
        items: family.items.iter().map(ProductView::from).collect(),
    }))
}

/// The format of a history.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Country code of the marketplace.
    pub marketplace: Option<String>,
}

/// A product's buy-box price history (JSON, or CSV with `format=csv` or `Accept: text/csv`).
#[utoipa::path(get, path = "/api/v1/products/{asin}/history", params(("asin" = String, Path, description = "An ASIN or a URL-encoded product link"), HistoryQuery),
    responses((status = 200, description = "The history as JSON, or as CSV rows `at,price_minor,currency,availability`", content((HistoryView = "application/json"), (String = "text/csv"))), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn history(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(asin): Path<String>,
    Query(q): Query<HistoryQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (m, a) = product_ref(&asin, marketplace(q.marketplace.as_deref(), &p.user)?)?;
    let report = state.catalog().history(m, a, false).await?;
    let wants_csv = q.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"));
    if wants_csv {
        let mut csv = String::from("at,price_minor,currency,availability\n");
        for point in &report.points {
            csv.push_str(&format!(
                "{},{},{},{}\n",
                point
                    .at
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                point
                    .price
                    .map(|p| p.minor().to_string())
                    .unwrap_or_default(),
                point
                    .price
                    .map(|p| p.currency().to_string())
                    .unwrap_or_default(),
                point.availability.as_str()
            ));
        }
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response());
    }
    Ok(Json(HistoryView::from(&report)).into_response())
}

/// A product's price chart as a PNG.
#[utoipa::path(get, path = "/api/v1/products/{asin}/chart", params(("asin" = String, Path, description = "An ASIN or a URL-encoded product link"), ChartQuery),
    responses((status = 200, description = "A PNG chart", content_type = "image/png"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn chart(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(asin): Path<String>,
    Query(q): Query<ChartQuery>,
) -> ApiResult<Response> {
    let (m, a) = product_ref(&asin, marketplace(q.marketplace.as_deref(), &p.user)?)?;
    let report = state.catalog().history(m, a, false).await?;
    let options = mandi_core::charts::ChartOptions {
        days: q.days.unwrap_or(90).clamp(1, 3_650),
        title: report.product.as_ref().map(|p| p.title.clone()),
        ..Default::default()
    };
    let png = chart_png(report.points, report.as_of, options).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

/// Renders a chart on the blocking pool.
pub(crate) async fn chart_png(
    points: Vec<mandi_core::PricePoint>,
    as_of: chrono::DateTime<chrono::Utc>,
    options: mandi_core::charts::ChartOptions,
) -> ApiResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        mandi_core::charts::render_price_chart(&points, as_of, &options)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the chart task failed: {e}")))?
    .map_err(|e| match e {
        mandi_core::charts::ChartError::NoData { .. } => ApiError::NotFound(e.to_string()),
        other => ApiError::Internal(other.to_string()),
    })
}

/// A chart's span.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ChartQuery {
    /// Days to show (90 by default).
    pub days: Option<u32>,
    /// Country code of the marketplace.
    pub marketplace: Option<String>,
}

/// A product's deal score with its reasons and price patterns.
#[utoipa::path(get, path = "/api/v1/products/{asin}/insights", params(("asin" = String, Path, description = "An ASIN or a URL-encoded product link"), MarketQuery),
    responses((status = 200, body = InsightsView), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn insights(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(asin): Path<String>,
    Query(q): Query<MarketQuery>,
) -> ApiResult<Json<InsightsView>> {
    let (m, a) = product_ref(&asin, marketplace(q.marketplace.as_deref(), &p.user)?)?;
    let report = state.catalog().history(m, a, false).await?;
    Ok(Json(InsightsView::from(&report)))
}

fn rules(values: Vec<serde_json::Value>) -> ApiResult<Vec<AlertRule>> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|e| ApiError::Unprocessable(format!("rule {}: {e}", i + 1)))
        })
        .collect()
}

/// The key's watches, oldest first.
#[utoipa::path(get, path = "/api/v1/watches", responses((status = 200, body = Vec<WatchView>)))]
pub async fn list_watches(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Vec<WatchView>>> {
    let watches = state.inner.watches.list(&p.user).await?;
    Ok(Json(watches.iter().map(WatchView::from).collect()))
}

/// Watches a product (scope `write`).
#[utoipa::path(post, path = "/api/v1/watches", request_body = WatchCreate,
    responses((status = 201, body = WatchView), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_watch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(body): Json<WatchCreate>,
) -> ApiResult<(StatusCode, Json<WatchView>)> {
    require(&p, KeyScope::Write)?;
    let product = parse_product_input(&body.product, p.user.settings.marketplace)
        .map_err(|e| ApiError::BadRequest(format!("{:?}: {e}", body.product)))?;
    let spec = WatchSpec {
        rules: rules(body.rules)?,
        family: body.family,
        label: body.label,
    };
    let added = state.inner.watches.add(&p.user, product, spec).await?;
    Ok((StatusCode::CREATED, Json(WatchView::from(&added.watch))))
}

/// One of the key's watches.
#[utoipa::path(get, path = "/api/v1/watches/{id}", params(("id" = i64, Path, description = "The watch id")),
    responses((status = 200, body = WatchView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_watch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Json<WatchView>> {
    let watch = state.inner.watches.get(&p.user, WatchId(id)).await?;
    Ok(Json(WatchView::from(&watch)))
}

/// Changes a watch's rules, label or state (scope `write`).
#[utoipa::path(patch, path = "/api/v1/watches/{id}", params(("id" = i64, Path, description = "The watch id")), request_body = WatchUpdate,
    responses((status = 200, body = WatchView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_watch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
    Json(body): Json<WatchUpdate>,
) -> ApiResult<Json<WatchView>> {
    require(&p, KeyScope::Write)?;
    let watches = &state.inner.watches;
    let id = WatchId(id);
    let mut watch = watches.get(&p.user, id).await?;
    let new_state = match (body.state.as_deref(), body.snooze_until) {
        (Some(_), Some(_)) => {
            return Err(ApiError::Unprocessable(
                "give either a state or a snooze, not both".into(),
            ));
        }
        (Some("active"), None) => Some(WatchState::Active),
        (Some("paused"), None) => Some(WatchState::Paused),
        (Some(other), None) => {
            return Err(ApiError::Unprocessable(format!(
                "state {other:?} is not `active` or `paused`"
            )));
        }
        (None, Some(until)) => Some(WatchState::Snoozed { until }),
        (None, None) => None,
    };
    if body.rules.is_some() || body.label.is_some() {
        let rules = match body.rules {
            Some(r) => rules(r)?,
            None => watch.rules.clone(),
        };
        watch = watches.edit(&p.user, id, rules, body.label).await?;
    }
    if let Some(s) = new_state {
        watch = watches.set_state(&p.user, id, s).await?;
    }
    Ok(Json(WatchView::from(&watch)))
}

/// Deletes a watch and its alerts (scope `write`).
#[utoipa::path(delete, path = "/api/v1/watches/{id}", params(("id" = i64, Path, description = "The watch id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_watch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require(&p, KeyScope::Write)?;
    state.inner.watches.remove(&p.user, WatchId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pauses a watch (scope `write`).
#[utoipa::path(post, path = "/api/v1/watches/{id}/pause", params(("id" = i64, Path, description = "The watch id")),
    responses((status = 200, body = WatchView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn pause_watch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Json<WatchView>> {
    require(&p, KeyScope::Write)?;
    let w = state
        .inner
        .watches
        .set_state(&p.user, WatchId(id), WatchState::Paused)
        .await?;
    Ok(Json(WatchView::from(&w)))
}

/// Resumes a paused or snoozed watch (scope `write`).
#[utoipa::path(post, path = "/api/v1/watches/{id}/resume", params(("id" = i64, Path, description = "The watch id")),
    responses((status = 200, body = WatchView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn resume_watch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Json<WatchView>> {
    require(&p, KeyScope::Write)?;
    let w = state
        .inner
        .watches
        .set_state(&p.user, WatchId(id), WatchState::Active)
        .await?;
    Ok(Json(WatchView::from(&w)))
}

/// The alerts of one of the key's watches, newest first.
#[utoipa::path(get, path = "/api/v1/watches/{id}/alerts", params(("id" = i64, Path, description = "The watch id")),
    responses((status = 200, body = Vec<AlertView>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn watch_alerts(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AlertView>>> {
    let alerts = account::watch_alerts(state.catalog(), &p.user, WatchId(id)).await?;
    Ok(Json(alerts.iter().map(AlertView::from).collect()))
}

/// A page of alerts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// At most this many (50 by default, at most 500).
    pub limit: Option<usize>,
    /// Skip this many.
    pub offset: Option<usize>,
}

/// The key's alerts, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", params(PageQuery), responses((status = 200, body = Vec<AlertView>)))]
pub async fn alerts(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<Vec<AlertView>>> {
    let alerts = account::alert_history(
        state.catalog(),
        &p.user,
        q.limit.unwrap_or(50),
        q.offset.unwrap_or(0),
    )
    .await?;
    Ok(Json(alerts.iter().map(AlertView::from).collect()))
}

/// Every watch and setting of the key's user, in the `mandi export` format.
#[utoipa::path(get, path = "/api/v1/export", responses((status = 200, description = "The export document (as `mandi export` writes it)", content_type = "application/json")))]
pub async fn export(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Response> {
    let doc = state.inner.watches.export(&p.user).await?;
    Ok(Json(doc).into_response())
}

/// Whether an import replaces the settings.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Replace the user's settings with the imported ones.
    pub replace_settings: Option<bool>,
}

/// Reads a `mandi export` document: all or nothing (scope `write`).
#[utoipa::path(post, path = "/api/v1/import", params(ImportQuery), request_body(content = Object, description = "A `mandi export` document", content_type = "application/json"),
    responses((status = 200, body = ImportView), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<ImportView>> {
    require(&p, KeyScope::Write)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?;
    let report = state
        .inner
        .watches
        .import(&p.user, text, q.replace_settings.unwrap_or(false))
        .await?;
    Ok(Json(ImportView::from(report)))
}

/// The rule set of a CSV bulk submission.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BulkQuery {
    /// The rules as a JSON array (CSV bodies only).
    pub rules: Option<String>,
    /// A label for every watch (CSV bodies only).
    pub label: Option<String>,
}

/// Submits up to 10,000 ASINs or links to watch with one rule set (scope `write`): a JSON
/// [`BulkSubmit`] or a CSV whose first column holds the products. Answers at once with the
/// job; poll it for progress.
#[utoipa::path(post, path = "/api/v1/bulk", params(BulkQuery),
    request_body(content((BulkSubmit = "application/json"), (String = "text/csv"))),
    responses((status = 202, body = BulkJobView), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn submit_bulk(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<BulkQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<BulkJobView>)> {
    require(&p, KeyScope::Write)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (items, spec) = if content_type.starts_with("application/json") {
        let submit: BulkSubmit = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("not a bulk submission: {e}")))?;
        let spec = BulkSpec {
            rules: rules(submit.rules)?,
            label: submit.label,
        };
        (submit.items, spec)
    } else if content_type.starts_with("text/csv") || content_type.starts_with("text/plain") {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::BadRequest("the CSV is not UTF-8 text".into()))?;
        let rules = match q.rules {
            Some(json) => {
                let values: Vec<serde_json::Value> = serde_json::from_str(&json).map_err(|e| {
                    ApiError::BadRequest(format!("`rules` is not a JSON array of rules: {e}"))
                })?;
                rules(values)?
            }
            None => Vec::new(),
        };
        (
            bulk_svc::csv_inputs(text),
            BulkSpec {
                rules,
                label: q.label,
            },
        )
    } else {
        return Err(ApiError::BadRequest(
            "send the products as application/json or text/csv".into(),
        ));
    };
    let job = state.bulk().submit(&p.user, items, spec).await?;
    let bulk = state.bulk().clone();
    let (user, id) = (p.user.id, job.id);
    tokio::spawn(async move {
        if let Err(e) = bulk.run(user, id).await {
            tracing::warn!(job = %id, error = %e, "bulk job stopped; it resumes at the next start");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(BulkJobView::from(&job))))
}

/// A bulk job's progress.
#[utoipa::path(get, path = "/api/v1/bulk/{id}", params(("id" = i64, Path, description = "The job id")),
    responses((status = 200, body = BulkJobView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_bulk(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Json<BulkJobView>> {
    let job = state.bulk().get(p.user.id, BulkJobId(id)).await?;
    Ok(Json(BulkJobView::from(&job)))
}

/// What became of every line of a bulk job, as CSV.
#[utoipa::path(get, path = "/api/v1/bulk/{id}/results.csv", params(("id" = i64, Path, description = "The job id")),
    responses((status = 200, description = "position,input,marketplace,asin,status,watch_id,detail rows", content_type = "text/csv"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn bulk_results(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let csv = state.bulk().results_csv(p.user.id, BulkJobId(id)).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

/// Which community deals to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CommunityQuery {
    /// `top`: most net votes first (then best score); otherwise newest first.
    pub order: Option<String>,
    /// How many (1–100, 20 by default).
    pub limit: Option<usize>,
}

/// Deals users shared and Mandi verified against the source in the last 7 days.
#[utoipa::path(get, path = "/api/v1/community/deals", params(CommunityQuery),
    responses((status = 200, body = Vec<CommunityDealView>), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn community_deals(
    State(state): State<AppState>,
    Query(q): Query<CommunityQuery>,
) -> ApiResult<Json<Vec<CommunityDealView>>> {
    use mandi_core::community::{CommunityError, CommunityService, ListingOrder};
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to 100, got {limit}"
        )));
    }
    let order = match q.order.as_deref() {
        None | Some("newest") => ListingOrder::Newest,
        Some("top") => ListingOrder::Top,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "order must be newest or top, got {other:?}"
            )));
        }
    };
    let deals = CommunityService::new(state.catalog().clone())
        .list(order, limit)
        .await
        .map_err(|e| match e {
            CommunityError::Store(s) => ApiError::from(s),
            CommunityError::Catalog(c) => ApiError::from(c),
            other => ApiError::Internal(other.to_string()),
        })?;
    Ok(Json(deals.iter().map(CommunityDealView::from).collect()))
}

/// The key making the request and its usage over the last 30 days.
#[utoipa::path(get, path = "/api/v1/keys/me", responses((status = 200, body = KeyView)))]
pub async fn me(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<KeyView>> {
    let usage = state.keys().usage(p.key.id, 30).await?;
    Ok(Json(KeyView::new(&p.key, &usage)))
}

/// The key's webhook subscriptions for alerts, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks", responses((status = 200, body = Vec<WebhookView>)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> ApiResult<Json<Vec<WebhookView>>> {
    let hooks = state.webhooks().list(&p.user).await?;
    Ok(Json(hooks.iter().map(WebhookView::from).collect()))
}

/// Subscribes a URL to the key's alerts (scope `write`). Each alert is POSTed once to each
/// subscription as JSON `{idempotency_key, user_id, alert}`, signed with HMAC-SHA256 of the
/// body under the secret in `X-Mandi-Signature: sha256=<hex>`; failed deliveries are retried
/// with backoff. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/webhooks", request_body = WebhookCreate,
    responses((status = 201, body = WebhookCreated), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_webhook(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(body): Json<WebhookCreate>,
) -> ApiResult<(StatusCode, Json<WebhookCreated>)> {
    require(&p, KeyScope::Write)?;
    let made = state
        .webhooks()
        .create(&p.user, &body.url, body.secret.map(SecretString::from))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            id: made.webhook.id.0,
            url: made.webhook.url.clone(),
            created_at: made.webhook.created_at,
            secret: secrecy::ExposeSecret::expose_secret(&made.secret).to_owned(),
        }),
    ))
}

/// Deletes one of the key's webhook subscriptions (scope `write`).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", params(("id" = i64, Path, description = "The subscription id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require(&p, KeyScope::Write)?;
    state.webhooks().delete(&p.user, WebhookId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The key's user's preferences: the preferred marketplace (with its currency), language,
/// time zone and daily alert cap.
#[utoipa::path(get, path = "/api/v1/settings", responses((status = 200, body = SettingsView)))]
pub async fn get_settings(Extension(p): Extension<Principal>) -> Json<SettingsView> {
    Json(SettingsView::from(&p.user.settings))
}

/// Changes the preferences (scope `write`); absent fields stay as they are, and nothing is
/// saved when any field is refused.
#[utoipa::path(patch, path = "/api/v1/settings", request_body = SettingsUpdate,
    responses((status = 200, body = SettingsView), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_settings(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Json(body): Json<SettingsUpdate>,
) -> ApiResult<Json<SettingsView>> {
    require(&p, KeyScope::Write)?;
    let mut settings = p.user.settings.clone();
    if let Some(m) = &body.marketplace {
        settings.marketplace = m.parse().map_err(|_| {
            ApiError::Unprocessable(format!(
                "marketplace {m:?} is not an Amazon store: give a domain such as amazon.de or a country code such as DE"
            ))
        })?;
    }
    if let Some(l) = &body.language {
        settings.language = match l.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => mandi_core::Language::English,
            "hi" | "hindi" => mandi_core::Language::Hindi,
            _ => {
                return Err(ApiError::Unprocessable(format!(
                    "language {l:?} is not `english` or `hindi`"
                )));
            }
        };
    }
    if let Some(tz) = &body.time_zone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(ApiError::Unprocessable(format!(
                "time_zone {tz:?} is not an IANA time zone such as Asia/Kolkata"
            )));
        }
        settings.time_zone = tz.clone();
    }
    match body.daily_cap {
        None => {}
        Some(0) => settings.daily_cap = None,
        Some(n @ 1..=1000) => settings.daily_cap = Some(n),
        Some(n) => {
            return Err(ApiError::Unprocessable(format!(
                "daily_cap {n} is not between 1 and 1000 (0 removes the cap)"
            )));
        }
    }
    if let Some(opt_in) = body.leaderboard_opt_in {
        settings.leaderboard_opt_in = opt_in;
    }
    let user = state.inner.watches.save_settings(&p.user, settings).await?;
    state.keys().forget_user(user.id);
    Ok(Json(SettingsView::from(&user.settings)))
}

/// Which stores to compare.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CompareQuery {
    /// Stores to compare, comma-separated domains or country codes (`US,GB,DE`); default:
    /// amazon.in, .com, .co.uk and .de.
    pub markets: Option<String>,
    /// The buyer's store (default: the key's user's preferred marketplace).
    pub home: Option<String>,
}

/// One product in several Amazon stores: each store's price converted to the buyer's
/// currency at the ECB reference rates, estimated shipping, India's import duty (BCD +
/// SWS + IGST, from the table shipped with Mandi) and the landed cost, with the cheapest
/// option. The document has a `markets` array, one entry per store.
#[utoipa::path(get, path = "/api/v1/products/{asin}/markets", params(("asin" = String, Path, description = "An ASIN or a URL-encoded product link"), CompareQuery),
    responses((status = 200, description = "The comparison (`markets`, `cheapest`, `rates`, `tables`)", content_type = "application/json"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn compare_markets(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(asin): Path<String>,
    Query(q): Query<CompareQuery>,
) -> ApiResult<Json<mandi_core::crossborder::MarketComparison>> {
    let service = state.cross_border().ok_or_else(|| {
        ApiError::NotFound("comparing stores is not configured on this server".into())
    })?;
    let home = marketplace(q.home.as_deref(), &p.user)?;
    let (_, a) = product_ref(&asin, home)?;
    let markets = match q.markets.as_deref() {
        None => mandi_core::crossborder::DEFAULT_MARKETS.to_vec(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| {
                m.parse::<Marketplace>().map_err(|_| {
                    ApiError::BadRequest(format!("{m:?} is not a marketplace code such as DE"))
                })
            })
            .collect::<ApiResult<Vec<_>>>()?,
    };
    if markets.len() > 25 {
        return Err(ApiError::BadRequest("at most 25 stores at a time".into()));
    }
    Ok(Json(service.compare(a, home, &markets).await))
}
