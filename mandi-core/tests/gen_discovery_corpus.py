#!/usr/bin/env python3
"""Writes discovery_corpus.jsonl: hand-written queries plus queries built from templates.

The expected parse of a templated query comes from the template's own data (the category,
the price the phrase means, the feature it names), never from running the parser. Run it
from this directory: `python3 gen_discovery_corpus.py > discovery_corpus.jsonl`.
"""
import json

LAPTOP, GAMING, PHONE, EARBUDS, TV, SMART_TV = (
    "1375424031", "22963796031", "1805560031", "14146392031", "1389396031", "15747864031")
WASHER, FRIDGE, AC, FRYER, MIXER = "1380369031", "1380372031", "3474656031", "4369223031", "4369221031"
HEADPHONES, SPEAKER, RUNNING, SAREE, KURTA, JEANS, BOOKS, COOKER, PURIFIER, SHOES = (
    "1388962031", "1389369031", "1983550031", "1968256031", "1968255031", "1968076031",
    "976389031", "1379989031", "1380374031", "1983518031")
NECKBAND, TEA, RICE, SHAMPOO = "1388963031", "4859480031", "4859501031", "1374353031"

out = []


def case(q, lang="en", **exp):
    d = {"q": q, "lang": lang}
    d.update({k: v for k, v in exp.items() if v not in (None, [], "", "search")})
    out.append(d)


# ---- search: category x price phrase (English) ----------------------------------------------
CATS_EN = [("gaming laptop", GAMING), ("laptop", LAPTOP), ("phone", PHONE), ("smartphone", PHONE),
           ("earbuds", EARBUDS), ("smart tv", SMART_TV), ("tv", TV), ("washing machine", WASHER),
           ("fridge", FRIDGE), ("air fryer", FRYER), ("mixer grinder", MIXER),
           ("headphones", HEADPHONES), ("bluetooth speaker", SPEAKER), ("running shoes", RUNNING),
           ("saree", SAREE), ("kurta", KURTA), ("jeans", JEANS), ("books", BOOKS),
           ("pressure cooker", COOKER), ("water purifier", PURIFIER), ("neckband", NECKBAND),
           ("split ac", AC)]
# (text, min, max)
PRICES_EN = [
    ("under 80k", None, 80000), ("under 80K", None, 80000), ("below ₹80,000", None, 80000),
    ("under Rs. 80000", None, 80000), ("within 80 thousand", None, 80000),
    ("upto 1.5 lakh", None, 150000), ("less than 1,20,000", None, 120000),
    ("under 2 lakhs", None, 200000), ("above 50k", 50000, None), ("over ₹25,000", 25000, None),
    ("more than 30000", 30000, None), ("between 20k and 30k", 20000, 30000),
    ("from 15000 to 20000", 15000, 20000), ("20-30k", 20000, 30000),
    ("₹40,000 - ₹60,000", 40000, 60000), ("under 5000", None, 5000), ("below 2k", None, 2000),
    ("under 1k", None, 1000), ("around 50k", 45000, 55000), ("up to 45k", None, 45000),
    ("Rs 999 or less", None, 999), ("1 lakh and above", 100000, None),
]
for i, (cat, node) in enumerate(CATS_EN):
    for j in range(3):
        text, lo, hi = PRICES_EN[(i * 3 + j) % len(PRICES_EN)]
        form = j % 3
        q = [f"{cat} {text}", f"best {cat} {text}", f"show me {cat} {text}"][form]
        case(q, category=node, min=lo, max=hi)

# ---- Hinglish price phrases -------------------------------------------------------------------
PRICES_HL = [
    ("1k ke andar", None, 1000), ("50k se kam", None, 50000), ("30k tak", None, 30000),
    ("20 hazar se kam", None, 20000), ("1 lakh se zyada", 100000, None),
    ("15000 se 20000 tak", 15000, 20000), ("40k ke under", None, 40000),
    ("25 hazaar tak", None, 25000), ("10k se upar", 10000, None), ("2 lakh ke andar", None, 200000),
    ("₹5000 se kam", None, 5000), ("60 thousand tak", None, 60000),
]
CATS_HL = [("earbuds", EARBUDS), ("laptop", LAPTOP), ("phone", PHONE), ("mobile", PHONE),
           ("tv", TV), ("fridge", FRIDGE), ("gaming laptop", GAMING), ("kurti", KURTA),
           ("saree", SAREE), ("shoes", SHOES), ("headphone", HEADPHONES), ("mixer", MIXER)]
TEMPL_HL = ["{c} {p}", "{c} chahiye {p}", "mujhe {c} chahiye {p}", "{p} wala {c}",
            "{c} dikhao {p}"]
for i, (cat, node) in enumerate(CATS_HL):
    for j in range(3):
        text, lo, hi = PRICES_HL[(i + j * 5) % len(PRICES_HL)]
        t = TEMPL_HL[(i + j) % len(TEMPL_HL)]
        case(t.format(c=cat, p=text), "hinglish", category=node, min=lo, max=hi)

# ---- Hindi ------------------------------------------------------------------------------------
CATS_HI = [("लैपटॉप", LAPTOP), ("फोन", PHONE), ("फ़ोन", PHONE), ("मोबाइल", PHONE), ("टीवी", TV),
           ("ईयरबड्स", EARBUDS), ("फ्रिज", FRIDGE), ("साड़ी", SAREE), ("किताबें", BOOKS),
           ("जूते", SHOES), ("वाशिंग मशीन", WASHER), ("गेमिंग लैपटॉप", GAMING), ("एसी", AC),
           ("स्मार्ट टीवी", SMART_TV)]
PRICES_HI = [
    ("80 हज़ार से कम में", None, 80000), ("८० हज़ार से कम", None, 80000),
    ("50 हजार तक", None, 50000), ("₹२०,००० से कम", None, 20000), ("1 लाख से ज़्यादा", 100000, None),
    ("१.५ लाख तक", None, 150000), ("30 हज़ार के अंदर", None, 30000),
    ("15 से 20 हज़ार", 15000, 20000), ("10,000 रुपये तक", None, 10000),
    ("२५००० से ऊपर", 25000, None), ("५ हज़ार से कम", None, 5000),
]
TEMPL_HI = ["{p} {c}", "{c} {p}", "मुझे {p} {c} चाहिए", "{p} वाला {c} दिखाओ"]
for i, (cat, node) in enumerate(CATS_HI):
    for j in range(3):
        text, lo, hi = PRICES_HI[(i * 2 + j) % len(PRICES_HI)]
        t = TEMPL_HI[(i + j) % len(TEMPL_HI)]
        case(t.format(c=cat, p=text), "hi", category=node, min=lo, max=hi)

# ---- features ---------------------------------------------------------------------------------
FEATURES = [
    ("gaming laptop", GAMING, "with RTX 4060", ["RTX 4060"]),
    ("laptop", GAMING, "rtx4060", ["RTX 4060"]),
    ("laptop", LAPTOP, "16gb ram", ["16GB RAM"]),
    ("laptop", LAPTOP, "16 GB RAM 512gb ssd", ["16GB RAM", "512GB SSD"]),
    ("laptop", LAPTOP, "i7 16gb ram", ["i7", "16GB RAM"]),
    ("laptop", LAPTOP, "core i5 8gb ram", ["i5", "8GB RAM"]),
    ("laptop", LAPTOP, "ryzen 7 1tb ssd", ["Ryzen 7", "1TB SSD"]),
    ("gaming laptop", GAMING, "144hz rtx 3050", ["144Hz", "RTX 3050"]),
    ("phone", PHONE, "5g", ["5G"]),
    ("phone", PHONE, "5G amoled", ["5G", "AMOLED"]),
    ("phone", PHONE, "with 50mp camera", ["50MP"]),
    ("phone", PHONE, "5000mah 8gb ram", ["5000mAh", "8GB RAM"]),
    ("phone", PHONE, "128gb storage 5g", ["128GB Storage", "5G"]),
    ("earbuds", EARBUDS, "with anc", ["ANC"]),
    ("earbuds", EARBUDS, "with noise cancellation", ["ANC"]),
    ("headphones", HEADPHONES, "active noise cancellation", ["ANC"]),
    ("tv", TV, "4k", ["4K"]),
    ("smart tv", SMART_TV, "55 inch 4k", ["55 inch", "4K"]),
    ("tv", TV, "43 inch full hd", ["43 inch", "Full HD"]),
    ("tv", TV, "oled", ["OLED"]),
    ("washing machine", WASHER, "front load 7 kg", ["Front Load", "7 kg"]),
    ("split ac", AC, "1.5 ton inverter", ["1.5 Ton", "Inverter"]),
    ("ac", AC, "5 star 1.5 ton", ["5 Star", "1.5 Ton"]),
    ("fridge", FRIDGE, "double door frost free", ["Double Door", "Frost Free"]),
    ("bluetooth speaker", SPEAKER, "waterproof", ["Waterproof"]),
    ("speaker", SPEAKER, "ipx7", ["IPX7"]),
]
PRICE_TAILS = [("under 80k", None, 80000), ("under 20k", None, 20000), ("", None, None),
               ("below 1 lakh", None, 100000), ("30k ke andar", None, 30000)]
for i, (cat, node, feat, want) in enumerate(FEATURES):
    ptext, lo, hi = PRICE_TAILS[i % len(PRICE_TAILS)]
    lang = "hinglish" if "ke andar" in ptext else "en"
    case(f"{cat} {ptext} {feat}".replace("  ", " ").strip(), lang,
         category=node, min=lo, max=hi, features=want)
    case(f"{feat} {cat}", category=node, features=want)

# ---- brands -----------------------------------------------------------------------------------
BRANDS = [("Samsung", "phone", PHONE), ("boAt", "earbuds", EARBUDS), ("boat", "earbuds", EARBUDS),
          ("HP", "laptop", LAPTOP), ("Lenovo", "gaming laptop", GAMING), ("Sony", "headphones", HEADPHONES),
          ("LG", "washing machine", WASHER), ("Philips", "air fryer", FRYER),
          ("noise", "earbuds", EARBUDS), ("Nothing", "phone", PHONE), ("OnePlus", "phone", PHONE),
          ("JBL", "speaker", SPEAKER), ("Prestige", "pressure cooker", COOKER),
          ("Levi's", "jeans", JEANS), ("levis", "jeans", JEANS), ("Puma", "running shoes", RUNNING),
          ("Dell", "laptop", LAPTOP), ("Redmi", "phone", PHONE), ("realme", "earbuds", EARBUDS),
          ("Whirlpool", "fridge", FRIDGE), ("Voltas", "ac", AC), ("Blue Star", "ac", AC),
          ("Tata Tea", "tea", TEA), ("India Gate", "basmati rice", RICE), ("Mamaearth", "shampoo", SHAMPOO),
          ("Allen Solly", "shirts", "1968093031"), ("US Polo", "t-shirt", "1968120031")]
CANON = {"boat": "boAt", "noise": "Noise", "levis": "Levi's", "US Polo": "U.S. Polo Assn."}
for i, (b, cat, node) in enumerate(BRANDS):
    ptext, lo, hi = [("under 20k", None, 20000), ("", None, None), ("2k ke andar", None, 2000),
                     ("below ₹50,000", None, 50000)][i % 4]
    lang = "hinglish" if "ke andar" in ptext else "en"
    case(f"{b} {cat} {ptext}".strip(), lang, category=node, brands=[CANON.get(b, b)], min=lo, max=hi)
HI_BRANDS = [("सैमसंग", "Samsung", "फोन", PHONE), ("एप्पल", "Apple", "फोन", PHONE),
             ("बोट", "boAt", "ईयरबड्स", EARBUDS), ("लेनोवो", "Lenovo", "लैपटॉप", LAPTOP),
             ("सोनी", "Sony", "टीवी", TV), ("एलजी", "LG", "फ्रिज", FRIDGE)]
for b, canon, cat, node in HI_BRANDS:
    case(f"{b} {cat} 30 हज़ार तक", "hi", category=node, brands=[canon], max=30000)

# ---- rating, discount, sort -------------------------------------------------------------------
RATINGS = [("4 star and above", 4.0, "en"), ("4+ rating", 4.0, "en"), ("rated 4.5 and above", 4.5, "en"),
           ("rating above 4", 4.0, "en"), ("4 star se upar", 4.0, "hinglish"),
           ("4 स्टार से ऊपर", 4.0, "hi"), ("minimum 4 stars", 4.0, "en"), ("3.5+ stars", 3.5, "en"),
           ("with 4+ rating", 4.0, "en"), ("rating 4 se zyada", 4.0, "hinglish")]
for i, (text, r, lang) in enumerate(RATINGS):
    cat, node = [("phone", PHONE), ("earbuds", EARBUDS), ("laptop", LAPTOP), ("tv", TV)][i % 4]
    case(f"{cat} {text}", lang, category=node, rating=r)
    case(f"{cat} under 20k {text}", lang, category=node, rating=r, max=20000)
DISCOUNTS = [("at least 40% off", 40, "en"), ("40% off", 40, "en"), ("minimum 30% discount", 30, "en"),
             ("50% se zyada discount", 50, "hinglish"), ("40% छूट", 40, "hi"), ("flat 50% off", 50, "en"),
             ("with 60 percent off", 60, "en"), ("discount of at least 25%", 25, "en"),
             ("30% se zyada chhoot", 30, "hinglish"), ("कम से कम 20% छूट", 20, "hi")]
for i, (text, d, lang) in enumerate(DISCOUNTS):
    cat, node = [("shoes", SHOES), ("earbuds", EARBUDS), ("saree", SAREE), ("headphones", HEADPHONES)][i % 4]
    case(f"{cat} {text}", lang, category=node, discount=d)
    hi_cat = {"shoes": "जूते", "earbuds": "ईयरबड्स", "saree": "साड़ी", "headphones": "हेडफोन"}[cat]
    if lang == "hi":
        case(f"{hi_cat} पर {text}", lang, category=node, discount=d)
SORTS = [("cheapest", "price_asc", "en"), ("best rated", "rating", "en"), ("biggest discount", "discount", "en"),
         ("sabse sasta", "price_asc", "hinglish"), ("price low to high", "price_asc", "en"),
         ("सबसे सस्ता", "price_asc", "hi"), ("top rated", "rating", "en"), ("newest", "newest", "en"),
         ("price high to low", "price_desc", "en"), ("most expensive", "price_desc", "en")]
for i, (text, s, lang) in enumerate(SORTS):
    cat, node = [("phone", PHONE), ("laptop", LAPTOP), ("earbuds", EARBUDS), ("tv", TV), ("fridge", FRIDGE)][i % 5]
    case(f"{text} {cat}", lang, category=node, sort=s)
    case(f"{text} {cat} under 30k", lang, category=node, sort=s, max=30000)

# ---- compare ----------------------------------------------------------------------------------
PAIRS = [("iPhone 15", "Galaxy S24", ["Apple", "Samsung"], PHONE),
         ("OnePlus 12", "Redmi Note 13", ["OnePlus", "Redmi"], None),
         ("HP Victus 15", "Lenovo LOQ 15", ["HP", "Lenovo"], GAMING),
         ("MacBook Air M2", "Dell Inspiron 14", ["Apple", "Dell"], LAPTOP),
         ("boAt Airdopes 141", "realme Buds T300", ["boAt", "realme"], EARBUDS),
         ("Samsung Galaxy S24", "iPhone 15 Pro", ["Samsung", "Apple"], PHONE)]
FEATS = {"MacBook Air M2": ["M2"]}
TEMPL_CMP = [("{a} vs {b}", "en"), ("{a} versus {b}", "en"), ("compare {a} and {b}", "en"),
             ("{a} or {b} which is better", "en"), ("{a} ya {b} kaun sa behtar hai", "hinglish"),
             ("{a} और {b} की तुलना", "hi"), ("{a} vs. {b}", "en"), ("{a} v/s {b}", "en")]
for i, (a, b, brands, node) in enumerate(PAIRS):
    for j in range(4):
        t, lang = TEMPL_CMP[(i + j * 2) % len(TEMPL_CMP)]
        case(t.format(a=a, b=b), lang, intent="compare", brands=brands, category=node,
             features=FEATS.get(a, []), products=[f"name:{a}", f"name:{b}"])
case("B0CX59H5W7 vs B0D1XD1ZV3", intent="compare", products=["asin:B0CX59H5W7", "asin:B0D1XD1ZV3"])
case("compare https://www.amazon.in/dp/B0CX59H5W7 and https://amazon.in/dp/B0D1XD1ZV3?th=1",
     intent="compare", products=["link:B0CX59H5W7", "link:B0D1XD1ZV3"])

# ---- price, history, watch, similar, deals --------------------------------------------------
NAMES = [("iPhone 15", ["Apple"], PHONE, []), ("Galaxy S24", ["Samsung"], PHONE, []),
         ("OnePlus Nord CE 4", ["OnePlus"], PHONE, []), ("boAt Airdopes 141", ["boAt"], EARBUDS, []),
         ("Lenovo Legion 5", ["Lenovo"], GAMING, [])]
PRICE_T = [("price of {n}", "en"), ("{n} price", "en"), ("{n} ka price kya hai", "hinglish"),
           ("{n} kitne ka hai", "hinglish"), ("{n} की कीमत", "hi"), ("how much is {n}", "en"),
           ("{n} कितने का है", "hi")]
HIST_T = [("{n} price history", "en"), ("price history of {n}", "en"), ("{n} ka price history dikhao", "hinglish"),
          ("{n} की कीमत का इतिहास", "hi"), ("{n} price trend", "en")]
for i, (n, brands, node, feats) in enumerate(NAMES):
    for j in range(2):
        t, lang = PRICE_T[(i * 2 + j) % len(PRICE_T)]
        case(t.format(n=n), lang, intent="price", brands=brands, category=node, features=feats,
             products=[f"name:{n}"])
        t, lang = HIST_T[(i * 2 + j) % len(HIST_T)]
        case(t.format(n=n), lang, intent="history", brands=brands, category=node, features=feats,
             products=[f"name:{n}"])
WATCH_T = [("alert me when {n} drops below 60k", "en", 60000),
           ("notify me when {n} is under ₹60,000", "en", 60000),
           ("{n} 60k se kam ho to batana", "hinglish", 60000),
           ("track {n}", "en", None), ("watch {n} below 60000", "en", 60000),
           ("{n} 60 हज़ार से कम हो तो बताना", "hi", 60000)]
for i, (n, brands, node, feats) in enumerate(NAMES):
    for j in range(2):
        t, lang, hi = WATCH_T[(i * 2 + j) % len(WATCH_T)]
        case(t.format(n=n), lang, intent="watch", brands=brands, category=node, features=feats,
             products=[f"name:{n}"], max=hi)
SIM_T = [("similar to {n}", "en"), ("alternatives to {n}", "en"), ("{n} jaisa phone", "hinglish"),
         ("{n} जैसे फोन", "hi"), ("phones similar to {n}", "en")]
for i, (n, brands, node, feats) in enumerate(NAMES):
    t, lang = SIM_T[i % len(SIM_T)]
    node2 = PHONE if ("phone" in t or "फोन" in t) and node == PHONE else node
    if ("phone" in t or "फोन" in t) and node != PHONE:
        continue
    case(t.format(n=n), lang, intent="similar", brands=brands, category=node2, features=feats,
         products=[f"name:{n}"])
for asin in ["B0CX59H5W7", "B0D1XD1ZV3", "B0BDJ6ZMCC"]:
    case(f"price of {asin}", intent="price", products=[f"asin:{asin}"])
    case(f"{asin} price history", intent="history", products=[f"asin:{asin}"])
    case(f"watch {asin} below 50000", intent="watch", products=[f"asin:{asin}"], max=50000)
    case(f"similar to {asin}", intent="similar", products=[f"asin:{asin}"])
    case(f"https://www.amazon.in/dp/{asin}", intent="price", products=[f"link:{asin}"])
    case(f"{asin} ka price", "hinglish", intent="price", products=[f"asin:{asin}"])
    case(f"{asin} जैसे प्रोडक्ट", "hi", intent="similar", products=[f"asin:{asin}"], keywords="")
DEALS = [("laptop deals", "en", LAPTOP, None), ("deals on earbuds under 2000", "en", EARBUDS, 2000),
         ("phone offers", "en", PHONE, None), ("sale on shoes", "en", SHOES, None),
         ("tv deals 30k tak", "hinglish", TV, 30000), ("fridge पर ऑफर", "hi", FRIDGE, None),
         ("आज की डील", "hi", None, None), ("lightning deals on headphones", "en", HEADPHONES, None),
         ("laptop ki deals dikhao", "hinglish", LAPTOP, None), ("टीवी सेल", "hi", TV, None)]
for q, lang, node, hi in DEALS:
    case(q, lang, intent="deals", category=node, max=hi)
case("best deals on tv", intent="deals", category=TV, sort="discount")

# ---- hand-written, with keywords left for search ---------------------------------------------
HAND = [
    dict(q="gaming laptop under 80k with RTX 4060", category=GAMING, max=80000, features=["RTX 4060"]),
    dict(q="boAt earbuds 1k ke andar", lang="hinglish", category=EARBUDS, brands=["boAt"], max=1000),
    dict(q="iPhone 15 vs Galaxy S24", intent="compare", category=PHONE, brands=["Apple", "Samsung"],
         products=["name:iPhone 15", "name:Galaxy S24"]),
    dict(q="80 हज़ार से कम में लैपटॉप", lang="hi", category=LAPTOP, max=80000),
    dict(q="wireless mouse under 500", keywords="wireless mouse", max=500),
    dict(q="yoga mat", keywords="yoga mat"),
    dict(q="office chair below 8k", keywords="office chair", max=8000),
    dict(q="smart watch under 3000", keywords="smart watch", max=3000),
    dict(q="Samsung Galaxy M34 5G", brands=["Samsung"], category=PHONE, keywords="Galaxy M34",
         features=["5G"]),
    dict(q="Atomic Habits book", category=BOOKS, keywords="Atomic Habits"),
    dict(q="Chetan Bhagat novels under 300", category="1318158031", keywords="Chetan Bhagat", max=300),
    dict(q="UPSC books under 1000", category="4149751031", max=1000),
    dict(q="cricket bat for kids", keywords="cricket bat kids"),
    dict(q="school bag 1000 se kam", lang="hinglish", keywords="school bag", max=1000),
    dict(q="bachon ke liye cycle 5000 tak", lang="hinglish", keywords="bachon cycle", max=5000),
    dict(q="pressure cooker 5 litre Prestige", category=COOKER, brands=["Prestige"], features=["5 L"]),
    dict(q="basmati rice 5 kg", category=RICE, features=["5 kg"]),
    dict(q="green tea", category=TEA, keywords="green"),
    dict(q="मेरे लिए अच्छा फोन 15000 तक", lang="hi", category=PHONE, keywords="मेरे", max=15000),
    dict(q="पापा के लिए स्मार्टफोन", lang="hi", category=PHONE, keywords="पापा"),
    dict(q="सस्ता लैपटॉप पढ़ाई के लिए", lang="hi", category=LAPTOP, sort="price_asc", keywords="पढ़ाई"),
    dict(q="Diwali gift under 2000", keywords="Diwali gift", max=2000),
    dict(q="1.5 ton ac under 40k", category=AC, features=["1.5 Ton"], max=40000),
    dict(q="ac 1.5 ton 5 star inverter", category=AC, features=["1.5 Ton", "5 Star", "Inverter"]),
    dict(q="phone with 4+ rating under 15k", category=PHONE, rating=4.0, max=15000),
    dict(q="cheapest 5g phone", category=PHONE, sort="price_asc", features=["5G"]),
    dict(q="best rated earbuds with anc under 3k", category=EARBUDS, sort="rating", features=["ANC"], max=3000),
    dict(q="laptop for coding 16gb ram under 70000", category=LAPTOP, keywords="coding",
         features=["16GB RAM"], max=70000),
    dict(q="gaming phone under 30k", category=PHONE, keywords="gaming", max=30000),
    dict(q="4k tv under 40k", category=TV, features=["4K"], max=40000),
    dict(q="tv under 4k", category=TV, max=4000),
    dict(q="Sony 55 inch TV 4K", category=TV, brands=["Sony"], features=["55 inch", "4K"]),
    dict(q="earbuds 20-30k", category=EARBUDS, min=20000, max=30000),
    dict(q="phone 10k-15k", category=PHONE, min=10000, max=15000),
    dict(q="laptop 50000-70000", category=LAPTOP, min=50000, max=70000),
    dict(q="phone 1-1.5 lakh", category=PHONE, min=100000, max=150000),
    dict(q="kurti under ₹999", lang="en", category=KURTA, max=999),
    dict(q="laptop in 50000", category=LAPTOP, max=50000),
    dict(q="phone in 15k budget", category=PHONE, max=15000),
    dict(q="budget 25000 phone", category=PHONE, max=25000),
    dict(q="lenovo laptop i5 16gb 512gb ssd under 60k", category=LAPTOP, brands=["Lenovo"],
         features=["i5", "16GB", "512GB SSD"], max=60000),
    dict(q="mi tv 43 inch", category=TV, brands=["Xiaomi"], features=["43 inch"]),
    dict(q="nothing under 500", keywords="nothing", max=500),
    dict(q="Noise Cancelling headphones", category=HEADPHONES, features=["ANC"]),
    dict(q="बोट के ईयरबड्स हज़ार रुपये तक", lang="hi", category=EARBUDS, brands=["boAt"], max=1000),
    dict(q="a lakh ke andar laptop", lang="hinglish", category=LAPTOP, max=100000),
    dict(q="samsung ka 5g phone 20 hazar tak", lang="hinglish", category=PHONE, brands=["Samsung"],
         features=["5G"], max=20000),
    dict(q="redmi phone 8gb ram 128gb", category=PHONE, brands=["Redmi"], features=["8GB RAM", "128GB"]),
    dict(q="laptop with touchscreen under 1 lakh", category=LAPTOP, features=["Touchscreen"], max=100000),
    dict(q="air fryer 4 litre philips", category=FRYER, brands=["Philips"], features=["4 L"]),
    dict(q="jeans for men under 1500", category=JEANS, keywords="men", max=1500),
    dict(q="running shoes for men 2k tak", lang="hinglish", category=RUNNING, keywords="men", max=2000),
    dict(q="lipstick under 500", category="1374376031", max=500),
    dict(q="face wash for oily skin", category="1374414031", keywords="oily skin"),
    dict(q="chai patti 1 kg", category=TEA, keywords="patti", features=["1 kg"]),
    dict(q="सबसे अच्छी रेटिंग वाले हेडफोन", lang="hi", category=HEADPHONES, sort="rating"),
    dict(q="२० हज़ार से ३० हज़ार के बीच फोन", lang="hi", category=PHONE, min=20000, max=30000),
    dict(q="iphone 15 128gb under 70k", category=PHONE, brands=["Apple"], keywords="iphone 15",
         features=["128GB"], max=70000),
    dict(q="macbook air m2", category=LAPTOP, brands=["Apple"], keywords="air", features=["M2"]),
    dict(q="hp victus rtx 3050", category=GAMING, brands=["HP"], keywords="victus", features=["RTX 3050"]),
    dict(q="", keywords=""),
    dict(q="₹", keywords=""),
    dict(q="??? !!!", keywords=""),
]
for h in HAND:
    q = h.pop("q")
    lang = h.pop("lang", "en")
    case(q, lang, **h)

for d in out:
    print(json.dumps(d, ensure_ascii=False))
