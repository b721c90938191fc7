//! Creators API wire types (lowerCamelCase JSON), shared with the sandbox marketplace.
//!
//! The structs come from [`crate::creators::wire::wire_models!`]; this module adds the
//! error envelope, the OAuth2 token reply and the resource lists.

crate::creators::wire::wire_models!(
    case = "camelCase",
    pascal = false,
    asin = "asin",
    detail_page_url = "detailPageURL",
    parent_asin = "parentASIN",
    search_url = "searchURL",
    violates_map = "violatesMAP",
    type_field = "type",
    url = "url",
    items_result = "itemsResult",
    items_result_alias = "itemResults",
);

/// The body of an error reply. The Creators API sends `{"type":"ValidationException",
/// "message":…,"reason":"InvalidPartnerTag"}` (types `ValidationException`,
/// `UnauthorizedException`, `AccessDeniedException`, `ResourceNotFoundException`,
/// `ThrottleException`, `InternalServerException`, per the official SDK's models); partial
/// failures and older gateways use `{"errors":[{"code":…,"message":…}]}` or `{"message":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The errors.
    #[serde(default, alias = "Errors", skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ErrorData>>,
    /// A single error code.
    #[serde(default, alias = "Code", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// An error type (`ThrottlingException`).
    #[serde(
        default,
        rename = "type",
        alias = "__type",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_type: Option<String>,
    /// A single message.
    #[serde(default, alias = "Message", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why (`InvalidPartnerTag`, `TokenExpired`, `FieldValidationFailed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ErrorResponse {
    /// The first code and message found, if any.
    pub fn first(&self) -> (Option<String>, Option<String>) {
        let first = self.errors.as_ref().and_then(|e| e.first());
        let code = first
            .and_then(|e| e.code.clone())
            .or_else(|| self.reason.clone().filter(|r| r != "Other"))
            .or_else(|| self.code.clone())
            .or_else(|| self.error_type.clone());
        let message = first
            .and_then(|e| e.message.clone())
            .or_else(|| self.message.clone());
        (code, message)
    }
}

/// The OAuth2 token endpoint's reply (Cognito and Login with Amazon alike).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds (3600 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// The OAuth2 token endpoint's error reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenErrorResponse {
    /// `invalid_client`, `invalid_scope`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Every item resource Mandi maps: item info, images, OffersV2 listings, reviews, browse
/// nodes and the parent ASIN.
pub const ITEM_RESOURCES: &[&str] = &[
    "browseNodeInfo.browseNodes",
    "browseNodeInfo.browseNodes.ancestor",
    "browseNodeInfo.browseNodes.salesRank",
    "browseNodeInfo.websiteSalesRank",
    "customerReviews.count",
    "customerReviews.starRating",
    "images.primary.small",
    "images.primary.medium",
    "images.primary.large",
    "images.variants.small",
    "images.variants.medium",
    "images.variants.large",
    "itemInfo.byLineInfo",
    "itemInfo.classifications",
    "itemInfo.contentInfo",
    "itemInfo.contentRating",
    "itemInfo.externalIds",
    "itemInfo.features",
    "itemInfo.manufactureInfo",
    "itemInfo.productInfo",
    "itemInfo.technicalInfo",
    "itemInfo.title",
    "itemInfo.tradeInInfo",
    "offersV2.listings.availability",
    "offersV2.listings.condition",
    "offersV2.listings.dealDetails",
    "offersV2.listings.isBuyBoxWinner",
    "offersV2.listings.loyaltyPoints",
    "offersV2.listings.merchantInfo",
    "offersV2.listings.price",
    "offersV2.listings.type",
    "parentASIN",
];

/// The extra `getVariations` resources.
pub const VARIATION_RESOURCES: &[&str] = &[
    "variationSummary.price.highestPrice",
    "variationSummary.price.lowestPrice",
    "variationSummary.variationDimension",
];

/// The `getBrowseNodes` resources.
pub const BROWSE_NODE_RESOURCES: &[&str] = &["browseNodes.ancestor", "browseNodes.children"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_sample_listing_decodes() {
        let json = r#"{
          "searchResult": {
            "items": [{
              "asin": "0545162076",
              "detailPageURL": "https://www.amazon.com/dp/0545162076",
              "itemInfo": {"title": {"displayValue": "Harry Potter", "label": "title", "locale": "en_US"}},
              "offersV2": {"listings": [{
                "availability": {"maxOrderQuantity": 1, "minOrderQuantity": 1, "type": "IN_STOCK"},
                "condition": {"conditionNote": "", "subCondition": "Unknown", "value": "New"},
                "dealDetails": {"accessType": "PRIME_EXCLUSIVE", "endTime": "2024-11-06T05:35Z", "percentClaimed": 38, "startTime": "2024-11-05T18:05Z"},
                "isBuyBoxWinner": true,
                "merchantInfo": {"name": "Amazon.com"},
                "price": {
                  "money": {"amount": 59.49, "currency": "USD", "displayAmount": "$59.49"},
                  "pricePerUnit": {"amount": 29.75, "currency": "USD", "displayAmount": "$29.75 / Count"},
                  "savingBasis": {"money": {"amount": 69.99, "currency": "USD", "displayAmount": "$69.99"}, "savingBasisType": "LIST_PRICE", "savingBasisTypeLabel": "List Price"},
                  "savings": {"money": {"amount": 10.5, "currency": "USD", "displayAmount": "$10.50"}, "percentage": 15}
                },
                "type": "LIGHTNING_DEAL",
                "violatesMAP": false
              }]}
            }],
            "searchURL": "https://www.amazon.com/s/?field-keywords=Harry+Potter",
            "totalResultCount": 146
          }
        }"#;
        let reply: SearchItemsResponse = serde_json::from_str(json).unwrap();
        let result = reply.search_result.unwrap();
        assert_eq!(result.total_result_count, Some(146));
        let listing = &result.items.unwrap()[0]
            .offers_v2
            .clone()
            .unwrap()
            .listings
            .unwrap()[0];
        assert_eq!(listing.listing_type.as_deref(), Some("LIGHTNING_DEAL"));
        assert_eq!(listing.violates_map, Some(false));
        let again = serde_json::to_value(listing).unwrap();
        assert_eq!(again["price"]["money"]["amount"], serde_json::json!(59.49));
        assert_eq!(again["availability"]["type"], "IN_STOCK");
    }

    #[test]
    fn error_envelopes_of_every_shape_give_a_code_and_message() {
        let e: ErrorResponse = serde_json::from_str(
            r#"{"errors":[{"code":"InvalidPartnerTag","message":"bad tag"}]}"#,
        )
        .unwrap();
        assert_eq!(
            e.first(),
            (Some("InvalidPartnerTag".into()), Some("bad tag".into()))
        );
        let e: ErrorResponse = serde_json::from_str(
            r#"{"type":"ValidationException","message":"bad tag","reason":"InvalidPartnerTag"}"#,
        )
        .unwrap();
        assert_eq!(
            e.first(),
            (Some("InvalidPartnerTag".into()), Some("bad tag".into()))
        );
        let e: ErrorResponse = serde_json::from_str(
            r#"{"type":"ValidationException","message":"odd","reason":"Other"}"#,
        )
        .unwrap();
        assert_eq!(e.first().0.as_deref(), Some("ValidationException"));
        let e: ErrorResponse = serde_json::from_str(r#"{"message":"Unauthorized"}"#).unwrap();
        assert_eq!(e.first(), (None, Some("Unauthorized".into())));
        let e: ErrorResponse =
            serde_json::from_str(r#"{"type":"ThrottlingException","message":"slow down"}"#)
                .unwrap();
        assert_eq!(e.first().0.as_deref(), Some("ThrottlingException"));
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = TokenResponse {
            access_token: "tok-secret".into(),
            expires_in: Some(3600),
            token_type: None,
        };
        assert!(!format!("{t:?}").contains("tok-secret"));
    }
}
