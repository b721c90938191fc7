//! `mandi.toml`: typed settings with defaults in code, read from a file and overridden by
//! `MANDI_<SECTION>__<KEY>` environment variables.
//!
//! The file is found in this order: `--config <path>`, then `$MANDI_CONFIG_DIR/mandi.toml`,
//! then `mandi.toml` in the platform configuration directory. A missing file (other than
//! one named with `--config`) means "all defaults".

use std::fmt;
use std::path::{Path, PathBuf};

use mandi_core::Marketplace;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The example configuration, written by `mandi config init`.
pub const EXAMPLE: &str = include_str!("../mandi.example.toml");

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
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
    /// `[server]`
    pub server: ServerSettings,
}

/// `[server]`: `mandi serve`'s admin dashboard.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// The admin dashboard's password (redacted, never printed); an admin-scope API key
    /// logs in too.
    pub admin_password: Option<SecretString>,
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
    /// The SQLite database; `None` means `mandi.db` in the platform data directory.
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
    /// The partner (associate) tag the requests are made for.
    pub partner_tag: Option<String>,
    /// Overrides the marketplace's PA-API host.
    pub host: Option<String>,
}

impl PaapiSettings {
    /// True when the access key, secret key and partner tag are all set.
    pub fn has_credentials(&self) -> bool {
        self.access_key.is_some() && self.secret_key.is_some() && self.partner_tag.is_some()
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
    #[cfg(test)]
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
    let settings: Settings =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let message = e.inner().message().to_owned();
            match env_keys
                .iter()
                .find(|(k, _)| key.starts_with(k.as_str()) || *k == key)
            {
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
    let [section, key] = path else {
        return Err(bad(
            "expected MANDI_<SECTION>__<KEY>, such as MANDI_GENERAL__SOURCE".to_owned(),
        ));
    };
    let entry = table
        .entry(section.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let toml::Value::Table(section_table) = entry else {
        return Err(bad(format!(
            "[{section}] in the config file is not a table"
        )));
    };
    section_table.insert(key.clone(), toml::Value::String(value.to_owned()));
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
    blank(&mut s.paapi.partner_tag);
    blank(&mut s.paapi.host);
    blank(&mut s.notify.webhook_url);
    blank_secret(&mut s.notify.webhook_secret);
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
            None => project_dirs()
                .map(|d| d.data_dir().join("mandi.db"))
                .ok_or(ConfigError::NoDataDir),
        }
    }

    /// The settings as shown to people: effective values, secrets as `***`.
    pub fn view(&self, location: &ConfigLocation) -> SettingsView {
        let mask = |s: &Option<SecretString>| s.as_ref().map(|_| "***".to_owned());
        SettingsView {
            config_file: location.path.display().to_string(),
            config_file_exists: location.path.is_file(),
            general: GeneralView {
                marketplace: self.general.marketplace.domain().to_owned(),
                database: self
                    .database_path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|e| format!("unavailable: {e}")),
                associate_tag: self.general.associate_tag.clone(),
                source: self.source(),
            },
            creators: CreatorsView {
                credential_id: self.creators.credential_id.clone(),
                credential_secret: mask(&self.creators.credential_secret),
                version: self.creators.version.clone(),
                base_url: self.creators.base_url.clone(),
                token_url: self.creators.token_url.clone(),
            },
            paapi: PaapiView {
                access_key: self.paapi.access_key.clone(),
                secret_key: mask(&self.paapi.secret_key),
                partner_tag: self.paapi.partner_tag.clone(),
                host: self.paapi.host.clone(),
            },
            sandbox: SandboxView {
                seed: self.sandbox.seed,
                speed: self.sandbox.speed,
            },
            monitor: MonitorView {
                tps: self.monitor.tps,
                tpd: self.monitor.tpd,
                fallback_scraper: self.monitor.fallback_scraper,
            },
            notify: NotifyView {
                jsonl: self.notify.jsonl.as_ref().map(|p| p.display().to_string()),
                webhook_url: self.notify.webhook_url.clone(),
                webhook_secret: mask(&self.notify.webhook_secret),
            },
        }
    }
}

/// The effective settings, safe to print: secrets are `***` (or absent when unset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The configuration file in use.
    pub config_file: String,
    /// Whether it exists.
    pub config_file_exists: bool,
    /// `[general]`
    pub general: GeneralView,
    /// `[creators]`
    pub creators: CreatorsView,
    /// `[paapi]`
    pub paapi: PaapiView,
    /// `[sandbox]`
    pub sandbox: SandboxView,
    /// `[monitor]`
    pub monitor: MonitorView,
    /// `[notify]`
    pub notify: NotifyView,
}

/// `[monitor]` as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorView {
    /// Requests per second.
    pub tps: u64,
    /// Requests per day.
    pub tpd: u64,
    /// Whether the fallback scraper is on.
    pub fallback_scraper: bool,
}

/// `[notify]` as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyView {
    /// The JSON-lines file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jsonl: Option<String>,
    /// The webhook URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// `***` when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

/// `[general]` as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralView {
    /// The marketplace's domain.
    pub marketplace: String,
    /// The database path in use.
    pub database: String,
    /// The associate tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associate_tag: Option<String>,
    /// The source in use.
    pub source: SourceKind,
}

/// `[creators]` as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatorsView {
    /// The credential id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// `***` when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_secret: Option<String>,
    /// The credential version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The base URL override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The token URL override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

/// `[paapi]` as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaapiView {
    /// The access key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// `***` when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// The partner tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_tag: Option<String>,
    /// The host override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// `[sandbox]` as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxView {
    /// The seed.
    pub seed: u64,
    /// The speed.
    pub speed: f64,
}

/// Writes the example configuration to `path`, refusing to overwrite.
///
/// # Errors
///
/// [`ConfigError::Exists`] when the file is already there, [`ConfigError::Write`] otherwise.
pub fn init(path: &Path) -> Result<(), ConfigError> {
    use std::io::Write;
    let write_err = |source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_err)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // The file holds credentials: readable by its owner only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ConfigError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            write_err(e)
        }
    })?;
    file.write_all(EXAMPLE.as_bytes()).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn location(dir: &Path) -> ConfigLocation {
        ConfigLocation {
            path: dir.join(FILE_NAME),
            origin: PathOrigin::EnvDir,
        }
    }

    fn load_text(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(FILE_NAME), text).expect("write");
        load(&location(dir.path()), &Env::from_pairs(env.iter().copied()))
    }

    #[test]
    fn the_embedded_example_parses_to_the_defaults() {
        let s = load_text(EXAMPLE, &[]).expect("example parses");
        assert_eq!(s.general.marketplace, Marketplace::India);
        assert_eq!(s.source(), SourceKind::Sandbox);
        assert_eq!(s.sandbox.seed, DEFAULT_SEED);
        assert!(s.creators.credential_secret.is_none());
    }

    #[test]
    fn the_example_with_every_key_uncommented_parses() {
        let uncommented: String = EXAMPLE
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(k, _)| {
                        k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    }) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let s = load_text(&uncommented, &[]).expect("uncommented example parses");
        assert_eq!(s.general.source, Some(SourceKind::Sandbox));
        assert_eq!(s.general.associate_tag.as_deref(), Some("yourtag-21"));
        assert_eq!(s.creators.version.as_deref(), Some("2.2"));
        assert!(s.creators.credential_id.is_none(), "blank means unset");
    }

    #[test]
    fn environment_overrides_the_file_with_double_underscore_nesting() {
        let s = load_text(
            "[paapi]\npartner_tag = \"file-21\"\n[sandbox]\nseed = 1\n",
            &[
                ("MANDI_PAAPI__PARTNER_TAG", "env-21"),
                ("MANDI_SANDBOX__SEED", "7"),
                ("MANDI_CREATORS__CREDENTIAL_SECRET", "s3cret"),
                ("MANDI_CONFIG_DIR", "/ignored"),
            ],
        )
        .expect("loads");
        assert_eq!(s.paapi.partner_tag.as_deref(), Some("env-21"));
        assert_eq!(s.sandbox.seed, 7);
        assert_eq!(
            s.creators
                .credential_secret
                .as_ref()
                .map(|x| x.expose_secret().to_owned()),
            Some("s3cret".to_owned())
        );
    }

    #[test]
    fn credentials_pick_the_default_source() {
        let s = load_text(
            "[creators]\ncredential_id = \"id\"\ncredential_secret = \"x\"\n",
            &[],
        )
        .expect("loads");
        assert_eq!(s.source(), SourceKind::Creators);
        let s = load_text(
            "[general]\nsource = \"sandbox\"\n[creators]\ncredential_id = \"id\"\ncredential_secret = \"x\"\n",
            &[],
        )
        .expect("loads");
        assert_eq!(s.source(), SourceKind::Sandbox);
    }

    #[test]
    fn a_wrong_type_names_the_line_and_key() {
        let err =
            load_text("[general]\n\n[sandbox]\nseed = \"many\"\n", &[]).expect_err("must fail");
        let text = err.to_string();
        assert!(text.contains("line 4"), "{text}");
        assert!(text.contains("sandbox.seed"), "{text}");
        assert!(text.contains(FILE_NAME), "{text}");
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = load_text("[general]\nmarketplce = \"IN\"\n", &[]).expect_err("must fail");
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("marketplce"), "{text}");
    }

    #[test]
    fn broken_toml_names_the_line() {
        let err = load_text("[general]\nmarketplace = \"IN\n", &[]).expect_err("must fail");
        assert!(matches!(err, ConfigError::Parse { line: 2, .. }), "{err}");
    }

    #[test]
    fn a_bad_environment_value_names_the_variable() {
        let err = load_text("", &[("MANDI_SANDBOX__SEED", "lots")]).expect_err("must fail");
        assert!(
            matches!(&err, ConfigError::Env { var, .. } if var == "MANDI_SANDBOX__SEED"),
            "{err}"
        );
        let err = load_text("", &[("MANDI_GENERAL__NOPE", "x")]).expect_err("must fail");
        assert!(
            matches!(&err, ConfigError::Env { var, .. } if var == "MANDI_GENERAL__NOPE"),
            "{err}"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_and_view() {
        let s = load_text(
            "[paapi]\naccess_key = \"AKIDEXAMPLE\"\nsecret_key = \"hunter2-secret\"\n",
            &[],
        )
        .expect("loads");
        assert!(!format!("{s:?}").contains("hunter2-secret"));
        let dir = tempfile::tempdir().expect("temp dir");
        let view = s.view(&location(dir.path()));
        assert_eq!(view.paapi.secret_key.as_deref(), Some("***"));
        let json = serde_json::to_string(&view).expect("json");
        assert!(!json.contains("hunter2-secret"));
    }

    #[test]
    fn a_missing_flagged_file_is_an_error_but_a_missing_default_is_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let env = Env::default();
        assert!(load(&location(dir.path()), &env).is_ok());
        let flagged = ConfigLocation {
            path: dir.path().join("nope.toml"),
            origin: PathOrigin::Flag,
        };
        assert!(matches!(
            load(&flagged, &env),
            Err(ConfigError::Missing { .. })
        ));
    }

    #[test]
    fn locate_prefers_flag_then_env_dir() {
        let env = Env::from_pairs([(CONFIG_DIR_VAR, "/tmp/x")]);
        let flag = locate(Some(Path::new("/a/b.toml")), &env).expect("flag");
        assert_eq!(flag.origin, PathOrigin::Flag);
        let dir = locate(None, &env).expect("env dir");
        assert_eq!(dir.path, Path::new("/tmp/x").join(FILE_NAME));
        assert_eq!(dir.origin, PathOrigin::EnvDir);
    }

    #[test]
    fn init_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join(FILE_NAME);
        init(&path).expect("first init writes");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), EXAMPLE);
        assert!(matches!(init(&path), Err(ConfigError::Exists { .. })));
    }
}
