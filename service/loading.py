"""Build a Snapshot from the configured sources; used at start-up and by the refresh job."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from .config import SHIPPED_BOUNDARIES
from .dataset import build_dataset, read_dir
from .snapshot import Snapshot

log = logging.getLogger(__name__)


def load_geo(config: dict[str, Any]) -> Any:
    """The boundary index, or None when it cannot be built (lookups by code still work)."""
    try:
        from .geo import load_boundaries
    except ImportError:  # pragma: no cover - geo package missing
        log.exception("geo package unavailable")
        return None
    override = config.get("KRATOM_BOUNDARIES_DIR") or None
    try:
        return load_boundaries(SHIPPED_BOUNDARIES, Path(override) if override else None)
    except Exception:
        log.exception("boundaries could not be loaded")
        return None


def published_of(path: Path) -> str:
    """Directory sources have no publish stamp: use the newest file time, as ISO 8601 UTC."""
    stamps = [p.stat().st_mtime for p in path.glob("*.csv")]
    newest = max(stamps) if stamps else 0.0
    return dt.datetime.fromtimestamp(newest, dt.UTC).replace(microsecond=0).isoformat()


def snapshot_from_dir(path: Path, geo: Any) -> Snapshot:
    files = read_dir(path)
    dataset = build_dataset(files)
    return Snapshot(
        dataset=dataset,
        geo=geo,
        loaded_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        source=str(path),
        published=published_of(path),
    )
