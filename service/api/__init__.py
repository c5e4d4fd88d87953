"""JSON API v1, its errors and its OpenAPI document."""

from flask import Flask

from . import errors, ops, v1


def init_app(app: Flask) -> None:
    errors.init_app(app)
    app.register_blueprint(v1.bp)
    app.register_blueprint(ops.bp)
