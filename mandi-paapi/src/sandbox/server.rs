//! The HTTP side: token endpoints, the Creators API and PA-API 5.0 operations, product
//! pages, fault injection and the quota.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use mandi_core::{Asin, Clock, Marketplace};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::SandboxCredentials;
use super::catalog::Entry;
use super::catalog::rng::hash;
use super::faults::{Fault, Faults, GlitchKind, Quota, QuotaState};
use super::html;
use super::oracle::Oracle;
use super::render::{self, Resources};
use super::search::{self, SEARCH_INDEXES, SORTS};
use crate::creators::model as m;
use crate::paapi5::{self, TARGET_PREFIX};
use crate::sigv4::{self, SignableRequest};

/// Which API a request came through and the marketplace it is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    /// The marketplace (from `x-marketplace` or PA-API's `Marketplace`).
    pub(crate) marketplace: Marketplace,
    /// True for PA-API 5.0, false for the Creators API.
    pub(crate) paapi: bool,
}

impl Call {
    /// The API's name as its error messages write it.
    fn api_name(self) -> &'static str {
        if self.paapi {
            "Product Advertising API"
        } else {
            "Creators API"
        }
    }
}

/// A token the sandbox issued.
#[derive(Debug, Clone)]
struct IssuedToken {
    lwa: bool,
    version: &'static str,
    client_id: String,
    expires_at: DateTime<Utc>,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) oracle: Oracle,
    pub(crate) clock: Arc<dyn Clock>,
    /// The clock of things that happen in real time whatever the price clock's speed: token
    /// lifetimes, quota windows and signature dates (the same as `clock` unless set apart).
    pub(crate) wall_clock: Arc<dyn Clock>,
    pub(crate) credentials: SandboxCredentials,
    pub(crate) faults: Faults,
    pub(crate) quota: Quota,
    pub(crate) base_url: String,
    pub(crate) token_lifetime_secs: i64,
    /// The marketplaces served, amazon.in first.
    pub(crate) markets: Vec<Marketplace>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    token_counter: AtomicU64,
    request_counter: AtomicU64,
    page_counter: AtomicU64,
    quota_state: Mutex<QuotaState>,
    /// Items served so far (numbers the glitch decisions).
    item_counter: AtomicU64,
    /// Items whose last serving was glitched: their next one is true (glitches are
    /// transient).
    glitched_last: Mutex<std::collections::HashSet<Asin>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base_url", &self.base_url)
            .field("faults", &self.faults)
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new(
        oracle: Oracle,
        clock: Arc<dyn Clock>,
        credentials: SandboxCredentials,
        faults: Faults,
        quota: Quota,
        base_url: String,
        token_lifetime_secs: i64,
    ) -> Self {
        Self {
            markets: super::SANDBOX_MARKETPLACES.to_vec(),
            oracle,
            wall_clock: clock.clone(),
            clock,
            credentials,
            faults,
            quota,
            base_url,
            token_lifetime_secs,
            tokens: Mutex::new(HashMap::new()),
            token_counter: AtomicU64::new(0),
            request_counter: AtomicU64::new(0),
            page_counter: AtomicU64::new(0),
            quota_state: Mutex::new(QuotaState::default()),
            item_counter: AtomicU64::new(0),
            glitched_last: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Forgets every issued token (the next catalog call gets 401 and the client must fetch
    /// a new one).
    pub(crate) fn revoke_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn issue(&self, lwa: bool, version: &'static str, client_id: &str) -> (String, i64) {
        let n = self.token_counter.fetch_add(1, Ordering::Relaxed);
        let h = hash(&[self.oracle.catalog().seed(), 0x70C3, n, u64::from(lwa)]);
        let token = if lwa {
            format!("Atza|sbx{h:016x}{n:x}")
        } else {
            format!("eyJraWQiOiJzYW5kYm94In0.sbx{h:016x}{n:x}")
        };
        let lifetime = self.token_lifetime_secs;
        let now = self.wall_clock.now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        // Expired tokens are forgotten, so a long-running sandbox does not grow.
        tokens.retain(|_, t| t.expires_at > now);
        tokens.insert(
            token.clone(),
            IssuedToken {
                lwa,
                version,
                client_id: client_id.to_owned(),
                expires_at: now + ChronoDuration::seconds(lifetime),
            },
        );
        (token, lifetime)
    }

    /// The glitch (if any) to serve item `index` of the catalogue with: decided per served
    /// item from the fault seed, never twice in a row for one item. A title glitch shows
    /// the title of an item half the catalogue away (another kind of product).
    fn glitch_of(&self, index: usize) -> Option<(GlitchKind, &str)> {
        if self.faults.glitch <= 0.0 {
            return None;
        }
        let catalog = self.oracle.catalog();
        let item = catalog.items.get(index)?;
        let n = self.item_counter.fetch_add(1, Ordering::Relaxed);
        let mut last = self.glitched_last.lock().unwrap_or_else(|e| e.into_inner());
        if last.remove(&item.asin) {
            return None;
        }
        let kind = self.faults.glitch_for(n)?;
        last.insert(item.asin);
        let other = &catalog.items[(index + catalog.items.len() / 2) % catalog.items.len()];
        Some((kind, other.title.as_str()))
    }

    /// The served marketplace whose `x-marketplace` / `Marketplace` value is `value`.
    fn served(&self, value: &str) -> Option<Marketplace> {
        self.markets
            .iter()
            .copied()
            .find(|m| m.creators_marketplace() == value)
    }

    /// The served marketplaces' values, for error messages and the banner.
    pub(crate) fn served_list(&self) -> String {
        self.markets
            .iter()
            .map(|m| m.creators_marketplace())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn admit(&self, who: &str) -> bool {
        self.quota_state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .admit(self.quota, who, self.wall_clock.now())
    }
}

/// The router of a sandbox.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/oauth2/token", post(cognito_token))
        .route("/auth/o2/token", post(lwa_token))
        .route("/na/oauth2/token", post(cognito_token_na))
        .route("/na/auth/o2/token", post(lwa_token_na))
        .route("/catalog/v1/{operation}", post(creators_operation))
        .route("/paapi5/{operation}", post(paapi_operation))
        .route("/dp/{asin}", get(desktop_page))
        .route("/gp/product/{asin}", get(desktop_page))
        .route("/{slug}/dp/{asin}", get(slug_page))
        .route("/gp/aw/d/{asin}", get(mobile_page))
        .route(crate::fx::SANDBOX_FEED_PATH, get(ecb_feed))
        .fallback(fallback)
        .with_state(shared)
}

async fn index(State(s): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "Mandi sandbox marketplace (seed {}). Try {}/dp/{}\n",
            s.oracle.catalog().seed(),
            s.base_url,
            s.oracle.catalog().sample().phone
        ),
    )
        .into_response()
}

/// The sandbox's ECB-format reference rates ([`mandi_core::fx::sandbox_rates`]), dated the
/// last weekday on or before the sandbox clock's day, as the ECB publishes on working days.
async fn ecb_feed(State(s): State<Arc<Shared>>) -> Response {
    use chrono::{Datelike, Weekday};
    let mut date = s.clock.now().date_naive();
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        match date.pred_opt() {
            Some(before) => date = before,
            None => break,
        }
    }
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        mandi_core::fx::sandbox_rates(date).to_ecb_xml(),
    )
        .into_response()
}

async fn fallback(method: Method, uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "message": format!("the sandbox has no route {method} {}", uri.path()),
        })),
    )
        .into_response()
}

// ----- tokens -------------------------------------------------------------------------------

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn token_ok(token: String, lifetime: i64) -> Response {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})),
    )
        .into_response()
}

/// Client id and secret from an HTTP Basic `Authorization` header, if any.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64_decode(encoded.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for b in text.bytes().filter(|b| *b != b'=') {
        let v = ALPHABET.iter().position(|a| *a == b)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `POST /oauth2/token`: the Cognito flow of credential version 2.2 (Europe and India; form
/// body).
async fn cognito_token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    cognito_token_of(
        &s,
        &headers,
        &body,
        s.credentials.creators_v2.version.as_str(),
    )
}

/// `POST /na/oauth2/token`: the Cognito flow of credential version 2.1 (North America), the
/// sandbox's stand-in for the us-east-1 Cognito host. The same test credentials are valid.
async fn cognito_token_na(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    cognito_token_of(&s, &headers, &body, "2.1")
}

/// `POST /na/auth/o2/token`: the Login with Amazon flow of credential version 3.1 (North
/// America, api.amazon.com's stand-in).
async fn lwa_token_na(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    lwa_token_of(&s, &headers, &body, "3.1")
}

fn cognito_token_of(
    s: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    version: &'static str,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let (id, secret) = match (form.get("client_id"), form.get("client_secret")) {
        (Some(id), Some(secret)) => (id.clone(), secret.clone()),
        _ => match basic_auth(headers) {
            Some(pair) => pair,
            None => {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_id and client_secret are required",
                );
            }
        },
    };
    let creds = &s.credentials.creators_v2;
    if id != creds.credential_id || secret != creds.credential_secret.expose_secret() {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if let Some(scope) = form.get("scope")
        && scope != "creatorsapi/default"
    {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the scope must be creatorsapi/default",
        );
    }
    let (token, lifetime) = s.issue(false, version, &id);
    token_ok(token, lifetime)
}

/// `POST /auth/o2/token`: the Login with Amazon flow of credential version 3.x (JSON body;
/// a form body is accepted too, as Login with Amazon does).
async fn lwa_token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    lwa_token_of(
        &s,
        &headers,
        &body,
        s.credentials.creators_v3.version.as_str(),
    )
}

fn lwa_token_of(s: &Shared, headers: &HeaderMap, body: &[u8], version: &'static str) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let fields: HashMap<String, String> = if is_form {
        url::form_urlencoded::parse(body).into_owned().collect()
    } else {
        match serde_json::from_slice::<HashMap<String, Value>>(body) {
            Ok(map) => map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect(),
            Err(e) => {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("the body is not a JSON object: {e}"),
                );
            }
        }
    };
    if fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let creds = &s.credentials.creators_v3;
    let id = fields.get("client_id").cloned().unwrap_or_default();
    let secret = fields.get("client_secret").cloned().unwrap_or_default();
    if id != creds.credential_id || secret != creds.credential_secret.expose_secret() {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if fields.get("scope").map(String::as_str) != Some("creatorsapi::default") {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "An unknown scope was requested; use creatorsapi::default",
        );
    }
    let (token, lifetime) = s.issue(true, version, &id);
    token_ok(token, lifetime)
}

// ----- errors -------------------------------------------------------------------------------

/// An API error, rendered in each API's shape.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    /// PA-API error code (`InvalidParameterValue`).
    code: &'static str,
    /// Creators API exception type (`ValidationException`).
    kind: &'static str,
    /// Creators API reason (`InvalidPartnerTag`).
    reason: Option<&'static str>,
    message: String,
}

impl ApiError {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidParameterValue",
            kind: "ValidationException",
            reason: Some("InvalidParameterValue"),
            message: message.into(),
        }
    }

    fn missing(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "MissingParameter",
            kind: "ValidationException",
            reason: Some("MissingParameter"),
            message: message.into(),
        }
    }

    fn no_results(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "NoResults",
            kind: "ResourceNotFoundException",
            reason: None,
            message: message.into(),
        }
    }

    fn invalid_associate_tag() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidPartnerTag",
            kind: "ValidationException",
            reason: Some("InvalidPartnerTag"),
            message: "The partner tag is invalid or not present.".to_owned(),
        }
    }

    fn throttled() -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "TooManyRequests",
            kind: "ThrottleException",
            reason: None,
            message: "The request was denied due to request throttling. Please verify the number of requests made per second to the API.".to_owned(),
        }
    }

    fn server(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: "InternalFailure",
            kind: "InternalServerException",
            reason: None,
            message: "The request processing has failed because of an unknown error, exception or failure.".to_owned(),
        }
    }

    fn unauthorized(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "Unauthorized",
            kind: "UnauthorizedException",
            reason: Some(reason),
            message: message.into(),
        }
    }

    fn creators_body(&self) -> Value {
        let mut body = json!({"type": self.kind, "message": self.message});
        if let Some(reason) = self.reason {
            body["reason"] = json!(reason);
        }
        body
    }

    fn paapi_body(&self) -> Value {
        json!({
            "__type": "com.amazon.paapi5#ErrorData",
            "Errors": [{"Code": self.code, "Message": self.message}],
        })
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        bytes,
    )
        .into_response()
}

// ----- shared operation logic ---------------------------------------------------------------

/// The languages of preference a marketplace accepts (the first is its default).
fn languages_of(marketplace: Marketplace) -> &'static [&'static str] {
    match marketplace {
        Marketplace::India => &["en_IN", "hi_IN"],
        Marketplace::UnitedStates => &["en_US", "es_US"],
        Marketplace::UnitedKingdom => &["en_GB"],
        Marketplace::Germany => &["de_DE", "en_GB"],
        _ => &[],
    }
}

fn check_common(
    s: &Shared,
    call: Call,
    associate_tag: &str,
    marketplace: Option<&str>,
    currency: Option<&str>,
    languages: Option<&Vec<String>>,
    resources: &[String],
) -> Result<(), ApiError> {
    if associate_tag.trim().is_empty() {
        return Err(ApiError::missing(
            "The request must contain the parameter PartnerTag.",
        ));
    }
    if associate_tag != s.credentials.associate_tag {
        return Err(ApiError::invalid_associate_tag());
    }
    if let Some(mp) = marketplace
        && mp != call.marketplace.creators_marketplace()
    {
        return Err(ApiError::invalid(format!(
            "The value [{mp}] provided in the request for Marketplace is invalid. The sandbox serves {}.",
            s.served_list()
        )));
    }
    if let Some(c) = currency
        && c != call.marketplace.currency().code()
    {
        return Err(ApiError::invalid(format!(
            "The value [{c}] provided in the request for CurrencyOfPreference is invalid."
        )));
    }
    if let Some(langs) = languages
        && (langs.len() > 1
            || langs
                .iter()
                .any(|l| !languages_of(call.marketplace).contains(&l.as_str())))
    {
        return Err(ApiError::invalid(format!(
            "The value {langs:?} provided in the request for LanguagesOfPreference is invalid."
        )));
    }
    if let Some(bad) = render::unknown_resource(resources) {
        return Err(ApiError::invalid(format!(
            "The value [{bad}] provided in the request for Resources is invalid."
        )));
    }
    Ok(())
}

fn get_items(
    s: &Shared,
    call: Call,
    req: m::GetItemsRequest,
) -> Result<m::GetItemsResponse, ApiError> {
    check_common(
        s,
        call,
        &req.partner_tag,
        req.marketplace.as_deref(),
        req.currency_of_preference.as_deref(),
        req.languages_of_preference.as_ref(),
        &req.resources,
    )?;
    if req.item_ids.is_empty() {
        return Err(ApiError::missing(
            "The request must contain the parameter ItemIds.",
        ));
    }
    if req.item_ids.len() > 10 {
        return Err(ApiError::invalid(format!(
            "The value provided in the request for ItemIds has {} ids; at most 10 are allowed.",
            req.item_ids.len()
        )));
    }
    if let Some(t) = req.item_id_type.as_deref()
        && t != "ASIN"
    {
        return Err(ApiError::invalid(format!(
            "The value [{t}] provided in the request for ItemIdType is invalid."
        )));
    }
    if let Some(c) = req.condition.as_deref()
        && !matches!(c, "Any" | "New" | "Used" | "Collectible" | "Refurbished")
    {
        return Err(ApiError::invalid(format!(
            "The value [{c}] provided in the request for Condition is invalid."
        )));
    }
    let resources = Resources::new(&req.resources);
    let now = s.clock.now();
    let catalog = s.oracle.catalog();
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let not_accessible = |id: &str| m::ErrorData {
        code: Some("ItemNotAccessible".to_owned()),
        message: Some(format!(
            "The ItemId {id} is not accessible through the {}.",
            call.api_name()
        )),
    };
    let home = call.marketplace == Marketplace::India;
    for id in &req.item_ids {
        let asin = Asin::parse(id).ok();
        let entry = asin.and_then(|a| catalog.entry(a));
        if entry.is_some() && !asin.is_some_and(|a| s.oracle.sells(call.marketplace, a)) {
            errors.push(not_accessible(id));
            continue;
        }
        match entry {
            // Glitches are served on amazon.in only (the oracle's record names no market).
            Some(Entry::Item(i)) => items.push(render::item_as_served(
                &s.oracle,
                &catalog.items[i],
                now,
                &resources,
                (&s.base_url, &req.partner_tag),
                false,
                if home { s.glitch_of(i) } else { None },
                call.marketplace,
            )),
            Some(Entry::Parent(f)) => {
                let family = &catalog.families[f];
                items.push(m::Item {
                    asin: family.parent.as_str().to_owned(),
                    detail_page_url: Some(format!(
                        "{}/dp/{}?tag={}&linkCode=ogi&th=1&psc=1",
                        s.base_url, family.parent, req.partner_tag
                    )),
                    item_info: resources.has("itemInfo.title").then(|| m::ItemInfo {
                        title: Some(m::DisplayValue {
                            display_value: Some(family.title.clone()),
                            label: Some("Title".to_owned()),
                            locale: Some(render::content_locale(call.marketplace).to_owned()),
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
            }
            None => errors.push(m::ErrorData {
                code: Some("InvalidParameterValue".to_owned()),
                message: Some(format!(
                    "The ItemId {id} provided in the request is invalid."
                )),
            }),
        }
    }
    // Items none of which exist are "no results"; items that exist but are not sold in this
    // marketplace come back as per-item ItemNotAccessible errors.
    let any_inaccessible = errors
        .iter()
        .any(|e| e.code.as_deref() == Some("ItemNotAccessible"));
    if items.is_empty() && !any_inaccessible {
        return Err(ApiError::no_results(format!(
            "No results found for your request: {}.",
            req.item_ids.join(", ")
        )));
    }
    Ok(m::GetItemsResponse {
        items_result: (!items.is_empty()).then_some(m::ItemsResult { items: Some(items) }),
        errors: (!errors.is_empty()).then_some(errors),
    })
}

fn check_range(value: Option<u8>, lo: u8, hi: u8, name: &str) -> Result<(), ApiError> {
    match value {
        Some(v) if !(lo..=hi).contains(&v) => Err(ApiError::invalid(format!(
            "The value {v} provided in the request for {name} is invalid. It must be between {lo} and {hi}."
        ))),
        _ => Ok(()),
    }
}

fn search_items(
    s: &Shared,
    call: Call,
    req: m::SearchItemsRequest,
) -> Result<m::SearchItemsResponse, ApiError> {
    check_common(
        s,
        call,
        &req.partner_tag,
        req.marketplace.as_deref(),
        req.currency_of_preference.as_deref(),
        req.languages_of_preference.as_ref(),
        &req.resources,
    )?;
    let has_criterion = [
        &req.keywords,
        &req.browse_node_id,
        &req.brand,
        &req.title,
        &req.actor,
        &req.artist,
        &req.author,
    ]
    .iter()
    .any(|f| f.as_deref().is_some_and(|v| !v.trim().is_empty()))
        || req.search_index.as_deref().is_some_and(|i| i != "All");
    if !has_criterion {
        return Err(ApiError::missing(
            "The request must contain at least one of Keywords, Actor, Artist, Author, Brand, Title, BrowseNodeId or a SearchIndex other than All.",
        ));
    }
    check_range(req.item_count, 1, 10, "ItemCount")?;
    check_range(req.item_page, 1, 10, "ItemPage")?;
    check_range(req.min_reviews_rating, 1, 4, "MinReviewsRating")?;
    check_range(req.min_saving_percent, 1, 99, "MinSavingPercent")?;
    let one_of = |value: Option<&str>, allowed: &[&str], name: &str| match value {
        Some(v) if !allowed.contains(&v) => Err(ApiError::invalid(format!(
            "The value [{v}] provided in the request for {name} is invalid."
        ))),
        _ => Ok(()),
    };
    one_of(req.search_index.as_deref(), SEARCH_INDEXES, "SearchIndex")?;
    one_of(req.sort_by.as_deref(), SORTS, "SortBy")?;
    one_of(
        req.condition.as_deref(),
        &["Any", "New", "Used", "Collectible", "Refurbished"],
        "Condition",
    )?;
    one_of(
        req.availability.as_deref(),
        &["Available", "IncludeOutOfStock"],
        "Availability",
    )?;
    one_of(req.merchant.as_deref(), &["All", "Amazon"], "Merchant")?;
    for flag in req.delivery_flags.iter().flatten() {
        one_of(
            Some(flag),
            &["AmazonGlobal", "FreeShipping", "FulfilledByAmazon", "Prime"],
            "DeliveryFlags",
        )?;
    }
    for (value, name) in [(req.min_price, "MinPrice"), (req.max_price, "MaxPrice")] {
        if let Some(v) = value
            && v < 0
        {
            return Err(ApiError::invalid(format!(
                "The value {v} provided in the request for {name} is invalid."
            )));
        }
    }
    if let (Some(lo), Some(hi)) = (req.min_price, req.max_price)
        && lo > hi
    {
        return Err(ApiError::invalid(
            "MinPrice must not be greater than MaxPrice.",
        ));
    }
    if let Some(node) = req.browse_node_id.as_deref()
        && (node.is_empty() || !node.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::invalid(format!(
            "The value [{node}] provided in the request for BrowseNodeId is invalid."
        )));
    }
    let now = s.clock.now();
    let hits = search::search(&s.oracle, &req, now, call.marketplace);
    if hits.is_empty() {
        return Err(ApiError::no_results("No results found for your request."));
    }
    let count = usize::from(req.item_count.unwrap_or(10));
    let page = usize::from(req.item_page.unwrap_or(1));
    let resources = Resources::new(&req.resources);
    let items: Vec<m::Item> = hits
        .iter()
        .skip((page - 1) * count)
        .take(count)
        .map(|h| {
            render::item(
                &s.oracle,
                h.item,
                now,
                &resources,
                &s.base_url,
                &req.partner_tag,
                false,
                call.marketplace,
            )
        })
        .collect();
    let mut url = url::form_urlencoded::Serializer::new(String::new());
    if let Some(k) = &req.keywords {
        url.append_pair("k", k);
    }
    if let Some(i) = &req.search_index {
        url.append_pair("i", i);
    }
    if let Some(n) = &req.browse_node_id {
        url.append_pair("rh", &format!("n:{n}"));
    }
    url.append_pair("tag", &req.partner_tag);
    url.append_pair("linkCode", "osi");
    Ok(m::SearchItemsResponse {
        search_result: Some(m::SearchResult {
            items: Some(items),
            total_result_count: Some(u32::try_from(hits.len()).unwrap_or(u32::MAX)),
            search_url: Some(format!("{}/s?{}", s.base_url, url.finish())),
            search_refinements: None,
        }),
        errors: None,
    })
}

fn get_variations(
    s: &Shared,
    call: Call,
    req: m::GetVariationsRequest,
) -> Result<m::GetVariationsResponse, ApiError> {
    check_common(
        s,
        call,
        &req.partner_tag,
        req.marketplace.as_deref(),
        req.currency_of_preference.as_deref(),
        req.languages_of_preference.as_ref(),
        &req.resources,
    )?;
    if req.asin.trim().is_empty() {
        return Err(ApiError::missing(
            "The request must contain the parameter ASIN.",
        ));
    }
    check_range(req.variation_count, 1, 10, "VariationCount")?;
    if req.variation_page == Some(0) {
        return Err(ApiError::invalid(
            "The value 0 provided in the request for VariationPage is invalid. It must be 1 or more.",
        ));
    }
    let catalog = s.oracle.catalog();
    let asin = Asin::parse(&req.asin).map_err(|_| {
        ApiError::invalid(format!(
            "The value [{}] provided in the request for ASIN is invalid.",
            req.asin
        ))
    })?;
    let family = match catalog.entry(asin) {
        Some(Entry::Parent(f)) => Some(f),
        Some(Entry::Item(i)) => catalog.items[i].family,
        None => None,
    }
    .map(|f| &catalog.families[f])
    .ok_or_else(|| {
        ApiError::no_results(format!(
            "No results found for your request: {asin} has no variations."
        ))
    })?;
    if !s.oracle.sells(call.marketplace, asin) {
        return Err(ApiError::no_results(format!(
            "No results found for your request: {asin} is not sold in {}.",
            call.marketplace
        )));
    }
    // The children this marketplace sells (every child on amazon.in).
    let children: Vec<usize> = family
        .children
        .iter()
        .copied()
        .filter(|&i| {
            s.oracle
                .priced_item(call.marketplace, &catalog.items[i])
                .is_some()
        })
        .collect();
    let count = usize::from(req.variation_count.unwrap_or(10));
    let page = usize::from(req.variation_page.unwrap_or(1));
    let total = children.len();
    let pages = total.div_ceil(count).max(1);
    if page > pages {
        return Err(ApiError::invalid(format!(
            "The value {page} provided in the request for VariationPage is invalid. This family has {pages} pages."
        )));
    }
    let now = s.clock.now();
    let resources = Resources::new(&req.resources);
    let offers: Vec<_> = children
        .iter()
        .map(|&i| render::offer_in(&s.oracle, &catalog.items[i], now, call.marketplace))
        .collect();
    let items = children
        .iter()
        .skip((page - 1) * count)
        .take(count)
        .map(|&i| {
            render::item(
                &s.oracle,
                &catalog.items[i],
                now,
                &resources,
                &s.base_url,
                &req.partner_tag,
                true,
                call.marketplace,
            )
        })
        .collect();
    let dimensions = family
        .dimensions
        .iter()
        .map(|d| {
            let mut values: Vec<String> = Vec::new();
            for &i in &children {
                for a in &catalog.items[i].attrs {
                    if &a.name == d && !values.contains(&a.value) {
                        values.push(a.value.clone());
                    }
                }
            }
            m::VariationDimension {
                display_name: Some(
                    match d.as_str() {
                        "color_name" => "Colour",
                        "size_name" => "Size",
                        other => other,
                    }
                    .to_owned(),
                ),
                locale: Some(render::content_locale(call.marketplace).to_owned()),
                name: Some(d.clone()),
                values: Some(values),
            }
        })
        .collect();
    let price = render::price_range(&offers).map(|(lo, hi)| m::VariationPrice {
        highest_price: Some(render::money(hi)),
        lowest_price: Some(render::money(lo)),
    });
    Ok(m::GetVariationsResponse {
        variations_result: Some(m::VariationsResult {
            items: Some(items),
            variation_summary: Some(m::VariationSummary {
                page_count: Some(u32::try_from(pages).unwrap_or(u32::MAX)),
                price: if resources.has("variationSummary.price") {
                    price
                } else {
                    None
                },
                variation_count: Some(u32::try_from(total).unwrap_or(u32::MAX)),
                variation_dimensions: resources
                    .has("variationSummary.variationDimension")
                    .then_some(dimensions),
            }),
        }),
        errors: None,
    })
}

fn get_browse_nodes(
    s: &Shared,
    call: Call,
    req: m::GetBrowseNodesRequest,
) -> Result<m::GetBrowseNodesResponse, ApiError> {
    check_common(
        s,
        call,
        &req.partner_tag,
        req.marketplace.as_deref(),
        None,
        req.languages_of_preference.as_ref(),
        &req.resources,
    )?;
    if req.browse_node_ids.is_empty() {
        return Err(ApiError::missing(
            "The request must contain the parameter BrowseNodeIds.",
        ));
    }
    if req.browse_node_ids.len() > 10 {
        return Err(ApiError::invalid(format!(
            "The value provided in the request for BrowseNodeIds has {} ids; at most 10 are allowed.",
            req.browse_node_ids.len()
        )));
    }
    let resources = Resources::new(&req.resources);
    let catalog = s.oracle.catalog();
    let mut nodes = Vec::new();
    let mut errors = Vec::new();
    for id in &req.browse_node_ids {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid(format!(
                "The value [{id}] provided in the request for BrowseNodeIds is invalid."
            )));
        }
        match catalog.tree.index(id) {
            Some(i) => nodes.push(render::browse_node(
                catalog,
                i,
                None,
                resources.has("browseNodes.ancestor"),
                resources.has("browseNodes.children"),
            )),
            None => errors.push(m::ErrorData {
                code: Some("InvalidParameterValue".to_owned()),
                message: Some(format!(
                    "The BrowseNodeId {id} provided in the request is invalid."
                )),
            }),
        }
    }
    Ok(m::GetBrowseNodesResponse {
        browse_nodes_result: Some(m::BrowseNodesResult {
            browse_nodes: Some(nodes),
        }),
        errors: (!errors.is_empty()).then_some(errors),
    })
}

/// How an operation's typed reply is encoded: bytes straight from the typed reply (the
/// Creators API's lowerCamelCase) or a JSON value (for PA-API 5.0, whose keys are then turned
/// to PascalCase).
trait Encode {
    /// The encoded reply.
    type Out;
    /// Encodes one typed reply.
    fn encode<T: Serialize>(reply: T) -> Result<Self::Out, ApiError>;
}

/// The reply's JSON bytes, serialised once from the typed reply.
struct AsBytes;

impl Encode for AsBytes {
    type Out = Vec<u8>;
    fn encode<T: Serialize>(reply: T) -> Result<Vec<u8>, ApiError> {
        serde_json::to_vec(&reply).map_err(encode_error)
    }
}

/// The reply as a JSON value, to be reshaped before it is sent.
struct AsValue;

impl Encode for AsValue {
    type Out = Value;
    fn encode<T: Serialize>(reply: T) -> Result<Value, ApiError> {
        serde_json::to_value(reply).map_err(encode_error)
    }
}

fn encode_error(e: serde_json::Error) -> ApiError {
    ApiError {
        message: format!("could not encode the reply: {e}"),
        ..ApiError::server(500)
    }
}

/// Runs a Creators-shaped operation on a camelCase JSON body.
fn run_operation<E: Encode>(
    s: &Shared,
    call: Call,
    operation: &str,
    body: Value,
) -> Result<E::Out, ApiError> {
    fn parse<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
        serde_path_to_error::deserialize(body).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            if inner.starts_with("missing field") {
                ApiError::missing(format!("The request is missing a parameter: {inner}."))
            } else {
                ApiError::invalid(format!(
                    "The value provided in the request for {path} is invalid: {inner}."
                ))
            }
        })
    }
    match operation {
        "getItems" => E::encode(get_items(s, call, parse(body)?)?),
        "searchItems" => E::encode(search_items(s, call, parse(body)?)?),
        "getVariations" => E::encode(get_variations(s, call, parse(body)?)?),
        "getBrowseNodes" => E::encode(get_browse_nodes(s, call, parse(body)?)?),
        other => Err(ApiError {
            status: StatusCode::NOT_FOUND,
            code: "UnknownOperation",
            kind: "ResourceNotFoundException",
            reason: None,
            message: format!(
                "The operation {other} is invalid. Please verify that the operation name is typed correctly."
            ),
        }),
    }
}

// ----- faults -------------------------------------------------------------------------------

/// Applies latency and a pre-handling fault; `Err` is the answer to send instead.
async fn before(s: &Shared) -> Result<Option<Fault>, ApiError> {
    if !s.faults.latency.is_zero() {
        tokio::time::sleep(s.faults.latency).await;
    }
    let n = s.request_counter.fetch_add(1, Ordering::Relaxed);
    let fault = s.faults.decide(n);
    match fault {
        Some(Fault::Throttle) => Err(ApiError::throttled()),
        Some(Fault::ServerError(status)) => Err(ApiError::server(status)),
        Some(Fault::Timeout) => {
            tokio::time::sleep(s.faults.timeout_delay).await;
            Ok(None)
        }
        other => Ok(other),
    }
}

/// Applies a post-handling fault to a successful JSON answer.
fn after(fault: Option<Fault>, bytes: Vec<u8>) -> Response {
    let bytes = match fault {
        Some(Fault::Malformed) => {
            b"<html><body>Service temporarily unavailable</body></html>".to_vec()
        }
        Some(Fault::Truncated) => bytes[..bytes.len() / 2].to_vec(),
        _ => bytes,
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        bytes,
    )
        .into_response()
}

// ----- Creators API -------------------------------------------------------------------------

fn creators_auth(s: &Shared, headers: &HeaderMap) -> Result<IssuedToken, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "MissingCredential",
                "The request has no Authorization header; send `Bearer <token>` (with `, Version 2.x` for Cognito credentials).",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("InvalidToken", "The Authorization header is not text."))?;
    let rest = value.strip_prefix("Bearer ").ok_or_else(|| {
        ApiError::unauthorized(
            "InvalidToken",
            "The Authorization header must start with `Bearer `.",
        )
    })?;
    let (token, version) = match rest.split_once(',') {
        Some((t, v)) => (
            t.trim(),
            Some(
                v.trim()
                    .strip_prefix("Version ")
                    .map(str::trim)
                    .ok_or_else(|| {
                        ApiError::unauthorized(
                            "InvalidToken",
                            "After the token the Authorization header must say `, Version <credential version>`.",
                        )
                    })?,
            ),
        ),
        None => (rest.trim(), None),
    };
    let issued = s
        .tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(token)
        .cloned()
        .ok_or_else(|| {
            ApiError::unauthorized(
                "InvalidToken",
                "The access token is invalid or has expired.",
            )
        })?;
    if s.wall_clock.now() >= issued.expires_at {
        return Err(ApiError::unauthorized(
            "TokenExpired",
            "The access token has expired; fetch a new one from the token endpoint.",
        ));
    }
    match (issued.lwa, version) {
        (false, None) => Err(ApiError::unauthorized(
            "InvalidToken",
            format!(
                "Tokens of credential version {} need `Authorization: Bearer <token>, Version {}`.",
                issued.version, issued.version
            ),
        )),
        (_, Some(v)) if v != issued.version => Err(ApiError::unauthorized(
            "InvalidToken",
            format!(
                "The token was issued for credential version {}, not {v}.",
                issued.version
            ),
        )),
        _ => Ok(issued),
    }
}

async fn creators_operation(
    State(s): State<Arc<Shared>>,
    Path(operation): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = async {
        let fault = before(&s).await?;
        let token = creators_auth(&s, &headers)?;
        let marketplace = match headers.get("x-marketplace").and_then(|v| v.to_str().ok()) {
            None => {
                return Err(ApiError::missing(format!(
                    "The request must contain the header x-marketplace (one of {}).",
                    s.served_list()
                )));
            }
            Some(mp) => s.served(mp).ok_or_else(|| {
                ApiError::invalid(format!(
                    "The value [{mp}] provided in the x-marketplace header is invalid. The sandbox serves {}.",
                    s.served_list()
                ))
            })?,
        };
        // Credentials belong to one region group (2.1/3.1 North America, 2.2/3.2 Europe and
        // India): a token of another group's version is refused for the marketplace.
        let wanted = marketplace.credential_version();
        if token.version.get(1..) != wanted.get(1..) {
            return Err(ApiError {
                status: StatusCode::FORBIDDEN,
                code: "AccessDenied",
                kind: "AccessDeniedException",
                reason: Some("InvalidCredentialRegion"),
                message: format!(
                    "Credentials of version {} cannot access {marketplace}; it needs credentials of version {wanted} (or {}).",
                    token.version,
                    wanted.replacen('2', "3", 1)
                ),
            });
        }
        if !s.admit(&token.client_id) {
            return Err(ApiError::throttled());
        }
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}")))?;
        let call = Call {
            marketplace,
            paapi: false,
        };
        let reply = run_operation::<AsBytes>(&s, call, &operation, value)?;
        Ok((fault, reply))
    }
    .await;
    match reply {
        Ok((fault, bytes)) => after(fault, bytes),
        Err(e) => json_response(e.status, &e.creators_body()),
    }
}

// ----- PA-API 5.0 ---------------------------------------------------------------------------

fn paapi_name(path_op: &str) -> Option<&'static str> {
    Some(match path_op {
        "getitems" => "GetItems",
        "searchitems" => "SearchItems",
        "getvariations" => "GetVariations",
        "getbrowsenodes" => "GetBrowseNodes",
        _ => return None,
    })
}

fn paapi_request<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<Value, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if inner.starts_with("missing field") {
            ApiError::missing(format!("The request is missing a parameter: {inner}."))
        } else {
            ApiError::invalid(format!(
                "The value provided in the request for {path} is invalid: {inner}."
            ))
        }
    })?;
    let value = serde_json::to_value(parsed)
        .map_err(|e| ApiError::invalid(format!("The request cannot be read: {e}.")))?;
    Ok(render::to_camel(value))
}

fn verify_signature(
    s: &Shared,
    region: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, ApiError> {
    let mut list = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let Ok(v) = value.to_str() else {
            return Err(ApiError {
                status: StatusCode::UNAUTHORIZED,
                code: "InvalidSignature",
                kind: "UnauthorizedException",
                reason: None,
                message: format!("The header {name} is not text."),
            });
        };
        list.push((name.as_str().to_owned(), v.to_owned()));
    }
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = SignableRequest {
        method: "POST",
        uri: path_and_query,
        headers: &list,
        body,
    };
    let creds = &s.credentials.paapi;
    let lookup = |id: &str| (id == creds.access_key).then(|| creds.secret_key.clone());
    match sigv4::verify(
        &request,
        &lookup,
        s.wall_clock.now(),
        ChronoDuration::minutes(15),
        region,
        paapi5::SERVICE,
    ) {
        Ok(v) => Ok(v.access_key_id),
        Err(e) => {
            let code = e.code();
            let status = match code {
                "IncompleteSignature" => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            let message = match code {
                "InvalidSignature" => "The request has not been correctly signed. Please refer to the API documentation for guidelines on how to sign a request.".to_owned(),
                "RequestExpired" => format!("The request is past expiry date or the request date (either with 15 minute padding), or the request date occurs more than 15 minutes in the future. ({e})"),
                "UnrecognizedClient" => "The Access Key ID or security token included in the request is invalid.".to_owned(),
                _ => e.to_string(),
            };
            Err(ApiError {
                status,
                code,
                kind: "UnauthorizedException",
                reason: None,
                message,
            })
        }
    }
}

async fn paapi_operation(
    State(s): State<Arc<Shared>>,
    Path(operation): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = async {
        let fault = before(&s).await?;
        let unknown = || ApiError {
            status: StatusCode::NOT_FOUND,
            code: "UnknownOperation",
            kind: "ResourceNotFoundException",
            reason: None,
            message: "The operation requested is invalid. Please verify that the operation name is typed correctly.".to_owned(),
        };
        let name = paapi_name(&operation).ok_or_else(unknown)?;
        let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
        if target != Some(format!("{TARGET_PREFIX}{name}").as_str()) {
            return Err(unknown());
        }
        let encoding = headers.get("content-encoding").and_then(|v| v.to_str().ok());
        if encoding != Some("amz-1.0") {
            return Err(ApiError::invalid(
                "The value provided for the header content-encoding is invalid; PA-API 5.0 requests carry content-encoding: amz-1.0.",
            ));
        }
        // The marketplace is the body's `Marketplace` (amazon.in when absent); the request
        // must be signed for that marketplace's region.
        let field = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
            v.get("Marketplace")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let marketplace = match field.as_deref() {
            None => Marketplace::India,
            Some(mp) => s.served(mp).ok_or_else(|| {
                ApiError::invalid(format!(
                    "The value [{mp}] provided in the request for Marketplace is invalid. The sandbox serves {}.",
                    s.served_list()
                ))
            })?,
        };
        let access_key =
            verify_signature(&s, marketplace.paapi_region(), &uri, &headers, &body)?;
        if !s.admit(&access_key) {
            return Err(ApiError::throttled());
        }
        let camel = match name {
            "GetItems" => paapi_request::<paapi5::model::GetItemsRequest>(&body)?,
            "SearchItems" => paapi_request::<paapi5::model::SearchItemsRequest>(&body)?,
            "GetVariations" => paapi_request::<paapi5::model::GetVariationsRequest>(&body)?,
            _ => paapi_request::<paapi5::model::GetBrowseNodesRequest>(&body)?,
        };
        match camel.get("partnerType").and_then(Value::as_str) {
            Some("Associates") => {}
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "The value [{other}] provided in the request for PartnerType is invalid."
                )));
            }
            None => {
                return Err(ApiError::missing(
                    "The request must contain the parameter PartnerType.",
                ));
            }
        }
        let mut op = name.to_owned();
        if let Some(first) = op.get_mut(0..1) {
            first.make_ascii_lowercase();
        }
        let call = Call {
            marketplace,
            paapi: true,
        };
        let reply = run_operation::<AsValue>(&s, call, &op, camel)?;
        serde_json::to_vec(&render::to_pascal(reply))
            .map(|bytes| (fault, bytes))
            .map_err(encode_error)
    }
    .await;
    match reply {
        Ok((fault, bytes)) => after(fault, bytes),
        Err(e) => json_response(e.status, &e.paapi_body()),
    }
}

// ----- pages --------------------------------------------------------------------------------

fn page(s: &Shared, asin: &str, mobile: bool) -> Response {
    let html_response = |status: StatusCode, body: String| {
        (
            status,
            [(header::CONTENT_TYPE, "text/html;charset=UTF-8")],
            body,
        )
            .into_response()
    };
    let n = s.page_counter.fetch_add(1, Ordering::Relaxed);
    if s.faults.captcha_for(n) {
        return html_response(
            StatusCode::OK,
            html::captcha_page(hash(&[s.faults.seed, n])),
        );
    }
    let catalog = s.oracle.catalog();
    let asin = asin.split(['?', '/']).next().unwrap_or("");
    let Some(parsed) = Asin::parse(asin).ok() else {
        return html_response(StatusCode::NOT_FOUND, html::not_found_page());
    };
    let item = match catalog.entry(parsed) {
        Some(Entry::Item(i)) => &catalog.items[i],
        // A parent's page shows its first child, as the shop does.
        Some(Entry::Parent(f)) => match catalog.families[f].children.first() {
            Some(&i) => &catalog.items[i],
            None => return html_response(StatusCode::NOT_FOUND, html::not_found_page()),
        },
        None => return html_response(StatusCode::NOT_FOUND, html::not_found_page()),
    };
    let offer = s.oracle.offer_of(item, s.clock.now());
    html_response(
        StatusCode::OK,
        html::product_page(item, &offer, mobile, &s.base_url),
    )
}

async fn desktop_page(State(s): State<Arc<Shared>>, Path(asin): Path<String>) -> Response {
    if !s.faults.latency.is_zero() {
        tokio::time::sleep(s.faults.latency).await;
    }
    page(&s, &asin, false)
}

async fn slug_page(
    State(s): State<Arc<Shared>>,
    Path((_slug, asin)): Path<(String, String)>,
) -> Response {
    page(&s, &asin, false)
}

async fn mobile_page(State(s): State<Arc<Shared>>, Path(asin): Path<String>) -> Response {
    page(&s, &asin, true)
}
