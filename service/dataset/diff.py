"""What an edit does: status changes on any date, and periods added, removed or changed.

Comparing timelines (not rows) is what makes split, merged, shifted and removed periods come
out right: both timelines are cut at every boundary either of them has, and the elementary
intervals whose status differs are merged back into ranges.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .issues import DatasetError, Issue
from .model import PRODUCTS, Dataset, Jurisdiction, Period

# Every field an editor writes, except the key (code, products, start) and where it was written.
COMPARED_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Period)
    if f.name not in ("code", "products", "start", "file", "line")
)
FIELD_NAMES = {"end": "effective_to", "start_precision": "date_precision"}


@dataclass(frozen=True, slots=True)
class StatusChange:
    """Over [start, end) the old files said `before`, the new ones say `after`."""

    code: str
    name: str
    start: dt.date | None  # None: from the beginning of time
    end: dt.date | None  # None: open-ended
    before: str
    after: str
    products: tuple[str, ...] = PRODUCTS  # the classes whose status changes this way

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "products": list(self.products),
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "before": self.before,
            "after": self.after,
        }

    def __str__(self) -> str:
        which = "" if self.products == PRODUCTS else f" [{' '.join(self.products)}]"
        return f"{self.code} ({self.name}){which}: {self.when}: {self.before} -> {self.after}"

    @property
    def when(self) -> str:
        """The half-open range in words: 'from A until B' means A up to the day before B."""
        if self.start is None:
            return f"before {self.end.isoformat()}" if self.end else "on every date"
        if self.end is None:
            return f"from {self.start.isoformat()} on"
        return f"from {self.start.isoformat()} until {self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class PeriodChange:
    code: str
    effective_from: str | None
    kind: str  # added | removed | changed
    fields: tuple[str, ...] = ()
    products: tuple[str, ...] = PRODUCTS

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "products": list(self.products),
            "effective_from": self.effective_from,
            "kind": self.kind,
            "fields": list(self.fields),
        }


@dataclass(frozen=True, slots=True)
class DatasetDiff:
    old_version: str
    new_version: str
    status_changes: tuple[StatusChange, ...]
    periods: tuple[PeriodChange, ...] = field(default=())

    def count(self, kind: str) -> int:
        return sum(1 for p in self.periods if p.kind == kind)

    @property
    def changed_codes(self) -> list[str]:
        return sorted({c.code for c in self.status_changes})

    def as_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "status_changed": bool(self.status_changes),
            "jurisdictions": self.changed_codes,
            "status_changes": [c.as_dict() for c in self.status_changes],
            "periods": {
                "added": self.count("added"),
                "removed": self.count("removed"),
                "changed": self.count("changed"),
                "details": [p.as_dict() for p in self.periods],
            },
        }

    def text(self) -> str:
        lines = [f"old {self.old_version} -> new {self.new_version}"]
        if self.status_changes:
            n = len(self.changed_codes)
            lines.append(f"status changes in {n} jurisdiction{'s' * (n != 1)}:")
            lines.extend(f"  {c}" for c in self.status_changes)
        else:
            lines.append("no status changes on any date")
        lines.append(
            f"periods: {self.count('added')} added, {self.count('removed')} removed, "
            f"{self.count('changed')} changed"
        )
        for p in self.periods:
            extra = f" ({', '.join(p.fields)})" if p.fields else ""
            which = "" if p.products == PRODUCTS else f" [{' '.join(p.products)}]"
            lines.append(
                f"  {p.kind} {p.code}{which} from {p.effective_from or '(beginning)'}{extra}"
            )
        return "\n".join(lines)


def status_segments(
    old: tuple[Period, ...], new: tuple[Period, ...]
) -> list[tuple[dt.date | None, dt.date | None, str, str]]:
    """Merged [start, end) ranges where the two timelines disagree, with (before, after)."""
    cuts = sorted({d for p in (*old, *new) for d in (p.start, p.end) if d is not None})
    bounds: list[dt.date | None] = [None, *cuts, None]
    out: list[tuple[dt.date | None, dt.date | None, str, str]] = []
    for start, end in itertools.pairwise(bounds):
        before, after = _status_in(old, start, end), _status_in(new, start, end)
        if before == after:
            continue
        if out and out[-1][1] == start and out[-1][2:] == (before, after):
            out[-1] = (out[-1][0], end, before, after)
        else:
            out.append((start, end, before, after))
    return out


def _status_in(periods: tuple[Period, ...], start: dt.date | None, end: dt.date | None) -> str:
    """Status over an elementary interval: it lies wholly inside one period or in none."""
    for p in periods:
        after_start = p.start is None or (start is not None and p.start <= start)
        before_end = p.end is None or (end is not None and end <= p.end)
        if after_start and before_end:
            return p.status
    return "unknown"


def _fields(p: Period) -> dict[str, Any]:
    values = {name: getattr(p, name) for name in COMPARED_FIELDS}
    values["sources"] = tuple(s.url for s in p.sources)
    return values


def diff_datasets(old: Dataset, new: Dataset) -> DatasetDiff:
    status: list[StatusChange] = []
    periods: list[PeriodChange] = []
    for code in sorted(set(old.jurisdictions) | set(new.jurisdictions)):
        a, b = old.jurisdictions.get(code), new.jurisdictions.get(code)
        name = (b or a).name  # type: ignore[union-attr]
        pa, pb = _periods(a), _periods(b)
        # one timeline per class; segments that change the same way are reported together
        grouped: dict[tuple, list[str]] = {}
        for product in PRODUCTS:
            ta = tuple(p for p in pa if product in p.products)
            tb = tuple(p for p in pb if product in p.products)
            for segment in status_segments(ta, tb):
                grouped.setdefault(segment, []).append(product)
        for (start, end, before, after), products in sorted(
            grouped.items(), key=lambda x: (x[0][0] or dt.date.min, PRODUCTS.index(x[1][0]))
        ):
            status.append(StatusChange(code, name, start, end, before, after, tuple(products)))
        periods.extend(_period_changes(code, pa, pb))
    return DatasetDiff(old.version, new.version, tuple(status), tuple(periods))


def _periods(j: Jurisdiction | None) -> tuple[Period, ...]:
    return j.periods if j is not None else ()


def _period_changes(
    code: str, old: tuple[Period, ...], new: tuple[Period, ...]
) -> list[PeriodChange]:
    """Periods matched by (code, products, effective_from): same key, other fields: a change."""
    a = {(p.start, p.products): p for p in old}
    b = {(p.start, p.products): p for p in new}
    out: list[PeriodChange] = []
    for k in sorted(set(a) | set(b), key=lambda x: (x[0] or dt.date.min, PRODUCTS.index(x[1][0]))):
        start, products = k
        key = start.isoformat() if start else None
        if k not in b:
            out.append(PeriodChange(code, key, "removed", products=products))
        elif k not in a:
            out.append(PeriodChange(code, key, "added", products=products))
        else:
            fa, fb = _fields(a[k]), _fields(b[k])
            changed = tuple(FIELD_NAMES.get(f, f) for f in COMPARED_FIELDS if fa[f] != fb[f])
            if changed:
                out.append(PeriodChange(code, key, "changed", changed, products))
    return out


def git_files(ref: str, directory: Path) -> dict[str, bytes]:
    """The dataset's CSV files as they are at a git ref, read with git itself: no checkout."""
    directory = directory.resolve()
    probe = directory if directory.is_dir() else directory.parent
    top = Path(_git(probe, "rev-parse", "--show-toplevel").decode().strip())
    rel = PurePosixPath(directory.relative_to(top).as_posix()) if directory != top else None
    spec = f"{ref}:{rel}" if rel else f"{ref}:"
    listing = _git(top, "ls-tree", "-z", "--name-only", spec).decode()
    names = sorted(n for n in listing.split("\0") if n.endswith(".csv") and "/" not in n)
    if not names:
        raise DatasetError([Issue(spec, 0, 0, "", "no CSV files at this ref")])
    return {n: _git(top, "show", f"{spec}{'/' if rel else ''}{n}") for n in names}


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DatasetError([Issue("git", 0, 0, "", f"cannot run git: {exc}")]) from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        raise DatasetError([Issue("git " + " ".join(args), 0, 0, "", message)])
    return done.stdout
