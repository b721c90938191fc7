//! `HttpLinkResolver` against wiremock on loopback: hop-by-hop redirects, the host checks,
//! the hop limit, dead links, timeouts and network failures.

use std::time::Duration;

use mandi_core::Marketplace;
use mandi_core::links::{LinkError, LinkResolver, ResolveError, resolve_and_parse};
use mandi_paapi::resolver::{HttpLinkResolver, ResolverBuildError};
use url::Url;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|req: &Request| {
            ResponseTemplate::new(599).set_body_string(format!("no mock for {}", req.url.path()))
        })
        .with_priority(u8::MAX)
        .named("catch-all: a route no test mock covers")
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn resolver(server: &MockServer) -> HttpLinkResolver {
    HttpLinkResolver::builder()
        .base_url(&server.uri())
        .expect("loopback base URL")
        .timeout(Duration::from_secs(5))
        .build()
        .expect("resolver")
}

fn redirect(status: u16, location: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("Location", location)
}

async fn mount(server: &MockServer, p: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(response)
        .expect(times)
        .named(p.to_owned())
        .mount(server)
        .await;
}

fn short(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

#[tokio::test]
async fn one_redirect_to_a_product_page_is_read_without_fetching_the_page() {
    let server = server().await;
    mount(
        &server,
        "/d/3xYzAbC",
        redirect(
            301,
            "https://www.amazon.in/Redmi-Note-13/dp/B0CX59H5W7?ref_=cm_sw_r&th=1",
        ),
        1,
    )
    .await;
    let full = resolver(&server)
        .resolve(&short("https://amzn.in/d/3xYzAbC"))
        .await
        .expect("resolved");
    assert_eq!(
        full.as_str(),
        "https://www.amazon.in/Redmi-Note-13/dp/B0CX59H5W7?ref_=cm_sw_r&th=1"
    );
}

#[tokio::test]
async fn short_links_chain_and_relative_locations_are_followed() {
    let server = server().await;
    // amzn.to → amzn.in short link → an Amazon redirect page → a relative product path.
    mount(
        &server,
        "/3Kq2XyZ",
        redirect(302, "https://amzn.in/d/next"),
        1,
    )
    .await;
    mount(
        &server,
        "/d/next",
        redirect(301, "https://www.amazon.in/gp/r.html?C=1"),
        1,
    )
    .await;
    mount(
        &server,
        "/gp/r.html",
        redirect(307, "/dp/B0CX59H5W7?psc=1"),
        1,
    )
    .await;
    let product = resolve_and_parse("Deal!! https://amzn.to/3Kq2XyZ 🔥", &resolver(&server))
        .await
        .expect("resolved");
    assert_eq!(product.asin.as_str(), "B0CX59H5W7");
    assert_eq!(product.marketplace, Marketplace::India);
}

#[tokio::test]
async fn a_redirect_away_from_amazon_is_not_followed() {
    for location in [
        "https://evil.example/dp/B0CX59H5W7",
        "https://www.amazon.in.evil.com/dp/B0CX59H5W7",
        "https://www.amazon.in@evil.com/dp/B0CX59H5W7",
        "javascript:alert(1)",
    ] {
        let server = server().await;
        mount(&server, "/d/evil", redirect(302, location), 1).await;
        let err = resolver(&server)
            .resolve(&short("https://a.co/d/evil"))
            .await
            .expect_err(location);
        assert!(
            matches!(&err, ResolveError::LeftAmazon { .. }),
            "{location}: {err:?}"
        );
        assert!(err.to_string().contains("not followed"), "{err}");
    }
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_hop_limit() {
    let server = server().await;
    mount(
        &server,
        "/loop",
        redirect(301, "https://amzn.to/loop"),
        HttpLinkResolver::DEFAULT_MAX_HOPS as u64,
    )
    .await;
    let err = resolver(&server)
        .resolve(&short("https://amzn.to/loop"))
        .await
        .expect_err("loop");
    assert_eq!(
        err,
        ResolveError::TooManyRedirects {
            hops: HttpLinkResolver::DEFAULT_MAX_HOPS
        }
    );
}

#[tokio::test]
async fn a_short_link_that_does_not_redirect_is_reported_with_its_status() {
    let server = server().await;
    mount(&server, "/d/gone", ResponseTemplate::new(404), 1).await;
    mount(
        &server,
        "/d/page",
        ResponseTemplate::new(200).set_body_string("<html>"),
        1,
    )
    .await;
    let r = resolver(&server);
    let err = r
        .resolve(&short("https://amzn.in/d/gone"))
        .await
        .expect_err("404");
    assert_eq!(err, ResolveError::NoRedirect { status: 404 });
    assert!(err.to_string().contains("expired"), "{err}");
    let err = r
        .resolve(&short("https://amzn.in/d/page"))
        .await
        .expect_err("200");
    assert_eq!(err, ResolveError::NoRedirect { status: 200 });
}

#[tokio::test]
async fn a_redirect_without_location_is_a_bad_location() {
    let server = server().await;
    mount(&server, "/d/noloc", ResponseTemplate::new(301), 1).await;
    let err = resolver(&server)
        .resolve(&short("https://amzn.in/d/noloc"))
        .await
        .expect_err("no location");
    assert!(matches!(err, ResolveError::BadLocation { .. }), "{err:?}");
}

#[tokio::test]
async fn a_slow_server_times_out_as_retryable() {
    let server = server().await;
    mount(
        &server,
        "/d/slow",
        redirect(301, "https://www.amazon.in/dp/B0CX59H5W7").set_delay(Duration::from_secs(3)),
        1,
    )
    .await;
    let r = HttpLinkResolver::builder()
        .base_url(&server.uri())
        .expect("base")
        .timeout(Duration::from_millis(200))
        .build()
        .expect("resolver");
    let err = r
        .resolve(&short("https://amzn.in/d/slow"))
        .await
        .expect_err("timeout");
    assert!(matches!(err, ResolveError::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_network_error() {
    // Bind and drop a listener to get a loopback port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let r = HttpLinkResolver::builder()
        .base_url(&format!("http://127.0.0.1:{port}"))
        .expect("base")
        .build()
        .expect("resolver");
    let err = r
        .resolve(&short("https://amzn.in/d/x"))
        .await
        .expect_err("refused");
    assert!(matches!(err, ResolveError::Network { .. }), "{err:?}");
    assert!(err.is_retryable());
    // Through resolve_and_parse the short link is named.
    let err = resolve_and_parse("https://amzn.in/d/x", &r)
        .await
        .expect_err("refused");
    assert!(matches!(err, LinkError::Resolve { ref url, .. } if url == "https://amzn.in/d/x"));
}

#[test]
fn the_base_url_must_be_http() {
    for bad in ["ftp://127.0.0.1", "not a url", "127.0.0.1:8080"] {
        assert!(
            matches!(
                HttpLinkResolver::builder().base_url(bad),
                Err(ResolverBuildError::BaseUrl(_))
            ),
            "{bad}"
        );
    }
}

/// Regional short links (`amzn.eu`, `amzn.asia`, `a.co`) expand to the shop they redirect
/// to, which is one `Marketplace::reachable_from_short_host` names.
#[tokio::test]
async fn regional_short_links_lead_to_their_shops() {
    let server = server().await;
    let cases = [
        (
            "https://amzn.eu/d/deX1",
            "/d/deX1",
            "https://www.amazon.de/-/en/dp/B0CHX2WQLX?ref_=cm_sw_r",
            Marketplace::Germany,
        ),
        (
            "https://amzn.eu/d/frX2",
            "/d/frX2",
            "https://www.amazon.fr/Produit/dp/B0CHX2WQLX",
            Marketplace::France,
        ),
        (
            "https://amzn.asia/d/jpX3",
            "/d/jpX3",
            "https://www.amazon.co.jp/-/en/dp/B0CHX3QBCH",
            Marketplace::Japan,
        ),
        (
            "https://amzn.asia/d/auX4",
            "/d/auX4",
            "https://www.amazon.com.au/dp/B0CHX3QBCH",
            Marketplace::Australia,
        ),
        (
            "https://a.co/d/aeX5",
            "/d/aeX5",
            "https://www.amazon.ae/-/ar/dp/B0CHX1W1XY",
            Marketplace::UnitedArabEmirates,
        ),
    ];
    for (_, p, location, _) in &cases {
        mount(&server, p, redirect(301, location), 1).await;
    }
    let r = resolver(&server);
    for (short, _, _, shop) in cases {
        let product = resolve_and_parse(short, &r).await.expect(short);
        assert_eq!(product.marketplace, shop, "{short}");
        let host = short
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or_default();
        assert!(
            Marketplace::reachable_from_short_host(host).contains(&shop),
            "{short}"
        );
    }
}
