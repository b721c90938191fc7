//! Every marketplace the Creators API serves: its facts (host, `x-marketplace` value,
//! locale, currency, credential region, partner-tag rule), and links on its hosts in the
//! shapes people share, down to (marketplace, ASIN).

use mandi_core::Marketplace::{self, *};
use mandi_core::links::{
    LinkErrorKind, LinkResolver, ResolveError, parse_product_link, resolve_and_parse,
};
use mandi_core::{CredentialGroup, Currency, PartnerTagRule};

/// One row of [`FACTS`].
type Fact = (
    Marketplace,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Currency,
    u32,
    &'static str,
);

/// (marketplace, host, x-marketplace, PA-API region, credential version, locale,
/// currency, minor digits, partner-tag suffix). Hosts and regions are those of the PA-API 5.0
/// locale reference; credential versions those of the Creators API (2.1 NA, 2.2 EU, 2.3 FE).
#[rustfmt::skip]
const FACTS: &[Fact] = &[
    (India, "www.amazon.in", "webservices.amazon.in", "eu-west-1", "2.2", "en-IN", Currency::INR, 2, "21"),
    (UnitedStates, "www.amazon.com", "webservices.amazon.com", "us-east-1", "2.1", "en-US", Currency::USD, 2, "20"),
    (Canada, "www.amazon.ca", "webservices.amazon.ca", "us-east-1", "2.1", "en-CA", Currency::CAD, 2, "20"),
    (Mexico, "www.amazon.com.mx", "webservices.amazon.com.mx", "us-east-1", "2.1", "es-MX", Currency::MXN, 2, "20"),
    (Brazil, "www.amazon.com.br", "webservices.amazon.com.br", "us-east-1", "2.1", "pt-BR", Currency::BRL, 2, "20"),
    (UnitedKingdom, "www.amazon.co.uk", "webservices.amazon.co.uk", "eu-west-1", "2.2", "en-GB", Currency::GBP, 2, "21"),
    (Germany, "www.amazon.de", "webservices.amazon.de", "eu-west-1", "2.2", "de-DE", Currency::EUR, 2, "21"),
    (France, "www.amazon.fr", "webservices.amazon.fr", "eu-west-1", "2.2", "fr-FR", Currency::EUR, 2, "21"),
    (Italy, "www.amazon.it", "webservices.amazon.it", "eu-west-1", "2.2", "it-IT", Currency::EUR, 2, "21"),
    (Spain, "www.amazon.es", "webservices.amazon.es", "eu-west-1", "2.2", "es-ES", Currency::EUR, 2, "21"),
    (Netherlands, "www.amazon.nl", "webservices.amazon.nl", "eu-west-1", "2.2", "nl-NL", Currency::EUR, 2, "21"),
    (Belgium, "www.amazon.com.be", "webservices.amazon.com.be", "eu-west-1", "2.2", "fr-BE", Currency::EUR, 2, "21"),
    (Sweden, "www.amazon.se", "webservices.amazon.se", "eu-west-1", "2.2", "sv-SE", Currency::SEK, 2, "21"),
    (Poland, "www.amazon.pl", "webservices.amazon.pl", "eu-west-1", "2.2", "pl-PL", Currency::PLN, 2, "21"),
    (Ireland, "www.amazon.ie", "webservices.amazon.ie", "eu-west-1", "2.2", "en-IE", Currency::EUR, 2, "21"),
    (Turkey, "www.amazon.com.tr", "webservices.amazon.com.tr", "eu-west-1", "2.2", "tr-TR", Currency::TRY, 2, "21"),
    (UnitedArabEmirates, "www.amazon.ae", "webservices.amazon.ae", "eu-west-1", "2.2", "en-AE", Currency::AED, 2, "21"),
    (SaudiArabia, "www.amazon.sa", "webservices.amazon.sa", "eu-west-1", "2.2", "en-SA", Currency::SAR, 2, "21"),
    (Egypt, "www.amazon.eg", "webservices.amazon.eg", "eu-west-1", "2.2", "en-EG", Currency::EGP, 2, "21"),
    (Japan, "www.amazon.co.jp", "webservices.amazon.co.jp", "us-west-2", "2.3", "ja-JP", Currency::JPY, 0, "22"),
    (Singapore, "www.amazon.sg", "webservices.amazon.sg", "us-west-2", "2.3", "en-SG", Currency::SGD, 2, "22"),
    (Australia, "www.amazon.com.au", "webservices.amazon.com.au", "us-west-2", "2.3", "en-AU", Currency::AUD, 2, "22"),
];

#[test]
fn every_marketplace_has_its_facts() {
    assert_eq!(FACTS.len(), Marketplace::ALL.len());
    assert_eq!(
        Marketplace::ALL[0],
        India,
        "India is the primary marketplace"
    );
    for &(m, host, paapi, region, version, locale, currency, digits, suffix) in FACTS {
        assert_eq!(m.domain(), host, "{m:?}");
        assert_eq!(m.creators_marketplace(), host, "{m:?}: x-marketplace");
        assert_eq!(m.paapi_host(), paapi, "{m:?}");
        assert_eq!(m.paapi_region(), region, "{m:?}");
        assert_eq!(m.credential_version(), version, "{m:?}");
        let group = match region {
            "us-east-1" => CredentialGroup::NorthAmerica,
            "eu-west-1" => CredentialGroup::Europe,
            _ => CredentialGroup::FarEast,
        };
        assert_eq!(m.credential_group(), group, "{m:?}");
        assert_eq!(m.locale(), locale, "{m:?}");
        assert_eq!(m.currency(), currency, "{m:?}");
        assert_eq!(m.currency().exponent(), digits, "{m:?}");
        assert_eq!(m.partner_tag_rule().suffix(), suffix, "{m:?}");
        // The language of preference sent to the API agrees with the locale's language.
        assert_eq!(
            m.default_language()[..2],
            locale[..2],
            "{m:?}: {} vs {locale}",
            m.default_language()
        );
        assert_eq!(host.parse::<Marketplace>(), Ok(m));
    }
}

#[test]
fn partner_tag_rules_warn_or_refuse() {
    assert_eq!(India.partner_tag_rule(), PartnerTagRule::Fixed("21"));
    assert_eq!(India.partner_tag_rule().check("21"), Ok(true));
    assert_eq!(India.partner_tag_rule().check("20"), Err("21"));
    assert_eq!(Japan.partner_tag_rule().check("22"), Ok(true));
    assert_eq!(Japan.partner_tag_rule().check("21"), Ok(false));
}

/// The shapes a product link takes on a shop `host` (`amazon.de`), each with the ASIN.
fn shapes(root: &str, asin: &str) -> Vec<String> {
    vec![
        format!("https://www.{root}/dp/{asin}"),
        format!("https://{root}/dp/{asin}?th=1&psc=1"),
        format!(
            "https://www.{root}/Some-Product-Title/dp/{asin}/ref=sr_1_3?crid=2X&keywords=x&qid=1&sr=8-3"
        ),
        format!("https://www.{root}/gp/product/{asin}?pf_rd_r=ABC&tag=someone-21"),
        format!("https://m.{root}/gp/aw/d/{asin}/ref=mp_s_a_1_1"),
        format!("https://www.{root}/-/en/dp/{asin}"),
        format!("https://www.{root}/product-reviews/{asin}/ref=cm_cr_dp_d_show_all_btm"),
        format!("https://www.{root}/gp/offer-listing/{asin}"),
        format!("www.{root}/dp/{asin}"),
        format!("Look at this: https://www.{root}/dp/{asin}?ref_=cm_sw_r_cp_ud 👀"),
    ]
}

#[test]
fn links_on_every_shop_host_give_that_shop() {
    let asin = "B08N5WRWNW";
    for m in Marketplace::ALL {
        let root = &m.domain()[4..];
        for link in shapes(root, asin) {
            let p = parse_product_link(&link).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!((p.asin.as_str(), p.marketplace), (asin, m), "{link}");
        }
        // Upper-case hosts and a trailing dot are the same shop.
        let loud = format!("HTTPS://WWW.{}/DP/{asin}", root.to_ascii_uppercase());
        assert_eq!(
            parse_product_link(&loud).map(|p| p.marketplace),
            Ok(m),
            "{loud}"
        );
        // A lookalike built from the shop's own domain is refused.
        let fake = format!("https://www.{root}.deals-online.com/dp/{asin}");
        assert_eq!(
            parse_product_link(&fake).map_err(|e| e.kind()),
            Err(LinkErrorKind::Lookalike),
            "{fake}"
        );
    }
}

#[test]
fn real_link_shapes_of_other_shops() {
    let cases: &[(&str, &str, Marketplace)] = &[
        (
            "https://smile.amazon.com/dp/B07XJ8C8F5/ref=smi_www_rco2_go_smi",
            "B07XJ8C8F5",
            UnitedStates,
        ),
        (
            "https://smile.amazon.co.uk/gp/product/B07PJV3JPR",
            "B07PJV3JPR",
            UnitedKingdom,
        ),
        (
            "https://smile.amazon.de/dp/B07PJV3JPR",
            "B07PJV3JPR",
            Germany,
        ),
        (
            "https://www.amazon.co.jp/-/en/Apple-iPhone-15/dp/B0CHX3QBCH/ref=sr_1_1",
            "B0CHX3QBCH",
            Japan,
        ),
        (
            "https://www.amazon.co.jp/%E3%82%A2%E3%83%83%E3%83%97%E3%83%AB/dp/B0CHX3QBCH",
            "B0CHX3QBCH",
            Japan,
        ),
        (
            "https://www.amazon.com.be/-/nl/dp/B0BDJ4ZB9P",
            "B0BDJ4ZB9P",
            Belgium,
        ),
        (
            "https://www.amazon.ae/-/ar/dp/B0CHX1W1XY?language=ar_AE",
            "B0CHX1W1XY",
            UnitedArabEmirates,
        ),
        (
            "https://www.amazon.sa/-/en/dp/B0CHX1W1XY",
            "B0CHX1W1XY",
            SaudiArabia,
        ),
        (
            "https://www.amazon.eg/-/en/dp/B0CHX1W1XY",
            "B0CHX1W1XY",
            Egypt,
        ),
        (
            "https://www.amazon.ca/-/fr/dp/B0BSHF7WHW",
            "B0BSHF7WHW",
            Canada,
        ),
        (
            "https://www.amazon.com.tr/Samsung-Galaxy/dp/B0CSB14Y8F",
            "B0CSB14Y8F",
            Turkey,
        ),
        (
            "https://www.amazon.com.br/gp/product/B0CHX2WQLX?smid=A1ZZFT5FULY4LN",
            "B0CHX2WQLX",
            Brazil,
        ),
        (
            "https://www.amazon.com.mx/dp/B0CHX2WQLX?th=1",
            "B0CHX2WQLX",
            Mexico,
        ),
        (
            "https://www.amazon.se/-/en/dp/B0CHX2WQLX",
            "B0CHX2WQLX",
            Sweden,
        ),
        (
            "https://www.amazon.pl/-/en/dp/B0CHX2WQLX",
            "B0CHX2WQLX",
            Poland,
        ),
        (
            "https://www.amazon.nl/-/en/dp/B0CHX2WQLX",
            "B0CHX2WQLX",
            Netherlands,
        ),
        (
            "https://www.amazon.sg/dp/B0CHX2WQLX",
            "B0CHX2WQLX",
            Singapore,
        ),
        (
            "https://www.amazon.com.au/Apple-iPhone/dp/B0CHX2WQLX",
            "B0CHX2WQLX",
            Australia,
        ),
        ("https://www.amazon.ie/dp/B0CHX2WQLX", "B0CHX2WQLX", Ireland),
        ("https://amzn.com/B07XJ8C8F5", "B07XJ8C8F5", UnitedStates),
    ];
    for &(link, asin, m) in cases {
        let p = parse_product_link(link).unwrap_or_else(|e| panic!("{link}: {e}"));
        assert_eq!((p.asin.as_str(), p.marketplace), (asin, m), "{link}");
    }
}

#[test]
fn short_link_hosts_name_the_shops_they_reach() {
    assert_eq!(
        Marketplace::reachable_from_short_host("amzn.in"),
        vec![India]
    );
    assert_eq!(
        Marketplace::reachable_from_short_host("www.amzn.asia"),
        vec![Japan, Singapore, Australia]
    );
    let eu = Marketplace::reachable_from_short_host("amzn.eu");
    assert!(eu.contains(&Germany) && eu.contains(&UnitedKingdom) && !eu.contains(&India));
    assert_eq!(
        Marketplace::reachable_from_short_host("a.co").len(),
        Marketplace::ALL.len()
    );
    assert!(Marketplace::reachable_from_short_host("bit.ly").is_empty());
    for m in Marketplace::ALL {
        for host in m.short_link_hosts() {
            let link = format!("https://{host}/d/3xYzAbC");
            assert_eq!(
                parse_product_link(&link).map_err(|e| e.kind()),
                Err(LinkErrorKind::ShortLink),
                "{link}"
            );
        }
    }
}

/// Expands short links the way Amazon's redirects do (the HTTP adapter, tested on loopback,
/// is `mandi_paapi::resolver::HttpLinkResolver`): each short code maps to a shop link.
struct Redirects(Vec<(String, String)>);

#[async_trait::async_trait]
impl LinkResolver for Redirects {
    async fn resolve(&self, short: &url::Url) -> Result<url::Url, ResolveError> {
        self.0
            .iter()
            .find(|(s, _)| s == short.as_str())
            .and_then(|(_, full)| url::Url::parse(full).ok())
            .ok_or(ResolveError::NoRedirect { status: 404 })
    }
}

#[tokio::test]
async fn short_links_lead_to_the_shop_they_redirect_to() {
    let mut table = Vec::new();
    let mut expected = Vec::new();
    for (i, m) in Marketplace::ALL.into_iter().enumerate() {
        for (j, host) in m.short_link_hosts().iter().enumerate() {
            let short = format!("https://{host}/d/c{i:02}h{j}");
            let full = format!(
                "https://www.{}/Product/dp/B0CHX2WQ{i:02}?ref_=cm_sw_r",
                &m.domain()[4..]
            );
            table.push((short.clone(), full));
            expected.push((short, format!("B0CHX2WQ{i:02}"), m));
        }
    }
    let resolver = Redirects(table);
    for (short, asin, m) in expected {
        let p = resolve_and_parse(&format!("deal: {short} !!"), &resolver)
            .await
            .unwrap_or_else(|e| panic!("{short}: {e}"));
        assert_eq!(
            (p.asin.as_str(), p.marketplace),
            (asin.as_str(), m),
            "{short}"
        );
        let host = url::Url::parse(&short)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        assert!(
            Marketplace::reachable_from_short_host(host.as_deref().unwrap_or_default())
                .contains(&m),
            "{short}"
        );
    }
}
