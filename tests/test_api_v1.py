"""The JSON API through the Flask test client: shapes clients rely on, and errors."""

from __future__ import annotations

import datetime as dt

import pytest


def test_jurisdiction_answer_shape(client) -> None:
    r = client.get("/v1/jurisdictions/US-TX?as_of=2026-12-01")
    assert r.status_code == 200
    body = r.get_json()
    assert body["code"] == "US-TX"
    assert body["as_of"] == "2026-12-01"
    assert body["status"] in ("legal", "regulated", "restricted", "banned", "unknown")
    assert body["sources"] and all(s["url"].startswith("http") for s in body["sources"])
    assert body["dataset"]["version"]
    assert isinstance(body["history"], list) and body["history"]
    assert [p["code"] for p in body["parents"]] == ["US"]


def test_lowercase_code_answers_as_canonical(client) -> None:
    r = client.get("/v1/jurisdictions/us-tx")
    assert r.status_code == 200
    assert r.get_json()["code"] == "US-TX"


def test_territory_country_code_is_alias_of_subdivision(client) -> None:
    r = client.get("/v1/jurisdictions/PR")
    assert r.status_code == 200
    assert r.get_json()["code"] == "US-PR"


def test_unresearched_country_is_unknown(client, snap) -> None:
    empty = next(
        j for j in snap.dataset.jurisdictions.values() if not j.periods and j.level == "country"
    )
    body = client.get(f"/v1/jurisdictions/{empty.code}").get_json()
    assert body["status"] == "unknown"
    assert body["researched"] is False


def test_unknown_code_is_json_404_naming_field(client) -> None:
    r = client.get("/v1/jurisdictions/ZZ")
    assert r.status_code == 404
    assert r.mimetype == "application/json"
    assert r.get_json()["error"]["field"] == "code"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("texas", "US-TX"),
        ("TX", "US-TX"),
        ("US-TX", "US-TX"),
        ("Thailand", "TH"),
        ("TH", "TH"),
        ("côte d'ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"),
        ("turkey", "TR"),
        ("san diego", "US-CA:san-diego-city"),
    ],
)
def test_search_best_match_first(client, query: str, expected: str) -> None:
    r = client.get("/v1/lookup", query_string={"q": query})
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert results and results[0]["code"] == expected


def test_list_filters_by_level_and_status(client) -> None:
    body = client.get("/v1/jurisdictions?level=state&status=banned").get_json()
    assert body["count"] == len(body["jurisdictions"]) > 0
    assert all(j["level"] == "state" and j["status"] == "banned" for j in body["jurisdictions"])


def test_list_filters_by_parent(client) -> None:
    body = client.get("/v1/jurisdictions?parent=US-CA").get_json()
    assert body["jurisdictions"]
    assert all(j["parent"] == "US-CA" for j in body["jurisdictions"])


def test_meta_has_dataset_version_and_counts(client) -> None:
    body = client.get("/v1/meta").get_json()
    assert body["dataset"]["version"]
    assert body["dataset"]["counts"]["jurisdictions"] > 250
    assert body["last_refresh"]["outcome"] in ("loaded", "unchanged")


def test_health_and_ready(client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)


def test_changes_in_range_are_sorted_and_bounded(client) -> None:
    body = client.get("/v1/changes?since=2023-01-01&until=2024-12-31").get_json()
    dates = [c["date"] for c in body["changes"]]
    assert dates == sorted(dates)
    assert all("2023-01-01" <= d <= "2024-12-31" for d in dates)


def test_changes_until_before_since_is_400(client) -> None:
    r = client.get("/v1/changes?since=2024-01-01&until=2023-01-01")
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == "until"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/jurisdictions/US-TX?as_of=2025-02-30", "as_of"),
        ("/v1/jurisdictions/US-TX?as_of=yesterday", "as_of"),
        ("/v1/jurisdictions/US-TX?as_of=2025-01-01&as_of=2025-01-02", "as_of"),
        ("/v1/lookup?lat=nan&lon=1", "lat"),
        ("/v1/lookup?lat=1&lon=inf", "lon"),
        ("/v1/lookup?lat=1e309&lon=1", "lat"),
        ("/v1/lookup?lat=91&lon=1", "lat"),
        ("/v1/lookup?lat=1&lon=-180.0001", "lon"),
        ("/v1/lookup?lat=1", "lon"),
        ("/v1/lookup", "q"),
        ("/v1/lookup?q=", "q"),
        ("/v1/lookup?q=texas&lat=1&lon=1", "q"),
        ("/v1/jurisdictions?level=planet", "level"),
        ("/v1/jurisdictions?status=fine", "status"),
    ],
)
def test_bad_parameters_are_json_400_naming_field(client, url: str, field: str) -> None:
    r = client.get(url)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    assert r.get_json()["error"]["field"] == field


@pytest.mark.parametrize(
    "url",
    [
        "/nope",
        "/v1/jurisdictions/..%2F..%2Fetc%2Fpasswd",
        "/v1/jurisdictions/%00",
        "/v1/../etc/passwd",
    ],
)
def test_unknown_routes_and_path_tricks_are_json_404(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    assert r.mimetype == "application/json"


def test_wrong_method_is_json_405_with_allow(client) -> None:
    r = client.delete("/v1/jurisdictions/US-TX")
    assert r.status_code == 405
    assert r.mimetype == "application/json"
    assert "GET" in r.headers["Allow"]


def test_default_as_of_is_today_utc(client) -> None:
    body = client.get("/v1/jurisdictions/TH").get_json()
    assert body["as_of"] == dt.datetime.now(dt.UTC).date().isoformat()


def test_openapi_lists_every_v1_route(client) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in (
        "/v1/jurisdictions",
        "/v1/jurisdictions/{code}",
        "/v1/lookup",
        "/v1/lookup/batch",
        "/v1/changes",
        "/v1/meta",
        "/healthz",
        "/readyz",
    ):
        assert path in spec["paths"], path
