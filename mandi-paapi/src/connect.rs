//! Building the Creators API and PA-API 5.0 sources from what a front-end read from its
//! configuration, so the CLI and the bot check credentials the same way. Each front-end maps
//! [`ConnectError`]'s field name to its own configuration key.

use std::sync::Arc;

use mandi_core::Clock;
use secrecy::{ExposeSecret, SecretString};

use crate::creators::{CreatorsApiSource, CredentialVersion};
#[cfg(feature = "paapi5")]
use crate::paapi5::PaApi5Source;

/// Why a source could not be built from the configuration.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// A setting the source needs is not set; `field` is its name (`credential_id`,
    /// `associate_tag`…), for the front-end to name its own key.
    #[error("`{field}` is not set")]
    Missing {
        /// The setting's name.
        field: &'static str,
    },
    /// A setting is set but unusable.
    #[error("`{field}`: {message}")]
    Invalid {
        /// The setting's name.
        field: &'static str,
        /// Why.
        message: String,
    },
}

impl ConnectError {
    /// The name of the setting concerned.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field } | Self::Invalid { field, .. } => field,
        }
    }
}

/// The Creators API settings a front-end read (all optional until checked here).
#[derive(Clone, Copy, Default)]
pub struct CreatorsConnection<'a> {
    /// The credential id.
    pub credential_id: Option<&'a str>,
    /// The credential secret.
    pub credential_secret: Option<&'a SecretString>,
    /// The credential version (`2.2` by default for amazon.in).
    pub version: Option<&'a str>,
    /// The Amazon Associates tag (PA-API's `PartnerTag` on the wire).
    pub associate_tag: Option<&'a str>,
    /// A base URL override.
    pub base_url: Option<&'a str>,
    /// A token URL override.
    pub token_url: Option<&'a str>,
}

impl std::fmt::Debug for CreatorsConnection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatorsConnection")
            .field("credential_id", &self.credential_id)
            .field(
                "credential_secret",
                &self.credential_secret.map(|_| "[redacted]"),
            )
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The PA-API 5.0 settings a front-end read.
#[derive(Clone, Copy, Default)]
pub struct PaapiConnection<'a> {
    /// The access key.
    pub access_key: Option<&'a str>,
    /// The secret key.
    pub secret_key: Option<&'a SecretString>,
    /// The Amazon Associates tag (PA-API's `PartnerTag` on the wire).
    pub associate_tag: Option<&'a str>,
    /// A host override (`webservices.amazon.in`).
    pub host: Option<&'a str>,
}

impl std::fmt::Debug for PaapiConnection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaapiConnection")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key.map(|_| "[redacted]"))
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, ConnectError> {
    value.ok_or(ConnectError::Missing { field })
}

/// The Creators API source for these settings.
///
/// # Errors
///
/// [`ConnectError::Missing`] for a missing credential or associate tag,
/// [`ConnectError::Invalid`] for an unknown version or an unusable URL.
pub fn creators_source(
    c: &CreatorsConnection<'_>,
    clock: Arc<dyn Clock>,
) -> Result<CreatorsApiSource, ConnectError> {
    let version = match c.version {
        Some(v) => v
            .parse::<CredentialVersion>()
            .map_err(|e| ConnectError::Invalid {
                field: "version",
                message: e.to_string(),
            })?,
        None => CredentialVersion::V2_2,
    };
    let mut builder = CreatorsApiSource::builder()
        .credential_id(required(c.credential_id, "credential_id")?)
        .credential_secret(
            required(c.credential_secret, "credential_secret")?
                .expose_secret()
                .to_owned(),
        )
        .credential_version(version)
        .associate_tag(required(c.associate_tag, "associate_tag")?)
        .clock(clock);
    if let Some(url) = c.base_url {
        builder = builder.base_url(url);
    }
    if let Some(url) = c.token_url {
        builder = builder.token_url(url);
    }
    builder.build().map_err(|e| ConnectError::Invalid {
        field: "creators",
        message: e.to_string(),
    })
}

/// The PA-API 5.0 source for these settings.
///
/// # Errors
///
/// [`ConnectError::Missing`] for a missing key or associate tag, [`ConnectError::Invalid`] for
/// an unusable host.
#[cfg(feature = "paapi5")]
#[cfg_attr(docsrs, doc(cfg(feature = "paapi5")))]
pub fn paapi5_source(
    p: &PaapiConnection<'_>,
    clock: Arc<dyn Clock>,
) -> Result<PaApi5Source, ConnectError> {
    let mut builder = PaApi5Source::builder()
        .access_key(required(p.access_key, "access_key")?)
        .secret_key(
            required(p.secret_key, "secret_key")?
                .expose_secret()
                .to_owned(),
        )
        .associate_tag(required(p.associate_tag, "associate_tag")?)
        .clock(clock);
    if let Some(host) = p.host {
        builder = builder.base_url(format!("https://{host}"));
    }
    builder.build().map_err(|e| ConnectError::Invalid {
        field: "paapi",
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mandi_core::SystemClock;

    #[test]
    fn missing_settings_are_named_and_secrets_never_shown() {
        let secret = SecretString::from("hush-hush");
        let c = CreatorsConnection {
            credential_id: Some("id"),
            credential_secret: Some(&secret),
            ..CreatorsConnection::default()
        };
        let e = creators_source(&c, Arc::new(SystemClock)).expect_err("no associate tag");
        assert_eq!(e.field(), "associate_tag");
        assert!(!format!("{c:?}").contains("hush-hush"));
        let bad = CreatorsConnection {
            version: Some("9.9"),
            associate_tag: Some("tag-21"),
            ..c
        };
        let e = creators_source(&bad, Arc::new(SystemClock)).expect_err("bad version");
        assert_eq!(e.field(), "version");
        #[cfg(feature = "paapi5")]
        {
            let e = paapi5_source(&PaapiConnection::default(), Arc::new(SystemClock))
                .expect_err("no keys");
            assert_eq!(e.field(), "access_key");
            let p = PaapiConnection {
                access_key: Some("AK"),
                secret_key: Some(&secret),
                associate_tag: Some("tag-21"),
                host: None,
            };
            assert!(paapi5_source(&p, Arc::new(SystemClock)).is_ok());
            assert!(!format!("{p:?}").contains("hush-hush"));
        }
    }
}
