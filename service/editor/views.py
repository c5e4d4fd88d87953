"""GET /about/data: the dataset scorecard, for readers, from the same figures as `data report`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from jinja2 import TemplateNotFound

from ..dataset.model import STATUSES
from ..resolve import today_utc
from ..snapshot import current_snapshot
from .report import compute_report

bp = Blueprint(
    "editor",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/about/data/static",
)


def layout() -> str:
    """The site's base.html when it has a `content` block; else a self-contained page."""
    try:
        base = current_app.jinja_env.get_template("base.html")
    except TemplateNotFound:
        return "editor/standalone.html"
    return "base.html" if "content" in base.blocks else "editor/standalone.html"


def render(template: str, **context: Any) -> str:
    return render_template(
        template,
        layout=layout(),
        statuses=STATUSES,
        link_pages="web.jurisdiction" in current_app.view_functions,
        **context,
    )


@bp.get("/about/data")
def about_data() -> Any:
    snap = current_snapshot()
    if snap is None:
        return render("editor/about_data.html", r=None), 503, {"Retry-After": "60"}
    today = today_utc()
    stale_days = int(current_app.config.get("KRATOM_STALE_DAYS", 365))
    key = ("editor-report", today, stale_days)
    report = snap.memo.get(key)
    if report is None:
        report = compute_report(snap.dataset, today, stale_days)
        snap.memo[key] = report
    html = render("editor/about_data.html", r=report, dataset=snap.dataset_info)
    return html, 200, {"Cache-Control": "public, max-age=300"}
