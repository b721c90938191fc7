//! [`BotClient`]: the typed Bot API client. Every method goes through one `call` path that
//! posts JSON (or multipart for uploads) and decodes the `{ok, result}` envelope into a typed
//! result or a [`TelegramError`].

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::TelegramError;
use super::types::{
    ApiResponse, BotCommand, Chat, ChatMemberStatus, File, InlineKeyboardMarkup,
    InlineQueryResultArticle, InputMediaPhoto, LinkPreviewOptions, Message, ParseMode,
    ReplyParameters, Update, User, WebhookInfo,
};

/// The public Bot API endpoint; tests point the client at a loopback fake instead.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";

/// The largest reply body read (a `getUpdates` page of 100 updates is far smaller).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Result of a Bot API call.
pub type TgResult<T> = Result<T, TelegramError>;

/// A photo to send: a URL or file id Telegram fetches, or bytes uploaded with the request.
#[derive(Clone, PartialEq, Eq)]
pub enum InputFile {
    /// A URL or a `file_id` from an earlier message.
    Remote(String),
    /// Bytes uploaded as multipart.
    Upload {
        /// A file name (`chart.png`).
        file_name: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl fmt::Debug for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Remote(r) => f.debug_tuple("Remote").field(r).finish(),
            Self::Upload { file_name, bytes } => f
                .debug_struct("Upload")
                .field("file_name", file_name)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

/// Optional parts of a message: parse mode, keyboard, preview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Parse the text as HTML (Mandi always escapes what it inserts).
    pub html: bool,
    /// Buttons under the message.
    pub reply_markup: Option<InlineKeyboardMarkup>,
    /// Hide the link preview.
    pub disable_preview: bool,
    /// Thread the message as a reply to this message of the chat (sent even when that
    /// message was deleted meanwhile).
    pub reply_to: Option<i64>,
}

impl SendOptions {
    /// HTML text, no keyboard.
    pub fn html() -> Self {
        Self {
            html: true,
            ..Self::default()
        }
    }

    /// HTML text with a keyboard.
    pub fn html_with(markup: InlineKeyboardMarkup) -> Self {
        Self {
            html: true,
            reply_markup: Some(markup),
            disable_preview: false,
            reply_to: None,
        }
    }
}

#[derive(Serialize)]
struct SendMessageBody<'a> {
    chat_id: i64,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_mode: Option<ParseMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_markup: Option<&'a InlineKeyboardMarkup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link_preview_options: Option<LinkPreviewOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_parameters: Option<ReplyParameters>,
}

/// Builds a [`BotClient`].
#[derive(Default)]
pub struct BotClientBuilder {
    token: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
}

impl fmt::Debug for BotClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl BotClientBuilder {
    /// The bot token from @BotFather.
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The API root (`https://api.telegram.org` by default); requests go to
    /// `<base>/bot<token>/<method>`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The timeout of ordinary requests (long polls add their own wait). 30 s by default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// No token, an empty token, a base URL that is not http(s), or a TLS setup failure.
    pub fn build(self) -> TgResult<BotClient> {
        let setup = |message: String| TelegramError::Request {
            method: "setup".to_owned(),
            message,
        };
        let token = self
            .token
            .ok_or_else(|| setup("no bot token; set TELEGRAM_BOT_TOKEN".to_owned()))?;
        let t = token.expose_secret();
        if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(setup(
                "the bot token is empty or holds spaces or slashes; copy it again from @BotFather"
                    .to_owned(),
            ));
        }
        let base = self
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
            .trim_end_matches('/')
            .to_owned();
        let parsed = url::Url::parse(&base).map_err(|e| setup(format!("bad base URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(setup(format!(
                "the base URL must be http or https, got {}",
                parsed.scheme()
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| setup(e.without_url().to_string()))?;
        Ok(BotClient { http, base, token })
    }
}

/// A typed client of the Telegram Bot API. Cheap to clone (one connection pool).
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> Result<(), mandi_bot::telegram::TelegramError> {
/// use mandi_bot::telegram::{BotClient, SendOptions};
/// let client = BotClient::builder().token("123:ABC".to_owned()).build()?;
/// client.send_message(42, "<b>Hello</b>", &SendOptions::html()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct BotClient {
    http: reqwest::Client,
    base: String,
    token: SecretString,
}

impl fmt::Debug for BotClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotClient")
            .field("base", &self.base)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl BotClient {
    /// A builder.
    pub fn builder() -> BotClientBuilder {
        BotClientBuilder::default()
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, method: &str) -> String {
        format!("{}/bot{}/{method}", self.base, self.token.expose_secret())
    }

    /// Calls any method with a JSON body and decodes its result.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn call<P: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        method: &str,
        params: &P,
    ) -> TgResult<R> {
        self.call_with_timeout(method, params, None).await
    }

    async fn call_with_timeout<P: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        method: &str,
        params: &P,
        timeout: Option<Duration>,
    ) -> TgResult<R> {
        let mut req = self.http.post(self.url(method)).json(params);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        self.finish(method, req).await
    }

    async fn finish<R: DeserializeOwned>(
        &self,
        method: &str,
        req: reqwest::RequestBuilder,
    ) -> TgResult<R> {
        let resp = req.send().await.map_err(|e| transport(method, e))?;
        let status = resp.status().as_u16();
        let body = read_limited(method, resp).await?;
        decode(method, status, &body)
    }

    /// `getMe`: the bot's own user.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`]; a wrong token gives [`TelegramError::Unauthorized`].
    pub async fn get_me(&self) -> TgResult<User> {
        self.call("getMe", &serde_json::json!({})).await
    }

    /// `getUpdates` long polling: updates with ids ≥ `offset`, waiting up to `timeout_secs`.
    ///
    /// Each update is decoded on its own; one Telegram cannot be read comes back as
    /// [`RawUpdate::Malformed`] (with its id, so the offset still moves past it).
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn get_updates(
        &self,
        offset: Option<i64>,
        limit: u8,
        timeout_secs: u32,
    ) -> TgResult<Vec<RawUpdate>> {
        // No offset at first: Telegram reads a `null` as a wrong type, so it is left out.
        let params = strip_nulls(serde_json::json!({
            "offset": offset,
            "limit": limit.clamp(1, 100),
            "timeout": timeout_secs,
        }));
        let wait = Duration::from_secs(u64::from(timeout_secs) + 15);
        let raw: Vec<Value> = self
            .call_with_timeout("getUpdates", &params, Some(wait))
            .await?;
        Ok(raw.into_iter().map(RawUpdate::from_value).collect())
    }

    /// `sendMessage`.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn send_message(
        &self,
        chat_id: i64,
        text: &str,
        options: &SendOptions,
    ) -> TgResult<Message> {
        let body = SendMessageBody {
            chat_id,
            text,
            parse_mode: options.html.then_some(ParseMode::Html),
            reply_markup: options.reply_markup.as_ref(),
            link_preview_options: options
                .disable_preview
                .then_some(LinkPreviewOptions { is_disabled: true }),
            reply_parameters: options.reply_to.map(ReplyParameters::to),
        };
        self.call("sendMessage", &body).await
    }

    /// `sendPhoto`: a remote photo as JSON, an upload as multipart.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn send_photo(
        &self,
        chat_id: i64,
        photo: &InputFile,
        caption: Option<&str>,
        options: &SendOptions,
    ) -> TgResult<Message> {
        let parse_mode = options.html.then_some(ParseMode::Html);
        match photo {
            InputFile::Remote(r) => {
                let body = serde_json::json!({
                    "chat_id": chat_id,
                    "photo": r,
                    "caption": caption,
                    "parse_mode": parse_mode,
                    "reply_markup": options.reply_markup,
                    "reply_parameters": options.reply_to.map(ReplyParameters::to),
                });
                self.call("sendPhoto", &strip_nulls(body)).await
            }
            InputFile::Upload { file_name, bytes } => {
                let mut form = reqwest::multipart::Form::new()
                    .text("chat_id", chat_id.to_string())
                    .part(
                        "photo",
                        reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.clone()),
                    );
                if let Some(c) = caption {
                    form = form.text("caption", c.to_owned());
                }
                if options.html {
                    form = form.text("parse_mode", "HTML");
                }
                if let Some(m) = &options.reply_markup {
                    let json = serde_json::to_string(m).map_err(|e| TelegramError::Request {
                        method: "sendPhoto".to_owned(),
                        message: e.to_string(),
                    })?;
                    form = form.text("reply_markup", json);
                }
                if let Some(id) = options.reply_to {
                    form = form.text(
                        "reply_parameters",
                        serde_json::json!(ReplyParameters::to(id)).to_string(),
                    );
                }
                let req = self.http.post(self.url("sendPhoto")).multipart(form);
                self.finish("sendPhoto", req).await
            }
        }
    }

    /// `sendMediaGroup`: 2–10 photos as an album (remote media only).
    ///
    /// # Errors
    ///
    /// [`TelegramError::Request`] for fewer than 2 or more than 10 photos; else see
    /// [`TelegramError`].
    pub async fn send_media_group(
        &self,
        chat_id: i64,
        media: &[InputMediaPhoto],
    ) -> TgResult<Vec<Message>> {
        if !(2..=10).contains(&media.len()) {
            return Err(TelegramError::Request {
                method: "sendMediaGroup".to_owned(),
                message: format!("an album holds 2 to 10 photos, got {}", media.len()),
            });
        }
        self.call(
            "sendMediaGroup",
            &serde_json::json!({ "chat_id": chat_id, "media": media }),
        )
        .await
    }

    /// `editMessageText`.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn edit_message_text(
        &self,
        chat_id: i64,
        message_id: i64,
        text: &str,
        options: &SendOptions,
    ) -> TgResult<Value> {
        let body = serde_json::json!({
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": options.html.then_some(ParseMode::Html),
            "reply_markup": options.reply_markup,
        });
        self.call("editMessageText", &strip_nulls(body)).await
    }

    /// `editMessageMedia` with a remote photo.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn edit_message_media(
        &self,
        chat_id: i64,
        message_id: i64,
        media: &InputMediaPhoto,
        reply_markup: Option<&InlineKeyboardMarkup>,
    ) -> TgResult<Value> {
        let body = serde_json::json!({
            "chat_id": chat_id,
            "message_id": message_id,
            "media": media,
            "reply_markup": reply_markup,
        });
        self.call("editMessageMedia", &strip_nulls(body)).await
    }

    /// `answerCallbackQuery`: stops the button's spinner, optionally with a toast.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn answer_callback_query(&self, id: &str, text: Option<&str>) -> TgResult<bool> {
        let body = serde_json::json!({ "callback_query_id": id, "text": text });
        self.call("answerCallbackQuery", &strip_nulls(body)).await
    }

    /// `answerInlineQuery`.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn answer_inline_query(
        &self,
        id: &str,
        results: &[InlineQueryResultArticle],
        next_offset: Option<&str>,
        cache_time: u32,
    ) -> TgResult<bool> {
        self.answer_inline(id, results, next_offset, cache_time, false)
            .await
    }

    /// `answerInlineQuery` with results for this person only (`is_personal`: Telegram caches
    /// them for the asker alone, as results holding their own past searches must be).
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn answer_personal_inline_query(
        &self,
        id: &str,
        results: &[InlineQueryResultArticle],
        next_offset: Option<&str>,
        cache_time: u32,
    ) -> TgResult<bool> {
        self.answer_inline(id, results, next_offset, cache_time, true)
            .await
    }

    async fn answer_inline(
        &self,
        id: &str,
        results: &[InlineQueryResultArticle],
        next_offset: Option<&str>,
        cache_time: u32,
        is_personal: bool,
    ) -> TgResult<bool> {
        let body = serde_json::json!({
            "inline_query_id": id,
            "results": results,
            "cache_time": cache_time,
            "is_personal": is_personal,
            "next_offset": next_offset,
        });
        self.call("answerInlineQuery", &strip_nulls(body)).await
    }

    /// `setMyCommands` for a language (`None`: the default list).
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn set_my_commands(
        &self,
        commands: &[BotCommand],
        language_code: Option<&str>,
    ) -> TgResult<bool> {
        let body = serde_json::json!({ "commands": commands, "language_code": language_code });
        self.call("setMyCommands", &strip_nulls(body)).await
    }

    /// `setWebhook` with a secret token Telegram echoes in `X-Telegram-Bot-Api-Secret-Token`.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn set_webhook(
        &self,
        url: &str,
        secret_token: &SecretString,
        drop_pending_updates: bool,
    ) -> TgResult<bool> {
        let body = serde_json::json!({
            "url": url,
            "secret_token": secret_token.expose_secret(),
            "drop_pending_updates": drop_pending_updates,
            "allowed_updates": ["message", "edited_message", "callback_query", "inline_query", "my_chat_member"],
        });
        self.call("setWebhook", &body).await
    }

    /// `deleteWebhook` (needed before long polling when a webhook was set).
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn delete_webhook(&self) -> TgResult<bool> {
        self.call("deleteWebhook", &serde_json::json!({})).await
    }

    /// `sendDocument`: a file uploaded as multipart (`document` part), with an optional HTML
    /// caption.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn send_document(
        &self,
        chat_id: i64,
        file_name: &str,
        bytes: Vec<u8>,
        caption: Option<&str>,
        options: &SendOptions,
    ) -> TgResult<Message> {
        let request = |message: String| TelegramError::Request {
            method: "sendDocument".to_owned(),
            message,
        };
        let mut form = reqwest::multipart::Form::new()
            .text("chat_id", chat_id.to_string())
            .part(
                "document",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(file_name.to_owned())
                    .mime_str("application/json")
                    .map_err(|e| request(e.to_string()))?,
            );
        if let Some(c) = caption {
            form = form.text("caption", c.to_owned());
            if options.html {
                form = form.text("parse_mode", "HTML");
            }
        }
        if let Some(m) = &options.reply_markup {
            let json = serde_json::to_string(m).map_err(|e| request(e.to_string()))?;
            form = form.text("reply_markup", json);
        }
        if let Some(id) = options.reply_to {
            form = form.text(
                "reply_parameters",
                serde_json::json!(ReplyParameters::to(id)).to_string(),
            );
        }
        let req = self.http.post(self.url("sendDocument")).multipart(form);
        self.finish("sendDocument", req).await
    }

    /// `getFile`: where a file someone sent can be downloaded.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn get_file(&self, file_id: &str) -> TgResult<File> {
        self.call("getFile", &serde_json::json!({ "file_id": file_id }))
            .await
    }

    /// Downloads a file found with [`BotClient::get_file`], refusing more than `max_bytes`.
    ///
    /// # Errors
    ///
    /// [`TelegramError::Request`] when the file has no path or is too large; transport and
    /// HTTP failures as their [`TelegramError`].
    pub async fn download_file(&self, file: &File, max_bytes: usize) -> TgResult<Vec<u8>> {
        let method = "downloadFile";
        let too_large = || TelegramError::Request {
            method: method.to_owned(),
            message: format!("the file is larger than {max_bytes} bytes"),
        };
        if file.file_size.is_some_and(|s| s > max_bytes as u64) {
            return Err(too_large());
        }
        let path = file
            .file_path
            .as_deref()
            .ok_or_else(|| TelegramError::Request {
                method: method.to_owned(),
                message: "Telegram gave no path for the file (over 20 MB?)".to_owned(),
            })?;
        let url = format!(
            "{}/file/bot{}/{}",
            self.base,
            self.token.expose_secret(),
            path.trim_start_matches('/')
        );
        let mut resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| transport(method, e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(TelegramError::Api {
                method: method.to_owned(),
                code: i64::from(status.as_u16()),
                description: format!("the file download answered HTTP {status}"),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(method, e))? {
            if body.len() + chunk.len() > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// `sendChatAction` (`typing`, `upload_document`…): shown for up to 5 seconds.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn send_chat_action(&self, chat_id: i64, action: &str) -> TgResult<bool> {
        self.call(
            "sendChatAction",
            &serde_json::json!({ "chat_id": chat_id, "action": action }),
        )
        .await
    }

    /// `getChat`: the chat's full information (only the fields Mandi reads are decoded).
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn get_chat(&self, chat_id: i64) -> TgResult<Chat> {
        self.call("getChat", &serde_json::json!({ "chat_id": chat_id }))
            .await
    }

    /// `getChatMember`: a user's status in a chat (`creator`, `administrator`, `member`,
    /// `restricted`, `left`, `kicked`).
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn get_chat_member(&self, chat_id: i64, user_id: i64) -> TgResult<ChatMemberStatus> {
        self.call(
            "getChatMember",
            &serde_json::json!({ "chat_id": chat_id, "user_id": user_id }),
        )
        .await
    }

    /// `getWebhookInfo`.
    ///
    /// # Errors
    ///
    /// See [`TelegramError`].
    pub async fn get_webhook_info(&self) -> TgResult<WebhookInfo> {
        self.call("getWebhookInfo", &serde_json::json!({})).await
    }
}

/// One element of a `getUpdates` page: a decoded update or one that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum RawUpdate {
    /// A well-formed update.
    Update(Box<Update>),
    /// An update that could not be decoded; skipped, but its id still moves the offset.
    Malformed {
        /// Its `update_id`, when even that could be read.
        update_id: Option<i64>,
        /// What was wrong, with the JSON path.
        error: String,
    },
}

impl RawUpdate {
    /// Decodes one update value.
    pub fn from_value(value: Value) -> Self {
        let update_id = value.get("update_id").and_then(Value::as_i64);
        match serde_path_to_error::deserialize::<_, Update>(value) {
            Ok(u) => Self::Update(Box::new(u)),
            Err(e) => Self::Malformed {
                update_id,
                error: format!("at {}: {}", e.path(), e.inner()),
            },
        }
    }

    /// The update id, when known.
    pub fn update_id(&self) -> Option<i64> {
        match self {
            Self::Update(u) => Some(u.update_id),
            Self::Malformed { update_id, .. } => *update_id,
        }
    }
}

fn strip_nulls(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|_, v| !v.is_null());
    }
    v
}

fn transport(method: &str, e: reqwest::Error) -> TelegramError {
    let e = e.without_url();
    if e.is_timeout() {
        return TelegramError::Timeout {
            method: method.to_owned(),
        };
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    TelegramError::Network {
        method: method.to_owned(),
        message,
    }
}

async fn read_limited(method: &str, mut resp: reqwest::Response) -> TgResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport(method, e))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(TelegramError::Decode {
                method: method.to_owned(),
                path: "body".to_owned(),
                message: format!("reply larger than {MAX_BODY_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Decodes a reply body (any status) into the result or a typed error.
///
/// # Errors
///
/// A `{ok:false}` answer as its typed [`TelegramError`]; a body that is not the envelope as
/// [`TelegramError::Decode`].
pub fn decode<R: DeserializeOwned>(method: &str, status: u16, body: &[u8]) -> TgResult<R> {
    let decode_err = |path: String, message: String| TelegramError::Decode {
        method: method.to_owned(),
        path,
        message,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let envelope: ApiResponse<Value> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        if status >= 500 {
            // A failing front (502 page, empty 503): Telegram's servers, worth retrying.
            return TelegramError::Api {
                method: method.to_owned(),
                code: i64::from(status),
                description: format!("HTTP {status} without a Bot API answer"),
            };
        }
        let snippet: String = String::from_utf8_lossy(body).chars().take(120).collect();
        decode_err(
            e.path().to_string(),
            format!("{} (HTTP {status}, body starts {snippet:?})", e.inner()),
        )
    })?;
    if envelope.ok {
        let result = envelope.result.unwrap_or(Value::Null);
        return serde_path_to_error::deserialize(result)
            .map_err(|e| decode_err(format!("result.{}", e.path()), e.inner().to_string()));
    }
    let code = envelope.error_code.unwrap_or(i64::from(status));
    let description = envelope
        .description
        .unwrap_or_else(|| "no description".to_owned());
    let params = envelope.parameters.unwrap_or_default();
    let method = method.to_owned();
    if let Some(new_chat_id) = params.migrate_to_chat_id {
        return Err(TelegramError::ChatMigrated {
            method,
            new_chat_id,
        });
    }
    Err(match code {
        429 => TelegramError::RateLimited {
            method,
            // A 429 without a wait still means "slow down": wait a second.
            retry_after: Duration::from_secs(params.retry_after.unwrap_or(1).clamp(1, 3600)),
            description,
        },
        403 => TelegramError::Forbidden {
            method,
            description,
        },
        401 | 404 => TelegramError::Unauthorized { code, description },
        _ => TelegramError::Api {
            method,
            code,
            description,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_documented_error() {
        let e = decode::<Value>("sendMessage", 429, br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}"#).unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
        let e = decode::<Value>(
            "sendMessage",
            403,
            br#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
        )
        .unwrap_err();
        assert!(matches!(e, TelegramError::Forbidden { .. }));
        let e = decode::<Value>("sendMessage", 400, br#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}"#).unwrap_err();
        assert_eq!(
            e,
            TelegramError::ChatMigrated {
                method: "sendMessage".into(),
                new_chat_id: -1_001_234_567_890
            }
        );
        let e = decode::<Value>(
            "getMe",
            401,
            br#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
        )
        .unwrap_err();
        assert!(matches!(e, TelegramError::Unauthorized { .. }));
    }

    #[test]
    fn hostile_bodies_are_typed_errors() {
        for body in [
            &b""[..],
            b"<html>502 Bad Gateway</html>",
            b"{\"ok\":\"yes\"}",
            b"[1,2,3]",
            b"{\"ok\":true,\"result\":{\"message_id\":\"x\"}}",
            b"{\"ok\":false,\"error_code\":1e999}",
        ] {
            let e = decode::<Message>("sendMessage", 200, body).unwrap_err();
            assert!(
                matches!(e, TelegramError::Decode { .. } | TelegramError::Api { .. }),
                "{e:?}"
            );
        }
        let e = decode::<Message>(
            "sendMessage",
            200,
            br#"{"ok":true,"result":{"message_id":"x"}}"#,
        )
        .unwrap_err();
        let TelegramError::Decode { path, .. } = e else {
            panic!("not a decode error")
        };
        assert!(path.starts_with("result."), "{path}");
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let c = BotClient::builder()
            .token("123456:SECRET-TOKEN".to_owned())
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("SECRET"));
        let b = BotClient::builder().token("123456:SECRET-TOKEN".to_owned());
        assert!(!format!("{b:?}").contains("SECRET"));
    }

    #[test]
    fn malformed_updates_keep_their_id() {
        let u = RawUpdate::from_value(serde_json::json!({"update_id": 9, "message": {"text": 1}}));
        assert!(matches!(
            u,
            RawUpdate::Malformed {
                update_id: Some(9),
                ..
            }
        ));
    }
}
