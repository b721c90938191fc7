//! The JSON shapes of the Telegram Bot API that Mandi uses, as documented at
//! `core.telegram.org/bots/api`. Unknown fields are ignored, so newer Bot API versions still
//! decode; fields Mandi does not need are left out.

use serde::{Deserialize, Serialize};

/// The envelope of every Bot API reply: `{ok, result}` or `{ok:false, error_code, description,
/// parameters}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResponse<T> {
    /// True on success.
    pub ok: bool,
    /// The result on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
    /// The error code on failure (mirrors the HTTP status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    /// A human-readable description of the result or error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Why a request failed, when Telegram says (flood wait, chat migration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<ResponseParameters>,
}

/// `ResponseParameters`: why a request was unsuccessful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResponseParameters {
    /// The group was migrated to a supergroup with this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrate_to_chat_id: Option<i64>,
    /// Flood control: seconds to wait before repeating the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// `Update`: one incoming event. At most one of the optional parts is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// The update's id; `getUpdates` continues from the highest seen + 1.
    pub update_id: i64,
    /// A new incoming message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// An edited message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_message: Option<Message>,
    /// A new post in a channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_post: Option<Message>,
    /// A press on an inline keyboard button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_query: Option<CallbackQuery>,
    /// An inline query (`@bot words`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_query: Option<InlineQuery>,
    /// The bot's own membership changed in a chat (blocked, unblocked, removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_chat_member: Option<ChatMemberUpdated>,
}

/// `User`: a Telegram user or bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: i64,
    /// True for bots.
    #[serde(default)]
    pub is_bot: bool,
    /// First name.
    pub first_name: String,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `@username` without the `@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// IETF language tag of the user's client (`en`, `hi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
}

/// The kind of a chat.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatType {
    /// A one-to-one chat with a user.
    Private,
    /// A basic group (20 messages a minute).
    Group,
    /// A supergroup (20 messages a minute).
    Supergroup,
    /// A channel.
    Channel,
    /// A kind this client does not know yet.
    #[serde(other)]
    Other,
}

/// `Chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// The chat's id (negative for groups and channels).
    pub id: i64,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: ChatType,
    /// Title of a group or channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Username of a private chat or channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// First name in a private chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
}

impl Chat {
    /// True for groups and supergroups (the 20-per-minute limit applies).
    pub fn is_group(&self) -> bool {
        matches!(self.kind, ChatType::Group | ChatType::Supergroup)
    }
}

/// `MessageEntity`: a special part of a text (command, URL, mention…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntity {
    /// The kind (`bot_command`, `url`, `text_link`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// Offset in UTF-16 code units.
    pub offset: u32,
    /// Length in UTF-16 code units.
    pub length: u32,
    /// For `text_link`: the URL opened on tap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `PhotoSize`: one size of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoSize {
    /// The file id to send the photo again.
    pub file_id: String,
    /// A stable unique id.
    pub file_unique_id: String,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// `Message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id within the chat.
    pub message_id: i64,
    /// The sender (absent in channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<User>,
    /// The chat it belongs to.
    pub chat: Chat,
    /// Unix time it was sent.
    pub date: i64,
    /// The text of a text message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Entities in the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<MessageEntity>>,
    /// The caption of a photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Entities in the caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption_entities: Option<Vec<MessageEntity>>,
    /// The sizes of a photo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Vec<PhotoSize>>,
    /// The group was migrated to a supergroup with this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrate_to_chat_id: Option<i64>,
    /// A file sent as a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Document>,
    /// The message this one replies to (only who sent it is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message: Option<RepliedMessage>,
}

/// The message a message replies to: who sent it (enough to tell replies to the bot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepliedMessage {
    /// Its id.
    pub message_id: i64,
    /// Who sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<User>,
}

impl Message {
    /// The text or caption, whichever the message has.
    pub fn text_or_caption(&self) -> Option<&str> {
        self.text.as_deref().or(self.caption.as_deref())
    }

    /// URLs in the message's entities (`url` spans and `text_link` targets).
    pub fn entity_urls(&self) -> Vec<String> {
        let (text, entities) = match (&self.text, &self.entities, &self.caption) {
            (Some(t), Some(e), _) => (t.as_str(), e.as_slice()),
            (_, _, Some(c)) => (c.as_str(), self.caption_entities.as_deref().unwrap_or(&[])),
            _ => return Vec::new(),
        };
        let utf16: Vec<u16> = text.encode_utf16().collect();
        entities
            .iter()
            .filter_map(|e| match e.kind.as_str() {
                "text_link" => e.url.clone(),
                "url" => {
                    let start = usize::try_from(e.offset).ok()?;
                    let end = start.checked_add(usize::try_from(e.length).ok()?)?;
                    let slice = utf16.get(start..end)?;
                    String::from_utf16(slice).ok()
                }
                _ => None,
            })
            .collect()
    }
}

/// The message a callback button was attached to; may be inaccessible (date 0), so only the
/// ids are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackMessage {
    /// Its id.
    pub message_id: i64,
    /// Its chat.
    pub chat: Chat,
}

/// `CallbackQuery`: a press on an inline keyboard button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackQuery {
    /// The id to answer with `answerCallbackQuery`.
    pub id: String,
    /// Who pressed.
    pub from: User,
    /// The message with the button, when sent by the bot in a chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<CallbackMessage>,
    /// The inline message with the button, for inline-mode messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_message_id: Option<String>,
    /// A global id of the chat the button was pressed in.
    #[serde(default)]
    pub chat_instance: String,
    /// The button's callback data (1–64 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// `InlineQuery`: `@bot words` typed in any chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineQuery {
    /// The id to answer with `answerInlineQuery`.
    pub id: String,
    /// Who typed it.
    pub from: User,
    /// The words.
    pub query: String,
    /// The paging offset the bot handed out earlier.
    #[serde(default)]
    pub offset: String,
}

/// `ChatMember` reduced to its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMemberStatus {
    /// `member`, `kicked`, `left`, `administrator`…
    pub status: String,
}

/// `ChatMemberUpdated`: the bot's status in a chat changed (e.g. the user blocked it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMemberUpdated {
    /// The chat.
    pub chat: Chat,
    /// Who made the change.
    pub from: User,
    /// Unix time.
    pub date: i64,
    /// The old status.
    pub old_chat_member: ChatMemberStatus,
    /// The new status.
    pub new_chat_member: ChatMemberStatus,
}

/// `InlineKeyboardButton` (the kinds Mandi uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineKeyboardButton {
    /// The label.
    pub text: String,
    /// A URL opened on tap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Data sent back in a callback query (1–64 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    /// Opens inline mode in another chat with this query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_inline_query: Option<String>,
}

impl InlineKeyboardButton {
    /// A button that sends callback data.
    pub fn callback(text: impl Into<String>, data: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            url: None,
            callback_data: Some(data.into()),
            switch_inline_query: None,
        }
    }

    /// A button that opens a URL.
    pub fn url(text: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            url: Some(url.into()),
            callback_data: None,
            switch_inline_query: None,
        }
    }
}

/// `InlineKeyboardMarkup`: rows of buttons under a message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InlineKeyboardMarkup {
    /// The rows.
    pub inline_keyboard: Vec<Vec<InlineKeyboardButton>>,
}

/// How Telegram parses entities in a text.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParseMode {
    /// The HTML subset (`<b>`, `<i>`, `<a href>`, `<code>`…).
    #[serde(rename = "HTML")]
    Html,
}

/// `LinkPreviewOptions` (only the switch Mandi uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPreviewOptions {
    /// True to show no link preview.
    pub is_disabled: bool,
}

/// `BotCommand`: one entry of the command menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotCommand {
    /// The command without `/` (1–32 lower-case letters, digits, underscores).
    pub command: String,
    /// Its description (1–256 characters).
    pub description: String,
}

/// `InputMediaPhoto`: a photo in `sendMediaGroup` or `editMessageMedia`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputMediaPhoto {
    /// Always `photo`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A URL, a file id, or `attach://<name>` for an uploaded part.
    pub media: String,
    /// The caption (0–1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// How the caption is parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<ParseMode>,
}

impl InputMediaPhoto {
    /// A photo from a URL or file id, with an HTML caption.
    pub fn new(media: impl Into<String>, caption: Option<String>) -> Self {
        Self {
            kind: "photo".to_owned(),
            media: media.into(),
            parse_mode: caption.as_ref().map(|_| ParseMode::Html),
            caption,
        }
    }
}

/// `InputTextMessageContent`: what an inline result sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputTextMessageContent {
    /// The text.
    pub message_text: String,
    /// How it is parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<ParseMode>,
}

/// `InlineQueryResultArticle`: the result kind Mandi answers inline queries with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineQueryResultArticle {
    /// Always `article`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A unique id (1–64 bytes).
    pub id: String,
    /// The title.
    pub title: String,
    /// The message sent when chosen.
    pub input_message_content: InputTextMessageContent,
    /// Buttons under the sent message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<InlineKeyboardMarkup>,
    /// A short description under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A thumbnail URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
}

/// Where to thread a reply (`reply_parameters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyParameters {
    /// The message replied to.
    pub message_id: i64,
    /// Send even when that message is gone.
    #[serde(default)]
    pub allow_sending_without_reply: bool,
}

impl ReplyParameters {
    /// A reply to `message_id`, sent anyway if it was deleted.
    pub fn to(message_id: i64) -> Self {
        Self {
            message_id,
            allow_sending_without_reply: true,
        }
    }
}

/// A file someone sent (`Document`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Its id, for `getFile`.
    pub file_id: String,
    /// Its stable unique id.
    pub file_unique_id: String,
    /// Its original name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Its MIME type as the sender's app gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
}

/// A file ready to download (`getFile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    /// Its id.
    pub file_id: String,
    /// Its stable unique id.
    pub file_unique_id: String,
    /// Its size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// The path under `/file/bot<token>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
}

/// `WebhookInfo` (the fields Mandi reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInfo {
    /// The webhook URL, empty when none is set.
    pub url: String,
    /// True when a self-signed certificate was uploaded.
    #[serde(default)]
    pub has_custom_certificate: bool,
    /// Updates waiting to be delivered.
    #[serde(default)]
    pub pending_update_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_documented_error_body() {
        let body = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#;
        let r: ApiResponse<serde_json::Value> = serde_json::from_str(body).unwrap();
        assert!(!r.ok);
        assert_eq!(r.error_code, Some(429));
        assert_eq!(r.parameters.unwrap().retry_after, Some(7));
    }

    #[test]
    fn decodes_an_update_with_unknown_fields_and_chat_types() {
        let body = r#"{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":-100,"type":"forum_of_the_future"},"text":"hi","story":{}},"business_message":{}}"#;
        let u: Update = serde_json::from_str(body).unwrap();
        assert_eq!(u.message.unwrap().chat.kind, ChatType::Other);
    }

    #[test]
    fn entity_urls_are_read_in_utf16_offsets() {
        let m: Message = serde_json::from_value(serde_json::json!({
            "message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"},
            "text": "₹ deal 😀 https://amzn.in/d/x1",
            "entities": [{"type": "url", "offset": 10, "length": 20}]
        }))
        .unwrap();
        assert_eq!(m.entity_urls(), vec!["https://amzn.in/d/x1".to_owned()]);
    }
}
