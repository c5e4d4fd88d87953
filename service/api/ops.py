"""Operations endpoints: liveness, readiness, the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response

from ..hardening.publicurl import public_base
from ..snapshot import holder
from .openapi import spec
from .respond import json_response

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    snap = holder().current
    if snap is None:
        return json_response({"status": "starting", "ready": False}, status=503, max_age=0)
    return json_response({"status": "ok", "dataset": snap.dataset_info}, max_age=0)


@bp.get("/readyz")
def readyz() -> Response:
    """Ready while any good dataset serves, even if the last refresh failed."""
    h = holder()
    snap = h.current
    if snap is None or snap.geo is None:
        return json_response(
            {"ready": False, "last_refresh": h.last_attempt}, status=503, max_age=0
        )
    return json_response(
        {"ready": True, "dataset": snap.dataset_info, "last_refresh": h.last_attempt}, max_age=0
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    base = public_base()  # configured, never the Host header
    return json_response({**spec(), "servers": [{"url": base}]} if base else spec(), max_age=300)
