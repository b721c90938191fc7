//! The catalogue generator: product lines per category, drawn from a seeded [`SplitMix`].
//!
//! Each generator returns a [`Line`]: one standalone product or a variation family
//! (colour, size, storage, capacity). Titles follow amazon.in's long listing style, with the
//! specs a shopper searches for (CPU, GPU, RAM, storage, screen size) in them.

use super::model::Category;
use super::rng::SplitMix;

/// One buyable product before ASINs, ratings and prices are assigned.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub(crate) title: String,
    pub(crate) features: Vec<String>,
    pub(crate) contributors: Vec<(String, String)>,
    /// Regular selling price in whole rupees.
    pub(crate) rupees: i64,
    /// Variation dimension values, `(name, value)`.
    pub(crate) attrs: Vec<(&'static str, String)>,
}

/// A product line: a standalone product (one draft, no dimensions) or a family.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) category: Category,
    pub(crate) brand: String,
    pub(crate) manufacturer: String,
    pub(crate) node: &'static str,
    pub(crate) product_group: &'static str,
    pub(crate) search_indexes: &'static [&'static str],
    /// The family title (without variation values), when a family.
    pub(crate) family_title: Option<String>,
    pub(crate) dimensions: Vec<&'static str>,
    pub(crate) drafts: Vec<Draft>,
    /// True for books (ISBN ASINs).
    pub(crate) isbn: bool,
}

impl Line {
    fn single(
        category: Category,
        brand: &str,
        node: &'static str,
        group: &'static str,
        indexes: &'static [&'static str],
        draft: Draft,
    ) -> Self {
        Self {
            category,
            brand: brand.to_owned(),
            manufacturer: brand.to_owned(),
            node,
            product_group: group,
            search_indexes: indexes,
            family_title: None,
            dimensions: Vec::new(),
            drafts: vec![draft],
            isbn: false,
        }
    }
}

/// How many items of each category the catalogue holds (about 2,000 in all).
pub(crate) const TARGETS: [(Category, usize); 9] = [
    (Category::Phones, 300),
    (Category::Laptops, 200),
    (Category::Tvs, 150),
    (Category::Appliances, 250),
    (Category::Audio, 250),
    (Category::Books, 300),
    (Category::Fashion, 250),
    (Category::Grocery, 150),
    (Category::Beauty, 150),
];

/// Draws one product line of a category.
pub(crate) fn line(category: Category, g: &mut SplitMix) -> Line {
    match category {
        Category::Phones => phone(g),
        Category::Laptops => laptop(g),
        Category::Tvs => tv(g),
        Category::Appliances => appliance(g),
        Category::Audio => audio(g),
        Category::Books => book(g),
        Category::Fashion => fashion(g),
        Category::Grocery => grocery(g),
        Category::Beauty => beauty(g),
    }
}

/// Rounds a rupee price the way shops do: ₹x,xx9 above ₹1,000, ₹xx9 above ₹100.
pub(crate) fn shop_round(rupees: f64) -> i64 {
    let r = rupees.max(10.0).round() as i64;
    if r >= 1_000 {
        (r / 100) * 100 + 99
    } else if r >= 100 {
        (r / 10) * 10 + 9
    } else {
        r
    }
}

const COLOURS: &[&str] = &[
    "Midnight Black",
    "Ocean Blue",
    "Mint Green",
    "Lavender",
    "Titanium Grey",
    "Starlight Silver",
    "Crimson Red",
    "Sunrise Gold",
];

const ELECTRONICS: &[&str] = &["All", "Electronics"];

// ----- phones -------------------------------------------------------------------------------

/// (brand, series, lowest price, highest price)
const PHONE_SERIES: &[(&str, &str, i64, i64)] = &[
    ("Samsung", "Galaxy M", 10_000, 20_000),
    ("Samsung", "Galaxy A", 18_000, 40_000),
    ("Samsung", "Galaxy S", 55_000, 130_000),
    ("Redmi", "Note", 12_000, 25_000),
    ("Redmi", "", 7_000, 12_000),
    ("realme", "Narzo", 10_000, 18_000),
    ("realme", "", 14_000, 32_000),
    ("OnePlus", "Nord CE", 19_000, 27_000),
    ("OnePlus", "", 40_000, 70_000),
    ("iQOO", "Z", 13_000, 22_000),
    ("iQOO", "Neo", 28_000, 38_000),
    ("Apple", "iPhone", 60_000, 145_000),
    ("Lava", "Agni", 18_000, 24_000),
    ("Lava", "Blaze", 8_000, 13_000),
    ("Motorola", "moto g", 10_000, 20_000),
    ("Motorola", "Edge", 25_000, 40_000),
    ("POCO", "X", 15_000, 25_000),
    ("Nothing", "Phone", 20_000, 45_000),
    ("Vivo", "T", 14_000, 26_000),
    ("OPPO", "Reno", 26_000, 40_000),
];

const PHONE_PERKS: &[&str] = &[
    "50MP AI Triple Camera",
    "120Hz AMOLED Display",
    "5000mAh Battery",
    "67W Fast Charging",
    "Dimensity 7200 Processor",
    "Snapdragon 7s Gen 2",
    "IP54 Dust and Water Resistance",
    "Segment's Brightest Display",
];

fn phone(g: &mut SplitMix) -> Line {
    let &(brand, series, lo, hi) = g.pick(PHONE_SERIES);
    let number = g.range(10, 60);
    let suffix = *g.pick(&["", " 5G", " Pro 5G", " Pro+ 5G", " 5G", " Lite 5G"]);
    let model = if brand == "Apple" {
        format!(
            "iPhone {}{}",
            g.range(13, 16),
            g.pick(&["", " Plus", " Pro"])
        )
    } else if series.is_empty() {
        format!("{brand} {number}{suffix}")
    } else {
        format!("{brand} {series}{number}{suffix}")
    };
    let model = model.replace("  ", " ");
    let base = g.range(lo, hi) as f64;
    let perk_a = *g.pick(PHONE_PERKS);
    let perk_b = *g.pick(PHONE_PERKS);
    let n_colours = g.range(1, 3) as usize;
    let colours = g.subset(COLOURS.len(), n_colours);
    let storages: &[(i64, i64)] = match g.below(3) {
        0 => &[(6, 128), (8, 128), (8, 256)],
        1 => &[(8, 128), (12, 256)],
        _ => &[(4, 64), (6, 128)],
    };
    let storages: Vec<(i64, i64)> = storages.to_vec();
    let mut drafts = Vec::new();
    for &c in &colours {
        for (k, &(ram, rom)) in storages.iter().enumerate() {
            let colour = COLOURS[c];
            let rupees = shop_round(base * (1.0 + 0.12 * k as f64));
            // Apple lists storage only.
            let title = if brand == "Apple" {
                format!("Apple {model} ({rom} GB) - {colour}")
            } else {
                format!("{model} ({colour}, {ram}GB RAM, {rom}GB Storage) | {perk_a} | {perk_b}")
            };
            drafts.push(Draft {
                title,
                features: vec![
                    format!("{ram}GB RAM | {rom}GB ROM | Expandable upto 1TB"),
                    format!("{perk_a}; {perk_b}"),
                    "16.94 cm (6.67 inch) Full HD+ Display".to_owned(),
                    "Android 14 with 2 years of OS updates".to_owned(),
                ],
                contributors: Vec::new(),
                rupees,
                attrs: vec![
                    ("color_name", colour.to_owned()),
                    ("size_name", format!("{ram}GB RAM + {rom}GB Storage")),
                ],
            });
        }
    }
    let node = if base < 9_000.0 && g.chance(0.3) {
        "1389433031"
    } else {
        "1805560031"
    };
    Line {
        category: Category::Phones,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node,
        product_group: "Wireless",
        search_indexes: ELECTRONICS,
        family_title: Some(model),
        dimensions: vec!["color_name", "size_name"],
        drafts,
        isbn: false,
    }
}

// ----- laptops ------------------------------------------------------------------------------

const LAPTOP_SERIES: &[(&str, &str, bool)] = &[
    ("HP", "Victus 15", true),
    ("HP", "Pavilion 14", false),
    ("HP", "OMEN 16", true),
    ("HP", "15s", false),
    ("Dell", "Inspiron 3520", false),
    ("Dell", "G15 5530", true),
    ("Dell", "Vostro 3430", false),
    ("Lenovo", "IdeaPad Slim 3", false),
    ("Lenovo", "LOQ 15", true),
    ("Lenovo", "Legion 5", true),
    ("Lenovo", "ThinkPad E14", false),
    ("ASUS", "Vivobook 15", false),
    ("ASUS", "TUF Gaming F15", true),
    ("ASUS", "ROG Strix G16", true),
    ("Acer", "Aspire 7", true),
    ("Acer", "Nitro V", true),
    ("Acer", "Aspire Lite", false),
    ("MSI", "Thin GF63", true),
    ("Apple", "MacBook Air", false),
];

/// (CPU, extra rupees)
const CPUS: &[(&str, i64)] = &[
    ("Intel Core i3-1215U", 0),
    ("Intel Core i5-1235U", 8_000),
    ("Intel Core i5-12450H", 12_000),
    ("Intel Core i5-13420H", 15_000),
    ("Intel Core i7-13620H", 28_000),
    ("AMD Ryzen 5 7535HS", 10_000),
    ("AMD Ryzen 7 7840HS", 26_000),
    ("AMD Ryzen 5 7520U", 4_000),
];

const GPUS: &[(&str, i64)] = &[
    ("NVIDIA GeForce RTX 3050 6GB", 12_000),
    ("NVIDIA GeForce RTX 4050 6GB", 20_000),
    ("NVIDIA GeForce RTX 4060 8GB", 30_000),
    ("NVIDIA GeForce RTX 4070 8GB", 50_000),
];

fn laptop(g: &mut SplitMix) -> Line {
    let &(brand, series, gaming) = g.pick(LAPTOP_SERIES);
    let apple = brand == "Apple";
    let (cpu, cpu_extra) = if apple {
        *g.pick(&[("Apple M2 chip", 40_000_i64), ("Apple M3 chip", 55_000)])
    } else {
        *g.pick(CPUS)
    };
    let gpu = if gaming { Some(*g.pick(GPUS)) } else { None };
    let screen = *g.pick(&[
        "14-inch FHD",
        "15.6-inch FHD",
        "15.6-inch FHD 144Hz",
        "16-inch WUXGA 165Hz",
    ]);
    let colour = *g.pick(&[
        "Mica Silver",
        "Graphite Black",
        "Arctic Grey",
        "Natural Silver",
        "Midnight",
    ]);
    let configs: Vec<(i64, i64)> = match g.below(3) {
        0 => vec![(8, 512), (16, 512), (16, 1024)],
        1 => vec![(16, 512)],
        _ => vec![(8, 512), (16, 1024)],
    };
    let base = 28_000 + cpu_extra + gpu.map_or(0, |g| g.1) + g.range(0, 6) * 1_000;
    let kind = if gaming {
        "Gaming Laptop"
    } else {
        "Thin and Light Laptop"
    };
    let gpu_text = gpu.map_or_else(
        || {
            if apple {
                "Integrated GPU".to_owned()
            } else if cpu.starts_with("AMD") {
                "AMD Radeon Graphics".to_owned()
            } else {
                "Intel Iris Xe Graphics".to_owned()
            }
        },
        |g| g.0.to_owned(),
    );
    let os = if apple {
        "macOS"
    } else {
        "Windows 11, MS Office 2021"
    };
    let drafts = configs
        .iter()
        .map(|&(ram, ssd)| {
            let ssd_text = if ssd >= 1024 { "1TB".to_owned() } else { format!("{ssd}GB") };
            let rupees = shop_round(
                (base + (ram - 8) * 1_500 + if ssd >= 1024 { 5_000 } else { 0 }) as f64,
            );
            Draft {
                title: format!(
                    "{brand} {series}, {cpu}, {gpu_text}, {ram}GB RAM, {ssd_text} SSD, {screen} {kind} ({os}, {colour})"
                ),
                features: vec![
                    format!("Processor: {cpu}"),
                    format!("Graphics: {gpu_text}"),
                    format!("Memory: {ram}GB DDR5 RAM; Storage: {ssd_text} PCIe NVMe SSD"),
                    format!("Display: {screen} anti-glare"),
                    format!("Operating system: {os}"),
                ],
                contributors: Vec::new(),
                rupees,
                attrs: vec![("size_name", format!("{ram}GB RAM | {ssd_text} SSD"))],
            }
        })
        .collect::<Vec<_>>();
    let node = if gaming {
        "22963796031"
    } else if g.chance(0.1) {
        "1375426031"
    } else {
        "1375425031"
    };
    let family = drafts.len() > 1;
    Line {
        category: Category::Laptops,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node,
        product_group: "Personal Computer",
        search_indexes: &["All", "Computers", "Electronics"],
        family_title: family.then(|| format!("{brand} {series} {cpu} {kind}")),
        dimensions: if family {
            vec!["size_name"]
        } else {
            Vec::new()
        },
        drafts,
        isbn: false,
    }
}

// ----- televisions --------------------------------------------------------------------------

const TV_BRANDS: &[(&str, &str, f64)] = &[
    ("Samsung", "Crystal 4K Vivid", 1.25),
    ("LG", "UR7500 4K", 1.2),
    ("Sony", "BRAVIA 2", 1.6),
    ("Xiaomi", "Smart TV X", 0.9),
    ("TCL", "V6B", 0.85),
    ("Hisense", "A6N", 0.85),
    ("Acer", "Advanced I Series", 0.8),
    ("VW", "Linux Frameless", 0.55),
    ("Onida", "Nexg", 0.6),
    ("Vu", "GloLED", 0.95),
];

fn tv(g: &mut SplitMix) -> Line {
    let &(brand, series, factor) = g.pick(TV_BRANDS);
    let qled = g.chance(0.25);
    let sizes: Vec<(i64, &str, f64)> = [
        (32, "80 cm", 12_000.0),
        (43, "108 cm", 24_000.0),
        (50, "126 cm", 32_000.0),
        (55, "139 cm", 40_000.0),
        (65, "164 cm", 65_000.0),
    ]
    .into_iter()
    .filter(|_| g.chance(0.6))
    .collect();
    let sizes = if sizes.is_empty() {
        vec![(43, "108 cm", 24_000.0)]
    } else {
        sizes
    };
    let panel = if qled { "QLED" } else { "LED" };
    let drafts: Vec<Draft> = sizes
        .iter()
        .map(|&(inch, cm, price)| {
            let res = if inch <= 32 { "HD Ready" } else { "4K Ultra HD" };
            Draft {
                title: format!(
                    "{brand} {cm} ({inch} inches) {series} {res} Smart {panel} Google TV ({inch}{series_code}, Black)",
                    series_code = series.chars().filter(char::is_ascii_alphanumeric).take(4).collect::<String>().to_uppercase()
                ),
                features: vec![
                    format!("Resolution: {res}; Refresh rate: 60 Hz"),
                    "Connectivity: 3 HDMI ports, 2 USB ports, Wi-Fi, Bluetooth 5.0".to_owned(),
                    "Sound: 20 W output, Dolby Audio".to_owned(),
                    "Smart TV features: Google TV, Netflix, Prime Video, YouTube".to_owned(),
                ],
                contributors: Vec::new(),
                rupees: shop_round(price * factor * if qled { 1.3 } else { 1.0 } * (0.9 + g.unit() * 0.2)),
                attrs: vec![("size_name", format!("{inch} inches"))],
            }
        })
        .collect();
    let family = drafts.len() > 1;
    Line {
        category: Category::Tvs,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node: if g.chance(0.85) {
            "15747864031"
        } else {
            "1389396031"
        },
        product_group: "Home Theater",
        search_indexes: ELECTRONICS,
        family_title: family.then(|| format!("{brand} {series} Smart {panel} TV")),
        dimensions: if family {
            vec!["size_name"]
        } else {
            Vec::new()
        },
        drafts,
        isbn: false,
    }
}

// ----- appliances ---------------------------------------------------------------------------

/// (node, kind, brands, price low, price high, capacity values)
type ApplianceSpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    i64,
    i64,
    &'static [&'static str],
);

const APPLIANCES: &[ApplianceSpec] = &[
    (
        "1380369031",
        "Fully-Automatic Front Load Washing Machine",
        &["LG", "Samsung", "IFB", "Bosch", "Whirlpool"],
        24_000,
        45_000,
        &["7 kg", "8 kg", "9 kg"],
    ),
    (
        "1380369031",
        "Semi-Automatic Top Load Washing Machine",
        &["Whirlpool", "Godrej", "LG", "Samsung"],
        9_000,
        16_000,
        &["7 kg", "8 kg"],
    ),
    (
        "1380372031",
        "Frost Free Double Door Refrigerator",
        &["Godrej", "Haier", "LG", "Samsung", "Whirlpool"],
        22_000,
        45_000,
        &["236 L", "260 L", "322 L"],
    ),
    (
        "1380372031",
        "Direct Cool Single Door Refrigerator",
        &["Godrej", "Haier", "Whirlpool"],
        12_000,
        19_000,
        &["183 L", "190 L"],
    ),
    (
        "3474656031",
        "3 Star Inverter Split AC (Copper, 4-in-1 Convertible)",
        &["Voltas", "Lloyd", "Daikin", "Blue Star", "LG"],
        28_000,
        48_000,
        &["1 Ton", "1.5 Ton", "2 Ton"],
    ),
    (
        "1380374031",
        "RO+UV+UF Water Purifier",
        &["Kent", "Aquaguard", "Livpure", "Havells"],
        8_000,
        20_000,
        &["7 L", "8 L"],
    ),
    (
        "4369221031",
        "Mixer Grinder with 3 Jars",
        &["Bajaj", "Prestige", "Philips", "Butterfly", "Preethi"],
        2_500,
        6_000,
        &["500 W", "750 W"],
    ),
    (
        "4369222031",
        "Induction Cooktop with Push Buttons",
        &["Prestige", "Pigeon", "Philips", "Bajaj"],
        1_800,
        3_500,
        &["1600 W", "2000 W"],
    ),
    (
        "4369223031",
        "Digital Air Fryer, Rapid Air Technology",
        &["Philips", "Havells", "INALSA", "Agaro"],
        4_000,
        10_000,
        &["4.1 L", "6.2 L"],
    ),
    (
        "4369224031",
        "Electric Kettle, Stainless Steel",
        &["Pigeon", "Prestige", "Havells", "Bajaj"],
        600,
        1_800,
        &["1.2 L", "1.5 L", "1.8 L"],
    ),
    (
        "1380366031",
        "Dry Iron with Non-Stick Soleplate",
        &["Philips", "Bajaj", "Usha", "Havells"],
        600,
        1_500,
        &["750 W", "1000 W"],
    ),
    (
        "1379989031",
        "Aluminium Pressure Cooker with Outer Lid",
        &["Hawkins", "Prestige", "Pigeon", "Butterfly"],
        900,
        2_500,
        &["3 L", "5 L"],
    ),
];

fn appliance(g: &mut SplitMix) -> Line {
    let &(node, kind, brands, lo, hi, caps) = g.pick(APPLIANCES);
    let brand = *g.pick(brands);
    let model = format!(
        "{}{}",
        (b'A' + g.below(26) as u8) as char,
        g.range(100, 999)
    );
    let base = g.range(lo, hi) as f64;
    let n = caps.len().min(g.range(1, caps.len() as i64) as usize);
    let drafts: Vec<Draft> = caps
        .iter()
        .take(n)
        .enumerate()
        .map(|(k, cap)| Draft {
            title: format!("{brand} {cap} {kind} ({model}, White)"),
            features: vec![
                format!("Capacity: {cap}; suitable for a family of {}", 2 + k * 2),
                format!("Warranty: 2 years on product from {brand}"),
                "Energy efficient with 5-star rated motor".to_owned(),
            ],
            contributors: Vec::new(),
            rupees: shop_round(base * (1.0 + 0.15 * k as f64)),
            attrs: vec![("size_name", (*cap).to_owned())],
        })
        .collect();
    let family = drafts.len() > 1;
    let kitchen = node.starts_with("43") || node == "1380366031" || node == "1379989031";
    Line {
        category: Category::Appliances,
        brand: brand.to_owned(),
        manufacturer: format!("{brand} India Ltd"),
        node,
        product_group: if kitchen {
            "Kitchen"
        } else {
            "Major Appliances"
        },
        search_indexes: if kitchen {
            &["All", "HomeAndKitchen", "Appliances"]
        } else {
            &["All", "Appliances"]
        },
        family_title: family.then(|| format!("{brand} {kind} {model}")),
        dimensions: if family {
            vec!["size_name"]
        } else {
            Vec::new()
        },
        drafts,
        isbn: false,
    }
}

// ----- audio --------------------------------------------------------------------------------

const AUDIO: &[(&str, &str, &[&str], i64, i64)] = &[
    (
        "14146392031",
        "True Wireless Earbuds with 50H Playtime, ENC Mic, Fast Charging",
        &["boAt", "Noise", "OnePlus", "realme", "Boult", "JBL", "Sony"],
        900,
        12_000,
    ),
    (
        "1388963031",
        "Bluetooth Neckband with 40H Playback, Dual Pairing",
        &["boAt", "OnePlus", "realme", "Boult", "Zebronics"],
        800,
        2_500,
    ),
    (
        "1388962031",
        "Wireless Over-Ear Headphones with Active Noise Cancellation",
        &["Sony", "JBL", "boAt", "Sennheiser", "Noise"],
        1_500,
        30_000,
    ),
    (
        "1389369031",
        "Portable Bluetooth Speaker, IPX7 Waterproof, Deep Bass",
        &["JBL", "boAt", "Zebronics", "Sony", "Tribit"],
        1_000,
        15_000,
    ),
];

fn audio(g: &mut SplitMix) -> Line {
    let &(node, kind, brands, lo, hi) = g.pick(AUDIO);
    let brand = *g.pick(brands);
    let model = format!(
        "{} {}",
        g.pick(&[
            "Airdopes", "Buds", "Rockerz", "Wave", "Tune", "Flip", "Go", "Stone", "Z2", "Air"
        ]),
        g.range(100, 999)
    );
    let rupees = g.range(lo, hi) as f64;
    let n_colours = g.range(1, 4) as usize;
    let colours = g.subset(COLOURS.len(), n_colours);
    let drafts: Vec<Draft> = colours
        .iter()
        .map(|&c| Draft {
            title: format!("{brand} {model} {kind} ({})", COLOURS[c]),
            features: vec![
                "Bluetooth 5.3 for stable connection".to_owned(),
                format!(
                    "{} drivers tuned for Indian music",
                    g.pick(&["10mm", "13mm", "40mm"])
                ),
                "1 year warranty from the date of purchase".to_owned(),
            ],
            contributors: Vec::new(),
            rupees: shop_round(rupees),
            attrs: vec![("color_name", COLOURS[c].to_owned())],
        })
        .collect();
    let family = drafts.len() > 1;
    Line {
        category: Category::Audio,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node,
        product_group: "Headphones",
        search_indexes: ELECTRONICS,
        family_title: family.then(|| format!("{brand} {model} {kind}")),
        dimensions: if family {
            vec!["color_name"]
        } else {
            Vec::new()
        },
        drafts,
        isbn: false,
    }
}

// ----- books --------------------------------------------------------------------------------

/// (title, author, node, publisher)
const BOOKS: &[(&str, &str, &str, &str)] = &[
    (
        "The White Tiger",
        "Aravind Adiga",
        "1318158031",
        "HarperCollins India",
    ),
    (
        "Wings of Fire: An Autobiography",
        "A.P.J. Abdul Kalam",
        "1318104031",
        "Universities Press",
    ),
    (
        "The Psychology of Money",
        "Morgan Housel",
        "1318064031",
        "Jaico Publishing House",
    ),
    (
        "Atomic Habits",
        "James Clear",
        "1318161031",
        "Penguin Random House India",
    ),
    (
        "Ikigai: The Japanese Secret to a Long and Happy Life",
        "Héctor García",
        "1318161031",
        "Penguin Random House India",
    ),
    (
        "Rich Dad Poor Dad",
        "Robert T. Kiyosaki",
        "1318064031",
        "Manjul Publishing House",
    ),
    (
        "The God of Small Things",
        "Arundhati Roy",
        "1318158031",
        "Penguin India",
    ),
    (
        "Train to Pakistan",
        "Khushwant Singh",
        "1318158031",
        "Penguin India",
    ),
    (
        "Malgudi Days",
        "R.K. Narayan",
        "1318158031",
        "Indian Thought Publications",
    ),
    (
        "2 States: The Story of My Marriage",
        "Chetan Bhagat",
        "1318158031",
        "Rupa Publications",
    ),
    (
        "The Immortals of Meluha",
        "Amish Tripathi",
        "1318158031",
        "Westland",
    ),
    (
        "Do Epic Shit",
        "Ankur Warikoo",
        "1318161031",
        "Juggernaut Books",
    ),
    (
        "Indian Polity",
        "M. Laxmikanth",
        "4149751031",
        "McGraw Hill",
    ),
    (
        "Objective General English",
        "S.P. Bakshi",
        "4149751031",
        "Arihant Publications",
    ),
    (
        "Quantitative Aptitude for Competitive Examinations",
        "R.S. Aggarwal",
        "4149751031",
        "S. Chand Publishing",
    ),
    (
        "Mathematics Textbook for Class 10",
        "NCERT",
        "4149752031",
        "NCERT",
    ),
    (
        "Bhagavad Gita As It Is",
        "A.C. Bhaktivedanta Swami Prabhupada",
        "1318128031",
        "Bhaktivedanta Book Trust",
    ),
    (
        "Grandma's Bag of Stories",
        "Sudha Murty",
        "1318068031",
        "Puffin",
    ),
    (
        "Panchatantra Stories for Children",
        "Wonder House Books",
        "1318068031",
        "Wonder House Books",
    ),
    ("Godaan", "Munshi Premchand", "1318158031", "Rajpal & Sons"),
    (
        "Gitanjali",
        "Rabindranath Tagore",
        "1318158031",
        "Fingerprint Publishing",
    ),
    (
        "The Monk Who Sold His Ferrari",
        "Robin Sharma",
        "1318161031",
        "Jaico Publishing House",
    ),
    (
        "Let Us C",
        "Yashavant Kanetkar",
        "4149751031",
        "BPB Publications",
    ),
    (
        "India After Gandhi",
        "Ramachandra Guha",
        "1318104031",
        "Picador India",
    ),
    (
        "The Palace of Illusions",
        "Chitra Banerjee Divakaruni",
        "1318158031",
        "Picador India",
    ),
];

const BOOK_WORDS: &[&str] = &[
    "Monsoon", "River", "Courage", "Silence", "Money", "Habits", "Kingdom", "Memory", "Journey",
    "Garden", "Secrets", "Empire", "Startup", "Mind", "Stars", "Freedom",
];

const AUTHORS: &[&str] = &[
    "Anita Desai",
    "Ruskin Bond",
    "Devdutt Pattanaik",
    "Shashi Tharoor",
    "Preeti Shenoy",
    "Durjoy Datta",
    "Ravinder Singh",
    "Sadhguru",
    "Gaur Gopal Das",
    "Nandan Nilekani",
];

fn book(g: &mut SplitMix) -> Line {
    let binding = *g.pick(&["Paperback", "Paperback", "Hardcover"]);
    let (title, author, node, publisher) = if g.chance(0.55) {
        let &(t, a, n, p) = g.pick(BOOKS);
        (t.to_owned(), a.to_owned(), n, p.to_owned())
    } else {
        let title = format!("The {} of {}", g.pick(BOOK_WORDS), g.pick(BOOK_WORDS));
        let &(_, _, n, p) = g.pick(BOOKS);
        (title, (*g.pick(AUTHORS)).to_owned(), n, p.to_owned())
    };
    let year = g.range(2005, 2025);
    let rupees =
        shop_round(g.range(150, 800) as f64 * if binding == "Hardcover" { 1.6 } else { 1.0 });
    let pages = g.range(120, 640);
    let draft = Draft {
        title: format!("{title} ({binding}, {author})"),
        features: vec![
            format!("{binding}: {pages} pages"),
            format!("Publisher: {publisher}; {year} edition"),
            "Language: English".to_owned(),
        ],
        contributors: vec![("Author".to_owned(), author.clone())],
        rupees,
        attrs: Vec::new(),
    };
    let mut line = Line::single(
        Category::Books,
        &publisher,
        node,
        "Book",
        &["All", "Books"],
        draft,
    );
    line.isbn = true;
    line
}

// ----- fashion ------------------------------------------------------------------------------

/// (node, kind, brands, price low, price high, shoes)
type FashionSpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    i64,
    i64,
    bool,
);

const FASHION: &[FashionSpec] = &[
    (
        "1968093031",
        "Men's Regular Fit Cotton Formal Shirt",
        &[
            "Allen Solly",
            "Peter England",
            "Van Heusen",
            "Raymond",
            "Louis Philippe",
        ],
        700,
        2_500,
        false,
    ),
    (
        "1968120031",
        "Men's Solid Regular Fit Polo T-Shirt",
        &["U.S. Polo Assn.", "Allen Solly", "Jockey", "Puma", "Levi's"],
        400,
        1_800,
        false,
    ),
    (
        "1968076031",
        "Men's Slim Fit Stretchable Jeans",
        &["Levi's", "Pepe Jeans", "Spykar", "Killer", "Wrangler"],
        900,
        3_000,
        false,
    ),
    (
        "1968255031",
        "Women's Cotton Printed Straight Kurta",
        &["Biba", "W", "Libas", "Fabindia", "Aurelia"],
        500,
        2_500,
        false,
    ),
    (
        "1968256031",
        "Women's Banarasi Silk Saree with Unstitched Blouse Piece",
        &["Satrani", "Mimosa", "Sareemall", "Fabindia"],
        900,
        5_000,
        false,
    ),
    (
        "1983550031",
        "Men's Running Shoes",
        &["Campus", "Sparx", "Puma", "Asian", "Red Tape"],
        700,
        4_000,
        true,
    ),
    (
        "1983396031",
        "Men's Casual Sneakers",
        &["Bata", "Red Tape", "Woodland", "Campus", "Liberty"],
        800,
        3_500,
        true,
    ),
];

fn fashion(g: &mut SplitMix) -> Line {
    let &(node, kind, brands, lo, hi, shoes) = g.pick(FASHION);
    let brand = *g.pick(brands);
    let rupees = shop_round(g.range(lo, hi) as f64);
    let sizes: &[&str] = if shoes {
        &["UK 6", "UK 7", "UK 8", "UK 9", "UK 10"]
    } else if node == "1968256031" {
        &["Free Size"]
    } else {
        &["S", "M", "L", "XL"]
    };
    let n_colours = g.range(1, 2) as usize;
    let colours = g.subset(COLOURS.len(), n_colours);
    let mut drafts = Vec::new();
    for &c in &colours {
        for size in sizes {
            let colour = COLOURS[c];
            drafts.push(Draft {
                title: format!("{brand} {kind} ({colour}, {size})"),
                features: vec![
                    "Care instructions: machine wash".to_owned(),
                    format!("Colour: {colour}; Size: {size}"),
                    "Country of origin: India".to_owned(),
                ],
                contributors: Vec::new(),
                rupees,
                attrs: vec![
                    ("color_name", colour.to_owned()),
                    ("size_name", (*size).to_owned()),
                ],
            });
        }
    }
    let family = drafts.len() > 1;
    Line {
        category: Category::Fashion,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node,
        product_group: if shoes { "Shoes" } else { "Apparel" },
        search_indexes: if shoes {
            &["All", "Fashion", "Shoes"]
        } else {
            &["All", "Fashion", "Apparel"]
        },
        family_title: family.then(|| format!("{brand} {kind}")),
        dimensions: if family {
            vec!["color_name", "size_name"]
        } else {
            Vec::new()
        },
        drafts,
        isbn: false,
    }
}

// ----- grocery ------------------------------------------------------------------------------

/// (node, brand, kind, pack sizes with prices)
type GrocerySpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, i64)],
);

const GROCERY: &[GrocerySpec] = &[
    (
        "4859498031",
        "Aashirvaad",
        "Shudh Chakki Whole Wheat Atta",
        &[("5 kg", 270), ("10 kg", 520)],
    ),
    (
        "4859498031",
        "Pillsbury",
        "Chakki Fresh Atta",
        &[("5 kg", 250), ("10 kg", 480)],
    ),
    (
        "4859501031",
        "India Gate",
        "Basmati Rice Classic",
        &[("1 kg", 190), ("5 kg", 850)],
    ),
    (
        "4859501031",
        "Daawat",
        "Rozana Super Basmati Rice",
        &[("5 kg", 520)],
    ),
    (
        "4859497031",
        "Tata Sampann",
        "Unpolished Toor Dal",
        &[("1 kg", 180), ("2 kg", 350)],
    ),
    (
        "4859499031",
        "Fortune",
        "Sunlite Refined Sunflower Oil",
        &[("1 L", 150), ("5 L", 700)],
    ),
    (
        "4859499031",
        "Saffola",
        "Gold Pro Healthy Lifestyle Cooking Oil",
        &[("1 L", 190), ("5 L", 900)],
    ),
    (
        "4859480031",
        "Tata Tea",
        "Premium Leaf Tea",
        &[("500 g", 260), ("1 kg", 500)],
    ),
    (
        "4859480031",
        "Red Label",
        "Natural Care Tea",
        &[("500 g", 270)],
    ),
    (
        "4859476031",
        "Bru",
        "Instant Coffee",
        &[("100 g", 280), ("200 g", 540)],
    ),
    (
        "4859476031",
        "Nescafe",
        "Classic Instant Coffee",
        &[("100 g", 330), ("200 g", 640)],
    ),
    (
        "4859483031",
        "Haldiram's",
        "Aloo Bhujia Namkeen",
        &[("400 g", 110), ("1 kg", 250)],
    ),
    ("4859483031", "Bikaji", "Bikaneri Bhujia", &[("400 g", 100)]),
];

fn grocery(g: &mut SplitMix) -> Line {
    let &(node, brand, kind, sizes) = g.pick(GROCERY);
    let pack = *g.pick(&["", " (Pack of 2)", " (Pack of 3)"]);
    let mult = match pack {
        " (Pack of 2)" => 1.95,
        " (Pack of 3)" => 2.9,
        _ => 1.0,
    };
    let wobble = 0.9 + g.unit() * 0.2;
    let drafts: Vec<Draft> = sizes
        .iter()
        .map(|&(size, rupees)| Draft {
            title: format!("{brand} {kind}, {size}{pack}"),
            features: vec![
                format!("Net quantity: {size}{pack}"),
                "Vegetarian; country of origin: India".to_owned(),
                "Best before 6 months from packaging".to_owned(),
            ],
            contributors: Vec::new(),
            rupees: ((rupees as f64) * mult * wobble).round() as i64,
            attrs: vec![("size_name", size.to_owned())],
        })
        .collect();
    let family = drafts.len() > 1;
    Line {
        category: Category::Grocery,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node,
        product_group: "Grocery",
        search_indexes: &["All", "GroceryAndGourmetFood"],
        family_title: family.then(|| format!("{brand} {kind}{pack}")),
        dimensions: if family {
            vec!["size_name"]
        } else {
            Vec::new()
        },
        drafts,
        isbn: false,
    }
}

// ----- beauty -------------------------------------------------------------------------------

/// (node, kind, brands, sizes or shades with prices)
type BeautySpec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, i64)],
);

const BEAUTY: &[BeautySpec] = &[
    (
        "1374414031",
        "Vitamin C Face Wash for Glowing Skin",
        &["Mamaearth", "Himalaya", "Biotique", "Plum"],
        &[("100 ml", 250), ("200 ml", 450)],
    ),
    (
        "1374416031",
        "10% Niacinamide Face Serum for Acne Marks",
        &["Minimalist", "The Derma Co", "Plum", "Dot & Key"],
        &[("30 ml", 550)],
    ),
    (
        "1374418031",
        "SPF 50 PA++++ Sunscreen, No White Cast",
        &["Lakmé", "Minimalist", "Neutrogena", "Re'equil"],
        &[("50 g", 400), ("80 g", 600)],
    ),
    (
        "1374353031",
        "Anti-Hairfall Shampoo",
        &["Dove", "L'Oréal Paris", "Mamaearth", "Pantene"],
        &[("340 ml", 350), ("650 ml", 600)],
    ),
    (
        "1374355031",
        "Pure Coconut Hair Oil",
        &["Parachute", "Dabur", "Bajaj", "Indulekha"],
        &[("200 ml", 120), ("500 ml", 260)],
    ),
    (
        "1374376031",
        "Matte Liquid Lipstick, Long Lasting",
        &[
            "Lakmé",
            "Maybelline New York",
            "SUGAR Cosmetics",
            "Swiss Beauty",
        ],
        &[("Ruby Red", 450), ("Nude Pink", 450), ("Coral", 450)],
    ),
    (
        "1374366031",
        "Fit Me Matte Foundation",
        &["Maybelline New York", "Lakmé", "L'Oréal Paris"],
        &[("Shade 128", 550), ("Shade 220", 550)],
    ),
];

fn beauty(g: &mut SplitMix) -> Line {
    let &(node, kind, brands, values) = g.pick(BEAUTY);
    let brand = *g.pick(brands);
    let shade = node == "1374376031" || node == "1374366031";
    let dim = if shade { "color_name" } else { "size_name" };
    let wobble = 0.85 + g.unit() * 0.4;
    let drafts: Vec<Draft> = values
        .iter()
        .map(|&(value, rupees)| Draft {
            title: format!("{brand} {kind}, {value}"),
            features: vec![
                "Dermatologically tested; suitable for Indian skin".to_owned(),
                "Free of parabens and sulphates".to_owned(),
                format!("{}: {value}", if shade { "Shade" } else { "Size" }),
            ],
            contributors: Vec::new(),
            rupees: shop_round(rupees as f64 * wobble),
            attrs: vec![(dim, value.to_owned())],
        })
        .collect();
    let family = drafts.len() > 1;
    Line {
        category: Category::Beauty,
        brand: brand.to_owned(),
        manufacturer: brand.to_owned(),
        node,
        product_group: "Beauty",
        search_indexes: &["All", "Beauty"],
        family_title: family.then(|| format!("{brand} {kind}")),
        dimensions: if family { vec![dim] } else { Vec::new() },
        drafts,
        isbn: false,
    }
}
