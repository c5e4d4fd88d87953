"""Notice when boundary files change, cheaply (names, sizes, mtimes), so geo is rebuilt only then."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import SHIPPED_BOUNDARIES

PATTERNS = ("*.parquet", "*.json")


def _dir_stamp(path: Path) -> tuple:
    if not path.is_dir():
        return (str(path), "missing")
    out = []
    for pattern in PATTERNS:
        for p in sorted(path.glob(pattern)):
            try:
                st = p.stat()
            except OSError:
                continue
            out.append((p.name, st.st_size, st.st_mtime_ns))
    return (str(path), tuple(out))


def fingerprint(config: Mapping[str, Any], shipped: Path = SHIPPED_BOUNDARIES) -> tuple:
    """Changes whenever a file that `load_boundaries` may read is replaced or edited."""
    override = config.get("KRATOM_BOUNDARIES_DIR") or ""
    return (_dir_stamp(shipped), _dir_stamp(Path(override)) if override else None)


def load(config: Mapping[str, Any]) -> Any:
    """Build the boundary index (about a second); raises so the refresh can report why."""
    from ..geo import load_boundaries

    override = config.get("KRATOM_BOUNDARIES_DIR") or None
    return load_boundaries(SHIPPED_BOUNDARIES, Path(override) if override else None)
