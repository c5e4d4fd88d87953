"""POST /v1/lookup/batch: bounded work before any work.

Why streaming: a 2 MiB body can hold a million JSON values; parsed whole, each becomes a Python
object (and each bad one an error dict) before any count is checked, and a few concurrent
requests exhaust a worker's memory. Here the body is read in 64 KiB pieces through a byte
counter, JSON is walked as parser events (ijson's C backend), and only the three fields a point
needs are kept: items are counted as they end and the request is refused (413, naming the
limit) at the first item over it. Junk costs a small tuple per item at most, never a dict.

The answer is compact by default (verdict status and code, the flags, per-product statuses when
the resolver gives them); `detail=full` returns every point answer whole. Both are streamed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import ijson
import numpy as np
from flask import Response

from .. import resolve
from ..params import NumberError, number_value
from .errors import ApiError
from .respond import html_safe_json

try:  # the C backend: the pure-Python one is ~20x slower per event
    _IJSON = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - wheels ship it for every supported platform
    _IJSON = ijson
_PY_IJSON = ijson.get_backend("python")

CHUNK = 64 * 1024
KEEP_IN_MEMORY = 64 * 1024
INT64 = 2**63
# ijson turns a whole buffer into events before yielding the first: 16 KiB of `[],` is ~11k
# event tuples (~0.7 MB), so the buffer, not the body, bounds the parser's memory.
PARSE_BUFFER = 16 * 1024
MAX_DEPTH = 32  # a point item needs 3 levels (feature > geometry > coordinates)
FLAGS = ("near_border", "approximate", "at_sea", "disputed")
PRODUCT_CLASSES = ("leaf", "extract", "7-oh", "synthetic")
DETAILS = ("compact", "full")
_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})
_NOT_SCALAR = object()


class Point(NamedTuple):
    lat: float
    lon: float
    id: Any


class ItemError(NamedTuple):
    index: int
    id: Any
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "error": {"code": "invalid_item", "message": self.message, "field": self.field},
        }


Item = Point | ItemError


def too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "too_large", f"batch body is limited to {max_bytes} bytes", "body")


def too_many(max_points: int) -> ApiError:
    return ApiError(413, "too_many_points", f"at most {max_points} points per request", "body")


class CountedBody(io.RawIOBase):
    """The request body, read in pieces; refuses (413) the first byte past `max_bytes` and turns
    a transport failure (a malformed chunked body, a client that hangs up) into a JSON 400."""

    def __init__(self, stream: Any, max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.seen = 0
        # a copy of what was read, so a JSON body the C parser cannot take (integers beyond
        # 64 bits) can be read again by the pure-Python one; in memory up to KEEP_IN_MEMORY,
        # then in a temporary file, so junk bodies never double the memory they cost
        self.kept = tempfile.SpooledTemporaryFile(max_size=KEEP_IN_MEMORY)  # noqa: SIM115 (closed by parse_stream)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = CHUNK if size is None or size < 0 else min(size, CHUNK)
        if want == 0:  # ijson probes with read(0); werkzeug takes an empty read as a hang-up
            return b""
        try:
            data = self.stream.read(want)
        except ApiError:
            raise
        except Exception as exc:  # gunicorn's ChunkedReader errors, OSError, werkzeug's
            if getattr(exc, "code", None) == 413:
                raise too_large(self.max_bytes) from None
            raise ApiError(
                400, "unreadable_body", "the request body could not be read (bad framing)", "body"
            ) from None
        self.seen += len(data)
        if self.seen > self.max_bytes:
            raise too_large(self.max_bytes)
        self.kept.write(data)
        return data

    def replay(self) -> Any:
        """The whole body again as a file: what was read so far and the rest, still bounded."""
        while self.read(CHUNK):
            pass
        self.kept.seek(0)
        return self.kept

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# ---- numbers -------------------------------------------------------------------------------


def _number(value: Any, field: str, low: float, high: float) -> float:
    """JSON numbers as they are; strings through the GET parameters' strict parser."""
    if isinstance(value, str):
        return number_value(value, field, low, high)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NumberError("bad_number", f"'{field}' must be a number")
    number = float(value)
    if not low <= number <= high:  # NaN fails this too
        raise NumberError("out_of_range", f"'{field}' must be between {low:g} and {high:g}")
    return number + 0.0


def _ident(value: Any) -> Any:
    """A string or a number; an integer beyond 64 bits is kept as its digits (a string), since
    JSON answers carry it back and not every client can read such a number."""
    if isinstance(value, int) and not isinstance(value, bool) and not -INT64 <= value < INT64:
        return str(value)
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _point(index: int, lat: Any, lon: Any, ident: Any) -> Item:
    try:
        return Point(_number(lat, "lat", -90, 90), _number(lon, "lon", -180, 180), ident)
    except NumberError as exc:
        message = sys.intern(str(exc))  # a handful of distinct messages, shared by every item
        return ItemError(index, ident, sys.intern(message.split("'")[1]), message)


# ---- JSON ----------------------------------------------------------------------------------


class _Walker:
    """Consumes ijson events; keeps scalars of interest, skips everything else without building it."""

    def __init__(self, events: Iterator[tuple[str, Any]], max_points: int) -> None:
        self.events = events
        self.max_points = max_points
        self.count = 0

    def next(self) -> tuple[str, Any]:
        return next(self.events)

    def skip(self, event: str) -> None:
        """Skip the value that started with `event` (already consumed)."""
        if event not in _OPEN:
            return
        depth = 1
        for ev, _ in self.events:
            if ev in _OPEN:
                depth += 1
                if depth > MAX_DEPTH:
                    raise ApiError(422, "invalid_body", "body is nested too deeply", "body")
            elif ev in _CLOSE:
                depth -= 1
                if depth == 0:
                    return

    def value(self) -> Any:
        """The next value if it is a scalar, else _NOT_SCALAR (and the value is skipped)."""
        ev, val = self.next()
        if ev in _OPEN:
            self.skip(ev)
            return _NOT_SCALAR
        return val

    def fields(self, wanted: frozenset[str]) -> dict[str, Any]:
        """Inside a map (start_map consumed): the scalar values of `wanted` keys."""
        found: dict[str, Any] = {}
        for ev, key in self.events:
            if ev == "end_map":
                return found
            if key in wanted:
                found[key] = self.value()
            else:
                self.skip(self.next()[0])
        raise StopIteration  # pragma: no cover - ijson raises on a premature end first

    def items(self, parse_item) -> list[Item]:
        """Inside an array (start_array consumed): one parsed item per element, counted."""
        out: list[Item] = []
        for ev, _ in self.events:
            if ev == "end_array":
                return out
            if len(out) >= self.max_points or self.count >= self.max_points:
                raise too_many(self.max_points)
            out.append(parse_item(len(out), ev))
            self.count += 1
        raise StopIteration  # pragma: no cover

    def point_item(self, index: int, event: str) -> Item:
        if event != "start_map":
            self.skip(event)
            return ItemError(index, None, "item", "item must be an object")
        f = self.fields(frozenset({"lat", "lon", "id"}))
        ident = _ident(f.get("id"))
        return _point(index, f.get("lat"), f.get("lon"), ident)

    def feature_item(self, index: int, event: str) -> Item:
        if event != "start_map":
            self.skip(event)
            return ItemError(index, None, "geometry", "'geometry' must be a GeoJSON Point")
        ident: Any = None
        prop_id: Any = None
        geom_type: Any = None
        coords: list[Any] | None = None
        for ev, key in self.events:
            if ev == "end_map":
                break
            ev, val = self.next()
            if key == "id" and ev not in _OPEN:
                ident = val
            elif key == "properties" and ev == "start_map":
                prop_id = self.fields(frozenset({"id"})).get("id")
            elif key == "geometry" and ev == "start_map":
                geom_type, coords = self._geometry()
            else:
                self.skip(ev)
        ident = _ident(ident if ident is not None else prop_id)
        if geom_type != "Point":
            return ItemError(index, ident, "geometry", "'geometry' must be a GeoJSON Point")
        if coords is None or len(coords) < 2:
            return ItemError(index, ident, "coordinates", "'coordinates' must be [lon, lat]")
        return _point(index, coords[1], coords[0], ident)

    def _geometry(self) -> tuple[Any, list[Any] | None]:
        geom_type: Any = None
        coords: list[Any] | None = None
        for ev, key in self.events:
            if ev == "end_map":
                return geom_type, coords
            ev, val = self.next()
            if key == "type" and ev not in _OPEN:
                geom_type = val
            elif key == "coordinates" and ev == "start_array":
                coords = []
                for ev2, val2 in self.events:
                    if ev2 == "end_array":
                        break
                    if ev2 in _OPEN:
                        self.skip(ev2)
                        val2 = _NOT_SCALAR
                    if len(coords) < 3:
                        coords.append(val2)
            else:
                self.skip(ev)
        raise StopIteration  # pragma: no cover


BODY_SHAPES = (
    'body must be a list of {lat, lon, id?}, {"points": [...]} or a GeoJSON FeatureCollection'
)


def _json(body: CountedBody, max_points: int) -> list[Item]:
    try:
        return _parse_json(_IJSON, body, max_points)
    except ApiError as exc:
        # JSON allows integers of any size; yajl stops beyond 64 bits, the Python parser does not
        if "integer overflow" not in exc.message:
            raise
        return _parse_json(_PY_IJSON, body.replay(), max_points)


def _parse_json(backend: Any, body: Any, max_points: int) -> list[Item]:
    events = backend.basic_parse(body, use_float=True, buf_size=PARSE_BUFFER)
    w = _Walker(events, max_points)
    try:
        ev, _ = w.next()
        if ev == "start_array":
            items = w.items(w.point_item)
        elif ev == "start_map":
            items = _top_object(w)
        else:
            w.skip(ev)
            raise ApiError(422, "invalid_body", BODY_SHAPES, "body")
        for _ in events:  # the parser checks the rest: trailing garbage, premature end
            pass
    except ijson.JSONError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        if first.startswith("b'") or first.startswith('b"'):
            first = first[2:]
        raise ApiError(422, "invalid_json", f"body is not valid JSON: {first}", "body") from None
    except StopIteration:
        raise ApiError(
            422, "invalid_json", "body is not valid JSON: premature end", "body"
        ) from None
    return items


def _top_object(w: _Walker) -> list[Item]:
    kind: Any = None
    points: list[Item] | None = None
    features: list[Item] | None = None
    features_seen = False
    for ev, key in w.events:
        if ev == "end_map":
            break
        ev, val = w.next()
        if key == "type" and ev not in _OPEN:
            kind = val
        elif key == "points" and ev == "start_array":
            points = w.items(w.point_item)
        elif key == "features":
            features_seen = True
            if ev == "start_array":
                features = w.items(w.feature_item)
            else:
                w.skip(ev)
        else:
            w.skip(ev)
    if kind == "FeatureCollection" and features_seen:
        if features is None:
            raise ApiError(422, "invalid_body", "'features' must be a list", "features")
        return features
    if kind == "FeatureCollection":
        raise ApiError(422, "invalid_body", "'features' must be a list", "features")
    if points is not None:
        return points
    raise ApiError(422, "invalid_body", BODY_SHAPES, "body")


# ---- CSV -----------------------------------------------------------------------------------


def _csv(body: CountedBody, max_points: int) -> list[Item]:
    text = io.TextIOWrapper(io.BufferedReader(body, CHUNK), encoding="utf-8-sig", newline="")
    out: list[Item] = []
    try:
        reader = csv.reader(text)
        first = True
        for row in reader:
            if first:
                first = False
                if row and row[0].strip().lower() == "lat":
                    continue
            if not any(c.strip() for c in row):
                continue
            if len(out) >= max_points:
                raise too_many(max_points)
            i = len(out)
            ident = row[2].strip() if len(row) > 2 else None
            if len(row) < 2:
                out.append(ItemError(i, ident, "item", "each line needs lat,lon[,id]"))
            else:
                out.append(_point(i, row[0], row[1], ident))
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_body", "CSV body must be UTF-8", "body") from None
    except csv.Error as exc:  # e.g. a field larger than csv.field_size_limit
        raise ApiError(422, "invalid_csv", f"body is not readable CSV: {exc}", "body") from None
    return out


def parse_stream(stream: Any, content_type: str, max_points: int, max_bytes: int) -> list[Item]:
    """Points and per-item errors, in input order; a 4xx for a body that cannot be read."""
    kind = content_type.split(";")[0].strip().lower()
    body = CountedBody(stream, max_bytes)
    try:
        if kind in ("text/csv", "application/csv"):
            return _csv(body, max_points)
        if kind in ("application/json", "application/geo+json", ""):
            return _json(body, max_points)
    finally:
        body.kept.close()
    raise ApiError(
        415,
        "unsupported_media_type",
        "send application/json, application/geo+json or text/csv",
        "Content-Type",
    )


def parse_body(body: bytes, content_type: str, max_points: int) -> list[Item]:
    """The same parse over bytes already in memory (tests, scripts)."""
    return parse_stream(io.BytesIO(body), content_type, max_points, len(body))


# ---- answers -------------------------------------------------------------------------------


def compact(answer: dict[str, Any]) -> dict[str, Any]:
    """What most batch clients keep: the verdict, the flags and, when the resolver gives them,
    each product class's status (about 1/30 of the full answer)."""
    verdict = answer.get("verdict") or {}
    out: dict[str, Any] = {
        "verdict": {"status": verdict.get("status"), "code": verdict.get("code")},
    }
    for flag in FLAGS:
        out[flag] = answer.get(flag)
    products = answer.get("products")
    if isinstance(products, dict):
        out["products"] = {
            k: (v.get("status") if isinstance(v, dict) else v) for k, v in products.items()
        }
    return out


@dataclass(frozen=True, slots=True)
class Batch:
    snap: Any
    items: list[Item]
    day: dt.date
    detail: str

    @property
    def errors(self) -> int:
        return sum(1 for it in self.items if isinstance(it, ItemError))

    def answers(self) -> Iterator[dict[str, Any]]:
        """One answer per item, in input order, computed as it is written out."""
        points = [(i, it) for i, it in enumerate(self.items) if isinstance(it, Point)]
        lats = np.fromiter((p.lat for _, p in points), dtype=float, count=len(points))
        lons = np.fromiter((p.lon for _, p in points), dtype=float, count=len(points))
        locs = self.snap.geo.locate_many(lons, lats) if points else []
        loc_of = {i: loc for (i, _), loc in zip(points, locs, strict=True)}
        full = self.detail == "full"
        for i, it in enumerate(self.items):
            if isinstance(it, ItemError):
                yield it.as_dict()
                continue
            answer = resolve.point_answer(self.snap, loc_of[i], it.lat, it.lon, self.day)
            if full:
                answer.pop("dataset", None)
                answer["index"] = i
                answer["id"] = it.id
                yield answer
            else:
                yield {"index": i, "id": it.id, "query": answer["query"], **compact(answer)}


def json_answer(batch: Batch) -> Response:
    head = html_safe_json(
        {
            "as_of": batch.day.isoformat(),
            "detail": batch.detail,
            "count": len(batch.items),
            "errors": batch.errors,
            "dataset": batch.snap.dataset_info,
        }
    )

    def body() -> Iterator[bytes]:
        yield head[:-1] + b',"results":['
        buf: list[bytes] = []
        for n, answer in enumerate(batch.answers()):
            buf.append((b"," if n else b"") + html_safe_json(answer))
            if len(buf) >= 256:
                yield b"".join(buf)
                buf.clear()
        buf.append(b"]}")
        yield b"".join(buf)

    resp = Response(body(), mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    return resp


BATCH_CSV_COLUMNS = (
    "index",
    "id",
    "lat",
    "lon",
    "status",
    "code",
    "reason",
    *FLAGS,
    "error",
    *(f"status_{c.replace('-', '')}" for c in PRODUCT_CLASSES),
)


def csv_answer(batch: Batch) -> Response:
    """Batch answers as CSV; every cell goes through csv_safe, because ids and reasons can start
    with = + - @ and a spreadsheet would run them as formulas."""
    full = Batch(batch.snap, batch.items, batch.day, "full")  # the CSV has the reason column

    def body() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(BATCH_CSV_COLUMNS)
        for i, r in enumerate(full.answers()):
            err = r.get("error") or {}
            query = r.get("query") or {}
            verdict = r.get("verdict") or {}
            products = r.get("products") if isinstance(r.get("products"), dict) else {}
            row = [
                i,
                r.get("id"),
                query.get("lat"),
                query.get("lon"),
                verdict.get("status"),
                verdict.get("code"),
                verdict.get("reason"),
                *(_csv_flag(r.get(k)) for k in FLAGS),
                err.get("message"),
                *(_product_status(products.get(c)) for c in PRODUCT_CLASSES),
            ]
            writer.writerow([csv_safe(c) for c in row])
            if out.tell() >= CHUNK:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    resp = Response(body(), mimetype="text/csv")
    resp.headers["Content-Disposition"] = 'attachment; filename="lookup.csv"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Dataset-Version"] = batch.snap.version
    return resp


def _product_status(value: Any) -> Any:
    return value.get("status") if isinstance(value, dict) else value


def _csv_flag(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formula prefixes (= + - @) in CSV output (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
