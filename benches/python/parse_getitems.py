"""Parse the ten-item getItems fixture with python-amazon-paapi 7.x, the two ways its clients do.

The same bytes as the Rust bench `benches/benches/parse_getitems.rs`:

* `sync`: what `AmazonCreatorsApi.get_items` does with a reply: the generated SDK's
  `ApiClient.deserialize(text, "GetItemsResponseContent", "application/json")`, which is
  `json.loads` then `GetItemsResponseContent.from_dict` (nested `from_dict` per model);
* `aio`: what the asyncio client does (`amazon_creatorsapi/aio/api.py`): `json.loads`, then
  `Item.model_validate` for each item (`_deserialize_items`).

Prints the best and mean time per reply of each (best of 7 repeats of `RUNS` parses).

    python3 -m venv /tmp/paapi-venv
    /tmp/paapi-venv/bin/pip install 'python-amazon-paapi==7.*'
    /tmp/paapi-venv/bin/python benches/python/parse_getitems.py
"""

import json
import os
import pathlib
import statistics
import timeit

from creatorsapi_python_sdk.api_client import ApiClient
from creatorsapi_python_sdk.models.item import Item

RESOURCES = pathlib.Path(__file__).resolve().parents[2] / "mandi-paapi/tests/resources"
# The two renderings of one reply the Rust bench parses: compact (as the API sends it) and
# pretty-printed (the tests' fixture).
FIXTURES = {
    "compact": RESOURCES / "creators_getItems_full10_compact.json",
    "pretty": RESOURCES / "creators_getItems_full10.json",
}
RUNS = int(os.environ.get("RUNS", "1000"))


def parse_aio(raw: bytes) -> list:
    data = json.loads(raw)
    items = [Item.model_validate(item) for item in data["itemsResult"]["items"]]
    assert len(items) == 10
    return items


CLIENT = ApiClient()


def parse_sync(raw: bytes) -> list:
    reply = CLIENT.deserialize(raw.decode("utf-8"), "GetItemsResponseContent", "application/json")
    items = reply.items_result.items
    assert len(items) == 10
    return items


def measure(name: str, rendering: str, parse, raw: bytes) -> None:
    first = parse(raw)[0]
    # The price survives as a float: the models keep `amount` as float or int.
    assert first.offers_v2.listings[0].price.money.amount == 1000
    timer = timeit.Timer(lambda: parse(raw))
    samples = [t / RUNS for t in timer.repeat(repeat=7, number=RUNS)]
    print(
        f"python-amazon-paapi parse_getitems_10_{rendering} {name}: best {min(samples) * 1e6:.1f} µs, "
        f"mean {statistics.mean(samples) * 1e6:.1f} µs per reply ({len(raw)} bytes)"
    )


def main() -> None:
    for rendering, path in FIXTURES.items():
        raw = path.read_bytes()
        measure("sync", rendering, parse_sync, raw)
        measure("aio", rendering, parse_aio, raw)


if __name__ == "__main__":
    main()
