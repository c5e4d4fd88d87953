"""Reading editor-maintained CSV files strictly, keeping line numbers for every row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from .issues import Issue


@dataclass(frozen=True, slots=True)
class Row:
    file: str
    line: int
    values: dict[str, str]
    columns: dict[str, int]  # field name -> 1-based column number

    def issue(self, field: str, message: str, severity: str = "error") -> Issue:
        return Issue(self.file, self.line, self.columns.get(field, 0), field, message, severity)


def decode(name: str, data: bytes) -> tuple[str | None, list[Issue]]:
    """Decode strict UTF-8; report the line and column of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, [Issue(name, line, col, "", f"invalid UTF-8 byte 0x{data[exc.start]:02x}")]
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, []


def read_rows(
    name: str, data: bytes, expected: tuple[str, ...], required: tuple[str, ...] = ()
) -> tuple[list[Row], list[Issue]]:
    """Parse one CSV file; every structural problem becomes an Issue, none raises."""
    text, issues = decode(name, data)
    if text is None:
        return [], issues
    if not text.strip():
        return [], [Issue(name, 1, 1, "", "file is empty (expected a header row)")]
    if not text.endswith("\n"):
        last = text.count("\n") + 1
        issues.append(Issue(name, last, 1, "", "file does not end with a newline (truncated?)"))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        return [], [Issue(name, 1, 1, "", f"unreadable header: {exc}")]
    header = [h.strip() for h in header]
    missing = [c for c in (required or expected) if c not in header]
    unknown = [c for c in header if c not in expected]
    for c in missing:
        issues.append(Issue(name, 1, 1, c, "missing column"))
    for c in unknown:
        issues.append(Issue(name, 1, header.index(c) + 1, c, "unknown column"))
    if missing:
        return [], issues
    columns = {h: i + 1 for i, h in enumerate(header)}
    rows: list[Row] = []
    for line, record in _records(reader, name, issues):
        if not any(v.strip() for v in record):
            continue
        if len(record) != len(header):
            what = "truncated row" if len(record) < len(header) else "too many fields"
            issues.append(
                Issue(name, line, len(record), "", f"{what}: {len(record)} of {len(header)} fields")
            )
            continue
        values = {h: v.strip() for h, v in zip(header, record, strict=True)}
        rows.append(Row(name, line, values, columns))
    return rows, issues


def _records(reader: csv.reader, name: str, issues: list[Issue]) -> Iterator[tuple[int, list[str]]]:
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            issues.append(Issue(name, start, 1, "", f"malformed CSV: {exc}"))
            return
        yield start, record
