"""Rendered-badge cache and HTTP caching rules (ETag, max-age).

Why: badge traffic is mostly revalidation; keeping the rendered bytes and their ETag per
(dataset version, subject, day, options) lets a 304 be answered without rendering anything.
The dataset version and the day are in every key, so a refresh or midnight never serves
stale bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

MAX_ENTRIES = 2048
ERROR_MAX_AGE = 60
REFRESH_OFF_MAX_AGE = 300  # KRATOM_REFRESH_SECONDS=0: the data only changes on a restart


@dataclass(frozen=True, slots=True)
class Rendered:
    status: int
    body: bytes
    mimetype: str
    etag: str  # strong ETag value, unquoted
    changes_at: dt.datetime | None  # when the answer flips by date alone (UTC)
    is_error: bool = False


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


class BadgeCache:
    """A small LRU dict; thread-safe because gthread workers share it."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._data: OrderedDict[tuple, Rendered] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get_or_render(self, key: tuple, render: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        made = render()  # outside the lock: rendering must not serialise requests
        with self._lock:
            self._data[key] = made
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._data)


def badge_cache() -> BadgeCache:
    return current_app.extensions.setdefault("kratom.badge_cache", BadgeCache())


def refresh_seconds() -> int:
    """The refresh interval, or 300 s when the scheduler is off."""
    n = int(current_app.config.get("KRATOM_REFRESH_SECONDS", 60) or 0)
    return n if n > 0 else REFRESH_OFF_MAX_AGE


def change_moment(next_date: str | None) -> dt.datetime | None:
    """Midnight UTC of the day a scheduled change takes effect."""
    if not next_date:
        return None
    try:
        day = dt.date.fromisoformat(next_date[:10])
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def max_age(item: Rendered, now: dt.datetime | None = None) -> int:
    """Never longer than one refresh interval, nor past the next status change."""
    n = refresh_seconds()
    if item.is_error:
        n = min(n, ERROR_MAX_AGE)
    if item.changes_at is not None:
        now = now or dt.datetime.now(dt.UTC)
        n = min(n, max(0, math.floor((item.changes_at - now).total_seconds())))
    return n
