//! Several marketplaces from one sandbox: the same ASIN on amazon.in, amazon.com,
//! amazon.co.uk and amazon.de through both real clients, per-market sales, per-market
//! refusals and the SigV4 region of each marketplace.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use mandi_core::{
    Asin, Currency, ItemErrorKind, ItemsRequest, ManualClock, Marketplace, ProductSource,
    SearchRequest,
};
use mandi_paapi::paapi5::TARGET_PREFIX;
use mandi_paapi::sandbox::{
    Catalog, EventKind, Oracle, RunningSandbox, SANDBOX_MARKETPLACES, Sandbox,
};
use mandi_paapi::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::{http, t0, token};
use mandi_paapi::creators::CredentialVersion;

const ALL: [Marketplace; 4] = SANDBOX_MARKETPLACES;

async fn start_at(at: DateTime<Utc>) -> RunningSandbox {
    Sandbox::builder()
        .seed(3)
        .clock(Arc::new(ManualClock::new(at)))
        .start()
        .await
        .unwrap()
}

/// An ASIN every marketplace sells and has in stock at `at`.
fn everywhere_in_stock(oracle: &Oracle, at: DateTime<Utc>) -> Asin {
    oracle
        .asins_in(Marketplace::Germany)
        .into_iter()
        .find(|&a| {
            oracle.markets_of(a) == ALL
                && ALL
                    .iter()
                    .all(|&m| oracle.offer_in(m, a, at).unwrap().price.is_some())
        })
        .expect("some ASIN is sold and in stock everywhere")
}

fn currency_of(m: Marketplace) -> Currency {
    match m {
        Marketplace::India => Currency::INR,
        Marketplace::UnitedStates => Currency::USD,
        Marketplace::UnitedKingdom => Currency::GBP,
        _ => Currency::EUR,
    }
}

#[tokio::test]
async fn one_asin_in_four_markets_through_both_clients_is_the_oracles_price() {
    let s = start_at(t0()).await;
    assert_eq!(s.marketplaces(), ALL);
    let asin = everywhere_in_stock(s.oracle(), t0());
    let creators_v2 = s.all_markets_source(false).unwrap();
    let creators_v3 = s.all_markets_source(true).unwrap();
    let paapi = s.paapi5_source().unwrap();
    let sources: [&dyn ProductSource; 3] = [&creators_v2, &creators_v3, &paapi];
    let mut prices = Vec::new();
    for m in ALL {
        let truth = s.oracle().offer_in(m, asin, t0()).unwrap();
        let price = truth.price.unwrap();
        assert_eq!(price.currency(), currency_of(m), "{m}");
        for source in sources {
            let batch = source
                .get_items(&ItemsRequest::new(m, [asin]))
                .await
                .unwrap_or_else(|e| panic!("{} on {m}: {e}", source.name()));
            assert!(batch.errors.is_empty(), "{m}: {:?}", batch.errors);
            let product = &batch.items[0];
            assert_eq!(product.marketplace, m);
            assert_eq!(product.price(), Some(price), "{} on {m}", source.name());
            assert_eq!(
                product.buy_box().and_then(|o| o.list_price),
                Some(truth.mrp),
                "{m}"
            );
        }
        prices.push(price);
    }
    // Four currencies, four different amounts; the US and European ones end in .99 or are
    // whole tens minus one.
    for p in &prices[1..] {
        let cents = p.minor() % 100;
        assert!(cents == 99 || cents == 49 || cents == 0, "{p:?}");
    }
}

#[tokio::test]
async fn an_asin_not_sold_in_a_market_is_not_accessible_there() {
    let s = start_at(t0()).await;
    let o = s.oracle();
    let only_india = o
        .catalog()
        .asins()
        .find(|&a| o.markets_of(a) == [Marketplace::India])
        .expect("some ASIN is sold in India only");
    let in_de = o.asins_in(Marketplace::Germany)[0];
    assert!(o.offer_in(Marketplace::Germany, only_india, t0()).is_none());
    assert!(o.offer(only_india, t0()).is_some());
    let creators = s.all_markets_source(false).unwrap();
    let paapi = s.paapi5_source().unwrap();
    let sources: [&dyn ProductSource; 2] = [&creators, &paapi];
    for source in sources {
        // Alone: no item, one ItemNotAccessible error.
        let batch = source
            .get_items(&ItemsRequest::new(Marketplace::Germany, [only_india]))
            .await
            .unwrap();
        assert!(batch.items.is_empty());
        assert_eq!(batch.errors.len(), 1, "{:?}", batch.errors);
        assert_eq!(batch.errors[0].asin, only_india);
        assert_eq!(batch.errors[0].kind, ItemErrorKind::NotAccessible);
        assert_eq!(batch.errors[0].code, "ItemNotAccessible");
        assert!(
            batch.errors[0]
                .message
                .contains("is not accessible through the")
        );
        // With one it sells: that one, and the error.
        let batch = source
            .get_items(&ItemsRequest::new(
                Marketplace::Germany,
                [in_de, only_india],
            ))
            .await
            .unwrap();
        assert_eq!(batch.items.len(), 1);
        assert_eq!(batch.items[0].asin, in_de);
        assert_eq!(batch.errors[0].kind, ItemErrorKind::NotAccessible);
        // The same ASIN on amazon.in is there.
        let batch = source
            .get_items(&ItemsRequest::new(Marketplace::India, [only_india]))
            .await
            .unwrap();
        assert_eq!(batch.items.len(), 1);
    }
    // Search on amazon.de finds only what amazon.de sells, priced in euros.
    let page = creators
        .search_items(&SearchRequest::keywords(Marketplace::Germany, "phone"))
        .await
        .unwrap();
    assert!(!page.items.is_empty());
    for p in &page.items {
        assert!(o.sells(Marketplace::Germany, p.asin), "{}", p.asin);
        if let Some(price) = p.price() {
            assert_eq!(price.currency(), Currency::EUR);
        }
    }
}

/// A signed PA-API GetItems for `marketplace`, signed for `region`.
async fn paapi_signed(
    s: &RunningSandbox,
    marketplace: &str,
    region: &str,
    asin: Asin,
) -> (u16, Value) {
    let body = json!({
        "PartnerTag": s.credentials().associate_tag,
        "PartnerType": "Associates",
        "Marketplace": marketplace,
        "ItemIds": [asin.as_str()],
        "Resources": ["ItemInfo.Title", "OffersV2.Listings.Price"],
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let path = "/paapi5/getitems";
    let headers = vec![
        ("host".to_owned(), s.addr().to_string()),
        (
            "content-type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ),
        ("content-encoding".to_owned(), "amz-1.0".to_owned()),
        (
            "x-amz-target".to_owned(),
            format!("{TARGET_PREFIX}GetItems"),
        ),
    ];
    let creds = Credentials::new(
        s.credentials().paapi.access_key.clone(),
        s.credentials().paapi.secret_key.expose_secret().to_owned(),
        None,
    );
    let signed = sigv4::sign(
        &SignableRequest {
            method: "POST",
            uri: path,
            headers: &headers,
            body: &bytes,
        },
        &SigningParams {
            credentials: &creds,
            region,
            service: "ProductAdvertisingAPI",
            time: s.now(),
        },
        &SigningSettings::default(),
    )
    .unwrap();
    let mut request = http().post(format!("{}{path}", s.base_url())).body(bytes);
    for (k, v) in headers.iter().skip(1).chain(signed.headers.iter()) {
        request = request.header(k, v);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn paapi_wants_the_signature_region_of_the_marketplace() {
    let s = start_at(t0()).await;
    let asin = everywhere_in_stock(s.oracle(), t0());
    let code = |v: &Value| v["Errors"][0]["Code"].as_str().unwrap_or("").to_owned();
    for (market, right, wrong) in [
        ("www.amazon.com", "us-east-1", "eu-west-1"),
        ("www.amazon.co.uk", "eu-west-1", "us-east-1"),
        ("www.amazon.de", "eu-west-1", "us-east-1"),
        ("www.amazon.in", "eu-west-1", "us-west-2"),
    ] {
        let (status, body) = paapi_signed(&s, market, right, asin).await;
        assert_eq!(status, 200, "{market} {right}: {body}");
        let currency = &body["ItemsResult"]["Items"][0]["OffersV2"]["Listings"][0]["Price"]["Money"]
            ["Currency"];
        let m: Marketplace = market.parse().unwrap();
        assert_eq!(currency, m.currency().code(), "{market}");
        let (status, body) = paapi_signed(&s, market, wrong, asin).await;
        assert_eq!(
            (status, code(&body)),
            (401, "InvalidSignature".to_owned()),
            "{market} {wrong}"
        );
    }
    // A marketplace the sandbox does not serve is refused as Amazon refuses a bad value.
    let (status, body) = paapi_signed(&s, "www.amazon.fr", "eu-west-1", asin).await;
    assert_eq!(
        (status, code(&body)),
        (400, "InvalidParameterValue".to_owned())
    );
    assert!(body["Errors"][0]["Message"].as_str().unwrap().starts_with(
        "The value [www.amazon.fr] provided in the request for Marketplace is invalid."
    ));
    // A sandbox asked to serve amazon.in alone refuses amazon.com the same way.
    let only_in = Sandbox::builder()
        .seed(3)
        .clock(Arc::new(ManualClock::new(t0())))
        .marketplaces([Marketplace::India])
        .start()
        .await
        .unwrap();
    assert_eq!(only_in.marketplaces(), [Marketplace::India]);
    let (status, body) = paapi_signed(&only_in, "www.amazon.com", "us-east-1", asin).await;
    assert_eq!(
        (status, code(&body)),
        (400, "InvalidParameterValue".to_owned())
    );
    assert!(
        Sandbox::builder()
            .marketplaces([Marketplace::France])
            .start()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn creators_picks_the_market_by_header_and_credentials_by_region() {
    let s = start_at(t0()).await;
    let asin = everywhere_in_stock(s.oracle(), t0());
    let body = json!({"partnerTag": "mandi-21", "itemIds": [asin.as_str()],
        "resources": ["offersV2.listings.price"]});
    let send = |tok: String, version: &'static str, market: &'static str| {
        let url = format!("{}/catalog/v1/getItems", s.base_url());
        let body = body.clone();
        async move {
            let r = http()
                .post(url)
                .header("authorization", format!("Bearer {tok}, Version {version}"))
                .header("x-marketplace", market)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let eu = token(&s, CredentialVersion::V2_2).await;
    let na = token(&s, CredentialVersion::V2_1).await;
    for (market, tok, version) in [
        ("www.amazon.in", &eu, "2.2"),
        ("www.amazon.co.uk", &eu, "2.2"),
        ("www.amazon.de", &eu, "2.2"),
        ("www.amazon.com", &na, "2.1"),
    ] {
        let (status, reply) = send(tok.clone(), version, market).await;
        assert_eq!(status, 200, "{market}: {reply}");
        let money = &reply["itemsResult"]["items"][0]["offersV2"]["listings"][0]["price"]["money"];
        let m: Marketplace = market.parse().unwrap();
        let truth = s.oracle().offer_in(m, asin, t0()).unwrap().price.unwrap();
        assert_eq!(money["currency"], m.currency().code());
        assert_eq!(money["displayAmount"], truth.to_string());
    }
    // A Europe token cannot read amazon.com, a North America token cannot read amazon.de.
    let (status, reply) = send(eu.clone(), "2.2", "www.amazon.com").await;
    assert_eq!(status, 403, "{reply}");
    assert_eq!(reply["type"], "AccessDeniedException");
    let (status, _) = send(na.clone(), "2.1", "www.amazon.de").await;
    assert_eq!(status, 403);
    // Not served: the header's value is invalid.
    let (status, reply) = send(eu, "2.2", "www.amazon.co.jp").await;
    assert_eq!(status, 400);
    assert_eq!(reply["type"], "ValidationException");
    assert!(reply["message"].as_str().unwrap().starts_with(
        "The value [www.amazon.co.jp] provided in the x-marketplace header is invalid."
    ));
}

fn noon(y: i32, mo: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, 12, 0, 0).unwrap()
}

/// Of the ASINs `m` sells, those in the sale named `sale` at `at`, and how many of `m`'s
/// ASINs are in any sale at all then.
fn in_sale(o: &Oracle, m: Marketplace, at: DateTime<Utc>, sale: &str) -> (Vec<Asin>, usize) {
    let mut named = Vec::new();
    let mut any = 0;
    for a in o.asins_in(m) {
        let offer = o.offer_in(m, a, at).unwrap();
        if offer.sale.is_some() {
            any += 1;
        }
        if offer.sale.as_deref() == Some(sale) {
            named.push(a);
        }
    }
    (named, any)
}

#[test]
fn each_markets_sales_lower_its_prices_in_its_window_only() {
    let o = Oracle::new(Catalog::for_seed(3));
    use Marketplace::{Germany as DE, India as IN, UnitedKingdom as UK, UnitedStates as US};
    // (market, moment, sale, markets that must not run a sale of that name then)
    let cases: [(Marketplace, DateTime<Utc>, &str, &[Marketplace]); 6] = [
        (UK, noon(2026, 12, 28), "Boxing Day", &[US, DE, IN]),
        (US, noon(2026, 11, 27), "Black Friday", &[IN]),
        (US, noon(2026, 11, 30), "Cyber Monday", &[UK, DE, IN]),
        (DE, noon(2026, 11, 25), "Black Friday", &[IN]),
        (DE, noon(2026, 7, 14), "Prime Day", &[IN]),
        (
            IN,
            noon(2026, 10, 20),
            "Great Indian Festival",
            &[US, UK, DE],
        ),
    ];
    for (m, at, sale, absent) in cases {
        let (members, _) = in_sale(&o, m, at, sale);
        assert!(members.len() > 20, "{m} {sale}: {}", members.len());
        let mut lowered = 0;
        for &a in &members {
            let offer = o.offer_in(m, a, at).unwrap();
            assert_eq!(offer.mrp.currency(), currency_of(m));
            if let Some(p) = offer.price
                && !offer.fake_sale
                && p.minor() < offer.regular_price.minor()
            {
                lowered += 1;
            }
            let events = o.events_in(m, a, at - chrono::Duration::days(40), at);
            assert!(
                events.iter().any(
                    |e| matches!(&e.kind, EventKind::SaleStarted { sale: s, .. } if s == sale)
                ),
                "{m} {a} {sale}"
            );
        }
        // Real (not fake) sale prices are below the regular price.
        assert!(
            lowered * 10 >= members.len() * 7,
            "{m} {sale}: {lowered}/{}",
            members.len()
        );
        // The markets without that sale on their calendar run no sale of that name then.
        for &other in absent {
            let (theirs, _) = in_sale(&o, other, at, sale);
            assert!(theirs.is_empty(), "{sale} of {m} leaked into {other}");
        }
    }
    // Boxing Day is amazon.co.uk's alone: on 28 December nothing is on sale in the US or
    // Germany, and India runs its own Year End Sale.
    let at = noon(2026, 12, 28);
    assert_eq!(
        in_sale(&o, Marketplace::UnitedStates, at, "Boxing Day").1,
        0
    );
    assert_eq!(in_sale(&o, Marketplace::Germany, at, "Boxing Day").1, 0);
    assert!(
        !in_sale(&o, Marketplace::India, at, "Year End Sale")
            .0
            .is_empty()
    );
    let names = |m| {
        o.sales_in(m, noon(2026, 1, 1), noon(2027, 1, 1))
            .into_iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(Marketplace::UnitedKingdom),
        ["Prime Day", "Black Friday", "Boxing Day"]
    );
    assert_eq!(names(Marketplace::Germany), ["Prime Day", "Black Friday"]);
    assert_eq!(
        names(Marketplace::UnitedStates),
        ["Prime Day", "Black Friday", "Cyber Monday"]
    );
    assert!(names(Marketplace::India).contains(&"Great Indian Festival".to_owned()));
    assert!(
        o.sales_in(Marketplace::France, noon(2026, 1, 1), noon(2027, 1, 1))
            .is_empty()
    );
}

#[tokio::test]
async fn a_sale_price_reaches_the_client_in_its_market_only() {
    let at = noon(2026, 12, 28);
    let s = start_at(at).await;
    let o = s.oracle();
    // Sold in the UK and Germany, real Boxing Day discount in the UK, in stock in both.
    let asin = in_sale(o, Marketplace::UnitedKingdom, at, "Boxing Day")
        .0
        .into_iter()
        .find(|&a| {
            let uk = o.offer_in(Marketplace::UnitedKingdom, a, at).unwrap();
            let de = o.offer_in(Marketplace::Germany, a, at);
            !uk.fake_sale
                && uk
                    .price
                    .is_some_and(|p| p.minor() < uk.regular_price.minor())
                && de.is_some_and(|d| d.price.is_some() && d.deal.is_none())
        })
        .expect("a Boxing Day item also sold in Germany");
    let source = s.all_markets_source(false).unwrap();
    let uk = source
        .get_items(&ItemsRequest::new(Marketplace::UnitedKingdom, [asin]))
        .await
        .unwrap();
    let offer = uk.items[0].buy_box().unwrap();
    assert!(offer.deal.is_some(), "the UK offer shows its deal");
    assert!(
        offer.price.unwrap().minor() < offer.list_price.unwrap().minor(),
        "a sale price below the list price"
    );
    let de = source
        .get_items(&ItemsRequest::new(Marketplace::Germany, [asin]))
        .await
        .unwrap();
    assert!(de.items[0].buy_box().unwrap().deal.is_none());
    assert_eq!(
        de.items[0].price(),
        o.offer_in(Marketplace::Germany, asin, at).unwrap().price
    );
}

#[test]
fn the_same_seed_gives_the_same_overlapping_markets() {
    let a = Oracle::new(Arc::new(Catalog::generate(11)));
    let b = Oracle::new(Arc::new(Catalog::generate(11)));
    let c = Oracle::new(Arc::new(Catalog::generate(12)));
    let at = noon(2026, 11, 27);
    for m in ALL {
        let sold = a.asins_in(m);
        assert_eq!(sold, b.asins_in(m), "{m}");
        for &asin in sold.iter().step_by(25) {
            assert_eq!(a.offer_in(m, asin, at), b.offer_in(m, asin, at));
        }
    }
    assert_ne!(
        a.asins_in(Marketplace::Germany).len(),
        0,
        "amazon.de sells something"
    );
    assert_ne!(
        a.asins_in(Marketplace::Germany),
        c.asins_in(Marketplace::Germany),
        "another seed, another selection"
    );
    // Overlapping, not identical: India sells everything; each other market a part; some
    // ASINs are India's alone, some are everywhere, and the foreign selections differ.
    let total = a.catalog().len();
    assert_eq!(a.asins_in(Marketplace::India).len(), total);
    let counts: Vec<usize> = ALL[1..].iter().map(|&m| a.asins_in(m).len()).collect();
    for &n in &counts {
        assert!(n > total / 5 && n < total * 3 / 4, "{counts:?} of {total}");
    }
    let asins: Vec<Asin> = a.catalog().asins().collect();
    let everywhere = asins.iter().filter(|&&x| a.markets_of(x) == ALL).count();
    let india_only = asins
        .iter()
        .filter(|&&x| a.markets_of(x) == [Marketplace::India])
        .count();
    assert!(
        everywhere > 20 && india_only > 200,
        "{everywhere} {india_only}"
    );
    assert_ne!(
        a.asins_in(Marketplace::UnitedKingdom),
        a.asins_in(Marketplace::Germany)
    );
    // amazon.in through the market view is amazon.in as it always was.
    for asin in a.catalog().asins().step_by(50) {
        assert_eq!(a.offer_in(Marketplace::India, asin, at), a.offer(asin, at));
        assert_eq!(
            a.events_in(Marketplace::India, asin, noon(2026, 1, 1), noon(2026, 3, 1)),
            a.events(asin, noon(2026, 1, 1), noon(2026, 3, 1))
        );
    }
    // The docs' example ASINs are sold everywhere.
    let example = Asin::parse("B0CX59H5W7").unwrap();
    assert_eq!(a.markets_of(example), ALL);
}

#[tokio::test]
async fn the_banner_lists_the_markets() {
    let s = start_at(t0()).await;
    let banner = s.banner();
    for (m, currency, region) in [
        ("www.amazon.in", "INR", "eu-west-1"),
        ("www.amazon.com", "USD", "us-east-1"),
        ("www.amazon.co.uk", "GBP", "eu-west-1"),
        ("www.amazon.de", "EUR", "eu-west-1"),
    ] {
        let line = banner
            .lines()
            .find(|l| l.trim_start().starts_with(m))
            .unwrap_or_else(|| panic!("{m} in {banner}"));
        assert!(line.contains(currency) && line.contains(region), "{line}");
    }
    assert!(banner.contains("/na/oauth2/token"));
}
