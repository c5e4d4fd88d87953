"""The bad-input table (tests/data/bad_inputs.csv) through the Flask test client.

Every row: the expected status; every 4xx is JSON (badge routes may answer with an error
badge instead) naming the expected field; never a 500; a `<script>` payload is never echoed
unescaped; CSV answers neutralise spreadsheet formulas.

Body specs: empty (none), `@10MB` (10 MiB of JSON-ish bytes), `@nested:N` (N levels of `[`),
`@points:N` (N valid points), `text:...` (with \\n and \\t escapes), `hex:...` (raw bytes).
Paths may contain `@repeat:C:N` (C repeated N times).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import orjson
import pytest

TABLE = Path(__file__).resolve().parent / "data" / "bad_inputs.csv"
PAYLOAD = b"<script>alert(1)</script>"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def load_cases() -> list[dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def body_of(spec: str) -> bytes | None:
    if not spec:
        return None
    if spec == "@10MB":
        return b"[" + b"0," * (5 * 1024 * 1024) + b"0]"
    if spec.startswith("@nested:"):
        return b"[" * int(spec.split(":", 1)[1])
    if spec.startswith("@points:"):
        n = int(spec.split(":", 1)[1])
        return orjson.dumps([{"lat": 31.0, "lon": -100.0, "id": i} for i in range(n)])
    if spec.startswith("text:"):
        return spec[5:].replace("\\n", "\n").replace("\\t", "\t").encode()
    if spec.startswith("hex:"):
        return bytes.fromhex(spec[4:])
    raise ValueError(f"unknown body spec {spec!r}")


def path_of(raw: str) -> str:
    return re.sub(r"@repeat:(.):(\d+)", lambda m: m.group(1) * int(m.group(2)), raw)


def headers_of(raw: str) -> dict[str, str]:
    out = {}
    for part in filter(None, raw.split("|")):
        name, _, value = part.partition(":")
        out[name.strip()] = value.strip()
    return out


def send(client, case: dict[str, str]):
    headers = headers_of(case["headers"])
    content_type = headers.pop("Content-Type", None)
    return client.open(
        path_of(case["path"]),
        method=case["method"],
        headers=headers,
        data=body_of(case["body"]),
        content_type=content_type,
        buffered=True,
    )


CASES = load_cases()


def test_table_covers_every_kind_of_bad_input():
    assert len(CASES) >= 40
    names = {c["case"] for c in CASES}
    assert len(names) == len(CASES), "case names must be unique"
    paths = " ".join(c["path"] for c in CASES)
    for route in ("/v1/jurisdictions", "/v1/lookup", "/v1/lookup/batch", "/v1/changes", "/badge"):
        assert route in paths


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_bad_input(client, case):
    resp = send(client, case)
    body = resp.get_data()
    where = f"{case['method']} {case['path']} -> {resp.status_code} {resp.mimetype} {body[:200]!r}"
    assert resp.status_code != 500, where
    assert resp.status_code == int(case["status"]), where
    if resp.mimetype == "text/csv":
        # CSV carries the caller's ids verbatim (escaping would corrupt the data); it is a
        # download that no browser renders: attachment, nosniff.
        assert resp.headers["Content-Disposition"].startswith("attachment")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert PAYLOAD not in body, f"payload reflected unescaped: {where}"
    assert PAYLOAD.decode() not in resp.headers.get("X-Request-Id", "")
    if 400 <= resp.status_code < 500:
        if resp.mimetype == "image/svg+xml" and ".svg" in case["path"]:
            return  # an <img> needs an image: badge errors are error badges
        assert resp.mimetype == "application/json", where
        error = resp.get_json()["error"]
        assert error["code"] and error["message"]
        assert (error["field"] or "") == case["error_field"], where
    if resp.mimetype == "text/csv":
        assert_csv_is_formula_safe(resp.get_data(as_text=True))


def assert_csv_is_formula_safe(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows and rows[0][0] == "index"
    for row in rows[1:]:
        for cell in row:
            if cell.startswith(FORMULA_PREFIXES):
                float(cell)  # only plain numbers (-100.0) may start with - or +


def test_formula_ids_come_back_quoted_in_csv(client):
    case = next(c for c in CASES if c["case"] == "batch_csv_formula_ids")
    rows = list(csv.reader(io.StringIO(send(client, case).get_data(as_text=True), newline="")))
    ids = [r[1] for r in rows[1:]]
    assert ids == ['\'=HYPERLINK("http://x")', "'+1+1", "'-1+1", "'@SUM(A1)", "'=1"]


def test_405_names_the_allowed_methods(client):
    resp = client.delete("/v1/jurisdictions")
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]
