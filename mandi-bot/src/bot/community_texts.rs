//! The words of the community commands (`/share`, `/community`, `/invite`, `/subscribe`,
//! `/unsubscribe`) and group posts, in English and Hindi. Kept beside the main table of
//! [`crate::i18n`] so the community's strings stay together; `{}` marks where a value goes.

use mandi_core::Language;

/// The community's strings in one language.
#[allow(missing_docs)]
#[derive(Debug)]
pub struct CommunityTexts {
    pub share_usage: &'static str,
    pub verified: &'static str,
    pub rejected: &'static str,
    pub rate_limited: &'static str,
    pub already_shared: &'static str,
    pub own_deal: &'static str,
    pub not_votable: &'static str,
    pub unknown_deal: &'static str,
    pub voted: &'static str,
    pub list_title: &'static str,
    pub list_top_title: &'static str,
    pub list_empty: &'static str,
    pub your_reputation: &'static str,
    pub score: &'static str,
    pub invite: &'static str,
    pub groups_only: &'static str,
    pub not_admin: &'static str,
    pub subscribe_usage: &'static str,
    pub subscribed: &'static str,
    pub unsubscribed: &'static str,
    pub not_subscribed: &'static str,
    pub unknown_category: &'static str,
    pub subscriptions: &'static str,
    pub no_subscriptions: &'static str,
    pub post_title: &'static str,
    pub post_community: &'static str,
    pub post_engine: &'static str,
    pub btn_buy: &'static str,
}

const EN: CommunityTexts = CommunityTexts {
    share_usage: "Send /share followed by an Amazon link and, if you like, the price you saw: /share https://amzn.in/d/… 19999",
    verified: "✅ Verified and shared as deal #{}: {} at {} (score {}). Others can now vote on it.",
    rejected: "❌ Not shared: {}.",
    rate_limited: "⏳ You can share {} deal(s) an hour at your reputation ({}). Try again after {}.",
    already_shared: "This product was already shared as deal #{}; vote on it in /community.",
    own_deal: "You cannot vote on your own deal.",
    not_votable: "That deal was not verified; it takes no votes.",
    unknown_deal: "That deal does not exist.",
    voted: "Vote counted: 👍 {} · 👎 {}",
    list_title: "<b>Deals shared by users</b> (newest; /community top for the best voted)",
    list_top_title: "<b>Top deals shared by users</b>",
    list_empty: "No deals shared yet. Share one with /share &lt;link&gt;.",
    your_reputation: "Your reputation: {}",
    score: "score",
    invite: "Invite friends with your link:\n{}\nFriends who joined: {} · extra watch slots: {} (you may hold {} watches).",
    groups_only: "Deal subscriptions are for groups and channels: send this in the group, or here with the channel's id first (/subscribe -100… &lt;category id&gt;); you must be its administrator.",
    not_admin: "Only the group's administrators can change its deal subscriptions.",
    subscribe_usage: "In a group, an administrator sends /subscribe &lt;category id&gt; [minimum score 0–100] [posts per hour 1–60]. Find category ids with /categories. /unsubscribe &lt;category id&gt; stops one.",
    subscribed: "✅ This chat now gets deals in <b>{}</b> scoring at least {}, at most {} an hour.",
    unsubscribed: "This chat no longer gets deals in that category.",
    not_subscribed: "This chat does not follow that category.",
    unknown_category: "I do not know that category; use a category id from /categories.",
    subscriptions: "<b>This chat's deal subscriptions</b>",
    no_subscriptions: "This chat follows no category yet.",
    post_title: "🔥 <b>Deal in {}</b>",
    post_community: "Shared by a member and checked by Mandi · 👍 {}",
    post_engine: "Found by Mandi · {} watching",
    btn_buy: "🛒 Buy",
};

const HI: CommunityTexts = CommunityTexts {
    share_usage: "/share के बाद Amazon लिंक और चाहें तो देखा हुआ दाम भेजें: /share https://amzn.in/d/… 19999",
    verified: "✅ जाँच हो गई, डील #{} के रूप में साझा: {} {} पर (स्कोर {})। अब दूसरे इस पर वोट कर सकते हैं।",
    rejected: "❌ साझा नहीं हुआ: {}।",
    rate_limited: "⏳ आपकी साख ({1}) पर आप घंटे में {0} डील साझा कर सकते हैं। {2} के बाद फिर कोशिश करें।",
    already_shared: "यह प्रोडक्ट पहले ही डील #{} के रूप में साझा है; /community में उस पर वोट करें।",
    own_deal: "आप अपनी ही डील पर वोट नहीं कर सकते।",
    not_votable: "उस डील की जाँच पास नहीं हुई; उस पर वोट नहीं होते।",
    unknown_deal: "वह डील मौजूद नहीं है।",
    voted: "वोट गिना गया: 👍 {} · 👎 {}",
    list_title: "<b>लोगों की साझा की गई डील</b> (नई पहले; सबसे ज़्यादा वोट वाली के लिए /community top)",
    list_top_title: "<b>सबसे अच्छी साझा डील</b>",
    list_empty: "अभी कोई डील साझा नहीं हुई। /share &lt;लिंक&gt; से साझा करें।",
    your_reputation: "आपकी साख: {}",
    score: "स्कोर",
    invite: "अपने लिंक से दोस्तों को बुलाएँ:\n{}\nजुड़े दोस्त: {} · अतिरिक्त वॉच जगह: {} (आप {} वॉच रख सकते हैं)।",
    groups_only: "डील सब्सक्रिप्शन ग्रुप और चैनल के लिए हैं: ग्रुप में भेजें, या यहाँ पहले चैनल की id के साथ (/subscribe -100… &lt;कैटेगरी id&gt;); आपको उसका एडमिन होना चाहिए।",
    not_admin: "ग्रुप के डील सब्सक्रिप्शन सिर्फ़ उसके एडमिन बदल सकते हैं।",
    subscribe_usage: "ग्रुप में एडमिन भेजें /subscribe &lt;कैटेगरी id&gt; [न्यूनतम स्कोर 0–100] [घंटे में पोस्ट 1–60]। कैटेगरी id /categories में मिलेंगे। /unsubscribe &lt;कैटेगरी id&gt; से बंद करें।",
    subscribed: "✅ इस चैट को अब <b>{}</b> की कम से कम {} स्कोर वाली डील मिलेंगी, घंटे में ज़्यादा से ज़्यादा {}।",
    unsubscribed: "इस चैट को अब उस कैटेगरी की डील नहीं मिलेंगी।",
    not_subscribed: "यह चैट उस कैटेगरी को फ़ॉलो नहीं करती।",
    unknown_category: "यह कैटेगरी मुझे नहीं पता; /categories से कैटेगरी id लें।",
    subscriptions: "<b>इस चैट के डील सब्सक्रिप्शन</b>",
    no_subscriptions: "यह चैट अभी किसी कैटेगरी को फ़ॉलो नहीं करती।",
    post_title: "🔥 <b>{} में डील</b>",
    post_community: "एक सदस्य ने साझा की, Mandi ने जाँची · 👍 {}",
    post_engine: "Mandi ने ढूँढी · {} लोग नज़र रख रहे हैं",
    btn_buy: "🛒 खरीदें",
};

/// The community's strings for a language.
pub fn community_texts(language: Language) -> &'static CommunityTexts {
    match language {
        Language::Hindi => &HI,
        _ => &EN,
    }
}

/// Fills the `{}` of a template in order (`{0}`, `{1}`… by position), with the values as
/// given (callers escape HTML).
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut next = 0usize;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].bytes().all(|b| b.is_ascii_digit()) => {
                let index = if end == 0 {
                    next += 1;
                    next - 1
                } else {
                    after[..end].parse().unwrap_or(usize::MAX)
                };
                out.push_str(values.get(index).copied().unwrap_or_default());
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_puts_values_in_order_or_by_position() {
        assert_eq!(fill("a {} b {}", &["1", "2"]), "a 1 b 2");
        assert_eq!(fill("{1} then {0}", &["x", "y"]), "y then x");
        assert_eq!(fill("{ not a slot", &[]), "{ not a slot");
    }

    #[test]
    fn both_languages_fill_every_slot_of_the_rate_limit() {
        for l in [Language::English, Language::Hindi] {
            let s = fill(community_texts(l).rate_limited, &["3", "12", "14:05 IST"]);
            assert!(
                s.contains('3') && s.contains("12") && s.contains("14:05 IST"),
                "{s}"
            );
            assert!(!s.contains('{'), "{s}");
        }
    }
}
