//! The published Bot API schema, as a compact table (`fixtures/bot_api_schema.json`), and the
//! checks the fake applies with it: requests are read as Telegram reads them (form-encoded,
//! multipart and JSON; numbers and booleans sent as text; JSON-serialized objects in form
//! fields) and normalised, and every result the fake returns is checked for the required
//! fields and the types of the fields present.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The schema table, with its source noted inside.
pub const SCHEMA_JSON: &str = include_str!("../../fixtures/bot_api_schema.json");

/// The Bot API version the table reflects: Bot API 10.3 (August 24, 2026). The table was
/// scraped at 10.1; what 10.2 (July 14, 2026) and 10.3 changed in the methods and types it
/// holds (ephemeral-message parameters on `sendMessage`, `sendPhoto` and `sendDocument`,
/// new optional fields on `Message`, `Update`, `ChatFullInfo`, `BotCommand`,
/// `ReplyParameters` and the inline keyboard) was added by hand from Telegram's changelog,
/// as the table's `source` records.
pub const BOT_API_VERSION: &str = "Bot API 10.3";

/// One field or parameter: the types it may have and whether it is required.
type Field = (Vec<String>, bool);

#[derive(Debug, Deserialize)]
struct MethodSpec {
    returns: Vec<String>,
    params: HashMap<String, Field>,
}

/// The schema table.
#[derive(Debug, Deserialize)]
pub struct Schema {
    /// Where the table comes from.
    pub source: String,
    /// The Bot API version.
    pub version: String,
    methods: HashMap<String, MethodSpec>,
    types: HashMap<String, HashMap<String, Field>>,
}

/// The schema table, parsed once.
///
/// # Panics
///
/// When the fixture bundled into the crate is not valid (a build problem caught by the tests).
#[allow(clippy::expect_used)]
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_JSON).expect("the bundled Bot API schema"))
}

impl Schema {
    /// True when the method is in the table.
    pub fn knows(&self, method: &str) -> bool {
        self.methods.contains_key(method)
    }

    /// The methods in the table.
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.methods.keys().map(String::as_str)
    }

    /// Checks and normalises the parameters of a request the way Telegram reads them:
    /// `files` are the names of uploaded multipart file parts. Returns the notes about
    /// parameters Telegram would ignore (unknown names), or the `Bad Request` description
    /// Telegram would answer with.
    ///
    /// # Errors
    ///
    /// A required parameter missing or empty, a `null`, or a value of the wrong type.
    pub fn check_request(
        &self,
        method: &str,
        params: &mut Map<String, Value>,
        files: &HashSet<String>,
    ) -> Result<Vec<String>, String> {
        let Some(spec) = self.methods.get(method) else {
            return Err("Not Found: method not found".to_owned());
        };
        let mut notes = Vec::new();
        let names: Vec<String> = params.keys().cloned().collect();
        for name in names {
            if !spec.params.contains_key(&name) {
                notes.push(format!(
                    "{method}: unknown parameter {name:?} (Telegram ignores it)"
                ));
            }
        }
        let mut required: Vec<(&String, &Field)> = spec.params.iter().collect();
        required.sort_by_key(|(n, _)| n.as_str());
        for (name, (types, req)) in required {
            let Some(value) = params.get_mut(name) else {
                if *req && !files.contains(name) {
                    return Err(format!("Bad Request: parameter \"{name}\" is required"));
                }
                continue;
            };
            if value.is_null() {
                return Err(format!(
                    "Bad Request: parameter \"{name}\" must be {} (got null)",
                    types.join(" or ")
                ));
            }
            let mut why = Vec::new();
            let ok = types
                .iter()
                .any(|t| self.coerce(t, value, files, name, &mut why));
            if !ok {
                return Err(format!(
                    "Bad Request: parameter \"{name}\" must be {}{}",
                    types.join(" or "),
                    why.first().map(|w| format!(": {w}")).unwrap_or_default()
                ));
            }
        }
        Ok(notes)
    }

    /// Reads `value` as type `ty` in a request, normalising text forms. False (with the reason
    /// in `why`) when it cannot be read so.
    fn coerce(
        &self,
        ty: &str,
        value: &mut Value,
        files: &HashSet<String>,
        path: &str,
        why: &mut Vec<String>,
    ) -> bool {
        if let Some(inner) = ty.strip_prefix("Array of ") {
            if let Value::String(s) = value
                && let Ok(parsed @ Value::Array(_)) = serde_json::from_str::<Value>(s)
            {
                *value = parsed;
            }
            let Value::Array(items) = value else {
                why.push(format!("{path} is not an array"));
                return false;
            };
            return items
                .iter_mut()
                .enumerate()
                .all(|(i, v)| self.coerce(inner, v, files, &format!("{path}[{i}]"), why));
        }
        match ty {
            "Integer" => match value {
                Value::Number(n) => n.is_i64(),
                Value::String(s) => match s.trim().parse::<i64>() {
                    Ok(n) => {
                        *value = Value::from(n);
                        true
                    }
                    Err(_) => false,
                },
                _ => false,
            },
            "Float" => match value {
                Value::Number(_) => true,
                Value::String(s) => match s.trim().parse::<f64>() {
                    Ok(f) => {
                        *value = Value::from(f);
                        true
                    }
                    Err(_) => false,
                },
                _ => false,
            },
            "String" => match value {
                Value::String(_) => true,
                Value::Number(n) => {
                    *value = Value::String(n.to_string());
                    true
                }
                _ => false,
            },
            "Boolean" | "True" => match value {
                Value::Bool(b) => ty == "Boolean" || *b,
                Value::String(s) if s == "true" || s == "True" => {
                    *value = Value::Bool(true);
                    true
                }
                Value::String(s) if ty == "Boolean" && (s == "false" || s == "False") => {
                    *value = Value::Bool(false);
                    true
                }
                _ => false,
            },
            "InputFile" => match value {
                Value::String(s) => s
                    .strip_prefix("attach://")
                    .is_some_and(|name| files.contains(name)),
                _ => false,
            },
            object => {
                if let Value::String(s) = value
                    && let Ok(parsed @ Value::Object(_)) = serde_json::from_str::<Value>(s)
                {
                    *value = parsed;
                }
                let Value::Object(map) = value else {
                    why.push(format!("{path} is not a JSON object"));
                    return false;
                };
                let Some(fields) = self.types.get(object) else {
                    return true;
                };
                if fields.contains_key("__subtypes__") {
                    return true;
                }
                let mut names: Vec<&String> = fields.keys().collect();
                names.sort();
                for name in names {
                    let (types, req) = &fields[name];
                    let p = format!("{path}.{name}");
                    let Some(v) = map.get_mut(name.as_str()) else {
                        if *req {
                            why.push(format!("{p} is required"));
                            return false;
                        }
                        continue;
                    };
                    if !types.iter().any(|t| self.coerce(t, v, files, &p, why)) {
                        why.push(format!("{p} must be {}", types.join(" or ")));
                        return false;
                    }
                }
                true
            }
        }
    }

    /// Checks a result the fake returns for `method` against the documented return type.
    /// Returns what is wrong (empty when it conforms).
    pub fn check_result(&self, method: &str, result: &Value) -> Vec<String> {
        let Some(spec) = self.methods.get(method) else {
            return vec![format!("{method}: not in the schema table")];
        };
        let mut best: Option<Vec<String>> = None;
        for ty in &spec.returns {
            let mut out = Vec::new();
            self.check_value(ty, result, &format!("{method}.result"), &mut out);
            if out.is_empty() {
                return out;
            }
            if best.as_ref().is_none_or(|b| out.len() < b.len()) {
                best = Some(out);
            }
        }
        best.unwrap_or_default()
    }

    /// Checks a value of type `ty` strictly (as Telegram sends it), appending problems.
    pub fn check_value(&self, ty: &str, value: &Value, path: &str, out: &mut Vec<String>) {
        if let Some(inner) = ty.strip_prefix("Array of ") {
            match value {
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check_value(inner, v, &format!("{path}[{i}]"), out);
                    }
                }
                _ => out.push(format!("{path}: expected an array")),
            }
            return;
        }
        let ok = match ty {
            "Integer" => value.as_i64().is_some(),
            "Float" => value.is_number(),
            "String" => value.is_string(),
            "Boolean" => value.is_boolean(),
            "True" => value == &Value::Bool(true),
            _ => {
                let Value::Object(map) = value else {
                    out.push(format!("{path}: expected a {ty} object"));
                    return;
                };
                let Some(fields) = self.types.get(ty) else {
                    return;
                };
                if let Some((subtypes, _)) = fields.get("__subtypes__") {
                    let any = subtypes.iter().any(|s| {
                        let mut o = Vec::new();
                        self.check_value(s, value, path, &mut o);
                        o.is_empty()
                    });
                    if !any {
                        out.push(format!("{path}: matches none of {}", subtypes.join(", ")));
                    }
                    return;
                }
                let mut names: Vec<&String> = fields.keys().collect();
                names.sort();
                for name in names {
                    let (types, req) = &fields[name];
                    let p = format!("{path}.{name}");
                    match map.get(name.as_str()) {
                        None if *req => out.push(format!("{p}: required field missing")),
                        None => {}
                        Some(Value::Null) => out.push(format!("{p}: null")),
                        Some(v) => {
                            let mut best: Option<Vec<String>> = None;
                            for t in types {
                                let mut o = Vec::new();
                                self.check_value(t, v, &p, &mut o);
                                if o.is_empty() {
                                    best = None;
                                    break;
                                }
                                if best.as_ref().is_none_or(|b| o.len() < b.len()) {
                                    best = Some(o);
                                }
                            }
                            out.extend(best.unwrap_or_default());
                        }
                    }
                }
                for name in map.keys() {
                    if !fields.contains_key(name) {
                        out.push(format!("{path}.{name}: not a field of {ty}"));
                    }
                }
                true
            }
        };
        if !ok {
            out.push(format!("{path}: expected {ty}, got {value}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_is_the_named_bot_api_version() {
        let s = schema();
        assert_eq!(s.version, BOT_API_VERSION);
        assert!(s.source.contains("10.3"), "{}", s.source);
        // 10.2 and 10.3 changes are in: optional, so nothing the bot sends or reads changes.
        let mut params = serde_json::Map::new();
        params.insert("chat_id".into(), Value::from(1));
        params.insert("text".into(), Value::from("hi"));
        params.insert(
            "ephemeral_message_parameters".into(),
            json!({"receiver_user_id": 1}),
        );
        let notes = s
            .check_request("sendMessage", &mut params, &HashSet::new())
            .expect("a 10.3 sendMessage");
        assert!(notes.is_empty(), "{notes:?}");
        let mut old = serde_json::Map::new();
        old.insert("chat_id".into(), Value::from(1));
        old.insert("text".into(), Value::from("hi"));
        old.insert("receiver_user_id".into(), Value::from(1));
        let notes = s
            .check_request("sendMessage", &mut old, &HashSet::new())
            .expect("an unknown parameter is ignored");
        assert!(
            notes.iter().any(|n| n.contains("receiver_user_id")),
            "10.3 replaced 10.2's receiver_user_id: {notes:?}"
        );
    }

    #[test]
    fn the_table_parses_and_reads_requests_as_telegram_does() {
        let s = schema();
        assert!(s.knows("sendDocument") && s.knows("getChat") && s.knows("sendChatAction"));
        let mut p = json!({"chat_id": "42", "text": "hi", "reply_markup": "{\"inline_keyboard\":[[{\"text\":\"a\",\"callback_data\":\"b\"}]]}"});
        let notes = s
            .check_request("sendMessage", p.as_object_mut().unwrap(), &HashSet::new())
            .unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(p["chat_id"], json!(42));
        assert!(p["reply_markup"].is_object());
        let mut p = json!({"offset": null, "timeout": 1});
        assert!(
            s.check_request("getUpdates", p.as_object_mut().unwrap(), &HashSet::new())
                .is_err()
        );
        let mut p = json!({"chat_id": 1});
        let e = s
            .check_request("sendMessage", p.as_object_mut().unwrap(), &HashSet::new())
            .unwrap_err();
        assert!(e.contains("text"), "{e}");
        let mut p = json!({"chat_id": 1, "text": "x", "colour": "red"});
        let notes = s
            .check_request("sendMessage", p.as_object_mut().unwrap(), &HashSet::new())
            .unwrap();
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn results_lacking_a_required_field_are_reported() {
        let s = schema();
        assert!(
            !s.check_result(
                "getWebhookInfo",
                &json!({"url": "", "pending_update_count": 0})
            )
            .is_empty()
        );
        assert!(
            s.check_result(
                "getWebhookInfo",
                &json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0})
            )
            .is_empty()
        );
        let msg = json!({"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}});
        assert!(s.check_result("sendMessage", &msg).is_empty());
        assert!(
            !s.check_result("sendMessage", &json!({"message_id": 1, "chat": {"id": 5}}))
                .is_empty()
        );
    }
}
