"""Refuse a new dataset that validates but looks damaged: a file gone, or much less data.

A file cut at a line break, or deleted, still parses: every row left is valid. What gives it
away is what is missing. Compared with the dataset serving now (or, after a restart, the
last-good copy), a new dataset is refused when
- a file of the serving dataset is missing, or
- any period file, all periods together, or the researched jurisdictions (those with periods)
  or all jurisdictions shrink by more than KRATOM_REFRESH_MAX_DROP_PERCENT (default 10) and by
  at least MIN_DROP rows (deleting one or two rows on purpose never trips it),
unless an editor marked exactly that dataset as intended: the file `INTENDED` beside the CSV
files, written by `flask --app service data intend "why"`, names the content version it allows
(so a marker left behind allows nothing else). A published artifact carries the marker inside
its signed part.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MARKER_NAME = "INTENDED"
MARKER_MAX_BYTES = 4096
MIN_DROP = 3
_VERSION_LINE = re.compile(r"^version\s+([0-9a-f]{16})\s*$", re.M)
_REASON_LINE = re.compile(r"^reason\s+(.*?)\s*$", re.M)


def read_marker(directory: Path) -> dict[str, str] | None:
    """The editor's marker in a dataset directory, or None (absent, too large, unreadable)."""
    path = directory / MARKER_NAME
    try:
        with path.open("rb") as f:
            data = f.read(MARKER_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MARKER_MAX_BYTES:
        return None
    return parse_marker(data.decode("utf-8", "replace"))


def parse_marker(text: str) -> dict[str, str] | None:
    version = _VERSION_LINE.search(text)
    if version is None:
        return None
    reason = _REASON_LINE.search(text)
    return {"version": version.group(1), "reason": reason.group(1)[:200] if reason else ""}


def marker_text(version: str, reason: str) -> str:
    reason = " ".join(reason.split())[:200]
    return (
        "# This dataset's removals are intended: the refresher accepts this version even though\n"
        "# it has fewer files, periods or jurisdictions than the one serving (README: Refresh).\n"
        "# It allows only the version below; any later edit needs a new marker.\n"
        f"version {version}\n"
        f"reason {reason}\n"
    )


def counts(dataset: Any) -> dict[str, int]:
    """What a damaged file loses: periods per file and in total, researched and all places."""
    per_file: Counter[str] = Counter()
    researched = 0
    for j in dataset.jurisdictions.values():
        if j.periods:
            researched += 1
        for p in j.periods:
            per_file[p.file] += 1
    out = {f"periods in {name}": n for name, n in sorted(per_file.items())}
    out["periods"] = sum(per_file.values())
    out["researched jurisdictions"] = researched
    out["jurisdictions"] = len(dataset.jurisdictions)
    return out


def problems(old: Any, new: Any, max_drop_percent: float) -> list[str]:
    """Why `new` looks damaged next to `old` (empty: plausible)."""
    found = [
        f"{name} is missing (it is in the dataset serving now)"
        for name in sorted(set(old.files) - set(new.files))
    ]
    before, after = counts(old), counts(new)
    for what, was in before.items():
        now = after.get(what, 0)
        dropped = was - now
        if dropped >= MIN_DROP and dropped * 100 > max_drop_percent * was:
            found.append(
                f"{what}: {was} -> {now} (-{dropped * 100 / was:.0f} %, "
                f"limit {max_drop_percent:g} %)"
            )
    return found


def check(
    old: Any, new: Any, marker: Mapping[str, str] | None, max_drop_percent: float
) -> tuple[list[str], bool]:
    """(problems, intended): problems are ignored when the marker names the new version."""
    found = problems(old, new, max_drop_percent) if old is not None else []
    intended = bool(found) and bool(marker) and marker.get("version") == new.version
    return found, intended
