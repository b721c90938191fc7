//! The bot's settings: the library's `mandi.toml` ([`mandi_paapi::settings`], the same file,
//! keys and `MANDI_*` variables as the CLI), of which the bot reads `[general]`, the source
//! sections and `[telegram]`. The token may also come from `TELEGRAM_BOT_TOKEN`, the name
//! Telegram tools commonly use. Secrets are redacted in `Debug`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mandi_core::{Clock, Marketplace, ProductSource};
use mandi_paapi::connect::{ConnectError, CreatorsConnection, PaapiConnection};
use mandi_paapi::settings::{self, Env, Settings, SourceKind};
use secrecy::{ExposeSecret, SecretString};

/// The conventional variable for a bot token, read besides `MANDI_TELEGRAM__TOKEN`.
pub const TOKEN_VAR: &str = "TELEGRAM_BOT_TOKEN";

/// Errors reading the settings or building what they describe.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No bot token anywhere.
    #[error(
        "no Telegram bot token: set {TOKEN_VAR} or MANDI_TELEGRAM__TOKEN (the token from @BotFather), or `token` in [telegram] of the config file"
    )]
    NoToken,
    /// The configuration could not be found, read or used (names the file, line and key,
    /// or the environment variable).
    #[error(transparent)]
    Settings(#[from] settings::ConfigError),
    /// A setting has a value that cannot be used.
    #[error("setting `{key}`: {message}")]
    Invalid {
        /// The setting's dotted key.
        key: String,
        /// What was wrong and what to do.
        message: String,
    },
}

/// What the bot reads: the shared settings and the token.
#[derive(Clone)]
pub struct BotSettings {
    /// The shared settings.
    pub settings: Settings,
    token: Option<SecretString>,
}

impl std::fmt::Debug for BotSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotSettings")
            .field("settings", &self.settings)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl BotSettings {
    /// Reads `mandi.toml` (`config`, else `MANDI_CONFIG_DIR`, else the platform config
    /// directory) and the `MANDI_*` variables of `env`; the token from `[telegram]` or
    /// `TELEGRAM_BOT_TOKEN` (which wins).
    ///
    /// # Errors
    ///
    /// The file or a variable is unreadable, unknown or invalid.
    pub fn load(config: Option<&Path>, env: &Env) -> Result<Self, ConfigError> {
        let location = settings::locate(config, env)?;
        let settings = settings::load(&location, env)?;
        let token = env
            .get(TOKEN_VAR)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| SecretString::from(t.to_owned()))
            .or_else(|| settings.telegram.token.clone());
        Ok(Self { settings, token })
    }

    /// The token, or [`ConfigError::NoToken`].
    ///
    /// # Errors
    ///
    /// No token was configured.
    pub fn token(&self) -> Result<SecretString, ConfigError> {
        self.token
            .clone()
            .filter(|t| !t.expose_secret().trim().is_empty())
            .ok_or(ConfigError::NoToken)
    }

    /// The marketplace of bare ASINs and searches.
    pub fn marketplace(&self) -> Marketplace {
        self.settings.general.marketplace
    }

    /// The Amazon Associates tag of Buy links.
    pub fn associate_tag(&self) -> Option<String> {
        self.settings.general.associate_tag.clone()
    }

    /// The Buy-link redirect (`[server] public_url`, with `general.associate_tag`):
    /// `None` when no public URL is set. `mandi serve` must run at that URL on the same
    /// database, since it answers the links the bot makes.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] for an unusable URL or tag.
    pub fn affiliate_config(
        &self,
    ) -> Result<Option<mandi_core::affiliate::AffiliateConfig>, ConfigError> {
        mandi_core::affiliate::AffiliateConfig::from_settings(
            self.settings.server.public_url.as_deref(),
            self.settings.general.marketplace,
            self.settings.general.associate_tag.as_deref(),
        )
        .map_err(|e| ConfigError::Invalid {
            key: "server.public_url".to_owned(),
            message: e.to_string(),
        })
    }

    /// The SQLite database: `general.database`, else `mandi.db` in the platform data
    /// directory (the CLI's).
    ///
    /// # Errors
    ///
    /// No data directory can be found.
    pub fn database_path(&self) -> Result<PathBuf, ConfigError> {
        Ok(self.settings.database_path()?)
    }

    /// The source the settings pick (as the CLI picks it).
    pub fn source(&self) -> SourceKind {
        self.settings.source()
    }

    /// Builds the Creators API or PA-API source the settings pick, through
    /// `mandi_paapi::connect` (the sandbox runs on the async runtime; the binary starts it).
    ///
    /// # Errors
    ///
    /// Missing or unusable credentials, naming the config key; the sandbox.
    pub fn build_source(
        &self,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<dyn ProductSource>, ConfigError> {
        let s = &self.settings;
        match self.source() {
            SourceKind::Creators => {
                let c = &s.creators;
                mandi_paapi::connect::creators_source(
                    &CreatorsConnection {
                        credential_id: c.credential_id.as_deref(),
                        credential_secret: c.credential_secret.as_ref(),
                        version: c.version.as_deref(),
                        associate_tag: s.general.associate_tag.as_deref(),
                        base_url: c.base_url.as_deref(),
                        token_url: c.token_url.as_deref(),
                    },
                    clock,
                )
                .map(|s| Arc::new(s) as Arc<dyn ProductSource>)
                .map_err(|e| connect_error("creators", e))
            }
            SourceKind::Paapi5 => {
                let p = &s.paapi;
                mandi_paapi::connect::paapi5_source(
                    &PaapiConnection {
                        access_key: p.access_key.as_deref(),
                        secret_key: p.secret_key.as_ref(),
                        associate_tag: p.associate_tag.as_deref(),
                        host: p.host.as_deref(),
                    },
                    clock,
                )
                .map(|s| Arc::new(s) as Arc<dyn ProductSource>)
                .map_err(|e| connect_error("paapi", e))
            }
            _ => Err(ConfigError::Invalid {
                key: "general.source".to_owned(),
                message: "the sandbox marketplace is started by the binary (it runs on the \
                          async runtime); this builds only the Creators API and PA-API sources"
                    .to_owned(),
            }),
        }
    }
}

/// The configuration key of a setting the source builder found missing or bad.
fn connect_error(section: &'static str, e: ConnectError) -> ConfigError {
    let key = match e.field() {
        "associate_tag" if section == "creators" => "general.associate_tag".to_owned(),
        field => format!("{section}.{field}"),
    };
    let message = match e {
        ConnectError::Missing { .. } => format!(
            "missing; set it in the config file or MANDI_{}",
            key.replace('.', "__").to_uppercase()
        ),
        other => other.to_string(),
    };
    ConfigError::Invalid { key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile_like::Dir {
        tempfile_like::Dir::new()
    }

    /// A temporary directory removed on drop (no extra dependency).
    mod tempfile_like {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let p = std::env::temp_dir().join(format!(
                    "mandi-bot-cfg-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Self(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn load(text: &str, env: &[(&str, &str)]) -> Result<BotSettings, ConfigError> {
        let d = dir();
        let file = d.0.join("mandi.toml");
        std::fs::write(&file, text).unwrap();
        BotSettings::load(Some(&file), &Env::from_pairs(env.iter().copied()))
    }

    #[test]
    fn env_overrides_the_file_and_secrets_stay_hidden() {
        let s = load(
            "[telegram]\ntoken = \"1:FILE\"\nadmins = [1]\n[general]\nsource = \"paapi5\"\n[paapi]\nsecret_key = \"SHH\"\n",
            &[
                ("MANDI_TELEGRAM__TOKEN", "2:ENV"),
                ("MANDI_TELEGRAM__ADMINS", "5, 6"),
                ("MANDI_TELEGRAM__WEBHOOK__URL", "https://bot.example/tg"),
                ("MANDI_TELEGRAM__WEBHOOK__LISTEN", "127.0.0.1:8443"),
                ("MANDI_TELEGRAM__WEBHOOK__SECRET", "HOOK-SECRET"),
            ],
        )
        .unwrap();
        assert_eq!(s.token().unwrap().expose_secret(), "2:ENV");
        assert_eq!(s.settings.telegram.admins, vec![5, 6]);
        assert_eq!(s.source(), SourceKind::Paapi5);
        let hook = s.settings.telegram.webhook.as_ref().unwrap();
        assert_eq!(hook.path, "/telegram");
        let shown = format!("{s:?}");
        for secret in ["ENV", "SHH", "FILE", "HOOK-SECRET"] {
            assert!(!shown.contains(secret), "{secret} shown: {shown}");
        }
        // The conventional variable wins.
        let s = load("", &[("TELEGRAM_BOT_TOKEN", "3:TG")]).unwrap();
        assert_eq!(s.token().unwrap().expose_secret(), "3:TG");
        assert!(matches!(
            load("", &[]).unwrap().token(),
            Err(ConfigError::NoToken)
        ));
    }

    #[test]
    fn the_sandbox_seed_is_a_setting_with_the_clis_default() {
        // The same default as `mandi` (the library's settings), so the docs' ASINs work in both.
        let s = load("", &[]).unwrap();
        assert_eq!(s.settings.sandbox.seed, mandi_paapi::settings::DEFAULT_SEED);
        let s = load("[sandbox]\nseed = 7\n", &[]).unwrap();
        assert_eq!(s.settings.sandbox.seed, 7);
        let s = load("", &[("MANDI_SANDBOX__SEED", "9")]).unwrap();
        assert_eq!(s.settings.sandbox.seed, 9);
    }

    #[test]
    fn unknown_keys_and_variables_are_refused_by_name() {
        let e = load("[telegram]\ntokn = \"1:x\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("tokn") && e.contains("mandi.toml"), "{e}");
        let e = load("", &[("MANDI_FOO__BAR", "1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("MANDI_FOO__BAR"), "{e}");
        let e = load("", &[("MANDI_TELEGRAM__ADMINS", "x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("MANDI_TELEGRAM__ADMINS"), "{e}");
        let e = load("admins = [", &[]).unwrap_err().to_string();
        assert!(e.contains("mandi.toml") && e.contains("line 1"), "{e}");
    }

    #[test]
    fn the_database_defaults_to_the_clis_data_directory() {
        let s = load("", &[]).unwrap();
        let db = s.database_path().unwrap();
        assert!(db.ends_with("mandi.db"), "{}", db.display());
        assert!(db.is_absolute());
        let s = load("[general]\ndatabase = \"/tmp/x.db\"\n", &[]).unwrap();
        assert_eq!(s.database_path().unwrap(), PathBuf::from("/tmp/x.db"));
    }

    #[test]
    fn missing_credentials_name_the_key() {
        let s = load("[general]\nsource = \"creators\"\n", &[]).unwrap();
        let clock: Arc<dyn Clock> = Arc::new(mandi_core::SystemClock);
        let Err(e) = s.build_source(clock) else {
            panic!("no credentials, no source");
        };
        let e = e.to_string();
        assert!(e.contains("creators."), "{e}");
    }
}
