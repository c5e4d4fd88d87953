"""The downloads beside a published dataset artifact (`flask data publish OUT`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import resolve
from ..dataset import Dataset
from ..snapshot import Snapshot
from .build import write_all


def write_for(dataset: Dataset, source: Path, published: str, out: Path) -> dict[str, int]:
    """Today's downloads of `dataset` (no boundaries needed) into `out`; {file: bytes}."""
    snap = Snapshot(dataset, None, dt.datetime.now(dt.UTC), str(source), published)
    return write_all(snap, out, resolve.today_utc())
