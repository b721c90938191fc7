//! `mandi.toml` for the CLI: the settings type and loader are the library's
//! ([`mandi_paapi::settings`], shared with the bot); here are the example file, `config init`
//! and the printable view.

use std::path::Path;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub use mandi_paapi::settings::*;

/// The example configuration, written by `mandi config init`.
pub const EXAMPLE: &str = include_str!("../mandi.example.toml");

/// The settings as shown to people: effective values, secrets as `***`.
pub fn view(settings: &Settings, location: &ConfigLocation) -> SettingsView {
    let this = settings;
    let mask = |s: &Option<SecretString>| s.as_ref().map(|_| "***".to_owned());
    SettingsView {
        config_file: location.path.display().to_string(),
        config_file_exists: location.path.is_file(),
        general: GeneralView {
            marketplace: this.general.marketplace.domain().to_owned(),
            database: this
                .database_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|e| format!("unavailable: {e}")),
            associate_tag: this.general.associate_tag.clone(),
            source: this.source(),
        },
        creators: CreatorsView {
            credential_id: this.creators.credential_id.clone(),
            credential_secret: mask(&this.creators.credential_secret),
            version: this.creators.version.clone(),
            base_url: this.creators.base_url.clone(),
            token_url: this.creators.token_url.clone(),
        },
        paapi: PaapiView {
            access_key: this.paapi.access_key.clone(),
            secret_key: mask(&this.paapi.secret_key),
            associate_tag: this.paapi.associate_tag.clone(),
            host: this.paapi.host.clone(),
        },
        sandbox: SandboxView {
            seed: this.sandbox.seed,
            speed: this.sandbox.speed,
        },
        monitor: MonitorView {
            tps: this.monitor.tps,
            tpd: this.monitor.tpd,
            fallback_scraper: this.monitor.fallback_scraper,
        },
        notify: NotifyView {
            jsonl: this.notify.jsonl.as_ref().map(|p| p.display().to_string()),
            webhook_url: this.notify.webhook_url.clone(),
            webhook_secret: mask(&this.notify.webhook_secret),
        },
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
    /// The associate tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associate_tag: Option<String>,
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
    use mandi_core::Marketplace;
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
    fn the_old_partner_tag_key_is_read_as_associate_tag_but_not_both() {
        let s = load_text("[paapi]\nassociate_tag = \"new-21\"\n", &[]).expect("loads");
        assert_eq!(s.paapi.associate_tag.as_deref(), Some("new-21"));
        let s = load_text("[paapi]\npartner_tag = \"old-21\"\n", &[]).expect("loads");
        assert_eq!(s.paapi.associate_tag.as_deref(), Some("old-21"));
        let e = load_text(
            "[paapi]\nassociate_tag = \"new-21\"\n",
            &[("MANDI_PAAPI__PARTNER_TAG", "old-21")],
        )
        .expect_err("both names");
        assert!(e.to_string().contains("MANDI_PAAPI__PARTNER_TAG"), "{e}");
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
        assert_eq!(s.paapi.associate_tag.as_deref(), Some("env-21"));
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
        let view = view(&s, &location(dir.path()));
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
