"""Build a Snapshot from the configured sources; when a dataset directory was published."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
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


PUBLISHED_FILE = "published.txt"
GIT_TIMEOUT_SECONDS = 5
# How `published` was found, as /v1/meta reports it (`dataset.published_from`).
FROM_ARTIFACT, FROM_GIT, FROM_FILE, FROM_MTIME = (
    "artifact",
    "git-commit",
    "published-file",
    "file-mtime",
)
_found: dict[tuple[Any, ...], tuple[str, str]] = {}  # memo: (dir, file stamps) -> (at, from)
_basis: dict[tuple[str, str], str] = {}  # (dir, published) -> how it was found


def published_of(path: Path) -> str:
    """When a dataset directory was published, as ISO 8601 UTC.

    Not the files' modification time, which any checkout or copy changes: the newest git
    commit touching its CSV files when they are a clean git checkout; else the time an editor
    wrote in `published.txt` beside the CSV files; else, as a last resort, the newest file
    time (reported as `file-mtime`). Memoised on the files' sizes and times, because the
    refresh job asks on every poll."""
    key = (str(path), _stamp(path))
    found = _found.get(key)
    if found is None:
        found = _git_published(path) or _file_published(path) or (_mtime(path), FROM_MTIME)
        if len(_found) > 64:
            _found.clear()
        _found[key] = found
        if len(_basis) > 256:
            _basis.clear()
        _basis[(str(path), found[0])] = found[1]
    return found[0]


def published_from(source: str, published: str) -> str:
    """How the `published` of a served snapshot was found (an HTTP source, or the last-good
    copy, brings the artifact's own time)."""
    return _basis.get((source, published), FROM_ARTIFACT)


def _stamp(path: Path) -> tuple[Any, ...]:
    try:
        files = [*sorted(path.glob("*.csv")), path / PUBLISHED_FILE]
        return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.exists())
    except OSError:
        return ()


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _git_published(path: Path) -> tuple[str, str] | None:
    """The committer time of the newest commit touching the CSV files, if they are clean."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}  # status writes nothing
    base = ["git", "-c", "core.fsmonitor=false", "-C", str(path)]
    try:
        dirty = subprocess.run(
            [*base, "status", "--porcelain", "--", "*.csv"],
            capture_output=True, env=env, timeout=GIT_TIMEOUT_SECONDS, check=True,
        )  # fmt: skip
        if dirty.stdout.strip():
            return None  # uncommitted edits: no commit describes these files
        newest = subprocess.run(
            [*base, "log", "-1", "--format=%cI", "--", "*.csv"],  # the data, not its README
            capture_output=True, env=env, timeout=GIT_TIMEOUT_SECONDS, check=True,
        )  # fmt: skip
        return _utc(dt.datetime.fromisoformat(newest.stdout.decode().strip())), FROM_GIT
    except (OSError, subprocess.SubprocessError, ValueError, UnicodeDecodeError):
        return None  # no git, not a checkout, not committed yet


def _file_published(path: Path) -> tuple[str, str] | None:
    """`published.txt`: one ISO 8601 date or date-time (UTC unless it says otherwise)."""
    try:
        lines = (path / PUBLISHED_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        text = line.strip()
        if text and not text.startswith("#"):
            try:
                return _utc(dt.datetime.fromisoformat(text)), FROM_FILE
            except ValueError:
                log.warning("%s: not an ISO 8601 time: %r", path / PUBLISHED_FILE, text[:40])
                return None
    return None


def _mtime(path: Path) -> str:
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
