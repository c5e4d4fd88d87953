"""JSON-lines request logs: request id, method, path, status, duration; no coordinates for
clients that send DNT or Sec-GPC; no request bodies ever."""

from __future__ import annotations

import json
import logging

import pytest

from service.hardening.requestlog import (
    DROPPED,
    JsonFormatter,
    RequestIdFilter,
    loggable_query,
)


def _request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "kratom.access"]


def _one_line(caplog, client, *args, **kwargs) -> dict:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kratom.access"):
        client.open(*args, buffered=True, **kwargs)
    records = _request_records(caplog)
    assert len(records) == 1
    return json.loads(JsonFormatter().format(records[0]))


def test_request_line_has_id_method_path_status_and_duration(caplog, client):
    line = _one_line(
        caplog, client, "/v1/jurisdictions/US-TX", headers={"X-Request-Id": "req-abc-1"}
    )
    assert line["request_id"] == "req-abc-1"
    assert line["method"] == "GET"
    assert line["path"] == "/v1/jurisdictions/US-TX"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["event"] == "request"
    assert line["level"] == "info"


def test_coordinates_are_logged_without_dnt(caplog, client):
    line = _one_line(caplog, client, "/v1/lookup?lat=31.5&lon=-100.25")
    assert "31.5" in line["query"] and "-100.25" in line["query"]
    assert line["dnt"] is False


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
def test_coordinates_are_dropped_for_dnt_and_gpc(caplog, client, header):
    line = _one_line(
        caplog, client, "/v1/lookup?lat=31.5&lon=-100.25&as_of=2025-01-01", headers=header
    )
    text = json.dumps(line)
    assert "31.5" not in text and "100.25" not in text
    assert "as_of=2025-01-01" in line["query"]
    assert line["dnt"] is True


def test_badge_point_coordinates_are_dropped_for_dnt(caplog, client):
    line = _one_line(caplog, client, "/badge.svg?lat=31.5&lon=-100.25", headers={"DNT": "1"})
    assert "31.5" not in json.dumps(line)


def test_batch_body_is_never_logged(caplog, client):
    caplog.clear()
    body = b'[{"lat": 31.123456, "lon": -100.654321}]'
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/lookup/batch", data=body, content_type="application/json", buffered=True)
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "31.123456" not in text and "100.654321" not in text


def test_server_error_lines_are_errors(caplog):
    from flask import Flask

    from service import hardening
    from service.api import errors

    app = Flask(__name__)
    errors.init_app(app)
    hardening.init_app(app)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    caplog.clear()
    caplog.handler.addFilter(RequestIdFilter())  # as configure_logging does for real handlers
    with caplog.at_level(logging.INFO):
        resp = app.test_client().get("/boom", headers={"X-Request-Id": "boom-1"}, buffered=True)
    assert resp.status_code == 500
    access = [r for r in caplog.records if r.name == "kratom.access"]
    assert access[0].levelno == logging.ERROR
    traceback_record = next(r for r in caplog.records if r.name == "service.api.errors")
    assert traceback_record.request_id == "boom-1"  # app logs carry the request's id too


def test_log_line_is_one_line_even_with_newlines_in_the_path(caplog, client):
    line = _one_line(caplog, client, "/v1/lookup?q=a%0D%0Afake%20line")
    formatted = JsonFormatter().format(_request_records(caplog)[0])
    assert "\n" not in formatted and "\r" not in formatted
    assert line["status"] == 200


def test_loggable_query_keeps_other_parameters_and_drops_coordinates():
    assert loggable_query("lat=1&lon=2&q=x", True) == f"lat={DROPPED}&lon={DROPPED}&q=x"
    assert loggable_query("lat=1&lon=2", False) == "lat=1&lon=2"
    assert len(loggable_query("q=" + "x" * 5000, False)) == 512
