"""`flask data ...`: the editors' commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .config import SHIPPED_DATA
from .dataset import validate_dir

data_cli = AppGroup("data", help="Validate, compare, report on and publish the legal dataset.")


@data_cli.command("validate")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def validate_command(directory: Path | None, as_json: bool) -> None:
    """Check every file; print every error as file:line:column: field: message."""
    directory = directory or SHIPPED_DATA
    dataset, errors = validate_dir(directory)
    warnings: list = []
    try:
        from .dataset.lint import lint

        if dataset is not None:
            warnings = lint(dataset)
    except ImportError:
        pass
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not errors,
                    "version": dataset.version if dataset else None,
                    "errors": [e.as_dict() for e in errors],
                    "warnings": [w.as_dict() for w in warnings],
                },
                indent=2,
            )
        )
    else:
        for e in errors:
            click.echo(f"error: {e}", err=True)
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
        if dataset is not None:
            periods = sum(len(j.periods) for j in dataset.jurisdictions.values())
            researched = sum(1 for j in dataset.jurisdictions.values() if j.periods)
            click.echo(
                f"ok: {directory} version {dataset.version}: {len(dataset.jurisdictions)} "
                f"jurisdictions ({researched} researched), {periods} periods, "
                f"{len(warnings)} warnings"
            )
        else:
            click.echo(f"{len(errors)} errors in {directory}", err=True)
    sys.exit(1 if errors else 0)


def init_app(app: Flask) -> None:
    app.cli.add_command(data_cli)
