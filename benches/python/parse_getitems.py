"""Parse the ten-item getItems fixture with python-amazon-paapi 7.x's model classes.

The same bytes as the Rust bench `benches/benches/parse_getitems.rs`: the library turns a
reply into models with `json.loads` and `Item.model_validate` for each item (see
`amazon_creatorsapi/aio/api.py`, `_deserialize_items`). Prints the mean time per parse.

    python3 -m venv /tmp/paapi-venv
    /tmp/paapi-venv/bin/pip install 'python-amazon-paapi==7.*'
    /tmp/paapi-venv/bin/python benches/python/parse_getitems.py
"""

import json
import pathlib
import statistics
import timeit

from creatorsapi_python_sdk.models.item import Item

FIXTURE = (
    pathlib.Path(__file__).resolve().parents[2]
    / "mandi-paapi/tests/resources/creators_getItems_full10.json"
)


def parse(raw: bytes) -> list:
    data = json.loads(raw)
    items = [Item.model_validate(item) for item in data["itemsResult"]["items"]]
    assert len(items) == 10
    return items


def main() -> None:
    raw = FIXTURE.read_bytes()
    first = parse(raw)[0]
    # The price survives as a float: the models keep `amount` as float or int.
    assert first.offers_v2.listings[0].price.money.amount == 1000
    runs = 2000
    timer = timeit.Timer(lambda: parse(raw))
    samples = [t / runs for t in timer.repeat(repeat=7, number=runs)]
    best = min(samples)
    mean = statistics.mean(samples)
    print(f"python-amazon-paapi parse_getitems_10: best {best * 1e6:.1f} µs, mean {mean * 1e6:.1f} µs per reply ({len(raw)} bytes)")


if __name__ == "__main__":
    main()
