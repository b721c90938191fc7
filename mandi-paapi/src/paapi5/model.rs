//! PA-API 5.0 wire types (PascalCase JSON), shared with the sandbox marketplace.
//!
//! The structs come from [`crate::creators::wire::wire_models!`], the same schema as the
//! Creators API spelled in PascalCase; this module adds the error envelope and the
//! resource lists.

crate::creators::wire::wire_models!(
    case = "PascalCase",
    pascal = true,
    asin = "ASIN",
    detail_page_url = "DetailPageURL",
    parent_asin = "ParentASIN",
    search_url = "SearchURL",
    violates_map = "ViolatesMAP",
    type_field = "Type",
    url = "URL",
    items_result = "ItemsResult",
    items_result_alias = "ItemResults",
);

/// The body of a PA-API error reply:
/// `{"__type":"com.amazon.paapi5#ErrorData","Errors":[{"Code":…,"Message":…}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The error type (`com.amazon.paapi5#ErrorData`).
    #[serde(
        default,
        rename = "__type",
        alias = "Type",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_type: Option<String>,
    /// The errors.
    #[serde(
        default,
        rename = "Errors",
        alias = "errors",
        skip_serializing_if = "Option::is_none"
    )]
    pub errors: Option<Vec<ErrorData>>,
    /// A single message (gateway errors).
    #[serde(
        default,
        rename = "Message",
        alias = "message",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
}

impl ErrorResponse {
    /// The first code and message found, if any.
    pub fn first(&self) -> (Option<String>, Option<String>) {
        let first = self.errors.as_ref().and_then(|e| e.first());
        let code = first.and_then(|e| e.code.clone()).or_else(|| {
            self.error_type
                .as_deref()
                .filter(|t| !t.ends_with("#ErrorData"))
                .map(str::to_owned)
        });
        let message = first
            .and_then(|e| e.message.clone())
            .or_else(|| self.message.clone());
        (code, message)
    }
}

/// Every item resource Mandi maps.
pub const ITEM_RESOURCES: &[&str] = &[
    "BrowseNodeInfo.BrowseNodes",
    "BrowseNodeInfo.BrowseNodes.Ancestor",
    "BrowseNodeInfo.BrowseNodes.SalesRank",
    "BrowseNodeInfo.WebsiteSalesRank",
    "CustomerReviews.Count",
    "CustomerReviews.StarRating",
    "Images.Primary.Small",
    "Images.Primary.Medium",
    "Images.Primary.Large",
    "Images.Variants.Small",
    "Images.Variants.Medium",
    "Images.Variants.Large",
    "ItemInfo.ByLineInfo",
    "ItemInfo.Classifications",
    "ItemInfo.ContentInfo",
    "ItemInfo.ContentRating",
    "ItemInfo.ExternalIds",
    "ItemInfo.Features",
    "ItemInfo.ManufactureInfo",
    "ItemInfo.ProductInfo",
    "ItemInfo.TechnicalInfo",
    "ItemInfo.Title",
    "ItemInfo.TradeInInfo",
    "OffersV2.Listings.Availability",
    "OffersV2.Listings.Condition",
    "OffersV2.Listings.DealDetails",
    "OffersV2.Listings.IsBuyBoxWinner",
    "OffersV2.Listings.LoyaltyPoints",
    "OffersV2.Listings.MerchantInfo",
    "OffersV2.Listings.Price",
    "OffersV2.Listings.Type",
    "ParentASIN",
];

/// The extra `GetVariations` resources.
pub const VARIATION_RESOURCES: &[&str] = &[
    "VariationSummary.Price.HighestPrice",
    "VariationSummary.Price.LowestPrice",
    "VariationSummary.VariationDimension",
];

/// The `GetBrowseNodes` resources.
pub const BROWSE_NODE_RESOURCES: &[&str] = &["BrowseNodes.Ancestor", "BrowseNodes.Children"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_names_and_acronyms_follow_paapi() {
        let item = Item {
            asin: "B0CX59H5W7".into(),
            detail_page_url: Some("https://www.amazon.in/dp/B0CX59H5W7".into()),
            parent_asin: Some("B0CX000000".into()),
            ..Default::default()
        };
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["ASIN"], "B0CX59H5W7");
        assert!(json.get("DetailPageURL").is_some() && json.get("ParentASIN").is_some());
        let req = GetItemsRequest {
            partner_tag: "t".into(),
            partner_type: Some("Associates".into()),
            item_ids: vec!["B0CX59H5W7".into()],
            ..Default::default()
        };
        let json = serde_json::to_value(&req).unwrap();
        assert_eq!(json["PartnerType"], "Associates");
        assert_eq!(json["ItemIds"][0], "B0CX59H5W7");
    }

    #[test]
    fn error_envelope_gives_code_and_message() {
        let e: ErrorResponse = serde_json::from_str(
            r#"{"__type":"com.amazon.paapi5#ErrorData","Errors":[{"Code":"TooManyRequests","Message":"slow"}]}"#,
        )
        .unwrap();
        assert_eq!(
            e.first(),
            (Some("TooManyRequests".into()), Some("slow".into()))
        );
        let e: ErrorResponse = serde_json::from_str(
            r#"{"__type":"com.amazon.paapi5#UnrecognizedClientException","Message":"bad key"}"#,
        )
        .unwrap();
        assert_eq!(
            e.first().0.as_deref(),
            Some("com.amazon.paapi5#UnrecognizedClientException")
        );
    }
}
