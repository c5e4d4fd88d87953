"""`flask data publish OUT`: validate the dataset and write the artifact an HTTP source serves."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app

from .. import artifact
from ..cli import data_cli
from ..config import SHIPPED_DATA
from ..dataset import DatasetError, build_dataset, read_dir
from .sources import is_url


def _default_source() -> Path:
    configured = str(current_app.config.get("KRATOM_DATA_SOURCE") or "")
    return Path(configured) if configured and not is_url(configured) else SHIPPED_DATA


@click.command("publish")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset directory (default: KRATOM_DATA_SOURCE, or the shipped data).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--downloads/--no-downloads",
    default=True,
    help="Also write OUT/downloads/: today's status as CSV, GeoJSON, Parquet, and changes.ics.",
)
def publish_command(out: Path, source: Path | None, as_json: bool, downloads: bool) -> None:
    """Write OUT/dataset-<version>.json and OUT/latest.json (atomically), if the data validates."""
    source = source or _default_source()
    try:
        files = read_dir(source)
        dataset = build_dataset(files)
    except DatasetError as exc:
        errors = [str(e) for e in exc.errors]
        if as_json:
            click.echo(json.dumps({"ok": False, "source": str(source), "errors": errors}, indent=2))
        else:
            for e in errors:
                click.echo(f"error: {e}", err=True)
            click.echo(f"not published: {len(errors)} errors in {source}", err=True)
        sys.exit(1)
    summary = artifact.publish(files, dataset, out)
    summary["source"] = str(source)
    if downloads:
        from ..downloads.publish import write_for

        summary["downloads"] = write_for(dataset, source, summary["published"], out / "downloads")
    if as_json:
        click.echo(json.dumps({"ok": True, **summary}, indent=2))
    else:
        how = "already published" if summary["reused"] else "published"
        click.echo(
            f"{how}: version {summary['version']} ({summary['files']} files, "
            f"{summary['changes']} changes, {summary['bytes']} bytes) -> {summary['artifact']}; "
            f"{summary['pointer']} points to it"
        )
        if downloads:
            click.echo(f"downloads: {', '.join(summary['downloads'])} -> {out / 'downloads'}")


data_cli.add_command(publish_command)
