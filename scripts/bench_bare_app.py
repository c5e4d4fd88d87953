"""The reference for HTTP benchmarks: a bare Flask app returning a small JSON dict.

Served with the same gunicorn settings as the service, so the ratio measures only our work.
"""

from __future__ import annotations

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/bare")
    def bare():  # type: ignore[no-untyped-def]
        return jsonify({"status": "ok", "code": "US-TX", "value": 1})

    return app
