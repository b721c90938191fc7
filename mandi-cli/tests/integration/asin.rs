//! `mandi asin`: links, messages and ASINs in; ASIN, marketplace and links out.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use serde::Deserialize;

use crate::util::assert_one_line_error;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Doc {
    Product(Report),
}

#[derive(Debug, Deserialize)]
struct Report {
    asin: String,
    marketplace: String,
    country: String,
    url: String,
    affiliate_url: Option<String>,
    expanded_from: Option<String>,
}

fn product(doc: Doc) -> Report {
    match doc {
        Doc::Product(r) => r,
    }
}

mtest!(
    prints_asin_marketplace_and_link_of_a_pasted_link,
    |dir, cmd| {
        let out = cmd
        .args([
            "asin",
            "https://www.amazon.in/Redmi-Note-13-5G/dp/B0CX59H5W7/ref=sr_1_3?th=1&tag=someone-21",
        ])
        .stdout();
        eqnice!(
            "ASIN         B0CX59H5W7\n\
         Marketplace  www.amazon.in (IN)\n\
         Link         https://www.amazon.in/dp/B0CX59H5W7\n",
            out
        );
    }
);

mtest!(json_gives_one_document, |dir, cmd| {
    let r = product(
        cmd.args(["asin", "https://m.amazon.co.uk/gp/aw/d/b08n5wrwnw?psc=1"])
            .json(),
    );
    assert_eq!(r.asin, "B08N5WRWNW");
    assert_eq!(r.marketplace, "www.amazon.co.uk");
    assert_eq!(r.country, "GB");
    assert_eq!(r.url, "https://www.amazon.co.uk/dp/B08N5WRWNW");
    assert_eq!(r.affiliate_url, None);
    assert_eq!(r.expanded_from, None);
});

mtest!(a_whole_message_unquoted_works, |dir, cmd| {
    let r = product(
        cmd.args([
            "asin",
            "Deal",
            "of",
            "the",
            "day!",
            "(https://amazon.in/gp/product/B0CX59H5W7).",
            "Hurry",
        ])
        .json(),
    );
    assert_eq!(r.asin, "B0CX59H5W7");
    assert_eq!(r.country, "IN");
});

mtest!(a_bare_asin_uses_the_configured_marketplace, |dir, cmd| {
    dir.write_config("[general]\nmarketplace = \"www.amazon.de\"\n");
    let r = product(cmd.args(["asin", "b08n5wrwnw"]).json());
    assert_eq!(r.asin, "B08N5WRWNW");
    assert_eq!(r.marketplace, "www.amazon.de");
});

mtest!(
    the_configured_associate_tag_gives_an_affiliate_link,
    |dir, cmd| {
        dir.write_config("[general]\nassociate_tag = \"mandi-21\"\n");
        let out = cmd
            .args(["asin", "https://www.amazon.in/dp/B0CX59H5W7?tag=other-21"])
            .stdout();
        assert!(
            out.contains("Affiliate    https://www.amazon.in/dp/B0CX59H5W7?tag=mandi-21\n"),
            "{out}"
        );
        assert!(!out.contains("other-21"), "{out}");
    }
);

mtest!(
    the_associate_tag_may_come_from_the_environment,
    |dir, cmd| {
        let r = product(
            cmd.env("MANDI_GENERAL__ASSOCIATE_TAG", "envtag-21")
                .args(["asin", "B0CX59H5W7"])
                .json(),
        );
        assert_eq!(
            r.affiliate_url.as_deref(),
            Some("https://www.amazon.in/dp/B0CX59H5W7?tag=envtag-21")
        );
    }
);

mtest!(
    a_tag_that_is_not_an_associates_tag_is_refused,
    |dir, cmd| {
        dir.write_config("[general]\nassociate_tag = \"x&tag=evil-20\"\n");
        let err = cmd.args(["asin", "B0CX59H5W7"]).fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("general.associate_tag"), "{err}");
        assert!(err.contains("not an Amazon Associates tag"), "{err}");
    }
);

mtest!(bad_input_exits_2_with_a_one_line_reason, |dir, cmd| {
    let cases = [
        (
            "https://www.flipkart.com/phone/p/itm1",
            "not an Amazon shop",
        ),
        (
            "https://www.amazon.in.evil.com/dp/B0CX59H5W7",
            "only looks like Amazon",
        ),
        ("https://www.amazon.in@evil.com/dp/B0CX59H5W7", "user name"),
        (
            "https://www.amazon.in/s?k=phone",
            "a search results page, not a product page",
        ),
        ("https://www.amazon.in/dp/A0CX59H5W7", "not an ASIN"),
        ("A0CX59H5W7", "must start with \"B0\""),
        ("is this\nstill available?", "no link found"),
    ];
    for (input, reason) in cases {
        let (_d, mut c) = crate::util::setup("bad-input");
        let err = c.args(["asin", input]).fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains(reason), "{input}: {err}");
    }
});

mtest!(offline_short_links_say_the_network_is_needed, |dir, cmd| {
    let err = cmd
        .args(["asin", "--offline", "look https://amzn.in/d/3xYzAbC"])
        .fails_with(2);
    assert_one_line_error(&err);
    assert!(err.contains("short link needs network"), "{err}");
    assert!(err.contains("https://amzn.in/d/3xYzAbC"), "{err}");
});

/// A one-shot HTTP server on loopback answering with a redirect; returns its URL and a
/// handle giving the request line it received.
fn redirect_once(location: &'static str) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut request_line = String::new();
        reader.read_line(&mut request_line).expect("request line");
        let mut line = String::new();
        while reader.read_line(&mut line).expect("header") > 2 {
            line.clear();
        }
        write!(
            stream,
            "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("respond");
        request_line.trim_end().to_owned()
    });
    (url, handle)
}

mtest!(short_links_are_expanded_through_the_resolver, |dir, cmd| {
    let (base, server) = redirect_once("https://www.amazon.in/Redmi/dp/B0CX59H5W7?ref_=x");
    let r = product(
        cmd.env("MANDI_SHORT_LINK_BASE_URL", &base)
            .args(["asin", "Deal! https://amzn.in/d/3xYzAbC"])
            .json(),
    );
    assert_eq!(r.asin, "B0CX59H5W7");
    assert_eq!(r.country, "IN");
    assert_eq!(
        r.expanded_from.as_deref(),
        Some("https://amzn.in/d/3xYzAbC")
    );
    assert_eq!(server.join().expect("server"), "GET /d/3xYzAbC HTTP/1.1");
});

mtest!(
    a_short_link_redirecting_away_from_amazon_is_refused,
    |dir, cmd| {
        let (base, server) = redirect_once("https://evil.example/dp/B0CX59H5W7");
        let err = cmd
            .env("MANDI_SHORT_LINK_BASE_URL", &base)
            .args(["asin", "https://a.co/d/evil"])
            .fails_with(2);
        assert_one_line_error(&err);
        assert!(err.contains("not Amazon"), "{err}");
        server.join().expect("server");
    }
);
