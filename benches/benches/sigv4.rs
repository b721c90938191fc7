//! SigV4 signing benchmark: one typical PA-API 5.0 GetItems request (amazon.in host, four
//! headers, a ten-ASIN JSON body) signed by Mandi's hand-written signer and by the `aws-sigv4`
//! crate, with the same credentials, time and settings.
//!
//! Run: `cargo bench -p mandi-benches --bench sigv4`

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use aws_sigv4::http_request::{
    SignableBody, SignableRequest as AwsRequest, SigningSettings as AwsSettings,
};
use chrono::DateTime;
use criterion::{Criterion, criterion_group, criterion_main};
use mandi_paapi::sigv4::{self, Credentials, SignableRequest, SigningParams, SigningSettings};

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const REGION: &str = "eu-west-1";
const SERVICE: &str = "ProductAdvertisingAPI";
const HOST: &str = "webservices.amazon.in";
const PATH: &str = "/paapi5/getitems";
/// 2025-11-25T06:00:00Z.
const EPOCH_SECONDS: u64 = 1_764_050_400;

fn get_items_headers() -> Vec<(String, String)> {
    [
        ("host", HOST),
        ("content-type", "application/json; charset=utf-8"),
        ("content-encoding", "amz-1.0"),
        (
            "x-amz-target",
            "com.amazon.paapi5.v1.ProductAdvertisingAPIv1.GetItems",
        ),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect()
}

fn get_items_body() -> Vec<u8> {
    let asins: Vec<String> = (0..10).map(|i| format!("\"B0CX59H5W{i}\"")).collect();
    format!(
        "{{\"ItemIds\":[{}],\"ItemIdType\":\"ASIN\",\"LanguagesOfPreference\":[\"en_IN\"],\
         \"Marketplace\":\"www.amazon.in\",\"PartnerTag\":\"mandi-21\",\"PartnerType\":\"Associates\",\
         \"Resources\":[\"ItemInfo.Title\",\"Offers.Listings.Price\",\"Offers.Listings.Availability.Type\",\
         \"Offers.Listings.MerchantInfo\",\"Offers.Summaries.LowestPrice\",\"CustomerReviews.StarRating\"]}}",
        asins.join(",")
    )
    .into_bytes()
}

fn bench_sigv4(c: &mut Criterion) {
    let headers = get_items_headers();
    let body = get_items_body();
    let seconds = i64::try_from(EPOCH_SECONDS).expect("fits");
    let time = DateTime::from_timestamp(seconds, 0).expect("valid time");

    let credentials = Credentials::new(ACCESS_KEY_ID, SECRET, None);
    let settings = SigningSettings::default();
    let params = SigningParams {
        credentials: &credentials,
        region: REGION,
        service: SERVICE,
        time,
    };
    let request = SignableRequest {
        method: "POST",
        uri: PATH,
        headers: &headers,
        body: &body,
    };

    let identity =
        aws_credential_types::Credentials::new(ACCESS_KEY_ID, SECRET, None, None, "bench").into();
    let aws_params: aws_sigv4::http_request::SigningParams<'_> =
        aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(REGION)
            .name(SERVICE)
            .time(UNIX_EPOCH + Duration::from_secs(EPOCH_SECONDS))
            .settings(AwsSettings::default())
            .build()
            .expect("complete params")
            .into();
    let full_uri = format!("https://{HOST}{PATH}");
    let sign_with_aws = || {
        let request = AwsRequest::new(
            "POST",
            full_uri.as_str(),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )
        .expect("valid request");
        aws_sigv4::http_request::sign(request, &aws_params).expect("aws-sigv4 signs")
    };

    // Both sign the same bytes: the benchmark compares equal work.
    let ours = sigv4::sign(&request, &params, &settings).expect("mandi signs");
    assert_eq!(
        ours.signature,
        sign_with_aws().signature(),
        "signatures differ"
    );

    let mut group = c.benchmark_group("sigv4_sign_get_items");
    group.bench_function("mandi", |b| {
        b.iter(|| sigv4::sign(black_box(&request), black_box(&params), &settings))
    });
    group.bench_function("aws-sigv4", |b| b.iter(|| black_box(sign_with_aws())));
    group.finish();
}

criterion_group!(benches, bench_sigv4);
criterion_main!(benches);
