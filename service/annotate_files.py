"""`kratom-status annotate IN OUT`: CSV, Parquet and GeoJSON files, streamed in chunks.

Every input row comes out, in order, with the annotate columns added; a row whose point cannot
be answered gets its reason in `error` (no traceback, no dropped row). CSV and Parquet are read
and written chunk by chunk, so a million rows never become a million dicts; GeoJSON is one JSON
document, so it is parsed whole but written feature by feature. The output is written to a
temporary file beside OUT and renamed at the end: a failed run leaves no half-written OUT.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from . import columns as cols
from .client import KratomStatus

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".geojson": "geojson"}
DEFAULT_CHUNK = 20_000


class InputError(Exception):
    """The file as a whole cannot be annotated (not found, no such column, not GeoJSON)."""


def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path.name}: unknown format; use one of {', '.join(sorted(FORMATS))} "
            "(the same format in and out)"
        )
    return fmt


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise
    (logs and CI keep a readable record)."""

    def __init__(self, total: int, unit: str, stream: IO[str] | None = None, enabled: bool = True):
        self.total = max(total, 0)
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.done = 0
        self.started = time.perf_counter()
        self._tenths = 0

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        if self.tty:
            width = 30
            bar = "#" * int(share * width)
            self.stream.write(f"\r[{bar:<{width}}] {share:4.0%} {self._counts()}")
            self.stream.flush()
            return
        tenths = int(share * 10)
        if tenths > self._tenths:
            self._tenths = tenths
            self.stream.write(f"annotate: {share:4.0%} {self._counts()}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _counts(self) -> str:
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        return f"({self.done:,} of {self.total:,} {self.unit}, {rate:,.0f}/s)"


def parse_floats(values: list[Any]) -> np.ndarray:
    """Floats from cells; NaN where a cell is empty or not a number (reported per row)."""
    try:
        return np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        out = np.empty(len(values), dtype=np.float64)
        for i, v in enumerate(values):
            try:
                out[i] = float(v)
            except (ValueError, TypeError):
                out[i] = np.nan
        return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


@contextlib.contextmanager
def _atomic(out: Path, mode: str, **kwargs: Any) -> Iterator[IO[Any]]:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        with open(tmp, mode, **kwargs) as fh:
            yield fh
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def annotate_file(
    client: KratomStatus,
    src: Path,
    dst: Path,
    *,
    lat_col: str = "lat",
    lon_col: str = "lon",
    day: dt.date,
    prefix: str = "",
    chunk: int = DEFAULT_CHUNK,
    progress: bool = True,
) -> dict[str, Any]:
    """Annotate one file; returns {rows, errors, seconds, format}."""
    fmt = format_of(src)
    if format_of(dst) != fmt:
        raise InputError(f"write {fmt} to a {fmt} file (got {dst.name})")
    if not src.is_file():
        raise InputError(f"{src}: no such file")
    started = time.perf_counter()
    names = [prefix + c for c in cols.POINT_COLUMNS]
    runner = {"csv": _csv, "parquet": _parquet, "geojson": _geojson}[fmt]
    compute = _computer(client, day)
    rows, errors = runner(src, dst, lat_col, lon_col, names, compute, max(chunk, 1), progress)
    return {
        "rows": rows,
        "errors": errors,
        "seconds": time.perf_counter() - started,
        "format": fmt,
    }


Compute = Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]


def _computer(client: KratomStatus, day: dt.date) -> Compute:
    def compute(lat: np.ndarray, lon: np.ndarray) -> dict[str, np.ndarray]:
        return client._columns(lat, lon, day)

    return compute


def _check_new(existing: list[str], names: list[str]) -> None:
    clash = [n for n in names if n in existing]
    if clash:
        raise InputError(
            f"the input already has columns {clash}: choose a --prefix for the added ones"
        )


def _index(header: list[str], name: str, option: str) -> int:
    try:
        return header.index(name)
    except ValueError:
        shown = ", ".join(header[:20])
        raise InputError(f"no column {name!r} ({option}); the columns are: {shown}") from None


# -- CSV ---------------------------------------------------------------------------------


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


def _csv(
    src: Path,
    dst: Path,
    lat_col: str,
    lon_col: str,
    names: list[str],
    compute: Compute,
    chunk: int,
    progress: bool,
) -> tuple[int, int]:
    total = max(_count_lines(src) - 1, 0)  # a progress estimate: quoted newlines count too
    bar = Progress(total, "rows", enabled=progress)
    done = errors = 0
    try:
        with src.open(newline="", encoding="utf-8-sig") as fin:
            reader = csv.reader(fin)
            header = next(reader, None)
            if header is None:
                raise InputError(
                    f"{src.name}: empty file (a header row with {lat_col!r} is needed)"
                )
            ilat = _index(header, lat_col, "--lat-col")
            ilon = _index(header, lon_col, "--lon-col")
            _check_new(header, names)
            width = len(header)
            with _atomic(dst, "w", newline="", encoding="utf-8") as fout:
                writer = csv.writer(fout, lineterminator="\n")
                writer.writerow(header + names)
                while True:
                    rows = _take(reader, chunk)
                    if not rows:
                        break
                    lat = parse_floats([r[ilat] if len(r) > ilat else "" for r in rows])
                    lon = parse_floats([r[ilon] if len(r) > ilon else "" for r in rows])
                    found = compute(lat, lon)
                    for i, r in enumerate(rows):
                        if len(r) > width:  # its cells may be shifted: no answer, aligned
                            for c in cols.POINT_COLUMNS:
                                found[c][i] = None
                            found["error"][i] = (
                                f"row has {len(r)} cells, the header {width}: "
                                f"the last {len(r) - width} left out"
                            )
                            rows[i] = r[:width]
                    errors += int(np.count_nonzero(found["error"] != None))  # noqa: E711
                    cells = [found[c] for c in cols.POINT_COLUMNS]
                    out_rows = (
                        (r + [""] * (width - len(r)) if len(r) < width else r)
                        + [_cell(col[i]) for col in cells]
                        for i, r in enumerate(rows)
                    )
                    writer.writerows(out_rows)
                    done += len(rows)
                    bar.update(len(rows))
    except csv.Error as exc:
        raise InputError(f"{src.name}: not readable as CSV near row {done + 2}: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{src.name}: not UTF-8 text") from None
    finally:
        bar.close()
    return done, errors


def _take(reader: Any, n: int) -> list[list[str]]:
    out = []
    for row in reader:
        if not row:  # a blank line is no record
            continue
        out.append(row)
        if len(out) >= n:
            break
    return out


# -- Parquet -----------------------------------------------------------------------------


def _arrow_floats(column: Any) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = column.type
    if pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t):
        return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)
    return parse_floats(column.to_pylist())


def _parquet(
    src: Path,
    dst: Path,
    lat_col: str,
    lon_col: str,
    names: list[str],
    compute: Compute,
    chunk: int,
    progress: bool,
) -> tuple[int, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(src)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{src.name}: not a Parquet file ({exc})") from None
    schema = pf.schema_arrow
    _index(schema.names, lat_col, "--lat-col")
    _index(schema.names, lon_col, "--lon-col")
    _check_new(schema.names, names)
    added = [
        pa.field(n, pa.bool_() if c in cols.BOOL_COLUMNS else pa.string())
        for n, c in zip(names, cols.POINT_COLUMNS, strict=True)
    ]
    out_schema = pa.schema([*schema, *added], metadata=schema.metadata)
    bar = Progress(pf.metadata.num_rows, "rows", enabled=progress)
    done = errors = 0
    try:
        with _atomic(dst, "wb") as fh, pq.ParquetWriter(fh, out_schema) as writer:
            for batch in pf.iter_batches(batch_size=chunk):
                lat = _arrow_floats(batch.column(lat_col))
                lon = _arrow_floats(batch.column(lon_col))
                found = compute(lat, lon)
                errors += int(np.count_nonzero(found["error"] != None))  # noqa: E711
                arrays = [
                    pa.array(found[c], type=f.type)
                    for c, f in zip(cols.POINT_COLUMNS, added, strict=True)
                ]
                writer.write_batch(
                    pa.RecordBatch.from_arrays([*batch.columns, *arrays], schema=out_schema)
                )
                done += batch.num_rows
                bar.update(batch.num_rows)
    finally:
        bar.close()
    return done, errors


# -- GeoJSON -----------------------------------------------------------------------------


def _point(feature: Any) -> tuple[float, float] | None:
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        return None
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        return None
    lon, lat = coords[0], coords[1]
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lon, lat))
    return (float(lat), float(lon)) if ok else None


def _geojson(
    src: Path,
    dst: Path,
    lat_col: str,
    lon_col: str,
    names: list[str],
    compute: Compute,
    chunk: int,
    progress: bool,
) -> tuple[int, int]:
    try:
        doc = orjson.loads(src.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{src.name}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{src.name}: not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(f"{src.name}: 'features' is not a list")
    bar = Progress(len(features), "features", enabled=progress)
    errors = 0
    try:
        with _atomic(dst, "wb") as out:
            head = {k: v for k, v in doc.items() if k != "features"}
            out.write(orjson.dumps(head)[:-1] + b',"features":[')
            for start in range(0, len(features), chunk):
                part = features[start : start + chunk]
                points = [_point(f) for f in part]
                lat = np.array([p[0] if p else np.nan for p in points], dtype=np.float64)
                lon = np.array([p[1] if p else np.nan for p in points], dtype=np.float64)
                found = compute(lat, lon)
                for i, p in enumerate(points):
                    if p is None:
                        for c in cols.POINT_COLUMNS:
                            found[c][i] = None
                        found["error"][i] = "geometry is not a GeoJSON Point with [lon, lat]"
                errors += int(np.count_nonzero(found["error"] != None))  # noqa: E711
                pieces = []
                for i, feature in enumerate(part):
                    f = dict(feature) if isinstance(feature, dict) else {"type": "Feature"}
                    props = f.get("properties")
                    props = dict(props) if isinstance(props, dict) else {}
                    for n, c in zip(names, cols.POINT_COLUMNS, strict=True):
                        props[n] = found[c][i]
                    f["properties"] = props
                    pieces.append(orjson.dumps(f))
                if start:
                    out.write(b",")
                out.write(b",".join(pieces))
                bar.update(len(part))
            out.write(b"]}")
    finally:
        bar.close()
    return len(features), errors
