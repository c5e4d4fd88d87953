"""`kratom-status`: the service's answers on the command line, and `serve` to run it.

    kratom-status lookup --lat 30.2672 --lon -97.7431 [--on 2024-06-01] [--json]
    kratom-status status US-TX [--on DAY] [--json]
    kratom-status annotate stores.csv stores-annotated.csv [--lat-col latitude --lon-col longitude]
    kratom-status serve [--port 8000] [--workers 2]

With --json, lookup and status print exactly the JSON the HTTP API serves for the same question.
Errors are one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from .client import KratomStatus, UnknownCode, check_point, parse_on
from .jsonout import html_safe_json

STATUS_WORDS = {
    "legal": "legal",
    "regulated": "regulated",
    "restricted": "restricted",
    "banned": "banned",
    "unknown": "unknown (not established)",
}


def _day(on: str | None, param: str = "--on") -> dt.date:
    try:
        return parse_on(on)
    except ValueError:
        raise click.BadParameter(f"{on!r} is not a date as YYYY-MM-DD", param_hint=param) from None


def _client() -> KratomStatus:
    try:
        return KratomStatus()
    except Exception as exc:  # a bad dataset or configuration: say what, not where in our code
        raise click.ClickException(f"could not load the data: {exc}") from None


def _print_json(payload: Any) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(html_safe_json(payload) + b"\n")
    sys.stdout.buffer.flush()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kratom-status")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(checkout, not installed)"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="kratom-status")
def main() -> None:
    """Is kratom legal here, on this date, and why? Answers from the shipped dataset and
    boundaries (or KRATOM_DATA_SOURCE / KRATOM_BOUNDARIES_DIR), without a server. Not legal
    advice."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")


@main.command()
@click.option("--lat", type=float, required=True, help="Latitude, -90 to 90.")
@click.option("--lon", type=float, required=True, help="Longitude, -180 to 180.")
@click.option("--on", metavar="YYYY-MM-DD", help="Date to answer for (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the /v1/lookup JSON.")
def lookup(lat: float, lon: float, on: str | None, as_json: bool) -> None:
    """The jurisdictions at a point and the controlling verdict (GET /v1/lookup?lat&lon)."""
    try:
        check_point(lat, lon)
    except ValueError as exc:
        field = str(exc).split("'")[1]
        raise click.BadParameter(str(exc), param_hint=f"--{field}") from None
    day = _day(on)
    answer = _client().lookup(lat=lat, lon=lon, on=day)
    if as_json:
        _print_json(answer)
        return
    click.echo(_point_text(answer))


@main.command()
@click.argument("code")
@click.option("--on", metavar="YYYY-MM-DD", help="Date to answer for (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the /v1/jurisdictions/CODE JSON.")
def status(code: str, on: str | None, as_json: bool) -> None:
    """One jurisdiction by code (TH, US-TX, US-CA:san-diego-city): status, law, sources, next."""
    day = _day(on)
    try:
        answer = _client().status(code=code, on=day)
    except UnknownCode:
        raise click.ClickException(
            f"no jurisdiction with code {code!r} (codes look like TH, US-TX, US-CA:san-diego-city)"
        ) from None
    if as_json:
        _print_json(answer)
        return
    click.echo(_jurisdiction_text(answer))


@main.command()
@click.argument("src", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("dst", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lat-col", default="lat", show_default=True, help="Latitude column.")
@click.option("--lon-col", default="lon", show_default=True, help="Longitude column.")
@click.option("--on", metavar="YYYY-MM-DD", help="Date to answer for (default: today, UTC).")
@click.option("--prefix", default="", help="Prefix for the added column names.")
@click.option("--chunk-size", default=20_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def annotate(
    src: Path,
    dst: Path,
    lat_col: str,
    lon_col: str,
    on: str | None,
    prefix: str,
    chunk_size: int,
    quiet: bool,
) -> None:
    """Add status, code, reason, flags and per-product columns to every row of IN.

    CSV (.csv), Parquet (.parquet) or GeoJSON (.geojson, points from the geometry); OUT has
    the same format. A row without an answer keeps its place and says why in `error`.
    """
    from .annotate_files import InputError, annotate_file, format_of

    day = _day(on)
    try:
        format_of(src)
        if not src.is_file():
            raise InputError(f"{src}: no such file")
        client = _client()
        result = annotate_file(
            client,
            src,
            dst,
            lat_col=lat_col,
            lon_col=lon_col,
            day=day,
            prefix=prefix,
            chunk=chunk_size,
            progress=not quiet,
        )
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, MemoryError) as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
    if not quiet:
        rate = result["rows"] / max(result["seconds"], 1e-9)
        click.echo(
            f"annotated {result['rows']:,} rows ({result['errors']:,} without an answer, see "
            f"'{prefix}error') in {result['seconds']:.1f} s, {rate:,.0f} rows/s -> {dst}; "
            f"dataset {client.version}, as of {day.isoformat()}",
            err=True,
        )


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--host", default=None, help="Address to bind (default 0.0.0.0, or HOST).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default 8000, or PORT.")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn workers.")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(
    host: str | None, port: int | None, workers: int | None, gunicorn_args: tuple[str, ...]
) -> None:
    """Run the HTTP service under gunicorn with the project's gunicorn.conf.py; extra
    arguments go to gunicorn."""
    from .config import shipped

    conf = shipped("gunicorn.conf.py")
    if not conf.is_file():
        raise click.ClickException(f"gunicorn settings not found at {conf}")
    env = dict(os.environ)
    for name, value in (("HOST", host), ("PORT", port), ("WEB_CONCURRENCY", workers)):
        if value is not None:
            env[name] = str(value)
    argv = [sys.executable, "-m", "gunicorn", "-c", str(conf), *gunicorn_args]
    argv.append("service:create_app()")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, argv, env)


# -- human-readable text -----------------------------------------------------------------


def _status_text(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def _point_text(a: dict[str, Any]) -> str:
    v = a["verdict"]
    lines = [
        f"{a['summary']}",
        f"  verdict: {_status_text(v['status'])}"
        + (f" (controlled by {v['code']})" if v.get("code") else ""),
        f"  why: {v['reason']}",
    ]
    products = a.get("products")
    if isinstance(products, dict):
        lines.append(
            "  by product: "
            + ", ".join(f"{p} {(x or {}).get('status', '?')}" for p, x in products.items())
        )
    if a["stack"]:
        lines.append("  jurisdictions here:")
        for e in a["stack"]:
            since = f" since {e['since']}" if e.get("since") else ""
            lines.append(f"    {e['code']:<24} {e['name']}: {_status_text(e['status'])}{since}")
    flags = [f for f in ("near_border", "approximate", "at_sea", "disputed") if a.get(f)]
    if flags:
        lines.append("  flags: " + ", ".join(f.replace("_", " ") for f in flags))
    for alt in a.get("alternatives") or []:
        lines.append(
            f"    across the line, {alt['distance_m']:,.0f} m: {alt['code']} "
            f"{alt['name']}: {_status_text(alt['status'])}"
        )
    if a.get("nearest"):
        n = a["nearest"]
        lines.append(
            f"  nearest country: {n['code']} {n['name']}, {n['distance_m'] / 1000:,.0f} km"
        )
    for note in a.get("notes") or []:
        lines.append(f"  note: {note}")
    lines.append(f"  as of {a['as_of']}; dataset {a['dataset']['version']}")
    return "\n".join(lines)


def _jurisdiction_text(a: dict[str, Any]) -> str:
    lines = [f"{a['summary']}  [{a['code']}, {a['level']}]"]
    if a.get("law"):
        lines.append(f"  law: {a['law']}")
    if a.get("confidence"):
        lines.append(f"  confidence: {a['confidence']}, sources verified {a['verified_on']}")
    for s in a.get("sources") or []:
        lines.append(f"    source ({s['tier']}): {s['url']}")
    n = a.get("next")
    if n:
        law = f" ({n['law']})" if n.get("law") else ""
        lines.append(f"  next: from {n['date']}: {_status_text(n['status'])}{law}")
    v = a.get("verdict") or {}
    if a.get("parents") and v.get("status") != a["status"]:
        lines.append(f"  with the layers above it: {_status_text(v['status'])}: {v['reason']}")
    lines.append(f"  as of {a['as_of']}; dataset {a['dataset']['version']}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m service.commandline
    main()
