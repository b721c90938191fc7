//! The webhook notifier against a local mock server (loopback only).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use mandi_core::alerts::notify::{
    IDEMPOTENCY_HEADER, SIGNATURE_HEADER, WebhookNotifier, sign_body,
};
use mandi_core::{
    Alert, AlertId, AlertRule, Availability, Currency, ExternalIdentity, Marketplace, Money,
    Notification, Notifier, NotifyError, User, UserId, UserSettings, WatchId,
};
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &[u8] = b"shared-secret";

fn notification() -> Notification {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 6, 30, 0).unwrap();
    Notification {
        idempotency_key: "w1:r0:B0CX59H5W7:e1/webhook".to_owned(),
        user: User {
            id: UserId(7),
            identity: ExternalIdentity::new("cli", "local"),
            display_name: None,
            settings: UserSettings::default(),
            active: true,
            created_at: at,
        },
        alert: Alert {
            id: AlertId(3),
            user_id: UserId(7),
            watch_id: WatchId(1),
            marketplace: Marketplace::India,
            asin: "B0CX59H5W7".parse().unwrap(),
            rule: AlertRule::TargetPrice {
                at_or_below: Money::from_major(55_000, Currency::INR),
            },
            price: Some(Money::from_major(54_999, Currency::INR)),
            previous_price: Some(Money::from_major(56_999, Currency::INR)),
            availability: Availability::InStock,
            message: "price fell".to_owned(),
            triggered_at: at,
            dedupe_key: "w1:r0:B0CX59H5W7:e1".to_owned(),
            card: None,
        },
    }
}

async fn notifier(server: &MockServer) -> WebhookNotifier {
    let url = format!("{}/hooks/mandi", server.uri()).parse().unwrap();
    WebhookNotifier::new(url, SECRET, Duration::from_millis(500)).unwrap()
}

/// Matches a request whose signature header is the HMAC of its body.
struct SignedBody;

impl wiremock::Match for SignedBody {
    fn matches(&self, request: &Request) -> bool {
        request
            .headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|sig| sig == sign_body(SECRET, &request.body))
    }
}

#[tokio::test]
async fn posts_signed_json_with_the_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/mandi"))
        .and(header(IDEMPOTENCY_HEADER, "w1:r0:B0CX59H5W7:e1/webhook"))
        .and(header("content-type", "application/json"))
        .and(header_exists(SIGNATURE_HEADER))
        .and(SignedBody)
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    notifier(&server)
        .await
        .deliver(&notification())
        .await
        .unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["alert"]["dedupe_key"], "w1:r0:B0CX59H5W7:e1");
    assert_eq!(body["alert"]["price"]["minor"], 5_499_900);
    assert_eq!(body["user_id"], 7);
}

async fn answer(status: u16, extra: Option<(&str, &str)>) -> NotifyError {
    let server = MockServer::start().await;
    let mut reply = ResponseTemplate::new(status);
    if let Some((k, v)) = extra {
        reply = reply.insert_header(k, v);
    }
    Mock::given(method("POST"))
        .respond_with(reply)
        .expect(1)
        .mount(&server)
        .await;
    notifier(&server)
        .await
        .deliver(&notification())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn replies_map_to_typed_errors() {
    assert!(matches!(
        answer(500, None).await,
        NotifyError::Transient { .. }
    ));
    assert!(matches!(
        answer(410, None).await,
        NotifyError::RecipientGone { .. }
    ));
    assert!(matches!(
        answer(400, None).await,
        NotifyError::Permanent { .. }
    ));
    match answer(429, Some(("retry-after", "42"))).await {
        NotifyError::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Duration::from_secs(42))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn a_slow_receiver_is_a_transient_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    let err = notifier(&server)
        .await
        .deliver(&notification())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[test]
fn secret_is_redacted_in_debug() {
    let n = WebhookNotifier::new(
        "http://127.0.0.1:9/x".parse().unwrap(),
        SECRET,
        Duration::from_secs(1),
    )
    .unwrap();
    let text = format!("{n:?}");
    assert!(
        !text.contains("shared-secret") && text.contains("redacted"),
        "{text}"
    );
}
