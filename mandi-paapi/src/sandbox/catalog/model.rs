//! The catalogue's internal records: one `Item` per buyable child ASIN, one `Family` per
//! variation parent.

use mandi_core::{Asin, Condition, Reviews, VariationAttribute};

/// The broad kind of a product; it picks the price model's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Category {
    /// Smartphones.
    Phones,
    /// Laptops.
    Laptops,
    /// Televisions.
    Tvs,
    /// Kitchen and large appliances.
    Appliances,
    /// Earbuds, headphones, speakers.
    Audio,
    /// Books (ISBN ASINs).
    Books,
    /// Clothing and shoes.
    Fashion,
    /// Grocery staples and beverages.
    Grocery,
    /// Skin, hair and make-up.
    Beauty,
}

impl Category {
    /// A short lower-case name (`phones`, `books`).
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Self::Phones => "phones",
            Self::Laptops => "laptops",
            Self::Tvs => "tvs",
            Self::Appliances => "appliances",
            Self::Audio => "audio",
            Self::Books => "books",
            Self::Fashion => "fashion",
            Self::Grocery => "grocery",
            Self::Beauty => "beauty",
        }
    }

    /// Words a shopper may use for the category, added to the search tokens.
    pub(crate) fn synonyms(self) -> &'static str {
        match self {
            Self::Phones => "phone mobile smartphone cellphone",
            Self::Laptops => "laptop notebook computer",
            Self::Tvs => "tv television smart led",
            Self::Appliances => "appliance home kitchen",
            Self::Audio => "audio headphone music wireless bluetooth",
            Self::Books => "book books",
            Self::Fashion => "fashion clothing apparel",
            Self::Grocery => "grocery food",
            Self::Beauty => "beauty personal care",
        }
    }
}

/// The price model's parameters for a category.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    /// Probability that the product takes part in a given sale.
    pub(crate) sale_participation: f64,
    /// Sale discount range, basis points.
    pub(crate) sale_discount_bps: (i64, i64),
    /// Probability that a participation is a fake sale (MRP raised first).
    pub(crate) fake_sale: f64,
    /// Yearly price erosion, basis points (electronics get cheaper with age).
    pub(crate) yearly_erosion_bps: i64,
    /// Probability of a lightning deal on a normal day.
    pub(crate) deal_normal: f64,
    /// Probability of a lightning deal on a sale day.
    pub(crate) deal_sale: f64,
    /// Percent of 24-day stock blocks holding a stock-out.
    pub(crate) stockout_percent: u64,
}

impl Category {
    /// The price model for the category.
    pub(crate) fn profile(self) -> Profile {
        let p = |sale_participation,
                 lo,
                 hi,
                 fake_sale,
                 yearly_erosion_bps,
                 deal_normal,
                 deal_sale,
                 stockout_percent| Profile {
            sale_participation,
            sale_discount_bps: (lo, hi),
            fake_sale,
            yearly_erosion_bps,
            deal_normal,
            deal_sale,
            stockout_percent,
        };
        match self {
            Self::Phones => p(0.85, 600, 1_600, 0.08, 1_500, 0.02, 0.2, 14),
            Self::Laptops => p(0.85, 800, 2_000, 0.08, 1_200, 0.02, 0.2, 12),
            Self::Tvs => p(0.85, 1_000, 2_500, 0.10, 1_000, 0.02, 0.25, 10),
            Self::Appliances => p(0.8, 1_000, 3_000, 0.10, 400, 0.03, 0.25, 10),
            Self::Audio => p(0.85, 1_000, 3_000, 0.12, 800, 0.04, 0.3, 12),
            Self::Books => p(0.5, 500, 1_500, 0.03, 0, 0.01, 0.1, 6),
            Self::Fashion => p(0.7, 1_000, 4_000, 0.15, 0, 0.03, 0.25, 14),
            Self::Grocery => p(0.5, 300, 1_000, 0.05, -300, 0.01, 0.1, 8),
            Self::Beauty => p(0.7, 500, 2_000, 0.10, 0, 0.03, 0.2, 8),
        }
    }
}

/// One buyable product (a standalone item or a child of a variation family).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) asin: Asin,
    pub(crate) family: Option<usize>,
    pub(crate) title: String,
    pub(crate) brand: String,
    pub(crate) manufacturer: String,
    pub(crate) features: Vec<String>,
    pub(crate) contributors: Vec<(String, String)>,
    pub(crate) product_group: &'static str,
    pub(crate) category: Category,
    pub(crate) search_indexes: &'static [&'static str],
    /// The leaf browse node.
    pub(crate) node: usize,
    /// The leaf and its ancestors, leaf first.
    pub(crate) node_path: Vec<usize>,
    pub(crate) images: Vec<String>,
    pub(crate) attrs: Vec<VariationAttribute>,
    pub(crate) reviews: Reviews,
    /// IST day of release (for "newest arrivals").
    pub(crate) released: i64,
    /// Regular price at release, paise.
    pub(crate) base: i64,
    /// MRP, paise.
    pub(crate) mrp: i64,
    pub(crate) merchant: usize,
    pub(crate) fba: bool,
    pub(crate) global: bool,
    pub(crate) condition: Condition,
    /// The pricing key: hash of (seed, ASIN).
    pub(crate) key: u64,
    /// Static popularity for "featured" ordering.
    pub(crate) popularity: u64,
    /// Rank within its leaf node (1 = best seller).
    pub(crate) sales_rank: u32,
    /// Search tokens with weights, sorted by token.
    pub(crate) tokens: Vec<(String, u8)>,
}

/// A variation family: a parent ASIN (not buyable) and its children.
#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub(crate) parent: Asin,
    pub(crate) title: String,
    pub(crate) dimensions: Vec<String>,
    pub(crate) children: Vec<usize>,
}

/// A seller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seller {
    pub(crate) name: &'static str,
    pub(crate) id: &'static str,
}

/// The sellers buy boxes go to. Merchant ids are sandbox-made.
pub(crate) const SELLERS: &[Seller] = &[
    Seller {
        name: "Amazon",
        id: "AT95IG9ONZD7S",
    },
    Seller {
        name: "Appario Retail Private Ltd",
        id: "A14CZOWI0VEHLG",
    },
    Seller {
        name: "Clicktech Retail Private Ltd",
        id: "A3A6Y5HQRVX8N2",
    },
    Seller {
        name: "Cocoblu Retail",
        id: "A2HIN95H5BP4BL",
    },
    Seller {
        name: "RetailEZ Pvt Ltd",
        id: "A1WYWER0W24N8S",
    },
    Seller {
        name: "Darshita Etel",
        id: "A3C7Q6G2L8C0PZ",
    },
    Seller {
        name: "Sapnaonline",
        id: "A2R9X1D8RZ5MQE",
    },
    Seller {
        name: "Kwick Retail",
        id: "A7Z3V0K1B6T2QH",
    },
];
