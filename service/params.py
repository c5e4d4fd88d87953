"""Query-parameter parsing with the exact field named in every error."""

from __future__ import annotations

import datetime as dt
import math
import re

from werkzeug.datastructures import MultiDict

from .api.errors import ApiError

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # ASCII: "١٢" is no number here
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)  # fullmatch
MIN_DAY = dt.date(1900, 1, 1)
MAX_DAY = dt.date(2100, 12, 31)


def single(args: MultiDict, name: str, max_len: int = 200) -> str | None:
    """One value or None; a repeated parameter is ambiguous, so it is an error."""
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, "duplicate_parameter", f"'{name}' is given more than once", name)
    value = values[0]
    if len(value) > max_len:
        raise ApiError(400, "bad_parameter", f"'{name}' is longer than {max_len} characters", name)
    return value


def parse_day(raw: str | None, name: str) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if not DATE_RE.match(raw):
        raise ApiError(400, "bad_date", f"'{name}' must be a date as YYYY-MM-DD", name)
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_date", f"'{name}' is not a real date: {raw}", name) from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise ApiError(400, "bad_date", f"'{name}' must be between 1900-01-01 and 2100-12-31", name)
    return day


def parse_as_of(args: MultiDict) -> dt.date:
    day = parse_day(single(args, "as_of"), "as_of")
    return day or dt.datetime.now(dt.UTC).date()


class NumberError(ValueError):
    """A value that is not a plain decimal number in range; `code` is the API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def number_value(text: str, name: str, low: float, high: float) -> float:
    """Strict decimal parsing shared by GET parameters and batch items: ASCII digits only, so
    `float()`'s extras (`١٢`, `１０`, `1_0`, `nan`, `inf`) are refused everywhere alike."""
    text = text.strip()
    if not NUMBER_RE.fullmatch(text):
        raise NumberError("bad_number", f"'{name}' must be a decimal number")
    value = float(text)
    if not math.isfinite(value) or not low <= value <= high:
        raise NumberError("out_of_range", f"'{name}' must be between {low:g} and {high:g}")
    return value + 0.0  # -0.0 -> 0.0


def parse_number(raw: str | None, name: str, low: float, high: float) -> float:
    if raw is None or raw.strip() == "":
        raise ApiError(400, "missing_parameter", f"'{name}' is required", name)
    try:
        return number_value(raw, name, low, high)
    except NumberError as exc:
        raise ApiError(400, exc.code, str(exc), name) from None


def parse_lat_lon(args: MultiDict) -> tuple[float, float]:
    lat = parse_number(single(args, "lat"), "lat", -90.0, 90.0)
    lon = parse_number(single(args, "lon"), "lon", -180.0, 180.0)
    return lat, lon


def parse_choice(args: MultiDict, name: str, choices: tuple[str, ...]) -> str | None:
    raw = single(args, name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ApiError(400, "bad_parameter", f"'{name}' must be one of: {', '.join(choices)}", name)
    return raw
