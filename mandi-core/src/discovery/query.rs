//! Query understanding: what a shopper typed ("gaming laptop under 80k with RTX 4060",
//! "boAt earbuds 1k ke andar", "iPhone 15 vs Galaxy S24", "80 हज़ार से कम में लैपटॉप") read into
//! a [`ParsedQuery`]: intent, keywords, category, brands, price bounds, features, rating,
//! discount, ordering and the products named.
//!
//! Deterministic, offline and fast: a hand-written lexer, then passes over the tokens, each
//! claiming the tokens it understood, in a fixed order (category, sort, rating, discount,
//! price, features, brands, intent). What nobody claimed is left as keywords.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::taxonomy::{self, AMBIGUOUS_BRANDS, BRAND_ALIASES, BRANDS, CATEGORY_WORDS};
use crate::domain::{Asin, Currency, Marketplace, Money};
use crate::links::{LinkError, parse_product_link};
use crate::ports::SortBy;

/// What the shopper wants done.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Find products.
    #[default]
    Search,
    /// Compare two or more products side by side.
    Compare,
    /// The current price of a product.
    Price,
    /// The price history of a product.
    History,
    /// Watch a product for a price.
    Watch,
    /// Current deals.
    Deals,
    /// Products like a given one.
    Similar,
}

impl Intent {
    /// The stable lower-case name (`search`, `compare`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Compare => "compare",
            Self::Price => "price",
            Self::History => "history",
            Self::Watch => "watch",
            Self::Deals => "deals",
            Self::Similar => "similar",
        }
    }
}

/// The ordering asked for.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuerySort {
    /// Cheapest first.
    PriceAsc,
    /// Most expensive first.
    PriceDesc,
    /// Best rated first.
    Rating,
    /// Biggest discount first.
    Discount,
    /// Newest first.
    Newest,
}

impl QuerySort {
    /// The API's own ordering, when it has one (it has none for discount, which is ranked
    /// locally).
    pub fn api_sort(self) -> Option<SortBy> {
        match self {
            Self::PriceAsc => Some(SortBy::PriceLowToHigh),
            Self::PriceDesc => Some(SortBy::PriceHighToLow),
            Self::Rating => Some(SortBy::AvgCustomerReviews),
            Self::Newest => Some(SortBy::NewestArrivals),
            Self::Discount => None,
        }
    }
}

/// A category predicted from the query: a node of the marketplace's browse tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMatch {
    /// The node's name (`Gaming Laptops`).
    pub name: String,
    /// The browse-node id (`22963796031`).
    pub browse_node: String,
}

/// A product the query names.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProductMention {
    /// A bare ASIN.
    Asin {
        /// The ASIN.
        asin: Asin,
    },
    /// A product link.
    Link {
        /// The ASIN it points at.
        asin: Asin,
        /// The marketplace of the link.
        marketplace: Marketplace,
    },
    /// A short link (amzn.in…) that must be expanded over the network first.
    ShortLink {
        /// The link.
        url: String,
    },
    /// A product named in words (`iPhone 15`).
    Name {
        /// The name as typed.
        name: String,
    },
}

/// A query read into its parts. The JSON field names are a contract: fields may be added,
/// never renamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedQuery {
    /// What the shopper wants done.
    pub intent: Intent,
    /// The words left for a keyword search (as typed, space-separated; may be empty).
    pub keywords: String,
    /// The predicted category.
    pub category: Option<CategoryMatch>,
    /// Brands named, as the catalogue spells them.
    pub brands: Vec<String>,
    /// The lowest price wanted.
    #[serde(with = "amount")]
    pub min_price: Option<Money>,
    /// The highest price wanted.
    #[serde(with = "amount")]
    pub max_price: Option<Money>,
    /// Required features, normalised (`16GB RAM`, `RTX 4060`, `5G`, `ANC`).
    pub features: Vec<String>,
    /// The minimum star rating (1–5).
    pub min_rating: Option<f32>,
    /// The minimum discount off MRP, percent.
    pub min_discount_percent: Option<u8>,
    /// The ordering asked for.
    pub sort: Option<QuerySort>,
    /// The products named (for compare, price, history, watch, similar).
    pub products: Vec<ProductMention>,
}

impl ParsedQuery {
    /// An empty search query.
    pub fn empty() -> Self {
        Self {
            intent: Intent::Search,
            keywords: String::new(),
            category: None,
            brands: Vec::new(),
            min_price: None,
            max_price: None,
            features: Vec::new(),
            min_rating: None,
            min_discount_percent: None,
            sort: None,
            products: Vec::new(),
        }
    }
}

/// `Option<Money>` as `{"amount": <minor units>, "currency": "INR"}` or `null`.
mod amount {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::domain::{Currency, Money};

    #[derive(Serialize, Deserialize)]
    struct Amount {
        amount: i64,
        currency: Currency,
    }

    pub(super) fn serialize<S: Serializer>(v: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|m| Amount {
            amount: m.minor(),
            currency: m.currency(),
        })
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
        Ok(Option::<Amount>::deserialize(d)?.map(|a| Money::from_minor(a.amount, a.currency)))
    }
}

// ----- lexer --------------------------------------------------------------------------------

/// Who claimed a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Free,
    Category,
    Sort,
    Rating,
    Discount,
    Price,
    Feature,
    Brand,
    Intent,
    Product,
}

#[derive(Debug, Clone)]
struct Token {
    /// Lower case, Devanagari digits as ASCII, nukta dropped.
    low: String,
    /// As typed (digits normalised).
    orig: String,
    used: Use,
}

/// Maps one input character to its normalised form (`None` drops it).
fn norm_char(c: char) -> Option<char> {
    Some(match c {
        '\u{0966}'..='\u{096F}' => char::from(b'0' + (c as u32 - 0x0966) as u8),
        '\u{0958}' => 'क',
        '\u{0959}' => 'ख',
        '\u{095A}' => 'ग',
        '\u{095B}' => 'ज',
        '\u{095C}' => 'ड',
        '\u{095D}' => 'ढ',
        '\u{095E}' => 'फ',
        '\u{095F}' => 'य',
        '\u{093C}' | '\u{200C}' | '\u{200D}' | '\u{FE0F}' => return None,
        '\u{2019}' | '\u{2018}' | '`' => '\'',
        '\u{2013}' | '\u{2014}' => '-',
        _ => c,
    })
}

fn is_word_char(c: char) -> bool {
    c == PLACEHOLDER
        || c.is_alphanumeric()
        || (('\u{0900}'..='\u{097F}').contains(&c) && !matches!(c, '।' | '॥'))
}

/// Splits text into words, numbers (`1,20,000`, `1.5`, `80k`) and the symbols that matter
/// (`₹ % + - < > &`).
fn lex(text: &str) -> Vec<Token> {
    // Normalised characters for reading, and where each starts in what was typed (a dropped
    // nukta stays with the letter before it, so names and keywords come back as typed: the
    // text typed for characters `from..to` is `text[starts[from]..starts[to]]`).
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    let mut starts: Vec<usize> = Vec::with_capacity(text.len() + 1);
    // (Dropped characters before the first kept one belong to no token.)
    for (at, c) in text.char_indices() {
        if let Some(n) = norm_char(c) {
            chars.push(n);
            starts.push(at);
        }
    }
    starts.push(text.len());
    let mut out = Vec::with_capacity(text.len() / 4 + 1);
    let mut i = 0;
    let push = |out: &mut Vec<Token>, from: usize, to: usize| {
        let norm: String = chars[from..to].iter().collect();
        out.push(Token {
            low: norm.to_lowercase(),
            orig: text[starts[from]..starts[to]].to_owned(),
            used: Use::Free,
        });
    };
    while i < chars.len() {
        let c = chars[i];
        if is_word_char(c) {
            let start = i;
            i += 1;
            while i < chars.len() {
                let c = chars[i];
                let next_is = |f: fn(char) -> bool| chars.get(i + 1).is_some_and(|&n| f(n));
                if is_word_char(c)
                    || (matches!(c, ',' | '.')
                        && chars[i - 1].is_ascii_digit()
                        && next_is(|n| n.is_ascii_digit()))
                    || (c == '\'' && chars[i - 1].is_alphabetic() && next_is(char::is_alphabetic))
                {
                    i += 1;
                } else {
                    break;
                }
            }
            push(&mut out, start, i);
            continue;
        }
        match c {
            '₹' | '%' | '+' | '<' | '>' | '&' => push(&mut out, i, i + 1),
            '-' => {
                let prev_digit = out.last().is_some_and(|t: &Token| {
                    t.low
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_ascii_digit() || c == 'k')
                });
                let next_digit = chars[i + 1..]
                    .iter()
                    .find(|c| !c.is_whitespace())
                    .is_some_and(|c| c.is_ascii_digit() || *c == '₹');
                if prev_digit && next_digit {
                    push(&mut out, i, i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

// ----- lexicon ------------------------------------------------------------------------------

struct Lexicon {
    /// Category phrases as token words, longest first, with their node.
    categories: Vec<(Vec<String>, &'static str)>,
    /// Brand phrases (names and aliases) as token words, longest first: (words, brand,
    /// ambiguous, exact spelling).
    brands: Vec<(Vec<String>, &'static str, bool, String)>,
    /// Product-line words → (brand, category).
    lines: HashMap<&'static str, (&'static str, &'static str)>,
    /// First word → indexes into `categories` (longest first).
    category_first: HashMap<String, Vec<usize>>,
    /// First word → indexes into `brands` (longest first).
    brand_first: HashMap<String, Vec<usize>>,
    /// The filler words.
    stop: std::collections::HashSet<&'static str>,
}

fn words_of(text: &str) -> Vec<String> {
    lex(text).into_iter().map(|t| t.low).collect()
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut categories: Vec<(Vec<String>, &'static str)> = CATEGORY_WORDS
        .iter()
        .map(|(w, id)| (words_of(w), *id))
        .collect();
    categories.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    let mut brands: Vec<(Vec<String>, &'static str, bool, String)> = BRANDS
        .iter()
        .map(|b| {
            let ambiguous = AMBIGUOUS_BRANDS.iter().any(|a| a.eq_ignore_ascii_case(b));
            (words_of(b), *b, ambiguous, (*b).to_owned())
        })
        .chain(BRAND_ALIASES.iter().map(|(alias, b)| {
            let ambiguous = AMBIGUOUS_BRANDS
                .iter()
                .any(|a| a.eq_ignore_ascii_case(alias));
            (words_of(alias), *b, ambiguous, (*b).to_owned())
        }))
        .collect();
    brands.sort_by_key(|(w, ..)| std::cmp::Reverse(w.len()));
    let lines = taxonomy::PRODUCT_LINES
        .iter()
        .map(|&(w, b, c)| (w, (b, c)))
        .collect();
    let mut category_first: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (w, _)) in categories.iter().enumerate() {
        if let Some(first) = w.first() {
            category_first.entry(first.clone()).or_default().push(i);
        }
    }
    let mut brand_first: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (w, ..)) in brands.iter().enumerate() {
        if let Some(first) = w.first() {
            brand_first.entry(first.clone()).or_default().push(i);
        }
    }
    Lexicon {
        categories,
        brands,
        lines,
        category_first,
        brand_first,
        stop: STOPWORDS.iter().copied().collect(),
    }
});

// ----- the token stream ---------------------------------------------------------------------

struct Stream {
    toks: Vec<Token>,
}

impl Stream {
    fn free(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.used == Use::Free)
    }

    fn low(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.low.as_str())
    }

    /// True when the free tokens from `i` spell `phrase` (words separated by single
    /// spaces). Hot: every pass tries dozens of phrases at every token, so the phrase is
    /// compared token by token as a prefix, failing on the first byte that differs, with no
    /// splitting or allocation (a token never holds a space).
    fn matches(&self, i: usize, phrase: &str) -> Option<usize> {
        let mut j = i;
        let mut rest = phrase.as_bytes();
        loop {
            let tok = self
                .toks
                .get(j)
                .filter(|t| t.used == Use::Free)?
                .low
                .as_bytes();
            // The first byte rejects almost every try without a call to memcmp.
            if tok.first().is_none_or(|b| rest.first() != Some(b)) || !rest.starts_with(tok) {
                return None;
            }
            j += 1;
            match rest.get(tok.len()) {
                None => return Some(j),
                Some(b' ') => rest = &rest[tok.len() + 1..],
                Some(_) => return None,
            }
        }
    }

    /// The first of `phrases` matching at `i`, as its end index.
    fn matches_any(&self, i: usize, phrases: &[&str]) -> Option<usize> {
        phrases.iter().find_map(|p| self.matches(i, p))
    }

    /// The first of `phrases` ending just before `end` (free tokens), as its start index.
    fn ends_with_any(&self, end: usize, phrases: &[&str]) -> Option<usize> {
        // The phrase's last word must be the token before `end` (checked first: cheap).
        let last = self.toks.get(end.checked_sub(1)?)?.low.as_bytes();
        phrases.iter().find_map(|p| {
            let b = p.as_bytes();
            if b.last() != last.last()
                || !b.ends_with(last)
                || (b.len() > last.len() && b[b.len() - last.len() - 1] != b' ')
            {
                return None;
            }
            let n = 1 + b.iter().filter(|&&c| c == b' ').count();
            let start = end.checked_sub(n)?;
            self.matches(start, p).filter(|&e| e == end).map(|_| start)
        })
    }

    fn claim(&mut self, from: usize, to: usize, what: Use) {
        let to = to.min(self.toks.len());
        for t in &mut self.toks[from..to] {
            t.used = what;
        }
    }

    fn len(&self) -> usize {
        self.toks.len()
    }
}

// ----- numbers and amounts ------------------------------------------------------------------

/// A number as written: the digits without separators and the count of decimals.
#[derive(Debug, Clone, Copy)]
struct Number {
    mantissa: i128,
    decimals: u32,
}

impl Number {
    fn value_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.decimals as i32)
    }

    /// Rupees × `mult` as paise, when it fits.
    fn paise(self, mult: i128) -> Option<i64> {
        let v = self.mantissa.checked_mul(mult)?.checked_mul(100)? / 10i128.pow(self.decimals);
        i64::try_from(v).ok().filter(|&p| p > 0)
    }
}

/// Reads `80`, `1,20,000`, `1.5`; with a suffix, `80k`, `1.5l`, `2lakh`, returning the
/// multiplier and whether it is a weak one (`l`, `4k`, which also name features).
fn read_number(s: &str) -> Option<(Number, i128, bool)> {
    let split = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
        .map_or(s.len(), |(i, _)| i);
    let (digits, suffix) = s.split_at(split);
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let mut mantissa: i128 = 0;
    let mut decimals = 0u32;
    let mut seen_dot = false;
    for c in digits.chars() {
        match c {
            '0'..='9' => {
                mantissa = mantissa
                    .checked_mul(10)?
                    .checked_add(i128::from(c as u8 - b'0'))?;
                if seen_dot {
                    decimals += 1;
                }
            }
            '.' if !seen_dot => seen_dot = true,
            '.' => return None,
            _ => {
                if seen_dot {
                    return None;
                }
            }
        }
    }
    if decimals > 6 {
        return None;
    }
    let n = Number { mantissa, decimals };
    let (mult, weak) = match suffix {
        "" => (1, false),
        "k" => (1_000, matches!(n.mantissa, 2 | 4 | 8) && decimals == 0),
        "l" => (100_000, true),
        "lakh" | "lakhs" | "lac" | "lacs" | "lk" => (100_000, false),
        "cr" | "crore" => (10_000_000, false),
        "thousand" => (1_000, false),
        _ => return None,
    };
    Some((n, mult, weak))
}

fn multiplier_word(w: &str) -> Option<i128> {
    Some(match w {
        "k" | "thousand" | "thousands" | "hazar" | "hazaar" | "hajar" | "hazzar" | "हजार" => {
            1_000
        }
        "lakh" | "lakhs" | "lac" | "lacs" | "l" | "लाख" => 100_000,
        "crore" | "cr" | "करोड" | "करोड़" => 10_000_000,
        _ => return None,
    })
}

fn is_currency_word(w: &str) -> bool {
    matches!(
        w,
        "₹" | "rs" | "inr" | "rupees" | "rupee" | "rupay" | "rupaye" | "रुपये" | "रुपए" | "रु"
    )
}

#[derive(Debug, Clone, Copy)]
struct Amount {
    start: usize,
    end: usize,
    number: Number,
    mult: i128,
    has_mult: bool,
    currency: bool,
    weak: bool,
}

impl Amount {
    fn paise(&self) -> Option<i64> {
        self.number.paise(self.mult)
    }

    fn strong(&self) -> bool {
        self.currency || (self.has_mult && !self.weak)
    }
}

/// An amount starting at `i` (a currency sign may come first).
fn amount_at(s: &Stream, i: usize) -> Option<Amount> {
    let mut start = i;
    let mut j = i;
    let mut currency = false;
    if s.free(j) && is_currency_word(s.low(j)) {
        currency = true;
        j += 1;
    }
    if !s.free(j) {
        return None;
    }
    // "हज़ार रुपये तक", "a lakh": a multiplier word on its own is one of it.
    let bare = s.low(j);
    let (number, mut mult, weak) = match read_number(bare) {
        Some(n) => n,
        None if !matches!(bare, "k" | "l" | "cr") && multiplier_word(bare).is_some() => (
            Number {
                mantissa: 1,
                decimals: 0,
            },
            multiplier_word(bare)?,
            false,
        ),
        None => return None,
    };
    let mut has_mult = mult != 1;
    let mut weak = weak;
    j += 1;
    if !has_mult
        && s.free(j)
        && let Some(m) = multiplier_word(s.low(j))
    {
        mult = m;
        has_mult = true;
        weak = false;
        j += 1;
    }
    if s.free(j) && is_currency_word(s.low(j)) && s.low(j) != "₹" {
        currency = true;
        j += 1;
    }
    if !currency && start > 0 && s.free(start - 1) && is_currency_word(s.low(start - 1)) {
        currency = true;
        start -= 1;
    }
    Some(Amount {
        start,
        end: j,
        number,
        mult,
        has_mult,
        currency,
        weak,
    })
}

// ----- passes -------------------------------------------------------------------------------

const MAX_BEFORE: &[&str] = &[
    "less than",
    "lower than",
    "cheaper than",
    "not more than",
    "up to",
    "upto",
    "under",
    "below",
    "within",
    "max",
    "maximum",
    "budget",
    "budget of",
    "<",
    "andar",
    "तक",
];
const MIN_BEFORE: &[&str] = &[
    "more than",
    "greater than",
    "at least",
    "atleast",
    "starting from",
    "starting at",
    "starting",
    "above",
    "over",
    "min",
    "minimum",
    ">",
];
const MAX_AFTER: &[&str] = &[
    "ke andar",
    "ke under",
    "ke niche",
    "ke neeche",
    "ke bhitar",
    "se kam",
    "se neeche",
    "se niche",
    "or less",
    "or below",
    "and below",
    "and under",
    "tak",
    "max",
    "के अंदर",
    "के अन्दर",
    "के नीचे",
    "के भीतर",
    "से कम",
    "से नीचे",
    "तक",
    "में",
    "mein",
    "me",
];
const MIN_AFTER: &[&str] = &[
    "se zyada",
    "se jyada",
    "se zyaada",
    "se jada",
    "se upar",
    "se uper",
    "se adhik",
    "ke upar",
    "and above",
    "or above",
    "or more",
    "and up",
    "plus",
    "+",
    "onwards",
    "से ज्यादा",
    "से ज़्यादा",
    "से अधिक",
    "से ऊपर",
    "के ऊपर",
];
const AROUND_BEFORE: &[&str] = &[
    "around",
    "about",
    "approx",
    "approximately",
    "roughly",
    "near",
    "lagbhag",
    "लगभग",
    "करीब",
    "qareeb",
    "kareeb",
];
const RANGE_JOIN: &[&str] = &["-", "to", "se", "से", "and", "&", "till", "until"];
const RANGE_LEAD: &[&str] = &["between", "from", "range", "budget", "बीच", "price range"];

#[derive(Default)]
struct Bounds {
    min: Option<i64>,
    max: Option<i64>,
}

fn price_pass(s: &mut Stream, b: &mut Bounds) {
    let mut i = 0;
    while i < s.len() {
        let Some(a) = amount_at(s, i) else {
            i += 1;
            continue;
        };
        if a.start < i {
            // A currency sign before `i` already belongs to this amount.
        }
        // A range: A (-|to|se|and) B.
        if let Some(after_join) = s.matches_any(a.end, RANGE_JOIN)
            && let Some(b2) = amount_at(s, after_join)
        {
            let lead = s.ends_with_any(a.start, RANGE_LEAD);
            let tail_max = s.matches_any(b2.end, &["tak", "तक", "ke beech", "के बीच", "ke bich"]);
            let mut a_paise = a.paise();
            if !a.has_mult && b2.has_mult && a.number.value_f64() < 1000.0 {
                let scaled = a.number.paise(b2.mult);
                if let (Some(x), Some(y)) = (scaled, b2.paise())
                    && x <= y
                {
                    a_paise = Some(x);
                }
            }
            let marked = a.strong() || b2.strong() || lead.is_some() || tail_max.is_some();
            let both_big = a_paise.unwrap_or(0) >= 10_000 && b2.paise().unwrap_or(0) >= 10_000;
            let join_word = s.low(a.end);
            let join_ok = join_word != "and" || lead.is_some();
            if (marked || both_big)
                && join_ok
                && let (Some(x), Some(y)) = (a_paise, b2.paise())
            {
                b.min = Some(x.min(y));
                b.max = Some(x.max(y));
                let from = lead.unwrap_or(a.start);
                let to = tail_max.unwrap_or(b2.end);
                s.claim(from, to, Use::Price);
                i = to;
                continue;
            }
        }
        let Some(paise) = a.paise() else {
            i = a.end.max(i + 1);
            continue;
        };
        let before_max = s.ends_with_any(a.start, MAX_BEFORE);
        let before_min = s.ends_with_any(a.start, MIN_BEFORE);
        let before_around = s.ends_with_any(a.start, AROUND_BEFORE);
        let before_in = s.ends_with_any(a.start, &["in", "for", "at"]);
        let after_max = s.matches_any(a.end, MAX_AFTER);
        let after_min = s.matches_any(a.end, MIN_AFTER);
        let plausible = paise >= 10_000;
        // `me`/`mein`/`में` after a bare number is only a bound when the number is a price.
        let after_max = after_max.filter(|_| {
            !matches!(s.low(a.end), "me" | "mein" | "में") || a.strong() || paise >= 100_000
        });
        let (kind, from, to) = if let Some(st) = before_max.filter(|_| plausible || a.strong()) {
            (Some('<'), st, after_max.unwrap_or(a.end))
        } else if let Some(st) = before_min.filter(|_| plausible || a.strong()) {
            (Some('>'), st, after_min.unwrap_or(a.end))
        } else if let Some(st) = before_around.filter(|_| plausible || a.strong()) {
            (Some('~'), st, a.end)
        } else if let Some(e) = after_max.filter(|_| plausible || a.strong()) {
            (Some('<'), a.start, e)
        } else if let Some(e) = after_min.filter(|_| plausible || a.strong()) {
            (Some('>'), a.start, e)
        } else if let Some(st) = before_in.filter(|_| a.strong() || paise >= 100_000) {
            (Some('<'), st, a.end)
        } else if a.strong() {
            (Some('<'), a.start, a.end)
        } else {
            (None, a.start, a.end)
        };
        match kind {
            Some('<') => b.max = Some(paise),
            Some('>') => b.min = Some(paise),
            Some(_) => {
                b.min = Some(paise / 10 * 9);
                b.max = Some(paise / 10 * 11);
            }
            None => {
                i += 1;
                continue;
            }
        }
        s.claim(from, to, Use::Price);
        i = to;
    }
}

fn small_number(w: &str) -> Option<f32> {
    let (n, mult, _) = read_number(w)?;
    if mult != 1 {
        return None;
    }
    let v = n.value_f64() as f32;
    (v > 0.0 && v <= 5.0).then_some(v)
}

const STAR_WORDS: &[&str] = &[
    "star",
    "stars",
    "स्टार",
    "rating",
    "rated",
    "ratings",
    "रेटिंग",
];
const RATING_TAIL: &[&str] = &[
    "and above",
    "& above",
    "or above",
    "and up",
    "or more",
    "or higher",
    "and higher",
    "plus",
    "+",
    "se upar",
    "se zyada",
    "se jyada",
    "से ऊपर",
    "से ज्यादा",
    "से अधिक",
    "above",
    "minimum",
];

fn rating_pass(s: &mut Stream, energy_context: bool) -> Option<f32> {
    let mut found = None;
    let mut i = 0;
    while i < s.len() {
        if !s.free(i) {
            i += 1;
            continue;
        }
        // N [+] star(s)/rating [and above]
        if let Some(v) = small_number(s.low(i)) {
            let mut j = i + 1;
            let plus = s.matches(j, "+");
            if let Some(e) = plus {
                j = e;
            }
            if let Some(e) = STAR_WORDS.iter().find_map(|w| s.matches(j, w)) {
                let star_word = s.low(j) == "star" || s.low(j) == "stars" || s.low(j) == "स्टार";
                let tail = s.matches_any(e, RATING_TAIL);
                let lead = s.ends_with_any(
                    i,
                    &["above", "over", "at least", "atleast", "minimum", "min"],
                );
                if energy_context && star_word && plus.is_none() && tail.is_none() && lead.is_none()
                {
                    i += 1;
                    continue;
                }
                found = Some(v);
                s.claim(lead.unwrap_or(i), tail.unwrap_or(e), Use::Rating);
                i = tail.unwrap_or(e);
                continue;
            }
        }
        // rating [above|of|at least] N [+|stars]
        if let Some(e) = ["rating", "rated", "ratings", "रेटिंग"]
            .iter()
            .find_map(|w| s.matches(i, w))
        {
            let mut j = e;
            if let Some(e2) = s.matches_any(
                j,
                &[
                    "above",
                    "over",
                    "of",
                    "at least",
                    "atleast",
                    "minimum",
                    "min",
                    ">",
                    "more than",
                ],
            ) {
                j = e2;
            }
            if let Some(v) = s.free(j).then(|| small_number(s.low(j))).flatten() {
                let mut end = j + 1;
                if let Some(e3) = s.matches_any(
                    end,
                    &[
                        "+",
                        "stars",
                        "star",
                        "and above",
                        "or more",
                        "se upar",
                        "से ऊपर",
                        "से ज्यादा",
                        "se zyada",
                    ],
                ) {
                    end = e3;
                }
                found = Some(v);
                s.claim(i, end, Use::Rating);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    found
}

const DISCOUNT_WORDS: &[&str] = &[
    "off",
    "discount",
    "discounts",
    "chhoot",
    "chhut",
    "chut",
    "छूट",
    "डिस्काउंट",
    "saving",
    "savings",
];

fn discount_pass(s: &mut Stream) -> Option<u8> {
    let mut found = None;
    for i in 0..s.len() {
        if !s.free(i) {
            continue;
        }
        let Some((n, 1, _)) = read_number(s.low(i)) else {
            continue;
        };
        let Some(e) = s.matches_any(
            i + 1,
            &["%", "percent", "pct", "per cent", "प्रतिशत", "फीसदी"],
        ) else {
            continue;
        };
        let v = n.value_f64();
        if !(1.0..=99.0).contains(&v) {
            continue;
        }
        let lead = s.ends_with_any(
            i,
            &[
                "at least",
                "atleast",
                "minimum",
                "min",
                "more than",
                "over",
                "above",
                "upto",
                "up to",
                "flat",
            ],
        );
        let mut end = e;
        if let Some(e2) = s.matches_any(
            end,
            &[
                "or more",
                "+",
                "and above",
                "plus",
                "se zyada",
                "se jyada",
                "से ज्यादा",
                "से अधिक",
            ],
        ) {
            end = e2;
        }
        let after = s.matches_any(end, DISCOUNT_WORDS);
        let lead_word =
            s.ends_with_any(lead.unwrap_or(i), &["discount of", "discount", "off", "छूट"]);
        if after.is_none() && lead_word.is_none() {
            continue;
        }
        let mut end = after.unwrap_or(end);
        if let Some(e3) = s.matches_any(end, &["or more", "se zyada", "se jyada", "से ज्यादा", "+"])
        {
            end = e3;
        }
        found = Some(v as u8);
        s.claim(lead_word.or(lead).unwrap_or(i), end, Use::Discount);
    }
    found
}

const SORTS: &[(&str, QuerySort)] = &[
    ("price low to high", QuerySort::PriceAsc),
    ("price high to low", QuerySort::PriceDesc),
    ("low to high", QuerySort::PriceAsc),
    ("high to low", QuerySort::PriceDesc),
    ("lowest price", QuerySort::PriceAsc),
    ("least expensive", QuerySort::PriceAsc),
    ("cheapest", QuerySort::PriceAsc),
    ("sabse sasta", QuerySort::PriceAsc),
    ("sabse saste", QuerySort::PriceAsc),
    ("sabse sasti", QuerySort::PriceAsc),
    ("sasta", QuerySort::PriceAsc),
    ("saste", QuerySort::PriceAsc),
    ("sasti", QuerySort::PriceAsc),
    ("सबसे सस्ता", QuerySort::PriceAsc),
    ("सबसे सस्ते", QuerySort::PriceAsc),
    ("सबसे सस्ती", QuerySort::PriceAsc),
    ("सस्ता", QuerySort::PriceAsc),
    ("सस्ते", QuerySort::PriceAsc),
    ("सस्ती", QuerySort::PriceAsc),
    ("most expensive", QuerySort::PriceDesc),
    ("highest price", QuerySort::PriceDesc),
    ("costliest", QuerySort::PriceDesc),
    ("sabse mehenga", QuerySort::PriceDesc),
    ("sabse mehnga", QuerySort::PriceDesc),
    ("सबसे महंगा", QuerySort::PriceDesc),
    ("best rated", QuerySort::Rating),
    ("top rated", QuerySort::Rating),
    ("highest rated", QuerySort::Rating),
    ("best reviewed", QuerySort::Rating),
    ("top reviewed", QuerySort::Rating),
    ("best rating", QuerySort::Rating),
    ("highest rating", QuerySort::Rating),
    ("sabse achhi rating", QuerySort::Rating),
    ("achhi rating", QuerySort::Rating),
    ("सबसे अच्छी रेटिंग", QuerySort::Rating),
    ("biggest discount", QuerySort::Discount),
    ("highest discount", QuerySort::Discount),
    ("maximum discount", QuerySort::Discount),
    ("max discount", QuerySort::Discount),
    ("best discount", QuerySort::Discount),
    ("most discount", QuerySort::Discount),
    ("biggest saving", QuerySort::Discount),
    ("biggest savings", QuerySort::Discount),
    ("sabse zyada discount", QuerySort::Discount),
    ("sabse jyada discount", QuerySort::Discount),
    ("सबसे ज्यादा छूट", QuerySort::Discount),
    ("सबसे ज्यादा डिस्काउंट", QuerySort::Discount),
    ("best deal", QuerySort::Discount),
    ("best deals", QuerySort::Discount),
    ("newest", QuerySort::Newest),
    ("latest", QuerySort::Newest),
    ("new arrivals", QuerySort::Newest),
    ("नया", QuerySort::Newest),
    ("नए", QuerySort::Newest),
];

fn sort_pass(s: &mut Stream) -> (Option<QuerySort>, bool) {
    let mut found = None;
    let mut deals = false;
    for i in 0..s.len() {
        for (p, sort) in SORTS {
            if let Some(e) = s.matches(i, p) {
                if found.is_none() {
                    found = Some(*sort);
                }
                deals |= p.contains("deal");
                s.claim(i, e, Use::Sort);
                break;
            }
        }
    }
    (found, deals)
}

fn category_pass(s: &mut Stream) -> Option<&'static str> {
    let mut found: Option<&'static str> = None;
    for i in 0..s.len() {
        let Some(candidates) = LEXICON.category_first.get(s.low(i)) else {
            continue;
        };
        for (words, id) in candidates.iter().map(|&k| &LEXICON.categories[k]) {
            let end = i + words.len();
            if end <= s.len() && (i..end).all(|k| s.free(k) && s.low(k) == words[k - i]) {
                // The more specific node wins (a child over its ancestor), otherwise the first.
                found = match found {
                    Some(prev) if taxonomy::is_within(id, prev) => Some(id),
                    Some(prev) => Some(prev),
                    None => Some(id),
                };
                s.claim(i, end, Use::Category);
                break;
            }
        }
    }
    found
}

fn brand_pass(s: &mut Stream, brands: &mut Vec<(usize, &'static str)>, multi_word: bool) {
    for i in 0..s.len() {
        let Some(candidates) = LEXICON.brand_first.get(s.low(i)) else {
            continue;
        };
        for (words, brand, ambiguous, exact) in candidates.iter().map(|&k| &LEXICON.brands[k]) {
            if (words.len() > 1) != multi_word {
                continue;
            }
            let end = i + words.len();
            if end > s.len() || !(i..end).all(|k| s.free(k) && s.low(k) == words[k - i]) {
                continue;
            }
            if *ambiguous {
                let typed: Vec<&str> = s.toks[i..end].iter().map(|t| t.orig.as_str()).collect();
                let spelled = typed.join(" ") == *exact;
                let near = |k: Option<usize>| {
                    k.and_then(|k| s.toks.get(k)).is_some_and(|t| {
                        t.used == Use::Category || LEXICON.lines.contains_key(t.low.as_str())
                    })
                };
                if !spelled && !near(i.checked_sub(1)) && !near(Some(end)) {
                    continue;
                }
            }
            brands.push((i, brand));
            s.claim(i, end, Use::Brand);
            break;
        }
    }
}

fn title_feature(low: &str) -> Option<String> {
    let simple = match low {
        "5g" => "5G",
        "4g" => "4G",
        "amoled" => "AMOLED",
        "oled" => "OLED",
        "qled" => "QLED",
        "ips" => "IPS",
        "anc" => "ANC",
        "enc" => "ENC",
        "uhd" => "4K",
        "fhd" | "1080p" => "Full HD",
        "inverter" => "Inverter",
        "waterproof" => "Waterproof",
        "wifi" => "Wi-Fi",
        "bluetooth" => "Bluetooth",
        "touchscreen" => "Touchscreen",
        "copper" => "Copper",
        "nfc" => "NFC",
        "ssd" => "SSD",
        "backlit" => "Backlit Keyboard",
        "i3" | "i5" | "i7" | "i9" => return Some(low.to_owned()),
        "m1" | "m2" | "m3" | "m4" => return Some(low.to_uppercase()),
        _ => {
            if (low.starts_with("ip6") || low.starts_with("ipx")) && low.len() == 4 {
                return Some(low.to_uppercase());
            }
            return None;
        }
    };
    Some(simple.to_owned())
}

const PHRASE_FEATURES: &[(&str, &str)] = &[
    ("active noise cancellation", "ANC"),
    ("active noise cancelling", "ANC"),
    ("noise cancellation", "ANC"),
    ("noise cancelling", "ANC"),
    ("noise canceling", "ANC"),
    ("super amoled", "AMOLED"),
    ("full hd", "Full HD"),
    ("hd ready", "HD Ready"),
    ("4k uhd", "4K"),
    ("fast charging", "Fast Charging"),
    ("fast charger", "Fast Charging"),
    ("wireless charging", "Wireless Charging"),
    ("front load", "Front Load"),
    ("top load", "Top Load"),
    ("fully automatic", "Fully Automatic"),
    ("semi automatic", "Semi-Automatic"),
    ("double door", "Double Door"),
    ("single door", "Single Door"),
    ("frost free", "Frost Free"),
    ("touch screen", "Touchscreen"),
    ("backlit keyboard", "Backlit Keyboard"),
    ("water resistant", "Water Resistant"),
    ("wi fi", "Wi-Fi"),
    ("dolby atmos", "Dolby Atmos"),
    ("dolby vision", "Dolby Vision"),
];

/// A number followed by a unit (`16 gb`, `16gb`, `55 inch`) → (value text, unit, end).
fn number_unit(s: &Stream, i: usize, units: &[&str]) -> Option<(String, &'static str, usize)>
where
{
    let low = s.low(i);
    let digits_end = low
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(low.len(), |(k, _)| k);
    if digits_end == 0 {
        return None;
    }
    let (num, rest) = low.split_at(digits_end);
    let unit_of =
        |u: &str| -> Option<&'static str> { units.iter().find(|x| **x == u).map(|x| unit_name(x)) };
    if rest.is_empty() {
        if s.free(i + 1) {
            let u = unit_of(s.low(i + 1))?;
            return Some((num.to_owned(), u, i + 2));
        }
        None
    } else {
        unit_of(rest).map(|u| (num.to_owned(), u, i + 1))
    }
}

fn unit_name(u: &str) -> &'static str {
    match u {
        "gb" => "GB",
        "tb" => "TB",
        "hz" => "Hz",
        "mp" => "MP",
        "mah" => "mAh",
        "w" | "watt" => "W",
        "inch" | "inches" | "इंच" => " inch",
        "ton" | "tonne" => " Ton",
        "kg" => " kg",
        "l" | "litre" | "liter" | "ltr" | "litres" | "liters" => " L",
        "star" => " Star",
        _ => "",
    }
}

fn feature_pass(s: &mut Stream, features: &mut Vec<String>, energy_context: bool) {
    let mut add = |f: String| {
        if !features.contains(&f) {
            features.push(f);
        }
    };
    for i in 0..s.len() {
        if !s.free(i) {
            continue;
        }
        if let Some((p, f)) = PHRASE_FEATURES
            .iter()
            .find_map(|(p, f)| s.matches(i, p).map(|e| (e, f)))
        {
            add((*f).to_owned());
            s.claim(i, p, Use::Feature);
            continue;
        }
        let low = s.low(i).to_owned();
        // RTX 4060, rtx4060, GTX 1650
        for gpu in ["rtx", "gtx"] {
            if let Some(rest) = low.strip_prefix(gpu) {
                if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
                    add(format!("{} {rest}", gpu.to_uppercase()));
                    s.claim(i, i + 1, Use::Feature);
                } else if rest.is_empty() {
                    let next = s.low(i + 1);
                    if s.free(i + 1) && next.len() == 4 && next.chars().all(|c| c.is_ascii_digit())
                    {
                        add(format!("{} {next}", gpu.to_uppercase()));
                        s.claim(i, i + 2, Use::Feature);
                    } else {
                        add(gpu.to_uppercase());
                        s.claim(i, i + 1, Use::Feature);
                    }
                }
            }
        }
        if !s.free(i) {
            continue;
        }
        if low == "ryzen" {
            let next = s.low(i + 1);
            if s.free(i + 1) && matches!(next, "3" | "5" | "7" | "9") {
                add(format!("Ryzen {next}"));
                s.claim(i, i + 2, Use::Feature);
            } else {
                add("Ryzen".to_owned());
                s.claim(i, i + 1, Use::Feature);
            }
            continue;
        }
        if low == "core" && s.free(i + 1) && matches!(s.low(i + 1), "i3" | "i5" | "i7" | "i9") {
            add(s.low(i + 1).to_owned());
            s.claim(i, i + 2, Use::Feature);
            continue;
        }
        if low == "dimensity" || low == "snapdragon" {
            let next = s.low(i + 1).to_owned();
            let name = if low == "dimensity" {
                "Dimensity"
            } else {
                "Snapdragon"
            };
            if s.free(i + 1) && !next.is_empty() && next.chars().all(|c| c.is_ascii_digit()) {
                add(format!("{name} {next}"));
                s.claim(i, i + 2, Use::Feature);
            } else {
                add(name.to_owned());
                s.claim(i, i + 1, Use::Feature);
            }
            continue;
        }
        if low == "4k" || low == "8k" {
            add(low.to_uppercase());
            s.claim(i, i + 1, Use::Feature);
            continue;
        }
        if let Some((num, unit, end)) = number_unit(s, i, &["gb", "tb"]) {
            let qual = match s.low(end) {
                "ram" | "memory" if s.free(end) => Some(("RAM", end + 1)),
                "ssd" if s.free(end) => Some(("SSD", end + 1)),
                "hdd" if s.free(end) => Some(("HDD", end + 1)),
                "storage" | "rom" if s.free(end) => Some(("Storage", end + 1)),
                _ => None,
            };
            match qual {
                Some((q, e)) => {
                    add(format!("{num}{unit} {q}"));
                    s.claim(i, e, Use::Feature);
                }
                None => {
                    add(format!("{num}{unit}"));
                    s.claim(i, end, Use::Feature);
                }
            }
            continue;
        }
        const UNITS: &[&str] = &[
            "hz",
            "mp",
            "mah",
            "inch",
            "inches",
            "इंच",
            "ton",
            "tonne",
            "kg",
            "litre",
            "liter",
            "ltr",
            "litres",
            "liters",
            "star",
        ];
        // "star" (energy rating) only counts for appliances.
        let units = if energy_context {
            UNITS
        } else {
            &UNITS[..UNITS.len() - 1]
        };
        if let Some((num, unit, end)) = number_unit(s, i, units) {
            add(format!("{num}{unit}"));
            let end = if unit == "MP" && s.matches(end, "camera").is_some() {
                end + 1
            } else {
                end
            };
            s.claim(i, end, Use::Feature);
            continue;
        }
        // `67w`, `1.5l` (litres once no price claimed it), `260l`
        if let Some((num, unit, end)) = number_unit(s, i, &["w", "l"])
            && end == i + 1
        {
            add(format!("{num}{unit}"));
            s.claim(i, end, Use::Feature);
            continue;
        }
        if let Some(f) = title_feature(&low) {
            add(f);
            s.claim(i, i + 1, Use::Feature);
        }
    }
}

const COMPARE_WORDS: &[&str] = &[
    "vs",
    "versus",
    "v s",
    "compare",
    "comparison",
    "compared",
    "difference between",
    "difference",
    "तुलना",
    "मुकाबला",
    "muqabla",
    "mukabla",
];
const SIMILAR_WORDS: &[&str] = &[
    "similar to",
    "similar",
    "alternatives to",
    "alternative to",
    "alternatives",
    "alternative",
    "jaisa",
    "jaise",
    "jaisi",
    "जैसा",
    "जैसे",
    "जैसी",
    "instead of",
    "मिलते जुलते",
];
const HISTORY_WORDS: &[&str] = &[
    "price history",
    "history",
    "price trend",
    "trend",
    "trends",
    "price chart",
    "chart",
    "graph",
    "itihas",
    "इतिहास",
    "lowest ever",
];
const WATCH_WORDS: &[&str] = &[
    "let me know",
    "tell me when",
    "tell me",
    "batao jab",
    "bata dena",
    "bata do",
    "batana",
    "notify me",
    "notify",
    "alert me",
    "alert",
    "alerts",
    "remind me",
    "remind",
    "track",
    "tracking",
    "watch",
    "बताना",
    "बता देना",
    "बताओ जब",
    "सूचित",
    "अलर्ट",
    "ट्रैक",
];
const PRICE_WORDS: &[&str] = &[
    "how much",
    "price of",
    "cost of",
    "price",
    "cost",
    "rate",
    "kitne ka",
    "kitne ki",
    "kitna",
    "kitne",
    "kitni",
    "daam",
    "kimat",
    "keemat",
    "कीमत",
    "दाम",
    "कितने",
    "कितना",
    "कितनी",
    "मूल्य",
];
const DEAL_WORDS: &[&str] = &[
    "deal",
    "deals",
    "offer",
    "offers",
    "sale",
    "sales",
    "lightning",
    "discount",
    "discounts",
    "डील",
    "ऑफर",
    "सेल",
];
const SEPARATORS: &[&str] = &[
    "vs", "versus", "v s", "or", "ya", "या", "and", "aur", "और", "against", "with",
];
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "with",
    "for",
    "me",
    "my",
    "show",
    "find",
    "get",
    "search",
    "i",
    "want",
    "need",
    "looking",
    "look",
    "buy",
    "best",
    "good",
    "some",
    "any",
    "please",
    "pls",
    "plz",
    "of",
    "on",
    "in",
    "at",
    "to",
    "is",
    "are",
    "which",
    "what",
    "one",
    "and",
    "or",
    "between",
    "from",
    "that",
    "this",
    "it",
    "should",
    "can",
    "you",
    "give",
    "list",
    "recommend",
    "suggest",
    "under",
    "below",
    "above",
    "over",
    "within",
    "upto",
    "ke",
    "ka",
    "ki",
    "ko",
    "mein",
    "main",
    "se",
    "wala",
    "wale",
    "wali",
    "mujhe",
    "chahiye",
    "dikhao",
    "batao",
    "hai",
    "hain",
    "kya",
    "koi",
    "acha",
    "accha",
    "achha",
    "achhe",
    "sabse",
    "kaunsa",
    "konsa",
    "kaun",
    "sa",
    "ek",
    "liye",
    "lie",
    "tak",
    "andar",
    "rupees",
    "rs",
    "inr",
    "₹",
    "+",
    "-",
    "%",
    "&",
    "when",
    "drops",
    "drop",
    "falls",
    "fall",
    "goes",
    "comes",
    "down",
    "is",
    "jab",
    "ho",
    "hoga",
    "jaye",
    "gire",
    "girta",
    "better",
    "behtar",
    "which",
    "between",
    "today",
    "now",
    "abhi",
    "aaj",
    "currently",
    "current",
    "how",
    "much",
    "whats",
    "what's",
    "does",
    "it",
    "cost",
    "ya",
    "aur",
    "products",
    "product",
    "items",
    "options",
    "option",
    "something",
    "cheap",
    "budget",
    "मुझे",
    "चाहिए",
    "में",
    "का",
    "की",
    "के",
    "को",
    "से",
    "वाला",
    "वाले",
    "वाली",
    "दिखाओ",
    "दिखाइए",
    "बताओ",
    "है",
    "हैं",
    "क्या",
    "कोई",
    "अच्छा",
    "अच्छी",
    "अच्छे",
    "सबसे",
    "लिए",
    "तक",
    "एक",
    "और",
    "या",
    "कम",
    "ज्यादा",
    "अंदर",
    "ऊपर",
    "नीचे",
    "रुपये",
    "रुपए",
    "रु",
    "जब",
    "हो",
    "जाए",
    "बेहतर",
    "कौन",
    "सा",
    "आज",
    "अभी",
    "price",
    "तो",
    "प्रोडक्ट",
    "प्रोडक्ट्स",
    "सामान",
    "पर",
    "par",
];

fn intent_pass(
    s: &mut Stream,
    has_product_ref: bool,
    sort_deals: bool,
    has_bounds: bool,
) -> Intent {
    let claim_all = |s: &mut Stream, words: &[&str]| -> bool {
        let mut any = false;
        for i in 0..s.len() {
            if let Some(e) = s.matches_any(i, words) {
                // "smart watch", "watches" are products, not a request to watch.
                if s.low(i) == "watch" && i > 0 && s.low(i - 1) == "smart" {
                    continue;
                }
                s.claim(i, e, Use::Intent);
                any = true;
            }
        }
        any
    };
    let compare = claim_all(s, &COMPARE_WORDS[3..]) || {
        // vs / versus also separate the products; they make a comparison without claiming.
        (0..s.len()).any(|i| s.matches_any(i, &COMPARE_WORDS[..3]).is_some())
    };
    let better_or = (0..s.len()).any(|i| matches!(s.low(i), "better" | "behtar" | "बेहतर"))
        && (0..s.len()).any(|i| matches!(s.low(i), "or" | "ya" | "या"));
    if compare || better_or {
        return Intent::Compare;
    }
    if claim_all(s, SIMILAR_WORDS) {
        return Intent::Similar;
    }
    if claim_all(s, WATCH_WORDS) {
        claim_all(s, PRICE_WORDS);
        return Intent::Watch;
    }
    if claim_all(s, HISTORY_WORDS) {
        claim_all(s, PRICE_WORDS);
        return Intent::History;
    }
    let price_positions: Vec<usize> = (0..s.len())
        .filter(|&i| s.matches_any(i, PRICE_WORDS).is_some())
        .collect();
    if !price_positions.is_empty() && !has_bounds {
        claim_all(s, PRICE_WORDS);
        return Intent::Price;
    }
    if claim_all(s, DEAL_WORDS) || sort_deals {
        return Intent::Deals;
    }
    if has_product_ref {
        return Intent::Price;
    }
    Intent::Search
}

/// Tokens that may form a product's name (everything but requests, prices and filler).
fn name_of(s: &Stream, from: usize, to: usize) -> Option<String> {
    name_of_without(s, from, to, Use::Product)
}

/// [`name_of`] leaving out the tokens claimed as `skip` too.
fn name_of_without(s: &Stream, from: usize, to: usize, skip: Use) -> Option<String> {
    let words: Vec<&str> = s.toks[from..to]
        .iter()
        .filter(|t| {
            t.used != skip
                && matches!(
                    t.used,
                    Use::Free | Use::Category | Use::Brand | Use::Feature
                )
                && !(t.used == Use::Free && LEXICON.stop.contains(t.low.as_str()))
        })
        .map(|t| t.orig.as_str())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

const PLACEHOLDER: char = '\u{E000}';

/// Reads a shopper's query. Never fails: what is not understood is left as keywords.
///
/// # Examples
///
/// ```
/// use mandi_core::discovery::{parse_query, Intent};
/// let q = parse_query("gaming laptop under 80k with RTX 4060");
/// assert_eq!(q.intent, Intent::Search);
/// assert_eq!(q.category.map(|c| c.browse_node).as_deref(), Some("22963796031"));
/// assert_eq!(q.max_price.map(|m| m.minor()), Some(8_000_000));
/// assert_eq!(q.features, ["RTX 4060"]);
/// ```
pub fn parse_query(text: &str) -> ParsedQuery {
    // Links first: each is replaced by a placeholder word so the compare split still sees it.
    let mut mentions: Vec<ProductMention> = Vec::new();
    let mut rest = String::with_capacity(text.len());
    for chunk in text.split_whitespace() {
        let lower = chunk.to_ascii_lowercase();
        let looks_linky = lower.contains("://")
            || lower.contains("amazon.")
            || lower.contains("amzn.")
            || lower.contains("a.co/");
        let found = if looks_linky {
            match parse_product_link(chunk) {
                Ok(p) => Some(ProductMention::Link {
                    asin: p.asin,
                    marketplace: p.marketplace,
                }),
                Err(LinkError::ShortLink { url }) => Some(ProductMention::ShortLink { url }),
                Err(_) => None,
            }
        } else {
            None
        };
        if let Some(m) = found {
            rest.push(PLACEHOLDER);
            rest.push(char::from(b'a' + (mentions.len() % 26) as u8));
            mentions.push(m);
        } else {
            rest.push_str(chunk);
        }
        rest.push(' ');
    }
    let mut s = Stream { toks: lex(&rest) };
    // Placeholders and bare ASINs.
    let mut token_mention: HashMap<usize, usize> = HashMap::new();
    for (i, t) in s.toks.iter_mut().enumerate() {
        if let Some(tag) = t.orig.strip_prefix(PLACEHOLDER) {
            let k = tag
                .bytes()
                .next()
                .map_or(0, |b| usize::from(b.saturating_sub(b'a')));
            t.used = Use::Product;
            token_mention.insert(i, k);
        } else if t.low.len() == 10
            && (t.low.starts_with("b0") || t.low.bytes().all(|b| b.is_ascii_digit() || b == b'x'))
            && t.low.bytes().any(|b| b.is_ascii_digit())
            && let Ok(asin) = Asin::parse(&t.low)
        {
            t.used = Use::Product;
            token_mention.insert(i, mentions.len());
            mentions.push(ProductMention::Asin { asin });
        }
    }

    let mut q = ParsedQuery::empty();
    let mut brands: Vec<(usize, &'static str)> = Vec::new();
    brand_pass(&mut s, &mut brands, true);
    let category = category_pass(&mut s);
    let energy = category.is_some_and(|c| matches!(c, "3474656031" | "1380372031" | "1380369031"));
    let (sort, sort_deals) = sort_pass(&mut s);
    q.sort = sort;
    q.min_rating = rating_pass(&mut s, energy);
    q.min_discount_percent = discount_pass(&mut s);
    let mut bounds = Bounds::default();
    price_pass(&mut s, &mut bounds);
    q.min_price = bounds.min.map(|p| Money::from_minor(p, Currency::INR));
    q.max_price = bounds.max.map(|p| Money::from_minor(p, Currency::INR));
    feature_pass(&mut s, &mut q.features, energy);
    brand_pass(&mut s, &mut brands, false);
    // Product lines name a brand and a category without claiming the word.
    let mut category = category;
    for (i, t) in s.toks.iter().enumerate() {
        if matches!(t.used, Use::Free | Use::Category)
            && let Some((brand, cat)) = LEXICON.lines.get(t.low.as_str())
        {
            brands.push((i, brand));
            if category.is_none() && !cat.is_empty() {
                category = Some(cat);
            }
        }
    }
    brands.sort_by_key(|(i, _)| *i);
    for (_, b) in brands {
        if !q.brands.iter().any(|x| x == b) {
            q.brands.push(b.to_owned());
        }
    }
    // A laptop with a discrete GPU is a gaming laptop.
    let gpu = q
        .features
        .iter()
        .any(|f| f.starts_with("RTX") || f.starts_with("GTX"));
    if gpu && matches!(category, None | Some("1375424031")) {
        category = Some("22963796031");
    }
    q.category = category.and_then(taxonomy::node).map(|n| CategoryMatch {
        name: n.name.to_owned(),
        browse_node: n.id.to_owned(),
    });

    let has_bounds = q.min_price.is_some() || q.max_price.is_some();
    q.intent = intent_pass(&mut s, !mentions.is_empty(), sort_deals, has_bounds);

    // The products named.
    let mut products: Vec<ProductMention> = Vec::new();
    let mut named_from_words = false;
    match q.intent {
        Intent::Compare => {
            let mut start = 0;
            let mut bounds_of_segments = Vec::new();
            for i in 0..=s.len() {
                let sep = i == s.len()
                    || (matches!(s.toks[i].used, Use::Free | Use::Intent)
                        && SEPARATORS.contains(&s.low(i)))
                    || (s.low(i) == "v" && s.low(i + 1) == "s");
                if sep {
                    if i < s.len() {
                        let to = if s.low(i) == "v" { i + 2 } else { i + 1 };
                        s.claim(i, to, Use::Intent);
                    }
                    bounds_of_segments.push((start, i));
                    start = if s.low(i) == "v" { i + 2 } else { i + 1 };
                }
            }
            for (from, to) in bounds_of_segments {
                if from >= to {
                    continue;
                }
                if let Some(k) = (from..to).find_map(|i| token_mention.get(&i)) {
                    if let Some(m) = mentions.get(*k) {
                        products.push(m.clone());
                    }
                } else if let Some(name) = name_of(&s, from, to) {
                    products.push(ProductMention::Name { name });
                    named_from_words = true;
                }
            }
        }
        Intent::Price | Intent::History | Intent::Watch | Intent::Similar => {
            products.extend(mentions.iter().cloned());
            // "iPhone 15 jaisa phone": the category word is what is wanted, not the name.
            let skip_category = q.intent == Intent::Similar;
            if products.is_empty() {
                let name = skip_category
                    .then(|| name_of_without(&s, 0, s.len(), Use::Category))
                    .flatten()
                    .or_else(|| name_of(&s, 0, s.len()));
                if let Some(name) = name {
                    products.push(ProductMention::Name { name });
                    named_from_words = true;
                }
            }
        }
        Intent::Search | Intent::Deals => products.extend(mentions.iter().cloned()),
    }
    q.products = products;
    if !named_from_words {
        let words: Vec<&str> = s
            .toks
            .iter()
            .filter(|t| t.used == Use::Free && !LEXICON.stop.contains(t.low.as_str()))
            .map(|t| t.orig.as_str())
            .collect();
        q.keywords = words.join(" ");
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rupees(m: Option<Money>) -> Option<i64> {
        m.map(|m| m.minor() / 100)
    }

    #[test]
    fn lexer_keeps_indian_numbers_and_symbols() {
        let t: Vec<String> = lex("₹1,20,000 20-30k Rs.80000 4+ 40% t-shirt levi's १५")
            .into_iter()
            .map(|t| t.low)
            .collect();
        assert_eq!(
            t,
            [
                "₹", "1,20,000", "20", "-", "30k", "rs", "80000", "4", "+", "40", "%", "t",
                "shirt", "levi's", "15"
            ]
        );
    }

    #[test]
    fn numbers_with_suffixes() {
        let (n, m, weak) = read_number("1.5l").unwrap_or((
            Number {
                mantissa: 0,
                decimals: 0,
            },
            0,
            false,
        ));
        assert_eq!((n.paise(m), weak), (Some(15_000_000), true));
        let (n, m, _) = read_number("80k").unwrap_or((
            Number {
                mantissa: 0,
                decimals: 0,
            },
            0,
            false,
        ));
        assert_eq!(n.paise(m), Some(8_000_000));
        assert!(read_number("16gb").is_none());
        assert!(read_number("abc").is_none());
    }

    #[test]
    fn prices_the_indian_way() {
        for (text, min, max) in [
            ("laptop under 80k", None, Some(80_000)),
            ("phone ₹80,000 tak", None, Some(80_000)),
            ("tv below Rs. 80000", None, Some(80_000)),
            ("laptop under 80 thousand", None, Some(80_000)),
            ("laptop under 1.5 lakh", None, Some(150_000)),
            ("phone under 1,20,000", None, Some(120_000)),
            ("tv 2 lakhs ke andar", None, Some(200_000)),
            ("earbuds 20-30k", Some(20_000), Some(30_000)),
            ("phone between 20k and 30k", Some(20_000), Some(30_000)),
            ("phone from 15000 to 20000", Some(15_000), Some(20_000)),
            ("laptop above 50k", Some(50_000), None),
            ("phone 20000 se zyada", Some(20_000), None),
            ("80 हज़ार से कम में लैपटॉप", None, Some(80_000)),
            ("फोन २०,००० से कम", None, Some(20_000)),
            ("फोन 1 लाख से ज़्यादा", Some(100_000), None),
        ] {
            let q = parse_query(text);
            assert_eq!(
                (rupees(q.min_price), rupees(q.max_price)),
                (min, max),
                "{text}"
            );
        }
    }

    #[test]
    fn numbers_that_are_not_prices() {
        let q = parse_query("iphone 15 128gb");
        assert_eq!(q.max_price, None);
        assert_eq!(q.features, ["128GB"]);
        let q = parse_query("4k tv under 40k");
        assert_eq!(q.features, ["4K"]);
        assert_eq!(rupees(q.max_price), Some(40_000));
    }

    #[test]
    fn json_names_are_the_contract() {
        let q = parse_query("boAt earbuds 1k ke andar");
        let v = serde_json::to_value(&q).unwrap_or_default();
        assert_eq!(v["max_price"]["amount"], 100_000);
        assert_eq!(v["max_price"]["currency"], "INR");
        assert_eq!(v["brands"][0], "boAt");
        assert_eq!(v["category"]["browse_node"], "14146392031");
        assert_eq!(v["intent"], "search");
        for k in [
            "intent",
            "keywords",
            "category",
            "brands",
            "min_price",
            "max_price",
            "features",
            "min_rating",
            "min_discount_percent",
            "sort",
            "products",
        ] {
            assert!(v.get(k).is_some(), "{k} missing");
        }
    }

    #[test]
    fn compare_names_both_products() {
        let q = parse_query("iPhone 15 vs Galaxy S24");
        assert_eq!(q.intent, Intent::Compare);
        assert_eq!(
            q.products,
            [
                ProductMention::Name {
                    name: "iPhone 15".into()
                },
                ProductMention::Name {
                    name: "Galaxy S24".into()
                }
            ]
        );
        assert_eq!(q.brands, ["Apple", "Samsung"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            "",
            "   ",
            "₹",
            "-",
            "99999999999999999999999999999k",
            "1.2.3.4 lakh",
            "\u{E000}z",
            "https://",
            "० ₹ %",
        ] {
            let _ = parse_query(text);
        }
    }
}
