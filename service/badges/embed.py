"""The embeddable status card (/embed/<code>) and the example article page (/example).

Why its own CSP: the card is meant to be framed by any site (frame-ancestors *), yet it loads
nothing but its own stylesheet and runs no script. Every other page keeps frame-ancestors
'none', which the app sets elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, render_template, request

from ..api.errors import ApiError
from ..dataset.model import PRODUCTS, summary_status
from ..params import parse_as_of, parse_choice, single
from ..resolve import jurisdiction_answer
from ..words import PRODUCT_NAMES, known, product_list, status_title, unknown_words
from .blueprint import bp
from .cache import Rendered, change_moment, max_age
from .colors import THEMES
from .views import snapshot_or_503
from .words import since_text

EMBED_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors *"
EXAMPLE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; frame-src 'self'; "
    "frame-ancestors 'none'"
)
EXAMPLE_PATH = Path(__file__).resolve().parents[2] / "docs" / "example-article.html"


@bp.get("/embed/<code>")
def embed_card(code: str) -> Response:
    day = parse_as_of(request.args)
    theme = parse_choice(request.args, "theme", THEMES) or "auto"
    snap = snapshot_or_503()
    answer = jurisdiction_answer(snap, code, day)
    if answer is None:
        raise ApiError(404, "unknown_code", f"No jurisdiction with code '{code}'", "code")
    nxt = answer.get("next")
    as_of_given = bool(single(request.args, "as_of"))
    verdicts = {c: e["verdict"] for c, e in answer["products"].items()}
    leaf = verdicts["leaf"]
    status = known(leaf.get("status"))
    status_text = status_title(status)
    if status == "unknown":
        status_text += f" ({unknown_words(leaf.get('basis'))})"
    bans = [
        {"product": PRODUCT_NAMES[c], "where": verdicts[c].get("name")}
        for c in PRODUCTS[1:]
        if status != "banned" and verdicts[c].get("status") == "banned"
    ]
    html = render_template(
        "embed.html",
        a=answer,
        theme=theme,
        role=summary_status({c: known(v.get("status")) for c, v in verdicts.items()}),
        leaf=leaf,
        status_text=status_text,
        since=since_text(leaf.get("since"), leaf.get("since_precision"))
        if status != "unknown"
        else None,
        bans=bans,
        basis_words=unknown_words(leaf.get("basis")),
        lawful_text=status_title((leaf.get("lawful") or {}).get("status")),
        lawful_since=since_text(leaf.get("since"), leaf.get("since_precision")),
        next_change=nxt if nxt and nxt.get("date") else None,
        next_status_text=status_title(nxt["status"]) if nxt and nxt.get("status") else "",
        next_products=product_list(nxt.get("products"), short=False) if nxt else "",
        sources_count=len(answer.get("sources") or []),
    )
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = EMBED_CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    # Frameable even by pages that isolate themselves (COEP require-corp): they accept a
    # cross-origin frame only if it opts in to being embedded and isolates itself too.
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["Cross-Origin-Embedder-Policy"] = "require-corp"
    resp.headers["Cache-Control"] = f"public, max-age={max_age_for(None if as_of_given else nxt)}"
    resp.headers["X-Dataset-Version"] = snap.version
    resp.headers.pop("X-Frame-Options", None)
    return resp


def max_age_for(nxt: dict | None) -> int:
    """Same rule as the badges: one refresh interval, never past the next change."""
    changes = change_moment(nxt.get("date")) if nxt else None
    return max_age(Rendered(200, b"", "", "", changes))


@bp.get("/example")
def example_article() -> Response:
    """The article section with badges and the card, as the article site would embed them."""
    if not EXAMPLE_PATH.is_file():
        raise ApiError(404, "not_found", "The example article is not shipped with this build.")
    resp = Response(EXAMPLE_PATH.read_bytes(), mimetype="text/html")
    resp.headers["Content-Security-Policy"] = EXAMPLE_CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp
