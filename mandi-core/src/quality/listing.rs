//! A listing's own text made usable: its title cleaned and its specs read into key–value
//! pairs.
//!
//! Marketplace titles carry what sellers add for search ranking: runs of spaces, emoji and
//! decorative brackets, the brand written twice, `| Best Gift for Men Women Boys Girls`
//! segments, words in capitals. [`clean_title`] takes those out and says what it changed;
//! it never rewrites the words that name the product. [`specs`] reads RAM, storage, screen,
//! processor, GPU, colour and size from the title, the feature bullets and the variation
//! attributes, in one normalised form (`8 GB`, `1 TB`, `6.67 in`), so two listings of one
//! product compare equal.
//!
//! # Examples
//!
//! ```
//! use mandi_core::quality::listing::{clean_title, TitleFix};
//! let cleaned = clean_title(
//!     "Samsung  Samsung Galaxy M14 5G (Smoky Teal, 6GB, 128GB Storage) | Best Gift for Men Women Boys Girls",
//!     Some("Samsung"),
//! );
//! assert_eq!(cleaned.title, "Samsung Galaxy M14 5G (Smoky Teal, 6GB, 128GB Storage)");
//! assert!(cleaned.fixes.contains(&TitleFix::RepeatedBrand));
//! assert!(cleaned.fixes.contains(&TitleFix::SeoSpam));
//! ```

use serde::Serialize;

use crate::Product;

/// The longest title the cleaned form keeps (Amazon's own title guideline is 200 characters).
pub const MAX_TITLE_CHARS: usize = 200;

/// One kind of change [`clean_title`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleFix {
    /// Runs of spaces, tabs, line breaks or non-breaking spaces made one space.
    Whitespace,
    /// Emoji and decorative symbols (★, ✔, 【】) removed or made plain brackets.
    Decoration,
    /// The brand written more than once.
    RepeatedBrand,
    /// A word written twice in a row.
    RepeatedWord,
    /// Search-ranking phrases ("best gift for men women", "latest 2024", "hot sale").
    SeoSpam,
    /// Repeated punctuation (`!!`, `||`, `,,`) or separators left at the ends.
    Punctuation,
    /// Words in capitals (other than short acronyms) put in title case.
    Shouting,
    /// Cut to at most [`MAX_TITLE_CHARS`] characters at a separator.
    TooLong,
}

impl TitleFix {
    /// The change in a few words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Whitespace => "extra whitespace",
            Self::Decoration => "emoji or decorative symbols",
            Self::RepeatedBrand => "brand repeated",
            Self::RepeatedWord => "word repeated",
            Self::SeoSpam => "search-ranking spam",
            Self::Punctuation => "repeated punctuation",
            Self::Shouting => "words in capitals",
            Self::TooLong => "over 200 characters",
        }
    }
}

/// A cleaned title and what was changed to get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanTitle {
    /// The cleaned title.
    pub title: String,
    /// The kinds of change made, each once, in [`TitleFix`] order; empty when the title was
    /// already clean.
    pub fixes: Vec<TitleFix>,
}

/// Phrases that only serve search ranking; a title segment holding one is dropped.
const SPAM_PHRASES: &[&str] = &[
    "best gift",
    "gift for",
    "gifts for",
    "perfect gift",
    "ideal gift",
    "gift item",
    "hot sale",
    "best seller",
    "bestseller",
    "best selling",
    "top rated",
    "top selling",
    "trending",
    "new launch",
    "newly launched",
    "latest model",
    "latest launch",
    "latest 20",
    "new arrival",
    "free shipping",
    "free delivery",
    "limited offer",
    "limited time",
    "100% original",
    "premium quality",
    "buy now",
    "great deal",
    "mega sale",
    "for men women",
    "for women men",
    "for boys girls",
    "men women boys girls",
];

/// Words naming who a product is "for"; a segment listing four or more of them is spam.
const AUDIENCE_WORDS: &[&str] = &[
    "men", "women", "boys", "girls", "kids", "adults", "him", "her", "husband", "wife", "father",
    "mother", "dad", "mom", "brother", "sister", "friends", "teens", "unisex",
];

/// Capitalised words that are names, not shouting.
const ACRONYMS: &[&str] = &[
    "HDMI", "AMOLED", "OLED", "QLED", "UHD", "FHD", "LED", "LCD", "USB", "ANC", "ENC", "TWS",
    "SSD", "HDD", "RAM", "ROM", "DDR4", "DDR5", "WIFI", "GPS", "NFC", "IPS", "BLDC", "PVC", "NVME",
    "PCIE", "ISI", "BIS", "LPDDR5",
];

/// Whether a capitalised word is a name rather than shouting: three letters or fewer, a
/// model number (letters with digits) or a known acronym.
fn is_acronym(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let bare: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
    letters <= 3
        || word.chars().any(|c| c.is_ascii_digit())
        || ACRONYMS.contains(&bare.to_uppercase().as_str())
}

/// Cleans a marketplace title (see the [module docs](self)); `brand` is the listing's brand
/// when known.
pub fn clean_title(title: &str, brand: Option<&str>) -> CleanTitle {
    let mut fixes = Vec::new();

    // Decoration: emoji and symbols out, fancy brackets plain.
    let mut plain = String::with_capacity(title.len());
    for c in title.chars() {
        match c {
            '【' | '〔' | '［' => {
                plain.push('(');
                fixes.push(TitleFix::Decoration);
            }
            '】' | '〕' | '］' => {
                plain.push(')');
                fixes.push(TitleFix::Decoration);
            }
            c if is_decoration(c) => fixes.push(TitleFix::Decoration),
            c => plain.push(c),
        }
    }

    // Whitespace.
    let collapsed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed != plain {
        fixes.push(TitleFix::Whitespace);
    }

    // Punctuation runs.
    let mut text = String::with_capacity(collapsed.len());
    let mut last: Option<char> = None;
    for c in collapsed.chars() {
        if matches!(c, '!' | '|' | ',' | '*' | '~') && last == Some(c) {
            fixes.push(TitleFix::Punctuation);
            continue;
        }
        text.push(c);
        if !c.is_whitespace() {
            last = Some(c);
        } else if last != Some('|') && last != Some(',') {
            last = Some(' ');
        }
    }
    let text = text.replace(", ,", ",").replace("| |", "|");

    // Spam: whole segments after the first, and bracketed groups.
    let mut segments: Vec<&str> = text.split(" | ").collect();
    let before = segments.len();
    if segments.len() > 1 {
        let first = segments.remove(0);
        segments.retain(|s| !is_spam(s));
        segments.insert(0, first);
    }
    if segments.len() != before {
        fixes.push(TitleFix::SeoSpam);
    }
    let mut text = segments.join(" | ");
    if let Some(stripped) = strip_spam_groups(&text) {
        text = stripped;
        fixes.push(TitleFix::SeoSpam);
    }
    // A trailing " - spam" or ", spam" tail.
    for sep in [" - ", ", "] {
        if let Some(i) = text.rfind(sep)
            && i > 0
            && is_spam(&text[i + sep.len()..])
        {
            text.truncate(i);
            fixes.push(TitleFix::SeoSpam);
        }
    }

    // Repeated brand and repeated words.
    let (text, brand_fixed, word_fixed) = dedupe_words(&text, brand);
    if brand_fixed {
        fixes.push(TitleFix::RepeatedBrand);
    }
    if word_fixed {
        fixes.push(TitleFix::RepeatedWord);
    }

    // Shouting: most long words in capitals.
    let words: Vec<&str> = text.split(' ').collect();
    let long: Vec<&&str> = words.iter().filter(|w| !is_acronym(w)).collect();
    let shouted = long
        .iter()
        .filter(|w| {
            w.chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
        })
        .count();
    let text = if long.len() >= 2 && shouted * 2 > long.len() {
        fixes.push(TitleFix::Shouting);
        words
            .iter()
            .map(|w| {
                if is_acronym(w) {
                    (*w).to_owned()
                } else {
                    title_case(w)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        text
    };

    // Separators left at the ends.
    let trimmed = text
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '|' | ',' | '-' | ':' | ';'))
        .to_owned();
    if trimmed != text {
        fixes.push(TitleFix::Punctuation);
    }
    let mut text = trimmed;

    // Length: cut at the last separator that fits.
    if text.chars().count() > MAX_TITLE_CHARS {
        let cut = text
            .char_indices()
            .nth(MAX_TITLE_CHARS)
            .map_or(text.len(), |(i, _)| i);
        let head = &text[..cut];
        let at = [" | ", ", ", " - ", " "]
            .iter()
            .find_map(|sep| head.rfind(sep).filter(|&i| i > MAX_TITLE_CHARS / 2))
            .unwrap_or(cut);
        text.truncate(at);
        fixes.push(TitleFix::TooLong);
    }

    fixes.sort_unstable();
    fixes.dedup();
    CleanTitle { title: text, fixes }
}

fn is_decoration(c: char) -> bool {
    matches!(c as u32,
        0x2600..=0x27BF      // symbols and dingbats: ★ ✔ ✨
        | 0x1F000..=0x1FAFF  // emoji
        | 0x2B00..=0x2BFF    // arrows and stars
        | 0xFE0F             // emoji presentation selector
        | 0x200D             // zero-width joiner
    ) || matches!(c, '™' | '®' | '©' | '•' | '►' | '◆' | '❤')
}

fn words_lower(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '%')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a title segment only serves search ranking.
fn is_spam(segment: &str) -> bool {
    let lower = segment.to_lowercase();
    if SPAM_PHRASES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let words = words_lower(segment);
    let audience = words
        .iter()
        .filter(|w| AUDIENCE_WORDS.contains(&w.as_str()))
        .count();
    audience >= 4 || (!words.is_empty() && audience * 2 > words.len() && audience >= 2)
}

/// Removes bracketed groups that are spam (`[Latest 2024 Model]`, `(Hot Sale)`); `None`
/// when there are none.
fn strip_spam_groups(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(open) = rest.find(['(', '[']) {
        let close_char = if rest[open..].starts_with('(') {
            ')'
        } else {
            ']'
        };
        let Some(len) = rest[open..].find(close_char) else {
            break;
        };
        let group = &rest[open + 1..open + len];
        out.push_str(&rest[..open]);
        if is_spam(group) {
            changed = true;
            // Drop the space before the group too.
            while out.ends_with(' ') {
                out.pop();
            }
        } else {
            out.push_str(&rest[open..=open + len]);
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    changed.then(|| out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The brand kept once (its first mention; a trailing "by Brand" goes), and a word written
/// twice in a row kept once. Returns the text and whether each was changed.
fn dedupe_words(text: &str, brand: Option<&str>) -> (String, bool, bool) {
    let words: Vec<&str> = text.split(' ').collect();
    let brand_words: Vec<String> = brand.map(words_lower).unwrap_or_default();
    let norm = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let (mut brand_fixed, mut word_fixed) = (false, false);
    let mut brand_seen = false;
    let mut i = 0;
    while i < words.len() {
        let n = brand_words.len();
        let is_brand_here = n > 0
            && i + n <= words.len()
            && words[i..i + n]
                .iter()
                .zip(&brand_words)
                .all(|(w, b)| norm(w) == *b)
            // The brand as a whole word group, not a prefix of a longer name.
            ;
        if is_brand_here {
            // A repeat right after the brand ("Samsung Samsung Galaxy") or as the title's
            // tail ("… by Samsung", "… | Samsung") goes; a mention inside the name stays
            // ("Apple MacBook Air, Apple M3 chip").
            let adjacent = brand_seen
                && out.len() >= n
                && out[out.len() - n..]
                    .iter()
                    .zip(&brand_words)
                    .all(|(w, b)| norm(w) == *b);
            let tail = brand_seen
                && i + n == words.len()
                && out.last().is_some_and(|w| {
                    matches!(norm(w).as_str(), "by" | "") || w.ends_with(['|', '-', ','])
                });
            if adjacent || tail {
                brand_fixed = true;
                if tail
                    && out
                        .last()
                        .is_some_and(|w| matches!(norm(w).as_str(), "by" | ""))
                {
                    out.pop();
                }
                i += n;
                continue;
            }
            brand_seen = true;
            out.extend_from_slice(&words[i..i + n]);
            i += n;
            continue;
        }
        let w = words[i];
        if let Some(prev) = out.last() {
            // Plain words only: "8GB, 8GB RAM" names two figures, "Black, Black" two parts.
            let plain = |x: &str| !x.is_empty() && x.chars().all(char::is_alphabetic);
            if plain(prev) && plain(w) && prev.to_lowercase() == w.to_lowercase() {
                word_fixed = true;
                i += 1;
                continue;
            }
        }
        out.push(w);
        i += 1;
    }
    (out.join(" "), brand_fixed, word_fixed)
}

fn title_case(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut first = true;
    for c in word.chars() {
        if c.is_alphabetic() {
            if first {
                out.extend(c.to_uppercase());
                first = false;
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            out.push(c);
            if !c.is_alphanumeric() && c != '\'' {
                first = true;
            }
        }
    }
    out
}

// --- specs ---

/// What a spec says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecKey {
    /// Memory (`8 GB`).
    Ram,
    /// Storage (`256 GB`, `1 TB`).
    Storage,
    /// Screen diagonal (`6.67 in`).
    Screen,
    /// Processor (`Intel Core i5-12450H`, `Snapdragon 7s Gen 2`).
    Processor,
    /// Graphics (`NVIDIA GeForce RTX 3050`).
    Gpu,
    /// Colour (`Smoky Teal`).
    Colour,
    /// Size: a garment or shoe size, a weight or a volume (`M`, `UK 8`, `1 kg`).
    Size,
}

impl SpecKey {
    /// The key's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ram => "RAM",
            Self::Storage => "Storage",
            Self::Screen => "Screen",
            Self::Processor => "Processor",
            Self::Gpu => "GPU",
            Self::Colour => "Colour",
            Self::Size => "Size",
        }
    }
}

/// One spec of a product, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Spec {
    /// What it is.
    pub key: SpecKey,
    /// Its value in the normal form of its key.
    pub value: String,
}

/// Colour words a colour name contains.
const COLOUR_WORDS: &[&str] = &[
    "black",
    "white",
    "blue",
    "green",
    "red",
    "silver",
    "grey",
    "gray",
    "gold",
    "golden",
    "pink",
    "purple",
    "violet",
    "yellow",
    "orange",
    "brown",
    "beige",
    "teal",
    "navy",
    "maroon",
    "midnight",
    "titanium",
    "graphite",
    "charcoal",
    "cream",
    "ivory",
    "lavender",
    "mint",
    "olive",
    "bronze",
    "copper",
    "rose",
    "aqua",
    "cyan",
    "magenta",
    "khaki",
    "multicolour",
    "multicolor",
    "starlight",
    "obsidian",
    "porcelain",
    "sage",
];

/// Garment sizes read as a size when they stand alone in a bracketed group.
const GARMENT_SIZES: &[&str] = &[
    "xxs",
    "xs",
    "s",
    "m",
    "l",
    "xl",
    "xxl",
    "xxxl",
    "2xl",
    "3xl",
    "4xl",
    "5xl",
    "free size",
];

/// A number and a data unit (`8GB`, `1 TB`, `512 GB`) in gigabytes.
fn data_size(token: &str, next: Option<&str>) -> Option<u32> {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
    let lower = t.to_lowercase();
    let (number, unit) = if let Some(n) = lower.strip_suffix("gb") {
        (n.to_owned(), "gb")
    } else if let Some(n) = lower.strip_suffix("tb") {
        (n.to_owned(), "tb")
    } else {
        let unit = next?
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        match unit.as_str() {
            "gb" => (lower, "gb"),
            "tb" => (lower, "tb"),
            _ => return None,
        }
    };
    let value: f64 = number.parse().ok()?;
    if !(value > 0.0 && value < 100_000.0) {
        return None;
    }
    let gb = if unit == "tb" { value * 1024.0 } else { value };
    Some(gb.round() as u32)
}

fn data_text(gb: u32) -> String {
    if gb >= 1024 && gb.is_multiple_of(1024) {
        format!("{} TB", gb / 1024)
    } else {
        format!("{gb} GB")
    }
}

fn clean_token(t: &str) -> String {
    t.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// The memory and storage figures of a text: those labelled (`8GB RAM`, `512GB SSD`) set
/// `ram` and `storage` when still unknown; unlabelled ones are added to `bare`. A figure
/// right after a graphics card's name (`RTX 3050 6GB`) is its video memory and left out.
fn read_data_sizes(
    text: &str,
    ram: &mut Option<u32>,
    storage: &mut Option<u32>,
    bare: &mut Vec<u32>,
) {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1).copied();
        let Some(gb) = data_size(token, next) else {
            continue;
        };
        let bare_token = clean_token(token);
        let unit_apart = !bare_token.ends_with("gb") && !bare_token.ends_with("tb");
        let after: Vec<String> = tokens
            .iter()
            .skip(i + 1 + usize::from(unit_apart))
            .take(2)
            .map(|t| clean_token(t))
            .collect();
        let before: Vec<String> = tokens
            .iter()
            .take(i)
            .rev()
            .take(3)
            .map(|t| clean_token(t))
            .collect();
        // "8GB RAM", "16GB DDR5 RAM", "Memory: 8GB": the word after (or after a memory
        // type), or the label before.
        let after_ends = !token.ends_with([',', ';', ')', '|']);
        let says = |words: &[&str]| {
            (after_ends && after.first().is_some_and(|w| words.contains(&w.as_str())))
                || (after
                    .first()
                    .is_some_and(|w| w.starts_with("ddr") || w.starts_with("lpddr"))
                    && after.get(1).is_some_and(|w| words.contains(&w.as_str())))
                || before.first().is_some_and(|w| words.contains(&w.as_str()))
        };
        let is_ram = says(&["ram", "memory"])
            || (after_ends
                && after
                    .first()
                    .is_some_and(|w| w.starts_with("ddr") || w.starts_with("lpddr")));
        let is_storage = says(&["storage", "rom", "ssd", "hdd", "emmc", "ufs", "internal"]);
        let video = before.iter().any(|w| {
            [
                "rtx", "gtx", "geforce", "radeon", "graphics", "gpu", "vram", "arc",
            ]
            .contains(&w.as_str())
        });
        if is_ram && !is_storage {
            ram.get_or_insert(gb);
        } else if is_storage {
            storage.get_or_insert(gb);
        } else if !video {
            bare.push(gb);
        }
    }
}

/// Unlabelled figures, as in "(Smoky Teal, 6GB, 128GB Storage)" or Apple's "(128 GB)": a
/// small one is memory, a large one storage.
fn place_bare_sizes(bare: &[u32], ram: &mut Option<u32>, storage: &mut Option<u32>) {
    for &gb in bare {
        if gb <= 24 && ram.is_none() && storage.is_some_and(|s| s > gb) {
            *ram = Some(gb);
        } else if gb >= 32 && storage.is_none() {
            *storage = Some(gb);
        } else if gb <= 24 && ram.is_none() && storage.is_none() {
            *ram = Some(gb);
        }
    }
}

/// The screen diagonal of a text in hundredths of an inch.
fn read_screen(text: &str) -> Option<u32> {
    let lower = text.to_lowercase().replace('"', " inch ").replace('-', " ");
    let tokens: Vec<&str> = lower.split_whitespace().collect();
    let mut cm = None;
    for (i, token) in tokens.iter().enumerate() {
        let t = token.trim_matches(|c: char| !c.is_ascii_digit() && c != '.');
        let (number, attached) = match ["inches", "inch", "in"]
            .iter()
            .find_map(|u| token.trim_start_matches('(').strip_suffix(u))
        {
            Some(n) if !n.is_empty() => (
                n.trim_matches(|c: char| !c.is_ascii_digit() && c != '.'),
                true,
            ),
            _ => (t, false),
        };
        let Ok(value) = number.parse::<f64>() else {
            continue;
        };
        let unit = if attached {
            "inch".to_owned()
        } else {
            tokens
                .get(i + 1)
                .map(|u| clean_token(u))
                .unwrap_or_default()
        };
        match unit.as_str() {
            "inch" | "inches" | "in" if (1.0..=120.0).contains(&value) => {
                return Some((value * 100.0).round() as u32);
            }
            "cm" if (3.0..=300.0).contains(&value) && cm.is_none() => {
                cm = Some((value / 2.54 * 100.0).round() as u32);
            }
            _ => {}
        }
    }
    cm
}

fn screen_text(centi: u32) -> String {
    let whole = centi / 100;
    let frac = centi % 100;
    if frac == 0 {
        format!("{whole} in")
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{} in", frac / 10)
    } else {
        format!("{whole}.{frac:02} in")
    }
}

/// Words that start a processor's name, and how many words after them belong to it.
const PROCESSOR_STARTS: &[(&str, usize)] = &[
    ("intel core ultra", 2),
    ("intel core", 1),
    ("intel celeron", 1),
    ("intel pentium", 1),
    ("intel processor", 1),
    ("amd ryzen", 2),
    ("ryzen", 2),
    ("snapdragon", 4),
    ("mediatek dimensity", 1),
    ("dimensity", 1),
    ("mediatek helio", 1),
    ("helio", 1),
    ("exynos", 1),
    ("unisoc", 1),
    ("google tensor", 1),
    ("apple m1", 1),
    ("apple m2", 1),
    ("apple m3", 1),
    ("apple m4", 1),
];

/// Words that start a GPU's name, and how many words after them belong to it.
const GPU_STARTS: &[(&str, usize)] = &[
    ("nvidia geforce", 2),
    ("geforce", 2),
    ("nvidia rtx", 1),
    ("rtx", 1),
    ("gtx", 1),
    ("amd radeon", 2),
    ("radeon", 2),
    ("intel iris xe", 0),
    ("intel arc", 1),
    ("intel uhd", 0),
];

/// The name a list of starts finds in a text: the start's words and up to `n` words after
/// it, stopping at a separator; the original spelling kept.
fn read_name(text: &str, starts: &[(&str, usize)]) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| clean_token(w)).collect();
    for (start, extra) in starts {
        let start_words: Vec<&str> = start.split(' ').collect();
        for i in 0..words.len() {
            if i + start_words.len() > words.len() {
                break;
            }
            if !start_words
                .iter()
                .enumerate()
                .all(|(k, s)| lower[i + k] == *s)
            {
                continue;
            }
            let mut end = i + start_words.len();
            // A word ending at a separator closes the name.
            let closes = |w: &str| w.ends_with([',', ';', '|', ')']) || w.ends_with(" -");
            if start_words
                .iter()
                .enumerate()
                .any(|(k, _)| closes(words[i + k]))
            {
                end = i + start_words.len();
            } else {
                for k in 0..*extra {
                    let j = i + start_words.len() + k;
                    let Some(w) = words.get(j) else { break };
                    let lw = &lower[j];
                    // Units and memory sizes are not part of a name.
                    if lw.is_empty()
                        || w.starts_with('(')
                        || *w == "|"
                        || *w == "-"
                        || lw.ends_with("gb")
                        || ["processor", "graphics", "gpu", "with", "and", "cpu", "chip"]
                            .contains(&lw.as_str())
                    {
                        break;
                    }
                    end = j + 1;
                    if closes(w) {
                        break;
                    }
                }
            }
            let name = words[i..end]
                .iter()
                .map(|w| w.trim_matches(|c: char| matches!(c, ',' | ';' | '|' | '(' | ')' | ':')))
                .collect::<Vec<_>>()
                .join(" ");
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
    None
}

/// The text after a `Label:` in a feature bullet, up to the next `;`.
fn labelled<'a>(features: &'a [String], labels: &[&str]) -> Option<&'a str> {
    features.iter().find_map(|f| {
        let lower = f.to_lowercase();
        labels.iter().find_map(|l| {
            let at = lower.find(&format!("{l}:"))?;
            let rest = f.get(at + l.len() + 1..)?.trim();
            let end = rest.find(';').unwrap_or(rest.len());
            let value = rest[..end].trim();
            (!value.is_empty()).then_some(value)
        })
    })
}

fn is_colour_name(text: &str) -> bool {
    let words = words_lower(text);
    !words.is_empty()
        && words.len() <= 4
        && words.iter().any(|w| COLOUR_WORDS.contains(&w.as_str()))
        && !words
            .iter()
            .any(|w| w.ends_with("gb") || w.chars().all(|c| c.is_ascii_digit()))
}

/// The colour and size named in a title's bracketed groups and after its last comma.
fn read_colour_and_size(title: &str) -> (Option<String>, Option<String>) {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = title;
    while let Some(open) = rest.find('(') {
        let Some(len) = rest[open..].find(')') else {
            break;
        };
        parts.extend(rest[open + 1..open + len].split(','));
        rest = &rest[open + len + 1..];
    }
    if let Some(i) = title.rfind(" - ") {
        parts.push(&title[i + 3..]);
    }
    if let Some(i) = title.rfind(", ") {
        parts.push(&title[i + 2..]);
    }
    let mut colour = None;
    let mut size = None;
    for part in parts {
        let p = part.trim();
        if colour.is_none() && is_colour_name(p) {
            colour = Some(p.to_owned());
        } else if size.is_none() && is_size(p) {
            size = Some(p.to_owned());
        }
    }
    (colour, size)
}

/// A garment or shoe size, or a weight or volume.
fn is_size(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    if GARMENT_SIZES.contains(&lower.as_str()) {
        return true;
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.as_slice() {
        ["uk" | "us" | "eu" | "size", n] => n.chars().all(|c| c.is_ascii_digit() || c == '.'),
        [n, unit] => {
            n.parse::<f64>().is_ok()
                && [
                    "kg", "g", "ml", "l", "litre", "litres", "liter", "ton", "pack", "count",
                ]
                .contains(unit)
        }
        [one] => {
            let digits: String = one
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let unit = &one[digits.len()..];
            !digits.is_empty() && ["kg", "g", "ml", "l"].contains(&unit)
        }
        _ => false,
    }
}

/// The specs of a product, read from its title, feature bullets and variation attributes
/// (attributes first, then labelled bullets, then the title), one per key in [`SpecKey`]
/// order.
///
/// # Examples
///
/// ```
/// use chrono::Utc;
/// use mandi_core::quality::listing::{specs, SpecKey};
/// use mandi_core::{Marketplace, Product};
/// let p = Product::new(
///     "B0CX59H5W7".parse()?,
///     Marketplace::India,
///     "HP Victus Gaming Laptop, 12th Gen Intel Core i5-12450H, NVIDIA RTX 3050 GPU, 15.6-inch (39.6 cm), 16GB DDR4, 512GB SSD (Mica Silver, 2.37 kg)",
///     Utc::now(),
/// );
/// let s = specs(&p);
/// let get = |k| s.iter().find(|x| x.key == k).map(|x| x.value.as_str());
/// assert_eq!(get(SpecKey::Ram), Some("16 GB"));
/// assert_eq!(get(SpecKey::Storage), Some("512 GB"));
/// assert_eq!(get(SpecKey::Screen), Some("15.6 in"));
/// assert_eq!(get(SpecKey::Processor), Some("Intel Core i5-12450H"));
/// assert_eq!(get(SpecKey::Gpu), Some("NVIDIA RTX 3050"));
/// assert_eq!(get(SpecKey::Colour), Some("Mica Silver"));
/// # Ok::<(), mandi_core::AsinError>(())
/// ```
pub fn specs(product: &Product) -> Vec<Spec> {
    let attr = |names: &[&str]| {
        product
            .variation_attributes
            .iter()
            .find(|a| names.contains(&a.name.to_lowercase().as_str()))
            .map(|a| a.value.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut ram = None;
    let mut storage = None;
    let title = &product.title;
    // Labelled figures anywhere first, then the title's unlabelled ones, then the bullets'.
    let mut bare_title = Vec::new();
    let mut bare_features = Vec::new();
    for f in &product.features {
        read_data_sizes(f, &mut ram, &mut storage, &mut bare_features);
    }
    read_data_sizes(title, &mut ram, &mut storage, &mut bare_title);
    place_bare_sizes(&bare_title, &mut ram, &mut storage);
    place_bare_sizes(&bare_features, &mut ram, &mut storage);
    let screen = labelled(&product.features, &["display", "screen"])
        .and_then(read_screen)
        .or_else(|| read_screen(title))
        .or_else(|| product.features.iter().find_map(|f| read_screen(f)));
    let processor = labelled(&product.features, &["processor", "cpu", "chipset"])
        .map(|v| read_name(v, PROCESSOR_STARTS).unwrap_or_else(|| v.to_owned()))
        .or_else(|| read_name(title, PROCESSOR_STARTS))
        .or_else(|| {
            product
                .features
                .iter()
                .find_map(|f| read_name(f, PROCESSOR_STARTS))
        });
    let gpu = labelled(&product.features, &["graphics", "gpu"])
        .map(|v| read_name(v, GPU_STARTS).unwrap_or_else(|| v.to_owned()))
        .or_else(|| read_name(title, GPU_STARTS));
    let (title_colour, title_size) = read_colour_and_size(title);
    let colour = attr(&["color_name", "color", "colour", "colour_name"]).or(title_colour);
    let size = attr(&["size_name", "size"])
        .filter(|s| is_size(s))
        .or(title_size);

    let mut out = Vec::new();
    let mut push = |key, value: Option<String>| {
        if let Some(value) = value {
            out.push(Spec { key, value });
        }
    };
    push(SpecKey::Ram, ram.map(data_text));
    push(SpecKey::Storage, storage.map(data_text));
    push(SpecKey::Screen, screen.map(screen_text));
    push(SpecKey::Processor, processor);
    push(SpecKey::Gpu, gpu);
    push(SpecKey::Colour, colour);
    push(SpecKey::Size, size);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Marketplace, VariationAttribute};

    fn product(title: &str, features: &[&str]) -> Product {
        let mut p = Product::new(
            "B0CX59H5W7".parse().expect("asin"),
            Marketplace::India,
            title,
            chrono::DateTime::UNIX_EPOCH,
        );
        p.features = features.iter().map(|f| (*f).to_owned()).collect();
        p
    }

    fn spec(p: &Product, key: SpecKey) -> Option<String> {
        specs(p).into_iter().find(|s| s.key == key).map(|s| s.value)
    }

    #[test]
    fn a_clean_title_is_left_alone() {
        for t in [
            "Samsung Galaxy M14 5G (Smoky Teal, 6GB, 128GB Storage) | 50MP Triple Cam | 6000 mAh Battery",
            "Apple iPhone 15 (128 GB) - Black",
            "The Psychology of Money (Paperback, Morgan Housel)",
            "boAt Rockerz 450 Bluetooth On Ear Headphones (Luscious Black)",
            "LG 1.5 Ton 5 Star AI DUAL Inverter Split AC (Copper, 2024 Model, TS-Q19YNZE, White)",
        ] {
            let c = clean_title(t, None);
            assert_eq!(c.title, t);
            assert!(c.fixes.is_empty(), "{t}: {:?}", c.fixes);
        }
    }

    #[test]
    fn spam_decoration_brand_and_whitespace_come_out() {
        let c = clean_title(
            "🔥【Latest 2024 Model】 boAt  boAt Airdopes 141 TWS Earbuds!!! | Best Gift for Men Women Boys Girls | by boAt",
            Some("boAt"),
        );
        assert_eq!(c.title, "boAt Airdopes 141 TWS Earbuds!");
        assert_eq!(
            c.fixes,
            vec![
                TitleFix::Whitespace,
                TitleFix::Decoration,
                TitleFix::RepeatedBrand,
                TitleFix::SeoSpam,
                TitleFix::Punctuation,
            ]
        );
        let c = clean_title(
            "Noise ColorFit Pro 5 Smart Watch Black Black by Noise",
            Some("Noise"),
        );
        assert_eq!(c.title, "Noise ColorFit Pro 5 Smart Watch Black");
        assert!(c.fixes.contains(&TitleFix::RepeatedWord));
        assert!(c.fixes.contains(&TitleFix::RepeatedBrand));
    }

    #[test]
    fn shouting_is_calmed_but_acronyms_and_models_stay() {
        let c = clean_title("PHILIPS HAIR DRYER HP8120 WITH COOL SHOT, 1200W", None);
        assert_eq!(c.title, "Philips Hair Dryer HP8120 With Cool Shot, 1200W");
        assert_eq!(c.fixes, vec![TitleFix::Shouting]);
        let c = clean_title("Sony 4K UHD LED Smart TV", None);
        assert!(
            c.fixes.is_empty(),
            "acronyms are not shouting: {:?}",
            c.fixes
        );
    }

    #[test]
    fn an_overlong_title_is_cut_at_a_separator() {
        let long = format!(
            "Brand Widget {}",
            "| Durable Steel Body With Long Life ".repeat(10)
        );
        let c = clean_title(&long, None);
        assert!(c.title.chars().count() <= MAX_TITLE_CHARS, "{}", c.title);
        assert!(c.title.ends_with("Long Life"), "{}", c.title);
        assert!(c.fixes.contains(&TitleFix::TooLong));
    }

    #[test]
    fn phone_specs_from_an_amazon_in_title() {
        let p = product(
            "Samsung Galaxy M14 5G (Smoky Teal, 6GB, 128GB Storage) | 50MP Triple Cam | 6000 mAh Battery | 5nm Octa-Core Processor",
            &["16.94 cm (6.67 inch) Full HD+ Display"],
        );
        assert_eq!(spec(&p, SpecKey::Ram).as_deref(), Some("6 GB"));
        assert_eq!(spec(&p, SpecKey::Storage).as_deref(), Some("128 GB"));
        assert_eq!(spec(&p, SpecKey::Colour).as_deref(), Some("Smoky Teal"));
        assert_eq!(spec(&p, SpecKey::Screen).as_deref(), Some("6.67 in"));
        let apple = product("Apple iPhone 15 (128 GB) - Black", &[]);
        assert_eq!(spec(&apple, SpecKey::Storage).as_deref(), Some("128 GB"));
        assert_eq!(spec(&apple, SpecKey::Ram), None);
        assert_eq!(spec(&apple, SpecKey::Colour).as_deref(), Some("Black"));
        let redmi = product(
            "Redmi Note 13 5G (Arctic White, 8GB RAM, 256GB Storage) | Snapdragon 7s Gen 2 | 120Hz AMOLED",
            &[],
        );
        assert_eq!(
            spec(&redmi, SpecKey::Processor).as_deref(),
            Some("Snapdragon 7s Gen 2")
        );
        assert_eq!(spec(&redmi, SpecKey::Ram).as_deref(), Some("8 GB"));
    }

    #[test]
    fn laptop_specs_from_labelled_bullets_win_over_the_title() {
        let p = product(
            "ASUS Vivobook 15, Intel Core i3-1215U, 8GB RAM, 1TB SSD, 15.6 inch Laptop (Windows 11, Quiet Blue)",
            &[
                "Processor: Intel Core i3-1215U (10 MB cache, up to 4.4 GHz)",
                "Graphics: Intel UHD Graphics",
                "Memory: 8GB DDR4 RAM; Storage: 1TB PCIe NVMe SSD",
                "Display: 39.62 cm (15.6 inch) anti-glare",
            ],
        );
        assert_eq!(
            spec(&p, SpecKey::Processor).as_deref(),
            Some("Intel Core i3-1215U")
        );
        assert_eq!(spec(&p, SpecKey::Gpu).as_deref(), Some("Intel UHD"));
        assert_eq!(spec(&p, SpecKey::Ram).as_deref(), Some("8 GB"));
        assert_eq!(spec(&p, SpecKey::Storage).as_deref(), Some("1 TB"));
        assert_eq!(spec(&p, SpecKey::Screen).as_deref(), Some("15.6 in"));
        assert_eq!(spec(&p, SpecKey::Colour).as_deref(), Some("Quiet Blue"));
    }

    #[test]
    fn tv_screen_in_centimetres_and_inches_and_sizes_of_goods() {
        let tv = product(
            "Sony Bravia 139 cm (55 inches) 4K Ultra HD Smart LED Google TV (Black)",
            &[],
        );
        assert_eq!(spec(&tv, SpecKey::Screen).as_deref(), Some("55 in"));
        let only_cm = product("Acme 80 cm HD Ready Smart TV", &[]);
        assert_eq!(spec(&only_cm, SpecKey::Screen).as_deref(), Some("31.5 in"));
        let shirt = product("Allen Solly Men's Regular Fit Polo (Navy Blue, M)", &[]);
        assert_eq!(spec(&shirt, SpecKey::Colour).as_deref(), Some("Navy Blue"));
        assert_eq!(spec(&shirt, SpecKey::Size).as_deref(), Some("M"));
        let atta = product("Aashirvaad Shudh Chakki Atta, 5 kg", &[]);
        assert_eq!(spec(&atta, SpecKey::Size).as_deref(), Some("5 kg"));
        let mut shoe = product("Campus Running Shoes", &[]);
        shoe.variation_attributes = vec![
            VariationAttribute {
                name: "size_name".into(),
                value: "UK 8".into(),
            },
            VariationAttribute {
                name: "color_name".into(),
                value: "Grey".into(),
            },
        ];
        assert_eq!(spec(&shoe, SpecKey::Size).as_deref(), Some("UK 8"));
        assert_eq!(spec(&shoe, SpecKey::Colour).as_deref(), Some("Grey"));
    }

    #[test]
    fn a_book_has_no_specs_it_does_not_state() {
        let p = product("The Psychology of Money (Paperback, Morgan Housel)", &[]);
        assert!(specs(&p).is_empty(), "{:?}", specs(&p));
    }
}
