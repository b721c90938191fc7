//! Per-product data quality: what a listing lacks, how its title was cleaned, its specs,
//! probable duplicates (the same product under several ASINs), review cautions and the
//! guard's quarantined observations — what `mandi quality` prints.
//!
//! Duplicates are found among the products the store holds in the same categories: two
//! listings of one brand whose cleaned titles name the same words (in any order, colours and
//! spec figures apart) and whose specs agree are the same product. Review cautions compare a
//! product's rating with its category's: a rating far above the category median from a
//! handful of ratings is a caution, shown as one, never as a verdict. (The store keeps the
//! latest review figures of a product only, so a sudden jump in its review count is not
//! something this report can see.)

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use statrs::statistics::{Data, Median};

use super::listing::{CleanTitle, Spec, SpecKey, clean_title, specs};
use crate::catalog::{CatalogError, CatalogService};
use crate::ports::QuarantineStatus;
use crate::{Asin, Marketplace, Product, ReviewObservation};

/// Products of the same categories read to find duplicates and category medians.
const PEERS_PER_REPORT: usize = 2_000;

/// A rating this far above its category's median (in hundredths of a star) from few ratings
/// is a caution.
const RATING_GAP_CENTI: u16 = 50;

/// Fewer ratings than this make a high rating a caution.
const FEW_RATINGS: u32 = 30;

/// Category medians use peers with at least this many ratings.
const MEDIAN_MIN_RATINGS: u32 = 30;

/// Something a listing lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingField {
    /// No image.
    Image,
    /// No brand.
    Brand,
    /// No feature bullets.
    Features,
    /// No browse node (category).
    Category,
    /// No ratings.
    Reviews,
    /// No known price in any offer.
    Price,
}

impl MissingField {
    /// The gap in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Image => "no image",
            Self::Brand => "no brand",
            Self::Features => "no feature bullets",
            Self::Category => "no category",
            Self::Reviews => "no ratings",
            Self::Price => "no known price",
        }
    }
}

/// A reason to read a product's reviews with care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReviewCaution {
    /// A rating far above its category's median, from few ratings.
    HighRatingFewRatings {
        /// The product's rating, hundredths of a star.
        rating_centi: u16,
        /// Its number of ratings.
        count: u32,
        /// The median rating of its category, hundredths of a star.
        category_median_centi: u16,
    },
    /// Many ratings arrived within days while the average hardly moved: bought or copied
    /// reviews often look like this (a genuine burst, after a sale, usually moves it).
    CountJumpFlatRating {
        /// Ratings before the jump.
        from_count: u32,
        /// Ratings after it.
        to_count: u32,
        /// Days between the two observations.
        days: i64,
        /// The rating before, hundredths of a star.
        rating_before_centi: u16,
        /// The rating after, hundredths of a star.
        rating_after_centi: u16,
        /// When the jump was seen.
        seen_at: chrono::DateTime<chrono::Utc>,
    },
}

impl ReviewCaution {
    /// The caution as a sentence: a hint, not a verdict.
    pub fn describe(&self) -> String {
        match self {
            Self::HighRatingFewRatings {
                rating_centi,
                count,
                category_median_centi,
            } => format!(
                "rated {:.1} from only {count} ratings, well above its category's median of {:.1}: read the reviews with care",
                f64::from(*rating_centi) / 100.0,
                f64::from(*category_median_centi) / 100.0
            ),
            Self::CountJumpFlatRating {
                from_count,
                to_count,
                days,
                rating_before_centi,
                rating_after_centi,
                ..
            } => format!(
                "ratings jumped from {from_count} to {to_count} within {days} day{} while the rating stayed at {:.1} (was {:.1}): read the newest reviews with care",
                if *days == 1 { "" } else { "s" },
                f64::from(*rating_after_centi) / 100.0,
                f64::from(*rating_before_centi) / 100.0
            ),
        }
    }
}

/// The data quality of one product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductQuality {
    /// The marketplace.
    pub marketplace: Marketplace,
    /// The ASIN.
    pub asin: Asin,
    /// The title as listed.
    pub title: String,
    /// The cleaned title and what cleaning changed.
    pub cleaned: CleanTitle,
    /// The specs read from the listing.
    pub specs: Vec<Spec>,
    /// What the listing lacks.
    pub missing: Vec<MissingField>,
    /// Other ASINs that are probably the same product, in ASIN order.
    pub duplicates: Vec<Asin>,
    /// Review cautions.
    pub cautions: Vec<ReviewCaution>,
    /// Observations of it the guard quarantined that a second read rejected (glitches).
    pub rejected_observations: usize,
    /// Observations of it waiting in quarantine for a second read.
    pub pending_observations: usize,
    /// A score from 0 to 100: 100 less 10 per missing field, 5 per kind of title fix, 10 for
    /// duplicates, 10 per caution.
    pub score: u8,
}

/// The report over several products.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    /// The products, lowest score first (then by ASIN).
    pub products: Vec<ProductQuality>,
    /// Products of the same categories compared against.
    pub peers_compared: usize,
}

/// A product's gaps.
pub fn missing_fields(p: &Product) -> Vec<MissingField> {
    let mut out = Vec::new();
    if p.images.is_empty() {
        out.push(MissingField::Image);
    }
    if p.brand.as_deref().is_none_or(|b| b.trim().is_empty()) {
        out.push(MissingField::Brand);
    }
    if p.features.is_empty() {
        out.push(MissingField::Features);
    }
    if p.browse_nodes.is_empty() {
        out.push(MissingField::Category);
    }
    if p.reviews.is_none_or(|r| r.count == 0) {
        out.push(MissingField::Reviews);
    }
    if p.offers.iter().all(|o| o.price.is_none()) {
        out.push(MissingField::Price);
    }
    out
}

/// Words that say nothing about which product a listing is.
const FILLER: &[&str] = &[
    "with", "and", "for", "the", "of", "in", "a", "an", "by", "to", "new", "&", "-", "|",
];

/// What identifies a listing's product: its brand, the words of its cleaned title (without
/// filler, colour and spec figures, in any order) and its specs. Two listings with the same
/// key are probably one product.
fn identity_key(p: &Product, cleaned: &CleanTitle, specs: &[Spec]) -> Option<String> {
    let brand = p.brand.as_deref().map(str::to_lowercase).or_else(|| {
        cleaned
            .title
            .split_whitespace()
            .next()
            .map(str::to_lowercase)
    })?;
    let spec_words: Vec<String> = specs
        .iter()
        .filter(|s| matches!(s.key, SpecKey::Colour | SpecKey::Size))
        .flat_map(|s| {
            s.value
                .split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut words: Vec<String> = cleaned
        .title
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty())
        .filter(|w| !FILLER.contains(&w.as_str()))
        .filter(|w| !spec_words.contains(w))
        // Spec figures are compared through the specs, whatever their spelling.
        .filter(|w| !(w.ends_with("gb") || w.ends_with("tb") || w == "ram" || w == "storage"))
        .collect();
    if words.len() < 2 {
        return None;
    }
    words.sort_unstable();
    words.dedup();
    let spec_text: Vec<String> = specs
        .iter()
        .map(|s| format!("{:?}={}", s.key, s.value.to_lowercase()))
        .collect();
    Some(format!(
        "{}|{}|{}|{}",
        p.marketplace.country_code(),
        brand,
        words.join(" "),
        spec_text.join(";")
    ))
}

/// Groups of probable duplicates among `products`: each group's ASINs in order, groups in
/// the order of their first ASIN.
pub fn duplicate_groups(products: &[Product]) -> Vec<Vec<Asin>> {
    let mut by_key: BTreeMap<String, Vec<Asin>> = BTreeMap::new();
    for p in products {
        let cleaned = clean_title(&p.title, p.brand.as_deref());
        let s = specs(p);
        if let Some(key) = identity_key(p, &cleaned, &s) {
            by_key.entry(key).or_default().push(p.asin);
        }
    }
    let mut groups: Vec<Vec<Asin>> = by_key
        .into_values()
        .map(|mut g| {
            g.sort_unstable();
            g.dedup();
            g
        })
        .filter(|g| g.len() > 1)
        .collect();
    groups.sort_unstable();
    groups
}

/// The median rating (hundredths of a star) of the products with enough ratings; `None`
/// with fewer than three such products.
pub fn category_median_rating<'a>(products: impl Iterator<Item = &'a Product>) -> Option<u16> {
    let ratings: Vec<f64> = products
        .filter_map(|p| p.reviews)
        .filter(|r| r.count >= MEDIAN_MIN_RATINGS)
        .map(|r| f64::from(r.rating_centi))
        .collect();
    if ratings.len() < 3 {
        return None;
    }
    let median = Data::new(ratings).median();
    Some(median.round().clamp(0.0, 500.0) as u16)
}

/// The review cautions of a product against its category's median rating.
pub fn review_cautions(p: &Product, category_median_centi: Option<u16>) -> Vec<ReviewCaution> {
    let (Some(r), Some(median)) = (p.reviews, category_median_centi) else {
        return Vec::new();
    };
    if r.count > 0 && r.count < FEW_RATINGS && r.rating_centi >= median + RATING_GAP_CENTI {
        vec![ReviewCaution::HighRatingFewRatings {
            rating_centi: r.rating_centi,
            count: r.count,
            category_median_centi: median,
        }]
    } else {
        Vec::new()
    }
}

/// The window a jump in ratings must happen within.
const JUMP_WITHIN_DAYS: i64 = 7;
/// The fewest new ratings that count as a jump.
const JUMP_MIN_NEW: u32 = 100;
/// …and the count must at least grow by half.
const JUMP_MIN_GROWTH_PERCENT: u32 = 50;
/// The most the average may move (hundredths of a star) for the rating to count as flat.
const FLAT_RATING_CENTI: u16 = 5;

/// The biggest sudden jump in a review history (time order): between two observations at
/// most [`JUMP_WITHIN_DAYS`] apart, at least [`JUMP_MIN_NEW`] new ratings and growth of at
/// least [`JUMP_MIN_GROWTH_PERCENT`] %, with the average moving no more than
/// [`FLAT_RATING_CENTI`] hundredths of a star.
pub fn review_jump(history: &[ReviewObservation]) -> Option<ReviewCaution> {
    let mut best: Option<(u32, ReviewCaution)> = None;
    for (i, later) in history.iter().enumerate() {
        for earlier in history[..i].iter().rev() {
            let days = (later.at - earlier.at).num_days();
            if later.at - earlier.at > chrono::TimeDelta::days(JUMP_WITHIN_DAYS) {
                break;
            }
            let (before, after) = (earlier.reviews, later.reviews);
            let new = after.count.saturating_sub(before.count);
            let grew = u64::from(new) * 100
                >= u64::from(before.count) * u64::from(JUMP_MIN_GROWTH_PERCENT);
            let flat = before.rating_centi.abs_diff(after.rating_centi) <= FLAT_RATING_CENTI;
            if new >= JUMP_MIN_NEW && grew && flat && best.as_ref().is_none_or(|(n, _)| new > *n) {
                best = Some((
                    new,
                    ReviewCaution::CountJumpFlatRating {
                        from_count: before.count,
                        to_count: after.count,
                        days: days.max(1),
                        rating_before_centi: before.rating_centi,
                        rating_after_centi: after.rating_centi,
                        seen_at: later.at,
                    },
                ));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// The deepest browse node of a product (its category), if any.
fn category_of(p: &Product) -> Option<&str> {
    p.browse_nodes
        .iter()
        .max_by_key(|n| n.ancestors.len())
        .map(|n| n.id.as_str())
}

/// Data-quality reports over the catalog's store.
#[derive(Debug, Clone)]
pub struct QualityService {
    catalog: CatalogService,
}

impl QualityService {
    /// The service over a catalog (its store).
    pub fn new(catalog: CatalogService) -> Self {
        Self { catalog }
    }

    /// The report on `asins` of a marketplace, or on every watched product of it when
    /// `asins` is empty. Products never saved are left out.
    ///
    /// # Errors
    ///
    /// The store failed.
    pub async fn report(
        &self,
        marketplace: Marketplace,
        asins: &[Asin],
    ) -> Result<QualityReport, CatalogError> {
        let store = self.catalog.store();
        let asins: Vec<Asin> = if asins.is_empty() {
            store
                .watched_products()
                .await?
                .into_iter()
                .filter(|w| w.marketplace == marketplace)
                .map(|w| w.asin)
                .collect()
        } else {
            asins.to_vec()
        };
        let products = store.get_products(marketplace, &asins).await?;
        // Peers: the saved products of the same categories.
        let mut nodes: Vec<String> = products
            .iter()
            .filter_map(category_of)
            .map(str::to_owned)
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        let mut peers: Vec<Product> = Vec::new();
        if !nodes.is_empty() {
            let peer_asins = store
                .products_in_nodes(marketplace, &nodes, PEERS_PER_REPORT)
                .await?;
            let wanted: Vec<Asin> = peer_asins
                .into_iter()
                .filter(|a| !asins.contains(a))
                .collect();
            for chunk in wanted.chunks(200) {
                peers.extend(store.get_products(marketplace, chunk).await?);
            }
        }
        let quarantined = store.quarantined(marketplace, &asins, false).await?;
        let mut rejected: HashMap<Asin, usize> = HashMap::new();
        let mut pending: HashMap<Asin, usize> = HashMap::new();
        for q in &quarantined {
            match q.status {
                QuarantineStatus::Rejected => *rejected.entry(q.product.asin).or_default() += 1,
                QuarantineStatus::Pending => *pending.entry(q.product.asin).or_default() += 1,
                QuarantineStatus::Confirmed => {}
            }
        }

        let everyone: Vec<Product> = products.iter().chain(&peers).cloned().collect();
        let mut twins: HashMap<Asin, Vec<Asin>> = HashMap::new();
        for group in duplicate_groups(&everyone) {
            for a in &group {
                twins.insert(*a, group.iter().filter(|b| *b != a).copied().collect());
            }
        }
        let mut medians: HashMap<&str, Option<u16>> = HashMap::new();
        for p in &products {
            if let Some(node) = category_of(p) {
                medians.entry(node).or_insert_with(|| {
                    category_median_rating(
                        everyone
                            .iter()
                            .filter(|q| q.asin != p.asin && category_of(q) == Some(node)),
                    )
                });
            }
        }

        let mut jumps: HashMap<Asin, ReviewCaution> = HashMap::new();
        for p in &products {
            let history = store.review_history(marketplace, p.asin).await?;
            if let Some(jump) = review_jump(&history) {
                jumps.insert(p.asin, jump);
            }
        }

        let mut out: Vec<ProductQuality> = products
            .iter()
            .map(|p| {
                let cleaned = clean_title(&p.title, p.brand.as_deref());
                let missing = missing_fields(p);
                let median = category_of(p).and_then(|n| medians.get(n).copied().flatten());
                let mut cautions = review_cautions(p, median);
                if let Some(jump) = jumps.get(&p.asin) {
                    cautions.push(jump.clone());
                }
                let duplicates = twins.get(&p.asin).cloned().unwrap_or_default();
                let penalty = 10 * missing.len()
                    + 5 * cleaned.fixes.len()
                    + if duplicates.is_empty() { 0 } else { 10 }
                    + 10 * cautions.len();
                ProductQuality {
                    marketplace,
                    asin: p.asin,
                    title: p.title.clone(),
                    specs: specs(p),
                    cleaned,
                    missing,
                    duplicates,
                    cautions,
                    rejected_observations: rejected.get(&p.asin).copied().unwrap_or(0),
                    pending_observations: pending.get(&p.asin).copied().unwrap_or(0),
                    score: u8::try_from(100_usize.saturating_sub(penalty)).unwrap_or(0),
                }
            })
            .collect();
        out.sort_by(|a, b| a.score.cmp(&b.score).then(a.asin.cmp(&b.asin)));
        Ok(QualityReport {
            products: out,
            peers_compared: peers.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Availability, Currency, Image, Money, Offer, Reviews};

    fn product(asin: &str, title: &str, brand: &str) -> Product {
        let mut p = Product::new(
            asin.parse().expect("asin"),
            Marketplace::India,
            title,
            chrono::DateTime::UNIX_EPOCH,
        );
        p.brand = Some(brand.to_owned());
        p
    }

    #[test]
    fn the_same_phone_under_two_asins_is_a_duplicate_but_its_other_colour_is_not() {
        let a = product(
            "B0AAAAAAA1",
            "Samsung Galaxy M14 5G (Smoky Teal, 6GB, 128GB Storage) | 50MP Triple Cam",
            "Samsung",
        );
        let b = product(
            "B0AAAAAAA2",
            "Samsung  Galaxy M14 5G 50MP Triple Cam (Smoky Teal, 6GB RAM, 128GB Storage) | Best Gift for Men Women",
            "Samsung",
        );
        let other_colour = product(
            "B0AAAAAAA3",
            "Samsung Galaxy M14 5G (Icy Silver, 6GB, 128GB Storage) | 50MP Triple Cam",
            "Samsung",
        );
        let more_storage = product(
            "B0AAAAAAA4",
            "Samsung Galaxy M14 5G (Smoky Teal, 6GB, 256GB Storage) | 50MP Triple Cam",
            "Samsung",
        );
        let other_brand = product(
            "B0AAAAAAA5",
            "Galaxy M14 5G (Smoky Teal, 6GB, 128GB Storage) | 50MP Triple Cam",
            "Acme",
        );
        let groups = duplicate_groups(&[a, b, other_colour, more_storage, other_brand]);
        assert_eq!(
            groups,
            vec![vec![
                "B0AAAAAAA1".parse::<Asin>().expect("asin"),
                "B0AAAAAAA2".parse().expect("asin")
            ]]
        );
    }

    #[test]
    fn a_high_rating_from_few_ratings_is_a_caution_against_the_category_median() {
        let mut peers = Vec::new();
        for (i, rating) in [400_u16, 410, 390, 420, 405].into_iter().enumerate() {
            let mut p = product(&format!("B0PEER000{i}"), "Peer", "X");
            p.reviews = Some(Reviews {
                rating_centi: rating,
                count: 500,
            });
            peers.push(p);
        }
        let median = category_median_rating(peers.iter());
        assert_eq!(median, Some(405));
        let mut suspect = product("B0SUSPECT1", "Suspect", "Y");
        suspect.reviews = Some(Reviews {
            rating_centi: 490,
            count: 12,
        });
        let cautions = review_cautions(&suspect, median);
        assert_eq!(
            cautions,
            vec![ReviewCaution::HighRatingFewRatings {
                rating_centi: 490,
                count: 12,
                category_median_centi: 405
            }]
        );
        assert!(cautions[0].describe().contains("4.9 from only 12 ratings"));
        // Many ratings, or a rating near the median: no caution.
        suspect.reviews = Some(Reviews {
            rating_centi: 490,
            count: 800,
        });
        assert!(review_cautions(&suspect, median).is_empty());
        suspect.reviews = Some(Reviews {
            rating_centi: 440,
            count: 12,
        });
        assert!(review_cautions(&suspect, median).is_empty());
        // Too few peers for a median.
        assert_eq!(category_median_rating(peers.iter().take(2)), None);
    }

    #[test]
    fn missing_fields_name_each_gap() {
        let mut p = Product::new(
            "B0AAAAAAA1".parse().expect("asin"),
            Marketplace::India,
            "Thing",
            chrono::DateTime::UNIX_EPOCH,
        );
        assert_eq!(
            missing_fields(&p),
            vec![
                MissingField::Image,
                MissingField::Brand,
                MissingField::Features,
                MissingField::Category,
                MissingField::Reviews,
                MissingField::Price,
            ]
        );
        p.brand = Some("Acme".into());
        p.features = vec!["Steel".into()];
        p.images = vec![Image {
            url: "https://images.example.invalid/a.jpg".into(),
            width: 500,
            height: 500,
        }];
        p.reviews = Some(Reviews {
            rating_centi: 410,
            count: 3,
        });
        p.offers = vec![Offer::new(
            Some(Money::from_major(999, Currency::INR)),
            Availability::InStock,
        )];
        assert_eq!(missing_fields(&p), vec![MissingField::Category]);
    }

    fn seen(day: i64, rating_centi: u16, count: u32) -> ReviewObservation {
        ReviewObservation {
            at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::TimeDelta::days(day),
            reviews: Reviews {
                rating_centi,
                count,
            },
        }
    }

    #[test]
    fn a_sudden_jump_in_ratings_with_a_flat_average_is_a_caution() {
        // 200 → 520 ratings in 3 days, the average 4.31 → 4.33: a caution.
        let history = [seen(0, 431, 180), seen(10, 431, 200), seen(13, 433, 520)];
        let caution = review_jump(&history).expect("a jump");
        assert_eq!(
            caution,
            ReviewCaution::CountJumpFlatRating {
                from_count: 200,
                to_count: 520,
                days: 3,
                rating_before_centi: 431,
                rating_after_centi: 433,
                seen_at: seen(13, 0, 0).at,
            }
        );
        assert!(
            caution.describe().contains("from 200 to 520 within 3 days"),
            "{}",
            caution.describe()
        );
        // The same burst over a month is steady growth, not a jump.
        assert_eq!(review_jump(&[seen(0, 431, 200), seen(30, 431, 520)]), None);
        // A burst that moves the average (a sale bringing real buyers) is not flagged.
        assert_eq!(review_jump(&[seen(0, 431, 200), seen(2, 418, 520)]), None);
        // Fewer than 100 new ratings, or less than half again: not a jump.
        assert_eq!(review_jump(&[seen(0, 431, 20), seen(1, 431, 90)]), None);
        assert_eq!(
            review_jump(&[seen(0, 431, 5_000), seen(1, 431, 5_400)]),
            None
        );
        assert_eq!(review_jump(&[]), None);
    }
}
