"""`flask data publish OUT`: validate the dataset and write the (signed) artifact an HTTP source
serves; `flask data keygen KEYFILE`: the signing key pair; `flask data intend "why"`: the
editor's marker that lets a dataset with fewer files, periods or places through."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import artifact
from ..cli import data_cli
from ..config import SHIPPED_DATA
from ..dataset import DatasetError, build_dataset, content_version, read_dir
from . import plausible
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
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="KRATOM_SIGNING_KEY_FILE",
    help="Ed25519 private key (PEM) to sign with; default: KRATOM_SIGNING_KEY_FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--downloads/--no-downloads",
    default=True,
    help="Also write OUT/downloads/: today's status as CSV, GeoJSON, Parquet, and changes.ics.",
)
@with_appcontext
def publish_command(
    out: Path, source: Path | None, key_file: Path | None, as_json: bool, downloads: bool
) -> None:
    """Write OUT/dataset-<version>.json and OUT/latest.json (atomically), if the data validates."""
    source = source or _default_source()
    try:
        files = read_dir(source)
        dataset = build_dataset(files)
    except DatasetError as exc:
        _fail([str(e) for e in exc.errors], source, as_json)
    key = None
    if key_file is not None:
        try:
            key = artifact.load_private_key(key_file)
        except artifact.ArtifactError as exc:
            _fail([str(exc)], source, as_json)
    marker = plausible.read_marker(source)
    intended = marker if marker and marker["version"] == dataset.version else None
    found, ok = plausible.check(
        _previous(out),
        dataset,
        intended,
        float(current_app.config["KRATOM_REFRESH_MAX_DROP_PERCENT"]),
    )
    if found and not ok:
        _fail(
            [f"implausible next to the published dataset: {f}" for f in found]
            + ["if this is intended: flask --app service data intend 'why', then publish again"],
            source,
            as_json,
        )
    summary = artifact.publish(files, dataset, out, key=key, intended=intended)
    summary["source"] = str(source)
    if downloads:
        from ..downloads.publish import write_for

        summary["downloads"] = write_for(dataset, source, summary["published"], out / "downloads")
    if as_json:
        click.echo(json.dumps({"ok": True, **summary}, indent=2))
        return
    how = "already published" if summary["reused"] else "published"
    click.echo(
        f"{how}: version {summary['version']} ({summary['files']} files, "
        f"{summary['changes']} changes, {summary['bytes']} bytes) -> {summary['artifact']}; "
        f"{summary['pointer']} points to it"
    )
    if key is None:
        click.echo(
            "warning: unsigned (no --key): services with KRATOM_DATA_PUBLIC_KEY refuse it", err=True
        )
    else:
        click.echo(f"signed with key {summary['signed_by']}")
    if downloads:
        click.echo(f"downloads: {', '.join(summary['downloads'])} -> {out / 'downloads'}")


def _fail(errors: list[str], source: Path, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "source": str(source), "errors": errors}, indent=2))
    else:
        for e in errors:
            click.echo(f"error: {e}", err=True)
        click.echo(f"not published: {len(errors)} errors in {source}", err=True)
    sys.exit(1)


def _previous(out: Path):
    """The dataset OUT/latest.json points to now, if any (the baseline for plausibility)."""
    try:
        pointer = artifact.parse_document((out / artifact.POINTER_NAME).read_bytes())
        if not isinstance(pointer, artifact.Pointer) or "/" in pointer.artifact:
            return None
        art = artifact.parse_artifact((out / pointer.artifact).read_bytes())
        return build_dataset(art.files)
    except (OSError, artifact.ArtifactError, DatasetError):
        return None


@click.command("keygen")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(key_file: Path) -> None:
    """Write a new Ed25519 signing key to KEY_FILE (0600) and print its public key, the value
    of KRATOM_DATA_PUBLIC_KEY for the services that read what you publish."""
    try:
        public = artifact.generate_key(key_file)
    except FileExistsError:
        click.echo(f"error: {key_file} exists; not overwritten", err=True)
        sys.exit(1)
    click.echo(f"private key: {key_file} (keep it secret; publish with --key {key_file})")
    click.echo(f"KRATOM_DATA_PUBLIC_KEY={public}")


@click.command("intend")
@click.argument("reason", nargs=-1, required=True)
@click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dataset directory (default: KRATOM_DATA_SOURCE, or the shipped data).",
)
def intend_command(reason: tuple[str, ...], source: Path | None) -> None:
    """Mark the dataset as it is now as intended, though it has fewer files, periods or places
    than before: writes SOURCE/INTENDED naming its content version (a later edit needs a new
    marker). Commit it with the change."""
    source = source or _default_source()
    try:
        version = content_version(read_dir(source))
    except DatasetError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    (source / plausible.MARKER_NAME).write_text(
        plausible.marker_text(version, " ".join(reason)), encoding="utf-8"
    )
    click.echo(f"{source / plausible.MARKER_NAME}: version {version} marked as intended")


data_cli.add_command(publish_command)
data_cli.add_command(keygen_command)
data_cli.add_command(intend_command)
