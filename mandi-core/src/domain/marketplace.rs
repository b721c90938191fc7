//! Amazon marketplaces and their API endpoints.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::money::{Currency, MoneyFormat};

/// The Creators API credential group a marketplace belongs to.
///
/// Each group has its own token endpoint; an account's credentials are issued for one group.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialGroup {
    /// North America and Brazil (credential version 2.1 / 3.1).
    NorthAmerica,
    /// Europe, the Middle East and India (credential version 2.2 / 3.2).
    Europe,
    /// Japan, Australia and Singapore (credential version 2.3 / 3.3).
    FarEast,
}

/// An Amazon marketplace (a country store).
///
/// Every port takes a marketplace; India is the default.
///
/// # Examples
///
/// ```
/// use mandi_core::{Currency, Marketplace};
/// let india = Marketplace::default();
/// assert_eq!(india, Marketplace::India);
/// assert_eq!(india.domain(), "www.amazon.in");
/// assert_eq!(india.currency(), Currency::INR);
/// assert_eq!(india.paapi_host(), "webservices.amazon.in");
/// assert_eq!(india.paapi_region(), "eu-west-1");
/// assert_eq!(Marketplace::from_host("amazon.co.uk"), Some(Marketplace::UnitedKingdom));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Marketplace {
    /// amazon.in
    #[default]
    India,
    /// amazon.com
    UnitedStates,
    /// amazon.ca
    Canada,
    /// amazon.com.mx
    Mexico,
    /// amazon.com.br
    Brazil,
    /// amazon.co.uk
    UnitedKingdom,
    /// amazon.de
    Germany,
    /// amazon.fr
    France,
    /// amazon.it
    Italy,
    /// amazon.es
    Spain,
    /// amazon.nl
    Netherlands,
    /// amazon.com.be
    Belgium,
    /// amazon.se
    Sweden,
    /// amazon.pl
    Poland,
    /// amazon.ie
    Ireland,
    /// amazon.com.tr
    Turkey,
    /// amazon.ae
    UnitedArabEmirates,
    /// amazon.sa
    SaudiArabia,
    /// amazon.eg
    Egypt,
    /// amazon.co.jp
    Japan,
    /// amazon.sg
    Singapore,
    /// amazon.com.au
    Australia,
}

struct Info {
    code: &'static str,
    suffix: &'static str,
    currency: Currency,
    region: &'static str,
    group: CredentialGroup,
    language: &'static str,
}

impl Marketplace {
    /// Every marketplace, India first.
    pub const ALL: [Marketplace; 22] = [
        Self::India,
        Self::UnitedStates,
        Self::Canada,
        Self::Mexico,
        Self::Brazil,
        Self::UnitedKingdom,
        Self::Germany,
        Self::France,
        Self::Italy,
        Self::Spain,
        Self::Netherlands,
        Self::Belgium,
        Self::Sweden,
        Self::Poland,
        Self::Ireland,
        Self::Turkey,
        Self::UnitedArabEmirates,
        Self::SaudiArabia,
        Self::Egypt,
        Self::Japan,
        Self::Singapore,
        Self::Australia,
    ];

    fn info(self) -> Info {
        use CredentialGroup::{Europe as EU, FarEast as FE, NorthAmerica as NA};
        let (code, suffix, currency, region, group, language) = match self {
            Self::India => ("IN", "in", Currency::INR, "eu-west-1", EU, "en_IN"),
            Self::UnitedStates => ("US", "com", Currency::USD, "us-east-1", NA, "en_US"),
            Self::Canada => ("CA", "ca", Currency::CAD, "us-east-1", NA, "en_CA"),
            Self::Mexico => ("MX", "com.mx", Currency::MXN, "us-east-1", NA, "es_MX"),
            Self::Brazil => ("BR", "com.br", Currency::BRL, "us-east-1", NA, "pt_BR"),
            Self::UnitedKingdom => ("GB", "co.uk", Currency::GBP, "eu-west-1", EU, "en_GB"),
            Self::Germany => ("DE", "de", Currency::EUR, "eu-west-1", EU, "de_DE"),
            Self::France => ("FR", "fr", Currency::EUR, "eu-west-1", EU, "fr_FR"),
            Self::Italy => ("IT", "it", Currency::EUR, "eu-west-1", EU, "it_IT"),
            Self::Spain => ("ES", "es", Currency::EUR, "eu-west-1", EU, "es_ES"),
            Self::Netherlands => ("NL", "nl", Currency::EUR, "eu-west-1", EU, "nl_NL"),
            Self::Belgium => ("BE", "com.be", Currency::EUR, "eu-west-1", EU, "fr_BE"),
            Self::Sweden => ("SE", "se", Currency::SEK, "eu-west-1", EU, "sv_SE"),
            Self::Poland => ("PL", "pl", Currency::PLN, "eu-west-1", EU, "pl_PL"),
            Self::Ireland => ("IE", "ie", Currency::EUR, "eu-west-1", EU, "en_IE"),
            Self::Turkey => ("TR", "com.tr", Currency::TRY, "eu-west-1", EU, "tr_TR"),
            Self::UnitedArabEmirates => ("AE", "ae", Currency::AED, "eu-west-1", EU, "en_AE"),
            Self::SaudiArabia => ("SA", "sa", Currency::SAR, "eu-west-1", EU, "en_AE"),
            Self::Egypt => ("EG", "eg", Currency::EGP, "eu-west-1", EU, "en_AE"),
            Self::Japan => ("JP", "co.jp", Currency::JPY, "us-west-2", FE, "ja_JP"),
            Self::Singapore => ("SG", "sg", Currency::SGD, "us-west-2", FE, "en_SG"),
            Self::Australia => ("AU", "com.au", Currency::AUD, "us-west-2", FE, "en_AU"),
        };
        Info {
            code,
            suffix,
            currency,
            region,
            group,
            language,
        }
    }

    /// ISO 3166 country code (`IN`, `US`, `GB`…).
    pub fn country_code(self) -> &'static str {
        self.info().code
    }

    /// The domain suffix after `amazon.` (`in`, `co.uk`, `com.au`).
    pub fn domain_suffix(self) -> &'static str {
        self.info().suffix
    }

    /// The shop's domain, as the APIs name the marketplace (`www.amazon.in`).
    pub fn domain(self) -> &'static str {
        match self {
            Self::India => "www.amazon.in",
            Self::UnitedStates => "www.amazon.com",
            Self::Canada => "www.amazon.ca",
            Self::Mexico => "www.amazon.com.mx",
            Self::Brazil => "www.amazon.com.br",
            Self::UnitedKingdom => "www.amazon.co.uk",
            Self::Germany => "www.amazon.de",
            Self::France => "www.amazon.fr",
            Self::Italy => "www.amazon.it",
            Self::Spain => "www.amazon.es",
            Self::Netherlands => "www.amazon.nl",
            Self::Belgium => "www.amazon.com.be",
            Self::Sweden => "www.amazon.se",
            Self::Poland => "www.amazon.pl",
            Self::Ireland => "www.amazon.ie",
            Self::Turkey => "www.amazon.com.tr",
            Self::UnitedArabEmirates => "www.amazon.ae",
            Self::SaudiArabia => "www.amazon.sa",
            Self::Egypt => "www.amazon.eg",
            Self::Japan => "www.amazon.co.jp",
            Self::Singapore => "www.amazon.sg",
            Self::Australia => "www.amazon.com.au",
        }
    }

    /// The PA-API 5.0 host (`webservices.amazon.in`).
    pub fn paapi_host(self) -> String {
        format!("webservices.amazon.{}", self.domain_suffix())
    }

    /// The AWS region PA-API 5.0 requests for this marketplace are signed for.
    pub fn paapi_region(self) -> &'static str {
        self.info().region
    }

    /// The Creators API credential group (India is in [`CredentialGroup::Europe`]).
    pub fn credential_group(self) -> CredentialGroup {
        self.info().group
    }

    /// The shop's currency.
    pub fn currency(self) -> super::money::Currency {
        self.info().currency
    }

    /// The default language of preference (`en_IN`).
    pub fn default_language(self) -> &'static str {
        self.info().language
    }

    /// The value of the Creators API `x-marketplace` header (and of PA-API 5.0's
    /// `Marketplace` request field) for this marketplace: the shop's domain with `www.`,
    /// `www.amazon.in`.
    pub fn creators_marketplace(self) -> &'static str {
        self.domain()
    }

    /// The credential version of the Creators API's Cognito credentials for this
    /// marketplace (`2.1` North America, `2.2` Europe, `2.3` Far East); Login-with-Amazon
    /// credentials use `3.x` with the same minor number.
    pub fn credential_version(self) -> &'static str {
        match self.credential_group() {
            CredentialGroup::NorthAmerica => "2.1",
            CredentialGroup::Europe => "2.2",
            CredentialGroup::FarEast => "2.3",
        }
    }

    /// The BCP 47 locale whose CLDR conventions the shop's prices are written in
    /// (`en-IN`, `de-DE`, `fr-BE`); see [`Marketplace::money_format`].
    pub fn locale(self) -> &'static str {
        match self {
            Self::India => "en-IN",
            Self::UnitedStates => "en-US",
            Self::Canada => "en-CA",
            Self::Mexico => "es-MX",
            Self::Brazil => "pt-BR",
            Self::UnitedKingdom => "en-GB",
            Self::Germany => "de-DE",
            Self::France => "fr-FR",
            Self::Italy => "it-IT",
            Self::Spain => "es-ES",
            Self::Netherlands => "nl-NL",
            Self::Belgium => "fr-BE",
            Self::Sweden => "sv-SE",
            Self::Poland => "pl-PL",
            Self::Ireland => "en-IE",
            Self::Turkey => "tr-TR",
            Self::UnitedArabEmirates => "en-AE",
            Self::SaudiArabia => "en-SA",
            Self::Egypt => "en-EG",
            Self::Japan => "ja-JP",
            Self::Singapore => "en-SG",
            Self::Australia => "en-AU",
        }
    }

    /// How amounts are written in this shop (CLDR number and currency conventions of
    /// [`Marketplace::locale`]); [`Money::display_in`](super::Money::display_in) uses it.
    pub fn money_format(self) -> MoneyFormat {
        MoneyFormat::of(self)
    }

    /// The two-digit suffix Amazon conventionally gives Associates tracking ids of this
    /// marketplace's programme (`21` for amazon.in, `20` for amazon.com, `22` for
    /// amazon.co.jp). Amazon does not guarantee it, so it is a hint
    /// ([`PartnerTagRule::Conventional`]), never a reason to refuse a tag, except where a
    /// programme is known to use one suffix only ([`PartnerTagRule::Fixed`]).
    pub fn partner_tag_rule(self) -> PartnerTagRule {
        match self {
            Self::India => PartnerTagRule::Fixed("21"),
            Self::UnitedStates => PartnerTagRule::Fixed("20"),
            Self::Canada | Self::Mexico | Self::Brazil => PartnerTagRule::Conventional("20"),
            Self::Japan => PartnerTagRule::Conventional("22"),
            Self::Australia | Self::Singapore => PartnerTagRule::Conventional("22"),
            _ => PartnerTagRule::Conventional("21"),
        }
    }

    /// The short-link hosts whose links can lead to this marketplace (`amzn.in` only to
    /// India; `amzn.eu` to the European shops; `amzn.asia` to Japan, Singapore and
    /// Australia; `amzn.to` and `a.co` to any shop). A short link carries no ASIN: it is
    /// expanded over the network (`links::resolve_and_parse`).
    pub fn short_link_hosts(self) -> &'static [&'static str] {
        match self {
            Self::India => &["amzn.in", "amzn.to", "a.co"],
            Self::UnitedStates => &["amzn.com", "amzn.to", "a.co"],
            Self::Japan | Self::Singapore | Self::Australia => &["amzn.asia", "amzn.to", "a.co"],
            Self::UnitedKingdom
            | Self::Germany
            | Self::France
            | Self::Italy
            | Self::Spain
            | Self::Netherlands
            | Self::Belgium
            | Self::Sweden
            | Self::Poland
            | Self::Ireland => &["amzn.eu", "amzn.to", "a.co"],
            _ => &["amzn.to", "a.co"],
        }
    }

    /// The marketplaces a link on short-link host `host` can lead to (`amzn.in`: India
    /// only). Empty for a host that is not an Amazon short-link host.
    pub fn reachable_from_short_host(host: &str) -> Vec<Marketplace> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        Self::ALL
            .into_iter()
            .filter(|m| m.short_link_hosts().contains(&host))
            .collect()
    }

    /// Finds a marketplace from a host name (`amazon.in`, `www.amazon.in`, `m.amazon.in`,
    /// `smile.amazon.com`). Returns `None` for anything that is not exactly an Amazon shop
    /// host (so `amazon.in.evil.com` is `None`).
    pub fn from_host(host: &str) -> Option<Self> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let rest = host
            .strip_prefix("www.")
            .or_else(|| host.strip_prefix("m."))
            .or_else(|| host.strip_prefix("smile."))
            .unwrap_or(&host);
        let suffix = rest.strip_prefix("amazon.")?;
        Self::ALL.into_iter().find(|m| m.domain_suffix() == suffix)
    }
}

/// What Amazon expects of an Associates tracking id (partner tag) used in a marketplace.
///
/// A partner tag belongs to one marketplace's Associates programme: a request to
/// `www.amazon.co.uk` needs a tag of the UK programme. Each programme issues tags ending in
/// a two-digit suffix.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerTagRule {
    /// Every tag of this programme ends in this suffix (`21` for amazon.in, `20` for
    /// amazon.com); a tag with another suffix is of another programme.
    Fixed(&'static str),
    /// Tags of this programme conventionally end in this suffix, but other suffixes are
    /// issued too; another suffix only earns a warning.
    Conventional(&'static str),
}

impl PartnerTagRule {
    /// The suffix (`21`).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Fixed(s) | Self::Conventional(s) => s,
        }
    }

    /// `Ok(true)` when `tag_suffix` is the expected one, `Ok(false)` when it is unusual
    /// but allowed, `Err(expected)` when the programme only issues `expected`.
    ///
    /// # Errors
    ///
    /// The expected suffix, for a [`PartnerTagRule::Fixed`] programme.
    pub fn check(self, tag_suffix: &str) -> Result<bool, &'static str> {
        match self {
            Self::Fixed(s) if s == tag_suffix => Ok(true),
            Self::Fixed(s) => Err(s),
            Self::Conventional(s) => Ok(s == tag_suffix),
        }
    }
}

/// The text a marketplace is not known by.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown Amazon marketplace {0:?}: use a domain such as www.amazon.in or a country code such as IN"
)]
pub struct UnknownMarketplace(pub String);

impl FromStr for Marketplace {
    type Err = UnknownMarketplace;
    /// Accepts a domain (`www.amazon.in`, `amazon.in`), a country code (`IN`, `UK`) or the
    /// domain's ending as people write it (`com`, `co.uk`, `.de`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(m) = Self::from_host(t) {
            return Ok(m);
        }
        let upper = t.to_ascii_uppercase();
        let code = if upper == "UK" { "GB" } else { upper.as_str() };
        Self::ALL
            .into_iter()
            .find(|m| m.country_code() == code)
            .or_else(|| {
                let ending = t.trim_start_matches('.');
                (!ending.is_empty() && !ending.contains('/'))
                    .then(|| Self::from_host(&format!("amazon.{ending}")))
                    .flatten()
            })
            .ok_or_else(|| UnknownMarketplace(s.to_owned()))
    }
}

impl fmt::Display for Marketplace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.domain())
    }
}

impl Serialize for Marketplace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.domain())
    }
}

impl<'de> Deserialize<'de> for Marketplace {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marketplace_round_trips_through_its_domain_and_code() {
        for m in Marketplace::ALL {
            assert_eq!(Marketplace::from_host(m.domain()), Some(m));
            assert_eq!(m.country_code().parse::<Marketplace>().ok(), Some(m));
            assert_eq!(m.domain().parse::<Marketplace>().ok(), Some(m));
            // The domain's ending, as people write it (`com`, `.co.uk`).
            let ending = m.domain_suffix();
            assert_eq!(ending.parse::<Marketplace>().ok(), Some(m), "{ending}");
            assert_eq!(format!(".{ending}").parse::<Marketplace>().ok(), Some(m));
        }
        for bad in ["", ".", "ebay", "in.evil.com", "com/x", "narnia"] {
            assert!(bad.parse::<Marketplace>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lookalike_hosts_are_not_marketplaces() {
        assert_eq!(Marketplace::from_host("amazon.in.evil.com"), None);
        assert_eq!(Marketplace::from_host("evilamazon.in"), None);
        assert_eq!(Marketplace::from_host("amazon.xyz"), None);
    }

    #[test]
    fn india_is_in_the_european_credential_group() {
        assert_eq!(
            Marketplace::India.credential_group(),
            CredentialGroup::Europe
        );
        assert_eq!(
            Marketplace::Japan.credential_group(),
            CredentialGroup::FarEast
        );
    }
}
