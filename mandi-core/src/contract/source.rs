//! The `ProductSource` contract: behaviour every catalogue adapter must show.
//!
//! Each behaviour is a `pub async fn` taking the source and a [`SourceFixture`] that
//! describes what its catalogue holds. [`source_contract!`](crate::source_contract)
//! expands them into named `#[tokio::test]`s for an adapter. The suite assumes only what
//! any real catalogue satisfies: the known ASINs exist, the unknown one does not, the
//! keywords find something.
//!
//! ```ignore
//! async fn setup() -> mandi_core::contract::source::Subject<MySource> { /* … */ }
//! mandi_core::source_contract!(setup);
//! ```

use std::any::Any;

use crate::domain::{Asin, Marketplace};
use crate::ports::{
    BrowseNodesRequest, ItemsRequest, ProductSource, SearchRequest, SourceError, VariationsRequest,
};

/// What the catalogue behind a source under test holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFixture {
    /// The marketplace to ask.
    pub marketplace: Marketplace,
    /// ASINs the catalogue returns (at least two).
    pub known_asins: Vec<Asin>,
    /// An ASIN the catalogue does not return.
    pub unknown_asin: Asin,
    /// Keywords that find at least one item.
    pub search_keywords: String,
    /// An ASIN with variations, if the catalogue has families.
    pub variation_asin: Option<Asin>,
    /// A browse node id that exists, if the catalogue has browse nodes.
    pub browse_node_id: Option<String>,
}

/// A source under test with its fixture; `guard` keeps whatever backs it (a mock server,
/// a sandbox) alive for the test.
pub struct Subject<S> {
    /// The source.
    pub source: S,
    /// What its catalogue holds.
    pub fixture: SourceFixture,
    /// Dropped at the end of the test.
    pub guard: Box<dyn Any + Send>,
}

impl<S> std::fmt::Debug for Subject<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject")
            .field("fixture", &self.fixture)
            .finish_non_exhaustive()
    }
}

fn check_product_invariants(product: &crate::domain::Product, fixture: &SourceFixture) {
    assert_eq!(
        product.marketplace, fixture.marketplace,
        "{}: wrong marketplace",
        product.asin
    );
    for offer in &product.offers {
        if let Some(price) = offer.price {
            assert!(
                price.minor() > 0,
                "{}: a known price must be above zero (unknown is None), got {price}",
                product.asin
            );
        }
        if let (Some(price), Some(list)) = (offer.price, offer.list_price) {
            assert_eq!(
                price.currency(),
                list.currency(),
                "{}: price and list price in different currencies",
                product.asin
            );
        }
    }
    if let Some(reviews) = product.reviews {
        assert!(
            reviews.rating_centi <= 500,
            "{}: rating above 5 stars",
            product.asin
        );
    }
}

/// `name()` is a short, stable, non-empty word.
pub async fn name_is_short_and_stable(source: &dyn ProductSource, _fixture: &SourceFixture) {
    let name = source.name().to_owned();
    assert!(!name.is_empty(), "empty source name");
    assert!(
        !name.contains(char::is_whitespace),
        "source name {name:?} has spaces"
    );
    assert_eq!(source.name(), name, "source name changed between calls");
}

/// Known ASINs come back once each, in request order, with no errors.
pub async fn get_items_returns_known_asins_in_request_order(
    source: &dyn ProductSource,
    fixture: &SourceFixture,
) {
    let mut asked: Vec<Asin> = fixture.known_asins.iter().rev().copied().collect();
    asked.push(fixture.known_asins[fixture.known_asins.len() - 1]);
    asked.push(fixture.known_asins[0]);
    let batch = source
        .get_items(&ItemsRequest::new(fixture.marketplace, asked.clone()))
        .await
        .expect("get_items on known ASINs");
    let expected: Vec<Asin> = ItemsRequest::new(fixture.marketplace, asked).unique_asins();
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        expected,
        "items must come back once each, in request order"
    );
    assert!(
        batch.errors.is_empty(),
        "unexpected errors: {:?}",
        batch.errors
    );
    for product in &batch.items {
        check_product_invariants(product, fixture);
    }
}

/// An unknown ASIN is a per-item error; the known ones still come back.
pub async fn get_items_reports_unknown_asins_as_item_errors(
    source: &dyn ProductSource,
    fixture: &SourceFixture,
) {
    let known = fixture.known_asins[0];
    let batch = source
        .get_items(&ItemsRequest::new(
            fixture.marketplace,
            [fixture.unknown_asin, known],
        ))
        .await
        .expect("a partly unknown batch is not a failure");
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        [known]
    );
    assert_eq!(batch.errors.len(), 1, "{:?}", batch.errors);
    assert_eq!(batch.errors[0].asin, fixture.unknown_asin);
    assert!(!batch.errors[0].code.is_empty(), "the error code is kept");
}

/// Asking for nothing returns nothing, without failing.
pub async fn get_items_with_no_asins_is_empty(source: &dyn ProductSource, fixture: &SourceFixture) {
    let batch = source
        .get_items(&ItemsRequest::new(fixture.marketplace, []))
        .await
        .expect("empty request");
    assert!(batch.items.is_empty() && batch.errors.is_empty());
}

/// More ASINs than one API call carries are all answered, in order.
pub async fn get_items_answers_long_requests(source: &dyn ProductSource, fixture: &SourceFixture) {
    let mut asked = Vec::new();
    while asked.len() <= crate::ports::MAX_ITEMS_PER_CALL + 2 {
        asked.extend(fixture.known_asins.iter().copied());
    }
    asked.push(fixture.unknown_asin);
    let request = ItemsRequest::new(fixture.marketplace, asked);
    let batch = source.get_items(&request).await.expect("long request");
    let mut expected = request.unique_asins();
    expected.retain(|a| *a != fixture.unknown_asin);
    assert_eq!(
        batch.items.iter().map(|p| p.asin).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        batch.errors.iter().map(|e| e.asin).collect::<Vec<_>>(),
        [fixture.unknown_asin]
    );
}

/// The fixture's keywords find at least one item, no more than asked for.
pub async fn search_finds_items(source: &dyn ProductSource, fixture: &SourceFixture) {
    let mut request = SearchRequest::keywords(fixture.marketplace, fixture.search_keywords.clone());
    request.item_count = 5;
    let page = source.search_items(&request).await.expect("search");
    assert!(
        !page.items.is_empty(),
        "no results for {:?}",
        fixture.search_keywords
    );
    assert!(page.items.len() <= 5, "more items than asked for");
    if let Some(total) = page.total_results {
        assert!(total as usize >= page.items.len());
    }
    for product in &page.items {
        check_product_invariants(product, fixture);
    }
}

/// Out-of-range search parameters are rejected as invalid input.
pub async fn search_rejects_invalid_requests(source: &dyn ProductSource, fixture: &SourceFixture) {
    let cases = [
        SearchRequest::empty(fixture.marketplace),
        SearchRequest {
            item_count: 0,
            ..SearchRequest::keywords(fixture.marketplace, fixture.search_keywords.clone())
        },
        SearchRequest {
            min_reviews_rating: Some(9),
            ..SearchRequest::keywords(fixture.marketplace, fixture.search_keywords.clone())
        },
    ];
    for request in cases {
        let error = source
            .search_items(&request)
            .await
            .expect_err("invalid search must fail");
        assert!(
            matches!(error, SourceError::InvalidInput { .. }),
            "expected InvalidInput, got {error:?}"
        );
    }
}

/// A family's variations come back with consistent counts.
pub async fn variations_describe_a_family(source: &dyn ProductSource, fixture: &SourceFixture) {
    let Some(asin) = fixture.variation_asin else {
        return;
    };
    let family = source
        .get_variations(&VariationsRequest::new(fixture.marketplace, asin))
        .await
        .expect("variations");
    assert!(!family.items.is_empty(), "a family has members");
    assert!(family.variation_count as usize >= family.items.len());
    for item in &family.items {
        check_product_invariants(item, fixture);
        if let Some(parent) = item.parent_asin {
            assert_eq!(
                parent, family.parent_asin,
                "{}: another family's child",
                item.asin
            );
        }
    }
    if let Some((low, high)) = family.price_range {
        assert!(low.minor() <= high.minor(), "price range upside down");
    }
}

/// Out-of-range variation paging is rejected as invalid input.
pub async fn variations_reject_invalid_paging(source: &dyn ProductSource, fixture: &SourceFixture) {
    let asin = fixture.variation_asin.unwrap_or(fixture.known_asins[0]);
    let request = VariationsRequest {
        variation_count: 0,
        ..VariationsRequest::new(fixture.marketplace, asin)
    };
    let error = source.get_variations(&request).await.expect_err("count 0");
    assert!(
        matches!(error, SourceError::InvalidInput { .. }),
        "{error:?}"
    );
}

/// A known browse node comes back by id.
pub async fn browse_nodes_are_found_by_id(source: &dyn ProductSource, fixture: &SourceFixture) {
    let Some(id) = fixture.browse_node_id.clone() else {
        return;
    };
    let nodes = source
        .get_browse_nodes(&BrowseNodesRequest {
            marketplace: fixture.marketplace,
            ids: vec![id.clone()],
        })
        .await
        .expect("browse nodes");
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert_eq!(nodes[0].id, id);
    assert!(!nodes[0].name.is_empty(), "a node has a name");
}

/// Ids that are not numbers are rejected as invalid input.
pub async fn browse_nodes_reject_invalid_ids(source: &dyn ProductSource, fixture: &SourceFixture) {
    for ids in [vec![], vec!["electronics".to_owned()]] {
        let error = source
            .get_browse_nodes(&BrowseNodesRequest {
                marketplace: fixture.marketplace,
                ids,
            })
            .await
            .expect_err("invalid ids");
        assert!(
            matches!(error, SourceError::InvalidInput { .. }),
            "{error:?}"
        );
    }
}

/// Expands the `ProductSource` contract into `#[tokio::test]`s.
///
/// `$setup` is an async function returning a [`Subject`]; call the macro inside a module
/// per adapter.
#[macro_export]
macro_rules! source_contract {
    ($setup:path) => {
        $crate::source_contract!(@tests $setup;
            name_is_short_and_stable,
            get_items_returns_known_asins_in_request_order,
            get_items_reports_unknown_asins_as_item_errors,
            get_items_with_no_asins_is_empty,
            get_items_answers_long_requests,
            search_finds_items,
            search_rejects_invalid_requests,
            variations_describe_a_family,
            variations_reject_invalid_paging,
            browse_nodes_are_found_by_id,
            browse_nodes_reject_invalid_ids,
        );
    };
    (@tests $setup:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let subject = $setup().await;
                $crate::contract::source::$name(&subject.source, &subject.fixture).await;
                drop(subject);
            }
        )*
    };
}
