//! A seeded corpus of chat messages holding Amazon links, for the link-parsing bench.

/// A small deterministic generator (64-bit LCG, high bits), so the corpus is the same on
/// every run without a dependency.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next value below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ASINS: &[&str] = &[
    "B0CX59H5W7",
    "B0CHX1W1XY",
    "B0CS5XW6TN",
    "B08N5WRWNW",
    "080442957X",
    "0143333623",
];
const DOMAINS: &[&str] = &[
    "www.amazon.in",
    "amazon.in",
    "m.amazon.in",
    "www.amazon.com",
    "www.amazon.co.uk",
    "www.amazon.de",
];
const SLUGS: &[&str] = &[
    "Redmi-Arctic-White-256GB-Storage",
    "Apple-iPhone-15-128-GB",
    "Samsung-Galaxy-Storage-Without-Offer",
    "boAt-Airdopes-141-Bluetooth-Playtime",
];
const PATHS: &[&str] = &[
    "/dp/{A}",
    "/{S}/dp/{A}/ref=sr_1_3?crid=2M1X&keywords=redmi+note+13&qid=1718000000&sr=8-3",
    "/gp/product/{A}/ref=ppx_yo_dt_b_asin_title_o00_s00?ie=UTF8&psc=1",
    "/gp/aw/d/{A}?psc=1",
    "/dp/{A}?tag=somedeals-21&linkCode=ogi&th=1&psc=1",
    "/product-reviews/{A}/ref=cm_cr_dp_d_show_all_btm",
    "/gp/offer-listing/{A}",
];
const WORDS: &[&str] = &[
    "Deal",
    "of",
    "the",
    "day!",
    "Loot",
    "offer",
    "🔥",
    "only",
    "₹17,999",
    "hurry",
    "limited",
    "stock",
    "bank",
    "offer",
    "extra",
    "10%",
    "off",
    "with",
    "HDFC",
    "cards",
    "👉",
];
const OTHERS: &[&str] = &[
    "https://amzn.in/d/3xYzAbC",
    "https://amzn.to/3Kq2XyZ",
    "https://www.amazon.in.evil.com/dp/B0CX59H5W7",
    "https://amazon-in.com/dp/B0CX59H5W7",
    "https://www.flipkart.com/redmi-note-13/p/itm123?pid=MOB",
    "https://youtu.be/dQw4w9WgXcQ",
    "https://www.amazon.in/s?k=redmi+note+13",
];

fn words(rng: &mut Lcg, n: usize) -> String {
    (0..n)
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` chat messages: about 70 % hold a product link in one of the common shapes (with
/// text around it), 20 % a short link, lookalike, other site or search page, and 10 % no
/// link at all.
pub fn messages(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Lcg::new(seed);
    (0..n)
        .map(|_| {
            let before = rng.below(12);
            let after = rng.below(8);
            let roll = rng.below(10);
            let link = if roll < 7 {
                let path = rng
                    .pick(PATHS)
                    .replace("{A}", rng.pick(ASINS))
                    .replace("{S}", rng.pick(SLUGS));
                format!("https://{}{}", rng.pick(DOMAINS), path)
            } else if roll < 9 {
                rng.pick(OTHERS).to_owned()
            } else {
                String::new()
            };
            format!(
                "{} {link} {}",
                words(&mut rng, before),
                words(&mut rng, after)
            )
        })
        .collect()
}
