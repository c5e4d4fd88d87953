"""The immutable Snapshot every request reads, and the holder that swaps it atomically."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .dataset import Dataset

MEMO_MAX_ENTRIES = 5_000  # ~30 MB at most per worker


@dataclass(frozen=True, eq=False)
class Snapshot:
    dataset: Dataset
    geo: Any  # service.geo.BoundaryIndex, or None when no boundaries could be loaded
    loaded_at: dt.datetime
    source: str
    published: str  # when the data source says the dataset was published (ISO 8601)
    # Memo of answers for (kind, key, day): filled lazily, never changes an answer.
    memo: dict[tuple, Any] = field(default_factory=dict, repr=False)

    def remember(self, key: tuple, value: Any) -> Any:
        """Memoise an answer while the memo is small: near-border points each have their own
        Location, so an unbounded memo would grow with traffic (about 6 KB an entry)."""
        if len(self.memo) < MEMO_MAX_ENTRIES:
            self.memo[key] = value
        return value

    @property
    def version(self) -> str:
        return self.dataset.version

    @property
    def dataset_info(self) -> dict[str, str]:
        return {"version": self.dataset.version, "published": self.published}


class SnapshotHolder:
    """One reference, swapped whole; readers take no lock."""

    def __init__(self) -> None:
        self.current: Snapshot | None = None
        self.swap_lock = threading.Lock()  # only so two refreshes never interleave
        self.last_attempt: dict[str, Any] | None = None
        self.last_success: dict[str, Any] | None = None
        self.on_swap: list[Callable[[Snapshot], None]] = []  # e.g. the metrics' dataset gauges

    def swap(self, new: Snapshot) -> None:
        self.current = new
        for listener in self.on_swap:
            listener(new)
        # The snapshot lives until the next swap: move what is alive now out of the cyclic
        # GC's way, so a full collection on a request thread doesn't walk the whole dataset.
        # (Objects freed by reference counting, as an old snapshot is, are freed as usual.)
        gc.freeze()


# The two request helpers import Flask when called, so the Python API (service.client) can
# use Snapshot without Flask.
def holder() -> SnapshotHolder:
    from flask import current_app

    return current_app.extensions["kratom.holder"]


def current_snapshot() -> Snapshot | None:
    """The snapshot of this request, read once so a swap mid-request cannot mix versions."""
    from flask import g

    snap = g.get("_kratom_snapshot")
    if snap is None:
        snap = holder().current
        g._kratom_snapshot = snap
    return snap
