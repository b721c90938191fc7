//! The sandbox catalogue: about 2,000 products an Indian shopper buys (or any other number,
//! for runs at scale), generated deterministically from a seed and cached per seed and size.
//!
//! Phones, laptops, TVs, appliances, audio, books (ISBN-10 ASINs), fashion, grocery and
//! beauty, with Indian brands and INR prices, ratings and review counts, image URLs on a fake
//! CDN host that is never fetched, browse nodes from an amazon.in-shaped tree, and variation
//! families (colour, size, storage) under parent ASINs.

pub(crate) mod calendar;
pub(crate) mod lines;
pub(crate) mod model;
pub(crate) mod nodes;
pub(crate) mod rng;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use mandi_core::{Asin, Condition, Reviews, VariationAttribute};

use model::{Category, Family, Item, SELLERS};
use nodes::Tree;
use rng::{SplitMix, hash, hash_str};

/// The host image URLs point at. `.invalid` never resolves, so nothing ever fetches them.
pub const IMAGE_HOST: &str = "https://images.sandbox-cdn.invalid";

/// What an ASIN of the catalogue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A buyable item (index into `items`).
    Item(usize),
    /// A variation parent (index into `families`).
    Parent(usize),
}

/// A deterministic catalogue; [`Catalog::for_seed`] builds it once per seed.
pub struct Catalog {
    seed: u64,
    pub(crate) items: Vec<Item>,
    pub(crate) families: Vec<Family>,
    pub(crate) tree: Tree,
    by_asin: HashMap<Asin, Entry>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("seed", &self.seed)
            .field("items", &self.items.len())
            .field("families", &self.families.len())
            .finish_non_exhaustive()
    }
}

/// ASINs and ids worth showing in demos and tests, picked from a catalogue.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSample {
    /// A smartphone.
    pub phone: Asin,
    /// A gaming laptop.
    pub laptop: Asin,
    /// A book (ISBN-10 ASIN).
    pub book: Asin,
    /// A variation parent (not buyable itself).
    pub family_parent: Asin,
    /// A child of `family_parent`.
    pub family_child: Asin,
    /// A browse node id that exists (Smartphones).
    pub node_id: String,
    /// A well-formed ASIN the catalogue does not hold.
    pub unknown: Asin,
}

/// Products in the default catalogue (its categories' shares add up to this).
pub const DEFAULT_PRODUCTS: usize = 2_000;

/// The largest catalogue [`Catalog::for_seed_sized`] generates.
pub const MAX_PRODUCTS: usize = 1_000_000;

/// Why a catalogue size was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a sandbox catalogue holds {min} to {max} products, not {0}",
    min = lines::TARGETS.len(),
    max = MAX_PRODUCTS
)]
pub struct CatalogSizeError(pub usize);

type CacheKey = (u64, usize);

fn cache() -> &'static Mutex<HashMap<CacheKey, Arc<Catalog>>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, Arc<Catalog>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// How many products of each category a catalogue of `products` holds: the default shares
/// scaled, at least one each, adding up to `products` exactly.
fn targets(products: usize) -> Vec<(model::Category, usize)> {
    let total: usize = lines::TARGETS.iter().map(|(_, n)| n).sum();
    let mut out: Vec<(model::Category, usize)> = lines::TARGETS
        .iter()
        .map(|&(c, n)| (c, (n * products / total).max(1)))
        .collect();
    // Whatever rounding left over goes to the categories in order.
    let mut have: usize = out.iter().map(|(_, n)| n).sum();
    let mut i = 0;
    let categories = out.len();
    while have < products {
        out[i % categories].1 += 1;
        have += 1;
        i += 1;
    }
    out
}

impl Catalog {
    /// The catalogue of a seed, generated on first use and shared afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use mandi_paapi::sandbox::Catalog;
    /// let a = Catalog::for_seed(7);
    /// let b = Catalog::for_seed(7);
    /// assert_eq!(a.asins().collect::<Vec<_>>(), b.asins().collect::<Vec<_>>());
    /// assert!(a.len() >= 1_900);
    /// ```
    pub fn for_seed(seed: u64) -> Arc<Catalog> {
        Self::cached(seed, DEFAULT_PRODUCTS)
    }

    /// The catalogue of a seed with `products` buyable products (the default's category
    /// shares scaled), generated on first use and shared afterwards. At the default size it
    /// is [`Catalog::for_seed`]'s catalogue, product for product.
    ///
    /// # Errors
    ///
    /// [`CatalogSizeError`] below one product per category or above [`MAX_PRODUCTS`].
    ///
    /// # Examples
    ///
    /// ```
    /// use mandi_paapi::sandbox::Catalog;
    /// let big = Catalog::for_seed_sized(7, 5_000)?;
    /// assert!(big.len() >= 5_000);
    /// assert!(Catalog::for_seed_sized(7, 0).is_err());
    /// # Ok::<(), mandi_paapi::sandbox::CatalogSizeError>(())
    /// ```
    pub fn for_seed_sized(seed: u64, products: usize) -> Result<Arc<Catalog>, CatalogSizeError> {
        if products < lines::TARGETS.len() || products > MAX_PRODUCTS {
            return Err(CatalogSizeError(products));
        }
        Ok(Self::cached(seed, products))
    }

    fn cached(seed: u64, products: usize) -> Arc<Catalog> {
        let mut guard = cache().lock().unwrap_or_else(|e| e.into_inner());
        guard
            .entry((seed, products))
            .or_insert_with(|| Arc::new(Catalog::build(seed, products)))
            .clone()
    }

    /// Generates the default-sized catalogue without the cache.
    pub fn generate(seed: u64) -> Catalog {
        Self::build(seed, DEFAULT_PRODUCTS)
    }

    fn build(seed: u64, products: usize) -> Catalog {
        let tree = Tree::new();
        let mut g = SplitMix::new(seed, "catalogue");
        let mut items: Vec<Item> = Vec::with_capacity(products + products / 20);
        let mut families: Vec<Family> = Vec::new();
        let mut used: HashSet<Asin> = HashSet::with_capacity(products + products / 4);
        for (category, target) in targets(products) {
            let mut count = 0;
            while count < target {
                let line = lines::line(category, &mut g);
                let take = (target - count).min(line.drafts.len());
                let family = if line.family_title.is_some() && take > 1 {
                    let parent = fresh_asin(&mut g, &mut used, false);
                    families.push(Family {
                        parent,
                        title: line.family_title.clone().unwrap_or_default(),
                        dimensions: line.dimensions.iter().map(|d| (*d).to_owned()).collect(),
                        children: Vec::new(),
                    });
                    Some(families.len() - 1)
                } else {
                    None
                };
                let node = tree.must(line.node);
                let mut node_path = vec![node];
                node_path.extend(tree.ancestors(node));
                // One rating profile per line: the children of a family share reviews.
                let reviews = draw_reviews(&mut g);
                let released = calendar::day_of(
                    chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or(chrono::NaiveDate::MIN),
                ) + g.range(0, 1_350);
                let merchant = if g.chance(0.35) {
                    0
                } else {
                    1 + g.below((SELLERS.len() - 1) as u64) as usize
                };
                let fba = merchant == 0 || g.chance(0.75);
                let global = g.chance(0.1);
                let mrp_markup = match category {
                    Category::Books => 0.05 + g.unit() * 0.25,
                    Category::Fashion => 0.5 + g.unit() * 1.5,
                    Category::Grocery => 0.05 + g.unit() * 0.2,
                    Category::Beauty => 0.1 + g.unit() * 0.4,
                    _ => 0.12 + g.unit() * 0.45,
                };
                for draft in line.drafts.into_iter().take(take) {
                    let asin = fresh_asin(&mut g, &mut used, line.isbn);
                    let key = hash(&[seed, hash_str(asin.as_str())]);
                    let base = draft.rupees.max(10) * 100;
                    let mrp_rupees =
                        lines::shop_round(draft.rupees as f64 * (1.0 + mrp_markup)) + 1;
                    let mrp = (mrp_rupees * 100).max(base);
                    let attrs: Vec<VariationAttribute> = draft
                        .attrs
                        .iter()
                        .map(|(n, v)| VariationAttribute {
                            name: (*n).to_owned(),
                            value: v.clone(),
                        })
                        .collect();
                    let image_count = 1 + (key % 4) as usize;
                    let images = (0..image_count)
                        .map(|i| {
                            format!(
                                "{IMAGE_HOST}/images/I/{:016X}{i}._SL1500_.jpg",
                                hash(&[key, i as u64])
                            )
                        })
                        .collect();
                    let popularity =
                        u64::from(reviews.count) * u64::from(reviews.rating_centi) + key % 97;
                    let index = items.len();
                    if let Some(f) = family {
                        families[f].children.push(index);
                    }
                    items.push(Item {
                        asin,
                        family,
                        title: draft.title,
                        brand: line.brand.clone(),
                        manufacturer: line.manufacturer.clone(),
                        features: draft.features,
                        contributors: draft.contributors,
                        product_group: line.product_group,
                        category: line.category,
                        search_indexes: line.search_indexes,
                        node,
                        node_path: node_path.clone(),
                        images,
                        attrs,
                        reviews,
                        released,
                        base,
                        mrp,
                        merchant,
                        fba,
                        global,
                        condition: Condition::New,
                        key,
                        popularity,
                        sales_rank: 0,
                        tokens: Vec::new(),
                    });
                    count += 1;
                }
            }
        }
        give_well_known_asins(&mut items, &families, &tree, &mut used);
        // Sales ranks within each leaf node, by popularity.
        let mut by_node: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            by_node.entry(item.node).or_default().push(i);
        }
        for members in by_node.values_mut() {
            members.sort_by_key(|&i| (std::cmp::Reverse(items[i].popularity), items[i].asin));
            for (rank, &i) in members.iter().enumerate() {
                items[i].sales_rank = rank as u32 + 1;
            }
        }
        for item in &mut items {
            item.tokens = tokens_of(item, &tree);
        }
        let mut by_asin = HashMap::with_capacity(items.len() + families.len());
        for (i, item) in items.iter().enumerate() {
            by_asin.insert(item.asin, Entry::Item(i));
        }
        for (i, f) in families.iter().enumerate() {
            by_asin.insert(f.parent, Entry::Parent(i));
        }
        Catalog {
            seed,
            items,
            families,
            tree,
            by_asin,
        }
    }

    /// The seed this catalogue was generated from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The number of buyable items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Always false: a catalogue holds at least one item per category.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every buyable ASIN, in catalogue order.
    pub fn asins(&self) -> impl Iterator<Item = Asin> + '_ {
        self.items.iter().map(|i| i.asin)
    }

    /// Every variation parent ASIN.
    pub fn family_parents(&self) -> impl Iterator<Item = Asin> + '_ {
        self.families.iter().map(|f| f.parent)
    }

    /// The children of a variation parent (empty for anything else).
    pub fn family_children(&self, parent: Asin) -> Vec<Asin> {
        match self.by_asin.get(&parent) {
            Some(Entry::Parent(f)) => self.families[*f]
                .children
                .iter()
                .map(|&i| self.items[i].asin)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every browse node id of the tree.
    pub fn node_ids(&self) -> Vec<String> {
        (0..self.tree.len())
            .map(|i| self.tree.node(i).id.to_owned())
            .collect()
    }

    /// True when the ASIN is a buyable item or a variation parent of this catalogue.
    pub fn contains(&self, asin: Asin) -> bool {
        self.by_asin.contains_key(&asin)
    }

    /// The title of an item or family.
    pub fn title(&self, asin: Asin) -> Option<&str> {
        match self.by_asin.get(&asin)? {
            Entry::Item(i) => Some(&self.items[*i].title),
            Entry::Parent(f) => Some(&self.families[*f].title),
        }
    }

    /// The category of an item (`phones`, `laptops`, `books`…).
    pub fn category_name(&self, asin: Asin) -> Option<&'static str> {
        Some(self.item(asin)?.category.slug())
    }

    /// ASINs and ids for demos and tests.
    pub fn sample(&self) -> CatalogSample {
        let find = |c: Category, node: Option<&str>| {
            self.items
                .iter()
                .find(|i| i.category == c && node.is_none_or(|n| self.tree.node(i.node).id == n))
                .or_else(|| self.items.iter().find(|i| i.category == c))
                .map(|i| i.asin)
        };
        let first = self.items[0].asin;
        let family = self.families.iter().find(|f| f.children.len() >= 3);
        let (family_parent, family_child) = match family.or(self.families.first()) {
            Some(f) => (f.parent, self.items[f.children[0]].asin),
            None => (first, first),
        };
        let mut unknown = Asin::parse("B0SANDBOX0").unwrap_or(first);
        // (B0SANDBOX0 is well-formed; `first` is only the type-level fallback.)
        let mut g = SplitMix::new(self.seed, "unknown");
        while self.contains(unknown) {
            unknown = random_b0(&mut g);
        }
        CatalogSample {
            phone: find(Category::Phones, Some("1805560031")).unwrap_or(first),
            laptop: find(Category::Laptops, Some("22963796031")).unwrap_or(first),
            book: find(Category::Books, None).unwrap_or(first),
            family_parent,
            family_child,
            node_id: "1805560031".to_owned(),
            unknown,
        }
    }

    pub(crate) fn entry(&self, asin: Asin) -> Option<Entry> {
        self.by_asin.get(&asin).copied()
    }

    pub(crate) fn item(&self, asin: Asin) -> Option<&Item> {
        match self.by_asin.get(&asin)? {
            Entry::Item(i) => Some(&self.items[*i]),
            Entry::Parent(_) => None,
        }
    }
}

/// Real amazon.in ASINs that the README, the guides and `mandi --help` use as examples. Every
/// catalogue gives them to generated smartphones (the first to a variation child, so
/// `mandi variations B0CX59H5W7` has a family to show), so the examples work offline on the
/// sandbox. Prices and titles stay those the seed drew.
pub const WELL_KNOWN_ASINS: [&str; 2] = ["B0CX59H5W7", "B0D5YCYS1G"];

fn give_well_known_asins(
    items: &mut [Item],
    families: &[Family],
    tree: &Tree,
    used: &mut HashSet<Asin>,
) {
    let smartphone =
        |i: &Item| i.category == Category::Phones && tree.node(i.node).id == "1805560031";
    let in_family = families
        .iter()
        .find(|f| f.children.len() >= 2 && smartphone(&items[f.children[0]]))
        .map(|f| f.children[0]);
    let single = items
        .iter()
        .position(|i| smartphone(i) && i.family.is_none())
        .or_else(|| {
            items
                .iter()
                .position(|i| smartphone(i) && Some(i.family) != in_family.map(|c| items[c].family))
        });
    for (text, index) in WELL_KNOWN_ASINS.iter().zip([in_family, single]) {
        let (Ok(asin), Some(index)) = (Asin::parse(text), index) else {
            continue;
        };
        if used.insert(asin) {
            used.remove(&items[index].asin);
            items[index].asin = asin;
        }
    }
}

fn draw_reviews(g: &mut SplitMix) -> Reviews {
    let rating = g.normal(4.1, 0.28).clamp(2.6, 4.9);
    let rating_centi = ((rating * 10.0).round() as u16) * 10;
    // Log-uniform from 3 to ~200,000 ratings.
    let count = (3.0 * (g.unit() * 11.1).exp()).round() as u32;
    Reviews {
        rating_centi,
        count,
    }
}

fn random_b0(g: &mut SplitMix) -> Asin {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    loop {
        let mut s = String::from("B0");
        for _ in 0..8 {
            s.push(ALPHABET[g.below(ALPHABET.len() as u64) as usize] as char);
        }
        // Always valid (B0 + eight alphanumerics); the loop only satisfies the type.
        if let Ok(asin) = Asin::parse(&s) {
            return asin;
        }
    }
}

/// An ISBN-10 with an Indian group prefix (81, 93) and a valid check digit.
pub(crate) fn isbn10(g: &mut SplitMix) -> String {
    let mut digits: Vec<u32> = if g.chance(0.5) {
        vec![8, 1]
    } else {
        vec![9, 3]
    };
    while digits.len() < 9 {
        digits.push(g.below(10) as u32);
    }
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let check = (11 - sum % 11) % 11;
    let mut s: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    s.push(if check == 10 {
        'X'
    } else {
        char::from(b'0' + check as u8)
    });
    s
}

fn fresh_asin(g: &mut SplitMix, used: &mut HashSet<Asin>, isbn: bool) -> Asin {
    loop {
        let asin = if isbn {
            match Asin::parse(&isbn10(g)) {
                Ok(a) => a,
                Err(_) => random_b0(g),
            }
        } else {
            random_b0(g)
        };
        if used.insert(asin) {
            return asin;
        }
    }
}

/// Lower-cased search words of a text; a plural `s` is dropped from words of four letters or
/// more (`phones` → `phone`).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_lowercase();
            if w.len() >= 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
        .collect()
}

fn tokens_of(item: &Item, tree: &Tree) -> Vec<(String, u8)> {
    let mut map: HashMap<String, u8> = HashMap::new();
    let mut add = |text: &str, weight: u8| {
        for w in words(text) {
            let slot = map.entry(w).or_insert(0);
            *slot = (*slot).max(weight);
        }
    };
    add(&item.title, 3);
    add(&item.brand, 4);
    add(item.category.synonyms(), 1);
    for &n in &item.node_path {
        add(tree.node(n).name, 2);
    }
    for (_, name) in &item.contributors {
        add(name, 3);
    }
    let mut tokens: Vec<(String, u8)> = map.into_iter().collect();
    tokens.sort();
    tokens
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_big_deterministic_and_well_formed() {
        let a = Catalog::generate(42);
        let b = Catalog::generate(42);
        assert!((1_900..=2_100).contains(&a.len()), "{}", a.len());
        assert_eq!(a.asins().collect::<Vec<_>>(), b.asins().collect::<Vec<_>>());
        assert_ne!(
            a.asins().collect::<Vec<_>>(),
            Catalog::generate(43).asins().collect::<Vec<_>>()
        );
        for item in &a.items {
            assert!(item.base > 0 && item.mrp >= item.base, "{}", item.asin);
            assert_eq!(item.category == Category::Books, item.asin.is_isbn());
            assert!(item.reviews.rating_centi <= 500);
            assert!(!item.tokens.is_empty());
        }
        assert!(a.families.iter().all(|f| !f.children.is_empty()));
        assert!(a.families.len() > 100);
        let laptops = a.items.iter().filter(|i| i.category == Category::Laptops);
        assert!(laptops.clone().any(|i| i.title.contains("RTX 4060")));
        assert!(laptops.clone().all(|i| i.title.contains("GB RAM")));
    }

    #[test]
    fn the_asins_the_docs_use_are_smartphones_in_every_catalogue() {
        for seed in [crate::sandbox::DEFAULT_SEED, 3, 42] {
            let c = Catalog::generate(seed);
            for text in WELL_KNOWN_ASINS {
                let asin = Asin::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(c.category_name(asin), Some("phones"), "seed {seed}: {text}");
            }
            let first = Asin::parse(WELL_KNOWN_ASINS[0]).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                c.family_parents()
                    .any(|p| c.family_children(p).contains(&first)),
                "seed {seed}: {first} has variations"
            );
        }
    }

    #[test]
    fn a_sized_catalogue_scales_every_category_and_keeps_the_default_one() {
        let default = Catalog::generate(42);
        let same = Catalog::for_seed_sized(42, DEFAULT_PRODUCTS).expect("default size");
        assert_eq!(
            default.asins().collect::<Vec<_>>(),
            same.asins().collect::<Vec<_>>(),
            "the default size is the default catalogue"
        );
        let big = Catalog::for_seed_sized(42, 20_000).expect("in range");
        assert_eq!(big.len(), 20_000);
        let unique: HashSet<Asin> = big.asins().collect();
        assert_eq!(unique.len(), big.len(), "ASINs are unique");
        for (category, share) in lines::TARGETS {
            let n = big.items.iter().filter(|i| i.category == category).count();
            assert_eq!(n, share * 10, "{category:?} keeps its share");
        }
        for item in &big.items {
            assert_eq!(
                big.by_asin
                    .get(&item.asin)
                    .map(|e| matches!(e, Entry::Item(_))),
                Some(true)
            );
        }
        let small = Catalog::for_seed_sized(42, 9).expect("one per category");
        assert_eq!(small.len(), 9);
        assert_eq!(
            Catalog::for_seed_sized(42, 2_001).expect("odd size").len(),
            2_001,
            "rounding is handed out"
        );
        assert_eq!(
            Catalog::for_seed_sized(42, 8).err(),
            Some(CatalogSizeError(8))
        );
        assert_eq!(
            Catalog::for_seed_sized(42, MAX_PRODUCTS + 1).err(),
            Some(CatalogSizeError(MAX_PRODUCTS + 1))
        );
    }

    #[test]
    fn isbn_check_digits_are_valid() {
        let mut g = SplitMix::new(1, "isbn");
        for _ in 0..500 {
            let s = isbn10(&mut g);
            assert!(Asin::parse(&s).unwrap().is_isbn(), "{s}");
        }
    }

    #[test]
    fn sample_points_at_real_entries() {
        let c = Catalog::for_seed(1);
        let s = c.sample();
        assert!(c.item(s.phone).is_some());
        assert!(c.item(s.book).unwrap().asin.is_isbn());
        assert!(c.family_children(s.family_parent).contains(&s.family_child));
        assert!(!c.contains(s.unknown));
        assert!(c.tree.index(&s.node_id).is_some());
    }
}
