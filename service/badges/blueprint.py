"""The badges blueprint object, shared by the route modules."""

from __future__ import annotations

from flask import Blueprint

# Templates and CSS of the embed card live with the other web assets; the blueprint serves
# its own copy of the CSS so it works whichever way the web blueprint is set up.
bp = Blueprint(
    "badges",
    __name__,
    template_folder="../web/templates",
    static_folder="../web/static",
    static_url_path="/embed-static",
)
