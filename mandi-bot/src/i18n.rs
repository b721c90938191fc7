//! The bot's texts in English and Hindi. Every text a user reads comes from here; values are
//! plain text or HTML without user data (callers escape what they insert).

use mandi_core::Language;
use mandi_core::discovery::MatchReason;
use mandi_core::discovery::reasons::stars;

/// All texts of one language.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct Texts {
    pub welcome: &'static str,
    pub help: &'static str,
    pub referred_by: &'static str,
    pub watch_usage: &'static str,
    pub watch_created: &'static str,
    pub watch_exists: &'static str,
    pub not_a_product: &'static str,
    pub unknown_product: &'static str,
    pub no_watches: &'static str,
    pub your_watches: &'static str,
    pub paused: &'static str,
    pub resumed: &'static str,
    pub snoozed: &'static str,
    pub deleted: &'static str,
    pub target_prompt: &'static str,
    pub target_set: &'static str,
    pub bad_price: &'static str,
    pub not_yours: &'static str,
    pub price_usage: &'static str,
    pub history_usage: &'static str,
    pub no_history: &'static str,
    pub search_usage: &'static str,
    pub no_results: &'static str,
    pub page: &'static str,
    pub deals_title: &'static str,
    pub no_deals: &'static str,
    pub settings_title: &'static str,
    pub mode_realtime: &'static str,
    pub mode_digest: &'static str,
    pub quiet_hours: &'static str,
    pub quiet_off: &'static str,
    pub daily_cap: &'static str,
    pub no_cap: &'static str,
    pub language: &'static str,
    pub marketplace: &'static str,
    pub choose_marketplace: &'static str,
    pub saved: &'static str,
    pub digest_title: &'static str,
    pub digest_empty: &'static str,
    pub stats_title: &'static str,
    pub export_done: &'static str,
    pub import_usage: &'static str,
    pub imported: &'static str,
    pub unknown_command: &'static str,
    pub admin_only: &'static str,
    pub try_later: &'static str,
    pub btn_pause: &'static str,
    pub btn_resume: &'static str,
    pub btn_snooze: &'static str,
    pub btn_target: &'static str,
    pub btn_delete: &'static str,
    pub btn_watch: &'static str,
    pub btn_buy: &'static str,
    pub btn_next: &'static str,
    pub btn_prev: &'static str,
    pub btn_history: &'static str,
    pub alert_title: &'static str,
    pub off_mrp: &'static str,
    pub vs_avg90: &'static str,
    pub verdict_great: &'static str,
    pub verdict_good: &'static str,
    pub verdict_fair: &'static str,
    pub verdict_poor: &'static str,
    pub verdict_fake: &'static str,
    pub verdict_unknown: &'static str,
    pub state_active: &'static str,
    pub state_paused: &'static str,
    pub state_snoozed: &'static str,
    pub target: &'static str,
    pub price_unknown: &'static str,
    pub lowest: &'static str,
    pub highest: &'static str,
    pub average: &'static str,
    pub short_link_failed: &'static str,
    pub choose_variation: &'static str,
    pub welcome_back_paused: &'static str,
    pub btn_resume_all: &'static str,
    pub resumed_all: &'static str,
    pub import_too_large: &'static str,
    pub import_not_text: &'static str,
    pub headline_target: &'static str,
    pub headline_lowest_days: &'static str,
    pub headline_all_time_low: &'static str,
    pub headline_back_in_stock: &'static str,
    pub headline_drop: &'static str,
    pub headline_rise: &'static str,
    pub headline_score: &'static str,
    pub headline_lightning: &'static str,
    pub compare_title: &'static str,
    pub recommended: &'static str,
    pub confirm_watch: &'static str,
    pub btn_confirm_watch: &'static str,
    pub similar_title: &'static str,
    pub categories_title: &'static str,
    pub typical_price: &'static str,
    pub popular: &'static str,
    pub similar_usage: &'static str,
    pub low_90d: &'static str,
    pub btn_cards: &'static str,
    pub suggest_category: &'static str,
    pub suggest_brand: &'static str,
    pub suggest_query: &'static str,
    pub why_keywords: &'static str,
    pub why_in_category: &'static str,
    pub why_has: &'static str,
    pub why_price_within: &'static str,
    pub why_rating: &'static str,
    pub why_discount: &'static str,
    pub why_deal_score: &'static str,
    pub why_also_in: &'static str,
    pub why_same_brand: &'static str,
    pub why_shares: &'static str,
    pub why_same_price: &'static str,
    pub why_cheaper: &'static str,
    pub why_dearer: &'static str,
    pub why_cheapest: &'static str,
    pub why_best_deal: &'static str,
    pub why_best_rated: &'static str,
    pub why_closest_low: &'static str,
    pub why_more_specs: &'static str,
    pub why_level: &'static str,
    pub median: &'static str,
    pub products_count: &'static str,
    pub report_usage: &'static str,
    pub report_title: &'static str,
    pub report_no_offers: &'static str,
    pub offer_buy_box: &'static str,
    pub offer_other_new: &'static str,
    pub offer_used: &'static str,
    pub offer_now: &'static str,
    pub offer_seen: &'static str,
    pub buy_box_vs_others: &'static str,
    pub used_saves: &'static str,
    pub btn_report: &'static str,
    pub period_day: &'static str,
    pub period_week: &'static str,
    pub period_month: &'static str,
}

static EN: Texts = Texts {
    welcome: "👋 Welcome to <b>Mandi</b>! Paste an Amazon link (or send /watch &lt;link&gt;) and I will tell you when its price drops.",
    help: "<b>Commands</b>\n/watch &lt;link or ASIN&gt; — watch a product (or just paste a link)\n/watches — your watches\n/price &lt;link&gt; — current price\n/history &lt;link&gt; — price chart\n/report &lt;link&gt; — offers: buy box, other sellers, used\n/search &lt;words&gt; — find products\n/deals — best deals now\n/share &lt;link&gt; [price] — share a deal (checked before it is shown)\n/community — deals shared by users, with votes\n/invite — invite friends, earn watch slots\n/subscribe &lt;category id&gt; [min score] [per hour] — in a group (admins): post deals here\n/settings — alerts, quiet hours, language\n/digest — today's summary\n/stats — your savings\n/export, /import — back up your watches",
    referred_by: "Thanks for coming via a friend's link!",
    watch_usage: "Send /watch followed by an Amazon link or an ASIN, or just paste a link.",
    watch_created: "✅ Watching",
    watch_exists: "You already watch this product.",
    not_a_product: "I could not find an Amazon product link or ASIN in that message.",
    unknown_product: "Amazon does not know this product (or it is not sold in your marketplace).",
    no_watches: "You have no watches yet. Paste an Amazon link to start.",
    your_watches: "<b>Your watches</b>",
    paused: "⏸ Paused.",
    resumed: "▶️ Resumed.",
    snoozed: "😴 Snoozed for 24 hours.",
    deleted: "🗑 Deleted.",
    target_prompt: "Send the target price (for example 54999 or ₹54,999).",
    target_set: "🎯 Target set:",
    bad_price: "That is not a price I can read; send a number like 54999.",
    not_yours: "That watch does not exist (any more).",
    price_usage: "Send /price followed by an Amazon link or ASIN.",
    history_usage: "Send /history followed by an Amazon link or ASIN.",
    no_history: "No price history for this product yet.",
    search_usage: "Send /search followed by some words, e.g. /search redmi note 13",
    no_results: "No results.",
    page: "Page",
    deals_title: "<b>Best deals among watched products</b>",
    no_deals: "No deals right now; watch some products first.",
    settings_title: "<b>Settings</b>",
    mode_realtime: "Alerts: real-time",
    mode_digest: "Alerts: daily digest",
    quiet_hours: "Quiet hours",
    quiet_off: "Quiet hours: off",
    daily_cap: "Daily cap",
    no_cap: "Daily cap: none",
    language: "Language: English",
    marketplace: "Marketplace",
    choose_marketplace: "Which Amazon do you shop on? Bare ASINs, searches and prices use it.",
    saved: "Saved.",
    digest_title: "<b>Your digest</b>",
    digest_empty: "Nothing to report today.",
    stats_title: "<b>Your stats</b>",
    export_done: "Your watches. Send this file back to me to restore them. Watches:",
    import_usage: "Send the file /export gave you (with or without /import as its caption), or /import followed by its text.",
    imported: "Imported watches:",
    unknown_command: "I do not know that command. /help lists what I can do.",
    admin_only: "This command is for administrators only.",
    try_later: "Something went wrong on our side; please try again in a minute.",
    btn_pause: "⏸ Pause",
    btn_resume: "▶️ Resume",
    btn_snooze: "😴 Snooze 1d",
    btn_target: "🎯 Target",
    btn_delete: "🗑 Delete",
    btn_watch: "👁 Watch",
    btn_buy: "🛒 Buy on Amazon",
    btn_next: "Next ▶",
    btn_prev: "◀ Prev",
    btn_history: "📈 History",
    alert_title: "📉 Price drop",
    off_mrp: "off MRP",
    vs_avg90: "vs 90-day average",
    verdict_great: "🔥 Great deal",
    verdict_good: "👍 Good deal",
    verdict_fair: "😐 Fair price",
    verdict_poor: "👎 Above usual price",
    verdict_fake: "⚠️ Fake sale: MRP was raised before the 'discount'",
    verdict_unknown: "Not enough history to judge",
    state_active: "active",
    state_paused: "paused",
    state_snoozed: "snoozed",
    target: "target",
    price_unknown: "price unknown",
    lowest: "Lowest",
    highest: "Highest",
    average: "Average",
    short_link_failed: "I couldn't open this short link to find the product. Open it in your browser and paste the full amazon.in link instead.",
    choose_variation: "This product comes in several variations. Which one should I watch?",
    welcome_back_paused: "👋 Welcome back! While I could not reach you, your watches were paused. Paused watches:",
    btn_resume_all: "▶️ Resume all",
    resumed_all: "Resumed watches:",
    import_too_large: "That file is too large for a watch list (at most 1 MB).",
    import_not_text: "That file is not a text (JSON) file from /export.",
    headline_target: "🎯 Target price reached",
    headline_lowest_days: "📉 Lowest price in {days} days",
    headline_all_time_low: "🏆 Lowest price ever",
    headline_back_in_stock: "📦 Back in stock",
    headline_drop: "📉 Price drop",
    headline_rise: "📈 Price rise",
    headline_score: "⭐ Deal score {score}+",
    headline_lightning: "⚡ Lightning deal",
    compare_title: "⚖️ Side by side",
    recommended: "👉 My pick:",
    confirm_watch: "Watch this product?",
    btn_confirm_watch: "✅ Yes, watch it",
    similar_title: "Products like",
    categories_title: "🗂 Categories",
    typical_price: "Typical price",
    popular: "Most watched",
    similar_usage: "Send /similar followed by an Amazon link or ASIN.",
    low_90d: "90-day low",
    btn_cards: "🃏 Product cards",
    suggest_category: "🗂 Category",
    suggest_brand: "🏷 Brand",
    suggest_query: "🕘 Your search",
    why_keywords: "matches \"{words}\"",
    why_in_category: "in {name}",
    why_has: "has {features}",
    why_price_within: "{price} within {max}",
    why_rating: "{stars}★ ({count} ratings)",
    why_discount: "{percent}% off",
    why_deal_score: "deal score {score}",
    why_also_in: "also in {name}",
    why_same_brand: "same brand ({name})",
    why_shares: "shares {features}",
    why_same_price: "same price ({price})",
    why_cheaper: "{price}, {share} cheaper",
    why_dearer: "{price}, {share} dearer",
    why_cheapest: "cheapest at {price} (vs {others})",
    why_best_deal: "best deal score ({score})",
    why_best_rated: "best rated ({stars}★)",
    why_closest_low: "closest to its 90-day low",
    why_more_specs: "more listed specs ({specs})",
    why_level: "the two are level on price, deal score and rating; first named",
    median: "median",
    products_count: "products",
    report_usage: "Send /report followed by an Amazon link or ASIN (and day, week or month; month by default).",
    report_title: "🏷 Offers for {asin}, last {period}",
    report_no_offers: "No offers seen in this period yet.",
    offer_buy_box: "Buy box",
    offer_other_new: "Other sellers, new",
    offer_used: "Used",
    offer_now: "now",
    offer_seen: "last seen",
    buy_box_vs_others: "Buy box against other sellers (new):",
    used_saves: "Used saves against the buy box:",
    btn_report: "🏷 Offers",
    period_day: "day",
    period_week: "week",
    period_month: "month",
};

static HI: Texts = Texts {
    welcome: "👋 <b>Mandi</b> में आपका स्वागत है! कोई Amazon लिंक भेजें (या /watch &lt;लिंक&gt;), दाम गिरते ही मैं बताऊँगा।",
    help: "<b>कमांड</b>\n/watch &lt;लिंक या ASIN&gt; — प्रोडक्ट पर नज़र रखें (या बस लिंक भेजें)\n/watches — आपकी वॉच सूची\n/price &lt;लिंक&gt; — अभी का दाम\n/history &lt;लिंक&gt; — दाम का चार्ट\n/report &lt;लिंक&gt; — ऑफ़र: बाय बॉक्स, दूसरे विक्रेता, used\n/search &lt;शब्द&gt; — प्रोडक्ट खोजें\n/deals — अभी के सबसे अच्छे डील\n/share &lt;लिंक&gt; [दाम] — डील साझा करें (दिखाने से पहले जाँची जाती है)\n/community — लोगों की साझा डील, वोट के साथ\n/invite — दोस्तों को बुलाएँ, वॉच की जगह पाएँ\n/subscribe &lt;कैटेगरी id&gt; [न्यूनतम स्कोर] [घंटे में] — ग्रुप में (एडमिन): यहाँ डील पोस्ट हों\n/settings — अलर्ट, शांत समय, भाषा\n/digest — आज का सार\n/stats — आपकी बचत\n/export, /import — वॉच का बैकअप",
    referred_by: "दोस्त के लिंक से आने के लिए धन्यवाद!",
    watch_usage: "/watch के बाद Amazon लिंक या ASIN भेजें, या बस लिंक भेज दें।",
    watch_created: "✅ नज़र रखी जा रही है",
    watch_exists: "आप इस प्रोडक्ट पर पहले से नज़र रख रहे हैं।",
    not_a_product: "इस संदेश में मुझे Amazon प्रोडक्ट लिंक या ASIN नहीं मिला।",
    unknown_product: "Amazon इस प्रोडक्ट को नहीं पहचानता (या यह आपके बाज़ार में नहीं बिकता)।",
    no_watches: "अभी कोई वॉच नहीं है। शुरू करने के लिए Amazon लिंक भेजें।",
    your_watches: "<b>आपकी वॉच सूची</b>",
    paused: "⏸ रोका गया।",
    resumed: "▶️ फिर से शुरू।",
    snoozed: "😴 24 घंटे के लिए स्नूज़।",
    deleted: "🗑 हटाया गया।",
    target_prompt: "लक्ष्य दाम भेजें (जैसे 54999 या ₹54,999)।",
    target_set: "🎯 लक्ष्य तय:",
    bad_price: "यह दाम समझ नहीं आया; 54999 जैसी संख्या भेजें।",
    not_yours: "यह वॉच मौजूद नहीं है।",
    price_usage: "/price के बाद Amazon लिंक या ASIN भेजें।",
    history_usage: "/history के बाद Amazon लिंक या ASIN भेजें।",
    no_history: "इस प्रोडक्ट का अभी कोई दाम इतिहास नहीं है।",
    search_usage: "/search के बाद कुछ शब्द भेजें, जैसे /search redmi note 13",
    no_results: "कोई नतीजा नहीं।",
    page: "पेज",
    deals_title: "<b>देखे जा रहे प्रोडक्ट में सबसे अच्छे डील</b>",
    no_deals: "अभी कोई डील नहीं; पहले कुछ प्रोडक्ट पर नज़र रखें।",
    settings_title: "<b>सेटिंग्स</b>",
    mode_realtime: "अलर्ट: तुरंत",
    mode_digest: "अलर्ट: रोज़ का सार",
    quiet_hours: "शांत समय",
    quiet_off: "शांत समय: बंद",
    daily_cap: "रोज़ की सीमा",
    no_cap: "रोज़ की सीमा: कोई नहीं",
    language: "भाषा: हिन्दी",
    marketplace: "मार्केटप्लेस",
    choose_marketplace: "आप किस Amazon पर खरीदारी करते हैं? ASIN, खोज और कीमतें इसी से होंगी।",
    saved: "सहेजा गया।",
    digest_title: "<b>आपका सार</b>",
    digest_empty: "आज बताने को कुछ नहीं।",
    stats_title: "<b>आपके आँकड़े</b>",
    export_done: "आपकी वॉच सूची। वापस लाने के लिए यह फ़ाइल मुझे भेजें। वॉच:",
    import_usage: "/export से मिली फ़ाइल भेजें (कैप्शन में /import हो या न हो), या /import के बाद उसका टेक्स्ट।",
    imported: "इम्पोर्ट की गई वॉच:",
    unknown_command: "यह कमांड मुझे नहीं पता। /help देखें।",
    admin_only: "यह कमांड केवल एडमिन के लिए है।",
    try_later: "हमारी तरफ़ कुछ गड़बड़ हुई; एक मिनट बाद फिर कोशिश करें।",
    btn_pause: "⏸ रोकें",
    btn_resume: "▶️ शुरू करें",
    btn_snooze: "😴 1 दिन स्नूज़",
    btn_target: "🎯 लक्ष्य",
    btn_delete: "🗑 हटाएँ",
    btn_watch: "👁 नज़र रखें",
    btn_buy: "🛒 Amazon पर खरीदें",
    btn_next: "आगे ▶",
    btn_prev: "◀ पीछे",
    btn_history: "📈 इतिहास",
    alert_title: "📉 दाम गिरा",
    off_mrp: "MRP से कम",
    vs_avg90: "90 दिन के औसत से",
    verdict_great: "🔥 बहुत बढ़िया डील",
    verdict_good: "👍 अच्छी डील",
    verdict_fair: "😐 ठीक दाम",
    verdict_poor: "👎 सामान्य से महँगा",
    verdict_fake: "⚠️ नकली सेल: 'छूट' से पहले MRP बढ़ाया गया था",
    verdict_unknown: "फ़ैसले के लिए इतिहास कम है",
    state_active: "चालू",
    state_paused: "रुका",
    state_snoozed: "स्नूज़",
    target: "लक्ष्य",
    price_unknown: "दाम अज्ञात",
    lowest: "सबसे कम",
    highest: "सबसे ज़्यादा",
    average: "औसत",
    short_link_failed: "यह छोटा लिंक खोलकर मैं प्रोडक्ट नहीं ढूँढ पाया। इसे ब्राउज़र में खोलें और पूरा amazon.in लिंक भेजें।",
    choose_variation: "यह प्रोडक्ट कई वेरिएशन में आता है। किस पर नज़र रखूँ?",
    welcome_back_paused: "👋 फिर से स्वागत है! जब मैं आप तक नहीं पहुँच पा रहा था, आपकी वॉच रोक दी गई थीं। रुकी वॉच:",
    btn_resume_all: "▶️ सब चालू करें",
    resumed_all: "चालू की गई वॉच:",
    import_too_large: "वॉच सूची के लिए यह फ़ाइल बहुत बड़ी है (ज़्यादा से ज़्यादा 1 MB)।",
    import_not_text: "यह /export वाली टेक्स्ट (JSON) फ़ाइल नहीं है।",
    headline_target: "🎯 लक्ष्य दाम आ गया",
    headline_lowest_days: "📉 {days} दिन में सबसे कम दाम",
    headline_all_time_low: "🏆 अब तक का सबसे कम दाम",
    headline_back_in_stock: "📦 फिर से स्टॉक में",
    headline_drop: "📉 दाम गिरा",
    headline_rise: "📈 दाम बढ़ा",
    headline_score: "⭐ डील स्कोर {score}+",
    headline_lightning: "⚡ लाइटनिंग डील",
    compare_title: "⚖️ आमने-सामने",
    recommended: "👉 मेरी पसंद:",
    confirm_watch: "इस प्रोडक्ट पर नज़र रखूँ?",
    btn_confirm_watch: "✅ हाँ, नज़र रखें",
    similar_title: "इसके जैसे प्रोडक्ट",
    categories_title: "🗂 कैटेगरी",
    typical_price: "आम दाम",
    popular: "सबसे ज़्यादा देखे गए",
    similar_usage: "/similar के बाद Amazon लिंक या ASIN भेजें।",
    low_90d: "90 दिन का न्यूनतम",
    btn_cards: "🃏 प्रोडक्ट कार्ड",
    suggest_category: "🗂 कैटेगरी",
    suggest_brand: "🏷 ब्रांड",
    suggest_query: "🕘 आपकी खोज",
    why_keywords: "\"{words}\" से मेल",
    why_in_category: "{name} में",
    why_has: "{features} के साथ",
    why_price_within: "{price}, {max} के अंदर",
    why_rating: "{stars}★ ({count} रेटिंग)",
    why_discount: "{percent}% छूट",
    why_deal_score: "डील स्कोर {score}",
    why_also_in: "यह भी {name} में",
    why_same_brand: "वही ब्रांड ({name})",
    why_shares: "समान खूबियाँ: {features}",
    why_same_price: "वही दाम ({price})",
    why_cheaper: "{price}, {share} सस्ता",
    why_dearer: "{price}, {share} महँगा",
    why_cheapest: "सबसे सस्ता, {price} (बाकी {others})",
    why_best_deal: "सबसे अच्छा डील स्कोर ({score})",
    why_best_rated: "सबसे अच्छी रेटिंग ({stars}★)",
    why_closest_low: "अपने 90 दिन के न्यूनतम दाम के सबसे क़रीब",
    why_more_specs: "ज़्यादा खूबियाँ दी गई हैं ({specs})",
    why_level: "दाम, डील स्कोर और रेटिंग में दोनों बराबर; पहला वाला चुना",
    median: "बीच का दाम",
    products_count: "प्रोडक्ट",
    report_usage: "/report के बाद Amazon लिंक या ASIN भेजें (और day, week या month; पहले से month)।",
    report_title: "🏷 {asin} के ऑफ़र, पिछला {period}",
    report_no_offers: "इस अवधि में अभी कोई ऑफ़र नहीं दिखा।",
    offer_buy_box: "बाय बॉक्स",
    offer_other_new: "दूसरे विक्रेता, नया",
    offer_used: "पुराना (used)",
    offer_now: "अभी",
    offer_seen: "आख़िरी बार देखा",
    buy_box_vs_others: "बाय बॉक्स बनाम दूसरे विक्रेता (नया):",
    used_saves: "used में बाय बॉक्स से बचत:",
    btn_report: "🏷 ऑफ़र",
    period_day: "दिन",
    period_week: "हफ़्ता",
    period_month: "महीना",
};

/// The texts of a language.
pub fn texts(language: Language) -> &'static Texts {
    match language {
        Language::Hindi => &HI,
        _ => &EN,
    }
}

/// A text with `{name}` placeholders filled (values are inserted as given; callers escape).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A reason of the library's (why a product matched, is similar or is recommended) in the
/// user's language.
pub fn reason(r: &MatchReason, t: &Texts) -> String {
    let money = |m: &mandi_core::Money| m.display_short();
    match r {
        MatchReason::Keywords { words } => fill(t.why_keywords, &[("words", words)]),
        MatchReason::InCategory { name } => fill(t.why_in_category, &[("name", name)]),
        MatchReason::Brand { name } => name.clone(),
        MatchReason::HasFeatures { features } => {
            fill(t.why_has, &[("features", &features.join(", "))])
        }
        MatchReason::PriceWithin { price, max } => fill(
            t.why_price_within,
            &[("price", &money(price)), ("max", &money(max))],
        ),
        MatchReason::Price { price } => money(price),
        MatchReason::Rating {
            rating_centi,
            count,
        } => fill(
            t.why_rating,
            &[
                ("stars", &stars(*rating_centi)),
                ("count", &count.to_string()),
            ],
        ),
        MatchReason::Discount { percent } => {
            fill(t.why_discount, &[("percent", &percent.to_string())])
        }
        MatchReason::DealScore { score } => {
            fill(t.why_deal_score, &[("score", &score.to_string())])
        }
        MatchReason::AlsoIn { name } => fill(t.why_also_in, &[("name", name)]),
        MatchReason::SameBrand { name } => fill(t.why_same_brand, &[("name", name)]),
        MatchReason::Shares { features } => {
            fill(t.why_shares, &[("features", &features.join(", "))])
        }
        MatchReason::PriceAgainst { price, share } => {
            let price = money(price);
            let pct = share.abs().to_string();
            let template = match share.0 {
                0 => t.why_same_price,
                p if p < 0 => t.why_cheaper,
                _ => t.why_dearer,
            };
            fill(template, &[("price", &price), ("share", &pct)])
        }
        MatchReason::Cheapest { price, others } => {
            let others: Vec<String> = others.iter().map(money).collect();
            fill(
                t.why_cheapest,
                &[("price", &money(price)), ("others", &others.join(", "))],
            )
        }
        MatchReason::BestDealScore { score } => {
            fill(t.why_best_deal, &[("score", &score.to_string())])
        }
        MatchReason::BestRated { rating_centi } => {
            fill(t.why_best_rated, &[("stars", &stars(*rating_centi))])
        }
        MatchReason::ClosestToLow => t.why_closest_low.to_owned(),
        MatchReason::MoreSpecs { specs } => fill(t.why_more_specs, &[("specs", &specs.join(", "))]),
        MatchReason::Level => t.why_level.to_owned(),
        // A reason added to the library later: its English phrase.
        other => other.to_string(),
    }
}

/// The language for a Telegram client language code (`hi` → Hindi, anything else English).
pub fn language_from_code(code: Option<&str>) -> Language {
    match code {
        Some(c) if c.starts_with("hi") => Language::Hindi,
        _ => Language::English,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_the_same_in_english_as_the_library_words_them() {
        use mandi_core::{Bps, Currency, Money};
        let inr = |r| Money::from_major(r, Currency::INR);
        let all = [
            MatchReason::Keywords {
                words: "gaming laptop".into(),
            },
            MatchReason::InCategory {
                name: "Gaming Laptops".into(),
            },
            MatchReason::HasFeatures {
                features: vec!["RTX 4060".into(), "16GB RAM".into()],
            },
            MatchReason::PriceWithin {
                price: inr(74_990),
                max: inr(80_000),
            },
            MatchReason::Rating {
                rating_centi: 430,
                count: 99,
            },
            MatchReason::Discount { percent: 40 },
            MatchReason::DealScore { score: 78 },
            MatchReason::AlsoIn {
                name: "Smartphones".into(),
            },
            MatchReason::SameBrand {
                name: "iQOO".into(),
            },
            MatchReason::Shares {
                features: vec!["5G".into()],
            },
            MatchReason::PriceAgainst {
                price: inr(100),
                share: Bps(0),
            },
            MatchReason::PriceAgainst {
                price: inr(100),
                share: Bps(-600),
            },
            MatchReason::PriceAgainst {
                price: inr(100),
                share: Bps(700),
            },
            MatchReason::Cheapest {
                price: inr(100),
                others: vec![inr(120), inr(130)],
            },
            MatchReason::BestDealScore { score: 80 },
            MatchReason::BestRated { rating_centi: 410 },
            MatchReason::ClosestToLow,
            MatchReason::MoreSpecs {
                specs: vec!["5G".into(), "AMOLED".into()],
            },
            MatchReason::Level,
        ];
        for r in &all {
            assert_eq!(reason(r, &EN), r.to_string());
            let hindi = reason(r, &HI);
            assert_ne!(hindi, r.to_string(), "{r:?} is not in Hindi");
            assert!(!hindi.contains('{'), "{hindi}");
        }
    }

    #[test]
    fn texts_with_markup_parse_as_telegram_html() {
        for t in [&EN, &HI] {
            for s in [t.welcome, t.help, t.your_watches, t.settings_title] {
                let opens = s.matches("<b>").count();
                assert_eq!(opens, s.matches("</b>").count(), "{s}");
                assert!(!s.replace("<b>", "").replace("</b>", "").contains('<'));
            }
        }
    }
}
