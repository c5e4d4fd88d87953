"""Badge routes: /badge/<code>.svg, /badge/<code>.json and /badge.svg?lat=&lon=.

Why thin: the resolver decides the status, words.py picks the words, render.py draws;
this module only parses options, keys the cache and sets headers.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from werkzeug.datastructures import MultiDict

from ..api.errors import ApiError
from ..dataset.model import PRODUCTS
from ..params import parse_as_of, parse_choice, parse_lat_lon, single
from ..resolve import jurisdiction_answer, locate_answer
from ..snapshot import Snapshot, current_snapshot
from .blueprint import bp
from .cache import Rendered, badge_cache, change_moment, etag_of, max_age
from .colors import THEMES
from .render import STYLES, Badge, render_svg, shields_json
from .words import error_badge, jurisdiction_badge, verdict_badge

SVG_MIMETYPE = "image/svg+xml"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
TRUE_WORDS = ("", "1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
MAX_CODE_LENGTH = 80  # as the OpenAPI document says for every {code}


@dataclass(frozen=True, slots=True)
class Options:
    style: str
    theme: str
    label: str | None
    show_since: bool
    day: dt.date
    day_given: bool  # an explicit as_of never changes by itself, so no change-date cap
    product: str | None = None  # None: leaf with the other classes' bans; else one class

    def key(self) -> tuple:
        return (self.style, self.theme, self.label, self.show_since, self.day, self.product)


def parse_options(args: MultiDict) -> Options:
    """Every option validated; a bad value is a JSON 400 naming its field."""
    style = parse_choice(args, "style", STYLES) or "flat"
    theme = parse_choice(args, "theme", THEMES) or "light"
    label = single(args, "label", max_len=400)
    raw_since = single(args, "show_since")
    if raw_since is None:
        show_since = False
    elif raw_since.lower() in TRUE_WORDS:
        show_since = True
    elif raw_since.lower() in FALSE_WORDS:
        show_since = False
    else:
        raise ApiError(400, "bad_parameter", "'show_since' must be true or false", "show_since")
    day_given = bool(single(args, "as_of"))
    product = parse_choice(args, "product", PRODUCTS)
    return Options(style, theme, label, show_since, parse_as_of(args), day_given, product)


def snapshot_or_503() -> Snapshot:
    snap = current_snapshot()
    if snap is None:
        raise ApiError(503, "not_ready", "The dataset is not loaded yet; try again shortly.")
    return snap


def _svg(badge: Badge, status: int, changes_at: dt.datetime | None) -> Rendered:
    body = render_svg(badge).encode("utf-8")
    return Rendered(status, body, SVG_MIMETYPE, etag_of(body), changes_at, status >= 400)


def _changes_at(opts: Options, next_dates: list[str | None]) -> dt.datetime | None:
    if opts.day_given:
        return None
    moments = [m for m in (change_moment(d) for d in next_dates) if m is not None]
    return min(moments) if moments else None


def render_code_svg(snap: Snapshot, code: str, opts: Options) -> Rendered:
    """The SVG for a jurisdiction code (or the 404 error badge). Used by the export too."""
    answer = jurisdiction_answer(snap, code, opts.day)
    if answer is None:
        badge = error_badge(style=opts.style, theme=opts.theme, label=opts.label)
        return _svg(badge, 404, None)
    badge = jurisdiction_badge(
        answer,
        **_badge_args(opts),
    )
    nxt = answer.get("next") or {}
    return _svg(badge, 200, _changes_at(opts, [nxt.get("date")]))


def render_code_json(snap: Snapshot, code: str, opts: Options) -> Rendered:
    """The shields endpoint JSON; `cacheSeconds` follows the same rule as the SVG's max-age.

    An unknown code answers 200 with `isError: true`, as the shields endpoint convention
    asks (shields shows a non-200 answer as "invalid response", not as our message); the
    error's max-age is short, and shields never caches below 300 s whatever we say."""
    answer = jurisdiction_answer(snap, code, opts.day)
    if answer is None:
        badge = error_badge(style=opts.style, theme=opts.theme, label=opts.label)
        seconds = max_age(Rendered(200, b"", "", "", None, is_error=True))
        body = json.dumps(shields_json(badge, seconds), ensure_ascii=False).encode("utf-8")
        return Rendered(200, body, "application/json", etag_of(body), None, is_error=True)
    badge = jurisdiction_badge(
        answer,
        **_badge_args(opts),
    )
    nxt = answer.get("next") or {}
    changes_at = _changes_at(opts, [nxt.get("date")])
    seconds = max_age(Rendered(200, b"", "", "", changes_at))
    body = json.dumps(shields_json(badge, seconds), ensure_ascii=False).encode("utf-8")
    return Rendered(200, body, "application/json", etag_of(body), changes_at)


def _badge_args(opts: Options) -> dict[str, Any]:
    return {
        "style": opts.style,
        "theme": opts.theme,
        "label": opts.label,
        "show_since": opts.show_since,
        "product": opts.product,
    }


def point_badge(answer: dict[str, Any], opts: Options) -> Badge:
    """Label: the most specific place containing the point; message: its per-class verdicts."""
    stack = answer.get("stack") or []
    name = str(stack[-1].get("name") or stack[-1].get("code")) if stack else ""
    label = opts.label
    if label is None and answer.get("at_sea"):
        label = "kratom at sea"
    elif label is None and not stack:
        label = "kratom here"
    return verdict_badge(
        answer.get("products") or {"leaf": answer.get("verdict") or {}},
        name=name,
        summary=str(answer.get("summary") or ""),
        **{**_badge_args(opts), "label": label},
    )


def _respond(item: Rendered, snap: Snapshot) -> Response:
    """Headers for every badge; 304 when the client already has these bytes."""
    age = max_age(item)
    if item.status == 200 and request.if_none_match.contains_weak(item.etag):
        resp = Response(status=304)
    else:
        resp = Response(item.body, status=item.status, mimetype=item.mimetype)
        if item.mimetype == SVG_MIMETYPE:
            resp.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    resp.set_etag(item.etag)
    # a 4xx (the error badge) is never stored by a shared cache
    resp.headers["Cache-Control"] = "no-store" if item.status >= 400 else f"public, max-age={age}"
    resp.headers["X-Dataset-Version"] = snap.version
    if item.mimetype == SVG_MIMETYPE:
        resp.headers["Content-Security-Policy"] = SVG_CSP
    else:
        resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp


def _code_badge(code: str, kind: str, render: Any) -> Response:
    """One jurisdiction's badge in one format, rendered once per (version, options, day)."""
    opts = parse_options(request.args)
    snap = snapshot_or_503()
    key = (snap.version, kind, code, *opts.key())
    return _respond(badge_cache().get_or_render(key, lambda: render(snap, code, opts)), snap)


@bp.get("/badge/<code>.svg")
def badge_svg(code: str) -> Response:
    return _code_badge(code, "svg", render_code_svg)


@bp.get("/badge/<code>.json")
def badge_json(code: str) -> Response:
    if len(code) > MAX_CODE_LENGTH:  # not a code at all: a bad request, not an unknown place
        raise ApiError(400, "bad_parameter", f"'code' is longer than {MAX_CODE_LENGTH}", "code")
    return _code_badge(code, "json", render_code_json)


@bp.get("/badge.svg")
def badge_point_svg() -> Response:
    lat, lon = parse_lat_lon(request.args)
    opts = parse_options(request.args)
    snap = snapshot_or_503()
    if snap.geo is None:
        raise ApiError(503, "no_boundaries", "Boundaries are not loaded on this server.")
    key = (snap.version, "point", round(lat, 6), round(lon, 6), *opts.key())

    def render() -> Rendered:
        answer = locate_answer(snap, lat, lon, opts.day)
        nexts = [(e.get("next") or {}).get("date") for e in answer.get("stack") or []]
        return _svg(point_badge(answer, opts), 200, _changes_at(opts, nexts))

    return _respond(badge_cache().get_or_render(key, render), snap)
