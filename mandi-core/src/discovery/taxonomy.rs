//! The marketplace's browse-node tree as the library knows it offline, the words that name
//! each node (English, Hinglish, Hindi) and the brand list.
//!
//! The ids follow amazon.in (Smartphones `1805560031`, Laptops `1375424031`, Books
//! `976389031`…) and are the ones the sandbox marketplace serves, so a category predicted from
//! a query can be sent as a `BrowseNodeId` to the real API and to the sandbox alike.

use serde::Serialize;

/// One node of the offline browse tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TaxonomyNode {
    /// The browse-node id (`1805560031`).
    pub id: &'static str,
    /// The display name (`Smartphones`).
    pub name: &'static str,
    /// The parent's id, `None` for a root.
    pub parent: Option<&'static str>,
}

const fn n(id: &'static str, name: &'static str, parent: &'static str) -> TaxonomyNode {
    TaxonomyNode {
        id,
        name,
        parent: if parent.is_empty() {
            None
        } else {
            Some(parent)
        },
    }
}

/// The tree, parents before children.
pub const TREE: &[TaxonomyNode] = &[
    n("976419031", "Electronics", ""),
    n("1389401031", "Mobiles & Accessories", "976419031"),
    n("1389432031", "Smartphones & Basic Mobiles", "1389401031"),
    n("1805560031", "Smartphones", "1389432031"),
    n("1389433031", "Basic Mobiles", "1389432031"),
    n("1389375031", "Home Theater, TV & Video", "976419031"),
    n("1389396031", "Televisions", "1389375031"),
    n("15747864031", "Smart Televisions", "1389396031"),
    n(
        "1388921031",
        "Headphones, Earbuds & Accessories",
        "976419031",
    ),
    n("14146392031", "True Wireless Earbuds", "1388921031"),
    n("1388963031", "Neckband Headphones", "1388921031"),
    n("1388962031", "Over-Ear Headphones", "1388921031"),
    n("1389365031", "Speakers", "976419031"),
    n("1389369031", "Bluetooth Speakers", "1389365031"),
    n("976392031", "Computers & Accessories", ""),
    n("1375424031", "Laptops", "976392031"),
    n("1375425031", "Traditional Laptops", "1375424031"),
    n("22963796031", "Gaming Laptops", "1375424031"),
    n("1375426031", "2 in 1 Laptops", "1375424031"),
    n("5122348031", "Appliances", ""),
    n("1380369031", "Washing Machines", "5122348031"),
    n("1380372031", "Refrigerators", "5122348031"),
    n("3474656031", "Air Conditioners", "5122348031"),
    n("1380374031", "Water Purifiers", "5122348031"),
    n("976442031", "Home & Kitchen", ""),
    n("1380263031", "Kitchen & Home Appliances", "976442031"),
    n("1380365031", "Small Kitchen Appliances", "1380263031"),
    n("4369221031", "Mixer Grinders", "1380365031"),
    n("4369222031", "Induction Cooktops", "1380365031"),
    n("4369223031", "Air Fryers", "1380365031"),
    n("4369224031", "Electric Kettles", "1380365031"),
    n("1380366031", "Irons", "1380263031"),
    n("5925789031", "Kitchen & Dining", "976442031"),
    n("1379989031", "Pressure Cookers", "5925789031"),
    n("976389031", "Books", ""),
    n("1318158031", "Literature & Fiction", "976389031"),
    n("1318064031", "Business & Economics", "976389031"),
    n(
        "1318161031",
        "Health, Family & Personal Development",
        "976389031",
    ),
    n(
        "1318104031",
        "Biographies, Diaries & True Accounts",
        "976389031",
    ),
    n("1318068031", "Children's & Young Adult", "976389031"),
    n("1318128031", "Religion", "976389031"),
    n("4149751031", "Exam Preparation", "976389031"),
    n("4149752031", "School Books", "976389031"),
    n("1571271031", "Clothing & Accessories", ""),
    n("1968024031", "Men", "1571271031"),
    n("1968093031", "Shirts", "1968024031"),
    n("1968120031", "T-Shirts & Polos", "1968024031"),
    n("1968076031", "Jeans", "1968024031"),
    n("1953602031", "Women", "1571271031"),
    n("1968255031", "Kurtas & Kurtis", "1953602031"),
    n("1968256031", "Sarees", "1953602031"),
    n("1571283031", "Shoes & Handbags", ""),
    n("1983518031", "Men's Shoes", "1571283031"),
    n("1983550031", "Sports Shoes", "1983518031"),
    n("1983396031", "Casual Shoes", "1983518031"),
    n("2454178031", "Grocery & Gourmet Foods", ""),
    n("4859496031", "Staples", "2454178031"),
    n("4859498031", "Atta & Flours", "4859496031"),
    n("4859501031", "Rice & Rice Products", "4859496031"),
    n("4859497031", "Dals & Pulses", "4859496031"),
    n("4859499031", "Edible Oils", "4859496031"),
    n("4859470031", "Beverages", "2454178031"),
    n("4859480031", "Tea", "4859470031"),
    n("4859476031", "Coffee", "4859470031"),
    n("4859483031", "Snacks & Sweets", "2454178031"),
    n("1355016031", "Beauty", ""),
    n("1374407031", "Skin Care", "1355016031"),
    n("1374414031", "Face Wash", "1374407031"),
    n("1374416031", "Serums", "1374407031"),
    n("1374418031", "Moisturisers & Sunscreens", "1374407031"),
    n("1374334031", "Hair Care", "1355016031"),
    n("1374353031", "Shampoos", "1374334031"),
    n("1374355031", "Hair Oils", "1374334031"),
    n("1374357031", "Make-up", "1355016031"),
    n("1374376031", "Lipsticks", "1374357031"),
    n("1374366031", "Foundations", "1374357031"),
];

/// The node with this id.
pub fn node(id: &str) -> Option<&'static TaxonomyNode> {
    TREE.iter().find(|n| n.id == id)
}

/// The roots of the tree.
pub fn roots() -> impl Iterator<Item = &'static TaxonomyNode> {
    TREE.iter().filter(|n| n.parent.is_none())
}

/// The direct children of a node, in tree order.
pub fn children(id: &str) -> impl Iterator<Item = &'static TaxonomyNode> + '_ {
    TREE.iter().filter(move |n| n.parent == Some(id))
}

/// The path from the root down to the node (the node last); empty for an unknown id.
pub fn path(id: &str) -> Vec<&'static TaxonomyNode> {
    let mut out = Vec::new();
    let mut cur = node(id);
    while let Some(n) = cur {
        out.push(n);
        cur = n.parent.and_then(node);
        if out.len() > TREE.len() {
            break;
        }
    }
    out.reverse();
    out
}

/// True when `id` is `ancestor` or lies below it.
pub fn is_within(id: &str, ancestor: &str) -> bool {
    path(id).iter().any(|n| n.id == ancestor)
}

/// Every node below `id` (children, grandchildren…), not `id` itself.
pub fn descendants(id: &str) -> Vec<&'static TaxonomyNode> {
    TREE.iter()
        .filter(|n| n.id != id && is_within(n.id, id))
        .collect()
}

/// A node found by id or by (case-insensitive) name or category word (`laptops`, `फोन`).
pub fn find(text: &str) -> Option<&'static TaxonomyNode> {
    let t = text.trim();
    if let Some(n) = node(t) {
        return Some(n);
    }
    let lower = t.to_lowercase();
    TREE.iter()
        .find(|n| n.name.to_lowercase() == lower)
        .or_else(|| {
            CATEGORY_WORDS
                .iter()
                .find(|(w, _)| *w == lower)
                .and_then(|(_, id)| node(id))
        })
}

/// Words and phrases (lower case, single spaces, Devanagari without nukta) naming a node.
/// Longer phrases win over the words inside them.
pub const CATEGORY_WORDS: &[(&str, &str)] = &[
    // laptops
    ("gaming laptop", "22963796031"),
    ("gaming laptops", "22963796031"),
    ("gaming notebook", "22963796031"),
    ("गेमिंग लैपटॉप", "22963796031"),
    ("2 in 1 laptop", "1375426031"),
    ("2 in 1 laptops", "1375426031"),
    ("convertible laptop", "1375426031"),
    ("laptop", "1375424031"),
    ("laptops", "1375424031"),
    ("notebook", "1375424031"),
    ("macbook", "1375424031"),
    ("लैपटॉप", "1375424031"),
    ("लैपटाप", "1375424031"),
    // phones
    ("phone", "1805560031"),
    ("phones", "1805560031"),
    ("smartphone", "1805560031"),
    ("smartphones", "1805560031"),
    ("mobile", "1805560031"),
    ("mobiles", "1805560031"),
    ("mobile phone", "1805560031"),
    ("mobile phones", "1805560031"),
    ("फोन", "1805560031"),
    ("मोबाइल", "1805560031"),
    ("स्मार्टफोन", "1805560031"),
    ("basic phone", "1389433031"),
    ("feature phone", "1389433031"),
    ("keypad phone", "1389433031"),
    ("keypad mobile", "1389433031"),
    // televisions
    ("tv", "1389396031"),
    ("tvs", "1389396031"),
    ("television", "1389396031"),
    ("televisions", "1389396031"),
    ("टीवी", "1389396031"),
    ("smart tv", "15747864031"),
    ("smart tvs", "15747864031"),
    ("smart television", "15747864031"),
    ("led tv", "1389396031"),
    ("स्मार्ट टीवी", "15747864031"),
    // audio
    ("earbuds", "14146392031"),
    ("earbud", "14146392031"),
    ("tws", "14146392031"),
    ("true wireless earbuds", "14146392031"),
    ("wireless earbuds", "14146392031"),
    ("airdopes", "14146392031"),
    ("ईयरबड्स", "14146392031"),
    ("इयरबड्स", "14146392031"),
    ("neckband", "1388963031"),
    ("neckbands", "1388963031"),
    ("headphones", "1388962031"),
    ("headphone", "1388962031"),
    ("headset", "1388962031"),
    ("over ear headphones", "1388962031"),
    ("हेडफोन", "1388962031"),
    ("speaker", "1389369031"),
    ("speakers", "1389369031"),
    ("bluetooth speaker", "1389369031"),
    ("bluetooth speakers", "1389369031"),
    ("स्पीकर", "1389369031"),
    // appliances
    ("washing machine", "1380369031"),
    ("washing machines", "1380369031"),
    ("वाशिंग मशीन", "1380369031"),
    ("fridge", "1380372031"),
    ("fridges", "1380372031"),
    ("refrigerator", "1380372031"),
    ("refrigerators", "1380372031"),
    ("फ्रिज", "1380372031"),
    ("ac", "3474656031"),
    ("acs", "3474656031"),
    ("air conditioner", "3474656031"),
    ("air conditioners", "3474656031"),
    ("split ac", "3474656031"),
    ("एसी", "3474656031"),
    ("water purifier", "1380374031"),
    ("water purifiers", "1380374031"),
    ("ro purifier", "1380374031"),
    ("mixer grinder", "4369221031"),
    ("mixer grinders", "4369221031"),
    ("mixer", "4369221031"),
    ("mixie", "4369221031"),
    ("मिक्सर", "4369221031"),
    ("induction", "4369222031"),
    ("induction cooktop", "4369222031"),
    ("induction stove", "4369222031"),
    ("air fryer", "4369223031"),
    ("air fryers", "4369223031"),
    ("airfryer", "4369223031"),
    ("kettle", "4369224031"),
    ("electric kettle", "4369224031"),
    ("iron", "1380366031"),
    ("iron box", "1380366031"),
    ("steam iron", "1380366031"),
    ("dry iron", "1380366031"),
    ("pressure cooker", "1379989031"),
    ("cooker", "1379989031"),
    ("कुकर", "1379989031"),
    ("appliances", "5122348031"),
    ("electronics", "976419031"),
    // books
    ("book", "976389031"),
    ("books", "976389031"),
    ("किताब", "976389031"),
    ("किताबें", "976389031"),
    ("पुस्तक", "976389031"),
    ("kitab", "976389031"),
    ("novel", "1318158031"),
    ("novels", "1318158031"),
    ("fiction", "1318158031"),
    ("उपन्यास", "1318158031"),
    ("business book", "1318064031"),
    ("business books", "1318064031"),
    ("finance book", "1318064031"),
    ("self help", "1318161031"),
    ("self help book", "1318161031"),
    ("self help books", "1318161031"),
    ("biography", "1318104031"),
    ("autobiography", "1318104031"),
    ("children's books", "1318068031"),
    ("kids books", "1318068031"),
    ("kids book", "1318068031"),
    ("story book", "1318068031"),
    ("exam book", "4149751031"),
    ("exam books", "4149751031"),
    ("upsc", "4149751031"),
    ("competitive exam", "4149751031"),
    ("ncert", "4149752031"),
    ("school book", "4149752031"),
    ("school books", "4149752031"),
    // fashion
    ("shirt", "1968093031"),
    ("shirts", "1968093031"),
    ("formal shirt", "1968093031"),
    ("शर्ट", "1968093031"),
    ("t shirt", "1968120031"),
    ("t shirts", "1968120031"),
    ("tshirt", "1968120031"),
    ("tshirts", "1968120031"),
    ("polo", "1968120031"),
    ("टी शर्ट", "1968120031"),
    ("jeans", "1968076031"),
    ("जींस", "1968076031"),
    ("kurta", "1968255031"),
    ("kurtas", "1968255031"),
    ("kurti", "1968255031"),
    ("kurtis", "1968255031"),
    ("कुर्ता", "1968255031"),
    ("कुर्ती", "1968255031"),
    ("saree", "1968256031"),
    ("sarees", "1968256031"),
    ("sari", "1968256031"),
    ("साड़ी", "1968256031"),
    ("साडी", "1968256031"),
    ("shoes", "1983518031"),
    ("shoe", "1983518031"),
    ("जूते", "1983518031"),
    ("running shoes", "1983550031"),
    ("sports shoes", "1983550031"),
    ("sneakers", "1983396031"),
    ("casual shoes", "1983396031"),
    // grocery
    ("atta", "4859498031"),
    ("flour", "4859498031"),
    ("आटा", "4859498031"),
    ("rice", "4859501031"),
    ("basmati", "4859501031"),
    ("basmati rice", "4859501031"),
    ("चावल", "4859501031"),
    ("dal", "4859497031"),
    ("daal", "4859497031"),
    ("दाल", "4859497031"),
    ("cooking oil", "4859499031"),
    ("sunflower oil", "4859499031"),
    ("तेल", "4859499031"),
    ("tea", "4859480031"),
    ("chai", "4859480031"),
    ("चाय", "4859480031"),
    ("coffee", "4859476031"),
    ("कॉफी", "4859476031"),
    ("snacks", "4859483031"),
    ("namkeen", "4859483031"),
    ("bhujia", "4859483031"),
    ("नमकीन", "4859483031"),
    ("grocery", "2454178031"),
    // beauty
    ("face wash", "1374414031"),
    ("facewash", "1374414031"),
    ("serum", "1374416031"),
    ("face serum", "1374416031"),
    ("sunscreen", "1374418031"),
    ("moisturiser", "1374418031"),
    ("moisturizer", "1374418031"),
    ("shampoo", "1374353031"),
    ("शैम्पू", "1374353031"),
    ("hair oil", "1374355031"),
    ("lipstick", "1374376031"),
    ("lipsticks", "1374376031"),
    ("foundation", "1374366031"),
    ("skin care", "1374407031"),
    ("skincare", "1374407031"),
    ("beauty", "1355016031"),
];

/// Product lines that name a brand (and often a category) without the brand's own name.
/// (word, brand, category node or `""`).
pub const PRODUCT_LINES: &[(&str, &str, &str)] = &[
    ("iphone", "Apple", "1805560031"),
    ("macbook", "Apple", "1375424031"),
    ("galaxy", "Samsung", "1805560031"),
    ("airdopes", "boAt", "14146392031"),
    ("rockerz", "boAt", "1388963031"),
    ("bravia", "Sony", "1389396031"),
    ("legion", "Lenovo", "22963796031"),
    ("ideapad", "Lenovo", "1375424031"),
    ("thinkpad", "Lenovo", "1375424031"),
    ("vivobook", "ASUS", "1375424031"),
    ("rog", "ASUS", "22963796031"),
    ("tuf", "ASUS", "22963796031"),
    ("omen", "HP", "22963796031"),
    ("victus", "HP", "22963796031"),
    ("pavilion", "HP", "1375424031"),
    ("inspiron", "Dell", "1375424031"),
    ("nitro", "Acer", "22963796031"),
    ("aspire", "Acer", "1375424031"),
    ("narzo", "realme", "1805560031"),
    ("nord", "OnePlus", "1805560031"),
];

/// The brand list: every brand the catalogue sells, as the catalogue spells it.
pub const BRANDS: &[&str] = &[
    "Samsung",
    "Redmi",
    "realme",
    "OnePlus",
    "iQOO",
    "Apple",
    "Lava",
    "Motorola",
    "POCO",
    "Nothing",
    "Vivo",
    "OPPO",
    "HP",
    "Dell",
    "Lenovo",
    "ASUS",
    "Acer",
    "MSI",
    "LG",
    "Sony",
    "Xiaomi",
    "TCL",
    "Hisense",
    "VW",
    "Onida",
    "Vu",
    "IFB",
    "Bosch",
    "Whirlpool",
    "Godrej",
    "Haier",
    "Voltas",
    "Lloyd",
    "Daikin",
    "Blue Star",
    "Kent",
    "Aquaguard",
    "Livpure",
    "Havells",
    "Bajaj",
    "Prestige",
    "Philips",
    "Butterfly",
    "Preethi",
    "Pigeon",
    "INALSA",
    "Agaro",
    "Usha",
    "Hawkins",
    "boAt",
    "Noise",
    "Boult",
    "JBL",
    "Zebronics",
    "Sennheiser",
    "Tribit",
    "Allen Solly",
    "Peter England",
    "Van Heusen",
    "Raymond",
    "Louis Philippe",
    "U.S. Polo Assn.",
    "Jockey",
    "Puma",
    "Levi's",
    "Pepe Jeans",
    "Spykar",
    "Killer",
    "Wrangler",
    "Biba",
    "W",
    "Libas",
    "Fabindia",
    "Aurelia",
    "Satrani",
    "Mimosa",
    "Sareemall",
    "Campus",
    "Sparx",
    "Asian",
    "Red Tape",
    "Bata",
    "Woodland",
    "Liberty",
    "Aashirvaad",
    "Pillsbury",
    "India Gate",
    "Daawat",
    "Tata Sampann",
    "Fortune",
    "Saffola",
    "Tata Tea",
    "Red Label",
    "Bru",
    "Nescafe",
    "Haldiram's",
    "Bikaji",
    "Mamaearth",
    "Himalaya",
    "Biotique",
    "Plum",
    "Minimalist",
    "The Derma Co",
    "Dot & Key",
    "Lakmé",
    "Neutrogena",
    "Re'equil",
    "Dove",
    "L'Oréal Paris",
    "Pantene",
    "Parachute",
    "Dabur",
    "Indulekha",
    "Maybelline New York",
    "SUGAR Cosmetics",
    "Swiss Beauty",
];

/// Brands whose name is also an everyday word; they count only when written with the
/// brand's capitals or next to a category word (`noise earbuds`, `nothing phone`).
pub const AMBIGUOUS_BRANDS: &[&str] = &[
    "Nothing",
    "W",
    "Asian",
    "Killer",
    "Liberty",
    "Plum",
    "Minimalist",
    "Fortune",
    "Noise",
    "Campus",
    "Butterfly",
    "Mimosa",
    "Vu",
    "VW",
    "Kent",
    "Dove",
    "Sugar",
    "Swiss Beauty",
    "Lava",
    "Raymond",
    "Himalaya",
    "Parachute",
];

/// Other spellings of brands (lower case, Devanagari without nukta) → the brand.
pub const BRAND_ALIASES: &[(&str, &str)] = &[
    ("mi", "Xiaomi"),
    ("one plus", "OnePlus"),
    ("levis", "Levi's"),
    ("haldiram", "Haldiram's"),
    ("haldirams", "Haldiram's"),
    ("lakme", "Lakmé"),
    ("us polo", "U.S. Polo Assn."),
    ("u s polo", "U.S. Polo Assn."),
    ("u s polo assn", "U.S. Polo Assn."),
    ("loreal", "L'Oréal Paris"),
    ("l'oreal", "L'Oréal Paris"),
    ("maybelline", "Maybelline New York"),
    ("sugar", "SUGAR Cosmetics"),
    ("derma co", "The Derma Co"),
    ("red tape", "Red Tape"),
    ("boat", "boAt"),
    ("moto", "Motorola"),
    ("सैमसंग", "Samsung"),
    ("एप्पल", "Apple"),
    ("ऐप्पल", "Apple"),
    ("एपल", "Apple"),
    ("वनप्लस", "OnePlus"),
    ("रेडमी", "Redmi"),
    ("रियलमी", "realme"),
    ("लेनोवो", "Lenovo"),
    ("डेल", "Dell"),
    ("एचपी", "HP"),
    ("सोनी", "Sony"),
    ("एलजी", "LG"),
    ("शाओमी", "Xiaomi"),
    ("बोट", "boAt"),
    ("आसुस", "ASUS"),
    ("वीवो", "Vivo"),
    ("ओप्पो", "OPPO"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_word_names_a_node() {
        for (w, id) in CATEGORY_WORDS {
            assert!(node(id).is_some(), "{w} → {id} is not in the tree");
        }
        for (w, b, id) in PRODUCT_LINES {
            assert!(BRANDS.contains(b), "{w} → {b} not a brand");
            assert!(id.is_empty() || node(id).is_some(), "{w} → {id}");
        }
        for (w, b) in BRAND_ALIASES {
            assert!(BRANDS.contains(b), "{w} → {b} not a brand");
        }
    }

    #[test]
    fn paths_run_from_the_root() {
        let p: Vec<_> = path("22963796031").iter().map(|n| n.name).collect();
        assert_eq!(p, ["Computers & Accessories", "Laptops", "Gaming Laptops"]);
        assert!(is_within("22963796031", "976392031"));
        assert!(!is_within("1805560031", "976392031"));
        assert_eq!(children("1375424031").count(), 3);
        assert_eq!(find("laptops").map(|n| n.id), Some("1375424031"));
        assert_eq!(find("फोन").map(|n| n.id), Some("1805560031"));
        assert!(path("nope").is_empty());
        assert_eq!(descendants("976392031").len(), 4);
    }

    #[test]
    fn the_tree_has_one_entry_per_id_and_parents_exist() {
        let mut ids: Vec<_> = TREE.iter().map(|n| n.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TREE.len());
        for n in TREE {
            if let Some(p) = n.parent {
                assert!(node(p).is_some(), "{} has a missing parent {p}", n.id);
            }
        }
    }
}
