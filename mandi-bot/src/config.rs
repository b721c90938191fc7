//! The bot's settings: a TOML file (`--config <path>` or `MANDI_BOT_CONFIG`) and environment
//! overrides (`TELEGRAM_BOT_TOKEN`, `MANDI_BOT_ADMINS`). Secrets are redacted in `Debug`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mandi_core::{Clock, Marketplace, ProductSource};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Errors reading the settings or building what they describe.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No bot token anywhere.
    #[error(
        "no Telegram bot token: set TELEGRAM_BOT_TOKEN (from @BotFather) or `token` in the config file"
    )]
    NoToken,
    /// The file could not be read or parsed.
    #[error("config file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A setting has a value that cannot be used.
    #[error("setting `{key}`: {message}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What was wrong and what to do.
        message: String,
    },
}

/// Which product source the bot reads.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The offline sandbox marketplace (the default once it is built).
    #[default]
    Sandbox,
    /// The Creators API.
    Creators,
    /// PA-API 5.0.
    Paapi5,
}

/// Creators API credentials.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreatorsSettings {
    /// Credential id.
    pub credential_id: Option<String>,
    /// Credential secret.
    pub credential_secret: Option<SecretString>,
    /// Credential version (`2.2`…).
    pub version: Option<String>,
    /// Override of the API root (tests).
    pub base_url: Option<String>,
    /// Override of the token endpoint (tests).
    pub token_url: Option<String>,
}

/// PA-API 5.0 credentials.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PaapiSettings {
    /// Access key.
    pub access_key: Option<String>,
    /// Secret key.
    pub secret_key: Option<SecretString>,
    /// Host override.
    pub host: Option<String>,
}

/// Webhook mode (long polling when absent).
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    /// The public HTTPS URL Telegram posts to.
    pub url: String,
    /// The local address to listen on (`127.0.0.1:8443`).
    pub listen: String,
    /// The path of the handler (`/telegram`).
    #[serde(default = "default_webhook_path")]
    pub path: String,
    /// The secret Telegram echoes in `X-Telegram-Bot-Api-Secret-Token`.
    pub secret: SecretString,
}

fn default_webhook_path() -> String {
    "/telegram".to_owned()
}

/// Everything the bot reads from its config.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct BotSettings {
    /// The bot token (better from `TELEGRAM_BOT_TOKEN`).
    pub token: Option<SecretString>,
    /// The Bot API root (`https://api.telegram.org`; tests point it at a loopback fake).
    pub api_base_url: Option<String>,
    /// Telegram user ids allowed to run admin commands.
    pub admins: Vec<i64>,
    /// Affiliate (partner) tag for Buy links and the APIs.
    pub affiliate_tag: Option<String>,
    /// Marketplace code or domain (`IN`, `www.amazon.in`); India by default.
    pub marketplace: Option<String>,
    /// The SQLite database; `mandi-bot.db` in the working directory by default.
    pub database: Option<PathBuf>,
    /// The product source.
    pub source: SourceKind,
    /// Creators API credentials.
    pub creators: CreatorsSettings,
    /// PA-API 5.0 credentials.
    pub paapi: PaapiSettings,
    /// Webhook mode.
    pub webhook: Option<WebhookSettings>,
}

impl std::fmt::Debug for BotSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotSettings")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("api_base_url", &self.api_base_url)
            .field("admins", &self.admins)
            .field("marketplace", &self.marketplace)
            .field("database", &self.database)
            .field("source", &self.source)
            .field("webhook", &self.webhook.as_ref().map(|w| &w.url))
            .finish_non_exhaustive()
    }
}

impl BotSettings {
    /// Reads the file (if any) and applies environment overrides from `env`.
    ///
    /// # Errors
    ///
    /// The file cannot be read or parsed, or an override is malformed.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut s = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?
            }
            None => Self::default(),
        };
        if let Some(t) = env("TELEGRAM_BOT_TOKEN").filter(|t| !t.trim().is_empty()) {
            s.token = Some(SecretString::from(t.trim().to_owned()));
        }
        if let Some(a) = env("MANDI_BOT_ADMINS") {
            s.admins = a
                .split(',')
                .filter(|x| !x.trim().is_empty())
                .map(|x| x.trim().parse::<i64>())
                .collect::<Result<_, _>>()
                .map_err(|e| ConfigError::Invalid {
                    key: "MANDI_BOT_ADMINS",
                    message: format!("{e}; give Telegram user ids separated by commas"),
                })?;
        }
        if let Some(tag) = env("MANDI_AFFILIATE_TAG") {
            s.affiliate_tag = Some(tag);
        }
        Ok(s)
    }

    /// The token, or [`ConfigError::NoToken`].
    ///
    /// # Errors
    ///
    /// No token was configured.
    pub fn token(&self) -> Result<SecretString, ConfigError> {
        self.token
            .clone()
            .filter(|t| !t.expose_secret().is_empty())
            .ok_or(ConfigError::NoToken)
    }

    /// The marketplace.
    ///
    /// # Errors
    ///
    /// An unknown marketplace name.
    pub fn marketplace(&self) -> Result<Marketplace, ConfigError> {
        match &self.marketplace {
            None => Ok(Marketplace::India),
            Some(m) => {
                m.parse()
                    .map_err(|e: mandi_core::UnknownMarketplace| ConfigError::Invalid {
                        key: "marketplace",
                        message: e.to_string(),
                    })
            }
        }
    }

    /// Builds the product source the settings pick, as the CLI does.
    ///
    /// The sandbox (the default) runs on the async runtime, so the binary starts it; this
    /// builds the Creators API and PA-API sources through `mandi_paapi::connect`.
    ///
    /// # Errors
    ///
    /// Missing or unusable credentials, naming the config key; [`SourceKind::Sandbox`].
    pub fn build_source(
        &self,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<dyn ProductSource>, ConfigError> {
        match self.source {
            SourceKind::Sandbox => Err(ConfigError::Invalid {
                key: "source",
                message: "the sandbox marketplace is started by the binary (it runs on the \
                          async runtime); this builds only the Creators API and PA-API sources"
                    .to_owned(),
            }),
            SourceKind::Creators => {
                let c = &self.creators;
                mandi_paapi::connect::creators_source(
                    &mandi_paapi::connect::CreatorsConnection {
                        credential_id: c.credential_id.as_deref(),
                        credential_secret: c.credential_secret.as_ref(),
                        version: c.version.as_deref(),
                        partner_tag: self.affiliate_tag.as_deref(),
                        base_url: c.base_url.as_deref(),
                        token_url: c.token_url.as_deref(),
                    },
                    clock,
                )
                .map(|s| Arc::new(s) as Arc<dyn ProductSource>)
                .map_err(|e| connect_error("creators", e))
            }
            SourceKind::Paapi5 => {
                let p = &self.paapi;
                mandi_paapi::connect::paapi5_source(
                    &mandi_paapi::connect::PaapiConnection {
                        access_key: p.access_key.as_deref(),
                        secret_key: p.secret_key.as_ref(),
                        partner_tag: self.affiliate_tag.as_deref(),
                        host: p.host.as_deref(),
                    },
                    clock,
                )
                .map(|s| Arc::new(s) as Arc<dyn ProductSource>)
                .map_err(|e| connect_error("paapi", e))
            }
        }
    }
}

/// The bot's configuration key of a setting the source builder found missing or bad.
fn connect_error(section: &'static str, e: mandi_paapi::connect::ConnectError) -> ConfigError {
    let key: &'static str = match (section, e.field()) {
        (_, "partner_tag") => "affiliate_tag",
        ("creators", "credential_id") => "creators.credential_id",
        ("creators", "credential_secret") => "creators.credential_secret",
        ("creators", "version") => "creators.version",
        ("paapi", "access_key") => "paapi.access_key",
        ("paapi", "secret_key") => "paapi.secret_key",
        _ => section,
    };
    let message = match e {
        mandi_paapi::connect::ConnectError::Missing { .. } => {
            "missing; add it to the config file".to_owned()
        }
        other => other.to_string(),
    };
    ConfigError::Invalid { key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_the_file_and_secrets_stay_hidden() {
        let dir = std::env::temp_dir().join(format!("mandi-bot-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bot.toml");
        std::fs::write(&file, "token = \"1:FILE\"\nadmins = [1]\nsource = \"paapi5\"\n[paapi]\nsecret_key = \"SHH\"\n").unwrap();
        let s = BotSettings::load(Some(&file), |k| match k {
            "TELEGRAM_BOT_TOKEN" => Some("2:ENV".into()),
            "MANDI_BOT_ADMINS" => Some("5, 6".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.token().unwrap().expose_secret(), "2:ENV");
        assert_eq!(s.admins, vec![5, 6]);
        assert_eq!(s.source, SourceKind::Paapi5);
        let shown = format!("{s:?}");
        assert!(!shown.contains("ENV") && !shown.contains("SHH"), "{shown}");
        assert!(BotSettings::load(None, |_| None).unwrap().token().is_err());
        assert!(
            BotSettings::load(None, |k| (k == "MANDI_BOT_ADMINS").then(|| "x".into())).is_err()
        );
        std::fs::write(&file, "admins = \"oops\"").unwrap();
        assert!(matches!(
            BotSettings::load(Some(&file), |_| None),
            Err(ConfigError::File { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
