//! A fake Telegram Bot API server on loopback for tests and benches (feature `test-util`).
//!
//! It speaks the real JSON shapes (`{ok, result}` / `{ok:false, error_code, description,
//! parameters}`), queues updates for `getUpdates` (long polling included), records every
//! message, photo and album sent, and can misbehave on request: flood-control storms with
//! `retry_after`, 403 for blocked chats, `migrate_to_chat_id` for upgraded groups, malformed
//! updates and garbage replies. It also **enforces Telegram's limits** — at most 30 messages
//! in any second overall, one per second per chat, 20 per minute per group — answering 429
//! when a client exceeds them, and counts those violations so a test can prove a client never
//! trips them. Texts are checked as Telegram does: at most 4096 characters, captions 1024,
//! callback data 64 bytes, and HTML that Telegram could parse.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub mod schema;

/// A photo the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentPhoto {
    /// A URL or file id.
    Remote(String),
    /// An uploaded file of this many bytes.
    Upload {
        /// Its size.
        len: usize,
        /// True when it starts with the PNG signature.
        png: bool,
    },
}

/// A document the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDocument {
    /// Its file name.
    pub file_name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A file the fake holds for `getFile` and download.
#[derive(Debug, Clone)]
struct StoredFile {
    unique_id: String,
    path: String,
    bytes: Vec<u8>,
}

/// One message the fake accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    /// `sendMessage`, `sendPhoto`, `sendMediaGroup` or `sendDocument`.
    pub method: String,
    /// The chat it went to.
    pub chat_id: i64,
    /// The message id the fake gave it.
    pub message_id: i64,
    /// The text (sendMessage).
    pub text: Option<String>,
    /// The caption (sendPhoto).
    pub caption: Option<String>,
    /// The photo (sendPhoto), or the first photo of an album.
    pub photo: Option<SentPhoto>,
    /// Photos in an album.
    pub album_len: usize,
    /// The keyboard, as sent.
    pub reply_markup: Option<Value>,
    /// The document (sendDocument).
    pub document: Option<SentDocument>,
    /// The message this one replies to (`reply_parameters.message_id`).
    pub reply_to: Option<i64>,
    /// When it arrived.
    pub at: Instant,
}

impl Sent {
    /// Text or caption.
    pub fn body(&self) -> &str {
        self.text
            .as_deref()
            .or(self.caption.as_deref())
            .unwrap_or_default()
    }

    /// Every button of the keyboard as (label, callback data or URL).
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(rows) = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
        else {
            return out;
        };
        for b in rows.iter().filter_map(Value::as_array).flatten() {
            let text = b.get("text").and_then(Value::as_str).unwrap_or_default();
            let target = b
                .get("callback_data")
                .or_else(|| b.get("url"))
                .or_else(|| b.get("switch_inline_query"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.push((text.to_owned(), target.to_owned()));
        }
        out
    }
}

/// One call of a method that sends no message (`answerCallbackQuery`, `setMyCommands`…).
#[derive(Debug, Clone)]
pub struct Call {
    /// The method.
    pub method: String,
    /// Its parameters.
    pub params: Value,
}

/// Which of Telegram's limits the fake enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Messages in any one second, all chats (Telegram: 30).
    pub global_per_second: usize,
    /// Shortest gap between two messages to one chat (Telegram: 1 s).
    pub per_chat_gap: Duration,
    /// Messages in any minute to one group (Telegram: 20).
    pub group_per_minute: usize,
    /// False to accept everything (for tests of something else).
    pub enforce: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            global_per_second: 30,
            per_chat_gap: Duration::from_secs(1),
            group_per_minute: 20,
            enforce: true,
        }
    }
}

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    updates: VecDeque<(i64, Value)>,
    sent: Vec<Sent>,
    calls: Vec<Call>,
    next_message_id: HashMap<i64, i64>,
    blocked: HashSet<i64>,
    migrated: HashMap<i64, i64>,
    storm: Option<(u32, u64)>,
    garbage_replies: u32,
    global_window: VecDeque<Instant>,
    chat_last: HashMap<i64, Instant>,
    group_window: HashMap<i64, VecDeque<Instant>>,
    limit_violations: u64,
    violations_by_limit: [u64; 3],
    storm_429s: u64,
    rejected: Vec<(String, i64, String)>,
    get_updates_calls: u64,
    files: HashMap<String, StoredFile>,
    /// Each message's visible text, entities and keyboard, by (chat, message id).
    messages: HashMap<(i64, i64), (String, Value, Option<Value>)>,
    server_errors: u32,
    /// Every well-formed send request received, as (method, chat), whatever its answer.
    send_requests: Vec<(String, i64)>,
    /// The HTTP status of the injected `server_errors` (500 unless set).
    server_error_status: u16,
    violations: Vec<String>,
    answered_callbacks: HashSet<String>,
    /// Member statuses set by tests, by (chat, user): `creator`, `administrator`, `member`…
    members: HashMap<(i64, i64), String>,
}

struct Shared {
    token: String,
    limits: Mutex<Limits>,
    inner: Mutex<Inner>,
    notify: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fake server. Dropping it stops the server.
pub struct FakeTelegram {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FakeTelegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeTelegram")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The token tests use with the fake.
pub const FAKE_TOKEN: &str = "123456:TEST-token_for-the-fake";

impl FakeTelegram {
    /// Starts a fake on `127.0.0.1` (a free port) accepting [`FAKE_TOKEN`].
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (a test environment problem).
    pub async fn start() -> Self {
        Self::start_with(FAKE_TOKEN, Limits::default()).await
    }

    /// Starts a fake accepting `token`, enforcing `limits`.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (a test environment problem).
    #[allow(clippy::expect_used)]
    pub async fn start_with(token: &str, limits: Limits) -> Self {
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            limits: Mutex::new(limits),
            inner: Mutex::new(Inner {
                next_update_id: 1000,
                ..Inner::default()
            }),
            notify: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port for the fake Telegram server");
        let addr = listener.local_addr().expect("the fake's address");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared, task }
    }

    /// The base URL to give the client (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the enforced limits.
    pub fn set_limits(&self, limits: Limits) {
        *self.shared.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    /// Queues a raw update; an `update_id` is assigned when the value is an object without
    /// one. Returns the id.
    pub fn push_raw(&self, mut update: Value) -> i64 {
        let mut inner = self.shared.lock();
        inner.next_update_id += 1;
        let mut id = inner.next_update_id;
        if let Value::Object(map) = &mut update {
            match map.get("update_id").and_then(Value::as_i64) {
                Some(given) => id = given,
                None => {
                    map.insert("update_id".into(), json!(id));
                }
            }
        }
        inner.updates.push_back((id, update));
        drop(inner);
        self.shared.notify.notify_waiters();
        id
    }

    /// Queues a text message from a user in their private chat (chat id = user id).
    pub fn push_text(&self, user_id: i64, text: &str) -> i64 {
        self.push_raw(json!({
            "message": {
                "message_id": self.next_incoming_id(user_id),
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}"), "language_code": "en"},
                "chat": {"id": user_id, "type": "private", "first_name": format!("User{user_id}")},
                "date": 1_764_000_000,
                "text": text,
                "entities": command_entities(text),
            }
        }))
    }

    /// Queues a text message from a user in a group chat.
    pub fn push_group_text(&self, chat_id: i64, user_id: i64, text: &str) -> i64 {
        self.push_raw(json!({
            "message": {
                "message_id": self.next_incoming_id(chat_id),
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")},
                "chat": {"id": chat_id, "type": "group", "title": "Deals group"},
                "date": 1_764_000_000,
                "text": text,
                "entities": command_entities(text),
            }
        }))
    }

    /// Queues a press on a callback button of a message in a private chat.
    pub fn push_callback(&self, user_id: i64, message_id: i64, data: &str) -> i64 {
        let id = format!("cb{}", self.shared.lock().next_update_id + 1);
        self.push_raw(json!({
            "callback_query": {
                "id": id,
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")},
                "message": {"message_id": message_id, "date": 1_764_000_000, "chat": {"id": user_id, "type": "private"}},
                "chat_instance": "ci",
                "data": data,
            }
        }))
    }

    /// Queues an inline query.
    pub fn push_inline_query(&self, user_id: i64, query: &str) -> i64 {
        let id = format!("iq{}", self.shared.lock().next_update_id + 1);
        self.push_raw(json!({
            "inline_query": {
                "id": id,
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")},
                "query": query,
                "offset": "",
            }
        }))
    }

    fn next_incoming_id(&self, chat: i64) -> i64 {
        let mut inner = self.shared.lock();
        let n = inner.next_message_id.entry(chat).or_insert(0);
        *n += 1;
        *n
    }

    /// Updates not yet confirmed by a `getUpdates` offset.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// How many `getUpdates` calls arrived.
    pub fn get_updates_calls(&self) -> u64 {
        self.shared.lock().get_updates_calls
    }

    /// Every message accepted so far, in arrival order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.lock().sent.clone()
    }

    /// Messages accepted for one chat.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.shared
            .lock()
            .sent
            .iter()
            .filter(|s| s.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// How many well-formed `method` requests (a send method such as `sendMessage`) to
    /// `chat_id` arrived, whatever the answer: failed sends and their resends included.
    pub fn send_requests(&self, method: &str, chat_id: i64) -> usize {
        self.shared
            .lock()
            .send_requests
            .iter()
            .filter(|(m, c)| m == method && *c == chat_id)
            .count()
    }

    /// Calls of a method that sends no message.
    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Requests refused as Telegram would (bad HTML, too long, bad buttons) as
    /// (method, chat, description).
    pub fn rejected(&self) -> Vec<(String, i64, String)> {
        self.shared.lock().rejected.clone()
    }

    /// 429s answered because a client broke a rate limit.
    pub fn rate_limit_violations(&self) -> u64 {
        self.shared.lock().limit_violations
    }

    /// Limit violations by limit: (30/s overall, 1/s per chat, 20/min per group).
    pub fn violations_by_limit(&self) -> (u64, u64, u64) {
        let v = self.shared.lock().violations_by_limit;
        (v[0], v[1], v[2])
    }

    /// 429s answered because of an injected storm.
    pub fn storm_429s(&self) -> u64 {
        self.shared.lock().storm_429s
    }

    /// Sets what `getChatMember` reports for `user_id` in `chat_id`: `creator`,
    /// `administrator`, `member`, `restricted`, `left` or `kicked` (anyone not set is a
    /// `member`).
    pub fn set_member_status(&self, chat_id: i64, user_id: i64, status: &str) {
        self.shared
            .lock()
            .members
            .insert((chat_id, user_id), status.to_owned());
    }

    /// From now on, sending to this chat answers 403 "bot was blocked by the user".
    pub fn block_chat(&self, chat_id: i64) {
        self.shared.lock().blocked.insert(chat_id);
    }

    /// The user unblocked the bot: sending to this chat works again.
    pub fn unblock_chat(&self, chat_id: i64) {
        self.shared.lock().blocked.remove(&chat_id);
    }

    /// From now on, sending to `old` answers 400 with `migrate_to_chat_id: new`.
    pub fn migrate_chat(&self, old: i64, new: i64) {
        self.shared.lock().migrated.insert(old, new);
    }

    /// The next `count` send requests answer 429 with `retry_after` seconds.
    pub fn start_storm(&self, count: u32, retry_after_secs: u64) {
        self.shared.lock().storm = Some((count, retry_after_secs));
    }

    /// The next `count` requests (any method) answer HTTP 502 with an HTML body.
    pub fn garbage_replies(&self, count: u32) {
        self.shared.lock().garbage_replies = count;
    }
}

impl FakeTelegram {
    /// The next `count` send requests (`sendMessage`, `sendPhoto`, …) answer HTTP 500 with
    /// Telegram's error envelope, as Telegram does when its servers fail.
    pub fn server_errors(&self, count: u32) {
        self.send_errors(500, count);
    }

    /// The next `count` send requests answer HTTP `status` (a 502 from a failing front, or a
    /// 4xx) with Telegram's error envelope; the message is not sent.
    pub fn send_errors(&self, status: u16, count: u32) {
        let mut inner = self.shared.lock();
        inner.server_errors = count;
        inner.server_error_status = status;
    }

    /// What did not conform to the Bot API schema: requests with unknown parameters, nulls or
    /// wrong types, and results this fake returned without a required field or with a wrong
    /// type. Empty for a client and a fake that keep to the published API.
    pub fn schema_violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Holds a file for `getFile` and download; returns its `file_id`.
    pub fn store_file(&self, bytes: Vec<u8>) -> String {
        let mut inner = self.shared.lock();
        let n = inner.files.len() + 1;
        let id = format!("upload{n}");
        inner.files.insert(
            id.clone(),
            StoredFile {
                unique_id: format!("uu{n}"),
                path: format!("documents/upload_{n}.json"),
                bytes,
            },
        );
        id
    }

    /// Queues a document message from a user in their private chat (with an optional
    /// caption), its file held for `getFile`.
    pub fn push_document(
        &self,
        user_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
        caption: Option<&str>,
    ) -> i64 {
        let size = bytes.len();
        let file_id = self.store_file(bytes);
        let unique = self
            .shared
            .lock()
            .files
            .get(&file_id)
            .map(|f| f.unique_id.clone())
            .unwrap_or_default();
        let mut message = json!({
            "message_id": self.next_incoming_id(user_id),
            "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}"), "language_code": "en"},
            "chat": {"id": user_id, "type": "private", "first_name": format!("User{user_id}")},
            "date": 1_764_000_000,
            "document": {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_name": file_name,
                "mime_type": "application/json",
                "file_size": size,
            },
        });
        if let Some(c) = caption {
            message["caption"] = json!(c);
            message["caption_entities"] = command_entities(c);
        }
        self.push_raw(json!({ "message": message }))
    }

    /// Queues a message in a group that replies to `reply_to` (a message the bot sent there).
    pub fn push_group_reply(&self, chat_id: i64, user_id: i64, text: &str, reply_to: i64) -> i64 {
        self.push_raw(json!({
            "message": {
                "message_id": self.next_incoming_id(chat_id),
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")},
                "chat": {"id": chat_id, "type": "group", "title": "Deals group"},
                "date": 1_764_000_000,
                "text": text,
                "reply_to_message": {
                    "message_id": reply_to,
                    "from": {"id": 42, "is_bot": true, "first_name": "Mandi", "username": "mandi_test_bot"},
                    "chat": {"id": chat_id, "type": "group", "title": "Deals group"},
                    "date": 1_764_000_000,
                    "text": "…",
                },
            }
        }))
    }

    /// Queues the service message Telegram sends to a group that became a supergroup.
    pub fn push_migration(&self, old_chat: i64, new_chat: i64, user_id: i64) -> i64 {
        self.push_raw(json!({
            "message": {
                "message_id": self.next_incoming_id(old_chat),
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")},
                "chat": {"id": old_chat, "type": "group", "title": "Deals group"},
                "date": 1_764_000_000,
                "migrate_to_chat_id": new_chat,
            }
        }))
    }

    /// Queues a text message in a supergroup.
    pub fn push_supergroup_text(&self, chat_id: i64, user_id: i64, text: &str) -> i64 {
        self.push_raw(json!({
            "message": {
                "message_id": self.next_incoming_id(chat_id),
                "from": {"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")},
                "chat": {"id": chat_id, "type": "supergroup", "title": "Deals group"},
                "date": 1_764_000_000,
                "text": text,
                "entities": command_entities(text),
            }
        }))
    }
}

fn command_entities(text: &str) -> Value {
    if text.starts_with('/') {
        let len = text
            .split_whitespace()
            .next()
            .map(|c| c.encode_utf16().count())
            .unwrap_or(0);
        json!([{"type": "bot_command", "offset": 0, "length": len}])
    } else {
        json!([])
    }
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn err(code: u16, description: &str, parameters: Option<Value>) -> Response {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(p) = parameters {
        body["parameters"] = p;
    }
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(body),
    )
        .into_response()
}

/// A request as Telegram reads it: the parameters (normalised by the schema) and the files
/// uploaded as multipart parts, by part name.
struct Incoming {
    params: Value,
    files: HashMap<String, (String, Vec<u8>)>,
}

impl Incoming {
    /// The file a parameter names: its own multipart part, or `attach://<part>`.
    fn file(&self, param: &str) -> Option<&(String, Vec<u8>)> {
        if let Some(f) = self.files.get(param) {
            return Some(f);
        }
        let name = self
            .params
            .get(param)?
            .as_str()?
            .strip_prefix("attach://")?;
        self.files.get(name)
    }
}

/// Reads the parameters of a request in each of the encodings Telegram accepts: a query
/// string, `application/x-www-form-urlencoded`, `multipart/form-data` and JSON.
async fn read_params(uri: &Uri, req: Request) -> Result<Incoming, Response> {
    let mut map = serde_json::Map::new();
    let mut files = HashMap::new();
    if let Some(q) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            map.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| err(400, &format!("Bad Request: {e}"), None))?;
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(err(400, &format!("Bad Request: {e}"), None)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| err(400, &format!("Bad Request: {e}"), None))?;
            match file_name {
                Some(f) => {
                    files.insert(name, (f, bytes.to_vec()));
                }
                None => {
                    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                        err(400, "Bad Request: strings must be encoded in UTF-8", None)
                    })?;
                    map.insert(name, Value::String(text));
                }
            }
        }
        return Ok(Incoming {
            params: Value::Object(map),
            files,
        });
    }
    let body = Bytes::from_request(req, &())
        .await
        .map_err(|e| err(400, &format!("Bad Request: {e}"), None))?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in url::form_urlencoded::parse(&body) {
            map.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    } else if !body.is_empty() {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| err(400, &format!("Bad Request: invalid JSON: {e}"), None))?;
        let Value::Object(obj) = v else {
            return Err(err(
                400,
                "Bad Request: the request body must be a JSON object",
                None,
            ));
        };
        map.extend(obj);
    }
    Ok(Incoming {
        params: Value::Object(map),
        files,
    })
}

/// Answers `{ok: true, result}` after checking the result against the schema (problems are
/// recorded, see [`FakeTelegram::schema_violations`]).
fn reply(shared: &Shared, method: &str, result: Value) -> Response {
    let problems = schema::schema().check_result(method, &result);
    if !problems.is_empty() {
        shared.lock().violations.extend(problems);
    }
    ok(result)
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, req: Request) -> Response {
    // A request counts against the limits from the moment it arrives, as at Telegram, not
    // from when this server has finished reading and parsing it.
    let arrived = Instant::now();
    {
        let mut inner = shared.lock();
        if inner.garbage_replies > 0 {
            inner.garbage_replies -= 1;
            return (
                StatusCode::BAD_GATEWAY,
                "<html><body>502 Bad Gateway</body></html>",
            )
                .into_response();
        }
    }
    let path = uri.path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return download(&shared, rest);
    }
    let Some(rest) = path.strip_prefix("/bot") else {
        return err(404, "Not Found", None);
    };
    let Some((token, method)) = rest.split_once('/') else {
        return err(404, "Not Found", None);
    };
    if token != shared.token {
        return err(401, "Unauthorized", None);
    }
    let method = method.to_owned();
    if !schema::schema().knows(&method) {
        return err(404, "Not Found: method not found", None);
    }
    let mut incoming = match read_params(&uri, req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let file_parts: HashSet<String> = incoming.files.keys().cloned().collect();
    let Value::Object(map) = &mut incoming.params else {
        return err(400, "Bad Request: no parameters", None);
    };
    match schema::schema().check_request(&method, map, &file_parts) {
        Ok(notes) => {
            if !notes.is_empty() {
                shared.lock().violations.extend(notes);
            }
        }
        Err(d) => {
            let mut inner = shared.lock();
            inner.violations.push(format!("{method}: {d}"));
            inner.rejected.push((
                method.clone(),
                chat_id_of(&incoming.params).unwrap_or(0),
                d.clone(),
            ));
            return err(400, &d, None);
        }
    }
    let params = incoming.params.clone();
    if method.starts_with("send") && method != "sendChatAction" {
        let mut inner = shared.lock();
        let chat = chat_id_of(&params).unwrap_or(0);
        inner.send_requests.push((method.clone(), chat));
        if inner.server_errors > 0 {
            inner.server_errors -= 1;
            let status = match inner.server_error_status {
                0 => 500,
                s => s,
            };
            let description = match status {
                500 => "Internal Server Error",
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                s if s >= 500 => "Server Error",
                _ => "Bad Request: injected failure",
            };
            return err(status, description, None);
        }
    }
    match method.as_str() {
        "getMe" => reply(
            &shared,
            &method,
            json!({"id": 42, "is_bot": true, "first_name": "Mandi", "username": "mandi_test_bot",
                "can_join_groups": true, "can_read_all_group_messages": false,
                "supports_inline_queries": true}),
        ),
        "getUpdates" => get_updates(&shared, &params).await,
        "sendMessage" | "sendPhoto" | "sendMediaGroup" | "sendDocument" => {
            send(&shared, &method, &incoming, arrived)
        }
        "editMessageText" | "editMessageMedia" => edit(&shared, &method, &params),
        "getFile" => {
            let id = params
                .get("file_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let inner = shared.lock();
            match inner.files.get(id) {
                Some(f) => {
                    let result = json!({
                        "file_id": id,
                        "file_unique_id": f.unique_id,
                        "file_size": f.bytes.len(),
                        "file_path": f.path,
                    });
                    drop(inner);
                    reply(&shared, &method, result)
                }
                None => err(400, "Bad Request: invalid file_id", None),
            }
        }
        "getChat" => {
            let Some(id) = chat_id_of(&params) else {
                return err(400, "Bad Request: chat not found", None);
            };
            let mut chat = chat_json(id);
            chat["accent_color_id"] = json!(0);
            chat["max_reaction_count"] = json!(11);
            chat["accepted_gift_types"] = json!({
                "unlimited_gifts": false, "limited_gifts": false,
                "unique_gifts": false, "premium_subscription": false,
                "gifts_from_channels": false
            });
            reply(&shared, &method, chat)
        }
        "getChatMember" => {
            let Some(chat) = chat_id_of(&params) else {
                return err(400, "Bad Request: chat not found", None);
            };
            let Some(user) = params.get("user_id").and_then(Value::as_i64) else {
                return err(400, "Bad Request: invalid user_id specified", None);
            };
            if user <= 0 {
                return err(400, "Bad Request: invalid user_id specified", None);
            }
            let status = shared
                .lock()
                .members
                .get(&(chat, user))
                .cloned()
                .unwrap_or_else(|| "member".to_owned());
            record_call(&shared, &method, params);
            reply(&shared, &method, chat_member_json(user, &status))
        }
        "sendChatAction" => {
            const ACTIONS: &[&str] = &[
                "typing",
                "upload_photo",
                "record_video",
                "upload_video",
                "record_voice",
                "upload_voice",
                "upload_document",
                "choose_sticker",
                "find_location",
                "record_video_note",
                "upload_video_note",
            ];
            let action = params.get("action").and_then(Value::as_str).unwrap_or("");
            if !ACTIONS.contains(&action) {
                return err(400, "Bad Request: wrong parameter action in request", None);
            }
            record_call(&shared, &method, params);
            reply(&shared, "sendChatAction", json!(true))
        }
        "answerCallbackQuery"
        | "answerInlineQuery"
        | "setMyCommands"
        | "setWebhook"
        | "deleteWebhook" => {
            if method == "answerInlineQuery"
                && let Some(results) = params.get("results").and_then(Value::as_array)
                && results.len() > 50
            {
                return err(400, "Bad Request: RESULTS_TOO_MUCH", None);
            }
            if method == "answerCallbackQuery" {
                let id = params
                    .get("callback_query_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let mut inner = shared.lock();
                if !inner.answered_callbacks.insert(id) {
                    return err(
                        400,
                        "Bad Request: query is too old and response timeout expired or query ID is invalid",
                        None,
                    );
                }
            }
            record_call(&shared, &method, params);
            reply(&shared, &method, json!(true))
        }
        "getWebhookInfo" => reply(
            &shared,
            &method,
            json!({"url": "", "has_custom_certificate": false, "pending_update_count": shared.lock().updates.len()}),
        ),
        _ => err(404, "Not Found: method not found", None),
    }
}

/// `GET /file/bot<token>/<file_path>`: a file's bytes.
fn download(shared: &Shared, rest: &str) -> Response {
    let Some((token, path)) = rest.split_once('/') else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    if token != shared.token {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    let inner = shared.lock();
    match inner.files.values().find(|f| f.path == path) {
        Some(f) => (StatusCode::OK, f.bytes.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// `editMessageText` / `editMessageMedia`: refused, as by Telegram, when nothing changes.
fn edit(shared: &Shared, method: &str, params: &Value) -> Response {
    let chat = chat_id_of(params).unwrap_or(0);
    let message_id = params
        .get("message_id")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut formatted = None;
    if let Some(text) = params.get("text").and_then(Value::as_str) {
        if let Err(d) = check_text(text, 4096, params) {
            shared
                .lock()
                .rejected
                .push((method.to_owned(), chat, d.clone()));
            return err(400, &d, None);
        }
        formatted = Some(format_text(text, params));
    }
    let markup = params.get("reply_markup").cloned();
    let mut inner = shared.lock();
    if let Some((visible, entities)) = &formatted {
        let key = (chat, message_id);
        let now = (visible.clone(), entities.clone(), markup.clone());
        if inner.messages.get(&key) == Some(&now) {
            let d = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
            inner.rejected.push((method.to_owned(), chat, d.to_owned()));
            return err(400, d, None);
        }
        inner.messages.insert(key, now);
    }
    inner.calls.push(Call {
        method: method.to_owned(),
        params: params.clone(),
    });
    drop(inner);
    let mut msg = json!({
        "message_id": message_id,
        "date": 1_764_000_000,
        "edit_date": 1_764_000_001,
        "chat": chat_json(chat),
    });
    if let Some((visible, entities)) = formatted {
        msg["text"] = json!(visible);
        if !entities.as_array().is_none_or(Vec::is_empty) {
            msg["entities"] = entities;
        }
    }
    if let Some(m) = markup {
        msg["reply_markup"] = m;
    }
    reply(shared, method, msg)
}

fn record_call(shared: &Shared, method: &str, params: Value) {
    shared.lock().calls.push(Call {
        method: method.to_owned(),
        params,
    });
}

async fn get_updates(shared: &Shared, params: &Value) -> Response {
    let offset = params.get("offset").and_then(Value::as_i64);
    let limit = params
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 100) as usize;
    let timeout = params
        .get("timeout")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(60);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = shared.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut inner = shared.lock();
            inner.get_updates_calls += 1;
            if let Some(o) = offset {
                inner.updates.retain(|(id, _)| *id >= o);
            }
            if !inner.updates.is_empty() {
                let batch: Vec<Value> = inner
                    .updates
                    .iter()
                    .take(limit)
                    .map(|(_, v)| v.clone())
                    .collect();
                drop(inner);
                return reply(shared, "getUpdates", Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return reply(shared, "getUpdates", json!([]));
        }
    }
}

fn chat_id_of(params: &Value) -> Option<i64> {
    match params.get("chat_id")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A `ChatMember` of the kind its status names, with the fields the Bot API requires.
fn chat_member_json(user_id: i64, status: &str) -> Value {
    let user = if user_id == 42 {
        json!({"id": 42, "is_bot": true, "first_name": "Mandi", "username": "mandi_test_bot"})
    } else {
        json!({"id": user_id, "is_bot": false, "first_name": format!("User{user_id}")})
    };
    match status {
        "creator" => json!({"status": "creator", "user": user, "is_anonymous": false}),
        "administrator" => json!({
            "status": "administrator", "user": user, "can_be_edited": false,
            "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
            "can_manage_video_chats": true, "can_restrict_members": true,
            "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
            "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
            "can_pin_messages": true
        }),
        "restricted" => json!({
            "status": "restricted", "user": user, "is_member": true,
            "can_send_messages": true, "can_send_audios": false, "can_send_documents": false,
            "can_send_photos": false, "can_send_videos": false, "can_send_video_notes": false,
            "can_send_voice_notes": false, "can_send_polls": false,
            "can_send_other_messages": false, "can_add_web_page_previews": false,
            "can_react_to_messages": true, "can_edit_tag": false, "can_change_info": false,
            "can_invite_users": false, "can_pin_messages": false, "can_manage_topics": false,
            "until_date": 0
        }),
        "left" => json!({"status": "left", "user": user}),
        "kicked" => json!({"status": "kicked", "user": user, "until_date": 0}),
        _ => json!({"status": "member", "user": user}),
    }
}

fn chat_json(id: i64) -> Value {
    if id > 0 {
        json!({"id": id, "type": "private", "first_name": "User"})
    } else if id < -1_000_000_000_000 {
        json!({"id": id, "type": "supergroup", "title": "Deals"})
    } else {
        json!({"id": id, "type": "group", "title": "Deals"})
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Checks a text as Telegram does: length after entity parsing and, for HTML, that it parses.
fn check_text(text: &str, max: usize, params: &Value) -> Result<(), String> {
    let html = params.get("parse_mode").and_then(Value::as_str) == Some("HTML");
    let visible = if html {
        html_visible_text(text)?
    } else {
        text.to_owned()
    };
    if utf16_len(&visible) > max {
        return Err(if max == 4096 {
            "Bad Request: message is too long".to_owned()
        } else {
            "Bad Request: message caption is too long".to_owned()
        });
    }
    if let Some(rows) = params
        .get("reply_markup")
        .and_then(|m| m.get("inline_keyboard"))
        .and_then(Value::as_array)
    {
        for b in rows.iter().filter_map(Value::as_array).flatten() {
            if let Some(d) = b.get("callback_data").and_then(Value::as_str)
                && (d.is_empty() || d.len() > 64)
            {
                return Err("Bad Request: BUTTON_DATA_INVALID".to_owned());
            }
            if b.get("text")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(
                    "Bad Request: text buttons are unallowed in the inline keyboard".into(),
                );
            }
        }
    }
    Ok(())
}

/// The visible text and the entities Telegram would return for a text sent with `params`
/// (HTML parsed when `parse_mode` is HTML; links in the text found either way).
fn format_text(text: &str, params: &Value) -> (String, Value) {
    let html = params.get("parse_mode").and_then(Value::as_str) == Some("HTML");
    let (visible, mut entities) = if html {
        html_parse(text).unwrap_or_else(|_| (text.to_owned(), Vec::new()))
    } else {
        (text.to_owned(), Vec::new())
    };
    // Links written out in the text become `url` entities (not inside a text link).
    let mut offset = 0usize;
    for word in visible.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        if (trimmed.starts_with("https://") || trimmed.starts_with("http://")) && trimmed.len() > 8
        {
            let len = utf16_len(trimmed);
            let covered = entities.iter().any(|e| {
                let o = e["offset"].as_u64().unwrap_or(0) as usize;
                let l = e["length"].as_u64().unwrap_or(0) as usize;
                e["type"] == "text_link" && o <= offset && offset < o + l
            });
            if !covered {
                entities.push(json!({"type": "url", "offset": offset, "length": len}));
            }
        }
        offset += utf16_len(word);
    }
    entities.sort_by_key(|e| {
        (
            e["offset"].as_u64().unwrap_or(0),
            u64::MAX - e["length"].as_u64().unwrap_or(0),
        )
    });
    (visible, Value::Array(entities))
}

/// Parses Telegram's HTML subset; returns the visible text or the error Telegram gives.
fn html_visible_text(text: &str) -> Result<String, String> {
    html_parse(text).map(|(v, _)| v)
}

/// Parses Telegram's HTML subset into the visible text and its entities (UTF-16 offsets), or
/// the error Telegram gives.
fn html_parse(text: &str) -> Result<(String, Vec<Value>), String> {
    const TAGS: &[(&str, &str)] = &[
        ("b", "bold"),
        ("strong", "bold"),
        ("i", "italic"),
        ("em", "italic"),
        ("u", "underline"),
        ("ins", "underline"),
        ("s", "strikethrough"),
        ("strike", "strikethrough"),
        ("del", "strikethrough"),
        ("a", "text_link"),
        ("code", "code"),
        ("pre", "pre"),
        ("tg-spoiler", "spoiler"),
        ("span", "spoiler"),
        ("blockquote", "blockquote"),
        ("tg-emoji", "custom_emoji"),
    ];
    let bad = |what: &str| format!("Bad Request: can't parse entities: {what}");
    let mut out = String::new();
    let mut out16 = 0usize;
    let mut entities = Vec::new();
    // (tag, entity type, start offset, href)
    let mut stack: Vec<(String, &str, usize, Option<String>)> = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or_else(|| bad("unclosed start tag"))?;
                let tag = &rest[1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim();
                    let Some((open, kind, start, href)) = stack.pop() else {
                        return Err(bad(&format!("unmatched end tag {name}")));
                    };
                    if open != name {
                        return Err(bad(&format!("unmatched end tag {name}")));
                    }
                    let length = out16 - start;
                    if length > 0 && !(kind == "text_link" && href.is_none()) {
                        let mut e = json!({"type": kind, "offset": start, "length": length});
                        if let Some(h) = href {
                            e["url"] = json!(h);
                        }
                        entities.push(e);
                    }
                } else {
                    let name = tag.split_whitespace().next().unwrap_or_default();
                    let Some((_, kind)) = TAGS.iter().find(|(t, _)| *t == name) else {
                        return Err(bad(&format!("unsupported start tag \"{name}\"")));
                    };
                    let href = (name == "a")
                        .then(|| {
                            tag.split_once("href=\"")
                                .and_then(|(_, r)| r.split_once('"'))
                                .map(|(h, _)| {
                                    h.replace("&amp;", "&")
                                        .replace("&quot;", "\"")
                                        .replace("&lt;", "<")
                                        .replace("&gt;", ">")
                                })
                        })
                        .flatten();
                    stack.push((name.to_owned(), kind, out16, href));
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').ok_or_else(|| bad("unclosed entity"))?;
                let entity = &rest[1..end];
                let ch = match entity {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    e if e.starts_with('#') => e[1..]
                        .parse::<u32>()
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| bad("bad character reference"))?,
                    _ => return Err(bad(&format!("unsupported entity {entity}"))),
                };
                out.push(ch);
                out16 += ch.len_utf16();
                rest = &rest[end + 1..];
            }
            c => {
                out.push(c);
                out16 += c.len_utf16();
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some((open, ..)) = stack.pop() {
        return Err(bad(&format!(
            "can't find end tag corresponding to start tag {open}"
        )));
    }
    Ok((out, entities))
}

fn send(shared: &Shared, method: &str, incoming: &Incoming, now: Instant) -> Response {
    let params = &incoming.params;
    let upload = incoming.file("photo").map(|(_, bytes)| SentPhoto::Upload {
        len: bytes.len(),
        png: bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
    });
    let Some(chat_id) = chat_id_of(params) else {
        return err(400, "Bad Request: chat not found", None);
    };
    let limits = *shared.limits.lock().unwrap_or_else(|e| e.into_inner());
    let mut inner = shared.lock();
    if let Some((left, wait)) = inner.storm {
        inner.storm = (left > 1).then_some((left - 1, wait));
        inner.storm_429s += 1;
        return err(
            429,
            &format!("Too Many Requests: retry after {wait}"),
            Some(json!({"retry_after": wait})),
        );
    }
    if inner.blocked.contains(&chat_id) {
        return err(403, "Forbidden: bot was blocked by the user", None);
    }
    if let Some(new) = inner.migrated.get(&chat_id) {
        return err(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            Some(json!({"migrate_to_chat_id": new})),
        );
    }
    // What Telegram checks about the content.
    let text = params.get("text").and_then(Value::as_str);
    let caption = params.get("caption").and_then(Value::as_str);
    let check = match method {
        "sendMessage" => match text {
            None | Some("") => Err("Bad Request: message text is empty".to_owned()),
            Some(t) => check_text(t, 4096, params),
        },
        "sendPhoto" | "sendDocument" => check_text(caption.unwrap_or_default(), 1024, params),
        _ => Ok(()),
    };
    let document = match method {
        "sendDocument" => match incoming.file("document") {
            Some((name, bytes)) => Some(SentDocument {
                file_name: name.clone(),
                bytes: bytes.clone(),
            }),
            None => {
                let d = "Bad Request: wrong file identifier/HTTP URL specified".to_owned();
                inner.rejected.push((method.to_owned(), chat_id, d.clone()));
                return err(400, &d, None);
            }
        },
        _ => None,
    };
    let reply_to = params
        .get("reply_parameters")
        .and_then(|r| r.get("message_id"))
        .and_then(Value::as_i64);
    if let Err(d) = check {
        inner.rejected.push((method.to_owned(), chat_id, d.clone()));
        return err(400, &d, None);
    }
    // Telegram's rate limits.
    if limits.enforce {
        while inner
            .global_window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            inner.global_window.pop_front();
        }
        let mut wait = None;
        if inner.global_window.len() >= limits.global_per_second {
            wait = Some(1);
            inner.violations_by_limit[0] += 1;
        }
        if let Some(last) = inner.chat_last.get(&chat_id)
            && now.duration_since(*last) < limits.per_chat_gap
            && last.duration_since(now) < limits.per_chat_gap
        {
            wait = Some(1);
            inner.violations_by_limit[1] += 1;
        }
        if chat_id < 0 {
            let window = inner.group_window.entry(chat_id).or_default();
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                window.pop_front();
            }
            if window.len() >= limits.group_per_minute {
                let oldest = window.front().copied().unwrap_or(now);
                let left = Duration::from_secs(60).saturating_sub(now.duration_since(oldest));
                wait = Some(left.as_secs().max(1));
                inner.violations_by_limit[2] += 1;
            }
        }
        if let Some(w) = wait {
            inner.limit_violations += 1;
            return err(
                429,
                &format!("Too Many Requests: retry after {w}"),
                Some(json!({"retry_after": w})),
            );
        }
        // Requests are timed on arrival, so one may be recorded after a later one: keep the
        // windows in time order.
        let pos = inner.global_window.partition_point(|t| *t <= now);
        inner.global_window.insert(pos, now);
        if chat_id < 0 {
            let w = inner.group_window.entry(chat_id).or_default();
            let pos = w.partition_point(|t| *t <= now);
            w.insert(pos, now);
        }
    }
    let last = inner.chat_last.get(&chat_id).map_or(now, |l| (*l).max(now));
    inner.chat_last.insert(chat_id, last);
    let counter = inner.next_message_id.entry(chat_id).or_insert(0);
    *counter += 1;
    let message_id = *counter;
    let photo = match method {
        "sendPhoto" => upload.or_else(|| {
            params
                .get("photo")
                .and_then(Value::as_str)
                .map(|s| SentPhoto::Remote(s.to_owned()))
        }),
        "sendMediaGroup" => params
            .get("media")
            .and_then(Value::as_array)
            .and_then(|m| m.first())
            .and_then(|m| m.get("media"))
            .and_then(Value::as_str)
            .map(|s| SentPhoto::Remote(s.to_owned())),
        _ => None,
    };
    let album_len = params
        .get("media")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let pos = inner.sent.partition_point(|s| s.at <= now);
    inner.sent.insert(
        pos,
        Sent {
            method: method.to_owned(),
            chat_id,
            message_id,
            text: text.map(str::to_owned),
            caption: caption.map(str::to_owned),
            photo,
            album_len,
            reply_markup: params.get("reply_markup").cloned(),
            document: document.clone(),
            reply_to,
            at: now,
        },
    );
    let mut msg = json!({
        "message_id": message_id,
        "from": {"id": 42, "is_bot": true, "first_name": "Mandi", "username": "mandi_test_bot"},
        "date": 1_764_000_000,
        "chat": chat_json(chat_id),
    });
    if let Some(t) = text {
        let (visible, entities) = format_text(t, params);
        msg["text"] = json!(visible);
        if !entities.as_array().is_none_or(Vec::is_empty) {
            msg["entities"] = entities.clone();
        }
        inner.messages.insert(
            (chat_id, message_id),
            (visible, entities, params.get("reply_markup").cloned()),
        );
    }
    if let Some(c) = caption {
        let (visible, entities) = format_text(c, params);
        msg["caption"] = json!(visible);
        if !entities.as_array().is_none_or(Vec::is_empty) {
            msg["caption_entities"] = entities;
        }
    }
    if let Some(m) = params.get("reply_markup") {
        msg["reply_markup"] = m.clone();
    }
    if let Some(d) = &document {
        let file_id = format!("doc{chat_id}_{message_id}");
        let unique = format!("ud{chat_id}_{message_id}");
        msg["document"] = json!({
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": d.file_name,
            "file_size": d.bytes.len(),
        });
        inner.files.insert(
            file_id,
            StoredFile {
                unique_id: unique,
                path: format!("documents/file_{chat_id}_{message_id}"),
                bytes: d.bytes.clone(),
            },
        );
    }
    if method == "sendPhoto" {
        msg["photo"] = json!([{"file_id": format!("photo{message_id}"), "file_unique_id": format!("u{message_id}"), "width": 600, "height": 300}]);
    }
    if method == "sendMediaGroup" {
        let msgs: Vec<Value> = (0..album_len.max(1))
            .map(|i| {
                let mut m = msg.clone();
                m["message_id"] = json!(message_id * 100 + i as i64);
                m
            })
            .collect();
        drop(inner);
        return reply(shared, method, Value::Array(msgs));
    }
    drop(inner);
    reply(shared, method, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_checker_accepts_the_subset_and_refuses_the_rest() {
        assert_eq!(
            html_visible_text("<b>₹54,999</b> &lt;3 &amp; <a href=\"x\">buy</a>").unwrap(),
            "₹54,999 <3 & buy"
        );
        assert!(html_visible_text("a < b").is_err());
        assert!(html_visible_text("<b>open").is_err());
        assert!(html_visible_text("<script>x</script>").is_err());
        assert!(html_visible_text("AT&T").is_err());
    }
}
