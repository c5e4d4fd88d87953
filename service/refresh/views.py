"""/metrics and POST /admin/reload, plus their OpenAPI entries."""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, Response, current_app, request

from ..api.errors import ApiError
from ..api.respond import json_response
from . import metrics as metrics_text
from .job import refresh

bp = Blueprint("refresh", __name__)


@bp.after_request
def _headers(resp: Response) -> Response:
    resp.headers["X-Worker-Pid"] = str(os.getpid())  # which worker answered: ops only
    resp.headers["Cache-Control"] = "no-store"
    if resp.status_code == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="kratom-admin"'
    return resp


@bp.get("/metrics")
def metrics() -> Response:
    return Response(metrics_text.render(), content_type=metrics_text.CONTENT_TYPE)


def _check_token() -> None:
    token = str(current_app.config.get("KRATOM_ADMIN_TOKEN") or "")
    if not token:
        raise ApiError(404, "not_found", "No such route. See /openapi.json for the API.")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    )
    if not ok:
        raise ApiError(401, "unauthorized", "A valid 'Authorization: Bearer <token>' is required.")


@bp.post("/admin/reload")
def admin_reload() -> Response:
    """Refresh now (in this worker only) and answer with the outcome."""
    _check_token()
    outcome = refresh(current_app._get_current_object())  # type: ignore[attr-defined]
    if outcome["outcome"] == "skipped":
        raise ApiError(409, "refresh_running", "A refresh is already running; try again.")
    return json_response({"refresh": outcome, "worker_pid": os.getpid()}, max_age=0)


_ERR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

OPENAPI_PATHS = {
    "/metrics": {
        "get": {
            "tags": ["operations"],
            "summary": "Prometheus metrics of the whole server (every worker)",
            "description": "Requests and their durations by route family, refresh attempts by "
            "outcome, each worker's dataset version, age and load time, process figures. Text "
            "exposition format 0.0.4.",
            "operationId": "metrics",
            "responses": {
                "200": {
                    "description": "Metrics in the Prometheus text format",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "405": {"description": "Method not allowed", "content": _ERR},
            },
        }
    },
    "/admin/reload": {
        "post": {
            "tags": ["operations"],
            "security": [{"adminToken": []}],
            "summary": "Reload the dataset now (this worker)",
            "description": "Requires `Authorization: Bearer <KRATOM_ADMIN_TOKEN>`. Answers 404 "
            "when no token is configured.",
            "operationId": "adminReload",
            "responses": {
                "200": {
                    "description": "The outcome of the refresh attempt",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["refresh"],
                                "properties": {
                                    "refresh": {
                                        "type": "object",
                                        "required": ["at", "outcome", "version"],
                                        "properties": {
                                            "at": {"type": "string"},
                                            "outcome": {
                                                "type": "string",
                                                "enum": [
                                                    "loaded",
                                                    "unchanged",
                                                    "invalid",
                                                    "refused",
                                                    "error",
                                                ],
                                            },
                                            "version": {"type": ["string", "null"]},
                                            "error": {"type": ["string", "null"]},
                                            "errors": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                            },
                                            "source": {"type": "string"},
                                            "duration_ms": {"type": "number"},
                                        },
                                    },
                                    "worker_pid": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "401": {"description": "Missing or wrong bearer token", "content": _ERR},
                "404": {
                    "description": "Admin routes are off (no token configured)",
                    "content": _ERR,
                },
                "405": {"description": "Method not allowed", "content": _ERR},
                "409": {"description": "A refresh is already running", "content": _ERR},
            },
        }
    },
}
