"""Runs the official Python clients against a running sandbox marketplace.

* python-amazon-paapi 7.x (`amazon_creatorsapi`), Creators API, credential versions 2.2
  (Cognito flow) and 3.2 (Login with Amazon flow): get_items, search_items,
  get_variations, get_browse_nodes;
* PA-API 5.0 requests signed by botocore's SigV4Auth: GetItems, SearchItems,
  GetVariations, GetBrowseNodes, plus a request signed with a wrong key that must be
  refused with InvalidSignature.

Only the host / token URL settings differ from real use. Usage (run.sh does all of it):

    python check_clients.py BASE_URL PHONE_ASIN FAMILY_PARENT_ASIN NODE_ID

Exits non-zero on the first failure, printing what the client rejected.
"""

import json
import sys
import urllib.error
import urllib.request

BASE, PHONE, PARENT, NODE = sys.argv[1:5]
TAG = "mandi-21"
failures = []
passed = []


def check(name, fn):
    try:
        detail = fn()
        print(f"ok   {name}: {detail}")
        passed.append(name)
    except Exception as e:  # noqa: BLE001 - report every client failure
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        failures.append(name)


def creators(version, credential_id, secret, token_path):
    from amazon_creatorsapi import AmazonCreatorsApi

    api = AmazonCreatorsApi(
        credential_id=credential_id,
        credential_secret=secret,
        version=version,
        tag=TAG,
        marketplace="www.amazon.in",
        host=BASE,
        auth_endpoint=BASE + token_path,
        throttling=0,
        retries=0,
    )

    def items():
        result = api.get_items([PHONE])
        item = result[0]
        listing = item.offers_v2.listings[0]
        price = listing.price.money.amount if listing.price else None
        return f"{item.asin} {item.item_info.title.display_value[:40]!r} price={price}"

    def search():
        result = api.search_items(keywords="gaming laptop", item_count=5, sort_by="Price:LowToHigh")
        return f"{len(result.items)} of {result.total_result_count}"

    def variations():
        result = api.get_variations(PARENT)
        return f"{len(result.items)} variations, dims {[d.name for d in result.variation_summary.variation_dimensions]}"

    def nodes():
        result = api.get_browse_nodes([NODE])
        return f"{result[0].id} {result[0].display_name}"

    for name, fn in [("get_items", items), ("search_items", search), ("get_variations", variations), ("get_browse_nodes", nodes)]:
        check(f"creators {version} {name}", fn)


def paapi(operation, body, secret):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"{BASE}/paapi5/{operation.lower()}"
    data = json.dumps(body).encode()
    request = AWSRequest(
        method="POST",
        url=url,
        data=data,
        headers={
            "content-type": "application/json; charset=utf-8",
            "content-encoding": "amz-1.0",
            "x-amz-target": f"com.amazon.paapi5.v1.ProductAdvertisingAPIv1.{operation}",
        },
    )
    SigV4Auth(Credentials(ACCESS_KEY, secret), "ProductAdvertisingAPI", "eu-west-1").add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(url, data=data, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def paapi_checks():
    base = {"PartnerTag": TAG, "PartnerType": "Associates", "Marketplace": "www.amazon.in"}
    cases = [
        ("GetItems", {**base, "ItemIds": [PHONE], "Resources": ["ItemInfo.Title", "OffersV2.Listings.Price"]}, "ItemsResult"),
        ("SearchItems", {**base, "Keywords": "phone", "ItemCount": 3, "Resources": ["ItemInfo.Title"]}, "SearchResult"),
        ("GetVariations", {**base, "ASIN": PARENT, "Resources": ["VariationSummary.VariationDimension"]}, "VariationsResult"),
        ("GetBrowseNodes", {**base, "BrowseNodeIds": [NODE], "Resources": ["BrowseNodes.Ancestor"]}, "BrowseNodesResult"),
    ]
    for operation, body, key in cases:
        def run(operation=operation, body=body, key=key):
            status, reply = paapi(operation, body, SECRET_KEY)
            assert status == 200 and key in reply, f"HTTP {status}: {reply}"
            return f"HTTP {status}, {key}"
        check(f"paapi5 botocore {operation}", run)

    def wrong_key():
        status, reply = paapi("GetItems", cases[0][1], "not-the-secret")
        code = reply["Errors"][0]["Code"]
        assert (status, code) == (401, "InvalidSignature"), f"HTTP {status} {code}"
        return f"HTTP {status} {code}"
    check("paapi5 botocore wrong key refused", wrong_key)


# The sandbox's fixed test credentials (SandboxCredentials::test()).
V2_ID, V2_SECRET = "sandbox-cognito-client-id", "sandbox-cognito-secret"
V3_ID, V3_SECRET = "amzn1.application-oa2-client.sandbox", "sandbox-lwa-secret"
ACCESS_KEY, SECRET_KEY = "AKIASANDBOXEXAMPLE00", "sandbox/secret/key/EXAMPLEKEY0000000000"

def creators_errors():
    from amazon_creatorsapi import AmazonCreatorsApi

    def client(secret, tag):
        return AmazonCreatorsApi(
            credential_id=V2_ID, credential_secret=secret, version="2.2", tag=tag,
            marketplace="www.amazon.in", host=BASE, auth_endpoint=BASE + "/oauth2/token",
            throttling=0, retries=0,
        )

    def refused(secret, tag, what):
        try:
            client(secret, tag).get_items([PHONE])
        except Exception as e:  # noqa: BLE001 - any typed client error is fine
            assert "Error" in type(e).__name__, f"untyped {type(e).__name__}: {e}"
            return f"{what} -> {type(e).__name__}"
        raise AssertionError(f"{what} was accepted")

    check("creators 2.2 wrong secret refused", lambda: refused("wrong", TAG, "wrong secret"))
    check("creators 2.2 wrong partner tag refused", lambda: refused(V2_SECRET, "other-21", "wrong tag"))


creators_errors()
creators("2.2", V2_ID, V2_SECRET, "/oauth2/token")
creators("3.2", V3_ID, V3_SECRET, "/auth/o2/token")
paapi_checks()
print(f"{len(passed)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
