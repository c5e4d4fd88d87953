"""A law changes the answer on the day it takes effect, not the day before."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from service.dataset import load_dataset
from service.dataset.model import PRODUCTS

from .conftest import DATA, TEST_DATA


def _edges() -> list[tuple[str, str, str, str, str]]:
    """(code, product, day, expected status, why) for the day before and the day of every dated
    start of every product class's timeline."""
    dataset = load_dataset(DATA)
    out = []
    for j in dataset.jurisdictions.values():
        for product in PRODUCTS:
            timeline = j.timeline(product)
            for i, p in enumerate(timeline):
                if p.start is None:
                    continue
                prev = timeline[i - 1] if i and timeline[i - 1].end == p.start else None
                before = p.start - dt.timedelta(days=1)
                out.append(
                    (
                        j.code,
                        product,
                        before.isoformat(),
                        prev.status if prev else "unknown",
                        "day before",
                    )
                )
                out.append((j.code, product, p.start.isoformat(), p.status, "first day"))
    return out


EDGES = _edges()


@pytest.mark.parametrize(
    ("code", "product", "day", "expected", "why"),
    EDGES,
    ids=[f"{c}:{p}@{d}" for c, p, d, _, _ in EDGES],
)
def test_status_flips_on_the_effective_day(
    client, code: str, product: str, day: str, expected: str, why: str
) -> None:
    r = client.get(f"/v1/jurisdictions/{code}", query_string={"as_of": day})
    assert r.status_code == 200
    assert r.get_json()["products"][product]["status"] == expected, why


with (TEST_DATA / "date_edges.csv").open(encoding="utf-8") as fh:
    PINNED = list(csv.DictReader(fh))


@pytest.mark.parametrize(
    "case", PINNED, ids=[f"{c['code']}:{c['product']}@{c['as_of']}" for c in PINNED]
)
def test_pinned_real_effective_date(client, case: dict[str, str]) -> None:
    body = client.get(
        f"/v1/jurisdictions/{case['code']}", query_string={"as_of": case["as_of"]}
    ).get_json()
    own = body["products"][case["product"]]
    assert own["status"] == case["status"], case["why"]
    if case["age_min"]:
        assert own["age_min"] == int(case["age_min"]), case["why"]


def test_next_change_is_reported_before_it_happens(client) -> None:
    dataset = load_dataset(DATA)
    code, start = next(
        (j.code, p.start) for j in dataset.jurisdictions.values() for p in j.periods if p.start
    )
    body = client.get(
        f"/v1/jurisdictions/{code}",
        query_string={"as_of": (start - dt.timedelta(days=1)).isoformat()},
    ).get_json()
    assert body["next"]["date"] == start.isoformat()
