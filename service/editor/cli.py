"""`flask data validate --strict`, `flask data diff` and `flask data report`.

Exit status of `flask data diff` (for CI):
  0  no jurisdiction's status changes on any date (or --no-fail-on-change)
  1  at least one status change
  2  invalid input: a side does not validate, a git ref cannot be read, or bad usage
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..cli import data_cli
from ..config import SHIPPED_DATA
from ..dataset import Dataset, DatasetError, Issue, compile_files, read_dir, validate_dir
from ..dataset.diff import diff_datasets, git_files
from ..dataset.lint import lint
from .report import compute_report, report_text

EXIT_SAME, EXIT_CHANGED, EXIT_INVALID = 0, 1, 2


def _stale_days(option: int | None) -> int:
    return option if option is not None else int(current_app.config.get("KRATOM_STALE_DAYS", 365))


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


stale_option = click.option(
    "--stale-days",
    type=click.IntRange(min=1),
    default=None,
    help="Age in days after which verified_on is stale (default: KRATOM_STALE_DAYS, 365).",
)


@click.command("validate")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only errors.")
@stale_option
def validate_command(
    directory: Path | None, as_json: bool, strict: bool, stale_days: int | None
) -> None:
    """Check every file; print every error and warning as file:line:column: field: message.

    Exit 1 on errors (or, with --strict, on warnings); warnings alone exit 0.
    """
    directory = directory or SHIPPED_DATA
    dataset, errors = validate_dir(directory)
    warnings = lint(dataset, _today(), _stale_days(stale_days)) if dataset is not None else []
    failed = bool(errors) or (strict and bool(warnings))
    if as_json:
        body = {
            "ok": not failed,
            "version": dataset.version if dataset else None,
            "errors": [e.as_dict() for e in errors],
            "warnings": [w.as_dict() for w in warnings],
        }
        click.echo(json.dumps(body, indent=2))
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
            if strict and warnings:
                click.echo(f"--strict: failing on {len(warnings)} warnings", err=True)
        else:
            click.echo(f"{len(errors)} errors in {directory}", err=True)
    sys.exit(1 if failed else 0)


def _compile(files: dict[str, bytes]) -> tuple[Dataset | None, list[Issue]]:
    return compile_files(files, _today())


def _side(read: Callable[[], dict[str, bytes]]) -> tuple[Dataset | None, list[Issue]]:
    """Read and validate one side of a diff; failures become errors, never tracebacks."""
    try:
        files = read()
    except DatasetError as exc:
        return None, exc.errors
    return _compile(files)


@click.command("diff")
@with_appcontext
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--against", "ref", metavar="REF", help="Compare DIR with its files at a git ref.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for CI.")
@click.option(
    "--fail-on-change/--no-fail-on-change",
    default=True,
    help="Exit 1 when a status changes (default) or exit 0 anyway.",
)
def diff_command(
    paths: tuple[Path, ...], ref: str | None, as_json: bool, fail_on_change: bool
) -> None:
    """Show what an edit does: `diff OLD NEW` (directories) or `diff --against REF [DIR]`.

    Lists every jurisdiction whose status changes on any date, with the date ranges and the
    status before and after, then the periods added, removed and changed (matched by code and
    effective_from). Exit 0: no status change; 1: status changes; 2: invalid input.
    """
    if ref is not None:
        if len(paths) > 1:
            raise click.UsageError("--against takes at most one directory")
        new_dir = paths[0] if paths else SHIPPED_DATA
        old_label, new_label = f"{ref}:{new_dir}", str(new_dir)
        old = _side(lambda: git_files(ref, new_dir))
    else:
        if len(paths) != 2:
            raise click.UsageError("give OLD and NEW directories, or --against REF [DIR]")
        old_dir, new_dir = paths
        old_label, new_label = str(old_dir), str(new_dir)
        old = _side(lambda: read_dir(old_dir))
    new = _side(lambda: read_dir(new_dir))
    (a, a_errors), (b, b_errors) = old, new
    if a is None or b is None:
        _invalid(as_json, {"old": (old_label, a_errors), "new": (new_label, b_errors)})
        return
    result = diff_datasets(a, b)
    if as_json:
        body = {"ok": True, "old": old_label, "new": new_label, **result.as_dict()}
        click.echo(json.dumps(body, indent=2))
    else:
        click.echo(f"--- {old_label}\n+++ {new_label}")
        click.echo(result.text())
    sys.exit(EXIT_CHANGED if result.status_changes and fail_on_change else EXIT_SAME)


def _invalid(as_json: bool, sides: dict[str, tuple[str, list[Issue]]]) -> None:
    if as_json:
        body = {
            "ok": False,
            "errors": {k: [e.as_dict() for e in errs] for k, (_label, errs) in sides.items()},
        }
        click.echo(json.dumps(body, indent=2))
    else:
        for side, (label, errs) in sides.items():
            for e in errs:
                click.echo(f"error: {side} ({label}): {e}", err=True)
        click.echo("invalid input: nothing compared", err=True)
    sys.exit(EXIT_INVALID)


@click.command("report")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@stale_option
def report_command(directory: Path | None, as_json: bool, stale_days: int | None) -> None:
    """Coverage, staleness, upcoming changes, source tiers and what is still unconfirmed."""
    directory = directory or SHIPPED_DATA
    dataset, errors = validate_dir(directory)
    if dataset is None:
        for e in errors:
            click.echo(f"error: {e}", err=True)
        click.echo(f"{len(errors)} errors in {directory}: no report", err=True)
        sys.exit(1)
    report = compute_report(dataset, _today(), _stale_days(stale_days))
    click.echo(json.dumps(report, indent=2) if as_json else report_text(report))


def register() -> None:
    """Add the commands to `flask data`; `validate` replaces the core one (same output + options)."""
    for command in (validate_command, diff_command, report_command):
        data_cli.add_command(command)
