//! `mandi.toml`: the one settings type and loader of every front-end (the CLI, the bot, a
//! server): typed settings with defaults in code, read from a file and overridden by
//! `MANDI_<SECTION>__<KEY>` environment variables (`__` nests deeper:
//! `MANDI_TELEGRAM__WEBHOOK__URL`).
//!
//! The file is found in this order: `--config <path>`, then `$MANDI_CONFIG_DIR/mandi.toml`,
//! then `mandi.toml` in the platform configuration directory. A missing file (other than
//! one named with `--config`) means "all defaults". Unknown keys are refused naming the key
//! (and line), or the environment variable that brought them (`MANDI_FOO__BAR`). Secrets
//! (credential secrets, the bot token, the webhook secrets) are `SecretString`s: redacted in
//! `Debug`, never printed, and best given through the environment. The database defaults to
//! `mandi.db` in the platform data directory for every front-end.
//!
//! The product-source sections (`[general]` source and associate tag, `[creators]`,
//! `[paapi]`, `[sandbox]`) are built into a source by [`crate::connect`].

use std::fmt;
use std::path::{Path, PathBuf};

use mandi_core::Marketplace;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The configuration file's name.
pub const FILE_NAME: &str = "mandi.toml";

/// The environment variable naming the configuration directory.
pub const CONFIG_DIR_VAR: &str = "MANDI_CONFIG_DIR";

/// The prefix of environment variables that override settings.
const ENV_PREFIX: &str = "MANDI_";

/// Why the configuration could not be found, read or used.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No `--config`, no `MANDI_CONFIG_DIR` and no home directory to look in.
    #[error(
        "cannot find a configuration directory (no home directory); pass --config <path> or set {CONFIG_DIR_VAR}"
    )]
    NoConfigDir,
    /// No database path was configured and there is no platform data directory.
    #[error(
        "cannot find a data directory for the database (no home directory); set database in [general] or MANDI_GENERAL__DATABASE"
    )]
    NoDataDir,
    /// The file named with `--config` does not exist.
    #[error(
        "config file {path} does not exist (create it with `mandi --config {path} config init`)"
    )]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a key has the wrong type or is unknown.
    #[error("config file {path}, line {line}{key}: {message}", key = key_part(.key))]
    Parse {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the problem.
        line: usize,
        /// The dotted key (`sandbox.seed`), when known.
        key: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// An environment override has an unknown name or an unusable value.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable's name.
        var: String,
        /// What is wrong with it.
        message: String,
    },
    /// A setting has a value of the right type that is still not acceptable.
    #[error("setting {key}: {message}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// `config init` would overwrite an existing file.
    #[error("config file {path} already exists; edit it, or remove it first to start over")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing the configuration file failed.
    #[error("cannot write config file {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

fn key_part(key: &Option<String>) -> String {
    key.as_ref()
        .map(|k| format!(", key `{k}`"))
        .unwrap_or_default()
}

/// Where product data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The offline sandbox marketplace, started in-process on loopback.
    Sandbox,
    /// The Amazon Creators API.
    Creators,
    /// The Product Advertising API 5.0.
    Paapi5,
}

impl SourceKind {
    /// The name used in config files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Creators => "creators",
            Self::Paapi5 => "paapi5",
        }
    }
}

impl std::str::FromStr for SourceKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Self::Sandbox),
            "creators" => Ok(Self::Creators),
            "paapi5" => Ok(Self::Paapi5),
            other => Err(format!(
                "{other:?} is not a source; use sandbox, creators or paapi5"
            )),
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every setting, with defaults in code.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[general]`
    pub general: General,
    /// `[creators]`
    pub creators: CreatorsSettings,
    /// `[paapi]`
    pub paapi: PaapiSettings,
    /// `[sandbox]`
    pub sandbox: SandboxSettings,
    /// `[monitor]`
    pub monitor: MonitorSettings,
    /// `[notify]`
    pub notify: NotifySettings,
    /// `[telegram]`: the bot's settings (other front-ends ignore them).
    pub telegram: TelegramSettings,
    /// `[server]`: `mandi serve`'s admin dashboard (other front-ends ignore it).
    pub server: ServerSettings,
    /// `[cache]`: a Redis cache tier shared by every process (in process only when absent).
    pub cache: CacheSettings,
    /// `[quota]`: one account quota in Redis for every process (in process when absent).
    pub quota: QuotaSettings,
    /// `[metrics]`: where the bot serves `/metrics` and `/healthz`.
    pub metrics: MetricsSettings,
    /// `[fx]`: exchange rates and the stores `compare-markets` compares.
    pub fx: FxSettings,
}

/// `[fx]`: where exchange rates come from (an ECB-format feed) and which stores a
/// cross-border comparison reads by default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FxSettings {
    /// An ECB-format feed URL; the ECB's daily feed when unset (the embedded sandbox's own
    /// feed when the source is the sandbox).
    pub url: Option<String>,
    /// An ECB-format file read instead of any URL.
    pub file: Option<PathBuf>,
    /// Days after their date rates still count as fresh (5 covers the ECB's Easter gap).
    #[serde(deserialize_with = "number::u64")]
    pub max_age_days: u64,
    /// The stores compared when none are named (the buyer's own is always added).
    pub compare: Vec<Marketplace>,
}

/// The ECB's daily reference-rate feed.
pub const ECB_DAILY_FEED: &str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml";

impl Default for FxSettings {
    fn default() -> Self {
        Self {
            url: None,
            file: None,
            max_age_days: 5,
            compare: mandi_core::crossborder::DEFAULT_MARKETS.to_vec(),
        }
    }
}

/// Hides the password of a `scheme://user:password@host` URL.
fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://[redacted]@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// `[cache]`: the Redis cache tier.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// `redis://[user:password@]host:port/db` (or `rediss://`, `redis+unix://`): product copies
    /// are shared through this server by every process. In process only when unset.
    pub redis_url: Option<String>,
    /// The prefix of every key (several deployments may share one server).
    pub key_prefix: String,
    /// How long a copy is served after it was fetched, in minutes.
    #[serde(deserialize_with = "number::u64")]
    pub ttl_minutes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            key_prefix: "mandi".to_owned(),
            ttl_minutes: 15,
        }
    }
}

impl fmt::Debug for CacheSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheSettings")
            .field("redis_url", &self.redis_url.as_deref().map(redact_userinfo))
            .field("key_prefix", &self.key_prefix)
            .field("ttl_minutes", &self.ttl_minutes)
            .finish()
    }
}

/// `[quota]`: the account quota kept in Redis, so `mandi lookup`, `mandi monitor` workers and
/// the bot on one account never exceed it together. The rate and day count are
/// `[monitor] tps` / `tpd`.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaSettings {
    /// `redis://…` of the server holding the quota; in process (one process spends the
    /// account) when unset.
    pub redis_url: Option<String>,
    /// The prefix of the quota's keys; one per Amazon account.
    pub key_prefix: String,
}

impl Default for QuotaSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            key_prefix: "mandi:quota".to_owned(),
        }
    }
}

impl fmt::Debug for QuotaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuotaSettings")
            .field("redis_url", &self.redis_url.as_deref().map(redact_userinfo))
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

/// `[metrics]`: the bot's `/metrics` (Prometheus text format) and `/healthz` listener
/// (`mandi monitor` takes `--listen` instead).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// The address to listen on, such as `0.0.0.0:9184`; no listener when unset.
    pub listen: Option<String>,
}

/// `[server]`: `mandi serve`'s admin dashboard and API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// The admin dashboard's password (redacted, never printed); an admin-scope API key
    /// logs in too.
    pub admin_password: Option<SecretString>,
    /// Lets API webhook subscriptions point at loopback and private-network hosts (off:
    /// only public internet hosts, since every write key chooses where the server posts).
    pub allow_private_webhooks: bool,
    /// Where `mandi serve` is reached from the internet (`https://mandi.example`). When
    /// set, the server answers the `/r/<token>` Buy-link redirect (recording each click)
    /// and the bot's Buy buttons point at `<public_url>/r/<token>`; when unset, Buy links
    /// go straight to Amazon and no click is recorded.
    pub public_url: Option<String>,
}

/// `[telegram]`: the Telegram bot.
#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramSettings {
    /// The bot token from @BotFather (secret: better from `MANDI_TELEGRAM__TOKEN` or
    /// `TELEGRAM_BOT_TOKEN`).
    pub token: Option<SecretString>,
    /// The Bot API root (`https://api.telegram.org`; tests point it at a loopback fake).
    pub api_base_url: Option<String>,
    /// Telegram user ids allowed to run admin commands (`MANDI_TELEGRAM__ADMINS=1,2`).
    #[serde(deserialize_with = "number::id_list")]
    pub admins: Vec<i64>,
    /// Webhook mode (long polling when absent).
    pub webhook: Option<WebhookSettings>,
}

impl fmt::Debug for TelegramSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramSettings")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("api_base_url", &self.api_base_url)
            .field("admins", &self.admins)
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// `[telegram.webhook]`: where Telegram posts updates.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// The public HTTPS URL Telegram posts to.
    pub url: String,
    /// The local address to listen on (`127.0.0.1:8443`).
    pub listen: String,
    /// The path of the handler.
    #[serde(default = "default_webhook_path")]
    pub path: String,
    /// The secret Telegram echoes in `X-Telegram-Bot-Api-Secret-Token` (redacted).
    pub secret: SecretString,
}

fn default_webhook_path() -> String {
    "/telegram".to_owned()
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("url", &self.url)
            .field("listen", &self.listen)
            .field("path", &self.path)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// `[monitor]`: the account's quota and the fallback scraper.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorSettings {
    /// Requests per second the account may make (Amazon's default: 1).
    #[serde(deserialize_with = "number::u64")]
    pub tps: u64,
    /// Requests per day the account may make (Amazon's default: 8,640).
    #[serde(deserialize_with = "number::u64")]
    pub tpd: u64,
    /// Read product pages while the API is failing (off by default).
    #[serde(deserialize_with = "number::boolean")]
    pub fallback_scraper: bool,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        Self {
            tps: 1,
            tpd: 8_640,
            fallback_scraper: false,
        }
    }
}

/// `[notify]`: where alerts go besides the terminal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// Append alerts to this JSON-lines file.
    pub jsonl: Option<PathBuf>,
    /// POST alerts to this URL.
    pub webhook_url: Option<String>,
    /// The HMAC-SHA256 key of the webhook's `X-Mandi-Signature` (redacted, never printed).
    pub webhook_secret: Option<SecretString>,
}

/// `[general]`: marketplace, database, associate tag and source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct General {
    /// The marketplace (India by default).
    pub marketplace: Marketplace,
    /// The database: a SQLite file path, or a `postgres://user:password@host:port/dbname`
    /// URL (PostgreSQL); `None` means the SQLite file `mandi.db` in the platform data
    /// directory.
    pub database: Option<PathBuf>,
    /// The Amazon Associates tag put on links.
    pub associate_tag: Option<String>,
    /// Where product data comes from; `None` picks from the credentials configured.
    pub source: Option<SourceKind>,
}

/// `[creators]`: Creators API credentials and endpoint overrides.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreatorsSettings {
    /// The credential id.
    pub credential_id: Option<String>,
    /// The credential secret (redacted in `Debug`, never printed).
    pub credential_secret: Option<SecretString>,
    /// The credential version (`2.2` or `3.2` for amazon.in).
    pub version: Option<String>,
    /// Overrides the API base URL.
    pub base_url: Option<String>,
    /// Overrides the token endpoint.
    pub token_url: Option<String>,
}

impl CreatorsSettings {
    /// True when both the credential id and secret are set.
    pub fn has_credentials(&self) -> bool {
        self.credential_id.is_some() && self.credential_secret.is_some()
    }
}

/// `[paapi]`: Product Advertising API 5.0 keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaapiSettings {
    /// The access key.
    pub access_key: Option<String>,
    /// The secret key (redacted in `Debug`, never printed).
    pub secret_key: Option<SecretString>,
    /// The Amazon Associates tag the requests are made for (PA-API's `PartnerTag`); the
    /// old key `partner_tag` is still read, with a warning.
    #[serde(alias = "partner_tag")]
    pub associate_tag: Option<String>,
    /// Overrides the marketplace's PA-API host.
    pub host: Option<String>,
}

impl PaapiSettings {
    /// True when the access key, secret key and associate tag are all set.
    pub fn has_credentials(&self) -> bool {
        self.access_key.is_some() && self.secret_key.is_some() && self.associate_tag.is_some()
    }
}

/// `[sandbox]`: the offline marketplace's seed and speed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// The catalogue seed.
    #[serde(deserialize_with = "number::u64")]
    pub seed: u64,
    /// How fast simulated time runs (1.0 = real time).
    #[serde(deserialize_with = "number::f64")]
    pub speed: f64,
}

/// The sandbox seed used when none is configured.
pub const DEFAULT_SEED: u64 = 42;

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            speed: 1.0,
        }
    }
}

/// Numbers that may also arrive as strings (environment variables are always text).
mod number {
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Float(f64),
        Text(String),
    }

    pub(super) fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Int(i) => u64::try_from(i)
                .map_err(|_| D::Error::custom(format!("expected a whole number ≥ 0, got {i}"))),
            Raw::Float(f) => Err(D::Error::custom(format!(
                "expected a whole number ≥ 0, got {f}"
            ))),
            Raw::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| D::Error::custom(format!("expected a whole number ≥ 0, got {t:?}"))),
        }
    }

    pub(super) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum RawBool {
            Bool(bool),
            Text(String),
        }
        match RawBool::deserialize(d)? {
            RawBool::Bool(b) => Ok(b),
            RawBool::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok(true),
                "false" | "no" | "off" | "0" => Ok(false),
                _ => Err(D::Error::custom(format!(
                    "expected true or false, got {t:?}"
                ))),
            },
        }
    }

    pub(super) fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum RawList {
            List(Vec<i64>),
            Text(String),
        }
        match RawList::deserialize(d)? {
            RawList::List(l) => Ok(l),
            RawList::Text(t) => t
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| {
                    x.parse::<i64>().map_err(|_| {
                        D::Error::custom(format!(
                            "expected ids separated by commas, got {x:?} in {t:?}"
                        ))
                    })
                })
                .collect(),
        }
    }

    pub(super) fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let value = match Raw::deserialize(d)? {
            Raw::Int(i) => i as f64,
            Raw::Float(f) => f,
            Raw::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| D::Error::custom(format!("expected a number, got {t:?}")))?,
        };
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(D::Error::custom(format!(
                "expected a number above zero, got {value}"
            )))
        }
    }
}

/// How the configuration file's path was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathOrigin {
    /// `--config <path>`.
    Flag,
    /// `$MANDI_CONFIG_DIR`.
    EnvDir,
    /// The platform configuration directory.
    Platform,
}

impl PathOrigin {
    /// A short explanation for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Flag => "from --config",
            Self::EnvDir => "from MANDI_CONFIG_DIR",
            Self::Platform => "the platform config directory",
        }
    }
}

/// The configuration file in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLocation {
    /// Its path.
    pub path: PathBuf,
    /// How the path was chosen.
    pub origin: PathOrigin,
}

/// The process environment as seen at start-up (passed in, so tests need not mutate it).
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: Vec<(String, String)>,
    /// `MANDI_*` variables whose names or values are not UTF-8.
    not_unicode: Vec<String>,
}

impl Env {
    /// Captures the process environment.
    pub fn capture() -> Self {
        let mut env = Self::default();
        for (key, value) in std::env::vars_os() {
            match (key.into_string(), value.into_string()) {
                (Ok(k), Ok(v)) => env.vars.push((k, v)),
                (Ok(k), Err(_)) if k.starts_with(ENV_PREFIX) => env.not_unicode.push(k),
                _ => {}
            }
        }
        env
    }

    /// An environment holding exactly these variables.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_unicode: Vec::new(),
        }
    }

    /// A variable's value, when set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// `MANDI_<SECTION>__<KEY>` variables as (variable, [section, key]) pairs.
    fn overrides(&self) -> impl Iterator<Item = (&str, Vec<String>, &str)> {
        self.vars.iter().filter_map(|(k, v)| {
            let rest = k.strip_prefix(ENV_PREFIX)?;
            if !rest.contains("__") {
                return None;
            }
            let path = rest.split("__").map(str::to_ascii_lowercase).collect();
            Some((k.as_str(), path, v.as_str()))
        })
    }
}

/// Finds the configuration file: `--config`, then `MANDI_CONFIG_DIR`, then the platform
/// configuration directory.
///
/// # Errors
///
/// [`ConfigError::NoConfigDir`] when neither is given and there is no home directory.
pub fn locate(flag: Option<&Path>, env: &Env) -> Result<ConfigLocation, ConfigError> {
    if let Some(path) = flag {
        return Ok(ConfigLocation {
            path: path.to_path_buf(),
            origin: PathOrigin::Flag,
        });
    }
    if let Some(dir) = env.get(CONFIG_DIR_VAR) {
        return Ok(ConfigLocation {
            path: Path::new(dir).join(FILE_NAME),
            origin: PathOrigin::EnvDir,
        });
    }
    let dirs = project_dirs().ok_or(ConfigError::NoConfigDir)?;
    Ok(ConfigLocation {
        path: dirs.config_dir().join(FILE_NAME),
        origin: PathOrigin::Platform,
    })
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "mandi")
}

/// Reads the settings: defaults, then the file (when present), then the environment.
///
/// # Errors
///
/// A [`ConfigError`] naming the file, line and key, or the environment variable, that is
/// wrong.
pub fn load(location: &ConfigLocation, env: &Env) -> Result<Settings, ConfigError> {
    if let Some(var) = env.not_unicode.first() {
        return Err(ConfigError::Env {
            var: var.clone(),
            message: "the value is not valid UTF-8".to_owned(),
        });
    }
    let text = match std::fs::read_to_string(&location.path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if location.origin == PathOrigin::Flag {
                return Err(ConfigError::Missing {
                    path: location.path.clone(),
                });
            }
            None
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: location.path.clone(),
                source,
            });
        }
    };
    let mut table = match &text {
        Some(text) => parse_file(&location.path, text)?,
        None => toml::Table::new(),
    };
    let mut env_keys: Vec<(String, String)> = Vec::new();
    for (var, path, value) in env.overrides() {
        insert_override(&mut table, var, &path, value)?;
        env_keys.push((path.join("."), var.to_owned()));
    }
    rename_old_keys(&mut table, &env_keys)?;
    let settings: Settings =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let message = e.inner().message().to_owned();
            // The variable that brought the key (or, for an unknown key, the one whose
            // path it starts): `MANDI_FOO__BAR` is named, not just `foo`.
            let under =
                |long: &str, short: &str| long == short || long.starts_with(&format!("{short}."));
            let hit = |k: &str| under(&key, k) || (!key.is_empty() && key != "." && under(k, &key));
            match env_keys.iter().find(|(k, _)| hit(k)) {
                Some((_, var)) => ConfigError::Env {
                    var: var.clone(),
                    message,
                },
                None => ConfigError::Invalid { key, message },
            }
        })?;
    let settings = normalise(settings);
    validate(&settings)?;
    Ok(settings)
}

/// Keys renamed for one name per concept: read under the old name with a warning.
const RENAMED: &[(&str, &str, &str)] = &[("paapi", "partner_tag", "associate_tag")];

fn rename_old_keys(
    table: &mut toml::Table,
    env_keys: &[(String, String)],
) -> Result<(), ConfigError> {
    for (section, old, new) in RENAMED {
        let Some(toml::Value::Table(t)) = table.get_mut(*section) else {
            continue;
        };
        let Some(value) = t.remove(*old) else {
            continue;
        };
        let old_key = format!("{section}.{old}");
        let new_key = format!("{section}.{new}");
        let from = env_keys
            .iter()
            .find(|(k, _)| *k == old_key)
            .map_or_else(|| format!("`{old_key}`"), |(_, var)| var.clone());
        if t.contains_key(*new) {
            return Err(ConfigError::Invalid {
                key: new_key.clone(),
                message: format!(
                    "set twice: as `{new_key}` and under its old name {from}; keep `{new_key}`"
                ),
            });
        }
        tracing::warn!("{from} is deprecated: use `{new_key}`");
        t.insert((*new).to_owned(), value);
    }
    Ok(())
}

/// Parses the file's text, checking it against [`Settings`] so that errors name the line.
fn parse_file(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    let parse_error = |key: Option<String>, e: &toml::de::Error| ConfigError::Parse {
        path: path.to_path_buf(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        key,
        message: e.message().trim().replace('\n', " "),
    };
    let de = toml::Deserializer::parse(text).map_err(|e| parse_error(None, &e))?;
    serde_path_to_error::deserialize::<_, Settings>(de).map_err(|e| {
        let key = e.path().to_string();
        let key = (key != "." && !key.is_empty()).then_some(key);
        parse_error(key, e.inner())
    })?;
    toml::from_str(text).map_err(|e| parse_error(None, &e))
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn insert_override(
    table: &mut toml::Table,
    var: &str,
    path: &[String],
    value: &str,
) -> Result<(), ConfigError> {
    let bad = |message: String| ConfigError::Env {
        var: var.to_owned(),
        message,
    };
    let Some((key, sections)) = path.split_last().filter(|(_, s)| !s.is_empty()) else {
        return Err(bad(
            "expected MANDI_<SECTION>__<KEY>, such as MANDI_GENERAL__SOURCE".to_owned(),
        ));
    };
    if path.iter().any(String::is_empty) {
        return Err(bad(
            "an empty part between `__`s; expected MANDI_<SECTION>__<KEY>".to_owned(),
        ));
    }
    let mut current = table;
    for section in sections {
        let entry = current
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(next) = entry else {
            return Err(bad(format!(
                "`{section}` in the config file is not a table"
            )));
        };
        current = next;
    }
    current.insert(key.clone(), toml::Value::String(value.to_owned()));
    Ok(())
}

/// Treats blank strings as "not set".
fn normalise(mut s: Settings) -> Settings {
    fn blank(v: &mut Option<String>) {
        if v.as_deref().is_some_and(|t| t.trim().is_empty()) {
            *v = None;
        }
    }
    fn blank_secret(v: &mut Option<SecretString>) {
        use secrecy::ExposeSecret;
        if v.as_ref()
            .is_some_and(|t| t.expose_secret().trim().is_empty())
        {
            *v = None;
        }
    }
    blank(&mut s.general.associate_tag);
    blank(&mut s.creators.credential_id);
    blank_secret(&mut s.creators.credential_secret);
    blank(&mut s.creators.version);
    blank(&mut s.creators.base_url);
    blank(&mut s.creators.token_url);
    blank(&mut s.paapi.access_key);
    blank_secret(&mut s.paapi.secret_key);
    blank(&mut s.paapi.associate_tag);
    blank(&mut s.paapi.host);
    blank(&mut s.notify.webhook_url);
    blank_secret(&mut s.notify.webhook_secret);
    blank_secret(&mut s.server.admin_password);
    blank_secret(&mut s.telegram.token);
    blank(&mut s.telegram.api_base_url);
    blank(&mut s.cache.redis_url);
    blank(&mut s.quota.redis_url);
    blank(&mut s.metrics.listen);
    if s.general
        .database
        .as_ref()
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        s.general.database = None;
    }
    s
}

fn validate(s: &Settings) -> Result<(), ConfigError> {
    for (key, value) in [
        ("creators.base_url", &s.creators.base_url),
        ("creators.token_url", &s.creators.token_url),
    ] {
        if let Some(text) = value {
            let url = url::Url::parse(text).map_err(|e| ConfigError::Invalid {
                key: key.to_owned(),
                message: format!("{text:?} is not a URL ({e})"),
            })?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(ConfigError::Invalid {
                    key: key.to_owned(),
                    message: format!("{text:?} must be an http or https URL"),
                });
            }
        }
    }
    if s.monitor.tps == 0 || s.monitor.tps > 1_000 {
        return Err(ConfigError::Invalid {
            key: "monitor.tps".to_owned(),
            message: format!("must be 1 to 1000 requests a second, got {}", s.monitor.tps),
        });
    }
    if s.monitor.tpd == 0 || s.monitor.tpd > 100_000_000 {
        return Err(ConfigError::Invalid {
            key: "monitor.tpd".to_owned(),
            message: format!(
                "must be 1 to 100000000 requests a day, got {}",
                s.monitor.tpd
            ),
        });
    }
    if let Some(text) = &s.notify.webhook_url {
        let ok = url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(ConfigError::Invalid {
                key: "notify.webhook_url".to_owned(),
                message: format!("{text:?} must be an http or https URL"),
            });
        }
        if s.notify.webhook_secret.is_none() {
            return Err(ConfigError::Invalid {
                key: "notify.webhook_secret".to_owned(),
                message: "a webhook needs a secret to sign its requests with".to_owned(),
            });
        }
    }
    if let Some(version) = &s.creators.version
        && !matches!(
            version.as_str(),
            "2.1" | "2.2" | "2.3" | "3.1" | "3.2" | "3.3"
        )
    {
        return Err(ConfigError::Invalid {
            key: "creators.version".to_owned(),
            message: format!(
                "{version:?} is not a credential version; amazon.in uses \"2.2\" or \"3.2\""
            ),
        });
    }
    for (key, value) in [
        ("cache.redis_url", &s.cache.redis_url),
        ("quota.redis_url", &s.quota.redis_url),
    ] {
        if let Some(text) = value {
            let ok = url::Url::parse(text)
                .is_ok_and(|u| matches!(u.scheme(), "redis" | "rediss" | "redis+unix" | "unix"));
            if !ok {
                return Err(ConfigError::Invalid {
                    key: key.to_owned(),
                    message: format!(
                        "{} must be a redis:// (or rediss://, redis+unix://) URL",
                        redact_userinfo(text)
                    ),
                });
            }
        }
    }
    for (key, prefix) in [
        ("cache.key_prefix", &s.cache.key_prefix),
        ("quota.key_prefix", &s.quota.key_prefix),
    ] {
        if prefix.trim().is_empty() || prefix.contains(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                key: key.to_owned(),
                message: format!("{prefix:?} must be a non-empty key prefix without spaces"),
            });
        }
    }
    if s.cache.ttl_minutes == 0 {
        return Err(ConfigError::Invalid {
            key: "cache.ttl_minutes".to_owned(),
            message: "must be at least 1 minute".to_owned(),
        });
    }
    if let Some(listen) = &s.metrics.listen
        && listen.parse::<std::net::SocketAddr>().is_err()
    {
        return Err(ConfigError::Invalid {
            key: "metrics.listen".to_owned(),
            message: format!("{listen:?} must be an address such as 0.0.0.0:9184"),
        });
    }
    if let Some(host) = &s.paapi.host
        && (host.contains('/') || host.contains(char::is_whitespace))
    {
        return Err(ConfigError::Invalid {
            key: "paapi.host".to_owned(),
            message: format!("{host:?} must be a host name such as webservices.amazon.in"),
        });
    }
    Ok(())
}

impl Settings {
    /// The source in use: the configured one, else `creators` when Creators API
    /// credentials are set, `paapi5` when PA-API keys are set, otherwise the sandbox.
    pub fn source(&self) -> SourceKind {
        self.general.source.unwrap_or_else(|| {
            if self.creators.has_credentials() {
                SourceKind::Creators
            } else if self.paapi.has_credentials() {
                SourceKind::Paapi5
            } else {
                SourceKind::Sandbox
            }
        })
    }

    /// The database path: the configured one, else `mandi.db` in the platform data directory.
    ///
    /// # Errors
    ///
    /// [`ConfigError::NoDataDir`] when neither exists.
    pub fn database_path(&self) -> Result<PathBuf, ConfigError> {
        match &self.general.database {
            Some(path) => Ok(path.clone()),
            None => self.database_path_default(),
        }
    }

    /// `mandi.db` in the platform data directory, whatever is configured (files that live
    /// beside the database go to its directory when the database is a PostgreSQL URL).
    ///
    /// # Errors
    ///
    /// [`ConfigError::NoDataDir`] when there is no platform data directory.
    pub fn database_path_default(&self) -> Result<PathBuf, ConfigError> {
        project_dirs()
            .map(|d| d.data_dir().join("mandi.db"))
            .ok_or(ConfigError::NoDataDir)
    }
}
